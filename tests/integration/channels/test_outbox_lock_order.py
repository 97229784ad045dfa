"""Transactions that change several outbox rows lock them in one order, so the worker
writing a batch's outcome and a webhook post's echoes confirming the same sends never
deadlock; a transaction PostgreSQL aborts as a deadlock anyway is run again.

These run on the real PostgreSQL server only: SQLite locks the whole database for a
writer, so it cannot deadlock on rows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from openteller.assistant.replies import Reply
from openteller.bootstrap import App
from openteller.channels.messenger.events import Echo
from openteller.services.messenger import ECHO_PREFIX
from openteller.store import schema
from openteller.store.database import create_database_engine
from openteller.store.retry import aborted_to_retry, in_transaction
from tests.db import make_settings


@pytest.fixture
def app(postgres_url: str, postgres_keystore_url: str, tmp_path: Path) -> Iterator[App]:
    app = App(
        make_settings(
            postgres_url,
            postgres_keystore_url,
            tmp_path,
            messenger_app_secret="s",
            messenger_verify_token="v",
            messenger_page_token="p",
            messenger_graph_url="http://127.0.0.1:9",
        )
    )
    app.init()
    yield app
    app.engine.dispose()


def _two_queued_messages(app: App) -> list[str]:
    with app.engine.begin() as conn:
        app.messenger._queued("test:first", "111", Reply("first"))(conn)
    with app.engine.begin() as conn:
        app.messenger._queued("test:second", "222", Reply("second"))(conn)
    with app.engine.connect() as conn:
        ids = sorted(conn.execute(sa.select(schema.channel_outbox.c.id)).scalars())
    with app.engine.begin() as conn:  # both in flight: sent, not yet recorded as sent
        conn.execute(sa.update(schema.channel_outbox).values(status="sending"))
    return ids


def _echo(message_id: str) -> Echo:
    return Echo(page_id="page", sender="page", timestamp=0, metadata=ECHO_PREFIX + message_id)


def _echoes_against_a_batch_outcome(app: App, *, lock_first: bool) -> list[BaseException]:
    """A webhook transaction confirms the *second* message, then the worker's transaction
    marks both sent, then the webhook transaction confirms the *first*: the interleaving
    that deadlocked when each confirm locked its row as it came. Returns the errors the
    two transactions ended with."""
    first, second = _two_queued_messages(app)
    posts = [[_echo(second)], [_echo(first)]]
    worker_started = threading.Event()
    errors: list[BaseException] = []

    def worker() -> None:
        worker_started.set()
        try:
            with app.engine.begin() as conn:  # as the worker records a batch's outcome
                app.messenger._outbox.lock(conn, [first, second])
                app.messenger._outbox.sent(conn, [first, second])
        except DBAPIError as exc:  # reported to the test
            errors.append(exc)

    thread = threading.Thread(target=worker)
    try:
        with app.engine.begin() as conn:
            if lock_first:
                app.messenger.lock_echoed(conn, posts)
            app.messenger.store(conn, posts[0])
            thread.start()
            worker_started.wait()
            time.sleep(0.5)  # the worker now holds or waits for the rows
            app.messenger.store(conn, posts[1])
    except DBAPIError as exc:
        errors.append(exc)
    finally:
        thread.join()
    return errors


def test_the_interleaving_deadlocks_when_echoes_lock_rows_as_they_come(app: App) -> None:
    """The control: without locking first, PostgreSQL does see a deadlock here and aborts
    one of the two (so the next test is not passing by luck of timing)."""
    errors = _echoes_against_a_batch_outcome(app, lock_first=False)
    assert len(errors) == 1 and aborted_to_retry(errors[0])


def test_echoes_locked_first_wait_for_the_batch_outcome_instead_of_deadlocking(
    app: App,
) -> None:
    assert _echoes_against_a_batch_outcome(app, lock_first=True) == []
    with app.engine.connect() as conn:
        statuses = set(conn.execute(sa.select(schema.channel_outbox.c.status)).scalars())
    assert statuses == {"sent"}


def test_a_transaction_aborted_as_a_deadlock_is_run_again(postgres_url: str) -> None:
    engine = create_database_engine(postgres_url)
    table = sa.Table(
        "deadlock_probe",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("hits", sa.Integer, nullable=False),
    )
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(sa.insert(table), [{"id": 1, "hits": 0}, {"id": 2, "hits": 0}])
    both_hold_one = threading.Barrier(2)
    runs = {"a": 0, "b": 0}
    errors: list[BaseException] = []

    def work(name: str, order: tuple[int, int]) -> None:
        def transaction(conn: sa.Connection) -> None:
            runs[name] += 1
            for position, row in enumerate(order):
                conn.execute(
                    sa.update(table).where(table.c.id == row).values(hits=table.c.hits + 1)
                )
                if position == 0 and runs[name] == 1:
                    both_hold_one.wait()  # the first time only: cross the locks

        try:
            in_transaction(engine, transaction)
        except BaseException as exc:  # reported to the test below
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=("a", (1, 2))),
        threading.Thread(target=work, args=("b", (2, 1))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as conn:
        hits = {row.id: row.hits for row in conn.execute(sa.select(table.c.id, table.c.hits))}
    engine.dispose()
    assert not errors, errors
    assert sorted(runs.values()) == [1, 2]  # one of the two was aborted and run again
    assert hits == {1: 2, 2: 2}  # each transaction counted once: nothing doubled
