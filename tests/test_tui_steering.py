"""Theme chips on the search screen steer the results, show what steers, and come off again."""

from __future__ import annotations

import pytest
from textual.widgets import Input, OptionList

from reader.services.search.service import SearchService
from reader.services.themes.service import ThemeService
from reader.tui.app import make_app
from reader.tui.screens.theme_picker import ThemePicker
from tests.reading_library import fake_embedder, topic_of
from tests.test_tui import settle


@pytest.fixture
def library(reading_library):
    return reading_library


def shown_topics(app, topics: dict[int, str]) -> list[str]:
    results = app.screen.query_one("#search-results", OptionList)
    return [topics[int(results.get_option_at_index(i).id)] for i in range(min(10, results.option_count))]


async def test_a_plus_chip_pulls_results_toward_its_theme_and_comes_off(library) -> None:
    fake = fake_embedder()
    themes = ThemeService(library, embed=fake.embed)
    baking = next(t for t in themes.list_themes("broad")
                  if any(w in t.title for w in ("sourdough", "proofing", "flour", "dough")))
    topics = topic_of(library)
    app = make_app(library, search=SearchService(library, embedder=fake), themes=themes)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        await pilot.press("ctrl+t")  # semantic
        await settle(pilot)
        screen.query_one("#search-input", Input).value = "tiller harbour mainsail"
        await pilot.press("enter")
        await settle(pilot)
        before = shown_topics(app, topics)
        assert before.count("sailing") >= 5

        await pilot.press("plus")  # enter left the box for the results; + picks a theme
        await settle(pilot)
        assert isinstance(app.screen, ThemePicker)
        for ch in baking.title.split(" / ")[0]:
            await pilot.press(ch)
        await pilot.press("enter")
        await settle(pilot)

        chips = list(screen.query("#search-chips Button"))
        assert len(chips) == 1 and baking.title[:10] in str(chips[0].label)
        assert str(chips[0].label).startswith("+")
        after = shown_topics(app, topics)
        assert after.count("baking") > before.count("baking")

        await pilot.click(chips[0])
        await settle(pilot)
        assert not list(screen.query("#search-chips Button"))
        assert shown_topics(app, topics) == before


async def test_steering_without_themes_says_how_to_get_them(ctx) -> None:
    app = make_app(ctx)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("2", "escape", "minus")
        await settle(pilot)
        assert not isinstance(app.screen, ThemePicker)
        assert any("train them" in n.message for n in app._notifications)


async def test_next_order_in_the_library_with_each_reason(library) -> None:
    from textual.widgets import DataTable, Static

    from reader.services.themes.next import rank_next

    ranked = rank_next(library, limit=None).items
    app = make_app(library)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        screen = app.screen
        table = screen.query_one("#queue", DataTable)
        shown = [int(table.coordinate_to_cell_key((r, 0)).row_key.value)
                 for r in range(table.row_count)]
        assert shown[:len(ranked)] == [i.id for i in ranked]  # unread, best first
        assert len(shown) == 64  # then every other article
        status = str(screen.query_one("#library-status", Static).render())
        assert "what to read next first" in status
        reason = screen.query_one("#next-reason", Static)
        await pilot.press("g")  # the cursor stayed on its article; to the top
        assert reason.display and str(reason.render()) == f"Next because: {ranked[0].reason}"
        await pilot.press("j")
        assert str(reason.render()) == f"Next because: {ranked[1].reason}"
        await pilot.press("G")
        assert "Not ranked" in str(reason.render())
        await pilot.press("s")  # the next order in the cycle: back to columns
        await settle(pilot)
        assert not reason.display
