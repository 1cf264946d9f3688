"""Chunks of articles and their vectors in SQLite, the source of truth the index is built from.

Vectors are little-endian float32 blobs keyed by (model, content hash): a passage already
embedded by a model is never embedded again, whichever article it comes from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from sqlite_utils import Database

from reader.ml.chunking import Chunk, embed_text
from reader.models import utcnow

# Articles whose text is searchable: fetched (or provided), not a duplicate of another.
# Cheap tests first: SQLite stops at the first false one, and reading the text is the cost.
ELIGIBLE = (
    "a.fetch_state IN ('fetched', 'provided') AND a.duplicate_of IS NULL "
    "AND a.text IS NOT NULL AND trim(a.text) != ''"
)
# The articles table as search reads it with ELIGIBLE in the WHERE: through the partial index of
# searchable articles (m015), so the test never reads an article's row and its overflow pages.
# SQLite refuses a query naming it whose WHERE lacks ELIGIBLE's terms: that is on purpose.
SEARCHABLE = "articles a INDEXED BY idx_articles_searchable"


@dataclass(frozen=True)
class StoredChunk:
    id: int
    article_id: int
    ordinal: int
    start: int
    end: int
    context: str
    text: str
    content_hash: str


def articles_to_chunk(db: Database, tokenizer_id: str) -> list[int]:
    """Eligible articles never chunked, changed since, or chunked for another tokenizer."""
    rows = db.execute(
        f"""
        SELECT a.id FROM {SEARCHABLE} LEFT JOIN chunk_sources s ON s.article_id = a.id
        WHERE {ELIGIBLE} AND (s.article_id IS NULL OR s.stale OR s.tokenizer != ?)
        ORDER BY a.id
        """,
        [tokenizer_id],
    ).fetchall()
    return [r[0] for r in rows]


def articles_no_longer_eligible(db: Database) -> list[int]:
    """Articles with chunks whose text went away, failed, or became a duplicate."""
    rows = db.execute(
        f"""
        SELECT s.article_id FROM chunk_sources s JOIN articles a ON a.id = s.article_id
        WHERE NOT ({ELIGIBLE})
        """
    ).fetchall()
    return [r[0] for r in rows]


def article_texts(db: Database, ids: Sequence[int]) -> dict[int, tuple[str | None, str]]:
    """Title and text of each article, by id."""
    out: dict[int, tuple[str | None, str]] = {}
    for part in _batches(ids, 500):
        marks = ",".join("?" * len(part))
        for row in db.execute(f"SELECT id, title, text FROM articles WHERE id IN ({marks})", part):
            out[row[0]] = (row[1], row[2] or "")
    return out


def chunk_source_hash(db: Database, article_id: int) -> str | None:
    row = db.execute(
        "SELECT source_hash FROM chunk_sources WHERE article_id = ?", [article_id]
    ).fetchone()
    return row[0] if row else None


def replace_chunks(
    db: Database, article_id: int, chunks: Sequence[Chunk], source_hash: str, tokenizer_id: str
) -> tuple[list[int], list[int]]:
    """Store an article's new chunks in one transaction; returns (added ids, removed ids).

    A passage that is still there keeps its id, so an edit only touches what changed.
    """
    with db.atomic():
        old = db.execute(
            "SELECT id, content_hash FROM chunks WHERE article_id = ?", [article_id]
        ).fetchall()
        by_hash: dict[str, list[int]] = {}
        for chunk_id, digest in old:
            by_hash.setdefault(digest, []).append(chunk_id)
        added: list[int] = []
        kept: set[int] = set()
        for chunk in chunks:
            reuse = by_hash.get(chunk.content_hash)
            if reuse:
                chunk_id = reuse.pop(0)
                kept.add(chunk_id)
                db.execute(
                    "UPDATE chunks SET ordinal = ?, start_char = ?, end_char = ? WHERE id = ?",
                    [chunk.ordinal, chunk.start, chunk.end, chunk_id],
                )
                continue
            cursor = db.execute(
                """
                INSERT INTO chunks (article_id, ordinal, start_char, end_char, context, text,
                                    token_count, content_hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [
                    article_id,
                    chunk.ordinal,
                    chunk.start,
                    chunk.end,
                    chunk.context,
                    chunk.text,
                    chunk.token_count,
                    chunk.content_hash,
                ],
            )
            added.append(int(cursor.lastrowid))
        removed = [chunk_id for chunk_id, _ in old if chunk_id not in kept]
        _delete_chunks(db, removed)
        db.execute(
            """
            INSERT INTO chunk_sources (article_id, source_hash, tokenizer, chunk_count, chunked_at,
                                       stale)
            VALUES (?, ?, ?, ?, ?, 0)
            ON CONFLICT(article_id) DO UPDATE SET source_hash = excluded.source_hash,
                tokenizer = excluded.tokenizer, chunk_count = excluded.chunk_count,
                chunked_at = excluded.chunked_at, stale = 0
            """,
            [article_id, source_hash, tokenizer_id, len(chunks), utcnow()],
        )
    return added, removed


