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


def test_database_at_an_earlier_migration_upgrades_and_loses_nothing(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    fresh = Database(path)
    names = [m.name for m in migrations.pending(fresh)]
    if len(names) < 2:
        pytest.skip("only one migration so far")
    migrations.apply(fresh, stop_before=names[1])
    store = ArticleStore(fresh)
    article_id = store.insert(url="https://example.com/a", canonical_url="https://example.com/a",
                              title="Old article", text="Some words here", status="unread")
    store.add_tags(article_id, ["old", "kept"])
    store.add_note(article_id, "a note written before the upgrade")
    store.add_highlight(article_id, "Some words", "why it mattered")
    before = fresh.execute("select * from articles").fetchall()
    fresh.conn.close()

    db = open_db(path)
    assert [m.name for m in migrations.applied(db)] == names
    assert db.execute("select * from articles").fetchall()[0][: len(before[0])] == before[0]
    article = ArticleStore(db).get(article_id)
    assert article.tags == ["kept", "old"]
    assert [n.text for n in article.notes] == ["a note written before the upgrade"]
    assert [(h.text, h.note) for h in article.highlights] == [("Some words", "why it mattered")]


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
    assert article.status == "queued"
    assert article.redirects == ["https://x.org/old"]
    assert store.html(article_id) == "<p>hi</p>"
    assert decompress_html(None) is None
    store.update(article_id, status="unread", title="T")
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
