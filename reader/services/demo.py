"""The demo library: bundled sample essays with a reading history, built by the real services.

The essays and their manifest live in the `reader.demo` package. Dates in the manifest are
relative ("added 6 days ago"), so the library always looks current: the last week has about
ten reads on two topics, earlier weeks read the rest, and a few essays wait unread. Building
goes through `Capture.add_batch`, so running it again merges and adds nothing.
"""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

from reader.errors import ReaderError
from reader.models import Highlight, ImportBatch, ImportedItem, Note, to_iso
from reader.services.context import LibraryContext, Progress, ProgressCallback, no_progress
from reader.services.library.capture import Capture
from reader.storage.articles import ArticleStore

DEMO_PACKAGE = "reader.demo"
SOURCE = "demo"
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class DemoEssay:
    """One manifest entry: an essay and where it stands in the demo reader's history."""

    slug: str
    url: str
    title: str
    author: str
    site: str
    published: str
    topics: tuple[str, ...]
    days_ago_added: int
    days_ago_read: int | None
    status: str
    progress: float
    note: str | None = None
    highlights: tuple[str, ...] = ()


def load_manifest() -> list[DemoEssay]:
    """The essays the demo ships, in manifest order."""
    raw = json.loads(resources.files(DEMO_PACKAGE).joinpath("manifest.json").read_text("utf-8"))
    essays = []
    for entry in raw["essays"]:
        entry = dict(entry)
        entry["topics"] = tuple(entry.get("topics", ()))
        entry["highlights"] = tuple(entry.get("highlights", ()))
        essays.append(DemoEssay(**entry))
    return essays


def essay_markdown(slug: str) -> str:
    """The Markdown of one bundled essay (it starts with `# Title`)."""
    return resources.files(DEMO_PACKAGE).joinpath("essays", f"{slug}.md").read_text("utf-8")


def essay_text(markdown: str) -> str:
    """The essay's plain text: everything after the title line (the essays are plain prose)."""
    lines = markdown.strip().splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return "\n".join(lines).strip()


def _times(essay: DemoEssay, index: int, now: datetime) -> tuple[datetime, datetime | None]:
    """When the essay was saved and read, relative to now; the minutes vary so rows differ."""
    added = now - timedelta(days=essay.days_ago_added, hours=2, minutes=(index * 37) % 60)
    if essay.days_ago_read is None:
        return added, None
    read = now - timedelta(days=essay.days_ago_read, minutes=(index * 23) % 60)
    return added, max(read, added + timedelta(minutes=30))


def demo_item(essay: DemoEssay, index: int, now: datetime) -> ImportedItem:
    """The essay as an import item: content provided, so nothing is ever fetched."""
    markdown = essay_markdown(essay.slug)
    added, read = _times(essay, index, now)
    marked = to_iso(read or added + timedelta(hours=1))
    return ImportedItem(
        url=essay.url,
        title=essay.title,
        author=essay.author,
        site=essay.site,
        published=essay.published,
        language="en",
        added_at=to_iso(added),
        read_at=to_iso(read) if read else None,
        state=essay.status,
        progress=essay.progress,
        notes=[Note(essay.note, created_at=marked)] if essay.note else [],
        highlights=[Highlight(text, created_at=marked) for text in essay.highlights],
        text=essay_text(markdown),
        markdown=markdown,
    )


def demo_batch(now: datetime | None = None) -> ImportBatch:
    """Every demo essay as one import batch, with its history placed relative to `now`."""
    now = _aware(now)
    items = [demo_item(essay, i, now) for i, essay in enumerate(load_manifest())]
    return ImportBatch(format="demo", items=items)


@dataclass
class DemoStep:
    """One optional stage after capture: index, themes or digest."""

    name: str
    status: str  # ran | skipped | failed
    detail: str


