"""A 2-D layout of unit vectors for a map: UMAP when it is installed, else PCA.

Arrays in, arrays out. umap-learn (and numba under it) is imported only when a layout is
asked for: its import alone takes seconds.
"""

from __future__ import annotations

import numpy as np

METHODS = ("auto", "umap", "pca")
MIN_UMAP = 12  # fewer points than this: UMAP's neighbour graph means little, PCA is honest


def pca_2d(points: np.ndarray) -> np.ndarray:
    """The first two principal components (N, 2), signs fixed so the result is reproducible."""
    x = np.asarray(points, dtype=np.float64)
    x = x - x.mean(axis=0)
    if len(x) < 2:
        return np.zeros((len(x), 2))
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    axes = vt[:2]
    if axes.shape[0] < 2:
        axes = np.vstack([axes, np.zeros((2 - axes.shape[0], x.shape[1]))])
    coords = x @ axes.T
    for j in range(2):  # SVD signs are arbitrary: make the largest loading positive
        if axes[j][np.argmax(np.abs(axes[j]))] < 0:
            coords[:, j] = -coords[:, j]
    return coords


def umap_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("umap") is not None


def umap_2d(points: np.ndarray, seed: int) -> np.ndarray:
    """UMAP by cosine with a fixed seed (single-threaded, so the same input gives the same map)."""
    import warnings

    import umap  # noqa: PLC0415 (slow import, only here)

    n = len(points)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "n_jobs overridden by random_state" and similar
        model = umap.UMAP(n_neighbors=max(2, min(15, n - 1)), min_dist=0.1, metric="cosine",
                          random_state=seed, init="spectral" if n > 30 else "random")
        return np.asarray(model.fit_transform(np.asarray(points, dtype=np.float32)))


def layout_2d(points: np.ndarray, *, method: str = "auto", seed: int = 0
              ) -> tuple[np.ndarray, str]:
    """Coordinates (N, 2) scaled into [0, 1] on both axes, and the method used.

    "auto" is UMAP when umap-learn is installed and there are enough points, else PCA.
    """
    if method not in METHODS:
        raise ValueError(f"unknown layout method {method!r}: {', '.join(METHODS)}")
    n = len(points)
    use = method
    if method == "auto":
        use = "umap" if n >= MIN_UMAP and umap_available() else "pca"
    if use == "umap" and n < MIN_UMAP:
        use = "pca"
    coords = umap_2d(points, seed) if use == "umap" else pca_2d(points)
    return scale_unit(coords), use


def scale_unit(coords: np.ndarray) -> np.ndarray:
    """Each axis into [0, 1] (a constant axis sits at 0.5); the aspect is not kept."""
    coords = np.asarray(coords, dtype=np.float64)
    if not len(coords):
        return coords.reshape(0, 2)
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = high - low
    out = np.full_like(coords, 0.5)
    moving = span > 1e-12
    out[:, moving] = (coords[:, moving] - low[moving]) / span[moving]
    return out


def label_spot(coords: np.ndarray) -> tuple[float, float]:
    """Where to write a group's name: its member nearest the members' median (always on a point
    of the group, even when the group is split in two)."""
    coords = np.asarray(coords, dtype=np.float64)
    middle = np.median(coords, axis=0)
    nearest = int(np.argmin(((coords - middle) ** 2).sum(axis=1)))
    return float(coords[nearest, 0]), float(coords[nearest, 1])
