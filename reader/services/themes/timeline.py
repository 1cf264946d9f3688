"""Themes over time: activity by week or month of reading, and what rose and faded.

An article counts at the time it was read, else when it was added. A theme's activity in
a period is the sum of its strengths over the period's articles; its share is that divided
by the number of articles of the period, so busy months do not look like rising themes.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from reader.errors import BadInput
from reader.storage.themes import ThemeStore

BARS = "▁▂▃▄▅▆▇█"
MIN_STRENGTH = 0.25  # below this an article barely carries the theme


def period_of(timestamp: str, by: str) -> str:
    """'2026-11' for a month, '2026-W48' for an ISO week."""
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    if by == "month":
        return f"{moment.year:04d}-{moment.month:02d}"
    if by == "week":
        year, week, _ = moment.isocalendar()
        return f"{year:04d}-W{week:02d}"
    raise BadInput(f"unknown period {by!r}: week or month")


def _next_period(period: str, by: str) -> str:
    if by == "month":
        year, month = int(period[:4]), int(period[5:7])
        return f"{year + month // 12:04d}-{month % 12 + 1:02d}"
    monday = date.fromisocalendar(int(period[:4]), int(period[6:]), 1) + timedelta(days=7)
    year, week, _ = monday.isocalendar()
    return f"{year:04d}-W{week:02d}"


def periods_between(first: str, last: str, by: str) -> list[str]:
    out = [first]
    while out[-1] < last and len(out) < 10_000:
        out.append(_next_period(out[-1], by))
    return out


def sparkline(values: list[float]) -> str:
    """One block character per value, scaled to the largest."""
    top = max(values, default=0.0)
    if top <= 0:
        return BARS[0] * len(values)
    return "".join(BARS[min(len(BARS) - 1, int(v / top * (len(BARS) - 1) + 0.5))] for v in values)


def timeline(store: ThemeStore, theme_id: int, by: str = "month") -> dict[str, Any]:
    """A theme's series over every period from the library's first to its last article."""
    times = [t for _, t in store.article_times() if t]
    if not times:
        return {"by": by, "periods": [], "articles": [], "activity": [], "share": [],
                "sparkline": ""}
    totals: dict[str, int] = defaultdict(int)
    for t in times:
        totals[period_of(t, by)] += 1
    counts: dict[str, int] = defaultdict(int)
    activity: dict[str, float] = defaultdict(float)
    for _, _, strength, when in store.activity([theme_id]):
        if when and strength >= MIN_STRENGTH:
            p = period_of(when, by)
            counts[p] += 1
            activity[p] += strength
    periods = periods_between(min(totals), max(totals), by)
    share = [round(activity[p] / totals[p], 4) if totals[p] else 0.0 for p in periods]
    return {"by": by, "periods": periods, "articles": [counts[p] for p in periods],
            "activity": [round(activity[p], 4) for p in periods], "share": share,
            "sparkline": sparkline(share)}


def changes(store: ThemeStore, since: str, until: str | None = None, *, limit: int = 5,
            include_hidden: bool = False) -> dict[str, Any]:
    """Themes that rose and faded in [since, until) against the window of equal length before."""
    end = until or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    start_dt = datetime.fromisoformat(since.replace("Z", "+00:00"))
    end_dt = datetime.fromisoformat(end.replace("Z", "+00:00"))
    if end_dt <= start_dt:
        raise BadInput("the end of the period must come after its start")
    before = (start_dt - (end_dt - start_dt)).strftime("%Y-%m-%dT%H:%M:%SZ")
    windows = {"now": (since, end), "before": (before, since)}
    totals = {w: sum(1 for _, t in store.article_times() if t and a <= t < b)
              for w, (a, b) in windows.items()}
    sums: dict[str, dict[int, float]] = {"now": defaultdict(float), "before": defaultdict(float)}
    for theme_id, _, strength, when in store.activity():
        if not when or strength < MIN_STRENGTH:
            continue
        for w, (a, b) in windows.items():
            if a <= when < b:
                sums[w][theme_id] += strength
    themes = {t.id: t for t in store.themes() if include_hidden or not t.hidden}
    rows = []
    for theme_id, theme in themes.items():
        now = sums["now"][theme_id] / totals["now"] if totals["now"] else 0.0
        was = sums["before"][theme_id] / totals["before"] if totals["before"] else 0.0
        if now or was:
            rows.append({"id": theme_id, "title": theme.title, "level": theme.level,
                         "share_now": round(now, 4), "share_before": round(was, 4),
                         "change": round(now - was, 4), "new": theme.is_new})
    rising = sorted((r for r in rows if r["change"] > 0), key=lambda r: -r["change"])[:limit]
    fading = sorted((r for r in rows if r["change"] < 0), key=lambda r: r["change"])[:limit]
    return {"since": since, "until": end, "previous_since": before,
            "articles_now": totals["now"], "articles_before": totals["before"],
            "rising": rising, "fading": fading}
