"""How amounts, periods and lists are put into words (babel, the customer's locale)."""

from __future__ import annotations

import re
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


_CALENDAR_NAMES = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|"
    r"december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\b",
    re.IGNORECASE,
)


_BARE_MONTH_OR_SEASON = re.compile(
    r"(?i)^(?:on\s+)?(?=(?:january|february|march|april|may|june|july|august|september|"
    r"october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|spring|summer|"
    r"autumn|fall|winter|(?:19|20)\d\d|\d{1,2}/(?:19|20)\d\d)\b)"
)


def period_phrase(phrase: str) -> str:
    """The customer's own words for a period, as a reply repeats them: month and day names
    capitalised ("in october" -> "in October", "since monday" -> "since Monday"), and a
    bare month, season or year given its "in" ("November" -> "in November", "on summer"
    -> "in summer")."""
    phrase = _BARE_MONTH_OR_SEASON.sub("in ", phrase.strip(), count=1)
    # "what did I spend money on last week": the "on" belongs to the question
    # (and "which merchants did I spend the most at last month": the "at")
    phrase = re.sub(
        r"(?i)^(?:on|at)\s+(?=(?:last|this|past|previous|these|the\s+last)\b)", "", phrase
    )
    # "what came in last month": so is the "in" ("in the last 7 days" keeps its own)
    phrase = re.sub(
        r"(?i)^in\s+(?=(?:last|this|previous)\s+(?:week|weekend|month|quarter|year)$)", "", phrase
    )
    phrase = re.sub(r"\bq([1-4])\b", r"Q\1", phrase)
    # "christmas" -> "on Christmas", "black friday" -> "on Black Friday"
    phrase = _BARE_HOLIDAY.sub("on ", phrase, count=1)
    phrase = _HOLIDAY.sub(lambda found: _title(found.group(0)), phrase)
    return _CALENDAR_NAMES.sub(lambda found: found.group(0).capitalize(), phrase)


_HOLIDAY_NAME = (
    r"\b(?:christmas(?:\s+(?:eve|day))?|xmas|boxing\s+day|new\s+years?['’]?s?\s+(?:eve|day)"
    r"|valentines?['’]?s?\s+day|halloween|independence\s+day|thanksgiving|black\s+friday"
    r"|cyber\s+monday|(?:fourth|4th)\s+of\s+july)\b"
)
_HOLIDAY = re.compile(_HOLIDAY_NAME, re.IGNORECASE)
# a holiday named with no preposition ("christmas", "last christmas") is "on" it
_BARE_HOLIDAY = re.compile(rf"^(?:last\s+)?(?={_HOLIDAY_NAME})", re.IGNORECASE)


def _title(name: str) -> str:
    """ "black friday" -> "Black Friday", "fourth of july" -> "Fourth of July"."""
    return " ".join(w if w == "of" else w[:1].upper() + w[1:] for w in name.split())
