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
