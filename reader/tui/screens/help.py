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


# Textual's own screen keys go last: focus moves and copying are not reader's actions.
TEXTUAL_OWN = {"app.focus_next", "app.focus_previous", "focus_next", "focus_previous",
               "screen.copy_text", "copy_text", "maximize", "minimize"}


def screen_keys(screen: Screen) -> list[tuple[str, str]]:
    """(keys, what they do) for every binding active on `screen`, hidden ones included.

    The screen's own keys come first, then the app's, then those of the focused widget;
    keys for the same action share a row ("↓ / j").
    """
    rows: dict[tuple[int, str], tuple[list[str], str]] = {}
    app = screen.app
    leaves_out = getattr(screen, "help_leaves_out", None)
    left_out = leaves_out() if leaves_out is not None else set()
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.action in ("command_palette", "help", "quit") and key != "q":
            continue
        if not active.enabled or binding.action.split("(")[0] in left_out:
            continue
        node = active.node
        rank = 0 if node is screen else 1 if node is app else 2
        if binding.action in TEXTUAL_OWN:
            rank = 3
        # The tooltip is the longer description where the footer's word is too short.
        what = binding.tooltip or binding.description or binding.action.replace("_", " ")
        keys, _ = rows.setdefault((rank, binding.action), ([], what))
        keys.append(app.get_key_display(binding))
    ordered = sorted(rows.items(), key=lambda item: item[0][0])
    return [(" / ".join(dict.fromkeys(keys)), what) for _, (keys, what) in ordered]


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
