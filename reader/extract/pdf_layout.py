"""From positioned lines of PDF pages to paragraphs and headings.

Pure functions over `Line`s (no PDF library here), so every backend shares the same rules:
running headers and footers (a line in the top or bottom band that repeats, digits aside, on
many pages) and page numbers are dropped; lines are rejoined into paragraphs across lines and
pages using vertical gaps, first-line indents and short last lines; end-of-line hyphenation is
undone unless the hyphenated form is the document's own spelling; lines in a larger type than
the body that read like a title become headings.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

# A line within this fraction of the page height from the top or bottom may be a running line.
BAND = 0.09
# A running line repeats in the top or bottom band on this many pages (fewer in short files).
RUNNING_PAGES = 3
# A heading's type is at least this much taller than the body's.
HEADING_RATIO = 1.12
HEADING_MAX_WORDS = 14

_PAGE_NUMBER = re.compile(
    r"^(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:of|/|von|sur|de)\s*\d{1,4})?$|^[-–—]\s*\d{1,4}\s*[-–—]$",
    re.IGNORECASE,
)
# A table-of-contents line: dot leaders then a page number. Navigation, not text.
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}\s*[\divxlc]+$", re.IGNORECASE)
_HYPHENS = ("-", "\u2010", "\u00ad", "\x02")
_SENTENCE_END = re.compile(r"[.!?:;…\"'”’)\]]$")
_DIGITS = re.compile(r"\d+")
_SPACES = re.compile(r"\s+")


@dataclass
class Line:
    """One line of text; coordinates in points from the page's top-left, or None if unknown."""

    text: str
    x0: float | None = None
    top: float | None = None
    x1: float | None = None
    bottom: float | None = None
    size: float | None = None  # the font size, when the backend knows it

    @property
    def height(self) -> float | None:
        return None if self.top is None or self.bottom is None else self.bottom - self.top


@dataclass
class Page:
    width: float | None
    height: float | None
    lines: list[Line]


@dataclass
class Block:
    """A paragraph or a heading, in reading order."""

    text: str
    heading: bool = False


