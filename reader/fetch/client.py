"""Concurrent, polite fetching of web pages with httpx.

`fetch_all` is synchronous: it runs one `httpx.AsyncClient` for the batch under
`asyncio.run` in a helper thread and hands each result to the caller's callback,
in the caller's thread, as soon as that URL is done. Redirects are followed by hand so that every
hop is recorded and loops are caught; bodies are streamed and decoded under one running
cap; one deadline covers each page, all hops and attempts together. Transient failures
(timeouts, connection failures, 408, 429 and 5xx) are retried with backoff that honours
Retry-After; permanent ones (no such host, refused by policy, other 4xx, unsupported
content) fail at once and say so in `FetchResult.permanent`.

Every connection goes through reader.fetch.policy: URLs the user did not type, and
redirects leaving the host the user typed, never reach a non-public address.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable, Collection, Sequence
from typing import Any

import httpx

from reader.fetch.batch import ACCEPT_HEADERS, Batch
from reader.fetch.options import FetchOptions, FetchResult, parse_retry_after, url_problem
from reader.fetch.policy import Resolver

__all__ = [
    "ACCEPT_HEADERS",
    "FetchOptions",
    "FetchResult",
    "fetch_all",
    "parse_retry_after",
    "url_problem",
]
POLL_SECONDS = 0.1


def fetch_all(
    urls: Sequence[str],
    options: FetchOptions,
    on_result: Callable[[FetchResult], None],
    should_stop: Callable[[], bool] = lambda: False,
    *,
    accept: str = "html",
    user_urls: Collection[str] = (),
    transport: httpx.AsyncBaseTransport | None = None,
    resolver: Resolver | None = None,
    connector: Any = None,
) -> None:
    """Fetch every URL concurrently; call on_result in the CALLER's thread as each finishes.

    Every URL is reported exactly once, unless `should_stop()` (polled in the caller's
    thread) turns true: the batch then ends and URLs still in flight are not
    reported. `accept` is "html" for articles, "feed" to also accept RSS/Atom/XML, or
    "document" to also accept PDF, returned as raw bytes (`body`, `text=None`).
    `user_urls` are the URLs the user typed: they (and redirects staying on their host)
    may reach private addresses; every other URL and hop must connect to a public one.
    An exception raised by `on_result` (or a KeyboardInterrupt) cancels the rest of
    the batch and propagates. For tests: `transport` replaces the network (and the
    policy with it), `resolver` replaces DNS, `connector` (an httpcore network backend)
    makes the TCP connections to the checked addresses.
    """
    if accept not in ACCEPT_HEADERS:
        raise ValueError(f"accept must be one of {sorted(ACCEPT_HEADERS)}, not {accept!r}")
    if not urls:
        return
    # The event loop runs in a helper thread so that a slow on_result (SQLite writes)
    # never stalls the network; results cross back through a queue.
    batch = Batch(options, accept, frozenset(user_urls), resolver, connector)
    runner = _Runner(batch, list(urls), transport)
    thread = threading.Thread(target=runner.run, name="reader-fetch", daemon=True)
    thread.start()
    try:
        for _ in range(len(runner.urls)):
            item = runner.next_result(should_stop, thread)
            if item is None:
                break
            on_result(item)
    finally:
        runner.stop()
        thread.join()


class _Runner:
    """The helper thread's side of fetch_all: one event loop, one client, one result queue."""

    def __init__(
        self, batch: Batch, urls: list[str], transport: httpx.AsyncBaseTransport | None
    ) -> None:
        self.batch = batch
        self.urls = urls
        self.transport = transport
        self.results: queue.SimpleQueue[FetchResult | BaseException] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.stopped = False
        self.loop: asyncio.AbstractEventLoop | None = None
        self.task: asyncio.Task[None] | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        except asyncio.CancelledError:
            pass  # stopped by the caller
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            self.results.put(exc)

    async def _main(self) -> None:
        with self.lock:
            if self.stopped:
                return
            self.loop, self.task = asyncio.get_running_loop(), asyncio.current_task()
        async with self.batch.open(self.transport):
            tasks = [asyncio.create_task(self.batch.fetch(url)) for url in self.urls]
            for task in tasks:
                task.add_done_callback(self._deliver)
            await asyncio.gather(*tasks)

    def _deliver(self, task: asyncio.Task[FetchResult]) -> None:
        if not task.cancelled():
            self.results.put(task.exception() or task.result())

    def next_result(
        self, should_stop: Callable[[], bool], thread: threading.Thread
    ) -> FetchResult | None:
        """The next finished URL, or None once the caller wants to stop."""
        while not should_stop():
            try:
                item = self.results.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if not thread.is_alive() and self.results.empty():
                    raise RuntimeError(
                        "the fetch thread ended without reporting every URL"
                    ) from None
                continue
            if isinstance(item, BaseException):
                raise item
            return item
        return None

    def stop(self) -> None:
        """Cancel whatever is still in flight (a no-op once the batch is done)."""
        with self.lock:
            self.stopped = True
            loop, task = self.loop, self.task
        if loop is not None and task is not None:
            # RuntimeError: the loop has already closed, so nothing is left to cancel.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(task.cancel)
