"""What the library screen shows of its rows: the cells, the headers, the status line.

A part of LibraryScreen (it reads the screen's loaded rows, columns and listing).
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable, Static

from reader.models import Article
from reader.tui.format import fetch_state, queue_cells
from reader.tui.screens.library_columns import header_text

NEXT = "next"  # not a column: unread articles ranked by `reader next`, the rest after them


class LibraryDisplay:
    """The library screen's table cells, column headers and status line."""

    def cells(self, article: Article) -> list:
        wide = any(key == "progress" for key, _ in self.columns)
        theme = self.themes.get(article.id, (0, ""))[1]
        cells = queue_cells(article, theme=theme, selected=article.id in self.selected,
                            progress_in_state=not wide, long_dates=wide)
        return [cells[key] for key, _ in self.columns]

    def id_digits(self) -> int:
        return len(str(max(self.order))) if self.order else 1

    def header_label(self, key: str) -> Text:
        width = dict(self.columns).get(key, 0)
        arrow = ""
        if key == self.listing.sort or (key == "mark" and self.listing.sort == "error"):
            arrow = "↓" if self.listing.descending else "↑"
        right = key in ("id", "reading_time", "progress")
        return Text(header_text(key, width, arrow), justify="right" if right else "left")

    def label_columns(self) -> None:
        table = self.query_one("#queue", DataTable)
        for column in table.ordered_columns:
            column.label = self.header_label(str(column.key.value))
        table.refresh()

    def show_status(self) -> None:
        if self.total is None:
            parts = [f"{len(self.order):,} shown, counting…"]
        elif len(self.order) < self.total:
            parts = [f"{len(self.order):,} of {self.total:,} shown"]
        else:
            parts = [f"{self.total:,} article{'s' if self.total != 1 else ''}"]
        if self.listing.words:
            parts.append(f"filter “{self.listing.words}”")
        if self.listing.sort == NEXT:
            parts.append("what to read next first (n; s for other orders)")
        else:
            sort = self.listing.sort.replace("_", " ")
            parts.append(f"sorted by {sort} {'↓' if self.listing.descending else '↑'} (s, S)")
        if self.selected:
            parts.append(f"{len(self.selected)} selected (v, escape clears)")
        states = {fetch_state(a) for a in self.articles.values()}
        if "failed" in states:
            parts.append("! fetch failed (F retries)")
        if "queued" in states:
            parts.append("○ not fetched yet (f)")
        # One line high in the CSS: no layout pass (a full repaint of the screen) for new words.
        self.query_one("#library-status", Static).update(" · ".join(parts), layout=False)
