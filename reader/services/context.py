"""What every service needs: the library folder, its settings, a connection per thread."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlite_utils import Database

from reader.config import Paths, Settings
from reader.storage.db import open_db


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
            with self._lock:  # migrations must not race between threads
                db = open_db(self.paths.db)
            self._local.db = db
        return db

    def save_settings(self) -> None:
        self.settings.save(self.paths.root)

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.conn.close()
            self._local.db = None
