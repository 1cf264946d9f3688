"""Articles and what hangs off them (tags, notes, highlights) in SQLite."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from reader.errors import NotFound
from reader.models import Article, Highlight, Note, utcnow
from reader.storage.html_blob import compress_html, decompress_html

__all__ = ["ArticleStore", "compress_html", "decompress_html"]

if TYPE_CHECKING:
    import sqlite3

    from sqlite_utils import Database

ARTICLE_COLUMNS = {f.name for f in fields(Article)} - {"tags", "notes", "highlights"}
# Columns a listing needs; the text, Markdown and HTML stay on disk until asked for.
LIST_COLUMNS = sorted(ARTICLE_COLUMNS - {"text", "markdown"})

# The shown themes of some articles, strongest first. CROSS JOIN keeps article_themes the outer
# loop (found by article id, then each theme by its id): left to choose, SQLite started from
# the themes (by the retired_at index) and probed every (article, theme) pair, 41,000 probes
# for a page of 80 at 516 themes, 30-50 ms at 100,000 articles against 1-2 ms.
TOP_THEMES_SQL = (
    "select a.article_id, t.id, coalesce(t.name, t.llm_label, t.label) "
    "from article_themes a cross join themes t on t.id = a.theme_id "
    "where a.article_id in ({marks}) and t.hidden = 0 and t.retired_at is null "
    "order by a.article_id, a.strength desc"
)


def _article(row: dict[str, Any]) -> Article:
    data = {k: row[k] for k in ARTICLE_COLUMNS if k in row}
    data["redirects"] = json.loads(row["redirects"]) if row.get("redirects") else []
    data["progress"] = data.get("progress") or 0.0
    data["word_count"] = data.get("word_count") or 0
    data["attempts"] = data.get("attempts") or 0
    return Article(**data)


def _annotation_table(kind: str) -> str:
    if kind not in ("notes", "highlights"):
        raise ValueError(f"not an annotation table: {kind!r}")
    return kind


class ArticleStore:
    """Reads and writes articles through one connection.

    The reading methods use only `execute`, so they also work over a plain sqlite3 connection
    (`LibraryContext.reads`); writes need the sqlite-utils `Database`.
    """

    def __init__(self, db: Database | sqlite3.Connection) -> None:
        self.db = db

    # -- reading -------------------------------------------------------------------
    def get(self, article_id: int, *, full: bool = True) -> Article:
        cols = "*" if full else ", ".join(LIST_COLUMNS)
        row = self.db.execute(f"select {cols} from articles where id = ?", [article_id]).fetchone()
        if row is None:
            raise NotFound(f"no article with id {article_id}")
        names = [d[0] for d in self.db.execute(f"select {cols} from articles limit 0").description]
        article = _article(dict(zip(names, row, strict=True)))
        self._attach([article])
        return article

    def id_for_canonical(self, canonical_url: str) -> int | None:
        row = self.db.execute(
            "select id from articles where canonical_url = ?", [canonical_url]
        ).fetchone()
        return row[0] if row else None

    def query(
        self,
        where: str = "1",
        params: Sequence[Any] = (),
        *,
        order: str = "added_at desc, id desc",
        limit: int | None = None,
        offset: int = 0,
        full: bool = False,
    ) -> list[Article]:
        cols = "*" if full else ", ".join(LIST_COLUMNS)
        sql = f"select {cols} from articles where {where} order by {order}"
        if limit:
            sql += f" limit {int(limit)} offset {int(offset)}"
        cursor = self.db.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        articles = [_article(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]
        self._attach(articles)
        return articles

    def listing(
        self,
        *,
        state: str | None = None,
        fetch_state: str | None = None,
        tag: str | None = None,
        limit: int | None = None,
        after: Article | None = None,
    ) -> list[Article]:
        """Newest first; `after` continues a listing past that article (pages, not offsets)."""
        clauses, params = [], []
        if after is not None:
            clauses.append("(added_at < ? or (added_at = ? and id < ?))")
            params.extend([after.added_at, after.added_at, after.id])
        if state:
            clauses.append("state = ?")
            params.append(state)
        if fetch_state:
            clauses.append("fetch_state = ?")
            params.append(fetch_state)
        if tag:
            clauses.append("id in (select article_id from article_tags where tag = ?)")
            params.append(tag)
        return self.query(" and ".join(clauses) or "1", params, limit=limit)

    def count(self, where: str = "1", params: Sequence[Any] = ()) -> int:
        return self.db.execute(f"select count(*) from articles where {where}", list(params)).fetchone()[0]

    def top_themes(self, article_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
        """article id -> (theme id, title) of its strongest shown theme, for those that have one."""
        if not article_ids or not self.db.execute(
                "select 1 from sqlite_master where type = 'table' and name = 'article_themes'"
        ).fetchone():
            return {}
        marks = ",".join("?" * len(article_ids))
        rows = self.db.execute(TOP_THEMES_SQL.format(marks=marks), list(article_ids)).fetchall()
        found: dict[int, tuple[int, str]] = {}
        for article_id, theme_id, title in rows:
            found.setdefault(article_id, (theme_id, title))
        return found

    def html(self, article_id: int) -> str | None:
        row = self.db.execute("select html from articles where id = ?", [article_id]).fetchone()
        return decompress_html(row[0]) if row else None

    def counts(self) -> dict[str, dict[str, int]]:
        """How many articles are in each reading state and in each fetch state."""
        return {
            column: dict(
                self.db.execute(f"select {column}, count(*) from articles group by {column}").fetchall()
            )
            for column in ("state", "fetch_state")
        }

    def _attach(self, articles: list[Article]) -> None:
        if not articles:
            return
        by_id = {a.id: a for a in articles}
        marks = ",".join("?" * len(by_id))
        ids = list(by_id)
        for article_id, tag in self.db.execute(
            f"select article_id, tag from article_tags where article_id in ({marks}) order by tag", ids
        ):
            by_id[article_id].tags.append(tag)
        for nid, article_id, text, created, updated in self.db.execute(
            f"select id, article_id, text, created_at, updated_at from notes "
            f"where article_id in ({marks}) order by id",
            ids,
        ):
            by_id[article_id].notes.append(
                Note(text=text, created_at=created, id=nid, updated_at=updated)
            )
        for hid, article_id, text, note, created, start, end, updated in self.db.execute(
            f"select id, article_id, text, note, created_at, start_char, end_char, updated_at "
            f"from highlights where article_id in ({marks}) order by coalesce(start_char, 1e18), id",
            ids,
        ):
            by_id[article_id].highlights.append(
                Highlight(text=text, note=note or "", created_at=created, id=hid,
                          start_char=start, end_char=end, updated_at=updated)
            )

    # -- writing -------------------------------------------------------------------
    def insert(self, **values: Any) -> int:
        values.setdefault("added_at", utcnow())
        values.setdefault("state", "unread")
        values.setdefault("fetch_state", "queued")
        values.setdefault("updated_at", utcnow())
        if isinstance(values.get("redirects"), list):
            values["redirects"] = json.dumps(values["redirects"])
        unknown = set(values) - ARTICLE_COLUMNS - {"html"}
        if unknown:
            raise ValueError(f"unknown article columns: {sorted(unknown)}")
        # Plain SQL: sqlite-utils' insert inspects the table on every call (a third of an
        # import's time at 10k rows).
        # A list or mapping (an export's odd column) is stored as JSON text, as sqlite-utils did.
        params = [json.dumps(v) if isinstance(v, dict | list | tuple) else v for v in values.values()]
        names = ", ".join(f"[{k}]" for k in values)
        cursor = self.db.execute(
            f"insert into articles ({names}) values ({', '.join('?' * len(values))})", params
        )
        return cursor.lastrowid

    def update(self, article_id: int, **values: Any) -> None:
        if not values:
            return
        if isinstance(values.get("redirects"), list):
            values["redirects"] = json.dumps(values["redirects"])
        values.setdefault("updated_at", utcnow())
        unknown = set(values) - ARTICLE_COLUMNS - {"html"}
        if unknown:
            raise ValueError(f"unknown article columns: {sorted(unknown)}")
        assignments = ", ".join(f"[{k}] = ?" for k in values)
        cursor = self.db.execute(
            f"update articles set {assignments} where id = ?", [*values.values(), article_id]
        )
        if cursor.rowcount == 0:
            raise NotFound(f"no article with id {article_id}")

    def add_tags(self, article_id: int, tags: Iterable[str]) -> list[str]:
        """Add tags; returns the ones that were new."""
        added = []
        for tag in tags:
            tag = tag.strip()
            if not tag:
                continue
            cursor = self.db.execute(
                "insert or ignore into article_tags(article_id, tag) values (?, ?)", [article_id, tag]
            )
            if cursor.rowcount:
                added.append(tag)
        return added

    def remove_tags(self, article_id: int, tags: Iterable[str]) -> None:
        for tag in tags:
            self.db.execute(
                "delete from article_tags where article_id = ? and tag = ?", [article_id, tag]
            )

    def add_note(
        self, article_id: int, text: str, created_at: str | None = None,
        updated_at: str | None = None,
    ) -> int:
        return self.db.execute(
            "insert into notes(article_id, text, created_at, updated_at) values (?, ?, ?, ?)",
            [article_id, text, created_at or utcnow(), updated_at],
        ).lastrowid

    def add_highlight(
        self,
        article_id: int,
        text: str,
        note: str = "",
        created_at: str | None = None,
        *,
        start_char: int | None = None,
        end_char: int | None = None,
        updated_at: str | None = None,
    ) -> int:
        return self.db["highlights"].insert(
            {
                "article_id": article_id,
                "text": text,
                "note": note,
                "created_at": created_at or utcnow(),
                "start_char": start_char,
                "end_char": end_char,
                "updated_at": updated_at,
            }
        ).last_pk

    # -- one note or highlight, by its own id ----------------------------------------------
    def annotation(self, kind: str, annotation_id: int) -> dict[str, Any]:
        """The row of one note or highlight (`kind` is "notes" or "highlights")."""
        table = _annotation_table(kind)
        rows = list(self.db[table].rows_where("id = ?", [annotation_id]))
        if not rows:
            raise NotFound(f"no {table[:-1]} with id {annotation_id}")
        return rows[0]

    def update_annotation(self, kind: str, annotation_id: int, **values: Any) -> None:
        table = _annotation_table(kind)
        self.annotation(kind, annotation_id)
        values["updated_at"] = utcnow()
        self.db[table].update(annotation_id, values)

    def delete_annotation(self, kind: str, annotation_id: int) -> None:
        table = _annotation_table(kind)
        self.annotation(kind, annotation_id)
        self.db.execute(f"delete from {table} where id = ?", [annotation_id])

    def delete(self, article_id: int) -> None:
        """Delete an article and everything that hangs off it."""
        self.get(article_id, full=False)
        self.db.execute("update articles set duplicate_of = null where duplicate_of = ?", [article_id])
        for table in ("article_tags", "notes", "highlights"):
            self.db.execute(f"delete from {table} where article_id = ?", [article_id])
        self.db.execute("delete from articles where id = ?", [article_id])

    def duplicate_of(self, content_hash: str, article_id: int) -> int | None:
        """The oldest other article with the same content, if any."""
        row = self.db.execute(
            "select id from articles where content_hash = ? and id != ? and duplicate_of is null "
            "order by id limit 1",
            [content_hash, article_id],
        ).fetchone()
        return row[0] if row else None
