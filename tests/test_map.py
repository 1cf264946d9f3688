"""The map of the library: layout, cache, colours, selection, the HTML file, the TUI screen, and
the theme browser, on a real SQLite library indexed with the FakeEmbedder."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from reader.ml import layout
from reader.services.themes.browse import browse_themes
from reader.services.themes.map import reading_map
from tests.reading_library import fake_embedder, topic_of


@pytest.fixture
def library(reading_library):
    return reading_library


# -- layout (arrays only) -------------------------------------------------------------------
def test_pca_layout_is_reproducible_scaled_and_separates_groups() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 32)) * 4
    points = np.vstack([c + rng.normal(size=(20, 32)) for c in centres])
    coords, used = layout.layout_2d(points, method="pca")
    again, _ = layout.layout_2d(points[:, :], method="pca")
    assert used == "pca" and coords.shape == (60, 2)
    assert np.array_equal(coords, again)
    assert coords.min() >= 0 and coords.max() <= 1
    assert np.allclose(coords.min(axis=0), 0) and np.allclose(coords.max(axis=0), 1)
    # Each group is tighter than the map: its spread is well under the distance between groups.
    groups = [coords[i * 20:(i + 1) * 20] for i in range(3)]
    spread = max(np.linalg.norm(g - g.mean(axis=0), axis=1).mean() for g in groups)
    gaps = [np.linalg.norm(a.mean(axis=0) - b.mean(axis=0))
            for i, a in enumerate(groups) for b in groups[i + 1:]]
    assert spread < min(gaps) / 2


def test_auto_falls_back_to_pca_without_umap_and_for_tiny_inputs(monkeypatch) -> None:
    points = np.random.default_rng(1).normal(size=(30, 8))
    monkeypatch.setattr(layout, "umap_available", lambda: False)
    assert layout.layout_2d(points)[1] == "pca"
    assert layout.layout_2d(points[:5], method="umap")[1] == "pca"
    with pytest.raises(ValueError):
        layout.layout_2d(points, method="tsne")


def test_label_spot_sits_on_a_member_even_for_a_split_group() -> None:
    coords = np.array([[0.0, 0.0], [0.05, 0.0], [1.0, 1.0], [0.95, 1.0], [0.5, 0.52]])
    x, y = layout.label_spot(coords)
    assert [x, y] in coords.tolist()


@pytest.mark.slow
def test_umap_layout_is_deterministic_given_a_seed() -> None:
    pytest.importorskip("umap")
    rng = np.random.default_rng(2)
    points = np.vstack([c + rng.normal(size=(15, 16)) for c in rng.normal(size=(2, 16)) * 5])
    first, used = layout.layout_2d(points, method="umap", seed=3)
    second, _ = layout.layout_2d(points, method="umap", seed=3)
    assert used == "umap" and np.array_equal(first, second)
    left = first[:15].mean(axis=0)
    right = first[15:].mean(axis=0)
    assert np.linalg.norm(left - right) > 0.3  # the two groups land apart


# -- the service ----------------------------------------------------------------------------
def test_map_colours_every_article_by_its_strongest_broad_theme(library) -> None:
    found = reading_map(library, method="pca")
    ids = {r[0] for r in library.db.execute("select id from articles")}
    assert {p.article_id for p in found.points} == ids
    assert found.method == "pca" and found.run_id is not None and not found.cached
    assert all(0 <= p.x <= 1 and 0 <= p.y <= 1 for p in found.points)
    # Counts add up: each theme counts the points of its colour.
    colours = Counter(p.theme_id for p in found.points if p.theme_id is not None)
    assert {t.id: t.articles for t in found.themes} == dict(colours)
    assert [t.articles for t in found.themes] == sorted((t.articles for t in found.themes),
                                                       reverse=True)
    # Colour agrees with the themes service, and one topic is (nearly) one colour.
    from reader.services.themes.service import ThemeService

    strengths = ThemeService(library).article_themes(None)
    for p in found.points:
        broad = [r for r in strengths.get(p.article_id, []) if r[1] == "broad"]
        if broad:
            assert p.theme_id == max(broad, key=lambda r: r[2])[0]
    topics = topic_of(library)
    for topic in set(topics.values()):
        picks = [p.theme_id for p in found.points if topics[p.article_id] == topic]
        assert Counter(picks).most_common(1)[0][1] / len(picks) >= 0.8
    # Each name sits on one of its own points.
    for t in found.themes:
        assert any(p.theme_id == t.id and (p.x, p.y) == (t.x, t.y) for p in found.points)


def test_layout_is_cached_until_the_vectors_change(library, reader_home: Path) -> None:
    first = reading_map(library, method="pca")
    second = reading_map(library, method="pca")
    assert second.cached and [(p.x, p.y) for p in first.points] == \
        [(p.x, p.y) for p in second.points]
    assert not reading_map(library, method="pca", seed=1).cached  # another key
    from tests.reading_library import add, rows

    add(library, rows(per_topic=1, seed=9)[:1] and [dict(rows(1, seed=9)[0],
        url="https://example.test/garden/extra")], fake_embedder(), reader_home)
    third = reading_map(library, method="pca")
    assert not third.cached and len(third.points) == len(first.points) + 1
    (reader_home / "map-layout.npz").write_bytes(b"not a cache")
    assert not reading_map(library, method="pca").cached  # a damaged cache is recomputed


def test_region_and_theme_selection(library) -> None:
    found = reading_map(library, method="pca")
    assert len(found.in_region(1, 1, 0, 0)) == len(found.points)  # corners in any order
    left = found.in_region(0, 0, 0.5, 1)
    assert left and all(p.x <= 0.5 for p in left)
    strengths = [p.strength for p in left]
    assert strengths == sorted(strengths, reverse=True)
    for t in found.themes:
        assert {p.article_id for p in found.of_theme(t.id)} == \
            {p.article_id for p in found.points if p.theme_id == t.id}


def test_map_without_themes_or_vectors(ctx) -> None:
    from reader.errors import IndexNotReady

    with pytest.raises(IndexNotReady):
        reading_map(ctx, method="pca")


# -- HTML ---------------------------------------------------------------------------------
def test_html_map_is_standalone_and_escapes_titles(library, reader_home: Path,
                                                   tmp_path: Path) -> None:
    from reader.cli import main

    hostile = '</script><img src=x onerror=alert(1)> & "quotes"'
    library.db.execute("update articles set title = ? where id = 1", [hostile])
    library.db.conn.commit()
    out = tmp_path / "map.html"
    result = CliRunner().invoke(main, ["--home", str(reader_home), "themes", "map",
                                       "--method", "pca", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text("utf-8")
    assert "<img" not in page and "</script><" not in page.replace("</script>\n<script>", "")
    assert "&lt;/script&gt;&lt;img src=x" in page  # the hover title, escaped
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # nothing external
    assert "@import" not in page and "url(" not in page
    data = json.loads(re.search(r'<script type="application/json" id="map-data">(.*?)</script>',
                                page, re.S).group(1))
    assert len(data["points"]) == library.db["articles"].count
    assert hostile in [p[1] for p in data["points"]]  # exact in the data, decoded by JSON.parse
    assert page.count("<circle") == library.db["articles"].count
    found = reading_map(library, method="pca")
    for t in found.themes:
        assert f'data-theme="{t.id}"' in page
    as_json = CliRunner().invoke(main, ["--home", str(reader_home), "themes", "map",
                                        "--method", "pca", "--json"])
    assert json.loads(as_json.output)["method"] == "pca"


def test_html_map_works_in_a_real_browser_offline(library, tmp_path: Path) -> None:
    """Chromium opens the file, requests nothing, and clicking a theme or dragging a box lists
    its articles."""
    import shutil as sh

    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = sh.which("chromium") or sh.which("chromium-browser")
    if chromium is None:
        pytest.skip("no chromium on this machine")
    from reader.render.map_html import render_map_html

    found = reading_map(library, method="pca")
    out = tmp_path / "map.html"
    out.write_text(render_map_html(found.to_dict()), "utf-8")
    with sync_api.sync_playwright() as play:
        browser = play.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        problems: list[str] = []
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: None if r.url.startswith("file:")
                else problems.append(r.url))
        page.goto(out.as_uri())
        theme = found.themes[0]
        page.click(f'#legend li[data-theme="{theme.id}"]')
        assert page.locator("#picked li").count() == theme.articles
        assert page.locator("circle.dim").count() == len(found.points) - theme.articles
        box = page.locator("svg#map").bounding_box()
        page.mouse.move(box["x"] + 1, box["y"] + 1)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] - 1, box["y"] + box["height"] - 1, steps=4)
        page.mouse.up()
        assert page.locator("#picked li").count() == len(found.points)
        browser.close()
    assert problems == []


def test_html_map_cli_errors_are_one_line(library, reader_home: Path, tmp_path: Path) -> None:
    from reader.cli import main

    result = CliRunner().invoke(main, ["--home", str(reader_home), "themes", "map",
                                       "--method", "pca", "--out",
                                       str(tmp_path / "missing" / "map.html")])
    assert result.exit_code == 1 and "cannot write" in result.output
    assert "Traceback" not in result.output


# -- the theme browser ----------------------------------------------------------------------
def test_browse_filters_and_sorts(library) -> None:
    everything = browse_themes(library, sort="size", include_hidden=True)
    assert everything["total"] >= 4
    sizes = [t["articles"] for t in everything["themes"]]
    assert sizes == sorted(sizes, reverse=True)
    assert all(0 <= t["recent"] <= t["articles"] for t in everything["themes"])
    word = everything["themes"][0]["keywords"][0]
    matching = browse_themes(library, text=word.upper(), include_hidden=True)
    assert matching["themes"] and all(
        word in (t["title"] + " " + " ".join(t["keywords"])).lower() or word in t["title"].lower()
        for t in matching["themes"])
    assert browse_themes(library, text="no-such-theme-word")["total"] == 0
    recent = browse_themes(library, sort="recent", include_hidden=True)["themes"]
    assert [t["recent"] for t in recent] == sorted((t["recent"] for t in recent), reverse=True)
    limited = browse_themes(library, sort="name", limit=2)
    assert len(limited["themes"]) == 2 and limited["total"] >= 2


def test_browse_novel_puts_themes_of_recent_reading_first(library) -> None:
    topics = topic_of(library)
    from reader.services.themes.service import ThemeService

    strengths = ThemeService(library).article_themes(None)
    novel = browse_themes(library, sort="novel", level="broad", days=20)
    assert novel["window_end"].startswith("2026-03")
    first = novel["themes"][0]
    # The top novel broad theme's articles are mostly sailing (read in late March).
    carried = [a for a, rows in strengths.items() if any(t == first["id"] and s >= 0.25
                                                         for t, _, s in rows)]
    assert Counter(topics[a] for a in carried).most_common(1)[0][0] == "sailing"
    assert first["recent_share"] >= novel["themes"][-1]["recent_share"]


def test_browse_cli(library, reader_home: Path) -> None:
    from reader.cli import main

    runner = CliRunner()
    plain = runner.invoke(main, ["--home", str(reader_home), "themes", "browse", "--sort",
                                 "recent", "--level", "fine"])
    assert plain.exit_code == 0 and "by recent" in plain.output
    data = json.loads(runner.invoke(main, ["--home", str(reader_home), "themes", "browse",
                                           "--json", "--filter", "zzz"]).output)
    assert data["total"] == 0 and data["themes"] == []
    bad = runner.invoke(main, ["--home", str(reader_home), "themes", "browse", "--sort", "x"])
    assert bad.exit_code == 2


# -- the TUI screen -------------------------------------------------------------------------
async def test_map_screen_fits_80x24_and_lists_a_region_and_a_theme(library, monkeypatch) -> None:
    from textual.widgets import OptionList, Static

    from reader.tui.app import make_app
    from reader.tui.map_canvas import MapCanvas

    monkeypatch.setattr(layout, "umap_available", lambda: False)
    app = make_app(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        canvas = screen.query_one(MapCanvas)
        assert canvas.size.width >= 40 and canvas.size.height >= 18
        assert canvas.points and canvas.labels
        drawn = "".join(str(line) for line in canvas.render().split("\n"))
        assert any(0x2800 < ord(ch) <= 0x28FF for ch in drawn)
        found = screen.reading_map
        placed = [t.title for t in found.themes if t.title[:10] in drawn]
        assert placed  # at least one name is written on the map
        legend = str(screen.query_one("#map-legend", Static).render())
        assert all(t.title[:19] in legend for t in found.themes)
        # The box over the whole map lists every article.
        await pilot.press(*["shift+right"] * 40, *["shift+down"] * 20)
        canvas.pick_box.col = canvas.pick_box.row = 0
        await pilot.press("enter")
        listing = screen.query_one("#map-articles", OptionList)
        assert listing.option_count == len(found.points)
        await pilot.press("t")
        theme = found.themes[0]
        assert listing.option_count == theme.articles
        assert canvas.focus_colour == theme.colour
        await pilot.press("escape")
        assert canvas.focus_colour is None
