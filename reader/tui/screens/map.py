"""The map of your reading: braille points coloured by broad theme, names on the map, a legend;
move the box and press enter to list the articles in it, or pick a theme to list its articles.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from reader.textsafe import terminal_safe
from reader.tui.map_canvas import MapCanvas, theme_colour
from reader.tui.screens.base import ScreenBasics
from reader.tui.widgets import KeysFooter

WAITING = "Laying out the map… (the first time takes up to a minute; then it is cached)"


@dataclass
class MapLoaded(Message):
    reading_map: Any  # reader.services.themes.map.ReadingMap


class MapScreen(ScreenBasics, Screen[None]):
    """Arrows move the box (shift+arrows resize it), enter lists what is inside, t steps
    through the themes, tab moves to the list and enter there opens the article."""

    TITLE = "Map"
    AUTO_FOCUS = "#map-canvas"
    BINDINGS = [
        Binding("left", "move(-2, 0)", "Move", show=False),
        Binding("right", "move(2, 0)", "Move", show=False),
        Binding("up", "move(0, -1)", "Move", show=False),
        Binding("down", "move(0, 1)", "Move", show=False),
        Binding("shift+left", "grow(-2, 0)", "Narrower", show=False),
        Binding("shift+right", "grow(2, 0)", "Wider", show=False),
        Binding("shift+up", "grow(0, -1)", "Shorter", show=False),
        Binding("shift+down", "grow(0, 1)", "Taller", show=False),
        Binding("enter", "pick_region", "List box"),
        Binding("t", "next_theme(1)", "Theme"),
        Binding("T", "next_theme(-1)", "Prev theme", show=False),
        Binding("escape", "clear", "Clear", show=False),
        Binding("ctrl+r", "reload", "Reload", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.reading_map: Any = None
        self.theme_index: int | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="map-main"):
            yield MapCanvas(id="map-canvas")
            with Vertical(id="map-side"):
                yield Static(WAITING, id="map-legend")
                yield Static("", id="map-picked-head")
                yield OptionList(id="map-articles")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.load_map()

    @work(thread=True, exclusive=True, exit_on_error=False, group="map")
    def load_map(self) -> None:
        from reader.services.themes.map import reading_map

        self.post_message(MapLoaded(reading_map(self.services.ctx)))

    def on_map_loaded(self, message: MapLoaded) -> None:
        self.reading_map = message.reading_map
        self.query_one(MapCanvas).show_map(self.reading_map)
        self.query_one("#map-legend", Static).update(self._legend())
        self.query_one("#map-picked-head", Static).update(
            "enter: list the box · t: a theme")

    def _legend(self) -> Text:
        found = self.reading_map
        text = Text()
        text.append(f"{len(found.points)} articles ({found.method.upper()})\n", style="dim")
        for n, theme in enumerate(found.themes):
            mark = "▶" if n == self.theme_index else " "
            text.append(f"{mark}● ", style=theme_colour(theme.colour))
            text.append(terminal_safe(theme.title, single_line=True)[:19])
            text.append(f" {theme.articles}\n", style="dim")
        for note in found.notes:
            text.append(terminal_safe(note, single_line=True) + "\n", style="italic dim")
        return text

    # -- picking -------------------------------------------------------------------------
    def action_move(self, dcol: int, drow: int) -> None:
        self.query_one(MapCanvas).move_box(dcol, drow)

    def action_grow(self, dwidth: int, dheight: int) -> None:
        self.query_one(MapCanvas).move_box(0, 0, dwidth, dheight)

    def action_pick_region(self) -> None:
        if self.reading_map is None:
            return
        found = self.reading_map.in_region(*self.query_one(MapCanvas).selected_region())
        self._list("In the box", found)

    def action_next_theme(self, step: int) -> None:
        if self.reading_map is None or not self.reading_map.themes:
            return
        count = len(self.reading_map.themes)
        if self.theme_index is None:
            self.theme_index = 0 if step > 0 else count - 1
        else:
            self.theme_index = (self.theme_index + step) % count
        theme = self.reading_map.themes[self.theme_index]
        canvas = self.query_one(MapCanvas)
        canvas.focus_colour = theme.colour
        canvas.refresh()
        self.query_one("#map-legend", Static).update(self._legend())
        self._list(theme.title, self.reading_map.of_theme(theme.id))

    def action_clear(self) -> None:
        self.theme_index = None
        canvas = self.query_one(MapCanvas)
        canvas.focus_colour = None
        canvas.refresh()
        canvas.focus()
        if self.reading_map is not None:
            self.query_one("#map-legend", Static).update(self._legend())

    def action_reload(self) -> None:
        self.load_map()

    def _list(self, head: str, points: list) -> None:
        self.query_one("#map-picked-head", Static).update(
            Text(f"{terminal_safe(head, single_line=True)[:26]}: {len(points)}", style="bold"))
        articles = self.query_one("#map-articles", OptionList)
        articles.clear_options()
        articles.add_options(Option(Text(terminal_safe(p.title, single_line=True)),
                                    id=str(p.article_id)) for p in points)

    @on(OptionList.OptionSelected, "#map-articles")
    def open_article(self, event: OptionList.OptionSelected) -> None:
        from reader.tui.screens.reader import ArticleScreen

        if event.option.id:
            self.app.push_screen(ArticleScreen(int(event.option.id)))
