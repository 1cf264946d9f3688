"""What a training's numbers mean, in words, and whether the themes can be trusted yet.

Every screen that shows a metric shows it through `quality_lines`, so the CLI and the UI
say the same thing. Thresholds come from the calibration in ../shared/themes.md: on BBC
(4,281 passages) held-out FVU near 0.6 went with themes that matched the gold topics;
above ~0.9 the dictionary explains little more than "the average passage"; at 1.0 or
more, nothing at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

MIN_ARTICLES = 40  # fewer, and a dictionary learns single articles rather than themes
MIN_CHUNKS = 120  # every one of the smallest dictionary's latents sees ~30 firings
FVU_GOOD = 0.75
FVU_POOR = 0.95  # above this the themes explain little: train a smaller dictionary
FVU_NONE = 1.0  # at or above this, nothing


def articles_needed(n_articles: int, n_chunks: int) -> int:
    """How many more articles (like the ones already there) themes need; 0 when enough.

    One number for every message: it covers both minimums, counting the passages a new
    article brings as the library's current average.
    """
    more = max(0, MIN_ARTICLES - n_articles)
    if n_chunks < MIN_CHUNKS:
        per_article = n_chunks / n_articles if n_articles else 1.0
        more = max(more, math.ceil((MIN_CHUNKS - n_chunks) / max(per_article, 1e-9)))
    return more


def too_small(n_articles: int, n_chunks: int) -> str | None:
    """Why the library is too small for themes, with how many more articles; None if not."""
    more = articles_needed(n_articles, n_chunks)
    if not more:
        return None
    return (f"themes need about {more} more articles: the library has {n_articles} articles "
            f"in {n_chunks} passages, and themes need {MIN_ARTICLES} articles and "
            f"{MIN_CHUNKS} passages at least")


@dataclass(frozen=True)
class Verdict:
    level: str  # good | fair | poor | none
    text: str


def verdict(metrics: dict[str, Any]) -> Verdict:
    """Can the themes be trusted? From held-out FVU, in one sentence."""
    value = metrics.get("fvu_heldout")
    if value is None:
        return Verdict("none", "no held-out measurement: the library was too small to hold "
                       "articles out")
    explained = max(0.0, 1.0 - float(value))
    if value >= FVU_NONE:
        return Verdict("none", "The themes explain nothing yet: on articles held out of "
                       "training they do no better than the average passage. Treat them as "
                       "rough groups; they improve as the library grows")
    if value >= FVU_POOR:
        return Verdict("poor", f"The themes explain little yet ({explained:.0%} of what sets "
                       "held-out passages apart): rough groups more than themes")
    if value >= FVU_GOOD:
        return Verdict("fair", f"The themes explain {explained:.0%} of what sets held-out "
                       "passages apart: usable, and sharper as the library grows")
    return Verdict("good", f"The themes explain {explained:.0%} of what sets held-out "
                   "passages apart: good for a library this size")


def quality_lines(metrics: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(name, value, meaning) for every metric shown on screen."""
    rows = []
    fvu = metrics.get("fvu_heldout")
    if fvu is not None:
        rows.append(("held-out FVU", f"{fvu:.2f}",
                     "share of how held-out passages differ from the average passage that the "
                     "themes fail to explain (0 perfect, 1 no better than the average)"))
    if metrics.get("l0") is not None:
        rows.append(("L0", f"{metrics['l0']:.1f}", "themes active on a typical passage"))
    if metrics.get("dead_frac") is not None:
        rows.append(("dead", f"{metrics['dead_frac']:.0%}",
                     "share of the dictionary's latents that never fire (wasted)"))
    if metrics.get("m") is not None:
        rows.append(("dictionary", str(metrics["m"]),
                     "latent directions learned, sized to the library"))
    return rows


def quality_text(metrics: dict[str, Any]) -> str:
    """The verdict, then each metric with its meaning: for plain-text screens."""
    lines = [verdict(metrics).text + "."]
    lines += [f"{name} {value}: {meaning}" for name, value, meaning in quality_lines(metrics)]
    return "\n".join(lines)
