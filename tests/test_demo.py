"""The demo library: its bundled essays and manifest, build_demo over a real library, `reader demo`."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader.cli import main
from reader.models import to_iso
from reader.services.context import LibraryContext
from reader.services.demo import (
    DemoEssay,
    build_demo,
    demo_batch,
    essay_markdown,
    essay_text,
    load_manifest,
)
from reader.services.library.service import LibraryService
from reader.storage.articles import ArticleStore

NOW = datetime(2026, 11, 29, 19, 0, tzinfo=UTC)
TOPICS = {"interpretability", "simulation", "interfaces", "cities", "cooking", "music"}


@pytest.fixture(scope="module")
def essays() -> list[DemoEssay]:
    return load_manifest()


def this_week(essays: list[DemoEssay]) -> list[DemoEssay]:
    return [e for e in essays if e.days_ago_read is not None and e.days_ago_read < 7]


# -- the bundled content ----------------------------------------------------------------
def test_every_essay_has_a_file_and_every_file_an_entry(essays: list[DemoEssay]) -> None:
    slugs = [e.slug for e in essays]
    assert len(slugs) == 48 and len(set(slugs)) == 48
    folder = resources.files("reader.demo").joinpath("essays")
    files = {p.name[:-3] for p in folder.iterdir() if p.name.endswith(".md")}
    assert files == set(slugs)
    assert Counter(e.topics[0] for e in essays) == {t: 8 for t in TOPICS}
    assert sum(1 for e in essays if len(e.topics) > 1) >= 8  # essays that bridge two topics
    assert all(set(e.topics) <= TOPICS for e in essays)


def test_essays_are_short_titled_markdown(essays: list[DemoEssay]) -> None:
    for essay in essays:
        markdown = essay_markdown(essay.slug)
        assert markdown.splitlines()[0] == f"# {essay.title}", essay.slug
        text = essay_text(markdown)
        assert 300 <= len(text.split()) <= 600, essay.slug
        assert not text.startswith("#") and text.count("\n\n") >= 4, essay.slug
        assert "lorem" not in text.lower()


def test_urls_authors_and_sites_are_fictional_and_consistent(essays: list[DemoEssay]) -> None:
    sites: dict[str, set[str]] = {}
    for essay in essays:
        match = re.fullmatch(r"https://demo\.reader\.invalid/([a-z-]+)/([a-z0-9-]+)", essay.url)
        assert match and match.group(2) == essay.slug, essay.url
        sites.setdefault(match.group(1), set()).add(essay.site)
        assert essay.author and essay.site
    assert all(len(names) == 1 for names in sites.values())  # one display name per site
    assert len(sites) >= 6


def test_highlights_quote_the_essay_exactly(essays: list[DemoEssay]) -> None:
    quoted = 0
    for essay in essays:
        text = essay_text(essay_markdown(essay.slug))
        assert len(essay.highlights) <= 2
        for highlight in essay.highlights:
            assert highlight in text, (essay.slug, highlight)
            assert highlight[0].isupper() and highlight.endswith((".", "?", "!"))
            quoted += 1
        if essay.highlights or essay.note:
            assert essay.status in ("read", "archived"), essay.slug
    assert quoted >= 10 and sum(1 for e in essays if e.note) >= 5


def test_dates_and_states_make_sense(essays: list[DemoEssay]) -> None:
    today = datetime.now(UTC).date()
    for essay in essays:
        published = date.fromisoformat(essay.published)
        assert published <= today - timedelta(days=essay.days_ago_added), essay.slug
        assert 0 <= essay.days_ago_added <= 90
        if essay.status in ("read", "archived"):
            assert essay.days_ago_read is not None and essay.progress == 1.0
            assert essay.days_ago_read <= essay.days_ago_added, essay.slug
        elif essay.status == "reading":
            assert essay.days_ago_read is None and 0 < essay.progress < 1
        else:
            assert essay.status == "unread", essay.slug
            assert essay.days_ago_read is None and essay.progress == 0


def test_the_last_week_has_a_clear_shape(essays: list[DemoEssay]) -> None:
    week = this_week(essays)
    assert 8 <= len(week) <= 12
    topics = Counter(e.topics[0] for e in week)
    assert 2 <= len(topics) <= 3 and topics.most_common(1)[0][1] >= 4
    rising = topics.most_common(1)[0][0]
    earlier = [e for e in essays if e.days_ago_read is not None and e.days_ago_read >= 7]
    assert len(earlier) >= 20
    # The week's main topic was hardly read before, so a digest can say it rose.
    assert sum(1 for e in earlier if rising in e.topics) <= 1
    statuses = Counter(e.status for e in essays)
    assert statuses["unread"] >= 4 and statuses["reading"] >= 2 and statuses["archived"] >= 2


def test_demo_batch_places_history_relative_to_now(essays: list[DemoEssay]) -> None:
    batch = demo_batch(NOW)
    assert batch.format == "demo" and len(batch.items) == 48
    for essay, item in zip(essays, batch.items, strict=True):
        assert item.url == essay.url and item.markdown == essay_markdown(essay.slug)
        added = datetime.fromisoformat(item.added_at.replace("Z", "+00:00"))
        assert timedelta(days=essay.days_ago_added) < NOW - added
        assert NOW - added < timedelta(days=essay.days_ago_added, hours=3)
        if essay.days_ago_read is None:
            assert item.read_at is None
        else:
            assert added < datetime.fromisoformat(item.read_at.replace("Z", "+00:00")) <= NOW


# -- building the library -------------------------------------------------------------------
def test_build_demo_fills_a_real_library(ctx: LibraryContext, essays: list[DemoEssay]) -> None:
    report = build_demo(ctx, now=NOW, index=False, digest=False)
    assert (report.essays, report.added, report.merged, report.failed) == (48, 48, 0, [])
    assert report.steps == [] and report.home == str(ctx.paths.root)
    assert report.read_this_week == len(this_week(essays)) == 10
    assert report.statuses == dict(Counter(e.status for e in essays))
    store = ArticleStore(ctx.db)
    by_url = {a.url: a for a in store.query(full=True)}
    assert len(by_url) == 48
    week_start = to_iso(NOW - timedelta(days=7))
    for essay in essays:
        article = by_url[essay.url]
        assert (article.title, article.author, article.site) == (
            essay.title,
            essay.author,
            essay.site,
        )
        assert article.state == essay.status and article.progress == essay.progress
        assert article.published == essay.published and article.source == "demo"
        assert article.extraction == "provided" and article.fetched_at is not None
        assert article.text == essay_text(essay_markdown(essay.slug))
        assert article.markdown.startswith(f"# {essay.title}\n")
        assert 300 <= article.word_count <= 600
        assert [h.text for h in article.highlights] == list(essay.highlights)
        assert [n.text for n in article.notes] == ([essay.note] if essay.note else [])
        read_recently = article.read_at is not None and article.read_at >= week_start
        assert read_recently == (essay in this_week(essays))
    assert report.notes == sum(1 for e in essays if e.note)
    assert report.highlights == sum(len(e.highlights) for e in essays)


def test_build_demo_twice_adds_nothing(ctx: LibraryContext) -> None:
    first = build_demo(ctx, now=NOW, index=False, digest=False)
    store = ArticleStore(ctx.db)
    before = {
        a.url: (a.added_at, a.read_at, a.state, len(a.notes), len(a.highlights))
        for a in store.query()
    }
    again = build_demo(ctx, now=NOW + timedelta(days=3), index=False, digest=False)
    assert (again.added, again.merged, again.failed) == (0, 48, [])
    assert sorted(again.statuses.items()) == sorted(first.statuses.items())
    after = {
        a.url: (a.added_at, a.read_at, a.state, len(a.notes), len(a.highlights))
        for a in store.query()
    }
    assert after == before
    counts = [ctx.db[t].count for t in ("articles", "notes", "highlights")]
    assert counts == [48, first.notes, first.highlights]


def test_build_demo_keeps_what_the_reader_did(ctx: LibraryContext) -> None:
    build_demo(ctx, now=NOW, index=False, digest=False)
    library = LibraryService(ctx)
    unread = library.list(state="unread")[0]
    library.mark(unread.id, "read")
    library.note(unread.id, "My own thought.")
    build_demo(ctx, now=NOW, index=False, digest=False)
    article = library.get(unread.id)
    assert article.state == "read" and [n.text for n in article.notes] == ["My own thought."]


# -- the command ----------------------------------------------------------------------------
def test_reader_demo_builds_and_summarises(reader_home: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["demo", "--no-tui", "--no-index"])
    assert result.exit_code == 0, result.output
    assert "48 essays (48 added" in result.output
    assert "10 read in the last 7 days" in result.output
    assert str(reader_home) in result.output  # READER_HOME is respected
    again = runner.invoke(main, ["demo", "--no-tui", "--no-index"])
    assert again.exit_code == 0 and "(0 added, 48 already there)" in again.output


def test_reader_demo_json_and_home_option(tmp_path: Path, reader_home: Path) -> None:
    target = tmp_path / "elsewhere"
    result = CliRunner().invoke(main, ["demo", "--home", str(target), "--json", "--no-index"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["essays"] == 48 and data["added"] == 48 and data["home"] == str(target)
    assert (target / "reader.db").exists() and not (reader_home / "reader.db").exists()


def test_reader_demo_never_touches_the_default_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import platformdirs

    data_dir = tmp_path / "data" / "reader"
    monkeypatch.delenv("READER_HOME")
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda *a, **k: str(data_dir))
    result = CliRunner().invoke(main, ["demo", "--no-tui", "--no-index"])
    assert result.exit_code == 0, result.output
    assert (data_dir / "demo" / "reader.db").exists()
    assert not (data_dir / "reader.db").exists()
    assert f"Open it with: reader --home {data_dir / 'demo'}" in result.output


# -- the stages after capture -------------------------------------------------------------
def test_absent_services_are_reported_as_skipped(
    ctx: LibraryContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reader.services.demo as demo

    monkeypatch.setattr(demo, "_available", lambda module: False)
    report = build_demo(ctx, now=NOW)
    assert [(s.name, s.status) for s in report.steps] == [
        ("index", "skipped"),
        ("themes", "skipped"),
        ("digest", "skipped"),
    ]
    assert report.themes == [] and report.digest_id is None and report.added == 48


@pytest.mark.slow
def test_full_demo_indexes_trains_themes_and_drafts_a_digest(ctx: LibraryContext) -> None:
    for module in ("reader.services.search.indexing", "reader.services.themes.service", "reader.services.digest.service"):
        pytest.importorskip(module)
    report = build_demo(ctx, now=NOW)
    assert [(s.name, s.status) for s in report.steps] == [
        ("index", "ran"),
        ("themes", "ran"),
        ("digest", "ran"),
    ], report.steps
    assert report.themes
    from reader.services.digest.service import DigestService

    digest = DigestService(ctx).get(report.digest_id)
    week = this_week(load_manifest())
    assert sum(1 for e in week if e.title in digest.text) == len(week)
    again = build_demo(ctx, now=NOW)
    assert again.added == 0 and again.step("digest").status == "skipped"
    assert again.digest_id == report.digest_id and len(DigestService(ctx).list()) == 1
