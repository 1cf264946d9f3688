"""What to read next: unread articles ranked by the chance you read them in the coming two
weeks, from what they are about (against what you read, lately most, and what you passed
over) and how long they have waited, less a cost for what you have nearly read already; each
with its reason in words.

History is every article you have read or are reading (its read time, else when it last
changed); candidates are the unread, indexed, non-duplicate articles; archived articles you
never read are what you passed over. The arithmetic is in reader.ml.next_rank and
reader.ml.next_timing; this module gathers the library's data, names the themes and offers
the queue order to the UI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from reader.errors import BadInput
from reader.models import utcnow
from reader.services.context import LibraryContext


@dataclass
class NextItem:
    id: int
    title: str
    site: str | None
    added_at: str | None
    score: float
    fit: float  # chance you read it at all, from what it is about (0-1)
    novelty: float  # 1 - similarity to the closest article you read: higher adds more
    continues: list[str]
    new_to_you: list[str]
    nearest_read: dict[str, Any] | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class NextResult:
    items: list[NextItem]
    candidates: int  # unread articles ranked
    history: int  # read articles the ranking learned from
    half_life_days: float
    now: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"now": self.now, "candidates": self.candidates, "history": self.history,
                "half_life_days": self.half_life_days, "notes": list(self.notes),
                "items": [i.to_dict() for i in self.items]}


def _moment(ts: str | None) -> datetime | None:
    """A stored timestamp as an aware datetime (naive means UTC); None when unreadable."""
    if not ts:
        return None
    try:
        moment = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _articles(ctx: LibraryContext) -> list[tuple]:
    """(id, title, site, added_at, read time or None, is unread) of non-duplicate articles."""
    rows = ctx.db.execute(
        "select id, title, site, added_at, state, read_at, updated_at from articles "
        "where duplicate_of is null").fetchall()
    out = []
    for article_id, title, site, added_at, st, read_at, updated_at in rows:
        unread = st == "unread"
        when = None
        if not unread and (st in ("read", "reading") or read_at):
            when = read_at or updated_at or added_at
        out.append((article_id, title or "(untitled)", site, added_at, when, unread))
    return out


def _theme_matrix(ctx: LibraryContext, ids: list[int]
                  ) -> tuple[np.ndarray | None, list[str]]:
    """(articles x shown themes) strengths and the themes' titles; (None, []) without themes."""
    from reader.services.themes.service import ThemeService

    service = ThemeService(ctx)
    if service.store.active_run() is None:
        return None, []
    themes = service.list_themes()
    if not themes:
        return None, []
    column = {t.id: j for j, t in enumerate(themes)}
    row = {a: i for i, a in enumerate(ids)}
    matrix = np.zeros((len(ids), len(themes)), dtype=np.float64)
    for article_id, found in service.article_themes(ids).items():
        if article_id in row:
            for theme_id, _level, strength in found:
                if theme_id in column:
                    matrix[row[article_id], column[theme_id]] = strength
    return matrix, [t.title for t in themes]


def _saved(days: float) -> str:
    if days < 1:
        return "saved today"
    if days < 2:
        return "saved yesterday"
    if days < 60:
        return f"saved {int(days)} days ago"
    return f"saved {int(days // 30)} months ago"


def _reason(continues: list[str], new: list[str], nearest: str | None,
            waited: float | None = None) -> str:
    parts = []
    if continues:
        parts.append("continues: " + ", ".join(continues))
    if new:
        parts.append("new to you: " + ", ".join(new))
    if not parts and nearest:
        parts.append(f"close to what you read: {nearest}")
    if not parts:
        parts.append("nothing read yet to compare with")
    if waited is not None and waited < 3650:
        parts.append(_saved(waited))
    return "; ".join(parts)


