"""Crash safety: SIGKILL reader at random moments while it fetches, indexes and trains.

Serves synthetic articles from 127.0.0.1, then repeats rounds: queue a few more URLs, start a
worker process that fetches (the real fetch path), indexes (fake embedder: the model does not
matter to crash safety) and trains themes, and kill its whole process group with SIGKILL at a
random moment. After every kill the database must pass integrity_check. At the end one worker
runs to completion (resuming whatever was cut short), and the library is checked: every URL
present exactly once and fetched with its own text, no passage stored twice, the HNSW file
holding exactly the passages SQLite has vectors for, and `reader doctor` finding no problem.

    python bench/crash_kills.py [--kills 50] [--seed 0] [--per-round 6] [--start 48]

Prints one JSON object. `--kills` counts only kills that landed while the worker was busy.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TOPICS = {
    "garden": "tomato seedling compost greenhouse mulch pruning orchard soil trellis marigold",
    "sailing": "harbour mainsail jib tiller mooring keel regatta spinnaker anchor buoy",
    "astronomy": "telescope nebula galaxy eclipse orbit comet asteroid observatory spectrum",
    "baking": "sourdough starter dough oven crumb proofing flour levain crust knead",
}
STAGES = ("fetch", "index", "train")
FILLER = "the a of and to in was is it for on with this that today we".split()


def page(n: int) -> str:
    """Article n: a topic, three paragraphs of its words, and a marker only it carries."""
    topic = list(TOPICS)[n % len(TOPICS)]
    rng = random.Random(n)
    words = TOPICS[topic].split()
    paragraphs = []
    for _ in range(4):
        picks = [rng.choice(words) if rng.random() < 0.7 else rng.choice(FILLER) for _ in range(60)]
        paragraphs.append(" ".join(picks).capitalize() + ".")
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><title>Notes on {topic} {n}</title></head><body><article>"
            f"<h1>Notes on {topic} {n}</h1><p>Marker m{n:05d}x for this page.</p>{body}"
            "</article></body></html>")


class Pages(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    def do_GET(self) -> None:  # noqa: N802
        try:
            n = int(self.path.rsplit("/", 1)[-1])
        except ValueError:
            self.send_error(404)
            return
        time.sleep(random.uniform(0.0, 0.03))  # slow enough that kills land mid-fetch
        body = page(n).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def worker(home: str) -> None:
    """One run of the pipeline; prints each stage as it starts so a kill knows where it landed."""
    from reader.errors import NotEnoughData
    from reader.ml.embedder import FakeEmbedder
    from reader.services.context import LibraryContext
    from reader.services.library.service import LibraryService
    from reader.services.search.indexing import index_pending
    from reader.services.themes.service import ThemeService

    ctx = LibraryContext(home)
    fake = FakeEmbedder(dimension=64, max_tokens=64)
    print("stage fetch", flush=True)
    LibraryService(ctx).fetch(workers=1)
    print("stage index", flush=True)
    index_pending(ctx, embedder=fake, wait=True)
    print("stage train", flush=True)
    with contextlib.suppress(NotEnoughData):  # the first rounds may be too small to train
        ThemeService(ctx, embed=fake.embed).train(full=True)
    print("stage done", flush=True)


def start_worker(home: Path) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--worker", str(home)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group: the kill takes extraction workers too
    )


def stages_seen(proc: subprocess.Popen, seen: list[tuple[float, str]]) -> threading.Thread:
    """Collect (time, stage) as the worker announces each stage."""

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.startswith("stage "):
                seen.append((time.monotonic(), line.split()[1]))

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def integrity(db_path: Path) -> str:
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def queue(home: Path, base: str, numbers: range) -> None:
    from reader.services.context import LibraryContext
    from reader.services.library.service import LibraryService

    ctx = LibraryContext(home)
    report = LibraryService(ctx).add([f"{base}/article/{n}" for n in numbers])
    ctx.close()
    if report.failed:
        raise SystemExit(f"could not queue: {report.failed[:3]}")


def allow_local_fetches(home: Path) -> None:
    """The pages come from 127.0.0.1: allow it where the fetch policy has the setting."""
    from dataclasses import fields

    from reader.config import Settings

    if "allow_private_addresses" in {f.name for f in fields(Settings)}:
        (home / "settings.json").write_text(json.dumps({"allow_private_addresses": True}))


def _learn(lasts: dict[str, float], seen: list[tuple[float, str]]) -> None:
    for (t0, stage), (t1, _) in zip(seen, seen[1:], strict=False):
        if stage in lasts:
            lasts[stage] = t1 - t0  # the latest round is the best guess for the next


def verify(home: Path, total: int) -> dict:
    """Everything present once, fetched with its own text; the index and doctor agree."""
    import numpy as np

    from reader.index.hnsw import VectorIndex
    from reader.services.context import LibraryContext
    from reader.services.maintenance.doctor import run_doctor
    from reader.services.search.indexing import library_model
    from reader.storage import chunks as store

    ctx = LibraryContext(home)
    db = ctx.db
    rows = db.execute("SELECT url, text FROM articles").fetchall()
    urls = [r[0] for r in rows]
    expected = {n for n in range(total)}
    present = {int(u.rsplit("/", 1)[-1]) for u in urls}
    lost = len(expected - present)
    duplicated = len(urls) - len(set(urls))
    wrong_text = sum(1 for url, text in rows
                     if f"m{int(url.rsplit('/', 1)[-1]):05d}x" not in (text or ""))
    twice = db.execute("SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT article_id, "
                       "ordinal FROM chunks)) FROM chunks").fetchone()[0]
    model, dimension = library_model(ctx)
    index = VectorIndex.load(ctx.paths.index_dir, model=model, dimension=dimension)
    index_matches = bool(np.array_equal(index.ids, store.indexable_ids(db, model)))
    report = run_doctor(ctx)
    themes = db.execute("SELECT count(*) FROM themes WHERE retired_at IS NULL").fetchone()[0]
    ctx.close()
    return {
        "articles_expected": total, "articles_present": len(set(urls)), "articles_lost": lost,
        "articles_duplicated": duplicated, "articles_with_wrong_text": wrong_text,
        "passages_stored_twice": int(twice), "index_matches_sqlite": index_matches,
        "doctor_problems": report.problems_left,
        "doctor_findings": [f.message for f in report.findings if f.remains],
        "themes": themes,
    }


def run(kills: int, seed: int, per_round: int, start: int, work: Path) -> dict:
    random.seed(seed)
    home = work / "library"
    home.mkdir(parents=True)
    allow_local_fetches(home)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    total = start
    queue(home, base, range(0, total))
    first = start_worker(home)  # a library with themes to start from, as a user's would be
    if first.wait(timeout=900) != 0:
        raise SystemExit(first.stderr.read())  # type: ignore[union-attr]
    landed: dict[str, int] = {}
    tried = survived = 0
    broken: list[str] = []
    # How long each stage lasts, learnt as rounds go: a kill lands uniformly within it.
    lasts = {"fetch": 1.0, "index": 0.5, "train": 2.0}
    started = time.monotonic()
    rounds = 0
    while tried < kills and rounds < kills * 3:
        target = min(STAGES, key=lambda st: landed.get(st, 0))  # the stage killed least
        rounds += 1
        queue(home, base, range(total, total + per_round))  # fresh work for every stage
        total += per_round
        proc = start_worker(home)
        seen: list[tuple[float, str]] = []
        reader = stages_seen(proc, seen)
        kill_at = None
        while proc.poll() is None:
            now = time.monotonic()
            reached = next((t for t, stage in seen if stage == target), None)
            if kill_at is None and reached is not None:
                kill_at = reached + random.uniform(0.0, lasts[target])
            if kill_at is not None and now >= kill_at:
                os.killpg(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.005)
        proc.wait()
        reader.join(timeout=5)
        _learn(lasts, seen)
        if proc.returncode == -signal.SIGKILL:
            stage = seen[-1][1] if seen else "start-up"
            if stage == "done":
                continue  # it finished just before the kill: not a kill during work
            tried += 1
            landed[stage] = landed.get(stage, 0) + 1
            check = integrity(home / "reader.db")
            if check == "ok":
                survived += 1
            else:
                broken.append(f"after a kill during {stage}: {check}")
        elif proc.returncode != 0:
            broken.append(f"worker failed: {proc.stderr.read()[-2000:]}")  # type: ignore[union-attr]
    final = start_worker(home)
    out, err = final.communicate(timeout=900)
    if final.returncode != 0:
        broken.append(f"the resuming run failed: {err[-2000:]}")
    result = verify(home, total)
    server.shutdown()
    return {
        "kills_tried": tried, "kills_survived": survived, "kills_by_stage": landed,
        "rounds": rounds, "integrity_failures": broken, **result,
        "seconds": round(time.monotonic() - started, 1),
        "machine_load_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-round", type=int, default=6)
    parser.add_argument("--start", type=int, default=48)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(args.kills, args.seed, args.per_round, args.start, Path(tmp)),
                         indent=2))


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
