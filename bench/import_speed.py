"""Import speed: a Pocket CSV, a JSONL library with texts, and an OPML with dead feeds.

Both go through `LibraryService.import_file` on a real SQLite library in a temporary folder,
as `reader import --no-fetch` does (the articles are queued, not fetched: their hosts are
made up). The OPML's feeds are served by a local HTTP server on 127.0.0.1 (so the library
allows private addresses, as someone reading from their own network would); 250 of them
answer 404, are refused, or send something that is not a feed. Each live feed lists 4 items.

The JSONL is what bench/scale.py imports: recombined real texts of ../shared/corpora with
dates, states, tags and notes (`--jsonl-rows`, 0 to leave it out), so every item is signed
for near duplicates and indexed by FTS5 as it is written.

Baseline, in the same run: the same Pocket rows parsed by the csv module and written with
one sqlite-utils `insert_all` into a table of the same columns, with no merging, no URL
canonicalisation and no per-item transaction: the floor any importer of ours stands on.

    python bench/import_speed.py [--rows 5000] [--jsonl-rows 3000] [--feeds 1000]

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

WORDS = ("gardens bridges rivers kilns lanterns harbours orchards tides maps clocks looms "
         "ferries quarries hedges canals mills").split()


def pocket_csv(path: Path, rows: int, rng: random.Random) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["title", "url", "time_added", "tags", "status"])
        for n in range(rows):
            words = rng.sample(WORDS, 3)
            site = f"{rng.choice(WORDS)}{n % 97}.example"
            out.writerow([
                " ".join(words).capitalize(),
                f"https://{site}/{n}/{'-'.join(words)}?utm_source=pocket",
                1_600_000_000 + n * 3600,
                "|".join(rng.sample(WORDS, rng.randint(0, 2))),
                rng.choice(["unread", "unread", "archive"]),
            ])


def feed_xml(n: int) -> bytes:
    items = "".join(
        f"<item><title>Post {i} of feed {n}</title><link>https://feed{n}.example/post/{i}</link>"
        f"<pubDate>Mon, 0{1 + i} Jan 2024 10:00:00 GMT</pubDate></item>"
        for i in range(4)
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>'
            f"<link>https://feed{n}.example/</link>{items}</channel></rss>").encode()


class FeedHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        n = int(self.path.strip("/").split(".")[0].removeprefix("feed"))
        kind = n % 4  # a quarter dead, in three ways, the rest alive
        if kind == 0 and n % 3 == 0:
            self.send_response(404)
            self.end_headers()
            return
        if kind == 0 and n % 3 == 1:
            body, ctype = b"<html><body>not a feed</body></html>", "text/html"
        elif kind == 0:
            self.send_response(410)
            self.end_headers()
            return
        else:
            body, ctype = feed_xml(n), "application/rss+xml"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


def opml(path: Path, feeds: int, port: int) -> None:
    outlines = "".join(
        f'<outline type="rss" text="Feed {n}" xmlUrl="http://127.0.0.1:{port}/feed{n}.xml"/>'
        for n in range(feeds)
    )
    path.write_text(f'<?xml version="1.0"?><opml version="2.0"><head><title>Feeds</title></head>'
                    f"<body>{outlines}</body></opml>", "utf-8")


def baseline(path: Path, folder: Path) -> float:
    from sqlite_utils import Database

    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    db = Database(folder / "baseline.db")
    db["articles"].insert_all(rows, batch_size=500)
    return len(rows) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--jsonl-rows", type=int, default=3000)
    parser.add_argument("--feeds", type=int, default=1000)
    args = parser.parse_args()
    from reader.services.context import LibraryContext
    from reader.services.library.service import LibraryService

    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = folder / "pocket.csv"
        pocket_csv(csv_path, args.rows, rng)

        ctx = LibraryContext(folder / "csv-lib")
        started = time.perf_counter()
        report = LibraryService(ctx).import_file(csv_path)
        csv_seconds = time.perf_counter() - started
        csv_added = len(report.added)
        ctx.close()
        floor = baseline(csv_path, folder)

        jsonl: dict[str, object] = {}
        corpora = REPO.parent / "shared" / "corpora"
        if args.jsonl_rows and (corpora / "bbc" / "bbc.jsonl").exists():
            sys.path.insert(0, str(REPO / "bench"))
            from scale import write_library_jsonl

            jsonl_path = folder / "library.jsonl"
            write_library_jsonl(jsonl_path, args.jsonl_rows, seed=3)
            ctx = LibraryContext(folder / "jsonl-lib")
            started = time.perf_counter()
            report = LibraryService(ctx).import_file(jsonl_path)
            seconds = time.perf_counter() - started
            jsonl = {"jsonl_rows": args.jsonl_rows, "jsonl_added": len(report.added),
                     "jsonl_near_duplicates": len(report.duplicates),
                     "jsonl_articles_per_s": round(len(report.added) / seconds, 1)}
            ctx.close()

        server = ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        opml_path = folder / "feeds.opml"
        opml(opml_path, args.feeds, server.server_address[1])
        ctx = LibraryContext(folder / "opml-lib")
        ctx.settings.allow_private_addresses = True  # the feeds are on this machine
        started = time.perf_counter()
        report = LibraryService(ctx).import_file(opml_path)
        opml_seconds = time.perf_counter() - started
        feeds_failed = len(report.failed)
        opml_added = len(report.added)
        ctx.close()
        server.shutdown()

    live = args.feeds - sum(1 for n in range(args.feeds) if n % 4 == 0)
    print(json.dumps({
        "pocket_rows": args.rows,
        "pocket_added": csv_added,
        "pocket_articles_per_s": round(csv_added / csv_seconds, 1),
        "baseline_insert_rows_per_s": round(floor, 1),
        "ratio": round(csv_added / csv_seconds / floor, 4),
        **jsonl,
        "opml_feeds": args.feeds,
        "opml_dead_feeds": args.feeds - live,
        "opml_feeds_reported_failed": feeds_failed,
        "opml_items_queued": opml_added,
        "opml_items_expected": live * 4,
        "opml_seconds": round(opml_seconds, 2),
        "opml_articles_per_s": round(opml_added / opml_seconds, 1),
        "load_average": round(os.getloadavg()[0], 1),
    }))


if __name__ == "__main__":
    main()
