"""Appends from several processes keep one chain, also when each remembers its head.

An append first tries to move the head on from the entry its process wrote last (one
conditional UPDATE, no read). These tests run two processes on one database
(``App(app.settings)``), interleave their appends and roll some back, then verify the
chain the way ``openteller audit verify`` does.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from openteller.bootstrap import App
from openteller.domain.consent import Purpose
from openteller.privacy.access import Requester
from openteller.store import audit_log, schema
from openteller.store.direct_sql import DirectStatement

TERMINAL = Requester("terminal", Purpose.CUSTOMER_QUESTIONS, "terminal:test")


class _Rollback(Exception):
    pass


def _append(app: App, action: str) -> int:
    return app.audit.record(actor="test", action=action, customer_ref="").seq


def _append_rolled_back(app: App) -> None:
    with pytest.raises(_Rollback), app.engine.begin() as conn:
        app.audit.append(conn, actor="test", action="rolled-back", customer_ref="")
        raise _Rollback


def _interleave_with_a_rollback(app: App) -> list[int]:
    """A appends, A's next append is rolled back, B appends, A appends again."""
    other = App(app.settings)
    try:
        seqs = [_append(app, "a1")]
        _append_rolled_back(app)
        seqs.append(_append(other, "b1"))
        seqs.append(_append(app, "a2"))
        seqs.append(_append(other, "b2"))
        seqs.append(_append(app, "a3"))
    finally:
        other.close()
    return seqs


def test_interleaved_appends_from_two_processes_keep_one_chain(app: App) -> None:
    other = App(app.settings)
    try:
        for round_ in range(5):
            _append(app, f"a{round_}")
            _append(app, f"a{round_}+")
            _append(other, f"b{round_}")
            app.access.balances("alice", TERMINAL)
            other.access.balances("alice", TERMINAL)
    finally:
        other.close()
    result = app.audit.verify()
    assert result.ok, result.problems
    seqs = [r.seq for r in app.audit.records()]
    assert seqs == list(range(1, len(seqs) + 1))
    assert len(seqs) >= 25


def test_an_append_after_a_rolled_back_one_follows_the_real_head(app: App) -> None:
    seqs = _interleave_with_a_rollback(app)
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    result = app.audit.verify()
    assert result.ok, result.problems
    actions = [r.action for r in app.audit.records()]
    assert "rolled-back" not in actions
    assert actions[-4:] == ["b1", "a2", "b2", "a3"]


def test_the_hash_in_the_head_condition_is_what_prevents_a_fork(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: matching the remembered head by number alone forks the chain in the
    same scenario, so the test above would catch the hash being left out."""
    heads = schema.audit_heads
    by_number_only = DirectStatement(
        sa.update(heads)
        .where(
            heads.c.bank_id == sa.bindparam("bank"),
            heads.c.seq == sa.bindparam("known_seq"),
        )
        .values(seq=sa.bindparam("new_seq"), hash=sa.bindparam("new_hash"))
    )
    monkeypatch.setattr(audit_log, "_ADVANCE_KNOWN_HEAD", by_number_only)
    _interleave_with_a_rollback(app)
    result = app.audit.verify()
    assert not result.ok
    assert any("does not follow" in problem for problem in result.problems), result.problems


def test_a_read_is_audited_on_its_own_connection_and_committed(app: App) -> None:
    before = len(list(app.audit.records()))
    with app.engine.connect() as conn:
        conn.execute(sa.select(schema.customers.c.id)).all()  # a read begins a transaction
        record = app.audit.record(
            actor="test", action="read", customer_ref="", conn=conn, detail={"n": 1}
        )
        assert not conn.in_transaction()  # committed, not left for the caller
    other = App(app.settings)
    try:
        seen = [r.seq for r in other.audit.records()]
    finally:
        other.close()
    assert record.seq in seen and len(seen) == before + 1


def test_a_failed_entry_write_leaves_no_entry_and_the_next_one_follows(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    _append(app, "first")

    def broken_insert(*_args: object, **_kwargs: object) -> None:
        raise sa.exc.OperationalError("INSERT", None, Exception("disk full"))

    with monkeypatch.context() as patch:
        patch.setattr(app.audit, "_write", broken_insert)
        with pytest.raises(sa.exc.OperationalError):
            _append(app, "lost")
    _append(app, "after")
    result = app.audit.verify()
    assert result.ok, result.problems
    assert [r.action for r in app.audit.records()][-2:] == ["first", "after"]


def test_a_process_appending_again_moves_the_head_on_without_taking_it(app: App) -> None:
    """Uncontended, the second append runs no head-taking UPDATE ... RETURNING (the
    conditional move and the insert go straight to the driver, past Core's events)."""
    _append(app, "first")
    seen: list[str] = []

    def note(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    sa.event.listen(app.engine, "before_cursor_execute", note)
    try:
        second = _append(app, "second")
    finally:
        sa.event.remove(app.engine, "before_cursor_execute", note)
    assert not [s for s in seen if "audit_heads" in s], seen
    assert [r.seq for r in app.audit.records()][-1] == second
    assert app.audit.verify().ok
