"""The plaintext layout of a ledger block: one account's transactions of one month.

A block has two parts, encrypted separately so that aggregate questions ("spent on
coffee since March") decrypt only the small numeric part:

* **numeric**: columnar arrays (numpy) — booking date ordinal (int32), amount in minor
  units (int64), category id (int16), merchant index (int32, into the block's merchant
  list), currency index (int16), flags (uint8: bit 0 pending) — plus the merchant and
  currency lists. Summing a category over a year is a few vectorised operations.
* **details**: per-row text (stable id, dedupe key, value date, description, merchant,
  MCC, counterparty, reference), zlib-compressed JSON, decrypted only to list rows.

Rows are kept sorted by booking date, then arrival order.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

FLAG_PENDING = 1

_MAGIC = b"OTL2"
_COLUMNS: tuple[tuple[str, str], ...] = (
    ("day", "<i4"),
    ("amount", "<i8"),
    ("category", "<i2"),
    ("merchant", "<i4"),
    ("currency", "<i2"),
    ("flags", "u1"),
)


@dataclass(slots=True)
class LedgerRow:
    """One transaction inside a block (plaintext, in memory only)."""

    id: str  # "" in storage; filled in from the key when read
    key: str
    booking_date: date
    value_date: date | None
    amount_minor: int
    currency: str
    category: int
    pending: bool
    description: str
    merchant: str
    mcc: str
    counterparty: str
    reference: str
    #: What the file said about the entry's kind and the bank's own category, kept so that
    #: a change of the customer's rules can recategorise exactly as ingest did.
    transaction_type: str = ""
    category_hint: str = ""


class NumericColumns:
    """The decrypted numeric part of a block (zero-copy numpy views over the plaintext).

    Currencies sit in the fixed header; the merchant list is parsed only when asked for,
    so a total that needs dates, amounts, categories and currencies never touches it.
    """

    __slots__ = (
        "_merchant_blob",
        "_merchants",
        "amount",
        "category",
        "currencies",
        "currency",
        "day",
        "flags",
        "merchant",
    )

    def __init__(
        self,
        arrays: dict[str, npt.NDArray[np.generic]],
        currencies: list[str],
        merchant_blob: bytes = b"",
        merchants: list[str] | None = None,
    ) -> None:
        self.day: npt.NDArray[np.int32] = arrays["day"]  # type: ignore[assignment]
        self.amount: npt.NDArray[np.int64] = arrays["amount"]  # type: ignore[assignment]
        self.category: npt.NDArray[np.int16] = arrays["category"]  # type: ignore[assignment]
        self.merchant: npt.NDArray[np.int32] = arrays["merchant"]  # type: ignore[assignment]
        self.currency: npt.NDArray[np.int16] = arrays["currency"]  # type: ignore[assignment]
        self.flags: npt.NDArray[np.uint8] = arrays["flags"]  # type: ignore[assignment]
        self.currencies = currencies
        self._merchant_blob = merchant_blob
        self._merchants = merchants

    @property
    def merchants(self) -> list[str]:
        if self._merchants is None:
            self._merchants = list(json.loads(self._merchant_blob)) if self._merchant_blob else []
        return self._merchants

    def __len__(self) -> int:
        return int(self.day.shape[0])


_MAGIC_V1 = b"OTL1"  # header JSON (n, names) first: still read, no longer written
_HEADER = struct.Struct("<IH")  # row count, length of the comma-separated currency codes


def encode_numeric(rows: list[LedgerRow]) -> bytes:
    """Serialise the numeric columns of ``rows``: magic, row count, currency codes, the
    columns, then the merchant names (JSON) at the end."""
    merchants: dict[str, int] = {}
    currencies: dict[str, int] = {}
    n = len(rows)
    merchant_index, currency_index = merchants.setdefault, currencies.setdefault
    # Whole lists into arrays: numpy's item-by-item assignment is several times slower.
    day = np.array([row.booking_date.toordinal() for row in rows], dtype="<i4")
    amount = np.array([row.amount_minor for row in rows], dtype="<i8")
    category = np.array([row.category for row in rows], dtype="<i2")
    merchant = np.array([merchant_index(row.merchant, len(merchants)) for row in rows], dtype="<i4")
    currency = np.array(
        [currency_index(row.currency, len(currencies)) for row in rows], dtype="<i2"
    )
    flags = np.array([FLAG_PENDING if row.pending else 0 for row in rows], dtype="u1")
    codes = ",".join(currencies).encode("ascii")
    body = b"".join(a.tobytes() for a in (day, amount, category, merchant, currency, flags))
    names = json.dumps(list(merchants), separators=(",", ":")).encode()
    return _MAGIC + _HEADER.pack(n, len(codes)) + codes + body + names


def _columns(blob: bytes, n: int, offset: int) -> tuple[dict[str, npt.NDArray[np.generic]], int]:
    arrays: dict[str, npt.NDArray[np.generic]] = {}
    for name, dtype in _COLUMNS:
        arrays[name] = np.frombuffer(blob, dtype=dtype, count=n, offset=offset)
        offset += np.dtype(dtype).itemsize * n
    return arrays, offset


def decode_numeric(blob: bytes) -> NumericColumns:
    """Inverse of :func:`encode_numeric` (zero-copy views over ``blob``)."""
    magic = blob[:4]
    if magic == _MAGIC:
        n, codes_len = _HEADER.unpack_from(blob, 4)
        start = 4 + _HEADER.size
        codes = blob[start : start + codes_len].decode("ascii")
        arrays, end = _columns(blob, n, start + codes_len)
        return NumericColumns(arrays, codes.split(",") if codes else [], blob[end:])
    if magic == _MAGIC_V1:
        (header_len,) = struct.unpack_from("<I", blob, 4)
        header = json.loads(blob[8 : 8 + header_len])
        arrays, _end = _columns(blob, int(header["n"]), 8 + header_len)
        return NumericColumns(
            arrays, list(header["currencies"]), merchants=list(header["merchants"])
        )
    raise ValueError("not a ledger block")


def encode_details(rows: list[LedgerRow]) -> bytes:
    """Serialise the text columns of ``rows`` (compressed JSON, column-wise)."""
    columns = {
        "key": [r.key for r in rows],
        "value_date": [r.value_date.toordinal() if r.value_date else 0 for r in rows],
        "description": [r.description for r in rows],
        "mcc": [r.mcc for r in rows],
        "counterparty": [r.counterparty for r in rows],
        "reference": [r.reference for r in rows],
        "transaction_type": [r.transaction_type for r in rows],
        "category_hint": [r.category_hint for r in rows],
    }
    return zlib.compress(json.dumps(columns, separators=(",", ":")).encode(), 1)


def decode_rows(numeric_blob: bytes, details_blob: bytes) -> list[LedgerRow]:
    """Rebuild full rows from both parts of a block (columns to Python lists first:
    indexing numpy arrays element by element is many times slower)."""
    numeric = decode_numeric(numeric_blob)
    details = json.loads(zlib.decompress(details_blob))
    merchants, currencies = numeric.merchants, numeric.currencies
    size = len(numeric)
    blank = [""] * size
    fromordinal = date.fromordinal
    return [
        LedgerRow(
            "",  # id: derived on read from the key (LedgerStore.iter_rows)
            key,
            fromordinal(day),
            fromordinal(value_ordinal) if value_ordinal else None,
            amount,
            currencies[currency],
            category,
            bool(flags & FLAG_PENDING),
            description,
            merchants[merchant],
            mcc,
            counterparty,
            reference,
            kind,
            hint,
        )
        for (
            key,
            day,
            value_ordinal,
            amount,
            currency,
            category,
            flags,
            description,
            merchant,
            mcc,
            counterparty,
            reference,
            kind,
            hint,
        ) in zip(
            details["key"],
            numeric.day.tolist(),
            details["value_date"],
            numeric.amount.tolist(),
            numeric.currency.tolist(),
            numeric.category.tolist(),
            numeric.flags.tolist(),
            details["description"],
            numeric.merchant.tolist(),
            details["mcc"],
            details["counterparty"],
            details["reference"],
            details.get("transaction_type", blank),
            details.get("category_hint", blank),
            strict=True,
        )
    ]
