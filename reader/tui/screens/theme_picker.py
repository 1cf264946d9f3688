"""Pick a theme to steer a search by: the themes in a list, narrowed as you type."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from reader.textsafe import terminal_safe
from reader.tui.widgets import ResultList


@dataclass(frozen=True)
class ThemeChoice:
    """A theme as the picker and the chips show it."""

    id: int
    title: str
    level: str
    articles: int

    @property
    def name(self) -> str:
        return terminal_safe(self.title, single_line=True)


class ThemePicker(ModalScreen[ThemeChoice | None]):
    """Choose one theme; the result is the choice, or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, themes: list[ThemeChoice]) -> None:
        super().__init__()
        self.picker_title = title
        self.themes = themes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="theme-picker"):
            yield Label(self.picker_title, classes="dialog-title", markup=False)
            yield Input(placeholder="type to narrow, enter picks", id="picker-filter")
            yield ResultList(id="picker-themes")

    def on_mount(self) -> None:
        self.show("")

    def show(self, words: str) -> None:
        wanted = words.strip().lower()
        listing = self.query_one("#picker-themes", OptionList)
        listing.clear_options()
        listing.add_options(
            Option(Content.assemble(
                (f"#{t.id:<4}", "dim"), (t.name, "b" if t.level == "broad" else ""),
                (f"  {t.level} · {t.articles} articles", "dim"),
            ), id=str(t.id))
            for t in self.themes if wanted in t.name.lower()
        )
        if listing.option_count:
            listing.highlighted = 0

    @on(Input.Changed, "#picker-filter")
    def narrowed(self, event: Input.Changed) -> None:
        self.show(event.value)

    @on(Input.Submitted, "#picker-filter")
    def submitted(self) -> None:
        listing = self.query_one("#picker-themes", OptionList)
        if listing.highlighted is not None:
            self.pick(listing.get_option_at_index(listing.highlighted).id)

    def on_key(self, event) -> None:
        # Up and down move in the list while the cursor stays in the filter box.
        listing = self.query_one("#picker-themes", OptionList)
        if event.key in ("up", "down") and self.query_one("#picker-filter", Input).has_focus:
            event.stop()
            listing.action_cursor_down() if event.key == "down" else listing.action_cursor_up()

    @on(OptionList.OptionSelected, "#picker-themes")
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.pick(event.option.id)

    def pick(self, option_id: str | None) -> None:
        chosen = next((t for t in self.themes if str(t.id) == option_id), None)
        if chosen is not None:
            self.dismiss(chosen)

    def action_cancel(self) -> None:
        self.dismiss(None)
