"""Saved digests in SQLite: keep, list, open, edit, delete, and find overlapping windows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from reader.errors import NotFound
from reader.models import utcnow


@dataclass
class DigestRecord:
    id: int
    created_at: str
    window_start: str
    window_end: str
    subject: str
    article_ids: list[int]
    unread_ids: list[int]
    text: str
    data: dict[str, Any]
    edited_at: str | None = None
    pushed_at: str | None = None
    remote_id: str | None = None

    def summary(self) -> dict[str, Any]:
        """What `digest list` shows."""
        return {
            "id": self.id,
            "created_at": self.created_at,
            "since": self.window_start,
            "until": self.window_end,
            "subject": self.subject,
            "read": len(self.article_ids),
            "unread": len(self.unread_ids),
            "edited_at": self.edited_at,
            "pushed_at": self.pushed_at,
        }


_COLUMNS = (
    "id, created_at, window_start, window_end, subject, article_ids, unread_ids, text, data, "
    "edited_at, pushed_at, remote_id"
)


class DigestRecords:
    """The `digests` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def last_end(self) -> str | None:
        row = self.db.execute("select max(window_end) from digests").fetchone()
        return row[0] if row else None

    def insert(
        self,
        since: str,
        until: str,
        subject: str,
        read_ids: list[int],
        unread_ids: list[int],
        text: str,
        data: dict[str, Any],
    ) -> int:
        with self.db.conn:
            cursor = self.db.conn.execute(
                "insert into digests (created_at, window_start, window_end, subject, article_ids, "
                "unread_ids, format, text, data) values (?, ?, ?, ?, ?, ?, 'markdown', ?, ?)",
                [
                    utcnow(),
                    since,
                    until,
                    subject,
                    json.dumps(read_ids),
                    json.dumps(unread_ids),
                    text,
                    json.dumps(data, ensure_ascii=False),
                ],
            )
        return int(cursor.lastrowid)

    def list(self) -> list[DigestRecord]:
        """Every saved digest, newest first."""
        rows = self.db.execute(f"select {_COLUMNS} from digests order by id desc").fetchall()
        return [_record(r) for r in rows]

    def get(self, digest_id: int) -> DigestRecord:
        row = self.db.execute(f"select {_COLUMNS} from digests where id = ?", [digest_id]).fetchone()
        if row is None:
            raise NotFound(f"no digest with id {digest_id}")
        return _record(row)

    def overlapping(self, since: str, until: str) -> list[DigestRecord]:
        """Saved digests whose window shares time with [since, until), oldest first."""
        rows = self.db.execute(
            f"select {_COLUMNS} from digests where window_start < ? and window_end > ? "
            "order by window_end, id",
            [until, since],
        ).fetchall()
        return [_record(r) for r in rows]

    def update_text(self, digest_id: int, text: str) -> DigestRecord:
        self.get(digest_id)
        with self.db.conn:
            self.db.conn.execute(
                "update digests set text = ?, edited_at = ? where id = ?",
                [text, utcnow(), digest_id],
            )
        return self.get(digest_id)

    def mark_pushed(self, digest_id: int, remote_id: str) -> DigestRecord:
        with self.db.conn:
            self.db.conn.execute(
                "update digests set pushed_at = ?, remote_id = ? where id = ?",
                [utcnow(), remote_id, digest_id],
            )
        return self.get(digest_id)

    def delete(self, digest_id: int) -> DigestRecord:
        """Remove a saved digest; returns what was removed."""
        record = self.get(digest_id)
        with self.db.conn:
            self.db.conn.execute("delete from digests where id = ?", [digest_id])
        return record


def _record(row: Sequence[Any]) -> DigestRecord:
    values = list(row)
    values[5] = json.loads(values[5] or "[]")
    values[6] = json.loads(values[6] or "[]")
    values[8] = json.loads(values[8] or "{}")
    return DigestRecord(*values)
