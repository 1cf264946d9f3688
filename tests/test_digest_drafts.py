"""Digest drafts you control: previews, saving, overlaps, delete; the window's words; sections
split by fine themes; "What I'm working on"; sentence vectors kept beside the chunks (m006)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlite_utils import Database

from migrations import migrations
from reader.errors import BadInput, NotFound
from reader.ml.chunking import chunk_article, source_hash
from reader.ml.embedder import FakeEmbedder
from reader.services.digest.sections import Section, SectionPlan, split_large
from reader.services.digest.service import DigestOverlap, DigestService
from reader.services.digest.summaries import summarise_articles
from reader.services.digest.window import Window
from reader.services.digest.wording import (
    greeting,
    join_words,
    reads_as_words,
    sign_off,
    window_words,
)
from reader.services.digest.working_on import working_on
from reader.storage.articles import ArticleStore
from reader.storage.chunks import replace_chunks
from reader.storage.db import open_db
from reader.storage.sentences import count_article_sentence_vectors, count_sentence_vectors
from tests.test_digest import FakeThemes, _add, _reader, cli_library, utc_zone  # noqa: F401

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)

RIVERS = (
    "Urban rivers in Europe have become markedly cleaner since the 1990s, as sewage "
    "treatment improved and factories moved away from the banks.\n"
    "Cleaner urban rivers now support fish, insects and birds that had been absent for "
    "decades, and surveys record kingfishers and otters returning to city rivers.\n"
    "But storm overflows still send untreated sewage into many urban rivers after rain.\n"
    "Photo: A kingfisher on an urban river in south London, taken in the spring.\n"
)


class CountingEmbedder(FakeEmbedder):
    """A FakeEmbedder that counts the sentences it is asked to embed."""

    def __init__(self) -> None:
        super().__init__(dimension=64)
        self.calls: list[int] = []

    def embed(self, texts, **kwargs):
        self.calls.append(len(texts))
        return super().embed(texts, **kwargs)


# -- the window in words ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("since", "until", "period", "cadence"),
    [
        (NOW - 8 * timedelta(hours=1), NOW, "in the last eight hours", "day"),
        (NOW - timedelta(minutes=40), NOW, "in the last hour", "day"),
        (datetime(2026, 11, 29, tzinfo=UTC), NOW, "today", "day"),
        (
            datetime(2026, 11, 28, tzinfo=UTC),
            datetime(2026, 11, 29, tzinfo=UTC),
            "yesterday",
            "day",
        ),
        (
            datetime(2026, 11, 20, tzinfo=UTC),
            datetime(2026, 11, 21, tzinfo=UTC),
            "on 20 November",
            "day",
        ),
        (NOW - 3 * DAY, NOW, "these 3 days", "few days"),
        (NOW - 7 * DAY, NOW, "this week", "week"),
        (NOW - 14 * DAY, NOW, "these two weeks", "two weeks"),
        (NOW - 30 * DAY, NOW, "these 30 days", "month"),
        (NOW - 90 * DAY, NOW, "these 90 days", "few months"),
        (datetime(2026, 11, 3, 9, 30, tzinfo=UTC), NOW, "since 3 November", "month"),
        (
            datetime(2026, 11, 16, tzinfo=UTC),
            datetime(2026, 11, 23, tzinfo=UTC),
            "from 16 to 22 November",
            "week",
        ),
        (
            datetime(2025, 10, 27, tzinfo=UTC),
            datetime(2025, 11, 3, tzinfo=UTC),
            "from 27 October to 2 November 2025",
            "week",
        ),
    ],
)
def test_window_words_read_as_people_write_them(utc_zone, since, until, period, cadence):  # noqa: F811
    words = window_words(Window(since, until), NOW)
    assert (words.period, words.cadence) == (period, cadence)
    assert not words.before.startswith(("the 0 ", "these 0 "))


def test_sign_off_follows_the_window_unless_the_user_wrote_their_own():
    assert sign_off("Until next week,", "month") == "Until next month,"
    assert sign_off("Until next week,", "day") == "Until tomorrow,"
    assert sign_off("Until next week,", "week") == "Until next week,"
    assert sign_off("Cheers,", "month") == "Cheers,"
    assert sign_off("Until next week,", "few days") == "Until next time,"
    assert greeting("few days") == "Say hello, and a line on how the last few days went."


def test_headings_that_hold_an_and_are_listed_with_a_comma():
    assert join_words(["salt", "bread"]) == "salt and bread"
    assert join_words(["features and labels", "fermentation"]) == (
        "features and labels, and fermentation"
    )


@pytest.mark.parametrize(
    ("label", "ok"),
    [
        ("city rivers", True),
        ("Fermentation", True),
        ("read / exam", False),
        ("rust, cargo, crates", False),
        ("x_y", False),
        ("the of", False),
        ("one two three four five", False),
    ],
)
def test_theme_names_enter_prose_only_when_they_read_as_words(label, ok):
    assert reads_as_words(label) is ok


# -- sections that fit -------------------------------------------------------------------------


def test_a_section_over_a_third_is_split_by_its_fine_themes():
    big = list(range(1, 10))  # 9 of 12 articles under broad theme 100
    plan = SectionPlan(
        [Section(100, "food", 9.0, 1.0, big), Section(200, "code", 3.0, 1.0, [10, 11])], [12]
    )
    fine = {101: ("bread", 100), 102: ("pickles", 100), 201: ("rust", 200)}
    strengths = {a: [(101, 0.6)] for a in (1, 2, 3, 4)}
    strengths |= {a: [(102, 0.5), (101, 0.2)] for a in (5, 6, 7)}
    strengths[8] = [(102, 0.4)]
    strengths[9] = []  # about food, but no fine theme: stays under "food"
    out = split_large(plan, strengths, fine)
    assert [(s.label, s.article_ids) for s in out.sections] == [
        ("bread", [1, 2, 3, 4]),
        ("pickles", [5, 6, 7, 8]),
        ("food", [9]),
        ("code", [10, 11]),
    ]
    assert out.also_read == [12]
    assert out.largest_share() == pytest.approx(4 / 12)
    # Small digests are not split: three articles of four is not worth two subheads.
    small = SectionPlan([Section(100, "food", 3.0, 1.0, [1, 2, 5])], [12])
    assert split_large(small, strengths, fine).sections == small.sections


# -- previews, saving, overlaps, delete ----------------------------------------------------------


@pytest.fixture
def week_library(ctx):
    store = ArticleStore(ctx.db)
    ids = [
        _add(store, n, read=NOW - n * DAY, added=NOW - 20 * DAY, text=RIVERS, word_count=80)
        for n in range(1, 6)
    ]
    ids.append(_add(store, 6, read=NOW - 20 * DAY, added=NOW - 25 * DAY, text=RIVERS))
    return ctx, ids


def _service(ctx) -> DigestService:
    return DigestService(ctx, embedder=FakeEmbedder(dimension=64), themes=FakeThemes({}, {}))


def test_a_draft_is_a_preview_until_saved_and_overlaps_are_said(week_library):
    ctx, ids = week_library
    service = _service(ctx)
    preview = service.draft("7d", now=NOW)
    assert preview.id is None and service.list() == []
    saved = service.save(preview)
    assert saved.id and [r.id for r in service.list()] == [saved.id]
    month = service.draft("30d", now=NOW)
    assert month.overlaps == [{"id": saved.id, "dates": "22–29 November 2026", "shared": 5}]
    assert any("overlaps saved digest" in n for n in month.notes)
    with pytest.raises(DigestOverlap) as refused:
        service.save(month)
    assert "--allow-overlap" in str(refused.value)
    assert len(service.list()) == 1  # nothing saved
    # What is new since the saved digest starts where it ended.
    assert (
        refused.value.new_since is None or refused.value.new_since == saved.data["window"]["until"]
    )
    kept = service.save(month, allow_overlap=True)
    assert kept.id and len(service.list()) == 2
    removed = service.delete(saved.id)
    assert removed.id == saved.id and [r.id for r in service.list()] == [kept.id]
    with pytest.raises(NotFound):
        service.delete(saved.id)


def test_overlap_offers_what_is_new_since_the_saved_digest(week_library):
    ctx, ids = week_library
    service = _service(ctx)
    first = service.draft("7d", now=NOW - 2 * DAY, save=True)
    later = service.draft("7d", now=NOW)
    assert later.overlaps and later.new_since == first.data["window"]["until"]
    fresh = service.draft(later.new_since, now=NOW)
    assert not fresh.overlaps
    # read one and two days ago (the first window ended, excluded, at two days ago)
    assert {i["id"] for i in fresh.data["also_read"]} == {ids[0], ids[1]}


def test_cli_preview_save_overlap_and_delete(cli_library: Path):  # noqa: F811
    assert _reader(cli_library, "digest").exit_code == 0
    assert json.loads(_reader(cli_library, "digest", "list", "--json").stdout) == []
    saved = _reader(cli_library, "digest", "--save")
    assert saved.exit_code == 0 and "Saved digest" in saved.stderr
    [entry] = json.loads(_reader(cli_library, "digest", "list", "--json").stdout)
    again = _reader(cli_library, "digest", "--since", "30d", "--save")
    assert again.exit_code == 1 and f"overlaps saved digest #{entry['id']}" in again.stderr
    anyway = _reader(cli_library, "digest", "--since", "30d", "--save", "--allow-overlap")
    assert anyway.exit_code == 0
    assert len(json.loads(_reader(cli_library, "digest", "list", "--json").stdout)) == 2
    refused = _reader(cli_library, "digest", "delete", str(entry["id"]))
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    deleted = _reader(cli_library, "digest", "delete", str(entry["id"]), "--yes")
    assert deleted.exit_code == 0
    assert [
        e["id"] for e in json.loads(_reader(cli_library, "digest", "list", "--json").stdout)
    ] != [entry["id"]]
    missing = _reader(cli_library, "digest", "delete", "999", "--yes")
    assert missing.exit_code == 1 and "no digest with id 999" in missing.stderr
    listed = _reader(cli_library, "digest", "list")
    assert "November" in listed.stdout or "December" in listed.stdout or listed.stdout.strip()


# -- What I'm working on ------------------------------------------------------------------------


def test_working_on_from_a_file_or_a_note(week_library, tmp_path: Path):
    ctx, ids = week_library
    plan = tmp_path / "now.md"
    plan.write_text("Writing about *rivers*.\n\nAnd a talk in   March.\n", "utf-8")
    assert working_on(ctx.db, str(plan)) == ["Writing about *rivers*.", "And a talk in March."]
    note_id = ArticleStore(ctx.db).add_note(ids[0], "A zine on city rivers.")
    assert working_on(ctx.db, f"note:{note_id}") == ["A zine on city rivers."]
    assert working_on(ctx.db, "") == []
    with pytest.raises(BadInput, match="no file"):
        working_on(ctx.db, str(tmp_path / "missing.md"))
    with pytest.raises(NotFound):
        working_on(ctx.db, "note:999")
    draft = _service(ctx).draft("7d", now=NOW, working_on_ref=str(plan))
    assert (
        "## What I'm working on\n\nWriting about \\*rivers\\*.\n\nAnd a talk in March.\n"
        in draft.text
    )
    assert "## What I'm working on" not in _service(ctx).draft("7d", now=NOW).text


# -- sentence vectors beside the chunks (m006) -------------------------------------------------


def _chunk(db, article_id: int, text: str, embedder) -> None:
    chunks = chunk_article("Rivers", text, embedder, budget=60)
    replace_chunks(db, article_id, chunks, source_hash("Rivers", text, "fake", 60), "fake")


def test_sentence_vectors_are_kept_reused_and_go_with_their_chunk(week_library):
    ctx, ids = week_library
    store = ArticleStore(ctx.db)
    embedder = CountingEmbedder()
    for article_id in ids[:2]:
        _chunk(ctx.db, article_id, RIVERS, embedder)
    articles = [store.get(a) for a in ids[:2]]
    first, stats = summarise_articles(ctx.db, embedder, articles, 2)
    assert stats.embedded > 0 and stats.stored == count_sentence_vectors(ctx.db) > 0
    assert embedder.calls == [stats.embedded]
    # Drafting again runs the model on nothing and gives the same summaries.
    again, stats2 = summarise_articles(ctx.db, embedder, articles, 2)
    assert again == first and stats2.embedded == 0 and stats2.reused == stats.stored
    assert len(embedder.calls) == 1
    # From scratch (the benchmark's baseline): same result, nothing read or kept.
    scratch, stats3 = summarise_articles(ctx.db, embedder, articles, 2, reuse=False)
    assert scratch == first and stats3.reused == 0 and stats3.stored == 0
    # Each summary stands alone: never the "But" sentence first, never the caption.
    for summary in first.values():
        assert summary and not summary[0].startswith("But")
        assert not any(s.startswith("Photo") for s in summary)
    # A changed text: the old chunks go, and their sentence vectors with them.
    kept_before = count_sentence_vectors(ctx.db)
    changed = RIVERS.replace("1990s", "1980s")
    store.update(ids[0], text=changed)
    stale, _ = summarise_articles(ctx.db, embedder, [store.get(ids[0])], 2)
    assert count_sentence_vectors(ctx.db) == kept_before  # stale chunks: text used, nothing kept
    _chunk(ctx.db, ids[0], changed, embedder)
    assert count_sentence_vectors(ctx.db) < kept_before
    _summaries, stats4 = summarise_articles(ctx.db, embedder, [store.get(ids[0])], 2)
    assert stats4.embedded > 0 and stats4.stored > 0


def test_a_library_before_m006_upgrades_without_loss(tmp_path: Path):
    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m006_sentence_vectors")
    old.execute("PRAGMA foreign_keys = ON")
    store = ArticleStore(old)
    article_id = store.insert(
        url="https://example.com/a",
        canonical_url="https://example.com/a",
        title="Rivers",
        text=RIVERS,
        state="read",
        fetch_state="provided",
    )
    embedder = FakeEmbedder(dimension=32)
    _chunk(old, article_id, RIVERS, embedder)
    old.execute(
        "insert into digests (created_at, window_start, window_end, subject, article_ids, "
        "unread_ids, format, text, data) values ('2026-11-01T00:00:00Z', '2026-10-25T00:00:00Z', "
        "'2026-11-01T00:00:00Z', 'Old', '[1]', '[]', 'markdown', 'old text', '{}')"
    )
    before = {
        t: old.execute(f"select * from {t}").fetchall() for t in ("articles", "chunks", "digests")
    }
    old.conn.close()
    db = open_db(path)
    assert "sentence_vectors" in db.table_names()
    for table, rows in before.items():
        assert db.execute(f"select * from {table}").fetchall() == rows
    # and the upgraded library keeps sentence vectors from then on
    summaries, stats = summarise_articles(db, embedder, [ArticleStore(db).get(article_id)], 2)
    assert summaries[article_id] and stats.stored == count_sentence_vectors(db) > 0
    assert np.isfinite(stats.stored)


# -- sentence vectors of articles not indexed yet (m010) ---------------------------------------


def test_an_article_not_indexed_is_embedded_once_then_read_back(week_library):
    ctx, ids = week_library
    store = ArticleStore(ctx.db)
    embedder = CountingEmbedder()
    articles = [store.get(a) for a in ids[:3]]  # no chunks: summarised from their text
    first, stats = summarise_articles(ctx.db, embedder, articles, 2)
    assert stats.embedded > 0 and stats.stored > 0
    assert count_article_sentence_vectors(ctx.db) == stats.stored
    again, stats2 = summarise_articles(ctx.db, embedder, articles, 2)
    assert again == first and stats2.embedded == 0 and stats2.reused == stats.stored
    assert len(embedder.calls) == 1
    # The text changes: only its new sentences are embedded, the old ones are dropped.
    before = count_article_sentence_vectors(ctx.db)
    store.update(ids[0], text=RIVERS.replace("1990s", "1980s"))
    _, stats3 = summarise_articles(ctx.db, embedder, [store.get(ids[0])], 2)
    assert stats3.embedded == 1 and count_article_sentence_vectors(ctx.db) == before
    # Once indexed, its sentence vectors live beside the chunks and the article's go.
    _chunk(ctx.db, ids[1], RIVERS, embedder)
    summarise_articles(ctx.db, embedder, [store.get(ids[1])], 2)
    rows = ctx.db.execute(
        "select count(*) from article_sentence_vectors where article_id = ?", [ids[1]]
    ).fetchone()[0]
    assert rows == 0 and count_sentence_vectors(ctx.db) > 0
    # Deleting an article takes its sentence vectors with it.
    ctx.db.execute("delete from articles where id = ?", [ids[2]])
    rows = ctx.db.execute(
        "select count(*) from article_sentence_vectors where article_id = ?", [ids[2]]
    ).fetchone()[0]
    assert rows == 0


def test_a_library_before_m010_upgrades_without_loss(tmp_path: Path):
    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m010_article_sentence_vectors")
    old.execute("PRAGMA foreign_keys = ON")
    store = ArticleStore(old)
    article_id = store.insert(
        url="https://example.com/a",
        canonical_url="https://example.com/a",
        title="Rivers",
        text=RIVERS,
        state="read",
        fetch_state="provided",
    )
    embedder = FakeEmbedder(dimension=32)
    _chunk(old, article_id, RIVERS, embedder)
    old.execute(
        "insert into sentence_vectors (chunk_id, model, content_hash, vector) "
        "select id, 'fake', 'h', x'00000000' from chunks"
    )
    tables = ("articles", "chunks", "sentence_vectors")
    before = {t: old.execute(f"select * from {t}").fetchall() for t in tables}
    old.conn.close()
    db = open_db(path)
    assert "article_sentence_vectors" in db.table_names()
    for table, rows in before.items():
        assert db.execute(f"select * from {table}").fetchall() == rows
    unindexed = ArticleStore(db).insert(
        url="https://example.com/b",
        canonical_url="https://example.com/b",
        title="More",
        text=RIVERS,
        state="read",
        fetch_state="provided",
    )
    _, stats = summarise_articles(db, embedder, [ArticleStore(db).get(unindexed)], 2)
    assert stats.stored == count_article_sentence_vectors(db) > 0


def test_a_split_past_the_most_sections_folds_its_smallest_part_back():
    # 24 articles: broad theme 100 holds 14 (over a third) and splits into four fine themes;
    # five other sections make ten, over the seven a newsletter holds.
    big = list(range(1, 15))
    others = [Section(200 + n, f"other {n}", 1.0, 1.0, [20 + 3 * n, 21 + 3 * n]) for n in range(5)]
    plan = SectionPlan([Section(100, "food", 9.0, 1.0, big), *others], [])
    fine = {101: ("bread", 100), 102: ("pickles", 100), 103: ("soup", 100), 104: ("tea", 100)}
    strengths = {a: [(101, 0.6)] for a in (1, 2, 3, 4)}
    strengths |= {a: [(102, 0.6)] for a in (5, 6, 7)}
    strengths |= {a: [(103, 0.6)] for a in (8, 9)}
    strengths |= {a: [(104, 0.6)] for a in (10, 11)}
    strengths |= {a: [] for a in (12, 13, 14)}  # no fine theme: stay under "food"
    out = split_large(plan, strengths, fine, max_sections=7, max_share=1 / 3)
    assert len(out.sections) <= 8
    labels = [s.label for s in out.sections]
    assert labels[:2] == ["bread", "pickles"] and "food" in labels
    food = next(s for s in out.sections if s.label == "food")
    assert len(food.article_ids) <= 24 / 3 and set(food.article_ids) >= {12, 13, 14}
    assert sorted(a for s in out.sections for a in s.article_ids) == sorted(
        big + [a for s in others for a in s.article_ids]
    )
    # without the cap nothing is folded back
    assert len(split_large(plan, strengths, fine, max_sections=20).sections) == 10
