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
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

FLAG_PENDING = 1

_MAGIC = b"OTL1"
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


@dataclass(slots=True)
class NumericColumns:
    """The decrypted numeric part of a block."""

    day: npt.NDArray[np.int32]
    amount: npt.NDArray[np.int64]
    category: npt.NDArray[np.int16]
    merchant: npt.NDArray[np.int32]
    currency: npt.NDArray[np.int16]
    flags: npt.NDArray[np.uint8]
    merchants: list[str] = field(default_factory=list)
    currencies: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.day.shape[0])


def encode_numeric(rows: list[LedgerRow]) -> bytes:
    """Serialise the numeric columns of ``rows``."""
    merchants: dict[str, int] = {}
    currencies: dict[str, int] = {}
    n = len(rows)
    day = np.empty(n, dtype="<i4")
    amount = np.empty(n, dtype="<i8")
    category = np.empty(n, dtype="<i2")
    merchant = np.empty(n, dtype="<i4")
    currency = np.empty(n, dtype="<i2")
    flags = np.empty(n, dtype="u1")
    for i, row in enumerate(rows):
        day[i] = row.booking_date.toordinal()
        amount[i] = row.amount_minor
        category[i] = row.category
        merchant[i] = merchants.setdefault(row.merchant, len(merchants))
        currency[i] = currencies.setdefault(row.currency, len(currencies))
        flags[i] = FLAG_PENDING if row.pending else 0
    header = json.dumps(
        {"n": n, "merchants": list(merchants), "currencies": list(currencies)},
        separators=(",", ":"),
    ).encode()
    body = b"".join(a.tobytes() for a in (day, amount, category, merchant, currency, flags))
    return _MAGIC + struct.pack("<I", len(header)) + header + body


def decode_numeric(blob: bytes) -> NumericColumns:
    """Inverse of :func:`encode_numeric` (zero-copy views over ``blob``)."""
    if blob[:4] != _MAGIC:
        raise ValueError("not a ledger block")
    (header_len,) = struct.unpack_from("<I", blob, 4)
    header = json.loads(blob[8 : 8 + header_len])
    n = int(header["n"])
    offset = 8 + header_len
    arrays: dict[str, npt.NDArray[np.generic]] = {}
    for name, dtype in _COLUMNS:
        width = np.dtype(dtype).itemsize * n
        arrays[name] = np.frombuffer(blob, dtype=dtype, count=n, offset=offset)
        offset += width
    return NumericColumns(
        day=arrays["day"],  # type: ignore[arg-type]
        amount=arrays["amount"],  # type: ignore[arg-type]
        category=arrays["category"],  # type: ignore[arg-type]
        merchant=arrays["merchant"],  # type: ignore[arg-type]
        currency=arrays["currency"],  # type: ignore[arg-type]
        flags=arrays["flags"],  # type: ignore[arg-type]
        merchants=list(header["merchants"]),
        currencies=list(header["currencies"]),
    )


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
    """Rebuild full rows from both parts of a block."""
    numeric = decode_numeric(numeric_blob)
    details = json.loads(zlib.decompress(details_blob))
    rows: list[LedgerRow] = []
    merchants, currencies = numeric.merchants, numeric.currencies
    blank = [""] * len(numeric)
    types = details.get("transaction_type", blank)
    hints = details.get("category_hint", blank)
    for i in range(len(numeric)):
        value_ordinal = details["value_date"][i]
        rows.append(
            LedgerRow(
                id="",  # derived on read from the key (LedgerStore.iter_rows)
                key=details["key"][i],
                booking_date=date.fromordinal(int(numeric.day[i])),
                value_date=date.fromordinal(value_ordinal) if value_ordinal else None,
                amount_minor=int(numeric.amount[i]),
                currency=currencies[int(numeric.currency[i])],
                category=int(numeric.category[i]),
                pending=bool(numeric.flags[i] & FLAG_PENDING),
                description=details["description"][i],
                merchant=merchants[int(numeric.merchant[i])],
                mcc=details["mcc"][i],
                counterparty=details["counterparty"][i],
                reference=details["reference"][i],
                transaction_type=types[i],
                category_hint=hints[i],
            )
        )
    return rows
