"""Keystroke to results on a large library: filter as you type, keyword search, and keys
answered while a semantic search runs.

Drives the real app headless over a library of real titles and texts (default 10,000
articles). Each key is sent as a terminal would send it (an event to the app's driver) and timed
until the first frame painted after the screen shows the answer for the text typed so far (the
app's display call, which headless skips writing but computes in full). Between keys the app is
left to go idle, as it would between a person's keystrokes; that wait is not counted. (Pilot's
`press` is not used to time: it sleeps at least 40 ms per key waiting for the app to go idle.)

The semantic case needs no model: the search service is replaced by one whose semantic search
blocks for two seconds (standing in for a model load and a query), and the figure is how long
j/k presses take to move the library's cursor meanwhile; it shows the UI thread stays free.

    python bench/tui_keys.py [--articles 10000]

Prints one JSON object with medians, p95 and maxima in milliseconds, and each median as a ratio
to a key that only moves the cursor, measured in the same run (the machine's own key latency).
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


class Frames:
    """Wraps the app's display call: the time of the first frame painted once `check` holds."""

    def __init__(self, app) -> None:
        self.check = None
        self.answered_at: float | None = None
        original = app._display

        def display(screen, renderable) -> None:
            original(screen, renderable)
            if (renderable is not None and self.check is not None and self.answered_at is None
                    and self.check()):
                self.answered_at = time.perf_counter()

        app._display = display


async def timed_key(app, pilot, key: str, check, limit: float = 10.0) -> float:
    """Send `key` as the terminal would; ms until a frame shows what `check` asks for."""
    from textual import events

    frames: Frames = app.frames
    char = " " if key == "space" else key if len(key) == 1 else None
    await pilot.pause()  # idle between keys, as between a person's keystrokes (not counted)
    frames.check, frames.answered_at = check, None
    start = time.perf_counter()
    app._driver.send_message(events.Key(key, char))
    await until(pilot, lambda: frames.answered_at is not None, limit)
    frames.check = None
    return (frames.answered_at - start) * 1000


async def filter_times(app, pilot) -> list[float]:
    screen = app.screen
    times = []
    for words in FILTERS:
        await pilot.press("slash")
        typed = ""
        for ch in words:
            typed += ch
            want = typed.strip()
            times.append(await timed_key(
                app, pilot, "space" if ch == " " else ch,
                lambda w=want: screen.shown_listing is not None
                and screen.shown_listing.words == w))
        await pilot.press("escape", "escape")
        await until(pilot, lambda: screen.shown_listing.words == "")
    return times


async def search_times(app, pilot) -> list[float]:
    await pilot.press("2")
    screen = app.screen
    await pilot.press("ctrl+t", "ctrl+t")  # keyword
    times = []
    for query in QUERIES:
        screen.query_one("#search-input").value = ""
        typed = ""
        for ch in query:
            typed += ch
            times.append(await timed_key(
                app, pilot, ch, lambda q=typed: screen.shown_query == (q, "keyword")))
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
        times.append(await timed_key(app, pilot, key, lambda r=row: table.cursor_row != r))
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
        app.frames = Frames(app)
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
        times.append(await timed_key(app, pilot, key, lambda r=row: table.cursor_row != r))
    return times


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ranked = sorted(values)
    return {"median_ms": round(statistics.median(values), 1),
            "p95_ms": round(ranked[min(len(ranked) - 1, round(len(ranked) * 0.95) - 1)], 1),
            "max_ms": round(max(values), 1), "n": len(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--home", type=Path, help="keep the library here (built when absent)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp)
        if not (home / "reader.db").exists():
            build(home, args.articles)
        found = asyncio.run(run(home))
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
