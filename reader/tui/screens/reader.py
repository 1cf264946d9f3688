"""The reader: one article's text with its highlights drawn, notes beside it, progress kept.

A highlight is a passage of the text: select it with the mouse, or press v and grow the
selection a sentence at a time with j/k, then press h (or enter) to keep it.
"""

from __future__ import annotations

from contextlib import suppress

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Markdown, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerFailed

from reader.models import Article
from reader.tui.article_text import Paragraph, blocks, headings, quoted_and_code
from reader.tui.format import annotation_options, article_header, empty_body, reading_state
from reader.tui.messages import ArticleLoaded
from reader.tui.screens.base import ScreenBasics
from reader.tui.screens.modals import Confirm, TextPrompt
from reader.tui.widgets import KeysFooter, ResultList, TextScroll

# Wait this long after the last scroll before saving progress, so scrolling stays smooth.
PROGRESS_DELAY = 0.8
# Progress is the furthest point reached: smaller moves than this are not worth a write.
PROGRESS_STEP = 0.01
SELECTING_HINT = "Selecting: j/k longer or shorter · l/← move · h or enter keeps it · esc drops it"
# The notes panel shows by itself from this width; below it, `a` toggles it.
PANEL_WIDTH = 100


class ArticleScreen(ScreenBasics, Screen[None]):
    """Read one article. Escape goes back to wherever it was opened from."""

    TITLE = "Article"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("v", "select", "Select"),
        Binding("h", "highlight", "Highlight"),
        Binding("n", "note", "Note"),
        Binding("tab", "panel", "Notes"),
        Binding("e", "edit", "Edit note", show=False),
        Binding("d", "delete", "Delete note or highlight", show=False),
        Binding("m", "mark_read", "Mark read", show=False),
        # The screen keys work here too, but the footer keeps its room for reading keys.
        *(Binding(str(n), f"app.switch_mode('{mode}')", mode.capitalize(), show=False)
          for n, mode in enumerate(("library", "search", "themes", "digest"), 1)),
        # While selecting, these move the selection instead of the text.
        Binding("j,down", "grow(1)", "Longer selection", show=False, priority=True),
        Binding("k,up", "grow(-1)", "Shorter selection", show=False, priority=True),
        Binding("l,right", "shift(1)", "Selection forward", show=False, priority=True),
        Binding("left", "shift(-1)", "Selection back", show=False, priority=True),
        Binding("enter", "keep", "Keep the selection", show=False, priority=True),
    ]

    def __init__(self, article_id: int) -> None:
        super().__init__()
        self.article_id = article_id
        self.article: Article | None = None
        self.sentences: list[tuple[int, int]] = []
        self.selecting: tuple[int, int] | None = None  # first and last sentence index
        self._pending: float | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="article-header")
        yield Static(SELECTING_HINT, id="article-selecting", markup=False)
        with Horizontal(id="article-main"):
            yield TextScroll(id="article-body")
            yield ResultList(id="article-notes")
        yield KeysFooter(compact=True)

    def on_mount(self) -> None:
        body = self.query_one("#article-body", TextScroll)
        body.loading = True
        body.focus()
        self.watch(body, "scroll_y", self.scrolled, init=False)
        self.query_one("#article-notes").display = self.app.size.width >= PANEL_WIDTH
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="load")
    def load(self) -> None:
        self.post_message(ArticleLoaded(self.services.library.get(self.article_id)))

    async def on_article_loaded(self, message: ArticleLoaded) -> None:
        first = self.article is None
        self.article = article = message.article
        self.query_one("#article-header", Static).update(article_header(article))
        self.show_annotations()
        if not first:
            self.paint()
            return
        body = self.query_one("#article-body", TextScroll)
        text = article.text or ""
        if text.strip():
            kinds = quoted_and_code(article.markdown)
            await body.mount_all(
                Paragraph(text[a:b], a, heading=heading,
                          kind=kinds.get(" ".join(text[a:b].split()), ""))
                for a, b, heading in blocks(text, headings(article.markdown))
            )
            from reader.services.library.annotations import sentences

            self.sentences = sentences(text)
            self.paint()
        elif article.markdown and article.markdown.strip():
            await body.mount(Markdown(article.markdown))
        else:
            await body.mount(Static(empty_body(article), markup=False, id="article-empty"))
        body.loading = False
        if reading_state(article) == "reading" and article.progress:
            # Pick up where the reader stopped, once the text has been laid out.
            self.call_after_refresh(self.restore_position, article.progress)

    def restore_position(self, progress: float) -> None:
        body = self.query_one("#article-body", TextScroll)
        body.scroll_to(y=round(body.max_scroll_y * progress), animate=False)

    def show_annotations(self) -> None:
        panel = self.query_one("#article-notes", OptionList)
        keep = panel.highlighted
        panel.clear_options()
        if self.article is not None:
            panel.add_options(
                Option(prompt, id=key, disabled=key is None)
                for prompt, key in annotation_options(self.article)
            )
        if keep is not None and panel.option_count:
            panel.highlighted = min(keep, panel.option_count - 1)

    # -- drawing -------------------------------------------------------------------
    def selection_span(self) -> tuple[int, int] | None:
        if self.selecting is None:
            return None
        first, last = self.selecting
        return self.sentences[first][0], self.sentences[last][1]

    def paint(self) -> None:
        article = self.article
        spans = [
            (h.start_char, h.end_char)
            for h in (article.highlights if article else [])
            if h.start_char is not None and h.end_char is not None
        ]
        selection = self.selection_span()
        self.query_one("#article-selecting").display = selection is not None
        for paragraph in self.query(Paragraph):
            paragraph.paint(spans, selection)

    # -- progress ------------------------------------------------------------------
    def position(self) -> float | None:
        """How far the view has scrolled: 0 at the top, 1 when the end is in view."""
        body = self.query_one("#article-body", TextScroll)
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
        if self.selecting is not None:
            self.selecting = None
            self.paint()
            return
        panel = self.query_one("#article-notes", OptionList)
        if panel.has_focus:
            self.query_one("#article-body", TextScroll).focus()
            if self.app.size.width < PANEL_WIDTH:
                panel.display = False
            return
        worker = self.flush_progress()
        if worker is not None:
            # The list we go back to must show the saved state; a failure was already reported.
            with suppress(WorkerFailed):
                await worker.wait()
        self.dismiss()

    # -- selecting a passage ---------------------------------------------------------
    def first_visible_sentence(self) -> int:
        body = self.query_one("#article-body", TextScroll)
        top = body.scroll_y
        start = 0
        for paragraph in self.query(Paragraph):
            if paragraph.virtual_region.bottom > top:
                start = paragraph.start
                break
        for index, (a, _) in enumerate(self.sentences):
            if a >= start:
                return index
        return 0

    def action_select(self) -> None:
        """Start (or drop) a keyboard selection at the first sentence in view."""
        if not self.sentences:
            self.notify("There is no text to select.", severity="warning")
            return
        if self.selecting is not None:
            self.selecting = None
        else:
            index = self.first_visible_sentence()
            self.selecting = (index, index)
        self.paint()

    def help_leaves_out(self) -> set[str]:
        """Actions `?` does not list now: the selection's keys while nothing is selected."""
        return {"grow", "shift", "keep"} if self.selecting is None else set()

    def action_grow(self, step: int) -> None:
        if self.selecting is None:
            raise SkipAction()
        first, last = self.selecting
        last = min(max(first, last + step), len(self.sentences) - 1)
        self.selecting = (first, last)
        self.paint()
        self.scroll_to_offset(self.sentences[last][1])

    def action_shift(self, step: int) -> None:
        if self.selecting is None:
            raise SkipAction()
        first, last = self.selecting
        if first + step >= 0 and last + step < len(self.sentences):
            self.selecting = (first + step, last + step)
            self.paint()
            self.scroll_to_offset(self.sentences[last + step][1])

    def action_keep(self) -> None:
        if self.selecting is None:
            raise SkipAction()
        self.action_highlight()

    def scroll_to_offset(self, offset: int) -> None:
        for paragraph in self.query(Paragraph):
            if paragraph.start <= offset <= paragraph.end:
                paragraph.scroll_visible(animate=False)
                return

    def mouse_span(self) -> tuple[int, int] | None:
        """The text offsets a mouse selection covers, across paragraphs."""
        spans = [
            span
            for widget, selection in self.selections.items()
            if isinstance(widget, Paragraph) and (span := widget.selected_span(selection))
        ]
        if not spans:
            return None
        return min(a for a, _ in spans), max(b for _, b in spans)

    def action_highlight(self) -> None:
        """Keep the selected passage (keys or mouse); with nothing selected, start selecting."""
        span = self.selection_span() or self.mouse_span()
        if span is None:
            self.action_select()
            return
        self.selecting = None
        self.clear_selection()
        self.annotate("highlight", span)

    # -- notes, highlights, state ----------------------------------------------------
    def action_note(self) -> None:
        def noted(text: str | None) -> None:
            if text:
                self.annotate("note", text)

        self.app.push_screen(TextPrompt("Add a note", placeholder="your note"), noted)

    def action_panel(self) -> None:
        panel = self.query_one("#article-notes", OptionList)
        if panel.has_focus:
            self.query_one("#article-body", TextScroll).focus()
            return
        panel.display = True
        panel.focus()
        if panel.highlighted is None and panel.option_count:
            panel.action_first()

    def focused_annotation(self) -> tuple[str, int] | None:
        panel = self.query_one("#article-notes", OptionList)
        if not panel.has_focus or panel.highlighted is None:
            return None
        key = panel.get_option_at_index(panel.highlighted).id
        if not key:
            return None
        kind, _, number = key.partition("-")
        return kind, int(number)

    @on(OptionList.OptionSelected, "#article-notes")
    def go_to_annotation(self, event: OptionList.OptionSelected) -> None:
        kind, _, number = (event.option.id or "").partition("-")
        if kind == "highlight" and self.article is not None:
            for h in self.article.highlights:
                if h.id == int(number) and h.start_char is not None:
                    self.scroll_to_offset(h.start_char)

    def action_edit(self) -> None:
        found = self.focused_annotation()
        if found is None or self.article is None:
            self.notify("Press tab, pick a note or highlight, then e.", severity="warning")
            return
        kind, number = found
        if kind == "note":
            current = next(n.text for n in self.article.notes if n.id == number)
            title = "Edit the note"
        else:
            current = next(h.note for h in self.article.highlights if h.id == number)
            title = "Note on this highlight"

        def edited(text: str | None) -> None:
            if text is not None:
                self.annotate(f"edit-{kind}", (number, text))

        self.app.push_screen(TextPrompt(title, value=current, allow_empty=kind == "highlight"),
                             edited)

    def action_delete(self) -> None:
        found = self.focused_annotation()
        if found is None:
            self.notify("Press tab, pick a note or highlight, then d.", severity="warning")
            return
        kind, number = found

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.annotate(f"delete-{kind}", number)

        self.app.push_screen(Confirm(f"Delete this {kind}?"), confirmed)

    def action_mark_read(self) -> None:
        self.annotate("mark", "read")

    @work(thread=True, exclusive=False, exit_on_error=False, group="annotate")
    def annotate(self, what: str, value) -> None:
        from reader.services.library.annotations import Annotations

        library = self.services.library
        notes = Annotations(self.services.ctx)
        if what == "note":
            article = library.note(self.article_id, value)
        elif what == "highlight":
            article = notes.highlight(self.article_id, *value)
        elif what == "edit-note":
            article = notes.edit_note(*value)
        elif what == "edit-highlight":
            article = notes.edit_highlight(value[0], note=value[1])
        elif what == "delete-note":
            article = notes.delete_note(value)
        elif what == "delete-highlight":
            article = notes.delete_highlight(value)
        else:
            article = library.mark(self.article_id, value)
        self.post_message(ArticleLoaded(article))

    def worker_failed(self, worker: Worker) -> None:
        self.query_one("#article-body", TextScroll).loading = False
