"""The newsletter digest: pick the window's reads, group them by theme, render, keep.

One code path for the CLI and the TUI: `DigestService(ctx).draft(...)` returns a preview (the
Markdown and its structured data); `save(draft)` keeps it in the `digests` table, so the next
digest starts where this one ended. A window that overlaps a saved digest is only saved when
asked, and the draft says what is new since it. Themes come through a `ThemeSource`,
summaries through any `Embedder`, with sentence vectors kept beside the chunks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from reader.errors import NotEnoughData, ReaderError
from reader.ml.embedder import Embedder
from reader.models import Article
from reader.render.digest import render_digest
from reader.services.context import LibraryContext
from reader.services.digest.headings import capitalised, section_heading
from reader.services.digest.polish import polish_items
from reader.services.digest.records import DigestRecord, DigestRecords
from reader.services.digest.sections import (
    SectionPlan,
    describe_trend,
    intro_line,
    plan_sections,
    split_large,
    theme_shares,
)
from reader.services.digest.summaries import SummaryStats, summarise_articles
from reader.services.digest.window import Window, resolve_window, say_moment
from reader.services.digest.wording import (
    WindowWords,
    count,
    greeting,
    sign_off,
    window_words,
)
from reader.services.digest.working_on import working_on
from reader.storage.articles import ArticleStore

SUMMARY_SENTENCES = 2  # "a line or two"
SUMMARY_WORDS = 60  # ...but one long sentence is enough on its own
MIN_SECTIONED = 2  # a digest of this many pieces or fewer is one list, with no headings
HEADING_CHARS = 4000  # how much of an article a section heading is looked for in
# Read in the window: finished (read or archived) with read_at inside it.
READ_WHERE = (
    "read_at >= ? and read_at < ? and duplicate_of is null "
    "and state in ('read', 'archived')"
)
UNREAD_WHERE = (
    "added_at >= ? and added_at < ? and read_at is null and duplicate_of is null "
    "and state in ('unread', 'reading')"
)


class DigestOverlap(ReaderError):
    """Saving this window would repeat what a saved digest already holds."""

    def __init__(self, message: str, new_since: str | None) -> None:
        super().__init__(message)
        self.new_since = new_since


class ThemeSource(Protocol):
    """What the digest needs from themes (tests pass a small fake)."""

    def section_labels(self) -> dict[int, str]:
        """Themes that may head a section: id -> label."""

    def strengths(self, article_ids: Sequence[int] | None) -> dict[int, list[tuple[int, float]]]:
        """article id -> [(theme id, strength in [0, 1])], for some articles or all (None)."""


@dataclass
class Draft:
    """A drafted digest: its Markdown, its structured data, and what to tell the user."""

    id: int | None
    text: str
    data: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    # Saved digests whose window overlaps this one: id, dates, pieces in common.
    overlaps: list[dict[str, Any]] = field(default_factory=list)
    # Where a digest of only what is new since them would start (None: no overlap).
    new_since: str | None = None
    stats: SummaryStats = field(default_factory=SummaryStats)

    @property
    def read_ids(self) -> list[int]:
        ids = [i["id"] for s in self.data["sections"] for i in s["articles"]]
        return ids + [i["id"] for i in self.data["also_read"]]

    def overlap_message(self) -> str:
        """One line saying which saved digests this window repeats, and what to do."""
        if not self.overlaps:
            return ""
        parts = [
            f"#{o['id']} ({o['dates']}; {count(o['shared'], 'piece')} in common)" for o in self.overlaps
        ]
        which = "digest " + ", ".join(parts) if len(parts) == 1 else "digests " + ", ".join(parts)
        return f"this window overlaps saved {which}"


class DigestService:
    def __init__(
        self,
        ctx: LibraryContext,
        *,
        embedder: Embedder | None = None,
        themes: ThemeSource | None = None,
        llm_transport: Any = None,
    ) -> None:
        self.ctx = ctx
        self._embedder = embedder
        self._themes = themes
        self._llm_transport = llm_transport  # an httpx transport, for tests

    # -- drafting ------------------------------------------------------------------
    def draft(
        self,
        since: str | None = None,
        until: str | None = None,
        *,
        template: Path | None = None,
        polish: bool | None = None,
        save: bool = False,
        allow_overlap: bool = False,
        working_on_ref: str | None = None,
        now: datetime | None = None,
    ) -> Draft:
        """Draft the digest for a window: a preview unless `save`; NotEnoughData if empty."""
        now = now or datetime.now(UTC)
        window, note = resolve_window(since, until, now=now, last_end=self.records.last_end())
        words = window_words(window, now)
        notes = [note] if note else []
        store = ArticleStore(self.ctx.db)
        read = store.query(
            READ_WHERE, [window.since_iso, window.until_iso], order="read_at, id", full=True
        )
        unread = store.query(
            UNREAD_WHERE, [window.since_iso, window.until_iso], order="added_at, id"
        )
        if not read and not unread:
            raise NotEnoughData(self._nothing_message(words, since, now))
        plan, trend_parts = self._group(read, window, notes)
        self._head(plan, read)
        items = {a.id: self._item(a) for a in read}
        use_llm = self.ctx.settings.llm_polish if polish is None else polish
        stats = self._summarise([items[a.id] for a in read], read, everything=use_llm)
        if use_llm:
            notes += self._polish(list(items.values()))
        ref = self.ctx.settings.working_on if working_on_ref is None else working_on_ref
        extras = {"working_on": working_on(self.ctx.db, ref)}
        data = self._data(
            window, words, plan, trend_parts, items, [self._item(a) for a in unread], notes, extras
        )
        text = render_digest(data, template)
        result = Draft(None, text, data, notes, stats=stats)
        self._find_overlaps(result, window, now)
        if save:
            result = self.save(result, allow_overlap=allow_overlap)
        return result

    def _nothing_message(self, words: WindowWords, since: str | None, now: datetime) -> str:
        last = self.records.last_end()
        if since is None and last:
            when = say_moment(last, now=now)
            return f"Nothing read or saved since the last digest ({when}); nothing to draft."
        return f"Nothing read or saved {words.period}; nothing to draft."

    def _find_overlaps(self, draft: Draft, window: Window, now: datetime) -> None:
        mine = set(draft.read_ids) | {i["id"] for i in draft.data["unread"]}
        for record in self.records.overlapping(window.since_iso, window.until_iso):
            shared = len(mine & (set(record.article_ids) | set(record.unread_ids)))
            dates = record.data.get("window", {}).get("label") or (
                f"{say_moment(record.window_start, now=now)} – "
                f"{say_moment(record.window_end, now=now)}"
            )
            draft.overlaps.append({"id": record.id, "dates": dates, "shared": shared})
            end = record.window_end
            if end < window.until_iso and (draft.new_since is None or end > draft.new_since):
                draft.new_since = end
        if draft.overlaps:
            draft.notes.append(draft.overlap_message())

    def save(self, draft: Draft, *, allow_overlap: bool = False) -> Draft:
        """Keep a drafted preview; refuses a window overlapping a saved digest unless allowed."""
        if draft.id is not None:
            return draft
        if draft.overlaps and not allow_overlap:
            hint = (
                " To keep only what is new since it, draft with --since last;"
                if draft.new_since
                else ""
            )
            raise DigestOverlap(
                f"not saved: {draft.overlap_message()}.{hint} to save it anyway, "
                "add --allow-overlap",
                draft.new_since,
            )
        window = draft.data["window"]
        digest_id = self.records.insert(
            window["since"],
            window["until"],
            draft.data["subject"],
            draft.read_ids,
            [i["id"] for i in draft.data["unread"]],
            draft.text,
            draft.data,
        )
        draft.id = digest_id
        return draft

    def _group(
        self, read: list[Article], window: Window, notes: list[str]
    ) -> tuple[SectionPlan, dict[str, Any]]:
        source = self._theme_source()
        ids = [a.id for a in read]
        labels = source.section_labels() if ids else {}
        if ids and not labels:
            notes.append("no themes yet: everything is under one list (run `reader themes train`)")
        if not labels:
            return SectionPlan([], ids), {"current": {}, "previous": None, "labels": {}}
        everything = source.strengths(None)
        background = theme_shares(everything, list(labels), len(everything))
        strengths = {a: everything.get(a, []) for a in ids}
        plan = plan_sections(ids, strengths, labels, background)
        fine_labels = getattr(source, "fine_labels", None)
        if fine_labels is not None:
            plan = split_large(plan, strengths, fine_labels())
        current = theme_shares(strengths, list(labels), len(ids))
        before = window.previous()
        prev_ids = [
            row[0]
            for row in self.ctx.db.execute(
                f"select id from articles where {READ_WHERE}", [before.since_iso, before.until_iso]
            )
        ]
        previous = (
            theme_shares({a: everything.get(a, []) for a in prev_ids}, list(labels), len(prev_ids))
            if prev_ids
            else None
        )
        if len(ids) <= MIN_SECTIONED or (len(plan.sections) == 1 and not plan.also_read):
            # One or two pieces, or all under one theme: a plain list reads better than a
            # heading over everything.
            plan = SectionPlan([], ids)
        return plan, {"current": current, "previous": previous, "labels": labels}

    def _head(self, plan: SectionPlan, read: list[Article]) -> None:
        """Each section headed by words: its theme's name, else a phrase its articles share."""
        source = self._theme_source()
        keywords_of = getattr(source, "keywords", None)
        keywords = keywords_of() if keywords_of is not None and plan.sections else {}
        named_of = getattr(source, "named", None)
        named = named_of() if named_of is not None and plan.sections else set()
        texts_of = {
            a.id: f"{a.title or ''}\n{(a.text or '')[:HEADING_CHARS]}" for a in read
        }
        taken: list[str] = []
        for section in plan.sections:
            texts = [texts_of[a] for a in section.article_ids]
            mine = set(section.article_ids)
            others = [text for a, text in texts_of.items() if a not in mine]
            heading = section_heading(
                section.label,
                keywords.get(section.theme_id, []),
                texts,
                taken=taken,
                named=section.theme_id in named,
                others=others,
            )
            section.made = heading != section.label
            section.theme_label, section.label = section.label, heading
            taken.append(heading)

    def _item(self, article: Article) -> dict[str, Any]:
        url = article.canonical_url or article.url
        if not url.startswith(("http://", "https://")):
            url = article.final_url or article.url
        source = article.site or article.author or urlsplit(url).hostname or ""
        return {
            "id": article.id,
            "title": article.title or url,
            "url": url,
            "site": article.site or "",
            "author": article.author or "",
            "source": source,
            "minutes": article.reading_minutes,
            "notes": [n.text for n in article.notes]
            + [h.note for h in article.highlights if h.note],
            "highlights": [h.text for h in article.highlights],
            "summary": [],
            "line": None,
        }

    def _summarise(
        self, items: list[dict[str, Any]], articles: list[Article], *, everything: bool
    ) -> SummaryStats:
        """A short extractive summary for read articles with text: those without the user's
        own words, or all of them when a language model will rewrite the lines."""
        todo = [
            (item, article)
            for item, article in zip(items, articles, strict=True)
            if (article.text or "").strip()
            and (everything or not (item["notes"] or item["highlights"]))
        ]
        if not todo:
            return SummaryStats()
        from reader.ml.boilerplate import strip_boilerplate
        from reader.services.search.boilerplate import SiteBoilerplate

        boilerplate = SiteBoilerplate(self.ctx.db)  # a site's repeated lines are no summary

        def clean(article_id: int, text: str) -> str:
            return strip_boilerplate(text, boilerplate.keys_for_article(article_id))

        summaries, stats = summarise_articles(
            self.ctx.db,
            self.embedder,
            [a for _i, a in todo],
            SUMMARY_SENTENCES,
            word_budget=SUMMARY_WORDS,
            clean=clean,
        )
        for item, article in todo:
            item["summary"] = summaries.get(article.id, [])
        return stats

    def _polish(self, items: list[dict[str, Any]]) -> list[str]:
        from reader.services.llm import ChatClient, LLMError

        try:
            client = ChatClient.from_settings(self.ctx.settings, transport=self._llm_transport)
        except LLMError as exc:
            return [f"LLM polish skipped: {exc}"]
        if client is None:
            return ["LLM polish skipped: no llm_base_url in settings"]
        with client:
            return polish_items(items, client, author=self.ctx.settings.author_name)

    def _data(
        self,
        window: Window,
        words: WindowWords,
        plan: SectionPlan,
        trend_parts: dict[str, Any],
        items: dict[int, dict[str, Any]],
        unread: list[dict[str, Any]],
        notes: list[str],
        extras: dict[str, Any],
    ) -> dict[str, Any]:
        trend = describe_trend(
            plan, trend_parts["current"], trend_parts["previous"], trend_parts["labels"]
        )
        settings = self.ctx.settings
        sections = []
        for section in plan.sections:
            articles = [dict(items[a], section=section.label) for a in section.article_ids]
            sections.append(
                {
                    "theme_id": section.theme_id,
                    "label": section.label,
                    "heading": capitalised(section.label),
                    "theme": section.theme_label or section.label,
                    "weight": section.weight,
                    "lift": section.lift,
                    "articles": articles,
                }
            )
        return {
            "subject": f"What I read: {words.dates}",
            "window": {
                "since": window.since_iso,
                "until": window.until_iso,
                "label": words.dates,
                "period": words.period,
                "cadence": words.cadence,
            },
            "greeting": greeting("today" if words.period == "today" else words.cadence),
            "intro": intro_line(trend, len(items), words, len(unread)),
            "top_themes": trend.top,
            "rising": trend.rising,
            "fading": trend.fading,
            "sections": sections,
            "largest_share": round(plan.largest_share(), 4),
            "also_read": [dict(items[a], section="Also read") for a in plan.also_read],
            "also_read_label": "Also read" if sections else "",
            "unread": unread,
            "working_on": extras.get("working_on", []),
            "sign_off": sign_off(settings.sign_off, words.cadence),
            "author_name": settings.author_name,
            "notes": list(notes),
        }

    # -- keeping -------------------------------------------------------------------
    @property
    def records(self) -> DigestRecords:
        return DigestRecords(self.ctx.db)

    def list(self) -> list[DigestRecord]:
        """Every saved digest, newest first."""
        return self.records.list()

    def get(self, digest_id: int) -> DigestRecord:
        return self.records.get(digest_id)

    def update_text(self, digest_id: int, text: str) -> DigestRecord:
        """Keep the user's edited Markdown in place of the draft."""
        return self.records.update_text(digest_id, text)

    def delete(self, digest_id: int) -> DigestRecord:
        """Remove a saved digest (its articles stay); the next default window starts earlier."""
        return self.records.delete(digest_id)

    def push(self, digest_id: int, *, transport: Any = None) -> DigestRecord:
        """Send the digest to Buttondown as a draft (never sent) and remember its id there."""
        from reader.services.digest.buttondown import push_draft

        record = self.get(digest_id)
        pushed = push_draft(self.ctx.settings, record.subject, record.text, transport=transport)
        return self.records.mark_pushed(digest_id, pushed.id)

    # -- collaborators -------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        """The library's model, the same one search uses (loaded on first need)."""
        if self._embedder is None:
            from reader.services.search.indexing import query_embedder

            self._embedder = query_embedder(self.ctx)
        return self._embedder

    def _theme_source(self) -> ThemeSource:
        if self._themes is None:
            self._themes = StoredThemes(self.ctx)
        return self._themes


class StoredThemes:
    """The library's themes through ThemeService: visible broad themes head sections."""

    def __init__(self, ctx: LibraryContext) -> None:
        from reader.services.themes.service import ThemeService

        self.service = ThemeService(ctx)

    def section_labels(self) -> dict[int, str]:
        themes = self.service.list_themes("broad") or self.service.list_themes()
        return {t.id: t.title for t in themes}

    def keywords(self) -> dict[int, list[str]]:
        """Each theme's keywords, best first (broad and fine)."""
        return {t.id: list(t.keywords) for t in self.service.list_themes()}

    def named(self) -> set[int]:
        """The themes the user named themselves."""
        return {t.id for t in self.service.list_themes() if t.name}

    def fine_labels(self) -> dict[int, tuple[str, int]]:
        """Fine themes under a broad one: id -> (label, broad parent id)."""
        return {
            t.id: (t.title, t.parent_id)
            for t in self.service.list_themes("fine")
            if t.parent_id is not None
        }

    def strengths(self, article_ids: Sequence[int] | None) -> dict[int, list[tuple[int, float]]]:
        found = self.service.article_themes(article_ids)
        return {a: [(t, float(s)) for t, _level, s in rows] for a, rows in found.items()}
