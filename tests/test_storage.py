"""The schema is built by migrations, exactly, and upgrades keep every row."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlite_utils import Database

from migrations import migrations
from reader.errors import NotFound
from reader.storage.articles import ArticleStore, compress_html, decompress_html
from reader.storage.db import meta_get, meta_set, open_db

SCHEMA_FILE = Path(__file__).parent / "data" / "schema.sql"


def _schema(db: Database) -> str:
    rows = db.execute(
        "select sql from sqlite_master where sql is not null and name not like 'sqlite_%' "
        "order by type, name"
    ).fetchall()
    return "\n".join(r[0].strip() + ";" for r in rows) + "\n"


def test_migrations_applied_twice_leave_the_expected_schema(tmp_path: Path) -> None:
    path = tmp_path / "lib.db"
    db = open_db(path)
    first = _schema(db)
    db.conn.close()
    db = open_db(path)  # applying again must change nothing
    assert _schema(db) == first
    applied = [m.name for m in migrations.applied(db)]
    assert applied[0] == "m001_create_library"
    assert len(applied) == len(set(applied))
    if os.environ.get("READER_UPDATE_SCHEMA"):
        SCHEMA_FILE.write_text(first, "utf-8")
    assert first == SCHEMA_FILE.read_text("utf-8"), (
        "the schema changed: if that is intended, add a migration and rerun with READER_UPDATE_SCHEMA=1"
    )


def _old_library(path: Path, stop_before: str) -> Database:
    """A library as an earlier version of reader left it: migrations up to `stop_before`."""
    fresh = Database(path)
    migrations.apply(fresh, stop_before=stop_before)
    return fresh


def test_database_at_an_earlier_migration_upgrades_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    names = [m.name for m in migrations.pending(Database(memory=True))]
    old = _old_library(path, names[1])
    # Written with SQL as reader 0.1 did, since today's store knows today's columns only.
    old["articles"].insert({"id": 1, "url": "https://example.com/a",
                            "canonical_url": "https://example.com/a", "title": "Old article",
                            "text": "Some words here", "status": "unread",
                            "added_at": "2026-01-02T03:04:05Z"})
    old["article_tags"].insert_all([{"article_id": 1, "tag": "old"}, {"article_id": 1, "tag": "kept"}])
    old["notes"].insert({"article_id": 1, "text": "a note written before the upgrade"})
    old["highlights"].insert({"article_id": 1, "text": "Some words", "note": "why it mattered"})
    old.conn.close()

    db = open_db(path)
    assert [m.name for m in migrations.applied(db)] == names
    article = ArticleStore(db).get(1)
    assert (article.title, article.text, article.added_at) == (
        "Old article", "Some words here", "2026-01-02T03:04:05Z")
    assert (article.state, article.fetch_state) == ("unread", "fetched")
    assert article.tags == ["kept", "old"]
    assert [n.text for n in article.notes] == ["a note written before the upgrade"]
    assert [(h.text, h.note) for h in article.highlights] == [("Some words", "why it mattered")]


@pytest.mark.parametrize(
    ("status", "target", "extraction", "state", "fetch_state"),
    [
        ("queued", None, None, "unread", "queued"),
        ("queued", "archived", None, "archived", "queued"),
        ("failed", "read", None, "read", "failed"),  # a dead link keeps its reading state
        ("failed", None, None, "unread", "failed"),
        ("unread", None, "full", "unread", "fetched"),
        ("reading", None, "full", "reading", "fetched"),
        ("read", None, "provided", "read", "provided"),
        ("archived", None, "fallback", "archived", "fetched"),
    ],
)
def test_two_states_migration_splits_the_old_status(
    tmp_path: Path, status: str, target: str | None, extraction: str | None, state: str,
    fetch_state: str,
) -> None:
    path = tmp_path / "old.db"
    old = _old_library(path, "m005_two_states")
    old["articles"].insert({"id": 7, "url": "https://dead.example/x",
                            "canonical_url": "https://dead.example/x", "status": status,
                            "target_status": target, "extraction": extraction,
                            "error": "HTTP 404" if status == "failed" else None,
                            "added_at": "2025-05-05T00:00:00Z", "progress": 0.5})
    old["article_tags"].insert({"article_id": 7, "tag": "keep"})
    old.conn.close()

    article = ArticleStore(open_db(path)).get(7)
    assert (article.state, article.fetch_state) == (state, fetch_state)
    assert article.fetch_error == ("HTTP 404" if status == "failed" else None)
    assert (article.progress, article.tags) == (0.5, ["keep"])


def test_wal_and_foreign_keys_are_on(tmp_path: Path) -> None:
    db = open_db(tmp_path / "lib.db")
    assert db.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert db.execute("pragma foreign_keys").fetchone()[0] == 1


def test_article_store_round_trip(tmp_path: Path) -> None:
    db = open_db(tmp_path / "lib.db")
    store = ArticleStore(db)
    article_id = store.insert(url="https://x.org/p?utm_source=a", canonical_url="https://x.org/p",
                              redirects=["https://x.org/old"], html=compress_html("<p>hi</p>"))
    article = store.get(article_id)
    assert (article.state, article.fetch_state) == ("unread", "queued")
    assert article.redirects == ["https://x.org/old"]
    assert store.html(article_id) == "<p>hi</p>"
    assert decompress_html(None) is None
    store.update(article_id, fetch_state="fetched", title="T")
    assert store.get(article_id).title == "T"
    assert store.id_for_canonical("https://x.org/p") == article_id
    with pytest.raises(ValueError):
        store.update(article_id, nonsense=1)
    store.delete(article_id)
    with pytest.raises(NotFound):
        store.get(article_id)
    with pytest.raises(NotFound):
        store.update(article_id, title="gone")


def test_meta_values(tmp_path: Path) -> None:
    db = open_db(tmp_path / "lib.db")
    assert meta_get(db, "model") is None
    meta_set(db, "model", "a")
    meta_set(db, "model", "b")
    assert meta_get(db, "model") == "b"
