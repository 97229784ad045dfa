"""Gathering: requests that arrive together are handled as one batch, off the event loop.

A caller awaits :meth:`Gathering.submit` with its item. While a batch is running (in the
thread pool), new items wait; the next batch takes all of them (up to ``limit``) and
hands them to ``run_batch(items)``, which returns one outcome per item, in order: a
result, or the exception for that item alone. Each caller gets its own result or has its
own exception raised; if ``run_batch`` itself raises, every caller of that batch gets
the error. Under light load each item is a batch of its own at once; under heavy load
one batch (one transaction, say) serves many callers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from starlette.concurrency import run_in_threadpool

Item = TypeVar("Item")
Result = TypeVar("Result")

#: Items in one batch at most (the rest wait for the next).
BATCH_LIMIT = 64


class Gathering(Generic[Item, Result]):
    """Runs ``run_batch(items) -> [result or exception per item]`` for items submitted
    together (a result that is an exception is raised to its caller)."""

    def __init__(
        self,
        run_batch: Callable[[list[Item]], Sequence[Result | Exception]],
        *,
        limit: int = BATCH_LIMIT,
    ) -> None:
        if limit < 1:
            raise ValueError("a batch holds at least one item")
        self._run_batch = run_batch
        self._limit = limit
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._drainer: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        """``item``'s outcome, once the batch it joined has run."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Result] = loop.create_future()
        self._waiting.append((item, done))
        if self._drainer is None:
            self._drainer = loop.create_task(self._drain())
        return await done

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch = self._waiting[: self._limit]
                del self._waiting[: self._limit]
                try:
                    outcomes = await run_in_threadpool(self._run, [item for item, _ in batch])
                except BaseException as exc:  # every caller of the batch gets it
                    for _, done in batch:
                        if done.done():
                            continue
                        if isinstance(exc, Exception):
                            done.set_exception(exc)
                        else:
                            done.cancel()
                    if not isinstance(exc, Exception):
                        raise  # cancelled (the loop is closing): its callers were too
                    continue
                for (_, done), outcome in zip(batch, outcomes, strict=True):
                    if done.done():  # its caller went away
                        continue
                    if isinstance(outcome, Exception):
                        done.set_exception(outcome)
                    else:
                        done.set_result(outcome)
        finally:
            self._drainer = None

    def _run(self, items: list[Item]) -> Sequence[Result | Exception]:
        outcomes = self._run_batch(items)
        if len(outcomes) != len(items):
            raise RuntimeError(
                f"a batch of {len(items)} items gave {len(outcomes)} outcomes; one each is due"
            )
        return outcomes


__all__ = ["BATCH_LIMIT", "Gathering"]
