"""Library pages by date come from an index walk (m008), in the same order as a full sort."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from migrations import migrations
from reader.services.context import LibraryContext
from reader.services.library.browse import SHOWS, Listing, browse
from reader.storage.articles import ArticleStore
from reader.storage.db import open_db

STATES = ("unread", "reading", "read", "archived")


def _fill(store: ArticleStore, count: int) -> None:
    for i in range(count):
        store.insert(
            url=f"https://example.com/{i}",
            canonical_url=f"https://example.com/{i}",
            title=f"Article {i}",
            text="Some words here." if i % 5 else None,
            state=STATES[i % 4],
            fetch_state="provided" if i % 5 else "queued",
            # Equal dates in pairs: ties must fall back to the id.
            added_at=f"2026-0{1 + (i * 7) % 9}-1{(i // 2) % 10}T08:00:00Z",
        )


def test_a_library_before_m008_upgrades_without_loss(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = Database(path)
    migrations.apply(old, stop_before="m008_state_added_index")
    _fill(ArticleStore(old), 12)
    before = old.execute("select * from articles order by id").fetchall()
    old.conn.close()
    db = open_db(path)
    assert db.execute("select * from articles order by id").fetchall() == before
    names = [r[0] for r in db.execute("select name from sqlite_master where type = 'index'")]
    assert "idx_articles_state_added_at" in names


def test_pages_by_date_are_index_walks_in_the_full_sort_order(tmp_path: Path) -> None:
    ctx = LibraryContext(tmp_path / "lib")
    _fill(ArticleStore(ctx.db), 60)
    for show in SHOWS:
        for descending in (True, False):
            listing = Listing(show=show, sort="added", descending=descending)
            where, params = listing.where()
            pages = [
                [a.id for a in browse(ctx, listing, offset=o, limit=7).articles]
                for o in range(0, 63, 7)
            ]
            got = [i for page in pages for i in page]
            way = "desc" if descending else "asc"
            expected = [r[0] for r in ctx.db.execute(
                f"select id from articles where {where} order by added_at {way}, id {way}", params
            )]
            assert got == expected, show
            plan = " ".join(str(r[3]) for r in ctx.db.execute(
                f"explain query plan select id from articles where {where} "
                f"order by {listing.order()} limit 7", params
            ))
            if show in ("all", "unread", "read"):
                assert "TEMP B-TREE" not in plan, (show, plan)


def _plan(db, sql: str, params: list) -> list[str]:
    return [row[3] for row in db.execute(f"explain query plan {sql}", params).fetchall()]


def test_top_themes_of_a_page_start_from_its_articles(tmp_path: Path) -> None:
    """The themes of a page are found from its articles, never by probing every theme."""
    from reader.storage.articles import TOP_THEMES_SQL

    db = open_db(tmp_path / "reader.db")
    store = ArticleStore(db)
    _fill(store, 30)
    run = db["theme_runs"].insert({"created_at": "2026-01-01T00:00:00Z"}).last_pk
    for n in range(40):
        db["themes"].insert({"id": n + 1, "run_id": run, "label": f"theme {n}",
                             "hidden": int(n % 9 == 0)})
    rows = [{"article_id": a, "theme_id": 1 + (a * 7 + k) % 40, "value": 1.0,
             "strength": float(k), "passages": 1} for a in range(1, 31) for k in range(5)]
    db["article_themes"].insert_all(rows, ignore=True)
    ids = list(range(1, 31))
    sql = TOP_THEMES_SQL.format(marks=",".join("?" * len(ids)))
    plan = _plan(db, sql, ids)
    assert plan[0].startswith("SEARCH a USING") and "article_id=?" in plan[0], plan
    # And the answer is the strongest shown theme of each article.
    found = store.top_themes(ids)
    for article_id in ids:
        shown = [r for r in rows if r["article_id"] == article_id and (r["theme_id"] - 1) % 9]
        best = max(shown, key=lambda r: r["strength"])
        assert found[article_id] == (best["theme_id"], f"theme {best['theme_id'] - 1}")
