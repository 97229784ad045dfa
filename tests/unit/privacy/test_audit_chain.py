"""The audit hash chain and checkpoint verification as pure functions."""

from __future__ import annotations

from dataclasses import replace

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from openteller.privacy.audit_chain import (
    GENESIS,
    AuditRecord,
    Checkpoint,
    checkpoint_message,
    entry_hash,
    verify_chain,
)


def _chain(n: int) -> list[AuditRecord]:
    records, previous = [], GENESIS
    for seq in range(1, n + 1):
        fields = {
            "bank_id": "b",
            "seq": seq,
            "at": f"2026-11-30T00:00:{seq:02d}",
            "actor": "terminal",
            "action": "read",
            "customer_ref": "u1",
            "purpose": "customer_questions",
            "scope": "balances",
            "outcome": "allowed",
            "detail": "{}",
            "prev_hash": previous,
        }
        digest = entry_hash(**fields)  # type: ignore[arg-type]
        records.append(AuditRecord(**fields, hash=digest))  # type: ignore[arg-type]
        previous = digest
    return records


def _signed(records: list[AuditRecord], seq: int) -> tuple[Checkpoint, bytes]:
    key = Ed25519PrivateKey.generate()
    chain_hash = records[seq - 1].hash
    signature = key.sign(checkpoint_message("b", seq, chain_hash))
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return Checkpoint("b", seq, chain_hash, "now", signature), public


def test_an_intact_chain_verifies() -> None:
    records = _chain(5)
    checkpoint, public = _signed(records, 4)
    result = verify_chain(
        records, head=(5, records[-1].hash), checkpoints=[checkpoint], public_key=public
    )
    assert result.ok and result.entries == 5 and result.last_signed_seq == 4


def test_each_kind_of_tampering_is_named() -> None:
    records = _chain(5)
    head = (5, records[-1].hash)
    changed = [*records[:2], replace(records[2], actor="x"), *records[3:]]
    assert verify_chain(changed, head=head, checkpoints=[], public_key=None).problems == [
        "entry 3 was changed after it was written"
    ]
    removed = records[:2] + records[3:]
    assert (
        "entry 3 is missing (removed)"
        in verify_chain(removed, head=head, checkpoints=[], public_key=None).problems
    )
    swapped = [records[0], records[2], records[1], *records[3:]]
    assert any(
        "does not follow" in p
        for p in verify_chain(swapped, head=head, checkpoints=[], public_key=None).problems
    )
    truncated = records[:3]
    assert any(
        "head records entry 5" in p
        for p in verify_chain(truncated, head=head, checkpoints=[], public_key=None).problems
    )


def test_a_checkpoint_by_another_key_is_rejected() -> None:
    records = _chain(3)
    checkpoint, _public = _signed(records, 3)
    _other, other_public = _signed(records, 3)
    result = verify_chain(
        records, head=(3, records[-1].hash), checkpoints=[checkpoint], public_key=other_public
    )
    assert result.problems == ["the checkpoint at entry 3 has a bad signature"]