def rank_next(ctx: LibraryContext, *, limit: int | None = 20, now: str | None = None,
              half_life_days: float | None = None, use_themes: bool = True,
              options: dict[str, float] | None = None) -> NextResult:
    """Unread articles best first (all of them with limit None).

    `now` ranks as of another time (reads after it are ignored); `use_themes` False ranks by
    vectors alone; `options` passes weights to reader.ml.next_rank.score_next (benches)."""
    from reader.errors import IndexNotReady
    from reader.ml.next_rank import (
        HALF_LIFE_DAYS,
        continued_themes,
        new_themes,
        score_next,
    )
    from reader.services.themes.map import article_points

    half_life = HALF_LIFE_DAYS if half_life_days is None else float(half_life_days)
    if half_life <= 0:
        raise BadInput("the half-life is a positive number of days")
    if limit is not None and limit < 1:
        raise BadInput("the limit is at least 1")
    now = now or utcnow()
    now_moment = _moment(now)
    if now_moment is None:
        raise BadInput(f"not a time: {now!r}")
    articles = _articles(ctx)
    unread_all = [a for a in articles if a[5]]
    try:
        _model, ids, vectors = article_points(ctx)
    except IndexNotReady:
        ids, vectors = np.zeros(0, dtype=np.int64), np.zeros((0, 1), dtype=np.float32)
    position = {int(a): i for i, a in enumerate(ids)}
    cands = [a for a in unread_all if a[0] in position]
    ages = {a[0]: (now_moment - m).total_seconds() / 86400
            for a in articles if (m := _moment(a[4])) is not None}
    reads = [a for a in articles if a[0] in ages and a[0] in position and ages[a[0]] >= 0]
    # Set aside without being read (archived, or read only after `now`): what you passed over.
    read_ids = {a[0] for a in reads}
    passed = [a for a in articles if not a[5] and a[0] not in read_ids and a[0] in position
              and _age(now_moment, a[3]) >= 0]
    notes = []
    if len(unread_all) > len(cands):
        notes.append(f"{len(unread_all) - len(cands)} unread articles are not indexed yet and "
                     "are left out (run `reader index`)")
    if not reads:
        notes.append("nothing read yet: newest saved first")
    all_ids = [a[0] for a in cands] + [a[0] for a in reads] + [a[0] for a in passed]
    themes, titles = _theme_matrix(ctx, all_ids) if cands and use_themes else (None, [])
    if themes is None and reads and cands and use_themes:
        notes.append("no themes yet: ranked by closeness to your recent reading only")
    cand_rows = [position[a[0]] for a in cands]
    read_rows = [position[a[0]] for a in reads]
    passed_rows = [position[a[0]] for a in passed]
    n_c, n_r = len(cands), len(reads)
    scores = score_next(
        vectors[cand_rows].astype(np.float64), vectors[read_rows].astype(np.float64),
        np.array([ages[a[0]] for a in reads]),
        None if themes is None else themes[:n_c],
        None if themes is None else themes[n_c:n_c + n_r], half_life=half_life,
        saved_ages_days=np.array([_age(now_moment, a[3]) for a in cands]),
        read_delays_days=np.array([_age(now_moment, a[3]) - ages[a[0]] for a in reads]),
        passed_vecs=vectors[passed_rows].astype(np.float64),
        passed_themes=None if themes is None else themes[n_c + n_r:],
        passed_ages_days=np.array([_age(now_moment, a[3]) for a in passed]),
        **(options or {}))
    timed = bool(reads) and (options or {}).get("timing", True)
    order = sorted(range(len(cands)), key=lambda i: (-scores.score[i], _neg_time(cands[i][3]),
                                                     cands[i][0]))
    if not reads:  # nothing to compare with: the plain queue order
        order = sorted(range(len(cands)), key=lambda i: (_neg_time(cands[i][3]), -cands[i][0]))
    items = []
    for i in order[:limit] if limit else order:
        article_id, title, site, added_at, _, _ = cands[i]
        cont: list[str] = []
        new: list[str] = []
        if themes is not None:
            strengths = themes[i]
            cont = _distinct(titles[j] for j in continued_themes(strengths, scores.interest))
            new = [t for t in _distinct(titles[j] for j in new_themes(strengths,
                                                                       scores.read_cover))
                   if t not in cont]
        nearest = None
        if scores.nearest_read[i] >= 0:
            read = reads[int(scores.nearest_read[i])]
            nearest = {"id": read[0], "title": read[1],
                       "similarity": round(float(1 - scores.novelty[i]), 4)}
        items.append(NextItem(article_id, title, site, added_at, round(float(scores.score[i]), 4),
                              round(float(scores.fit[i]), 4), round(float(scores.novelty[i]), 4),
                              cont, new, nearest,
                              _reason(cont, new, nearest["title"] if nearest else None,
                                      _age(now_moment, added_at) if timed else None)))
    return NextResult(items, len(cands), len(reads), half_life, now, notes)


def _age(now: datetime, ts: str | None) -> float:
    """Days from `ts` to `now`; an unknown time counts as long ago."""
    moment = _moment(ts)
    return 3650.0 if moment is None else (now - moment).total_seconds() / 86400


def _distinct(values) -> list[str]:
    out: list[str] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def _neg_time(ts: str | None) -> float:
    """Sort key putting later timestamps first (missing ones last)."""
    moment = _moment(ts)
    return float("inf") if moment is None else -moment.timestamp()


def next_order(ctx: LibraryContext, article_ids: list[int] | None = None) -> list[int]:
    """The queue sort for the UI: unread article ids in `next` order (restricted to
    `article_ids` when given); ids the ranking does not cover keep their order, at the end."""
    ranked = [item.id for item in rank_next(ctx, limit=None).items]
    if article_ids is None:
        return ranked
    wanted = set(article_ids)
    first = [a for a in ranked if a in wanted]
    seen = set(first)
    return first + [a for a in article_ids if a not in seen]
