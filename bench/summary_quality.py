"""How good are the digest's extractive summaries? ROUGE, and whether they stand alone.

Three-sentence summaries from our summariser (`reader.ml.summary.summarize_passages`, the
same code the digest uses with two sentences) against baselines computed in the same run: the
first three sentences (lead-3), the three sentences closest to the article's mean sentence
embedding (centroid), and the previous summariser (central + coverage over the whole text,
`summarize`). ROUGE-1/2 F against the BBC references; the standalone rate (the share of
summaries whose first sentence does not lean back on an earlier one and that hold no footnote,
caption, table or code line, `reader.ml.standalone.stands_alone`) on BBC, on Rust blog posts
(real Markdown essays with code and footnotes) and on the demo essays. Sentence embeddings
come from the packaged model. Prints one JSON object.

    python bench/summary_quality.py [--jsonl FILE] [--n 150] [--rust 80] [--seed 0] [--cache FILE]
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

from reader.ml.sentences import group_passages, split_sentences  # noqa: E402
from reader.ml.standalone import stands_alone  # noqa: E402
from reader.ml.summary import (  # noqa: E402
    centroid,
    lead,
    rouge_f1,
    summarize,
    summarize_passages,
    summary_candidates,
    summary_sources,
)

DEFAULT_JSONL = ROOT.parent / "shared" / "corpora" / "bbc" / "bbc.jsonl"
RUST_JSONL = ROOT.parent / "shared" / "corpora" / "rust-blog" / "posts.jsonl"
K = 3
METHODS = ("ours", "previous", "lead3", "centroid")


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
    parser.add_argument("--rust", type=int, default=80, help="Rust blog posts (0: none)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    parser.add_argument("--cache", type=Path, help="an .npz file to keep sentence vectors in")
    args = parser.parse_args(argv)
    if not args.jsonl.exists():
        parser.error(f"{args.jsonl} does not exist")

    sample = load_sample(args.jsonl, args.n, args.seed)
    texts = {"bbc": [row["article"] for row in sample]}
    if args.rust and RUST_JSONL.exists():
        texts["rust_blog"] = load_rust(RUST_JSONL, args.rust, args.seed)
    texts["demo"] = load_demo()
    plans = {name: [plan(t) for t in docs] for name, docs in texts.items()}
    wanted = [s for docs in plans.values() for p in docs for s in p["sentences"] + p["flat"]]
    vectors = embed_all(wanted, args.model, args.cache)
    picks = {name: [choose(p, vectors) for p in docs] for name, docs in plans.items()}

    totals = {name: [0.0, 0.0] for name in METHODS}
    for row, chosen in zip(sample, picks["bbc"], strict=True):
        for name in METHODS:
            text = " ".join(chosen[name])
            totals[name][0] += rouge_f1(text, row["summary"], 1)
            totals[name][1] += rouge_f1(text, row["summary"], 2)
    n = len(sample)
    result: dict = {
        name: {"rouge1": round(r1 / n, 4), "rouge2": round(r2 / n, 4)}
        for name, (r1, r2) in totals.items()
    }
    result["standalone"] = {
        corpus: {
            name: round(sum(stands_alone(c[name]) for c in chosen) / max(len(chosen), 1), 4)
            for name in METHODS
        }
        | {"n": len(chosen)}
        for corpus, chosen in picks.items()
    }
    result["n"] = n
    print(json.dumps(result))
    return result


def load_rust(path: Path, n: int, seed: int) -> list[str]:
    """n Rust blog posts with at least 300 words, in a seeded shuffle."""
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    rows = [r for r in rows if (r.get("n_words") or 0) >= 300 and r.get("markdown")]
    random.Random(seed).shuffle(rows)
    return [r["markdown"] for r in rows[:n]]


def load_demo() -> list[str]:
    from reader.services.demo import essay_markdown, essay_text, load_manifest

    return [essay_text(essay_markdown(e.slug)) for e in load_manifest()]


def plan(text: str) -> dict:
    """What each method reads: our passages and candidates; the plain sentence list."""
    raw = group_passages(text)
    passages = summary_candidates(raw)
    return {
        "passages": passages,
        "sentences": [s for p in summary_sources(raw) for s in p if s],
        "flat": split_sentences(text),
    }


def choose(p: dict, vectors: dict[str, np.ndarray]) -> dict[str, list[str]]:
    """Each method's summary of one document."""
    flat = p["flat"]
    out = {name: [] for name in METHODS}
    if p["sentences"]:
        emb = np.stack([vectors[s] for s in p["sentences"]])
        out["ours"] = summarize_passages(p["passages"], emb, K)
    if flat:
        emb = np.stack([vectors[s] for s in flat])
        out["previous"] = [flat[i] for i in summarize(flat, emb, K)]
        out["lead3"] = [flat[i] for i in lead(len(flat), K)]
        out["centroid"] = [flat[i] for i in sorted(centroid(emb, K))]
    return out


if __name__ == "__main__":
    main()
