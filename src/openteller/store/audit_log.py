"""The audit log in the database: appends under a per-bank lock, reads, checkpoints.

Appends take the bank's head row with a write first (``UPDATE audit_heads``), so that
processes behind a load balancer append one after the other on PostgreSQL (row lock)
and on SQLite (the database write lock) and the chain never forks.

Each process remembers the head its own last append left (number and hash). The next
append first tries to move the head on from there in one conditional ``UPDATE`` that
also writes the new entry's hash (two statements per append instead of three). When
another process appended since, or that append was rolled back, the condition matches
nothing and the append takes the head as it is in the database. The hash is part of
the condition: a number alone could match a head that another process reached with a
different entry after our append was rolled back, and the chain would fork.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, and_, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from openteller.privacy.audit_chain import (
    GENESIS,
    AuditRecord,
    Checkpoint,
    Verification,
    canonical_detail,
    checkpoint_message,
    entry_hash,
    verify_chain,
)
from openteller.store import schema
from openteller.store.direct_sql import DirectStatement
from openteller.store.keystore import AuditKeys

_PAGE = 5000

# Built once: appends run on every read, so they only bind values.
_heads = schema.audit_heads
#: Takes the bank's head (a row lock / the write lock), moves it on and returns the new
#: number with the previous entry's hash, in one statement.
_TAKE_HEAD = (
    update(_heads)
    .where(_heads.c.bank_id == bindparam("bank"))
    .values(seq=_heads.c.seq + 1)
    .returning(_heads.c.seq, _heads.c.hash)
)
_SET_HEAD_HASH = (
    update(_heads).where(_heads.c.bank_id == bindparam("bank")).values(hash=bindparam("new_hash"))
)
#: Moves the head on from the one this process last left, or matches nothing.
_ADVANCE_KNOWN_HEAD = DirectStatement(
    update(_heads)
    .where(
        and_(
            _heads.c.bank_id == bindparam("bank"),
            _heads.c.seq == bindparam("known_seq"),
            _heads.c.hash == bindparam("known_hash"),
        )
    )
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
_INSERT_ENTRY = DirectStatement(insert(schema.audit_log))


class AuditLog:
    """One bank's hash-chained audit log."""

    def __init__(
        self,
        engine: Engine,
        bank_id: str,
        signing_keys: Callable[[], AuditKeys],
        public_key: Callable[[], bytes | None],
        checkpoint_every: int = 100,
    ) -> None:
        self.engine = engine
        self.bank_id = bank_id
        self._signing_keys = signing_keys
        self._public_key = public_key
        self.checkpoint_every = checkpoint_every
        #: (seq, hash) of the entry this process appended last: a hint, checked by the
        #: database on every use (see the module docstring).
        self._known_head: tuple[int, str] | None = None

    # -- writing -------------------------------------------------------------------------
    def record(
        self,
        *,
        actor: str,
        action: str,
        customer_ref: str,
        purpose: str = "",
        scope: str = "",
        outcome: str = "ok",
        detail: Mapping[str, object] | None = None,
        conn: Connection | None = None,
    ) -> AuditRecord:
        """Append one entry in its own transaction (committed before returning).

        With ``conn`` (a connection the caller has just read on), the entry is written on
        that connection: whatever the caller's reads began is committed first, so the
        entry is still a transaction of its own, without checking out a second
        connection."""
        for attempt in range(5):
            try:
                with self._own_transaction(conn) as conn_:
                    return self.append(
                        conn_,
                        actor=actor,
                        action=action,
                        customer_ref=customer_ref,
                        purpose=purpose,
                        scope=scope,
                        outcome=outcome,
                        detail=detail,
                    )
            except IntegrityError:  # two processes created the head row at once
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def _own_transaction(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is None:
            with self.engine.begin() as fresh:
                yield fresh
            return
        if conn.in_transaction():
            conn.commit()
        with conn.begin():
            yield conn

    def append(
        self,
        conn: Connection,
        *,
        actor: str,
        action: str,
        customer_ref: str,
        purpose: str = "",
        scope: str = "",
        outcome: str = "ok",
        detail: Mapping[str, object] | None = None,
    ) -> AuditRecord:
        """Append one entry inside the caller's transaction (atomic with its change)."""
        entry = {
            "bank_id": self.bank_id,
            "at": datetime.now(UTC).isoformat(timespec="microseconds"),
            "actor": actor[:80],
            "action": action,
            "customer_ref": customer_ref,
            "purpose": purpose,
            "scope": scope,
            "outcome": outcome,
            "detail": canonical_detail(detail or {}),
        }
        known = self._known_head
        if known is not None:
            seq, prev_hash = known[0] + 1, known[1]
            digest = entry_hash(seq=seq, prev_hash=prev_hash, **entry)
            moved = _ADVANCE_KNOWN_HEAD.rowcount(
                conn,
                {
                    "bank": self.bank_id,
                    "known_seq": known[0],
                    "known_hash": prev_hash,
                    "new_seq": seq,
                    "new_hash": digest,
                },
            )
            if moved == 1:
                return self._write(conn, entry, seq, prev_hash, digest)
        head = conn.execute(_TAKE_HEAD, {"bank": self.bank_id}).first()
        if head is None:
            conn.execute(
                insert(schema.audit_heads).values(bank_id=self.bank_id, seq=0, hash=GENESIS)
            )
            head = conn.execute(_TAKE_HEAD, {"bank": self.bank_id}).one()
        seq, prev_hash = int(head.seq), str(head.hash)
        digest = entry_hash(seq=seq, prev_hash=prev_hash, **entry)
        conn.execute(_SET_HEAD_HASH, {"bank": self.bank_id, "new_hash": digest})
        return self._write(conn, entry, seq, prev_hash, digest)

    def _write(
        self, conn: Connection, entry: dict[str, str], seq: int, prev_hash: str, digest: str
    ) -> AuditRecord:
        """Insert the entry once the head is ours and points at it."""
        fields = {**entry, "seq": seq, "prev_hash": prev_hash}
        _INSERT_ENTRY.run(conn, {**fields, "hash": digest})
        self._known_head = (seq, digest)
        if self.checkpoint_every and seq % self.checkpoint_every == 0:
            self._sign(conn, seq, digest)
        return AuditRecord(**fields, hash=digest)  # type: ignore[arg-type]

    def checkpoint(self) -> int:
        """Sign the chain as it is now; returns the entry signed (0: empty log)."""
        with self.engine.begin() as conn:
            head = conn.execute(
                select(schema.audit_heads.c.seq, schema.audit_heads.c.hash).where(
                    schema.audit_heads.c.bank_id == self.bank_id
                )
            ).first()
            if head is None or not head.seq:
                return 0
            exists = conn.execute(
                select(schema.audit_checkpoints.c.seq).where(
                    and_(
                        schema.audit_checkpoints.c.bank_id == self.bank_id,
                        schema.audit_checkpoints.c.seq == head.seq,
                    )
                )
            ).first()
            if exists is None:
                self._sign(conn, int(head.seq), str(head.hash))
            return int(head.seq)

    def _sign(self, conn: Connection, seq: int, chain_hash: str) -> None:
        keys = self._signing_keys()
        conn.execute(
            insert(schema.audit_checkpoints).values(
                bank_id=self.bank_id,
                seq=seq,
                hash=chain_hash,
                signed_at=datetime.now(UTC).isoformat(timespec="seconds"),
                signature=keys.private.sign(checkpoint_message(self.bank_id, seq, chain_hash)),
            )
        )

    # -- reading -------------------------------------------------------------------------
    def records(self, customer_ref: str | None = None) -> Iterator[AuditRecord]:
        """Entries in chain order, all or those about one customer (paged)."""
        table = schema.audit_log
        after = 0
        while True:
            query = select(table).where(and_(table.c.bank_id == self.bank_id, table.c.seq > after))
            if customer_ref is not None:
                query = query.where(table.c.customer_ref == customer_ref)
            with self.engine.connect() as conn:
                page = conn.execute(query.order_by(table.c.seq).limit(_PAGE)).all()
            for row in page:
                yield _record(row)
            if len(page) < _PAGE:
                return
            after = int(page[-1].seq)

    def verify(self) -> Verification:
        with self.engine.connect() as conn:
            head_row = conn.execute(
                select(schema.audit_heads.c.seq, schema.audit_heads.c.hash).where(
                    schema.audit_heads.c.bank_id == self.bank_id
                )
            ).first()
            checkpoints = [
                Checkpoint(r.bank_id, int(r.seq), r.hash, r.signed_at, bytes(r.signature))
                for r in conn.execute(
                    select(schema.audit_checkpoints)
                    .where(schema.audit_checkpoints.c.bank_id == self.bank_id)
                    .order_by(schema.audit_checkpoints.c.seq)
                )
            ]
        head = None if head_row is None else (int(head_row.seq), str(head_row.hash))
        return verify_chain(
            self.records(), head=head, checkpoints=checkpoints, public_key=self._public_key()
        )


def _record(row: object) -> AuditRecord:
    return AuditRecord(
        bank_id=row.bank_id,  # type: ignore[attr-defined]
        seq=int(row.seq),  # type: ignore[attr-defined]
        at=row.at,  # type: ignore[attr-defined]
        actor=row.actor,  # type: ignore[attr-defined]
        action=row.action,  # type: ignore[attr-defined]
        customer_ref=row.customer_ref,  # type: ignore[attr-defined]
        purpose=row.purpose,  # type: ignore[attr-defined]
        scope=row.scope,  # type: ignore[attr-defined]
        outcome=row.outcome,  # type: ignore[attr-defined]
        detail=row.detail,  # type: ignore[attr-defined]
        prev_hash=row.prev_hash,  # type: ignore[attr-defined]
        hash=row.hash,  # type: ignore[attr-defined]
    )
