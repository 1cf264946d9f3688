"""Small widgets the screens share: lists and text that answer the keys a terminal reader expects."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Label, OptionList, ProgressBar

from reader.textsafe import terminal_safe
from reader.tui.messages import WorkProgress

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
    """A table of rows with j/k, g/G and b/space (page) besides the arrows."""

    BINDINGS = [
        Binding("enter", "select_cursor", "Open", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "scroll_top", "Top", show=False),
        Binding("G", "scroll_bottom", "Bottom", show=False),
        Binding("space", "page_down", "Page down", show=False),
        Binding("b", "page_up", "Page up", show=False),
    ]


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
