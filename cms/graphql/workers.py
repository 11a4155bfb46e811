"""Where operations run: a bounded pool of threads, never the event loop.

Resolvers are synchronous (SQLAlchemy Core, Pillow), so run on the event loop one
slow query would stall every other request, even a health check. Each operation runs
whole in one pool thread instead: the loop keeps accepting, reading bodies and
answering while it runs. The pool is bounded (CMS_EXECUTION_THREADS); operations
beyond it wait their turn without holding anything but their request.

Nested connections batch through DataLoaders, which need an event loop of their own:
each thread keeps one, made once, and runs the rare asynchronous result on it.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def _close_loops(loops: list[asyncio.AbstractEventLoop]) -> None:
    for loop in loops:
        if not loop.is_running() and not loop.is_closed():
            loop.close()
    loops.clear()


class ExecutionPool:
    def __init__(self, threads: int) -> None:
        self._loops: list[asyncio.AbstractEventLoop] = []
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="cms-graphql", initializer=self._start_thread
        )
        # An app that is dropped without its lifespan ending (tests, mostly) still
        # closes its loops, rather than leaving them to warn when collected.
        self._finalizer = weakref.finalize(self, _close_loops, self._loops)

    def _start_thread(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        with self._lock:
            self._loops.append(loop)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        # In the request's context (as asyncio.to_thread does): its id, its SQL count.
        context = contextvars.copy_context()
        call = functools.partial(context.run, fn, *args)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._finalizer()


def settle(value: T | Awaitable[T]) -> T:
    """``value``, awaited on this pool thread's own loop if it is awaitable."""
    if isinstance(value, Awaitable):
        loop = asyncio.get_event_loop()
        settled: T = loop.run_until_complete(_wrap(value))
        return settled
    return value


async def _wrap(awaitable: Awaitable[T]) -> T:
    return await awaitable
