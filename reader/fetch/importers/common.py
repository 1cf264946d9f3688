"""What every importer needs: decoding, dates, URLs and merging duplicates within one file."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime

from reader.errors import BadInput, ImportFormatError
from reader.fetch.urls import canonicalize, normalize_url
from reader.models import ImportBatch, ImportedItem, ImportProblem, to_iso

# Reading states, least to most advanced: a merge keeps the most advanced one.
_STATE_RANK = {"unread": 1, "reading": 2, "read": 3, "archived": 4}
_MAX_DECODE_PROBLEMS = 20


def decode_text(raw: bytes, problems: list[ImportProblem], prefix: str = "") -> str:
    """Bytes as text: UTF-8 (BOM or not), UTF-16 with a BOM, else line by line with a fallback.

    Lines that are not UTF-8 are read as Windows-1252 (what spreadsheet programs on Windows write)
    and each is recorded in `problems`, so the user knows which rows to check.
    """
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            problems.append(ImportProblem(prefix + "file", "has a UTF-16 mark but is not UTF-16"))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lines = raw.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    out, bad = [], []
    for number, line in enumerate(lines, start=1):
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(line.decode("cp1252", errors="replace"))
            bad.append(number)
    for number in bad[:_MAX_DECODE_PROBLEMS]:
        problems.append(
            ImportProblem(
                f"{prefix}line {number}", "not valid UTF-8; read as Windows-1252, check accents"
            )
        )
    if len(bad) > _MAX_DECODE_PROBLEMS:
        more = len(bad) - _MAX_DECODE_PROBLEMS
        problems.append(ImportProblem(prefix + "file", f"{more} more lines were not valid UTF-8"))
    return "\n".join(out)


def parse_date(value: object) -> str | None:
    """A date from an export as ISO UTC; None when empty. Raises ValueError when unreadable.

    Understands unix seconds (or milliseconds), ISO 8601 (with or without zone; naive means UTC)
    and RFC 822 dates as feeds and mail write them.
    """
    if value is None or isinstance(value, bool):
        return None if value is None else _bad_date(value)
    if isinstance(value, int | float):
        return _from_epoch(float(value))
    text = str(value).strip()
    if not text or text in ("0", "null", "None"):
        return None
    if re.fullmatch(r"(1[5-9]|20)\d\d", text):  # a bare year, not seconds after 1970
        return f"{text}-01-01T00:00:00Z"
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return _from_epoch(float(text))
    iso = text.replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", text) else text
    try:
        if re.fullmatch(r"\d{4}-\d\d-\d\d", iso):
            parsed = datetime.combine(date.fromisoformat(iso), datetime.min.time())
        else:
            parsed = datetime.fromisoformat(iso.replace("z", "Z"))
        return to_iso(parsed)
    except ValueError:
        pass
    try:
        return to_iso(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        return _bad_date(value)


def _from_epoch(seconds: float) -> str | None:
    if seconds <= 0:
        return None
    if seconds > 1e11:  # milliseconds
        seconds /= 1000
    try:
        return to_iso(datetime.fromtimestamp(seconds, UTC))
    except (OverflowError, OSError, ValueError):
        return _bad_date(seconds)


def _bad_date(value: object) -> str:
    raise ValueError(f"unreadable date {str(value)[:60]!r}")


def split_tags(text: str | None, separator: str) -> list[str]:
    """Tags from a separated list, stripped, empty ones dropped, first spelling kept."""
    return unique(part.strip() for part in (text or "").split(separator))


def unique(values) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return list(seen)


def strip_xml_declaration(text: str) -> str:
    """lxml refuses str input that still declares a byte encoding; the text is decoded already."""
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML fragment: paragraphs on their own lines, no markup."""
    import lxml.html

    html = strip_xml_declaration(html)
    if not html.strip():
        return ""
    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ""
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    for block in root.iter(*_BLOCKS):
        block.tail = "\n\n" + (block.tail or "")
        if block.tag == "br":
            block.tail = "\n" + (block.tail or "").lstrip("\n")
    text = root.text_content()
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


_BLOCKS = (
    "p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "tr",
    "section", "article", "header", "footer", "figure", "figcaption", "ul", "ol", "table", "hr",
)  # fmt: skip


class ItemCollector:
    """Builds an ImportBatch: validates URLs, records problems and merges duplicates by identity."""

    def __init__(self, format: str) -> None:
        self.batch = ImportBatch(format=format)
        self._by_identity: dict[str, tuple[ImportedItem, str]] = {}

    @property
    def problems(self) -> list[ImportProblem]:
        return self.batch.problems

    def problem(self, where: str, message: str) -> None:
        self.batch.problems.append(ImportProblem(where, message))

    def url(self, raw: object, where: str) -> str | None:
        """A normalized URL, or None after recording why the entry cannot be imported."""
        if raw is None or not str(raw).strip():
            self.problem(where, "no URL")
            return None
        try:
            return normalize_url(str(raw))
        except BadInput as exc:
            self.problem(where, str(exc))
            return None

    def date(self, value: object, where: str, field: str) -> str | None:
        """An ISO date, or None after recording an unreadable one (the entry is still imported)."""
        try:
            return parse_date(value)
        except ValueError as exc:
            self.problem(where, f"{field}: {exc}; left empty")
            return None

    def add(self, item: ImportedItem, where: str) -> ImportedItem:
        """Add an item, or merge it into an earlier one with the same canonical URL."""
        key = canonicalize(item.url)
        if key not in self._by_identity:
            self._by_identity[key] = (item, where)
            self.batch.items.append(item)
            return item
        first, first_where = self._by_identity[key]
        merge_items(first, item)
        self.batch.skipped.append(
            ImportProblem(where, f"same article as {first_where}; merged into it")
        )
        return first


