"""Imports write many items per transaction: still one item's failure is its own, dedupe still
works across and within batches, progress is reported, and concurrent importers lose nothing."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from reader.models import ImportBatch, ImportedItem
from reader.services.context import Progress
from reader.services.library import capture as capture_module
from reader.services.library.capture import Capture

REPO = Path(__file__).resolve().parents[1]
WORDS = ("harbour lantern orchard quarry ferry canal kiln loom hedge tide mill bridge river "
         "garden clock map").split()


def essay(seed: int, words: int = 120) -> str:
    """A text of distinct 5-word shingles, different for each seed."""
    return " ".join(f"{WORDS[(seed * 7 + i) % len(WORDS)]}{(seed * 31 + i * 17) % 97}"
                    for i in range(words))


def count(ctx, sql: str, params=()) -> int:
    return ctx.db.execute(sql, list(params)).fetchone()[0]


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(capture_module, "IMPORT_BATCH", 3)
    return 3


def test_a_bad_item_is_rolled_back_alone_and_its_batch_commits(ctx, small_batches) -> None:
    items = [ImportedItem(url=f"https://ok.example/{i}", title=f"fine essay {i}", text=essay(i),
                          tags=["kept"]) for i in range(6)]
    # Both bad items fail after their article row was written (a lone surrogate cannot be
    # stored): the first in its tags, the second in a note. Neither may leave anything behind.
    items[1].tags = ["kept", "bad\ud800"]
    items[4] = ImportedItem(url="https://bad.example/note", title="bad note", text=essay(40))
    from reader.models import Note

    items[4].notes = [Note(text="broken \udfff note")]
    report = Capture(ctx).add_batch(ImportBatch("jsonl", items=items), source="test")

    assert sorted(p.where for p in report.failed) == ["https://bad.example/note",
                                                     "https://ok.example/1"]
    assert all("not stored" in p.message for p in report.failed)
    assert len(report.added) == 4
    urls = {r[0] for r in ctx.db.execute("select url from articles")}
    assert urls == {f"https://ok.example/{i}" for i in (0, 2, 3, 5)}
    assert count(ctx, "select count(*) from article_tags") == 4
    assert count(ctx, "select count(*) from notes") == 0
    assert count(ctx, "select count(*) from near_dup_signatures") == 4
    # The keyword index holds exactly the articles kept (triggers rolled back with them).
    assert count(ctx, "select count(*) from articles_fts where articles_fts match 'fine'") == 4
    assert count(ctx, "select count(*) from articles_fts where articles_fts match 'bad'") == 0
    assert set(report.added) == {r[0] for r in ctx.db.execute("select id from articles")}


def test_dedupe_works_within_and_across_batches(ctx, small_batches) -> None:
    base = essay(1, 200)
    items = [
        ImportedItem(url="https://a.example/first?utm_source=x", title="first", text=base),
        ImportedItem(url="https://b.example/other", title="other", text=essay(2)),
        # Same article as the first (tracking parameter dropped), in the same batch.
        ImportedItem(url="https://a.example/first", title="first again", tags=["again"]),
        # A near copy of the first (its text with a few words changed), in the next batch.
        ImportedItem(url="https://c.example/copy", title="copy",
                     text=base.replace(base.split()[50], "changed", 1) + " postscript"),
        ImportedItem(url="https://d.example/new", title="new", text=essay(3)),
        # The other article again, two batches after it was added.
        ImportedItem(url="https://b.example/other#frag", title="other", state="read"),
    ]
    seen: list[Progress] = []
    report = Capture(ctx).add_batch(ImportBatch("jsonl", items=items), source="test",
                                    progress=seen.append)
    assert len(report.added) == 4 and len(report.merged) == 2 and not report.failed
    first = ctx.db.execute("select id from articles where url like 'https://a.example/%'").fetchone()[0]
    copy = ctx.db.execute("select id, duplicate_of from articles where title = 'copy'").fetchone()
    assert copy[1] == first and report.duplicates == [(copy[0], first)]
    assert ctx.db.execute("select tag from article_tags where article_id = ?", [first]).fetchall() == [
        ("again",)]
    assert ctx.db.execute("select state from articles where title = 'other'").fetchone() == ("read",)
    assert [(p.stage, p.done, p.total) for p in seen] == [
        ("importing", 0, 6), ("importing", 3, 6), ("importing", 6, 6)]


def test_one_write_transaction_per_batch(ctx, small_batches) -> None:
    statements: list[str] = []
    ctx.db.conn.set_trace_callback(statements.append)
    items = [ImportedItem(url=f"https://t.example/{i}", title=f"t{i}", text=essay(i))
             for i in range(7)]
    Capture(ctx).add_batch(ImportBatch("jsonl", items=items), source="test")
    ctx.db.conn.set_trace_callback(None)
    assert sum(s.startswith("BEGIN IMMEDIATE") for s in statements) == 3  # 3 + 3 + 1 items
    assert sum(s.startswith("COMMIT") for s in statements) == 3
    assert sum(s.startswith("SAVEPOINT") for s in statements) >= 7


IMPORTER = """
import sys
from reader.services.library import capture
capture.IMPORT_BATCH = 25
from reader.cli import main
sys.argv = ['reader', 'import', '--no-fetch', '--no-index', sys.argv[1]]
main()
"""


def test_two_batched_importers_at_once_lose_nothing(reader_home: Path, tmp_path: Path) -> None:
    """Two processes importing overlapping lists, 25 items a transaction, interleave safely."""
    files = []
    for n, span in enumerate((range(0, 300), range(150, 450))):
        path = tmp_path / f"list{n}.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for i in span:
                out.write(json.dumps({"url": f"https://shared.example/essay-{i}",
                                      "title": f"essay {i}", "text": essay(i, 40),
                                      "tags": [f"from{n}"]}) + "\n")
        files.append(path)
    env = {**os.environ, "READER_HOME": str(reader_home), "HF_HUB_OFFLINE": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", IMPORTER, str(f)], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for f in files]
    for proc in procs:
        _out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err, err
    db = sqlite3.connect(reader_home / "reader.db")
    assert db.execute("select count(*) from articles").fetchone()[0] == 450
    assert db.execute("select count(distinct canonical_url) from articles").fetchone()[0] == 450
    # Every article carries the tag of each list it was in: 300 + 300 tag rows.
    assert db.execute("select count(*) from article_tags").fetchone()[0] == 600
    both = db.execute("select count(*) from (select article_id from article_tags "
                      "group by article_id having count(*) = 2)").fetchone()[0]
    assert both == 150
    assert db.execute("select count(*) from articles_fts").fetchone()[0] == 450
