"""The library service: capture, fetch, reading state and export behind one face."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from reader.errors import BadInput
from reader.models import FETCH_STATES, READING_STATES, Article, ImportBatch, ImportProblem, utcnow
from reader.render.article import drop_unsafe_links
from reader.render.digest import safe_url
from reader.services.context import LibraryContext, ProgressCallback, no_progress
from reader.services.library.archive import article_to_dict, export_records, restore_records
from reader.services.library.capture import Capture, CaptureReport
from reader.services.library.fetching import FetchReport, fetch_pending
from reader.storage.articles import ArticleStore
from reader.textsafe import json_safe

URLISH = re.compile(r"^(https?://|www\.)\S+$|^[\w.-]+\.[a-z]{2,}(/\S*)?$", re.I)


@dataclass
class AddResult:
    capture: CaptureReport
    fetch: FetchReport | None = None
    index_message: str | None = None


class LibraryService:
    """Everything a user does to the library itself; the CLI and the TUI both call this."""

    def __init__(self, ctx: LibraryContext) -> None:
        self.ctx = ctx
        self.capture = Capture(ctx)

    @property
    def store(self) -> ArticleStore:
        return ArticleStore(self.ctx.db)

    # -- capture -------------------------------------------------------------------
    def add(self, inputs: list[str], *, tags: list[str] = (), stdin_text: str | None = None) -> CaptureReport:
        """Queue URLs and add local files; `-` means the URLs in `stdin_text`."""
        report = CaptureReport()
        for raw in inputs:
            raw = raw.strip()
            if raw == "-":
                report.extend(self._add_stdin(stdin_text or "", tags))
            elif _looks_like_path(raw):
                report.extend(self.capture.add_document(Path(raw).expanduser(), tags=list(tags)))
            else:
                report.extend(self.capture.add_url(raw, tags=list(tags)))
        return report

    def _add_stdin(self, text: str, tags) -> CaptureReport:
        """A plain list of URLs is taken as it is; any other text is searched for its links."""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines and all(" " not in line and "." in line for line in lines):
            report = CaptureReport()
            for line in lines:
                report.extend(self.capture.add_url(line, tags=list(tags), source="stdin"))
            return report
        from reader.fetch.links import find_links

        kind = "html" if "<a " in text.lower() else "markdown"
        links, skipped = find_links(text, kind=kind)
        report = CaptureReport(skipped=list(skipped))
        if not links:
            report.failed.append(ImportProblem("stdin", "no URLs found on standard input"))
        for link in links:
            report.extend(self.capture.add_url(link.url, tags=list(tags), source="stdin"))
        return report

    def import_file(
        self, path: Path, *, format: str | None = None, tags: list[str] = (),
        progress: ProgressCallback = no_progress,
    ) -> CaptureReport:
        """Import a reading list or export; an OPML file subscribes to its feeds and queues their items."""
        from reader.fetch.importers import read_import

        if not path.exists():
            raise BadInput(f"{path}: no such file")
        batch = read_import(path, format)
        report = self.capture.add_batch(batch, tags=list(tags), source=f"import:{batch.format}",
                                        progress=progress)
        if batch.records:
            report.restored = restore_records(self.ctx, batch.records)
        if batch.feeds:
            report.extend(self.subscribe(batch.feeds, tags=list(tags), progress=progress))
        return report

    def subscribe(self, feeds: list[dict[str, str]], *, tags: list[str] = (),
                  progress: ProgressCallback = no_progress) -> CaptureReport:
        """Record feeds, fetch each one and queue its items; a broken feed is one failed line."""
        from reader.fetch.client import FetchOptions, fetch_all
        from reader.fetch.feeds import parse_feed

        db = self.ctx.db
        report = CaptureReport()
        urls = []
        for feed in feeds:
            db.execute(
                "insert into feeds(url, title, site_url, added_at) values (?, ?, ?, ?) "
                "on conflict(url) do update set title = coalesce(excluded.title, feeds.title)",
                [feed["url"], feed.get("title"), feed.get("site_url"), utcnow()],
            )
            urls.append(feed["url"])
        report.feeds = len(urls)

        def on_result(result) -> None:
            error = result.error
            if result.ok and result.text:
                try:
                    _info, items = parse_feed(result.text, result.final_url or result.url)
                except BadInput as exc:
                    error = str(exc)
                else:
                    sub = self.capture.add_batch(ImportBatch("feed", items=items), tags=list(tags),
                                                 source=f"feed:{result.url}")
                    report.extend(sub)
            if error:
                report.failed.append(ImportProblem(result.url, error))
            db.execute("update feeds set last_fetched_at = ?, error = ? where url = ?",
                       [utcnow(), error, result.url])

        fetch_all(urls, FetchOptions.from_settings(self.ctx.settings), on_result, accept="feed")
        return report

    def refresh_feeds(self, progress: ProgressCallback = no_progress) -> CaptureReport:
        rows = self.ctx.db.execute("select url, title, site_url from feeds order by id").fetchall()
        feeds = [{"url": u, "title": t, "site_url": s} for u, t, s in rows]
        return self.subscribe(feeds, progress=progress) if feeds else CaptureReport()

    def fetch(self, *, retry_failed: bool = False, progress: ProgressCallback = no_progress,
              should_stop: Callable[[], bool] = lambda: False, ids: list[int] | None = None,
              workers: int | None = None) -> FetchReport:
        """Fetch what is queued; `workers` extraction processes (0 extracts inline)."""
        return fetch_pending(self.ctx, retry_failed=retry_failed, progress=progress,
                             should_stop=should_stop, ids=ids, workers=workers)

    def index_new(self, progress: ProgressCallback = no_progress) -> str | None:
        """Embed and index what was just fetched; returns a message when indexing could not run."""
        try:
            from reader.services.search.indexing import index_pending
        except ImportError:  # search is optional during early development
            return None
        from reader.errors import ReaderError

        try:
            index_pending(self.ctx, progress=progress)
        except ReaderError as exc:
            return f"indexing skipped: {exc}"
        return None

    # -- reading state -------------------------------------------------------------
    def get(self, article_id: int) -> Article:
        return self.store.get(article_id)

    def list(self, *, state: str | None = None, fetch_state: str | None = None,
             tag: str | None = None, limit: int | None = None) -> list[Article]:
        """Articles filtered by reading state and fetch state (None or "all" for any)."""
        state = None if state == "all" else state
        fetch_state = None if fetch_state == "all" else fetch_state
        if state and state not in READING_STATES:
            raise BadInput(
                f"unknown reading state {state!r}; one of: {', '.join(READING_STATES)}, all"
            )
        if fetch_state and fetch_state not in FETCH_STATES:
            raise BadInput(
                f"unknown fetch state {fetch_state!r}; one of: {', '.join(FETCH_STATES)}, all"
            )
        return self.store.listing(state=state, fetch_state=fetch_state, tag=tag, limit=limit)

    def iter_list(self, *, state: str | None = None, fetch_state: str | None = None,
                  tag: str | None = None, limit: int | None = None,
                  page: int = 500) -> Iterator[Article]:
        """The same articles as `list`, read a page at a time: memory stays flat at any size."""
        self.list(state=state, fetch_state=fetch_state, limit=1)  # checks the arguments
        state = None if state == "all" else state
        fetch_state = None if fetch_state == "all" else fetch_state
        left, last = limit, None
        while left is None or left > 0:
            size = page if left is None else min(page, left)
            articles = self.store.listing(state=state, fetch_state=fetch_state, tag=tag,
                                          limit=size, after=last)
            yield from articles
            if len(articles) < size:
                return
            last = articles[-1]
            if left is not None:
                left -= len(articles)

    def mark(self, article_id: int, state: str) -> Article:
        if state not in READING_STATES:
            raise BadInput(f"unknown state {state!r}; one of: {', '.join(READING_STATES)}")
        store = self.store
        article = store.get(article_id, full=False)
        values: dict[str, object] = {"state": state}
        if state == "read":
            values.update(read_at=article.read_at or utcnow(), progress=1.0)
        elif state == "unread":
            values.update(read_at=None, progress=0.0)
        store.update(article_id, **values)
        return store.get(article_id)

    def set_progress(self, article_id: int, progress: float) -> Article:
        if not 0.0 <= progress <= 1.0:
            raise BadInput("progress must be between 0 and 1")
        store = self.store
        article = store.get(article_id, full=False)
        values: dict[str, object] = {"progress": progress}
        if article.state in ("unread", "reading", "read"):
            values["state"] = "read" if progress >= 1.0 else "reading"
            if progress >= 1.0 and not article.read_at:
                values["read_at"] = utcnow()
        store.update(article_id, **values)
        return store.get(article_id)

    def note(self, article_id: int, text: str) -> Article:
        if not text.strip():
            raise BadInput("a note needs some text")
        self.store.get(article_id, full=False)
        self.store.add_note(article_id, text.strip())
        return self.store.get(article_id)

    def highlight(self, article_id: int, text: str, note: str = "") -> Article:
        """Keep a passage of the article: it must be found in its text, and is kept with where."""
        from reader.services.library.annotations import Annotations

        if not text.strip():
            raise BadInput("a highlight needs some text")
        return Annotations(self.ctx).highlight_passage(article_id, text, note)

    def tag(self, article_id: int, tags: list[str], *, remove: bool = False) -> Article:
        self.store.get(article_id, full=False)
        if remove:
            self.store.remove_tags(article_id, tags)
        else:
            self.store.add_tags(article_id, tags)
        return self.store.get(article_id)

    def delete(self, article_id: int) -> None:
        with self.ctx.db.atomic():
            self._forget_derived(article_id)
            self.store.delete(article_id)

    def _forget_derived(self, article_id: int) -> None:
        """Remove chunks, vectors and theme activations that belong to the article."""
        try:
            from reader.storage.chunks import forget_article
        except ImportError:
            return
        forget_article(self.ctx.db, article_id)

    # -- export --------------------------------------------------------------------
    def export_rows(self) -> Iterator[dict]:
        """Every article as its export record."""
        for record in export_records(self.ctx):
            if record["kind"] == "article":
                yield {k: v for k, v in record.items() if k != "kind"}

    def export(self, out, *, format: str = "jsonl") -> int:
        """Write the archive (jsonl) or the articles as Markdown; returns how many articles."""
        if format not in ("jsonl", "markdown"):
            raise BadInput(f"unknown export format {format!r}; use jsonl or markdown")
        count = 0
        records = export_records(self.ctx) if format == "jsonl" else (
            {"kind": "article", **row} for row in self.export_rows()
        )
        for record in records:
            if format == "jsonl":
                # Line separators and controls as \u escapes: the same data, and a file that
                # any line-splitting tool (and a terminal) reads safely.
                out.write(json_safe(json.dumps(record, ensure_ascii=False)) + "\n")
            else:
                out.write(article_markdown(record))
            count += record["kind"] == "article"
        return count


__all__ = ["LibraryService", "AddResult", "article_to_dict", "article_markdown"]


def article_markdown(row: dict) -> str:
    """One article as Markdown: HTML in any of its strings is escaped, the title written once."""
    title = row["title"] or row["url"]
    lines = [f"# {_md_text(title)}", ""]
    # Only http(s) becomes a link: `<javascript:...>` would be a live autolink.
    meta = [f"<{_md_url(row['url'])}>" if safe_url(row["url"]) else _md_text(row["url"])]
    for key in ("author", "site", "published", "state", "read_at"):
        if row.get(key):
            meta.append(f"{key}: {_md_text(row[key])}")
    if row.get("fetch_state") == "failed" and row.get("fetch_error"):
        meta.append(f"link failed: {_md_text(row['fetch_error'])}")
    if row["tags"]:
        meta.append("tags: " + ", ".join(_md_text(t) for t in row["tags"]))
    lines += [" · ".join(meta), ""]
    for h in row["highlights"]:
        lines.append(f"> {_md_text(h['text'])}")
        if h["note"]:
            lines.append(f"\n{_md_text(h['note'])}")
        lines.append("")
    for n in row["notes"]:
        lines += [f"Note: {_md_text(n['text'])}", ""]
    lines += [_md_text(_without_title(row.get("markdown") or row.get("text") or "", title)),
              "", "---", ""]
    return "\n".join(lines) + "\n"


def _md_text(value: object) -> str:
    """Text for a Markdown file that no viewer renders as HTML or as a javascript: link."""
    return drop_unsafe_links(
        str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    )


def _md_url(url: str) -> str:
    return url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")


def _without_title(body: str, title: str) -> str:
    """The body without a first heading or line that only repeats the title."""
    lines = body.lstrip("\n").split("\n", 1)
    if lines and lines[0].lstrip("# ").strip().casefold() == title.strip().casefold():
        return lines[1].lstrip("\n") if len(lines) > 1 else ""
    return body


def _looks_like_path(raw: str) -> bool:
    if "://" in raw or raw.startswith(("javascript:", "data:", "mailto:")):
        return False
    path = Path(raw).expanduser()
    if path.exists():
        return True
    return raw.startswith(("/", "./", "../", "~")) or (
        path.suffix.lower() in (".html", ".htm", ".md", ".markdown", ".txt") and not URLISH.match(raw)
    )

