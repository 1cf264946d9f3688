"""Instapaper's CSV export: `URL,Title,Selection,Folder,Timestamp` (newer files add `Tags`)."""

from __future__ import annotations

import json
from pathlib import Path

from reader.fetch.importers.capped import read_capped
from reader.fetch.importers.common import ItemCollector, csv_rows, decode_text, split_tags, unique
from reader.models import Highlight, ImportBatch, ImportedItem

# Instapaper's built-in folders; any other folder name becomes a tag.
_FOLDERS = {"unread": ("unread", None), "archive": ("archived", None), "starred": (None, "starred")}


def read_instapaper_csv(path: Path) -> ImportBatch:
    """Folder Unread/Archive sets the state, Starred and custom folders become tags,
    Selection (the text selected when saving) becomes a highlight."""
    collector = ItemCollector("instapaper-csv")
    text = decode_text(read_capped(path), collector.problems)
    rows = csv_rows(text, collector, kind="Instapaper CSV", required={"url", "title", "folder"})
    for where, row in rows:
        url = collector.url(row.get("url"), where)
        if url is None:
            continue
        folder = (row.get("folder") or "").strip()
        status, folder_tag = _FOLDERS.get(folder.lower(), (None, folder or None))
        title = (row.get("title") or "").strip()
        selection = (row.get("selection") or "").strip()
        item = ImportedItem(
            url=url,
            title=title if title and title != row.get("url", "").strip() else None,
            added_at=collector.date(row.get("timestamp"), where, "Timestamp"),
            state=status,
            tags=unique([*([folder_tag] if folder_tag else []), *_tags(row.get("tags"))]),
            highlights=[Highlight(text=selection)] if selection else [],
        )
        collector.add(item, where)
    return collector.batch


def _tags(text: str | None) -> list[str]:
    """The Tags column: a JSON list of names in current exports, else a comma-separated list."""
    text = (text or "").strip()
    if text.startswith("["):
        try:
            names = json.loads(text)
        except json.JSONDecodeError:
            names = None
        if isinstance(names, list):
            return unique(str(name).strip() for name in names if name is not None)
    return split_tags(text, ",")
