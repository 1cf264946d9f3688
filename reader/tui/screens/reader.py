"""The reader: one article's text, its notes and highlights, and progress saved as you scroll."""

from __future__ import annotations

from contextlib import suppress

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Markdown, Static
from textual.worker import Worker, WorkerFailed

from reader.models import Article
from reader.tui.format import annotations, article_header, body_markdown, empty_body
from reader.tui.messages import ArticleLoaded
from reader.tui.screens.base import ScreenBasics
from reader.tui.screens.modals import TextPrompt

# Wait this long after the last scroll before saving progress, so scrolling stays smooth.
PROGRESS_DELAY = 0.8
# Progress is the furthest point reached: smaller moves than this are not worth a write.
PROGRESS_STEP = 0.01


class ArticleScreen(ScreenBasics, Screen[None]):
    """Read one article. Escape goes back to wherever it was opened from."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("n", "note", "Note"),
        Binding("h", "highlight", "Highlight"),
        Binding("m", "mark_read", "Mark read"),
    ]

    def __init__(self, article_id: int) -> None:
        super().__init__()
        self.article_id = article_id
        self.article: Article | None = None
        self._pending: float | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="article-header")
        with Horizontal(id="article-main"):
            with VerticalScroll(id="article-body"):
                yield Markdown(id="article-markdown")
                yield Static("", id="article-text", markup=False)
            yield Static("", id="article-notes")
        yield Footer()

    def on_mount(self) -> None:
        body = self.query_one("#article-body", VerticalScroll)
        body.loading = True
        body.focus()
        self.watch(body, "scroll_y", self.scrolled, init=False)
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def load(self) -> None:
        self.post_message(ArticleLoaded(self.services.library.get(self.article_id)))

    async def on_article_loaded(self, message: ArticleLoaded) -> None:
        first = self.article is None
        self.article = article = message.article
        self.query_one("#article-header", Static).update(article_header(article))
        self.query_one("#article-notes", Static).update(annotations(article))
        if not first:
            return
        body = self.query_one("#article-body", VerticalScroll)
        markdown = body_markdown(article)
        text_view = self.query_one("#article-text", Static)
        if markdown:
            await self.query_one("#article-markdown", Markdown).update(markdown)
            text_view.display = False
        else:
            text_view.update(article.text or empty_body(article))
        body.loading = False
        if article.state == "reading" and article.progress:
            # Pick up where the reader stopped, once the text has been laid out.
            self.call_after_refresh(self.restore_position, article.progress)

    def restore_position(self, progress: float) -> None:
        body = self.query_one("#article-body", VerticalScroll)
        body.scroll_to(y=round(body.max_scroll_y * progress), animate=False)

    # -- progress ------------------------------------------------------------------
    def position(self) -> float | None:
        """How far the view has scrolled: 0 at the top, 1 when the end is in view."""
        body = self.query_one("#article-body", VerticalScroll)
        if body.max_scroll_y <= 0:
            return None  # everything fits: scrolling says nothing about reading
        return min(1.0, body.scroll_y / body.max_scroll_y)

    def scrolled(self, _old: float, _new: float) -> None:
        position = self.position()
        if self.article is None or position is None:
            return
        reached_end = position >= 1.0 > self.article.progress
        if position - self.article.progress < PROGRESS_STEP and not reached_end:
            return
        self._pending = position
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(PROGRESS_DELAY, self.flush_progress)

    def flush_progress(self) -> Worker | None:
        """Save the furthest position reached, if it moved; returns the saving worker."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._pending is None:
            return None
        progress, self._pending = self._pending, None
        if self.article is not None:
            self.article.progress = progress
        return self.save_progress(progress)

    @work(thread=True, exclusive=True, exit_on_error=False, group="progress")
    def save_progress(self, progress: float) -> None:
        self.post_message(
            ArticleLoaded(self.services.library.set_progress(self.article_id, progress))
        )

    async def action_back(self) -> None:
        worker = self.flush_progress()
        if worker is not None:
            # The list we go back to must show the saved state; a failure was already reported.
            with suppress(WorkerFailed):
                await worker.wait()
        self.dismiss()

    # -- notes, highlights, state ----------------------------------------------------
    def action_note(self) -> None:
        def noted(text: str | None) -> None:
            if text:
                self.annotate("note", text)

        self.app.push_screen(TextPrompt("Add a note", placeholder="your note"), noted)

    def action_highlight(self) -> None:
        def highlighted(text: str | None) -> None:
            if text:
                self.annotate("highlight", text)

        self.app.push_screen(
            TextPrompt("Add a highlight", placeholder="the passage to keep (paste or type it)"),
            highlighted,
        )

    def action_mark_read(self) -> None:
        self.annotate("mark", "read")

    @work(thread=True, exclusive=False, exit_on_error=False, group="annotate")
    def annotate(self, what: str, value: str) -> None:
        library = self.services.library
        if what == "note":
            article = library.note(self.article_id, value)
        elif what == "highlight":
            article = library.highlight(self.article_id, value)
        else:
            article = library.mark(self.article_id, value)
        self.post_message(ArticleLoaded(article))

    def worker_failed(self, worker: Worker) -> None:
        self.query_one("#article-body", VerticalScroll).loading = False