def mark_fresh(db: Database, article_id: int, tokenizer_id: str) -> None:
    """The text was written again but did not change: nothing to re-chunk."""
    with db.atomic():
        db.execute(
            "UPDATE chunk_sources SET stale = 0, tokenizer = ? WHERE article_id = ?",
            [tokenizer_id, article_id],
        )


def forget_article(db: Database, article_id: int) -> list[int]:
    """Remove an article's chunks (call before deleting it); returns the chunk ids removed.

    The HNSW index notices vanished chunk ids on its next use and marks them deleted.
    Vectors stay: they are keyed by content and may serve another article.
    """
    with db.atomic():
        ids = [r[0] for r in db.execute("SELECT id FROM chunks WHERE article_id = ?", [article_id])]
        _delete_chunks(db, ids)
        db.execute("DELETE FROM chunk_sources WHERE article_id = ?", [article_id])
    return ids


def _delete_chunks(db: Database, ids: Sequence[int]) -> None:
    for part in _batches(ids, 500):
        db.execute(f"DELETE FROM chunks WHERE id IN ({','.join('?' * len(part))})", list(part))


def missing_embeddings(db: Database, model: str) -> list[tuple[str, str]]:
    """(content hash, text to embed) of every chunk without a vector for `model`."""
    rows = db.execute(
        """
        SELECT c.content_hash, c.context, c.text FROM chunks c
        WHERE NOT EXISTS (SELECT 1 FROM embeddings e
                          WHERE e.model = ? AND e.content_hash = c.content_hash)
        GROUP BY c.content_hash
        """,
        [model],
    ).fetchall()
    return [(digest, embed_text(context, text)) for digest, context, text in rows]


def count_chunks(db: Database) -> int:
    return db.execute("SELECT count(*) FROM chunks").fetchone()[0]


def put_embeddings(db: Database, model: str, hashes: Sequence[str], vectors: np.ndarray) -> None:
    """Store vectors (one transaction): float32 little-endian blobs."""
    vectors = np.asarray(vectors, dtype="<f4")
    now = utcnow()
    with db.atomic():
        db.conn.executemany(
            """
            INSERT OR IGNORE INTO embeddings (model, content_hash, dimension, vector, created_at)
            VALUES (?, ?, ?, ?, ?)
            """,
            [
                (model, digest, vectors.shape[1], vector.tobytes(), now)
                for digest, vector in zip(hashes, vectors, strict=True)
            ],
        )


def embedding_dimension(db: Database, model: str) -> int | None:
    row = db.execute("SELECT dimension FROM embeddings WHERE model = ? LIMIT 1", [model]).fetchone()
    return row[0] if row else None


def indexable_ids(db: Database, model: str) -> np.ndarray:
    """Sorted ids of the chunks that have a vector for `model`: what the index should hold."""
    # Answered from the indexes on chunks(content_hash, article_id) and embeddings(model, hash).
    rows = db.execute(
        """
        SELECT c.id FROM chunks c
        WHERE EXISTS (SELECT 1 FROM embeddings e WHERE e.model = ? AND e.content_hash = c.content_hash)
        """,
        [model],
    ).fetchall()
    return np.sort(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))


