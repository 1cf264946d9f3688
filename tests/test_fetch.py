"""reader.fetch.client against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import httpx
import pytest

from reader.config import Settings
from reader.fetch.client import FetchOptions, FetchResult, fetch_all, parse_retry_after
from reader.fetch.decode import decode_body, sniff_type
from tests.httpserver import (
    BIG_BYTES,
    TestServer,
    http_server_fixture,  # noqa: F401 (the fixture)
)


def fast_options(**overrides: object) -> FetchOptions:
    """Small timeouts and backoff, so failures fail quickly.

    The test server listens on 127.0.0.1, which the address policy refuses for any URL the
    user did not type: these tests of the client's mechanics allow private addresses on
    purpose. The policy itself is tested in test_fetch_policy.py.
    """
    base = {
        "allow_private_addresses": True,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "retries": 2,
        "backoff": 0.01,
        "max_wait": 1.0,
    }
    base.update(overrides)
    return FetchOptions(**base)  # type: ignore[arg-type]


def fetch(urls: list[str], options: FetchOptions | None = None, **kw: object) -> list[FetchResult]:
    results: list[FetchResult] = []
    fetch_all(urls, options or fast_options(), results.append, **kw)  # type: ignore[arg-type]
    return results


def fetch_one(url: str, options: FetchOptions | None = None, **kw: object) -> FetchResult:
    (result,) = fetch([url], options, **kw)
    return result


def test_fetches_a_page_with_its_metadata(http_server: TestServer) -> None:
    url = http_server.url("/pages/essay-gardens.html")
    result = fetch_one(url)
    assert result.ok, result.error
    assert result.url == result.final_url == url
    assert result.redirects == []
    assert result.status_code == 200
    assert result.content_type == "text/html"
    assert result.charset == "utf-8"
    assert result.attempts == 1
    assert result.body is not None and b"Kitchen Gardens" in result.body
    assert result.text is not None and "Why Kitchen Gardens Keep Coming Back" in result.text
    assert http_server.user_agents == [FetchOptions().user_agent]


def test_every_url_is_reported_once_in_the_callers_thread(http_server: TestServer) -> None:
    paths = ["/pages/essay-gardens.html", "/missing", "/pages/essay-bridges.html", "/empty"]
    urls = [http_server.url(p) for p in paths] + ["not a url", "ftp://example.org/file"]
    threads: set[int] = set()
    results: list[FetchResult] = []

    def on_result(result: FetchResult) -> None:
        threads.add(threading.get_ident())
        results.append(result)

    fetch_all(urls, fast_options(), on_result)
    assert sorted(r.url for r in results) == sorted(urls)
    assert threads == {threading.get_ident()}
    by_url = {r.url: r for r in results}
    assert [by_url[u].ok for u in urls] == [True, False, True, False, False, False]


def test_invalid_urls_are_errors_not_exceptions() -> None:
    results = fetch(
        ["", "not a url", "ftp://example.org/x", "http://", "http://[::1/", "http://xn--/"]
    )
    errors = {r.url: r.error for r in results}
    assert errors["ftp://example.org/x"] == "unsupported URL scheme 'ftp' (only http and https)"
    assert all(
        error and error.startswith(("invalid URL", "unsupported")) for error in errors.values()
    )
    assert all(r.attempts == 0 and r.text is None for r in results)


def test_404_is_reported_and_not_retried(http_server: TestServer) -> None:
    result = fetch_one(http_server.url("/missing"))
    assert result.error == "HTTP 404 Not Found" and result.permanent
    assert result.status_code == 404
    assert result.attempts == 1 and http_server.hits["/missing"] == 1
    assert result.body is None and result.text is None


def test_other_4xx_are_not_retried(http_server: TestServer) -> None:
    result = fetch_one(http_server.url("/forbidden"))
    assert result.error == "HTTP 403 Forbidden"
    assert http_server.hits["/forbidden"] == 1


def test_500_then_success_is_retried(http_server: TestServer) -> None:
    result = fetch_one(http_server.url("/flaky"))
    assert result.ok, result.error
    assert result.attempts == 2 and http_server.hits["/flaky"] == 2
    assert "Kitchen Gardens" in (result.text or "")


def test_persistent_5xx_gives_up_after_every_attempt(http_server: TestServer) -> None:
    result = fetch_one(http_server.url("/always-500"), fast_options(retries=2))
    assert result.error == "HTTP 503 Service Unavailable"
    assert not result.permanent
    assert result.status_code == 503
    assert result.attempts == 3 and http_server.hits["/always-500"] == 3


def test_429_with_retry_after_zero_then_success(http_server: TestServer) -> None:
    # A huge backoff proves the wait came from Retry-After: 0, not from the backoff.
    result = fetch_one(http_server.url("/ratelimited"), fast_options(backoff=30.0, max_wait=60.0))
    assert result.ok, result.error
    assert result.attempts == 2 and http_server.hits["/ratelimited"] == 2


def test_429_asking_for_too_long_a_wait_stops_retrying(http_server: TestServer) -> None:
    result = fetch_one(http_server.url("/ratelimited-long"), fast_options(max_wait=60.0))
    assert result.error == "HTTP 429 Too Many Requests; the server asks to wait 3600 s"
    assert result.attempts == 1


def test_slow_response_times_out_after_every_attempt(http_server: TestServer) -> None:
    result = fetch_one(http_server.url("/slow"), fast_options(read_timeout=0.2, retries=1))
    assert result.error == "timed out" and not result.permanent
    assert result.attempts == 2 and http_server.hits["/slow"] == 2
    assert result.text is None


def test_redirect_chain_records_every_hop(http_server: TestServer) -> None:
    start = http_server.url("/redirect/3")
    result = fetch_one(start)
    assert result.ok, result.error
    assert result.redirects == [
        start,
        http_server.url("/redirect/2"),
        http_server.url("/redirect/1"),
    ]
    assert result.final_url == http_server.url("/pages/essay-gardens.html")
    assert result.url == start


def test_redirect_loop_is_detected(http_server: TestServer) -> None:
    result = fetch_one(http_server.url("/loop/a"))
    assert result.error == "redirect loop"
    assert result.final_url is None and result.text is None
    assert http_server.hits["/loop/a"] + http_server.hits["/loop/b"] < 10


def test_too_many_redirects(http_server: TestServer) -> None:
    result = fetch_one(http_server.url("/chain/0"), fast_options(max_redirects=4))
    assert result.error == "too many redirects (over 4)"
    assert len(result.redirects) == 5


def test_redirect_to_another_scheme_is_an_error(http_server: TestServer) -> None:
    result = fetch_one(http_server.url("/to-ftp"))
    assert result.error is not None and "unsupported URL scheme 'ftp'" in result.error


@pytest.mark.parametrize("path", ["/big", "/big-unsized"])
def test_body_over_the_cap_is_refused(http_server: TestServer, path: str) -> None:
    result = fetch_one(http_server.url(path), fast_options(max_bytes=64 * 1024))
    assert result.error == "too large: over 64 KB"
    assert result.body is None and result.attempts == 1


def test_body_under_the_cap_is_kept(http_server: TestServer) -> None:
    result = fetch_one(http_server.url("/big"), fast_options(max_bytes=BIG_BYTES * 2))
    assert result.ok and result.body is not None and len(result.body) > BIG_BYTES


def test_default_cap_is_described_in_megabytes(http_server: TestServer) -> None:
    result = fetch_one(http_server.url("/big"), fast_options(max_bytes=10 * 1024 * 1024))
    assert result.ok
    small = fetch_one(http_server.url("/big"), fast_options(max_bytes=1024 * 1024 // 8))
    assert small.error == "too large: over 128 KB"


@pytest.mark.parametrize(
    ("path", "kind"), [("/report.pdf", "application/pdf"), ("/photo.png", "image/png")]
)
def test_unsupported_content_types(http_server: TestServer, path: str, kind: str) -> None:
    result = fetch_one(http_server.url(path))
    assert result.error == f"unsupported content type {kind}"
    assert result.content_type == kind
    assert result.body is None and result.text is None


def test_empty_page(http_server: TestServer) -> None:
    result = fetch_one(http_server.url("/empty"))
    assert result.error == "empty page"
    assert result.status_code == 200


def test_missing_content_type_is_sniffed(http_server: TestServer) -> None:
    result = fetch_one(http_server.url("/no-type"))
    assert result.ok, result.error
    assert result.content_type == "text/html"
    assert "Notes on Bridges That Move" in (result.text or "")


def test_generic_content_type_holding_html_is_sniffed(http_server: TestServer) -> None:
    result = fetch_one(http_server.url("/octet-page"))
    assert result.ok and result.content_type == "text/html"


def test_latin1_page_decodes(http_server: TestServer) -> None:
    result = fetch_one(http_server.url("/pages/latin1-cafe.html"))
    assert result.ok
    assert result.charset == "cp1252"
    assert "Le café du coin" in (result.text or "")
    assert "« Et où iraient-ils, tous ? »" in (result.text or "")


def test_utf8_page_declared_latin1_still_decodes(http_server: TestServer) -> None:
    result = fetch_one(http_server.url("/charset/utf8-declared-latin1"))
    assert result.charset == "utf-8"
    text = result.text or ""
    assert "café-lined canal in Zürich" in text and "naïve" in text and "Ã" not in text


def test_latin1_page_declared_utf8_still_decodes(http_server: TestServer) -> None:
    result = fetch_one(http_server.url("/charset/latin1-declared-utf8"))
    assert result.charset == "cp1252"
    assert "À sept heures, les premiers habitués" in (result.text or "")
    assert "\ufffd" not in (result.text or "")


def test_charset_from_meta_tag(http_server: TestServer) -> None:
    result = fetch_one(http_server.url("/pages/cyrillic-meta.html"))
    assert result.charset == "cp1251"
    assert "Зимняя рыбалка на озере" in (result.text or "")


def test_feeds_only_when_asked(http_server: TestServer) -> None:
    url = http_server.url("/feed.xml")
    as_page = fetch_one(url)
    assert as_page.error == "unsupported content type application/rss+xml"
    as_feed = fetch_one(url, accept="feed")
    assert as_feed.ok and as_feed.content_type == "application/rss+xml"
    assert "<title>Field Notes Quarterly</title>" in (as_feed.text or "")


def test_unknown_accept_mode_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        fetch_all(["http://127.0.0.1/"], fast_options(), print, accept="pdf")


def test_per_host_limit_holds(http_server: TestServer) -> None:
    http_server.gate_size, http_server.gate_total = 2, 6
    urls = [http_server.url(f"/gate?n={i}") for i in range(6)]
    results = fetch(urls, fast_options(concurrency=8, per_host=2))
    assert all(r.ok for r in results)
    assert http_server.max_in_flight == 2


def test_global_limit_holds(http_server: TestServer) -> None:
    http_server.gate_size, http_server.gate_total = 3, 7
    urls = [http_server.url(f"/gate?n={i}") for i in range(7)]
    results = fetch(urls, fast_options(concurrency=3, per_host=10))
    assert all(r.ok for r in results)
    assert http_server.max_in_flight == 3


def test_results_arrive_as_they_finish_and_stop_ends_the_batch(http_server: TestServer) -> None:
    urls = [http_server.url("/hold"), http_server.url("/pages/essay-gardens.html")]
    results: list[FetchResult] = []
    fetch_all(urls, fast_options(read_timeout=30.0), results.append, lambda: bool(results))
    # The held request was still waiting on the server when the batch ended.
    assert not http_server.release.is_set()
    assert [r.url for r in results] == [urls[1]]


def test_an_error_in_the_callback_stops_the_batch(http_server: TestServer) -> None:
    def explode(result: FetchResult) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        fetch_all([http_server.url("/pages/essay-gardens.html")], fast_options(), explode)


def test_connection_refused_is_retried_then_reported() -> None:
    server = TestServer()
    url = server.url("/pages/essay-gardens.html")
    server.httpd.server_close()  # the port is now closed
    result = fetch_one(url, fast_options(retries=1))
    assert result.error is not None and result.error.startswith("connection failed")
    assert result.error == "connection failed (connection refused)" and result.attempts == 2
    assert not result.permanent


def test_injected_transport_is_used() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, html="<html><body><p>from the mock</p></body></html>")

    result = fetch_one("http://example.test/a", transport=httpx.MockTransport(handler))
    assert result.ok and "from the mock" in (result.text or "")


def test_options_from_settings() -> None:
    settings = Settings(concurrency=3, per_host=1, retries=5, user_agent="me/1.0", max_bytes=99)
    options = FetchOptions.from_settings(settings)
    assert (options.concurrency, options.per_host, options.retries) == (3, 1, 5)
    assert (options.user_agent, options.max_bytes) == ("me/1.0", 99)
    assert options.read_timeout == settings.read_timeout


def test_retry_after_parsing() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("0") == 0.0
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    ("body", "declared", "expected", "codec"),
    [
        ("naïve café".encode(), "iso-8859-1", "naïve café", "utf-8"),
        ("naïve café".encode("cp1252"), "utf-8", "naïve café", "cp1252"),
        ("smart “quotes”".encode("cp1252"), None, "smart “quotes”", "cp1252"),
        (b'<meta charset="koi8-r">' + "тест".encode("koi8_r"), None, "тест", "koi8-r"),
        (b"\xef\xbb\xbfwith bom", "iso-8859-1", "\ufeffwith bom", "utf-8"),
        ("日本語".encode("iso2022_jp"), "iso-2022-jp", "日本語", "iso2022_jp"),
    ],
)
def test_decode_body(body: bytes, declared: str | None, expected: str, codec: str) -> None:
    text, used = decode_body(body, declared)
    assert expected in text
    assert used == codec


def test_sniff_type() -> None:
    assert sniff_type(b"  <!DOCTYPE html><html>") == "text/html"
    assert sniff_type(b"<!-- hi --><html lang=en>") == "text/html"
    assert sniff_type(b'<?xml version="1.0"?><rss version="2.0">') == "application/rss+xml"
    assert sniff_type(b'<?xml version="1.0"?><feed xmlns="x">') == "application/atom+xml"
    assert sniff_type(b"%PDF-1.4") is None
    assert sniff_type(b"just words") is None


@pytest.mark.parametrize("declared", ["utf-8", None])
def test_a_few_invalid_bytes_keep_utf8(declared: str | None) -> None:
    body = (
        "<p>Un café crème — déjà vu, naïve “quotes”.</p>".encode() * 20
        + b"\xff stray \xc3"
        + "<p>Fin — à bientôt.</p>".encode()
    )
    text, used = decode_body(body, declared)
    assert used == "utf-8"
    assert text.count("\ufffd") == 2
    assert "déjà vu, naïve “quotes”" in text and "Fin — à bientôt." in text


def test_a_few_invalid_bytes_keep_a_declared_charset() -> None:
    body = ("Зимняя рыбалка на озере. " * 40).encode("cp1251") + b"\x98"
    text, used = decode_body(body, "windows-1251")
    assert used == "cp1251"
    assert text.count("\ufffd") == 1 and "Зимняя рыбалка на озере." in text


def test_a_page_wholly_in_another_charset_is_still_redecoded() -> None:
    body = ('<meta charset="iso-8859-1"><p>' + "Le café du coin, à côté de l'église. " * 10)
    text, used = decode_body(body.encode("cp1252"), "utf-8")
    assert used == "cp1252" and "\ufffd" not in text and "à côté de l'église" in text
