"""Messages the UI's workers post to their screens: small dataclasses, results up."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from textual.message import Message

from reader.models import Article


@dataclass
class WorkProgress(Message):
    """How far a slow job has come; a newer report for the same job replaces an unread older one."""

    job: str
    stage: str
    done: int
    total: int | None = None
    message: str = ""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, WorkProgress) and message.job == self.job


@dataclass
class WorkFinished(Message):
    """A slow job ended; `summary` is one line for the user, `problems` one line each."""

    job: str
    summary: str
    problems: list[str] = field(default_factory=list)
    failed: bool = False


@dataclass
class ArticlesLoaded(Message):
    """A listing of the library for one status filter ("all" for every status)."""

    status: str
    articles: list[Article]


@dataclass
class PageLoaded(Message):
    """A page of the library listing (`page` is a LibraryPage) for the listing it was asked for."""

    listing: Any
    page: Any


@dataclass
class ListingCounted(Message):
    """How many articles a listing matches, counted after its first page was shown."""

    listing: Any
    total: int


@dataclass
class ArticleLoaded(Message):
    """One article, with its text, notes and highlights (after a load or a change)."""

    article: Article


@dataclass
class ArticlesAdded(Message):
    """Inputs were captured: the new or merged article ids and what failed, input by input."""

    ids: list[int]
    failed: list[tuple[str, str]]


@dataclass
class SearchFinished(Message):
    """Results for one query; `error` is set instead when the search could not run."""

    query: str
    mode: str
    hits: list[Any]
    notices: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class ThemesToPick(Message):
    """The themes to choose one from, to steer a search toward (plus) or away from (minus)."""

    direction: str
    themes: list[Any]
    error: str | None = None


@dataclass
class ThemesLoaded(Message):
    """Every shown theme with its activity per month; `error` says why there are none."""

    themes: list[tuple[Any, list[float]]]
    error: str | None = None


@dataclass
class ThemeLoaded(Message):
    """One theme's detail as `ThemeService.show` gives it: keywords, top articles, passages."""

    detail: dict[str, Any]


@dataclass
class DigestShown(Message):
    """A digest to show: a fresh draft (digest_id None, with its window) or a saved one."""

    markdown: str
    digest_id: int | None = None
    window: tuple[str, str] | None = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class DigestsListed(Message):
    """The saved digests, newest first."""

    records: list[Any]
