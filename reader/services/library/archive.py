"""The lossless archive: everything the user made, as JSONL records, and back.

One record per line, each with a `kind`: a `reader-export` header, then `article` (both
states, progress, every timestamp, tags, notes, highlights with their positions), `feed`,
`digest` (with the user's edits), `theme_name` (names the user gave themes) and `settings`
(never secrets). Importing an archive into an empty library and exporting it again gives the
same records; `reader.fetch.importers.jsonl` reads it back, older exports included.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict

from reader.config import is_secret
from reader.models import Article
from reader.services.context import LibraryContext
from reader.storage.articles import ArticleStore

ARCHIVE_VERSION = 2
# Meta key holding names the user gave themes that this library has not trained (yet).
PENDING_THEME_NAMES = "pending_theme_names"


def article_to_dict(article: Article) -> dict:
    """An article as its export record: every column the user or the fetcher set."""
    data = asdict(article)
    data["notes"] = [
        {"text": n["text"], "created_at": n["created_at"], "updated_at": n["updated_at"]}
        for n in data["notes"]
    ]
    data["highlights"] = [
        {key: h[key] for key in ("text", "note", "start_char", "end_char", "created_at",
                                 "updated_at")}
        for h in data["highlights"]
    ]
    return data


def export_records(ctx: LibraryContext) -> Iterator[dict]:
    """Every record of the archive, header first, articles in id order."""
    yield {"kind": "reader-export", "version": ARCHIVE_VERSION}
    store = ArticleStore(ctx.db)
    ids = [r[0] for r in ctx.db.execute("select id from articles order by id")]
    for start in range(0, len(ids), 200):
        chunk = ids[start:start + 200]
        marks = ",".join("?" * len(chunk))
        kept_apart = {
            row[0] for row in ctx.db.execute(
                f"select article_id from near_dup_signatures where user_distinct = 1 "
                f"and article_id in ({marks})", chunk)
        }
        for article in store.query(f"id in ({marks})", chunk, order="id", full=True):
            record = {"kind": "article", **article_to_dict(article)}
            if article.id in kept_apart:
                record["kept_apart"] = True  # the user split it from a near copy
            yield record
    yield from _table_records(ctx, "feeds", "feed", drop=("id",))
    yield from _table_records(ctx, "digests", "digest", drop=())
    yield from _theme_names(ctx)
    settings = _public_settings(ctx)
    if settings:
        yield {"kind": "settings", "settings": settings}


def _table_records(ctx: LibraryContext, table: str, kind: str, drop: tuple[str, ...]) -> Iterator[dict]:
    if not ctx.db[table].exists():
        return
    cursor = ctx.db.execute(f"select * from [{table}] order by rowid")
    names = [d[0] for d in cursor.description]
    for row in cursor:
        yield {"kind": kind, **{k: v for k, v in zip(names, row, strict=True) if k not in drop}}


def _theme_names(ctx: LibraryContext) -> Iterator[dict]:
    if ctx.db["themes"].exists():
        for theme_id, name, label in ctx.db.execute(
            "select id, name, label from themes where name is not null and name != '' order by id"
        ):
            yield {"kind": "theme_name", "theme_id": theme_id, "name": name, "label": label}
    from reader.storage.db import meta_get

    for record in json.loads(meta_get(ctx.db, PENDING_THEME_NAMES) or "[]"):
        yield {"kind": "theme_name", **record}


def _public_settings(ctx: LibraryContext) -> dict:
    data = {k: v for k, v in asdict(ctx.settings).items() if k != "extra"}
    return {k: v for k, v in data.items() if not is_secret(k)}


def restore_records(ctx: LibraryContext, records: dict[str, list[dict]]) -> dict[str, int]:
    """Put feeds, digests, theme names and settings from an archive back; returns counts.

    Nothing already in the library is overwritten: a feed or digest that is there stays as
    it is, a theme the user already named keeps its name, and a setting is taken only where
    this library still has the default.
    """
    counts: dict[str, int] = {}
    db = ctx.db
    with db.atomic():
        for record in records.get("feed", []):
            counts["feed"] = counts.get("feed", 0) + _insert_new(ctx, "feeds", record, key="url")
        for record in records.get("digest", []):
            counts["digest"] = counts.get("digest", 0) + _insert_new(ctx, "digests", record, key="id")
        names = [r for r in records.get("theme_name", []) if r.get("name")]
        if names:
            counts["theme_name"] = _restore_theme_names(ctx, names)
    settings = [r.get("settings") for r in records.get("settings", [])]
    if settings and isinstance(settings[-1], dict):
        counts["settings"] = _restore_settings(ctx, settings[-1])
    return counts


def _insert_new(ctx: LibraryContext, table: str, record: dict, *, key: str) -> int:
    if not ctx.db[table].exists():
        return 0
    columns = set(ctx.db[table].columns_dict)
    values = {k: v for k, v in record.items() if k in columns}
    if values.get(key) is not None:
        taken = ctx.db.execute(f"select 1 from [{table}] where [{key}] = ?", [values[key]]).fetchone()
        if taken:
            return 0
    try:
        ctx.db[table].insert(values)
    except sqlite3.Error:  # a record that breaks a constraint is left out, the rest restored
        return 0
    return 1


def _restore_theme_names(ctx: LibraryContext, names: list[dict]) -> int:
    from reader.storage.db import meta_get, meta_set

    restored, pending = 0, []
    for record in names:
        row = None
        if ctx.db["themes"].exists() and isinstance(record.get("theme_id"), int):
            row = ctx.db.execute(
                "select name from themes where id = ?", [record["theme_id"]]
            ).fetchone()
        if row is None:
            pending.append({k: record.get(k) for k in ("theme_id", "name", "label")})
        elif not row[0]:
            ctx.db.execute("update themes set name = ? where id = ?", [record["name"], record["theme_id"]])
            restored += 1
    if pending:
        known = json.loads(meta_get(ctx.db, PENDING_THEME_NAMES) or "[]")
        known += [p for p in pending if p not in known]
        meta_set(ctx.db, PENDING_THEME_NAMES, json.dumps(known))
    return restored + len(pending)


def _restore_settings(ctx: LibraryContext, values: dict) -> int:
    from reader.config import Settings, validated

    defaults = asdict(Settings())
    current = asdict(ctx.settings)
    changed = 0
    for name, value in values.items():
        if is_secret(name) or name not in defaults or name == "extra":
            continue
        if current.get(name) == defaults[name] and value != defaults[name]:
            try:
                value = validated(name, value)
            except ValueError:
                continue  # an archive is data from elsewhere: a bad value is not taken
            setattr(ctx.settings, name, value)
            changed += 1
    if changed:
        ctx.save_settings()
    return changed
