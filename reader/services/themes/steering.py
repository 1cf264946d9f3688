"""Steering a search with themes: move the query along them, then re-rank by them.

Two parts, because either alone is too weak to see. The query vector moves along each
theme's direction (its decoder row, or a broad theme's weighted mean of its members'),
by the theme's largest observed activation in the model's normalised space, and is
renormalised (../shared/themes.md, "Steering"): that brings the theme's articles into the
candidates. Then the candidates are re-ranked: each keeps its query score, scaled to
[0, 1] over the candidates (so the query still orders them), plus RERANK_WEIGHT times its
strength in each plus theme, minus the same for each minus theme (strengths are in [0, 1],
relative to the theme's strongest article). Hybrid search needs the second part: its
keyword ranking never sees the vector.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

RERANK_WEIGHT = 0.25  # at strength 1: a theme's strongest article gains a quarter of the score range


class Steering:
    """A query-vector edit that SearchService calls, and a re-ranking of its candidates."""

    def __init__(self, edit: Callable[[np.ndarray], np.ndarray],
                 strengths: Callable[[list[int]], dict[int, float]], weight: float) -> None:
        self._edit = edit
        self._strengths = strengths
        self.weight = weight

    def __call__(self, vector: np.ndarray) -> np.ndarray:
        return self._edit(vector)

    def rerank(self, ranked: Sequence[tuple[int, float]]) -> list[tuple[int, float]]:
        """(article id, score) best first -> the same candidates, steered, best first."""
        if not ranked:
            return []
        scores = np.array([s for _, s in ranked], dtype=np.float64)
        low, high = float(scores.min()), float(scores.max())
        base = (scores - low) / (high - low) if high > low else np.ones_like(scores)
        theme = self._strengths([a for a, _ in ranked])
        final = [(aid, float(b + self.weight * theme.get(aid, 0.0)))
                 for (aid, _), b in zip(ranked, base, strict=True)]
        return sorted(final, key=lambda r: -r[1])


def theme_pull(rows: Sequence[tuple[int, int, float]], plus: set[int], minus: set[int]
               ) -> dict[int, float]:
    """article -> sum of its strengths in plus themes minus those in minus themes, from
    (article, theme, strength) rows."""
    out: dict[int, float] = {}
    for article_id, theme_id, strength in rows:
        sign = 1.0 if theme_id in plus else -1.0 if theme_id in minus else 0.0
        if sign:
            out[article_id] = out.get(article_id, 0.0) + sign * strength
    return out
