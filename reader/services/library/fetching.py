"""Fetch whatever is queued, extract it and store it: resumable at any point."""

from __future__ import annotations

import time
from concurrent.futures import Future
from dataclasses import dataclass, field

from reader.models import utcnow
from reader.services.context import LibraryContext, Progress, ProgressCallback, no_progress
from reader.services.library.capture import text_hash
from reader.storage.articles import ArticleStore, compress_html

# A thin extraction: fewer words than this and the article is marked so the user sees why.
THIN_WORDS = 50


@dataclass
class FetchReport:
    fetched: list[int] = field(default_factory=list)
    failed: list[tuple[int, str, str]] = field(default_factory=list)  # (id, url, error)
    duplicates: list[tuple[int, int]] = field(default_factory=list)  # (id, duplicate of)
    thin: list[int] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        text = f"fetched {len(self.fetched)}, failed {len(self.failed)}"
        if self.duplicates:
            text += f", duplicates {len(self.duplicates)}"
        if self.thin:
            text += f", thin {len(self.thin)}"
        return text


def pending(ctx: LibraryContext, *, retry_failed: bool = False) -> list[tuple[int, str]]:
    """The (id, url) of every article waiting to be fetched, oldest first."""
    statuses = ("queued", "failed") if retry_failed else ("queued",)
    marks = ",".join("?" * len(statuses))
    rows = ctx.db.execute(
        f"select id, url from articles where status in ({marks}) and url not like 'file:%' "
        "order by added_at, id",
        list(statuses),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def fetch_pending(
    ctx: LibraryContext,
    *,
    retry_failed: bool = False,
    ids: list[int] | None = None,
    progress: ProgressCallback = no_progress,
    should_stop=lambda: False,
    workers: int | None = None,
) -> FetchReport:
    """Fetch, extract and store every pending article; failures are recorded, never raised."""
    todo = pending(ctx, retry_failed=retry_failed)
    if ids is not None:
        wanted = set(ids)
        todo = [(i, u) for i, u in todo if i in wanted]
    report = FetchReport()
    if not todo:
        return report
    from reader.extract.pool import ExtractorPool
    from reader.fetch.client import FetchOptions, fetch_all

    started = time.perf_counter()
    by_url: dict[str, list[int]] = {}
    for article_id, url in todo:
        by_url.setdefault(url, []).append(article_id)
    store = ArticleStore(ctx.db)
    total = len(todo)
    waiting: list[tuple[list[int], object, Future]] = []
    done = 0

    def finish_ready(block: bool) -> None:
        nonlocal done
        still = []
        for article_ids, result, future in waiting:
            if block or future.done():
                for article_id in article_ids:
                    _store_extracted(store, article_id, result, future, report)
                    done += 1
                progress(Progress("fetch", done, total))
            else:
                still.append((article_ids, result, future))
        waiting[:] = still

    def on_result(result) -> None:
        nonlocal done
        article_ids = by_url.get(result.url, [])
        if result.ok and result.text:
            waiting.append((article_ids, result, pool.submit(result.text, result.final_url)))
        else:
            for article_id in article_ids:
                _store_failure(store, article_id, result, report)
                done += 1
            progress(Progress("fetch", done, total))
        finish_ready(block=False)

    options = FetchOptions.from_settings(ctx.settings)
    n_workers = workers if workers is not None else (0 if total < 4 else None)
    with ExtractorPool(workers=n_workers) as pool:
        fetch_all(list(by_url), options, on_result, should_stop)
        finish_ready(block=True)
    report.seconds = time.perf_counter() - started
    return report


def _store_failure(store: ArticleStore, article_id: int, result, report: FetchReport) -> None:
    current = store.get(article_id, full=False)
    store.update(
        article_id,
        status="failed",
        error=result.error or "unknown error",
        attempts=(current.attempts or 0) + max(1, result.attempts),
        final_url=result.final_url,
        redirects=result.redirects,
    )
    report.failed.append((article_id, current.url, result.error or "unknown error"))


def _store_extracted(store: ArticleStore, article_id: int, result, future: Future, report) -> None:
    try:
        extracted = future.result()
    except Exception as exc:  # noqa: BLE001 - a crashed worker must not lose the batch
        result.error = f"extraction failed: {type(exc).__name__}: {exc}"
        _store_failure(store, article_id, result, report)
        return
    current = store.get(article_id, full=False)
    text = extracted.text or ""
    content_hash = text_hash(text) if text.strip() else None
    words = len(text.split())
    note = extracted.reason
    if extracted.extraction == "full" and words < THIN_WORDS:
        note = f"only {words} words were found on the page"
    values = {
        "final_url": result.final_url,
        "redirects": result.redirects,
        "title": current.title or extracted.title,
        "author": current.author or extracted.author,
        "site": current.site or extracted.site,
        "published": current.published or extracted.published,
        "language": extracted.language,
        "fetched_at": utcnow(),
        "status": current.target_status or "unread",
        "target_status": None,
        "word_count": words,
        "text": text,
        "markdown": extracted.markdown,
        "html": compress_html(result.text),
        "content_hash": content_hash,
        "extraction": extracted.extraction,
        "extraction_note": note,
        "error": None,
        "attempts": (current.attempts or 0) + max(1, result.attempts),
    }
    if extracted.title and current.title and current.title == current.url:
        values["title"] = extracted.title
    with store.db.atomic():
        store.update(article_id, **values)
        if content_hash:
            original = store.duplicate_of(content_hash, article_id)
            if original is not None:
                store.update(article_id, duplicate_of=original)
                report.duplicates.append((article_id, original))
    report.fetched.append(article_id)
    if note:
        report.thin.append(article_id)
