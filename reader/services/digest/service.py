"""The newsletter digest: pick the window's reads, group them by theme, render, keep.

One code path for the CLI and the TUI: `DigestService(ctx).draft(...)` returns the Markdown
and its structured data, saved in the `digests` table so the next digest starts where this
one ended. Themes come through a `ThemeSource`, summaries through any `Embedder`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from reader.errors import NotEnoughData, NotFound
from reader.ml.embedder import Embedder
from reader.ml.summary import summarize_text
from reader.models import Article, utcnow
from reader.render.digest import render_digest
from reader.services.context import LibraryContext
from reader.services.digest.polish import polish_items
from reader.services.digest.sections import (
    SectionPlan,
    describe_trend,
    intro_line,
    plan_sections,
    theme_shares,
)
from reader.services.digest.window import Window, resolve_window
from reader.storage.articles import ArticleStore

SUMMARY_SENTENCES = 2  # "a line or two"
SUMMARY_WORDS = 60  # ...but one long sentence is enough on its own
READ_WHERE = "read_at >= ? and read_at < ? and duplicate_of is null"
UNREAD_WHERE = (
    "added_at >= ? and added_at < ? and read_at is null and duplicate_of is null "
    "and state in ('unread', 'reading')"
)


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


@dataclass
class DigestRecord:
    id: int
    created_at: str
    window_start: str
    window_end: str
    subject: str
    article_ids: list[int]
    unread_ids: list[int]
    text: str
    data: dict[str, Any]
    edited_at: str | None = None
    pushed_at: str | None = None
    remote_id: str | None = None

    def summary(self) -> dict[str, Any]:
        """What `digest list` shows."""
        return {
            "id": self.id,
            "created_at": self.created_at,
            "since": self.window_start,
            "until": self.window_end,
            "subject": self.subject,
            "read": len(self.article_ids),
            "unread": len(self.unread_ids),
            "edited_at": self.edited_at,
            "pushed_at": self.pushed_at,
        }


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
        save: bool = True,
        now: datetime | None = None,
    ) -> Draft:
        """Draft (and by default save) the digest for a window; NotEnoughData if it is empty."""
        now = now or datetime.now(UTC)
        window, note = resolve_window(since, until, now=now, last_end=self._last_end())
        notes = [note] if note else []
        store = ArticleStore(self.ctx.db)
        read = store.query(
            READ_WHERE, [window.since_iso, window.until_iso], order="read_at, id", full=True
        )
        unread = store.query(
            UNREAD_WHERE, [window.since_iso, window.until_iso], order="added_at, id"
        )
        if not read and not unread:
            hint = " (to redraft the last digest, give --since)" if since is None else ""
            raise NotEnoughData(
                f"nothing read or saved from {window.since_iso} to {window.until_iso}{hint}; "
                "no digest written"
            )
        plan, trend_parts = self._group(read, window, notes)
        items = {a.id: self._item(a) for a in read}
        use_llm = self.ctx.settings.llm_polish if polish is None else polish
        self._summarise([items[a.id] for a in read], read, everything=use_llm)
        if use_llm:
            notes += self._polish(list(items.values()))
        data = self._data(window, plan, trend_parts, items, [self._item(a) for a in unread], notes)
        text = render_digest(data, template)
        digest_id = self._save(window, data, text) if save else None
        return Draft(digest_id, text, data, notes)

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
        return plan, {"current": current, "previous": previous, "labels": labels}

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
    ) -> None:
        """A short extractive summary for read articles with text: those without the user's
        own words, or all of them when a language model will rewrite the lines."""
        todo = [
            (item, article)
            for item, article in zip(items, articles, strict=True)
            if (article.text or "").strip()
            and (everything or not (item["notes"] or item["highlights"]))
        ]
        if not todo:
            return
        from reader.ml.boilerplate import strip_boilerplate
        from reader.services.search.boilerplate import SiteBoilerplate

        embedder = self.embedder
        boilerplate = SiteBoilerplate(self.ctx.db)  # a site's repeated lines are no summary
        for item, article in todo:
            text = strip_boilerplate(article.text or "", boilerplate.keys_for_article(article.id))
            item["summary"] = summarize_text(
                text, embedder.embed, SUMMARY_SENTENCES, word_budget=SUMMARY_WORDS
            )

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
        plan: SectionPlan,
        trend_parts: dict[str, Any],
        items: dict[int, dict[str, Any]],
        unread: list[dict[str, Any]],
        notes: list[str],
    ) -> dict[str, Any]:
        period, before = window.period()
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
                    "weight": section.weight,
                    "lift": section.lift,
                    "articles": articles,
                }
            )
        label = window.label()
        return {
            "subject": f"What I read: {label}",
            "window": {"since": window.since_iso, "until": window.until_iso, "label": label},
            "intro": intro_line(trend, len(items), period, before),
            "top_themes": trend.top,
            "rising": trend.rising,
            "fading": trend.fading,
            "sections": sections,
            "also_read": [dict(items[a], section="Also read") for a in plan.also_read],
            "also_read_label": "Also read" if sections else "",
            "unread": unread,
            "sign_off": settings.sign_off,
            "author_name": settings.author_name,
            "notes": list(notes),
        }

    # -- keeping -------------------------------------------------------------------
    def _last_end(self) -> str | None:
        row = self.ctx.db.execute("select max(window_end) from digests").fetchone()
        return row[0] if row else None

    def _save(self, window: Window, data: dict[str, Any], text: str) -> int:
        read_ids = [i["id"] for s in data["sections"] for i in s["articles"]]
        read_ids += [i["id"] for i in data["also_read"]]
        with self.ctx.db.conn:
            cursor = self.ctx.db.conn.execute(
                "insert into digests (created_at, window_start, window_end, subject, article_ids, "
                "unread_ids, format, text, data) values (?, ?, ?, ?, ?, ?, 'markdown', ?, ?)",
                [
                    utcnow(),
                    window.since_iso,
                    window.until_iso,
                    data["subject"],
                    json.dumps(read_ids),
                    json.dumps([i["id"] for i in data["unread"]]),
                    text,
                    json.dumps(data, ensure_ascii=False),
                ],
            )
        return int(cursor.lastrowid)

    def list(self) -> list[DigestRecord]:
        """Every saved digest, newest first."""
        rows = self.ctx.db.execute(f"select {_COLUMNS} from digests order by id desc").fetchall()
        return [_record(r) for r in rows]

    def get(self, digest_id: int) -> DigestRecord:
        row = self.ctx.db.execute(
            f"select {_COLUMNS} from digests where id = ?", [digest_id]
        ).fetchone()
        if row is None:
            raise NotFound(f"no digest with id {digest_id}")
        return _record(row)

    def update_text(self, digest_id: int, text: str) -> DigestRecord:
        """Keep the user's edited Markdown in place of the draft."""
        self.get(digest_id)
        with self.ctx.db.conn:
            self.ctx.db.conn.execute(
                "update digests set text = ?, edited_at = ? where id = ?",
                [text, utcnow(), digest_id],
            )
        return self.get(digest_id)

    def push(self, digest_id: int, *, transport: Any = None) -> DigestRecord:
        """Send the digest to Buttondown as a draft (never sent) and remember its id there."""
        from reader.services.digest.buttondown import push_draft

        record = self.get(digest_id)
        pushed = push_draft(self.ctx.settings, record.subject, record.text, transport=transport)
        with self.ctx.db.conn:
            self.ctx.db.conn.execute(
                "update digests set pushed_at = ?, remote_id = ? where id = ?",
                [utcnow(), pushed.id, digest_id],
            )
        return self.get(digest_id)

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

    def strengths(self, article_ids: Sequence[int] | None) -> dict[int, list[tuple[int, float]]]:
        found = self.service.article_themes(article_ids)
        return {a: [(t, float(s)) for t, _level, s in rows] for a, rows in found.items()}


_COLUMNS = (
    "id, created_at, window_start, window_end, subject, article_ids, unread_ids, text, data, "
    "edited_at, pushed_at, remote_id"
)


def _record(row: Sequence[Any]) -> DigestRecord:
    values = list(row)
    values[5] = json.loads(values[5] or "[]")
    values[6] = json.loads(values[6] or "[]")
    values[8] = json.loads(values[8] or "{}")
    return DigestRecord(*values)
