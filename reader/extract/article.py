"""Find the article in a web page: its text, Markdown and metadata, via trafilatura.

trafilatura is imported inside the functions that use it, so importing this module
stays cheap. The options (recall-leaning, fast mode, no comments) scored best on
the article-extraction corpus; see bench/extraction.py.

A page may spend at most `BUDGET_S` seconds of CPU in the full extractor (a pathological
8.7 MB page once took 72 s and held its batch); past that it gets the cheap extraction
(trafilatura's baseline: the article element, else the paragraphs) and says so.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

# Fewer words than this means the extractor did not really find an article.
MIN_WORDS = 15
# CPU seconds the full extractor may spend on one page (a normal page needs well under 1).
BUDGET_S = 10.0
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BINARY = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd]")
_MARKUP = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9:-]*|!--|!doctype|\?xml)[\s>/]", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_HTML_LANG = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})\b", re.IGNORECASE)
_META_LANG = re.compile(
    r"<meta\b[^>]*?(?:http-equiv\s*=\s*[\"']?content-language|property\s*=\s*[\"']?og:locale)"
    r"[^>]*?content\s*=\s*[\"']?([A-Za-z]{2,3})\b",
    re.IGNORECASE,
)


@dataclass
class Extracted:
    """The readable part of one page."""

    title: str | None
    author: str | None
    published: str | None  # ISO date "YYYY-MM-DD" when known
    site: str | None
    language: str | None  # primary language subtag, e.g. "en"
    text: str
    markdown: str
    extraction: str  # "full" when the extractor found the article, else "fallback"
    reason: str | None  # why it is a fallback


class _OverBudget(BaseException):
    """The page used up its extraction budget (a BaseException, so no library swallows it)."""


def extract_article(
    html: str, url: str | None = None, budget: float | None = BUDGET_S
) -> Extracted:
    """Extract the article from an HTML page; never raises on junk input.

    `budget` caps the CPU seconds of the full extraction (None: no cap); it is enforced
    only on a main thread (a worker process, the CLI), where a timer signal can be taken.
    """
    if not isinstance(html, str):
        html = ""
    if _looks_binary(html):
        return no_article(url, "page is not text (binary content); nothing to read")
    html = _CONTROL.sub("", html)
    if not html.strip():
        return no_article(url, "page is empty; nothing to read")
    if not _MARKUP.search(html[:65536]):
        return _plain_text(html, url)
    try:
        with _cpu_deadline(budget):
            return _full(html, url)
    except _OverBudget:
        pass
    try:
        with _cpu_deadline(budget):
            return _quick(html, url, budget or 0.0)
    except _OverBudget:
        return no_article(url, f"extraction took over {budget:g} s of CPU even in the cheap mode")


@contextmanager
def _cpu_deadline(seconds: float | None) -> Iterator[None]:
    """Raise _OverBudget in this thread once the process has spent `seconds` more of CPU."""
    usable = (
        seconds
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def over(signum: int, frame: object) -> None:
        raise _OverBudget

    previous = signal.signal(signal.SIGPROF, over)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def _quick(html: str, url: str | None, budget: float) -> Extracted:
    """The cheap extraction for a page the full one could not finish in time."""
    text = _baseline(html)
    meta = {
        "title": _page_title(html),
        "author": None,
        "published": None,
        "site": _site(None, url),
        "language": _language(html),
    }
    reason = f"full extraction took over {budget:g} s of CPU; kept the page's main text"
    if not text:
        reason = f"full extraction took over {budget:g} s of CPU; the page has no readable text"
    return Extracted(**meta, text=text, markdown=text, extraction="fallback", reason=reason)


def _full(html: str, url: str | None) -> Extracted:
    """trafilatura's article and metadata, or the visible text when it finds no article."""
    tree = _parse(html)
    document = _trafilatura(tree if tree is not None else html, url)
    text, markdown = _render(document)
    meta = _metadata(tree, html, url)
    words = len(_WORD.findall(text))
    if words >= MIN_WORDS:
        return Extracted(**meta, text=text, markdown=markdown, extraction="full", reason=None)
    baseline = _baseline(html)
    kept_visible = len(_WORD.findall(baseline)) > words
    if kept_visible:
        text = markdown = baseline
    if not text.strip():
        reason = "page has no readable text"
    elif words == 0:
        reason = "extractor found no article; kept the page's visible text"
    elif kept_visible:
        reason = f"extractor found only {words} words; kept the page's visible text"
    else:
        reason = f"extractor found only {words} words"
    return Extracted(**meta, text=text, markdown=markdown, extraction="fallback", reason=reason)


