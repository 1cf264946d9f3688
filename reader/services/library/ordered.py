"""The library listing in an order computed elsewhere (the `next` ranking), a page at a time."""

from __future__ import annotations

from dataclasses import replace

from reader.services.context import LibraryContext
from reader.services.library.browse import LibraryPage, Listing
from reader.storage.articles import ArticleStore


def browse_in_order(
    ctx: LibraryContext, listing: Listing, order: list[int], *, offset: int = 0, limit: int = 200
) -> LibraryPage:
    """A page of what `listing` matches (its filter and words), in the order of the ids in
    `order`; matching articles `order` lacks follow, newest first. `listing.sort` is ignored.
    """
    where, params = listing.where()
    newest = replace(listing, sort="added", descending=True).order()
    matching = [row[0] for row in ctx.db.execute(
        f"select id from articles where {where} order by {newest}", params)]
    wanted = set(matching)
    ranked = [i for i in dict.fromkeys(order) if i in wanted]
    seen = set(ranked)
    full = ranked + [i for i in matching if i not in seen]
    ids = full[offset:offset + limit]
    store = ArticleStore(ctx.db)
    found = {a.id: a for a in store.query(f"id in ({','.join('?' * len(ids))})", ids)} if ids else {}
    articles = [found[i] for i in ids if i in found]
    return LibraryPage(articles, len(full) if offset == 0 else -1, offset,
                       store.top_themes([a.id for a in articles]))
