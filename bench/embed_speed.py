"""Bulk embedding speed: reader's whole indexing path against bare SentenceTransformer.encode.

Ours: `index_pending` on a fresh library of N SciFact abstracts (chunking, embedding with
the default back end, SQLite writes, the HNSW index), timed end to end; the one-time ONNX
export is made before timing. Baseline: `SentenceTransformer.encode` (batch size 32, the
library's default) of exactly the same chunk texts, in the same process. Rounds alternate
and the best of each side is kept, so a noisy neighbour hurts both alike.

    python bench/embed_speed.py [--articles 400] [--rounds 2]

Prints one JSON object: {"ratio": ours chunks/s over baseline chunks/s, ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CORPUS = REPO.parent / "shared" / "corpora" / "scifact"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from reader.ml.chunking import embed_text  # noqa: E402
from reader.services.context import LibraryContext  # noqa: E402
from reader.services.search.indexing import index_pending, indexing_embedder  # noqa: E402


def fresh_library(root: Path, docs: list[dict], models_dir: Path) -> LibraryContext:
    ctx = LibraryContext(root)
    # Share the ONNX export made once, outside the timings.
    ctx.paths.models_dir.parent.mkdir(parents=True, exist_ok=True)
    if not ctx.paths.models_dir.exists():
        ctx.paths.models_dir.symlink_to(models_dir, target_is_directory=True)
    with ctx.db.atomic():
        for doc in docs:
            url = f"https://beir.local/{doc['_id']}"
            ctx.db.execute(
                "INSERT INTO articles (url, canonical_url, title, text, status, added_at) "
                "VALUES (?, ?, ?, ?, 'unread', '2026-01-01T00:00:00Z')",
                [url, url, doc.get("title") or "", doc.get("text") or ""],
            )
    return ctx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    docs = []
    with (CORPUS / "corpus.jsonl").open(encoding="utf-8") as f:
        for line in f:
            docs.append(json.loads(line))
            if len(docs) >= args.articles:
                break

    with tempfile.TemporaryDirectory(prefix="reader-embed-") as tmp:
        tmp_path = Path(tmp)
        setup = LibraryContext(tmp_path / "setup")
        embedder = indexing_embedder(setup)  # exports the model once, untimed
        models_dir = setup.paths.models_dir
        from sentence_transformers import SentenceTransformer

        from reader.ml.embedder import resolve_model

        reference = SentenceTransformer(
            str(resolve_model(setup.settings.model).folder), device="cpu"
        )
        ours_s, base_s, texts = [], [], []
        for round_number in range(args.rounds):
            ctx = fresh_library(tmp_path / f"round{round_number}", docs, models_dir)
            start = time.perf_counter()
            report = index_pending(ctx)
            ours_s.append(time.perf_counter() - start)
            rows = ctx.db.execute("SELECT context, text FROM chunks ORDER BY id").fetchall()
            texts = [embed_text(context, text) for context, text in rows]
            assert report.embedded == len(set(texts)), (report.embedded, len(texts))
            ctx.close()
            start = time.perf_counter()
            reference.encode(texts, batch_size=32)
            base_s.append(time.perf_counter() - start)
            print(
                f"round {round_number}: ours {ours_s[-1]:.1f}s, baseline {base_s[-1]:.1f}s",
                file=sys.stderr,
            )
    chunks = len(texts)
    ours_cps, base_cps = chunks / min(ours_s), chunks / min(base_s)
    print(
        json.dumps(
            {
                "ratio": round(ours_cps / base_cps, 3),
                "ours_chunks_per_s": round(ours_cps, 2),
                "baseline_chunks_per_s": round(base_cps, 2),
                "chunks": chunks,
                "articles": len(docs),
                "backend": type(embedder).__name__,
                "ours_s": [round(t, 2) for t in ours_s],
                "baseline_s": [round(t, 2) for t in base_s],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
