"""A life's reading: build a library of N articles (100,000 by default) and time every stage.

The library is built from real texts: articles of ../shared/corpora (BBC news, AG News, the
Rust blog, SciFact abstracts) recombined, each made of about half the sentences of one source
article plus one or two paragraphs of two others, so no two texts are the same and few are
near copies (whole source paragraphs repeated made 59% of a 100k library near duplicates). Dates spread over ten
years, reading states, tags and notes are drawn with a fixed seed. It is imported through
`reader import` (a JSONL export, as a user moving libraries would).

Indexing runs reader's real path (chunking with the model's tokenizer, SQLite writes, the
HNSW build), but only `--real-embed` passages go through the model: embedding 100k
articles takes hours on two cores. Every other passage gets a vector synthesised from a
real one (a real passage embedding plus noise of norm 0.75, cosine about 0.8, chosen by the
passage's hash), said in the output as `synthesised_vectors`. The model's own rate is
measured on the real passages and printed beside it.

Then: size on disk; hybrid search p50/p95 (SciFact claims as queries, warm service);
`reader list --json` (wall time, time to first byte, peak memory of that process);
digest draft for the busiest month; theme training (`reader themes train`, in its own
process, with a time limit); and the terminal UI in its own process: time until the
library screen shows rows, latency per keystroke when scrolling and when switching filter,
and its peak memory.

    python bench/scale.py [--articles 100000] [--real-embed 500] [--home DIR]
                          [--skip STAGE,...] [--themes-timeout 900]

Prints one JSON object. Peak memory is each process's VmHWM. A stage that fails is
reported with its error and the others still run.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CORPORA = REPO.parent / "shared" / "corpora"
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402

TAGS = [
    f"{a}-{b}"
    for a in ("ai", "cities", "food", "rust", "health", "money", "sport", "music")
    for b in ("notes", "long", "work", "quote", "later")
]
STATES = (("read", 0.6), ("unread", 0.25), ("archived", 0.1), ("reading", 0.05))
NOISE = 0.75
PROBE_MARK = "@@scale-probe@@"


# -- the corpus -----------------------------------------------------------------------


def source_articles() -> list[tuple[str, list[str]]]:
    """(title, paragraphs) of every real article in the shared corpora."""
    out: list[tuple[str, list[str]]] = []

    def paragraphs(text: str) -> list[str]:
        parts = [p.strip() for p in text.replace("\r", "").split("\n\n") if p.strip()]
        if len(parts) <= 1:
            parts = [p.strip() for p in text.split("\n") if p.strip()]
        return parts

    def rows(path: Path):
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield json.loads(line)

    for row in rows(CORPORA / "bbc" / "bbc.jsonl"):
        out.append((row.get("title") or "", paragraphs(row.get("article") or "")))
    for row in rows(CORPORA / "rust-blog" / "posts.jsonl"):
        out.append((row.get("title") or "", paragraphs(row.get("markdown") or "")))
    for row in rows(CORPORA / "scifact" / "corpus.jsonl"):
        out.append((row.get("title") or "", [row.get("text") or ""]))
    for row in rows(CORPORA / "ag-news" / "ag-news.jsonl"):
        out.append((row.get("title") or "", [row.get("text") or ""]))
    return [(t, p) for t, p in out if t and p and sum(len(x) for x in p) > 80]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _half_of(paragraph: str, rng: random.Random) -> str:
    """The paragraph with each of its sentences kept with probability 0.5."""
    return " ".join(s for s in _SENTENCE_END.split(paragraph) if rng.random() < 0.5)


def write_library_jsonl(path: Path, count: int, seed: int) -> dict:
    """A JSONL export of `count` recombined articles; returns what it holds."""
    rng = random.Random(seed)
    sources = source_articles()
    end = datetime(2026, 11, 30, tzinfo=UTC)
    span = timedelta(days=3650).total_seconds()
    states: Counter[str] = Counter()
    notes = 0
    with path.open("w", encoding="utf-8") as f:
        for i in range(count):
            title, paras = sources[rng.randrange(len(sources))]
            # Each source is drawn about N / 16k times: its sentences are kept with p=0.5, so
            # two articles made from it share about a third of their words, not all (at 0.5
            # shingle Jaccard reader would rightly mark them near copies and index neither).
            picked = [kept for para in paras if (kept := _half_of(para, rng))] or paras[:1]
            for _ in range(2):
                _, extra = sources[rng.randrange(len(sources))]
                picked += rng.sample(extra, min(len(extra), rng.randint(1, 2)))
            added = end - timedelta(seconds=rng.random() * span)
            state = rng.choices([s for s, _ in STATES], [w for _, w in STATES])[0]
            states[state] += 1
            read_at = (
                (added + timedelta(days=rng.random() * 20)).isoformat().replace("+00:00", "Z")
                if state in ("read", "archived")
                else None
            )
            stamp = added.replace(microsecond=0).isoformat().replace("+00:00", "Z")
            row = {
                "url": f"https://scale.example/{i // 1000}/{i}",
                "title": f"{title} ({i})",
                "site": f"site{rng.randrange(400)}.example",
                "published": added.date().isoformat(),
                "added_at": stamp,
                "read_at": read_at,
                "status": state,
                "state": state,
                "fetch_state": "provided",
                "text": "\n\n".join(picked),
                "tags": rng.sample(TAGS, rng.choice((0, 0, 1, 1, 2, 3))),
                "notes": [],
            }
            if rng.random() < 0.1:
                notes += 1
                row["notes"] = [{"text": f"note on {title[:40]}", "created_at": read_at or stamp}]
            f.write(json.dumps(row) + "\n")
    return {"articles": count, "states": dict(states), "notes": notes, "sources": len(sources)}


# -- measured child processes -----------------------------------------------------------

_WRAP = (
    "import atexit, runpy, sys\n"
    "def _peak():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    f"            print('{PROBE_MARK}', int(line.split()[1]) // 1024, file=sys.stderr)\n"
    "atexit.register(_peak)\n"
    "sys.argv = ['reader', *sys.argv[1:]]\n"
    "runpy.run_module('reader', run_name='__main__')\n"
)


def run_reader(home: Path, *args: str, timeout: float | None = None) -> dict:
    """`python -m reader --home HOME ARGS` from this checkout: seconds, rc, peak MB, output."""
    command = [sys.executable, "-c", _WRAP, "--home", str(home), *args]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first_byte = None
    chunks = []
    assert process.stdout is not None
    try:
        while True:
            block = process.stdout.read1(1 << 16)
            if not block:
                break
            if first_byte is None:
                first_byte = time.perf_counter() - started
            chunks.append(block)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    stderr = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
    seconds = time.perf_counter() - started
    peak = [int(line.split()[1]) for line in stderr.splitlines() if line.startswith(PROBE_MARK)]
    return {
        "seconds": round(seconds, 2),
        "rc": process.returncode,
        "peak_mb": peak[-1] if peak else None,
        "first_byte_s": round(first_byte, 3) if first_byte is not None else None,
        "stdout": b"".join(chunks),
        "stderr": "\n".join(x for x in stderr.splitlines() if not x.startswith(PROBE_MARK)),
    }


def peak_mb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return 0


# -- indexing with synthesised vectors ------------------------------------------------


class SynthesisedEmbedder:
    """The real model's tokenizer and id; vectors are real ones plus noise (see the docstring)."""

    def __init__(self, real, base: np.ndarray) -> None:
        self.real = real
        self.model_id = real.model_id
        self.dimension = real.dimension
        self.max_tokens = real.max_tokens
        self.special_tokens = real.special_tokens
        self.base = base
        self.synthesised = 0

    @property
    def budget(self) -> int:
        return self.max_tokens - self.special_tokens

    def token_spans(self, texts):
        return self.real.token_spans(texts)

    def embed(self, texts, *, batch_size: int = 32, progress=None):
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            rng = np.random.default_rng(seed)
            noise = rng.normal(size=self.dimension).astype(np.float32)
            noise *= NOISE / np.linalg.norm(noise)
            vector = self.base[seed % len(self.base)] + noise
            out[row] = vector / np.linalg.norm(vector)
        self.synthesised += len(texts)
        return out


