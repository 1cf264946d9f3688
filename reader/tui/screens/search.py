"""Search: a query box, a mode switch and ranked results with snippets."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import (
    Button,
    Header,
    Input,
    OptionList,
    RadioButton,
    RadioSet,
    Static,
)
from textual.widgets.option_list import Option
from textual.worker import Worker

from reader.errors import ReaderError
from reader.textsafe import terminal_safe
from reader.tui.format import search_hit
from reader.tui.messages import SearchFinished, ThemesToPick
from reader.tui.screens.base import ScreenBasics
from reader.tui.screens.theme_picker import ThemeChoice, ThemePicker
from reader.tui.widgets import KeysFooter, ResultList

MODES = ("hybrid", "semantic", "keyword")
LIMIT = 30


class SearchScreen(ScreenBasics, Screen[None]):
    """Type a query and press enter (keyword mode answers as you type); enter on a result opens it.

    Escape leaves the query box for the results, where the screen keys (1-4, ?, q) work again;
    escape on the results goes back to the library. + and - steer the search toward or away
    from a theme (hybrid and semantic): each shows as a chip under the query; a click on a
    chip, or x, takes steering off.
    """

    TITLE = "Search"
    AUTO_FOCUS = "#search-input"
    BINDINGS = [
        Binding("ctrl+t", "next_mode", "Mode"),
        Binding("slash", "focus_query", "Query"),
        Binding("down", "focus_results", "Results", show=False),
        # One footer entry for both (the footer is full at 80 columns); help lists each.
        Binding("plus", "steer('plus')", "Steer by a theme", key_display="+/-",
                tooltip="+ toward a theme, - away from one"),
        Binding("minus", "steer('minus')", "Steer away from a theme", show=False),
        Binding("x", "unsteer", "Steer no more", show=False),
        Binding("escape", "back", "Back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.mode = MODES[0]
        self.query_text = ""
        self.focus_after = False
        self.shown_query: tuple[str, str] | None = None  # (query, mode) of the results shown
        self.status_text = ""
        # Steering chips: theme id -> its choice, toward (plus) and away from (minus).
        self.plus: dict[int, ThemeChoice] = {}
        self.minus: dict[int, ThemeChoice] = {}

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="search-bar"):
            yield Input(placeholder="Search your library (words or a question)", id="search-input")
            with RadioSet(id="search-mode"):
                for mode in MODES:
                    yield RadioButton(mode, value=mode == self.mode, name=mode)
        yield Horizontal(id="search-chips")
        yield Static("", id="search-status")
        yield ResultList(id="search-results")
        yield KeysFooter(compact=True)

    # -- searching -----------------------------------------------------------------
    @on(Input.Submitted, "#search-input")
    def submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() == self.query_text and self.mode == "keyword":
            self.action_focus_results()  # already answered while typing
            return
        self.focus_after = True
        self.run_query(event.value)

    @on(Input.Changed, "#search-input")
    def typed(self, event: Input.Changed) -> None:
        """Keyword search is quick enough to answer every key; meaning waits for enter."""
        if self.mode == "keyword" and event.value.strip():
            self.run_query(event.value, quiet=True)

    @on(RadioSet.Changed, "#search-mode")
    def mode_changed(self, event: RadioSet.Changed) -> None:
        self.mode = event.pressed.name or MODES[0]
        if self.query_text:
            self.run_query(self.query_text)

    def run_query(self, text: str, *, quiet: bool = False) -> None:
        """Search for `text`; `quiet` (a key typed in keyword mode, answered in a few ms) keeps
        the results and status as they are until the answer comes, instead of a loading screen.
        """
        self.query_text = text.strip()
        if not self.query_text:
            return
        if not quiet:
            self.query_one("#search-results", OptionList).loading = True
            self.show_status(f"Searching ({self.mode})… the first search loads the model.")
        self.search(self.query_text, self.mode, tuple(self.plus), tuple(self.minus))

    def show_status(self, text: str) -> None:
        if text != self.status_text:  # an unchanged line costs no layout pass
            self.status_text = text
            self.query_one("#search-status", Static).update(Content(terminal_safe(text)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def search(self, query: str, mode: str, plus: tuple[int, ...] = (),
               minus: tuple[int, ...] = ()) -> None:
        services = self.services
        notices = []
        try:
            steer = None
            if plus or minus:
                if mode == "keyword":
                    notices.append("themes steer hybrid and semantic search, not keyword")
                else:
                    steer = services.themes.steerer(plus, minus)
            with services.serial("search"):  # the service keeps one model and index for all
                kwargs = {"steer": steer} if steer is not None else {}
                results = services.search.search(query, mode=mode, limit=LIMIT, **kwargs)
        except ReaderError as exc:  # nothing indexed yet, a bad query: say so in place
            self.post_message(SearchFinished(query, mode, [], error=str(exc)))
            return
        self.post_message(SearchFinished(query, mode, results.hits,
                                         notices=[*results.notices, *notices]))

    def on_search_finished(self, message: SearchFinished) -> None:
        if (message.query, message.mode) != (self.query_text, self.mode):
            return  # an older query finished after a newer one was asked
        results = self.query_one("#search-results", OptionList)
        if results.loading:
            results.loading = False
        self.shown_query = (message.query, message.mode)
        results.clear_options()
        results.add_options(Option(search_hit(hit), id=str(hit.article_id)) for hit in message.hits)
        if message.error:
            status = message.error
        else:
            count = len(message.hits)
            status = f"{count} result{'s' if count != 1 else ''} ({message.mode})"
            if message.notices:
                status += " · " + " · ".join(message.notices)
        self.show_status(status)
        if message.hits:
            results.highlighted = 0
            if self.focus_after:  # after enter, leave the box so the screen keys work
                results.focus()
        self.focus_after = False

    def worker_failed(self, worker: Worker) -> None:
        self.query_one("#search-results", OptionList).loading = False
        self.show_status("")

    # -- moving around -------------------------------------------------------------
    @on(OptionList.OptionSelected, "#search-results")
    def open_article(self, event: OptionList.OptionSelected) -> None:
        from reader.tui.screens.reader import ArticleScreen

        if event.option.id:
            self.app.push_screen(ArticleScreen(int(event.option.id)))

    def action_next_mode(self) -> None:
        index = (MODES.index(self.mode) + 1) % len(MODES)
        buttons = list(self.query(RadioButton))
        buttons[index].value = True  # the RadioSet posts Changed, which searches again

    def action_focus_results(self) -> None:
        results = self.query_one("#search-results", OptionList)
        if results.option_count:
            results.focus()

    def action_focus_query(self) -> None:
        self.focus_query()

    def action_back(self) -> None:
        """Escape: out of the query box to the results; from the results back to the library."""
        box = self.query_one("#search-input", Input)
        if box.has_focus:
            results = self.query_one("#search-results", OptionList)
            results.focus() if results.option_count else self.set_focus(None)
        else:
            self.app.switch_mode("library")

    def focus_query(self) -> None:
        """Put the cursor in the query box (the app calls this for `/`)."""
        self.query_one("#search-input", Input).focus()

    # -- steering by themes ------------------------------------------------------------
    def action_steer(self, direction: str) -> None:
        """Pick a theme to steer toward (plus) or away from (minus)."""
        self.load_themes(direction)

    @work(thread=True, exclusive=True, exit_on_error=False, group="themes")
    def load_themes(self, direction: str) -> None:
        try:
            themes = self.services.themes.list_themes()
        except ReaderError as exc:
            self.post_message(ThemesToPick(direction, [], str(exc)))
            return
        choices = [ThemeChoice(t.id, t.title, t.level, t.n_articles) for t in themes]
        self.post_message(ThemesToPick(direction, choices))

    def on_themes_to_pick(self, message: ThemesToPick) -> None:
        if not message.themes:
            self.notify(message.error or "No themes yet: train them on the Themes screen (3, then T).",
                        title="Steering", severity="warning", markup=False)
            return
        toward = message.direction == "plus"

        def picked(choice: ThemeChoice | None) -> None:
            if choice is None:
                return
            (self.minus if toward else self.plus).pop(choice.id, None)
            (self.plus if toward else self.minus)[choice.id] = choice
            self.steering_changed()

        title = "Steer toward which theme?" if toward else "Steer away from which theme?"
        self.app.push_screen(ThemePicker(title, message.themes), picked)

    def action_unsteer(self) -> None:
        if self.plus or self.minus:
            self.plus.clear()
            self.minus.clear()
            self.steering_changed()

    @on(Button.Pressed, "#search-chips Button")
    def chip_pressed(self, event: Button.Pressed) -> None:
        """A click (or enter) on a chip takes that theme off the steering."""
        sign, _, theme_id = (event.button.name or "").partition(":")
        (self.plus if sign == "plus" else self.minus).pop(int(theme_id), None)
        self.steering_changed()

    def steering_changed(self) -> None:
        chips = self.query_one("#search-chips", Horizontal)
        chips.remove_children()
        buttons = [
            Button(Content(f"{'+' if sign == 'plus' else '−'} {choice.name} ×"),
                   name=f"{sign}:{choice.id}", compact=True, classes=f"chip chip-{sign}",
                   tooltip="Click to stop steering by this theme")
            for sign, chosen in (("plus", self.plus), ("minus", self.minus))
            for choice in chosen.values()
        ]
        chips.mount_all(buttons)
        chips.display = bool(buttons)
        if self.query_text:
            self.run_query(self.query_text)