@dataclass
class DemoReport:
    """What building the demo did, and what the library now holds."""

    home: str
    essays: int
    added: int
    merged: int
    failed: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    read_this_week: int = 0
    notes: int = 0
    highlights: int = 0
    steps: list[DemoStep] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    digest_id: int | None = None
    digest_subject: str | None = None

    def step(self, name: str) -> DemoStep | None:
        return next((s for s in self.steps if s.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_demo(
    ctx: LibraryContext,
    *,
    now: datetime | None = None,
    progress: ProgressCallback | None = None,
    index: bool = True,
    digest: bool = True,
) -> DemoReport:
    """Build (or top up) the demo library in `ctx`; then index, train themes and draft a digest.

    index=False skips indexing and theme training (fast, for tests); digest=False skips the
    digest. Each later stage runs only when its service exists and the stage before it ran.
    """
    now = _aware(now)
    progress = progress or no_progress
    batch = demo_batch(now)
    total = len(batch.items)
    progress(Progress("essays", 0, total))
    capture = Capture(ctx).add_batch(batch, source=SOURCE)
    progress(Progress("essays", total, total))
    report = DemoReport(
        home=str(ctx.paths.root),
        essays=total,
        added=len(capture.added),
        merged=len(capture.merged),
        failed=[f"{p.where}: {p.message}" for p in capture.failed],
    )
    _describe_library(ctx, report, capture.added + capture.merged, now)
    if index:
        report.steps.append(_index(ctx, progress))
        if report.steps[-1].status == "ran":
            report.steps.append(_train_themes(ctx, progress))
        else:
            report.steps.append(DemoStep("themes", "skipped", "needs the search index first"))
        report.themes = _theme_titles(ctx)
    if digest:
        report.steps.append(_draft_digest(ctx, report, now))
    return report


def _aware(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC).replace(microsecond=0)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def _describe_library(
    ctx: LibraryContext, report: DemoReport, ids: list[int], now: datetime
) -> None:
    """Counts over the demo's own articles (the folder may hold others)."""
    if not ids:
        return
    articles = ArticleStore(ctx.db).query(f"id in ({','.join('?' * len(ids))})", ids)
    since = to_iso(now - WEEK)
    report.statuses = dict(Counter(a.state for a in articles))
    report.read_this_week = sum(1 for a in articles if a.read_at and a.read_at >= since)
    report.notes = sum(len(a.notes) for a in articles)
    report.highlights = sum(len(a.highlights) for a in articles)


def _available(module: str) -> bool:
    """Whether a service module exists (other parts of reader may not be installed or built)."""
    return importlib.util.find_spec(module) is not None


def _index(ctx: LibraryContext, progress: ProgressCallback) -> DemoStep:
    if not _available("reader.services.search.indexing"):
        return DemoStep("index", "skipped", "search indexing is not part of this build")
    from reader.services.search.indexing import index_pending

    try:
        result = index_pending(ctx, progress=progress)
    except ReaderError as exc:
        return DemoStep("index", "failed", str(exc))
    if getattr(result, "skipped", ""):  # e.g. another indexer holds the lock
        return DemoStep("index", "skipped", _summary_of(result, "indexing skipped"))
    return DemoStep("index", "ran", _summary_of(result, "indexed the essays"))


def _train_themes(ctx: LibraryContext, progress: ProgressCallback) -> DemoStep:
    if not _available("reader.services.themes.service"):
        return DemoStep("themes", "skipped", "themes are not part of this build")
    from reader.services.themes.service import ThemeService

    try:
        result = ThemeService(ctx).train(progress=progress)
    except ReaderError as exc:
        return DemoStep("themes", "failed", str(exc))
    return DemoStep("themes", "ran", _summary_of(result, "trained themes"))


def _theme_titles(ctx: LibraryContext) -> list[str]:
    """The visible themes, broad ones first, when themes have been trained."""
    if not _available("reader.storage.themes") or "themes" not in ctx.db.table_names():
        return []
    from reader.storage.themes import ThemeStore

    themes = [t for t in ThemeStore(ctx.db).themes() if not t.hidden]
    themes.sort(key=lambda t: (t.level != "broad", -t.n_articles))
    return [t.title for t in themes]


def _draft_digest(ctx: LibraryContext, report: DemoReport, now: datetime) -> DemoStep:
    if not _available("reader.services.digest.service") or "digests" not in ctx.db.table_names():
        return DemoStep("digest", "skipped", "the digest is not part of this build")
    from reader.services.digest.service import DigestService

    service = DigestService(ctx)
    drafted = service.list()
    if drafted:  # running the demo again must not pile up copies of the same digest
        report.digest_id, report.digest_subject = drafted[0].id, drafted[0].subject
        return DemoStep("digest", "skipped", f"digest #{drafted[0].id} was drafted before")
    try:
        draft = service.draft(since="7d", now=now, save=True)
    except ReaderError as exc:
        return DemoStep("digest", "failed", str(exc))
    report.digest_id, report.digest_subject = draft.id, draft.data.get("subject")
    detail = f"drafted digest #{draft.id}: {report.digest_subject}"
    return DemoStep("digest", "ran", "; ".join([detail, *draft.notes]))


def _summary_of(result: object, fallback: str) -> str:
    """A one-line description of what a service returned, whatever its report type."""
    summary = getattr(result, "summary", None)
    if callable(summary):
        text = summary()
        if isinstance(text, str) and text:
            return text
    if isinstance(result, str) and result:
        return result
    return fallback
