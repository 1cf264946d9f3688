"""Retrieval quality of keyword, semantic and hybrid search on a BEIR-layout corpus.

Ingests the corpus through reader itself: writes it as reader's JSONL export format, runs
`reader --home TMP import FILE --no-index` and `reader --home TMP index` (our chunking,
embedding, index code), then runs the queries of one qrels split through
`SearchService.rankings` + `fuse` (what `reader search` does, without snippets) and scores
nDCG@10 and recall@100 per mode.

    python bench/search_quality.py [--beir DIR] [--split test] [--home DIR]
                                   [--embedding-cache FILE] [--tune]

`--embedding-cache FILE` (development): a SQLite file holding an `embeddings` table like the
library's; its vectors for the model are copied in before indexing (so only what is missing
is embedded) and new ones are saved back. `--tune` grid-searches the fusion parameters on
the train split and prints the best ones (put them in FusionParams' defaults).
Prints one JSON object: {"keyword": {"ndcg@10": x, "recall@100": y}, "semantic": ..., "hybrid": ...}.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT_BEIR = REPO.parent / "shared" / "corpora" / "scifact"
URL_PREFIX = "https://beir.local/"

from reader.errors import BadInput  # noqa: E402
from reader.services.context import LibraryContext  # noqa: E402
from reader.services.search.service import FusionParams, SearchService, fuse  # noqa: E402


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or parts[0] == "query-id":
                continue
            qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    return qrels


def reader_cli(home: Path, *args: str) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "reader", "--home", str(home), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
    )
    if done.returncode != 0:
        sys.exit(f"reader {' '.join(args)} failed:\n{done.stderr}")
    print(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "", file=sys.stderr)


def ingest(corpus: Path, home: Path, cache: Path | None) -> dict[str, float]:
    """Import and index the corpus through reader's CLI; returns the seconds each step took."""
    export = home.parent / f"{home.name}-corpus.jsonl"
    with export.open("w", encoding="utf-8") as f:
        for doc in read_jsonl(corpus / "corpus.jsonl"):
            row = {
                "url": URL_PREFIX + doc["_id"],
                "title": doc.get("title") or "",
                "text": doc.get("text") or "",
                "status": "unread",
            }
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    timings = {}
    start = time.perf_counter()
    reader_cli(home, "import", str(export), "--no-index")
    timings["import_s"] = time.perf_counter() - start
    if cache is not None:
        copy_embeddings(cache, home / "reader.db")
    start = time.perf_counter()
    reader_cli(home, "index")
    timings["index_s"] = time.perf_counter() - start
    if cache is not None:
        copy_embeddings(home / "reader.db", cache)
    return timings


def copy_embeddings(source: Path, target: Path) -> None:
    """Copy vectors between a library and a cache file (named columns: the schemas differ)."""
    columns = "model, content_hash, dimension, vector, created_at"
    db = sqlite3.connect(target)
    db.execute(
        """CREATE TABLE IF NOT EXISTS embeddings (model TEXT NOT NULL, content_hash TEXT NOT NULL,
           dimension INTEGER NOT NULL, vector BLOB NOT NULL, created_at TEXT NOT NULL,
           PRIMARY KEY (model, content_hash)) WITHOUT ROWID"""
    )
    if source.exists():
        db.execute("ATTACH DATABASE ? AS other", [str(source)])
        db.execute(
            f"INSERT OR IGNORE INTO main.embeddings ({columns}) "
            f"SELECT {columns} FROM other.embeddings"
        )
        db.commit()
        db.execute("DETACH DATABASE other")
    db.close()


