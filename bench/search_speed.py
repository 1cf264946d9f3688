"""Nearest-neighbour speed: reader's HNSW index against exact numpy search, at growing sizes.

The first 10k vectors are real: all-MiniLM-L6-v2 embeddings of passages of the shared
corpora, chunked and embedded by reader's own code (or read from --embedding-cache, a
SQLite file with an `embeddings` table like the library's). Larger sizes add perturbed
copies: normalise(v + noise) with noise of norm 0.75, i.e. cosine about 0.8 to the original,
like a paraphrase. Queries are real: SciFact's claims, embedded by reader's encoder.

Per size: build time (hnswlib adds on every core), memory, p50/p99 single-query latency
(k=10) for hnswlib (reader's VectorIndex, production parameters) and for exact numpy search,
and recall@10 against the exact top 10 (computed with numpy in blocks of 100k rows). First at
the ef reader would use (`auto_ef`, from the size), then over a grid of ef, giving the least
ef that reaches 0.95 and 0.98. `ef_fit` fits the exponent g of ef = 150 * (n / 100k) ** g on
the sizes past 100k, each at the issue's target (0.98 up to 100k, 0.95 at 1M), beside the g
reader uses.

    python bench/search_speed.py [--sizes 10000,100000,1000000] [--queries 200]
                                 [--embedding-cache FILE]

Prints one JSON object with `recall10_100k`, `speedup_100k`, `recall10_1m` and `speedup_1m`
(speedup: exact p50 over hnswlib p50, both measured in this run) beside the per-size details.
The 1M point holds about 3.5 GB (1.5 GB of vectors, the graph, the exact search's scores);
building its index takes tens of minutes on two shared cores, so built indexes of 500k
vectors or more, and the real vectors and queries, are kept in
$TMPDIR/reader-bench-cache/search_speed between runs (keyed by size, seed, parameters and a
checksum of the real vectors), never in the repository.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CORPORA = REPO.parent / "shared" / "corpora"
REAL = 10_000
NOISE = 0.75

from reader.index.hnsw import (  # noqa: E402
    EF_GROWTH,
    EF_KNEE,
    HnswParams,
    IndexInvalid,
    VectorIndex,
    auto_ef,
)

EF_GRID = (50, 100, 150, 200, 300, 400, 600, 800, 1000, 1200, 1600, 2000)
EXACT_TIMED = 50  # queries timed one by one for exact search (the truth is computed in blocks)
CACHE_FROM = 500_000  # built indexes this large are kept between runs


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def corpus_passages(limit: int) -> list[tuple[str | None, str]]:
    """(title, text) of articles from the shared corpora, in a fixed order."""
    docs: list[tuple[str | None, str]] = []
    for line in (CORPORA / "scifact" / "corpus.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        docs.append((row.get("title"), row.get("text") or ""))
    for line in (CORPORA / "bbc" / "bbc.jsonl").open(encoding="utf-8"):
        row = json.loads(line)
        docs.append((row.get("title"), row.get("article") or ""))
    return docs[:limit]


def bench_encoder():
    """reader's ONNX encoder of the packaged model (exported once into the temp folder)."""
    import tempfile

    from reader.ml.embedder import resolve_model
    from reader.ml.onnx_encoder import OnnxEncoder, export_folder, export_is_current, export_onnx

    source = resolve_model("all-MiniLM-L6-v2")
    folder = export_folder(Path(tempfile.gettempdir()) / "reader-bench-models", source.model_id)
    if not export_is_current(folder, source):
        export_onnx(source, folder)
    return OnnxEncoder(folder)


def real_queries(count: int) -> np.ndarray:
    """Embeddings of real search queries: SciFact's claims."""
    texts = []
    for line in (CORPORA / "scifact" / "queries.jsonl").open(encoding="utf-8"):
        texts.append(json.loads(line)["text"])
    return bench_encoder().embed(texts[:count])


