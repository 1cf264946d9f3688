"""How articles look on screen: cells, flags and header lines. Pure functions, no I/O."""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from reader.models import Article

STATUS_STYLE = {
    "queued": "dim",
    "failed": "red",
    "unread": "bold",
    "reading": "cyan",
    "read": "green",
    "archived": "dim italic",
}


def flags(article: Article) -> list[str]:
    """Short warnings a reader should see in the queue: failed, thin, duplicate."""
    found = []
    if article.fetch_state == "failed" or article.fetch_error:
        found.append("failed")
    if article.extraction_note or article.extraction in ("fallback", "none"):
        found.append("thin")
    if article.duplicate_of is not None:
        found.append("dup")
    return found


def minutes(article: Article) -> str:
    return f"{article.reading_minutes}m" if article.reading_minutes else ""


def title_of(article: Article) -> str:
    return article.title or article.url


def queue_cells(article: Article) -> dict[str, Text]:
    """The cells of one queue row by column; Text keeps brackets in titles from being markup."""
    status = article.state if article.has_text else article.fetch_state
    if status == "reading" and article.progress:
        status = f"{status} {round(article.progress * 100)}%"
    return {
        "status": Text(status, style=STATUS_STYLE.get(status.split()[0], "")),
        "title": Text(title_of(article), no_wrap=True, overflow="ellipsis"),
        "site": Text(
            article.site or _host(article.url), no_wrap=True, overflow="ellipsis", style="dim"
        ),
        "time": Text(minutes(article), justify="right"),
        "tags": Text(", ".join(article.tags), no_wrap=True, overflow="ellipsis", style="italic"),
        "flags": Text(" ".join(flags(article)), style="yellow"),
    }


def article_header(article: Article) -> Content:
    """Title on the first line; site, author, reading time, state and tags on the second."""
    parts = [article.site or _host(article.url)]
    if article.author:
        parts.append(f"by {article.author}")
    if article.reading_minutes:
        parts.append(f"{article.reading_minutes} min read")
    state = article.state
    if article.progress and article.state in ("reading", "read"):
        state += f" {round(article.progress * 100)}%"
    parts.append(state)
    if article.tags:
        parts.append("#" + " #".join(article.tags))
    return Content.from_markup(
        "[b]$title[/b]\n[dim]$meta[/dim]", title=title_of(article), meta=" · ".join(parts)
    )


def annotations(article: Article) -> Content:
    """Highlights and notes for the side panel, oldest first."""
    pieces: list[Content] = []
    pieces.append(Content.from_markup(f"[b]Highlights[/b] ({len(article.highlights)})\n"))
    for h in article.highlights:
        pieces.append(Content.from_markup("[$accent]▌[/] $text\n", text=h.text))
        if h.note:
            pieces.append(Content.from_markup("  [dim]$note[/dim]\n", note=h.note))
    if not article.highlights:
        pieces.append(Content.from_markup("[dim]none yet: press h[/dim]\n"))
    pieces.append(Content.from_markup(f"\n[b]Notes[/b] ({len(article.notes)})\n"))
    for n in article.notes:
        when = (n.created_at or "")[:10]
        pieces.append(Content.from_markup("• $text [dim]$when[/dim]\n", text=n.text, when=when))
    if not article.notes:
        pieces.append(Content.from_markup("[dim]none yet: press n[/dim]\n"))
    return Content.assemble(*pieces)


def body_markdown(article: Article) -> str | None:
    """The Markdown to show, or None when only plain text (or nothing) is there."""
    return article.markdown if article.markdown and article.markdown.strip() else None


def empty_body(article: Article) -> str:
    """What to say when an article has no text yet."""
    if article.fetch_state == "queued":
        return "Not fetched yet. Press f in the library to fetch the queue."
    if article.fetch_state == "failed":
        return f"The fetch failed: {article.fetch_error or 'unknown error'}. Press F in the library to retry."
    return "This article has no text."


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme == "file":
        return "local file"
    return parts.netloc or parts.scheme


def search_hit(hit) -> Content:
    """A search result: the title, where it is from, and the snippet with matches marked."""
    meta = " · ".join(p for p in (hit.site or _host(hit.url), hit.state) if p)
    snippet = Content(hit.snippet)
    for start, end in hit.spans:
        snippet = snippet.stylize("bold $text-accent", start, end)
    head = Content.from_markup(
        "[b]$title[/b]  [dim]$meta[/dim]\n", title=hit.title or hit.url, meta=meta
    )
    return Content.assemble(head, snippet, "\n")


def theme_detail(detail: dict) -> Content:
    """A theme's heading: title, level and size, keywords, its parent or sub-themes."""
    theme = detail["theme"]
    lines = [
        Content.from_markup(
            "[b]$title[/b]  [dim]$level theme · $n articles$new[/dim]",
            title=theme["title"],
            level=theme["level"],
            n=theme["articles"],
            new=" · new" if theme.get("new") else "",
        ),
        Content.from_markup("[i]$words[/i]", words=", ".join(theme["keywords"][:12])),
    ]
    if detail.get("parent"):
        lines.append(Content.from_markup("[dim]part of[/dim] $p", p=detail["parent"]["title"]))
    if detail.get("children"):
        names = ", ".join(c["title"] for c in detail["children"][:8])
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
    parts += [Content.from_markup("[$accent]▌[/] $text", text=p["text"]) for p in passages]
    return Content("\n").join(parts)
