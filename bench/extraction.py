"""Extraction benchmark: reader's fetch + extract path against trafilatura.extract alone.

Serves every page of the article-extraction corpus from 127.0.0.1, adds them all
with one `reader --home TMP add --no-index URL...` (so our concurrency and worker
pool apply; indexing is left out because it is not extraction), reads the stored
text back with `reader export --format jsonl`, and scores it against the gold
article bodies. In the same run it times `trafilatura.extract(html)` on the same
pages in a single process.

Score: bags of lower-cased `\\w+` tokens (the same for both sides), precision,
recall and F1 per page, averaged over pages; a lost page scores 0.

    python bench/extraction.py [CORPUS] [--direct] [--limit N] [--rounds 3]

`--direct` runs fetch_all + ExtractorPool in this process instead of the CLI.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT_CORPUS = REPO.parent / "shared" / "corpora" / "article-extraction"
TOKEN = re.compile(r"\w+")


def load_corpus(folder: Path, limit: int | None) -> tuple[dict[str, bytes], dict[str, str]]:
    """Page bytes and gold bodies by id (the file stem without .html.gz)."""
    gold_all = json.loads((folder / "ground-truth.json").read_text("utf-8"))
    pages: dict[str, bytes] = {}
    for path in sorted((folder / "html").glob("*.html.gz")):
        page_id = path.name[: -len(".html.gz")]
        if page_id in gold_all:
            pages[page_id] = gzip.decompress(path.read_bytes())
        if limit and len(pages) >= limit:
            break
    gold = {page_id: gold_all[page_id]["articleBody"] for page_id in pages}
    return pages, gold


@contextmanager
def serve(pages: dict[str, bytes]) -> Iterator[str]:
    """Serve /p/<id>.html on a free port of 127.0.0.1; yields the base URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
        disable_nagle_algorithm = True  # else each response waits on a delayed ACK

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            page_id = self.path.removeprefix("/p/").removesuffix(".html")
            body = pages.get(page_id)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def page_id_of(url: str) -> str | None:
    path = urlsplit(url).path
    if not path.startswith("/p/"):
        return None
    return path.removeprefix("/p/").removesuffix(".html")


def run_cli(urls: list[str]) -> tuple[dict[str, str], float]:
    """`reader add` every URL in one command; returns stored text by page id, and seconds."""
    with tempfile.TemporaryDirectory(prefix="reader-bench-") as home:
        reader = [*_reader_command(), "--home", home]
        cpu_file = Path(home) / "cpu.txt"
        started = time.perf_counter()
        added = subprocess.run(
            [sys.executable, "-c", _CPU_OF_TREE, str(cpu_file), *reader, "add", "--no-index", *urls],
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        seconds = time.perf_counter() - started
        if cpu_file.exists():
            CPU["ours"] = float(cpu_file.read_text())
        if added.returncode not in (0, 1):
            sys.exit(f"reader add failed ({added.returncode}):\n{added.stderr[-2000:]}")
        exported = subprocess.run(
            [*reader, "export", "--format", "jsonl"], capture_output=True, text=True, cwd=REPO
        )
        if exported.returncode != 0:
            sys.exit(f"reader export failed ({exported.returncode}):\n{exported.stderr[-2000:]}")
    texts: dict[str, str] = {}
    for line in exported.stdout.splitlines():
        if line.strip():
            row = json.loads(line)
            page_id = page_id_of(row.get("url") or "")
            if page_id is not None and row.get("text"):
                texts[page_id] = row["text"]
    return texts, seconds


# CPU seconds (user + system) each side spent: steadier than wall time on a busy machine.
CPU: dict[str, float] = {}


# Runs a command and writes the CPU seconds of its whole process tree to argv[1]. As a
# subreaper (Linux) it inherits the forkserver and workers that outlive `reader` by a moment,
# and waits for them, so their CPU counts too; elsewhere it writes nothing.
_CPU_OF_TREE = """
import ctypes, os, resource, subprocess, sys
try:
    reaper = ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
except (OSError, AttributeError):
    reaper = False
code = subprocess.call(sys.argv[2:])
while reaper:
    try:
        os.wait()
    except ChildProcessError:
        break
if reaper:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    open(sys.argv[1], "w").write(str(usage.ru_utime + usage.ru_stime))
sys.exit(code)
"""


def _reader_command() -> list[str]:
    """`python -m reader`, run from this checkout so that its own package is measured."""
    return [sys.executable, "-m", "reader"]


def run_direct(urls: list[str]) -> tuple[dict[str, str], float]:
    """fetch_all + ExtractorPool in this process, without the CLI or SQLite."""
    from reader.config import Settings
    from reader.extract.pool import ExtractorPool
    from reader.fetch.client import FetchOptions, FetchResult, fetch_all

    futures = {}
    started = time.perf_counter()
    with ExtractorPool() as pool:

        def on_result(result: FetchResult) -> None:
            if result.ok:
                futures[page_id_of(result.url)] = pool.submit(result.text or "", result.final_url)

        # The pages are served from this machine: the URLs are the bench's own, as if typed.
        fetch_all(urls, FetchOptions.from_settings(Settings()), on_result, user_urls=urls)
        texts = {page_id: f.result().text for page_id, f in futures.items()}
    seconds = time.perf_counter() - started
    return {k: v for k, v in texts.items() if k and v}, seconds


def run_trafilatura(pages: dict[str, bytes]) -> tuple[dict[str, str], float]:
    """trafilatura.extract(html) on every page, one process, timed like ours."""
    import trafilatura

    texts: dict[str, str] = {}
    cpu_before = time.process_time()
    started = time.perf_counter()
    for page_id, body in pages.items():
        texts[page_id] = trafilatura.extract(body.decode("utf-8", errors="replace")) or ""
    seconds = time.perf_counter() - started
    CPU["trafilatura"] = time.process_time() - cpu_before
    return texts, seconds


def _trafilatura_one(html: str) -> str:
    import trafilatura

    return trafilatura.extract(html) or ""


def run_trafilatura_parallel(pages: dict[str, bytes], workers: int) -> tuple[dict[str, str], float]:
    """trafilatura.extract(html) over `workers` processes, started and warmed before timing."""
    from concurrent.futures import ProcessPoolExecutor

    htmls = [body.decode("utf-8", errors="replace") for body in pages.values()]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_trafilatura_one, htmls[:workers]))
        started = time.perf_counter()
        texts = list(pool.map(_trafilatura_one, htmls))
        seconds = time.perf_counter() - started
    return dict(zip(pages, texts, strict=True)), seconds


