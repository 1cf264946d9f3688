"""Capture: turn URLs, files and imports into articles, merging what is already there."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from reader.errors import BadInput, ReaderError
from reader.models import READING_STATES, ImportBatch, ImportedItem, ImportProblem, utcnow
from reader.services.context import LibraryContext, Progress, ProgressCallback, no_progress
from reader.services.library.fingerprint import text_hash
from reader.storage.articles import ArticleStore

# How far along each reading state is, so a merge never moves an article backwards.
_STATE_RANK = {"unread": 1, "reading": 2, "read": 3, "archived": 4}
# Columns of reader's own export that a lossless round trip carries over as they were.
_KEPT_FROM_EXPORT = (
    "final_url", "fetched_at", "extraction", "extraction_note", "fetch_error", "attempts",
    "fetch_state", "next_retry_at", "content_hash", "word_count", "source", "updated_at",
)
# Items written per transaction by an import: one BEGIN IMMEDIATE and one FTS flush for this
# many rows, instead of one each. Another writer waits at most one batch for the lock.
IMPORT_BATCH = 500


@dataclass
class CaptureReport:
    """What a capture did, item by item, with the counts a summary line needs."""

    added: list[int] = field(default_factory=list)
    merged: list[int] = field(default_factory=list)
    skipped: list[ImportProblem] = field(default_factory=list)
    failed: list[ImportProblem] = field(default_factory=list)
    feeds: int = 0
    # From an archive: feeds, digests, theme names and settings put back, by kind.
    restored: dict[str, int] = field(default_factory=dict)
    duplicates: list[tuple[int, int]] = field(default_factory=list)  # (id, near copy of)

    def extend(self, other: CaptureReport) -> None:
        self.added += other.added
        self.merged += other.merged
        self.skipped += other.skipped
        self.failed += other.failed
        self.feeds += other.feeds
        for kind, count in other.restored.items():
            self.restored[kind] = self.restored.get(kind, 0) + count
        self.duplicates += other.duplicates

    def summary(self) -> str:
        """The counts that are not zero, e.g. "added 3, failed 1"."""
        counts = [("added", len(self.added)), ("merged", len(self.merged)),
                  ("skipped", len(self.skipped)), ("failed", len(self.failed)),
                  ("feeds", self.feeds), ("near duplicates", len(self.duplicates))]
        counts += [(f"{kind.replace('_', ' ')}s restored", n) for kind, n in self.restored.items()]
        return ", ".join(f"{name} {n}" for name, n in counts if n) or "nothing new"


class Capture:
    """Adds and merges articles. An item's writes all commit or none do."""

    def __init__(self, ctx: LibraryContext) -> None:
        self.ctx = ctx

    @property
    def store(self) -> ArticleStore:
        return ArticleStore(self.ctx.db)

    def add_url(self, raw: str, *, tags: list[str] = (), source: str = "add") -> CaptureReport:
        from reader.fetch.urls import normalize_url

        report = CaptureReport()
        try:
            url = normalize_url(raw)
        except BadInput as exc:
            report.failed.append(ImportProblem(raw, str(exc)))
            return report
        self.merge_item(ImportedItem(url=url, tags=list(tags)), source=source, report=report)
        return report

    def add_batch(self, batch: ImportBatch, *, tags: list[str] = (), source: str,
                  progress: ProgressCallback = no_progress) -> CaptureReport:
        """Merge every item of an import, IMPORT_BATCH items per write transaction.

        What needs no lock (canonical URLs, MinHash signatures) is worked out before the
        transaction; inside it each item is a savepoint of its own, so a bad item is rolled
        back alone and reported while the rest of its batch commits.
        """
        report = CaptureReport(skipped=list(batch.skipped), failed=list(batch.problems))
        id_map: dict[object, int] = {}
        total = len(batch.items)
        progress(Progress("importing", 0, total))  # starts the stage's clock
        for start in range(0, total, IMPORT_BATCH):
            part = batch.items[start:start + IMPORT_BATCH]
            for item in part:
                if tags:
                    item.tags = [*item.tags, *tags]
            prepared = [_prepare(item) for item in part]
            with self.ctx.db.atomic():
                for item, ready in zip(part, prepared, strict=True):
                    if isinstance(ready, Exception):
                        report.failed.append(ImportProblem(item.url, str(ready)))
                        continue
                    one = CaptureReport()
                    try:
                        with self.ctx.db.atomic():  # a savepoint inside the batch
                            article_id = self._write_item(item, ready, source=source, report=one)
                            if item.extra.get("kept_apart") is True:
                                from reader.storage import near_dups

                                near_dups.set_user_distinct(self.ctx.db, article_id)
                    except _BAD_ITEM as exc:
                        report.failed.append(ImportProblem(item.url, _reason(exc)))
                        continue
                    report.extend(one)
                    if "id" in item.extra:
                        id_map[item.extra["id"]] = article_id
            progress(Progress("importing", min(total, start + len(part)), total))
        if id_map:
            with self.ctx.db.atomic():
                self._relink_duplicates(batch, id_map)
        return report

    def add_document(self, path: Path, *, tags: list[str] = ()) -> CaptureReport:
        """A local HTML, Markdown or text file becomes an article of its own."""
        report = CaptureReport()
        try:
            raw = path.read_bytes()
        except OSError as exc:
            report.failed.append(ImportProblem(str(path), f"cannot read: {exc.strerror or exc}"))
            return report
        if path.suffix.lower() == ".pdf" or raw[:5] == b"%PDF-":
            return self._add_pdf(path, raw, tags=tags, report=report)
        from reader.fetch.decode import decode_body

        content, codec = decode_body(raw)
        if codec not in ("utf-8", "utf-8-sig", "ascii"):
            report.skipped.append(ImportProblem(str(path), f"not UTF-8; read as {codec}"))
        url = path.resolve().as_uri()
        suffix = path.suffix.lower()
        if suffix in (".html", ".htm", ".xhtml") or content.lstrip()[:15].lower().startswith(
            ("<!doctype html", "<html")
        ):
            from reader.extract.article import extract_article

            extracted = extract_article(content, url)
            title, text, markdown = extracted.title, extracted.text, extracted.markdown
            item = ImportedItem(url=url, title=title or path.stem, author=extracted.author,
                                published=extracted.published, language=extracted.language,
                                text=text, markdown=markdown, tags=list(tags))
            html = content
        else:
            title, text = _title_and_text(content, path.stem, markdown=suffix in (".md", ".markdown"))
            item = ImportedItem(url=url, title=title, text=text, markdown=content, tags=list(tags))
            html = None
        if not (item.text or "").strip():
            report.failed.append(ImportProblem(str(path), "the file has no readable text"))
            return report
        article_id = self.merge_item(item, source="file", report=report)
        if html is not None:
            from reader.storage.articles import compress_html

            self.store.update(article_id, html=compress_html(html))
        return report

    def _add_pdf(self, path: Path, raw: bytes, *, tags: list[str], report: CaptureReport) -> CaptureReport:
        """A local PDF: its text, headings and metadata; an unreadable one fails on its own."""
        from reader.extract.pdf import PdfUnreadable, extract_pdf

        try:
            extracted = extract_pdf(raw, path.resolve().as_uri())
        except PdfUnreadable as exc:
            report.failed.append(ImportProblem(str(path), str(exc)))
            return report
        item = ImportedItem(url=path.resolve().as_uri(), title=extracted.title or path.stem,
                            author=extracted.author, published=extracted.published,
                            text=extracted.text, markdown=extracted.markdown, tags=list(tags))
        if extracted.reason:
            item.extra["extraction_note"] = extracted.reason
        self.merge_item(item, source="file", report=report)
        return report

    def merge_item(self, item: ImportedItem, *, source: str, report: CaptureReport) -> int:
        """Insert the item, or merge it into the article with the same canonical URL."""
        ready = _prepare(item)
        if isinstance(ready, Exception):
            raise ready
        one = CaptureReport()
        with self.ctx.db.atomic():
            article_id = self._write_item(item, ready, source=source, report=one)
        report.extend(one)
        return article_id

    def _write_item(self, item: ImportedItem, ready: _Prepared, *, source: str,
                    report: CaptureReport) -> int:
        """The writes for one item; the caller holds the write transaction."""
        store = self.store
        existing = store.id_for_canonical(ready.canonical)
        if existing is None:
            values = _new_article_values(item, ready.canonical, source)
            wanted = _free_id(store, item.extra.get("id"))
            if wanted is not None:
                values["id"] = wanted
            article_id = store.insert(**values)
            report.added.append(article_id)
        else:
            article_id = existing
            self._merge_into(store, existing, item)
            report.merged.append(article_id)
        store.add_tags(article_id, item.tags)
        self._add_notes(store, article_id, item)
        if item.text and "duplicate_of" not in item.extra:
            self._mark_near_copy(article_id, report, ready.signed)
        return article_id

    def _mark_near_copy(self, article_id: int, report: CaptureReport,
                        signed: tuple[str, object] | None = None) -> None:
        from reader.services.library.dedupe import check_article

        found = check_article(self.ctx.db, article_id, signed=signed)
        if found is not None:
            report.duplicates.append((article_id, found[0]))

    def _merge_into(self, store: ArticleStore, article_id: int, item: ImportedItem) -> None:
        current = store.get(article_id)
        values: dict[str, object] = {}
        for name in ("title", "author", "site", "published", "language"):
            if getattr(current, name) in (None, "") and getattr(item, name):
                values[name] = getattr(item, name)
        if item.text and not current.text:
            values.update(_content_values(item))
        if item.added_at and (current.added_at is None or item.added_at < current.added_at):
            values["added_at"] = item.added_at
        if item.state in READING_STATES and _STATE_RANK[item.state] > _STATE_RANK.get(
            current.state, 1
        ):
            values["state"] = item.state
        if item.read_at and not current.read_at:
            values["read_at"] = item.read_at
        if item.progress is not None and item.progress > (current.progress or 0):
            values["progress"] = item.progress
        elif values.get("state") == "read" and item.progress is None:
            values["progress"] = 1.0
        store.update(article_id, **values)

    def _add_notes(self, store: ArticleStore, article_id: int, item: ImportedItem) -> None:
        if not (item.notes or item.highlights):
            return
        current = store.get(article_id, full=False)
        have_notes = {n.text for n in current.notes}
        have_highlights = {h.text for h in current.highlights}
        for note in item.notes:
            if note.text and note.text not in have_notes:
                store.add_note(article_id, note.text, note.created_at, note.updated_at)
                have_notes.add(note.text)
        for highlight in item.highlights:
            if highlight.text and highlight.text not in have_highlights:
                store.add_highlight(
                    article_id, highlight.text, highlight.note, highlight.created_at,
                    start_char=highlight.start_char, end_char=highlight.end_char,
                    updated_at=highlight.updated_at,
                )
                have_highlights.add(highlight.text)

    def _relink_duplicates(self, batch: ImportBatch, id_map: dict[object, int]) -> None:
        """Our own JSONL carries duplicate_of as old ids: point them at the new ones."""
        store = self.store
        for item in batch.items:
            old = item.extra.get("duplicate_of")
            if old is not None and item.extra.get("id") in id_map and old in id_map:
                values: dict[str, object] = {"duplicate_of": id_map[old]}
                if item.extra.get("updated_at"):
                    values["updated_at"] = item.extra["updated_at"]
                store.update(id_map[item.extra["id"]], **values)