def chunk_vectors(
    db: Database, model: str, ids: Iterable[int] | None = None, *, batch: int = 20_000
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(ids, vectors) in batches, for the given chunk ids or all of them."""
    if ids is None:
        sql = """
            SELECT c.id, e.vector FROM chunks c JOIN embeddings e
            ON e.model = ? AND e.content_hash = c.content_hash ORDER BY c.id
        """
        rows = db.execute(sql, [model])
        while part := rows.fetchmany(batch):
            yield _unpack(part)
        return
    for part in _batches(list(ids), 500):
        marks = ",".join("?" * len(part))
        found = db.execute(
            f"""
            SELECT c.id, e.vector FROM chunks c CROSS JOIN embeddings e
            ON e.model = ? AND e.content_hash = c.content_hash WHERE c.id IN ({marks})
            """,
            [model, *part],
        ).fetchall()
        if found:
            yield _unpack(found)


def article_vectors(db: Database, model: str, article_id: int) -> np.ndarray:
    """The vectors of one article's chunks, in order."""
    rows = db.execute(
        """
        SELECT e.vector FROM chunks c CROSS JOIN embeddings e
        ON e.model = ? AND e.content_hash = c.content_hash
        WHERE c.article_id = ? ORDER BY c.ordinal
        """,
        [model, article_id],
    ).fetchall()
    if not rows:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack([np.frombuffer(r[0], dtype="<f4") for r in rows])


def vectors_of_articles(
    db: Database, model: str, article_ids: Sequence[int]
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """For each article, (chunk ids, their vectors); articles without vectors are left out."""
    out: dict[int, tuple[list[int], list[np.ndarray]]] = {}
    for part in _batches(article_ids, 500):
        # CROSS JOIN keeps chunks as the outer loop: a few articles, not every vector of the model.
        rows = db.execute(
            f"""
            SELECT c.article_id, c.id, e.vector FROM chunks c CROSS JOIN embeddings e
            ON e.model = ? AND e.content_hash = c.content_hash
            WHERE c.article_id IN ({",".join("?" * len(part))})
            """,
            [model, *part],
        )
        for article_id, chunk_id, blob in rows:
            ids, vectors = out.setdefault(article_id, ([], []))
            ids.append(chunk_id)
            vectors.append(np.frombuffer(blob, dtype="<f4"))
    return {aid: (np.array(ids), np.vstack(vectors)) for aid, (ids, vectors) in out.items()}


def _unpack(rows: list) -> tuple[np.ndarray, np.ndarray]:
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    vectors = np.vstack([np.frombuffer(r[1], dtype="<f4") for r in rows])
    return ids, vectors


def get_chunks(db: Database, ids: Sequence[int]) -> dict[int, StoredChunk]:
    out: dict[int, StoredChunk] = {}
    for part in _batches(list(ids), 500):
        marks = ",".join("?" * len(part))
        for row in db.execute(
            f"""SELECT id, article_id, ordinal, start_char, end_char, context, text, content_hash
                FROM chunks WHERE id IN ({marks})""",
            part,
        ):
            out[row[0]] = StoredChunk(*row)
    return out


def article_chunks(db: Database, article_id: int) -> list[StoredChunk]:
    rows = db.execute(
        """SELECT id, article_id, ordinal, start_char, end_char, context, text, content_hash
           FROM chunks WHERE article_id = ? ORDER BY ordinal""",
        [article_id],
    ).fetchall()
    return [StoredChunk(*row) for row in rows]


def pending_articles(db: Database, model: str) -> int:
    """Eligible articles not fully searchable by meaning yet (not chunked, or a chunk not embedded)."""
    # The inner query reads only the fetch_state index and chunk_sources; article rows (and their
    # texts) are read for the few candidates left.
    return db.execute(
        f"""
        SELECT count(*) FROM {SEARCHABLE}
        WHERE a.id IN (
            SELECT a2.id FROM articles a2
            WHERE a2.fetch_state IN ('fetched', 'provided') AND NOT EXISTS (
                SELECT 1 FROM chunk_sources s WHERE s.article_id = a2.id AND s.stale = 0)
            UNION
            SELECT c.article_id FROM chunks c WHERE NOT EXISTS (
                SELECT 1 FROM embeddings e WHERE e.model = ? AND e.content_hash = c.content_hash)
        ) AND {ELIGIBLE}
        """,
        [model],
    ).fetchone()[0]


def _batches(items: Sequence, size: int) -> Iterator[list]:
    items = list(items)
    for begin in range(0, len(items), size):
        yield items[begin : begin + size]
