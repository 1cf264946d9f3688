"""Themes of a library: train them, list and show them, follow them over time, steer with them.

Training lives in theme_build/theme_save; time series in theme_time. This class is the one
entry point the CLI, the TUI, search and the digest use.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from reader.errors import BadInput, IndexNotReady, NotEnoughData, NotFound
from reader.services.context import LibraryContext, ProgressCallback, no_progress
from reader.services.themes.report import TrainReport
from reader.storage.themes import ThemeRecord, ThemeStore

STEER_MAX = 2.0  # at most twice a theme's largest observed activation


@dataclass
class Cluster:
    """A rough group of articles shown while the library is too small for themes."""

    label: str
    keywords: list[str]
    article_ids: list[int]
    titles: list[str]


class ThemeService:
    def __init__(self, ctx: LibraryContext, *, embed: Callable[[list[str]], np.ndarray] | None
                 = None) -> None:
        self.ctx = ctx
        self._embed = embed

    @property
    def store(self) -> ThemeStore:
        return ThemeStore(self.ctx.db)

    # -- training ------------------------------------------------------------------
    def train(self, *, seed: int = 0, full: bool = False, fresh: bool = False,
              progress: ProgressCallback = no_progress,
              should_stop: Callable[[], bool] | None = None) -> TrainReport:
        """Train (or retrain) themes; NotEnoughData when the library is too small, Cancelled
        when stopped (the previous themes are then untouched). `full` runs every step again
        (from the previous dictionary); `fresh` starts from scratch."""
        from reader.services.themes.build import train_themes

        return train_themes(self.ctx, seed=seed, full=full, fresh=fresh, progress=progress,
                            should_stop=should_stop, embed_for=self.embedder_for)

    def embedder_for(self, model: str) -> Callable[[list[str]], np.ndarray] | None:
        """Texts -> vectors with the library's model (labels are compared with passages);
        None when that model is not the one configured now."""
        if self._embed is not None:
            return self._embed
        from reader.services.search.indexing import query_embedder

        embedder = query_embedder(self.ctx)
        if embedder.model_id != model:
            return None
        return lambda texts: embedder.embed(texts)

    def status(self) -> dict[str, Any]:
        """The active run: when, on which model, how, with what metrics; and whether stale."""
        run = self.store.active_run()
        if run is None:
            return {"trained": False}
        from reader.services.search.indexing import MODEL_KEY
        from reader.storage.db import meta_get

        library_model = meta_get(self.ctx.db, MODEL_KEY)
        stale = library_model is not None and library_model != run.model
        return {"trained": True, "run_id": run.id, "created_at": run.created_at,
                "model": run.model, "kind": run.kind, "metrics": run.metrics,
                "why": run.why.splitlines(), "articles": run.n_articles,
                "passages": run.n_chunks, "stale": stale,
                "note": (f"themes were trained on {run.model} but the library is now embedded "
                         f"with {library_model}: run `reader themes train`") if stale else ""}

    def preview_clusters(self, k: int | None = None) -> list[Cluster]:
        """Rough clusters of a small library's articles, labelled by their words."""
        from reader.ml.theme_labels import TermCounts, make_label, theme_keywords
        from reader.ml.theme_levels import spherical_kmeans, unit_rows
        from reader.ml.theme_metrics import pool_by_article
        from reader.services.themes.build import load_vectors
        from reader.storage.chunks import get_chunks

        try:
            data = load_vectors(self.ctx)
        except IndexNotReady:
            return []
        ids, means = pool_by_article(data.vectors, data.article_ids, "mean")
        if len(ids) < 4:
            return []
        points = unit_rows(means - means.mean(axis=0))
        k = k or max(2, min(6, len(ids) // 4))
        labels, _ = spherical_kmeans(points, np.ones(len(ids)), k, seed=0)
        chunks = get_chunks(self.ctx.db, data.chunk_ids.tolist())
        by_article: dict[int, list[str]] = {}
        for chunk in chunks.values():
            by_article.setdefault(chunk.article_id, []).append(chunk.text)
        texts = [" ".join(by_article.get(int(a), [])) for a in ids]
        counts = TermCounts(texts, min_count=1)
        titles = dict(self.ctx.db.execute("select id, title from articles").fetchall())
        out = []
        for g in range(k):
            members = np.flatnonzero(labels == g)
            if not len(members):
                continue
            words = theme_keywords(counts, [(int(i), 1.0) for i in members], k, n=6)
            out.append(Cluster(make_label(words), words, [int(ids[i]) for i in members],
                               [titles.get(int(ids[i])) or "" for i in members]))
        return sorted(out, key=lambda c: -len(c.article_ids))

    # -- reading themes --------------------------------------------------------------
    def list_themes(self, level: str | None = None, include_hidden: bool = False
                    ) -> list[ThemeRecord]:
        """Current themes, broad first, each level by how many articles carry it."""
        if level not in (None, "broad", "fine"):
            raise BadInput(f"unknown theme level {level!r}: broad or fine")
        themes = [t for t in self.store.themes()
                  if (include_hidden or not t.hidden) and (level is None or t.level == level)]
        return sorted(themes, key=lambda t: (t.level != "broad", -t.n_articles, t.id))

    def resolve(self, ref: int | str) -> ThemeRecord:
        """A theme by id, or by (case-insensitive) name or label."""
        if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
            return self.store.theme(int(ref))
        wanted = ref.strip().lower()
        themes = self.store.themes()
        for pick in (lambda t: (t.name or "").lower() == wanted,
                     lambda t: t.title.lower() == wanted,
                     lambda t: t.label.lower() == wanted,
                     lambda t: wanted in t.title.lower() or wanted in t.label.lower()):
            found = [t for t in themes if pick(t)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                names = ", ".join(f"{t.id} ({t.title})" for t in found[:5])
                raise BadInput(f"{ref!r} names several themes: {names}; use an id")
        raise NotFound(f"no theme called {ref!r}: see `reader themes list`")

    def show(self, ref: int | str, *, articles: int = 10, passages: int = 5) -> dict[str, Any]:
        """One theme with its keywords, top articles and passages, children and history."""
        from reader.services.themes.timeline import timeline
        from reader.storage.chunks import get_chunks

        theme = self.resolve(ref)
        store = self.store
        top = store.top_articles(theme.id, articles)
        rows = store.top_chunks(theme.id, passages * 3)
        chunks = get_chunks(self.ctx.db, [r[0] for r in rows])
        seen: set[object] = set()  # articles and texts already shown (libraries hold copies)
        shown_passages = []
        for chunk_id, article_id, value in rows:
            if chunk_id not in chunks or len(shown_passages) >= passages:
                continue
            text = chunks[chunk_id].text
            if article_id in seen or text in seen:
                continue
            seen.update((article_id, text))
            shown_passages.append({"article_id": article_id, "value": round(value, 4),
                                   "text": _excerpt(chunks[chunk_id].text)})
        children = [t for t in self.list_themes("fine") if t.parent_id == theme.id]
        parent = store.theme(theme.parent_id) if theme.parent_id else None
        return {
            "theme": theme_dict(theme),
            "parent": theme_dict(parent) if parent else None,
            "children": [theme_dict(t) for t in children],
            "articles": [{"id": a, "title": title, "strength": round(s, 4)}
                         for a, s, title in top],
            "passages": shown_passages,
            "history": [{"run_id": r, "at": at, "similarity": s}
                        for r, at, s in store.history(theme.id)],
            "timeline": timeline(store, theme.id, "month"),
        }

    def rename(self, ref: int | str, name: str) -> ThemeRecord:
        """Give a theme the user's own name (an empty name restores the automatic label)."""
        theme = self.resolve(ref)
        name = " ".join(name.split())
        if len(name) > 80:
            raise BadInput("a theme name is at most 80 characters")
        self.store.rename(theme.id, name or None)
        return self.store.theme(theme.id)

    # -- over time --------------------------------------------------------------------
    def timeline(self, ref: int | str, by: str = "month") -> dict[str, Any]:
        """A theme's activity per week or month of reading, with a sparkline."""
        from reader.services.themes.timeline import timeline

        theme = self.resolve(ref)
        return dict(timeline(self.store, theme.id, by), theme=theme_dict(theme))

    def timelines(self, by: str = "month") -> dict[str, Any]:
        """Every theme's articles per period at once (see timeline.all_timelines)."""
        from reader.services.themes.timeline import all_timelines

        return all_timelines(self.store, by)

    def changes(self, since: str, until: str | None = None, *, limit: int = 5
                ) -> dict[str, Any]:
        """Themes that rose and faded since `since` (YYYY-MM-DD or 30d, 4w, 3m) against the
        period of equal length before it."""
        from reader.services.search.service import parse_when
        from reader.services.themes.timeline import changes

        return changes(self.store, parse_when(since),
                       parse_when(until, end=True) if until else None, limit=limit)

    # -- for the digest, search and related -------------------------------------------
    def article_themes(self, article_ids: Sequence[int] | None, *, include_hidden: bool = False
                       ) -> dict[int, list[tuple[int, str, float]]]:
        """article id -> [(theme id, level, strength in [0, 1])], strongest first.

        Strength is the article's activation divided by the theme's largest in the library.
        """
        themes = {t.id: t for t in self.store.themes()}
        out: dict[int, list[tuple[int, str, float]]] = {}
        ids = None if article_ids is None else list(article_ids)
        for article_id, theme_id, _value, strength in self.store.article_activations(ids):
            theme = themes.get(theme_id)
            if theme is None or (theme.hidden and not include_hidden):
                continue
            out.setdefault(article_id, []).append((theme_id, theme.level, round(strength, 4)))
        for rows in out.values():
            rows.sort(key=lambda r: -r[2])
        return out

    def _members_of(self, article_ids: Sequence[int]) -> dict[int, dict[int, float]]:
        """article -> {theme: strength} for the shown themes each article is in."""
        shown = {t.id for t in self.store.themes() if not t.hidden}
        found = self.article_themes(list(article_ids))
        inside = set(self.store.member_pairs(list(article_ids)))
        return {a: {t: s for t, _, s in found.get(a, []) if t in shown and (a, t) in inside}
                for a in article_ids}

    def themes_of(self, article_id: int, *, limit: int = 5) -> list[dict[str, Any]]:
        """The shown themes an article is in (the membership rule behind every count),
        strongest first, at most `limit`; strength is relative to the theme's strongest
        article."""
        themes = {t.id: t for t in self.store.themes()}
        rows = sorted(self._members_of([article_id])[article_id].items(),
                      key=lambda r: (-r[1], r[0]))[:limit]
        return [{"id": t, "title": themes[t].title, "level": themes[t].level, "strength": s}
                for t, s in rows]

    def shared_themes(self, article_a: int, article_b: int) -> list[dict[str, Any]]:
        """Shown themes both articles are in, the strongest shared first."""
        found = self._members_of([article_a, article_b])
        a, b = found[article_a], found[article_b]
        themes = {t.id: t for t in self.store.themes()}
        out = [{"id": t, "title": themes[t].title, "level": themes[t].level,
                "strength_a": a[t], "strength_b": b[t]} for t in set(a) & set(b)]
        return sorted(out, key=lambda r: (r["level"] != "fine",
                                          -min(r["strength_a"], r["strength_b"]), r["id"]))

    def steerer(self, plus: Sequence[int | str] = (), minus: Sequence[int | str] = (),
                strength: float = 1.0):
        """A Steering for SearchService.search (query edit and re-ranking), with every theme
        checked up front; None when there is nothing to steer by."""
        from reader.services.themes.steering import RERANK_WEIGHT, Steering, theme_pull

        if not plus and not minus:
            return None
        if not 0 < strength <= STEER_MAX:
            raise BadInput(f"steering strength must be in (0, {STEER_MAX}]")
        up = {self.resolve(ref).id for ref in plus}
        down = {self.resolve(ref).id for ref in minus}

        def strengths(article_ids: list[int]) -> dict[int, float]:
            rows = [(a, t, s) for a, t, _, s in self.store.article_activations(article_ids)]
            return theme_pull(rows, up, down)

        return Steering(lambda vector: self.steer(vector, plus, minus, strength), strengths,
                        RERANK_WEIGHT * strength)

    def steer(self, vector: np.ndarray, plus: Sequence[int | str] = (),
              minus: Sequence[int | str] = (), strength: float = 1.0) -> np.ndarray:
        """Move a unit query vector along themes' directions and renormalise.

        Each step is the theme's largest observed activation (times `strength`, at most
        STEER_MAX) along its decoder direction, mapped back to the embedding space.
        """
        if not plus and not minus:
            return vector
        if not 0 < strength <= STEER_MAX:
            raise BadInput(f"steering strength must be in (0, {STEER_MAX}]")
        run = self.store.active_run()
        if run is None:
            raise NotEnoughData("no themes yet: run `reader themes train` first")
        arrays = self.store.weights(run.id)
        vector = np.asarray(vector, dtype=np.float32).reshape(-1)
        if vector.shape[0] != arrays["w_dec"].shape[1]:
            raise IndexNotReady(f"themes were trained on {run.model} ({arrays['w_dec'].shape[1]} "
                                f"dimensions), not on this query's {vector.shape[0]}: retrain")
        scale = float(arrays["scale"][0])
        out = vector.copy()
        for sign, refs in ((1.0, plus), (-1.0, minus)):
            for ref in refs:
                direction, step = self._direction(self.resolve(ref), arrays)
                out = out + sign * strength * step * scale * direction
        norm = float(np.linalg.norm(out))
        if norm < 1e-6:
            raise BadInput("the steering cancelled the query out: use fewer or weaker themes")
        return (out / norm).astype(np.float32)

    def _direction(self, theme: ThemeRecord, arrays: dict[str, np.ndarray]
                   ) -> tuple[np.ndarray, float]:
        if theme.latent is None:
            raise NotFound(f"theme {theme.id} is retired")
        if theme.level == "fine":
            return arrays["w_dec"][theme.latent], float(arrays["latent_max"][theme.latent])
        affinity = arrays["section_affinity"][:, theme.latent]
        members = affinity > 0
        step = float(np.average(arrays["latent_max"][members], weights=affinity[members]))
        return arrays["section_dirs"][theme.latent], step


def theme_dict(theme: ThemeRecord) -> dict[str, Any]:
    """A theme as JSON-ready data."""
    return {"id": theme.id, "title": theme.title, "label": theme.label, "name": theme.name,
            "llm_label": theme.llm_label, "level": theme.level, "keywords": theme.keywords,
            "articles": theme.n_articles, "density": round(theme.density, 4),
            "hidden": theme.hidden, "hidden_reason": theme.hidden_reason,
            "label_auc": theme.label_auc, "coherence": round(theme.coherence, 4),
            "parent_id": theme.parent_id, "new": theme.is_new}


def _excerpt(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"
