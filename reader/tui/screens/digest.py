"""The digest: choose a window, preview the draft, save it; open, edit and delete saved ones."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Markdown, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from reader.errors import NotEnoughData
from reader.textsafe import terminal_safe
from reader.tui.format import day
from reader.tui.messages import DigestShown, DigestsListed
from reader.tui.screens.base import ScreenBasics
from reader.tui.screens.modals import Confirm, TextPrompt
from reader.tui.widgets import KeysFooter

# The windows a new draft can cover: option id -> (label, --since value).
WINDOWS = {
    "draft:last": ("New: since the last digest", None),
    "draft:7d": ("New: the last 7 days", "7d"),
    "draft:30d": ("New: the last 30 days", "30d"),
    "draft:dates": ("New: between dates…", "dates"),
}
DRAFT = "draft:last"  # the window a fresh screen drafts


@dataclass
class DraftRefused(Message):
    """Saving was refused: the window overlaps a saved digest."""

    message: str
    new_since: str | None


class DigestScreen(ScreenBasics, Screen[None]):
    """A preview of the chosen window (saved only when you press s) beside the saved digests."""

    TITLE = "Digest"
    AUTO_FOCUS = "#digest-list"
    BINDINGS = [
        Binding("s", "save", "Save"),
        Binding("c", "copy", "Copy"),
        Binding("e", "edit", "Edit"),
        Binding("d", "delete", "Delete"),
        Binding("n", "new_since", "New since", show=False),
        Binding("A", "save_anyway", "Save anyway", show=False),
        Binding("ctrl+r", "redraft", "Redraft"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.shown: DigestShown | None = None
        self.draft: DigestShown | None = None
        self.draft_error: str | None = None
        self.records: list = []
        self.window: tuple[str | None, str | None] = (None, None)
        self.new_since: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="digest-main"):
            yield OptionList(*self._window_options(), id="digest-list")
            with Vertical(id="digest-pane"):
                yield Static("", id="digest-status")
                with VerticalScroll(id="digest-body"):
                    yield Markdown(id="digest-markdown")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.list_saved()
        self.action_redraft()

    @staticmethod
    def _window_options() -> list[Option]:
        return [Option(label, id=key) for key, (label, _since) in WINDOWS.items()]

    # -- workers -------------------------------------------------------------------
    @work(thread=True, exclusive=True, exit_on_error=False, group="digest-list")
    def list_saved(self) -> None:
        self.post_message(DigestsListed(self.services.digest.list()))

    @work(thread=True, exclusive=True, exit_on_error=False, group="digest")
    def make_draft(self, since: str | None, until: str | None) -> None:
        """A preview: drafting never saves, so opening this screen never uses up a window."""
        try:
            draft = self.services.digest.draft(since, until)
        except NotEnoughData as exc:
            self.post_message(DigestShown("", error=str(exc)))
            return
        window = draft.data["window"]
        self.new_since = draft.new_since
        self.post_message(
            DigestShown(draft.text, window=(window["since"], window["until"]), notes=draft.notes)
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="digest")
    def save_draft(self, since: str, until: str, allow_overlap: bool = False) -> None:
        from reader.services.digest.service import DigestOverlap

        try:
            saved = self.services.digest.draft(since, until, save=True, allow_overlap=allow_overlap)
        except DigestOverlap as exc:
            self.post_message(DraftRefused(str(exc), exc.new_since))
            return
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

    @work(thread=True, exclusive=True, exit_on_error=False, group="digest")
    def save_edit(self, digest_id: int, text: str) -> None:
        record = self.services.digest.update_text(digest_id, text)
        self.post_message(
            DigestShown(record.text, record.id, (record.window_start, record.window_end))
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="digest")
    def delete_saved(self, digest_id: int) -> None:
        self.services.digest.delete(digest_id)
        self.shown = None
        self.post_message(DigestShown("", error=f"Deleted digest #{digest_id}."))
        self.list_saved()

    # -- presentation --------------------------------------------------------------
    def busy(self, text: str) -> None:
        self.query_one("#digest-status", Static).update(Content.styled(text, "italic"))
        self.query_one("#digest-body").loading = True

    def status(self, lines: list[str]) -> None:
        # Article titles can reach these lines: plain Content, never markup.
        self.query_one("#digest-status", Static).update(Content(terminal_safe("\n".join(lines))))

    async def on_digest_shown(self, message: DigestShown) -> None:
        self.query_one("#digest-body").loading = False
        markdown = self.query_one("#digest-markdown", Markdown)
        if message.error:
            self.shown, self.draft_error = None, message.error
            self.status([message.error, "Choose another window on the left, or a saved digest."])
            await markdown.update("")
            self.show_latest_instead()
            return
        self.shown = message
        lines = []
        if message.digest_id is None:
            self.draft, self.draft_error = message, None
            lines.append("Preview, not saved: s saves it, c copies the Markdown.")
        else:
            if self.draft_error:
                lines.append(f"{self.draft_error} The last saved digest:")
            lines.append(f"Saved digest #{message.digest_id}: e edits, d deletes, c copies.")
            if self.draft and self.draft.window == message.window:
                self.draft = None  # that preview is saved now
                self.list_saved()
        lines += message.notes
        self.status(lines)
        await markdown.update(terminal_safe(message.markdown))

    def on_draft_refused(self, message: DraftRefused) -> None:
        self.query_one("#digest-body").loading = False
        self.new_since = message.new_since
        hint = "n drafts only what is new since it; " if message.new_since else ""
        self.status([message.message.split(". To keep")[0] + ".", f"{hint}A saves it anyway."])

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
        options.add_options(self._window_options())
        for record in message.records:
            dates = record.data.get("window", {}).get("label") or record.subject
            prompt = Content.assemble(
                (f"#{record.id} ", "bold"),
                terminal_safe(dates, single_line=True),
                ("\n", ""),
                (f"{len(record.article_ids)} read · saved {day(record.created_at, year=True)}", "dim"),
            )
            options.add_option(Option(prompt, id=str(record.id)))
        options.highlighted = 0

    @on(OptionList.OptionSelected, "#digest-list")
    def selected(self, event: OptionList.OptionSelected) -> None:
        key = event.option.id or ""
        if key == "draft:dates":
            self.app.push_screen(
                TextPrompt(
                    "Draft between which dates?",
                    placeholder="2026-11-01 2026-11-15",
                    hint="From and to (the last day included); leave out the second for now.",
                ),
                self._dates_chosen,
            )
        elif key in WINDOWS:
            self.window = (WINDOWS[key][1], None)
            self.draft_error = None
            self.action_redraft()
        elif key:
            self.busy("Loading…")
            self.show_saved(int(key))

    def _dates_chosen(self, value: str | None) -> None:
        if not value:
            return
        parts = value.split()
        self.window = (parts[0], parts[1] if len(parts) > 1 else None)
        self.draft_error = None
        self.action_redraft()

    # -- actions -------------------------------------------------------------------
    def action_redraft(self) -> None:
        self.busy("Drafting… (the first draft loads the summary model)")
        self.make_draft(*self.window)

    def action_save(self, allow_overlap: bool = False) -> None:
        if self.shown is None or self.shown.digest_id is not None or self.shown.window is None:
            self.notify("Choose a new draft on the left first.", severity="warning")
            return
        self.busy("Saving…")
        self.save_draft(*self.shown.window, allow_overlap=allow_overlap)

    def action_save_anyway(self) -> None:
        self.action_save(allow_overlap=True)

    def action_new_since(self) -> None:
        if self.new_since is None:
            return
        self.window = (self.new_since, None)
        self.action_redraft()

    def action_copy(self) -> None:
        if self.shown is None:
            self.notify("Nothing to copy yet.", severity="warning")
            return
        self.app.copy_to_clipboard(self.shown.markdown)
        self.notify("Markdown copied to the clipboard.")

    def action_edit(self) -> None:
        """Edit a saved digest in $EDITOR (the terminal is handed over while it runs)."""
        if self.shown is None or self.shown.digest_id is None:
            self.notify("Save the draft first (s), then edit it.", severity="warning")
            return
        import click

        digest_id = self.shown.digest_id
        with self.app.suspend():
            edited = click.edit(self.shown.markdown, extension=".md")
        if edited is None or edited == self.shown.markdown:
            self.notify("No changes.")
            return
        self.busy("Saving your edit…")
        self.save_edit(digest_id, edited)

    def action_delete(self) -> None:
        if self.shown is None or self.shown.digest_id is None:
            self.notify("Open a saved digest on the left to delete it.", severity="warning")
            return
        digest_id = self.shown.digest_id

        def answered(yes: bool | None) -> None:
            if yes:
                self.busy("Deleting…")
                self.delete_saved(digest_id)

        self.app.push_screen(Confirm(f"Delete saved digest #{digest_id}?"), answered)

    def worker_failed(self, worker: Worker) -> None:
        self.query_one("#digest-body").loading = False
        self.query_one("#digest-status", Static).update("")
