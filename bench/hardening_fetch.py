"""Fetch hardening, measured: SSRF refusals, bounded bombs and slow servers, capped imports,
fuzzed importers. Everything runs against servers on 127.0.0.1 with a fake resolver; nothing
leaves the machine.

    python bench/hardening_fetch.py [--fuzz N]

`run()` returns the figures as a dict (bench/hardening.py merges it); the script prints it as
one JSON object. Memory is the growth of this process's peak RSS during each case. For the
bombs, the baseline measured in the same run is httpx decoding the same body on its own:
the largest piece it produces in one step, against our cap.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import os
import random
import resource
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpcore  # noqa: E402
import httpx  # noqa: E402

from reader.errors import BadInput  # noqa: E402
from reader.fetch.client import FetchOptions, FetchResult, fetch_all  # noqa: E402
from reader.fetch.importers import FORMATS, read_import  # noqa: E402

PUBLIC_IP = "93.184.216.34"  # stands for a public server; the connector maps it to ours
PAGE = b"<html><head><title>t</title></head><body>" + b"<p>words here</p>" * 40 + b"</body></html>"
DNS = {
    "public.test": [PUBLIC_IP],
    "intranet.test": ["10.0.0.1"],
    "router.test": ["192.168.1.1"],
    "metadata.test": ["169.254.169.254"],
    "cgnat.test": ["100.64.0.7"],
    "mixed.test": [PUBLIC_IP, "172.16.0.1"],
    "mapped.test": ["::ffff:10.1.2.3"],
    "nat64.test": ["64:ff9b::a9fe:a9fe"],
    "sixtofour.test": ["2002:c0a8:101::"],
    "ula.test": ["fd00::1"],
    "v6local.test": ["::1"],
}
SPELLINGS = [
    "127.0.0.1", "127.1", "2130706433", "0x7f000001", "0x7f.1", "017700000001", "0177.0.0.1",
    "[::ffff:127.0.0.1]", "[::1]", "localhost", "localhost.", "LOCALHOST", "127.0.0.1.",
    "a.localhost", "0", "0.0.0.0", "[::]", "[64:ff9b::7f00:1]", "[2002:7f00:1::]", "10.0.0.1",
    "169.254.169.254", "[fe80::1]", "100.100.100.100", "224.0.0.1", "255.255.255.255",
]  # fmt: skip


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def _start_peak() -> int:
    """Reset the peak RSS (Linux: clear_refs 5) and return the RSS now, in KB."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        now = _status_kb("VmRSS")
        if now is not None:
            return now
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _peak_since(start: int) -> int:
    """How far the peak RSS rose above `start`, in KB."""
    peak = _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return max(0, peak - start)


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
    hits: list[str] = []

    def log_message(self, *args: object) -> None:
        return

    def do_GET(self) -> None:  # noqa: N802
        self.hits.append(self.path)
        if self.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            with contextlib.suppress(OSError):
                for _ in range(600):
                    self.wfile.write(b"<")
                    self.wfile.flush()
                    time.sleep(0.05)
            return
        status, headers, body = self.routes.get(self.path, (200, {"Content-Type": "text/html"}, PAGE))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)


@contextlib.contextmanager
def _server() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


class _Connector(httpcore.AsyncNetworkBackend):
    """Records every address connected to; PUBLIC_IP and 127.0.0.1 are our server, others
    are unreachable (a connection to them would be a failure of the policy, and is counted)."""

    def __init__(self) -> None:
        self.inner = httpcore.AnyIOBackend()
        self.connected: list[str] = []

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        self.connected.append(host)
        if host not in (PUBLIC_IP, "127.0.0.1"):
            raise httpcore.ConnectError(f"bench network: {host} unreachable")
        return await self.inner.connect_tcp("127.0.0.1", port, timeout, local_address,
                                            socket_options)  # fmt: skip

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def _fetch(urls, *, resolver=None, connector=None, user_urls=(), **options) -> list[FetchResult]:
    base = {"retries": 0, "connect_timeout": 2.0, "read_timeout": 2.0}
    base.update(options)
    results: list[FetchResult] = []
    fetch_all(urls, FetchOptions(**base), results.append, user_urls=user_urls,
              resolver=resolver, connector=connector)  # fmt: skip
    return results


def _resolver(answers: dict[str, list[list[str]]] | None = None):
    queues = {k: [v] for k, v in DNS.items()} | (answers or {})

    async def resolve(host: str, port: int) -> list[str]:
        queue = queues[host]
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return resolve


