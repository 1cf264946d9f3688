"""The library: the queue as a table, paged from SQLite, filtered as you type, sorted by any column."""

from __future__ import annotations

from dataclasses import replace

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Header, Input, Static, Tab, Tabs
from textual.worker import Worker, get_current_worker

from reader.models import Article
from reader.services.library.browse import SHOWS, SORTS, LibraryPage, Listing
from reader.tui.messages import ListingCounted, PageLoaded, WorkFinished, WorkProgress
from reader.tui.screens.base import ScreenBasics
from reader.tui.screens.library_actions import LibraryActions
from reader.tui.screens.library_columns import column_layout
from reader.tui.screens.library_display import NEXT, LibraryDisplay
from reader.tui.screens.library_next import NextOrder
from reader.tui.widgets import ActivityBar, KeysFooter, QueueTable, StillTabs

FILTERS = tuple(SHOWS)
# Rows fetched per page; the next page loads when the cursor comes within MORE_AT of the end.
PAGE, MORE_AT = 80, 20
SORT_ORDER = ("added", "title", "site", "state", "reading_time", "progress", "theme", "id", "error",
              "next")


class LibraryScreen(LibraryActions, LibraryDisplay, NextOrder, ScreenBasics, Screen[None]):
    """Every article in a table; the keys act on the selected articles, else the highlighted one."""

    TITLE = "Library"
    AUTO_FOCUS = "#queue"
    BINDINGS = [
        Binding("a", "add", "Add"),
        Binding("f", "fetch", "Fetch"),
        Binding("F", "fetch(True)", "Retry failed fetches", show=False),
        Binding("slash", "filter_words", "Filter"),
        Binding("r", "mark('read')", "Read"),
        Binding("u", "mark('unread')", "Unread", show=False),
        Binding("x", "mark('archived')", "Archive", show=False),
        Binding("v", "select", "Select", tooltip="Select for a bulk action"),
        Binding("asterisk", "select_all", "Select all shown", show=False),
        Binding("t", "tag", "Tag", show=False),
        Binding("d", "delete", "Delete", show=False),
        Binding("s", "sort", "Sort"),
        Binding("S", "reverse", "Reverse the order", show=False),
        Binding("n", "sort('next')", "What to read next", show=False),
        Binding("left_square_bracket", "filter(-1)", "Previous state filter", show=False),
        Binding("right_square_bracket", "filter(1)", "Next state filter", show=False),
        Binding("E", "export", "Export the library", show=False),
        Binding("ctrl+r", "reload", "Reload", show=False),
        Binding("escape", "clear", "Clear selection and filter", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.articles: dict[int, Article] = {}
        self.themes: dict[int, tuple[int, str]] = {}
        self.order: list[int] = []
        self.selected: set[int] = set()
        self.listing = Listing()
        self.total: int | None = 0  # None while the listing is being counted
        self.more = False  # whether the listing goes on past the loaded rows
        self.loading_more = False
        self.columns: tuple[tuple[str, int], ...] = ()
        self.shown_listing: Listing | None = None  # the listing the table shows now
        # The `next` ranking (ids best first, id -> reason, what it left out), computed once.
        self.next_rank: tuple[list[int], dict[int, str], list[str]] | None = None

    @property
    def status(self) -> str:
        return self.listing.show

    def compose(self) -> ComposeResult:
        yield Header()
        yield StillTabs(*(Tab(name, id=f"filter-{name}") for name in FILTERS), id="filters")
        yield Input(placeholder="filter by title, site or URL (escape returns to the list)",
                    id="library-filter", compact=True)
        yield Static("", id="library-status", markup=False)
        yield Static("", id="next-reason", markup=False)
        yield QueueTable(id="queue", cursor_type="row", zebra_stripes=True)
        yield Static("", id="queue-empty", markup=False)
        yield ActivityBar(id="activity")
        yield KeysFooter(compact=True)

    def on_mount(self) -> None:
        from reader.services.library.browse import quick_first_page

        # The first rows in the first frame when reading them takes a few milliseconds; the
        # count and anything slower come from the worker that on_screen_resume starts.
        page = quick_first_page(self.services.ctx, self.listing, PAGE)
        if page is None:
            self.query_one("#queue", DataTable).loading = True
        else:
            self.on_page_loaded(PageLoaded(self.listing, page))

    def on_screen_resume(self) -> None:
        self.reload()

    def on_resize(self, event: events.Resize) -> None:
        # The event's size is the new one; the screen's own may not be updated yet.
        if self.columns and column_layout(event.size.width, self.id_digits()) != self.columns:
            self.redraw(width=event.size.width)

    # -- loading -------------------------------------------------------------------
    def reload(self) -> None:
        """Load the listing again from the top, keeping as many rows as are loaded now."""
        self.load_page(self.listing, 0, max(PAGE, len(self.order)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="list")
    def load_page(self, listing: Listing, offset: int, limit: int) -> None:
        """The first rows at once; the count of the whole listing (a scan) after them."""
        from reader.services.library.browse import browse, count_listing

        worker = get_current_worker()
        if listing.sort == NEXT:
            page = self.next_page(listing, offset, limit)
        else:
            page = browse(self.services.ctx, listing, offset=offset, limit=limit, count=False)
        if worker.is_cancelled or page is None:
            return
        self.post_message(PageLoaded(listing, page))
        if page.total < 0:
            total = count_listing(self.services.ctx, listing)
            if not worker.is_cancelled:
                self.post_message(ListingCounted(listing, total))

    def on_page_loaded(self, message: PageLoaded) -> None:
        if message.listing != self.listing:
            return  # the filter or order changed while this page was loading
        page: LibraryPage = message.page
        self.loading_more = False
        if page.offset == 0 and self.same_rows(page):
            # Another key, the same articles: nothing on the table to redraw.
            self.shown_listing = message.listing
            self.total = page.total if page.total >= 0 else None
            self.more = self.total is None or len(self.order) < self.total
            self.show_status()
            self.show_reason()
            return
        if page.offset == 0:
            current = self.current_id()
            row = self.query_one("#queue", DataTable).cursor_row
            self.articles, self.order, self.themes = {}, [], {}
            self.total = page.total if page.total >= 0 else None
        self.more = (len(self.order) + len(page.articles) < self.total if self.total is not None
                     else bool(page.articles))
        for article in page.articles:
            if article.id not in self.articles:
                self.order.append(article.id)
            self.articles[article.id] = article
        self.themes.update(page.top_themes)
        if page.offset == 0:
            self.selected &= set(self.articles)
        if page.offset == 0:
            self.shown_listing = message.listing
            self.redraw(keep=current, row=row)
        elif column_layout(self.size.width, self.id_digits()) != self.columns:
            self.redraw()  # a longer id than the column holds
        else:
            table = self.query_one("#queue", DataTable)
            for article in page.articles:
                if str(article.id) not in table.rows:
                    table.add_row(*self.cells(article), key=str(article.id))
            self.show_status()

    def same_rows(self, page: LibraryPage) -> bool:
        """Whether a first page shows exactly the rows loaded now, each as it is drawn."""
        if self.selected or not self.order or len(page.articles) != len(self.order) or not self.columns:
            return False
        return all(
            a.id == i and a == self.articles[i]
            and page.top_themes.get(a.id) == self.themes.get(a.id)
            for a, i in zip(page.articles, self.order, strict=True)
        )

    def on_listing_counted(self, message: ListingCounted) -> None:
        if message.listing == self.listing:
            self.total = message.total
            self.more = len(self.order) < message.total
            self.show_status()

    def redraw(self, keep: int | None = None, row: int = 0, width: int | None = None) -> None:
        """Rebuild the table from the loaded rows with columns that fit this width."""
        table = self.query_one("#queue", DataTable)
        if keep is None:
            keep, row = self.current_id(), table.cursor_row
        layout = column_layout(width or self.size.width or self.app.size.width, self.id_digits())
        table.clear(columns=layout != self.columns)
        if layout != self.columns:
            self.columns = layout
            for key, width in layout:
                table.add_column(self.header_label(key), width=width, key=key)
        else:
            self.label_columns()
        for article_id in self.order:
            table.add_row(*self.cells(self.articles[article_id]), key=str(article_id))
        table.loading = False
        # Stay on the same article; if it left this list, stay on the same line.
        if keep in self.articles:
            table.move_cursor(row=table.get_row_index(str(keep)))
        elif table.row_count:
            table.move_cursor(row=min(row, table.row_count - 1))
        self.show_status()
        self.show_reason()
        empty = self.query_one("#queue-empty", Static)
        empty.display = not self.order
        if not self.order:
            if self.listing.words:
                empty.update(f"Nothing matches “{self.listing.words}”. Escape clears the filter.")
            elif self.status == "all":
                empty.update("Your library is empty: press a to add a URL or a file.")
            else:
                empty.update(f"Nothing is {self.status}.")

    @on(DataTable.RowHighlighted, "#queue")
    def near_the_end(self, event: DataTable.RowHighlighted) -> None:
        table = event.data_table
        self.show_reason()
        if self.more and not self.loading_more and event.cursor_row >= table.row_count - MORE_AT:
            self.loading_more = True
            self.load_more(self.listing, len(self.order))

    @work(thread=True, exclusive=True, exit_on_error=False, group="more")
    def load_more(self, listing: Listing, offset: int) -> None:
        from reader.services.library.browse import browse

        if listing.sort == NEXT:
            page = self.next_page(listing, offset, PAGE)
        else:
            page = browse(self.services.ctx, listing, offset=offset, limit=PAGE)
        if page is not None:
            self.post_message(PageLoaded(listing, page))

    def current_id(self) -> int | None:
        table = self.query_one("#queue", DataTable)
        if not table.row_count:
            return None
        row_key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(row_key.value) if row_key.value is not None else None

    def current(self) -> Article | None:
        article_id = self.current_id()
        return self.articles.get(article_id) if article_id is not None else None

    def targets(self) -> list[Article]:
        """The selected articles, else the highlighted one."""
        if self.selected:
            return [self.articles[i] for i in self.order if i in self.selected]
        article = self.current()
        return [article] if article is not None else []

    # -- filters, sorting, selection --------------------------------------------------
    def relist(self, **changes) -> None:
        self.listing = replace(self.listing, **changes)
        self.load_page(self.listing, 0, PAGE)

    @on(Tabs.TabActivated, "#filters")
    def filter_changed(self, event: Tabs.TabActivated) -> None:
        status = (event.tab.id or "filter-all").removeprefix("filter-")
        if status != self.status:
            self.selected.clear()
            self.query_one("#queue", DataTable).focus()
            self.relist(show=status)

    def action_filter(self, step: int) -> None:
        index = (FILTERS.index(self.status) + step) % len(FILTERS)
        self.query_one("#filters", Tabs).active = f"filter-{FILTERS[index]}"

    def action_filter_words(self) -> None:
        # At once, not after a refresh (as focus() does): the keys typed right after / are
        # already queued and must land in the box. It is always shown for the same reason.
        self.set_focus(self.query_one("#library-filter", Input))

    @on(Input.Changed, "#library-filter")
    def words_changed(self, event: Input.Changed) -> None:
        if event.value.strip() != self.listing.words:
            self.relist(words=event.value.strip())

    @on(Input.Submitted, "#library-filter")
    def words_submitted(self) -> None:
        self.query_one("#queue", DataTable).focus()

    def on_key(self, event) -> None:
        box = self.query_one("#library-filter", Input)
        if event.key in ("escape", "down") and box.has_focus:
            event.stop()
            self.query_one("#queue", DataTable).focus()

    def action_clear(self) -> None:
        """Escape: clear the selection first, then the filter words."""
        if self.selected:
            self.selected.clear()
            self.redraw()
            return
        box = self.query_one("#library-filter", Input)
        if box.value:
            box.value = ""
        else:
            self.app.action_close_panel()  # type: ignore[attr-defined]

    def action_sort(self, key: str | None = None) -> None:
        if key is None:
            index = SORT_ORDER.index(self.listing.sort) if self.listing.sort in SORT_ORDER else -1
            key = SORT_ORDER[(index + 1) % len(SORT_ORDER)]
        descending = key in ("added", "reading_time", "progress", "id", "error", NEXT)
        self.relist(sort=key, descending=descending)
        self.label_columns()

    def action_reverse(self) -> None:
        if self.listing.sort == NEXT:
            self.notify("What to read next is always best first.", markup=False)
            return
        self.relist(descending=not self.listing.descending)
        self.label_columns()

    @on(DataTable.HeaderSelected, "#queue")
    def header_clicked(self, event: DataTable.HeaderSelected) -> None:
        key = str(event.column_key.value)
        key = "error" if key == "mark" else key
        if key in SORTS:
            if key == self.listing.sort:
                self.action_reverse()
            else:
                self.action_sort(key)

    def action_select(self) -> None:
        article_id = self.current_id()
        if article_id is None:
            return
        self.selected ^= {article_id}
        self.refresh_row(article_id)
        self.query_one("#queue", DataTable).action_cursor_down()
        self.show_status()

    def action_select_all(self) -> None:
        self.selected = set(self.order) if self.selected != set(self.order) else set()
        self.redraw()

    def refresh_row(self, article_id: int) -> None:
        table = self.query_one("#queue", DataTable)
        for (key, _), cell in zip(self.columns, self.cells(self.articles[article_id]), strict=True):
            table.update_cell(str(article_id), key, cell)

    def action_reload(self) -> None:
        self.next_rank = None
        self.reload()

    # -- opening -------------------------------------------------------------------
    @on(DataTable.RowSelected, "#queue")
    def open_article(self, event: DataTable.RowSelected) -> None:
        from reader.tui.screens.reader import ArticleScreen

        if event.row_key.value is not None:
            self.app.push_screen(ArticleScreen(int(event.row_key.value)))

    def on_work_progress(self, message: WorkProgress) -> None:
        self.query_one(ActivityBar).show(message)

    def on_work_finished(self, message: WorkFinished) -> None:
        from reader.textsafe import terminal_safe

        if message.job == "next":  # the ranking is done; its page follows from the same worker
            self.query_one(ActivityBar).finish()
            if message.failed:
                self.notify(terminal_safe(message.summary), title="What to read next",
                            severity="warning", markup=False)
                self.relist(sort="added", descending=True)
                self.label_columns()
            elif message.problems:  # what the ranking left out, and why
                self.notify(terminal_safe(" · ".join([message.summary, *message.problems])),
                            title="What to read next", timeout=10, markup=False)
            return
        self.next_rank = None  # fetched or changed articles: rank again when next asked
        if message.job in ("fetch", "export", "change"):
            self.query_one(ActivityBar).finish()
        if message.job in ("fetch", "export") or message.problems:
            self.notify(terminal_safe(message.summary), title=message.job.capitalize(),
                        severity="error" if message.failed else "information", markup=False)
        for problem in message.problems[:5]:
            self.notify(terminal_safe(problem), severity="warning", timeout=8, markup=False)
        self.reload()

    def worker_failed(self, worker: Worker) -> None:
        self.query_one("#queue", DataTable).loading = False
        self.loading_more = False
        if worker.group not in ("list", "more"):
            self.query_one(ActivityBar).finish()
            self.reload()
