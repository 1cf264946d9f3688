"""A map of the library: every embedded article placed in 2-D, coloured by its broad theme.

An article's point comes from the mean of its passage vectors, centred on the library's mean
(what "closeness" means for themes too), laid out by UMAP (PCA when umap-learn is missing or
the library is tiny). The layout is cached in the library folder, keyed by the vectors, the
method and the seed, so opening the map again costs a file read; colours and names come from
the active theme run each time, so renaming or retraining never needs a new layout.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from reader.errors import BadInput, IndexNotReady
from reader.services.context import LibraryContext, Progress, ProgressCallback, no_progress

CACHE_FILE = "map-layout.npz"


@dataclass
class MapPoint:
    article_id: int
    title: str
    x: float  # both in [0, 1]; y grows downwards, as on a screen
    y: float
    theme_id: int | None  # the article's strongest broad theme, None without themes
    strength: float  # of that theme, in [0, 1]
    state: str | None = None
    site: str | None = None


@dataclass
class MapTheme:
    id: int
    title: str
    x: float  # where its name goes: on one of its own points
    y: float
    articles: int  # points of this colour on the map
    colour: int  # index into a palette, stable for a theme id within one map


@dataclass
class ReadingMap:
    points: list[MapPoint]
    themes: list[MapTheme]
    method: str  # umap | pca
    seed: int
    cached: bool
    run_id: int | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, "seed": self.seed, "cached": self.cached,
                "run_id": self.run_id, "notes": list(self.notes),
                "themes": [asdict(t) for t in self.themes],
                "points": [asdict(p) for p in self.points]}

    def in_region(self, x0: float, y0: float, x1: float, y1: float) -> list[MapPoint]:
        """Points inside the box (corners in either order), strongest-theme articles first."""
        xa, xb = sorted((x0, x1))
        ya, yb = sorted((y0, y1))
        found = [p for p in self.points if xa <= p.x <= xb and ya <= p.y <= yb]
        return sorted(found, key=lambda p: (-p.strength, p.article_id))

    def of_theme(self, theme_id: int | None) -> list[MapPoint]:
        """Points coloured by this broad theme (None: those without one), strongest first."""
        found = [p for p in self.points if p.theme_id == theme_id]
        return sorted(found, key=lambda p: (-p.strength, p.article_id))


def article_points(ctx: LibraryContext) -> tuple[str, np.ndarray, np.ndarray]:
    """(model, article ids (A,), centred unit article vectors (A, D)) of every embedded article."""
    from reader.ml.theme_levels import centred_articles, unit_rows
    from reader.ml.theme_metrics import pool_by_article
    from reader.services.themes.build import load_vectors

    data = load_vectors(ctx)
    ids, means = pool_by_article(unit_rows(data.vectors), data.article_ids, "mean")
    return data.model, ids, centred_articles(means).astype(np.float32)


def layout_key(model: str, ids: np.ndarray, vectors: np.ndarray, method: str, seed: int) -> str:
    digest = hashlib.sha256(f"{model}|{method}|{seed}|".encode())
    digest.update(np.ascontiguousarray(ids, dtype="<i8").tobytes())
    # Rounded so that a re-embedding that changes nothing visible does not move the map.
    digest.update(np.ascontiguousarray(np.round(vectors, 4), dtype="<f4").tobytes())
    return digest.hexdigest()


def _read_cache(path: Path, key: str) -> tuple[np.ndarray, str] | None:
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) != key:
                return None
            return np.asarray(data["coords"], dtype=np.float64), str(data["method"])
    except (OSError, KeyError, ValueError):
        return None  # missing or damaged: it is only a cache, compute again


def _write_cache(path: Path, key: str, coords: np.ndarray, method: str) -> None:
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, key=np.array(key), coords=coords, method=np.array(method))
    tmp.replace(path)


def compute_layout(ctx: LibraryContext, *, method: str = "auto", seed: int = 0,
                   progress: ProgressCallback = no_progress
                   ) -> tuple[np.ndarray, np.ndarray, str, bool]:
    """(article ids, coordinates in [0, 1]^2, method used, whether it came from the cache)."""
    from reader.ml.layout import METHODS, layout_2d, umap_available

    if method not in METHODS:
        raise BadInput(f"unknown map method {method!r}: {', '.join(METHODS)}")
    if method == "umap" and not umap_available():
        raise BadInput("umap-learn is not installed: use --method pca (or auto)")
    progress(Progress("map", 0, None, "reading vectors"))
    model, ids, vectors = article_points(ctx)
    if len(ids) < 3:
        raise IndexNotReady(f"a map needs at least 3 indexed articles; the library has {len(ids)}")
    # "auto" resolves before the key, so installing umap-learn later gives a new map.
    resolved = method
    if method == "auto":
        from reader.ml.layout import MIN_UMAP

        resolved = "umap" if len(ids) >= MIN_UMAP and umap_available() else "pca"
    key = layout_key(model, ids, vectors, resolved, seed)
    path = ctx.paths.root / CACHE_FILE
    cached = _read_cache(path, key)
    if cached is not None:
        return ids, cached[0], cached[1], True
    progress(Progress("map", 0, None, f"laying out {len(ids)} articles ({resolved})"))
    coords, used = layout_2d(vectors, method=resolved, seed=seed)
    _write_cache(path, key, coords, used)
    return ids, coords, used, False


def _titles_and_states(ctx: LibraryContext) -> dict[int, tuple[str, str | None, str | None]]:
    return {row[0]: (row[1] or "(untitled)", row[2], row[3]) for row in ctx.db.execute(
        "select id, title, state, site from articles")}


def broad_theme_of(ctx: LibraryContext, article_ids: list[int]
                   ) -> tuple[dict[int, tuple[int, float]], dict[int, str], int | None]:
    """article -> (strongest shown broad theme, its strength); theme titles; the run id."""
    from reader.services.themes.service import ThemeService

    service = ThemeService(ctx)
    run = service.store.active_run()
    if run is None:
        return {}, {}, None
    titles = {t.id: t.title for t in service.list_themes("broad")}
    best: dict[int, tuple[int, float]] = {}
    for article_id, rows in service.article_themes(article_ids).items():
        broad = [(theme_id, s) for theme_id, level, s in rows
                 if level == "broad" and theme_id in titles and s > 0]
        if broad:
            best[article_id] = max(broad, key=lambda r: (r[1], -r[0]))
    return best, titles, run.id


def reading_map(ctx: LibraryContext, *, method: str = "auto", seed: int = 0,
                progress: ProgressCallback = no_progress) -> ReadingMap:
    """The map of every embedded article, with broad themes as colours and placed names."""
    from reader.ml.layout import label_spot

    ids, coords, used, cached = compute_layout(ctx, method=method, seed=seed, progress=progress)
    id_list = [int(i) for i in ids]
    best, titles, run_id = broad_theme_of(ctx, id_list)
    info = _titles_and_states(ctx)
    points = []
    for row, article_id in enumerate(id_list):
        theme_id, strength = best.get(article_id, (None, 0.0))
        title, state, site = info.get(article_id, ("(untitled)", None, None))
        points.append(MapPoint(article_id, title, round(float(coords[row, 0]), 5),
                               round(1.0 - float(coords[row, 1]), 5), theme_id,
                               round(float(strength), 4), state, site))
    themes = []
    for theme_id in sorted(titles, key=lambda t: (-sum(p.theme_id == t for p in points), t)):
        members = [p for p in points if p.theme_id == theme_id]
        if not members:
            continue
        x, y = label_spot(np.array([[p.x, p.y] for p in members]))
        themes.append(MapTheme(theme_id, titles[theme_id], x, y, len(members), len(themes)))
    notes = []
    if run_id is None:
        notes.append("no themes yet: points are not coloured (run `reader themes train`)")
    elif not themes:
        notes.append("the themes carry none of these articles: retrain with `reader themes train`")
    loose = sum(1 for p in points if p.theme_id is None)
    if themes and loose:
        notes.append(f"{loose} articles carry no broad theme and are shown in grey")
    if used == "pca" and method == "auto" and len(id_list) >= 12:
        notes.append("umap-learn is not installed: laid out by PCA, which separates themes less")
    return ReadingMap(points, themes, used, seed, cached, run_id, notes)
