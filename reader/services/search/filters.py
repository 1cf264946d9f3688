"""What a search may match: states, tags and a window of dates, as SQL over the articles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from reader.errors import BadInput
from reader.models import READING_STATES, to_iso
from reader.storage import chunks as store


@dataclass
class SearchFilters:
    """Which articles may match: any of reading `states`, any of `tags`, saved within [since, until]."""

    states: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None

    def sql(self) -> tuple[str, list]:
        """A WHERE clause over `articles a` (eligibility included) and its parameters."""
        clauses, params = [store.ELIGIBLE], []
        if self.states:
            unknown = [s for s in self.states if s not in READING_STATES]
            if unknown:
                raise BadInput(
                    f"unknown reading state {unknown[0]!r}; one of: {', '.join(READING_STATES)}"
                )
            clauses.append(f"a.state IN ({','.join('?' * len(self.states))})")
            params.extend(self.states)
        if self.tags:
            marks = ",".join("?" * len(self.tags))
            clauses.append(
                f"EXISTS (SELECT 1 FROM article_tags t WHERE t.article_id = a.id AND t.tag IN ({marks}))"
            )
            params.extend(self.tags)
        if self.since:
            clauses.append("a.added_at >= ?")
            params.append(parse_when(self.since))
        if self.until:
            clauses.append("a.added_at < ?")
            params.append(parse_when(self.until, end=True))
        return " AND ".join(f"({c})" for c in clauses), params

    @property
    def active(self) -> bool:
        return bool(self.states or self.tags or self.since or self.until)


_RELATIVE = re.compile(r"^(\d+)\s*([dwmy])$")


def parse_when(value: str, *, end: bool = False) -> str:
    """YYYY-MM-DD, an ISO-8601 time, or 7d/2w/3m/1y ago, as the library's UTC timestamp form.

    A bare date used as an end means the end of that day.
    """
    text = value.strip()
    relative = _RELATIVE.match(text.lower())
    if relative:
        days = int(relative.group(1)) * {"d": 1, "w": 7, "m": 30, "y": 365}[relative.group(2)]
        return to_iso(datetime.now(UTC) - timedelta(days=days))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadInput(f"cannot read the date {value!r}: use YYYY-MM-DD or e.g. 7d, 2w") from exc
    if end and len(text) == 10:
        moment += timedelta(days=1)
    return to_iso(moment)
