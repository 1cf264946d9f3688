"""Each site's boilerplate, from the library's own articles, for chunking and summaries.

A site is the host of an article's canonical URL (without "www."); local files belong to no
site. The lines a site repeats across MIN_ARTICLES of its articles (reader/ml/boilerplate.py)
stay in the stored text but are left out of chunks (so of search and themes) and summaries.
When an article arrives, its site's boilerplate is recounted; if it changed, that site's
other articles are chunked again (their fingerprint is kept in the meta table).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlite_utils import Database

from reader.ml.boilerplate import MIN_ARTICLES, boilerplate_spans, repeated_keys
from reader.storage.db import meta_get, meta_set

_META = "boilerplate:"


def site_of(url: str | None) -> str | None:
    """The site an article belongs to, or None for local files and odd URLs."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    return host[4:] if host.startswith("www.") else host


class SiteBoilerplate:
    """Boilerplate keys by site, counted once per instance (one indexing run)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._sites: dict[str, list[int]] | None = None
        self._keys: dict[str, frozenset[str]] = {}

    def sites(self) -> dict[str, list[int]]:
        """Article ids by site: articles with text that are not duplicates."""
        if self._sites is None:
            self._sites = {}
            rows = self.db.execute(
                "select id, canonical_url from articles where duplicate_of is null "
                "and text is not null and trim(text) != '' order by id"
            ).fetchall()
            for article_id, url in rows:
                site = site_of(url)
                if site:
                    self._sites.setdefault(site, []).append(article_id)
        return self._sites

    def keys(self, site: str | None) -> frozenset[str]:
        if not site:
            return frozenset()
        if site not in self._keys:
            ids = self.sites().get(site, [])
            if len(ids) < MIN_ARTICLES:
                self._keys[site] = frozenset()
            else:
                self._keys[site] = frozenset(repeated_keys(self._texts(ids)))
        return self._keys[site]

    def keys_for_article(self, article_id: int) -> frozenset[str]:
        row = self.db.execute("select canonical_url from articles where id = ?", [article_id]).fetchone()
        return self.keys(site_of(row[0])) if row else frozenset()

    def spans(self, article_id: int, text: str) -> list[tuple[int, int]]:
        """The boilerplate lines of one article's text."""
        return boilerplate_spans(text, self.keys_for_article(article_id))

    def refresh(self, article_ids: Iterable[int]) -> list[int]:
        """Recount the sites of these articles; chunk again where their boilerplate changed.

        Returns the ids of other articles marked stale.
        """
        sites = set()
        for part in _batches(list(article_ids), 500):
            marks = ",".join("?" * len(part))
            for (url,) in self.db.execute(
                f"select canonical_url from articles where id in ({marks})", part
            ):
                site = site_of(url)
                if site:
                    sites.add(site)
        stale: list[int] = []
        for site in sorted(sites):
            fingerprint = hashlib.sha256("\n".join(sorted(self.keys(site))).encode()).hexdigest()
            if meta_get(self.db, _META + site) == fingerprint:
                continue
            ids = self.sites().get(site, [])
            for part in _batches(ids, 500):
                marks = ",".join("?" * len(part))
                cursor = self.db.execute(
                    f"update chunk_sources set stale = 1 where article_id in ({marks}) and stale = 0", part
                )
                if cursor.rowcount:
                    stale.extend(part)
            meta_set(self.db, _META + site, fingerprint)
        return stale

    def _texts(self, ids: list[int]) -> Iterable[str]:
        for part in _batches(ids, 200):
            marks = ",".join("?" * len(part))
            for (text,) in self.db.execute(f"select text from articles where id in ({marks})", part):
                yield text or ""


def _batches(items: list[int], size: int) -> Iterable[list[int]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
