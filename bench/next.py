"""`reader next` against newest-first, on a dated corpus with a simulated reading history.

    python bench/next.py [--corpus ../shared/corpora/rust-blog/posts.jsonl] [--home DIR]
                         [--seeds 0 1 2] [--months 6] [--top 20] [--max-words 150]

The corpus (rows with `date`, `title`, `markdown` or `text`, and `section`) is imported as a
library where every post was saved the day it was published, indexed with the real model, and
themes are trained once (they never see who read what). A reader is simulated per seed: posts of
the section they follow (the one with the most posts, unless --follow says) are read with
probability 0.8, others with 0.1; a read comes 0-7 days after saving (60%) or 7-120 days after
(40%). The section is never given to reader: it must find the reader's taste from what was read.

For each of the last --months 30-day windows (the last ends at the latest simulated read), the
window's reads are hidden (made unread again), articles saved after the window are left out,
and every unread article is ranked by `rank_next` (now = the window's end) and by newest-first
(the queue's own order). Figure: how many hidden reads rank in the top --top, both ways.
Posts are cut to their first --max-words words (0: whole) so that indexing takes minutes on two
shared cores. `--home` keeps the built library between runs. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT = REPO.parent / "shared" / "corpora" / "rust-blog" / "posts.jsonl"

from reader.services.context import LibraryContext  # noqa: E402

READ_FOLLOWED, READ_OTHER = 0.8, 0.1
# Ablations measured in the same run: what each part of the ranking adds.
VARIANTS = {
    "vectors_only": {"use_themes": False},
    "no_timing": {"options": {"timing": False}},
    "not_learned": {"options": {"learn": False}},
    "recent_only": {"options": {"long_term": 0.0}},
    "no_redundancy_cost": {"options": {"redundancy": 0.0}},
    "horizon_7": {"options": {"horizon": 7.0}},
    "horizon_30": {"options": {"horizon": 30.0}},
}


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def load_posts(path: Path, max_words: int = 0, synth_days: int = 0, limit: int = 0,
               min_words: int = 30) -> list[dict]:
    """Rows with a date (or, with `synth_days`, a date drawn uniformly over that many days
    before 2025-01-01 from the row's id: synthesised, so only the reading model is tested,
    not any real rhythm of publication) and a section (`section`, else `label`)."""
    posts = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        text = raw.get("markdown") or raw.get("article") or raw.get("text") or ""
        if max_words and len(text.split()) > max_words:
            text = cut(text, max_words)
        date = (raw.get("date") or "")[:10]
        if not date and synth_days:
            rng = random.Random(f"date|{raw.get('id')}")
            date = (datetime(2025, 1, 1) - timedelta(days=rng.uniform(0, synth_days))
                    ).strftime("%Y-%m-%d")
        if date and len(text.split()) >= min_words:
            key = str(raw.get("url") or raw.get("id"))
            posts.append({"key": key if key.startswith("http") else f"https://bench.invalid/{key}",
                          "title": raw.get("title") or "",
                          "text": text, "date": date,
                          "section": raw.get("section") or raw.get("label") or ""})
        if limit and len(posts) >= limit:
            break
    return posts


def cut(text: str, max_words: int) -> str:
    """The first paragraphs of `text` up to about `max_words` words (at least one paragraph)."""
    kept, count = [], 0
    for paragraph in text.split("\n\n"):
        words = len(paragraph.split())
        if kept and count + words > max_words:
            break
        kept.append(paragraph)
        count += words
    return "\n\n".join(kept)


def build(ctx: LibraryContext, posts: list[dict], folder: Path) -> dict:
    from reader.services.library.service import LibraryService
    from reader.services.search.indexing import index_pending
    from reader.services.themes.service import ThemeService

    rows = [{"url": p["key"], "title": p["title"], "text": p["text"],
             "added_at": f"{p['date']}T09:00:00Z", "published": p["date"], "state": "unread"}
            for p in posts]
    path = folder / "posts.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    started = time.perf_counter()
    LibraryService(ctx).import_file(path, format="jsonl")
    index_pending(ctx, wait=True)
    indexed = time.perf_counter() - started
    report = ThemeService(ctx).train(seed=0)
    return {"index_seconds": round(indexed, 1), "themes": report.summary()}


def simulate(posts: list[dict], follow: str, seed: int) -> dict[str, str]:
    """url -> read time for the posts this reader read."""
    rng = random.Random(seed)
    reads = {}
    for p in posts:
        chance = READ_FOLLOWED if p["section"] == follow else READ_OTHER
        if rng.random() >= chance:
            continue
        delay = rng.uniform(0, 7) if rng.random() < 0.6 else rng.uniform(7, 120)
        saved = parse(f"{p['date']}T09:00:00Z")
        reads[p["key"]] = iso(saved + timedelta(days=delay, hours=rng.uniform(0, 12)))
    return reads


def set_states(ctx: LibraryContext, url_to_id: dict[str, int], added: dict[int, str],
               reads: dict[str, str], start: str, end: str) -> set[int]:
    """History before `start` read; reads in [start, end) hidden (unread, returned); articles
    saved after `end` left out; the rest unread."""
    hidden: set[int] = set()
    updates = []
    read_of = {url_to_id[u]: t for u, t in reads.items() if u in url_to_id}
    for article_id, saved in added.items():
        when = read_of.get(article_id)
        if saved >= end:
            updates.append(("archived", None, article_id))
        elif when is not None and when < start:
            updates.append(("read", when, article_id))
        else:
            if when is not None and when < end:
                hidden.add(article_id)
            updates.append(("unread", None, article_id))
    with ctx.db.conn:
        ctx.db.conn.executemany("update articles set state = ?, read_at = ? where id = ?",
                                updates)
    return hidden


def newest_first(ctx: LibraryContext, end: str) -> list[int]:
    return [r[0] for r in ctx.db.execute(
        "select id from articles where state = 'unread' and added_at < ? "
        "and duplicate_of is null order by added_at desc, id desc", [end])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT)
    parser.add_argument("--home", type=Path, help="Build the library here and reuse it.")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--follow", help="The section the simulated reader follows.")
    parser.add_argument("--max-words", type=int, default=150)
    parser.add_argument("--synth-dates", type=int, default=0, metavar="DAYS",
                        help="Rows without a date get one drawn over DAYS days (said in the "
                             "output).")
    parser.add_argument("--limit", type=int, default=0, help="Use the first N rows only.")
    parser.add_argument("--min-words", type=int, default=30)
    parser.add_argument("--variants", action="store_true",
                        help="Also rank by each ablation (slower).")
    args = parser.parse_args()
    if not args.corpus.exists():
        print(json.dumps({"skipped": f"{args.corpus} is absent"}))
        return
    from reader.services.themes.next import rank_next

    posts = load_posts(args.corpus, args.max_words, args.synth_dates, args.limit,
                       args.min_words)
    follow = args.follow or Counter(p["section"] for p in posts).most_common(1)[0][0]
    home = args.home or Path(tempfile.mkdtemp(prefix="reader-bench-next-"))
    home.mkdir(parents=True, exist_ok=True)
    ctx = LibraryContext(home)
    built = None
    if not ctx.db["articles"].exists() or not ctx.db["articles"].count:
        built = build(ctx, posts, home)
    url_to_id = {r[0]: r[1] for r in ctx.db.execute("select url, id from articles")}
    added = {r[0]: r[1] for r in ctx.db.execute("select id, added_at from articles")}
    per_month, totals = [], Counter()
    started = time.perf_counter()
    for seed in args.seeds:
        reads = simulate(posts, follow, seed)
        last = max(reads.values())
        for k in range(args.months):
            end_dt = parse(last) + timedelta(seconds=1) - timedelta(days=30 * k)
            end, start = iso(end_dt), iso(end_dt - timedelta(days=30))
            hidden = set_states(ctx, url_to_id, added, reads, start, end)
            if not hidden:
                continue
            ours = [i.id for i in rank_next(ctx, limit=args.top, now=end).items]
            newest = newest_first(ctx, end)[:args.top]
            row = {"seed": seed, "window": [start[:10], end[:10]], "hidden": len(hidden),
                   "next": len(hidden & set(ours)), "newest_first": len(hidden & set(newest))}
            for name, kwargs in (VARIANTS if args.variants else {}).items():
                picked = {i.id for i in rank_next(ctx, limit=args.top, now=end, **kwargs).items}
                row[name] = len(hidden & picked)
            per_month.append(row)
            for key in ("hidden", "next", "newest_first",
                        *(VARIANTS if args.variants else ())):
                totals[key] += row[key]
    last_month = [r for r in per_month if r["window"][1] == max(x["window"][1]
                  for x in per_month if x["seed"] == r["seed"])]
    lm = {k: sum(r[k] for r in last_month) for k in ("hidden", "next", "newest_first")}
    print(json.dumps({
        "corpus": str(args.corpus), "articles": len(added), "max_words": args.max_words,
        "synthesised_dates_days": args.synth_dates or None,
        "passages": ctx.db["chunks"].count, "follows_section": follow,
        "simulation": {"read_followed": READ_FOLLOWED, "read_other": READ_OTHER,
                       "delay": "60% 0-7 days, 40% 7-120 days", "seeds": args.seeds},
        "top": args.top,
        "last_month": dict(lm, ratio=round(lm["next"] / lm["newest_first"], 3)
                           if lm["newest_first"] else None),
        "all_windows": dict(totals, windows=len(per_month),
                            ratio=round(totals["next"] / totals["newest_first"], 3)
                            if totals["newest_first"] else None),
        "per_window": per_month, "built": built,
        "rank_seconds": round(time.perf_counter() - started, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
