"""Numbers that say whether themes are any good: reconstruction, sparsity, coherence, agreement.

All functions take numpy arrays; none needs torch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def fvu(x: np.ndarray, x_hat: np.ndarray) -> float:
    """Fraction of variance unexplained over rows of x (N, D)."""
    denom = float(((x - x.mean(axis=0)) ** 2).sum())
    return float(((x - x_hat) ** 2).sum()) / max(denom, 1e-12)


def l0(codes: np.ndarray) -> float:
    """Mean number of non-zero latents per row of codes (N, M)."""
    return float((codes > 0).sum(axis=1).mean()) if len(codes) else 0.0


def dead_fraction(codes: np.ndarray) -> float:
    """Share of latents (columns) that never fire."""
    return float(1 - (codes > 0).any(axis=0).mean()) if codes.size else 0.0


def density(codes: np.ndarray) -> np.ndarray:
    """(M,) share of rows on which each latent fires."""
    return (codes > 0).mean(axis=0) if len(codes) else np.zeros(codes.shape[1])


def segment_reduce(values: np.ndarray, groups: np.ndarray, n: int, how: str = "sum",
                   dtype=None) -> np.ndarray:
    """Rows of `values` (N, M) reduced by their group in `groups` (N,) of 0..n-1: (n, M).

    "sum" or "max" (max with 0, as from a zero start); groups without rows are 0. Only the
    non-zero entries are visited: SAE codes have K of M non-zero per passage, and reducing
    the dense (N, M) array with np.add.at / np.maximum.at was a tenth of a theme training
    at 100,000 articles.
    """
    out = np.zeros((n, values.shape[1]), dtype=dtype or values.dtype)
    rows, cols = np.nonzero(values)
    if len(rows):
        flat = np.asarray(groups)[rows] * values.shape[1] + cols
        ufunc = np.maximum if how == "max" else np.add
        ufunc.at(out.reshape(-1), flat, values[rows, cols].astype(out.dtype, copy=False))
    return out


def pool_by_article(codes: np.ndarray, article_of_row: np.ndarray, how: str = "max"
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Article-level codes from chunk-level ones: (article ids (A,), codes (A, M)).

    "max": an article expresses a theme as strongly as its strongest passage;
    "mean": as much as its passages do on average (length-robust).
    """
    ids, inverse = np.unique(article_of_row, return_inverse=True)
    if how == "max":
        return ids, segment_reduce(codes, inverse, len(ids), "max", np.float32)
    out = segment_reduce(codes, inverse, len(ids), "sum", np.float32)
    out /= np.bincount(inverse, minlength=len(ids))[:, None]
    return ids, out


def best_f1(member: np.ndarray, gold: np.ndarray) -> np.ndarray:
    """For each gold label, the best F1 of any theme: member (A, T) bool, gold (A, L) bool -> (L,)."""
    member = member.astype(np.float64)
    gold = gold.astype(np.float64)
    tp = gold.T @ member  # (L, T)
    precision = tp / np.maximum(member.sum(axis=0)[None, :], 1)
    recall = tp / np.maximum(gold.sum(axis=0)[:, None], 1)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return f1.max(axis=1) if f1.size else np.zeros(gold.shape[1])


def top_purity(scores: np.ndarray, labels: Sequence[Sequence[str]], top: int = 20) -> np.ndarray:
    """(T,) share of each theme's `top` highest-scoring articles carrying its majority label.

    scores: (A, T); labels: per article, its gold labels (a multi-label article counts
    for each). Themes firing on no article get NaN.
    """
    out = np.full(scores.shape[1], np.nan)
    for t in range(scores.shape[1]):
        column = scores[:, t]
        idx = np.argsort(-column, kind="stable")[:top]
        idx = idx[column[idx] > 0]
        if len(idx) == 0:
            continue
        counts: dict[str, int] = {}
        for i in idx:
            for label in labels[i]:
                counts[label] = counts.get(label, 0) + 1
        out[t] = max(counts.values()) / len(idx)
    return out


def npmi(keywords: Sequence[Sequence[str]], documents: Sequence[set[str]]) -> np.ndarray:
    """(T,) mean normalised PMI of each keyword list's pairs over document co-occurrence.

    keywords: per theme, its terms (a bigram counts as present when both words are);
    documents: each a set of tokens. Pairs never seen together score -1.
    """
    n = len(documents)
    cache: dict[str, set[int]] = {}

    def docs_with(term: str) -> set[int]:
        if term not in cache:
            parts = term.split()
            cache[term] = {i for i, d in enumerate(documents) if all(p in d for p in parts)}
        return cache[term]

    out = np.full(len(keywords), np.nan)
    for t, terms in enumerate(keywords):
        values = []
        for a in range(len(terms)):
            for b in range(a + 1, len(terms)):
                da, db = docs_with(terms[a]), docs_with(terms[b])
                joint = len(da & db)
                if not da or not db:
                    continue
                if joint == 0:
                    values.append(-1.0)
                    continue
                p_ab, p_a, p_b = joint / n, len(da) / n, len(db) / n
                if p_ab >= 1.0:
                    values.append(1.0)
                    continue
                values.append(np.log(p_ab / (p_a * p_b)) / -np.log(p_ab))
        if values:
            out[t] = float(np.mean(values))
    return out


def match_rate(similarity: np.ndarray, threshold: float) -> float:
    """Share of rows of a (R, C) similarity matrix whose Hungarian partner clears `threshold`."""
    from scipy.optimize import linear_sum_assignment

    if similarity.size == 0:
        return 0.0
    rows, cols = linear_sum_assignment(-similarity)
    return float((similarity[rows, cols] > threshold).sum() / similarity.shape[0])
