"""Notes and highlights: a highlight is a passage of the article's text, kept by its offsets.

Offsets count characters of `articles.text`; the highlight's `text` is that slice, so a highlight
can always be drawn where it stands. Typed passages are found in the text first (whitespace and
case may differ); a passage the article does not contain is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reader.errors import BadInput, NotFound
from reader.models import Article
from reader.services.context import LibraryContext
from reader.storage.articles import ArticleStore

_SPACE = re.compile(r"\s+")


def _squeeze(text: str) -> tuple[str, list[int]]:
    """`text` with each run of whitespace as one space, and where each kept character came from."""
    out, where = [], []
    for match in re.finditer(r"\s+|\S+", text):
        if match.group().isspace():
            out.append(" ")
            where.append(match.start())
        else:
            out.append(match.group())
            where.extend(range(match.start(), match.end()))
    return "".join(out), where


def locate(text: str, passage: str, *, near: int = 0) -> tuple[int, int]:
    """Where `passage` stands in `text` as (start, end) offsets; the match nearest `near` wins.

    Whitespace runs match any whitespace; case is ignored when no exact-case match exists.
    """
    wanted = _SPACE.sub(" ", passage).strip()
    if not wanted:
        raise BadInput("a highlight needs some text")
    squeezed, where = _squeeze(text)
    for haystack, needle in ((squeezed, wanted), (squeezed.casefold(), wanted.casefold())):
        if len(haystack) != len(squeezed):  # casefold changed lengths (ß -> ss): offsets differ
            continue
        found = [m.start() for m in re.finditer(re.escape(needle), haystack)]
        if found:
            start = min(found, key=lambda i: abs(where[i] - near))
            last = start + len(needle) - 1
            return where[start], where[last] + 1
    raise BadInput("that passage is not in the article's text (a highlight must quote the article)")


_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph of `text`, trimmed.

    Text with blank lines (Markdown, plain text files) breaks at blank lines and keeps single
    line breaks inside a paragraph; extracted web text has one paragraph per line.
    """
    breaks = _BLANK_LINE if _BLANK_LINE.search(text) else re.compile(r"\n\s*")
    spans, start = [], 0
    for match in breaks.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        piece = text[a:b]
        if piece.strip():
            out.append((a + len(piece) - len(piece.lstrip()), a + len(piece.rstrip())))
    return out


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, never crossing a paragraph; for selecting by keys."""
    spans = []
    for first, last in paragraphs(text):
        paragraph = text[first:last]
        for match in re.finditer(r"[^.!?…]+(?:[.!?…]+[\"'”’)\]]*|$)", paragraph):
            piece = match.group()
            stripped = piece.strip()
            if not stripped:
                continue
            start = first + match.start() + (len(piece) - len(piece.lstrip()))
            spans.append((start, start + len(stripped)))
    return spans


@dataclass
class Annotation:
    """A note or a highlight with the article it belongs to, for listings."""

    kind: str  # note | highlight
    id: int
    article_id: int
    text: str
    note: str = ""
    start_char: int | None = None
    end_char: int | None = None
    created_at: str | None = None
    updated_at: str | None = None


class Annotations:
    """Add, edit, delete and list notes and highlights."""

    def __init__(self, ctx: LibraryContext) -> None:
        self.ctx = ctx

    @property
    def store(self) -> ArticleStore:
        return ArticleStore(self.ctx.db)

    def _text(self, article_id: int) -> str:
        row = self.ctx.db.execute("select text from articles where id = ?", [article_id]).fetchone()
        if row is None:
            raise NotFound(f"no article with id {article_id}")
        if not row[0]:
            raise BadInput(f"article {article_id} has no text yet: fetch it first")
        return row[0]

    # -- highlights ------------------------------------------------------------------
    def highlight(self, article_id: int, start: int, end: int, note: str = "") -> Article:
        """Keep the passage text[start:end] (trimmed of surrounding whitespace)."""
        text = self._text(article_id)
        if not 0 <= start < end <= len(text):
            raise BadInput(f"offsets {start}-{end} are outside the article's text (0-{len(text)})")
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            raise BadInput("a highlight needs some text")
        self.store.add_highlight(
            article_id, text[start:end], note.strip(), start_char=start, end_char=end
        )
        return self.store.get(article_id)

    def highlight_passage(self, article_id: int, passage: str, note: str = "", *,
                          near: int = 0) -> Article:
        """Keep a passage given as text: it must be found in the article."""
        start, end = locate(self._text(article_id), passage, near=near)
        return self.highlight(article_id, start, end, note)

    def edit_highlight(self, highlight_id: int, *, note: str | None = None,
                       passage: str | None = None) -> Article:
        """Change a highlight's note, or the passage it keeps (found in the article again)."""
        row = self.store.annotation("highlights", highlight_id)
        values: dict[str, object] = {}
        if note is not None:
            values["note"] = note.strip()
        if passage is not None:
            text = self._text(row["article_id"])
            start, end = locate(text, passage, near=row.get("start_char") or 0)
            values.update(text=text[start:end], start_char=start, end_char=end)
        if not values:
            raise BadInput("nothing to change: give a new note or passage")
        self.store.update_annotation("highlights", highlight_id, **values)
        return self.store.get(row["article_id"])

    def delete_highlight(self, highlight_id: int) -> Article:
        row = self.store.annotation("highlights", highlight_id)
        self.store.delete_annotation("highlights", highlight_id)
        return self.store.get(row["article_id"])

    # -- notes -------------------------------------------------------------------------
    def edit_note(self, note_id: int, text: str) -> Article:
        if not text.strip():
            raise BadInput("a note needs some text (to remove it, delete it)")
        row = self.store.annotation("notes", note_id)
        self.store.update_annotation("notes", note_id, text=text.strip())
        return self.store.get(row["article_id"])

    def delete_note(self, note_id: int) -> Article:
        row = self.store.annotation("notes", note_id)
        self.store.delete_annotation("notes", note_id)
        return self.store.get(row["article_id"])

    # -- listing -----------------------------------------------------------------------
    def list(self, article_id: int | None = None) -> list[Annotation]:
        """Every note and highlight (of one article when given), by article then position."""
        found: list[Annotation] = []
        where, params = ("article_id = ?", [article_id]) if article_id is not None else ("1", [])
        db = self.ctx.db
        if article_id is not None:
            self.store.get(article_id, full=False)
        for row in db["highlights"].rows_where(where, params, order_by="article_id, start_char, id"):
            found.append(Annotation("highlight", row["id"], row["article_id"], row["text"],
                                    row.get("note") or "", row.get("start_char"),
                                    row.get("end_char"), row.get("created_at"),
                                    row.get("updated_at")))
        for row in db["notes"].rows_where(where, params, order_by="article_id, id"):
            found.append(Annotation("note", row["id"], row["article_id"], row["text"],
                                    created_at=row.get("created_at"),
                                    updated_at=row.get("updated_at")))
        return found
