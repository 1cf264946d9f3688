"""Feeds into ImportedItems, parsed by feedparser: RSS 0.9x to 2.0, RSS 1.0 (RDF), Atom,
with its date handling, relative-link resolution and HTML sanitising.

feedparser is only ever handed bytes in memory (never a URL or a file name, which it would
open), and its XML parser neither resolves external entities nor expands entity bombs.
"""

from __future__ import annotations

import calendar
import html
import io
import re
import time
from typing import Any

from reader.errors import BadInput, ImportFormatError
from reader.fetch.importers.common import ItemCollector, parse_date
from reader.fetch.urls import normalize_url
from reader.models import ImportedItem, ImportProblem

_ROOT = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>\s*)*<([A-Za-z_][\w:.-]*)",
    re.S | re.I,
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse_feed(
    data: bytes | str, feed_url: str, problems: list[ImportProblem] | None = None
) -> tuple[dict[str, str | None], list[ImportedItem]]:
    """A feed's info ({url, title, site_url}) and its items, in document order.

    Items without a usable link are left out; pass `problems` to learn which and why.
    Raises ImportFormatError when the document is not an RSS or Atom feed.
    """
    import feedparser

    if isinstance(data, str):
        # The text is decoded already: drop a declaration naming a byte encoding it no longer has.
        data = _XML_DECLARATION.sub("", data, count=1).encode("utf-8")
    _check_root(data, feed_url)
    parsed = feedparser.parse(
        io.BytesIO(data),
        response_headers={"content-location": feed_url, "content-type": "application/xml"},
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    if not parsed.version and not parsed.entries:
        raise ImportFormatError(f"{feed_url}: not an RSS or Atom feed ({_why(parsed)})")
    feed = parsed.feed
    info = {
        "url": feed_url,
        "title": _plain(feed.get("title")),
        "site_url": _absolute(feed.get("link"), feed_url),
    }
    language = (feed.get("language") or "").lower() or None
    collector = ItemCollector("feed")
    for number, entry in enumerate(parsed.entries, start=1):
        where = f"item {number}"
        url = _link(entry, where, collector)
        if url is None:
            continue
        item = ImportedItem(
            url=url,
            title=_plain(entry.get("title")),
            author=_author(entry.get("author")) or _author(feed.get("author")),
            site=info["title"],
            language=_language(entry) or language,
            published=_published(entry, where, collector),
        )
        collector.add(item, where)
    if problems is not None:
        problems.extend(collector.problems)
    return info, collector.batch.items


def _check_root(data: bytes, feed_url: str) -> None:
    """Refuse what is plainly no feed, with a message that says what it is."""
    head = data[:65536].lstrip(b"\xef\xbb\xbf")
    match = _ROOT.match(head)
    if match is None:
        raise ImportFormatError(f"{feed_url}: not XML (no root element)")
    name = match.group(1).decode("ascii", errors="replace")
    local = name.rsplit(":", 1)[-1].lower()
    if local == "html":
        raise ImportFormatError(f"{feed_url}: not an RSS or Atom feed (an HTML page)")
    if local not in ("rss", "rdf", "feed", "channel"):
        raise ImportFormatError(
            f"{feed_url}: not an RSS or Atom feed (a document whose root is <{name}>)"
        )
    if local == "rss" and not re.search(rb"<channel[\s>/]", head, re.I):
        raise ImportFormatError(f"{feed_url}: an RSS document without a <channel>")


def _why(parsed: Any) -> str:
    error = parsed.get("bozo_exception")
    return f"unreadable: {error}" if error else "no feed elements in it"


def _link(entry: Any, where: str, collector: ItemCollector) -> str | None:
    """The item's address: FeedBurner's original link, the link, else an http(s) id."""
    candidates = [entry.get("feedburner_origlink"), entry.get("link"), entry.get("id")]
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip().lower().startswith(("http:", "https:")):
            return collector.url(candidate.strip(), where)
    collector.problem(where, "an item without a link; left out")
    return None


def _author(text: str | None) -> str | None:
    """RSS `author` is `email (Name)` by the spec; keep the name when there is one."""
    if not text:
        return None
    match = re.match(r"^\S+@\S+\s*\((.+)\)$", text.strip())
    return _plain(match.group(1) if match else text)


def _language(entry: Any) -> str | None:
    detail = entry.get("title_detail") or {}
    language = detail.get("language")
    return language.lower() if language else None


def _published(entry: Any, where: str, collector: ItemCollector) -> str | None:
    """Published, else updated, as ISO UTC; an unreadable date is noted and left empty."""
    for name in ("published", "updated"):
        # dict.get: FeedParserDict.get maps updated to published with a deprecation warning.
        parsed: time.struct_time | None = dict.get(entry, f"{name}_parsed")
        if parsed is not None:
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(parsed)))
    raw = dict.get(entry, "published") or dict.get(entry, "updated")
    if not raw:
        return None
    try:
        return parse_date(raw)  # forms feedparser does not know but the importers do
    except ValueError as exc:
        collector.problem(where, f"published: {exc}; left empty")
        return None


def _absolute(link: str | None, base: str) -> str | None:
    if not link:
        return None
    from urllib.parse import urljoin

    try:
        return normalize_url(urljoin(base, link.strip()))
    except BadInput:
        return None


def _plain(text: str | None) -> str | None:
    """Titles often carry (sanitised) HTML; readers want the words."""
    if not text:
        return None
    text = html.unescape(re.sub(r"<[^>]+>", "", text)) if "<" in text or "&" in text else text
    return " ".join(text.split()) or None
