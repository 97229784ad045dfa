"""How the columns of a bank CSV export map onto a transaction: :class:`ColumnMapping`.

A column is named by its header text (matched case-insensitively, surrounding spaces
ignored) or by its 0-based index. The amount comes from one of three shapes:

* ``amount``: one signed column (``sign`` says whether negative means money out);
* ``debit`` + ``credit``: two unsigned columns (debit is money out);
* ``amount`` + ``direction``: an unsigned amount and a column whose value says debit or
  credit (``direction_debit`` / ``direction_credit`` list the values).

:meth:`ColumnMapping.from_spec` parses the CLI's ``--csv-map`` text, e.g.
``date=Datum,amount=Betrag,description=Verwendungszweck,decimal=,``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from enum import StrEnum

from openteller.domain.accounts import AccountType
from openteller.domain.errors import IngestError

Column = str | int
"""A header name or a 0-based column index."""

#: Values of a direction column meaning money out / money in (compared case-folded).
DEBIT_WORDS = ("d", "debit", "dr", "db", "debet", "out", "outflow", "kiadás", "af", "s", "-")
CREDIT_WORDS = ("c", "credit", "cr", "in", "inflow", "bevétel", "bij", "h", "+")


class Sign(StrEnum):
    """Sign convention of a single amount column.

    ``normal``: negative is money out (most bank exports). ``inverted``: positive is money
    out, negative money in (many card statements, e.g. Amex, Discover; the CLI also
    accepts ``negative_inflow``)."""

    NORMAL = "normal"
    INVERTED = "inverted"


class MappingSpecError(IngestError, ValueError):
    """A ``--csv-map`` text or mapping that cannot be used; the message names the key."""


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Which CSV column holds which transaction field, and how values are written."""

    date: Column
    value_date: Column | None = None
    amount: Column | None = None
    debit: Column | None = None
    credit: Column | None = None
    direction: Column | None = None
    direction_debit: tuple[str, ...] = DEBIT_WORDS
    direction_credit: tuple[str, ...] = CREDIT_WORDS
    description: tuple[Column, ...] = ()
    counterparty: Column | None = None
    bank_id: Column | None = None
    reference: Column | None = None
    currency: Column | None = None
    balance: Column | None = None
    category: Column | None = None
    account: Column | None = None
    transaction_type: Column | None = None
    status: Column | None = None
    #: strftime-style formats tried in order; empty: inferred from the file's first rows.
    date_formats: tuple[str, ...] = ()
    #: ``.`` or ``,``; ``None``: inferred from the amount values.
    decimal: str | None = None
    #: ``None``: the other of ``.`` and ``,``; ``""``: none.
    thousands: str | None = None
    #: ``None``: sniffed from the first lines.
    delimiter: str | None = None
    #: ``""``: UTF-8 (BOM allowed) when the start of the file is valid UTF-8, else cp1252.
    encoding: str = ""
    #: CSV rows before the header row (or before the data when there is no header).
    skip_rows: int = 0
    header: bool = True
    sign: Sign = Sign.NORMAL
    #: Currency when the file has no currency column (and the caller gives none).
    default_currency: str = ""
    account_type: AccountType | None = None
    #: Rows with neither date nor amount continue the previous row's description (OCBC).
    continuation_rows: bool = False
    #: Preamble label cells whose neighbour holds the account id / the booked balance.
    preamble_account: str = ""
    preamble_balance: str = ""

    def __post_init__(self) -> None:
        has_amount = self.amount is not None
        has_pair = self.debit is not None or self.credit is not None
        if has_amount and has_pair:
            raise MappingSpecError("amount: give either amount or debit+credit, not both")
        if not has_amount and not has_pair:
            raise MappingSpecError("amount: the mapping needs amount, or debit and credit")
        if self.direction is not None and not has_amount:
            raise MappingSpecError("direction: a direction column needs an amount column")
        if self.decimal not in (None, ".", ","):
            raise MappingSpecError(f"decimal: must be '.' or ',', not {self.decimal!r}")
        if self.skip_rows < 0:
            raise MappingSpecError("skip: must not be negative")

    def columns(self) -> dict[str, Column]:
        """Every mapped column by field name (description parts as ``description[i]``)."""
        found: dict[str, Column] = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if spec.name == "description":
                for index, part in enumerate(value):
                    found[f"description[{index}]"] = part
            elif spec.name in _COLUMN_FIELDS and value is not None:
                found[spec.name] = value
        return found

    def with_options(self, **changes: object) -> ColumnMapping:
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_spec(cls, text: str) -> ColumnMapping:
        """Parse ``key=value,key=value`` text as given to ``--csv-map``.

        Keys: the column fields (``date``, ``value_date``, ``amount``, ``debit``,
        ``credit``, ``direction``, ``description``, ``counterparty``, ``id``,
        ``reference``, ``currency``, ``balance``, ``category``, ``account``, ``type``,
        ``status``) and the options ``date_format``, ``decimal``, ``thousands``,
        ``delimiter``, ``encoding``, ``skip``, ``header``, ``sign``,
        ``default_currency``, ``account_type``, ``debit_values``, ``credit_values``.
        A column value made of digits is a 0-based index. ``description=A+B`` joins
        columns; ``date_format``, ``debit_values`` and ``credit_values`` take
        ``|``-separated lists. A value may itself be a comma (``decimal=,``) because
        items are split only before ``key=``.
        """
        if not text.strip():
            raise MappingSpecError("--csv-map: empty mapping; give at least date=...,amount=...")
        values: dict[str, object] = {}
        for item in _ITEM_SPLIT.split(text.strip()):
            key, sep, raw = item.partition("=")
            key = key.strip().lower()
            if not sep:
                raise MappingSpecError(f"--csv-map: {item!r} is not key=value")
            if key not in _SPEC_KEYS:
                known = ", ".join(sorted(_SPEC_KEYS))
                raise MappingSpecError(f"--csv-map: unknown key {key!r}; known keys: {known}")
            if key in values:
                raise MappingSpecError(f"--csv-map: key {key!r} given twice")
            values[key] = _spec_value(key, raw)
        if "date" not in values:
            raise MappingSpecError("--csv-map: key 'date' is required (the booking date column)")
        kwargs = {_SPEC_KEYS[key]: value for key, value in values.items()}
        try:
            return cls(**kwargs)  # type: ignore[arg-type]
        except MappingSpecError as exc:
            raise MappingSpecError(f"--csv-map: {exc}") from None


