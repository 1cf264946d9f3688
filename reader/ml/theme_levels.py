"""Two levels of theme from one flat SAE: fine latents, grouped into broad sections.

Measured on BBC and AG News chunk vectors: a Matryoshka prefix of 5-8 latents splits a
topic over two broad latents (best-label F1 0.63-0.79 on BBC, 0.66 on AG News), while
grouping the fine latents of a flat SAE by where their articles lie reaches 0.94 and 0.82
(k-means told the true number of labels: 0.96 and 0.84), and the flat SAE's fine latents
are also purer. So broad themes are groups:
each latent's centroid is the activation-weighted mean of its articles (centred), the
centroids are clustered by weighted spherical k-means, and the number of sections (4-8,
what a digest can carry) is the one whose article assignment separates best (silhouette).
A broad theme's strength on an article is the sum of its members' normalised activations,
each weighted by how central the member is to the group.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SECTION_RANGE = (4, 8)
TOP = 20  # articles that judge a latent's coherence
DENSE = 0.20  # a latent firing on more articles than this is generic
DUPLICATE_COSINE = 0.8
MAX_HIDDEN = 0.25
SECTION_SWITCH = 0.10  # a fresh grouping replaces the continued one when this much better


def unit_rows(x: np.ndarray) -> np.ndarray:
    return x / np.linalg.norm(x, axis=-1, keepdims=True).clip(1e-12)


def centred_articles(article_vectors: np.ndarray) -> np.ndarray:
    """Article vectors (A, D) minus their mean, unit length: what "closeness" means here."""
    return unit_rows(article_vectors - article_vectors.mean(axis=0))


def latent_centroids(codes: np.ndarray, centred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit centroids (M, D) of each latent's articles weighted by normalised activation, and
    the weight mass (M,). codes: (A, M) article-level; centred: (A, D)."""
    top = codes.max(axis=0)
    norm = codes / np.maximum(top, 1e-12)
    mass = norm.sum(axis=0)
    centroids = (norm.T @ centred) / np.maximum(mass, 1e-12)[:, None]
    return unit_rows(centroids), mass


