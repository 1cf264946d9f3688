"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds into ImportedItems, with an XML parser that never
resolves entities or touches the network."""

from __future__ import annotations

import html
import re
from html.entities import name2codepoint
from urllib.parse import urljoin

from lxml import etree

from reader.errors import BadInput, ImportFormatError
from reader.fetch.importers.common import ItemCollector, parse_date
from reader.fetch.urls import normalize_url
from reader.models import ImportedItem, ImportProblem

_ATOM = {"http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#"}
_RSS = {"", "http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/",
        "http://backend.userland.com/rss2"}  # fmt: skip
_DC = {"http://purl.org/dc/elements/1.1/"}
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XML_NAMED = {"amp", "lt", "gt", "quot", "apos"}


def parse_xml(data: bytes | str, *, what: str = "document") -> etree._Element:
    """Parse XML safely: no entity expansion, no DTD loading, no network; recover from small
    errors (feeds in the wild are often slightly broken). Raises ImportFormatError."""
    if isinstance(data, str):
        # lxml refuses text that still declares its byte encoding.
        data = re.sub(r"^\s*<\?xml[^>]*\?>", "", data, count=1).encode("utf-8")
    data = _html_entities_to_numeric(data)
    options = dict(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                   remove_comments=True, remove_pis=True)  # fmt: skip
    try:
        return etree.fromstring(data, etree.XMLParser(**options))
    except etree.XMLSyntaxError as exc:
        first_error = exc
    try:
        root = etree.fromstring(data, etree.XMLParser(recover=True, **options))
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        raise ImportFormatError(f"{what}: not XML ({first_error})")
    return root


def _html_entities_to_numeric(data: bytes) -> bytes:
    """`&nbsp;` and friends are not XML; many feeds use them anyway."""

    def fix(match: re.Match[bytes]) -> bytes:
        name = match.group(1).decode("ascii")
        if name in _XML_NAMED or name not in name2codepoint:
            return match.group(0)
        return f"&#{name2codepoint[name]};".encode("ascii")

    return re.sub(rb"&([A-Za-z][A-Za-z0-9]{1,31});", fix, data)


def parse_feed(
    data: bytes | str, feed_url: str, problems: list[ImportProblem] | None = None
) -> tuple[dict[str, str | None], list[ImportedItem]]:
    """A feed's info ({url, title, site_url}) and its items, in document order.

    Items without a usable link are left out; pass `problems` to learn which and why.
    Raises ImportFormatError when the document is not an RSS or Atom feed.
    """
    root = parse_xml(data, what=feed_url)
    name, namespace = _name(root), _namespace(root)
    collector = ItemCollector("feed")
    if name == "rss" or (name == "RDF" and namespace == _RDF):
        info, entries = _rss(root, feed_url)
        make = _rss_item
    elif name == "feed" and namespace in _ATOM:
        info, entries = _atom(root, feed_url)
        make = _atom_item
    else:
        kind = "an HTML page" if name.lower() == "html" else f"a document whose root is <{name}>"
        raise ImportFormatError(f"{feed_url}: not an RSS or Atom feed ({kind})")
    for entry in entries:
        item = make(entry, info, feed_url, collector)
        if item is not None:
            collector.add(item, f"line {entry.sourceline}")
    if problems is not None:
        problems.extend(collector.problems)
    return {key: info[key] for key in ("url", "title", "site_url")}, collector.batch.items


def _rss(root: etree._Element, feed_url: str) -> tuple[dict, list[etree._Element]]:
    channel = _first(root, _RSS, "channel")
    if channel is None:
        raise ImportFormatError(f"{feed_url}: an RSS document without a <channel>")
    # RSS 2.0 nests items in the channel; RSS 1.0 puts them beside it.
    entries = _children(channel, _RSS, "item") or _children(root, _RSS, "item")
    language = _text(_first(channel, _RSS, "language")) or _text(_first(channel, _DC, "language"))
    info = {
        "url": feed_url,
        "title": _plain(_text(_first(channel, _RSS, "title"))),
        "site_url": _absolute(_text(_first(channel, _RSS, "link")), feed_url),
        "language": language.lower() if language else None,
        "author": None,
    }
    return info, entries


def _rss_item(entry, info, feed_url, collector) -> ImportedItem | None:
    where = f"line {entry.sourceline}"
    link = (
        _text(_first(entry, None, "origLink"))  # FeedBurner wraps the real link
        or _text(_first(entry, _RSS, "link"))
        or _permalink_guid(entry)
        or entry.get(f"{{{_RDF}}}about")
    )
    url = _url(link, feed_url, where, collector)
    if url is None:
        return None
    author = _text(_first(entry, _DC, "creator")) or _rss_author(
        _text(_first(entry, _RSS, "author"))
    )
    date = _text(_first(entry, _RSS, "pubDate")) or _text(_first(entry, _DC, "date"))
    return ImportedItem(
        url=url,
        title=_plain(_text(_first(entry, _RSS, "title"))),
        author=author,
        site=info["title"],
        language=info["language"],
        published=_date(date, where, collector),
    )


def _permalink_guid(entry: etree._Element) -> str | None:
    guid = _first(entry, _RSS, "guid")
    text = _text(guid)
    if guid is None or not text or guid.get("isPermaLink", "true").lower() == "false":
        return None
    return text if text.startswith(("http://", "https://")) else None


def _rss_author(text: str | None) -> str | None:
    """RSS `author` is `email (Name)` by the spec; keep the name when there is one."""
    if not text:
        return None
    match = re.match(r"^\S+@\S+\s*\((.+)\)$", text)
    return match.group(1).strip() if match else text


def _atom(root: etree._Element, feed_url: str) -> tuple[dict, list[etree._Element]]:
    base = _base(root, feed_url)
    lang = root.get(_XML_LANG)
    info = {
        "url": feed_url,
        "title": _atom_text(_first(root, _ATOM, "title")),
        "site_url": _absolute(_atom_link(root), base),
        "language": lang.lower() if lang else None,
        "author": _atom_author(root),
    }
    return info, _children(root, _ATOM, "entry")


def _atom_item(entry, info, feed_url, collector) -> ImportedItem | None:
    where = f"line {entry.sourceline}"
    url = _url(_atom_link(entry), _base(entry, feed_url), where, collector)
    if url is None:
        return None
    date = next(
        (_text(_first(entry, _ATOM, n)) for n in ("published", "issued", "updated", "modified")
         if _text(_first(entry, _ATOM, n))),
        None,
    )  # fmt: skip
    lang = entry.get(_XML_LANG)
    return ImportedItem(
        url=url,
        title=_atom_text(_first(entry, _ATOM, "title")),
        author=_atom_author(entry) or info["author"],
        site=info["title"],
        language=lang.lower() if lang else info["language"],
        published=_date(date, where, collector),
    )


def _atom_link(element: etree._Element) -> str | None:
    """The alternate (HTML) link: rel="alternate" or no rel, preferring text/html."""
    links = [
        link for link in _children(element, _ATOM, "link")
        if link.get("rel", "alternate") == "alternate" and link.get("href")
    ]  # fmt: skip
    links.sort(key=lambda link: link.get("type", "text/html") not in ("text/html", ""))
    return links[0].get("href").strip() if links else None


def _atom_author(element: etree._Element) -> str | None:
    author = _first(element, _ATOM, "author")
    return _text(_first(author, _ATOM, "name")) if author is not None else None


def _atom_text(element: etree._Element | None) -> str | None:
    """An Atom text construct: plain text, escaped HTML or inline XHTML, as plain text."""
    if element is None:
        return None
    if element.get("type") == "xhtml":
        return _plain(" ".join("".join(element.itertext()).split()) or None)
    return _plain(_text(element))


def _base(element: etree._Element, feed_url: str) -> str:
    """The URL relative links in `element` are relative to: xml:base values, outermost first."""
    bases = [e.get(_XML_BASE) for e in [*reversed(list(element.iterancestors())), element]]
    base = feed_url
    for value in bases:
        if value:
            base = urljoin(base, value.strip())
    return base


def _url(link: str | None, base: str, where: str, collector: ItemCollector) -> str | None:
    if not link or not link.strip():
        collector.problem(where, "an item without a link; left out")
        return None
    return collector.url(urljoin(base, link.strip()), where)


def _absolute(link: str | None, base: str) -> str | None:
    if not link:
        return None
    try:
        return normalize_url(urljoin(base, link.strip()))
    except BadInput:
        return None


def _date(value: str | None, where: str, collector: ItemCollector) -> str | None:
    try:
        return parse_date(value)
    except ValueError as exc:
        collector.problem(where, f"published: {exc}; left empty")
        return None


def _plain(text: str | None) -> str | None:
    """Titles often carry escaped HTML; readers want the words."""
    if not text:
        return None
    text = html.unescape(re.sub(r"<[^>]+>", "", text)) if "<" in text or "&" in text else text
    return " ".join(text.split()) or None


def _text(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    text = "".join(element.itertext()).strip()
    return text or None


def _first(element, namespaces: set[str] | None, local: str) -> etree._Element | None:
    found = _children(element, namespaces, local)
    return found[0] if found else None


def _children(element, namespaces: set[str] | None, local: str) -> list[etree._Element]:
    """Direct children named `local` in one of `namespaces` (None: any namespace)."""
    return [
        child for child in element
        if isinstance(child.tag, str) and _name(child) == local
        and (namespaces is None or _namespace(child) in namespaces)
    ]  # fmt: skip


def _name(element: etree._Element) -> str:
    return etree.QName(element).localname


def _namespace(element: etree._Element) -> str:
    return etree.QName(element).namespace or ""
