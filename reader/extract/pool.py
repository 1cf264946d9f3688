"""Extract articles in worker processes, so a batch uses every core.

Workers come from a forkserver ("spawn" where there is none): safe when the parent
runs threads (the TUI, httpx); they load only the extractor (trafilatura, lxml),
never torch.

A worker that dies (a parser crash, the OOM killer) breaks the whole process pool
and fails every page it held. Those pages are then retried one at a time in a
separate single-worker pool, so only a page that kills its worker again is lost,
and it comes back as a fallback with a reason rather than an exception.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType

from reader.extract.article import Extracted, extract_article, no_article

Extract = Callable[[str, "str | None"], Extracted]
_Job = tuple["Future[Extracted]", str, "str | None"]
_WARM_UP_PAGE = (
    "<html><head><title>Warm-up</title><meta name='author' content='Nobody Here'></head>"
    "<body><article><h1>Warm-up</h1><p>" + "A sentence to extract. " * 40 + "</p></article>"
    "</body></html>"
)


def _warm_up(module: str = __name__) -> None:
    """Run in each new worker: load the extractor (and the module of the pool's extract
    function) before the first page arrives."""
    import importlib

    importlib.import_module(module)
    extract_article(_WARM_UP_PAGE, "https://example.org/warm-up")


def _ready() -> bool:
    return True


class ExtractorPool:
    """Extract pages in parallel: `with ExtractorPool() as pool: pool.submit(html, url)`.

    `workers=None` uses every core; `workers=0` extracts inline in the calling thread
    (tests, tiny batches). `extract` replaces the extraction function; it must be a
    module-level function so that it can be sent to a worker, and its module is loaded
    once in the forkserver (when this pool starts it) so each worker starts with it.
    """

    def __init__(self, workers: int | None = None, extract: Extract = extract_article) -> None:
        self.workers = _usable_cpus() if workers is None else max(0, workers)
        self.extract = extract
        self._lock = threading.Lock()
        self._main: ProcessPoolExecutor | None = None
        self._isolation: ProcessPoolExecutor | None = None
        self._suspects: deque[_Job] = deque()
        self._idle = threading.Event()  # no suspect being checked
        self._idle.set()

    def __enter__(self) -> ExtractorPool:
        if self.workers:
            executor = self._executor()
            # Start every worker now, so their imports overlap with the caller's fetching.
            for _ in range(self.workers):
                executor.submit(_ready)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(cancel=exc_type is not None)

    def submit(self, html: str, url: str | None = None) -> Future[Extracted]:
        """Extract one page; the future holds its Extracted."""
        outer: Future[Extracted] = Future()
        if not self.workers:
            try:
                outer.set_result(self.extract(html, url))
            except Exception as exc:  # noqa: BLE001 - handed to the caller through the future
                outer.set_exception(exc)
            return outer
        self._send((outer, html, url))
        return outer

    def close(self, cancel: bool = False) -> None:
        """Wait for (or, with cancel, drop) the pending pages and stop the workers."""
        with self._lock:
            main, self._main = self._main, None
            if cancel:
                dropped = list(self._suspects)
                self._suspects.clear()
        if main is not None:
            main.shutdown(wait=True, cancel_futures=cancel)
        if cancel:
            for outer, _, _ in dropped:
                outer.cancel()
        self._idle.wait()
        with self._lock:
            isolation, self._isolation = self._isolation, None
        if isolation is not None:
            isolation.shutdown(wait=True, cancel_futures=cancel)

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._main is None:
                self._main = _new_executor(self.workers, self.extract.__module__)
            return self._main

    def _send(self, job: _Job) -> None:
        executor = self._executor()
        outer, html, url = job
        try:
            inner = executor.submit(self.extract, html, url)
        except BrokenProcessPool:
            self._forget(executor)
            self._suspect(job)
            return
        inner.add_done_callback(lambda done: self._settle(job, done, executor))

    def _settle(self, job: _Job, inner: Future[Extracted], executor: ProcessPoolExecutor) -> None:
        outer = job[0]
        if inner.cancelled():
            outer.cancel()
        elif isinstance(inner.exception(), BrokenProcessPool):
            self._forget(executor)
            self._suspect(job)
        else:
            _copy(inner, outer)

    def _forget(self, broken: ProcessPoolExecutor) -> None:
        """Drop a broken executor so the next page starts fresh workers."""
        with self._lock:
            if self._main is broken:
                self._main = None
        broken.shutdown(wait=False, cancel_futures=True)

    def _suspect(self, job: _Job) -> None:
        with self._lock:
            self._suspects.append(job)
            if not self._idle.is_set():
                return  # the running check will reach this page
            self._idle.clear()
        self._check_next()

    def _check_next(self) -> None:
        """Retry the next suspect page alone, in the single-worker isolation pool."""
        with self._lock:
            if not self._suspects:
                self._idle.set()
                return
            job = self._suspects.popleft()
            if self._isolation is None:
                self._isolation = _new_executor(1, self.extract.__module__)
            executor = self._isolation
        inner = executor.submit(self.extract, job[1], job[2])
        inner.add_done_callback(lambda done: self._checked(job, done, executor))

    def _checked(self, job: _Job, inner: Future[Extracted], executor: ProcessPoolExecutor) -> None:
        outer, _, url = job
        if inner.cancelled():
            outer.cancel()
        elif isinstance(inner.exception(), BrokenProcessPool):
            with self._lock:
                if self._isolation is executor:
                    self._isolation = None
            executor.shutdown(wait=False, cancel_futures=True)
            if not outer.cancelled():
                outer.set_result(
                    no_article(url, "the extractor crashed on this page; nothing kept")
                )
        else:
            _copy(inner, outer)
        self._check_next()


def _new_executor(workers: int, module: str = __name__) -> ProcessPoolExecutor:
    _start_resource_tracker()
    return ProcessPoolExecutor(
        max_workers=workers, mp_context=_context(module), initializer=_warm_up, initargs=(module,)
    )


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with a real stderr to hand down.

    The tracker passes sys.stderr's file descriptor to its process. A host that replaced
    sys.stderr with an object whose fileno() is -1 (Textual, while an app runs) would make
    that start fail with "bad value(s) in fds_to_keep", so the process's own stderr stands
    in for the moment the tracker starts.
    """
    from multiprocessing import resource_tracker

    try:
        usable = sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        usable = False
    if usable or sys.__stderr__ is None:
        resource_tracker.ensure_running()
        return
    replaced, sys.stderr = sys.stderr, sys.__stderr__
    try:
        resource_tracker.ensure_running()
    finally:
        sys.stderr = replaced


def _context(module: str = __name__) -> multiprocessing.context.BaseContext:
    """A start method that is safe beside threads, with the extractor loaded once.

    The forkserver is a clean single-threaded process started on first use; it imports
    the extractor once, and every later worker (in this pool or the next) forks from it
    already warm. Where there is no forkserver (Windows), workers are spawned.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # Only takes effect before the forkserver starts; later calls change nothing.
    context.set_forkserver_preload(["__main__", "reader.extract.article", "trafilatura", module])
    return context


def _usable_cpus() -> int:
    """The cores this process may run on (a container may allow fewer than exist)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _copy(inner: Future[Extracted], outer: Future[Extracted]) -> None:
    if outer.cancelled():
        return  # the caller gave up on this page
    error = inner.exception()
    if error is None:
        outer.set_result(inner.result())
    else:
        outer.set_exception(error)
