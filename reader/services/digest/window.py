"""The digest's time window: parse "7d", "2026-11-01", "last"; name the period in words.

Dates a user types are in their local time zone; the window is stored in UTC like every
other timestamp. A window is [since, until): since included, until excluded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from reader.errors import BadInput, NotEnoughData
from reader.models import to_iso

DEFAULT_DAYS = 7
_RELATIVE = re.compile(r"^(\d+)\s*([hdw])$", re.I)
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
FORMATS_HELP = (
    "7d, 2w, 36h, a date (2026-11-01), a date and time (2026-11-01T18:00), today, yesterday"
)


@dataclass(frozen=True)
class Window:
    since: datetime  # aware, UTC
    until: datetime  # aware, UTC, excluded

    @property
    def since_iso(self) -> str:
        return to_iso(self.since)

    @property
    def until_iso(self) -> str:
        return to_iso(self.until)

    @property
    def days(self) -> float:
        return (self.until - self.since).total_seconds() / 86400

    def previous(self) -> Window:
        """The window of the same length just before this one."""
        return Window(self.since - (self.until - self.since), self.since)

    def label(self) -> str:
        """The dates it covers in local time, e.g. "23–29 November 2026"."""
        first = self.since.astimezone().date()
        last = (self.until - timedelta(seconds=1)).astimezone().date()
        if first == last:
            return _day(first, year=True)
        if (first.year, first.month) == (last.year, last.month):
            return f"{first.day}–{_day(last, year=True)}"
        return f"{_day(first, year=first.year != last.year)} – {_day(last, year=True)}"

    def period(self) -> tuple[str, str]:
        """How to say this window and the one before in a sentence."""
        days = round(self.days)
        if days == 7:
            return "this week", "the week before"
        if days == 14:
            return "these two weeks", "the two weeks before"
        if days == 1:
            return "today", "the day before"
        return f"these {days} days", f"the {days} days before"


def say_day(day: date, *, today: date | None = None, year: bool | None = None) -> str:
    """'3 November', with the year when it is not this year's (or when asked)."""
    show_year = year if year is not None else (today is None or day.year != today.year)
    text = f"{day.day} {day.strftime('%B')}"
    return f"{text} {day.year}" if show_year else text


def say_moment(value: datetime | str, *, now: datetime) -> str:
    """A stored timestamp as people write it: 'today at 14:05', '3 November', '3 November 2025'."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    local = value.astimezone()
    today = now.astimezone().date()
    if local.date() == today:
        return f"today at {local:%H:%M}"
    if local.date() == today - timedelta(days=1):
        return f"yesterday at {local:%H:%M}"
    return say_day(local.date(), today=today)


def _day(value: date, *, year: bool) -> str:
    text = f"{value.day} {value.strftime('%B')}"
    return f"{text} {value.year}" if year else text


def parse_when(value: str, *, now: datetime, end: bool = False) -> datetime:
    """A moment from "7d", "2w", "36h", "today", "yesterday", a date or a date-time.

    A bare date means the start of that day in local time, or, when `end` is true (an
    --until), the start of the next day so that the whole day is included.
    """
    text = value.strip()
    lowered = text.lower()
    match = _RELATIVE.match(lowered)
    if match:
        return now - int(match.group(1)) * _UNITS[match.group(2)]
    if lowered in ("now",):
        return now
    if lowered in ("today", "yesterday"):
        day = now.astimezone().date() - timedelta(days=1 if lowered == "yesterday" else 0)
        return _local_midnight(day + timedelta(days=1) if end else day)
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return _local_midnight(day + timedelta(days=1) if end else day)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"cannot understand the date {value!r}; use {FORMATS_HELP}") from None
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a naive time is local
    return moment.astimezone(UTC)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time()).astimezone().astimezone(UTC)


def resolve_window(
    since: str | None, until: str | None, *, now: datetime, last_end: str | None
) -> tuple[Window, str | None]:
    """The window for these options, and a note when "last" had to fall back to 7 days.

    since: None or "last" starts where the last digest ended (last_end), else 7 days back.
    """
    end = parse_when(until, now=now, end=True) if until else now
    note = None
    if since is None or since.strip().lower() == "last":
        if last_end:
            start = datetime.fromisoformat(last_end.replace("Z", "+00:00"))
            if start >= end:
                raise NotEnoughData(
                    f"the last digest already covers everything up to "
                    f"{say_moment(last_end, now=now)}: nothing new to draft "
                    "(to draft an earlier stretch again, give --since)"
                )
        else:
            start = end - timedelta(days=DEFAULT_DAYS)
            if since is not None:
                note = f"no earlier digest: using the last {DEFAULT_DAYS} days"
    else:
        start = parse_when(since, now=end)  # "7d" counts back from the end of the window
    if start >= end:
        raise BadInput(
            f"the window is empty: it starts {say_moment(start, now=now)}, "
            f"not before its end ({say_moment(end, now=now)})"
        )
    return Window(start, end), note
