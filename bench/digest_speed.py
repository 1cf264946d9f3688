"""How fast is a busy month's digest once sentence vectors are kept beside the chunks?

Builds a library of N real essays (Rust blog posts, read over the last 30 days), indexes all
but the last U of them (articles read but not indexed yet: summarised from their text, their
sentence vectors kept by article) with the packaged model, then times, in the same run and with the model already loaded:

- scratch: summarising those articles with every sentence embedded from scratch (what each
  draft cost before sentence vectors were kept);
- first_draft: the first `reader digest --since 30d` (embeds once and keeps the vectors);
- draft: the next draft of the same window (reads the vectors back from SQLite).

Prints one JSON object; `speedup` is scratch / draft. The machine's load average is printed
too: on a busy machine every figure is slower, the ratio less so.

    python bench/digest_speed.py [--jsonl FILE] [--n 50] [--unindexed 10] [--home DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reader.models import to_iso  # noqa: E402
from reader.services.context import LibraryContext  # noqa: E402
from reader.services.digest.service import SUMMARY_SENTENCES, SUMMARY_WORDS, DigestService  # noqa: E402
from reader.services.digest.summaries import summarise_articles  # noqa: E402
from reader.storage.articles import ArticleStore  # noqa: E402
from reader.storage.db import meta_get, meta_set  # noqa: E402

DEFAULT_JSONL = ROOT.parent / "shared" / "corpora" / "rust-blog" / "posts.jsonl"
BUILT_KEY = "bench.digest_speed"


class NoThemes:
    """Sections are not what is timed here."""

    def section_labels(self) -> dict[int, str]:
        return {}

    def strengths(self, article_ids):
        return {}


def build(ctx: LibraryContext, path: Path, n: int, unindexed: int, now: datetime) -> list[int]:
    """n articles read over the last 30 days; all but the last `unindexed` indexed."""
    rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    rows = [r for r in rows if (r.get("n_words") or 0) >= 400 and r.get("markdown")]
    random.Random(0).shuffle(rows)
    rows = rows[:n]
    store = ArticleStore(ctx.db)
    key = f"{path}:{n}:{unindexed}"
    if meta_get(ctx.db, BUILT_KEY) != key:
        from reader.services.search.indexing import index_pending

        cut = max(len(rows) - unindexed, 0)
        _insert(store, list(enumerate(rows))[:cut], now)
        print("indexing...", file=sys.stderr)
        index_pending(ctx)
        _insert(store, list(enumerate(rows))[cut:], now)  # read, not indexed yet
        meta_set(ctx.db, BUILT_KEY, key)
    return [r[0] for r in ctx.db.execute("select id from articles order by id")]


def _insert(store: ArticleStore, rows: list[tuple[int, dict]], now: datetime) -> None:
    with store.db.conn:
        for i, row in rows:
            read = now - timedelta(days=29) + timedelta(hours=i * 13)
            store.insert(
                url=row["url"],
                canonical_url=row["url"],
                title=row["title"],
                author=", ".join(row.get("authors") or []) or None,
                site="Rust Blog",
                text=row["markdown"],
                word_count=row.get("n_words") or 0,
                state="read",
                fetch_state="provided",
                extraction="provided",
                added_at=to_iso(read - timedelta(days=1)),
                read_at=to_iso(read),
            )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jsonl", type=Path, default=DEFAULT_JSONL)
    parser.add_argument("--n", type=int, default=50, help="articles read in the month")
    parser.add_argument(
        "--unindexed", type=int, default=10, help="of those, read but not indexed yet"
    )
    parser.add_argument("--home", type=Path, help="library folder to build in and reuse")
    args = parser.parse_args(argv)
    if not args.jsonl.exists():
        parser.error(f"{args.jsonl} does not exist")
    now = datetime.now(UTC)
    home = args.home or Path(tempfile.mkdtemp(prefix="reader-bench-speed-"))
    ctx = LibraryContext(home)
    try:
        ids = build(ctx, args.jsonl, args.n, args.unindexed, now)
        ctx.db.execute("delete from sentence_vectors")
        ctx.db.execute("delete from article_sentence_vectors")
        service = DigestService(ctx, themes=NoThemes())
        embedder = service.embedder
        embedder.embed(["Warm the model up before anything is timed."])
        articles = [ArticleStore(ctx.db).get(a) for a in ids]

        start = time.perf_counter()
        _summaries, scratch = summarise_articles(
            ctx.db, embedder, articles, SUMMARY_SENTENCES, word_budget=SUMMARY_WORDS, reuse=False
        )
        scratch_s = time.perf_counter() - start

        start = time.perf_counter()
        first = service.draft("30d", now=now)
        first_s = time.perf_counter() - start

        start = time.perf_counter()
        again = service.draft("30d", now=now)
        draft_s = time.perf_counter() - start
        assert again.text == first.text, "a draft from kept vectors must equal the first"
        ctx_unindexed = ctx.db.execute(
            "select count(*) from articles a where not exists "
            "(select 1 from chunks c where c.article_id = a.id)"
        ).fetchone()[0]
    finally:
        ctx.close()
    result = {
        "articles": len(ids),
        "unindexed": ctx_unindexed,
        "sentences": scratch.embedded,
        "scratch_s": round(scratch_s, 3),
        "first_draft_s": round(first_s, 3),
        "draft_s": round(draft_s, 3),
        "reused": again.stats.reused,
        "embedded_again": again.stats.embedded,
        "speedup": round(scratch_s / draft_s, 1) if draft_s else None,
        "load_average": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
