"""Small widgets the screens share: lists and text that answer the keys a terminal reader expects."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.cache import LRUCache
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, OptionList, ProgressBar, Tabs

from reader.textsafe import terminal_safe
from reader.tui.messages import WorkProgress
from reader.tui.table_cells import cell_segments, signature, styled

# j/k, g/G, space/b as in less, vim, newsboat and mutt; the arrows and Page keys still work.
VIM_KEYS = ("j", "k", "g", "G", "space", "b")


class ActivityBar(Horizontal):
    """One line that shows what a slow job is doing; hidden while nothing runs."""

    def compose(self) -> ComposeResult:
        yield Label("", id="activity-label", markup=False)
        yield ProgressBar(id="activity-progress", show_eta=False)

    def show(self, report: WorkProgress) -> None:
        """Display a progress report (total None means we do not know how much is left)."""
        self.add_class("-busy")
        text = f"{report.stage}: {report.message}" if report.message else report.stage
        if report.total:
            text += f" {report.done}/{report.total}"
        self.query_one("#activity-label", Label).update(terminal_safe(text))
        self.query_one("#activity-progress", ProgressBar).update(
            total=report.total if report.total else None, progress=report.done
        )

    def start(self, text: str) -> None:
        self.show(WorkProgress("", text, 0, None))

    def finish(self) -> None:
        self.remove_class("-busy")


class QueueTable(DataTable):
    """A table of rows with j/k, g/G and b/space (page) besides the arrows.

    Its one-line Text cells are drawn by `table_cells` (the same segments as DataTable's own
    drawing, several times faster); anything else goes the DataTable's way.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._drawn_cells: LRUCache[tuple, list] = LRUCache(4096)

    BINDINGS = [
        Binding("enter", "select_cursor", "Open", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
        Binding("space", "page_down", "Page down", show=False),
        Binding("b", "page_up", "Page up", show=False),
    ]

    def _update_dimensions(self, new_rows) -> None:
        # DataTable measures every cell of every new row (a listing's 80 rows by 9 columns on
        # each key, 20-40 ms) for the widths of auto-width columns and for row labels and
        # auto-height rows. The library has none of these: only the table's size is left to do.
        if (any(column.auto_width for column in self.columns.values())
                or any(row.label is not None or row.auto_height for row in self.rows.values())):
            super()._update_dimensions(new_rows)
        else:
            super()._update_dimensions(())

    def render_lines(self, crop):
        # DataTable asks for its CSS style once per line; it cannot change within one frame.
        self._frame_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    def render_line(self, y: int):
        style = getattr(self, "_frame_style", None)
        if style is None or self.fixed_rows:
            return super().render_line(y)
        width = self.size.width
        scroll_x, scroll_y = self.scroll_offset
        if y >= (self.header_height if self.show_header else 0):
            y += scroll_y
        return self._render_line(y, scroll_x, scroll_x + width, style)

    def _render_cell(
        self, row_index: int, column_index: int, base_style: Style, width: int,
        cursor: bool = False, hover: bool = False,
    ):
        # The same cache and styles as DataTable._render_cell (textual pinned in pyproject).
        if row_index < 0 or column_index < 0 or self.fixed_rows or self.fixed_columns:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        column_key = self._column_locations.get_key(column_index)
        cache_key = (row_key, column_key, base_style, cursor, hover, self._show_hover_cursor,
                     self._update_count, self._pseudo_class_state)
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        row = self.rows.get(row_key) if row_key is not None else None
        cells = self._get_row_renderables(row_index).cells
        if row is None or row.height != 1 or column_index >= len(cells):
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, False, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css",
        )
        options = self.app.console_options.update_dimensions(width, 1).update(no_wrap=True)
        cell = cells[column_index]
        # A cell's text is drawn once while it stays in the table (a new listing redraws the
        # rows it keeps); the row's styles (cursor, stripes, position) are laid on each time.
        key = signature(cell, width, self.cell_padding, options) if isinstance(cell, Text) else None
        segments = self._drawn_cells.get(key) if key is not None else None
        if segments is None:
            segments = cell_segments(self.app.console, options, cell, width, self.cell_padding)
            if segments is None:
                return super()._render_cell(row_index, column_index, base_style, width, cursor,
                                            hover)
            self._drawn_cells[key] = segments
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index})
        lines = styled(segments, pre_style + component_style, post_style)
        self._cell_render_cache[cache_key] = lines
        return lines


class KeysFooter(Footer):
    """Textual's footer, rebuilt once per refresh however often the screen's keys change.

    Footer queues a full rebuild of its keys for each change of the bindings (focus moving,
    a widget mounting): three at the library's start, ~25 ms each at 13 keys, before the
    first frame. Here a change while a rebuild is queued joins it.
    """

    _rebuild_queued = False

    def bindings_changed(self, screen: Screen) -> None:
        if self._rebuild_queued and screen is self.screen:
            self._bindings_ready = True
            return
        super().bindings_changed(screen)  # queues a rebuild under these conditions:
        self._rebuild_queued = bool(screen.app.app_focus and self.is_attached
                                    and screen is self.screen)

    async def recompose(self) -> None:
        self._rebuild_queued = False
        await super().recompose()


class StillTabs(Tabs):
    """Tabs whose underline moves to the active tab at once.

    Tabs animate the underline over 0.3 s: ~17 repaints after each switch, each redrawing the
    table below as well (at 100,000 articles, 0.3-0.5 s of work that delayed the next key).
    """

    def _highlight_active(self, animate: bool = True) -> None:
        super()._highlight_active(animate=False)


class ResultList(OptionList):
    """An option list with j/k, g/G and b/space (page)."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "first", "Top", show=False),
        Binding("G", "last", "Bottom", show=False),
        Binding("space", "page_down", "Page down", show=False),
        Binding("b", "page_up", "Page up", show=False),
    ]


class TextScroll(VerticalScroll, can_focus=True):
    """A scrolling text view with j/k, g/G and b/space (page)."""

    BINDINGS = [
        Binding("j", "scroll_down", "Down", show=False),
        Binding("k", "scroll_up", "Up", show=False),
        Binding("g", "scroll_home", "Top", show=False),
        Binding("G", "scroll_end", "Bottom", show=False),
        Binding("space", "page_down", "Page down", show=False),
        Binding("b", "page_up", "Page up", show=False),
    ]