def _parse(html: str) -> Any:
    """The page's lxml tree as trafilatura parses it, or None."""
    from lxml.etree import LxmlError
    from trafilatura.utils import load_html

    try:
        return load_html(html)
    except (ValueError, TypeError, RecursionError, LxmlError):
        return None


def _trafilatura(page: Any, url: str | None) -> Any:
    """trafilatura's Document for the page (text or tree, left unchanged), or None."""
    import trafilatura
    from lxml.etree import LxmlError

    try:
        # Metadata comes from _metadata, on the same parsed tree (no second parse).
        return trafilatura.bare_extraction(
            page,
            url=url,
            with_metadata=False,
            include_comments=False,
            include_tables=True,
            favor_recall=True,
            fast=True,
            date_extraction_params=_date_params(),
            # Keep formatting in the tree so Markdown and plain text both come from one pass.
            output_format="markdown",
        )
    except (ValueError, TypeError, RecursionError, LxmlError):
        return None


def _date_params() -> dict[str, Any]:
    """Date settings for trafilatura's htmldate.

    No extensive search: it loads dateparser (a second per process) for the rare page
    whose date appears only in running text.
    """
    return {"original_date": True, "extensive_search": False, "max_date": date.today().isoformat()}


def _render(document: Any) -> tuple[str, str]:
    """Plain text and Markdown from the extracted tree."""
    if document is None or document.body is None:
        return "", ""
    from trafilatura.utils import normalize_unicode
    from trafilatura.xml import xmltotxt

    text = normalize_unicode(xmltotxt(document.body, include_formatting=False)).strip()
    markdown = normalize_unicode(xmltotxt(document.body, include_formatting=True)).strip()
    return text, markdown


def _baseline(html: str) -> str:
    """The page's visible text, as trafilatura's baseline finds it."""
    import trafilatura
    from lxml.etree import LxmlError

    try:
        _, text, _ = trafilatura.baseline(html)
    except (ValueError, TypeError, RecursionError, LxmlError):
        return ""
    return text.strip()


def _metadata(tree: Any, html: str, url: str | None) -> dict[str, str | None]:
    """Title, author, date, site and language, from trafilatura and the page itself."""
    document = _metadata_only(tree if tree is not None else html, url)
    get = (lambda name: _clean(getattr(document, name, None))) if document is not None else _none
    published = get("date")
    return {
        "title": get("title") or _page_title(html),
        "author": get("author"),
        "published": published if published and _DATE.match(published) else None,
        "site": _site(get("sitename"), url),
        "language": _language(html),
    }


def _metadata_only(page: Any, url: str | None) -> Any:
    from lxml.etree import LxmlError

    from reader.extract.metadata import page_metadata

    try:
        if isinstance(page, str):
            from trafilatura.utils import load_html

            page = load_html(page)
        return page_metadata(page, url, _date_params()) if page is not None else None
    except (ValueError, TypeError, RecursionError, LxmlError):
        return None


def _plain_text(text: str, url: str | None) -> Extracted:
    """A page that is plain text already (a .txt URL): keep it as it is."""
    text = text.strip()
    if not _WORD.search(text):
        return no_article(url, "page has no readable text")
    first = text.splitlines()[0].strip()
    title = first if len(first) <= 200 else None
    return Extracted(
        title=title,
        author=None,
        published=None,
        site=_site(None, url),
        language=None,
        text=text,
        markdown=text,
        extraction="full",
        reason=None,
    )


def no_article(url: str | None, reason: str) -> Extracted:
    """An empty fallback result that says why nothing was kept."""
    return Extracted(
        title=None,
        author=None,
        published=None,
        site=_site(None, url),
        language=None,
        text="",
        markdown="",
        extraction="fallback",
        reason=reason,
    )


def _looks_binary(html: str) -> bool:
    """Mostly control or replacement characters: bytes that were never text."""
    sample = html[:4096]
    return bool(sample) and len(_BINARY.findall(sample)) > len(sample) * 0.1


def _page_title(html: str) -> str | None:
    import html as htmllib

    match = _TITLE.search(html)
    return _clean(htmllib.unescape(match.group(1))) if match else None


def _site(sitename: str | None, url: str | None) -> str | None:
    """The site's own name, else its host (trafilatura puts the host in sitename too)."""
    hostlike = sitename and re.fullmatch(r"[\w-]+(\.[\w-]+)+(:\d+)?|[\w.-]+:\d+", sitename)
    if sitename and not hostlike:
        return sitename
    host = _host(url) if url else None
    return host or (_host(f"//{sitename}") if sitename else None)


def _host(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host[4:] if host.startswith("www.") else host


def _language(html: str) -> str | None:
    head = html[:65536]
    match = _HTML_LANG.search(head) or _META_LANG.search(head)
    return match.group(1).lower() if match else None


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def _none(_: str) -> None:
    return None
