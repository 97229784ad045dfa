"""G6: the hash-chained, signed audit log detects every kind of tampering.

Each test writes a real log through reads and consent changes, then tampers with the
table directly (as an attacker with database access would) and runs the verification
the bank runs (``openteller audit verify``'s code path).
"""

from __future__ import annotations

import sqlalchemy as sa

from openteller.bootstrap import App
from openteller.domain.consent import Purpose
from openteller.privacy.access import Requester
from openteller.privacy.audit_chain import GENESIS, entry_hash
from openteller.store import schema

TERMINAL = Requester("terminal", Purpose.CUSTOMER_QUESTIONS, "terminal:test")
log = schema.audit_log


def _activity(app: App, reads: int = 12) -> None:
    app.consents.grant(
        "alice", channel="messenger", purposes=["customer_questions"], scopes=["balances"]
    )
    for _ in range(reads):
        app.access.balances("alice", TERMINAL)


def _problems(app: App) -> list[str]:
    return app.audit.verify().problems


def test_an_untouched_log_verifies_and_is_signed(app: App) -> None:
    app.audit.checkpoint_every = 5
    _activity(app)
    result = app.audit.verify()
    assert result.ok, result.problems
    assert result.entries == 13 and result.checkpoints == 2 and result.last_signed_seq == 10
    assert app.audit.checkpoint() == 13
    assert app.audit.verify().last_signed_seq == 13


def test_entries_carry_no_customer_plaintext(app: App) -> None:
    _activity(app, reads=2)
    app.access.transactions("alice", TERMINAL)
    text = " ".join(str(r) for r in app.audit.records())
    for secret in ("alice", "ELECTRIC", "34.51", "100.99"):
        assert secret not in text


def test_a_changed_entry_is_detected(app: App) -> None:
    _activity(app)
    with app.engine.begin() as conn:
        conn.execute(sa.update(log).where(log.c.seq == 5).values(purpose="advertising"))
    assert _problems(app) == ["entry 5 was changed after it was written"]


def test_a_removed_entry_is_detected(app: App) -> None:
    _activity(app)
    with app.engine.begin() as conn:
        conn.execute(sa.delete(log).where(log.c.seq == 7))
    problems = _problems(app)
    assert "entry 7 is missing (removed)" in problems
    assert any("entry 8 does not follow" in p for p in problems)


def test_an_inserted_entry_is_detected(app: App) -> None:
    _activity(app)
    with app.engine.begin() as conn:
        row = conn.execute(sa.select(log).where(log.c.seq == 4)).one()._asdict()
        conn.execute(sa.update(log).where(log.c.seq > 4).values(seq=log.c.seq + 1000))
        conn.execute(sa.update(log).where(log.c.seq > 1000).values(seq=log.c.seq - 999))
        forged = {**row, "seq": 5, "actor": "intruder", "prev_hash": row["hash"]}
        forged["hash"] = entry_hash(**{k: v for k, v in forged.items() if k != "hash"})
        conn.execute(sa.insert(log).values(**forged))
    problems = _problems(app)
    assert any("entry 6 does not follow" in p for p in problems), problems


def test_reordered_entries_are_detected(app: App) -> None:
    _activity(app)
    with app.engine.begin() as conn:
        a = conn.execute(sa.select(log).where(log.c.seq == 3)).one()._asdict()
        b = conn.execute(sa.select(log).where(log.c.seq == 4)).one()._asdict()
        conn.execute(sa.delete(log).where(log.c.seq.in_([3, 4])))
        conn.execute(sa.insert(log).values(**{**b, "seq": 3}))
        conn.execute(sa.insert(log).values(**{**a, "seq": 4}))
    problems = _problems(app)
    assert "entry 3 was changed after it was written" in problems
    assert any("does not follow" in p for p in problems)


def test_entries_removed_from_the_end_are_detected(app: App) -> None:
    _activity(app)
    with app.engine.begin() as conn:
        conn.execute(sa.delete(log).where(log.c.seq >= 12))
    assert any("head records entry 13" in p for p in _problems(app))


def test_a_consistently_rewritten_chain_is_caught_by_the_signed_checkpoints(app: App) -> None:
    """An attacker who recomputes every hash (and the head) after a change defeats the
    chain alone; the Ed25519 checkpoint they cannot re-sign catches it."""
    app.audit.checkpoint_every = 5
    _activity(app)
    with app.engine.begin() as conn:
        rows = [r._asdict() for r in conn.execute(sa.select(log).order_by(log.c.seq))]
        conn.execute(sa.delete(log))
        previous = GENESIS
        for row in rows:
            if row["seq"] == 2:
                row["outcome"] = "denied"
            row["prev_hash"] = previous
            row["hash"] = entry_hash(**{k: v for k, v in row.items() if k != "hash"})
            previous = row["hash"]
            conn.execute(sa.insert(log).values(**row))
        conn.execute(sa.update(schema.audit_heads).values(hash=previous))
    problems = _problems(app)
    assert any("differs from its signed checkpoint" in p for p in problems), problems


def test_a_forged_checkpoint_signature_is_detected(app: App) -> None:
    app.audit.checkpoint_every = 5
    _activity(app)
    with app.engine.begin() as conn:
        conn.execute(
            sa.update(schema.audit_checkpoints)
            .where(schema.audit_checkpoints.c.seq == 5)
            .values(signature=bytes(64))
        )
    assert _problems(app) == ["the checkpoint at entry 5 has a bad signature"]


def test_the_customer_trail_shows_who_read_what_and_why(app: App) -> None:
    _activity(app, reads=2)
    trail = app.access.trail("alice", TERMINAL)
    assert [(e.actor, e.action, e.scope, e.outcome) for e in trail[-2:]] == [
        ("terminal:test", "read", "balances", "allowed"),
        ("terminal:test", "read", "balances", "allowed"),
    ]
    assert trail[0].action == "consent_grant"


def test_the_log_still_verifies_after_erasure(app: App) -> None:
    app.audit.checkpoint_every = 3
    _activity(app, reads=4)
    app.erasure.erase("alice")
    result = app.audit.verify()
    assert result.ok, result.problems
    assert [r.action for r in app.audit.records()][-2:] == ["erase_requested", "erase"]
