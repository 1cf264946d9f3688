"""A plain sqlite3 connection for reads of an up-to-date library, without sqlite-utils.

sqlite-utils imports NumPy when it loads (0.15-0.4 s); the UI's first page needs neither, only a
few SELECTs. `open_current` opens the library with the standard library alone, and only when
every migration is already applied: a library that needs one is opened by `db.open_db`, which
migrates it. The connection refuses writes (`query_only`).
"""

from __future__ import annotations

import functools
import importlib.util
import re
import sqlite3
from pathlib import Path

# How long a statement waits for another connection's lock (db.open_db uses the same).
BUSY_TIMEOUT_MS = 30_000
# How migrations/migrations.py registers a migration: `@migrations()` over a top-level def.
# tests/test_storage_readonly.py checks these names are exactly those sqlite-utils registers.
_REGISTERED = re.compile(r"^@migrations\(\)\s*\ndef (\w+)\(", re.MULTILINE)


@functools.cache
def migration_names() -> frozenset[str]:
    """The names of every migration, read from the migrations source (importing it loads
    sqlite-utils); empty when the source cannot be found, which makes `open_current` decline."""
    spec = importlib.util.find_spec("migrations")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        source = Path(folder) / "migrations.py"
        if source.is_file():
            return frozenset(_REGISTERED.findall(source.read_text("utf-8")))
    return frozenset()


def open_current(path: Path | str) -> sqlite3.Connection | None:
    """A read-only connection to the library at `path`, or None when it does not exist yet, a
    migration is pending, or it cannot be opened (the caller then opens it the usual way)."""
    expected = migration_names()
    if not expected or str(path) == ":memory:" or not Path(path).is_file():
        return None
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=rw", uri=True,
                               timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=True)
    except sqlite3.Error:
        return None
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        applied = {row[0] for row in conn.execute(
            "select name from _sqlite_migrations where migration_set = 'reader'")}
    except sqlite3.Error:
        conn.close()
        return None
    if not expected <= applied:
        conn.close()
        return None
    return conn
