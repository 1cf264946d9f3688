"""Per-host gates and per-page clocks for one fetch batch, inside its event loop."""

from __future__ import annotations

import asyncio
import time


class PageClock:
    """One page's clock: its deadline is set when its first request starts."""

    def __init__(self) -> None:
        self.deadline: float | None = None

    def ends(self, loop: asyncio.AbstractEventLoop, seconds: float) -> float:
        if self.deadline is None:
            self.deadline = loop.time() + seconds
        return self.deadline


class HostGate:
    """At most `per_host` requests at once to one host, and no request before `not_before`."""

    def __init__(self, per_host: int) -> None:
        self.slots = asyncio.Semaphore(max(1, per_host))
        self.not_before = 0.0

    async def __aenter__(self) -> None:
        await self.slots.acquire()
        delay = self.not_before - time.monotonic()
        if delay > 0:
            try:
                await asyncio.sleep(delay)
            except BaseException:  # cancelled while waiting: give the slot back
                self.slots.release()
                raise

    async def __aexit__(self, *exc: object) -> None:
        self.slots.release()
