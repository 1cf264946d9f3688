"""An article's text as paragraphs that know their offsets, with highlights and a selection drawn.

Offsets count characters of `articles.text`, the same offsets highlights are stored with, so a
passage selected with the mouse or the keys becomes a highlight of exactly that text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from difflib import SequenceMatcher

from textual.content import Content
from textual.selection import Selection
from textual.widgets import Static

from reader.services.library.annotations import paragraphs
from reader.textsafe import terminal_safe

__all__ = ["Paragraph", "blocks", "headings", "paragraphs", "quoted_and_code"]

# A line break inside a paragraph is a soft wrap unless the next line starts a list item.
_SOFT_BREAK = re.compile(r"\n(?![-*•+] |\d+[.)] )")
HIGHLIGHT_STYLE = "$text-warning on $warning-muted"
SELECTION_STYLE = "reverse"


def headings(markdown: str | None) -> set[str]:
    """The text of every Markdown heading, to style the paragraphs that are headings."""
    if not markdown:
        return set()
    return {
        m.group(1).strip()
        for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", markdown, flags=re.MULTILINE)
    }


def _words(text: str) -> str:
    return " ".join(text.split())


def quoted_and_code(markdown: str | None) -> dict[str, str]:
    """Block quotes and code blocks of the Markdown: their text (words only) -> "quote" or "code",
    to style the paragraphs of the plain text that hold them."""
    found: dict[str, str] = {}
    if not markdown:
        return found
    for block in re.finditer(r"^```[^\n]*\n(.*?)^```", markdown, flags=re.MULTILINE | re.DOTALL):
        if block.group(1).strip():
            found[_words(block.group(1))] = "code"
    for block in re.finditer(r"(?:^>[^\n]*(?:\n|$))+", markdown, flags=re.MULTILINE):
        lines = [re.sub(r"^>\s?", "", line) for line in block.group(0).splitlines()]
        for part in re.split(r"\n\s*\n", "\n".join(lines)):
            if part.strip():
                found[_words(part)] = "quote"
    return found


def blocks(text: str, heads: set[str]) -> list[tuple[int, int, bool]]:
    """(start, end, is heading) of each block to show: paragraphs, with heading lines apart.

    Extraction can glue a heading to the paragraph before it with a single line break.
    """
    out: list[tuple[int, int, bool]] = []
    for first, last in paragraphs(text):
        start = first
        for line in re.finditer(r"[^\n]+", text[first:last]):
            a, b = first + line.start(), first + line.end()
            if text[a:b].strip() in heads:
                if text[start:a].strip():
                    out.append((start, a - 1 if text[a - 1] == "\n" else a, False))
                out.append((a, b, True))
                start = b + 1
        if start < last and text[start:last].strip():
            out.append((start, last, False))
    return out


class Paragraph(Static):
    """One paragraph of the article; `start` is the offset of its first character in the text."""

    DEFAULT_CSS = """
    Paragraph { margin-bottom: 1; height: auto; }
    Paragraph.-heading { text-style: bold; color: $text-primary; }
    Paragraph.-item { padding-left: 2; }
    Paragraph.-quote { border-left: outer $primary-muted; padding-left: 1; text-style: italic; }
    Paragraph.-code { background: $boost; padding: 0 1; text-wrap: nowrap; overflow-x: auto; }
    """

    def __init__(self, source: str, start: int, *, heading: bool = False, kind: str = "") -> None:
        """`kind` is "quote" or "code" for a block quote or a code block (see quoted_and_code)."""
        self.source = source
        self.start = start
        self.end = start + len(source)
        # Same length as the sanitised text, so offsets map one to one when nothing was removed;
        # code keeps its line breaks.
        clean = terminal_safe(source)
        self.shown = clean if kind == "code" else _SOFT_BREAK.sub(" ", clean)
        self._to_source = self._map()
        item = re.match(r"[-*•]\s|\d+[.)]\s", source)
        classes = ("-heading" if heading else f"-{kind}" if kind in ("quote", "code")
                   else "-item" if item else "")
        super().__init__(self.shown, markup=False, classes=classes)

    def _map(self) -> list[int]:
        """For each shown character (and the end), its offset in the source paragraph."""
        if len(self.shown) == len(self.source) and terminal_safe(self.source) == self.source:
            return list(range(len(self.source) + 1))
        mapping = [0] * (len(self.shown) + 1)
        matcher = SequenceMatcher(None, self.shown, self.source, autojunk=False)
        for block in matcher.get_matching_blocks():
            for i in range(block.size):
                mapping[block.a + i] = block.b + i
        mapping[len(self.shown)] = len(self.source)
        for i in range(1, len(self.shown)):  # characters that matched nothing follow their left neighbour
            if mapping[i] < mapping[i - 1]:
                mapping[i] = mapping[i - 1]
        return mapping

    def _shown_at(self, source_offset: int) -> int:
        """The shown index of a source offset (relative to this paragraph)."""
        return max(0, bisect_right(self._to_source, source_offset) - 1)

    def paint(self, highlights: list[tuple[int, int]], selection: tuple[int, int] | None) -> None:
        """Draw these highlight spans and the keyboard selection (text offsets, any paragraph)."""
        content = Content(self.shown)
        for a, b, style in [*((a, b, HIGHLIGHT_STYLE) for a, b in highlights),
                            *([(*selection, SELECTION_STYLE)] if selection else [])]:
            if b <= self.start or a >= self.end:
                continue
            lo = self._shown_at(max(a, self.start) - self.start)
            hi = self._shown_at(min(b, self.end) - self.start)
            if min(b, self.end) - self.start >= len(self.source):
                hi = len(self.shown)
            if hi > lo:
                content = content.stylize(style, lo, hi)
        self.update(content)

    def selected_span(self, selection: Selection) -> tuple[int, int] | None:
        """The text offsets (start, end) a mouse selection in this paragraph covers."""
        lines = self.shown.split("\n")
        starts = [0]
        for line in lines[:-1]:
            starts.append(starts[-1] + len(line) + 1)

        def index(offset, default: int) -> int:
            if offset is None:
                return default
            y = min(offset.y, len(lines) - 1)
            return min(starts[y] + min(offset.x, len(lines[y])), len(self.shown))

        lo, hi = index(selection.start, 0), index(selection.end, len(self.shown))
        if hi <= lo:
            return None
        return self.start + self._to_source[lo], self.start + self._to_source[hi]
