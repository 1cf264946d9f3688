"""The Textual app: modes for library, search, themes and digest over one library."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.binding import Binding

from reader.services.context import LibraryContext
from reader.tui.screens.digest import DigestScreen
from reader.tui.screens.library import LibraryScreen
from reader.tui.screens.search import SearchScreen
from reader.tui.screens.themes import ThemesScreen
from reader.tui.services import Services


class ReaderApp(App[None]):
    """reader's terminal UI. Build it with `make_app` so tests and the CLI get the same app."""

    CSS_PATH = "app.tcss"
    TITLE = "reader"
    MODES = {
        "library": LibraryScreen,
        "search": SearchScreen,
        "themes": ThemesScreen,
        "digest": DigestScreen,
    }
    DEFAULT_MODE = "library"
    BINDINGS = [
        Binding("1", "switch_mode('library')", "Library"),
        Binding("2", "switch_mode('search')", "Search"),
        Binding("3", "switch_mode('themes')", "Themes"),
        Binding("4", "switch_mode('digest')", "Digest"),
        Binding("slash", "search", "Search", show=False),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services
        self.sub_title = str(services.ctx.paths.root)

    async def action_search(self) -> None:
        """Go to the search screen with the cursor in the query box."""
        await self.switch_mode("search")
        if isinstance(self.screen, SearchScreen):
            self.screen.focus_query()


def make_app(ctx: LibraryContext, **services: Any) -> ReaderApp:
    """The app over the library in `ctx`; nothing is read from disk until a screen asks.

    `services` replaces a service by name (library, search, themes, digest), e.g. in tests.
    """
    return ReaderApp(Services(ctx, **services))


