"""reader's own JSONL export: one record per line. A round trip must lose nothing.

A line's `kind` says what it holds: `article` (or no kind at all, as in exports before the
archive format), `feed`, `digest`, `theme_name`, `settings`; the first line of an archive is
a `reader-export` header with the format's version. Exports from before the two states carry
one `status` (queued, failed, unread, reading, read, archived) and `target_status`: they are
read into the reading state and the fetch state.
"""

from __future__ import annotations

import json
from pathlib import Path

from reader.errors import ImportFormatError
from reader.fetch.importers.capped import stream_lines
from reader.fetch.importers.common import ItemCollector, parse_date, unique
from reader.models import FETCH_STATES, READING_STATES, Highlight, ImportBatch, ImportedItem, Note

_TEXT_FIELDS = ("title", "author", "site", "language", "text", "markdown")
_DATE_FIELDS = ("published", "added_at", "read_at")
# Keys ImportedItem holds itself; every other key of a line goes to ImportedItem.extra.
_STANDARD = {"url", *_TEXT_FIELDS, *_DATE_FIELDS, "progress", "tags", "notes", "highlights",
             "kind", "state", "status", "target_status", "error"}
RECORD_KINDS = ("feed", "digest", "theme_name", "settings")


def read_jsonl(path: Path) -> ImportBatch:
    """Standard fields onto ImportedItem, everything else (id, canonical_url, status, ...) into
    `extra`, untouched. `status` is also set on the item when it is a known state."""
    collector = ItemCollector("jsonl")
    objects, first = 0, True
    # Read a line at a time: an export with every article's text can be large.
    for number, line in stream_lines(path, collector.problems):
        if not line.strip():
            continue
        where = f"line {number}"
        was_first, first = first, False
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            # Only a file that does not even start like JSON (a CSV, a web page) is refused
            # whole; junk further on is a problem on its line and the rest is imported.
            if was_first and not line.lstrip().startswith("{"):
                raise ImportFormatError(
                    f"{path.name}: not a JSONL file ({exc.msg} on line {number})"
                ) from None
            collector.problem(where, f"not valid JSON ({exc.msg} at column {exc.colno}); skipped")
            continue
        if not isinstance(value, dict):
            collector.problem(where, f"expected an article object, found {type(value).__name__}")
            continue
        objects += 1
        kind = value.get("kind", "article")
        if kind == "reader-export":
            continue
        if kind in RECORD_KINDS:
            collector.batch.records.setdefault(kind, []).append(value)
            continue
        if kind != "article":
            collector.problem(where, f"unknown record kind {kind!r}; skipped")
            continue
        item = _item(value, where, collector)
        if item is not None:
            collector.add(item, where)
    return collector.batch


def _item(obj: dict, where: str, collector: ItemCollector) -> ImportedItem | None:
    raw_url = obj.get("url")
    if isinstance(raw_url, str) and raw_url.lower().startswith("file:"):
        url = raw_url  # a local document added by path: never fetched, its text travels with it
    else:
        url = collector.url(raw_url, where)
    if url is None:
        return None
    item = ImportedItem(url=url)
    item.extra = {key: value for key, value in obj.items() if key not in _STANDARD}
    for name in _TEXT_FIELDS:
        value = obj.get(name)
        if isinstance(value, str):
            setattr(item, name, value)
        elif value is not None:
            collector.problem(where, f"{name} is not a string; kept in extra")
            item.extra[name] = value
    for name in _DATE_FIELDS:
        try:  # validated, but kept as written: a round trip must not reformat anything
            setattr(item, name, _kept_date(obj.get(name)))
        except ValueError as exc:
            collector.problem(where, f"{name}: {exc}; kept in extra")
            item.extra[name] = obj.get(name)
    _states(obj, item)
    item.progress = _progress(obj.get("progress"), where, collector, item)
    item.tags = unique(str(tag).strip() for tag in obj.get("tags") or [] if tag is not None)
    item.notes = [
        Note(text=n["text"], created_at=_date(n, where, collector), id=n.get("id"),
             updated_at=_date(n, where, collector, "updated_at"))
        for n in _records(obj.get("notes"), "notes", where, collector)
    ]
    item.highlights = [
        Highlight(text=h["text"], note=h.get("note") or "", created_at=_date(h, where, collector),
                  id=h.get("id"), start_char=_offset(h.get("start_char")),
                  end_char=_offset(h.get("end_char")),
                  updated_at=_date(h, where, collector, "updated_at"))
        for h in _records(obj.get("highlights"), "highlights", where, collector)
    ]  # fmt: skip
    return item


def _states(obj: dict, item: ImportedItem) -> None:
    """The reading state onto the item, the fetch state into extra, from either format."""
    state, fetch_state = obj.get("state"), obj.get("fetch_state")
    if "status" in obj and state is None:  # an export from before the two states
        status, target = obj.get("status"), obj.get("target_status")
        if status in READING_STATES:
            state = status
            fetch_state = "provided" if obj.get("extraction") == "provided" else "fetched"
        else:
            state = target if target in READING_STATES else None
            fetch_state = status if status in ("queued", "failed") else None
    if state in READING_STATES:
        item.state = state
    if fetch_state in FETCH_STATES:
        item.extra["fetch_state"] = fetch_state
    error = obj.get("fetch_error", obj.get("error"))
    if isinstance(error, str) and error:
        item.extra["fetch_error"] = error


def _offset(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _progress(
    value: object, where: str, collector: ItemCollector, item: ImportedItem
) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
        return float(value)
    collector.problem(where, f"progress {value!r} is not between 0 and 1; kept in extra")
    item.extra["progress"] = value
    return None


def _records(value: object, name: str, where: str, collector: ItemCollector) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list):
        collector.problem(where, f"{name} is not a list; left out")
        return []
    good = [
        r for r in value if isinstance(r, dict) and isinstance(r.get("text"), str) and r["text"]
    ]
    if len(good) < len(value):
        collector.problem(where, f"{len(value) - len(good)} of its {name} have no text; left out")
    return good


def _kept_date(value: object) -> str | None:
    """The date as written when it is a readable one (else ValueError); numbers become ISO."""
    parsed = parse_date(value)
    return value if isinstance(value, str) and parsed is not None else parsed


def _date(
    record: dict, where: str, collector: ItemCollector, key: str = "created_at"
) -> str | None:
    try:
        return _kept_date(record.get(key))
    except ValueError as exc:
        collector.problem(where, f"{key}: {exc}; left empty")
        return None
