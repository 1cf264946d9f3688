"""Vectors of short texts (theme keywords and names) kept between trainings.

Labelling embeds every theme's candidate keywords and names; the same words come back on the
next training, and embedding them was about a quarter of a training's time (py-spy, 10,000
articles). The cache is a file in the library folder, for one embedding model; when it is
missing, damaged or of another model, everything is embedded again.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

WORD_CACHE = "theme-words.npz"
WORD_CACHE_MAX = 50_000


def load_word_vectors(path: Path, model: str) -> dict[str, np.ndarray]:
    """text -> vector of a kept cache for `model`; {} when missing, damaged or of another
    model (it is only a cache)."""
    try:
        with np.load(path, allow_pickle=False) as kept:
            if str(kept["model"]) != model:
                return {}
            return dict(zip(kept["texts"].tolist(), kept["vectors"], strict=True))
    except (OSError, KeyError, ValueError):
        return {}


def save_word_vectors(path: Path, model: str, cache: dict[str, np.ndarray]) -> None:
    """Write the short texts of `cache` (the latest WORD_CACHE_MAX) atomically."""
    items = [(t, v) for t, v in cache.items() if len(t) <= 80][-WORD_CACHE_MAX:]
    if not items:
        return
    tmp = path.with_name(path.name + ".tmp.npz")
    try:
        np.savez(tmp, model=np.array(model), texts=np.array([t for t, _ in items]),
                 vectors=np.array([v for _, v in items], dtype=np.float32))
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)  # a read-only library folder: embed again next time
