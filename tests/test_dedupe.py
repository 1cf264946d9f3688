"""Near duplicates: marked as they arrive, left out of search, merged and split by the user."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from migrations import migrations
from reader.cli import main
from reader.models import ImportedItem
from reader.services.library import dedupe
from reader.services.library.capture import Capture, CaptureReport
from reader.storage.articles import ArticleStore
from reader.storage.db import open_db

WORDS = ("river bridge city council budget transit reading garden winter library sparrow harbour "
         "committee lantern orchard timber signal market ferry quarry meadow archive tunnel").split()


def essay(seed: int, n: int = 400) -> str:
    rng = random.Random(seed)
    sentences = []
    for _ in range(n // 10):
        sentences.append(" ".join(rng.choice(WORDS) for _ in range(10)).capitalize() + ".")
    return " ".join(sentences)


def rewrap(text: str, width: int = 50) -> str:
    out, line = [], ""
    for word in text.split():
        if len(line) + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*out, line])


def add(ctx, url: str, text: str, **kw) -> tuple[int, CaptureReport]:
    report = CaptureReport()
    article_id = Capture(ctx).merge_item(ImportedItem(url=url, title=url[-1], text=text, **kw),
                                         source="test", report=report)
    return article_id, report


def test_near_copies_are_marked_and_distinct_texts_are_not(ctx) -> None:
    original = essay(1)
    a, _ = add(ctx, "https://a.org/1", original)
    b, report = add(ctx, "https://mirror.org/1", "Subscribe to our newsletter!\n" + rewrap(original))
    words = original.split()
    c, _ = add(ctx, "https://a.org/cut", " ".join(words[: int(len(words) * 0.9)]))
    d, _ = add(ctx, "https://a.org/2", essay(2))  # same vocabulary, different text
    store = ArticleStore(ctx.db)
    assert report.duplicates == [(b, a)]
    assert store.get(b).duplicate_of == a
    assert store.get(c).duplicate_of == a
    assert store.get(d).duplicate_of is None
    listed = {x.id: x for x in dedupe.list_duplicates(ctx.db)}
    assert set(listed) == {b, c} and listed[b].similarity > 0.8


def test_short_texts_are_never_called_copies(ctx) -> None:
    add(ctx, "https://a.org/1", "Thanks for reading.")
    b, _ = add(ctx, "https://a.org/2", "Thanks for reading.")
    assert ArticleStore(ctx.db).get(b).duplicate_of is None


def test_merge_keeps_notes_highlights_tags_and_state_then_split_sticks(ctx) -> None:
    text = essay(3)
    a, _ = add(ctx, "https://a.org/1", text, tags=["one"])
    b, _ = add(ctx, "https://b.org/1", text + " An extra closing line.", tags=["two"], state="read")
    store = ArticleStore(ctx.db)
    store.add_note(b, "note on the copy")
    store.add_highlight(b, "river bridge", "why")
    store.update(b, progress=0.7)
    assert store.get(b).duplicate_of == a
    dedupe.merge(ctx.db, a, b)
    kept = store.get(a)
    assert [n.text for n in kept.notes] == ["note on the copy"]
    assert [h.text for h in kept.highlights] == ["river bridge"]
    assert kept.tags == ["one", "two"]
    assert kept.state == "read" and kept.progress == 0.7
    assert store.get(b).duplicate_of == a and store.get(b).notes == []

    assert dedupe.split(ctx.db, b) == a
    assert store.get(b).duplicate_of is None
    assert dedupe.check_article(ctx.db, b) is None  # the user's word stands
    assert store.get(b).duplicate_of is None


def test_duplicates_are_left_out_of_chunking(ctx) -> None:
    from reader.storage.chunks import articles_to_chunk

    text = essay(4)
    a, _ = add(ctx, "https://a.org/1", text)
    b, _ = add(ctx, "https://b.org/1", rewrap(text))
    assert articles_to_chunk(ctx.db, "tok") == [a]
    dedupe.split(ctx.db, b)
    assert articles_to_chunk(ctx.db, "tok") == [a, b]


def test_cli_lists_merges_and_splits(reader_home: Path, ctx) -> None:
    text = essay(5)
    a, _ = add(ctx, "https://a.org/1", text)
    b, _ = add(ctx, "https://b.org/1", text + " Footer line here.")
    runner = CliRunner()
    listed = runner.invoke(main, ["duplicates", "--json"])
    assert listed.exit_code == 0, listed.output
    assert f'"duplicate_of": {a}' in listed.output
    assert runner.invoke(main, ["merge", str(a), str(a)]).exit_code == 1
    assert runner.invoke(main, ["merge", str(a), "999"]).exit_code == 1
    result = runner.invoke(main, ["split", str(b)])
    assert result.exit_code == 0 and f"no longer a duplicate of #{a}" in result.output


def test_a_library_from_before_upgrades_and_is_checked_on_scan(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    fresh = Database(path)
    names = [m.name for m in migrations.pending(fresh)]
    migrations.apply(fresh, stop_before="m005_two_states")  # from before the state columns, too
    text = essay(6)
    ids = [fresh["articles"].insert({"url": f"https://x.org/{i}", "canonical_url": f"https://x.org/{i}",
                                     "title": str(i), "text": t, "status": "unread",
                                     "added_at": "2026-01-01T00:00:00Z"}).last_pk
           for i, t in enumerate([text, rewrap(text), essay(7)])]
    fresh["notes"].insert({"article_id": ids[1], "text": "kept through the upgrade"})
    before = fresh.execute("select id, url, title, text from articles order by id").fetchall()
    fresh.conn.close()
    db = open_db(path)
    assert [m.name for m in migrations.applied(db)] == names
    after = db.execute("select id, url, title, text, state from articles order by id").fetchall()
    assert [r[:4] for r in after] == [r[:4] for r in before] and {r[4] for r in after} == {"unread"}
    assert dedupe.sign_missing(db) == 3
    assert [ArticleStore(db).get(i).duplicate_of for i in ids] == [None, ids[0], None]
    assert [n.text for n in ArticleStore(db).get(ids[1]).notes] == ["kept through the upgrade"]
    assert dedupe.sign_missing(db) == 0


@pytest.mark.parametrize("keep_first", [True, False])
def test_merge_either_way_leaves_one_visible(ctx, keep_first: bool) -> None:
    text = essay(8)
    a, _ = add(ctx, "https://a.org/1", text)
    b, _ = add(ctx, "https://b.org/1", text + " More.")
    keep, other = (a, b) if keep_first else (b, a)
    dedupe.merge(ctx.db, keep, other)
    store = ArticleStore(ctx.db)
    assert store.get(keep).duplicate_of is None
    assert store.get(other).duplicate_of == keep
