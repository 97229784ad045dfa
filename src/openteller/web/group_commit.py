"""Group commit: work items that arrive together are stored in one transaction.

A webhook post is acknowledged only once its events are committed; committing each
post on its own costs a transaction (and a disk flush) per post. Here a post waits for
the transaction in progress, if any, and the posts that gathered meanwhile are stored
together in the next one, off the event loop (a :class:`~openteller.web.gathering.Gathering`
of transactions). Under light load each post still gets its own transaction at once;
under heavy load one commit serves many posts. If a transaction fails, every post in it
gets the error (and Meta sends them again); one the database aborted to break a deadlock
is run again first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import Connection, Engine

from openteller.store.retry import in_transaction
from openteller.web.gathering import Gathering

Item = TypeVar("Item")


class GroupCommit(Generic[Item]):
    """Runs ``store(conn, items) -> [int per item]`` for items submitted together, in one
    transaction (so ``store`` can write the rows of all of them in one statement, and
    take row locks in one order for all of them)."""

    def __init__(
        self, engine: Engine, store: Callable[[Connection, list[Item]], list[int]]
    ) -> None:
        self._engine = engine
        self._store = store
        self._gathering: Gathering[Item, int] = Gathering(self._commit)

    async def submit(self, item: Item) -> int:
        """Store ``item`` (with whatever else is waiting); returns what ``store`` returned,
        once the transaction is committed."""
        return await self._gathering.submit(item)

    def _commit(self, items: list[Item]) -> list[int]:
        return in_transaction(self._engine, lambda conn: self._store(conn, items))
