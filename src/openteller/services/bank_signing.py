"""Signed requests between the bank and OpenTeller: an HMAC-SHA256 over the timestamp
and the raw body, named by a key id (several keys at once, so keys rotate without
downtime), refused when older than 5 minutes."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta

from openteller.domain.errors import OpenTellerError

MAX_SKEW = timedelta(minutes=5)


class BankRequestRefused(OpenTellerError):
    """A bank API request that is not signed right, too old, or a replay."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


def parse_keys(text: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for pair in text.split(","):
        key_id, _, secret = pair.strip().partition(":")
        if key_id and secret:
            keys[key_id] = secret.encode()
    return keys


def bank_signature(secret: bytes, timestamp: str, body: bytes) -> str:
    return (
        "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    )


def signed_headers(
    key_id: str, secret: bytes, body: bytes, idempotency_key: str | None = None
) -> dict[str, str]:
    """The headers of a signed bank API request (either way: the bank's posts to us, our
    callbacks to the bank), stamped now."""
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-OpenTeller-Key-Id": key_id,
        "X-OpenTeller-Timestamp": stamp,
        "X-OpenTeller-Signature": bank_signature(secret, stamp, body),
    }
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    return headers


def verify_bank_request(
    keys: dict[str, bytes],
    headers: dict[str, str],
    body: bytes,
    *,
    now: datetime,
    idempotent: bool = True,
) -> tuple[str, str | None]:
    """The key id and (for a post, ``idempotent``) the Idempotency-Key of a request signed
    with one of ``keys`` and sent within 5 minutes of ``now``; :class:`BankRequestRefused`
    naming what is wrong otherwise. ``headers`` are lower-cased."""
    key_id = headers.get("x-openteller-key-id", "")
    secret = keys.get(key_id)
    if secret is None:
        raise BankRequestRefused("unknown or missing X-OpenTeller-Key-Id")
    timestamp = headers.get("x-openteller-timestamp", "")
    if not timestamp.isdigit():
        raise BankRequestRefused("X-OpenTeller-Timestamp: unix seconds are required")
    sent = datetime.fromtimestamp(int(timestamp), UTC)
    if abs(now - sent) > MAX_SKEW:
        raise BankRequestRefused("the request is older than 5 minutes (or from the future)")
    signature = headers.get("x-openteller-signature", "")
    expected = bank_signature(secret, timestamp, body)
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise BankRequestRefused("X-OpenTeller-Signature does not match the body")
    if not idempotent:
        return key_id, None
    key = headers.get("idempotency-key", "").strip()[:100]
    if not key:
        raise BankRequestRefused("Idempotency-Key is required", 400)
    return key_id, key
