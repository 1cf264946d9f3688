"""Papers: an abstract page becomes the whole paper.

After a fetch, a page that is an arXiv abstract, or any page whose citation_pdf_url meta tag
points at a full text the page itself lacks, is followed: its full text (arXiv's HTML version
where there is one, else the PDF) replaces the abstract page's text, with the abstract first
and the page's own title, authors and date. A paper whose full text cannot be had keeps the
abstract page, with a note saying why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

from reader.extract.citation import Citation, read_citation
from reader.fetch.arxiv import ArxivUrls, parse_arxiv
from reader.storage.articles import ArticleStore

# A page with at least this many words already holds the paper; its PDF is not fetched.
FULL_TEXT_WORDS = 1500
# A "full text" shorter than this is a landing page or an error page, not the paper.
MIN_PAPER_WORDS = 200


@dataclass
class FollowUp:
    article_ids: list[int]
    citation: Citation
    candidates: list[str]  # full-text URLs to try, in order
    errors: list[str] = field(default_factory=list)


def follow_up(article_url: str, result, arxiv: ArxivUrls, article_ids: list[int]) -> FollowUp | None:
    """What to fetch next for a fetched page, if it is a paper's landing page."""
    if not result.text:
        return None
    citation = read_citation(result.text) or Citation()
    paper = parse_arxiv(article_url)
    if paper is not None:
        return FollowUp(article_ids, citation, [arxiv.html_url(paper), arxiv.pdf_url(paper)])
    if not citation.pdf_url:
        return None
    pdf = urljoin(result.final_url or result.url, citation.pdf_url)
    if pdf in (result.url, result.final_url):
        return None
    return FollowUp(article_ids, citation, [pdf])


def complete(store: ArticleStore, follow_ups: list[FollowUp], fetch, report) -> None:
    """Fetch each paper's full text, trying its candidates in turn, and store it.

    `fetch(urls) -> {url: FetchResult}` is the pipeline's own fetcher.
    """
    for fu in follow_ups:
        _apply_metadata(store, fu)
    remaining = [fu for fu in follow_ups if _needs_full_text(store, fu)]
    attempt = 0
    while remaining:
        todo = {fu.candidates[attempt]: fu for fu in remaining if len(fu.candidates) > attempt}
        if not todo:
            break
        results = fetch(list(todo))
        still = []
        for url, fu in todo.items():
            extracted, error = _extract(results.get(url))
            if extracted is None:
                fu.errors.append(f"{url}: {error}")
                still.append(fu)
                continue
            _apply_full_text(store, fu, extracted, report)
        remaining = still
        attempt += 1
    for fu in remaining:
        for article_id in fu.article_ids:
            store.update(article_id, extraction_note="full text not available: " + "; ".join(fu.errors))


def _needs_full_text(store: ArticleStore, fu: FollowUp) -> bool:
    if len(fu.candidates) > 1:  # arXiv: the abstract page never holds the paper
        return True
    current = store.get(fu.article_ids[0], full=False)
    return current.word_count < FULL_TEXT_WORDS


def _extract(result):
    """(Extracted, None) for a usable full text, else (None, why not)."""
    if result is None:
        return None, "not fetched"
    from reader.extract.pdf import PdfUnreadable, extract_pdf, looks_like_pdf

    if result.error is None and looks_like_pdf(result.body, result.content_type):
        try:
            extracted = extract_pdf(result.body or b"", result.final_url)
        except PdfUnreadable as exc:
            return None, str(exc)
    elif result.ok and result.text:
        from reader.extract.article import extract_article

        extracted = extract_article(result.text, result.final_url)
    else:
        return None, result.error or "nothing usable"
    words = len((extracted.text or "").split())
    if words < MIN_PAPER_WORDS:
        return None, f"only {words} words"
    return extracted, None


def _apply_metadata(store: ArticleStore, fu: FollowUp) -> None:
    citation = fu.citation
    for article_id in fu.article_ids:
        current = store.get(article_id, full=False)
        values: dict[str, object] = {}
        if citation.title and (not current.title or current.title == current.url
                               or citation.title in current.title):
            values["title"] = citation.title
        if citation.author:
            values["author"] = citation.author
        if citation.published:
            values["published"] = citation.published
        store.update(article_id, **values)


def _apply_full_text(store: ArticleStore, fu: FollowUp, extracted, report) -> None:
    from reader.services.library.capture import text_hash
    from reader.services.library.dedupe import check_article

    text, markdown = extracted.text, extracted.markdown or extracted.text
    abstract = fu.citation.abstract
    if abstract and abstract[:80].lower() not in text[:5000].lower():
        text = f"Abstract\n{abstract}\n{text}"
        markdown = f"## Abstract\n\n{abstract}\n\n{markdown}"
    for article_id in fu.article_ids:
        store.update(
            article_id,
            text=text,
            markdown=markdown,
            word_count=len(text.split()),
            content_hash=text_hash(text),
            extraction="full",
            extraction_note=extracted.reason,
        )
        if store.get(article_id, full=False).duplicate_of is None:
            near = check_article(store.db, article_id)
            if near is not None:
                report.duplicates.append((article_id, near[0]))
