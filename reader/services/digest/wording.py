"""The digest's words for its window, counts and themes, as a person would write them.

"this week", "yesterday", "these 30 days", "since 3 November", "from 3 to 9 November";
"one piece", "12 pieces"; a greeting and a sign-off that follow the window's length; and theme
labels in prose only when they read as words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from reader.services.digest.window import Window, say_day, say_moment  # noqa: F401 - re-exported

NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
DEFAULT_SIGN_OFFS = frozenset({"Until next week,", "Until next week", ""})
NOW_SLACK = timedelta(minutes=5)  # a window ending this close to now ends "now"


@dataclass(frozen=True)
class WindowWords:
    period: str  # fits "I read 3 pieces {period}": "this week", "since 3 November"
    before: str  # "the week before", "the 30 days before"
    cadence: str  # "day", "few days", "week", "two weeks", "month", "few months", "year"
    dates: str  # "23–29 November 2026": the subject line's dates, with the year

    def sentence_start(self) -> str:
        """The period opening a sentence: "This week", "Since 3 November"."""
        return self.period[0].upper() + self.period[1:]


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'one piece', 'two pieces', '12 pieces' (words up to ten, as style guides have it)."""
    word = NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)
    return f"{word} {noun if n == 1 else (plural or noun + 's')}"


def window_words(window: Window, now: datetime) -> WindowWords:
    """How to say this window in a sentence, and the one of the same length before it."""
    start = window.since.astimezone()
    end = window.until.astimezone()
    today = now.astimezone().date()
    last_day = (end - timedelta(seconds=1)).date()
    hours = (window.until - window.since).total_seconds() / 3600
    days = round(hours / 24)
    cadence = _cadence(hours / 24)
    dates = _dates(start.date(), last_day, today)
    ends_now = abs(window.until - now) <= NOW_SLACK
    whole_days = start.time() == end.time() == datetime.min.time()
    if ends_now:
        if start.date() == today and start.time() == datetime.min.time():
            return WindowWords("today", "yesterday", "day", dates)
        if hours < 23.5:
            n = max(1, round(hours))
            if n == 1:
                return WindowWords("in the last hour", "the hour before", "day", dates)
            return WindowWords(
                f"in the last {count(n, 'hour')}", f"the {count(n, 'hour')} before", "day", dates
            )
        if abs(hours / 24 - days) <= 0.05 or _relative(window, now):
            return WindowWords(_these(days), _before(days), cadence, dates)
        return WindowWords(
            f"since {say_day(start.date(), today=today)}", _before(days), cadence, dates
        )
    if whole_days and start.date() == last_day:
        if last_day == today - timedelta(days=1):
            return WindowWords("yesterday", "the day before", "day", dates)
        return WindowWords(f"on {say_day(last_day, today=today)}", "the day before", "day", dates)
    return WindowWords(_from_to(start.date(), last_day, today), _before(days), cadence, dates)


def _from_to(first: date, last: date, today: date) -> str:
    """'from 20 to 26 November', 'from 28 October to 3 November 2025'."""
    if (first.year, first.month) == (last.year, last.month):
        return f"from {first.day} to {say_day(last, today=today)}"
    return (
        f"from {say_day(first, today=today, year=first.year != last.year)} "
        f"to {say_day(last, today=today)}"
    )


def _relative(window: Window, now: datetime) -> bool:
    """A window counted back from now by whole days ("7d", "30d")."""
    days = (window.until - window.since).total_seconds() / 86400
    return abs(days - round(days)) < 1e-6


def _these(days: int) -> str:
    if days == 1:
        return "in the last day"
    if days == 7:
        return "this week"
    if days == 14:
        return "these two weeks"
    return f"these {days} days"


def _before(days: int) -> str:
    if days <= 1:
        return "the day before"
    if days == 7:
        return "the week before"
    if days == 14:
        return "the two weeks before"
    return f"the {days} days before"


def _cadence(days: float) -> str:
    if days <= 1.5:
        return "day"
    if days < 5:
        return "few days"
    if days <= 10:
        return "week"
    if days <= 20:
        return "two weeks"
    if days <= 45:
        return "month"
    if days <= 200:
        return "few months"
    return "year"


def _dates(first: date, last: date, today: date) -> str:
    """'3–9 November', '28 October – 3 November', with the year when not this year's."""
    if first == last:
        return say_day(first, year=True)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{say_day(last, year=True)}"
    return f"{say_day(first, year=first.year != last.year)} – {say_day(last, year=True)}"


def greeting(cadence: str) -> str:
    """The placeholder the writer replaces with their own hello."""
    if cadence == "today":
        return "Say hello, and a line on how today went."
    if cadence in ("few days", "few months"):
        return f"Say hello, and a line on how the last {cadence} went."
    if cadence == "year":
        return "Say hello, and a line on how the year went."
    return f"Say hello, and a line on how the {cadence} went."


def sign_off(setting: str, cadence: str) -> str:
    """The user's own sign-off, or the default one made to follow the window."""
    if setting.strip() not in DEFAULT_SIGN_OFFS:
        return setting
    return {
        "day": "Until tomorrow,",
        "week": "Until next week,",
        "two weeks": "Until next time,",
        "month": "Until next month,",
    }.get(cadence, "Until next time,")


_WORDISH = re.compile(r"^[A-Za-z][A-Za-z'’-]*$")
_STOP = frozenset("a an the of and or to in on for with by at from is are was be".split())


def reads_as_words(label: str) -> bool:
    """Whether a theme label can sit in a sentence: a short phrase of real words.

    Machine labels such as "read / exam" or "rust, cargo, crates" cannot; a user's own name
    for a theme ("city rivers") can.
    """
    words = label.split()
    if not 1 <= len(words) <= 4 or any(c in label for c in "/|·;:,+=#_()[]"):
        return False
    if not all(_WORDISH.match(w) for w in words):
        return False
    return not all(w.lower() in _STOP for w in words) and len(label) <= 40


def join_words(words: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'; a comma before the last "and" when a phrase has its own
    ("features and interpretability, and fermentation")."""
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    last = ", and " if any(" and " in w for w in words) else " and "
    return ", ".join(words[:-1]) + last + words[-1]
