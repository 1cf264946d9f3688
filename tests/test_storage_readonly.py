"""Reads without sqlite-utils: only of a library that needs no migration, and never a write."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from migrations import migrations
from reader.services.context import LibraryContext
from reader.services.library.browse import Listing, browse, count_listing, quick_first_page
from reader.storage.articles import ArticleStore
from reader.storage.db import open_db
from reader.storage.readonly import migration_names, open_current

REPO = Path(__file__).resolve().parents[1]


def _fill(path: Path, count: int = 5) -> None:
    db = open_db(path)
    store = ArticleStore(db)
    with db.atomic():
        for n in range(count):
            url = f"https://example.org/{n}"
            store.insert(url=url, canonical_url=url, title=f"Article {n}", site="example.org",
                         text="words " * 50, word_count=50, fetch_state="fetched",
                         added_at=f"2026-01-{n + 1:02d}T00:00:00Z")
    db.conn.close()


def test_the_names_read_from_the_source_are_those_sqlite_utils_registers() -> None:
    registered = {m.name for m in migrations.pending(Database(memory=True))}
    assert migration_names() == registered


def test_a_current_library_opens_read_only(tmp_path: Path) -> None:
    path = tmp_path / "reader.db"
    assert open_current(path) is None  # nothing there yet: open_db creates it
    assert not path.exists()
    _fill(path)
    conn = open_current(path)
    assert conn is not None
    assert conn.execute("select count(*) from articles").fetchone()[0] == 5
    with pytest.raises(sqlite3.OperationalError):
        conn.execute("delete from articles")
    conn.close()
    assert open_db(path).execute("select count(*) from articles").fetchone()[0] == 5


def test_a_library_with_a_pending_migration_is_left_to_open_db(tmp_path: Path) -> None:
    path = tmp_path / "reader.db"
    names = [m.name for m in migrations.pending(Database(memory=True))]
    old = Database(path)
    migrations.apply(old, stop_before=names[-1])
    old.conn.close()
    assert open_current(path) is None
    ctx = LibraryContext(tmp_path)
    assert quick_first_page(ctx, Listing(), 80) is None
    # The usual way still works, and migrates.
    assert browse(ctx, Listing()).total == 0
    assert not migrations.pending(ctx.db)
    ctx.close()


def test_pages_read_through_either_connection_are_the_same(tmp_path: Path) -> None:
    _fill(tmp_path / "reader.db", 12)
    quick = LibraryContext(tmp_path)
    assert isinstance(quick.reads, sqlite3.Connection)
    full = LibraryContext(tmp_path)
    full.db  # noqa: B018 - this thread now reads through sqlite-utils
    assert not isinstance(full.reads, sqlite3.Connection)
    for listing in (Listing(), Listing(sort="title", descending=False), Listing(words="Article 1")):
        a, b = browse(quick, listing, limit=5), browse(full, listing, limit=5)
        assert a == b and a.articles
        assert count_listing(quick, listing) == count_listing(full, listing)
    page = quick_first_page(quick, Listing(), 80)
    assert page is not None and [x.title for x in page.articles[:2]] == ["Article 11", "Article 10"]
    quick.close()
    full.close()


FIRST_FRAME = """
import json
import sys
from pathlib import Path
from reader.services.context import LibraryContext
from reader.tui.app import ReaderApp
from reader.tui.services import Services

class Watched(ReaderApp):
    CSS_PATH = str(Path(sys.modules[ReaderApp.__module__].__file__).with_name("app.tcss"))

    def on_ready(self):
        self.set_interval(0.005, self.check)

    def check(self):
        table = self.screen.query("#queue")
        if table and table.first().row_count:
            self.exit(["sqlite_utils" in sys.modules, "numpy" in sys.modules,
                       table.first().row_count])

print(json.dumps(Watched(Services(LibraryContext(sys.argv[1]))).run(headless=True, size=(80, 24))))
"""


def test_the_ui_shows_its_first_rows_without_loading_sqlite_utils(tmp_path: Path) -> None:
    """sqlite-utils imports NumPy (0.15-0.4 s): the first frame of the library needs neither."""
    _fill(tmp_path / "reader.db", 3)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", FIRST_FRAME, str(tmp_path)], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [False, False, 3]
