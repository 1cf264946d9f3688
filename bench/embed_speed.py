"""Bulk embedding speed and quality: reader's indexing path (int8 by default) against bare
SentenceTransformer.encode, and the int8 model's SciFact nDCG@10 against fp32's.

Speed. Ours: `index_pending` on a fresh library of N SciFact abstracts (chunking, embedding
with the chosen precision, SQLite writes, the HNSW index), timed end to end; the one-time
ONNX export and quantisation are made before timing. Baseline: `SentenceTransformer.encode`
(batch size 32, the library's default) of exactly the same chunk texts, in the same process.
Rounds alternate ours and the baseline, so a noisy neighbour hurts both alike; the ratio is
of the medians.

Quality. Dense retrieval over SciFact (title and abstract per document, exact cosine, the
300 test queries): nDCG@10 with the fp32 export and with the int8 one; `ndcg_delta` is
int8 minus fp32. `--ndcg-docs N` keeps every judged document plus a fixed sample of the
others, N in all (faster; the figure then says so); the default is the whole corpus.

    python bench/embed_speed.py [--articles 400] [--rounds 3] [--precision int8]
                                [--ndcg-docs N] [--no-ndcg]

Prints one JSON object: {"ratio": ..., "ndcg_delta": ..., ...}.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CORPUS = REPO.parent / "shared" / "corpora" / "scifact"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from reader.ml.chunking import embed_text  # noqa: E402
from reader.services.context import LibraryContext  # noqa: E402
from reader.services.search.indexing import index_pending, indexing_embedder  # noqa: E402


def fresh_library(root: Path, docs: list[dict], models_dir: Path, precision: str) -> LibraryContext:
    ctx = LibraryContext(root)
    ctx.settings.embedding_precision = precision
    # Share the ONNX export made once, outside the timings.
    ctx.paths.models_dir.parent.mkdir(parents=True, exist_ok=True)
    if not ctx.paths.models_dir.exists():
        ctx.paths.models_dir.symlink_to(models_dir, target_is_directory=True)
    columns = {row[1] for row in ctx.db.execute("PRAGMA table_info(articles)").fetchall()}
    state = "state" if "state" in columns else "status"
    # Articles that were fetched (a library since m010 keeps that apart from the reading state;
    # left queued, nothing would be indexed at all).
    fetched = ", fetch_state" if "fetch_state" in columns else ""
    with ctx.db.atomic():
        for doc in docs:
            url = f"https://beir.local/{doc['_id']}"
            ctx.db.execute(
                f"INSERT INTO articles (url, canonical_url, title, text, {state}, added_at{fetched}) "
                "VALUES (?, ?, ?, ?, 'unread', '2026-01-01T00:00:00Z'"
                + (", 'fetched')" if fetched else ")"),
                [url, url, doc.get("title") or "", doc.get("text") or ""],
            )
    return ctx


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def ndcg_at_10(ranked: list[str], relevant: dict[str, int]) -> float:
    dcg = sum(relevant.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked[:10]))
    ideal = sorted(relevant.values(), reverse=True)[:10]
    idcg = sum(gain / math.log2(i + 2) for i, gain in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def scifact_ndcg(encoders: dict, limit: int | None) -> dict:
    """nDCG@10 of dense retrieval on SciFact's test queries, per encoder."""
    qrels: dict[str, dict[str, int]] = {}
    with (CORPUS / "qrels" / "test.tsv").open(encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3 and parts[2].isdigit():
                qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    corpus = read_jsonl(CORPUS / "corpus.jsonl")
    if limit and limit < len(corpus):
        judged = {doc for rel in qrels.values() for doc in rel}
        keep = [d for d in corpus if d["_id"] in judged]
        others = [d for d in corpus if d["_id"] not in judged]
        keep += random.Random(0).sample(others, max(0, limit - len(keep)))
        corpus = keep
    queries = {
        q["_id"]: q["text"] for q in read_jsonl(CORPUS / "queries.jsonl") if q["_id"] in qrels
    }
    doc_ids = [d["_id"] for d in corpus]
    doc_texts = [f"{d.get('title') or ''}\n{d.get('text') or ''}".strip() for d in corpus]
    out = {"documents": len(corpus), "queries": len(queries)}
    for name, encoder in encoders.items():
        docs = encoder.embed(doc_texts, batch_size=16)
        query_vectors = encoder.embed(list(queries.values()), batch_size=16)
        scores = []
        for vector, query_id in zip(query_vectors, queries, strict=True):
            top = np.argsort(-(docs @ vector))[:10]
            scores.append(ndcg_at_10([doc_ids[i] for i in top], qrels[query_id]))
        out[name] = round(float(np.mean(scores)), 4)
        print(f"nDCG@10 {name}: {out[name]}", file=sys.stderr)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--precision", choices=("fp32", "int8"), default="int8")
    parser.add_argument("--ndcg-docs", type=int, help="documents for nDCG (default: all)")
    parser.add_argument("--no-ndcg", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    docs = read_jsonl(CORPUS / "corpus.jsonl")[: args.articles]

    with tempfile.TemporaryDirectory(prefix="reader-embed-") as tmp:
        tmp_path = Path(tmp)
        setup = LibraryContext(tmp_path / "setup")
        fp32 = indexing_embedder(setup)  # exports the model once, untimed
        setup.settings.embedding_precision = args.precision
        embedder = indexing_embedder(setup)  # and quantises it, untimed
        models_dir = setup.paths.models_dir
        from sentence_transformers import SentenceTransformer

        from reader.ml.embedder import resolve_model

        reference = SentenceTransformer(
            str(resolve_model(setup.settings.model).folder), device="cpu"
        )
        ours_s, base_s, texts = [], [], []
        for round_number in range(args.rounds):
            ctx = fresh_library(tmp_path / f"round{round_number}", docs, models_dir, args.precision)
            start = time.perf_counter()
            report = index_pending(ctx)
            ours_s.append(time.perf_counter() - start)
            assert report.model == embedder.model_id, (report.model, embedder.model_id)
            rows = ctx.db.execute("SELECT context, text FROM chunks ORDER BY id").fetchall()
            texts = [embed_text(context, text) for context, text in rows]
            assert texts and report.embedded == len(set(texts)), (report.embedded, len(texts))
            ctx.close()
            start = time.perf_counter()
            reference.encode(texts, batch_size=32)
            base_s.append(time.perf_counter() - start)
            print(
                f"round {round_number}: ours {ours_s[-1]:.1f}s, baseline {base_s[-1]:.1f}s",
                file=sys.stderr,
            )
        quality = None
        if not args.no_ndcg:
            quality = scifact_ndcg({"fp32": fp32, args.precision: embedder}, args.ndcg_docs)
    chunks = len(texts)
    ours_cps = chunks / statistics.median(ours_s)
    base_cps = chunks / statistics.median(base_s)
    result = {
        "ratio": round(ours_cps / base_cps, 3),
        "ndcg_delta": (
            round(quality[args.precision] - quality["fp32"], 4) if quality is not None else None
        ),
        "precision": args.precision,
        "model": embedder.model_id,
        "ours_chunks_per_s": round(ours_cps, 2),
        "baseline_chunks_per_s": round(base_cps, 2),
        "chunks": chunks,
        "articles": len(docs),
        "backend": type(embedder).__name__,
        "ours_s": [round(t, 2) for t in ours_s],
        "baseline_s": [round(t, 2) for t in base_s],
        "scifact": quality,
        "load_average": os.getloadavg()[0],
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
