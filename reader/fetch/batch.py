"""One run of fetch_all inside its event loop: clients, limits, redirects, retries, reading.

Each page walks its redirect chain by hand under one deadline, which starts when its first
request gets a connection slot (time queued behind other pages does not count). Each hop goes through the
strict client (public addresses only) unless the page is one the user typed and the hop
stays on the host they typed, which goes through the lenient client. Failures are sorted
into permanent ones (reported at once) and transient ones (retried with backoff).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
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
    unsupported,
)
from reader.fetch.decompress import ACCEPT_ENCODING, CappedDecoder, TooLarge, UnsupportedEncoding
from reader.fetch.gates import HostGate, PageClock
from reader.fetch.options import FetchOptions, FetchResult, parse_retry_after, url_problem
from reader.fetch.policy import NameNotFound, PolicyBackend, Refused, Resolver, policy_transport

ACCEPT_HEADERS = {
    "html": "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.5,*/*;q=0.1",
    "feed": "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,"
    "text/html;q=0.5,*/*;q=0.1",
    "document": "text/html,application/xhtml+xml;q=0.9,application/pdf;q=0.8,"
    "text/plain;q=0.5,*/*;q=0.1",
}
PDF_TYPE = "application/pdf"
# 501 and 505 say the server will never do it: retrying cannot help.
NO_RETRY_5XX = frozenset({501, 505})
SNIFF_BYTES = 1024


class _Failed(Exception):
    """This page failed; `permanent` when trying again later cannot help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class _Transient(Exception):
    """One attempt failed in a way a later attempt may not."""


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


