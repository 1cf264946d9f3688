"""What the library's keys do to articles: add, fetch, export, mark, tag, delete.

A part of LibraryScreen (it reads the screen's selection and services); each slow job runs in
a worker and reports with WorkProgress and WorkFinished, which the screen shows.
"""

from __future__ import annotations

from textual import work
from textual.worker import get_current_worker

from reader.tui.format import title_of
from reader.tui.messages import WorkFinished, WorkProgress
from reader.tui.screens.modals import AddArticles, Confirm, TextPrompt


class LibraryActions:
    """The library screen's actions on the selected articles, else the highlighted one."""

    # -- adding, fetching, exporting ---------------------------------------------------
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

    def action_export(self) -> None:
        def chosen(path: str | None) -> None:
            if path:
                self.export(path.strip())

        self.app.push_screen(
            TextPrompt("Export the library to", placeholder="~/reader-export.jsonl",
                       hint="a name ending in .md writes Markdown; anything else JSONL"),
            chosen,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def export(self, path: str) -> None:
        from pathlib import Path

        target = Path(path).expanduser()
        kind = "markdown" if target.suffix.lower() in (".md", ".markdown") else "jsonl"
        with target.open("w", encoding="utf-8") as out:
            count = self.services.library.export(out, format=kind)
        self.post_message(WorkFinished("export", f"exported {count} articles to {target}"))

    # -- reading state -------------------------------------------------------------
    def action_mark(self, state: str) -> None:
        targets = self.targets()
        if targets:
            self.change([a.id for a in targets], "mark", state)

    def action_tag(self) -> None:
        targets = self.targets()
        if not targets:
            return

        def tagged(text: str | None) -> None:
            if text:
                self.change([a.id for a in targets], "tag", text)

        what = _naming(targets)
        self.app.push_screen(
            TextPrompt(f"Tags for {what}", placeholder="comma-separated",
                       hint="a tag starting with - is removed, e.g. -later"),
            tagged,
        )

    def action_delete(self) -> None:
        targets = self.targets()
        if not targets:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.change([a.id for a in targets], "delete", "")

        extras = sum(len(a.notes) + len(a.highlights) for a in targets)
        warning = f" Their {extras} notes and highlights go with them." if extras else ""
        what = _naming(targets)
        self.app.push_screen(Confirm(f"Delete {what}?{warning}"), confirmed)

    # Not exclusive: a newer change must not cancel an older one; each must land.
    @work(thread=True, exclusive=False, exit_on_error=False, group="change")
    def change(self, article_ids: list[int], what: str, value: str) -> None:
        """Apply one change to each article through the library service; one failure skips one."""
        from reader.errors import ReaderError

        library = self.services.library
        problems = []
        for article_id in article_ids:
            try:
                self.change_one(library, article_id, what, value)
            except ReaderError as exc:
                problems.append(f"#{article_id}: {exc}")
        done = len(article_ids) - len(problems)
        summary = f"{what}: {done} of {len(article_ids)} done"
        self.post_message(WorkFinished("change", summary, problems, failed=bool(problems)))

    @staticmethod
    def change_one(library, article_id: int, what: str, value: str) -> None:
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


def _naming(targets: list) -> str:
    """How a prompt names the articles it acts on: one by its title, several by their count."""
    return f"“{title_of(targets[0])}”" if len(targets) == 1 else f"{len(targets)} articles"
