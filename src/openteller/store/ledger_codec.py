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
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt
import orjson

FLAG_PENDING = 1

_MAGIC = b"OTL2"
_COLUMNS: tuple[tuple[str, np.dtype[np.generic]], ...] = (
    ("day", np.dtype("<i4")),
    ("amount", np.dtype("<i8")),
    ("category", np.dtype("<i2")),
    ("merchant", np.dtype("<i4")),
    ("currency", np.dtype("<i2")),
    ("flags", np.dtype("u1")),
)
#: Per column: its type, and the bytes per row of the columns before it (a column of an
#: n-row block starts at the first column's offset + n times that).
_LAYOUT: dict[str, tuple[np.dtype[np.generic], int]] = {
    name: (dtype, sum(d.itemsize for _n, d in _COLUMNS[:position]))
    for position, (name, dtype) in enumerate(_COLUMNS)
}
_ROW_BYTES = sum(dtype.itemsize for _name, dtype in _COLUMNS)


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


_Item = TypeVar("_Item", bound=np.generic)


class _Column(Generic[_Item]):
    """A column of a :class:`NumericColumns`, viewed when first read."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, block: NumericColumns, owner: type) -> npt.NDArray[_Item]:
        return block._column(self.name)  # type: ignore[no-any-return]


class NumericColumns:
    """The decrypted numeric part of a block (zero-copy numpy views over the plaintext).

    Each column is viewed only when first asked for (a total over one currency needs
    three of the six), and the merchant list is parsed only when asked for.
    """

    __slots__ = ("_arrays", "_blob", "_merchant_blob", "_merchants", "_n", "_start", "currencies")

    def __init__(
        self,
        blob: bytes,
        n: int,
        start: int,
        currencies: list[str],
        merchant_blob: bytes = b"",
        merchants: list[str] | None = None,
    ) -> None:
        self._blob = blob
        self._n = n
        self._start = start
        self._arrays: dict[str, npt.NDArray[np.generic]] = {}
        self.currencies = currencies
        self._merchant_blob = merchant_blob
        self._merchants = merchants

    def _column(self, name: str) -> Any:
        array = self._arrays.get(name)
        if array is None:
            dtype, before = _LAYOUT[name]
            array = np.frombuffer(
                self._blob, dtype=dtype, count=self._n, offset=self._start + before * self._n
            )
            self._arrays[name] = array
        return array

    day: _Column[np.int32] = _Column()
    amount: _Column[np.int64] = _Column()
    category: _Column[np.int16] = _Column()
    merchant: _Column[np.int32] = _Column()
    currency: _Column[np.int16] = _Column()
    flags: _Column[np.uint8] = _Column()

    @property
    def merchants(self) -> list[str]:
        if self._merchants is None:
            self._merchants = list(orjson.loads(self._merchant_blob)) if self._merchant_blob else []
        return self._merchants

    def __len__(self) -> int:
        return self._n


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
    values: dict[str, list[int]] = {
        "day": [row.booking_date.toordinal() for row in rows],
        "amount": [row.amount_minor for row in rows],
        "category": [row.category for row in rows],
        "merchant": [merchant_index(row.merchant, len(merchants)) for row in rows],
        "currency": [currency_index(row.currency, len(currencies)) for row in rows],
        "flags": [FLAG_PENDING if row.pending else 0 for row in rows],
    }
    codes = ",".join(currencies).encode("ascii")
    body = b"".join(np.array(values[name], dtype=dtype).tobytes() for name, dtype in _COLUMNS)
    names = orjson.dumps(list(merchants))
    return _MAGIC + _HEADER.pack(n, len(codes)) + codes + body + names


def decode_numeric(blob: bytes) -> NumericColumns:
    """Inverse of :func:`encode_numeric` (zero-copy views over ``blob``)."""
    magic = blob[:4]
    if magic == _MAGIC:
        n, codes_len = _HEADER.unpack_from(blob, 4)
        start = 4 + _HEADER.size
        codes = blob[start : start + codes_len].decode("ascii")
        columns = start + codes_len
        merchants = blob[columns + _ROW_BYTES * n :]
        return NumericColumns(blob, n, columns, codes.split(",") if codes else [], merchants)
    if magic == _MAGIC_V1:
        (header_len,) = struct.unpack_from("<I", blob, 4)
        header = json.loads(blob[8 : 8 + header_len])
        return NumericColumns(
            blob,
            int(header["n"]),
            8 + header_len,
            list(header["currencies"]),
            merchants=list(header["merchants"]),
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
    return zlib.compress(orjson.dumps(columns), 1)


def decode_rows(numeric_blob: bytes, details_blob: bytes) -> list[LedgerRow]:
    """Rebuild full rows from both parts of a block (columns to Python lists first:
    indexing numpy arrays element by element is many times slower)."""
    numeric = decode_numeric(numeric_blob)
    details = orjson.loads(zlib.decompress(details_blob))
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
