"""Near-duplicate benchmark: planted near copies among distinct articles on the same subjects.

Base set: real BBC news articles (../shared/corpora/bbc/bbc.jsonl), several per label, so
distinct articles share a subject and its vocabulary. Articles that already nearly copy an
earlier one in the corpus (true shingle Jaccard >= 0.3; the BBC set has some) are left out of
the base and counted. For a share of the base, one planted near copy of each kind:

- rewrapped: the same words, lines broken at 60 characters;
- framed: a different header and footer (a sign-up line, a "first published" line, a footer);
- truncated: the last 10% of the words cut;
- edited: about 2% of the words replaced or dropped and one sentence added.

Every article goes through reader's own capture (`Capture.merge_item` on a real SQLite library
in a temporary folder), base articles first, copies after, in a shuffled order within each.
Precision and recall of `duplicate_of` marking: a copy is right when it points at its
original; any other mark is a false positive. Cost per added article: the same adds with the
near-duplicate check switched off, in the same run, as the baseline. A sweep over thresholds
(signature similarity of every copy to its original, and the best similarity of every base
article to any other) shows where the threshold sits.

    python bench/near_dups.py [BBC_JSONL] [--base 400] [--planted 0.5] [--seed 7]

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT = REPO.parent / "shared" / "corpora" / "bbc" / "bbc.jsonl"
KINDS = ("rewrapped", "framed", "truncated", "edited")


def load(path: Path, n: int, seed: int) -> tuple[list[dict], int]:
    from reader.ml.minhash import shingles

    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    random.Random(seed).shuffle(rows)
    base: list[dict] = []
    kept_shingles: list[set[bytes]] = []
    skipped = 0
    for row in rows:
        s = shingles(row["article"])
        if any(len(s & t) / max(1, len(s | t)) >= 0.3 for t in kept_shingles):
            skipped += 1  # the corpus's own near copies
            continue
        base.append(row)
        kept_shingles.append(s)
        if len(base) >= n:
            break
    return base, skipped


def plant(text: str, kind: str, rng: random.Random) -> str:
    words = text.split()
    if kind == "rewrapped":
        lines, line = [], ""
        for word in words:
            if line and len(line) + 1 + len(word) > 60:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}".strip()
        return "\n".join([*lines, line])
    if kind == "framed":
        return ("Sign up for our morning briefing and never miss a story.\n"
                f"First published {rng.randint(1, 28)} March 2005.\n{text}\n"
                "Share this article on social media. All rights reserved.")
    if kind == "truncated":
        return " ".join(words[: int(len(words) * 0.9)])
    edited = []
    for word in words:
        roll = rng.random()
        if roll < 0.01:
            continue
        edited.append(rng.choice(["indeed", "reportedly", "also", "however"]) if roll < 0.02 else word)
    return " ".join(edited) + " This story has been updated with further comment."


def run_library(items: list[tuple[str, str]], check: bool) -> tuple[dict[str, int], dict[int, int | None], float]:
    """Add every (key, text) to a fresh library; ids by key, duplicate_of by id, seconds."""
    from reader.models import ImportedItem
    from reader.services.context import LibraryContext
    from reader.services.library import capture as capture_module

    saved = capture_module.Capture._mark_near_copy
    if not check:
        capture_module.Capture._mark_near_copy = lambda self, article_id, report: None
    try:
        with tempfile.TemporaryDirectory() as home:
            ctx = LibraryContext(home)
            cap = capture_module.Capture(ctx)
            ids: dict[str, int] = {}
            started = time.perf_counter()
            for key, text in items:
                report = capture_module.CaptureReport()
                ids[key] = cap.merge_item(ImportedItem(url=f"https://news.example/{key}", title=key,
                                                       text=text), source="bench", report=report)
            seconds = time.perf_counter() - started
            marks = dict(ctx.db.execute("select id, duplicate_of from articles").fetchall())
            ctx.close()
    finally:
        capture_module.Capture._mark_near_copy = saved
    return ids, marks, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--base", type=int, default=400)
    parser.add_argument("--planted", type=float, default=0.5, help="share of the base given copies")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not args.corpus.exists():
        sys.exit(f"{args.corpus} is absent")
    from reader.ml.minhash import NEAR_DUPLICATE_THRESHOLD, signature, similarity

    rng = random.Random(args.seed)
    base, corpus_dups = load(args.corpus, args.base, args.seed)
    originals = [(f"base-{i}", row["article"]) for i, row in enumerate(base)]
    copies: list[tuple[str, str, str, str]] = []  # key, text, original key, kind
    for i, (key, text) in enumerate(originals[: int(len(originals) * args.planted)]):
        kind = KINDS[i % len(KINDS)]
        copies.append((f"copy-{i}-{kind}", plant(text, kind, rng), key, kind))
    rng.shuffle(originals)
    rng.shuffle(copies)
    items = originals + [(k, t) for k, t, _, _ in copies]

    _, _, base_seconds = run_library(items, check=False)
    ids, marks, seconds = run_library(items, check=True)
    truth = {ids[k]: ids[o] for k, _, o, _ in copies}
    kind_of = {ids[k]: kind for k, _, _, kind in copies}
    marked = {i: d for i, d in marks.items() if d is not None}
    true_pos = sum(1 for i, d in marked.items() if truth.get(i) == d)
    per_kind = {kind: {"planted": 0, "found": 0} for kind in KINDS}
    for i, original in truth.items():
        per_kind[kind_of[i]]["planted"] += 1
        per_kind[kind_of[i]]["found"] += int(marked.get(i) == original)

    # Threshold sweep on signatures alone.
    sigs = {k: signature(t) for k, t in items}
    copy_scores = [similarity(sigs[k], sigs[o]) for k, _, o, _ in copies]
    base_keys = [k for k, _ in originals]
    matrix = np.stack([sigs[k] for k in base_keys])
    distinct_best = []
    for i in range(len(base_keys)):
        scores = (matrix == matrix[i]).mean(axis=1)
        scores[i] = 0.0
        distinct_best.append(float(scores.max()))
    sweep = {}
    for threshold in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        found = sum(s >= threshold for s in copy_scores)
        false = sum(s >= threshold for s in distinct_best)
        sweep[str(threshold)] = {"recall": round(found / len(copy_scores), 4),
                                 "distinct_articles_over": int(false)}

    print(json.dumps({
        "corpus": str(args.corpus),
        "base_articles": len(originals),
        "corpus_near_copies_left_out": corpus_dups,
        "planted": len(copies),
        "threshold": NEAR_DUPLICATE_THRESHOLD,
        "marked": len(marked),
        "precision": round(true_pos / len(marked), 4) if marked else None,
        "recall": round(true_pos / len(truth), 4) if truth else None,
        "per_kind": per_kind,
        "ms_per_added_article": round(1000 * seconds / len(items), 3),
        "baseline_ms_per_added_article_without_check": round(1000 * base_seconds / len(items), 3),
        "cost_ratio_vs_baseline": round(seconds / base_seconds, 3),
        "copy_similarity_min": round(min(copy_scores), 3),
        "distinct_best_similarity_max": round(max(distinct_best), 3),
        "sweep": sweep,
        "note": "timings on a shared 2-core machine; compare the ratio, not the absolute numbers",
    }, indent=2))


if __name__ == "__main__":
    main()