def drop_running_lines(pages: list[Page]) -> list[Page]:
    """Pages without their running headers, footers and page numbers."""
    counts: Counter[str] = Counter()
    for page in pages:
        counts.update({_running_key(line.text) for line in _band_lines(page)})
    needed = max(2, min(RUNNING_PAGES, len(pages) // 2))
    kept = []
    for page in pages:
        band = {id(line) for line in _band_lines(page)}
        lines = []
        for line in page.lines:
            if id(line) in band:
                text = line.text.strip()
                if _PAGE_NUMBER.match(text) or (len(pages) >= 2 and counts[_running_key(text)] >= needed):
                    continue
            lines.append(line)
        kept.append(Page(page.width, page.height, lines))
    return kept


def _band_lines(page: Page) -> list[Line]:
    """Lines in the top and bottom bands, and the first and last line (margins vary)."""
    ends = page.lines[:1] + page.lines[-1:]
    if page.height and all(line.top is not None for line in page.lines):
        edge = BAND * page.height
        band = [ln for ln in page.lines if ln.top < edge or ln.bottom > page.height - edge]
        return band + [ln for ln in ends if ln not in band]
    return page.lines[:2] + page.lines[-2:] if len(page.lines) > 4 else list(page.lines)


def _running_key(text: str) -> str:
    return _SPACES.sub(" ", _DIGITS.sub("#", text.strip().lower()))


def body_size(pages: list[Page]) -> float | None:
    """The type size most of the text is set in (font size, else line height): the body's."""
    weight: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            size = _size(line)
            if size:
                weight[round(size, 1)] += len(line.text)
    return weight.most_common(1)[0][0] if weight else None


def _size(line: Line) -> float | None:
    return line.size or line.height


def to_blocks(pages: list[Page]) -> list[Block]:
    """Paragraphs and headings in reading order, rejoined across lines and pages."""
    body = body_size(pages)
    spacing = _line_spacing(pages)
    words = _document_words(pages)
    blocks: list[Block] = []
    current: list[str] = []
    prev: Line | None = None
    prev_right = 0.0

    def close() -> None:
        if current:
            blocks.append(Block(_join(current, words)))
            current.clear()

    for page in pages:
        edges = _column_edges(page)
        first_on_page = True
        for line in page.lines:
            text = line.text.strip()
            if not text or _DOT_LEADER.search(text):
                continue
            if _is_heading(line, text, body):
                close()
                if blocks and blocks[-1].heading and prev is not None and not first_on_page \
                        and _continues_heading(prev, line):
                    blocks[-1].text += " " + text  # a heading set on two lines
                else:
                    blocks.append(Block(text, heading=True))
                prev, prev_right, first_on_page = line, edges.get(id(line), 0.0), False
                continue
            if prev is not None and current and _breaks(prev, line, first_on_page, spacing, prev_right):
                close()
            current.append(text)
            prev, prev_right, first_on_page = line, edges.get(id(line), 0.0), False
    close()
    return blocks


def _continues_heading(prev: Line, line: Line) -> bool:
    """A heading set on two lines: the same type, the next line close below."""
    gap, size, prev_size = _gap(prev, line), _size(line), _size(prev)
    if gap is None or not size or not prev_size or abs(size - prev_size) > 0.05 * size:
        return False
    return gap < 1.8 * size


def _breaks(prev: Line, line: Line, new_page: bool, spacing: float | None, right: float) -> bool:
    """Does `line` start a new paragraph after `prev`?"""
    prev_text = prev.text.strip()
    text = line.text.strip()
    if prev.size and line.size and abs(prev.size - line.size) > 0.08 * max(prev.size, line.size):
        return True  # another type size: a byline, an abstract, a caption
    if not new_page and spacing and (_gap(prev, line) or 0) > 2.2 * spacing:
        return True  # a blank line's worth of space, whatever the punctuation
    ends_sentence = bool(_SENTENCE_END.search(prev_text)) and not prev_text.endswith(_HYPHENS)
    if not ends_sentence:
        return False
    if text[:1].islower():
        return False
    if prev.x1 is None or line.x0 is None or prev.x0 is None:
        return True  # no geometry: a sentence end at a line end is the best guess we have
    height = line.height or 10.0
    short = right - prev.x1 > 4 * height  # the last line of a paragraph rarely reaches the margin
    if new_page:
        return short
    gap = _gap(prev, line)
    if gap is not None and spacing and gap > 1.45 * spacing:
        return True
    indent = line.x0 - prev.x0
    if 0.8 * height < indent < 6 * height:
        return True
    return short


def _gap(prev: Line, line: Line) -> float | None:
    if prev.bottom is None or line.top is None or prev.top is None:
        return None
    return line.top - prev.top if line.top >= prev.top else None


def _line_spacing(pages: list[Page]) -> float | None:
    gaps = []
    for page in pages:
        for a, b in zip(page.lines, page.lines[1:], strict=False):
            g = _gap(a, b)
            if g is not None and g > 0:
                gaps.append(round(g, 1))
    return statistics.median(gaps) if gaps else None


def _column_edges(page: Page) -> dict[int, float]:
    """Each line's column's right margin (by id): where that column's full lines end.

    Lines are grouped into columns by their left edge (indents stay in their column; a
    column starts far to the right of the one before); a column's margin is where most of
    its lines end.
    """
    placed = sorted((ln for ln in page.lines if ln.x0 is not None and ln.x1 is not None),
                    key=lambda ln: ln.x0)
    if not placed:
        return {}
    gap = 0.15 * (page.width or 600.0)
    columns: list[list[Line]] = [[placed[0]]]
    for line in placed[1:]:
        if line.x0 - columns[-1][0].x0 > gap:
            columns.append([])
        columns[-1].append(line)
    edges: dict[int, float] = {}
    for column in columns:
        ends = sorted(ln.x1 for ln in column)
        edge = ends[int(0.9 * (len(ends) - 1))]
        edges.update({id(ln): edge for ln in column})
    return edges


def _is_heading(line: Line, text: str, body: float | None) -> bool:
    size = _size(line)
    if body is None or size is None:
        return False
    words = text.split()
    if not words or len(words) > HEADING_MAX_WORDS or _PAGE_NUMBER.match(text):
        return False
    if text.endswith((".", ",", ";")) and not re.match(r"^[\dIVX]+(\.\d+)*\.?\s", text):
        return False
    if size < HEADING_RATIO * body:
        return False
    # Words, not formulae: big symbols in display maths are set large too.
    visible = [c for c in text if not c.isspace()]
    letters = sum(c.isalpha() or c.isdigit() or c in ".,:-'’" for c in visible)
    return letters >= 0.8 * len(visible) and bool(re.search(r"[^\W\d_]{4,}", text))


def _document_words(pages: list[Page]) -> set[str]:
    found: set[str] = set()
    for page in pages:
        for line in page.lines:
            found.update(w.lower() for w in re.findall(r"\w+(?:-\w+)+", line.text))
    return found


def _join(lines: list[str], hyphenated: set[str]) -> str:
    """Join a paragraph's lines, undoing end-of-line hyphenation."""
    out = lines[0]
    for line in lines[1:]:
        if out.endswith(_HYPHENS) and len(out) > 1 and out[-2].isalpha() and line[:1].isalpha():
            head = re.search(r"(\w+)$", out[:-1])
            tail = re.match(r"\w+", line)
            compound = f"{head.group(1)}-{tail.group(0)}".lower() if head and tail else ""
            if out[-1] in ("-", "\x02") and compound in hyphenated:
                out = out[:-1] + "-" + line  # the document spells it with a hyphen elsewhere
            else:
                out = out[:-1] + line
        elif out.endswith("\x02") or out.endswith("\u00ad"):
            out = out[:-1] + line
        else:
            out = out + " " + line
    return out.replace("\x02", "-").replace("\u00ad", "")
