"""The terminal UI driven like a person would, over a real library in a temporary folder."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Markdown, OptionList, Sparkline, Static

from reader.services.library.service import LibraryService
from reader.storage.articles import ArticleStore
from reader.tui.app import ReaderApp, make_app
from reader.tui.article_text import Paragraph
from reader.tui.format import day
from reader.tui.screens.digest import DigestScreen
from reader.tui.screens.library import LibraryScreen
from reader.tui.screens.modals import AddArticles, Confirm, TextPrompt
from reader.tui.screens.reader import ArticleScreen
from reader.tui.screens.search import SearchScreen
from reader.tui.screens.themes import ThemeItem, ThemesScreen

SIZE = (120, 36)
ROOT = Path(__file__).resolve().parents[1]

HEDGES = """# Why hedgerows matter

Hedgerows are the oldest managed habitat in many farmed landscapes. A single
kilometre of mixed hawthorn and blackthorn can shelter dozens of bird species.

## Laying a hedge

Laying means cutting each stem almost through and bending it along the line, so
the hedge thickens from the base instead of thinning into a row of small trees.
"""

KETTLES = """# How a kettle knows to stop

A bimetallic strip bends as steam warms it and flips a switch. Cheap, reliable,
and older than most of the people who use one every morning.
"""

LONG = "# A long walk along the coast\n\n" + "\n\n".join(
    f"Stage {i}: the path climbs past the lighthouse, drops to a shingle cove and "
    f"turns inland through gorse before the next headland comes into view."
    for i in range(1, 80)
)


def make_library(ctx, tmp_path: Path) -> LibraryService:
    """A library with four local articles: Markdown, Markdown, Markdown, plain text."""
    service = LibraryService(ctx)
    paths = []
    for name, body in (("hedges.md", HEDGES), ("kettles.md", KETTLES), ("walk.md", LONG)):
        path = tmp_path / name
        path.write_text(body, "utf-8")
        paths.append(str(path))
    text = tmp_path / "tea.txt"
    text.write_text("Loose leaf tea brews best just below boiling.\n\nWarm the pot first.\n")
    paths.append(str(text))
    report = service.add(paths)
    assert len(report.added) == 4, report.failed
    return service


@pytest.fixture
def library(ctx, tmp_path: Path) -> LibraryService:
    return make_library(ctx, tmp_path)


def ids_by_title(library: LibraryService) -> dict[str, int]:
    return {a.title: a.id for a in library.list()}


def status_of(ctx, article_id: int) -> str:
    """The reading state (unread, reading, read, archived) SQLite holds."""
    return ctx.db.execute("select state from articles where id = ?", [article_id]).fetchone()[0]


def panel_text(app: ReaderApp) -> str:
    panel = app.screen.query_one("#article-notes", OptionList)
    return "\n".join(str(panel.get_option_at_index(i).prompt) for i in range(panel.option_count))


async def settle(pilot) -> None:
    """Let every worker finish and every message it posted be handled (workers may start more)."""
    app = pilot.app
    for _ in range(20):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if all(w.is_finished for w in app.workers):
            return
    raise AssertionError("workers kept running")


def queue(app: ReaderApp) -> DataTable:
    return app.screen.query_one("#queue", DataTable)


def cell(app: ReaderApp, row: int, column: str) -> str:
    table = queue(app)
    return str(table.get_cell_at(table.get_cell_coordinate(table.ordered_rows[row].key, column)))


def titles(app: ReaderApp) -> list[str]:
    return [cell(app, i, "title") for i in range(queue(app).row_count)]


async def select(pilot, title: str) -> None:
    """Move the queue's cursor to the row with this title."""
    table = queue(pilot.app)
    row = titles(pilot.app).index(title)
    table.move_cursor(row=row)
    await pilot.pause()


async def type_text(pilot, text: str) -> None:
    await pilot.press(*text)


