"""`reader doctor` finds what is out of step and repairs it; `reader backup` copies consistently."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from reader.cli import main
from reader.ml.embedder import FakeEmbedder
from reader.services.library.service import LibraryService
from reader.services.maintenance.doctor import run_doctor
from reader.services.search.indexing import index_pending

REPO = Path(__file__).resolve().parents[1]
TOPICS = ["hedgerows and hawthorn", "kettles and steam", "slow practice and repetition",
          "tides and harbours", "bread and sourdough"]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def indexed(ctx, tmp_path: Path) -> LibraryService:
    library = LibraryService(ctx)
    paths = []
    for n, topic in enumerate(TOPICS):
        path = tmp_path / f"essay-{n}.md"
        body = "\n\n".join(f"Paragraph {i} about {topic}, with more words on {topic}."
                           for i in range(12))
        path.write_text(f"# Essay on {topic}\n\n{body}\n", "utf-8")
        paths.append(str(path))
    assert len(library.add(paths).added) == len(TOPICS)
    index_pending(ctx, embedder=FakeEmbedder())
    library.note(1, "a note")
    library.tag(1, ["kept"])
    return library


def problems(ctx) -> dict[str, str]:
    return {f.check: f.message for f in run_doctor(ctx).findings if f.remains}


def test_a_healthy_library_passes(ctx, indexed) -> None:
    report = run_doctor(ctx)
    assert report.problems_left == 0, [f.message for f in report.findings]
    assert {f.check for f in report.findings} >= {"integrity", "schema", "fts", "orphans",
                                                  "vectors", "search index", "themes"}
    result = run("doctor")
    assert result.exit_code == 0 and "healthy" in result.stderr


def test_fts_out_of_step_is_found_and_rebuilt(ctx, indexed) -> None:
    # Change the text behind the FTS index's back, as a crash between two writes could.
    ctx.db.execute("DROP TRIGGER articles_fts_update")
    ctx.db.execute("UPDATE articles SET text = 'entirely different words' WHERE id = 2")
    found = problems(ctx)
    assert "fts" in found and "trigger articles_fts_update" in found["schema"]
    failing = run("doctor")
    assert failing.exit_code == 1 and "--fix" in failing.stderr
    assert run("doctor", "--fix").exit_code == 0
    assert "fts" not in problems(ctx) and "schema" not in problems(ctx)
    # The trigger is back: the index follows the next change by itself.
    ctx.db.execute("UPDATE articles SET text = 'words once more' WHERE id = 2")
    assert "fts" not in problems(ctx)


def test_orphans_are_found_and_removed_without_touching_articles(ctx, indexed) -> None:
    ctx.db.conn.execute("PRAGMA foreign_keys = OFF")
    ctx.db.execute("INSERT INTO notes (article_id, text, created_at) VALUES (999, 'lost', 'x')")
    ctx.db.execute("INSERT INTO article_tags (article_id, tag) VALUES (999, 'lost')")
    ctx.db.execute("INSERT INTO chunks (article_id, ordinal, start_char, end_char, context, text, "
                   "token_count, content_hash) VALUES (999, 0, 0, 1, '', 'x', 1, 'h')")
    ctx.db.conn.execute("PRAGMA foreign_keys = ON")
    assert "orphans" in problems(ctx)
    articles = ctx.db.execute("select count(*) from articles").fetchone()[0]
    report = run_doctor(ctx, fix=True)
    assert report.problems_left == 0, [f.message for f in report.findings]
    assert "orphans" not in problems(ctx)
    assert ctx.db.execute("select count(*) from articles").fetchone()[0] == articles
    assert ctx.db.execute("select count(*) from notes").fetchone()[0] == 1


@pytest.mark.parametrize("damage", ["delete", "garbage", "stale"])
def test_the_search_index_out_of_step_is_rebuilt(ctx, indexed, damage) -> None:
    folder = ctx.paths.index_dir
    if damage == "delete":
        for path in folder.glob("chunks.*"):
            path.unlink()
    elif damage == "garbage":
        (folder / "chunks.hnsw").write_bytes(b"\0" * 100)
    else:  # passages deleted in SQLite after the index was saved
        ctx.db.execute("DELETE FROM chunks WHERE article_id = 3")
    assert "search index" in problems(ctx)
    assert run("doctor", "--fix").exit_code == 0
    assert "search index" not in problems(ctx)


def test_vectors_without_passages_are_a_note_and_tidied(ctx, indexed) -> None:
    ctx.db.execute("DELETE FROM chunks WHERE article_id = 4")
    ctx.db.execute("DELETE FROM chunk_sources WHERE article_id = 4")
    report = run_doctor(ctx)
    unused = [f for f in report.findings if f.check == "vectors" and not f.ok]
    assert unused and not unused[0].problem
    run_doctor(ctx, fix=True)
    assert not [f for f in run_doctor(ctx).findings if f.check == "vectors" and not f.ok]


def test_a_damaged_file_is_reported_and_not_written(tmp_path: Path, reader_home: Path) -> None:
    essay = tmp_path / "e.md"
    essay.write_text("# E\n\n" + "Words. " * 5000, "utf-8")
    assert run("add", "--no-index", str(essay)).exit_code == 0
    db_path = reader_home / "reader.db"
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db_path.read_bytes())
    page = 4096
    for offset in range(2 * page, len(data) - page, page):  # scribble over every page but one
        data[offset:offset + 64] = os.urandom(64)
    db_path.write_bytes(bytes(data))
    result = run("doctor", "--fix")
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_backup_is_consistent_while_a_writer_runs(ctx, indexed, reader_home, tmp_path) -> None:
    writer_code = (
        "import sys, time\n"
        "from reader.services.context import LibraryContext\n"
        "from reader.services.library.service import LibraryService\n"
        "lib = LibraryService(LibraryContext(sys.argv[1]))\n"
        "i = 0\n"
        "while True:\n"
        "    lib.note(1, f'note {i}')\n"
        "    i += 1\n"
        "    print(i, flush=True)\n"
    )
    writer = subprocess.Popen([sys.executable, "-c", writer_code, str(reader_home)], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline()  # it is writing
        copies = []
        for n in range(3):
            out = tmp_path / f"backup-{n}.db"
            result = run("backup", str(out))
            assert result.exit_code == 0, result.output
            copies.append(out)
            time.sleep(0.2)
    finally:
        writer.kill()
        writer.wait()
    for out in copies:
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        copy = sqlite3.connect(out)
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("select count(*) from articles").fetchone()[0] == len(TOPICS)
        notes = copy.execute("select count(*) from notes").fetchone()[0]
        assert notes >= 1
        copy.close()
    assert run("backup", str(copies[0])).exit_code == 1  # never replaced without --force
    assert run("backup", "--force", str(copies[0])).exit_code == 0