def stage_index(home: Path, real_embed: int) -> dict:
    from reader.ml.embedder import Embedder
    from reader.services.context import LibraryContext
    from reader.services.search.indexing import index_pending, indexing_embedder

    ctx = LibraryContext(home)
    real = indexing_embedder(ctx)  # the ONNX export, made once (untimed)
    rows = ctx.db.execute(
        "SELECT title, text FROM articles WHERE text IS NOT NULL ORDER BY id LIMIT ?",
        [max(1, real_embed // 3)],
    ).fetchall()
    from reader.ml.chunking import chunk_article

    passages = []
    for title, text in rows:
        passages += [c.embed_text for c in chunk_article(title, text, real, budget=real.budget)]
    passages = passages[:real_embed]
    started = time.perf_counter()
    base = real.embed(passages)
    real_seconds = time.perf_counter() - started
    synth = SynthesisedEmbedder(real, base)
    Embedder.register(SynthesisedEmbedder)
    started = time.perf_counter()
    report = index_pending(ctx, embedder=synth)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    articles = ctx.db.execute("SELECT COUNT(DISTINCT article_id) FROM chunks").fetchone()[0]
    ctx.close()
    return {
        "seconds": round(seconds, 1),
        "articles_per_s": round(articles / seconds, 1),
        "passages": report.index_size,
        "passages_per_s": round(report.index_size / seconds, 1),
        "synthesised_vectors": synth.synthesised,
        "real_model_passages": len(passages),
        "real_model_passages_per_s": round(len(passages) / real_seconds, 1),
        "model_time_for_all_at_that_rate_h": round(
            report.index_size / (len(passages) / real_seconds) / 3600, 2
        ),
        "model": report.model,
    }


def stage_search(home: Path, count: int = 60) -> dict:
    from reader.services.context import LibraryContext
    from reader.services.search.service import SearchService

    queries = []
    with (CORPORA / "scifact" / "queries.jsonl").open(encoding="utf-8") as f:
        for line in f:
            queries.append(json.loads(line)["text"])
            if len(queries) >= count + 1:
                break
    ctx = LibraryContext(home)
    service = SearchService(ctx)
    started = time.perf_counter()
    service.search(queries[0], mode="hybrid")
    first = time.perf_counter() - started
    times = []
    for query in queries[1:]:
        t0 = time.perf_counter()
        service.search(query, mode="hybrid")
        times.append(time.perf_counter() - t0)
    ctx.close()
    return {
        "first_s": round(first, 2),
        "p50_ms": round(statistics.median(times) * 1000, 1),
        "p95_ms": round(float(np.percentile(times, 95)) * 1000, 1),
        "queries": len(times),
    }


def stage_digest(home: Path) -> dict:
    from reader.services.context import LibraryContext
    from reader.services.digest.service import DigestService

    ctx = LibraryContext(home)
    month, read = ctx.db.execute(
        "SELECT substr(read_at, 1, 7) AS m, COUNT(*) FROM articles WHERE read_at IS NOT NULL "
        "GROUP BY m ORDER BY 2 DESC LIMIT 1"
    ).fetchone()
    since = f"{month}-01"
    year, mon = int(month[:4]), int(month[5:7])
    until = f"{year + mon // 12}-{mon % 12 + 1:02d}-01"
    started = time.perf_counter()
    draft = DigestService(ctx).draft(since, until, save=False)
    seconds = time.perf_counter() - started
    ctx.close()
    return {
        "month": month,
        "read_that_month": read,
        "seconds": round(seconds, 2),
        "markdown_chars": len(draft.text),
    }


# -- the terminal UI, probed in its own process -----------------------------------------


async def _probe_ui(home: Path) -> dict:
    from textual.widgets import DataTable

    from reader.services.context import LibraryContext
    from reader.tui.app import make_app
    from reader.tui.screens.library import FILTERS

    ctx = LibraryContext(home)
    app = make_app(ctx)
    started = time.perf_counter()
    out: dict = {}
    async with app.run_test(size=(120, 36)) as pilot:

        async def settled() -> None:
            # The listing loads in a worker; done when the workers are and the screen repainted.
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()

        await settled()
        table = app.screen.query_one(DataTable)
        out["open_s"] = round(time.perf_counter() - started, 2)
        out["rows_in_table"] = table.row_count
        keys = []
        for key in ["down"] * 40 + ["pagedown"] * 3:
            t0 = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            keys.append(time.perf_counter() - t0)
        out["scroll_key_p50_ms"] = round(statistics.median(keys) * 1000, 1)
        out["scroll_key_max_ms"] = round(max(keys) * 1000, 1)
        # A filter key is timed as tui_keys.py times keys: from the key sent to the driver to
        # the first painted frame showing the new filter's rows, then to the frame with their
        # count (the count is a second query, after the page). The older figure, until Pilot
        # finds the app idle (the tabs' underline animation included), is kept beside them.
        sys.path.insert(0, str(REPO / "bench"))
        from tui_keys import Frames, timed_key, until

        app.frames = Frames(app)
        screen = app.screen
        shown, counted, idle = [], [], []
        for _ in range(6):
            want = FILTERS[(FILTERS.index(screen.listing.show) + 1) % len(FILTERS)]
            shown.append(await timed_key(
                app, pilot, "right_square_bracket",
                lambda w=want: screen.shown_listing is not None and screen.shown_listing.show == w))
            start = app.frames.answered_at - shown[-1] / 1000
            if screen.total is not None:  # counted with the page: that frame showed both
                counted.append(shown[-1])
            else:
                app.frames.check, app.frames.answered_at = (
                    lambda w=want: screen.shown_listing.show == w and screen.total is not None), None
                await until(pilot, lambda: app.frames.answered_at is not None)
                counted.append((app.frames.answered_at - start) * 1000)
                app.frames.check = None
            t0 = time.perf_counter()
            await pilot.press("right_square_bracket")
            await settled()
            idle.append((time.perf_counter() - t0) * 1000)
        out["filter_key_ms"] = [round(t, 1) for t in shown]
        out["filter_counted_ms"] = [round(t, 1) for t in counted]
        out["filter_until_idle_ms"] = [round(t, 1) for t in idle]
    out["peak_mb"] = peak_mb()
    return out


def stage_ui(home: Path) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--ui-probe", str(home)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-1500:])
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the run ----------------------------------------------------------------------------


def du_mb(path: Path) -> float:
    total = sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    return round(total / 2**20, 1)


def stage(result: dict, name: str, skip: set[str], fn, *args) -> None:
    if name in skip:
        result[name] = "skipped"
        return
    print(f"[scale] {name} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        result[name] = fn(*args)
    except Exception as exc:  # noqa: BLE001 - a bench reports a failed stage and goes on
        result[name] = {"error": f"{type(exc).__name__}: {str(exc)[-800:]}"}
    # Each stage's figures as it ends: a run cut short still says what it measured.
    print(f"[scale] {name}: {time.perf_counter() - started:.1f}s {json.dumps(result[name])}",
          file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--real-embed", type=int, default=500)
    parser.add_argument("--home", type=Path, help="build here and keep it (default: a temp dir)")
    parser.add_argument("--skip", default="", help="stages to skip, comma-separated")
    parser.add_argument("--themes-timeout", type=float, default=900)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ui-probe", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ui_probe:
        print(json.dumps(asyncio.run(_probe_ui(args.ui_probe))))
        return
    if not (CORPORA / "bbc" / "bbc.jsonl").exists():
        sys.exit(f"{CORPORA}: the shared corpora are not there")
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    started = time.perf_counter()
    temp = None if args.home else tempfile.mkdtemp(prefix="reader-scale-")
    home = args.home or Path(temp)  # type: ignore[arg-type]
    home.mkdir(parents=True, exist_ok=True)
    result: dict = {"articles": args.articles, "load_average_start": os.getloadavg()[0]}
    try:
        source = home.parent / f"{home.name}-library.jsonl"
        t0 = time.perf_counter()
        result["corpus"] = write_library_jsonl(source, args.articles, args.seed)
        result["corpus"]["jsonl_mb"] = round(source.stat().st_size / 2**20, 1)
        result["corpus"]["seconds"] = round(time.perf_counter() - t0, 1)

        def do_import() -> dict:
            done = run_reader(home, "import", str(source), "--no-fetch", "--no-index")
            if done["rc"] not in (0, 1):
                raise RuntimeError(done["stderr"][-800:])
            return {
                "seconds": done["seconds"],
                "articles_per_s": round(args.articles / done["seconds"], 1),
                "peak_mb": done["peak_mb"],
                "rc": done["rc"],
                "summary": done["stderr"].strip().splitlines()[-1:],
            }

        stage(result, "import", skip, do_import)
        stage(result, "index", skip, stage_index, home, args.real_embed)
        result["disk_mb"] = du_mb(home)
        stage(result, "search", skip, stage_search, home)

        def do_list() -> dict:
            done = run_reader(home, "list", "--json")
            rows = len(json.loads(done["stdout"])) if done["rc"] == 0 else None
            return {k: done[k] for k in ("seconds", "first_byte_s", "peak_mb", "rc")} | {
                "rows": rows,
                "stdout_mb": round(len(done["stdout"]) / 2**20, 1),
            }

        stage(result, "list_json", skip, do_list)
        stage(result, "digest", skip, stage_digest, home)
        stage(result, "ui", skip, stage_ui, home)

        def do_themes() -> dict:
            done = run_reader(home, "themes", "train", timeout=args.themes_timeout)
            return {k: done[k] for k in ("seconds", "peak_mb", "rc")} | {
                "timed_out": done["rc"] is not None and done["rc"] < 0,
                "tail": done["stderr"].strip().splitlines()[-2:],
            }

        stage(result, "themes_train", skip, do_themes)
        result["bench_peak_mb"] = peak_mb()
        result["disk_mb_end"] = du_mb(home)
    finally:
        if temp:
            shutil.rmtree(temp, ignore_errors=True)
            source = Path(temp).parent / f"{Path(temp).name}-library.jsonl"
            source.unlink(missing_ok=True)
    result["load_average_end"] = os.getloadavg()[0]
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
