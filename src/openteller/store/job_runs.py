"""When periodic jobs run: at most once per interval across every process.

A process asks whether a job is due; the one whose conditional update moves the job's
``next_run_at`` on runs it, the others skip it until the next interval.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, update

from openteller.store import schema
from openteller.store.insert_once import insert_once


def claim_run(conn: Connection, bank_id: str, name: str, every: timedelta, now: datetime) -> bool:
    """True when the job ``name`` is due and this caller won it (it is then due again
    ``every`` from ``now``); False when it is not due or another process took it."""
    table = schema.job_runs
    if insert_once(conn, table, {"bank_id": bank_id, "name": name, "next_run_at": now + every}):
        return True  # the first run ever
    moved = conn.execute(
        update(table)
        .where(and_(table.c.bank_id == bank_id, table.c.name == name, table.c.next_run_at <= now))
        .values(next_run_at=now + every)
    )
    return moved.rowcount == 1
