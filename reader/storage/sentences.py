"""Sentence vectors kept beside the chunks they were cut from (the digest's summaries).

A vector is keyed by (chunk, model, sentence hash): drafting again reads it back instead of
running the model, and a chunk that changes takes its sentence vectors with it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
from sqlite_utils import Database


def sentence_hash(sentence: str) -> str:
    return hashlib.sha256(sentence.encode("utf-8")).hexdigest()


def get_sentence_vectors(
    db: Database, model: str, chunk_ids: Sequence[int]
) -> dict[tuple[int, str], np.ndarray]:
    """(chunk id, sentence hash) -> vector for the given chunks."""
    out: dict[tuple[int, str], np.ndarray] = {}
    for part in _batches(chunk_ids, 500):
        marks = ",".join("?" * len(part))
        rows = db.execute(
            f"SELECT chunk_id, content_hash, vector FROM sentence_vectors "
            f"WHERE model = ? AND chunk_id IN ({marks})",
            [model, *part],
        )
        for chunk_id, digest, blob in rows:
            out[(chunk_id, digest)] = np.frombuffer(blob, dtype="<f4")
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


def count_sentence_vectors(db: Database, model: str | None = None) -> int:
    if model is None:
        return db.execute("SELECT count(*) FROM sentence_vectors").fetchone()[0]
    return db.execute(
        "SELECT count(*) FROM sentence_vectors WHERE model = ?", [model]
    ).fetchone()[0]


def _batches(items: Sequence, size: int) -> Iterator[list]:
    items = list(items)
    for begin in range(0, len(items), size):
        yield items[begin : begin + size]
