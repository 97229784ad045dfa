"""Dedupe keys: how ingest recognises a transaction it has already stored.

Bank ids come first (OFX FITID, camt AcctSvcrRef, Open Banking TransactionId, FDX
transactionId): ``id:<bank id>``. Without one, a content hash of booking date, amount,
currency and descriptor, plus the occurrence number of that same content within the
file: the same coffee bought twice on one day stays two transactions (``#1``, ``#2``),
while re-ingesting the file, or an overlapping statement that holds both, adds none.
"""

from __future__ import annotations

import hashlib
from datetime import date


class DedupeKeys:
    """Computes dedupe keys for the transactions of one file."""

    def __init__(self) -> None:
        self._occurrences: dict[bytes, int] = {}

    def key(
        self,
        *,
        account: str,
        bank_id: str,
        booking_date: date,
        amount_minor: int,
        currency: str,
        description: str,
    ) -> str:
        """The dedupe key of one transaction (call once per transaction, in file order)."""
        if bank_id:
            return "id:" + bank_id
        text = " ".join(description.split()).casefold()
        content = f"{account}|{booking_date.toordinal()}|{amount_minor}|{currency}|{text}"
        digest = hashlib.blake2b(content.encode(), digest_size=12).digest()
        count = self._occurrences.get(digest, 0) + 1
        self._occurrences[digest] = count
        return f"h:{digest.hex()}#{count}"
