"""Sealed button payloads: opaque, bound to one audience, short-lived, tamper-evident."""

from __future__ import annotations

import os

from openteller.privacy.cipher import CustomerCipher
from openteller.privacy.sealed import SealedPayloads

SEALER = SealedPayloads(CustomerCipher(os.urandom(32)), lifetime=60)


def test_a_sealed_payload_opens_for_its_audience_only() -> None:
    token = SEALER.seal("web:alice", "alert-no:A-1", now=1_000)
    assert "alert" not in token and "alice" not in token
    assert SEALER.open("web:alice", token, now=1_030) == "alert-no:A-1"
    assert SEALER.open("web:mallory", token, now=1_030) is None


def test_expired_altered_and_foreign_tokens_open_to_nothing() -> None:
    token = SEALER.seal("psid-1", "alert-yes:A-2", now=1_000)
    assert SEALER.open("psid-1", token, now=1_061) is None  # a minute and a second later
    altered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert SEALER.open("psid-1", altered, now=1_001) is None
    other_key = SealedPayloads(CustomerCipher(os.urandom(32)))
    assert other_key.open("psid-1", token, now=1_001) is None
    assert SEALER.open("psid-1", "alert-yes:A-2", now=1_001) is None  # never sealed
    assert SEALER.open("psid-1", "ot1.!!!", now=1_001) is None
