"""How good are the digest's extractive summaries? ROUGE against reference summaries.

Three-sentence summaries from our summariser (`reader.ml.summary.summarize`, the same code
the digest uses with two sentences) against two baselines computed in the same run: the
first three sentences (lead-3) and the three sentences closest to the article's mean
sentence embedding (centroid). Sentence embeddings come from the packaged model through the
project's Embedder. Prints one JSON object.

    python bench/summary_quality.py [--jsonl FILE] [--n 150] [--seed 0] [--cache FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reader.ml.sentences import split_sentences  # noqa: E402
from reader.ml.summary import centroid, lead, rouge_f1, summarize  # noqa: E402

DEFAULT_JSONL = ROOT.parent / "shared" / "corpora" / "bbc" / "bbc.jsonl"
K = 3


def load_sample(path: Path, n: int, seed: int) -> list[dict]:
    """n rows with an article and a summary, in a seeded shuffle (a larger n extends a smaller)."""
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                if row.get("article") and row.get("summary"):
                    rows.append(row)
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    return [rows[i] for i in order[:n]]


def embed_all(sentences: list[str], model: str, cache: Path | None) -> dict[str, np.ndarray]:
    """Vectors for every distinct sentence, read from / added to an optional .npz cache."""
    known: dict[str, np.ndarray] = {}
    if cache and cache.exists():
        with np.load(cache) as data:
            known = {k: data[k] for k in data.files}
    key = {s: hashlib.sha1(f"{model}\0{s}".encode()).hexdigest() for s in sentences}
    missing = sorted({s for s in sentences if key[s] not in known})
    if missing:
        from reader.ml.embedder import SentenceTransformerEmbedder, resolve_model

        embedder = SentenceTransformerEmbedder(resolve_model(model))
        vectors = embedder.embed(missing, batch_size=64)
        known.update({key[s]: v for s, v in zip(missing, vectors, strict=True)})
        if cache:
            np.savez(cache, **known)
    return {s: known[key[s]] for s in sentences}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--jsonl",
        type=Path,
        default=DEFAULT_JSONL,
        help="JSONL with `article` and `summary` fields",
    )
    parser.add_argument("--n", type=int, default=150, help="articles to sample")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--cache", type=Path, help="an .npz file to keep sentence vectors in")
    args = parser.parse_args(argv)
    if not args.jsonl.exists():
        parser.error(f"{args.jsonl} does not exist")

    sample = load_sample(args.jsonl, args.n, args.seed)
    split = [split_sentences(row["article"]) for row in sample]
    vectors = embed_all([s for sentences in split for s in sentences], args.model, args.cache)
    totals = {name: [0.0, 0.0] for name in ("ours", "lead3", "centroid")}
    for row, sentences in zip(sample, split, strict=True):
        if not sentences:
            continue
        emb = np.stack([vectors[s] for s in sentences])
        picks = {
            "ours": summarize(sentences, emb, K),
            "lead3": lead(len(sentences), K),
            "centroid": sorted(centroid(emb, K)),
        }
        for name, indices in picks.items():
            text = " ".join(sentences[i] for i in indices)
            totals[name][0] += rouge_f1(text, row["summary"], 1)
            totals[name][1] += rouge_f1(text, row["summary"], 2)
    n = len(sample)
    result = {
        name: {"rouge1": round(r1 / n, 4), "rouge2": round(r2 / n, 4)}
        for name, (r1, r2) in totals.items()
    }
    result["n"] = n
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
