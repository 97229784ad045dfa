"""DirectStatement: Core's SQL run on the driver's cursor, same answers, same errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from openteller.store.database import create_database_engine
from openteller.store.direct_sql import DirectStatement

metadata = sa.MetaData()
probe = sa.Table(
    "direct_sql_probe",
    metadata,
    sa.Column("key", sa.String(20), primary_key=True),
    sa.Column("amount", sa.Integer, nullable=False),
    sa.Column("blob", sa.LargeBinary),
    sa.Column("price", sa.Numeric(10, 2)),
    sa.Column("at", sa.DateTime(timezone=True)),
)

INSERT = DirectStatement(sa.insert(probe))
#: No column with a Python-side conversion: direct on every driver.
INSERT_PLAIN = DirectStatement(
    sa.insert(probe).values(key=sa.bindparam("key"), amount=sa.bindparam("amount"))
)
BY_RANGE = DirectStatement(
    sa.select(probe.c.key, probe.c.amount, probe.c.blob)
    .where(probe.c.amount.between(sa.bindparam("low"), sa.bindparam("high")))
    .order_by(probe.c.key)
)
#: A literal the statement carries itself (``amount + 1``), next to a bound value.
BUMP = DirectStatement(
    sa.update(probe).where(probe.c.key == sa.bindparam("which")).values(amount=probe.c.amount + 1)
)


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = create_database_engine(database_url)
    metadata.create_all(engine)
    try:
        yield engine
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def _row(key: str, amount: int) -> dict[str, object]:
    return {"key": key, "amount": amount, "blob": key.encode() * 3, "price": None, "at": None}


def test_rows_and_counts_are_those_core_gives(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        for key, amount in [("a", 5), ("b", 10), ("c", 15)]:
            INSERT.run(conn, _row(key, amount))
    with engine.connect() as conn:
        direct = BY_RANGE.rows(conn, {"low": 6, "high": 20})
        core = conn.execute(BY_RANGE.statement, {"low": 6, "high": 20}).all()
        assert [tuple(r) for r in direct] == [tuple(r) for r in core]
        assert [tuple(r) for r in direct] == [("b", 10, b"bbb"), ("c", 15, b"ccc")]
        assert BY_RANGE.first(conn, {"low": 100, "high": 200}) is None
    with engine.begin() as conn:
        assert BUMP.rowcount(conn, {"which": "a"}) == 1
        assert BUMP.rowcount(conn, {"which": "nobody"}) == 0
    with engine.connect() as conn:
        assert conn.execute(sa.select(probe.c.amount).where(probe.c.key == "a")).scalar() == 6


def test_it_runs_in_the_callers_transaction(engine: sa.Engine) -> None:
    with pytest.raises(RuntimeError), engine.begin() as conn:
        INSERT.run(conn, _row("gone", 1))
        raise RuntimeError("roll back")
    with engine.connect() as conn:
        INSERT.run(conn, _row("autobegun", 2))  # begun as Core would, never committed
    with engine.connect() as conn:
        assert BY_RANGE.rows(conn, {"low": 0, "high": 10}) == []
        INSERT.run(conn, _row("kept", 3))
        conn.commit()
    with engine.connect() as conn:
        assert [r[0] for r in BY_RANGE.rows(conn, {"low": 0, "high": 10})] == ["kept"]


def test_driver_errors_are_sqlalchemy_errors_without_the_values(engine: sa.Engine) -> None:
    """The parameters are hidden (the database's own message may still name a key)."""
    with engine.begin() as conn:
        INSERT_PLAIN.run(conn, {"key": "dup", "amount": 1})
    with pytest.raises(sa.exc.IntegrityError) as caught, engine.begin() as conn:
        INSERT_PLAIN.run(conn, {"key": "dup", "amount": 424242})
    assert "424242" not in str(caught.value)
    assert "parameters hidden" in str(caught.value)
    with engine.connect() as conn:  # the connection went back to the pool usable
        assert len(BY_RANGE.rows(conn, {"low": 0, "high": 10})) == 1


def test_columns_needing_conversion_go_through_core(engine: sa.Engine) -> None:
    at = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    with engine.begin() as conn:
        INSERT.run(conn, {**_row("p", 1), "price": Decimal("12.30"), "at": at})
    typed = DirectStatement(
        sa.select(probe.c.price, probe.c.at).where(probe.c.key == sa.bindparam("key"))
    )
    with engine.connect() as conn:
        price, when = typed.first(conn, {"key": "p"}) or (None, None)
    assert price == Decimal("12.30") and isinstance(price, Decimal)
    assert isinstance(when, datetime) and when.replace(tzinfo=UTC) == at


def test_the_hot_statements_of_a_question_go_straight_to_the_driver(engine: sa.Engine) -> None:
    """A column type needing conversion would quietly send them back through Core."""
    from openteller.store import audit_log, repository
    from openteller.store.direct_sql import _compile

    hot = [
        repository._READABLE_CUSTOMER,
        repository._NUMERIC_BLOCKS,
        audit_log._ADVANCE_KNOWN_HEAD,
        audit_log._INSERT_ENTRY,
    ]
    assert all(_compile(s.statement, engine.dialect).direct for s in hot)
