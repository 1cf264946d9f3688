"""Caps that hold: decoded size across Content-Encoding stacks, one deadline per page,
header size, content types, and PDFs as raw bytes when asked. A real server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import gzip
import resource
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reader.fetch.client import FetchOptions, FetchResult, fetch_all
from reader.fetch.decompress import CappedDecoder, TooLarge, UnsupportedEncoding

PAGE = (
    "<html><head><title>Café</title></head><body>"
    + "<p>Un café crème — déjà vu, naïve “quotes”.</p>" * 50
    + "</body></html>"
).encode()
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def gzip_zeros(size: int) -> bytes:
    """`size` zero bytes gzipped, built a megabyte at a time (about a thousandfold smaller)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1024 * 1024)
    parts = [packer.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join(parts) + packer.flush()


BOMB_1 = gzip_zeros(16 * 1024 * 1024)  # 16 MB of zeros in ~16 KB, sixteen times the cap
BOMB_2 = gzip.compress(BOMB_1, 9)  # the same, gzipped twice: a few hundred bytes
ROUTES: dict[str, tuple[dict[str, str], bytes]] = {
    "/gzip": ({"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
              gzip.compress(PAGE)),
    "/gzip-gzip": ({"Content-Type": "text/html", "Content-Encoding": "gzip, gzip"},
                   gzip.compress(gzip.compress(PAGE))),
    "/deflate": ({"Content-Type": "text/html", "Content-Encoding": "deflate"},
                 zlib.compress(PAGE)),
    "/bomb": ({"Content-Type": "text/html", "Content-Encoding": "gzip"}, BOMB_1),
    "/bomb-stack": ({"Content-Type": "text/html", "Content-Encoding": "gzip, gzip"}, BOMB_2),
    "/brotli": ({"Content-Type": "text/html", "Content-Encoding": "br"}, b"\x1b\x00\x00"),
    "/pdf": ({"Content-Type": "application/pdf"}, PDF),
    "/pdf-untyped": ({"Content-Type": "application/octet-stream"}, PDF),
    "/zip": ({"Content-Type": "application/zip"}, b"PK\x03\x04" + b"\0" * 100),
    "/huge-headers": ({"Content-Type": "text/html", "X-Filler": "a" * 200_000}, PAGE),
}


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/trickle":
            self._trickle()
            return
        if self.path.startswith("/slowish"):
            time.sleep(0.4)
            self.path = "/gzip"
        headers, body = ROUTES[self.path]
        self.send_response(200)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def _trickle(self) -> None:
        """A byte every 50 ms, for ever (until the client gives up): no read ever times out."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        try:
            for _ in range(2000):
                self.wfile.write(b"<")
                self.wfile.flush()
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def fetch_one(url: str, **kw: object) -> FetchResult:
    accept = kw.pop("accept", "html")
    base: dict[str, object] = {"retries": 0, "read_timeout": 2.0, "max_bytes": 1024 * 1024}
    base.update(kw)
    results: list[FetchResult] = []
    # The server is ours, on 127.0.0.1: typed URLs, as `reader add` would pass them.
    fetch_all([url], FetchOptions(**base), results.append, accept=accept,  # type: ignore[arg-type]
              user_urls=[url])
    return results[0]


@pytest.mark.parametrize("route", ["/gzip", "/gzip-gzip", "/deflate"])
def test_encoded_pages_decode(server: str, route: str) -> None:
    result = fetch_one(server + route)
    assert result.ok, result.error
    assert result.body == PAGE and "déjà vu" in (result.text or "")


@pytest.mark.parametrize("route", ["/bomb", "/bomb-stack"])
def test_bombs_stop_at_the_cap_with_memory_bounded(server: str, route: str) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = fetch_one(server + route)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert result.error == "too large: over 1 MB" and result.permanent
    assert result.body is None
    assert grown_kb < 64 * 1024, f"peak memory grew {grown_kb} KB"


def test_an_encoding_we_do_not_decode_is_an_error(server: str) -> None:
    result = fetch_one(server + "/brotli")
    assert result.error == "unsupported content encoding br" and result.permanent


def test_a_trickling_server_is_cut_off_by_the_page_deadline(server: str) -> None:
    started = time.monotonic()
    result = fetch_one(server + "/trickle", deadline=1.0, read_timeout=5.0)
    took = time.monotonic() - started
    assert result.error == "timed out: no whole page within 1 s"
    assert not result.permanent
    assert took < 4.0


def test_huge_headers_are_refused(server: str) -> None:
    result = fetch_one(server + "/huge-headers")
    assert result.error == "response headers too large" and result.permanent


@pytest.mark.parametrize("route", ["/pdf", "/pdf-untyped"])
def test_pdf_is_raw_bytes_when_documents_are_asked_for(server: str, route: str) -> None:
    result = fetch_one(server + route, accept="document")
    assert result.ok, result.error
    assert result.body == PDF and result.text is None
    assert result.content_type == "application/pdf"


def test_pdf_is_unsupported_for_pages_and_other_types_always(server: str) -> None:
    assert fetch_one(server + "/pdf").error == "unsupported content type application/pdf"
    assert fetch_one(server + "/zip", accept="document").error == (
        "unsupported content type application/zip"
    )
    html = fetch_one(server + "/gzip", accept="document")
    assert html.ok and html.text is not None and html.content_type == "text/html"


def test_capped_decoder_counts_one_running_total() -> None:
    page = b"x" * 1000
    decoder = CappedDecoder("gzip", cap=2500)
    for _ in range(2):
        assert decoder.feed(gzip.compress(page)) == page  # concatenated members
    with pytest.raises(TooLarge):
        decoder.feed(gzip.compress(page))


def test_capped_decoder_takes_the_body_in_any_pieces() -> None:
    body = gzip.compress(gzip.compress(PAGE))
    decoder = CappedDecoder("gzip, gzip", cap=len(PAGE))
    out = b"".join(decoder.feed(body[i : i + 7]) for i in range(0, len(body), 7))
    assert out == PAGE


def test_capped_decoder_refuses_corrupt_data_and_unknown_codings() -> None:
    with pytest.raises(UnsupportedEncoding):
        CappedDecoder("gzip", cap=100).feed(b"\x1f\x8bnot really gzip at all")
    with pytest.raises(UnsupportedEncoding):
        CappedDecoder("zstd", cap=100)
    assert CappedDecoder("identity", cap=100).feed(b"plain") == b"plain"
    raw_deflate = zlib.compressobj(wbits=-15)
    data = raw_deflate.compress(PAGE) + raw_deflate.flush()
    assert CappedDecoder("deflate", cap=len(PAGE)).feed(data) == PAGE


def test_time_queued_behind_other_pages_is_not_counted(server: str) -> None:
    urls = [f"{server}/slowish?{i}" for i in range(4)]
    results: list[FetchResult] = []
    options = FetchOptions(retries=0, read_timeout=2.0, deadline=1.0, concurrency=1)
    fetch_all(urls, options, results.append, user_urls=urls)
    # One at a time, 0.4 s each: the last starts after 1.2 s, past the 1 s deadline.
    assert [r.error for r in results] == [None] * 4