async def test_queue_lists_the_library(ctx, library):
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
        assert sorted(titles(app)) == sorted(ids_by_title(library))
        row = titles(app).index("Why hedgerows matter")
        assert cell(app, row, "state") == "unread"
        assert cell(app, row, "id") == str(ids_by_title(library)["Why hedgerows matter"])
        assert cell(app, row, "site") == "local file"
        assert cell(app, row, "reading_time") == "1 min"
        assert cell(app, row, "added") == day(library.get(int(cell(app, row, "id"))).added_at)
        headers = [str(c.label) for c in queue(app).ordered_columns]
        assert "Read time" in headers and "Top theme" in headers  # 120 columns: the short name


async def test_empty_library_says_how_to_start(ctx):
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert queue(app).row_count == 0
        hint = app.screen.query_one("#queue-empty", Static)
        assert hint.display
        assert "press a" in str(hint.render())


async def test_filters_by_status(ctx, library):
    library.mark(ids_by_title(library)["How a kettle knows to stop"], "read")
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert len(titles(app)) == 4
        await pilot.press("right_square_bracket")  # all -> unread
        await settle(pilot)
        assert "How a kettle knows to stop" not in titles(app)
        assert len(titles(app)) == 3
        for _ in range(2):  # unread -> reading -> read
            await pilot.press("right_square_bracket")
        await settle(pilot)
        assert titles(app) == ["How a kettle knows to stop"]


async def test_marking_read_unread_and_archived_reaches_sqlite(ctx, library):
    kettle = ids_by_title(library)["How a kettle knows to stop"]
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "How a kettle knows to stop")
        await pilot.press("r")
        await settle(pilot)
        assert status_of(ctx, kettle) == "read"
        assert cell(app, titles(app).index("How a kettle knows to stop"), "state") == "read"
        await pilot.press("u")
        await settle(pilot)
        assert status_of(ctx, kettle) == "unread"
        await pilot.press("x")
        await settle(pilot)
        assert status_of(ctx, kettle) == "archived"


async def test_opening_an_article_shows_its_markdown_and_header(ctx, library):
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "Why hedgerows matter")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ArticleScreen)
        shown = [str(p.render()) for p in app.screen.query(Paragraph)]
        assert any(p.startswith("Laying means cutting each stem") for p in shown)
        heads = [str(p.render()) for p in app.screen.query(Paragraph) if p.has_class("-heading")]
        assert "Laying a hedge" in heads
        header = str(app.screen.query_one("#article-header", Static).render())
        assert "Why hedgerows matter" in header
        assert "1 min read" in header
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)


async def test_article_without_text_shows_its_markdown_or_says_why(ctx, library):
    tea = next(a for a in library.list() if a.url.endswith("tea.txt"))
    ArticleStore(ctx.db).update(tea.id, text=None, markdown="Warm the *pot* first.")
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, tea.title)
        await pilot.press("enter")
        await settle(pilot)
        assert "Warm the *pot* first." in app.screen.query_one(Markdown).source
        assert not app.screen.query(Paragraph)


async def test_reader_marks_read_and_saves_notes_and_highlights(ctx, library):
    hedges = ids_by_title(library)["Why hedgerows matter"]
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "Why hedgerows matter")
        await pilot.press("enter")
        await settle(pilot)

        await pilot.press("n")
        assert isinstance(app.screen, TextPrompt)
        assert app.screen.query_one(Input).value == ""
        await type_text(pilot, "ask farmer")
        await pilot.press("enter")
        await settle(pilot)

        await pilot.press("v")  # select the first sentence in view (the title),
        await pilot.press("l")  # move to the next one,
        await pilot.press("j")  # and take one more
        await pilot.press("h")
        await settle(pilot)

        await pilot.press("m")
        await settle(pilot)
        side = panel_text(app)
        assert "ask farmer" in side
        assert "Hedgerows are the oldest managed habitat" in side
        assert "read" in str(app.screen.query_one("#article-header", Static).render())
        # The highlight is drawn in the text where it stands.
        first = next(p for p in app.screen.query(Paragraph) if p.source.startswith("Hedgerows"))
        assert any("warning" in str(span.style) for span in first.visual.spans)

    assert status_of(ctx, hedges) == "read"
    notes = ctx.db.execute("select text from notes where article_id = ?", [hedges]).fetchall()
    assert notes == [("ask farmer",)]
    text = library.get(hedges).text
    marks = ctx.db.execute(
        "select text, start_char, end_char from highlights where article_id = ?", [hedges]
    ).fetchall()
    assert len(marks) == 1
    passage, start, end = marks[0]
    assert text[start:end] == passage
    assert passage.startswith("Hedgerows are the oldest managed habitat")
    assert passage.endswith("dozens of bird species.")


