"""Append-only schema migrations. Never edit one that has shipped; add the next.

Each function runs in its own transaction and is recorded in _sqlite_migrations.
`sqlite-utils migrate reader.db migrations/ --list` lists them.
"""

from sqlite_utils import Database, Migrations

migrations = Migrations("reader")


@migrations()
def m001_create_library(db: Database) -> None:
    db["articles"].create(
        {
            "id": int,
            "url": str,  # as the user gave it
            "canonical_url": str,  # the identity of an article: same canonical URL, same article
            "final_url": str,  # after redirects
            "redirects": str,  # JSON list of the URLs passed through
            "title": str,
            "author": str,
            "site": str,
            "published": str,
            "language": str,
            "added_at": str,
            "fetched_at": str,
            "read_at": str,
            "status": str,
            "target_status": str,  # the reading state to take once a queued article is fetched
            "progress": float,
            "word_count": int,
            "text": str,
            "markdown": str,
            "html": bytes,  # zlib-compressed raw HTML as fetched
            "content_hash": str,
            "extraction": str,  # full | fallback | provided | none
            "extraction_note": str,  # why an extraction looks thin (fallback)
            "duplicate_of": int,
            "error": str,
            "attempts": int,
            "source": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"url", "canonical_url", "status", "added_at"},
        defaults={"status": "queued", "progress": 0.0, "word_count": 0, "attempts": 0},
        foreign_keys=[("duplicate_of", "articles", "id")],
    )
    db["articles"].create_index(["canonical_url"], unique=True)
    db["articles"].create_index(["status"])
    db["articles"].create_index(["content_hash"])
    db["articles"].create_index(["added_at"])
    db["articles"].create_index(["read_at"])

    db["article_tags"].create(
        {"article_id": int, "tag": str},
        pk=("article_id", "tag"),
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["article_tags"].create_index(["tag"])

    db["notes"].create(
        {"id": int, "article_id": int, "text": str, "created_at": str},
        pk="id",
        not_null={"article_id", "text"},
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["notes"].create_index(["article_id"])

    db["highlights"].create(
        {"id": int, "article_id": int, "text": str, "note": str, "created_at": str},
        pk="id",
        not_null={"article_id", "text"},
        foreign_keys=[("article_id", "articles", "id")],
    )
    db["highlights"].create_index(["article_id"])

    db["feeds"].create(
        {
            "id": int,
            "url": str,
            "title": str,
            "site_url": str,
            "added_at": str,
            "last_fetched_at": str,
            "error": str,
        },
        pk="id",
        not_null={"url"},
    )
    db["feeds"].create_index(["url"], unique=True)

    db["meta"].create({"key": str, "value": str}, pk="key")
