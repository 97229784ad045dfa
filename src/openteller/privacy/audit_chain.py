"""The audit log's hash chain and its verification (pure: no database).

Each entry commits to the previous one: ``hash = SHA-256(canonical JSON of the entry's
fields and the previous hash)``, starting from :data:`GENESIS`. Changing, removing,
inserting or reordering an entry breaks the chain at that point. Someone able to rewrite
the whole table could recompute every hash after a change, so the chain is also signed
at regular checkpoints with the bank's Ed25519 key (held wrapped by the master key in
the key store): a rewritten chain no longer matches its signed checkpoints.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One entry as stored. ``detail`` is canonical JSON (see :func:`canonical_detail`)."""

    bank_id: str
    seq: int
    at: str
    actor: str
    action: str
    customer_ref: str
    purpose: str
    scope: str
    outcome: str
    detail: str
    prev_hash: str
    hash: str

    def details(self) -> dict[str, object]:
        value = json.loads(self.detail)
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class Checkpoint:
    bank_id: str
    seq: int
    hash: str
    signed_at: str
    signature: bytes


def canonical_detail(detail: Mapping[str, object]) -> str:
    return json.dumps(dict(detail), sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def entry_hash(
    *,
    bank_id: str,
    seq: int,
    at: str,
    actor: str,
    action: str,
    customer_ref: str,
    purpose: str,
    scope: str,
    outcome: str,
    detail: str,
    prev_hash: str,
) -> str:
    """The hash an entry with these fields must carry."""
    body = json.dumps(
        [bank_id, seq, at, actor, action, customer_ref, purpose, scope, outcome, detail, prev_hash],
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record_hash(record: AuditRecord) -> str:
    return entry_hash(
        bank_id=record.bank_id,
        seq=record.seq,
        at=record.at,
        actor=record.actor,
        action=record.action,
        customer_ref=record.customer_ref,
        purpose=record.purpose,
        scope=record.scope,
        outcome=record.outcome,
        detail=record.detail,
        prev_hash=record.prev_hash,
    )


def checkpoint_message(bank_id: str, seq: int, chain_hash: str) -> bytes:
    """What a checkpoint signs."""
    return f"openteller-audit-checkpoint:v1:{bank_id}:{seq}:{chain_hash}".encode()


@dataclass(slots=True)
class Verification:
    """The outcome of checking a bank's chain."""

    entries: int = 0
    checkpoints: int = 0
    last_signed_seq: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(
    records: Iterable[AuditRecord],
    *,
    head: tuple[int, str] | None,
    checkpoints: Iterable[Checkpoint],
    public_key: bytes | None,
) -> Verification:
    """Check the chain (records in ``seq`` order), its head and its signed checkpoints."""
    result = Verification()
    expected_seq, previous = 1, GENESIS
    hashes: dict[int, str] = {}
    for record in records:
        result.entries += 1
        if record.seq != expected_seq:
            if record.seq > expected_seq:
                missing = (
                    f"{expected_seq}"
                    if record.seq == expected_seq + 1
                    else f"{expected_seq}-{record.seq - 1}"
                )
                result.problems.append(f"entry {missing} is missing (removed)")
            else:
                result.problems.append(f"entry {record.seq} appears out of sequence (inserted)")
        if record.prev_hash != previous:
            result.problems.append(
                f"entry {record.seq} does not follow the entry before it "
                "(an entry was removed, inserted or reordered)"
            )
        if record_hash(record) != record.hash:
            result.problems.append(f"entry {record.seq} was changed after it was written")
        hashes[record.seq] = record.hash
        previous = record.hash
        expected_seq = record.seq + 1
    last_seq = expected_seq - 1
    if head is not None and (head[0] != last_seq or (last_seq and head[1] != previous)):
        result.problems.append(
            f"the log ends at entry {last_seq} but its head records entry {head[0]} "
            "(entries were removed from the end, or added around the log)"
        )
    verifier = Ed25519PublicKey.from_public_bytes(public_key) if public_key else None
    for checkpoint in checkpoints:
        result.checkpoints += 1
        if verifier is None:
            result.problems.append("checkpoints exist but the bank has no audit public key")
            break
        try:
            verifier.verify(
                checkpoint.signature,
                checkpoint_message(checkpoint.bank_id, checkpoint.seq, checkpoint.hash),
            )
        except InvalidSignature:
            result.problems.append(f"the checkpoint at entry {checkpoint.seq} has a bad signature")
            continue
        stored = hashes.get(checkpoint.seq)
        if stored is None:
            result.problems.append(
                f"entry {checkpoint.seq}, covered by a signed checkpoint, is gone"
            )
        elif stored != checkpoint.hash:
            result.problems.append(
                f"the chain up to entry {checkpoint.seq} differs from its signed checkpoint "
                "(rewritten)"
            )
        else:
            result.last_signed_seq = max(result.last_signed_seq, checkpoint.seq)
    return result
