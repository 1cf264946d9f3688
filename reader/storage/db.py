"""Open the library database: WAL, foreign keys, migrations applied on open, writes that wait.

Several processes (CLI commands, the UI) may write one library at once. A deferred
transaction that reads and then writes cannot upgrade its lock when another process
committed in between ("database is locked", and the busy timeout does not help), so every
write transaction here takes the write lock up front (BEGIN IMMEDIATE), waiting for it with
the busy timeout and retrying when even that runs out.
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database

from reader.config import create_private
from reader.errors import ReaderError
from reader.storage.readonly import BUSY_TIMEOUT_MS

# After the busy timeout ran out: how many more tries, and the pause before the first.
LOCK_RETRIES = 6
LOCK_BACKOFF_S = 0.05


def is_busy(exc: BaseException) -> bool:
    """Whether `exc` is SQLite saying another connection holds the lock it needs."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    text = str(exc)
    return "locked" in text or "busy" in text


def _retrying(conn: sqlite3.Connection, sql: str) -> None:
    """Run a transaction-control statement, retrying while the database is busy."""
    pause = LOCK_BACKOFF_S
    for attempt in range(LOCK_RETRIES + 1):
        try:
            conn.execute(sql)
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or attempt == LOCK_RETRIES:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 2.0)


@contextlib.contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """One write transaction holding the write lock from its first statement (nests as savepoints).

    Everything inside commits together or not at all; a busy library is waited for, never
    reported as "database is locked" while another writer is merely working.
    """
    conn = db.conn
    if conn.in_transaction:
        savepoint = f"reader_{secrets.token_hex(8)}"
        conn.execute(f"SAVEPOINT {savepoint}")
        try:
            yield db
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            raise
        else:
            conn.execute(f"RELEASE SAVEPOINT {savepoint}")
        return
    _retrying(conn, "BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        _retrying(conn, "COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


class LibraryDatabase(Database):
    """sqlite-utils' Database whose `atomic()` (used by every table write) is `write_transaction`."""

    def atomic(self):  # type: ignore[override]
        return write_transaction(self)

    def begin(self) -> None:
        _retrying(self.conn, "BEGIN IMMEDIATE")

    def execute(self, sql, parameters=None) -> sqlite3.Cursor:  # type: ignore[override]
        """A statement outside a transaction is all-or-nothing: retried while the file is busy."""
        if self.conn.in_transaction:
            return super().execute(sql, parameters)
        pause = LOCK_BACKOFF_S
        for attempt in range(LOCK_RETRIES + 1):
            try:
                return super().execute(sql, parameters)
            except sqlite3.OperationalError as exc:
                if not is_busy(exc) or attempt == LOCK_RETRIES or self.conn.in_transaction:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 2.0)
        raise AssertionError("unreachable")  # pragma: no cover


def open_db(path: Path | str, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the library at `path`, one connection for this thread."""
    if str(path) != ":memory:":
        # The library is its owner's alone; SQLite gives -wal and -shm the same mode.
        create_private(Path(path))
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:  # pragma: no cover - disk or permission problems
        raise ReaderError(f"cannot open library database {path}: {exc}") from exc
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # No sqlite-utils plugins: they are for its own CLI, and finding them reads the metadata
    # of every installed package (80 ms of each command's start).
    db = LibraryDatabase(conn, execute_plugins=False)
    if str(path) != ":memory:":
        _enable_wal(conn)
    conn.execute("PRAGMA synchronous = NORMAL")
    if migrate:
        apply_migrations(db)
    return db


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL once (it persists in the file); needs a moment alone with the file."""
    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
        return
    _retrying(conn, "PRAGMA journal_mode = wal")


def apply_migrations(db: Database) -> None:
    """Apply pending migrations, one process at a time.

    Two processes opening a new library at once would both see m001 pending; a lock file
    held while migrating makes the second wait and then find nothing left to do.
    """
    from migrations import migrations

    if not migrations.pending(db):
        return
    lock_path = _main_file(db)
    if lock_path is None:
        migrations.apply(db)
        return
    with _file_lock(lock_path.with_name(lock_path.name + ".migrate-lock")):
        if migrations.pending(db):
            migrations.apply(db)


def _main_file(db: Database) -> Path | None:
    for _, name, filename in db.execute("PRAGMA database_list").fetchall():
        if name == "main" and filename:
            return Path(filename)
    return None


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: migrations rely on SQLite's locks alone
        yield
        return
    create_private(path)
    with open(path, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def meta_get(db: Database, key: str) -> str | None:
    row = db.execute("select value from meta where key = ?", [key]).fetchone()
    return row[0] if row else None


def meta_set(db: Database, key: str, value: str) -> None:
    db.execute(
        "insert into meta(key, value) values (?, ?) on conflict(key) do update set value = excluded.value",
        [key, value],
    )
