"""Summaries for a digest's articles, with sentence vectors read from SQLite when kept there.

An article that is indexed is summarised passage by passage from its chunks: the sentences of
each chunk are embedded once and kept beside it (`sentence_vectors`), so drafting again, or
drafting an overlapping window, runs the model only on what it has never seen. An article
not indexed yet (or whose text changed since) is summarised from its text, its sentence
vectors kept by article (`article_sentence_vectors`) until it is indexed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlite_utils import Database

from reader.ml.embedder import Embedder
from reader.ml.sentences import group_passages, split_sentences
from reader.ml.summary import summarize_passages, summary_candidates, summary_sources
from reader.models import Article
from reader.storage.chunks import article_chunks
from reader.storage.sentences import (
    drop_article_sentence_vectors,
    get_article_sentence_vectors,
    get_sentence_vectors,
    put_article_sentence_vectors,
    put_sentence_vectors,
    sentence_hash,
)

# Where a sentence vector is kept: ("chunk", chunk id, hash) or ("article", article id, hash).
Key = tuple[str, int, str]


@dataclass
class _Plan:
    """One article's candidate passages and, per candidate sentence, where it is kept."""

    passages: list[list[str]]
    indexed: bool
    keys: list[Key] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


@dataclass
class SummaryStats:
    reused: int = 0  # sentence vectors read from SQLite
    embedded: int = 0  # sentences run through the model now
    stored: int = 0  # of those, kept for next time


def summarise_articles(
    db: Database,
    embedder: Embedder,
    articles: Sequence[Article],
    k: int,
    *,
    word_budget: int | None = None,
    reuse: bool = True,
    clean: Callable[[int, str], str] | None = None,
) -> tuple[dict[int, list[str]], SummaryStats]:
    """Each article's summary (by id), embedding only sentences with no kept vector.

    reuse=False embeds every sentence from scratch and keeps nothing (the benchmark's
    baseline). clean(article id, text): what to summarise of a text or chunk (e.g. the text
    without the site's boilerplate lines).
    """
    plans = {a.id: _plan(db, a, clean) for a in articles}
    stats = SummaryStats()
    wanted = [key for p in plans.values() for key in p.keys]
    known = _known(db, embedder.model_id, wanted, plans) if reuse else {}
    todo: dict[str, None] = {}
    for plan in plans.values():
        for key, text in zip(plan.keys, plan.texts, strict=True):
            if key not in known:
                todo.setdefault(text)
    fresh: dict[str, np.ndarray] = {}
    if todo:
        texts = list(todo)
        vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
        fresh = dict(zip(texts, vectors, strict=True))
        stats.embedded = len(texts)
    stats.reused = sum(1 for key in wanted if key in known)
    if reuse and fresh:
        stats.stored = _keep(db, embedder.model_id, plans, known, fresh)
    out: dict[int, list[str]] = {}
    for article_id, plan in plans.items():
        if not plan.texts:
            out[article_id] = []
            continue
        vectors = np.stack(
            [
                known[key] if key in known else fresh[text]
                for key, text in zip(plan.keys, plan.texts, strict=True)
            ]
        )
        out[article_id] = summarize_passages(plan.passages, vectors, k, word_budget=word_budget)
    return out, stats


def _known(
    db: Database, model: str, wanted: list[Key], plans: dict[int, _Plan]
) -> dict[Key, np.ndarray]:
    """The kept vectors of the wanted keys; article-level ones of indexed articles dropped."""
    chunk_ids = sorted({owner for kind, owner, _ in wanted if kind == "chunk"})
    article_ids = sorted({owner for kind, owner, _ in wanted if kind == "article"})
    known: dict[Key, np.ndarray] = {
        ("chunk", owner, digest): vector
        for (owner, digest), vector in get_sentence_vectors(db, model, chunk_ids).items()
    }
    known.update(
        (("article", owner, digest), vector)
        for (owner, digest), vector in get_article_sentence_vectors(db, model, article_ids).items()
    )
    indexed = [article_id for article_id, plan in plans.items() if plan.indexed]
    if indexed:
        drop_article_sentence_vectors(db, indexed)
    return known


def _keep(
    db: Database,
    model: str,
    plans: dict[int, _Plan],
    known: dict[Key, np.ndarray],
    fresh: dict[str, np.ndarray],
) -> int:
    """Store the vectors just computed under their keys; how many were kept."""
    new: dict[Key, str] = {}
    for plan in plans.values():
        for key, text in zip(plan.keys, plan.texts, strict=True):
            if key not in known:
                new.setdefault(key, text)
    chunk_keys = sorted(key for key in new if key[0] == "chunk")
    if chunk_keys:
        put_sentence_vectors(
            db,
            model,
            [(owner, digest) for _, owner, digest in chunk_keys],
            np.stack([fresh[new[key]] for key in chunk_keys]),
        )
    article_keys = sorted(key for key in new if key[0] == "article")
    if article_keys:
        changed = {owner for _, owner, _ in article_keys}
        current = {
            article_id: {digest for _, _, digest in plans[article_id].keys}
            for article_id in changed
        }
        put_article_sentence_vectors(
            db,
            model,
            [(owner, digest) for _, owner, digest in article_keys],
            np.stack([fresh[new[key]] for key in article_keys]),
            current=current,
        )
    return len(new)


def _plan(db: Database, article: Article, clean: Callable[[int, str], str] | None) -> _Plan:
    def cleaned(value: str) -> str:
        return clean(article.id, value) if clean is not None else value

    text = article.text or ""
    chunks = (
        article_chunks(db, article.id) if text.strip() and _fresh_chunks(db, article.id) else []
    )
    if chunks:
        raw = [split_sentences(cleaned(c.text)) for c in chunks]
        owners = [("chunk", c.id) for c in chunks]
    else:
        raw = group_passages(cleaned(text))
        owners = [("article", article.id)] * len(raw)
    plan = _Plan(summary_candidates(raw), indexed=bool(chunks))
    # Vectors are of the sentences as the article has them (what `summary_sources` gives).
    for (kind, owner), passage in zip(owners, summary_sources(raw), strict=True):
        for sentence in passage:
            if sentence:
                plan.texts.append(sentence)
                plan.keys.append((kind, owner, sentence_hash(sentence)))
    return plan


def _fresh_chunks(db: Database, article_id: int) -> bool:
    """Whether the article's chunks were cut from its current text."""
    row = db.execute(
        "SELECT stale FROM chunk_sources WHERE article_id = ?", [article_id]
    ).fetchone()
    return row is not None and not row[0]
