"""The digest: this period's newsletter draft as Markdown, and the digests saved before."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Header, Markdown, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from reader.errors import NotEnoughData
from reader.textsafe import terminal_safe
from reader.tui.messages import DigestShown, DigestsListed
from reader.tui.screens.base import ScreenBasics

DRAFT = "draft"


class DigestScreen(ScreenBasics, Screen[None]):
    """A fresh draft (not saved until you press s) beside the list of saved digests."""

    TITLE = "Digest"
    AUTO_FOCUS = "#digest-list"
    BINDINGS = [
        Binding("s", "save", "Save draft"),
        Binding("c", "copy", "Copy Markdown"),
        Binding("ctrl+r", "redraft", "Redraft"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.shown: DigestShown | None = None
        self.draft: DigestShown | None = None
        self.draft_error: str | None = None
        self.records: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="digest-main"):
            yield OptionList(Option("New draft", id=DRAFT), id="digest-list")
            with Vertical(id="digest-pane"):
                yield Static("", id="digest-status")
                with VerticalScroll(id="digest-body"):
                    yield Markdown(id="digest-markdown")
        yield Footer()

    def on_mount(self) -> None:
        self.list_saved()
        self.action_redraft()

    # -- workers -------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="digest-list")
    def list_saved(self) -> None:
        self.post_message(DigestsListed(self.services.digest.list()))

    @work(thread=True, exclusive=True, exit_on_error=False, group="digest")
    def make_draft(self) -> None:
        """Draft without saving, so opening this screen never uses up the window."""
        try:
            draft = self.services.digest.draft(save=False)
        except NotEnoughData as exc:
            self.post_message(DigestShown("", error=str(exc)))
            return
        window = draft.data["window"]
        self.post_message(
            DigestShown(draft.text, window=(window["since"], window["until"]), notes=draft.notes)
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="digest")
    def save_draft(self, since: str, until: str) -> None:
        saved = self.services.digest.draft(since, until, save=True)
        window = saved.data["window"]
        self.post_message(
            DigestShown(saved.text, saved.id, (window["since"], window["until"]), saved.notes)
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="digest")
    def show_saved(self, digest_id: int) -> None:
        record = self.services.digest.get(digest_id)
        self.post_message(
            DigestShown(record.text, record.id, (record.window_start, record.window_end))
        )

    # -- presentation --------------------------------------------------------------
    def busy(self, text: str) -> None:
        self.query_one("#digest-status", Static).update(Content.styled(text, "italic"))
        self.query_one("#digest-body").loading = True

    async def on_digest_shown(self, message: DigestShown) -> None:
        self.query_one("#digest-body").loading = False
        status = self.query_one("#digest-status", Static)
        markdown = self.query_one("#digest-markdown", Markdown)
        if message.error:
            self.shown, self.draft_error = None, message.error
            status.update(Content(terminal_safe(message.error)))
            await markdown.update("")
            self.show_latest_instead()
            return
        self.shown = message
        lines = []
        if message.digest_id is None:
            self.draft, self.draft_error = message, None
            lines.append("Draft, not saved: press s to save it, c to copy the Markdown.")
        else:
            if self.draft_error:
                lines.append(f"No new draft: {self.draft_error}. The last saved digest:")
            lines.append(f"Saved digest #{message.digest_id}: press c to copy the Markdown.")
            if self.draft and self.draft.window == message.window:
                self.draft = None  # that draft is saved now
                self.list_saved()
        lines += message.notes
        status.update(Content(terminal_safe("\n".join(lines))))
        await markdown.update(terminal_safe(message.markdown))

    def show_latest_instead(self) -> None:
        """With nothing new to draft, show the newest saved digest rather than an empty page."""
        if self.draft_error and self.shown is None and self.records:
            self.busy("Loading the last saved digest…")
            self.show_saved(self.records[0].id)

    def on_digests_listed(self, message: DigestsListed) -> None:
        self.records = message.records
        self.show_latest_instead()
        options = self.query_one("#digest-list", OptionList)
        options.clear_options()
        options.add_option(Option("New draft", id=DRAFT))
        for record in message.records:
            prompt = Content.from_markup(
                "#$id $subject\n[dim]saved $when[/dim]",
                id=record.id,
                subject=terminal_safe(record.subject, single_line=True),
                when=record.created_at[:10],
            )
            options.add_option(Option(prompt, id=str(record.id)))
        options.highlighted = 0

    @on(OptionList.OptionSelected, "#digest-list")
    def selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == DRAFT:
            self.draft_error = None
            self.action_redraft()
        elif event.option.id:
            self.busy("Loading…")
            self.show_saved(int(event.option.id))

    # -- actions -------------------------------------------------------------------
    def action_redraft(self) -> None:
        self.busy("Drafting… (the first draft loads the summary model)")
        self.make_draft()

    def action_save(self) -> None:
        if self.shown is None or self.shown.digest_id is not None or self.shown.window is None:
            self.notify("Show a new draft first (enter on New draft).", severity="warning")
            return
        self.busy("Saving…")
        self.save_draft(*self.shown.window)

    def action_copy(self) -> None:
        if self.shown is None:
            self.notify("Nothing to copy yet.", severity="warning")
            return
        self.app.copy_to_clipboard(self.shown.markdown)
        self.notify("Markdown copied to the clipboard.")

    def worker_failed(self, worker: Worker) -> None:
        self.query_one("#digest-body").loading = False
        self.query_one("#digest-status", Static).update("")
