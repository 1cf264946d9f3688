"""Sentence vectors kept beside the chunks they were cut from (the digest's summaries).

A vector is keyed by (chunk, model, sentence hash): drafting again reads it back instead of
running the model, and a chunk that changes takes its sentence vectors with it. An article not
indexed yet keeps its sentence vectors by (article, model, sentence hash) until it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence

import numpy as np
from sqlite_utils import Database


def sentence_hash(sentence: str) -> str:
    return hashlib.sha256(sentence.encode("utf-8")).hexdigest()


def get_sentence_vectors(
    db: Database, model: str, chunk_ids: Sequence[int]
) -> dict[tuple[int, str], np.ndarray]:
    """(chunk id, sentence hash) -> vector for the given chunks."""
    return _kept_vectors(db, "sentence_vectors", "chunk_id", model, chunk_ids)


def _kept_vectors(
    db: Database, table: str, key: str, model: str, ids: Sequence[int]
) -> dict[tuple[int, str], np.ndarray]:
    """(id in `key`, sentence hash) -> vector from one of the two sentence-vector tables."""
    out: dict[tuple[int, str], np.ndarray] = {}
    for part in _batches(ids, 500):
        marks = ",".join("?" * len(part))
        rows = db.execute(
            f"SELECT {key}, content_hash, vector FROM {table} "
            f"WHERE model = ? AND {key} IN ({marks})",
            [model, *part],
        )
        for owner, digest, blob in rows:
            out[(owner, digest)] = np.frombuffer(blob, dtype="<f4")
    return out


def put_sentence_vectors(
    db: Database, model: str, keys: Iterable[tuple[int, str]], vectors: np.ndarray
) -> None:
    """Store vectors for (chunk id, sentence hash) keys in one transaction.

    A chunk deleted meanwhile (re-indexed under our feet) is skipped, not an error.
    """
    vectors = np.asarray(vectors, dtype="<f4")
    rows = [
        (chunk_id, model, digest, vector.tobytes())
        for (chunk_id, digest), vector in zip(keys, vectors, strict=True)
    ]
    with db.atomic():
        db.conn.executemany(
            "INSERT OR IGNORE INTO sentence_vectors (chunk_id, model, content_hash, vector) "
            "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM chunks WHERE id = ?)",
            [(*row, row[0]) for row in rows],
        )


def get_article_sentence_vectors(
    db: Database, model: str, article_ids: Sequence[int]
) -> dict[tuple[int, str], np.ndarray]:
    """(article id, sentence hash) -> vector kept for articles not indexed yet."""
    return _kept_vectors(db, "article_sentence_vectors", "article_id", model, article_ids)


def put_article_sentence_vectors(
    db: Database,
    model: str,
    keys: Iterable[tuple[int, str]],
    vectors: np.ndarray,
    *,
    current: Mapping[int, Collection[str]] | None = None,
) -> None:
    """Store vectors for (article id, sentence hash) keys in one transaction.

    current: each article's sentence hashes now; its kept vectors for sentences it no longer
    has (its text changed) are dropped. An article deleted meanwhile is skipped.
    """
    vectors = np.asarray(vectors, dtype="<f4")
    with db.atomic():
        for article_id, digests in (current or {}).items():
            marks = ",".join("?" * len(digests))
            db.execute(
                f"DELETE FROM article_sentence_vectors WHERE article_id = ? AND model = ? "
                f"AND content_hash NOT IN ({marks})",
                [article_id, model, *sorted(digests)],
            )
        db.conn.executemany(
            "INSERT OR IGNORE INTO article_sentence_vectors "
            "(article_id, model, content_hash, vector) "
            "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM articles WHERE id = ?)",
            [
                (article_id, model, digest, vector.tobytes(), article_id)
                for (article_id, digest), vector in zip(keys, vectors, strict=True)
            ],
        )


def drop_article_sentence_vectors(db: Database, article_ids: Sequence[int]) -> int:
    """Forget the article-level vectors of these (now indexed) articles; rows deleted."""
    deleted = 0
    for part in _batches(article_ids, 500):
        marks = ",".join("?" * len(part))
        where = f"FROM article_sentence_vectors WHERE article_id IN ({marks})"
        if db.execute(f"SELECT 1 {where} LIMIT 1", part).fetchone() is None:
            continue  # nothing to drop: no write lock taken
        with db.atomic():
            cursor = db.execute(f"DELETE {where}", part)
        deleted += cursor.rowcount
    return deleted


def count_article_sentence_vectors(db: Database) -> int:
    return db.execute("SELECT count(*) FROM article_sentence_vectors").fetchone()[0]


def count_sentence_vectors(db: Database, model: str | None = None) -> int:
    if model is None:
        return db.execute("SELECT count(*) FROM sentence_vectors").fetchone()[0]
    return db.execute("SELECT count(*) FROM sentence_vectors WHERE model = ?", [model]).fetchone()[
        0
    ]


def _batches(items: Sequence, size: int) -> Iterator[list]:
    items = list(items)
    for begin in range(0, len(items), size):
        yield items[begin : begin + size]
