"""A small trained library with a reading history, for the map, browse and `next` tests.

Four made-up topics, imported as JSONL and indexed with the deterministic FakeEmbedder; themes
trained on it. Garden articles were read in January, sailing ones in late March (recently), the
rest of each topic is unread.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from reader.ml.embedder import FakeEmbedder
from reader.services.context import LibraryContext
from reader.services.library.service import LibraryService
from reader.services.search.indexing import index_pending
from reader.services.themes.service import ThemeService

TOPICS = {
    "garden": ("tomato seedling compost greenhouse mulch pruning orchard soil trellis "
               "marigold watering cuttings rootstock allotment raised-bed").split(),
    "sailing": ("harbour mainsail jib tiller mooring keel regatta spinnaker anchor "
                "buoy tide dinghy rigging helmsman starboard").split(),
    "astronomy": ("telescope nebula galaxy eclipse orbit comet asteroid observatory "
                  "spectrum supernova meteor constellation planet redshift aperture").split(),
    "baking": ("sourdough starter dough oven crumb proofing flour levain crust knead "
               "baguette rye brioche hydration yeast").split(),
}
FILLER = "the a of and to in was is it for on with this that today we".split()
PER_TOPIC = 16
READ = {"garden": "2026-01", "sailing": "2026-03"}  # read history: topic -> month read
NOW = "2026-03-31T12:00:00Z"


def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder(dimension=64, max_tokens=64)


def article(topic: str, n: int, rng: np.random.Generator) -> dict:
    words = TOPICS[topic]
    paragraphs = []
    for _ in range(3):
        picks = [words[i] if rng.random() < 0.7 else FILLER[i % len(FILLER)]
                 for i in rng.integers(0, len(words), size=45)]
        paragraphs.append(" ".join(picks).capitalize() + ".")
    day = 1 + n % 27
    row = {"url": f"https://example.test/{topic}/{n}", "title": f"Notes on {topic} {n}",
           "text": "\n\n".join(paragraphs), "state": "unread",
           "added_at": f"2026-{1 + n % 3:02d}-{day:02d}T09:00:00Z"}
    if topic in READ and n < PER_TOPIC - 4:  # the last four of a read topic stay unread
        row["state"] = "read"
        row["read_at"] = f"{READ[topic]}-{day:02d}T10:00:00Z"
    return row


def rows(per_topic: int = PER_TOPIC, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [article(t, n, rng) for t in TOPICS for n in range(per_topic)]


def add(ctx: LibraryContext, items: list[dict], fake: FakeEmbedder, folder: Path) -> None:
    path = folder / f"import-{len(list(folder.glob('import-*')))}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in items), "utf-8")
    LibraryService(ctx).import_file(path, format="jsonl")
    index_pending(ctx, embedder=fake, wait=True)


def build(home: Path) -> None:
    ctx = LibraryContext(home)
    fake = fake_embedder()
    add(ctx, rows(), fake, home)
    ThemeService(ctx, embed=fake.embed).train()
    ctx.close()


def topic_of(ctx: LibraryContext) -> dict[int, str]:
    return {a: url.split("/")[3] for a, url in ctx.db.execute("select id, url from articles")}