_COLUMN_FIELDS = frozenset(
    {
        "date", "value_date", "amount", "debit", "credit", "direction", "counterparty",
        "bank_id", "reference", "currency", "balance", "category", "account",
        "transaction_type", "status",
    }
)  # fmt: skip

_SPEC_KEYS: dict[str, str] = {
    **{name: name for name in _COLUMN_FIELDS if name not in ("bank_id", "transaction_type")},
    "id": "bank_id",
    "type": "transaction_type",
    "description": "description",
    "date_format": "date_formats",
    "decimal": "decimal",
    "thousands": "thousands",
    "delimiter": "delimiter",
    "encoding": "encoding",
    "skip": "skip_rows",
    "header": "header",
    "sign": "sign",
    "default_currency": "default_currency",
    "account_type": "account_type",
    "debit_values": "direction_debit",
    "credit_values": "direction_credit",
}

_ITEM_SPLIT = re.compile(r",(?=\s*[A-Za-z_]+\s*=)")

_NAMED_DELIMITERS = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ",", "pipe": "|"}
_SIGN_WORDS = {
    "normal": Sign.NORMAL,
    "signed": Sign.NORMAL,
    "negative_outflow": Sign.NORMAL,
    "inverted": Sign.INVERTED,
    "negative_inflow": Sign.INVERTED,
    "positive_outflow": Sign.INVERTED,
}


def _column(raw: str) -> Column:
    value = raw.strip()
    return int(value) if value.isdigit() else value


def _spec_value(key: str, raw: str) -> object:
    value = raw.strip()
    if key in ("decimal", "thousands", "delimiter"):
        value = raw  # a space or comma is meaningful here
        if key == "delimiter":
            value = _NAMED_DELIMITERS.get(value.lower(), value)
            if len(value) != 1:
                raise MappingSpecError(f"--csv-map: delimiter must be one character, not {raw!r}")
        elif key == "thousands" and value.lower() in ("none", ""):
            value = ""
        return value
    if not value:
        raise MappingSpecError(f"--csv-map: key {key!r} has no value")
    if key == "description":
        return tuple(_column(part) for part in value.split("+") if part.strip())
    if key in ("date_format", "debit_values", "credit_values"):
        return tuple(part.strip() for part in value.split("|") if part.strip())
    if key == "skip":
        if not value.isdigit():
            raise MappingSpecError(f"--csv-map: skip must be a number of rows, not {value!r}")
        return int(value)
    if key == "header":
        lowered = value.lower()
        if lowered not in ("yes", "no", "true", "false", "1", "0"):
            raise MappingSpecError(f"--csv-map: header must be yes or no, not {value!r}")
        return lowered in ("yes", "true", "1")
    if key == "sign":
        if value.lower() not in _SIGN_WORDS:
            known = ", ".join(_SIGN_WORDS)
            raise MappingSpecError(f"--csv-map: sign must be one of {known}, not {value!r}")
        return _SIGN_WORDS[value.lower()]
    if key == "account_type":
        try:
            return AccountType(value.lower())
        except ValueError:
            known = ", ".join(t.value for t in AccountType)
            raise MappingSpecError(
                f"--csv-map: account_type must be one of {known}, not {value!r}"
            ) from None
    if key == "default_currency":
        return value.upper()
    if key == "encoding":
        return value
    return _column(value)


__all__ = ["Column", "ColumnMapping", "MappingSpecError", "Sign"]
