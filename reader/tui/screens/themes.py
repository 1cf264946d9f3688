"""Themes: quality in words, a filterable, sortable list with ids, counts and proportional
activity bars; the selected theme in detail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import (
    Header,
    Input,
    Label,
    ListItem,
    ListView,
    OptionList,
    Sparkline,
    Static,
)
from textual.widgets.option_list import Option
from textual.worker import Worker, get_current_worker

from reader.errors import ReaderError
from reader.textsafe import terminal_safe
from reader.tui.format import theme_detail, theme_passages
from reader.tui.messages import ThemeLoaded, WorkFinished, WorkProgress
from reader.tui.screens.base import ScreenBasics
from reader.tui.screens.modals import TextPrompt
from reader.tui.widgets import ActivityBar, KeysFooter

NO_THEMES = (
    "No themes yet. Press T to train them: it needs an indexed library "
    "(`reader index`) of a few dozen articles."
)
SORTS = ("size", "recent", "name", "id")
MAX_ROWS = 300  # rows built at once; the filter finds the rest among thousands


@dataclass
class ThemeList(Message):
    """Every theme with its articles per month, and the run's quality in words."""

    rows: list[tuple[Any, list[float]]]
    quality: str = ""
    quality_help: str = ""
    partial: list[bool] = field(default_factory=list)
    error: str | None = None


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


def arrange(rows: list[tuple[Any, list[float]]], text: str, sort: str
            ) -> list[tuple[Any, list[float]]]:
    """The rows to show: filtered by name, label or keyword; nested by level when sorted by
    size with no filter, else one flat list in the chosen order."""
    wanted = text.strip().lower()
    if wanted:
        rows = [r for r in rows if wanted in r[0].title.lower() or wanted in r[0].label.lower()
                or any(wanted in k.lower() for k in r[0].keywords)]
    keys = {
        "size": lambda r: (-r[0].n_articles, r[0].id),
        "recent": lambda r: (-(r[1][-1] if r[1] else 0), -sum(r[1][-3:]), r[0].id),
        "name": lambda r: (r[0].title.lower(), r[0].id),
        "id": lambda r: r[0].id,
    }
    ordered = sorted(rows, key=keys[sort])
    return nested(ordered) if sort == "size" and not wanted else ordered


class ThemeItem(ListItem):
    """One theme in the list: id, title, how many articles are in it, articles by month."""

    def __init__(self, theme, series: list[float]) -> None:
        super().__init__(id=f"theme-{theme.id}", classes=f"-{theme.level}")
        self.theme = theme
        self.series = series

    def compose(self) -> ComposeResult:
        indent = "" if self.theme.level == "broad" else "  "
        with Horizontal(classes="theme-row"):
            yield Label(f"{self.theme.id:>4} ", classes="theme-id")
            yield Label(Content(indent + self.theme.title), classes="theme-title")
            yield Label(str(self.theme.n_articles), classes="theme-count")
            yield Sparkline(self.series or [0.0], summary_function=max, classes="theme-spark")


