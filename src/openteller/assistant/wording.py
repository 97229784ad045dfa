"""How amounts, periods and lists are put into words (babel, the customer's locale)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency

from openteller.assistant.periods import Period


def money(amount: Decimal, currency: str, locale: str = "en_US") -> str:
    return format_currency(amount, currency, locale=locale)


def day(value: date, locale: str = "en_US") -> str:
    return format_date(value, "d MMM yyyy", locale=locale)


def period_words(period: Period, locale: str = "en_US") -> str:
    """ "1 Oct 2026 – 31 Oct 2026", or one day."""
    if period.start == period.end:
        return day(period.start, locale)
    return f"{day(period.start, locale)} – {day(period.end, locale)}"


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"
