"""The execution pool: answers and errors reach their request, at most N run at once, close is clean."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time

import pytest

from cms.graphql.workers import ExecutionPool

REQUEST = contextvars.ContextVar("request", default="none")


def test_an_answer_and_an_error_reach_the_request_that_asked_in_its_own_context() -> None:
    pool = ExecutionPool(2)

    def whose() -> tuple[str, str]:
        return REQUEST.get(), threading.current_thread().name

    def fails() -> None:
        raise LookupError("no such article")

    async def main() -> None:
        REQUEST.set("r-1")
        owner, thread = await pool.run(whose)
        assert owner == "r-1"
        assert thread.startswith("cms-graphql")
        with pytest.raises(LookupError, match="no such article"):
            await pool.run(fails)

    try:
        asyncio.run(main())
    finally:
        pool.close()


def test_no_more_than_its_threads_run_at_once_and_every_call_is_answered() -> None:
    pool = ExecutionPool(2)
    running, most = 0, 0
    lock = threading.Lock()

    def work(n: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return n * n

    async def main() -> list[int]:
        return await asyncio.gather(*(pool.run(work, n) for n in range(8)))

    try:
        assert asyncio.run(main()) == [n * n for n in range(8)]
    finally:
        pool.close()
    assert most == 2


def test_close_lets_running_calls_finish_cancels_waiting_ones_and_refuses_new_ones() -> None:
    pool = ExecutionPool(1)
    started = threading.Event()
    release = threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "done"

    async def main() -> None:
        first = asyncio.ensure_future(pool.run(slow))
        waiting = asyncio.ensure_future(pool.run(slow))
        await asyncio.to_thread(started.wait, 5)
        threading.Timer(0.05, release.set).start()
        await asyncio.to_thread(pool.close)  # waits for the running call
        assert await first == "done"
        with pytest.raises(asyncio.CancelledError):
            await waiting
        with pytest.raises(RuntimeError, match="closed"):
            await pool.run(slow)

    asyncio.run(main())