def merge_items(into: ImportedItem, other: ImportedItem) -> None:
    """Fold a duplicate into the first item: union of tags, notes and highlights, gaps filled."""
    for name in ("title", "author", "site", "published", "language", "text", "markdown"):
        if not getattr(into, name) and getattr(other, name):
            setattr(into, name, getattr(other, name))
    if other.added_at and (not into.added_at or other.added_at < into.added_at):
        into.added_at = other.added_at
    if other.read_at and (not into.read_at or other.read_at > into.read_at):
        into.read_at = other.read_at
    if _STATE_RANK.get(other.state or "", 0) > _STATE_RANK.get(into.state or "", 0):
        into.state = other.state
    if other.progress is not None and (into.progress is None or other.progress > into.progress):
        into.progress = other.progress
    into.tags = unique([*into.tags, *other.tags])
    known_notes = {note.text for note in into.notes}
    into.notes += [n for n in other.notes if n.text not in known_notes]
    known = {(h.text, h.note) for h in into.highlights}
    into.highlights += [h for h in other.highlights if (h.text, h.note) not in known]
    for key, value in other.extra.items():
        into.extra.setdefault(key, value)


def csv_rows(
    text: str, collector: ItemCollector, *, kind: str, required: set[str]
) -> Iterator[tuple[str, dict[str, str]]]:
    """Rows of a CSV export as (where, {lower-case column: value}); bad rows become problems.

    A row with too few fields is imported with the rest left empty; a row with too many keeps
    only its URL. A stray quote that swallowed the lines after it is undone by reading those
    lines one by one, so one broken row never takes the rest of the file with it.
    """
    lines = [line + "\n" for line in _line_breaks(text).split("\n")]
    try:
        header = next(csv.reader(lines[:1]), [])
    except csv.Error as exc:
        raise ImportFormatError(f"not a {kind} file: its header is not CSV ({exc})") from None
    names = [name.strip().lower() for name in header]
    missing = required - set(names)
    if missing:
        found = ", ".join(header) or "nothing"
        raise ImportFormatError(
            f"not a {kind} file: its header lacks {', '.join(sorted(missing))} (found: {found})"
        )
    reader = csv.reader(lines[1:])
    start = 2
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            collector.problem(f"line {reader.line_num + 1}", f"malformed CSV row: {exc}")
            start = reader.line_num + 2
            continue
        end = reader.line_num + 1
        if end > start and len(row) != len(names):  # a stray quote joined several lines
            for number in range(start, end + 1):
                yield from _one_row(_line_fields(lines[number - 1], number, collector), names,
                                    number, collector)  # fmt: skip
        else:
            yield from _one_row(row, names, start, collector)
        start = end + 1


def _line_fields(line: str, number: int, collector: ItemCollector) -> list[str]:
    """One physical line as CSV fields; a line with an unbalanced quote is read without quoting."""
    try:
        if line.count('"') % 2 == 0:
            return next(csv.reader([line]), [])
        collector.problem(
            f"line {number}", "an unbalanced quote; read with quotes as plain characters"
        )
        return next(csv.reader([line], quoting=csv.QUOTE_NONE), [])
    except csv.Error as exc:
        collector.problem(f"line {number}", f"malformed CSV row: {exc}")
        return []


def _line_breaks(text: str) -> str:
    """Lines end in \\n: \\r\\n and old Mac \\r endings become \\n, a stray \\r a space.

    The csv module refuses a bare carriage return outside quotes, which would cost the row.
    """
    text = text.replace("\r\n", "\n")
    if "\n" not in text.rstrip("\r"):
        return text.replace("\r", "\n")
    return text.replace("\r", " ")


def _one_row(
    row: list[str], names: list[str], number: int, collector: ItemCollector
) -> Iterator[tuple[str, dict[str, str]]]:
    where = f"line {number}"
    if not any(field.strip() for field in row):
        return
    if "url" in names and names.index("url") >= len(row):
        collector.problem(where, f"expected {len(names)} fields, found {len(row)}; no URL, skipped")
        return
    while len(row) > len(names) and not row[-1].strip():
        row = row[:-1]
    if len(row) > len(names):
        url = next(
            (f.strip() for f in row if f.strip().lower().startswith(("http://", "https://"))), None
        )
        if url is None:
            collector.problem(where, f"expected {len(names)} fields, found {len(row)}; skipped")
            return
        collector.problem(
            where,
            f"expected {len(names)} fields, found {len(row)} (an unquoted comma?); "
            "imported the URL only",
        )
        yield where, {"url": url}
        return
    if len(row) < len(names):
        collector.problem(
            where, f"expected {len(names)} fields, found {len(row)}; the missing ones are empty"
        )
    yield where, dict(zip(names, row, strict=False))
