"""A library of real titles and texts for the UI benchmarks (ag-news, BBC and Rust blog rows).

Articles go straight into SQLite through ArticleStore (no fetching): the benchmarks measure the
UI over a large library, not capture.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPORA = REPO.parent / "shared" / "corpora"
STATES = ("unread", "unread", "unread", "reading", "read", "read", "archived")


def rows(limit: int) -> list[tuple[str, str, str]]:
    """(title, site, text) from the shared corpora, up to `limit`."""
    found: list[tuple[str, str, str]] = []
    sources = (("ag-news/ag-news.jsonl", "text", "news.example"),
               ("bbc/bbc.jsonl", "article", "bbc.example"),
               ("rust-blog/posts.jsonl", "markdown", "blog.rust-lang.org"))
    for name, field, site in sources:
        path = CORPORA / name
        if not path.exists():
            raise SystemExit(f"{path} is absent: the shared corpora are needed")
        for line in path.read_text("utf-8").splitlines():
            row = json.loads(line)
            if row.get("title") and row.get(field):
                found.append((row["title"], site, row[field][:3000]))
            if len(found) >= limit:
                return found
    return found


def build(home: Path, count: int, seed: int = 7) -> int:
    """Fill the library in `home` with `count` articles; returns how many were added."""
    from reader.services.context import LibraryContext
    from reader.storage.articles import ArticleStore

    ctx = LibraryContext(home)
    store = ArticleStore(ctx.db)
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with ctx.db.atomic():
        for n, (title, site, text) in enumerate(rows(count)):
            state = rng.choice(STATES)
            url = f"https://{site}/{n}"
            added = (start + timedelta(minutes=47 * n)).strftime("%Y-%m-%dT%H:%M:%SZ")
            store.insert(url=url, canonical_url=url, title=title, site=site, text=text,
                         word_count=len(text.split()), added_at=added, state=state,
                         fetch_state="fetched",
                         progress={"reading": 0.4, "read": 1.0}.get(state, 0.0))
    ctx.close()
    return count
