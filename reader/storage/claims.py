"""Fetch claims: which process is fetching which article, so two fetches never fetch one page twice.

A claim is taken with one UPDATE ... RETURNING statement, which takes SQLite's write lock at
once: two processes claiming at the same moment get disjoint sets. A claim whose process
has died (same machine, pid gone) or that is older than `STALE_AFTER` is free again, so a
killed fetch never holds its articles hostage.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from reader.models import to_iso, utcnow

STALE_AFTER = timedelta(hours=1)


def new_owner() -> str:
    """A claim owner for this process: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _alive(owner: str) -> bool:
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True  # another machine's claim: only its age can free it
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def free_dead_claims(db: Database) -> int:
    """Release claims held by processes that no longer run, or held for too long."""
    stale = to_iso(datetime.now(UTC) - STALE_AFTER)
    owners = [
        row[0]
        for row in db.execute(
            "select distinct claimed_by from articles where claimed_by is not null"
        ).fetchall()
    ]
    freed = 0
    for owner in owners:
        if not _alive(owner):
            freed += db.execute(
                "update articles set claimed_by = null, claimed_at = null where claimed_by = ?",
                [owner],
            ).rowcount
    freed += db.execute(
        "update articles set claimed_by = null, claimed_at = null "
        "where claimed_by is not null and claimed_at < ?",
        [stale],
    ).rowcount
    return freed


def claim(db: Database, owner: str, where: str, params: list) -> list[tuple[int, str, str | None]]:
    """Claim every unclaimed article matching `where`; returns (id, url, source), oldest first."""
    rows = db.execute(
        f"""
        update articles set claimed_by = ?, claimed_at = ?
        where id in (select id from articles where ({where})
                     and (claimed_by is null or claimed_by = ?))
        returning id, url, source, added_at
        """,
        [owner, utcnow(), *params, owner],
    ).fetchall()
    rows.sort(key=lambda r: (r[3] or "", r[0]))
    return [(r[0], r[1], r[2]) for r in rows]


def release(db: Database, owner: str, article_id: int | None = None) -> None:
    """Give back one claimed article, or all of this owner's."""
    if article_id is None:
        db.execute(
            "update articles set claimed_by = null, claimed_at = null where claimed_by = ?", [owner]
        )
    else:
        db.execute(
            "update articles set claimed_by = null, claimed_at = null "
            "where id = ? and claimed_by = ?",
            [article_id, owner],
        )
