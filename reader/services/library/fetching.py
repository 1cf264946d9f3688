"""Fetch whatever is queued, extract it and store it: resumable at any point."""

from __future__ import annotations

import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from reader.models import to_iso, utcnow
from reader.services.context import LibraryContext, Progress, ProgressCallback, no_progress
from reader.services.library import papers
from reader.storage import claims
from reader.storage.articles import ArticleStore

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


# A transient failure (timeout, 5xx, 429) is tried again by a later fetch after this long,
# doubling with each failure up to a day; a permanent one (404, no such host, refused) waits
# for `reader fetch --retry-failed`.
FIRST_RETRY = timedelta(minutes=15)
LONGEST_RETRY = timedelta(days=1)


def _pending_where(*, retry_failed: bool) -> tuple[str, list]:
    where = "url not like 'file:%' and (fetch_state = 'queued' or (fetch_state = 'failed' and "
    if retry_failed:
        return where + "1))", []
    return where + "next_retry_at is not null and next_retry_at <= ?))", [utcnow()]


def pending(ctx: LibraryContext, *, retry_failed: bool = False) -> list[tuple[int, str]]:
    """The (id, url) of every article waiting to be fetched, oldest first."""
    where, params = _pending_where(retry_failed=retry_failed)
    rows = ctx.db.execute(
        f"select id, url from articles where {where} order by added_at, id", params
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def next_retry(attempts: int) -> str:
    """When a transient failure after `attempts` fetches is tried again."""
    wait = min(FIRST_RETRY * (2 ** max(0, attempts - 1)), LONGEST_RETRY)
    return to_iso(datetime.now(UTC) + wait)


def fetch_pending(
    ctx: LibraryContext,
    *,
    retry_failed: bool = False,
    ids: list[int] | None = None,
    progress: ProgressCallback = no_progress,
    should_stop=lambda: False,
    workers: int | None = None,
    arxiv=None,
) -> FetchReport:
    """Fetch, extract and store every pending article; failures are recorded, never raised.

    The articles are claimed first, so a second fetch running at the same time (another
    process, or the UI) takes the others and never fetches a page twice.
    """
    where, params = _pending_where(retry_failed=retry_failed)
    if ids is not None:
        if not ids:
            return FetchReport()
        where += f" and id in ({','.join('?' * len(ids))})"
        params = [*params, *ids]
    owner = claims.new_owner()
    claims.free_dead_claims(ctx.db)
    claimed = claims.claim(ctx.db, owner, where, params)
    try:
        return _fetch_claimed(ctx, claimed, owner, progress, should_stop, workers, arxiv)
    finally:
        claims.release(ctx.db, owner)


def _fetch_claimed(ctx, claimed, owner, progress, should_stop, workers, arxiv) -> FetchReport:
    todo = [(article_id, url) for article_id, url, _source in claimed]
    # URLs the user typed may point at their own network; harvested ones may not.
    user_urls = {url for _id, url, source in claimed if source == "add"}
    report = FetchReport()
    if not todo:
        return report
    from reader.extract.pool import ExtractorPool
    from reader.fetch.arxiv import ArxivUrls
    from reader.fetch.client import FetchOptions, fetch_all
    from reader.services.library.prepare import prepare_page

    arxiv = arxiv or ArxivUrls()
    started = time.perf_counter()
    by_url: dict[str, list[int]] = {}
    article_url: dict[str, str] = {}
    for article_id, url in todo:
        request = arxiv.request_url(url)  # any arXiv link: its abstract page
        by_url.setdefault(request, []).append(article_id)
        article_url[request] = url
    follow_ups: list = []
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
        document = _document_future(result)  # PDFs: routed by content type, see below
        if document is not None:
            waiting.append((article_ids, result, document))
        elif result.ok and result.text:
            waiting.append((article_ids, result, pool.submit(result.text, result.final_url)))
            paper = papers.follow_up(article_url.get(result.url, result.url), result, arxiv, article_ids)
            if paper is not None:  # an abstract page: its full text is fetched next
                follow_ups.append(paper)
        else:
            for article_id in article_ids:
                _store_failure(store, article_id, result, report)
                done += 1
            progress(Progress("fetch", done, total))
        finish_ready(block=False)

    options = FetchOptions.from_settings(ctx.settings)
    n_workers = workers if workers is not None else (0 if total < 4 else None)
    with ExtractorPool(workers=n_workers, extract=prepare_page) as pool:
        fetch_all(list(by_url), options, on_result, should_stop, user_urls=user_urls,
                  **_document_accept())
        finish_ready(block=True)
    if follow_ups and not should_stop():
        papers.complete(store, follow_ups, lambda urls: _fetch_now(urls, options, should_stop), report)
    report.seconds = time.perf_counter() - started
    return report


# -- documents (PDF) by content type -------------------------------------------------
def _document_accept() -> dict[str, str]:
    """Ask the client for documents too, once it can return them as bytes."""
    from reader.fetch.client import ACCEPT_HEADERS

    return {"accept": "document"} if "document" in ACCEPT_HEADERS else {}


def _fetch_now(urls: list[str], options, should_stop) -> dict:
    """Fetch these URLs in one batch; results by URL."""
    from reader.fetch.client import fetch_all

    results: dict = {}
    fetch_all(urls, options, lambda r: results.__setitem__(r.url, r), should_stop, **_document_accept())
    return results


def _document_future(result) -> Future | None:
    """A finished future holding the extracted PDF, or None when the result is not a PDF."""
    from reader.extract.pdf import looks_like_pdf

    if result.error is not None or not looks_like_pdf(result.body, result.content_type):
        return None
    from reader.extract.pdf import extract_pdf

    future: Future = Future()
    try:
        future.set_result(extract_pdf(result.body or b"", result.final_url))
    except Exception as exc:  # noqa: BLE001 - an unreadable PDF fails its article, not the batch
        future.set_exception(exc)
    return future


def _store_failure(store: ArticleStore, article_id: int, result, report: FetchReport) -> None:
    current = store.get(article_id, full=False)
    attempts = (current.attempts or 0) + max(1, result.attempts)
    store.update(
        article_id,
        fetch_state="failed",
        fetch_error=result.error or "unknown error",
        attempts=attempts,
        next_retry_at=None if result.permanent else next_retry(attempts),
        final_url=result.final_url,
        redirects=result.redirects,
    )
    report.failed.append((article_id, current.url, result.error or "unknown error"))


def _store_extracted(store: ArticleStore, article_id: int, result, future: Future, report) -> None:
    from reader.services.library.prepare import Prepared, prepared

    try:
        done = future.result()
    except Exception as exc:  # noqa: BLE001 - a crashed worker must not lose the batch
        from reader.extract.pdf import PdfUnreadable

        unreadable = isinstance(exc, PdfUnreadable)  # encrypted, damaged, scanned: it will stay so
        reason = str(exc) if unreadable else f"{type(exc).__name__}: {exc}"
        result.error = f"extraction failed: {reason}"
        if unreadable:
            result.permanent = True
        _store_failure(store, article_id, result, report)
        return
    # Pages come prepared by the extraction workers; a PDF, or a page whose worker crashed,
    # comes as a bare Extracted and is prepared here.
    ready = done if isinstance(done, Prepared) else prepared(done, result.text)
    extracted = ready.extracted
    current = store.get(article_id, full=False)
    text = extracted.text or ""
    content_hash = ready.content_hash
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
        "fetch_state": "fetched",
        "next_retry_at": None,
        "word_count": words,
        "text": text,
        "markdown": extracted.markdown,
        "html": ready.html_blob,
        "content_hash": content_hash,
        "extraction": extracted.extraction,
        "extraction_note": note,
        "fetch_error": None,
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
            else:
                from reader.services.library.dedupe import check_article

                # A near copy: same words, mostly.
                near = check_article(store.db, article_id, ready.signature)
                if near is not None:
                    report.duplicates.append((article_id, near[0]))
    report.fetched.append(article_id)
    if note:
        report.thin.append(article_id)
