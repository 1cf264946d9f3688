"""What the commands share: the library context, JSON output, progress bars."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from reader.services.context import LibraryContext, Progress


class State:
    """The object every command receives: one library context, opened lazily."""

    def __init__(self, home: str | None) -> None:
        self.home = home
        self._context: LibraryContext | None = None

    @property
    def context(self) -> LibraryContext:
        if self._context is None:
            self._context = LibraryContext(self.home)
        return self._context

    def close(self) -> None:
        if self._context is not None:
            self._context.close()


pass_state = click.make_pass_decorator(State)


def echo_json(data: Any) -> None:
    """Print JSON only, on stdout."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@contextmanager
def progress_bar(label: str, *, enabled: bool = True) -> Iterator[Any]:
    """A callback that draws a progress bar on a terminal's stderr, and nothing elsewhere."""
    if not enabled or not sys.stderr.isatty():
        yield lambda _p: None
        return
    state: dict[str, Any] = {"bar": None, "done": 0}

    def update(p: Progress) -> None:
        bar = state["bar"]
        if bar is None or (p.total is not None and bar.length != p.total):
            if bar is not None:
                bar.render_finish()
            bar = click.progressbar(length=p.total, label=f"{label}: {p.stage}", file=sys.stderr)
            state["bar"], state["done"] = bar, 0
        step = p.done - state["done"]
        if step > 0:
            bar.update(step)
            state["done"] = p.done

    try:
        yield update
    finally:
        if state["bar"] is not None:
            state["bar"].render_finish()
