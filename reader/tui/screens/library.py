"""The library: the queue as a table, filtered by status, with the keys that change it."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static, Tab, Tabs
from textual.worker import Worker, get_current_worker

from reader.models import Article
from reader.tui.format import queue_cells, title_of
from reader.tui.messages import ArticlesLoaded, WorkFinished, WorkProgress
from reader.tui.screens.base import ScreenBasics
from reader.tui.screens.modals import AddArticles, Confirm, TextPrompt
from reader.tui.widgets import ActivityBar

FILTERS = ("all", "unread", "reading", "queued", "read", "archived", "failed")
# (key, width) of each column but the title, which takes what is left; narrow screens drop tags.
WIDE = (("status", 12), ("title", 0), ("site", 18), ("time", 4), ("tags", 14), ("flags", 10))
NARROW = (("status", 12), ("title", 0), ("site", 12), ("time", 4), ("flags", 8))
# Per column: one cell of padding each side; for the table: its margin and scrollbar.
CELL_PADDING, TABLE_CHROME = 2, 4
MIN_TITLE = 24


def column_layout(width: int) -> tuple[tuple[str, int], ...]:
    """The queue's columns for a screen this wide, the title filling the rest."""
    for columns in (WIDE, NARROW):
        used = sum(w for _, w in columns) + CELL_PADDING * len(columns) + TABLE_CHROME
        if width - used >= MIN_TITLE or columns is NARROW:
            title = max(MIN_TITLE, width - used)
            return tuple((key, title if key == "title" else w) for key, w in columns)
    raise AssertionError("unreachable")


