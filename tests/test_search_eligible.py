"""Search's "which articles may match" is answered by the partial index of searchable articles (m015)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlite_utils import Database

from migrations import migrations
from reader.index import fts
from reader.services.search.filters import SearchFilters
from reader.storage import chunks as store
from reader.storage.articles import ArticleStore
from reader.storage.db import open_db

STATES = ("unread", "reading", "read", "archived")
TEXTS = ("Tidal energy and the moon.", "", "   \n\t", None, "The moon, tides and harbours.")


def _fill(db: Database, count: int) -> None:
    articles = ArticleStore(db)
    for i in range(count):
        articles.insert(
            url=f"https://example.com/{i}",
            canonical_url=f"https://example.com/{i}",
            title=f"Moon article {i}",
            text=TEXTS[i % len(TEXTS)],
            state=STATES[i % 4],
            fetch_state=("provided", "fetched", "queued", "failed")[i % 4],
            added_at=f"2026-0{1 + i % 9}-1{i % 10}T08:00:00Z",
        )
    # Some are duplicates of the first.
    db.execute("UPDATE articles SET duplicate_of = 1 WHERE id % 7 = 0 AND id != 1")
    db.conn.commit()


def _searchable(db: Database) -> set[int]:
    return {r[0] for r in db.execute(f"SELECT a.id FROM articles a WHERE {store.ELIGIBLE}")}


def test_a_library_before_m015_upgrades_and_indexes_exactly_the_searchable(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m015_searchable_index")
    _fill(old, 40)
    before = old.execute("select * from articles order by id").fetchall()
    old.conn.close()
    db = open_db(path)
    assert db.execute("select * from articles order by id").fetchall() == before
    through_index = {
        r[0] for r in db.execute(f"SELECT a.id FROM {store.SEARCHABLE} WHERE {store.ELIGIBLE}")
    }
    assert through_index == _searchable(db)
    assert 0 < len(through_index) < 40


@pytest.mark.parametrize("states", [(), ("read",), ("unread", "reading")])
def test_keyword_search_reads_eligibility_from_the_index_and_finds_the_same(
    tmp_path: Path, states: tuple[str, ...]
) -> None:
    db = open_db(tmp_path / "lib.db")
    _fill(db, 60)
    # Writes after the index exists keep it right: text blanked, text given, a duplicate undone.
    db.execute("UPDATE articles SET text = '  ' WHERE id = 5")
    db.execute("UPDATE articles SET text = 'The moon again.', fetch_state = 'fetched' WHERE id = 3")
    db.execute("UPDATE articles SET duplicate_of = NULL WHERE id = 21")
    db.conn.commit()
    where, params = SearchFilters(states=states, since="2026-02-01").sql()
    query = fts.parse_query("moon")
    got = fts.keyword_search(
        db, query, limit=100, where=where, params=params, articles=store.SEARCHABLE
    )
    plain = fts.keyword_search(db, query, limit=100, where=where, params=params)
    assert got == plain and got
    plan = " ".join(
        str(r[3])
        for r in db.execute(
            "EXPLAIN QUERY PLAN SELECT f.rowid FROM articles_fts f JOIN "
            f"{store.SEARCHABLE} ON a.id = f.rowid WHERE articles_fts MATCH 'moon' AND {where}",
            params,
        )
    )
    assert "idx_articles_searchable" in plan
    ids = {aid for aid, _ in got}
    # id 3 (read) got a text; id 21 (unread) is no longer a duplicate; id 5 lost its text.
    assert (3 in ids) == (not states or "read" in states)
    assert (21 in ids) == (not states or "unread" in states)
    assert 5 not in ids
