"""Many writers on one library: real processes at once, nothing lost, never "database is locked"."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from reader.storage.db import open_db, write_transaction

REPO = Path(__file__).resolve().parents[1]


def reading_list(folder: Path, name: str, rows: int) -> Path:
    path = folder / f"{name}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for i in range(rows):
            out.write(json.dumps({"url": f"https://{name}.example.org/essay-{i}",
                                  "title": f"{name} essay {i}", "tags": [name]}) + "\n")
    return path


def start(args: list[str], home: Path) -> subprocess.Popen:
    env = {**os.environ, "READER_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, "-m", "reader", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_four_imports_at_once_lose_nothing(reader_home: Path, tmp_path: Path) -> None:
    files = [reading_list(tmp_path, f"source{n}", 300) for n in range(4)]
    # Start from a library that exists, as a user's would, and also from nothing: both race.
    procs = [start(["import", "--no-fetch", "--no-index", str(f)], reader_home) for f in files]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err, err
    db = sqlite3.connect(reader_home / "reader.db")
    assert db.execute("select count(*) from articles").fetchone()[0] == 1200
    assert db.execute("select count(distinct canonical_url) from articles").fetchone()[0] == 1200
    assert db.execute("select count(*) from article_tags").fetchone()[0] == 1200


def test_overlapping_imports_merge_instead_of_duplicating(reader_home: Path, tmp_path) -> None:
    same = reading_list(tmp_path, "shared", 200)
    procs = [start(["import", "--no-fetch", "--no-index", str(same)], reader_home)
             for _ in range(3)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    db = sqlite3.connect(reader_home / "reader.db")
    assert db.execute("select count(*) from articles").fetchone()[0] == 200


def test_a_read_then_write_transaction_waits_instead_of_failing(tmp_path: Path) -> None:
    """The case BEGIN IMMEDIATE exists for: read, another process commits, then write."""
    path = tmp_path / "lib.db"
    open_db(path).conn.close()
    errors: list[BaseException] = []
    counts = 8

    def worker(n: int) -> None:
        db = open_db(path)
        try:
            for i in range(counts):
                with write_transaction(db):
                    seen = db.execute("select count(*) from meta").fetchone()[0]
                    db.execute("insert into meta(key, value) values (?, ?)",
                               [f"w{n}-{i}", str(seen)])
        except BaseException as exc:  # noqa: BLE001 - collected and asserted on below
            errors.append(exc)
        finally:
            db.conn.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    db = open_db(path)
    assert db.execute("select count(*) from meta where key like 'w%'").fetchone()[0] == 6 * counts
