"""Webhook posts arriving together are stored in one transaction, each acknowledged only
once committed; a failed transaction fails every post in it and stores none of them.
Beneath it, a Gathering batches any concurrent submits and gives each caller its own
outcome."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from openteller.web.gathering import Gathering
from openteller.web.group_commit import GroupCommit

metadata = sa.MetaData()
rows = sa.Table("group_commit_probe", metadata, sa.Column("value", sa.Integer, primary_key=True))


def _engine(tmp_path: Path) -> sa.Engine:
    engine = sa.create_engine(f"sqlite:///{tmp_path}/probe.db")
    metadata.create_all(engine)
    return engine


def _stored(engine: sa.Engine) -> set[int]:
    with engine.connect() as conn:
        return set(conn.execute(sa.select(rows.c.value)).scalars())


def test_posts_arriving_together_share_a_transaction(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    commits = 0

    def count(_conn: object) -> None:
        nonlocal commits
        commits += 1

    sa.event.listen(engine, "commit", count)

    def store(conn: sa.Connection, value: int) -> int:
        conn.execute(sa.insert(rows).values(value=value))
        return value * 10

    writes = GroupCommit(engine, lambda conn, values: [store(conn, v) for v in values])

    async def post_all() -> list[int]:
        return await asyncio.gather(*(writes.submit(n) for n in range(1, 41)))

    assert asyncio.run(post_all()) == [n * 10 for n in range(1, 41)]  # each its own answer
    assert _stored(engine) == set(range(1, 41))
    assert 1 <= commits < 40  # the first alone, the rest gathered while it committed


def test_a_failed_transaction_fails_every_post_in_it(tmp_path: Path) -> None:
    engine = _engine(tmp_path)

    def store(conn: sa.Connection, value: int) -> int:
        if value == 13:
            raise RuntimeError("the database refused post 13")
        conn.execute(sa.insert(rows).values(value=value))
        return value

    writes = GroupCommit(engine, lambda conn, values: [store(conn, v) for v in values])

    async def post(values: list[int]) -> list[int | BaseException]:
        return await asyncio.gather(*(writes.submit(v) for v in values), return_exceptions=True)

    results = asyncio.run(post([1, 12, 13, 14]))
    failed = [v for v, r in zip([1, 12, 13, 14], results, strict=True) if isinstance(r, Exception)]
    assert 13 in failed
    assert _stored(engine) == {v for v in (1, 12, 13, 14) if v not in failed}  # all or none
    assert all(
        str(r) == "the database refused post 13" for r in results if isinstance(r, Exception)
    )
    assert asyncio.run(post([20])) == [20]  # and the next post goes through


@pytest.mark.parametrize("burst", [1, 3])
def test_every_post_is_answered_whatever_the_burst(tmp_path: Path, burst: int) -> None:
    engine = _engine(tmp_path)
    writes = GroupCommit(
        engine,
        lambda conn, values: [
            conn.execute(sa.insert(rows).values(value=v)).rowcount for v in values
        ],
    )

    async def waves() -> list[int]:
        got: list[int] = []
        for wave in range(3):
            got += await asyncio.gather(*(writes.submit(wave * 10 + n) for n in range(burst)))
        return got

    assert asyncio.run(waves()) == [1] * (3 * burst)
    assert len(_stored(engine)) == 3 * burst


def test_a_gathering_batches_concurrent_submits_and_answers_each_caller() -> None:
    batches: list[list[int]] = []
    first_running, release_first = threading.Event(), threading.Event()

    def run_batch(items: list[int]) -> list[int | Exception]:
        batches.append(items)
        if len(batches) == 1:  # hold the first batch until the others have queued
            first_running.set()
            release_first.wait(5)
        return [ValueError(f"odd {n}") if n % 2 else n * 10 for n in items]

    gathering: Gathering[int, int] = Gathering(run_batch, limit=4)

    async def submit_all() -> list[int | BaseException]:
        first = asyncio.ensure_future(gathering.submit(0))
        await asyncio.to_thread(first_running.wait, 5)
        rest = [asyncio.ensure_future(gathering.submit(n)) for n in range(1, 10)]
        await asyncio.sleep(0)
        release_first.set()
        return await asyncio.gather(first, *rest, return_exceptions=True)

    outcomes = asyncio.run(submit_all())
    assert [o if isinstance(o, int) else str(o) for o in outcomes] == [
        0 if n == 0 else (f"odd {n}" if n % 2 else n * 10) for n in range(10)
    ]  # each caller its own result, or its own exception
    assert batches == [[0], [1, 2, 3, 4], [5, 6, 7, 8], [9]]  # queued while one ran, capped


def test_a_failed_batch_fails_every_caller_in_it_and_the_next_batch_runs() -> None:
    def run_batch(items: list[str]) -> list[str | Exception]:
        if "boom" in items:
            raise RuntimeError("the batch failed")
        return [item.upper() for item in items]

    gathering: Gathering[str, str] = Gathering(run_batch)

    async def submit(items: list[str]) -> list[str | BaseException]:
        return await asyncio.gather(*(gathering.submit(i) for i in items), return_exceptions=True)

    async def both() -> tuple[list[str | BaseException], list[str | BaseException]]:
        return await submit(["a", "boom", "c"]), await submit(["d"])

    failed, after = asyncio.run(both())
    assert [str(o) for o in failed] == ["the batch failed"] * 3  # all three: one batch
    assert all(isinstance(o, RuntimeError) for o in failed)
    assert after == ["D"]


def test_a_batch_must_answer_every_item() -> None:
    gathering: Gathering[int, int] = Gathering(lambda items: items[:-1])

    async def submit() -> list[int | BaseException]:
        return await asyncio.gather(
            gathering.submit(1), gathering.submit(2), return_exceptions=True
        )

    outcomes = asyncio.run(submit())
    assert all(isinstance(o, RuntimeError) and "outcomes" in str(o) for o in outcomes)