def spherical_kmeans(points: np.ndarray, weights: np.ndarray, k: int, seed: int,
                     n_init: int = 8, iters: int = 60, init: np.ndarray | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Weighted k-means on unit vectors by cosine: (labels (N,), unit centres (k, D)).

    `init` (k, D): start from these centres once (a previous grouping continued) instead of
    n_init k-means++ seedings.
    """
    rng = np.random.default_rng(seed)
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    p = weights / weights.sum()
    for _ in range(1 if init is not None else n_init):
        if init is not None:
            c = unit_rows(np.array(init, dtype=np.float64))
        else:
            centres = [points[rng.choice(len(points), p=p)]]
            for _ in range(1, k):  # k-means++ seeding on cosine distance
                dist = np.clip(1 - (points @ np.array(centres).T).max(axis=1), 0, None) * weights
                total = dist.sum()
                centres.append(points[rng.choice(len(points),
                                                 p=dist / total if total > 0 else p)])
            c = np.array(centres)
        labels = np.full(len(points), -1)
        for _ in range(iters):
            new = (points @ c.T).argmax(axis=1)
            if np.array_equal(new, labels):
                break
            labels = new
            for j in range(k):
                members = labels == j
                if members.any():
                    c[j] = unit_rows((points[members] * weights[members, None]).sum(axis=0))
        score = float((weights * (points @ c.T)[np.arange(len(points)), labels]).sum())
        if best is None or score > best[0]:
            best = (score, labels.copy(), c.copy())
    assert best is not None
    return best[1], best[2]


def silhouette(points: np.ndarray, labels: np.ndarray, seed: int, sample: int = 2000) -> float:
    """Mean silhouette of unit `points` under cosine distance (on a seeded sample)."""
    if len(set(labels.tolist())) < 2:
        return -1.0
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(points), size=min(sample, len(points)), replace=False)
    x, lab = points[idx], labels[idx]
    dist = 1 - x @ x.T
    groups = np.unique(lab)
    mean_to = np.stack([dist[:, lab == g].mean(axis=1) for g in groups], axis=1)
    own = np.searchsorted(groups, lab)
    sizes = np.array([(lab == g).sum() for g in groups])
    a = mean_to[np.arange(len(x)), own] * sizes[own] / np.maximum(sizes[own] - 1, 1)
    mean_to[np.arange(len(x)), own] = np.inf
    b = mean_to.min(axis=1)
    s = (b - a) / np.maximum(np.maximum(a, b), 1e-12)
    s[sizes[own] == 1] = 0
    return float(s.mean())


@dataclass
class Sections:
    """Broad themes as groups of latents."""

    group: np.ndarray  # (M,) the section of each latent, -1 when it never fires
    affinity: np.ndarray  # (M, G) weight of each latent in its section (0 elsewhere)
    centres: np.ndarray  # (G, D) unit centres in the centred article space
    scores: np.ndarray  # (A, G) each article's strength per section (unnormalised)
    silhouettes: dict[int, float] = field(default_factory=dict)
    continued: float | None = None  # silhouette of the previous grouping continued, if tried
    kept_previous: bool = False  # whether that continued grouping was kept

    @property
    def count(self) -> int:
        return self.affinity.shape[1]

    def why(self) -> str:
        if not self.silhouettes:
            return "too few themes to group into sections"
        tried = ", ".join(f"{g}: {s:.3f}" for g, s in sorted(self.silhouettes.items()))
        if self.kept_previous:
            return (f"{self.count} broad sections, continued from the last training (silhouette "
                    f"{self.continued:.3f}; a fresh grouping would have to separate the articles "
                    f"{SECTION_SWITCH:.0%} better: by count {tried})")
        if self.continued is not None:
            return (f"{self.count} broad sections, grouped afresh: they separate the articles "
                    f"better than the last training's continued ({self.continued:.3f}; by count "
                    f"{tried})")
        return (f"{self.count} broad sections: the number whose articles separate best "
                f"(silhouette by count {tried})")


def section_scores(codes: np.ndarray, affinity: np.ndarray, top: np.ndarray) -> np.ndarray:
    """(A, G) section strengths from article codes (A, M), using the latents' max `top` (M,)."""
    return (codes / np.maximum(top, 1e-12)) @ affinity


def group_latents(codes: np.ndarray, centred: np.ndarray, seed: int = 0,
                  counts: tuple[int, int] = SECTION_RANGE,
                  previous: np.ndarray | None = None) -> Sections:
    """Group the live latents of article codes (A, M) into sections (see the module doc).

    previous: the unit centres (G, D) of the last training's sections. The old grouping is
    then continued (k-means started from them) and kept unless a fresh grouping separates
    the articles clearly better (silhouette above the continued one's by SECTION_SWITCH of
    its value): re-clustering from scratch on every training moves themes between
    sections for no reason, and a theme whose top articles suddenly span two sections is
    hidden as mixed.
    """
    m = codes.shape[1]
    live = np.flatnonzero((codes > 0).any(axis=0))
    hi = min(counts[1], len(live) // 3, len(codes) // 10)
    lo = min(counts[0], hi)
    if hi < 2:
        return Sections(np.full(m, -1), np.zeros((m, 0)), np.zeros((0, centred.shape[1])),
                        np.zeros((len(codes), 0)))
    cent, mass = latent_centroids(codes[:, live], centred)
    top = codes.max(axis=0)
    results: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    sil: dict[int, float] = {}
    for g in range(lo, hi + 1):
        labels, centres = spherical_kmeans(cent, mass, g, seed)
        affinity = np.zeros((m, g))
        affinity[live, labels] = np.clip((cent * centres[labels]).sum(axis=1), 0, None)
        scores = section_scores(codes, affinity, top)
        assigned = scores.argmax(axis=1)
        sil[g] = round(silhouette(centred, assigned, seed), 4)
        results[g] = (labels, affinity, centres)
    best = max(sil, key=lambda g: (sil[g], -g))
    continued = None
    if previous is not None and 2 <= len(previous) <= len(live):
        g = len(previous)
        labels, centres = spherical_kmeans(cent, mass, g, seed, init=previous)
        affinity = np.zeros((m, g))
        affinity[live, labels] = np.clip((cent * centres[labels]).sum(axis=1), 0, None)
        kept = silhouette(centred, section_scores(codes, affinity, top).argmax(axis=1), seed)
        continued = round(kept, 4)
        if sil[best] <= kept + SECTION_SWITCH * abs(kept):
            best = -1
            results[best] = (labels, affinity, centres)
    labels, affinity, centres = results[best]
    group = np.full(m, -1)
    group[live] = labels
    return Sections(group, affinity, centres, section_scores(codes, affinity, top), sil,
                    continued, best == -1)


@dataclass
class LatentReport:
    """Per-latent facts used to present themes; arrays are (M,)."""

    density: np.ndarray
    max_activation: np.ndarray
    mean_activation: np.ndarray
    n_articles: np.ndarray
    coherence: np.ndarray  # mean cosine between its top articles (centred)
    agreement: np.ndarray  # share of its top articles in their most common section
    hidden: list[str | None]  # why each latent is hidden, None when shown


def describe_latents(codes: np.ndarray, centred: np.ndarray, sections: Sections,
                     w_dec: np.ndarray, max_hidden: float = MAX_HIDDEN) -> LatentReport:
    """Density, strength, coherence, and which latents to hide (generic, duplicate, mixed)."""
    fired = codes > 0
    n_articles = fired.sum(axis=0)
    density = n_articles / max(len(codes), 1)
    top_value = codes.max(axis=0)
    mean_value = codes.sum(axis=0) / np.maximum(n_articles, 1)
    section_of = (sections.scores.argmax(axis=1) if sections.count
                  else np.zeros(len(codes), dtype=int))
    coherence = np.zeros(codes.shape[1])
    agreement = np.zeros(codes.shape[1])
    for j in np.flatnonzero(n_articles):
        idx = np.argsort(-codes[:, j], kind="stable")[:TOP]
        idx = idx[codes[idx, j] > 0]
        v = centred[idx]
        n = len(idx)
        coherence[j] = ((v @ v.T).sum() - n) / max(n * (n - 1), 1) if n > 1 else 0.0
        agreement[j] = np.bincount(section_of[idx]).max() / n
    hidden = _hide(n_articles, density, coherence, agreement, w_dec, max_hidden)
    return LatentReport(density, top_value, mean_value, n_articles, coherence, agreement, hidden)


def _hide(n_articles, density, coherence, agreement, w_dec, max_hidden) -> list[str | None]:
    """Generic first, then near-duplicates, then the least coherent mixed latents, capped."""
    m = len(n_articles)
    live = np.flatnonzero(n_articles)
    reasons: list[str | None] = [None] * m
    budget = int(max_hidden * len(live))
    for j in live:
        if density[j] > DENSE and budget > 0:
            reasons[j] = f"generic: on {density[j]:.0%} of articles"
            budget -= 1
    cos = w_dec @ w_dec.T
    for j in sorted(live, key=lambda j: n_articles[j]):  # the smaller of a pair goes
        if reasons[j] or budget <= 0:
            continue
        twins = [i for i in live if i != j and cos[j, i] > DUPLICATE_COSINE and not reasons[i]]
        if twins:
            reasons[j] = f"near-duplicate of latent {twins[0]}"
            budget -= 1
    mixed_score = agreement + coherence
    floor = float(np.median(coherence[live])) / 2 if len(live) else 0.0
    for j in sorted(live, key=lambda j: mixed_score[j]):
        if budget <= 0:
            break
        if reasons[j] is None and (agreement[j] < 0.75 or coherence[j] < floor):
            reasons[j] = (f"mixed: its top articles span sections ({agreement[j]:.0%} in one) "
                          f"and are loosely related (coherence {coherence[j]:.2f})")
            budget -= 1
    return reasons
