"""Find your way among many themes: filter by name, sort by size, recent activity or novelty.

One pass over the activations, so it stays quick with thousands of fine themes. "Recent" is the
window of `days` ending at the library's latest reading (not the clock), so a library you have
not opened for a while still sorts by what you read last. An article counts for a theme when the
theme store reports it in the theme's activity with strength >= CARRIES (the same floor the
timelines use).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reader.errors import BadInput
from reader.services.context import LibraryContext

SORTS = ("size", "recent", "novel", "name")
NOVEL_MIN = 3  # a theme with fewer recent articles than this is not called new, only rare
CARRIES = 0.25  # strength from which an article counts for a theme


@dataclass
class ThemeRow:
    id: int
    title: str
    level: str
    parent_id: int | None
    articles: int  # articles that carry it (strength >= CARRIES)
    recent: int  # of those, read (else added) in the recent window
    recent_share: float  # recent / articles: 1.0 means everything it covers is recent
    first_seen: str | None  # when the earliest of its articles was read (else added)
    last_seen: str | None
    keywords: list[str]
    hidden: bool

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def browse_themes(ctx: LibraryContext, *, sort: str = "size", text: str = "",
                  level: str | None = None, include_hidden: bool = False, days: int = 30,
                  limit: int | None = None) -> dict[str, Any]:
    """Themes matching `text` (in the title, label or keywords), sorted; with the window used.

    size: most articles first; recent: most articles in the last `days`; novel: the largest
    share of its articles arriving in the last `days` (at least NOVEL_MIN of them), i.e. what
    is new in your reading; name: alphabetical.
    """
    from reader.services.themes.service import ThemeService
    if sort not in SORTS:
        raise BadInput(f"unknown sort {sort!r}: {', '.join(SORTS)}")
    if days < 1:
        raise BadInput("the recent window is at least 1 day")
    service = ThemeService(ctx)
    themes = service.list_themes(level, include_hidden=include_hidden)
    wanted = text.strip().lower()
    if wanted:
        themes = [t for t in themes if wanted in t.title.lower() or wanted in t.label.lower()
                  or any(wanted in k.lower() for k in t.keywords)]
    times = [t for _, t in service.store.article_times() if t]
    end = max(times) if times else None
    start = (_parse(end) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ") if end else None
    keep = {t.id for t in themes}
    counts: dict[int, list[Any]] = {t: [0, 0, None, None] for t in keep}
    for theme_id, _article, strength, when in service.store.activity():
        row = counts.get(theme_id)
        if row is None or strength < CARRIES:
            continue
        row[0] += 1
        if when:
            if start and when > start:
                row[1] += 1
            row[2] = when if row[2] is None or when < row[2] else row[2]
            row[3] = when if row[3] is None or when > row[3] else row[3]
    rows = []
    for t in themes:
        n, recent, first, last = counts[t.id]
        rows.append(ThemeRow(t.id, t.title, t.level, t.parent_id, n, recent,
                             round(recent / n, 4) if n else 0.0, first, last, t.keywords[:6],
                             t.hidden))
    keys = {
        "size": lambda r: (-r.articles, r.id),
        "recent": lambda r: (-r.recent, -r.recent_share, r.id),
        "novel": lambda r: (r.recent < NOVEL_MIN, -r.recent_share, -r.recent, r.id),
        "name": lambda r: (r.title.lower(), r.id),
    }
    rows.sort(key=keys[sort])
    total = len(rows)
    return {"sort": sort, "filter": text, "window_days": days, "window_start": start,
            "window_end": end, "total": total,
            "themes": [r.to_dict() for r in (rows[:limit] if limit else rows)]}
