"""A real HTTP server on 127.0.0.1 for fetch tests: sample pages and misbehaving routes.

Use the `http_server` fixture: `from tests.httpserver import http_server_fixture` in
conftest.py or in a test module (the function has another name than the fixture, so
test parameters named `http_server` do not shadow an import), then
`http_server.url("/pages/essay-gardens.html")`, `http_server.hits["/flaky"]`.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

PAGES = Path(__file__).with_name("pages")
# How long the slow and held routes keep a client waiting unless released first.
HOLD_SECONDS = 5.0
BIG_BYTES = 256 * 1024

# path -> (file in tests/pages, or "" for a built-in body; Content-Type header, None for none)
STATIC: dict[str, tuple[str, str | None]] = {
    "/pages/essay-gardens.html": ("essay-gardens.html", "text/html; charset=utf-8"),
    "/pages/essay-bridges.html": ("essay-bridges.html", "text/html; charset=utf-8"),
    "/pages/guide-sourdough.html": ("guide-sourdough.html", "text/html"),
    "/pages/app-shell.html": ("app-shell.html", "text/html; charset=utf-8"),
    "/pages/latin1-cafe.html": ("latin1-cafe.html", "text/html; charset=ISO-8859-1"),
    "/pages/cyrillic-meta.html": ("cyrillic-meta.html", "text/html"),
    "/feed.xml": ("feed.xml", "application/rss+xml; charset=utf-8"),
    # UTF-8 bytes that the header calls ISO-8859-1.
    "/charset/utf8-declared-latin1": ("essay-bridges.html", "text/html; charset=iso-8859-1"),
    # ISO-8859-1 bytes that the header calls UTF-8 (the <meta> tells the truth).
    "/charset/latin1-declared-utf8": ("latin1-cafe.html", "text/html; charset=utf-8"),
    "/no-type": ("essay-bridges.html", None),
    "/octet-page": ("essay-gardens.html", "application/octet-stream"),
    "/report.pdf": ("", "application/pdf"),
    "/photo.png": ("", "image/png"),
    "/empty": ("", "text/html; charset=utf-8"),
}
REDIRECTS = {
    "/redirect/3": "/redirect/2",
    "/redirect/2": "1",  # relative: resolved against /redirect/2
    "/redirect/1": "/pages/essay-gardens.html",
    "/loop/a": "/loop/b",
    "/loop/b": "/loop/a",
    "/to-ftp": "ftp://127.0.0.1/file.txt",
}
PDF_BYTES = b"%PDF-1.4\n% sample\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


class TestServer:
    """The running server: where it listens and what it has seen."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.release = threading.Event()  # set to let held requests finish
        self.in_flight = 0
        self.max_in_flight = 0
        self.gate = threading.Condition(self.lock)
        self.gate_size = 2  # requests the /gate route waits to see in flight at once
        self.gate_total = 0  # requests to /gate the test will send in all
        self.gate_arrived = 0
        self.user_agents: list[str] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.httpd.owner = self  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> TestServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        with self.gate:
            self.gate.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


class _Handler(BaseHTTPRequestHandler):
    server_version = "reader-test/1.0"
    disable_nagle_algorithm = True  # no delayed-ACK stalls between headers and body

    @property
    def owner(self) -> TestServer:
        return self.server.owner  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return  # keep pytest output clean

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        owner = self.owner
        path = self.path.split("?", 1)[0]
        with owner.lock:
            owner.hits[path] += 1
            count = owner.hits[path]
            owner.user_agents.append(self.headers.get("User-Agent", ""))
        if path in STATIC:
            self._static(path)
        elif path in REDIRECTS:
            self._send(302, b"", "text/html", {"Location": REDIRECTS[path]})
        elif path.startswith("/chain/"):
            step = int(path.rsplit("/", 1)[1])
            self._send(301, b"", "text/html", {"Location": f"/chain/{step + 1}"})
        elif path == "/missing":
            self._send(404, b"<h1>Not here</h1>", "text/html")
        elif path == "/forbidden":
            self._send(403, b"<h1>Forbidden</h1>", "text/html")
        elif path == "/flaky":
            # A 500 the first time, then the page.
            if count == 1:
                self._send(500, b"<h1>Oops</h1>", "text/html")
            else:
                self._static("/pages/essay-gardens.html")
        elif path == "/always-500":
            self._send(503, b"<h1>Down</h1>", "text/html")
        elif path == "/ratelimited":
            if count == 1:
                self._send(429, b"slow down", "text/plain", {"Retry-After": "0"})
            else:
                self._static("/pages/essay-bridges.html")
        elif path == "/ratelimited-long":
            self._send(429, b"slow down", "text/plain", {"Retry-After": "3600"})
        elif path == "/slow":
            owner.release.wait(HOLD_SECONDS)  # far past any test's read timeout
            self._static("/pages/essay-gardens.html")
        elif path == "/hold":
            owner.release.wait(HOLD_SECONDS)
            self._static("/pages/essay-gardens.html")
        elif path == "/gate":
            self._gate()
        elif path == "/big":
            self._send(200, _big_page(), "text/html; charset=utf-8")
        elif path == "/big-unsized":
            self._unsized(_big_page(), "text/html; charset=utf-8")
        else:
            self._send(404, b"no such route", "text/plain")

    def _static(self, path: str) -> None:
        name, content_type = STATIC[path]
        body = b""
        if name:
            body = (PAGES / name).read_bytes()
        elif path == "/report.pdf":
            body = PDF_BYTES
        elif path == "/photo.png":
            body = PNG_BYTES
        self._send(200, body, content_type)

    def _gate(self) -> None:
        """Hold each request until `gate_size` are in flight together, or all have come."""
        owner = self.owner
        with owner.gate:
            owner.in_flight += 1
            owner.max_in_flight = max(owner.max_in_flight, owner.in_flight)
            owner.gate.notify_all()
            owner.gate_arrived += 1
            # Wait until the limit is reached or no further request can come.
            owner.gate.wait_for(
                lambda: (
                    owner.in_flight >= owner.gate_size or owner.gate_arrived >= owner.gate_total
                ),
                timeout=HOLD_SECONDS,
            )
        try:
            self._static("/pages/essay-bridges.html")
        finally:
            with owner.gate:
                owner.in_flight -= 1

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self._write(body)

    def _unsized(self, body: bytes, content_type: str) -> None:
        """A body without Content-Length, ended by closing the connection."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        for start in range(0, len(body), 16384):
            if not self._write(body[start : start + 16384]):
                return

    def _write(self, data: bytes) -> bool:
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            return False  # the client gave up (a timeout or a size cap): expected
        return True


def _big_page() -> bytes:
    paragraph = "<p>" + "An endless page about nothing in particular. " * 20 + "</p>\n"
    html = "<html><head><title>Big</title></head><body>"
    while len(html) < BIG_BYTES:
        html += paragraph
    return (html + "</body></html>").encode("utf-8")


@pytest.fixture(name="http_server")
def http_server_fixture() -> Iterator[TestServer]:
    """A fresh server for one test, stopped afterwards."""
    server = TestServer().start()
    try:
        yield server
    finally:
        server.stop()
