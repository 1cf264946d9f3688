"""Summaries for a digest's articles, with sentence vectors read from SQLite when kept there.

An article that is indexed is summarised passage by passage from its chunks: the sentences of
each chunk are embedded once and kept beside it (`sentence_vectors`), so drafting again, or
drafting an overlapping window, runs the model only on what it has never seen. An article
not indexed yet (or whose text changed since) is summarised from its text, embedded now.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlite_utils import Database

from reader.ml.embedder import Embedder
from reader.ml.sentences import group_passages, split_sentences
from reader.ml.summary import summarize_passages, summary_candidates
from reader.models import Article
from reader.storage.chunks import article_chunks
from reader.storage.sentences import get_sentence_vectors, put_sentence_vectors, sentence_hash


@dataclass
class _Plan:
    """One article's candidate passages and, per candidate, its key or None (not kept)."""

    passages: list[list[str]]
    keys: list[tuple[int, str] | None] = field(default_factory=list)
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
    wanted = [key for p in plans.values() for key in p.keys if key is not None]
    known = (
        get_sentence_vectors(db, embedder.model_id, sorted({c for c, _ in wanted}))
        if reuse
        else {}
    )
    todo: dict[str, None] = {}
    for plan in plans.values():
        for key, text in zip(plan.keys, plan.texts, strict=True):
            if key is None or key not in known:
                todo.setdefault(text)
    fresh: dict[str, np.ndarray] = {}
    if todo:
        texts = list(todo)
        vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
        fresh = dict(zip(texts, vectors, strict=True))
        stats.embedded = len(texts)
    stats.reused = sum(1 for key in wanted if key in known)
    new_keys = sorted({key for key in wanted if key not in known}) if reuse and fresh else []
    if new_keys:
        by_key = {
            key: text
            for plan in plans.values()
            for key, text in zip(plan.keys, plan.texts, strict=True)
            if key is not None
        }
        put_sentence_vectors(
            db, embedder.model_id, new_keys, np.stack([fresh[by_key[k]] for k in new_keys])
        )
        stats.stored = len(new_keys)
    out: dict[int, list[str]] = {}
    for article_id, plan in plans.items():
        if not plan.texts:
            out[article_id] = []
            continue
        vectors = np.stack(
            [
                known[key] if key is not None and key in known else fresh[text]
                for key, text in zip(plan.keys, plan.texts, strict=True)
            ]
        )
        out[article_id] = summarize_passages(plan.passages, vectors, k, word_budget=word_budget)
    return out, stats


def _plan(db: Database, article: Article, clean: Callable[[int, str], str] | None) -> _Plan:
    def cleaned(value: str) -> str:
        return clean(article.id, value) if clean is not None else value

    text = article.text or ""
    chunks = article_chunks(db, article.id) if text.strip() and _fresh_chunks(db, article.id) else []
    if chunks:
        passages = summary_candidates([split_sentences(cleaned(c.text)) for c in chunks])
        owners = [c.id for c in chunks]
    else:
        passages = summary_candidates(group_passages(cleaned(text)))
        owners = [None] * len(passages)
    plan = _Plan(passages)
    for owner, passage in zip(owners, passages, strict=True):
        for sentence in passage:
            if sentence:
                plan.texts.append(sentence)
                plan.keys.append(None if owner is None else (owner, sentence_hash(sentence)))
    return plan


def _fresh_chunks(db: Database, article_id: int) -> bool:
    """Whether the article's chunks were cut from its current text."""
    row = db.execute(
        "SELECT stale FROM chunk_sources WHERE article_id = ?", [article_id]
    ).fetchone()
    return row is not None and not row[0]
