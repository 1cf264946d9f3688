"""Small dialogs: ask for a line of text, confirm, add articles."""

from __future__ import annotations

import shlex
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static
from textual.worker import Worker

from reader.textsafe import terminal_safe
from reader.tui.messages import ArticlesAdded
from reader.tui.screens.base import ScreenBasics


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text; the result is the text, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        *,
        placeholder: str = "",
        value: str = "",
        hint: str = "",
        allow_empty: bool = False,
    ) -> None:
        super().__init__()
        self.prompt_title = title
        self.placeholder = placeholder
        self.value = value
        self.hint = hint
        self.allow_empty = allow_empty

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.prompt_title, classes="dialog-title", markup=False)
            yield Input(value=self.value, placeholder=self.placeholder, id="prompt-input")
            if self.hint:
                yield Static(self.hint, classes="dialog-hint", markup=False)

    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        if event.value.strip() or self.allow_empty:
            self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """A yes/no question; y or enter on Yes confirms, n or escape declines."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.question, classes="dialog-title", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Yes (y)", variant="error", id="yes")
                yield Button("No (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


def split_inputs(raw: str) -> list[str]:
    """URLs and paths typed on one line; a single path with spaces in it stays whole."""
    raw = raw.strip()
    if not raw:
        return []
    if Path(raw).expanduser().exists():
        return [raw]
    try:
        return shlex.split(raw)
    except ValueError:  # an unbalanced quote: fall back to plain whitespace
        return raw.split()


class AddArticles(ScreenBasics, ModalScreen[list[int]]):
    """Add URLs or local files. Failures stay in the box with their reasons; nothing is lost.

    The result is the ids of every article added (or merged) while the dialog was open.
    """

    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self) -> None:
        super().__init__()
        self.added: list[int] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Add URLs or files", classes="dialog-title")
            yield Input(
                placeholder="https://… or ~/notes/article.md (several: separate with spaces)",
                id="add-input",
            )
            yield Static("", id="add-error", markup=False)
            yield Static("enter adds and fetches · escape closes", classes="dialog-hint")

    @on(Input.Submitted, "#add-input")
    def submit(self, event: Input.Submitted) -> None:
        inputs = split_inputs(event.value)
        if not inputs:
            return
        event.input.disabled = True
        self.query_one("#add-error", Static).update("Adding…")
        self.capture(inputs)

    @work(thread=True, exclusive=True, exit_on_error=False, group="capture")
    def capture(self, inputs: list[str]) -> None:
        report = self.services.library.add(inputs)
        failed = [(p.where, p.message) for p in report.failed]
        self.post_message(ArticlesAdded(report.added + report.merged, failed))

    def on_articles_added(self, message: ArticlesAdded) -> None:
        self.added += message.ids
        if not message.failed:
            self.dismiss(self.added)
            return
        box = self.query_one("#add-input", Input)
        box.disabled = False
        box.value = " ".join(shlex.quote(where) for where, _ in message.failed)
        box.focus()
        lines = [f"✗ {where}: {why}" for where, why in message.failed]
        if self.added:
            lines.insert(0, f"Added {len(self.added)}; these failed:")
        self.query_one("#add-error", Static).update(terminal_safe("\n".join(lines)))

    def worker_failed(self, worker: Worker) -> None:
        box = self.query_one("#add-input", Input)
        box.disabled = False
        box.focus()
        self.query_one("#add-error", Static).update("")

    def action_close(self) -> None:
        self.dismiss(self.added)
