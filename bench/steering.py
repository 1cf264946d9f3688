"""Does theme steering steer? Search a labelled corpus with and without --plus/--minus.

    python bench/steering.py [--labelled FILE] [--queries 40] [--seed 0] [--home DIR]

The corpus (rows with `label` and `text`, optional `title`; see bench/themes.py) is imported
and indexed through reader's own path, and themes are trained. Each query is the title (or
opening words) of a random article, which is left out of its own results. For each query,
in hybrid and semantic mode:
  - plus: a broad theme other than the query article's own (turn by turn over the others);
    share of the top 10 inside it (by the membership rule) before and after `--plus`;
  - minus: the query article's own broad theme; share of the top 10 inside it before and
    after `--minus`;
  - nDCG@10 of the original query (relevant: same gold label as the query's article) before
    and after steering, and the ratio kept. The stated bound: with --minus, which removes the
    query's own subject, nothing is promised; with --plus the query must still matter:
    nDCG kept >= 0.5 (half of the plain ranking's quality) at the default strength.
Baseline is the same search without steering, in the same run. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from themes import CACHE, DEFAULT, add_articles, read_rows  # noqa: E402

from reader.services.context import LibraryContext  # noqa: E402

NDCG_BOUND = 0.5


def ndcg(relevant: list[bool], k: int = 10) -> float:
    gains = sum(1 / math.log2(i + 2) for i, r in enumerate(relevant[:k]) if r)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, sum(relevant) or 0)))
    return gains / ideal if ideal else 0.0


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labelled", type=Path, default=DEFAULT)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--home", type=Path, help="build (or reuse) the library here")
    parser.add_argument("--no-cache", action="store_true")
    args = parser.parse_args(argv)
    if not args.labelled.exists():
        parser.error(f"{args.labelled} does not exist")
    from reader.services.search.service import SearchService
    from reader.services.themes.service import ThemeService

    rows = read_rows(args.labelled)
    work = Path(tempfile.mkdtemp(prefix="reader-steer-bench-"))
    ctx = LibraryContext(args.home or work / "home")
    themes = ThemeService(ctx)
    if not ctx.db.execute("select count(*) from articles").fetchone()[0]:
        add_articles(ctx, rows, work, "all", None if args.no_cache else CACHE)
    themes.train(seed=args.seed)
    by_url = {f"https://corpus.local/{r['id']}": r for r in rows}
    articles = {a: by_url[u] for a, u in ctx.db.execute("select id, url from articles")
                if u in by_url}
    broad = [t.id for t in themes.list_themes("broad")]
    inside: dict[int, set[int]] = {t: set() for t in broad}
    for theme_id, article_id in themes.store.member_articles(broad):
        inside[theme_id].add(article_id)
    own = {}
    for article_id, rows_ in themes.article_themes(None).items():
        best = [r for r in rows_ if r[1] == "broad"]
        if best:
            own[article_id] = max(best, key=lambda r: r[2])[0]
    rng = np.random.default_rng(args.seed)
    pool = sorted(a for a in articles if a in own)
    picks = rng.choice(pool, size=min(args.queries, len(pool)), replace=False).tolist()
    search = SearchService(ctx)
    out: dict = {"corpus": str(args.labelled), "articles": len(articles), "queries": len(picks),
                 "broad_themes": len(broad), "ndcg_bound": NDCG_BOUND}
    started = time.perf_counter()
    for mode in ("hybrid", "semantic"):
        figures: dict[str, list[float]] = {k: [] for k in (
            "plus_before", "plus_after", "minus_before", "minus_after", "ndcg_plain",
            "ndcg_plus", "ndcg_minus")}
        for n, article_id in enumerate(picks):
            row = articles[article_id]
            query = row["title"] or " ".join(row["text"].split()[:12])
            label = set(row["labels"])
            others = [t for t in broad if t != own[article_id]]
            plus = others[n % len(others)]
            minus = own[article_id]

            def top(steer=None, query=query, article_id=article_id, mode=mode):
                hits = search.search(query, mode=mode, limit=11, steer=steer).hits
                return [h.article_id for h in hits if h.article_id != article_id][:10]

            def rel(ids, label=label):
                return [bool(label & set(articles[i]["labels"])) for i in ids if i in articles]

            plain = top()
            up = top(themes.steerer(plus=[plus]))
            down = top(themes.steerer(minus=[minus]))
            share = lambda ids, t: sum(i in inside[t] for i in ids) / max(len(ids), 1)  # noqa: E731
            figures["plus_before"].append(share(plain, plus))
            figures["plus_after"].append(share(up, plus))
            figures["minus_before"].append(share(plain, minus))
            figures["minus_after"].append(share(down, minus))
            figures["ndcg_plain"].append(ndcg(rel(plain)))
            figures["ndcg_plus"].append(ndcg(rel(up)))
            figures["ndcg_minus"].append(ndcg(rel(down)))
        mean = {k: round(float(np.mean(v)), 4) for k, v in figures.items()}
        mean["ndcg_kept_plus"] = round(mean["ndcg_plus"] / max(mean["ndcg_plain"], 1e-9), 4)
        mean["ndcg_kept_minus"] = round(mean["ndcg_minus"] / max(mean["ndcg_plain"], 1e-9), 4)
        mean["within_bound"] = mean["ndcg_kept_plus"] >= NDCG_BOUND
        out[mode] = mean
    out["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