@dataclass
class _Prepared:
    """What an item needs worked out before its writes: no lock is held meanwhile."""

    canonical: str
    signed: tuple[str, object] | None  # (text, MinHash signature or None) when it has text


# Errors that belong to one item (a value SQLite refuses, a URL that cannot be read): the
# item is reported as failed and the rest of the import goes on.
_BAD_ITEM = (ReaderError, sqlite3.IntegrityError, sqlite3.ProgrammingError, sqlite3.DataError,
             ValueError, TypeError)


def _reason(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, ReaderError) else f"not stored: {exc}"


def _prepare(item: ImportedItem) -> _Prepared | Exception:
    """The item's canonical URL and its text's signature, or the error that rules it out."""
    from reader.fetch.arxiv import canonical_url, parse_arxiv
    from reader.fetch.urls import canonicalize

    try:
        paper = parse_arxiv(item.url)  # every version and form of an arXiv link: one paper
        canonical = canonical_url(paper) if paper else canonicalize(item.url)
        signed = None
        if item.text and "duplicate_of" not in item.extra:
            from reader.ml.minhash import signature

            signed = (item.text, signature(item.text))
    except _BAD_ITEM as exc:
        return exc if isinstance(exc, ReaderError) else BadInput(_reason(exc))
    return _Prepared(canonical, signed)


