"""Match the latents of a new model to the themes of the previous one, so ids persist.

Directions are compared by cosine; the assignment is one-to-one (Hungarian). A pair
below the threshold is no match: the old theme retires, the new latent is a new theme.
When the embedding model changes, directions mean nothing across the two spaces, so
themes are matched by the overlap of their top articles instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MATCH_COSINE = 0.5  # below this two directions are different themes
MATCH_OVERLAP = 0.2  # Jaccard of top articles, when directions cannot be compared


@dataclass(frozen=True)
class Match:
    new: int  # row in the new decoder
    old: int  # row in the old decoder
    cosine: float


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(Ra, Rb) cosine similarities of the rows of a (Ra, D) and b (Rb, D)."""
    an = a / np.linalg.norm(a, axis=1, keepdims=True).clip(1e-12)
    bn = b / np.linalg.norm(b, axis=1, keepdims=True).clip(1e-12)
    return an @ bn.T


def assign(score: np.ndarray, threshold: float) -> list[Match]:
    """One-to-one matches maximising total similarity (Mn, Mo), keeping those >= threshold."""
    from scipy.optimize import linear_sum_assignment

    if score.size == 0:
        return []
    rows, cols = linear_sum_assignment(-score)
    return [Match(int(r), int(c), float(score[r, c])) for r, c in zip(rows, cols, strict=True)
            if score[r, c] >= threshold]


def match_directions(new: np.ndarray, old: np.ndarray, threshold: float = MATCH_COSINE
                     ) -> list[Match]:
    """One-to-one matches between new (Mn, D) and old (Mo, D) directions by cosine."""
    if len(new) == 0 or len(old) == 0:
        return []
    return assign(cosine_matrix(new, old), threshold)


def top_sets(scores: np.ndarray, keys: np.ndarray, top: int = 20) -> list[set[int]]:
    """For each column of scores (A, M), the keys (A,) of its `top` highest positive rows."""
    out = []
    for col in scores.T:
        idx = np.argsort(-col, kind="stable")[:top]
        out.append({int(keys[i]) for i in idx if col[i] > 0})
    return out


def jaccard_matrix(new: list[set[int]], old: list[set[int]]) -> np.ndarray:
    """(len(new), len(old)) Jaccard overlap of sets, e.g. of themes' top article ids."""
    result = np.zeros((len(new), len(old)))
    for i, a in enumerate(new):
        for j, b in enumerate(old):
            if a and b:
                result[i, j] = len(a & b) / len(a | b)
    return result