class LibraryScreen(ScreenBasics, Screen[None]):
    """Every article in a table; the keys in the footer act on the highlighted one."""

    TITLE = "Library"
    AUTO_FOCUS = "#queue"
    BINDINGS = [
        Binding("a", "add", "Add"),
        Binding("f", "fetch", "Fetch"),
        Binding("F", "fetch(True)", "Retry failed", show=False),
        Binding("r", "mark('read')", "Read"),
        Binding("u", "mark('unread')", "Unread"),
        Binding("x", "mark('archived')", "Archive"),
        Binding("t", "tag", "Tag"),
        Binding("d", "delete", "Delete"),
        Binding("left_square_bracket", "filter(-1)", "Prev filter", show=False),
        Binding("right_square_bracket", "filter(1)", "Next filter", show=False),
        Binding("ctrl+r", "reload", "Reload", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.articles: dict[int, Article] = {}
        self.status = "all"
        self.columns: tuple[tuple[str, int], ...] = ()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Tabs(*(Tab(name, id=f"filter-{name}") for name in FILTERS), id="filters")
        yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        yield Static("", id="queue-empty", markup=False)
        yield ActivityBar(id="activity")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#queue", DataTable).loading = True

    def on_screen_resume(self) -> None:
        self.reload()

    def on_resize(self) -> None:
        if self.columns and column_layout(self.size.width) != self.columns:
            self.reload()  # the rows are rebuilt with columns that fit

    # -- loading -------------------------------------------------------------------
    def reload(self) -> None:
        self.load_articles(self.status)

    @work(thread=True, exclusive=True, exit_on_error=False, group="list")
    def load_articles(self, status: str) -> None:
        fetch = status in ("queued", "failed")  # tabs for the fetch state beside the reading ones
        articles = self.services.library.list(
            state=None if fetch else status, fetch_state=status if fetch else None
        )
        self.post_message(ArticlesLoaded(status, articles))

    def on_articles_loaded(self, message: ArticlesLoaded) -> None:
        if message.status != self.status:
            return  # a filter changed while this listing was loading
        table = self.query_one("#queue", DataTable)
        current, row = self.current_id(), table.cursor_row
        layout = column_layout(self.size.width)
        table.clear(columns=layout != self.columns)
        if layout != self.columns:
            self.columns = layout
            for key, width in layout:
                table.add_column(key.capitalize(), width=width, key=key)
        self.articles = {a.id: a for a in message.articles}
        for article in message.articles:
            cells = queue_cells(article)
            table.add_row(*(cells[key] for key, _ in layout), key=str(article.id))
        table.loading = False
        # Stay on the same article; if it left this list, stay on the same line.
        if current in self.articles:
            table.move_cursor(row=table.get_row_index(str(current)))
        elif table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        empty = self.query_one("#queue-empty", Static)
        empty.display = not message.articles
        if not message.articles:
            empty.update(
                "Your library is empty: press a to add a URL or a file."
                if self.status == "all"
                else f"Nothing is {self.status}."
            )

    def current_id(self) -> int | None:
        table = self.query_one("#queue", DataTable)
        if not table.row_count:
            return None
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(row_key.value) if row_key.value is not None else None

    def current(self) -> Article | None:
        article_id = self.current_id()
        return self.articles.get(article_id) if article_id is not None else None

    # -- filters -------------------------------------------------------------------
    @on(Tabs.TabActivated, "#filters")
    def filter_changed(self, event: Tabs.TabActivated) -> None:
        status = (event.tab.id or "filter-all").removeprefix("filter-")
        if status != self.status:
            self.status = status
            self.query_one("#queue", DataTable).focus()
            self.reload()

    def action_filter(self, step: int) -> None:
        index = (FILTERS.index(self.status) + step) % len(FILTERS)
        self.query_one("#filters", Tabs).active = f"filter-{FILTERS[index]}"

    def action_reload(self) -> None:
        self.reload()

    # -- opening -------------------------------------------------------------------
    @on(DataTable.RowSelected, "#queue")
    def open_article(self, event: DataTable.RowSelected) -> None:
        from reader.tui.screens.reader import ArticleScreen

        if event.row_key.value is not None:
            self.app.push_screen(ArticleScreen(int(event.row_key.value)))

    # -- adding and fetching ---------------------------------------------------------
    def action_add(self) -> None:
        self.app.push_screen(AddArticles(), self.added)

    def added(self, ids: list[int] | None) -> None:
        if ids:
            self.fetch(ids=ids)

    def action_fetch(self, retry_failed: bool = False) -> None:
        self.fetch(retry_failed=retry_failed)

    @work(thread=True, exclusive=True, exit_on_error=False, group="fetch")
    def fetch(self, *, ids: list[int] | None = None, retry_failed: bool = False) -> None:
        """Fetch what is queued (only `ids` when given), then embed and index what arrived."""
        worker = get_current_worker()
        library = self.services.library
        self.post_message(WorkProgress("fetch", "fetching", 0))

        def report(p) -> None:
            self.post_message(WorkProgress("fetch", p.stage, p.done, p.total, p.message))

        result = library.fetch(
            retry_failed=retry_failed,
            ids=ids,
            progress=report,
            should_stop=lambda: worker.is_cancelled,
        )
        problems = [f"#{i} {url}: {error}" for i, url, error in result.failed]
        summary = result.summary() if (result.fetched or result.failed) else "nothing to fetch"
        if result.fetched and not worker.is_cancelled:
            self.post_message(WorkProgress("fetch", "indexing", 0))
            message = library.index_new(progress=report)
            if message:
                problems.append(message)
        self.post_message(WorkFinished("fetch", summary, problems))

    def on_work_progress(self, message: WorkProgress) -> None:
        self.query_one(ActivityBar).show(message)

    def on_work_finished(self, message: WorkFinished) -> None:
        if message.job == "fetch":
            self.query_one(ActivityBar).finish()
            self.notify(message.summary, title="Fetch")
            for problem in message.problems[:5]:
                self.notify(problem, severity="warning", timeout=8)
        self.reload()

    def worker_failed(self, worker: Worker) -> None:
        self.query_one("#queue", DataTable).loading = False
        if worker.group != "list":
            self.query_one(ActivityBar).finish()
            self.reload()

    # -- reading state -------------------------------------------------------------
    def action_mark(self, state: str) -> None:
        article = self.current()
        if article is not None:
            self.change(article.id, "mark", state)

    def action_tag(self) -> None:
        article = self.current()
        if article is None:
            return

        def tagged(text: str | None) -> None:
            if text:
                self.change(article.id, "tag", text)

        self.app.push_screen(
            TextPrompt(
                f"Tags for “{title_of(article)}”",
                placeholder="comma-separated",
                hint="a tag starting with - is removed, e.g. -later",
            ),
            tagged,
        )

    def action_delete(self) -> None:
        article = self.current()
        if article is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.change(article.id, "delete", "")

        extras = len(article.notes) + len(article.highlights)
        warning = f" Its {extras} notes and highlights go with it." if extras else ""
        self.app.push_screen(Confirm(f"Delete “{title_of(article)}”?{warning}"), confirmed)

    # Not exclusive: a newer change must not cancel an older one; each must land.
    @work(thread=True, exclusive=False, exit_on_error=False, group="change")
    def change(self, article_id: int, what: str, value: str) -> None:
        """Apply one change to one article through the library service, then reload."""
        library = self.services.library
        if what == "mark":
            library.mark(article_id, value)
        elif what == "tag":
            tags = [t.strip() for t in value.split(",") if t.strip()]
            add = [t for t in tags if not t.startswith("-")]
            remove = [t[1:] for t in tags if t.startswith("-") and len(t) > 1]
            if add:
                library.tag(article_id, add)
            if remove:
                library.tag(article_id, remove, remove=True)
        elif what == "delete":
            library.delete(article_id)
        self.post_message(WorkFinished("change", what))
