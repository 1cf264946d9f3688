"""Small widgets the screens share."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar

from reader.tui.messages import WorkProgress


class ActivityBar(Horizontal):
    """One line that shows what a slow job is doing; hidden while nothing runs."""

    def compose(self) -> ComposeResult:
        yield Label("", id="activity-label")
        yield ProgressBar(id="activity-progress", show_eta=False)

    def show(self, report: WorkProgress) -> None:
        """Display a progress report (total None means we do not know how much is left)."""
        self.add_class("-busy")
        text = f"{report.stage}: {report.message}" if report.message else report.stage
        if report.total:
            text += f" {report.done}/{report.total}"
        self.query_one("#activity-label", Label).update(text)
        self.query_one("#activity-progress", ProgressBar).update(
            total=report.total if report.total else None, progress=report.done
        )

    def start(self, text: str) -> None:
        self.show(WorkProgress("", text, 0, None))

    def finish(self) -> None:
        self.remove_class("-busy")
