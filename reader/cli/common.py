"""What the commands share: the library context, JSON output, progress bars."""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from reader.services.context import LibraryContext, Progress
from reader.textsafe import json_safe, terminal_safe


class State:
    """The object every command receives: one library context, opened lazily."""

    def __init__(self, home: str | None) -> None:
        self.home = home
        self._context: LibraryContext | None = None

    @property
    def context(self) -> LibraryContext:
        if self._context is None:
            self._context = LibraryContext(self.home)
            for problem in getattr(self._context.settings, "problems", []):
                echo(f"warning: {problem}", err=True)
        return self._context

    def close(self) -> None:
        if self._context is not None:
            self._context.close()


pass_state = click.make_pass_decorator(State)


def echo_json(data: Any) -> None:
    """Print JSON only, on stdout: the data exact, with terminal controls as \\u escapes."""
    click.echo(json_safe(json.dumps(data, ensure_ascii=False, indent=2, default=str)))


def echo(message: object = "", *, err: bool = False, nl: bool = True, bold: bool = False) -> None:
    """Print a line for people: whatever came from an article or a server is made terminal-safe.

    Every human-readable line of the CLI goes through here (or `safe` for pieces that get
    styled), so escape sequences, control and bidi characters never reach the terminal.
    """
    text = terminal_safe(message)
    click.echo(click.style(text, bold=True) if bold else text, err=err, nl=nl)


def safe(value: object) -> str:
    """One piece of text from an article or a server, made terminal-safe and kept on one line."""
    return terminal_safe(value, single_line=True)


def paragraphs(text: str) -> str:
    """Text with a blank line between paragraphs, however the extractor separated them."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n|\n", text)]
    return "\n\n".join(block for block in blocks if block)


# Without a terminal, a progress line every this many seconds (and at the end).
PLAIN_EVERY_SECONDS = 5.0


@contextmanager
def progress_bar(label: str, *, enabled: bool = True) -> Iterator[Any]:
    """A progress callback: a bar with rate and time left on a terminal's stderr, else a line
    every few seconds (so a long import into a pipe or a log is never silent)."""
    if not enabled:
        yield lambda _p: None
        return
    if sys.stderr.isatty():
        with _RichProgress(label) as update:
            yield update
        return
    plain = _PlainProgress(label)
    try:
        yield plain
    finally:
        plain.finish()


class _RichProgress:
    """One rich bar per stage, replaced when the stage or its total changes."""

    def __init__(self, label: str) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            TextColumn,
            TimeRemainingColumn,
        )
        from rich.progress import (
            Progress as RichBar,
        )

        self.label = label
        self.bar = RichBar(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
            console=Console(stderr=True), transient=False,
        )
        self.task = None
        self.key: tuple | None = None
        self.started = 0.0
        self.base = 0  # done at the stage's first report: the rate counts what came after

    def __enter__(self):
        self.bar.start()
        return self.update

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def update(self, p: Progress) -> None:
        key = (p.stage, p.total)
        if key != self.key:
            self.key, self.started, self.base = key, time.monotonic(), p.done
            from rich.markup import escape

            # The description column is Rich markup: the stage shows as the text it is.
            description = escape(terminal_safe(f"{self.label}: {p.stage}", single_line=True))
            self.task = self.bar.add_task(description, total=p.total, rate="")
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = f"{(p.done - self.base) / elapsed:.1f}/s" if p.done > self.base else ""
        self.bar.update(self.task, completed=p.done, rate=rate)


class _PlainProgress:
    """Progress as plain lines on stderr, at most one every PLAIN_EVERY_SECONDS."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = time.monotonic()
        self.last_line = self.started
        self.stage: str | None = None
        self.base = 0  # done at the stage's first report: the rate counts what came after
        self.latest: Progress | None = None
        self.printed: Progress | None = None

    def __call__(self, p: Progress) -> None:
        now = time.monotonic()
        if p.stage != self.stage:  # a rate is per stage: embedding is not labelling
            self.stage, self.started, self.base = p.stage, now, p.done
        self.latest = p
        if now - self.last_line >= PLAIN_EVERY_SECONDS:
            self.last_line = now
            self._line(p, now)

    def finish(self) -> None:
        if self.printed is not None and self.latest is not None and self.latest != self.printed:
            self._line(self.latest, time.monotonic())

    def _line(self, p: Progress, now: float) -> None:
        self.printed = p
        elapsed = max(now - self.started, 1e-6)
        of = f"/{p.total}" if p.total else ""
        # A stage whose first report already counted some (a fetch reports its first page
        # when it is done) is timed from that report: counting those would give a rate of
        # millions a second.
        rate = (p.done - self.base) / elapsed
        left = ""
        if p.total and rate > 0 and p.done < p.total:
            left = f", about {_duration((p.total - p.done) / rate)} left"
        # A one-step stage ("preparing the model 1/1") has no rate worth a number.
        pace = f" ({rate:.1f}/s{left})" if (p.total or p.done) > 1 and p.done > self.base else ""
        echo(f"{self.label}: {p.stage} {p.done}{of}{pace}", err=True)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
