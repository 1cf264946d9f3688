"""Themes over time: articles per week or month of reading, and what rose and faded.

An article counts at the time it was read, else when it was added, and it counts for a
theme when it is *in* the theme (reader.ml.theme_members: the one rule behind every count).
A theme's share of a period is its articles there divided by all the period's articles, so
a busy month does not look like a rising theme; bars follow the article counts. The first
and last periods are marked partial when the library's first or last article falls inside
them (the period was not read through from its start, or is not over yet).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from reader.errors import BadInput
from reader.storage.themes import ThemeStore

BARS = "▁▂▃▄▅▆▇█"


def _moment(timestamp: str) -> datetime:
    moment = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def period_of(timestamp: str, by: str) -> str:
    """'2026-11' for a month, '2026-W48' for an ISO week."""
    moment = _moment(timestamp)
    if by == "month":
        return f"{moment.year:04d}-{moment.month:02d}"
    if by == "week":
        year, week, _ = moment.isocalendar()
        return f"{year:04d}-W{week:02d}"
    raise BadInput(f"unknown period {by!r}: week or month")


def period_start(period: str, by: str) -> date:
    if by == "month":
        return date(int(period[:4]), int(period[5:7]), 1)
    return date.fromisocalendar(int(period[:4]), int(period[6:]), 1)


def _next_period(period: str, by: str) -> str:
    if by == "month":
        year, month = int(period[:4]), int(period[5:7])
        return f"{year + month // 12:04d}-{month % 12 + 1:02d}"
    monday = period_start(period, by) + timedelta(days=7)
    year, week, _ = monday.isocalendar()
    return f"{year:04d}-W{week:02d}"


def periods_between(first: str, last: str, by: str) -> list[str]:
    out = [first]
    while out[-1] < last and len(out) < 10_000:
        out.append(_next_period(out[-1], by))
    return out


def sparkline(values: list[float]) -> str:
    """One block character per value, scaled to the largest (so bars follow the values)."""
    top = max(values, default=0.0)
    if top <= 0:
        return BARS[0] * len(values)
    return "".join(" " if v <= 0 else BARS[min(len(BARS) - 1, max(0, round(v / top * len(BARS))
                                                                    - 1))] for v in values)


def partial_periods(periods: list[str], first: str, last: str, by: str,
                    now: datetime | None = None) -> list[bool]:
    """Whether each period was only partly covered by the library's span [first, last]."""
    if not periods:
        return []
    out = [False] * len(periods)
    start = _moment(first).date()
    if start > period_start(periods[0], by):
        out[0] = True
    end_of_last = period_start(_next_period(periods[-1], by), by)
    today = (now or datetime.now(UTC)).date()
    if today < end_of_last:
        out[-1] = True  # still running
    return out


def timeline(store: ThemeStore, theme_id: int, by: str = "month") -> dict[str, Any]:
    """A theme's articles over every period from the library's first to its last article."""
    times = sorted(t for _, t in store.article_times() if t)
    if not times:
        return {"by": by, "periods": [], "articles": [], "totals": [], "share": [],
                "partial": [], "sparkline": ""}
    totals: dict[str, int] = defaultdict(int)
    for t in times:
        totals[period_of(t, by)] += 1
    counts: dict[str, int] = defaultdict(int)
    for _, _, _, when in store.activity([theme_id]):
        if when:
            counts[period_of(when, by)] += 1
    periods = periods_between(min(totals), max(totals), by)
    articles = [counts[p] for p in periods]
    share = [round(counts[p] / totals[p], 4) if totals[p] else 0.0 for p in periods]
    return {"by": by, "periods": periods, "articles": articles,
            "totals": [totals[p] for p in periods], "share": share,
            "partial": partial_periods(periods, times[0], times[-1], by),
            "sparkline": sparkline([float(c) for c in articles])}


def all_timelines(store: ThemeStore, by: str = "month") -> dict[str, Any]:
    """Every theme's member articles per period, from one query: {"periods", "totals",
    "partial", "articles": {theme id: counts}} (for a list of thousands of themes)."""
    times = sorted(t for _, t in store.article_times() if t)
    if not times:
        return {"by": by, "periods": [], "totals": [], "partial": [], "articles": {}}
    totals: dict[str, int] = defaultdict(int)
    for t in times:
        totals[period_of(t, by)] += 1
    periods = periods_between(min(totals), max(totals), by)
    where = {p: i for i, p in enumerate(periods)}
    articles: dict[int, list[int]] = {}
    for theme_id, _, _, when in store.activity():
        if when:
            row = articles.setdefault(theme_id, [0] * len(periods))
            row[where[period_of(when, by)]] += 1
    return {"by": by, "periods": periods, "totals": [totals[p] for p in periods],
            "partial": partial_periods(periods, times[0], times[-1], by), "articles": articles}


def changes(store: ThemeStore, since: str, until: str | None = None, *, limit: int = 5,
            include_hidden: bool = False) -> dict[str, Any]:
    """Themes that rose and faded in [since, until) against the window of equal length before.

    A theme's share of a window is the share of the window's articles that are in it.
    "new" marks a theme first found by a training inside the window, after the first
    training (on a first training every theme is simply there, not new).
    """
    end = until or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    start_dt, end_dt = _moment(since), _moment(end)
    if end_dt <= start_dt:
        raise BadInput("the end of the period must come after its start")
    before = (start_dt - (end_dt - start_dt)).strftime("%Y-%m-%dT%H:%M:%SZ")
    windows = {"now": (since, end), "before": (before, since)}
    times = store.article_times()
    totals = {w: sum(1 for _, t in times if t and a <= t < b) for w, (a, b) in windows.items()}
    counts: dict[str, dict[int, int]] = {"now": defaultdict(int), "before": defaultdict(int)}
    for theme_id, _, _, when in store.activity():
        if not when:
            continue
        for w, (a, b) in windows.items():
            if a <= when < b:
                counts[w][theme_id] += 1
    runs = store.runs()
    first_run = runs[0].id if runs else None
    run_time = {r.id: r.created_at for r in runs}
    themes = {t.id: t for t in store.themes() if include_hidden or not t.hidden}
    rows = []
    for theme_id, theme in themes.items():
        n_now, n_was = counts["now"][theme_id], counts["before"][theme_id]
        now = n_now / totals["now"] if totals["now"] else 0.0
        was = n_was / totals["before"] if totals["before"] else 0.0
        created = run_time.get(theme.created_run_id, "")
        new = (theme.created_run_id != first_run and created >= since and created < end)
        if now or was:
            rows.append({"id": theme_id, "title": theme.title, "level": theme.level,
                         "articles_now": n_now, "articles_before": n_was,
                         "share_now": round(now, 4), "share_before": round(was, 4),
                         "change": round(now - was, 4), "new": new})
    rising = sorted((r for r in rows if r["change"] > 0), key=lambda r: -r["change"])[:limit]
    fading = sorted((r for r in rows if r["change"] < 0), key=lambda r: r["change"])[:limit]
    return {"since": since, "until": end, "previous_since": before,
            "articles_now": totals["now"], "articles_before": totals["before"],
            "rising": rising, "fading": fading}
