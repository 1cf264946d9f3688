"""Rank unread articles for now: how they fit what you read lately, and what they add to it.

Arrays in, arrays out. Vectors are centred unit article vectors; theme strengths are in [0, 1]
(an article's activation over the theme's largest). Reads weigh by recency with a half-life,
so "what you are reading now" is the last weeks, not the whole history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HALF_LIFE_DAYS = 30.0
REDUNDANCY = 0.5  # what "you have read nearly this already" costs, at most
NEAR_COPY = 0.9  # similarity to one read article from which the cost starts
LONG_TERM = 0.25  # share of the vector fit that comes from all your reads, equally weighted
FRESHNESS = 0.5  # weight of "saved lately": what sat unread for months you have passed over
SAVED_HALF_LIFE_DAYS = 60.0
THEMES_WEIGHT = 0.5  # share of the fit that comes from themes when there are any
CARRIES = 0.25  # strength from which an article carries a theme (as in timelines)


@dataclass
class NextScores:
    score: np.ndarray  # (U,) higher first
    fit: np.ndarray  # (U,) fit to recent reading, in about [-1, 1]
    novelty: np.ndarray  # (U,) 1 - similarity to the closest read article
    nearest_read: np.ndarray  # (U,) row into the read arrays, -1 when nothing was read
    interest: np.ndarray  # (T,) recency-weighted theme profile of the reads
    read_cover: np.ndarray  # (T,) share of read articles that carry each theme


def recency_weights(ages_days: np.ndarray, half_life: float = HALF_LIFE_DAYS) -> np.ndarray:
    """0.5 ** (age / half_life); a read in the future (clock skew) counts as now."""
    return np.power(0.5, np.clip(ages_days, 0, None) / half_life)


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 1e-12 else v


def _row_unit(m: np.ndarray) -> np.ndarray:
    return m / np.linalg.norm(m, axis=-1, keepdims=True).clip(1e-12)


def score_next(cand_vecs: np.ndarray, read_vecs: np.ndarray, read_ages_days: np.ndarray,
               cand_themes: np.ndarray | None = None, read_themes: np.ndarray | None = None,
               *, half_life: float = HALF_LIFE_DAYS, redundancy: float = REDUNDANCY,
               near_copy: float = NEAR_COPY, themes_weight: float = THEMES_WEIGHT,
               long_term: float = LONG_TERM, saved_ages_days: np.ndarray | None = None,
               freshness: float = FRESHNESS, saved_half_life: float = SAVED_HALF_LIFE_DAYS
               ) -> NextScores:
    """Scores for U candidates against R reads.

    cand_vecs (U, D), read_vecs (R, D): centred unit vectors. cand_themes (U, T) and
    read_themes (R, T): theme strengths, or None without themes.
    fit = cosine to the recency-weighted mean of the reads, mixed (`long_term`) with the cosine
    to the plain mean of all of them (and, with themes, the cosine of the
    candidate's theme strengths to the reads' recency-weighted theme profile, mixed in with
    `themes_weight`); score = fit - a redundancy cost that grows from 0 at similarity
    `near_copy` to any one read article up to `redundancy` for a copy of it, plus
    `freshness` times a recency weight of when each candidate was saved (`saved_ages_days`).
    """
    n_cand = len(cand_vecs)
    n_themes = 0 if cand_themes is None else cand_themes.shape[1]
    if not len(read_vecs):
        zeros = np.zeros(n_cand)
        return NextScores(zeros, zeros, np.ones(n_cand), np.full(n_cand, -1),
                          np.zeros(n_themes), np.zeros(n_themes))
    weights = recency_weights(np.asarray(read_ages_days, dtype=np.float64), half_life)
    recent = _unit(weights @ read_vecs)
    always = _unit(read_vecs.sum(axis=0))
    fit = (1 - long_term) * (cand_vecs @ recent) + long_term * (cand_vecs @ always)
    interest = np.zeros(n_themes)
    cover = np.zeros(n_themes)
    if cand_themes is not None and read_themes is not None and n_themes:
        interest = (weights @ read_themes) / max(float(weights.sum()), 1e-12)
        cover = (read_themes >= CARRIES).mean(axis=0)
        theme_fit = _row_unit(cand_themes) @ _unit(interest)
        has = cand_themes.sum(axis=1) > 0  # a candidate no theme covers keeps its vector fit
        fit = np.where(has, (1 - themes_weight) * fit + themes_weight * theme_fit, fit)
    nearest, closest = closest_rows(cand_vecs, read_vecs)
    cost = redundancy * np.clip((closest - near_copy) / max(1 - near_copy, 1e-6), 0, 1)
    score = fit - cost
    if saved_ages_days is not None and freshness:
        score = score + freshness * recency_weights(np.asarray(saved_ages_days, dtype=np.float64),
                                                    saved_half_life)
    return NextScores(score, fit, 1 - closest, nearest, interest, cover)


def closest_rows(a: np.ndarray, b: np.ndarray, block: int = 2048
                 ) -> tuple[np.ndarray, np.ndarray]:
    """For each row of a: the row of b with the largest dot product, and that product; in
    blocks, so 100k x 100k never builds one matrix."""
    nearest = np.zeros(len(a), dtype=np.int64)
    closest = np.zeros(len(a), dtype=np.float64)
    b32 = np.asarray(b, dtype=np.float32)
    for start in range(0, len(a), block):
        sims = np.asarray(a[start:start + block], dtype=np.float32) @ b32.T
        nearest[start:start + block] = sims.argmax(axis=1)
        closest[start:start + block] = sims.max(axis=1)
    return nearest, closest


def continued_themes(cand_strengths: np.ndarray, interest: np.ndarray, top: int = 2
                     ) -> list[int]:
    """Columns of the themes a candidate continues: carried by it and read lately, the
    largest contribution (strength x interest) first."""
    contribution = cand_strengths * interest
    order = np.argsort(-contribution, kind="stable")
    floor = 0.25 * float(interest.max(initial=0.0))  # a theme you barely read is not "continued"
    return [int(j) for j in order[:top]
            if cand_strengths[j] >= CARRIES and contribution[j] > 0 and interest[j] > floor]


def new_themes(cand_strengths: np.ndarray, read_cover: np.ndarray, top: int = 1,
               rare: float = 0.05) -> list[int]:
    """Columns of themes the candidate carries strongly but few of your reads do (< `rare`)."""
    novel = np.where(read_cover < rare, cand_strengths, 0.0)
    order = np.argsort(-novel, kind="stable")
    return [int(j) for j in order[:top] if novel[j] >= 2 * CARRIES]
