"""A small weighted, L2-regularised logistic regression (Newton steps), in numpy.

For models learned from one person's library: a few hundred to some thousands of examples of
a few hundred features, fitted in milliseconds. The strength of the regularisation is chosen
from a short list by two-fold cross-validation on the same weighted log-loss, so nothing is
tuned by hand to one library.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STRENGTHS = (0.3, 1.0, 3.0, 10.0)  # L2 penalty, in units of the total example weight / 100
MAX_EXAMPLES = 6000  # beyond this a random sample of the examples
MAX_DIMS = 64  # features are first reduced to their leading principal directions
NEWTON_STEPS = 25


@dataclass
class Logistic:
    coef: np.ndarray
    intercept: float
    strength: float

    def predict(self, x: np.ndarray) -> np.ndarray:
        return _sigmoid(np.asarray(x, dtype=np.float64) @ self.coef + self.intercept)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))


def _fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, penalty: float) -> Logistic:
    """Minimise sum(w * logloss) + penalty / 2 * |coef|^2 (intercept free) by Newton steps."""
    n, d = x.shape
    xa = np.hstack([x, np.ones((n, 1))])
    beta = np.zeros(d + 1)
    share = float((w * y).sum() / max(w.sum(), 1e-12))
    beta[-1] = np.log(max(share, 1e-6) / max(1 - share, 1e-6))
    ridge = np.full(d + 1, penalty)
    ridge[-1] = 1e-6
    for _ in range(NEWTON_STEPS):
        p = _sigmoid(xa @ beta)
        grad = xa.T @ (w * (p - y)) + ridge * beta
        hess = (xa * (w * p * (1 - p))[:, None]).T @ xa + np.diag(ridge)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if float(np.abs(step).max()) < 1e-6:
            break
    return Logistic(beta[:-1], float(beta[-1]), penalty)


def _loss(model: Logistic, x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    p = np.clip(model.predict(x), 1e-9, 1 - 1e-9)
    return float(-(w * (y * np.log(p) + (1 - y) * np.log(1 - p))).sum() / max(w.sum(), 1e-12))


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None,
                 strengths: tuple[float, ...] = STRENGTHS, seed: int = 0) -> Logistic:
    """Fit P(y = 1 | x) with example weights `w`; the penalty from `strengths` (scaled by the
    total weight) that predicts best across two folds, then refitted on everything."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.ones(len(y)) if w is None else np.asarray(w, dtype=np.float64)
    keep = w > 0
    x, y, w = x[keep], y[keep], w[keep]
    if len(y) > MAX_EXAMPLES:
        pick = np.random.default_rng(seed).choice(len(y), MAX_EXAMPLES, replace=False)
        x, y, w = x[pick], y[pick], w[pick]
    scale = max(float(w.sum()), 1e-12) / 100
    mean = x.mean(axis=0)
    basis = _principal(x - mean, MAX_DIMS)  # (D, r)
    z = (x - mean) @ basis
    reduced = _choose(z, y, w, strengths, scale, seed)
    coef = basis @ reduced.coef
    return Logistic(coef, reduced.intercept - float(mean @ coef), reduced.strength)


def _principal(centred: np.ndarray, dims: int) -> np.ndarray:
    """(D, r) the leading right singular vectors of `centred` (r <= dims)."""
    if centred.shape[1] <= dims:
        return np.eye(centred.shape[1])
    # Eigenvectors of the (D, D) scatter matrix: the same directions as an SVD of the data,
    # at a fraction of its cost when there are more examples than features.
    values, vectors = np.linalg.eigh(centred.T @ centred)
    order = np.argsort(-values)
    values, vectors = values[order], vectors[:, order]
    top = float(values[0]) if len(values) else 0.0
    r = int(min(dims, int((values > top * 1e-10).sum()))) if top > 0 else 1
    return vectors[:, :max(r, 1)]


def _choose(x: np.ndarray, y: np.ndarray, w: np.ndarray, strengths: tuple[float, ...],
            scale: float, seed: int) -> Logistic:
    if len(strengths) == 1:
        return _fit(x, y, w, strengths[0] * scale)
    fold = np.random.default_rng(seed).permutation(len(y)) % 2 == 0
    best, best_loss = strengths[0], float("inf")
    for strength in strengths:
        loss = 0.0
        for train in (fold, ~fold):
            model = _fit(x[train], y[train], w[train], strength * scale / 2)
            loss += _loss(model, x[~train], y[~train], w[~train])
        if loss < best_loss:
            best, best_loss = strength, loss
    return _fit(x, y, w, best * scale)
