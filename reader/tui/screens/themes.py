"""Themes: each with its size and a sparkline of activity; the selected one in detail."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, ListItem, ListView, OptionList, Sparkline, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, get_current_worker

from reader.errors import ReaderError
from reader.tui.format import theme_detail, theme_passages
from reader.tui.messages import ThemeLoaded, ThemesLoaded, WorkFinished, WorkProgress
from reader.tui.screens.base import ScreenBasics
from reader.tui.screens.modals import TextPrompt
from reader.tui.widgets import ActivityBar

NO_THEMES = (
    "No themes yet. Press T to train them: it needs an indexed library "
    "(`reader index`) of a few dozen articles."
)


def nested(rows: list[tuple[Any, list[float]]]) -> list[tuple[Any, list[float]]]:
    """Broad themes, each followed by its fine themes; fine themes without a shown parent last."""
    broad = [r for r in rows if r[0].level == "broad"]
    shown = {theme.id for theme, _ in broad}
    out = []
    for row in broad:
        out.append(row)
        out += [r for r in rows if r[0].level != "broad" and r[0].parent_id == row[0].id]
    out += [r for r in rows if r[0].level != "broad" and r[0].parent_id not in shown]
    return out


class ThemeItem(ListItem):
    """One theme in the list: its title, how many articles carry it, its activity by month."""

    def __init__(self, theme, series: list[float]) -> None:
        super().__init__(id=f"theme-{theme.id}", classes=f"-{theme.level}")
        self.theme = theme
        self.series = series

    def compose(self) -> ComposeResult:
        indent = "" if self.theme.level == "broad" else "  "
        with Horizontal(classes="theme-row"):
            yield Label(indent + self.theme.title, classes="theme-title", markup=False)
            yield Label(str(self.theme.n_articles), classes="theme-count")
            yield Sparkline(self.series or [0.0], summary_function=max, classes="theme-spark")


class ThemesScreen(ScreenBasics, Screen[None]):
    """Browse themes; enter moves to the theme's articles, enter again opens one."""

    TITLE = "Themes"
    AUTO_FOCUS = "#theme-list"
    BINDINGS = [
        Binding("e", "rename", "Rename"),
        Binding("T", "train", "Train"),
        Binding("escape", "focus_list", "Themes", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.selected_id: int | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(NO_THEMES, id="themes-empty")
        with Horizontal(id="themes-main"):
            yield ListView(id="theme-list")
            with Vertical(id="theme-detail"):
                yield Static("", id="theme-heading")
                yield OptionList(id="theme-articles")
                yield Static("", id="theme-passages")
        yield ActivityBar(id="activity")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#theme-list", ListView).loading = True
        self.load_themes()

    # -- loading -------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="themes")
    def load_themes(self) -> None:
        worker = get_current_worker()
        service = self.services.themes
        themes = service.list_themes()
        rows = []
        for theme in themes:
            if worker.is_cancelled:
                return
            rows.append((theme, service.timeline(theme.id, "month")["share"]))
        error = None
        if not rows:
            status = service.status()
            error = status.get("note") or NO_THEMES
        self.post_message(ThemesLoaded(rows, error))

    async def on_themes_loaded(self, message: ThemesLoaded) -> None:
        listing = self.query_one("#theme-list", ListView)
        listing.loading = False
        await listing.clear()
        rows = nested(message.themes)
        await listing.extend(ThemeItem(theme, series) for theme, series in rows)
        empty = self.query_one("#themes-empty", Static)
        empty.display = bool(message.error) or not message.themes
        empty.update(message.error or NO_THEMES)
        ids = [theme.id for theme, _ in rows]
        if ids:
            keep = self.selected_id if self.selected_id in ids else ids[0]
            listing.index = ids.index(keep)
            self.select_theme(keep)

    def select_theme(self, theme_id: int) -> None:
        self.selected_id = theme_id
        self.load_detail(theme_id)

    @work(thread=True, exclusive=True, exit_on_error=False, group="theme-detail")
    def load_detail(self, theme_id: int) -> None:
        self.post_message(ThemeLoaded(self.services.themes.show(theme_id)))

    def on_theme_loaded(self, message: ThemeLoaded) -> None:
        detail = message.detail
        if detail["theme"]["id"] != self.selected_id:
            return  # the user has moved on to another theme
        self.query_one("#theme-heading", Static).update(theme_detail(detail))
        articles = self.query_one("#theme-articles", OptionList)
        articles.clear_options()
        articles.add_options(
            Option(f"{a['title'] or '(untitled)'}  ({a['strength']:.2f})", id=str(a["id"]))
            for a in detail["articles"]
        )
        self.query_one("#theme-passages", Static).update(theme_passages(detail))

    @on(ListView.Highlighted, "#theme-list")
    def highlighted(self, event: ListView.Highlighted) -> None:
        if isinstance(event.item, ThemeItem) and event.item.theme.id != self.selected_id:
            self.select_theme(event.item.theme.id)

    @on(ListView.Selected, "#theme-list")
    def chosen(self, event: ListView.Selected) -> None:
        articles = self.query_one("#theme-articles", OptionList)
        if articles.option_count:
            articles.highlighted = articles.highlighted or 0
            articles.focus()

    @on(OptionList.OptionSelected, "#theme-articles")
    def open_article(self, event: OptionList.OptionSelected) -> None:
        from reader.tui.screens.reader import ArticleScreen

        if event.option.id:
            self.app.push_screen(ArticleScreen(int(event.option.id)))

    def action_focus_list(self) -> None:
        self.query_one("#theme-list", ListView).focus()

    # -- renaming and training -----------------------------------------------------
    def action_rename(self) -> None:
        listing = self.query_one("#theme-list", ListView)
        item = listing.highlighted_child
        if not isinstance(item, ThemeItem):
            return
        theme = item.theme

        def renamed(name: str | None) -> None:
            if name is not None:
                self.rename(theme.id, name)

        self.app.push_screen(
            TextPrompt(
                f"Rename “{theme.title}”",
                value=theme.name or theme.title,
                hint=f"keywords: {', '.join(theme.keywords[:8])} · empty restores “{theme.label}”",
                allow_empty=True,
            ),
            renamed,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="theme-rename")
    def rename(self, theme_id: int, name: str) -> None:
        self.services.themes.rename(theme_id, name)
        self.post_message(WorkFinished("rename", "renamed"))

    def action_train(self) -> None:
        self.query_one(ActivityBar).start("training themes")
        self.train()

    @work(thread=True, exclusive=True, exit_on_error=False, group="theme-train")
    def train(self) -> None:
        worker = get_current_worker()

        def report(p) -> None:
            self.post_message(WorkProgress("train", p.stage, p.done, p.total, p.message))

        try:
            result = self.services.themes.train(
                progress=report, should_stop=lambda: worker.is_cancelled
            )
        except ReaderError as exc:  # too small a library, nothing indexed, stopped
            self.post_message(WorkFinished("train", str(exc), failed=True))
            return
        self.post_message(WorkFinished("train", result.summary(), result.notes))

    def on_work_progress(self, message: WorkProgress) -> None:
        self.query_one(ActivityBar).show(message)

    def on_work_finished(self, message: WorkFinished) -> None:
        if message.job == "train":
            self.query_one(ActivityBar).finish()
            severity = "warning" if message.failed else "information"
            self.notify(message.summary, title="Themes", severity=severity, timeout=10)
            for note in message.problems[:5]:
                self.notify(note, severity="warning", timeout=10)
        self.load_themes()

    def worker_failed(self, worker: Worker) -> None:
        self.query_one(ActivityBar).finish()
        self.query_one("#theme-list", ListView).loading = False
