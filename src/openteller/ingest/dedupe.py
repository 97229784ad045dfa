"""Dedupe keys: how ingest recognises a transaction it has already stored.

Bank ids come first (OFX FITID, camt AcctSvcrRef, Open Banking TransactionId, FDX
transactionId): ``id:<bank id>``. Without one, a content hash of booking date, amount,
currency and descriptor, plus the occurrence number of that same content within the
file: the same coffee bought twice on one day stays two transactions (``#1``, ``#2``),
while re-ingesting the file, or an overlapping statement that holds both, adds none.

Numbering needs to remember every content seen earlier in the file. Ingest numbers the
content keys a batch at a time (:meth:`DedupeKeys.numbered`) and remembers earlier
batches as sorted runs of 64-bit digest prefixes with their counts: 12 bytes per distinct
content (a Python dict of the same would take about 100), 12 MB for a file of a million
such transactions. Runs of like size are merged, so a batch is looked up in a handful of
runs and merging costs O(n log n) over the whole file.

Two contents of one file whose digests share the first 64 bits (odds about n^2 / 2^65,
1 in 30 million for a million transactions) are numbered as if they were one: their
keys still differ and a re-ingest of the file still finds them all; only a later,
overlapping statement holding one without the other could add that one again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

#: BLAKE2b with a 12-byte digest, set up once (copying it is cheaper than a new one).
_BLAKE2B_12 = hashlib.blake2b(digest_size=12)
#: A digest read as its first 8 bytes (the number it is remembered by) and the rest.
_DIGEST = np.dtype([("prefix", "<u8"), ("rest", "V4")])


def bank_id_key(bank_id: str) -> str:
    """The dedupe key of a transaction the bank gave an id."""
    return "id:" + bank_id


def content_digest(
    account: str, booking_day: int, amount_minor: int, currency: str, description: str
) -> bytes:
    """The 12-byte digest of a transaction's content (booking date as its ordinal;
    spacing and case of the descriptor do not count)."""
    text = " ".join(description.split()).casefold()
    digest_of = _BLAKE2B_12.copy()
    digest_of.update(f"{account}|{booking_day}|{amount_minor}|{currency}|{text}".encode())
    return digest_of.digest()


class DedupeKeys:
    """Numbers the content keys of one file's transactions, in file order.

    Keys are stored, so their formula never changes: a re-ingest must find the keys an
    earlier version wrote.
    """

    def __init__(self) -> None:
        #: Sorted runs of digest prefixes seen in earlier batches, each with how often
        #: each was seen; a prefix is in one run only.
        self._runs: list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]] = []

    def numbered(self, digests: Sequence[bytes]) -> list[str]:
        """The keys of the next transactions without a bank id, from their
        :func:`content_digest` in file order: each digest with its occurrence number
        in the file so far."""
        if not digests:
            return []
        distinct = list(dict.fromkeys(digests))
        prefixes = np.frombuffer(b"".join(distinct), _DIGEST)["prefix"]
        order = np.argsort(prefixes, kind="stable")  # sorted queries search faster
        prefixes = prefixes[order]
        earlier = np.zeros(len(distinct), np.uint32)
        found_in = []
        for seen, counts in self._runs:
            at = np.searchsorted(seen, prefixes).clip(max=len(seen) - 1)
            found = seen[at] == prefixes
            earlier[found] = counts[at[found]]
            found_in.append((at, found))
        so_far = dict(zip([distinct[i] for i in order.tolist()], earlier.tolist(), strict=True))
        keys: list[str] = []
        append = keys.append
        for digest in digests:
            count = so_far[digest] + 1
            so_far[digest] = count
            append(f"h:{digest.hex()}#{count}")
        totals = np.fromiter(so_far.values(), np.uint32, len(so_far))
        new = np.ones(len(distinct), bool)
        for (_seen, counts), (at, found) in zip(self._runs, found_in, strict=True):
            counts[at[found]] = totals[found]
            new &= ~found
        self._add_run(prefixes[new], totals[new])
        return keys

    def _add_run(self, prefixes: npt.NDArray[np.uint64], counts: npt.NDArray[np.uint32]) -> None:
        """Adds sorted digest prefixes not seen before as a run, merging runs of like size."""
        if not len(prefixes):
            return
        runs = self._runs
        runs.append((prefixes, counts))
        while len(runs) > 1 and len(runs[-2][0]) <= 2 * len(runs[-1][0]):
            (newer, newer_counts), (older, older_counts) = runs.pop(), runs.pop()
            merged = np.concatenate((older, newer))
            order = np.argsort(merged, kind="stable")
            runs.append((merged[order], np.concatenate((older_counts, newer_counts))[order]))
