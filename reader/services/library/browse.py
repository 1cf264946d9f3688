"""The library as the UI pages through it: filtered, sorted and counted in SQLite, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass, field

from reader.errors import BadInput
from reader.models import Article
from reader.services.context import LibraryContext
from reader.storage.articles import ArticleStore

# What each listing filter keeps: reading states and fetch states live in different columns.
SHOWS = {
    "all": ("1", ()),
    "unread": ("state = ?", ("unread",)),
    "reading": ("state = ?", ("reading",)),
    "read": ("state = ?", ("read",)),
    "archived": ("state = ?", ("archived",)),
    "queued": ("fetch_state = ?", ("queued",)),
    "failed": ("fetch_state = ?", ("failed",)),
}

_TOP_THEME = (
    "(select coalesce(t.name, t.llm_label, t.label) from article_themes a "
    "join themes t on t.id = a.theme_id where a.article_id = articles.id and t.hidden = 0 "
    "and t.retired_at is null order by a.strength desc limit 1)"
)
# Sort keys and the SQL they order by; NULLs (no title, no theme) sort last either way.
SORTS = {
    "id": "id",
    "state": "state",
    "title": "lower(coalesce(title, url))",
    "site": "lower(coalesce(site, ''))",
    "added": "added_at",
    "reading_time": "word_count",
    "progress": "progress",
    "theme": _TOP_THEME,
    "error": "(fetch_error is null)",
}

# Sort keys whose SQL is never NULL (NOT NULL columns, coalesced expressions).
NEVER_NULL = frozenset({"id", "state", "title", "site", "added", "error"})


@dataclass
class LibraryPage:
    """One page of a listing, the count of everything the listing matches, and top themes."""

    articles: list[Article]
    total: int
    offset: int
    top_themes: dict[int, tuple[int, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Listing:
    """What the library screen shows: a filter, words to match, and an order."""

    show: str = "all"
    words: str = ""
    sort: str = "added"
    descending: bool = True

    def where(self) -> tuple[str, list[object]]:
        if self.show not in SHOWS:
            raise BadInput(f"unknown filter {self.show!r}; one of: {', '.join(SHOWS)}")
        clause, params = SHOWS[self.show]
        clauses, values = [clause], list(params)
        for word in self.words.split():
            pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            clauses.append(
                "(title like ? escape '\\' or site like ? escape '\\' or url like ? escape '\\')"
            )
            values += [pattern, pattern, pattern]
        return " and ".join(clauses), values

    def order(self) -> str:
        if self.sort not in SORTS:
            raise BadInput(f"unknown sort {self.sort!r}; one of: {', '.join(SORTS)}")
        direction = "desc" if self.descending else "asc"
        column = SORTS[self.sort]
        if self.sort in NEVER_NULL:
            # No "is null" term: it would keep SQLite from walking an index in order (a page of
            # 100,000 articles by date: 77 ms of sorting against 0.1 ms of index walk).
            return f"{column} {direction}, id {direction}"
        return f"{column} is null, {column} {direction}, id {direction}"


def browse(
    ctx: LibraryContext, listing: Listing, *, offset: int = 0, limit: int = 200, count: bool = True
) -> LibraryPage:
    """A page of the listing: at most `limit` articles from `offset`, without their text.

    `total` counts the whole listing on the first page; -1 on later pages, or when `count` is
    false and the page is full (the count is a scan of the library: `count_listing` does it apart,
    so a screen can show the page first).
    """
    db = ctx.reads
    store = ArticleStore(db)
    where, params = listing.where()
    # Ids first, then the rows: sorting whole rows would read every matching row's columns that
    # sit after its text (state, fetch state) from overflow pages, ~60 ms at 10,000 articles.
    ids = [row[0] for row in db.execute(
        f"select id from articles where {where} order by {listing.order()} limit ? offset ?",
        [*params, int(limit), int(offset)],
    )]
    found = {a.id: a for a in store.query(f"id in ({','.join('?' * len(ids))})", ids)} if ids else {}
    articles = [found[i] for i in ids if i in found]
    if offset == 0 and len(ids) < limit:
        total = len(ids)  # the whole listing is on this page
    else:
        total = store.count(where, params) if offset == 0 and count else -1
    themes = store.top_themes([a.id for a in articles])
    return LibraryPage(articles, total, offset, themes)


def quick_first_page(ctx: LibraryContext, listing: Listing, limit: int) -> LibraryPage | None:
    """The listing's first page, uncounted, when it can be read at once (the library needs no
    migration and the order is an index walk); None when it should be read in a worker."""
    if listing.sort != "added" or listing.words or ctx.quick_reads() is None:
        return None
    return browse(ctx, listing, offset=0, limit=limit, count=False)


def count_listing(ctx: LibraryContext, listing: Listing) -> int:
    """How many articles the listing matches."""
    where, params = listing.where()
    return ArticleStore(ctx.reads).count(where, params)
