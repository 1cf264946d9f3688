"""Which articles are *in* a theme: one rule, used for counts, lists and timelines.

Strength first. An article's raw activation of a latent is the geometric mean of its
strongest passage's activation and its mean over all its passages: a one-passage article
keeps its activation, and a long article counts by how much of it carries the theme, so a
forty-passage essay cannot top every theme by having one passage on each. Strengths are
divided by the latent's largest over the library, so themes compare.

Membership. An article is in a fine theme when that theme is among its MEMBER_TOP
strongest shown fine themes and its strength is at least MEMBER_MIN. It is in a broad theme
when it is in any of that broad theme's fine themes. So a fine theme never counts more
articles than its broad parent, each article is in a few fine themes at most (a fine theme
stays a small share of the library), and "on N articles" is exactly the list of members.
"""

from __future__ import annotations

import numpy as np

from reader.ml.theme_metrics import segment_reduce

MEMBER_TOP = 3
MEMBER_MIN = 0.25


def length_fair(chunk_codes: np.ndarray, article_of_row: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """(article ids (A,), raw activations (A, M)): sqrt(max over passages * mean over them)."""
    ids, inverse = np.unique(article_of_row, return_inverse=True)
    top = segment_reduce(chunk_codes, inverse, len(ids), "max", np.float64)
    total = segment_reduce(chunk_codes, inverse, len(ids), "sum", np.float64)
    mean = total / np.bincount(inverse, minlength=len(ids))[:, None]
    return ids, np.sqrt(top * mean).astype(np.float32)


def normalised(values: np.ndarray) -> np.ndarray:
    """Columns of (A, M) divided by their largest value (0 where a column never fires)."""
    return values / np.maximum(values.max(axis=0), 1e-12) if values.size else values


def members(strength: np.ndarray, shown: np.ndarray, group: np.ndarray, n_groups: int,
            top: int = MEMBER_TOP, minimum: float = MEMBER_MIN
            ) -> tuple[np.ndarray, np.ndarray]:
    """(fine (A, M) bool, broad (A, G) bool) membership by the rule in the module doc.

    strength: (A, M) normalised; shown: (M,) bool, the latents presented as themes (a
    hidden latent's members are ranked among all latents, for `--all`); group: (M,) the
    broad theme of each latent, -1 for none.
    """
    m = strength.shape[1]
    everything = np.ones(m, dtype=bool)
    fine = _top_of(strength, shown, top, minimum) | (
        _top_of(strength, everything, top, minimum) & ~shown[None, :])
    broad = np.zeros((len(strength), n_groups), dtype=bool)
    for g in range(n_groups):
        children = shown & (group == g)
        broad[:, g] = fine[:, children].any(axis=1)
    return fine, broad


def _top_of(strength: np.ndarray, allowed: np.ndarray, top: int, minimum: float) -> np.ndarray:
    """(A, M) bool: each row's `top` strongest allowed columns that reach `minimum`."""
    k = min(top, strength.shape[1])
    pick = np.zeros(strength.shape, dtype=bool)
    if not k:
        return pick
    masked = np.where(allowed[None, :], strength, -1.0)
    best = np.argpartition(-masked, k - 1, axis=1)[:, :k]
    np.put_along_axis(pick, best, True, axis=1)
    return pick & (strength >= minimum) & allowed[None, :]
