"""The threads beside the event loop: readers with persistent database connections, and one
writer per process that commits what arrived during its previous commit as one batch (group
commit). What a batch means is the caller's; this is only the queue and the thread."""

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, Generic, TypeVar

from django.db import connection

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

MAX_BATCH = 500


def in_db(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `fn` on this thread's persistent connection, replacing it only once it broke."""
    if connection.connection is not None and connection.errors_occurred:
        if connection.is_usable():
            connection.errors_occurred = False
        else:
            connection.close()
    return fn(*args, **kwargs)


class Readers:
    """A small pool whose threads keep their database connections (no per-call setup)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ropeteam-reader")

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await self.loop.run_in_executor(self.pool, partial(in_db, fn, *args, **kwargs))


class Writer(Generic[T, R]):
    """Items put from the event loop are written in batches on one thread; `done(batch,
    result)` runs back on the loop, once per batch. `write` raising is answered by
    `failed(batch)`, so every item gets an answer."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        write: Callable[[list[T]], R],
        failed: Callable[[list[T]], R],
        done: Callable[[list[T], R], None],
    ) -> None:
        self.loop, self.write, self.failed, self.done = loop, write, failed, done
        self.queue: queue.SimpleQueue[T] = queue.SimpleQueue()
        threading.Thread(target=self._loop, name="ropeteam-writer", daemon=True).start()

    def put(self, item: T) -> None:
        self.queue.put(item)

    def _loop(self) -> None:
        while True:
            batch = [self.queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            try:
                result = in_db(self.write, batch)
            except Exception:
                log.exception("could not store a batch of %d", len(batch))
                result = self.failed(batch)
            self.loop.call_soon_threadsafe(self.done, batch, result)
