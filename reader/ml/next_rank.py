"""Rank unread articles for now: how they fit what you read lately, and what they add to it.

Arrays in, arrays out. Vectors are centred unit article vectors; theme strengths are in [0, 1]
(an article's activation over the theme's largest). Reads weigh by recency with a half-life,
so "what you are reading now" is the last weeks, not the whole history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reader.ml.next_timing import HORIZON_DAYS

HALF_LIFE_DAYS = 30.0
REDUNDANCY = 0.5  # what "you have read nearly this already" costs, at most
NEAR_COPY = 0.9  # similarity to one read article from which the cost starts
LONG_TERM = 0.25  # share of the vector fit that comes from all your reads, equally weighted
THEMES_WEIGHT = 0.5  # share of the fit that comes from themes when there are any
CARRIES = 0.25  # strength from which an article carries a theme (as in timelines)
MIN_EVIDENCE = 3.0  # weighted reads (and weighted non-reads) needed to learn a reading model


@dataclass
class NextScores:
    score: np.ndarray  # (U,) higher first
    fit: np.ndarray  # (U,) fit to recent reading, in about [-1, 1]
    novelty: np.ndarray  # (U,) 1 - similarity to the closest read article
    nearest_read: np.ndarray  # (U,) row into the read arrays, -1 when nothing was read
    interest: np.ndarray  # (T,) recency-weighted theme profile of the reads
    read_cover: np.ndarray  # (T,) share of read articles that carry each theme
    soon: np.ndarray  # (U,) share of its chance that falls in the coming days (1: no timing)


def recency_weights(ages_days: np.ndarray, half_life: float = HALF_LIFE_DAYS) -> np.ndarray:
    """0.5 ** (age / half_life); a read in the future (clock skew) counts as now."""
    return np.power(0.5, np.clip(ages_days, 0, None) / half_life)


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 1e-12 else v


def _row_unit(m: np.ndarray) -> np.ndarray:
    return m / np.linalg.norm(m, axis=-1, keepdims=True).clip(1e-12)


def score_next(*args, **kwargs) -> NextScores:
    """Scores for U candidates against R reads (see `_score_next`), on one BLAS thread."""
    from reader.ml.threads import one_blas_thread

    with one_blas_thread():
        return _score_next(*args, **kwargs)


def _score_next(cand_vecs: np.ndarray, read_vecs: np.ndarray, read_ages_days: np.ndarray,
               cand_themes: np.ndarray | None = None, read_themes: np.ndarray | None = None,
               *, half_life: float = HALF_LIFE_DAYS, redundancy: float = REDUNDANCY,
               near_copy: float = NEAR_COPY, themes_weight: float = THEMES_WEIGHT,
               long_term: float = LONG_TERM, saved_ages_days: np.ndarray | None = None,
               read_delays_days: np.ndarray | None = None, timing: bool = True,
               learn: bool = True, horizon: float = HORIZON_DAYS,
               passed_vecs: np.ndarray | None = None, passed_themes: np.ndarray | None = None,
               passed_ages_days: np.ndarray | None = None) -> NextScores:
    """Scores for U candidates against R reads: the chance you read each in the next
    `horizon` days, less a cost for what you have nearly read already.

    cand_vecs (U, D), read_vecs (R, D): centred unit vectors. cand_themes (U, T) and
    read_themes (R, T): theme strengths, or None without themes. `saved_ages_days` (U,): how
    long each candidate has waited unread; `read_delays_days` (R,): how long each read waited
    from saving to reading. `passed_*`: articles you set aside without reading (archived).

    fit = how likely you are to read the article at all, from what it is about: with enough
    history (`learn`), a regularised logistic model of read against saved-but-not-read
    articles (vectors and theme strengths; unread ones count by how long they have had to be
    read, recent events most, see `half_life` and `long_term`); else the cosine to your
    recency-weighted reads mixed with their theme profile, mapped to [0, 1].
    With `timing` and saving ages, score = reader.ml.next_timing.read_soon(fit, age): the
    share of such reads that fall in the next `horizon` days, given the wait so far, from the
    delays of your own reads. score is then multiplied by 1 - a redundancy cost that grows
    from 0 at similarity `near_copy` to any one read article up to `redundancy` for a copy.
    """
    from reader.ml.next_timing import delays_from_history, read_soon

    n_cand = len(cand_vecs)
    n_themes = 0 if cand_themes is None else cand_themes.shape[1]
    if not len(read_vecs):
        zeros = np.zeros(n_cand)
        return NextScores(zeros, zeros, np.ones(n_cand), np.full(n_cand, -1),
                          np.zeros(n_themes), np.zeros(n_themes), zeros.copy())
    read_ages = np.asarray(read_ages_days, dtype=np.float64)
    weights = recency_weights(read_ages, half_life)
    interest = np.zeros(n_themes)
    cover = np.zeros(n_themes)
    with_themes = cand_themes is not None and read_themes is not None and n_themes > 0
    if with_themes:
        interest = (weights @ read_themes) / max(float(weights.sum()), 1e-12)
        cover = (read_themes >= CARRIES).mean(axis=0)
    ages = None if saved_ages_days is None else np.asarray(saved_ages_days, dtype=np.float64)
    delays = None
    if ages is not None:
        saved = [ages, read_ages + np.clip(np.asarray(
            read_delays_days if read_delays_days is not None else np.zeros(len(read_ages)),
            dtype=np.float64), 0, None)]
        if passed_ages_days is not None:
            saved.append(np.asarray(passed_ages_days, dtype=np.float64))
        delays = delays_from_history(np.concatenate(saved), np.zeros(0)
                                     if read_delays_days is None else read_delays_days)
    fit = None
    if learn and ages is not None and delays is not None:
        fit = learned_fit(cand_vecs, read_vecs, read_ages, ages, delays,
                          cand_themes if with_themes else None,
                          read_themes if with_themes else None, half_life=half_life,
                          long_term=long_term, passed_vecs=passed_vecs,
                          passed_themes=passed_themes if with_themes else None,
                          passed_ages=passed_ages_days)
    lately = 0.5 * (1 + centroid_fit(cand_vecs, read_vecs, weights, long_term,
                                     cand_themes if with_themes else None, interest,
                                     themes_weight))
    # Two views of the same question, averaged (geometrically): what you read against what
    # you passed over, and how close it is to what you read lately.
    fit = lately if fit is None else np.sqrt(fit * np.clip(lately, 0, 1))
    nearest, closest = closest_rows(cand_vecs, read_vecs)
    cost = redundancy * np.clip((closest - near_copy) / max(1 - near_copy, 1e-6), 0, 1)
    soon = np.ones(n_cand)
    if timing and ages is not None and delays is not None:
        soon = read_soon(delays, ages, fit, horizon) / np.clip(fit, 1e-9, None)
    score = fit * soon * (1 - cost)
    return NextScores(score, fit, 1 - closest, nearest, interest, cover, soon)


def centroid_fit(cand_vecs: np.ndarray, read_vecs: np.ndarray, weights: np.ndarray,
                 long_term: float, cand_themes: np.ndarray | None, interest: np.ndarray,
                 themes_weight: float) -> np.ndarray:
    """Cosine to the recency-weighted mean of the reads, mixed (`long_term`) with the cosine to
    their plain mean, and (with themes) with the cosine of the theme strengths to the reads'
    theme profile; in [-1, 1]. For a history too short to learn from."""
    recent = _unit(weights @ read_vecs)
    always = _unit(read_vecs.sum(axis=0))
    fit = (1 - long_term) * (cand_vecs @ recent) + long_term * (cand_vecs @ always)
    if cand_themes is not None:
        theme_fit = _row_unit(cand_themes) @ _unit(interest)
        has = cand_themes.sum(axis=1) > 0  # a candidate no theme covers keeps its vector fit
        fit = np.where(has, (1 - themes_weight) * fit + themes_weight * theme_fit, fit)
    return fit


def learned_fit(cand_vecs: np.ndarray, read_vecs: np.ndarray, read_ages: np.ndarray,
                cand_ages: np.ndarray, delays, cand_themes: np.ndarray | None,
                read_themes: np.ndarray | None, *, half_life: float, long_term: float,
                passed_vecs: np.ndarray | None = None, passed_themes: np.ndarray | None = None,
                passed_ages: np.ndarray | None = None) -> np.ndarray | None:
    """P(you read it at all) for each candidate from a logistic model of your reads against
    what you saved and did not read; None when the history is too thin to learn from.

    An unread article counts as "not read" only as far as it has had time to be read: with
    the weight F(age) of the delay model (a week-old article you read within months proves
    little); that it is still unread is news of today. A read weighs (1 - long_term)
    2^(-age / half_life) + long_term by its age, so what you read lately counts most."""
    from reader.ml.logistic import fit_logistic

    def recency(age: np.ndarray) -> np.ndarray:
        return (1 - long_term) * recency_weights(age, half_life) + long_term

    parts_x = [read_vecs, cand_vecs]
    parts_t = [read_themes, cand_themes]
    labels = [np.ones(len(read_vecs)), np.zeros(len(cand_vecs))]
    weights = [recency(read_ages), delays.cdf(cand_ages)]
    if passed_vecs is not None and passed_ages is not None and len(passed_vecs):
        passed_ages = np.asarray(passed_ages, dtype=np.float64)
        parts_x.append(passed_vecs)
        parts_t.append(passed_themes)
        labels.append(np.zeros(len(passed_vecs)))
        weights.append(delays.cdf(passed_ages))
    y, w = np.concatenate(labels), np.concatenate(weights)
    if float(w[y == 1].sum()) < MIN_EVIDENCE or float(w[y == 0].sum()) < MIN_EVIDENCE:
        return None
    x = np.vstack(parts_x)
    if cand_themes is not None and all(t is not None for t in parts_t):
        x = np.hstack([x, np.vstack(parts_t)])
    model = fit_logistic(x, y, w)
    return model.predict(x[len(read_vecs):len(read_vecs) + len(cand_vecs)])


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