def _new_article_values(item: ImportedItem, canonical: str, source: str) -> dict[str, object]:
    values: dict[str, object] = {
        "url": item.url,
        "canonical_url": canonical,
        "title": item.title,
        "author": item.author,
        "site": item.site,
        "published": item.published,
        "language": item.language,
        "added_at": item.added_at or utcnow(),
        "read_at": item.read_at,
        "progress": item.progress or 0.0,
        "source": source,
        "state": item.state if item.state in READING_STATES else "unread",
    }
    if values["state"] == "read" and item.progress is None:
        values["progress"] = 1.0  # a source that says "read" and no more means read to the end
    if item.text:
        values.update(_content_values(item))
    # Our own export carries the rest of the row; keep it so a round trip loses nothing.
    for key in _KEPT_FROM_EXPORT:
        if item.extra.get(key) is not None:
            values[key] = item.extra[key]
    if "redirects" in item.extra and isinstance(item.extra["redirects"], list):
        values["redirects"] = item.extra["redirects"]
    return values


def _free_id(store: ArticleStore, wanted: object) -> int | None:
    """The id an exported article had, when it is free here, so a restore keeps its ids."""
    if not isinstance(wanted, int) or isinstance(wanted, bool) or wanted < 1:
        return None
    taken = store.db.execute("select 1 from articles where id = ?", [wanted]).fetchone()
    return None if taken else wanted


def _content_values(item: ImportedItem) -> dict[str, object]:
    text = item.text or ""
    return {
        "text": text,
        "markdown": item.markdown or text,
        "word_count": len(text.split()),
        "content_hash": text_hash(text),
        "extraction": "provided",
        "fetch_state": "provided",
        "fetch_error": None,
        "next_retry_at": None,
        "fetched_at": utcnow(),
    }


def _title_and_text(content: str, fallback_title: str, *, markdown: bool) -> tuple[str, str]:
    title = fallback_title
    for line in content.splitlines():
        stripped = line.strip()
        if stripped:
            title = stripped.lstrip("#").strip() if markdown or stripped.startswith("#") else stripped
            break
    text = content
    if markdown:
        text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)  # images
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links keep their words
        text = re.sub(r"^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s*", "", text, flags=re.M)
        text = re.sub(r"(\*\*|__|`)", "", text)
    return title[:300], text.strip()
