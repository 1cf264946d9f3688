"""Pocket exports: the CSV (alone or zipped with annotations) and the older HTML page."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from reader.errors import ImportFormatError
from reader.fetch.importers.capped import open_zip, read_capped, read_member
from reader.fetch.importers.common import (
    ItemCollector,
    csv_rows,
    decode_text,
    split_tags,
    strip_xml_declaration,
)
from reader.models import Highlight, ImportBatch, ImportedItem

_STATUS = {"unread": "unread", "archive": "archived", "archived": "archived", "read": "read"}


def read_pocket_csv(path: Path) -> ImportBatch:
    """`title,url,time_added,tags,status`: tags `|`-separated, status unread or archive.

    Pocket's final export is a zip of `part_*.csv` files plus `annotations/part_*.json`
    (highlights per URL); both are read when given the zip.
    """
    collector = ItemCollector("pocket-csv")
    if zipfile.is_zipfile(path):
        with open_zip(path) as archive:
            names = sorted(n for n in archive.namelist() if not n.endswith("/"))
            parts = [n for n in names if n.lower().endswith(".csv")]
            if not parts:
                raise ImportFormatError(f"{path.name}: a zip without any Pocket CSV file in it")
            for name in parts:
                text = decode_text(read_member(archive, name), collector.problems, f"{name} ")
                _read_csv_text(text, collector, prefix=f"{name} ")
            for name in names:
                if name.lower().endswith(".json") and "annotation" in name.lower():
                    _read_annotations(read_member(archive, name), name, collector)
    else:
        _read_csv_text(decode_text(read_capped(path), collector.problems), collector, prefix="")
    return collector.batch


def _read_csv_text(text: str, collector: ItemCollector, *, prefix: str) -> None:
    for where, row in csv_rows(text, collector, kind="Pocket CSV", required={"url"}):
        where = prefix + where
        url = collector.url(row.get("url"), where)
        if url is None:
            continue
        title = (row.get("title") or "").strip()
        status = (row.get("status") or "").strip().lower()
        if status and status not in _STATUS:
            collector.problem(where, f"unknown status {status!r}; left as unread")
        item = ImportedItem(
            url=url,
            title=title if title and title != row.get("url", "").strip() else None,
            added_at=collector.date(row.get("time_added"), where, "time_added"),
            state=_STATUS.get(status) or ("unread" if status else None),
            tags=split_tags(row.get("tags"), "|"),
        )
        collector.add(item, where)


def _read_annotations(raw: bytes, name: str, collector: ItemCollector) -> None:
    """Pocket's annotation files: a list of {url, title, highlights: [{quote, created_at}]}."""
    try:
        entries = json.loads(decode_text(raw, collector.problems, f"{name} "))
    except json.JSONDecodeError as exc:
        collector.problem(name, f"not valid JSON ({exc.msg}); highlights not imported")
        return
    if not isinstance(entries, list):
        collector.problem(name, "not a list of annotated articles; highlights not imported")
        return
    for number, entry in enumerate(entries, start=1):
        where = f"{name} entry {number}"
        if not isinstance(entry, dict):
            collector.problem(where, "not an object")
            continue
        url = collector.url(entry.get("url"), where)
        if url is None:
            continue
        highlights = [
            Highlight(
                text=str(h["quote"]).strip(),
                created_at=collector.date(h.get("created_at"), where, "created_at"),
            )
            for h in entry.get("highlights") or []
            if isinstance(h, dict) and str(h.get("quote") or "").strip()
        ]
        title = entry.get("title") if isinstance(entry.get("title"), str) else None
        collector.add(ImportedItem(url=url, title=title or None, highlights=highlights), where)


def read_pocket_html(path: Path) -> ImportBatch:
    """Pocket's HTML export: an `Unread` list and a `Read Archive` list of links."""
    import lxml.html

    collector = ItemCollector("pocket-html")
    text = decode_text(read_capped(path), collector.problems)
    if not text.strip():
        raise ImportFormatError(f"{path.name}: the file is empty")
    root = lxml.html.document_fromstring(strip_xml_declaration(text))
    status = None
    links = 0
    for element in root.iter("h1", "h2", "a"):
        if element.tag in ("h1", "h2"):
            heading = element.text_content().strip().lower()
            status = "archived" if ("archive" in heading or heading == "read") else "unread"
            continue
        if element.get("href") is None:
            continue
        links += 1
        where = f"line {element.sourceline}"
        url = collector.url(element.get("href"), where)
        if url is None:
            continue
        title = element.text_content().strip()
        item = ImportedItem(
            url=url,
            title=title if title and title != element.get("href") else None,
            added_at=collector.date(element.get("time_added"), where, "time_added"),
            state=status,
            tags=split_tags(element.get("tags"), ","),
        )
        collector.add(item, where)
    if not links:
        raise ImportFormatError(f"{path.name}: not a Pocket HTML export (no links in it)")
    return collector.batch
