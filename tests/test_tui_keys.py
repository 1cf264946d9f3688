"""Keys a terminal reader expects, the help screen, the command palette, the library's table."""

from __future__ import annotations

import json

import pytest
from textual.widgets import DataTable, Input, OptionList, Static

from reader.services.library.browse import Listing, browse
from reader.services.library.service import LibraryService
from reader.tui.app import make_app
from reader.tui.screens.help import HelpScreen
from reader.tui.screens.library import LibraryScreen
from reader.tui.screens.modals import Confirm, TextPrompt
from reader.tui.screens.reader import ArticleScreen
from reader.tui.screens.search import SearchScreen
from tests.test_tui import cell, ids_by_title, make_library, queue, settle, status_of, titles

SIZE = (120, 36)


@pytest.fixture
def library(ctx, tmp_path):
    return make_library(ctx, tmp_path)


async def test_j_k_g_G_move_the_cursor(ctx, library):
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = queue(app)
        assert table.cursor_row == 0
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("g")
        assert table.cursor_row == 0


async def test_space_and_b_page_through_a_long_article(ctx, library):
    app = make_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        queue(app).move_cursor(row=titles(app).index("A long walk along the coast"))
        await pilot.press("enter")
        await settle(pilot)
        body = app.screen.query_one("#article-body")
        await pilot.press("space")
        await pilot.pause()
        paged = body.scroll_target_y
        assert paged >= body.size.height - 2
        await pilot.press("b")
        await pilot.pause()
        assert body.scroll_target_y < paged
        await pilot.press("G")
        await pilot.pause()
        assert body.scroll_target_y == body.max_scroll_y


async def test_question_mark_lists_every_key_of_the_screen_and_escape_closes_it(ctx, library):
    app = make_app(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one("#help-keys", DataTable)
        rows = {str(table.get_row_at(i)[1]): str(table.get_row_at(i)[0])
                for i in range(table.row_count)}
        # Hidden keys are listed too, each with what it does.
        assert rows["Delete"] == "d"
        assert rows["Retry failed fetches"] == "F"
        assert rows["Select for a bulk action"] == "v"
        assert rows["Open"] == "⏎"
        assert rows["This help"] == "?"
        await pilot.press("escape")
        assert isinstance(app.screen, LibraryScreen)

        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("question_mark")
        table = app.screen.query_one("#help-keys", DataTable)
        keys = {str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert {"Highlight", "Note", "Select", "Back"} <= keys
        # Named for the screen it is over; the selection's keys only while selecting.
        assert "Keys: Article" in str(app.screen.query_one(".dialog-title", Static).render())
        assert "Longer selection" not in keys
        await pilot.press("question_mark")
        assert isinstance(app.screen, ArticleScreen)
        await pilot.press("v")
        await pilot.press("question_mark")
        table = app.screen.query_one("#help-keys", DataTable)
        keys = {str(table.get_row_at(i)[1]) for i in range(table.row_count)}
        assert {"Longer selection", "Keep the selection"} <= keys
        await pilot.press("escape")
        assert isinstance(app.screen, ArticleScreen)


async def test_the_palette_holds_readers_actions_with_their_keys(ctx, library):
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles_ = [c.title for c in app.get_system_commands(app.screen)]
        for expected in ("Add URLs or files (a)", "Fetch the queue (f)", "Search (/)",
                         "Train themes (T)", "Draft a digest (ctrl+r)", "Export the library (E)",
                         "What to read next (n)", "Steer search toward a theme (+)"):
            assert expected in titles_
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"export")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        assert "Export" in app.screen.prompt_title


async def test_export_from_the_ui_writes_the_library(ctx, library, tmp_path):
    out = tmp_path / "all.jsonl"
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("E")
        app.screen.query_one(Input).value = str(out)
        await pilot.press("enter")
        await settle(pilot)
    kinds = [json.loads(line)["kind"] for line in out.read_text().splitlines()]
    assert kinds.count("article") == 4


async def test_search_after_a_query_the_screen_keys_work_and_escape_leaves_the_box(ctx, library):
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        assert isinstance(app.screen, SearchScreen)
        box = app.screen.query_one("#search-input", Input)
        assert box.has_focus
        await pilot.press("ctrl+t", "ctrl+t")  # hybrid -> semantic -> keyword
        await pilot.press(*"kettle")
        await settle(pilot)
        results = app.screen.query_one("#search-results", OptionList)
        assert results.option_count == 1  # keyword mode answers as you type
        await pilot.press("escape")
        assert not box.has_focus
        assert box.value == "kettle"
        await pilot.press("1")
        assert isinstance(app.screen, LibraryScreen)
        await pilot.press("2")
        await pilot.press("enter")  # submitting again moves to the results
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ArticleScreen)


