"""MinHash signatures and LSH band keys of articles in SQLite, for near-duplicate lookups."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlite_utils import Database


def save_signature(db: Database, article_id: int, sig: np.ndarray, keys: Sequence[bytes],
                   text_hash: str | None) -> None:
    """Store (or replace) an article's signature and band keys."""
    db.execute("delete from near_dup_bands where article_id = ?", [article_id])
    db.execute(
        "insert into near_dup_signatures(article_id, signature, text_hash) values (?, ?, ?) "
        "on conflict(article_id) do update set signature = excluded.signature, "
        "text_hash = excluded.text_hash",
        [article_id, sig.astype("<u8").tobytes(), text_hash],
    )
    db.conn.executemany(
        "insert into near_dup_bands(band, key, article_id) values (?, ?, ?)",
        [(band, key, article_id) for band, key in enumerate(keys)],
    )


def candidates(db: Database, keys: Sequence[bytes], article_id: int) -> list[int]:
    """Other articles sharing at least one band key, oldest first."""
    if not keys:
        return []
    clause = " or ".join("(band = ? and key = ?)" for _ in keys)
    params: list[object] = []
    for band, key in enumerate(keys):
        params += [band, key]
    rows = db.execute(
        f"select distinct article_id from near_dup_bands where ({clause}) and article_id != ? "
        "order by article_id",
        [*params, article_id],
    ).fetchall()
    return [r[0] for r in rows]


def signature_of(db: Database, article_id: int) -> np.ndarray | None:
    row = db.execute(
        "select signature from near_dup_signatures where article_id = ?", [article_id]
    ).fetchone()
    if not row or not row[0]:
        return None
    return np.frombuffer(row[0], dtype="<u8").astype(np.uint64)


def signed_hash(db: Database, article_id: int) -> str | None:
    row = db.execute(
        "select text_hash from near_dup_signatures where article_id = ?", [article_id]
    ).fetchone()
    return row[0] if row else None


def is_user_distinct(db: Database, article_id: int) -> bool:
    row = db.execute(
        "select user_distinct from near_dup_signatures where article_id = ?", [article_id]
    ).fetchone()
    return bool(row and row[0])


def set_user_distinct(db: Database, article_id: int) -> None:
    db.execute(
        "insert into near_dup_signatures(article_id, signature, user_distinct) values (?, x'', 1) "
        "on conflict(article_id) do update set user_distinct = 1",
        [article_id],
    )


def unsigned_articles(db: Database) -> list[int]:
    """Articles with text and no signature yet (or one made from other text)."""
    rows = db.execute(
        "select a.id from articles a left join near_dup_signatures s on s.article_id = a.id "
        "where a.text is not null and trim(a.text) != '' "
        "and (s.article_id is null or s.text_hash is not a.content_hash) order by a.id"
    ).fetchall()
    return [r[0] for r in rows]