def ssrf() -> dict[str, object]:
    """Cases refused of cases tried; a case is refused when nothing private was ever reached."""
    cases: dict[str, list[bool]] = {"spellings": [], "dns": [], "redirects": [], "rebinding": []}
    _Handler.routes = {}
    with _server() as port:
        for host in SPELLINGS:
            _Handler.hits.clear()
            connector = _Connector()
            (r,) = _fetch([f"http://{host}:{port}/page"], resolver=_resolver(), connector=connector)
            cases["spellings"].append(r.error is not None and not _Handler.hits
                                      and not connector.connected)  # fmt: skip
        for name in DNS:
            if name == "public.test":
                continue
            connector = _Connector()
            (r,) = _fetch([f"http://{name}:{port}/page"], resolver=_resolver(), connector=connector)
            cases["dns"].append((r.error or "").startswith("refused") and not connector.connected)
        targets = ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/admin",
                   "http://metadata.test/", "http://[::ffff:169.254.169.254]/",
                   f"http://127.0.0.1:{port}/page", f"http://localhost:{port}/page",
                   "http://192.168.1.1/", "http://[fd00::1]/"]  # fmt: skip
        for i, target in enumerate(targets):
            _Handler.routes[f"/r{i}"] = (302, {"Location": target}, b"")
            _Handler.hits.clear()
            connector = _Connector()
            url = f"http://public.test:{port}/r{i}"
            (r,) = _fetch([url], resolver=_resolver(), connector=connector, user_urls=[url])
            cases["redirects"].append((r.error or "").startswith("refused")
                                      and connector.connected == [PUBLIC_IP]
                                      and _Handler.hits == [f"/r{i}"])  # fmt: skip
        # A typed private URL redirecting to another private host.
        _Handler.routes["/hop"] = (302, {"Location": "http://10.0.0.1/"}, b"")
        url = f"http://127.0.0.1:{port}/hop"
        connector = _Connector()
        (r,) = _fetch([url], resolver=_resolver(), connector=connector, user_urls=[url])
        cases["redirects"].append((r.error or "").startswith("refused")
                                  and connector.connected == ["127.0.0.1"])  # fmt: skip
        # Rebinding: the first answer public, the next private; each connection resolves once.
        resolver = _resolver({"rebind.test": [[PUBLIC_IP], ["127.0.0.1"]]})
        connector = _Connector()
        url = f"http://rebind.test:{port}/page"
        first = _fetch([url], resolver=resolver, connector=connector)[0]
        second = _fetch([url], resolver=resolver, connector=connector)[0]
        cases["rebinding"].append(first.ok and connector.connected == [PUBLIC_IP])
        cases["rebinding"].append((second.error or "").startswith("refused")
                                  and connector.connected == [PUBLIC_IP])  # fmt: skip
    tried = sum(len(v) for v in cases.values())
    refused = sum(sum(v) for v in cases.values())
    return {
        "ssrf_cases_tried": tried,
        "ssrf_cases_refused": refused,
        "ssrf_by_kind": {k: f"{sum(v)}/{len(v)}" for k, v in cases.items()},
    }


