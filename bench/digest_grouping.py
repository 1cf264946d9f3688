"""Do digest sections group what belongs together? Purity against gold topic labels.

Builds a library from a labelled corpus through the real path (articles in SQLite, chunked,
embedded with the packaged model and indexed, themes trained on the whole library), marks
20 seeded windows of 30 articles as read in 20 consecutive weeks, drafts each week's digest
and compares its sections with the gold labels:

- purity: over all sectioned articles, the share that carry their section's majority label;
- leftover: the share of read articles left under "Also read";
- largest_share: the largest section's share of a window's read articles (mean, and the
  worst window), so a catch-all section shows.

Summaries are irrelevant here, so the digests use the fast fake embedder for them. Prints one
JSON object: {"purity": x, "leftover": y, "largest_share": z, "largest_share_max": w,
"windows": N}.

    python bench/digest_grouping.py [--jsonl FILE] [--windows 20] [--size 30] [--seed 0]
                                    [--limit N]   # a seeded sample of N rows, not all
                                    [--embedding-cache FILE]  # chunk vectors kept between runs
                                    [--home DIR]  # keep the built library between runs

The chunk-vector cache is the one bench/themes.py keeps (by model and text hash): indexing a
corpus that either bench has seen embeds nothing again. The result says what it ran on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sqlite3
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from reader.ml.embedder import FakeEmbedder  # noqa: E402
from reader.models import to_iso  # noqa: E402
from reader.services.context import LibraryContext  # noqa: E402
from reader.services.digest.service import DigestService  # noqa: E402
from reader.storage.articles import ArticleStore  # noqa: E402
from reader.storage.db import meta_get, meta_set  # noqa: E402

DEFAULT_JSONL = ROOT.parent / "shared" / "corpora" / "bbc" / "bbc.jsonl"
FIRST_WEEK = datetime(2025, 1, 6, tzinfo=UTC)
WEEK = timedelta(days=7)
BUILT_KEY = "bench.digest_grouping"
CACHE = Path(tempfile.gettempdir()) / "reader-bench-cache" / "embeddings.db"


def load_rows(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            row = json.loads(line)
            text = row.get("text") or row.get("article")
            if text and row.get("label"):
                rows.append(
                    {
                        "label": str(row["label"]),
                        "text": text,
                        "title": row.get("title") or text.split("\n", 1)[0][:80],
                    }
                )
    return rows


def copy_embeddings(source: Path, target: Path) -> int:
    """Chunk vectors from one database's `embeddings` table into another's; rows added."""
    if not source.exists():
        return 0
    db = sqlite3.connect(target)
    try:
        db.execute(
            "CREATE TABLE IF NOT EXISTS embeddings (model TEXT NOT NULL, content_hash TEXT NOT"
            " NULL, dimension INTEGER NOT NULL, vector BLOB NOT NULL, created_at TEXT NOT NULL,"
            " PRIMARY KEY (model, content_hash)) WITHOUT ROWID"
        )
        db.execute("ATTACH DATABASE ? AS other", [str(source)])
        columns = "model, content_hash, dimension, vector, created_at"
        before = db.total_changes
        db.execute(
            f"INSERT OR IGNORE INTO main.embeddings ({columns}) "
            f"SELECT {columns} FROM other.embeddings"
        )
        db.commit()
        added = db.total_changes - before
        db.execute("DETACH DATABASE other")
        return added
    finally:
        db.close()


def build_library(
    ctx: LibraryContext,
    rows: list[dict],
    fingerprint: str,
    *,
    train: bool = True,
    cache: Path | None = None,
) -> dict[int, str]:
    """Insert, index and train themes, each step once (resumable); article id -> gold label."""
    store = ArticleStore(ctx.db)
    if meta_get(ctx.db, BUILT_KEY) != fingerprint:
        if ctx.db.execute("select count(*) from articles").fetchone()[0] == 0:
            added = to_iso(FIRST_WEEK - 8 * WEEK)
            with ctx.db.conn:
                for n, row in enumerate(rows):
                    url = f"https://bench.invalid/{n}"
                    store.insert(
                        url=url,
                        canonical_url=url,
                        title=row["title"],
                        text=row["text"],
                        word_count=len(row["text"].split()),
                        state="unread",
                        fetch_state="provided",
                        extraction="provided",
                        added_at=added,
                        source=row["label"],
                    )
        from reader.services.search.indexing import index_pending

        if cache is not None:
            copied = copy_embeddings(cache, ctx.paths.db)
            print(f"{copied} chunk vectors from {cache}", file=sys.stderr)
        print("indexing...", file=sys.stderr)
        index_pending(ctx)
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            copy_embeddings(ctx.paths.db, cache)
        if not train:
            return {}
        from reader.services.themes.service import ThemeService

        print("training themes...", file=sys.stderr)
        ThemeService(ctx).train()
        meta_set(ctx.db, BUILT_KEY, fingerprint)
    return {row[0]: row[1] for row in ctx.db.execute("select id, source from articles")}


def mark_windows(ctx: LibraryContext, windows: list[list[int]], seed: int) -> None:
    """Window w is read during week w (at seeded times); nothing else is read."""
    rng = random.Random(seed)
    with ctx.db.conn:
        ctx.db.execute("update articles set read_at = null, state = 'unread'")
        for w, ids in enumerate(windows):
            for article_id in ids:
                when = FIRST_WEEK + w * WEEK + timedelta(seconds=rng.randrange(7 * 86400))
                ctx.db.execute(
                    "update articles set read_at = ?, state = 'read' where id = ?",
                    [to_iso(when), article_id],
                )


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--jsonl",
        type=Path,
        default=DEFAULT_JSONL,
        help="JSONL with `label` and `text` (or `article`)",
    )
    parser.add_argument("--windows", type=int, default=20)
    parser.add_argument("--size", type=int, default=30, help="articles read per window")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--home", type=Path, help="library folder to build in and reuse")
    parser.add_argument("--limit", type=int, default=0, help="a seeded sample of N rows (0: all)")
    parser.add_argument("--embedding-cache", type=Path, default=CACHE)
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--index-only", action="store_true", help="stop after indexing")
    args = parser.parse_args(argv)
    if not args.jsonl.exists():
        parser.error(f"{args.jsonl} does not exist")

    rows = load_rows(args.jsonl)
    if args.limit and args.limit < len(rows):
        rows = random.Random(args.seed).sample(rows, args.limit)
    if args.windows * args.size > len(rows):
        parser.error(f"{args.windows} windows of {args.size} need {args.windows * args.size} rows")
    digest = hashlib.sha256(args.jsonl.read_bytes())
    digest.update(f"{args.limit}:{args.seed}".encode())
    fingerprint = digest.hexdigest()
    home = args.home or Path(tempfile.mkdtemp(prefix="reader-bench-"))
    ctx = LibraryContext(home)
    try:
        cache = None if args.no_cache else args.embedding_cache
        gold = build_library(ctx, rows, fingerprint, train=not args.index_only, cache=cache)
        if args.index_only:
            return {}
        ids = sorted(gold)
        picked = random.Random(args.seed).sample(ids, args.windows * args.size)
        windows = [picked[i * args.size : (i + 1) * args.size] for i in range(args.windows)]
        mark_windows(ctx, windows, args.seed)
        service = DigestService(ctx, embedder=FakeEmbedder())
        majority = sectioned = leftover = 0
        largest: list[float] = []
        for w in range(args.windows):
            since, until = FIRST_WEEK + w * WEEK, FIRST_WEEK + (w + 1) * WEEK
            draft = service.draft(to_iso(since), to_iso(until), save=False, now=until)
            for section in draft.data["sections"]:
                labels = Counter(gold[a["id"]] for a in section["articles"])
                majority += labels.most_common(1)[0][1]
                sectioned += len(section["articles"])
            leftover += len(draft.data["also_read"])
            sizes = [len(s["articles"]) for s in draft.data["sections"]]
            largest.append(max(sizes, default=0) / args.size)
    finally:
        ctx.close()
    result = {
        "purity": round(majority / sectioned, 4) if sectioned else 0.0,
        "leftover": round(leftover / (args.windows * args.size), 4),
        "largest_share": round(sum(largest) / len(largest), 4) if largest else 0.0,
        "largest_share_max": round(max(largest, default=0.0), 4),
        "windows": args.windows,
        "window_size": args.size,
        "corpus": args.jsonl.name,
        "articles": len(rows),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
