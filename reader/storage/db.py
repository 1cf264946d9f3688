"""Open the library database: WAL, foreign keys, migrations applied on open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from reader.config import create_private
from reader.errors import ReaderError


def open_db(path: Path | str, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the library at `path`, one connection for this thread."""
    from migrations import migrations

    if str(path) != ":memory:":
        # The library is its owner's alone; SQLite gives -wal and -shm the same mode.
        create_private(Path(path))
    try:
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    except sqlite3.Error as exc:  # pragma: no cover - disk or permission problems
        raise ReaderError(f"cannot open library database {path}: {exc}") from exc
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 30000")
    db = Database(conn)
    if str(path) != ":memory:":
        db.enable_wal()
    conn.execute("PRAGMA synchronous = NORMAL")
    if migrate:
        migrations.apply(db)
    return db


def meta_get(db: Database, key: str) -> str | None:
    row = db.execute("select value from meta where key = ?", [key]).fetchone()
    return row[0] if row else None


def meta_set(db: Database, key: str, value: str) -> None:
    db.execute(
        "insert into meta(key, value) values (?, ?) on conflict(key) do update set value = excluded.value",
        [key, value],
    )