def score(predicted: dict[str, str], gold: dict[str, str], seconds: float) -> dict[str, float]:
    """Mean token-bag precision, recall and F1 over every gold page, and pages per second."""
    totals = [0.0, 0.0, 0.0]
    for page_id, reference in gold.items():
        p, r, f = prf(predicted.get(page_id, ""), reference)
        totals[0] += p
        totals[1] += r
        totals[2] += f
    n = len(gold)
    return {
        "f1": round(totals[2] / n, 4),
        "precision": round(totals[0] / n, 4),
        "recall": round(totals[1] / n, 4),
        "pages_per_s": round(n / seconds, 2),
        "seconds": round(seconds, 2),
    }


def prf(predicted: str, reference: str) -> tuple[float, float, float]:
    ours = Counter(TOKEN.findall(predicted.lower()))
    gold = Counter(TOKEN.findall(reference.lower()))
    if not ours or not gold:
        return (1.0, 1.0, 1.0) if not ours and not gold else (0.0, 0.0, 0.0)
    common = sum((ours & gold).values())
    precision, recall = common / sum(ours.values()), common / sum(gold.values())
    f1 = 2 * precision * recall / (precision + recall) if common else 0.0
    return precision, recall, f1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus_arg", nargs="?", type=Path, help="corpus folder")
    parser.add_argument("--corpus", type=Path, help="corpus folder (same as the positional)")
    parser.add_argument("--direct", action="store_true", help="skip the CLI and SQLite")
    parser.add_argument("--limit", type=int, help="only the first N pages")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternate ours and the baseline this many times"
    )
    args = parser.parse_args()
    corpus = args.corpus or args.corpus_arg or DEFAULT_CORPUS
    if not (corpus / "ground-truth.json").exists():
        sys.exit(f"{corpus}: no ground-truth.json (is ../shared/corpora beside the checkout?)")
    pages, gold = load_corpus(corpus, args.limit)

    from reader.extract.pool import _usable_cpus

    workers = _usable_cpus()
    # Rounds alternate the baseline and ours, so a busy neighbour weighs on both alike; the
    # figures are the medians (the texts are the same every round).
    rounds: dict[str, list[float]] = {"ours": [], "trafilatura": [], "parallel": []}
    cpu: dict[str, list[float]] = {"ours": [], "trafilatura": []}
    with serve(pages) as base:
        urls = [f"{base}/p/{page_id}.html" for page_id in pages]
        for _ in range(max(1, args.rounds)):
            baseline_texts, seconds = run_trafilatura(pages)
            rounds["trafilatura"].append(seconds)
            rounds["parallel"].append(run_trafilatura_parallel(pages, workers)[1])
            ours_texts, seconds = (run_direct if args.direct else run_cli)(urls)
            rounds["ours"].append(seconds)
            for side, value in CPU.items():
                cpu[side].append(value)
            CPU.clear()
    ours_seconds = statistics.median(rounds["ours"])
    baseline_seconds = statistics.median(rounds["trafilatura"])
    parallel_seconds = statistics.median(rounds["parallel"])
    ours = score(ours_texts, gold, ours_seconds)
    theirs = score(baseline_texts, gold, baseline_seconds)
    report = {
        "ours": ours,
        "trafilatura": theirs,
        "pages": len(gold),
        "failed": sum(1 for page_id in gold if not ours_texts.get(page_id)),
        "f1_ratio": round(ours["f1"] / theirs["f1"], 3) if theirs["f1"] else None,
        "speed_ratio": round(ours["pages_per_s"] / theirs["pages_per_s"], 3),
        # The same, as the issue names it: against trafilatura alone in one process.
        "ratio": round(ours["pages_per_s"] / theirs["pages_per_s"], 3),
        # Against trafilatura alone in as many processes as our pool (extraction only: no
        # fetching, no SQLite, no process start), for a stricter view.
        "workers": workers,
        "trafilatura_parallel_pages_per_s": round(len(gold) / parallel_seconds, 2),
        "ratio_same_workers": round(ours["seconds"] and parallel_seconds / ours["seconds"], 3),
        # CPU seconds, ours counting the whole `reader add` process tree (start, fetching,
        # SQLite, workers): the share of the machine each side needs; ours/theirs < 1 is better.
        "cpu_s": {side: round(statistics.median(v), 2) for side, v in cpu.items() if v},
        "round_ratios": [
            round(b / o, 3) for b, o in zip(rounds["trafilatura"], rounds["ours"], strict=True)
        ],
        "load_average": os.getloadavg()[0],
        "mode": "direct" if args.direct else "cli",
        "tokens": "lower-cased \\w+ bags",
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
