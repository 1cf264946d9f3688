"""The library table's columns: which show at a width, how wide, and their headers."""

from __future__ import annotations

HEADERS = {
    "mark": "", "id": "Id", "state": "State", "title": "Title", "site": "Site", "added": "Added",
    "reading_time": "Reading time", "progress": "Progress", "theme": "Top theme",
}
# Where a column is narrower than its header: the same words, shorter.
SHORT_HEADERS = {"reading_time": "Read time"}
# (key, width) of each column but the title, which takes what is left. Wider screens add columns.
# The id column is as wide as the longest id shown (at least 3: "Id" and a sort arrow).
NARROW = (("mark", 2), ("id", 0), ("state", 11), ("title", 0), ("added", 6), ("reading_time", 10))
MEDIUM = (("mark", 2), ("id", 0), ("state", 11), ("title", 0), ("site", 14), ("added", 6),
          ("reading_time", 10), ("theme", 16))
WIDE = (("mark", 2), ("id", 0), ("state", 8), ("title", 0), ("site", 18), ("added", 11),
        ("reading_time", 12), ("progress", 9), ("theme", 20))
# Per column: one cell of padding each side; for the table: its margin and scrollbar, with two
# cells to spare (with 4, the last column lost two cells at 80x24 once rows overflowed).
CELL_PADDING, TABLE_CHROME = 2, 6
MIN_TITLE = 24


def column_layout(width: int, id_digits: int = 5) -> tuple[tuple[str, int], ...]:
    """The queue's columns for a screen this wide, the title filling the rest."""
    id_width = max(3, id_digits)
    for columns in (WIDE, MEDIUM, NARROW):
        sized = tuple((key, id_width if key == "id" else w) for key, w in columns)
        used = sum(w for _, w in sized) + CELL_PADDING * len(sized) + TABLE_CHROME
        if width - used >= 30 or columns is NARROW:
            title = max(MIN_TITLE, width - used)
            return tuple((key, title if key == "title" else w) for key, w in sized)
    raise AssertionError("unreachable")


def header_text(key: str, width: int, arrow: str = "") -> str:
    """The header of a column `width` cells wide, with the sort arrow when it is the order."""
    label = HEADERS[key]
    if len(label) > width and key in SHORT_HEADERS:
        label = SHORT_HEADERS[key]
    if not arrow:
        return label
    if len(label) + 2 <= width or key == "title":
        return f"{label} {arrow}"
    return f"{label[: max(0, width - 1)]}{arrow}"
