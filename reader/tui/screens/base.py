"""What every screen shares: the app's services, and worker failures shown, never swallowed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.worker import Worker, WorkerState

from reader.errors import ReaderError
from reader.textsafe import terminal_safe

if TYPE_CHECKING:
    from reader.tui.services import Services


def describe_error(error: BaseException | None) -> str:
    """One line for the user: domain errors speak for themselves, the rest say what they are."""
    if error is None:
        return "unknown error"
    if isinstance(error, ReaderError):
        return str(error)
    return f"{type(error).__name__}: {error}"


class ScreenBasics:
    """Mixin for screens: reach the services; a worker that raised is reported, not ignored."""

    @property
    def services(self) -> Services:
        return self.app.services  # type: ignore[attr-defined]

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.app.notify(  # type: ignore[attr-defined]
                terminal_safe(describe_error(event.worker.error)),
                markup=False,
                title="Something failed",
                severity="error",
                timeout=10,
            )
            self.worker_failed(event.worker)

    def worker_failed(self, worker: Worker) -> None:
        """Hook: undo busy indicators when a worker fails."""
