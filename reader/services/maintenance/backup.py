"""`reader backup FILE`: a consistent copy of the library database, safe while others write.

SQLite's online backup API copies the pages under one read transaction when asked to copy
them all in one step, so the copy is the library as of one moment even while the UI or a
fetch keeps writing (WAL lets them go on meanwhile). The copy is written beside its
destination, checked with integrity_check, and only then renamed into place, owner-only.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from reader.config import create_private
from reader.errors import BadInput, ReaderError
from reader.services.context import LibraryContext


@dataclass
class BackupReport:
    path: str
    bytes: int
    articles: int


def backup_library(ctx: LibraryContext, destination: Path, *, overwrite: bool = False) -> BackupReport:
    """Copy the library database to `destination`; the copy is checked before it is kept."""
    destination = Path(destination).expanduser()
    if destination.is_dir():
        raise BadInput(f"{destination} is a folder: give the backup's file name")
    if destination.exists() and not overwrite:
        raise BadInput(f"{destination} exists: pass --force to replace it")
    if destination.resolve() == ctx.paths.db.resolve():
        raise BadInput("the backup cannot replace the library it copies")
    tmp = destination.with_name(f".{destination.name}.partial")
    tmp.unlink(missing_ok=True)
    create_private(tmp)
    source = ctx.db.conn
    target = sqlite3.connect(str(tmp))
    try:
        # pages=-1: every page in one step, under one read snapshot: a consistent copy.
        source.backup(target, pages=-1)
        target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        check = [r[0] for r in target.execute("PRAGMA integrity_check").fetchall()]
        if check != ["ok"]:
            raise ReaderError(f"the copy failed its integrity check ({'; '.join(check[:3])}); "
                              "the library is unchanged, no backup was kept")
        articles = target.execute("SELECT count(*) FROM articles").fetchone()[0]
    except BaseException:
        target.close()
        tmp.unlink(missing_ok=True)
        raise
    target.close()
    os.replace(tmp, destination)
    return BackupReport(str(destination), destination.stat().st_size, articles)
