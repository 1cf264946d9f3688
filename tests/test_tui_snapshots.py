"""Every screen of the reading UI at 80x24 and 120x40, compared with the committed SVG snapshots.

Update them after a deliberate change with `pytest tests/test_tui_snapshots.py --snapshot-update`
and look at the SVGs (tests/__snapshots__/test_tui_snapshots/) before committing them.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from reader.services.library.annotations import Annotations
from reader.storage.articles import ArticleStore
from reader.tui.app import make_app
from tests.test_tui import settle

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}

PARAGRAPHS = [
    "Hedgerows are the oldest managed habitat in many farmed landscapes. A single kilometre "
    "of mixed hawthorn and blackthorn can shelter dozens of bird species.",
    "Laying a hedge means cutting each stem almost through and bending it along the line, so "
    "the hedge thickens from the base instead of thinning into a row of small trees.",
    "Done every ten or fifteen years, laying keeps a hedge stock-proof without wire. Left "
    "alone, a hedge grows up and out and opens at the bottom, and the birds that nest low "
    "move on.",
] * 3

ARTICLES = [
    # title, site, state, fetch state, progress, words, added, error
    ("Why hedgerows matter, and what a kilometre of hawthorn shelters through the winter",
     "field-notes.example", "reading", "fetched", 0.4, 1800, "2026-11-28T09:00:00Z", None),
    ("How a kettle knows to stop", "kitchen.example", "unread", "fetched", 0.0, 420,
     "2026-11-30T18:30:00Z", None),
    ("A long walk along the coast", "walks.example", "read", "fetched", 1.0, 5200,
     "2026-11-12T07:15:00Z", None),
    ("Loose leaf tea", "tea.example", "archived", "fetched", 0.0, 300,
     "2026-10-02T10:00:00Z", None),
    ("A page that would not load", "broken.example", "unread", "failed", 0.0, 0,
     "2026-12-01T12:00:00Z", "HTTP 503 from broken.example"),
    (None, None, "unread", "queued", 0.0, 0, "2026-12-02T08:00:00Z", None),
]


@pytest.fixture
def fixed_library(ctx):
    """A library whose every shown value is fixed: titles, dates, states, a note, a highlight."""
    store = ArticleStore(ctx.db)
    ids = []
    for n, (title, site, state, fetch, progress, words, added, error) in enumerate(ARTICLES):
        text = "\n\n".join(PARAGRAPHS) if fetch == "fetched" else None
        ids.append(store.insert(
            url=f"https://{site or 'later.example'}/{n}", canonical_url=f"https://{site or 'later.example'}/{n}",
            title=title, site=site, state=state, fetch_state=fetch, progress=progress,
            word_count=words, added_at=added, fetch_error=error, text=text,
            markdown=None,
        ))
    store.add_note(ids[0], "Ask the farmer when it was last laid.", "2026-11-29T10:00:00Z")
    Annotations(ctx).highlight_passage(ids[0], "A single kilometre of mixed hawthorn and blackthorn")
    return ids


def still(app):
    """Before the screenshot: a fixed subtitle and no blinking cursors."""
    app.sub_title = "~/reader"
    for box in app.screen.query(Input):
        box.cursor_blink = False


def scenario(*keys: str):
    async def run(pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        still(pilot.app)
        await pilot.pause()

    return run


SCENARIOS = {
    "library": (),
    "library_filtered": ("slash", "h", "e", "d", "g", "e"),
    "library_selected": ("v", "v", "s"),
    "help": ("question_mark",),
    # The fourth row is the article being read, with a note and a highlight.
    "article": ("j", "j", "j", "enter"),
    "article_selecting": ("j", "j", "j", "enter", "v", "j", "j"),
    "article_notes": ("j", "j", "j", "enter", "tab"),
    "add_dialog": ("a",),
    "delete_dialog": ("v", "v", "d"),
    "search_empty": ("2",),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", SCENARIOS)
def test_screen(snap_compare, ctx, fixed_library, name, size):
    app = make_app(ctx)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=scenario(*SCENARIOS[name]))