async def test_cancelled_note_writes_nothing(ctx, library):
    hedges = ids_by_title(library)["Why hedgerows matter"]
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "Why hedgerows matter")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("n")
        await type_text(pilot, "nope")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ArticleScreen)
    assert ctx.db.execute(
        "select count(*) from notes where article_id = ?", [hedges]
    ).fetchone() == (0,)


async def test_scrolling_to_the_end_saves_progress_when_leaving(ctx, library):
    walk = ids_by_title(library)["A long walk along the coast"]
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "A long walk along the coast")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("pagedown")
        await pilot.pause()
        await pilot.press("escape")  # leaving saves what the debounce has not saved yet
        await settle(pilot)
        progress = ctx.db.execute("select progress from articles where id = ?", [walk]).fetchone()[
            0
        ]
        assert 0 < progress < 1
        assert status_of(ctx, walk) == "reading"
        row = titles(app).index("A long walk along the coast")
        assert cell(app, row, "state").startswith("reading ")

        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("end")
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot)
    assert status_of(ctx, walk) == "read"


async def test_delete_asks_first(ctx, library):
    kettle = ids_by_title(library)["How a kettle knows to stop"]
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "How a kettle knows to stop")
        await pilot.press("d")
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
        assert status_of(ctx, kettle) == "unread"

        row = queue(app).cursor_row
        await pilot.press("d")
        await pilot.press("y")
        await settle(pilot)
        assert "How a kettle knows to stop" not in titles(app)
        assert len(titles(app)) == 3
        assert queue(app).cursor_row == min(row, 2)  # the cursor stays where it was
    assert ctx.db.execute("select count(*) from articles where id = ?", [kettle]).fetchone() == (0,)


async def test_tagging_adds_and_removes(ctx, library):
    hedges = ids_by_title(library)["Why hedgerows matter"]
    library.tag(hedges, ["later"])
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "Why hedgerows matter")
        await pilot.press("t")
        app.screen.query_one(Input).value = "nature, farming, -later"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "#farming #nature" in str(app.screen.query_one("#article-header", Static).render())
    assert library.get(hedges).tags == ["farming", "nature"]


async def test_add_with_a_bad_url_shows_the_error_and_keeps_the_text(ctx, library):
    before = ctx.db.execute("select count(*) from articles").fetchone()[0]
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        assert isinstance(app.screen, AddArticles)
        await type_text(pilot, "ftp://example.org/paper")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AddArticles)  # still open
        box = app.screen.query_one("#add-input", Input)
        assert box.value == "ftp://example.org/paper"
        assert not box.disabled
        error = str(app.screen.query_one("#add-error", Static).render())
        assert "ftp://example.org/paper" in error and "scheme" in error
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
        assert len(titles(app)) == before
    assert ctx.db.execute("select count(*) from articles").fetchone()[0] == before


async def test_add_keeps_only_what_failed_and_lists_what_was_added(ctx, library, tmp_path):
    new = tmp_path / "bees.md"
    new.write_text(
        "# Counting bees\n\nA warm afternoon, a clipboard and ten minutes by the lavender.\n"
    )
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        app.screen.query_one("#add-input", Input).value = f"{new} http://"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AddArticles)
        assert app.screen.query_one("#add-input", Input).value == "http://"
        assert "Added 1" in str(app.screen.query_one("#add-error", Static).render())
        await pilot.press("escape")
        await settle(pilot)
        assert "Counting bees" in titles(app)


async def test_add_a_file_refreshes_the_list(ctx, library, tmp_path):
    new = tmp_path / "moths.md"
    new.write_text("# Moths at the window\n\nThey come for the light and stay for the warmth.\n")
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        app.screen.query_one("#add-input", Input).value = str(new)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LibraryScreen)
        assert "Moths at the window" in titles(app)
        assert not app.screen.query_one("#activity").has_class("-busy")


