"""Admission control of one ingress replica: a bounded number of requests run, a bounded number
wait, and any more are refused at once. Pure asyncio (no Ray, no web framework).

    admission = Admission(running=64, waiting=64)
    async with admission.slot():      # raises Overloaded when `waiting` requests already wait
        ...                           # the whole request: first answer, refinements, forcing

A request holds its slot for all of its model calls, so an admitted request is never refused
half-way through its refinements, and the engine never sees more calls in flight than `running`.
Waiting requests are served first come, first served; a wait ends with the request's deadline
(the caller wraps `slot()` in its timeout: a cancelled wait leaves the queue and frees nothing).
"""

from __future__ import annotations

import asyncio
from collections import deque
from contextlib import asynccontextmanager
from typing import AsyncIterator


class Overloaded(Exception):
    """Every slot is taken and the queue is full: refuse now, the client may retry later."""


class Admission:
    def __init__(self, running: int, waiting: int):
        if running < 1 or waiting < 0:
            raise ValueError("running must be >= 1 and waiting >= 0")
        self.max_running, self.max_waiting = running, waiting
        self.running = 0
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def waiting(self) -> int:
        return sum(1 for f in self._waiters if not f.done())

    @property
    def full(self) -> bool:
        """True when a new request would be refused."""
        return self.running >= self.max_running and self.waiting >= self.max_waiting

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        await self._enter()
        try:
            yield
        finally:
            self._release()

    async def _enter(self) -> None:
        if self.running < self.max_running and not self.waiting:
            self.running += 1
            return
        if self.waiting >= self.max_waiting:
            raise Overloaded(f"{self.running} requests running and {self.waiting} waiting, the most this replica takes")
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(future)
        try:
            await future  # resolved by _release, which hands its slot over (running stays the same)
        except asyncio.CancelledError:
            if future.done() and not future.cancelled():
                self._release()  # the slot arrived just as the wait was cancelled: pass it on
            elif future in self._waiters:
                self._waiters.remove(future)
            raise

    def _release(self) -> None:
        while self._waiters:
            future = self._waiters.popleft()
            if not future.done():
                future.set_result(None)
                return
        self.running -= 1
