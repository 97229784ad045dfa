"""Money: an immutable amount in one currency, quantised to the currency's minor unit.

Every amount in OpenTeller is a :class:`decimal.Decimal` built by :func:`parse_amount` or
:meth:`Money.of`; floats are refused. Minor units follow ISO 4217 (the table below lists
the currencies whose exponent is not 2; everything else uses 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import cache

from openteller.domain.errors import InvalidAmount, InvalidCurrency

#: ISO 4217 currencies whose minor unit is not 2 decimal places.
_MINOR_UNITS: dict[str, int] = {
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    "CLF": 4,
    "UYW": 4,
}

_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


def minor_units(currency: str) -> int:
    """Number of decimal places of ``currency`` (ISO 4217 exponent)."""
    return _MINOR_UNITS.get(currency, 2)


@cache
def check_currency(code: str) -> str:
    """Return ``code`` upper-cased if it looks like an ISO 4217 alphabetic code."""
    normalised = code.strip().upper()
    if not _CURRENCY_RE.match(normalised):
        raise InvalidCurrency(f"not an ISO 4217 currency code: {code!r}")
    return normalised


def parse_amount(
    text: str, *, decimal_separator: str = ".", thousands_separator: str = ""
) -> Decimal:
    """Parse a textual amount into a Decimal; the one place amounts are built from text.

    Accepts a leading sign (``+``/``-``) or a trailing one (``12.50-``), surrounding
    whitespace, and the given separators. Raises :class:`InvalidAmount` otherwise.
    """
    raw = text
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if thousands_separator:
        cleaned = cleaned.replace(thousands_separator, "")
    if decimal_separator != ".":
        if "." in cleaned and decimal_separator not in cleaned and thousands_separator == "":
            pass  # already dot-decimal
        else:
            cleaned = cleaned.replace(decimal_separator, ".")
    negative = False
    if cleaned.endswith("-"):
        negative, cleaned = True, cleaned[:-1]
    elif cleaned.endswith("+"):
        cleaned = cleaned[:-1]
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1]
    if not cleaned or not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)", cleaned):
        raise InvalidAmount(f"not an amount: {raw!r}")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the regex above guards this
        raise InvalidAmount(f"not an amount: {raw!r}") from exc
    return -value if negative else value


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in a currency; ``amount`` is always quantised to the minor unit."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, float) or not isinstance(self.amount, Decimal):
            raise InvalidAmount(f"money amounts must be Decimal, got {type(self.amount).__name__}")
        currency = check_currency(self.currency)
        object.__setattr__(self, "currency", currency)
        object.__setattr__(self, "amount", quantise(self.amount, currency))

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Build from a Decimal, an int or a decimal string (never a float)."""
        if isinstance(amount, float):
            raise InvalidAmount("money amounts must not be floats")
        if isinstance(amount, str):
            amount = parse_amount(amount)
        return cls(Decimal(amount), currency)

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        """Build from an integer count of minor units (cents)."""
        return cls(Decimal(minor).scaleb(-minor_units(currency)), currency)

    @property
    def minor(self) -> int:
        """The amount as an integer count of minor units."""
        return int(self.amount.scaleb(minor_units(self.currency)))

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidCurrency(f"cannot combine {self.currency} with {other.currency}")


#: The largest amount held, in minor units: 18 digits (ledger blocks store 64-bit integers).
LARGEST_MINOR = 10**18 - 1


def to_minor(amount: Decimal, currency: str) -> int:
    """``amount`` (rounded half-even to the currency's minor unit) in minor units;
    :class:`InvalidAmount` beyond :data:`LARGEST_MINOR` either way."""
    if type(amount) is not Decimal and (
        isinstance(amount, float) or not isinstance(amount, Decimal)
    ):
        raise InvalidAmount(f"money amounts must be Decimal, got {type(amount).__name__}")
    exponent = minor_units(currency)
    minor = LARGEST_MINOR + 1  # out of range unless computed below
    magnitude = amount.adjusted() if amount.is_finite() else LARGEST_MINOR
    if -20 <= magnitude <= 18:  # (the ratio of 1E+999999999 would be a giant integer)
        # Exact integer arithmetic; most amounts need no rounding (the denominator
        # divides the minor unit), and then this is all, three times as fast as
        # quantize and scaleb.
        numerator, denominator = amount.as_integer_ratio()
        scale = 10**exponent
        if scale % denominator == 0:
            minor = numerator * (scale // denominator)
        else:
            rounded = amount.quantize(_quantum(currency), rounding=ROUND_HALF_EVEN)
            minor = int(rounded.scaleb(exponent))
    elif magnitude < -20:
        minor = 0  # far below half a minor unit of any currency
    if -LARGEST_MINOR <= minor <= LARGEST_MINOR:
        return minor
    raise InvalidAmount(
        f"amount out of range: {amount} (amounts of up to 18 digits in minor units are "
        f"held, {Decimal(LARGEST_MINOR).scaleb(-exponent):,} {currency} at most)"
    )


def quantise(amount: Decimal, currency: str) -> Decimal:
    """Round ``amount`` half-even to the minor unit of ``currency``."""
    return amount.quantize(_quantum(currency), rounding=ROUND_HALF_EVEN)


@cache
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))
