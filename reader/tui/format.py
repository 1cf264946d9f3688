"""How articles look on screen: cells, flags and header lines. Pure functions, no I/O."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from reader.models import Article
from reader.textsafe import terminal_safe


def _line(value: object) -> str:
    """Article or server text for one line of the screen: no controls, no escapes, no newlines."""
    return terminal_safe(value, single_line=True)

STATE_STYLE = {
    "unread": "bold",
    "reading": "cyan",
    "read": "green",
    "archived": "dim italic",
}

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def reading_state(article: Article) -> str:
    """unread, reading, read or archived."""
    return article.state


def fetch_state(article: Article) -> str:
    """queued, fetched, failed or provided."""
    return article.fetch_state


def fetch_error(article: Article) -> str | None:
    return article.fetch_error


def flags(article: Article) -> list[str]:
    """Short warnings a reader should see in the queue: failed, thin, duplicate."""
    found = []
    if fetch_state(article) == "failed" or fetch_error(article):
        found.append("failed")
    if article.extraction_note or article.extraction in ("fallback", "none"):
        found.append("thin")
    if article.duplicate_of is not None:
        found.append("dup")
    return found


def minutes(article: Article) -> str:
    return f"{article.reading_minutes} min" if article.reading_minutes else ""


def title_of(article: Article) -> str:
    return terminal_safe(article.title or article.url, single_line=True)


def day(iso: str | None, *, year: bool = False) -> str:
    """An ISO timestamp as people write a date: '3 Dec', or '3 Dec 2026' with the year."""
    if not iso or len(iso) < 10:
        return ""
    y, m, d = iso[:4], int(iso[5:7]), int(iso[8:10])
    return f"{d} {MONTHS[m - 1]} {y}" if year else f"{d} {MONTHS[m - 1]}"


def marker(article: Article, selected: bool) -> Text:
    """Two characters: ● when selected, then ! for a failed fetch or ○ for one not fetched yet."""
    state = fetch_state(article)
    sign, style = ("!", "bold red") if state == "failed" else ("○", "dim") if state == "queued" else (" ", "")
    return Text.assemble(("●" if selected else " ", "bold magenta"), (sign, style))


def queue_cells(
    article: Article, *, theme: str = "", selected: bool = False, progress_in_state: bool = True,
    long_dates: bool = False,
) -> dict[str, Text]:
    """The cells of one queue row by column; Text keeps brackets in titles from being markup."""
    state = reading_state(article)
    shown = state
    if progress_in_state and state == "reading" and article.progress:
        shown = f"{state} {round(article.progress * 100)}%"
    return {
        "mark": marker(article, selected),
        "id": Text(str(article.id), justify="right", style="dim"),
        "state": Text(shown, style=STATE_STYLE.get(state, ""), no_wrap=True, overflow="ellipsis"),
        "title": Text(title_of(article), no_wrap=True, overflow="ellipsis"),
        "site": Text(
            terminal_safe(article.site or _host(article.url), single_line=True),
            no_wrap=True, overflow="ellipsis", style="dim",
        ),
        "added": Text(day(article.added_at, year=long_dates), style="dim"),
        "reading_time": Text(minutes(article), justify="right"),
        "progress": Text(f"{round(article.progress * 100)}%" if article.progress else "",
                         justify="right"),
        "theme": Text(terminal_safe(theme, single_line=True), no_wrap=True, overflow="ellipsis",
                      style="italic"),
        "tags": Text(terminal_safe(", ".join(article.tags), single_line=True), no_wrap=True,
                     overflow="ellipsis", style="italic"),
        "flags": Text(" ".join(flags(article)), style="yellow"),
    }


def article_header(article: Article) -> Content:
    """Title on the first line; id, site, author, reading time, state and tags on the second."""
    parts = [f"#{article.id}", article.site or _host(article.url)]
    if article.author:
        parts.append(f"by {_line(article.author)}")
    if article.reading_minutes:
        parts.append(f"{article.reading_minutes} min read")
    state = reading_state(article)
    if article.progress and state in ("reading", "read"):
        state += f" {round(article.progress * 100)}%"
    parts.append(state)
    if article.added_at:
        parts.append(f"added {day(article.added_at, year=True)}")
    if article.tags:
        parts.append(_line("#" + " #".join(article.tags)))
    return Content.from_markup(
        "[b]$title[/b]\n[dim]$meta[/dim]",
        title=title_of(article),
        meta=terminal_safe(" · ".join(parts), single_line=True),
    )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def annotation_options(article: Article) -> list[tuple[Content, str | None]]:
    """The notes panel: headings (no id), then each highlight and note with its id as the key."""
    rows: list[tuple[Content, str | None]] = [
        (Content.from_markup(f"[b]Highlights[/b] ({len(article.highlights)})"), None)
    ]
    for h in article.highlights:
        text = Content.from_markup("[$accent]▌[/] $text", text=_clip(terminal_safe(h.text, single_line=True), 140))
        if h.note:
            text = Content.assemble(text, Content.from_markup("\n  [dim]$n[/dim]",
                                                              n=terminal_safe(h.note)))
        rows.append((text, f"highlight-{h.id}"))
    if not article.highlights:
        rows.append((Content.from_markup("[dim]select with v or the mouse, then h[/dim]"), None))
    rows.append((Content.from_markup(f"[b]Notes[/b] ({len(article.notes)})"), None))
    for n in article.notes:
        when = day(n.created_at, year=True)
        rows.append((Content.from_markup("• $text [dim]$when[/dim]", text=terminal_safe(n.text),
                                         when=when), f"note-{n.id}"))
    if not article.notes:
        rows.append((Content.from_markup("[dim]none yet: press n[/dim]"), None))
    return rows


def body_markdown(article: Article) -> str | None:
    """The Markdown to show, or None when only plain text (or nothing) is there."""
    return terminal_safe(article.markdown) if article.markdown and article.markdown.strip() else None


def empty_body(article: Article) -> str:
    """What to say when an article has no text yet."""
    state = fetch_state(article)
    if state == "queued":
        return "Not fetched yet. Press f in the library to fetch the queue."
    if state == "failed":
        error = terminal_safe(fetch_error(article) or "unknown error", single_line=True)
        return f"The fetch failed: {error}. Press F in the library to retry."
    return "This article has no text."


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme == "file":
        return "local file"
    return parts.netloc or parts.scheme


def search_hit(hit) -> Content:
    """A search result: the title, id, where it is from, and the snippet with matches marked."""
    meta = " · ".join(p for p in (f"#{hit.article_id}", hit.site or _host(hit.url), hit.state) if p)
    # Sanitising can shorten the snippet; mark matches only where the text kept its length.
    raw = hit.snippet or ""
    clean = terminal_safe(raw)
    snippet = Content(clean)
    if len(clean) == len(raw):
        for start, end in hit.spans:
            snippet = snippet.stylize("bold $text-accent", start, end)
    # Assembled, not parsed from markup: the same Content, a third of the time per hit.
    head = Content.assemble(
        (terminal_safe(hit.title or hit.url, single_line=True), "b"), "  ",
        (terminal_safe(meta, single_line=True), "dim"), "\n",
    )
    return Content.assemble(head, snippet, "\n")


def theme_detail(detail: dict) -> Content:
    """A theme's heading: title, level and size, keywords, its parent or sub-themes."""
    theme = detail["theme"]
    lines = [
        Content.from_markup(
            "[b]$title[/b]  [dim]#$id · $level theme · $n articles$new[/dim]",
            title=_line(theme["title"]),
            id=str(theme["id"]),
            level=theme["level"],
            n=theme["articles"],
            new=" · new" if theme.get("new") else "",
        ),
        Content.from_markup("[i]$words[/i]", words=_line(", ".join(theme["keywords"][:12]))),
    ]
    if detail.get("parent"):
        lines.append(Content.from_markup("[dim]part of[/dim] $p", p=_line(detail["parent"]["title"])))
    if detail.get("children"):
        names = _line(", ".join(c["title"] for c in detail["children"][:8]))
        lines.append(Content.from_markup("[dim]within it:[/dim] $names", names=names))
    timeline = detail.get("timeline") or {}
    if timeline.get("periods"):
        lines.append(
            Content.from_markup(
                "[dim]$first → $last[/dim] $spark",
                first=timeline["periods"][0],
                last=timeline["periods"][-1],
                spark=timeline["sparkline"],
            )
        )
    lines.append(Content.from_markup("\n[b]Top articles[/b]"))
    return Content("\n").join(lines)


def theme_passages(detail: dict) -> Content:
    """The passages that carry a theme most strongly."""
    passages = detail.get("passages") or []
    if not passages:
        return Content("")
    parts = [Content.from_markup("[b]Passages[/b]")]
    parts += [Content.from_markup("[$accent]▌[/] $text", text=terminal_safe(p["text"])) for p in passages]
    return Content("\n").join(parts)

