"""The Textual app: modes for library, search, themes and digest over one library."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from reader.services.context import LibraryContext
from reader.tui.screens.library import LibraryScreen
from reader.tui.services import Services


def _search() -> Screen:
    from reader.tui.screens.search import SearchScreen

    return SearchScreen()


def _themes() -> Screen:
    from reader.tui.screens.themes import ThemesScreen

    return ThemesScreen()


def _map() -> Screen:  # h5: the map of your reading
    from reader.tui.screens.map import MapScreen

    return MapScreen()


def _digest() -> Screen:
    from reader.tui.screens.digest import DigestScreen

    return DigestScreen()


# (palette title, what it does, key, mode to go to first, action to run there)
COMMANDS = (
    ("Add URLs or files", "Queue links or local files and fetch them", "a", "library", "add"),
    ("Fetch the queue", "Fetch and extract what is queued, then index it", "f", "library", "fetch"),
    ("Retry failed fetches", "Fetch again what failed before", "F", "library", "fetch(True)"),
    ("Export the library", "Write everything to a JSONL or Markdown file", "E", "library", "export"),
    ("Search", "Search the library by meaning or by words", "/", "search", "focus_query"),
    ("What to read next", "Order the library: unread articles best to read now first", "n",
     "library", "sort('next')"),
    ("Steer search toward a theme", "Pull the results toward a theme (a chip; x clears)", "+",
     "search", "steer('plus')"),
    ("Steer search away from a theme", "Push the results away from a theme", "-", "search",
     "steer('minus')"),
    ("Train themes", "Find the themes that run through the library", "T", "themes", "train"),
    ("Draft a digest", "Draft the 'What I read' section", "ctrl+r", "digest", "redraft"),
    ("Library", "Go to the library", "1", "library", None),
    ("Themes", "Go to the themes", "3", "themes", None),
    ("Digest", "Go to the digest", "4", "digest", None),
)


# The screen-switch keys share one footer entry: "1234 Screens".
SCREENS = Binding.Group("Screens", compact=True)


class ReaderApp(App[None]):
    """reader's terminal UI. Build it with `make_app` so tests and the CLI get the same app."""

    CSS_PATH = "app.tcss"
    TITLE = "reader"
    # Only the library is imported for the first paint; the other screens on first visit.
    MODES = {
        "library": LibraryScreen,
        "search": _search,
        "themes": _themes,
        "digest": _digest,
        "map": _map,  # h5: the map of your reading
    }
    DEFAULT_MODE = "library"
    BINDINGS = [
        Binding("1", "switch_mode('library')", "Library", group=SCREENS),
        Binding("2", "switch_mode('search')", "Search", group=SCREENS),
        Binding("3", "switch_mode('themes')", "Themes", group=SCREENS),
        Binding("4", "switch_mode('digest')", "Digest", group=SCREENS),
        Binding("5", "switch_mode('map')", "Map", group=SCREENS),  # h5: the map of your reading
        Binding("slash", "search", "Search", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit", show=False),
        Binding("escape", "close_panel", "Close panel", show=False),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.sub_title = str(services.ctx.paths.root)

    async def action_search(self) -> None:
        """Go to the search screen with the cursor in the query box."""
        await self.switch_mode("search")
        focus_query = getattr(self.screen, "focus_query", None)
        if focus_query is not None:
            focus_query()

    def action_help(self) -> None:
        """Show every key of the current screen."""
        from reader.tui.screens.help import HelpScreen, screen_keys

        screen = self.screen
        title = screen.title or screen.TITLE or self.current_mode
        self.push_screen(HelpScreen(str(title), screen_keys(screen)))

    def action_close_panel(self) -> None:
        """Escape where nothing else wants it: close Textual's keys panel if it is open."""
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()

    async def run_command(self, mode: str, action: str | None) -> None:
        """Go to `mode` (unless an article or dialog is open over it) and run `action` there."""
        if self.current_mode != mode or len(self.screen_stack) > 1:
            await self.switch_mode(mode)
        if action:
            await self.run_action(action, self.screen)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for title, help_text, key, mode, action in COMMANDS:
            yield SystemCommand(
                f"{title} ({key})", help_text, lambda m=mode, a=action: self.run_command(m, a)
            )
        yield SystemCommand("Keys on this screen (?)", "Every key this screen answers", self.action_help)
        yield from super().get_system_commands(screen)


def make_app(ctx: LibraryContext, **services: Any) -> ReaderApp:
    """The app over the library in `ctx`; nothing is read from disk until a screen asks.

    `services` replaces a service by name (library, search, themes, digest), e.g. in tests.
    """
    return ReaderApp(Services(ctx, **services))