def _gzip_zeros(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1024 * 1024)
    return b"".join(packer.compress(chunk) for _ in range(size // len(chunk))) + packer.flush()


async def _httpx_largest_step(url: str) -> int:
    """Baseline: the largest piece httpx's own decoder hands over in one step (then dropped)."""
    largest = 0
    async with httpx.AsyncClient() as client, client.stream("GET", url) as response:
        async for chunk in response.aiter_bytes():
            largest = max(largest, len(chunk))
    return largest


def bombs() -> dict[str, object]:
    """Decompression bombs, a trickling server, huge headers: bounded in bytes, time, memory."""
    cap = 1024 * 1024
    inner = _gzip_zeros(64 * 1024 * 1024)
    _Handler.routes = {
        "/bomb": (200, {"Content-Type": "text/html", "Content-Encoding": "gzip"}, inner),
        "/stack": (200, {"Content-Type": "text/html", "Content-Encoding": "gzip, gzip"},
                   gzip.compress(inner, 9)),
        "/headers": (200, {"Content-Type": "text/html", "X-Filler": "a" * 300_000}, PAGE),
        "/br": (200, {"Content-Type": "text/html", "Content-Encoding": "br"}, b"\x1b" * 64),
    }  # fmt: skip
    out: dict[str, object] = {}
    bounded = tried = 0
    with _server() as port:
        base = f"http://127.0.0.1:{port}"
        for name, expected, extra in [
            ("bomb", "too large", {}),
            ("stack", "too large", {}),
            ("headers", "response headers too large", {}),
            ("br", "unsupported content encoding", {}),
            ("trickle", "timed out", {"deadline": 2.0, "read_timeout": 5.0}),
        ]:
            url = f"{base}/{name}"
            before, started = _start_peak(), time.perf_counter()
            (r,) = _fetch([url], user_urls=[url], max_bytes=cap, **extra)
            seconds = time.perf_counter() - started
            grown = _peak_since(before)
            ok = (r.error or "").startswith(expected) and grown < 64 * 1024 and seconds < 10
            tried += 1
            bounded += ok
            out[f"fetch_{name}"] = {"error": r.error, "seconds": round(seconds, 2),
                                    "peak_rss_growth_mb": round(grown / 1024, 1)}  # fmt: skip
        # The baseline last, so its 64 MB step does not hide our figures.
        baseline = asyncio.run(_httpx_largest_step(base + "/bomb"))
    out["bomb_baseline_httpx_largest_step_mb"] = round(baseline / 2**20, 1)
    out["bomb_ours_cap_mb"] = cap / 2**20
    out["bomb_step_ratio_httpx_over_ours"] = round(baseline / cap, 1)
    imports = _import_caps()
    out.update(imports["detail"])
    return {"bounded_cases": bounded + imports["bounded"], "bounded_cases_tried": tried
            + imports["tried"], **out}  # fmt: skip


def _import_caps() -> dict:
    detail, bounded, tried = {}, 0, 0
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        huge = root / "huge.jsonl"
        with huge.open("wb") as handle:
            handle.write(b'{"url": "https://example.com/a"}\n')
            handle.truncate(5 * 1024**3)
        fifo = root / "list.csv"
        os.mkfifo(fifo)
        big_zip = root / "omnivore.zip"
        zeros = b"\0" * (1024 * 1024)
        with zipfile.ZipFile(big_zip, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.writestr("metadata_0_to_1.json", "[]")
            for i in range(3):  # written a megabyte at a time: 600 MB unpacked in ~1 MB
                with archive.open(f"content/{i}.html", "w", force_zip64=True) as member:
                    for _ in range(200):
                        member.write(zeros)
        cases = [("dev_zero", Path("/dev/zero"), None), ("fifo", fifo, None),
                 ("sparse_5gb_jsonl", huge, "jsonl"), ("sparse_5gb_document", huge, "document"),
                 ("zip_600mb_unpacked", big_zip, None)]  # fmt: skip
        for name, path, fmt in cases:
            before, started = _start_peak(), time.perf_counter()
            try:
                read_import(path, fmt)
                error = None
            except BadInput as exc:
                error = str(exc)
            seconds = time.perf_counter() - started
            grown = _peak_since(before)
            tried += 1
            bounded += error is not None and grown < 256 * 1024 and seconds < 10
            detail[f"import_{name}"] = {"error": error, "seconds": round(seconds, 2),
                                        "peak_rss_growth_mb": round(grown / 1024, 1)}  # fmt: skip
    return {"detail": detail, "bounded": bounded, "tried": tried}


_SAMPLES = REPO / "tests" / "data" / "imports"
_SAMPLE_OF = {"pocket-csv": "pocket.csv", "pocket-html": "pocket_export.html",
              "instapaper-csv": "instapaper.csv", "netscape": "bookmarks.html",
              "opml": "feeds.opml", "jsonl": "library.jsonl", "document": "newsletter.html"}  # fmt: skip


def fuzz(examples: int = 200, seed: int = 11) -> dict[str, object]:
    """Random and damaged files through every importer: examples run, crashes (not BadInput)."""
    rng = random.Random(seed)
    runs: dict[str, int] = {}
    crashes: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export"
        for fmt in FORMATS:
            sample = _SAMPLES / _SAMPLE_OF[fmt] if fmt in _SAMPLE_OF else None
            runs[fmt] = 0
            for i in range(examples):
                if sample is not None and i % 2:
                    data = bytearray(sample.read_bytes())
                    for _ in range(rng.randint(1, 8)):
                        data[rng.randrange(len(data))] = rng.randrange(256)
                else:
                    data = bytearray(rng.randbytes(rng.randint(0, 2048)))
                path.write_bytes(bytes(data))
                runs[fmt] += 1
                try:
                    read_import(path, fmt)
                except BadInput:
                    pass
                except Exception as exc:  # noqa: BLE001 - counting crashes is the point
                    crashes.setdefault(fmt, []).append(f"{type(exc).__name__}: {exc}"[:200])
    return {"fuzz_examples_per_importer": runs,
            "fuzz_crashes": {k: len(v) for k, v in crashes.items()},
            "fuzz_crash_samples": {k: v[:3] for k, v in crashes.items()}}  # fmt: skip


def run(fuzz_examples: int = 200) -> dict[str, object]:
    """Every figure of the fetch part of the hardening bench, as one dict."""
    started = time.perf_counter()
    figures: dict[str, object] = {}
    figures.update(ssrf())
    figures.update(bombs())
    figures.update(fuzz(fuzz_examples))
    figures["seconds"] = round(time.perf_counter() - started, 1)
    figures["load_average"] = os.getloadavg()[0]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fuzz", type=int, default=200, help="examples per importer")
    args = parser.parse_args()
    print(json.dumps(run(args.fuzz), indent=2))


if __name__ == "__main__":
    main()
