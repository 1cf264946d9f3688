"""The library table's columns: which show at a width, how wide, and their headers."""

from __future__ import annotations

HEADERS = {
    "mark": "", "id": "Id", "state": "State", "title": "Title", "site": "Site", "added": "Added",
    "reading_time": "Reading time", "progress": "Progress", "theme": "Top theme",
}
# (key, width) of each column but the title, which takes what is left. Wider screens add columns.
NARROW = (("mark", 2), ("id", 5), ("state", 11), ("title", 0), ("added", 6), ("reading_time", 12))
MEDIUM = (("mark", 2), ("id", 5), ("state", 11), ("title", 0), ("site", 14), ("added", 6),
          ("reading_time", 12), ("theme", 16))
WIDE = (("mark", 2), ("id", 5), ("state", 8), ("title", 0), ("site", 18), ("added", 11),
        ("reading_time", 12), ("progress", 8), ("theme", 20))
# Per column: one cell of padding each side; for the table: its margin and scrollbar, with two
# cells to spare (with 4, the last column lost two cells at 80x24 once rows overflowed).
CELL_PADDING, TABLE_CHROME = 2, 6
MIN_TITLE = 24


def column_layout(width: int) -> tuple[tuple[str, int], ...]:
    """The queue's columns for a screen this wide, the title filling the rest."""
    for columns in (WIDE, MEDIUM, NARROW):
        used = sum(w for _, w in columns) + CELL_PADDING * len(columns) + TABLE_CHROME
        if width - used >= 30 or columns is NARROW:
            title = max(MIN_TITLE, width - used)
            return tuple((key, title if key == "title" else w) for key, w in columns)
    raise AssertionError("unreachable")
