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
import contextlib
import contextvars
import queue
import threading
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")

#: A call handed to the pool: the loop and future to answer on, the caller's context, the call.
_Work = tuple[
    asyncio.AbstractEventLoop, "asyncio.Future[Any]", contextvars.Context, Callable[..., Any], tuple[Any, ...]
]


def _answer(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return  # the request went away (client gone, timeout); its answer has nowhere to go
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def _serve(
    work: queue.SimpleQueue[_Work | None], loops: list[asyncio.AbstractEventLoop], lock: threading.Lock
) -> None:
    """One pool thread: its own loop (see ``settle``), then calls until told to stop."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    with lock:
        loops.append(loop)
    while (item := work.get()) is not None:
        _call(*item)
        del item  # an idle thread holds on to no request


def _call(
    caller: asyncio.AbstractEventLoop,
    future: asyncio.Future[Any],
    context: contextvars.Context,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
) -> None:
    if future.cancelled():
        return
    result, error = None, None
    try:
        result = context.run(fn, *args)
    except BaseException as exc:  # handed to the awaiting request, as an executor does
        error = exc
    with contextlib.suppress(RuntimeError):  # the caller's loop is closed: nobody is waiting
        caller.call_soon_threadsafe(_answer, future, result, error)


def _stop(
    work: queue.SimpleQueue[_Work | None],
    threads: list[threading.Thread],
    loops: list[asyncio.AbstractEventLoop],
) -> None:
    for _ in threads:
        work.put(None)
    for thread in threads:
        if thread is not threading.current_thread():
            thread.join()
    for loop in loops:
        if not loop.is_running() and not loop.is_closed():
            loop.close()
    loops.clear()


class ExecutionPool:
    """A fixed set of threads fed from one queue.

    Not ``loop.run_in_executor``: its hand-off (a concurrent Future with a lock and condition
    per call, an asyncio future chained to it, callbacks both ways) cost the event loop 38 µs a
    call at concurrency 16 against 5 µs for a queue and one ``call_soon_threadsafe`` (measured
    pinned to one core, uvloop), 3 to 5 % of an article page's CPU in process (bench/RESULTS.md).
    Threads start with the first call, so an app that never serves starts none.
    """

    def __init__(self, threads: int) -> None:
        self.size = max(1, threads)
        self._work: queue.SimpleQueue[_Work | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._loops: list[asyncio.AbstractEventLoop] = []
        self._lock = threading.Lock()
        self._closed = False
        # An app that is dropped without its lifespan ending (tests, mostly) still stops its
        # threads and closes their loops, rather than leaving them waiting for ever.
        self._finalizer = weakref.finalize(self, _stop, self._work, self._threads, self._loops)

    def _start(self) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the execution pool is closed")
            while len(self._threads) < self.size:
                thread = threading.Thread(
                    target=_serve,
                    args=(self._work, self._loops, self._lock),
                    name=f"cms-graphql_{len(self._threads)}",
                    daemon=True,
                )
                thread.start()
                self._threads.append(thread)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if len(self._threads) < self.size or self._closed:
            self._start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        # In the request's context (as asyncio.to_thread does): its id, its SQL count.
        self._work.put((loop, future, contextvars.copy_context(), fn, args))
        return await future

    def close(self) -> None:
        """Calls not yet started are cancelled; those running finish; then the threads stop."""
        with self._lock:
            self._closed = True
        while True:
            try:
                item = self._work.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                with contextlib.suppress(RuntimeError):  # its loop is closed already
                    item[0].call_soon_threadsafe(item[1].cancel)
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
