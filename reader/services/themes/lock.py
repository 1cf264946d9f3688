"""One training at a time per library: a lock file beside the database.

Two trainings at once would both match against the same previous run and then write two
runs, the second reshuffling the first's new ids. The second one waits (up to `wait`
seconds) and then trains on what the first left: usually "nothing new".
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from reader.errors import ReaderError

POLL = 0.2


class TrainingBusy(ReaderError):
    """Another process is training themes for this library."""


@contextmanager
def training_lock(folder: Path, *, wait: float = 600.0,
                  on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the library's theme-training lock; TrainingBusy after `wait` seconds."""
    try:
        import fcntl
    except ImportError:  # no advisory locks on this platform: nothing to hold
        yield
        return
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / "themes.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise TrainingBusy("another `reader themes train` is running on this "
                                       "library; try again when it has finished") from None
                if on_wait is not None and not told:
                    on_wait()
                    told = True
                time.sleep(POLL)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