class Batch:
    """One run of fetch_all: the clients, the limits and the per-host gates."""

    def __init__(
        self,
        options: FetchOptions,
        accept: str,
        user_urls: frozenset[str] = frozenset(),
        resolver: Resolver | None = None,
        connector: Any = None,
    ) -> None:
        self.options = options
        self.accept = accept
        self.user_urls = user_urls
        self.resolver = resolver
        self.connector = connector
        self.gates: dict[str, HostGate] = {}
        self.slots = asyncio.Semaphore(max(1, options.concurrency))
        self.strict: httpx.AsyncClient | None = None
        self.lenient: httpx.AsyncClient | None = None

    @contextlib.asynccontextmanager
    async def open(self, transport: httpx.AsyncBaseTransport | None) -> AsyncIterator[None]:
        """Open the batch's clients for `async with`; `transport` (tests) replaces both."""
        allow_all = self.options.allow_private_addresses
        async with contextlib.AsyncExitStack() as stack:
            self.strict = await stack.enter_async_context(
                self._client(transport, allow_private=allow_all)
            )
            self.lenient = self.strict
            if self.user_urls and not allow_all and transport is None:
                self.lenient = await stack.enter_async_context(
                    self._client(None, allow_private=True)
                )
            yield

    def _client(
        self, transport: httpx.AsyncBaseTransport | None, *, allow_private: bool
    ) -> httpx.AsyncClient:
        o = self.options
        n = max(1, o.concurrency)
        if transport is None:
            backend = PolicyBackend(
                allow_private=allow_private, resolver=self.resolver, inner=self.connector
            )
            transport = policy_transport(backend, max_connections=n)
        timeout = httpx.Timeout(
            connect=o.connect_timeout,
            read=o.read_timeout,
            write=o.read_timeout,
            pool=o.connect_timeout + o.read_timeout,
        )
        headers = {
            "User-Agent": o.user_agent,
            "Accept": ACCEPT_HEADERS[self.accept],
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        return httpx.AsyncClient(
            timeout=timeout,
            headers=headers,
            follow_redirects=False,  # followed by hand in _follow
            transport=transport,
            trust_env=False,  # a proxy from the environment would bypass the address check
        )

    async def fetch(self, url: str) -> FetchResult:
        result = FetchResult(url=url)
        problem = url_problem(url)
        if problem is not None:
            result.error, result.permanent = problem, True
            return result
        try:
            await self._follow(result, PageClock())
        except _Failed as exc:
            result.error, result.permanent = str(exc), exc.permanent
        return result

    def _client_for(self, result: FetchResult, url: str) -> httpx.AsyncClient:
        """Lenient only for a URL the user typed and hops that stay on its host."""
        client = self.strict
        if result.url in self.user_urls and _same_host(url, result.url):
            client = self.lenient
        assert client is not None
        return client

    async def _follow(self, result: FetchResult, page: PageClock) -> None:
        """Walk the redirect chain, then judge the final response."""
        current = result.url
        visits = Counter({current: 1})
        while True:
            hop = await self._with_retries(current, result, page)
            if hop.location is None:
                break
            result.redirects.append(current)
            result.status_code = hop.status
            target = urljoin(current, hop.location)
            problem = url_problem(target)
            if problem is not None:
                raise _Failed(f"redirected to a URL we cannot fetch: {problem}", permanent=True)
            # A page may redirect back to itself once (to set a cookie, say); twice is a loop.
            visits[target] += 1
            if visits[target] > 2:
                raise _Failed("redirect loop", permanent=True)
            if len(result.redirects) > self.options.max_redirects:
                raise _Failed(
                    f"too many redirects (over {self.options.max_redirects})", permanent=True
                )
            current = target
        result.final_url = current
        self._judge(hop, result)

    def _judge(self, hop: _Hop, result: FetchResult) -> None:
        """Fill the result from the final response: status, type, body and text."""
        result.status_code = hop.status
        result.content_type = hop.mime or None
        if hop.error is not None:
            raise _Failed(hop.error, permanent=True)
        if not 200 <= hop.status < 300:
            # Only statuses _retryable turned down reach here, or a retryable one whose
            # retries ran out (reported by _with_retries instead).
            raise _Failed(f"HTTP {hop.status} {_reason(hop.status)}", permanent=True)
        if not hop.body.strip():
            raise _Failed("empty page", permanent=False)
        mime = self._settle(hop.mime, hop.body)
        if mime not in self._accepted():
            result.content_type = mime or None
            raise _Failed(unsupported(hop.mime), permanent=True)
        result.content_type = mime
        result.body = hop.body
        if mime == PDF_TYPE:
            return  # raw bytes for the PDF extractor; no text
        result.text, result.charset = decode_body(hop.body, hop.charset)

    def _settle(self, mime: str, body: bytes) -> str:
        if self.accept == "document" and mime in GENERIC_TYPES and body.startswith(b"%PDF-"):
            return PDF_TYPE
        return settle_type(mime, body)

    def _accepted(self) -> frozenset[str]:
        accepted = HTML_TYPES | {"text/plain"}
        if self.accept == "feed":
            return accepted | FEED_TYPES
        if self.accept == "document":
            return accepted | {PDF_TYPE}
        return accepted

    async def _with_retries(self, url: str, result: FetchResult, page: PageClock) -> _Hop:
        """One hop, retried on transient failures; raises _Failed when it cannot be had."""
        o = self.options
        attempts = max(0, o.retries) + 1
        loop = asyncio.get_running_loop()
        for attempt in range(1, attempts + 1):
            result.attempts += 1
            wait = min(o.backoff * 2 ** (attempt - 1), o.max_wait)
            try:
                hop = await self._attempt(url, result, page)
            except _Transient as exc:
                failure = str(exc)
            else:
                if not _retryable(hop.status):
                    return hop
                result.status_code = hop.status
                failure = f"HTTP {hop.status} {_reason(hop.status)}"
                if hop.retry_after is not None:
                    if hop.retry_after > o.max_wait:
                        message = f"{failure}; the server asks to wait {hop.retry_after:.0f} s"
                        raise _Failed(message, permanent=False)
                    wait = hop.retry_after
                    self._gate(url).not_before = time.monotonic() + wait
            if attempt == attempts or loop.time() + wait >= page.ends(loop, o.deadline):
                break
            await asyncio.sleep(wait)
        # The count of attempts is in result.attempts; the message stays one clean line.
        raise _Failed(failure, permanent=False)

    async def _attempt(self, url: str, result: FetchResult, page: PageClock) -> _Hop:
        """One request, with every failure sorted into _Failed (permanent) or _Transient."""
        try:
            return await self._request(url, result, page)
        except (Refused, NameNotFound) as exc:
            raise _Failed(str(exc), permanent=True) from exc
        except TooLarge as exc:
            raise _Failed(
                f"too large: over {_size(self.options.max_bytes)}", permanent=True
            ) from exc
        except UnsupportedEncoding as exc:
            raise _Failed(str(exc), permanent=True) from exc
        except httpx.TimeoutException as exc:
            raise _Transient("timed out") from exc
        except httpx.RemoteProtocolError as exc:
            if "too long" in str(exc).lower() or "too large" in str(exc).lower():
                raise _Failed("response headers too large", permanent=True) from exc
            raise _Transient(f"connection failed ({_describe(exc)})") from exc
        except (httpx.NetworkError, httpx.ProxyError) as exc:
            raise _Transient(f"connection failed ({_describe(exc)})") from exc
        except httpx.RequestError as exc:  # unsupported protocol, bad encoding, ...
            raise _Failed(f"request failed ({_describe(exc)})", permanent=True) from exc
        except (httpx.InvalidURL, UnicodeError) as exc:  # a host that cannot be encoded
            raise _Failed(f"invalid URL: {_describe(exc)}", permanent=True) from exc

    def _gate(self, url: str) -> HostGate:
        key = _host_key(url)
        gate = self.gates.get(key)
        if gate is None:
            gate = self.gates[key] = HostGate(self.options.per_host)
        return gate

    async def _request(self, url: str, result: FetchResult, page: PageClock) -> _Hop:
        """One GET under the host and batch limits, and the page's deadline."""
        client = self._client_for(result, url)
        async with self._gate(url), self.slots:
            loop = asyncio.get_running_loop()
            started = time.monotonic()
            try:
                async with asyncio.timeout_at(page.ends(loop, self.options.deadline)):
                    async with client.stream("GET", url) as response:
                        return await self._read(response, url)
            except TimeoutError as exc:  # the page's deadline, not one read's timeout
                message = f"timed out: no whole page within {self.options.deadline:g} s"
                raise _Failed(message, permanent=False) from exc
            finally:
                result.elapsed += time.monotonic() - started

    async def _read(self, response: httpx.Response, url: str) -> _Hop:
        """Read as much of the response as we need, never more than max_bytes decoded."""
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
        cap = self.options.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise TooLarge
        decoder = CappedDecoder(response.headers.get("content-encoding"), cap)
        body = bytearray()
        raw_total = 0
        async for raw in _raw_chunks(response):
            raw_total += len(raw)
            if raw_total > cap:
                raise TooLarge
            body += decoder.feed(raw)
            if generic and hop.mime != "text/plain" and len(body) >= SNIFF_BYTES:
                if self._settle("", bytes(body)) in GENERIC_TYPES:
                    hop.error = unsupported(hop.mime)  # binary behind a vague type
                    return hop
                generic = False
        hop.body = bytes(body)
        return hop


async def _raw_chunks(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body as sent (still content-encoded), or the content of a prebuilt response."""
    if response.is_stream_consumed:  # a response built in memory (httpx.MockTransport)
        yield response.content
        return
    async for chunk in response.aiter_raw():
        yield chunk


def _same_host(a: str, b: str) -> bool:
    try:
        return httpx.URL(a).host.rstrip(".") == httpx.URL(b).host.rstrip(".")
    except (httpx.InvalidURL, ValueError):
        return False


def _retryable(status: int) -> bool:
    return status in (408, 429) or (500 <= status < 600 and status not in NO_RETRY_5XX)


def _host_key(url: str) -> str:
    parsed = httpx.URL(url)
    return f"{parsed.host}:{parsed.port or ''}"


def _reason(status: int) -> str:
    return httpx.codes.get_reason_phrase(status) or "error"


def _describe(exc: BaseException) -> str:
    """The most telling words about a failure: the OS's own reason when there is one."""
    seen: BaseException | None = exc
    for _ in range(8):  # the causes chain is short; never follow a cycle for ever
        if seen is None:
            break
        if isinstance(seen, OSError) and seen.errno:
            return os.strerror(seen.errno).lower()
        seen = seen.__cause__ or seen.__context__
    return str(exc) or type(exc).__name__


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} bytes"
