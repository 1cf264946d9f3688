"""The themes screen on a trained library: quality in words, ids, counts, filter and sort,
and nothing wider than an 80x24 terminal."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import Input, ListView, Static

from reader.services.context import LibraryContext
from reader.services.themes.service import ThemeService
from reader.tui.screens.themes import ThemeItem, ThemesScreen
from tests.test_themes import fake_embedder, template  # noqa: F401
from tests.test_tui import make_app, settle


@pytest.fixture
def trained(template: Path, reader_home: Path):  # noqa: F811
    shutil.rmtree(reader_home)
    shutil.copytree(template, reader_home)
    ctx = LibraryContext(reader_home)
    yield ctx
    ctx.close()


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_themes_screen_says_what_the_numbers_mean_and_fits(trained, size) -> None:
    fake = fake_embedder()
    app = make_app(trained, themes=ThemeService(trained, embed=fake.embed))
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ThemesScreen)
        quality = str(screen.query_one("#theme-quality", Static).render())
        assert "The themes explain" in quality
        items = list(screen.query(ThemeItem))
        assert items
        for widget in screen.query("#theme-side, #theme-detail, #theme-quality, .theme-row"):
            assert widget.region.right <= size[0], widget
        # Ids are on screen, and a fine theme never counts more than its broad parent.
        first = items[0]
        assert str(first.theme.id) in str(first.query_one(".theme-id").render())
        by_id = {i.theme.id: i.theme for i in items}
        for item in items:
            parent = by_id.get(item.theme.parent_id)
            if parent is not None:
                assert item.theme.n_articles <= parent.n_articles
        await pilot.press("m")
        await settle(pilot)
        assert any("held-out FVU" in n.message for n in app._notifications)

        # Filter by name: only matching themes stay; sort cycles.
        target = items[-1].theme
        await pilot.press("slash")
        screen.query_one("#theme-filter", Input).value = target.title
        await settle(pilot)
        shown = [i.theme.id for i in screen.query(ThemeItem)]
        assert target.id in shown and len(shown) <= len(items)
        await pilot.press("escape", "s")
        await settle(pilot)
        assert "by recent" in str(screen.query_one("#theme-sort").render())
        assert screen.query_one("#theme-list", ListView).children
