"""Run a transaction again when the database aborted it to break a deadlock.

PostgreSQL picks one of two transactions that wait on each other's row locks and aborts
it (``40P01``); serialisation failures (``40001``) are the same kind of outcome. Nothing
of the aborted transaction was kept, so running the same work again is safe and is
what the database asks for. Locks are taken in a fixed order where we can (see
:meth:`openteller.store.channel_queue.Outbox.lock`), so this is the rare case.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from openteller.logs import get_logger

Result = TypeVar("Result")

RETRYABLE_STATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
log = get_logger("openteller.store")


def aborted_to_retry(exc: BaseException) -> bool:
    """Whether ``exc`` is the database aborting a transaction that may simply run again."""
    if not isinstance(exc, DBAPIError):
        return False
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return state in RETRYABLE_STATES


def in_transaction(
    engine: Engine, work: Callable[[Connection], Result], *, attempts: int = 3
) -> Result:
    """``work(conn)`` in a transaction, run again (up to ``attempts`` times in all) if the
    database aborts it as a deadlock or serialisation failure."""
    for attempt in range(1, attempts + 1):
        try:
            with engine.begin() as conn:
                return work(conn)
        except DBAPIError as exc:
            if attempt == attempts or not aborted_to_retry(exc):
                raise
            log.warning("transaction_retried", attempt=attempt, reason=str(exc.orig)[:120])
            time.sleep(0.01 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover
