"""The services the UI calls, built on first use so the first paint imports nothing heavy."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from reader.services.context import LibraryContext

if TYPE_CHECKING:
    from reader.services.digest.service import DigestService
    from reader.services.library.service import LibraryService
    from reader.services.search.service import SearchService
    from reader.services.themes.service import ThemeService


class Services:
    """One instance of each service for the whole app, shared by every worker thread.

    Sharing matters: the search and digest services keep their embedding model once loaded.
    The services read `ctx.db` on each call, which is a connection of the calling thread;
    Textual runs thread workers on a pool, so each pool thread keeps one connection.
    """

    def __init__(self, ctx: LibraryContext, **prebuilt: Any) -> None:
        """`prebuilt` replaces a service by name (tests pass one with a fake embedder)."""
        self.ctx = ctx
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._built: dict[str, Any] = dict(prebuilt)
        self._serial: dict[str, threading.Lock] = {}

    def _get(self, name: str, build: Callable[[], Any]) -> Any:
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:  # two workers must not both build (and load a model for) the same service
            if name not in self._built:
                self._built[name] = build()
            return self._built[name]

    @contextmanager
    def serial(self, name: str) -> Iterator[None]:
        """Hold this while calling a service that must not run in two threads at once."""
        with self._guard:
            lock = self._serial.setdefault(name, threading.Lock())
        with lock:
            yield

    @property
    def library(self) -> LibraryService:
        from reader.services.library.service import LibraryService

        return self._get("library", lambda: LibraryService(self.ctx))

    @property
    def digest(self) -> DigestService:
        from reader.services.digest.service import DigestService

        return self._get("digest", lambda: DigestService(self.ctx))

    @property
    def search(self) -> SearchService:
        from reader.services.search.service import SearchService

        return self._get("search", lambda: SearchService(self.ctx))

    @property
    def themes(self) -> ThemeService:
        from reader.services.themes.service import ThemeService

        return self._get("themes", lambda: ThemeService(self.ctx))
