"""Keystroke to results on a large library: filter as you type, keyword search, and keys
answered while a semantic search runs.

Drives the real app headless (Textual's Pilot) over a library of real titles and texts
(default 10,000 articles). For each key it measures the time from the key press until the
table or result list shows the answer for the text typed so far.

The semantic case needs no model: the search service is replaced by one whose semantic search
blocks for two seconds (standing in for a model load and a query), and the figure is how long
j/k presses take to move the library's cursor meanwhile; it shows the UI thread stays free.

    python bench/tui_keys.py [--articles 10000]

Prints one JSON object with medians and maxima in milliseconds, and each median as a ratio to
a key that only moves the cursor, measured in the same run (the machine's own key latency).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))
sys.path.insert(0, str(REPO))
from tui_library import build  # noqa: E402

FILTERS = ("oil prices", "champions league", "rust 2018", "election")
QUERIES = ("stocks", "football", "compiler", "government")


async def until(pilot, check, limit: float = 10.0) -> None:
    deadline = time.perf_counter() + limit
    while not check():
        if time.perf_counter() > deadline:
            raise TimeoutError("no answer")
        await asyncio.sleep(0.001)


async def filter_times(app, pilot) -> list[float]:
    from reader.services.library.browse import Listing

    screen = app.screen
    times = []
    for words in FILTERS:
        await pilot.press("slash")
        typed = ""
        for ch in words:
            typed += ch
            want = Listing(words=typed.strip())
            start = time.perf_counter()
            await pilot.press("space" if ch == " " else ch)
            await until(pilot, lambda w=want: screen.listing.words == w.words
                        and not screen.workers._workers and not screen.loading_more
                        and screen.query_one("#queue").row_count == min(len(screen.order), 10**9))
            times.append((time.perf_counter() - start) * 1000)
        await pilot.press("escape", "escape")
    return times


async def search_times(app, pilot) -> list[float]:
    await pilot.press("2")
    screen = app.screen
    await pilot.press("ctrl+t", "ctrl+t")  # keyword
    times = []
    for query in QUERIES:
        screen.query_one("#search-input").value = ""
        for ch in query:
            start = time.perf_counter()
            await pilot.press(ch)
            await until(pilot, lambda: screen.query_text == screen.query_one("#search-input").value
                        and not screen.query_one("#search-results").loading
                        and not [w for w in screen.workers if w.is_running])
            times.append((time.perf_counter() - start) * 1000)
    await pilot.press("escape")
    return times


class SlowSemantic:
    """Stands in for the search service: semantic queries block (a model loading)."""

    def __init__(self, real) -> None:
        self.real = real
        self.running = threading.Event()

    def search(self, query, *, mode="hybrid", limit=30, **kwargs):
        if mode != "keyword":
            self.running.set()
            time.sleep(2.0)
        return self.real.search(query, mode="keyword", limit=limit, **kwargs)


async def keys_during_semantic(app, pilot, slow: SlowSemantic) -> list[float]:
    await pilot.press("2")
    screen = app.screen
    while screen.mode != "semantic":
        await pilot.press("ctrl+t")
    screen.query_one("#search-input").value = "markets"
    await pilot.press("enter")
    await until(pilot, slow.running.is_set)
    await pilot.press("1")  # the screen keys work while it runs
    table = app.screen.query_one("#queue")
    times = []
    for key in "jjjjjkkkkk":
        row = table.cursor_row
        start = time.perf_counter()
        await pilot.press(key)
        await until(pilot, lambda r=row: table.cursor_row != r)
        times.append((time.perf_counter() - start) * 1000)
    still_running = any(w.is_running for w in app.workers)
    return times if still_running else []


async def run(home: Path) -> dict:
    from reader.services.context import LibraryContext
    from reader.services.search.service import SearchService
    from reader.tui.app import make_app

    ctx = LibraryContext(home)
    slow = SlowSemantic(SearchService(ctx))
    app = make_app(ctx, search=slow)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.screen.query("#queue")
                    and app.screen.query_one("#queue").row_count > 0, 60)
        baseline = await cursor_times(app, pilot)
        filters = await filter_times(app, pilot)
        searches = await search_times(app, pilot)
        during = await keys_during_semantic(app, pilot, slow)
    return {"cursor_move_baseline": baseline, "filter": filters, "keyword_search": searches,
            "keys_during_semantic": during}


async def cursor_times(app, pilot) -> list[float]:
    """The reference: a key that only moves the table's cursor, on the same machine now."""
    table = app.screen.query_one("#queue")
    times = []
    for key in "jjjjjjjjjjkkkkkkkkkk":
        row = table.cursor_row
        start = time.perf_counter()
        await pilot.press(key)
        await until(pilot, lambda r=row: table.cursor_row != r)
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {"median_ms": round(statistics.median(values), 1),
            "p90_ms": round(sorted(values)[int(len(values) * 0.9) - 1], 1),
            "max_ms": round(max(values), 1), "n": len(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp), args.articles)
        found = asyncio.run(run(Path(tmp)))
    base = statistics.median(found["cursor_move_baseline"])
    print(json.dumps({
        **{name: summary(values) for name, values in found.items()},
        "ratios_to_cursor_move": {name: round(statistics.median(v) / base, 2)
                                  for name, v in found.items() if v},
        "articles": args.articles, "budget_ms": 100,
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }))


if __name__ == "__main__":
    main()
