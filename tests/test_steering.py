"""Theme steering and shared themes through the real CLI, the packaged model and a trained SAE."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner

from reader.cli import main
from reader.services.context import LibraryContext
from reader.services.demo import build_demo
from reader.services.themes.service import ThemeService

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("steer")
    ctx = LibraryContext(home)
    try:
        report = build_demo(ctx, now=datetime(2026, 11, 29, 12, tzinfo=UTC), digest=False)
        assert report.step("themes").status == "ran", report.to_dict()
    finally:
        ctx.close()
    return home


def search(home, *args: str) -> list[int]:
    result = CliRunner().invoke(main, ["--home", str(home), "search", *args, "--json"])
    assert result.exit_code == 0, result.output
    return [row["id"] for row in json.loads(result.stdout)["results"]]


def carrying(home, theme_id: int, ids: list[int]) -> int:
    ctx = LibraryContext(home)
    try:
        found = ThemeService(ctx).article_themes(ids)
    finally:
        ctx.close()
    return sum(1 for i in ids if any(t == theme_id and s >= 0.3 for t, _, s in found.get(i, [])))


def test_plus_moves_results_towards_a_theme_and_minus_away(demo_home) -> None:
    ctx = LibraryContext(demo_home)
    try:
        broad = ThemeService(ctx).list_themes(level="broad")
    finally:
        ctx.close()
    query = ["learning", "by", "repetition", "--mode", "semantic", "--limit", "5"]
    plain = search(demo_home, *query)
    moved = 0
    for theme in broad:
        towards = search(demo_home, *query, "--plus", str(theme.id))
        away = search(demo_home, *query, "--minus", theme.title)
        assert carrying(demo_home, theme.id, towards) >= carrying(demo_home, theme.id, plain)
        assert carrying(demo_home, theme.id, away) <= carrying(demo_home, theme.id, plain)
        moved += towards != plain
    assert moved >= len(broad) - 1, "steering should change the results for most themes"


def test_steering_needs_meaning_and_known_themes(demo_home) -> None:
    runner = CliRunner()
    unknown = runner.invoke(main, ["--home", str(demo_home), "search", "bread", "--plus", "nope"])
    assert unknown.exit_code == 1 and "no theme" in unknown.stderr
    keyword = runner.invoke(main, ["--home", str(demo_home), "search", "bread", "--mode",
                                   "keyword", "--plus", "1"])
    assert keyword.exit_code == 2


def test_related_names_the_themes_two_articles_share(demo_home) -> None:
    result = CliRunner().invoke(main, ["--home", str(demo_home), "related", "1", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["results"]
    assert rows and all("shared_themes" in row for row in rows)
    assert any(row["shared_themes"] for row in rows)
    first = rows[0]["shared_themes"][0]
    assert {"id", "title", "strength_a", "strength_b"} <= set(first)
