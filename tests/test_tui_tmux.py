"""The real `python -m reader` in a real terminal (tmux): it paints, opens an article and quits."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.test_tui import make_library

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def tmux(*args: str) -> str:
    done = subprocess.run(["tmux", *args], capture_output=True, text=True, timeout=30)
    return done.stdout


def wait_for(session: str, text: str, seconds: float = 60) -> str:
    """The screen once `text` is on it; fails with the last screen after `seconds`."""
    deadline = time.monotonic() + seconds
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", session)
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")


def test_the_real_ui_under_tmux_at_80x24(ctx, tmp_path, reader_home):
    make_library(ctx, tmp_path)
    session = f"reader-test-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
    command = shlex.join([sys.executable, "-m", "reader", "--home", str(reader_home)])
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24",
         f"cd {shlex.quote(str(ROOT))} && HF_HUB_OFFLINE=1 {command}"],
        check=True, env=env, timeout=30,
    )
    try:
        screen = wait_for(session, "Why hedgerows matter")
        lines = screen.splitlines()
        assert "Library" in lines[0]
        header = next(line for line in lines if "Read time" in line)
        # At 80 columns the title takes what the other columns leave: 30 cells and its padding.
        assert header.index("Added") - header.index("Title") >= 32
        assert "? Help" in lines[-1] or "Help" in screen
        assert all(len(line) <= 80 for line in lines)

        # Keys typed in the first instant after the first paint can be taken by the terminal
        # queries Textual makes at start-up; a person does not type that fast.
        time.sleep(1.5)
        tmux("send-keys", "-t", session, "/")
        tmux("send-keys", "-t", session, "-l", "hedge")
        screen = wait_for(session, "1 article")
        tmux("send-keys", "-t", session, "Enter")  # back to the list
        time.sleep(0.3)
        tmux("send-keys", "-t", session, "Enter")  # open
        screen = wait_for(session, "Hedgerows are the oldest managed habitat")
        assert "min read" in screen
        tmux("send-keys", "-t", session, "?")
        wait_for(session, "Keys: ")
        tmux("send-keys", "-t", session, "Escape")
        time.sleep(0.5)
        tmux("send-keys", "-t", session, "Escape")
        wait_for(session, "Read time")
        tmux("send-keys", "-t", session, "q")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and session in tmux("list-sessions"):
            time.sleep(0.2)
        assert session not in tmux("list-sessions"), "q did not quit"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, timeout=30)
