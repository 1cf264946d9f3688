"""Search the library by words, by meaning, or both, and find articles near another.

Keyword search ranks articles with FTS5's BM25; semantic search ranks chunks by cosine in
the HNSW index and scores an article by its best chunks; hybrid scores every candidate of
either ranking both ways and fuses them (see reader.services.search.ranking.fuse). Each hit carries
a snippet from its best passage with the query's words marked. A caller may steer the query
vector (themes do) before the neighbour search.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from reader.errors import BadInput, IndexNotReady, NotFound
from reader.index import fts
from reader.index.hnsw import VectorIndex
from reader.ml.embedder import Embedder, normalize
from reader.services.context import LibraryContext
from reader.services.search.filters import SearchFilters, parse_when
from reader.services.search.ranking import FusionParams, Rankings, SearchHit, SearchResults, fuse
from reader.storage import chunks as store

MODES = ("hybrid", "semantic", "keyword")
Steer = Callable[[np.ndarray], np.ndarray]
EXACT_BELOW = 20_000  # with filters leaving fewer chunks than this, search them exactly
MAX_QUERY_TOKENS = 2_000


class SearchService:
    """Search one library. Keeps the query encoder and the index loaded between searches."""

    def __init__(
        self,
        ctx: LibraryContext,
        *,
        embedder: Embedder | None = None,
        fusion: FusionParams | None = None,
    ) -> None:
        self.ctx = ctx
        self.fusion = fusion or FusionParams()
        self._embedder = embedder
        self._index: VectorIndex | None = None
        self._index_state: tuple | None = None
        self._pending = 0
        self._notices: list[str] = []

    # -- public ---------------------------------------------------------------------

    def search(
        self,
        query: str,
        *,
        mode: str = "hybrid",
        limit: int = 10,
        filters: SearchFilters | None = None,
        steer: Steer | None = None,
    ) -> SearchResults:
        """Articles best matching `query`, with snippets; `steer` edits the query vector."""
        if mode not in MODES:
            raise BadInput(f"unknown search mode {mode!r}; one of: {', '.join(MODES)}")
        if limit < 1:
            raise BadInput("--limit must be at least 1")
        found = self.rankings(
            query, mode=mode, depth=max(limit, self.fusion.depth), filters=filters, steer=steer
        )
        ranked = fuse(found.keyword, found.semantic, mode, self.fusion)
        rerank = getattr(steer, "rerank", None)  # theme steering re-ranks the candidates too
        if rerank is not None:
            ranked = rerank(ranked)
        ranked = ranked[:limit]
        hits = self._hits(ranked, found.keyword, found.semantic, found.parsed)
        return SearchResults(query, mode, hits, found.notices)

    def rankings(
        self,
        query: str,
        *,
        mode: str = "hybrid",
        depth: int = 100,
        filters: SearchFilters | None = None,
        steer: Steer | None = None,
    ) -> Rankings:
        """The keyword and semantic rankings `search` fuses, `depth` articles each, no snippets."""
        filters = filters or SearchFilters()
        parsed = fts.parse_query(query)
        self._notices = []
        self._require_articles()
        found = Rankings(parsed)
        every: dict[int, float] = {}
        if mode == "keyword":
            found.keyword = self._keyword(parsed, depth, filters)
        elif mode == "hybrid":
            # Every match's BM25 comes with the ranking (SQLite computes it for each match to sort
            # anyway): the semantic side's articles are then scored from it, not by a second
            # FTS5 query, which recomputes each term's document frequency (0.1-0.5 s at 100k).
            ranked = self._keyword(parsed, None, filters)
            found.keyword, every = ranked[:depth], dict(ranked)
        if mode in ("semantic", "hybrid"):
            try:
                vector = self.query_vector(parsed.semantic_text)
                if steer is not None:
                    vector = normalize(np.asarray(steer(vector), dtype=np.float32))
                # In hybrid an article's second passage counts too (tuned); alone, its best.
                second = self.fusion.second_chunk if mode == "hybrid" else 0.0
                found.semantic = self._semantic(vector, depth, filters, second=second)
                if mode == "hybrid":
                    self._complete(found, vector, second, every)
            except IndexNotReady as exc:
                if mode == "semantic":
                    raise
                self._notices.append(f"{exc}; showing keyword matches only")
        found.notices = list(self._notices)
        return found

    def _complete(
        self, found: Rankings, vector: np.ndarray, second: float, keyword: dict[int, float]
    ) -> None:
        """Score every candidate both ways: an article one ranking found beyond its depth still
        gets its real score from the other, not none. `keyword`: BM25 of every keyword match."""
        model, _ = self._model()
        in_semantic = {aid for aid, _, _ in found.semantic}
        missing = [aid for aid, _ in found.keyword if aid not in in_semantic]
        if missing:
            for aid, (chunk_ids, vectors) in store.vectors_of_articles(
                self.ctx.db, model, missing
            ).items():
                sims = vectors @ vector
                order = np.argsort(-sims)
                found.semantic.append(
                    (aid, _article_score(sims[order], second), int(chunk_ids[order[0]]))
                )
            found.semantic.sort(key=lambda item: -item[1])
        in_keyword = {aid for aid, _ in found.keyword}
        others = [aid for aid, _, _ in found.semantic if aid not in in_keyword]
        scored = sorted((aid, keyword[aid]) for aid in others if aid in keyword)
        if scored:
            found.keyword.extend(scored)
            found.keyword.sort(key=lambda item: -item[1])

    def related(
        self, article_id: int, limit: int = 10, *, filters: SearchFilters | None = None
    ) -> SearchResults:
        """Articles whose passages are nearest to this article's, best first."""
        db = self.ctx.db
        row = db.execute("SELECT title FROM articles WHERE id = ?", [article_id]).fetchone()
        if row is None:
            raise NotFound(f"no article with id {article_id}")
        self._notices = []
        model, _ = self._model()
        vectors = store.article_vectors(db, model, article_id)
        if not len(vectors):
            raise IndexNotReady(
                f"article {article_id} is not indexed yet (no text, or run `reader index`)"
            )
        centre = normalize(vectors.mean(axis=0))
        found = self._semantic(centre, limit + 1, filters or SearchFilters(), exclude=article_id)
        ranked = [(aid, score) for aid, score, _ in found[:limit]]
        hits = self._hits(ranked, [], found, None)
        return SearchResults(
            f"related to {article_id}: {row[0] or ''}", "related", hits, self._notices
        )

    def query_vector(self, text: str) -> np.ndarray:
        """The unit vector of a query, as the library's model embeds it (windows averaged if long)."""
        embedder = self.embedder
        model, _ = self._model()
        if embedder.model_id != model:
            raise IndexNotReady(
                f"the library was indexed with {model} but the model is now "
                f"{embedder.model_id}: run `reader index` to re-embed it"
            )
        spans = embedder.token_spans([text])[0]
        if len(spans) > MAX_QUERY_TOKENS:
            raise BadInput(
                f"the query is {len(spans)} word pieces long; searches take at most {MAX_QUERY_TOKENS}"
            )
        if len(spans) <= embedder.budget:
            return embedder.embed([text])[0]
        windows = _windows(text, spans, embedder.budget)
        self._notices.append(
            f"the query is longer than the model reads ({len(spans)} > {embedder.budget} word pieces):"
            f" its meaning is averaged over {len(windows)} parts"
        )
        return normalize(embedder.embed(windows).mean(axis=0))

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from reader.services.search.indexing import configured_model_id, query_embedder

            model, _ = self._model()  # nothing indexed: say so before preparing a model
            wanted = configured_model_id(self.ctx)
            if wanted != model:  # said before exporting a model the library does not use yet
                raise IndexNotReady(
                    f"the library was indexed with {model} but the model is now {wanted}: "
                    "run `reader index` to re-embed it"
                )
            # Only when the ONNX export is missing does this take long (it is made once).
            self._embedder = query_embedder(
                self.ctx, lambda p: self._notices.append(p.message) if p.message else None
            )
        return self._embedder

    # -- rankings -------------------------------------------------------------------

    def _keyword(
        self, parsed: fts.ParsedQuery, depth: int | None, filters: SearchFilters
    ) -> list[tuple[int, float]]:
        where, params = filters.sql()
        weights = fts.KeywordWeights(title=self.fusion.title_weight, text=1.0)
        return fts.keyword_search(
            self.ctx.db,
            parsed,
            limit=depth,
            where=where,
            params=params,
            weights=weights,
            articles=store.SEARCHABLE,
        )

    def _semantic(
        self,
        vector: np.ndarray,
        depth: int,
        filters: SearchFilters,
        *,
        exclude: int | None = None,
        second: float = 0.0,
    ) -> list[tuple[int, float, int]]:
        """(article id, score, best chunk id), best first: an article scores by its best chunks
        (the best, plus `second` times the next best)."""
        model, _ = self._model()
        index = self._load_index()
        if len(index) == 0:
            raise IndexNotReady("nothing is indexed yet: run `reader index` to search by meaning")
        allowed = self._allowed_chunks(filters)
        if allowed is not None and len(allowed) <= EXACT_BELOW:
            ids, sims = self._exact(model, vector, allowed)
            return self._by_article(ids, sims, depth, filters, exclude, second)
        want = min(len(index), max(depth * 5, 50))
        while True:
            member = allowed.__contains__ if allowed is not None else None
            ef = max(want, index.ef_for(self.ctx.settings.search_ef))
            ids, sims = index.search(vector, want, allowed=member, ef=ef)
            found = self._by_article(ids[0], sims[0], depth, filters, exclude, second)
            if len(found) >= depth or want >= len(index):
                return found
            want = min(len(index), want * 4)

    def _allowed_chunks(self, filters: SearchFilters) -> set[int] | None:
        """Chunk ids of the articles the filters let through; None when there are no filters."""
        if not filters.active:
            return None
        where, params = filters.sql()
        rows = self.ctx.db.execute(
            f"SELECT c.id FROM chunks c JOIN {store.SEARCHABLE} ON a.id = c.article_id WHERE {where}",
            params,
        ).fetchall()
        return {r[0] for r in rows}

    def _exact(
        self, model: str, vector: np.ndarray, allowed: set[int]
    ) -> tuple[np.ndarray, np.ndarray]:
        ids_parts, sims_parts = [], []
        for ids, vectors in store.chunk_vectors(self.ctx.db, model, sorted(allowed)):
            ids_parts.append(ids)
            sims_parts.append(vectors @ vector)
        if not ids_parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        ids, sims = np.concatenate(ids_parts), np.concatenate(sims_parts)
        order = np.argsort(-sims, kind="stable")
        return ids[order], sims[order]

    def _by_article(
        self,
        ids: np.ndarray,
        sims: np.ndarray,
        depth: int,
        filters: SearchFilters,
        exclude: int | None,
        second: float,
    ) -> list[tuple[int, float, int]]:
        chunk_articles = self._chunk_articles(ids.tolist())
        best: dict[int, list] = {}
        for chunk_id, sim in zip(ids.tolist(), sims.tolist(), strict=True):
            article_id = chunk_articles.get(chunk_id)
            if article_id is None or article_id == exclude:
                continue  # a chunk deleted since the index was saved
            entry = best.setdefault(article_id, [sim, chunk_id, None])
            if entry[2] is None and chunk_id != entry[1]:
                entry[2] = sim
        eligible = self._eligible(list(best), filters)
        scored = [
            (
                aid,
                _article_score(np.array([e for e in entry[::2] if e is not None]), second),
                entry[1],
            )
            for aid, entry in best.items()
            if aid in eligible
        ]
        scored.sort(key=lambda item: -item[1])
        return scored[:depth]

    def _chunk_articles(self, chunk_ids: list[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        for begin in range(0, len(chunk_ids), 500):
            part = chunk_ids[begin : begin + 500]
            rows = self.ctx.db.execute(
                f"SELECT id, article_id FROM chunks WHERE id IN ({','.join('?' * len(part))})", part
            )
            out.update(dict(rows.fetchall()))
        return out

    def _eligible(self, article_ids: list[int], filters: SearchFilters) -> set[int]:
        where, params = filters.sql()
        out: set[int] = set()
        for begin in range(0, len(article_ids), 500):
            part = article_ids[begin : begin + 500]
            rows = self.ctx.db.execute(
                f"SELECT a.id FROM {store.SEARCHABLE} WHERE a.id IN ({','.join('?' * len(part))}) "
                f"AND {where}",
                [*part, *params],
            )
            out.update(r[0] for r in rows)
        return out

    # -- results --------------------------------------------------------------------

    def _hits(
        self,
        ranked: list[tuple[int, float]],
        keyword: list[tuple[int, float]],
        semantic: list[tuple[int, float, int]],
        parsed: fts.ParsedQuery | None,
    ) -> list[SearchHit]:
        if not ranked:
            return []
        db = self.ctx.db
        keyword_rank = {aid: r for r, (aid, _) in enumerate(keyword, start=1)}
        semantic_info = {aid: (r, s, c) for r, (aid, s, c) in enumerate(semantic, start=1)}
        ids = [aid for aid, _ in ranked]
        rows = db.execute(
            f"""SELECT id, title, url, state, site, added_at, text FROM articles
                WHERE id IN ({",".join("?" * len(ids))})""",
            ids,
        ).fetchall()
        articles = {row[0]: row for row in rows}
        hits = []
        for aid, score in ranked:
            row = articles.get(aid)
            if row is None:
                continue
            rank, semantic_score, chunk_id = semantic_info.get(aid, (None, None, None))
            hit = SearchHit(aid, row[1], row[2], row[3], row[4], row[5], float(score))
            hit.keyword_rank, hit.semantic_rank = keyword_rank.get(aid), rank
            hit.semantic_score = None if semantic_score is None else float(semantic_score)
            hit.chunk_id = chunk_id
            hit.snippet, hit.spans = self._snippet(row[6] or "", aid, chunk_id, parsed)
            hits.append(hit)
        return hits

    def _snippet(
        self, text: str, article_id: int, chunk_id: int | None, parsed: fts.ParsedQuery | None
    ) -> tuple[str, list[tuple[int, int]]]:
        """A short passage from the best chunk (or the densest in matches), words marked."""
        spans = fts.marked_spans(self.ctx.db, parsed, article_id) if parsed else []
        region = (0, len(text))
        chunks = store.article_chunks(self.ctx.db, article_id)
        chosen = next((c for c in chunks if c.id == chunk_id), None)
        if chosen is None and chunks and spans:
            chosen = max(chunks, key=lambda c: sum(c.start <= s < c.end for s, _ in spans))
        if chosen is not None and text[chosen.start : chosen.end] == chosen.text:
            region = (chosen.start, chosen.end)
        return fts.make_snippet(text, region, spans)

    # -- state ----------------------------------------------------------------------

    def _model(self) -> tuple[str, int]:
        from reader.services.search.indexing import library_model

        return library_model(self.ctx)

    def _state(self) -> tuple[int, int]:
        """Changes when this or another connection wrote to the database."""
        data_version = self.ctx.db.execute("PRAGMA data_version").fetchone()[0]
        return data_version, self.ctx.db.conn.total_changes

    def _require_articles(self) -> None:
        row = self.ctx.db.execute(f"SELECT 1 FROM {store.SEARCHABLE} WHERE {store.ELIGIBLE} LIMIT 1")
        if row.fetchone() is None:
            raise IndexNotReady(
                "the library has no articles with text yet: add some with `reader add` or "
                "`reader import`"
            )

    def _load_index(self) -> VectorIndex:
        """The index, reloaded and checked only when the database changed since last time."""
        from reader.services.search.indexing import open_index

        model, dimension = self._model()
        state = (model, *self._state())
        if self._index is None or state != self._index_state:
            index, messages, _ = open_index(self.ctx, model, dimension, must_save=False)
            self._notices.extend(messages)
            self._pending = store.pending_articles(self.ctx.db, model)
            self._index, self._index_state = index, state
        if self._pending:
            self._notices.append(
                f"{self._pending} article{'s are' if self._pending != 1 else ' is'} not indexed "
                "yet: run `reader index` to search them by meaning"
            )
        return self._index


def _article_score(sims: np.ndarray, second_weight: float) -> float:
    """An article's semantic score from its chunks' similarities, best first."""
    second = sims[1] if len(sims) > 1 else sims[0]
    return float(sims[0] + second_weight * second)


def _windows(text: str, spans: list[tuple[int, int]], budget: int) -> list[str]:
    """A long query cut into consecutive pieces the model reads whole."""
    return [
        text[spans[i][0] : spans[min(i + budget, len(spans)) - 1][1]]
        for i in range(0, len(spans), budget)
    ]


__all__ = [
    "FusionParams",
    "Rankings",
    "SearchFilters",
    "SearchHit",
    "SearchResults",
    "SearchService",
    "fuse",
    "parse_when",
]
