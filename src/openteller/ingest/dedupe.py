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

#: BLAKE2b with a 12-byte digest, set up once (copying it is cheaper than a new one).
_BLAKE2B_12 = hashlib.blake2b(digest_size=12)


class DedupeKeys:
    """Computes dedupe keys for the transactions of one file.

    Keys are stored, so their formula never changes: a re-ingest must find the keys an
    earlier version wrote.
    """

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
        return self.key_on_day(
            account, bank_id, booking_date.toordinal(), amount_minor, currency, description
        )

    def key_on_day(
        self,
        account: str,
        bank_id: str,
        booking_day: int,
        amount_minor: int,
        currency: str,
        description: str,
    ) -> str:
        """:meth:`key` with the booking date as its ordinal (positional: ingest calls it
        once per transaction)."""
        if bank_id:
            return "id:" + bank_id
        text = " ".join(description.split()).casefold()
        content = f"{account}|{booking_day}|{amount_minor}|{currency}|{text}"
        digest_of = _BLAKE2B_12.copy()
        digest_of.update(content.encode())
        digest = digest_of.digest()
        count = self._occurrences.get(digest, 0) + 1
        self._occurrences[digest] = count
        return f"h:{digest.hex()}#{count}"
