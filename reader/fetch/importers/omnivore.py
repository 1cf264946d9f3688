"""Omnivore's export: a zip (or its unpacked folder) of `metadata_*.json`, `highlights/<slug>.md`
and `content/<slug>.html`."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path, PurePosixPath

from reader.errors import ImportFormatError
from reader.fetch.importers.capped import open_zip, read_capped, read_member
from reader.fetch.importers.common import ItemCollector, decode_text, html_to_text, unique
from reader.models import Highlight, ImportBatch, ImportedItem, ImportProblem, Note

_METADATA = re.compile(r"(^|/)metadata_[^/]*\.json$")
_BACKLINK = re.compile(r"\s*\[⤴️?\]\([^)]*\)\s*$")  # some exports end a quote with a link back


class _Files:
    """The export's files by POSIX path, whether zipped or unpacked."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.is_dir():
            self.names = sorted(
                p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()
            )
            self._zip = None
        else:
            self._zip = open_zip(path)
            self.names = sorted(n for n in self._zip.namelist() if not n.endswith("/"))
        self._known = set(self.names)

    def read(self, name: str) -> bytes | None:
        if name not in self._known:
            return None
        if self._zip is not None:
            return read_member(self._zip, name)
        return read_capped(self.path / name)

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def is_omnivore(path: Path) -> bool:
    """True for a folder or zip holding Omnivore `metadata_*.json` files."""
    try:
        files = _Files(path)
    except (zipfile.BadZipFile, OSError):
        return False
    try:
        return any(_METADATA.search(name) for name in files.names)
    finally:
        files.close()


def read_omnivore(path: Path) -> ImportBatch:
    """Every saved item but DELETED ones, with labels, state, progress, highlights, content."""
    collector = ItemCollector("omnivore")
    try:
        files = _Files(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ImportFormatError(f"{path.name}: not an Omnivore export ({exc})") from None
    try:
        metadata = [name for name in files.names if _METADATA.search(name)]
        if not metadata:
            raise ImportFormatError(
                f"{path.name}: not an Omnivore export (no metadata_*.json in it)"
            )
        for name in metadata:
            _read_metadata(files, name, collector)
    finally:
        files.close()
    return collector.batch


def _read_metadata(files: _Files, name: str, collector: ItemCollector) -> None:
    try:
        entries = json.loads(decode_text(files.read(name) or b"", collector.problems, f"{name} "))
    except json.JSONDecodeError as exc:
        collector.problem(name, f"not valid JSON ({exc.msg} at line {exc.lineno}); skipped")
        return
    if not isinstance(entries, list):
        collector.problem(name, "not a list of saved items; skipped")
        return
    folder = str(PurePosixPath(name).parent)
    folder = "" if folder == "." else folder + "/"
    for number, entry in enumerate(entries, start=1):
        where = f"{name} item {number}"
        if not isinstance(entry, dict):
            collector.problem(where, "not an object; skipped")
            continue
        if str(entry.get("state") or "").upper() == "DELETED":
            collector.batch.skipped.append(
                ImportProblem(
                    where, f"deleted in Omnivore: {entry.get('url') or entry.get('title')}"
                )
            )
            continue
        item = _item(entry, where, collector)
        if item is None:
            continue
        slug = str(entry.get("slug") or "")
        if slug:
            _add_highlights(files, f"{folder}highlights/{slug}.md", item, collector)
            _add_content(files, f"{folder}content/{slug}.html", item, collector)
        collector.add(item, where)


def _item(entry: dict, where: str, collector: ItemCollector) -> ImportedItem | None:
    url = collector.url(entry.get("url"), where)
    if url is None:
        return None
    progress = _progress(entry.get("readingProgress"), where, collector)
    state = str(entry.get("state") or "").upper()
    if state == "ARCHIVED":
        status = "archived"
    elif progress is not None and progress >= 1:
        status = "read"
    elif progress:
        status = "reading"
    else:
        status = "unread"
    return ImportedItem(
        url=url,
        title=_text(entry.get("title")),
        author=_text(entry.get("author")),
        published=collector.date(entry.get("publishedAt"), where, "publishedAt"),
        added_at=collector.date(entry.get("savedAt"), where, "savedAt"),
        state=status,
        progress=progress,
        tags=_labels(entry.get("labels")),
    )


def _progress(value: object, where: str, collector: ItemCollector) -> float | None:
    if value is None or value == "":
        return None
    try:
        percent = float(value)
    except (TypeError, ValueError):
        collector.problem(where, f"readingProgress {value!r} is not a number; left empty")
        return None
    return min(max(percent / 100.0, 0.0), 1.0)


def _labels(value: object) -> list[str]:
    if not isinstance(value, list):
        return []
    names = (label.get("name") if isinstance(label, dict) else label for label in value)
    return unique(str(name).strip() for name in names if name is not None)


def _text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _add_highlights(files: _Files, name: str, item: ImportedItem, collector: ItemCollector) -> None:
    raw = files.read(name)
    if raw is None:
        return
    highlights, notes = parse_highlights(decode_text(raw, collector.problems, f"{name} "))
    item.highlights += highlights
    item.notes += notes


def parse_highlights(markdown: str) -> tuple[list[Highlight], list[Note]]:
    """Omnivore's highlight file: `> quote` blocks, each maybe followed by `#labels` and a note.

    Blocks are separated by blank lines; a `>` line alone separates paragraphs of one quote.
    Text before the first quote is a note on the article itself.
    """
    highlights: list[Highlight] = []
    notes: list[Note] = []
    for block in re.split(r"\n[ \t]*\n", markdown.replace("\r\n", "\n")):
        block = block.strip()
        if not block:
            continue
        if block.startswith(">"):
            lines = [re.sub(r"^>\s?", "", line) for line in block.split("\n")]
            quote = _BACKLINK.sub("", "\n".join(lines)).strip()
            quote = re.sub(r"\n[ \t]*\n+", "\n\n", quote)
            if quote:
                highlights.append(Highlight(text=quote))
        elif highlights:
            last = highlights[-1]
            last.note = f"{last.note}\n\n{block}" if last.note else block
        else:
            notes.append(Note(text=block))
    return highlights, notes


def _add_content(files: _Files, name: str, item: ImportedItem, collector: ItemCollector) -> None:
    raw = files.read(name)
    if raw is None:
        return
    text = html_to_text(decode_text(raw, collector.problems, f"{name} "))
    if text:
        item.text = text