FIRST_PAINT = textwrap.dedent(
    """
    import asyncio, json, sys
    from reader.services.context import LibraryContext
    from reader.tui.app import make_app

    async def main():
        app = make_app(LibraryContext(sys.argv[1]))
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            rows = app.screen.query_one("#queue").row_count
        heavy = [m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules]
        print(json.dumps({"rows": rows, "heavy": heavy}))

    asyncio.run(main())
    """
)


def test_first_paint_imports_nothing_heavy(library, reader_home, tmp_path):
    script = tmp_path / "first_paint.py"
    script.write_text(FIRST_PAINT)
    # The script runs from tmp_path: point Python at this checkout, not an installed copy.
    env = {**os.environ, "READER_HOME": str(reader_home), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, str(script), str(reader_home)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    import json

    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"rows": 4, "heavy": []}


@pytest.fixture
def indexed(ctx, library):
    """The library indexed with the deterministic fake embedder, and a search service using it."""
    from reader.ml.embedder import FakeEmbedder
    from reader.services.search.indexing import index_pending
    from reader.services.search.service import SearchService

    index_pending(ctx, embedder=FakeEmbedder())
    return SearchService(ctx, embedder=FakeEmbedder())


def result_ids(app: ReaderApp) -> list[int]:
    results = app.screen.query_one("#search-results", OptionList)
    return [int(results.get_option_at_index(i).id) for i in range(results.option_count)]


async def test_search_finds_and_opens_an_article(ctx, library, indexed):
    hedges = ids_by_title(library)["Why hedgerows matter"]
    app = make_app(ctx, search=indexed)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")  # on the library, / filters; 2 is the search screen
        assert isinstance(app.screen, SearchScreen)
        assert isinstance(app.focused, Input)
        await type_text(pilot, "hawthorn")
        await pilot.press("enter")
        await settle(pilot)
        assert result_ids(app)[0] == hedges
        status = str(app.screen.query_one("#search-status", Static).render())
        assert "(hybrid)" in status
        first = app.screen.query_one("#search-results", OptionList).get_option_at_index(0)
        assert "hawthorn" in str(first.prompt)  # the snippet shows the matching passage

        await pilot.press("ctrl+t", "ctrl+t")  # hybrid -> semantic -> keyword, searching again
        await settle(pilot)
        assert app.screen.mode == "keyword"
        assert result_ids(app) == [hedges]
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ArticleScreen)
        assert app.screen.article_id == hedges
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)


