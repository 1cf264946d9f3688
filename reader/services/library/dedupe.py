"""Near duplicates: find them as articles arrive, list them, merge them, split them apart.

An article whose words nearly copy an older one (MinHash over word shingles, see
reader/ml/minhash.py) is marked `duplicate_of` that one. Duplicates stay in the library and
in lists, but chunking, search, themes and digests leave them out. Merging moves notes,
highlights, tags and reading progress onto the article kept; splitting clears the mark for
good (the article is never marked again).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from reader.errors import BadInput, NotFound
from reader.storage import near_dups

# How far along each reading state is, so a merge never moves an article backwards.
_STATE_RANK = {"unread": 0, "reading": 1, "read": 2, "archived": 3}


@dataclass
class Duplicate:
    id: int
    title: str | None
    url: str
    duplicate_of: int
    original_title: str | None
    similarity: float | None  # estimated Jaccard of word shingles; None if not signed


_UNSIGNED = object()


def check_article(db: Database, article_id: int, sig=_UNSIGNED, *,
                  signed: tuple[str, object] | None = None) -> tuple[int, float] | None:
    """Sign an article's text; mark it a duplicate of the oldest near copy already here.

    `sig` is the text's minhash.signature when the caller made it already (an extraction
    worker does). `signed` is (text, signature) worked out before the article was written
    (an import signs its items before taking the write lock); it is used when the article's
    text is that text. Returns (original id, similarity) when it was marked, else None.
    """
    from reader.ml.minhash import band_keys, signature

    row = db.execute(
        "select text, content_hash, duplicate_of from articles where id = ?", [article_id]
    ).fetchone()
    if row is None or not (row[0] or "").strip():
        return None
    text, content_hash, marked = row
    if sig is _UNSIGNED:
        sig = signed[1] if signed is not None and signed[0] == text else signature(text)
    if sig is None:
        return None
    keys = band_keys(sig)
    with db.atomic():  # one write transaction (a savepoint when the caller holds one)
        distinct = near_dups.is_user_distinct(db, article_id)
        near_dups.save_signature(db, article_id, sig, keys, content_hash)
        if marked is not None or distinct:
            return None
        return _mark(db, article_id, sig, keys)


def _mark(db: Database, article_id: int, sig, keys: list[bytes]) -> tuple[int, float] | None:
    from reader.ml.minhash import NEAR_DUPLICATE_THRESHOLD, similarity

    # Every candidate was signed before this article: it was in the library first.
    for other in near_dups.candidates(db, keys, article_id):
        other_sig = near_dups.signature_of(db, other)
        if other_sig is None:
            continue
        score = similarity(sig, other_sig)
        if score >= NEAR_DUPLICATE_THRESHOLD:
            original = _original(db, other)
            if original == article_id:
                continue
            db.execute("update articles set duplicate_of = ? where id = ?", [original, article_id])
            return original, score
    return None


def sign_missing(db: Database) -> int:
    """Sign (and check) every article with text and no signature: after an upgrade, say."""
    ids = near_dups.unsigned_articles(db)
    for article_id in ids:
        check_article(db, article_id)
    return len(ids)


def list_duplicates(db: Database) -> list[Duplicate]:
    """Every article marked as a duplicate, with what it copies and how closely."""
    from reader.ml.minhash import similarity

    rows = db.execute(
        "select a.id, a.title, a.url, a.duplicate_of, o.title from articles a "
        "join articles o on o.id = a.duplicate_of order by a.duplicate_of, a.id"
    ).fetchall()
    out = []
    for article_id, title, url, original, original_title in rows:
        a, b = near_dups.signature_of(db, article_id), near_dups.signature_of(db, original)
        score = similarity(a, b) if a is not None and b is not None else None
        out.append(Duplicate(article_id, title, url, original, original_title, score))
    return out


def merge(db: Database, keep: int, other: int) -> None:
    """Move `other`'s notes, highlights, tags and reading state onto `keep`; hide `other`."""
    if keep == other:
        raise BadInput("an article cannot be merged into itself")
    kept, gone = _row(db, keep), _row(db, other)
    with db.atomic():
        db.execute("update notes set article_id = ? where article_id = ?", [keep, other])
        # Highlight offsets point into the other text: they are found again by their words.
        db.execute(
            "update highlights set start_char = null, end_char = null, article_id = ? "
            "where article_id = ?", [keep, other]
        )
        db.execute(
            "insert or ignore into article_tags(article_id, tag) "
            "select ?, tag from article_tags where article_id = ?", [keep, other]
        )
        db.execute("delete from article_tags where article_id = ?", [other])
        values: dict[str, object] = {}
        if _STATE_RANK.get(gone["state"], 0) > _STATE_RANK.get(kept["state"], 0):
            values["state"] = gone["state"]
        if (gone["progress"] or 0) > (kept["progress"] or 0):
            values["progress"] = gone["progress"]
        if gone["read_at"] and (not kept["read_at"] or gone["read_at"] < kept["read_at"]):
            values["read_at"] = gone["read_at"]
        if values:
            from reader.storage.articles import ArticleStore

            ArticleStore(db).update(keep, **values)
        # `other` stays, hidden, so its URL is still known; what copied it now copies `keep`.
        db.execute("update articles set duplicate_of = ? where duplicate_of = ?", [keep, other])
        db.execute("update articles set duplicate_of = ? where id = ?", [keep, other])
        if kept["duplicate_of"] == other:
            db.execute("update articles set duplicate_of = null where id = ?", [keep])


def split(db: Database, article_id: int) -> int | None:
    """The user says this is not a duplicate: clear the mark and never set it again."""
    row = db.execute("select duplicate_of from articles where id = ?", [article_id]).fetchone()
    if row is None:
        raise NotFound(f"no article with id {article_id}")
    db.execute("update articles set duplicate_of = null where id = ?", [article_id])
    near_dups.set_user_distinct(db, article_id)
    return row[0]


def _original(db: Database, article_id: int) -> int:
    """Follow duplicate_of to the article that is not itself a duplicate."""
    seen = set()
    while article_id not in seen:
        seen.add(article_id)
        row = db.execute("select duplicate_of from articles where id = ?", [article_id]).fetchone()
        if row is None or row[0] is None:
            return article_id
        article_id = row[0]
    return article_id


def _row(db: Database, article_id: int) -> dict[str, object]:
    names = ["state", "progress", "read_at", "duplicate_of"]
    row = db.execute(f"select {', '.join(names)} from articles where id = ?", [article_id]).fetchone()
    if row is None:
        raise NotFound(f"no article with id {article_id}")
    return dict(zip(names, row, strict=True))