async def test_filter_as_you_type_and_escape_clears_it(ctx, library):
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"hedge")
        await settle(pilot)
        assert titles(app) == ["Why hedgerows matter"]
        await pilot.press("escape")  # back to the list, the filter stays
        assert queue(app).has_focus
        assert titles(app) == ["Why hedgerows matter"]
        await pilot.press("escape")  # clears it
        await settle(pilot)
        assert len(titles(app)) == 4


async def test_sort_by_any_column_and_reverse(ctx, library):
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.action_sort("title")
        await settle(pilot)
        assert titles(app) == sorted(titles(app), key=str.lower)
        await pilot.press("S")
        await settle(pilot)
        assert titles(app) == sorted(titles(app), key=str.lower, reverse=True)
        screen.action_sort("id")
        await settle(pilot)
        ids = [int(cell(app, i, "id")) for i in range(4)]
        assert ids == sorted(ids, reverse=True)
        label = next(str(c.label) for c in queue(app).ordered_columns if c.key.value == "id")
        assert label.replace(" ", "") == "Id↓"  # the space goes where the column is narrow
        for key in ("state", "site", "added", "reading_time", "progress", "theme", "error"):
            screen.action_sort(key)
            await settle(pilot)
            assert len(titles(app)) == 4


async def test_multi_select_marks_tags_and_deletes_together(ctx, library):
    ids = ids_by_title(library)
    app = make_app(ctx)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.action_sort("title")
        await settle(pilot)
        await pilot.press("g", "v", "v")  # the first two titles: "A long walk", "How a kettle"
        assert "2 selected" in str(app.screen.query_one("#library-status").render())
        assert cell(app, 0, "mark").startswith("●")
        await pilot.press("r")
        await settle(pilot)
        assert status_of(ctx, ids["A long walk along the coast"]) == "read"
        assert status_of(ctx, ids["How a kettle knows to stop"]) == "read"
        assert status_of(ctx, ids["Why hedgerows matter"]) == "unread"
        await pilot.press("t")
        app.screen.query_one(Input).value = "walks"
        await pilot.press("enter")
        await settle(pilot)
        assert library.get(ids["How a kettle knows to stop"]).tags == ["walks"]
        await pilot.press("d")
        assert isinstance(app.screen, Confirm)
        assert "2 articles" in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        assert sorted(titles(app)) == ["Loose leaf tea brews best just below boiling.",
                                       "Why hedgerows matter"]


def test_browse_pages_filters_and_counts_in_sqlite(ctx, tmp_path):
    service = LibraryService(ctx)
    paths = []
    for i in range(25):
        path = tmp_path / f"n{i:02}.md"
        path.write_text(f"# Note {i:02} about {'owls' if i % 5 == 0 else 'rain'}\n\nBody {i}.\n")
        paths.append(str(path))
    service.add(paths)
    first = browse(ctx, Listing(sort="title", descending=False), limit=10)
    assert first.total == 25 and len(first.articles) == 10
    second = browse(ctx, Listing(sort="title", descending=False), offset=10, limit=10)
    assert [a.title for a in second.articles][0] == "Note 10 about owls"
    owls = browse(ctx, Listing(words="owls"))
    assert owls.total == 5
    assert browse(ctx, Listing(words="100%_")).total == 0  # LIKE wildcards are literal
    with pytest.raises(Exception, match="unknown sort"):
        browse(ctx, Listing(sort="nope"))
