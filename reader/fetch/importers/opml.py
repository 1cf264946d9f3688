"""OPML subscription lists: feeds to follow (and, rarely, plain links to read)."""

from __future__ import annotations

from pathlib import Path

from reader.errors import BadInput, ImportFormatError
from reader.fetch.importers.capped import read_capped
from reader.fetch.importers.common import ItemCollector
from reader.fetch.safexml import parse_xml
from reader.fetch.urls import canonicalize, normalize_url
from reader.models import ImportBatch, ImportedItem, ImportProblem


def read_opml(path: Path) -> ImportBatch:
    """Feeds go to `batch.feeds` as {url, title, site_url}; `type="link"` outlines become items."""
    collector = ItemCollector("opml")
    root = parse_xml(read_capped(path), what=path.name)
    if _local(root.tag) != "opml":
        raise ImportFormatError(f"{path.name}: not an OPML file (its root is <{_local(root.tag)}>)")
    seen: dict[str, str] = {}
    for outline in root.iter("{*}outline"):
        attrs = {_local(k).lower(): (v or "").strip() for k, v in outline.attrib.items()}
        where = f"line {outline.sourceline}"
        title = attrs.get("title") or attrs.get("text") or None
        if attrs.get("xmlurl"):
            url = collector.url(attrs["xmlurl"], where)
            if url is None:
                continue
            key = canonicalize(url)
            if key in seen:
                collector.batch.skipped.append(_dup(where, seen[key]))
                continue
            seen[key] = where
            collector.batch.feeds.append(
                {"url": url, "title": title, "site_url": _site_url(attrs.get("htmlurl"))}
            )
        elif attrs.get("type", "").lower() == "link" and attrs.get("url"):
            url = collector.url(attrs["url"], where)
            if url is not None:
                collector.add(ImportedItem(url=url, title=title), where)
    if not collector.batch.feeds and not collector.batch.items and not collector.problems:
        raise ImportFormatError(f"{path.name}: an OPML file without any feed in it")
    return collector.batch


def _site_url(raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        return normalize_url(raw)
    except BadInput:
        return None


def _dup(where: str, first: str) -> ImportProblem:
    return ImportProblem(where, f"the same feed as {first}; listed once")


def _local(tag: object) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1]
