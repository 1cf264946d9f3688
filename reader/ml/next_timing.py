"""When you read what you save: the delay from saving to reading, learned from your own reads.

People read much of what they read soon after saving it; what has sat unread for months is
less and less likely to be read at all. This module turns the delays of past reads into a
smooth distribution and answers "of the articles like this one that you will read, how many
are read in the next `horizon` days, given it has waited `age` days already?".

Arrays in, arrays out; no library access.
"""

from __future__ import annotations

import math

import numpy as np

HORIZON_DAYS = 14.0  # "next": what you would read in the coming two weeks
BANDWIDTH = 0.6  # smoothing of delays, in units of ln(1 + days)
# Before you have read much, a prior: delays spread evenly in ln(1 + days) from the same
# day to about a year (no claim that new things come first); worth PRIOR_WEIGHT reads.
PRIOR_DELAYS = np.expm1(np.linspace(0.0, math.log1p(365.0), 9))
PRIOR_WEIGHT = 3.0
MAX_CORRECTION = 10.0  # cap on the weight that makes up for delays not observable yet


MAX_DELAYS = 4000  # more reads than this: an even sample of them (the shape is the same)


def _phi(z: np.ndarray) -> np.ndarray:
    """A smooth step (the logistic approximation of the normal CDF)."""
    return 1.0 / (1.0 + np.exp(-1.702 * np.asarray(z, dtype=np.float64)))


class DelayModel:
    """A smoothed distribution of delays (days from saving to reading).

    `delays` are the observed delays of your reads; `observable` (same length) is the share of
    your saved articles that were saved long enough ago for such a delay to have been seen (a
    long delay can only be observed on an article saved long ago): each delay weighs
    1 / observable, capped, so recent saves do not make delays look shorter than they are.
    """

    def __init__(self, delays: np.ndarray, observable: np.ndarray | None = None) -> None:
        delays = np.clip(np.asarray(delays, dtype=np.float64), 0.0, None)
        if observable is None:
            weights = np.ones(len(delays))
        else:
            weights = 1.0 / np.clip(np.asarray(observable, dtype=np.float64),
                                    1.0 / MAX_CORRECTION, 1.0)
        self.observed = len(delays)
        if len(delays) > MAX_DELAYS:
            keep = np.linspace(0, len(delays) - 1, MAX_DELAYS).astype(np.int64)
            delays, weights = delays[keep], weights[keep] * (self.observed / MAX_DELAYS)
        prior_w = np.full(len(PRIOR_DELAYS), PRIOR_WEIGHT / len(PRIOR_DELAYS))
        self.centres = np.log1p(np.concatenate([delays, PRIOR_DELAYS]))
        self.weights = np.concatenate([weights, prior_w])
        self.weights = self.weights / self.weights.sum()

    def cdf(self, days: np.ndarray) -> np.ndarray:
        """Share of reads that happen within `days` of saving (0 at or before saving)."""
        days = np.asarray(days, dtype=np.float64)
        x = np.log1p(np.clip(days, 0.0, None))
        # Evaluate on a grid and interpolate: exact enough, and cheap for 100k articles.
        grid = np.linspace(0.0, max(float(x.max(initial=0.0)), float(self.centres.max())) + 4
                           * BANDWIDTH, 400)
        z = (grid[:, None] - self.centres[None, :]) / BANDWIDTH
        at_grid = _phi(z) @ self.weights
        at_zero = float(_phi((0.0 - self.centres) / BANDWIDTH) @ self.weights)
        # Mass below 0 days (the smoothing's tail) counts as read on the day of saving.
        values = (np.interp(x, grid, at_grid) - at_zero) / max(1 - at_zero, 1e-12)
        return np.where(days <= 0, 0.0, np.clip(values, 0.0, 1.0))

    def median_days(self) -> float:
        grid = np.expm1(np.linspace(0, math.log1p(3650), 200))
        return float(grid[np.searchsorted(self.cdf(grid), 0.5).clip(0, len(grid) - 1)])


def delays_from_history(saved_ages: np.ndarray, read_delays: np.ndarray) -> DelayModel:
    """A DelayModel from the ages of all saved articles (days since saving, now) and the delays
    of the reads (days from saving to reading), each corrected for what is observable yet."""
    ages = np.sort(np.clip(np.asarray(saved_ages, dtype=np.float64), 0, None))
    delays = np.clip(np.asarray(read_delays, dtype=np.float64), 0, None)
    if not len(ages):
        return DelayModel(delays)
    observable = 1.0 - np.searchsorted(ages, delays, side="left") / len(ages)
    return DelayModel(delays, observable)


def read_soon(model: DelayModel, ages_days: np.ndarray, eventually: np.ndarray,
              horizon: float = HORIZON_DAYS) -> np.ndarray:
    """P(read within `horizon` days | still unread after `ages_days`), for articles you would
    eventually read with probability `eventually`:

        p (F(a + h) - F(a)) / (1 - p F(a))

    (an article still unread after a long wait is less likely to be one you will read)."""
    ages = np.clip(np.asarray(ages_days, dtype=np.float64), 0, None)
    p = np.clip(np.asarray(eventually, dtype=np.float64), 0.0, 1.0)
    now, later = model.cdf(ages), model.cdf(ages + horizon)
    return p * (later - now) / np.clip(1 - p * now, 1e-9, None)