async def test_semantic_search_before_indexing_explains_itself(ctx, library):
    from reader.ml.embedder import FakeEmbedder
    from reader.services.search.service import SearchService

    app = make_app(ctx, search=SearchService(ctx, embedder=FakeEmbedder()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await pilot.press("ctrl+t")  # semantic
        await type_text(pilot, "kettle")
        await pilot.press("enter")
        await settle(pilot)
        status = str(app.screen.query_one("#search-status", Static).render())
        assert "reader index" in status, status
        assert result_ids(app) == []
        assert not app.screen.query_one("#search-results", OptionList).loading


def make_themes(ctx, library) -> dict[str, int]:
    """Two saved themes (a broad one with a fine one under it) carried by real articles."""
    import numpy as np

    from reader.storage.themes import ThemeStore

    store = ThemeStore(ctx.db)
    run = store.insert_run(
        model="fake",
        dimension=4,
        kind="full",
        config={},
        metrics={},
        why="test",
        n_articles=4,
        n_chunks=0,
        weights={"w_dec": np.zeros((2, 4))},
        parent_id=None,
    )
    store.activate(run)
    common = {
        "run_id": run,
        "created_run_id": run,
        "density": 0.5,
        "max_activation": 1.0,
        "mean_activation": 0.5,
        "coherence": 0.5,
    }
    ids = ids_by_title(library)
    countryside = store.save_theme(
        dict(
            common,
            latent=0,
            level="broad",
            label="hedges / farm",
            keywords=["hedges", "farm", "birds"],
            n_articles=2,
        )
    )
    walking = store.save_theme(
        dict(
            common,
            latent=1,
            level="fine",
            label="coast / path",
            keywords=["coast", "path"],
            n_articles=1,
            parent_id=countryside,
        )
    )
    store.replace_activations(
        [],
        [
            (ids["Why hedgerows matter"], countryside, 0.9, 1.0, 1),
            (ids["A long walk along the coast"], countryside, 0.4, 0.45, 1),
            (ids["A long walk along the coast"], walking, 0.8, 1.0, 1),
        ],
    )
    return {"countryside": countryside, "walking": walking}


async def test_themes_list_detail_open_and_rename(ctx, library):
    themes = make_themes(ctx, library)
    hedges = ids_by_title(library)["Why hedgerows matter"]
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, ThemesScreen)
        items = list(app.screen.query(ThemeItem))
        assert [i.theme.id for i in items] == [themes["countryside"], themes["walking"]]
        assert items[0].query_one(Sparkline).data  # an activity series, one value per month
        heading = str(app.screen.query_one("#theme-heading", Static).render())
        assert "hedges / farm" in heading and "birds" in heading
        assert "coast / path" in heading  # the fine theme under it
        articles = app.screen.query_one("#theme-articles", OptionList)
        assert articles.get_option_at_index(0).id == str(hedges)

        await pilot.press("enter")  # into the theme's articles
        await pilot.press("enter")  # open the strongest one
        await settle(pilot)
        assert isinstance(app.screen, ArticleScreen) and app.screen.article_id == hedges
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("escape", "e")  # back to the theme list, rename
        prompt = app.screen.query_one(Input)
        assert prompt.value == "hedges / farm"
        prompt.value = "Countryside"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query(ThemeItem).first().theme.title == "Countryside"
    name = ctx.db.execute("select name from themes where id = ?", [themes["countryside"]])
    assert name.fetchone() == ("Countryside",)


async def test_themes_before_training_say_what_to_do(ctx, library):
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await settle(pilot)
        empty = app.screen.query_one("#themes-empty", Static)
        assert empty.display
        assert "Press T to train" in str(empty.render())
        assert not app.screen.query(ThemeItem)


async def test_training_a_too_small_library_explains_and_keeps_running(ctx, library):
    from reader.ml.embedder import FakeEmbedder
    from reader.services.search.indexing import index_pending
    from reader.services.themes.service import ThemeService

    index_pending(ctx, embedder=FakeEmbedder())
    fake = FakeEmbedder()
    app = make_app(ctx, themes=ThemeService(ctx, embed=lambda texts: fake.embed(texts)))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("T")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert any("themes need about" in m for m in messages), messages
        assert not app.screen.query_one("#activity").has_class("-busy")
        assert isinstance(app.screen, ThemesScreen)


def read_some(ctx, library) -> None:
    """Everything added an hour ago, two articles read then (one highlighted): the default
    digest window holds them."""
    from datetime import UTC, datetime, timedelta

    from reader.models import to_iso

    ids = ids_by_title(library)
    an_hour_ago = to_iso(datetime.now(UTC) - timedelta(hours=1))
    ctx.db.execute("update articles set added_at = ?", [an_hour_ago])
    for title in ("Why hedgerows matter", "How a kettle knows to stop"):
        library.mark(ids[title], "read")
        ArticleStore(ctx.db).update(ids[title], read_at=an_hour_ago)
    library.highlight(ids["Why hedgerows matter"], "the oldest managed habitat")


async def test_digest_drafts_saves_and_copies(ctx, library):
    from reader.ml.embedder import FakeEmbedder
    from reader.services.digest.service import DigestService

    read_some(ctx, library)
    app = make_app(ctx, digest=DigestService(ctx, embedder=FakeEmbedder()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, DigestScreen)
        source = app.screen.query_one("#digest-markdown", Markdown).source
        assert "Why hedgerows matter" in source and "How a kettle knows to stop" in source
        assert "the oldest managed habitat" in source
        assert "Preview, not saved" in str(app.screen.query_one("#digest-status", Static).render())
        assert ctx.db.execute("select count(*) from digests").fetchone() == (0,)

        await pilot.press("s")
        await settle(pilot)
        saved = ctx.db.execute("select id, text from digests").fetchall()
        assert len(saved) == 1 and "Why hedgerows matter" in saved[0][1]
        assert f"Saved digest #{saved[0][0]}" in str(
            app.screen.query_one("#digest-status", Static).render()
        )
        listing = app.screen.query_one("#digest-list", OptionList)
        assert listing.get_option_at_index(4).id == str(saved[0][0])

        await pilot.press("c")
        assert app.clipboard == saved[0][1]


async def test_digest_with_nothing_new_shows_the_last_saved_one(ctx, library):
    from reader.ml.embedder import FakeEmbedder
    from reader.services.digest.service import DigestService

    read_some(ctx, library)
    service = DigestService(ctx, embedder=FakeEmbedder())
    saved = service.draft(save=True)  # the next default window starts where it ended
    app = make_app(ctx, digest=service)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        await settle(pilot)
        status = str(app.screen.query_one("#digest-status", Static).render())
        assert "Nothing read or saved since the last digest (today at" in status
        assert f"#{saved.id}" in status and "T" not in status.split("(today at")[1][:8]
        assert app.screen.query_one("#digest-markdown", Markdown).source == saved.text


async def test_digest_window_choice_overlap_and_delete_at_80x24(ctx, library):
    from reader.ml.embedder import FakeEmbedder
    from reader.services.digest.service import DigestService

    read_some(ctx, library)
    service = DigestService(ctx, embedder=FakeEmbedder())
    saved = service.draft(save=True)
    app = make_app(ctx, digest=service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await settle(pilot)
        listing = app.screen.query_one("#digest-list", OptionList)
        assert listing.get_option_at_index(4).id == str(saved.id)
        assert app.screen.query_one("#digest-pane").region.right <= 80
        # The last 30 days: a preview that overlaps the saved digest, and says so.
        listing.focus()
        listing.highlighted = 2
        await pilot.press("enter")
        await settle(pilot)
        status = str(app.screen.query_one("#digest-status", Static).render())
        assert "Preview, not saved" in status and f"overlaps saved digest #{saved.id}" in status
        await pilot.press("s")
        await settle(pilot)
        status = str(app.screen.query_one("#digest-status", Static).render())
        assert "A saves it anyway" in status
        assert ctx.db.execute("select count(*) from digests").fetchone() == (1,)
        await pilot.press("A")
        await settle(pilot)
        assert ctx.db.execute("select count(*) from digests").fetchone() == (2,)
        # Open the first saved digest and delete it (confirmed).
        newest = ctx.db.execute("select max(id) from digests").fetchone()[0]
        await settle(pilot)
        listing = app.screen.query_one("#digest-list", OptionList)
        ids = [listing.get_option_at_index(i).id for i in range(listing.option_count)]
        listing.highlighted = ids.index(str(saved.id))
        listing.focus()
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert [r[0] for r in ctx.db.execute("select id from digests")] == [newest]


async def test_a_narrow_terminal_keeps_the_title_readable(ctx, library):
    app = make_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = queue(app)
        keys = [c.key.value for c in table.ordered_columns]
        assert "tags" not in keys and "title" in keys
        title = next(c for c in table.ordered_columns if c.key.value == "title")
        assert title.width >= 24
        assert sum(c.get_render_width(table) for c in table.ordered_columns) <= 80


def test_progress_reports_replace_older_ones_of_the_same_job():
    from reader.tui.messages import WorkProgress

    newer = WorkProgress("fetch", "fetch", 5, 10)
    assert newer.can_replace(WorkProgress("fetch", "fetch", 4, 10))
    assert not newer.can_replace(WorkProgress("train", "training", 4, 10))


def test_tui_command_is_registered_and_help_imports_no_ui():
    from click.testing import CliRunner

    from reader.cli import main

    code = (
        "import sys; from click.testing import CliRunner; from reader.cli import main; "
        "r = CliRunner().invoke(main, ['tui', '--help']); "
        "print(r.exit_code, 'textual' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["0", "False"], done.stderr
    assert "tui" in CliRunner().invoke(main, ["--help"]).output
