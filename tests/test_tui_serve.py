"""`reader serve`: the same UI in a real Chromium through textual-serve, on 127.0.0.1."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.test_tui import make_library

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[PX^_\]].*?(?:\x07|\x1b\\)|\x1b.", re.DOTALL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(ctx, tmp_path, reader_home):
    make_library(ctx, tmp_path)
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "reader", "--home", str(reader_home), "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail(f"reader serve did not answer: {process.communicate()[0]}")
    yield url
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_serve_listens_on_loopback_by_default():
    from click.testing import CliRunner

    from reader.cli import main

    help_text = CliRunner().invoke(main, ["serve", "--help"]).output
    assert "127.0.0.1" in help_text


def test_the_library_and_a_search_in_a_real_browser(server):
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    received: list[str] = []

    def watch(ws) -> None:
        def frame(payload) -> None:
            text = payload if isinstance(payload, str) else payload.decode("utf-8", "ignore")
            received.append(ANSI.sub("", text))

        ws.on("framereceived", frame)

    def wait_for(*texts: str, seconds: float = 60) -> None:
        """Until one of `texts` has reached the browser."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(text in "".join(received) for text in texts):
                return
            page.wait_for_timeout(200)
        raise AssertionError(f"{texts!r} never reached the browser")

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800})
            page.on("websocket", watch)
            page.goto(server)
            # What the terminal in the page draws comes over the websocket: the library.
            wait_for("Why hedgerows matter")
            wait_for("Reading time", "Read time")  # the header's name depends on the width
            page.wait_for_timeout(1000)
            page.locator("textarea").first.focus()  # xterm.js reads keys from its textarea
            page.keyboard.press("2")
            wait_for("Search your library")
            page.keyboard.press("Control+t")
            page.keyboard.press("Control+t")  # keyword mode: no model needed
            page.keyboard.type("kettle")
            page.keyboard.press("Enter")
            wait_for("1 result (keyword)")
        finally:
            browser.close()
