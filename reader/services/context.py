"""What every service needs: the library folder, its settings, a connection per thread."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reader.config import Paths, Settings

if TYPE_CHECKING:
    from sqlite_utils import Database


@dataclass
class Progress:
    """One progress report: `done` of `total` units of `stage`, with an optional message."""

    stage: str
    done: int
    total: int | None = None
    message: str = ""


ProgressCallback = Callable[[Progress], None]


def no_progress(_: Progress) -> None:
    return None


class LibraryContext:
    """The library folder, its settings and a SQLite connection for each thread."""

    def __init__(self, home: str | os.PathLike[str] | None = None) -> None:
        self.paths = Paths.at(home)
        self.settings = Settings.load(self.paths.root)
        self._local = threading.local()
        self._lock = threading.Lock()

    @property
    def db(self) -> Database:
        """This thread's connection (opened, and migrated, on first use)."""
        db = getattr(self._local, "db", None)
        if db is None:
            from reader.storage.db import open_db  # sqlite-utils, and NumPy with it: 0.15-0.4 s

            with self._lock:  # migrations must not race between threads
                db = open_db(self.paths.db)
            self._local.db = db
        return db

    @property
    def reads(self) -> Database | sqlite3.Connection:
        """A connection of this thread for reads only: a plain sqlite3 one while the library needs
        no migration (opening it imports nothing heavy), else `db`. Writes go through `db`."""
        return self.quick_reads() or self.db

    def quick_reads(self) -> Database | sqlite3.Connection | None:
        """This thread's connection for reads when one opens without migrating, else None."""
        db = getattr(self._local, "db", None)
        if db is not None:
            return db
        conn = getattr(self._local, "reads", None)
        if conn is None:
            from reader.storage.readonly import open_current

            conn = open_current(self.paths.db)
            if conn is None:
                return None
            self._local.reads = conn
        return conn

    def save_settings(self) -> None:
        self.settings.save(self.paths.root)

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.conn.close()
            self._local.db = None
        reads = getattr(self._local, "reads", None)
        if reads is not None:
            reads.close()
            self._local.reads = None
