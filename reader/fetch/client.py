"""Concurrent, polite fetching of web pages with httpx.

`fetch_all` is synchronous: it runs one `httpx.AsyncClient` for the batch under
`asyncio.run` in a helper thread and hands each result to the caller's callback,
in the caller's thread, as soon as that URL is done. Redirects are followed by hand so that every
hop is recorded and loops are caught; bodies are streamed and capped; timeouts,
connection failures, 429 and 5xx are retried with backoff that honours Retry-After.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import httpx

from reader.fetch.decode import (
    FEED_TYPES,
    GENERIC_TYPES,
    HTML_TYPES,
    decode_body,
    parse_content_type,
    settle_type,
    sniff_type,
    unsupported,
)

ACCEPT_HEADERS = {
    "html": "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.5,*/*;q=0.1",
    "feed": "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,"
    "text/html;q=0.5,*/*;q=0.1",
}
# 501 and 505 say the server will never do it: retrying cannot help.
NO_RETRY_5XX = frozenset({501, 505})
POLL_SECONDS = 0.1
SNIFF_BYTES = 1024


@dataclass
class FetchOptions:
    """How to fetch: limits, timeouts, retries. Seconds everywhere."""

    concurrency: int = 8
    per_host: int = 2
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 10
    # Extra attempts after the first, for timeouts, connection errors, 429 and 5xx.
    retries: int = 3
    # First backoff wait; it doubles with each retry.
    backoff: float = 1.0
    # Longest wait before a retry; a Retry-After asking for more ends the retries.
    max_wait: float = 60.0
    # Longest one request (one hop) may take in all, however slowly bytes trickle in.
    deadline: float = 120.0
    user_agent: str = "reader/0.1 (personal reading library)"

    @classmethod
    def from_settings(cls, settings: Any) -> FetchOptions:
        """Options from a reader.config.Settings (fields of the same names)."""
        names = (
            "concurrency",
            "per_host",
            "connect_timeout",
            "read_timeout",
            "max_bytes",
            "max_redirects",
            "retries",
            "user_agent",
        )
        return cls(**{name: getattr(settings, name) for name in names})


@dataclass
class FetchResult:
    """What happened to one URL. `error` is None exactly when the page can be used."""

    url: str
    final_url: str | None = None
    # Every URL that answered with a redirect, in order, starting with `url`.
    redirects: list[str] = field(default_factory=list)
    status_code: int | None = None
    content_type: str | None = None
    charset: str | None = None
    body: bytes | None = None
    text: str | None = None
    error: str | None = None
    attempts: int = 0
    # Seconds spent on the network for this URL, all attempts and hops together.
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and self.text is not None


def fetch_all(
    urls: Sequence[str],
    options: FetchOptions,
    on_result: Callable[[FetchResult], None],
    should_stop: Callable[[], bool] = lambda: False,
    *,
    accept: str = "html",
    transport: httpx.AsyncBaseTransport | None = None,
) -> None:
    """Fetch every URL concurrently; call on_result in the CALLER's thread as each finishes.

    Every URL is reported exactly once, unless `should_stop()` (polled in the caller's
    thread) turns true: the batch then ends and URLs still in flight are not
    reported. `accept` is "html" for articles or "feed" to also accept RSS/Atom/XML.
    An exception raised by `on_result` (or a KeyboardInterrupt) cancels the rest of
    the batch and propagates. `transport` replaces the network, for tests.
    """
    if accept not in ACCEPT_HEADERS:
        raise ValueError(f"accept must be one of {sorted(ACCEPT_HEADERS)}, not {accept!r}")
    if not urls:
        return
    # The event loop runs in a helper thread so that a slow on_result (SQLite writes)
    # never stalls the network; results cross back through a queue.
    runner = _Runner(_Batch(options, accept), list(urls), transport)
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
        self, batch: _Batch, urls: list[str], transport: httpx.AsyncBaseTransport | None
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


class _TooLarge(Exception):
    """The body went over max_bytes."""


@dataclass
class _Hop:
    """One HTTP response, read as far as we needed."""

    status: int
    url: str
    location: str | None = None
    retry_after: float | None = None
    mime: str = ""
    charset: str | None = None
    body: bytes = b""
    error: str | None = None


class _HostGate:
    """At most `per_host` requests at once to one host, and no request before `not_before`."""

    def __init__(self, per_host: int) -> None:
        self.slots = asyncio.Semaphore(max(1, per_host))
        self.not_before = 0.0

    async def __aenter__(self) -> None:
        await self.slots.acquire()
        delay = self.not_before - time.monotonic()
        if delay > 0:
            try:
                await asyncio.sleep(delay)
            except BaseException:  # cancelled while waiting: give the slot back
                self.slots.release()
                raise

    async def __aexit__(self, *exc: object) -> None:
        self.slots.release()


class _Batch:
    """One run of fetch_all: the client, the limits and the per-host gates."""

    def __init__(self, options: FetchOptions, accept: str) -> None:
        self.options = options
        self.accept = accept
        self.gates: dict[str, _HostGate] = {}
        self.slots = asyncio.Semaphore(max(1, options.concurrency))
        self.client: httpx.AsyncClient | None = None

    def open(self, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
        """The batch's client; use it as `async with batch.open(...)`."""
        self.client = self._make_client(transport)
        return self.client

    def _make_client(self, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
        o = self.options
        timeout = httpx.Timeout(
            connect=o.connect_timeout,
            read=o.read_timeout,
            write=o.read_timeout,
            pool=o.connect_timeout + o.read_timeout,
        )
        n = max(1, o.concurrency)
        return httpx.AsyncClient(
            timeout=timeout,
            limits=httpx.Limits(max_connections=n, max_keepalive_connections=n),
            headers={"User-Agent": o.user_agent, "Accept": ACCEPT_HEADERS[self.accept]},
            follow_redirects=False,  # followed by hand in _follow
            transport=transport,
        )

    async def fetch(self, url: str) -> FetchResult:
        result = FetchResult(url=url)
        problem = url_problem(url)
        if problem is not None:
            result.error = problem
            return result
        await self._follow(result)
        return result

    async def _follow(self, result: FetchResult) -> None:
        """Walk the redirect chain, then judge the final response."""
        current = result.url
        visits = Counter({current: 1})
        while True:
            hop = await self._with_retries(current, result)
            if hop is None:
                return
            if hop.location is None:
                break
            result.redirects.append(current)
            target = urljoin(current, hop.location)
            problem = url_problem(target)
            if problem is not None:
                result.status_code = hop.status
                result.error = f"redirected to a URL we cannot fetch: {problem}"
                return
            # A page may redirect back to itself once (to set a cookie, say); twice is a loop.
            visits[target] += 1
            if visits[target] > 2:
                result.status_code, result.error = hop.status, "redirect loop"
                return
            if len(result.redirects) > self.options.max_redirects:
                result.status_code = hop.status
                result.error = f"too many redirects (over {self.options.max_redirects})"
                return
            current = target
        result.final_url = current
        self._judge(hop, result)

    def _judge(self, hop: _Hop, result: FetchResult) -> None:
        """Fill the result from the final response: status, type, body and text."""
        result.status_code = hop.status
        result.content_type = hop.mime or None
        if hop.error is not None:
            result.error = hop.error
            return
        if not 200 <= hop.status < 300:
            result.error = f"HTTP {hop.status} {_reason(hop.status)}"
            return
        if not hop.body.strip():
            result.error = "empty page"
            return
        mime = settle_type(hop.mime, hop.body)
        if mime not in self._accepted():
            result.content_type = mime or None
            result.error = unsupported(hop.mime)
            return
        result.content_type = mime
        result.body = hop.body
        result.text, result.charset = decode_body(hop.body, hop.charset)

    def _accepted(self) -> frozenset[str]:
        accepted = HTML_TYPES | {"text/plain"}
        return accepted | FEED_TYPES if self.accept == "feed" else accepted

    async def _with_retries(self, url: str, result: FetchResult) -> _Hop | None:
        """One hop, retried on transient failures; None (and result.error set) on failure."""
        o = self.options
        attempts = max(0, o.retries) + 1
        failure = ""
        for attempt in range(1, attempts + 1):
            result.attempts += 1
            wait = min(o.backoff * 2 ** (attempt - 1), o.max_wait)
            try:
                hop = await self._request(url, result)
            except (httpx.TimeoutException, TimeoutError):
                failure = "timed out"
            except (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError) as exc:
                failure = f"connection failed ({_describe(exc)})"
            except _TooLarge:
                result.error = f"too large: over {_size(o.max_bytes)}"
                return None
            except httpx.RequestError as exc:  # unsupported protocol, bad encoding, ...
                result.error = f"request failed ({_describe(exc)})"
                return None
            except (httpx.InvalidURL, UnicodeError) as exc:  # a host that cannot be encoded
                result.error = f"invalid URL: {_describe(exc)}"
                return None
            else:
                if not _retryable(hop.status):
                    return hop
                result.status_code = hop.status
                failure = f"HTTP {hop.status} {_reason(hop.status)}"
                if hop.retry_after is not None:
                    if hop.retry_after > o.max_wait:
                        result.error = f"{failure}; the server asks to wait {hop.retry_after:.0f} s"
                        return None
                    wait = hop.retry_after
                    self._gate(url).not_before = time.monotonic() + wait
            if attempt < attempts:
                await asyncio.sleep(wait)
        result.error = failure if attempts == 1 else f"{failure} after {attempts} attempts"
        return None

    def _gate(self, url: str) -> _HostGate:
        key = _host_key(url)
        gate = self.gates.get(key)
        if gate is None:
            gate = self.gates[key] = _HostGate(self.options.per_host)
        return gate

    async def _request(self, url: str, result: FetchResult) -> _Hop:
        """One GET under the host and batch limits, with an overall deadline."""
        assert self.client is not None
        async with self._gate(url), self.slots:
            started = time.monotonic()
            try:
                async with asyncio.timeout(self.options.deadline):
                    async with self.client.stream("GET", url) as response:
                        return await self._read(response, url)
            finally:
                result.elapsed += time.monotonic() - started

    async def _read(self, response: httpx.Response, url: str) -> _Hop:
        """Read as much of the response as we need, never more than max_bytes."""
        status = response.status_code
        hop = _Hop(status=status, url=url)
        if 300 <= status < 400 and response.headers.get("location"):
            hop.location = response.headers["location"]
            return hop
        if not 200 <= status < 300:
            hop.retry_after = parse_retry_after(response.headers.get("retry-after"))
            return hop
        hop.mime, hop.charset = parse_content_type(response.headers.get("content-type"))
        generic = hop.mime in GENERIC_TYPES
        if not generic and hop.mime not in self._accepted():
            hop.error = unsupported(hop.mime)  # never download what we will not use
            return hop
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.options.max_bytes:
            raise _TooLarge
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > self.options.max_bytes:
                raise _TooLarge
            if generic and hop.mime != "text/plain" and len(body) >= SNIFF_BYTES:
                if sniff_type(bytes(body)) is None:
                    hop.error = unsupported(hop.mime)  # binary behind a vague type
                    return hop
                generic = False
        hop.body = bytes(body)
        return hop


def url_problem(url: object) -> str | None:
    """Why this URL cannot be fetched, or None when it can."""
    if not isinstance(url, str) or not url.strip():
        return "invalid URL: empty"
    try:
        parsed = httpx.URL(url)
        if parsed.scheme not in ("http", "https"):
            scheme = parsed.scheme or "none"
            return f"unsupported URL scheme {scheme!r} (only http and https)"
        if not parsed.raw_host:
            return "invalid URL: no host"
        parsed.host  # noqa: B018 - decodes the host, which rejects malformed IDNA labels
    except (httpx.InvalidURL, ValueError, TypeError) as exc:  # UnicodeError is a ValueError
        return f"invalid URL: {exc}"
    return None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _retryable(status: int) -> bool:
    return status in (408, 429) or (500 <= status < 600 and status not in NO_RETRY_5XX)


def _host_key(url: str) -> str:
    parsed = httpx.URL(url)
    return f"{parsed.host}:{parsed.port or ''}"


def _reason(status: int) -> str:
    return httpx.codes.get_reason_phrase(status) or "error"


def _describe(exc: Exception) -> str:
    return str(exc) or type(exc).__name__


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} bytes"
