"""Nearest-neighbour speed: reader's HNSW index against exact numpy search, at growing sizes.

The first 10k vectors are real: all-MiniLM-L6-v2 embeddings of passages of the shared
corpora, chunked and embedded by reader's own code (or read from --embedding-cache, a
SQLite file with an `embeddings` table like the library's). Larger sizes add perturbed
copies: normalise(v + noise) with noise of norm 0.75, i.e. cosine about 0.8 to the original,
like a paraphrase. Queries are real: SciFact's claims, embedded by reader's encoder.

Per size: build time, memory, p50/p99 single-query latency (k=10) for hnswlib (reader's
VectorIndex, production parameters) and for exact numpy search, and hnswlib's recall@10
against exact; then, where recall is under 0.98, the same at larger ef (`ef_sweep`).

    python bench/search_speed.py [--sizes 10000,100000,1000000] [--queries 200]
                                 [--embedding-cache FILE]

Prints one JSON object with `recall10_100k`, `speedup_100k`, `recall10_1m` and `speedup_1m`
beside the per-size details, and the run's `seconds`. The 1M point needs about 3 GB of
memory; building its index takes tens of minutes on two cores (M=16, ef_construction=200,
the production parameters), so it is for a bench run, not the test suite.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CORPORA = REPO.parent / "shared" / "corpora"
REAL = 10_000
NOISE = 0.75

from reader.index.hnsw import HnswParams, VectorIndex, auto_ef  # noqa: E402

EF_SWEEP = (400, 800, 1600)


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
    if cache is not None and cache.exists():
        db = sqlite3.connect(cache)
        for begin in range(0, len(hashes), 500):
            part = hashes[begin : begin + 500]
            rows = db.execute(
                f"SELECT content_hash, vector FROM embeddings WHERE model = ? AND content_hash IN "
                f"({','.join('?' * len(part))})",
                [model.model_id, *part],
            )
            found.update((h, np.frombuffer(v, dtype="<f4")) for h, v in rows)
        db.close()
    missing = [h for h in hashes if h not in found]
    if missing:
        print(f"embedding {len(missing)} passages", file=sys.stderr)
        vectors = model.embed([texts[h] for h in missing], batch_size=64)
        found.update(zip(missing, vectors, strict=True))
    return np.vstack([found[h] for h in hashes]).astype(np.float32)


def perturbed(base: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    picks = base[rng.integers(0, len(base), size=count)]
    noise = rng.normal(size=picks.shape).astype(np.float32)
    noise *= NOISE / np.linalg.norm(noise, axis=1, keepdims=True)
    out = picks + noise
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def exact_top10(data: np.ndarray, query: np.ndarray) -> np.ndarray:
    scores = data @ query
    top = np.argpartition(-scores, 10)[:10]
    return top[np.argsort(-scores[top])]


def measure(data: np.ndarray, queries: np.ndarray) -> dict:
    n = len(data)
    start = time.perf_counter()
    index = VectorIndex(data.shape[1], capacity=n)
    for begin in range(0, n, 50_000):
        index.add(np.arange(begin, min(n, begin + 50_000)), data[begin : begin + 50_000])
    build_s = time.perf_counter() - start

    # Each method in its own loop: BLAS threads still spinning after an exact search would
    # otherwise slow the hnswlib query that follows it.
    exact_times, truths = [], []
    for query in queries:
        t0 = time.perf_counter()
        truths.append(exact_top10(data, query))
        exact_times.append(time.perf_counter() - t0)
    exact_p50 = float(np.percentile(exact_times, 50))
    result = {
        "vectors": n,
        "build_s": round(build_s, 2),
        "vectors_mb": round(data.nbytes / 2**20, 1),
        "hnsw_mb": round(index.nbytes / 2**20, 1),
        "process_rss_mb": round(rss_mb(), 1),
        "exact_p50_ms": round(exact_p50 * 1000, 3),
        "exact_p99_ms": round(float(np.percentile(exact_times, 99)) * 1000, 3),
    }
    # The production setting (ef chosen from the size) first, then larger ef until recall@10
    # reaches 0.98.
    sweep = []
    for ef in [index.ef_for(), *(e for e in EF_SWEEP if e > index.ef_for())]:
        hnsw_times, recalls = [], []
        for query, truth in zip(queries, truths, strict=True):
            t0 = time.perf_counter()
            ids, _ = index.search(query, 10, ef=ef)
            hnsw_times.append(time.perf_counter() - t0)
            recalls.append(len(set(ids[0].tolist()) & set(truth.tolist())) / 10)
        hnsw_p50 = float(np.percentile(hnsw_times, 50))
        sweep.append(
            {
                "ef": ef,
                "hnsw_p50_ms": round(hnsw_p50 * 1000, 3),
                "hnsw_p99_ms": round(float(np.percentile(hnsw_times, 99)) * 1000, 3),
                "recall@10": round(float(np.mean(recalls)), 4),
                "speedup_p50": round(exact_p50 / hnsw_p50, 1),
            }
        )
        if sweep[-1]["recall@10"] >= 0.98:
            break
    result.update(sweep[0])
    result["ef_sweep"] = sweep
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--embedding-cache", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    started = time.perf_counter()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    rng = np.random.default_rng(args.seed)

    base = real_vectors(min(REAL, max(sizes)), args.embedding_cache)
    queries = real_queries(args.queries)
    extra = max(0, max(sizes) - len(base))
    data = np.vstack([base, perturbed(base, extra, rng)]) if extra else base
    result: dict = {
        "params": HnswParams().__dict__,
        "ef_by_size": {str(size): auto_ef(size) for size in sizes},
        "real_vectors": len(base),
        "noise_norm": NOISE,
        "queries": args.queries,
        "sizes": {},
    }
    for size in sizes:
        print(f"size {size}", file=sys.stderr)
        result["sizes"][str(size)] = measure(data[:size], queries)
    if "100000" in result["sizes"]:
        result["recall10_100k"] = result["sizes"]["100000"]["recall@10"]
        result["speedup_100k"] = result["sizes"]["100000"]["speedup_p50"]
    if "1000000" in result["sizes"]:
        result["recall10_1m"] = result["sizes"]["1000000"]["recall@10"]
        result["speedup_1m"] = result["sizes"]["1000000"]["speedup_p50"]
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
