"""The library in `next` order: unread articles ranked by `reader next`, and why each is there.

A part of LibraryScreen (it reads the screen's listing and loaded rows).
"""

from __future__ import annotations

from textual.widgets import Static

from reader.services.library.browse import LibraryPage, Listing
from reader.tui.messages import WorkFinished, WorkProgress
from reader.tui.screens.library_display import NEXT


class NextOrder:
    """Pages in `next` order (the ranking computed once, in a worker) and the reason line."""

    def next_page(self, listing: Listing, offset: int, limit: int) -> LibraryPage | None:
        """(In a worker.) A page in `next` order; the ranking is computed on first use."""
        from reader.errors import ReaderError
        from reader.services.library.ordered import browse_in_order

        if self.next_rank is None:
            from reader.services.themes.next import rank_next

            self.post_message(WorkProgress("next", "ranking what to read next", 0))
            try:
                result = rank_next(self.services.ctx, limit=None)
            except ReaderError as exc:
                self.post_message(WorkFinished("next", f"no ranking yet: {exc}", failed=True))
                return None
            self.next_rank = ([i.id for i in result.items], {i.id: i.reason for i in result.items},
                              list(result.notes))
            self.post_message(WorkFinished("next", f"{len(result.items)} unread articles ranked",
                                           list(result.notes)))
        return browse_in_order(self.services.ctx, listing, self.next_rank[0], offset=offset,
                               limit=limit)

    def show_reason(self) -> None:
        """In `next` order, one line under the status: why the highlighted article is where it is."""
        line = self.query_one("#next-reason", Static)
        line.display = self.listing.sort == NEXT
        if not line.display:
            return
        article_id = self.current_id()
        reasons, notes = (self.next_rank[1], self.next_rank[2]) if self.next_rank else ({}, [])
        article = self.articles.get(article_id) if article_id is not None else None
        if article is None:
            text = "Ranking what to read next…" if self.next_rank is None else ""
        elif article.id in reasons:
            text = f"Next because: {reasons[article.id]}"
        elif article.state == "unread" and notes:
            text = f"Not ranked: {notes[0]}"
        else:
            text = "Not ranked: only unread articles are (they come first)."
        from reader.textsafe import terminal_safe

        line.update(terminal_safe(text, single_line=True), layout=False)
