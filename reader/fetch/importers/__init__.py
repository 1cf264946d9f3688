"""Reading-list importers: one module per format, and this dispatcher.

`read_import(path)` sniffs the format (`detect_format`) unless one is given, and returns an
ImportBatch: items to merge into the library, problems (bad rows, with where and why), skipped
entries (duplicates, deleted items, navigation links) and, for OPML, feeds to subscribe to.
Format modules are imported on use, so importing this package stays cheap.
"""

from __future__ import annotations

import csv
import importlib
import re
import zipfile
from pathlib import Path

from reader.errors import BadInput, ImportFormatError
from reader.fetch.importers.capped import check_readable, open_zip
from reader.models import ImportBatch

# format name -> (module, function)
_READERS = {
    "pocket-csv": ("pocket", "read_pocket_csv"),
    "pocket-html": ("pocket", "read_pocket_html"),
    "instapaper-csv": ("instapaper", "read_instapaper_csv"),
    "omnivore": ("omnivore", "read_omnivore"),
    "netscape": ("netscape", "read_netscape"),
    "opml": ("opml", "read_opml"),
    "jsonl": ("jsonl", "read_jsonl"),
    "document": ("document", "read_document"),
}
FORMATS = tuple(_READERS)
_ALIASES = {"instapaper": "instapaper-csv", "bookmarks": "netscape", "html-bookmarks": "netscape",
            "newsletter": "document", "html": "document", "markdown": "document",
            "text": "document", "ndjson": "jsonl"}  # fmt: skip
_SNIFF_BYTES = 65536


def read_import(path: Path, format: str | None = None) -> ImportBatch:
    """Read an export or document; `format` is one of FORMATS (or None to detect it).

    Raises BadInput for a missing file or unknown format, ImportFormatError when the file is not
    what its format says. Bad rows inside a good file are `batch.problems`, never exceptions.
    """
    path = Path(path)
    if not path.exists():
        raise BadInput(f"{path}: no such file or folder")
    check_readable(path)  # before anything opens it: a FIFO would block, a device never end
    name = _format_name(format, path) if format else detect_format(path)
    if path.is_dir() and name != "omnivore":
        raise ImportFormatError(f"{path}: a folder (only an Omnivore export can be a folder)")
    module_name, function = _READERS[name]
    module = importlib.import_module(f"reader.fetch.importers.{module_name}")
    try:
        return getattr(module, function)(path)
    except zipfile.BadZipFile as exc:
        raise ImportFormatError(f"{path.name}: a damaged zip file ({exc})") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read it ({exc.strerror or exc})") from None


def detect_format(path: Path) -> str:
    """The format of an export from its name and first bytes. Raises ImportFormatError."""
    path = Path(path)
    check_readable(path)
    if path.is_dir():
        from reader.fetch.importers.omnivore import is_omnivore

        if is_omnivore(path):
            return "omnivore"
        raise ImportFormatError(
            f"{path}: a folder without an Omnivore export (metadata_*.json) in it"
        )
    if zipfile.is_zipfile(path):
        return _zip_format(path)
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFormatError(f"{path.name}: a binary file, not an export or document")
    text = _head_text(head).lstrip("\ufeff \t\r\n")
    lower = text[:4096].lower()
    suffix = path.suffix.lower()
    if "netscape-bookmark-file" in lower[:500]:
        return "netscape"
    if suffix == ".opml" or re.match(r"(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<opml[\s>]", lower, re.S):
        return "opml"
    if re.match(r"(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(rss|feed|rdf:rdf)[\s>]", lower, re.S):
        raise ImportFormatError(
            f"{path.name}: an RSS/Atom feed, not a reading list; subscribe to its URL "
            "(or import an OPML list of feeds)"
        )
    csv_format = _csv_format(text)
    if csv_format:
        return csv_format
    if suffix == ".csv":
        header = text.split("\n", 1)[0].strip()[:200]
        raise ImportFormatError(
            f"{path.name}: a CSV file that is neither a Pocket nor an Instapaper export "
            f"(its header is {header!r})"
        )
    if text.startswith("{") or suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if text.startswith("[") or suffix == ".json":
        raise ImportFormatError(
            f"{path.name}: a JSON file; import reader's JSONL export or a whole Omnivore export "
            "(the zip or its folder)"
        )
    if re.search(r"<title>\s*pocket export\s*</title>", lower) or (
        re.search(r"<h1>\s*unread\s*</h1>", lower) and "time_added=" in lower
    ):
        return "pocket-html"
    return "document"


def _format_name(format: str, path: Path) -> str:
    name = format.strip().lower()
    if name == "pocket":
        return "pocket-html" if path.suffix.lower() in (".html", ".htm") else "pocket-csv"
    name = _ALIASES.get(name, name)
    if name not in _READERS:
        raise BadInput(f"unknown import format {format!r}; choose one of {', '.join(FORMATS)}")
    return name


def _zip_format(path: Path) -> str:
    with open_zip(path) as archive:
        names = archive.namelist()
        if any(re.search(r"(^|/)metadata_[^/]*\.json$", n) for n in names):
            return "omnivore"
        for name in names:
            if name.lower().endswith(".csv"):
                with archive.open(name) as handle:
                    head = handle.read(4096)
                if _csv_format(_head_text(head).lstrip("\ufeff")) == "pocket-csv":
                    return "pocket-csv"
    raise ImportFormatError(f"{path.name}: a zip that is neither an Omnivore nor a Pocket export")


def _csv_format(text: str) -> str | None:
    """pocket-csv or instapaper-csv when the first line is one of their headers."""
    first = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    if "," not in first:
        return None
    try:
        header = {name.strip().lower() for name in next(csv.reader([first]), [])}
    except csv.Error:  # a damaged header is no header of ours
        return None
    if {"url", "title", "folder"} <= header:
        return "instapaper-csv"
    if "url" in header and ("time_added" in header or {"tags", "status"} <= header):
        return "pocket-csv"
    return None


def _head_text(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="replace")
    return head.decode("utf-8", errors="replace")


__all__ = ["FORMATS", "detect_format", "read_import"]