def ndcg_at_10(ranked: list[str], relevant: dict[str, int]) -> float:
    dcg = sum(relevant.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked[:10]))
    ideal = sorted(relevant.values(), reverse=True)[:10]
    idcg = sum(gain / math.log2(i + 2) for i, gain in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at_100(ranked: list[str], relevant: dict[str, int]) -> float:
    wanted = {doc for doc, gain in relevant.items() if gain > 0}
    return len(wanted & set(ranked[:100])) / len(wanted) if wanted else 0.0


class Evaluation:
    """Rankings of every query of a split, per mode, kept so fusion can be re-scored cheaply.

    Each mode is run as `reader search --mode MODE` runs it (hybrid also scores the other
    ranking's candidates, and counts a second passage).
    """

    def __init__(
        self,
        ctx: LibraryContext,
        queries: dict[str, str],
        qrels: dict,
        params: FusionParams,
        modes: tuple[str, ...] = ("hybrid",),
    ):
        self.qrels = qrels
        self.params = params
        service = SearchService(ctx, fusion=params)
        rows = ctx.db.execute("SELECT id, url FROM articles").fetchall()
        self.doc_of = {aid: url.removeprefix(URL_PREFIX) for aid, url in rows}
        self.found: dict[str, dict] = {mode: {} for mode in modes}
        for mode, qid in itertools.product(modes, qrels):
            try:
                self.found[mode][qid] = service.rankings(queries[qid], mode=mode, depth=100)
            except BadInput:
                self.found[mode][qid] = None  # e.g. only stop words: nothing found, scores 0

    def scores(self, mode: str, params: FusionParams | None = None) -> dict[str, float]:
        """nDCG@10 and recall@100 of one mode over the split."""
        params = params or self.params
        ndcg, recall = [], []
        for qid, relevant in self.qrels.items():
            found = self.found[mode][qid]
            ranked = [] if found is None else fuse(found.keyword, found.semantic, mode, params)
            docs = [self.doc_of[aid] for aid, _ in ranked]
            ndcg.append(ndcg_at_10(docs, relevant))
            recall.append(recall_at_100(docs, relevant))
        return {"ndcg@10": sum(ndcg) / len(ndcg), "recall@100": sum(recall) / len(recall)}


TITLE_WEIGHTS = (1.0, 2.0, 3.0, 4.0)
SECOND_CHUNK = (0.0, 0.15, 0.3)
METHOD_GRIDS = {  # per fusion method: its own axes, searched after the two above
    "rrf": {"k": (0.0, 1.0, 3.0, 10.0, 30.0, 60.0), "semantic_weight": (0.7, 0.85, 1.0, 1.3)},
    "scores": {"keyword_share": (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)},
}


def tune(ctx: LibraryContext, queries: dict[str, str], qrels: dict) -> dict:
    """Grid search of FusionParams on a split, each fusion method on its own grid.

    Within a method the pick maximises the mean over its grid neighbours (one step along each
    axis) rather than a lone peak that noise may have made; then the better method wins.
    """
    runs = {
        (title, second): Evaluation(
            ctx, queries, qrels, FusionParams(title_weight=title, second_chunk=second)
        )
        for title, second in itertools.product(TITLE_WEIGHTS, SECOND_CHUNK)
    }
    picks = {}
    for method, extra in METHOD_GRIDS.items():
        axes = {"title_weight": TITLE_WEIGHTS, "second_chunk": SECOND_CHUNK, **extra}
        names = list(axes)
        grid: dict[tuple[int, ...], float] = {}
        for point in itertools.product(*(range(len(v)) for v in axes.values())):
            values = {name: axes[name][i] for name, i in zip(names, point, strict=True)}
            params = FusionParams(method=method, **values)
            run = runs[(values["title_weight"], values["second_chunk"])]
            grid[point] = run.scores("hybrid", params)["ndcg@10"]

        def smoothed(point: tuple[int, ...], grid=grid) -> float:
            near = [
                grid[p] for p in itertools.product(*((i - 1, i, i + 1) for i in point)) if p in grid
            ]
            return sum(near) / len(near)

        pick = max(grid, key=smoothed)
        values = {name: axes[name][i] for name, i in zip(names, pick, strict=True)}
        picks[method] = {
            "params": FusionParams(method=method, **values).__dict__,
            "train_hybrid_ndcg@10": grid[pick],
            "train_hybrid_ndcg@10_smoothed": smoothed(pick),
            "train_best_point": max(grid.values()),
        }
    best = max(picks, key=lambda m: picks[m]["train_hybrid_ndcg@10_smoothed"])
    return {"chosen": best, **picks}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beir", type=Path, default=DEFAULT_BEIR)
    parser.add_argument("--split", default="test")
    parser.add_argument(
        "--home", type=Path, help="library folder to build (default: a temporary one)"
    )
    parser.add_argument("--embedding-cache", type=Path)
    parser.add_argument("--tune", action="store_true", help="grid-search fusion on the train split")
    args = parser.parse_args()

    corpus = args.beir
    if not (corpus / "corpus.jsonl").exists():
        sys.exit(f"{corpus} has no corpus.jsonl (BEIR layout expected)")
    queries = {q["_id"]: q["text"] for q in read_jsonl(corpus / "queries.jsonl")}
    with tempfile.TemporaryDirectory(prefix="reader-bench-") as tmp:
        home = args.home or Path(tmp) / "library"
        home.mkdir(parents=True, exist_ok=True)
        timings = ingest(corpus, home, args.embedding_cache)
        ctx = LibraryContext(home)
        articles = ctx.db.execute("SELECT count(*) FROM articles").fetchone()[0]
        chunks = ctx.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        start = time.perf_counter()
        qrels = read_qrels(corpus / "qrels" / f"{args.split}.tsv")
        modes = ("keyword", "semantic", "hybrid")
        evaluation = Evaluation(ctx, queries, qrels, FusionParams(), modes)
        result = {mode: evaluation.scores(mode) for mode in modes}
        timings["queries_s"] = time.perf_counter() - start
        result.update(
            {
                "corpus": corpus.name,
                "split": args.split,
                "queries": len(qrels),
                "articles": articles,
                "chunks": chunks,
                "fusion": FusionParams().__dict__,
                "seconds": {k: round(v, 1) for k, v in timings.items()},
            }
        )
        if args.tune:
            result["tuning"] = tune(ctx, queries, read_qrels(corpus / "qrels" / "train.tsv"))
        ctx.close()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
