"""Plain dataclasses shared by every layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

# What the reader did with an article, and what the network did: two states, kept apart so
# that a dead link keeps its reading state, tags, notes and highlights.
READING_STATES = ("unread", "reading", "read", "archived")
FETCH_STATES = ("queued", "fetched", "failed", "provided")


def utcnow() -> str:
    """Now as an ISO-8601 UTC timestamp with seconds precision, e.g. 2026-11-29T19:12:00Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_iso(value: datetime) -> str:
    """A datetime (naive means UTC) as the ISO-8601 UTC form used everywhere in the library."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Highlight:
    text: str
    note: str = ""
    created_at: str | None = None
    id: int | None = None
    # Where the passage sits in the article's text (None for highlights imported as bare text).
    start_char: int | None = None
    end_char: int | None = None
    updated_at: str | None = None


@dataclass
class Note:
    text: str
    created_at: str | None = None
    id: int | None = None
    updated_at: str | None = None


@dataclass
class ImportedItem:
    """One article as a source describes it, before reader has fetched anything.

    Importers fill what their format knows and leave the rest as None; the library
    merges it into an existing article with the same canonical URL.
    """

    url: str
    title: str | None = None
    author: str | None = None
    site: str | None = None
    published: str | None = None
    language: str | None = None
    added_at: str | None = None
    read_at: str | None = None
    # One of READING_STATES, or None when the source does not say.
    state: str | None = None
    progress: float | None = None
    tags: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    highlights: list[Highlight] = field(default_factory=list)
    # Content the source already carries (our JSONL export, an Omnivore export).
    text: str | None = None
    markdown: str | None = None
    # Everything else a lossless round trip needs (reader's own JSONL only).
    extra: dict[str, object] = field(default_factory=dict)


@dataclass
class ImportProblem:
    """A line, row or entry that could not be imported, with why."""

    where: str
    message: str


@dataclass
class ImportBatch:
    """What an importer read from one file."""

    format: str
    items: list[ImportedItem] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)
    # Links deliberately left out (navigation, unsubscribe, self links), with why.
    skipped: list[ImportProblem] = field(default_factory=list)
    # OPML: feeds to subscribe to; their items are fetched and queued by the service.
    feeds: list[dict[str, str]] = field(default_factory=list)
    # reader's own archive: records other than articles (feed, digest, theme_name, settings),
    # by kind, restored by the library service as they were.
    records: dict[str, list[dict]] = field(default_factory=dict)


@dataclass
class Article:
    id: int
    url: str
    canonical_url: str
    final_url: str | None = None
    redirects: list[str] = field(default_factory=list)
    title: str | None = None
    author: str | None = None
    site: str | None = None
    published: str | None = None
    language: str | None = None
    added_at: str | None = None
    fetched_at: str | None = None
    read_at: str | None = None
    state: str = "unread"
    fetch_state: str = "queued"
    progress: float = 0.0
    word_count: int = 0
    text: str | None = None
    markdown: str | None = None
    content_hash: str | None = None
    extraction: str | None = None
    extraction_note: str | None = None
    duplicate_of: int | None = None
    fetch_error: str | None = None
    attempts: int = 0
    next_retry_at: str | None = None
    source: str | None = None
    updated_at: str | None = None
    tags: list[str] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    highlights: list[Highlight] = field(default_factory=list)

    @property
    def has_text(self) -> bool:
        return self.fetch_state in ("fetched", "provided")

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.word_count / 230)) if self.word_count else 0