def real_vectors(count: int, cache: Path | None) -> np.ndarray:
    """`count` real passage embeddings, made with reader's chunker and ONNX encoder."""
    from reader.ml.chunking import chunk_article

    model = bench_encoder()
    texts: dict[str, str] = {}
    for title, text in corpus_passages(20_000):
        for chunk in chunk_article(title, text, model, budget=model.budget):
            texts.setdefault(chunk.content_hash, chunk.embed_text)
        if len(texts) >= count:
            break
    hashes = list(texts)[:count]
    found: dict[str, np.ndarray] = {}
    for source in (cache, own_cache()):
        if source is None or not source.exists():
            continue
        db = sqlite3.connect(source)
        for begin in range(0, len(hashes), 500):
            part = [h for h in hashes[begin : begin + 500] if h not in found]
            rows = db.execute(
                f"SELECT content_hash, vector FROM embeddings WHERE model = ? AND content_hash IN "
                f"({','.join('?' * len(part))})",
                [model.model_id, *part],
            )
            found.update((h, np.frombuffer(v, dtype="<f4")) for h, v in rows)
        db.close()
    missing = [h for h in hashes if h not in found]
    if missing:
        # Kept as they are made, 500 at a time: an interrupted run resumes where it stopped.
        db = sqlite3.connect(own_cache())
        db.execute("CREATE TABLE IF NOT EXISTS embeddings (model TEXT, content_hash TEXT, "
                   "vector BLOB, PRIMARY KEY (model, content_hash))")
        for begin in range(0, len(missing), 500):
            print(f"embedding passages {begin}/{len(missing)}", file=sys.stderr, flush=True)
            part = missing[begin : begin + 500]
            vectors = model.embed([texts[h] for h in part], batch_size=64)
            found.update(zip(part, vectors, strict=True))
            with db:
                db.executemany(
                    "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                    [(model.model_id, h, np.asarray(v, dtype="<f4").tobytes())
                     for h, v in zip(part, vectors, strict=True)],
                )
        db.close()
    return np.vstack([found[h] for h in hashes]).astype(np.float32)


def perturbed_into(out: np.ndarray, base: np.ndarray, rng: np.random.Generator,
                   block: int = 100_000) -> None:
    """Fill `out` with normalise(real + noise), a block at a time (memory stays ~1x the data)."""
    for begin in range(0, len(out), block):
        rows = min(block, len(out) - begin)
        picks = base[rng.integers(0, len(base), size=rows)]
        noise = rng.normal(size=picks.shape).astype(np.float32)
        noise *= NOISE / np.linalg.norm(noise, axis=1, keepdims=True)
        picks += noise
        picks /= np.linalg.norm(picks, axis=1, keepdims=True)
        out[begin : begin + rows] = picks


def exact_top10(data: np.ndarray, query: np.ndarray) -> np.ndarray:
    scores = data @ query
    top = np.argpartition(-scores, 10)[:10]
    return top[np.argsort(-scores[top])]


def exact_truth(data: np.ndarray, queries: np.ndarray, block: int = 100_000) -> np.ndarray:
    """Ids of the exact top 10 of every query, by numpy in blocks of rows (one pass)."""
    best_ids = np.zeros((len(queries), 0), dtype=np.int64)
    best_scores = np.zeros((len(queries), 0), dtype=np.float32)
    for begin in range(0, len(data), block):
        scores = queries @ data[begin : begin + block].T  # queries x block
        k = min(10, scores.shape[1])
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        best_ids = np.hstack([best_ids, top + begin])
        best_scores = np.hstack([best_scores, np.take_along_axis(scores, top, axis=1)])
        keep = np.argsort(-best_scores, axis=1, kind="stable")[:, :10]
        best_ids = np.take_along_axis(best_ids, keep, axis=1)
        best_scores = np.take_along_axis(best_scores, keep, axis=1)
    return best_ids


def cache_folder() -> Path:
    """Built indexes and real vectors kept between runs: a temp folder, never the repo."""
    folder = Path(tempfile.gettempdir()) / "reader-bench-cache" / "search_speed"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def own_cache() -> Path:
    return cache_folder() / "embeddings.db"


def built_index(data: np.ndarray, key: str) -> tuple[VectorIndex, float, bool]:
    """(index, build seconds, whether it came from the cache) for these vectors."""
    folder = cache_folder() / key
    try:
        index = VectorIndex.load(folder, model=key, dimension=data.shape[1])
        return index, json.loads((folder / "build.json").read_text())["build_s"], True
    except (IndexInvalid, OSError, KeyError, ValueError):
        pass
    n = len(data)
    start = time.perf_counter()
    index = VectorIndex(data.shape[1], capacity=n)  # hnswlib adds on every core
    for begin in range(0, n, 50_000):
        index.add(np.arange(begin, min(n, begin + 50_000)), data[begin : begin + 50_000])
    build_s = time.perf_counter() - start
    if n >= CACHE_FROM:
        index.save(folder, model=key)
        (folder / "build.json").write_text(json.dumps({"build_s": build_s}))
    return index, build_s, False


def recall_at(index: VectorIndex, queries: np.ndarray, truth: np.ndarray, ef: int) -> dict:
    times, recalls = [], []
    for query, right in zip(queries, truth, strict=True):
        t0 = time.perf_counter()
        ids, _ = index.search(query, 10, ef=ef)
        times.append(time.perf_counter() - t0)
        recalls.append(len(set(ids[0].tolist()) & set(right.tolist())) / 10)
    return {
        "ef": ef,
        "hnsw_p50_ms": round(float(np.percentile(times, 50)) * 1000, 3),
        "hnsw_p99_ms": round(float(np.percentile(times, 99)) * 1000, 3),
        "recall@10": round(float(np.mean(recalls)), 4),
    }