class ThemesScreen(ScreenBasics, Screen[None]):
    """Browse themes; enter moves to the theme's articles, enter again opens one."""

    TITLE = "Themes"
    AUTO_FOCUS = "#theme-list"
    BINDINGS = [
        Binding("e", "rename", "Rename"),
        Binding("T", "train", "Train"),
        Binding("slash", "filter", "Filter"),
        Binding("s", "sort", "Sort"),
        Binding("m", "meaning", "Numbers", tooltip="What the numbers mean"),
        Binding("escape", "focus_list", "Themes", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.selected_id: int | None = None
        self.all_rows: list[tuple[Any, list[float]]] = []
        self.sort = SORTS[0]
        self.quality_help = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="theme-quality", markup=False)
        yield Static(NO_THEMES, id="themes-empty")
        with Horizontal(id="themes-main"):
            with Vertical(id="theme-side"):
                with Horizontal(id="theme-tools"):
                    yield Input(placeholder="filter themes (/)", id="theme-filter")
                    yield Label("by size", id="theme-sort")
                yield ListView(id="theme-list")
                yield Label("", id="theme-more")
            with Vertical(id="theme-detail"):
                yield Static("", id="theme-heading")
                yield OptionList(id="theme-articles")
                yield Static("", id="theme-passages")
        yield ActivityBar(id="activity")
        yield KeysFooter(compact=True)

    def on_mount(self) -> None:
        self.query_one("#theme-list", ListView).loading = True
        self.load_themes()

    # -- loading -------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="themes")
    def load_themes(self) -> None:
        from reader.services.themes.quality import quality_text, verdict

        worker = get_current_worker()
        service = self.services.themes
        themes = service.list_themes()
        lines = service.timelines("month")
        if worker.is_cancelled:
            return
        rows = [(t, [float(c) for c in lines["articles"].get(t.id, [0] * len(lines["periods"]))])
                for t in themes]
        status = service.status()
        quality = help_text = ""
        if status.get("trained"):
            metrics = status["metrics"]
            quality = (f"{verdict(metrics).text}. Run {status['run_id']}, "
                       f"{status['articles']} articles; bars: articles a month"
                       f"{' (last month so far)' if lines['partial'][-1:] == [True] else ''}.")
            help_text = quality_text(metrics)
        error = None if rows else (status.get("note") or NO_THEMES)
        self.post_message(ThemeList(rows, quality, help_text, lines["partial"], error))

    async def on_theme_list(self, message: ThemeList) -> None:
        self.all_rows = message.rows
        self.quality_help = message.quality_help
        quality = self.query_one("#theme-quality", Static)
        quality.update(message.quality)
        quality.display = bool(message.quality)
        empty = self.query_one("#themes-empty", Static)
        empty.display = bool(message.error) or not message.rows
        empty.update(message.error or NO_THEMES)
        await self.show_rows()

    async def show_rows(self) -> None:
        listing = self.query_one("#theme-list", ListView)
        listing.loading = False
        text = self.query_one("#theme-filter", Input).value
        rows = arrange(self.all_rows, text, self.sort)
        await listing.clear()
        await listing.extend(ThemeItem(theme, series) for theme, series in rows[:MAX_ROWS])
        more = self.query_one("#theme-more", Label)
        more.update(f"{MAX_ROWS} of {len(rows)} shown: type to filter" if len(rows) > MAX_ROWS
                    else f"{len(rows)} themes" if text else "")
        ids = [theme.id for theme, _ in rows[:MAX_ROWS]]
        if ids:
            keep = self.selected_id if self.selected_id in ids else ids[0]
            listing.index = ids.index(keep)
            self.select_theme(keep)

    @on(Input.Changed, "#theme-filter")
    async def filter_changed(self) -> None:
        await self.show_rows()

    @on(Input.Submitted, "#theme-filter")
    def filter_done(self) -> None:
        self.query_one("#theme-list", ListView).focus()

    def action_filter(self) -> None:
        self.query_one("#theme-filter", Input).focus()

    async def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.query_one("#theme-sort", Label).update(f"by {self.sort}")
        await self.show_rows()

    def action_meaning(self) -> None:
        self.notify(self.quality_help or NO_THEMES, title="What the numbers mean", timeout=30)

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
            Option(Content(f"{a['id']:>5} {a['title'] or '(untitled)'}  ({a['strength']:.2f})"),
                   id=str(a["id"]))
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
            self.notify(terminal_safe(message.summary), title="Themes", severity=severity, timeout=10,
                        markup=False)
            for note in message.problems[:5]:
                self.notify(terminal_safe(note), severity="warning", timeout=10, markup=False)
        self.load_themes()

    def worker_failed(self, worker: Worker) -> None:
        self.query_one(ActivityBar).finish()
        self.query_one("#theme-list", ListView).loading = False
