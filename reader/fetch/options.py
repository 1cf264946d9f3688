"""What a fetch is asked to do and what came of it: options, results, URL checks."""

from __future__ import annotations

import email.utils
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx


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
    # Longest one page may take in all (every hop, attempt and wait), however slowly
    # bytes trickle in.
    deadline: float = 120.0
    user_agent: str = "reader/0.1 (personal reading library)"
    # Let every URL reach private, loopback and link-local addresses (one's own network).
    allow_private_addresses: bool = False

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
            "allow_private_addresses",
        )
        return cls(**{name: getattr(settings, name) for name in names if hasattr(settings, name)})


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
    # True when trying again later cannot help (no such host, 404, refused, unsupported...).
    permanent: bool = False

    @property
    def ok(self) -> bool:
        """A usable page: text, or (for accept="document") the raw bytes of a PDF."""
        return self.error is None and (self.text is not None or self.body is not None)


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