def measure(data: np.ndarray, queries: np.ndarray, key: str) -> dict:
    n = len(data)
    index, build_s, cached = built_index(data, key)
    truth = exact_truth(data, queries)
    # Each method in its own loop: BLAS threads still spinning after an exact search would
    # otherwise slow the hnswlib query that follows it.
    exact_times = []
    for query in queries[:EXACT_TIMED]:
        t0 = time.perf_counter()
        exact_top10(data, query)
        exact_times.append(time.perf_counter() - t0)
    exact_p50 = float(np.percentile(exact_times, 50))
    result = {
        "vectors": n,
        "build_s": round(build_s, 1),
        "build_cached": cached,
        "vectors_mb": round(data.nbytes / 2**20, 1),
        "hnsw_mb": round(index.nbytes / 2**20, 1),
        "process_rss_mb": round(rss_mb(), 1),
        "exact_p50_ms": round(exact_p50 * 1000, 3),
        "exact_p99_ms": round(float(np.percentile(exact_times, 99)) * 1000, 3),
    }
    # The production setting (ef chosen from the size) first, then the grid, to find the
    # least ef that reaches each target.
    production = recall_at(index, queries, truth, index.ef_for())
    production["speedup_p50"] = round(exact_p50 / (production["hnsw_p50_ms"] / 1000), 1)
    result.update(production)
    sweep = [production] + [
        recall_at(index, queries, truth, ef) for ef in EF_GRID if ef != production["ef"]
    ]
    sweep.sort(key=lambda row: row["ef"])
    for row in sweep:
        row["speedup_p50"] = round(exact_p50 / (row["hnsw_p50_ms"] / 1000), 1)
    result["ef_sweep"] = sweep
    for target in (0.95, 0.98):
        reached = [row["ef"] for row in sweep if row["recall@10"] >= target]
        result[f"least_ef_for_{target}"] = min(reached) if reached else None
    return result


def fit_growth(sizes: dict[str, dict]) -> dict:
    """The exponent of ef = base * (n / knee) ** g that each size past the knee needs.

    The target at a size is the issue's (0.98 up to 100k, 0.95 at 1M); g is fitted on the
    sizes past the knee (the largest g any of them needs, so the rule meets all of them).
    """
    needs = {}
    for size, row in sizes.items():
        n = int(size)
        if n <= EF_KNEE:
            continue
        target = 0.95 if n >= 1_000_000 else 0.98
        least = row.get(f"least_ef_for_{target}")
        if least:
            needs[size] = {"target": target, "least_ef": least,
                           "growth": round(math.log(least / HnswParams.ef_search)
                                           / math.log(n / EF_KNEE), 3)}
    fitted = max((v["growth"] for v in needs.values()), default=None)
    return {"base_ef": HnswParams.ef_search, "knee": EF_KNEE, "points": needs,
            "growth_fitted": fitted, "growth_in_use": EF_GROWTH}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--embedding-cache", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    sizes = sorted(int(s) for s in args.sizes.split(",") if s.strip())
    rng = np.random.default_rng(args.seed)

    real_count = min(REAL, max(sizes))
    vector_file = cache_folder() / f"real-{real_count}-q{args.queries}.npz"
    if vector_file.exists():
        saved = np.load(vector_file)
        base, queries = saved["base"], saved["queries"]
    else:
        base = real_vectors(real_count, args.embedding_cache)
        queries = real_queries(args.queries)
        np.savez(vector_file, base=base, queries=queries)
    data = np.empty((max(sizes), base.shape[1]), dtype=np.float32)
    data[: len(base)] = base
    perturbed_into(data[len(base) :], base, rng)
    checksum = hashlib.sha256(base.tobytes()).hexdigest()[:12]
    result: dict = {
        "params": HnswParams().__dict__,
        "ef_by_size": {str(size): auto_ef(size) for size in sizes},
        "real_vectors": len(base),
        "synthesised_vectors": max(0, max(sizes) - len(base)),
        "noise_norm": NOISE,
        "queries": len(queries),
        "load_average_start": round(os.getloadavg()[0], 1),
        "sizes": {},
    }
    for size in sizes:
        print(f"size {size}", file=sys.stderr, flush=True)
        p = HnswParams()
        key = f"n{size}-s{args.seed}-{checksum}-M{p.M}-efc{p.ef_construction}"
        result["sizes"][str(size)] = measure(data[:size], queries, key)
        # Each size as it is done, so a run cut short still says what it measured.
        print(json.dumps({"size": size, **result["sizes"][str(size)]}), file=sys.stderr, flush=True)
    result["ef_fit"] = fit_growth(result["sizes"])
    for size, name in ((100_000, "100k"), (1_000_000, "1m")):
        if str(size) in result["sizes"]:
            result[f"recall10_{name}"] = result["sizes"][str(size)]["recall@10"]
            result[f"speedup_{name}"] = result["sizes"][str(size)]["speedup_p50"]
    result["load_average_end"] = round(os.getloadavg()[0], 1)
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
