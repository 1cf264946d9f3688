"""`?`: every key the screen underneath answers, in one table; escape or ? closes it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from reader.tui.widgets import QueueTable

# Keys that move through lists and text on every screen (the widgets' own bindings).
MOVING = [
    ("↑ ↓ / k j", "Move up / down"),
    ("g / G", "Go to the top / bottom"),
    ("space / b", "Page down / up"),
    ("enter", "Open"),
    ("escape", "Back; closes any dialog or panel"),
    ("ctrl+p", "Command palette: every action, by name"),
    ("?", "This help"),
]


def screen_keys(screen: Screen) -> list[tuple[str, str]]:
    """(keys, what they do) for every binding active on `screen`, hidden ones included."""
    by_action: dict[tuple[str, str], list[str]] = {}
    app = screen.app
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.action in ("command_palette", "help", "quit") and key != "q":
            continue
        if not active.enabled:
            continue
        # The tooltip is the longer description where the footer's word is too short.
        description = binding.tooltip or binding.description or binding.action.replace("_", " ")
        shown = app.get_key_display(binding)
        by_action.setdefault((binding.action, description), []).append(shown)
    return [(" / ".join(dict.fromkeys(keys)), what) for (_, what), keys in by_action.items()]


class HelpScreen(ModalScreen[None]):
    """The keys of the screen it was opened over."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, title: str, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.help_title = title
        self.keys = keys

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help"):
            yield Static(f"Keys: {self.help_title}", classes="dialog-title", markup=False)
            yield QueueTable(id="help-keys", cursor_type="row", show_header=False)
            yield Static("escape or ? closes", classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#help-keys", DataTable)
        table.add_column("key", key="key")
        table.add_column("does", key="does")
        seen: set[str] = set()
        for keys, what in [*self.keys, *MOVING]:
            if what in seen:
                continue
            seen.add(what)
            table.add_row(Text(keys, style="bold"), Text(what))
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
