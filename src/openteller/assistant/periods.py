"""Find the period of time a banking question names ("last month", "since Monday", "Q3 2025").

This module is pure and framework-free: :func:`find_period` reads English text with regular
expressions and resolves what it finds against the customer's local date ``today``. There is
no network, no model and no global state, so the same input always gives the same answer.

Semantics, in short (``docs/periods.md`` has the full table):

* Every :class:`Period` is inclusive at both ends and never ends after ``today``: a period that
  is still running ("this month", "in 2026" asked in 2026) is clipped to ``today``.
* Names without a year mean the most recent occurrence that has started by ``today``:
  asked in March 2026, "November" is November 2025; asked on 24 November, it is 1-24 November.
  (Duckling and similar parsers pick the *next* occurrence, which is wrong for questions about
  past spending.)
* Future periods ("tomorrow", "next week", "in 3 days", "March 2030"), periodic phrases ("every
  month") and impossible dates ("Feb 30") are not supported: :func:`find_period` returns
  ``None`` when the phrase it picked is one of them, never an exception.
"""

from __future__ import annotations

import re
from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped, unused-ignore]

__all__ = ["Period", "PeriodMatch", "default_period", "find_period"]

_MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                        "Nov", "Dec")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Period:
    """A run of whole days, ``start`` and ``end`` both included.

    Periods from :func:`find_period` and :func:`default_period` always have
    ``start <= end``. The class does not enforce it, so that callers may intersect periods
    freely; a period with ``start > end`` is empty (it contains no day).
    """

    start: date
    end: date

    def contains(self, day: date) -> bool:
        """Whether ``day`` falls inside the period (ends included)."""
        return self.start <= day <= self.end

    def describe(self) -> str:
        """Human form: ``"1 Oct 2026 – 31 Oct 2026"``, or ``"24 Nov 2026"`` for a single day."""
        if self.start == self.end:
            return _format_day(self.start)
        return f"{_format_day(self.start)} – {_format_day(self.end)}"


@dataclass(frozen=True, slots=True)
class PeriodMatch:
    """A period found in a question, with where it was found.

    ``start_char``/``end_char`` delimit ``phrase`` in the original text (``text[start:end]``),
    including a leading preposition such as "in", "on", "for", "over" or "the" when present,
    so that callers can cut the whole period expression out of the question.
    """

    period: Period
    start_char: int
    end_char: int
    phrase: str
    kind: str


def default_period(today: date) -> Period:
    """The period to use when a question names none: this month to date (1st .. ``today``)."""
    return Period(today.replace(day=1), today)


def find_period(text: str, today: date, *, week_start: int = 0) -> PeriodMatch | None:
    """The period a question names, or ``None`` when it names none we support.

    When several period phrases occur, the first one wins; among phrases that overlap, the
    longest (most specific) one wins ("since last month" over "last month", "March 2025" over
    "March"). Bare month names with no preposition ("Jan", "march") are used only when nothing
    else matches, since they are often names or verbs; "may" needs context ("in May", "May 3").
    If the winning phrase is in the future, periodic or an impossible date, the answer is
    ``None``.

    ``week_start`` is the first day of the week for "this week"/"last week": 0 = Monday ..
    6 = Sunday (same numbering as :meth:`datetime.date.weekday`).
    """
    if not 0 <= week_start <= 6:
        raise ValueError(f"week_start must be 0 (Monday) .. 6 (Sunday), not {week_start}")
    context = _Context(text, today, week_start)
    candidates = [atom for atom in _scan_atoms(context) if atom.standalone]
    candidates += _since_candidates(context)
    candidates += _range_candidates(context)
    best = _choose(candidates)
    if best is None:
        return None
    resolved = _latest(best.spec, today)
    if resolved is None:
        return None
    start_char = best.start if best.kind in ("since", "between") else _widen(text, best.start)
    start, end, end_char, kind = resolved.start, resolved.end, best.end, best.kind
    joined = _AND.match(text, best.end)
    second = _atom_at(context, joined.end()) if joined else None
    if second is not None and second.spec is not None:
        other = _latest(second.spec, today)
        # "September and October", "yesterday and today": one stretch when they touch
        if other is not None and other.start <= end + _DAY_ONE and start <= other.end + _DAY_ONE:
            start, end = min(start, other.start), max(end, other.end)
            end_char, kind = second.end, "between"
    return PeriodMatch(
        period=Period(start, min(end, today)),
        start_char=start_char,
        end_char=end_char,
        phrase=text[start_char:end_char],
        kind=kind,
    )


_AND = re.compile(r"\s*(?:and|&|\+)\s+", re.IGNORECASE)
_DAY_ONE = timedelta(days=1)


# --------------------------------------------------------------------------------------------
# What a phrase means before it is resolved against today


@dataclass(frozen=True, slots=True)
class _Fixed:
    """An absolute run of days; may lie after today (clipped or refused when resolved)."""

    start: date
    end: date


@dataclass(frozen=True, slots=True)
class _MonthDay:
    """A day of a month with no year ("March 3"): recurs every year."""

    month: int
    day: int


@dataclass(frozen=True, slots=True)
class _Month:
    """A month with no year ("November"): recurs every year."""

    month: int


@dataclass(frozen=True, slots=True)
class _Day:
    """A day of the month with neither month nor year ("the 3rd"): recurs every month."""

    day: int


@dataclass(frozen=True, slots=True)
class _Weekday:
    """A day of the week ("Friday"): recurs every week. 0 = Monday."""

    weekday: int


# None stands for a phrase we recognise but do not resolve: future, periodic or impossible.
_Spec = _Fixed | _MonthDay | _Month | _Day | _Weekday | None


@dataclass(frozen=True, slots=True)
class _Context:
    text: str
    today: date
    week_start: int


@dataclass(frozen=True, slots=True)
class _Atom:
    """A candidate phrase: its span, its machine kind and its meaning.

    ``standalone`` is False for phrases that are dates only inside "since"/"between" (a bare
    "may", a bare "2025", "the 2nd" followed by a noun). ``weak`` marks bare month names,
    used only when no other candidate exists.
    """

    start: int
    end: int
    kind: str
    spec: _Spec
    standalone: bool = True
    weak: bool = False


# --------------------------------------------------------------------------------------------
# Resolution


def _latest(spec: _Spec, not_after: date) -> _Fixed | None:
    """The most recent occurrence of ``spec`` that starts on or before ``not_after``."""
    if spec is None:
        return None
    if isinstance(spec, _Fixed):
        return spec if spec.start <= not_after else None
    if isinstance(spec, _MonthDay):
        for year in range(not_after.year, not_after.year - 9, -1):
            day = _safe_date(year, spec.month, spec.day)
            if day is not None and day <= not_after:
                return _Fixed(day, day)
        return None
    if isinstance(spec, _Month):
        year = not_after.year if spec.month <= not_after.month else not_after.year - 1
        return _whole_month(year, spec.month)
    if isinstance(spec, _Day):
        year, month = not_after.year, not_after.month
        for _ in range(13):
            day = _safe_date(year, month, spec.day)
            if day is not None and day <= not_after:
                return _Fixed(day, day)
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return None
    day = not_after - timedelta(days=(not_after.weekday() - spec.weekday) % 7)
    return _Fixed(day, day)


def _earliest(spec: _Spec, not_before: date) -> _Fixed | None:
    """The first occurrence of ``spec`` that ends on or after ``not_before``."""
    if spec is None or isinstance(spec, _Fixed):
        return spec
    if isinstance(spec, _MonthDay):
        for year in range(not_before.year, not_before.year + 9):
            day = _safe_date(year, spec.month, spec.day)
            if day is not None and day >= not_before:
                return _Fixed(day, day)
        return None
    if isinstance(spec, _Month):
        year = not_before.year if spec.month >= not_before.month else not_before.year + 1
        return _whole_month(year, spec.month)
    if isinstance(spec, _Day):
        year, month = not_before.year, not_before.month
        for _ in range(13):
            day = _safe_date(year, month, spec.day)
            if day is not None and day >= not_before:
                return _Fixed(day, day)
            year, month = (year, month + 1) if month < 12 else (year + 1, 1)
        return None
    day = not_before + timedelta(days=(spec.weekday - not_before.weekday()) % 7)
    return _Fixed(day, day)


def _reversed_within_month(first: _Spec, second: _Spec) -> bool:
    """The same month named twice with the days the wrong way round ("March 15 to March 1")."""
    return (
        isinstance(first, _MonthDay)
        and isinstance(second, _MonthDay)
        and first.month == second.month
        and second.day < first.day
    )


def _resolve_range(first: _Spec, second: _Spec, today: date) -> _Spec:
    """``first`` .. ``second`` as one absolute period, or None when reversed or future.

    The start is resolved first (most recent occurrence), then the end as the first occurrence
    that ends on or after the start, so "from Dec 20 to Jan 5" crosses the new year and
    "between March 1 and March 15" asked on 10 March is 1-10 March. Two exceptions: "the 3rd
    to the 6th of January" takes its month from the end, and a yearless start before a dated
    end ("from March 1 to March 15 2025") is placed before that end.
    """
    if first is None or second is None:
        return None
    if _reversed_within_month(first, second):
        return None
    if isinstance(first, _Day) and isinstance(second, _MonthDay):
        end = _latest(second, today)
        start = _latest(first, end.end) if end is not None else None
    elif isinstance(second, _Fixed) and not isinstance(first, _Fixed):
        end, start = second, _latest(first, second.end)
    else:
        start = _latest(first, today)
        end = _earliest(second, start.start) if start is not None else None
    if start is None or end is None or end.end < start.start or start.start > today:
        return None
    return _Fixed(start.start, min(end.end, today))


# --------------------------------------------------------------------------------------------
# Vocabulary

_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4,
    "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
_WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
}  # fmt: skip
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple": 2,
    "few": 3,
}  # fmt: skip
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3,
             "4th": 4}  # fmt: skip


def _alternatives(words: dict[str, int]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


def _month(group: str = "month") -> str:
    return rf"\b(?P<{group}>{_alternatives(_MONTHS)})\b\.?"


_WEEKDAY = rf"\b(?P<weekday>{_alternatives(_WEEKDAYS)})\b"
_DAY = r"(?<![0-9$£€.,])(?P<day>3[01]|[12][0-9]|0?[1-9])(?:st|nd|rd|th)?(?![0-9]|[.,:][0-9])"
_ORDINAL_DAY = r"(?P<day>3[01]|[12][0-9]|0?[1-9])(?:st|nd|rd|th)\b"
_YEAR = r"(?:(?<![0-9$£€.,])(?P<year>(?:19|20)[0-9]{2})(?![0-9]|[.,][0-9])|['’](?P<yy>[0-9]{2})\b)"
# A count: "7", "seven", "a couple of", "a few", "a"/"an" (one).
_COUNT = (
    r"(?:[0-9]{1,4}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few|an?)"
)
_UNIT = r"(?P<unit>day|week|month|year)s?\b"
_WEEKDAY_PREFIX = rf"(?:{_WEEKDAY}\s*,?\s+(?:the\s+)?)?"

# Words after which a bare month name or year is certainly a date ("in May", "since 2025").
_CONTEXT = re.compile(
    r"\b(?:in|for|during|since|from|of|until|till|by|before|after|throughout|through|over|"
    r"on|between|early|late|mid|month\s+of)\s+(?:the\s+)?(?:month\s+of\s+)?$",
    re.IGNORECASE,
)
# Words after which a bare month name is more likely a person: "transfer to Jan", "hi June".
_NAME_LEAD = re.compile(
    r"\b(?:to|pay|paid|send|sent|transfer(?:red)?|with|hi|hello|dear|thanks|ask|tell)\s+$",
    re.IGNORECASE,
)
# Words that may precede a period phrase and belong to it ("in the last 7 days").
_LEAD = re.compile(
    r"(?:\b(?:in|on|during|over|within|throughout|for|from|at)\s+)?(?:\bthe\s+)?$", re.IGNORECASE
)


# --------------------------------------------------------------------------------------------
# Small date helpers


def _format_day(day: date) -> str:
    return f"{day.day} {_MONTH_ABBREVIATIONS[day.month - 1]} {day.year}"


def _safe_date(year: int, month: int, day: int) -> date | None:
    """``date(year, month, day)``, or None when it does not exist (Feb 30, year 0)."""
    try:
        return date(year, month, day)
    except (ValueError, OverflowError):
        return None


def _max_day(month: int) -> int:
    """The largest day a month can ever have (29 for February)."""
    return 29 if month == 2 else monthrange(2001, month)[1]


def _whole_month(year: int, month: int) -> _Fixed:
    return _Fixed(date(year, month, 1), date(year, month, monthrange(year, month)[1]))


def _whole_quarter(year: int, quarter: int) -> _Fixed:
    first = date(year, 3 * quarter - 2, 1)
    last_month = 3 * quarter
    return _Fixed(first, date(year, last_month, monthrange(year, last_month)[1]))


def _week_start(today: date, week_start: int) -> date:
    return today - timedelta(days=(today.weekday() - week_start) % 7)


def _months_back(day: date, months: int) -> date:
    """``day`` minus whole months, clamped to the month's last day (31 Mar - 1 month = 28 Feb)."""
    shifted: date = day - relativedelta(months=months)
    return shifted


def _count(word: str | None) -> int:
    """The number a count word stands for ("7", "seven", "a couple of", "few")."""
    if word is None:
        return 1
    words = word.lower().split()
    key = "couple" if "couple" in words else "few" if "few" in words else words[0]
    return int(key) if key.isdigit() else _NUMBERS[key]


def _year_of(match: re.Match[str]) -> int | None:
    """The year of a ``_YEAR`` group: "2025", or "'25" as 2025; None when absent."""
    if match.group("year"):
        return int(match.group("year"))
    if match.group("yy"):
        return 2000 + int(match.group("yy"))
    return None


def _after_name_lead(text: str, start: int) -> bool:
    """Whether the word before ``start`` suggests a person ("to Jan", "pay June", "hi April")."""
    return _NAME_LEAD.search(text, max(0, start - 20), start) is not None


def _has_context(text: str, start: int) -> bool:
    return _CONTEXT.search(text, max(0, start - 30), start) is not None


def _widen(text: str, start: int) -> int:
    """Move ``start`` left over a preposition and/or "the" directly before it."""
    lead = _LEAD.search(text, max(0, start - 20), start)
    return lead.start() if lead is not None else start


# --------------------------------------------------------------------------------------------
# Atom builders: one per pattern, each turns a regex match into a candidate (or drops it)

_Builder = Callable[[re.Match[str], _Context], _Atom | None]


def _atom(match: re.Match[str], kind: str, spec: _Spec, **flags: bool) -> _Atom:
    return _Atom(match.start(), match.end(), kind, spec, **flags)


def _build_today(match: re.Match[str], ctx: _Context) -> _Atom:
    return _atom(match, "today", _Fixed(ctx.today, ctx.today))


def _build_yesterday(match: re.Match[str], ctx: _Context) -> _Atom:
    day = ctx.today - timedelta(days=1)
    return _atom(match, "yesterday", _Fixed(day, day))


def _build_day_before_yesterday(match: re.Match[str], ctx: _Context) -> _Atom:
    day = ctx.today - timedelta(days=2)
    return _atom(match, "date", _Fixed(day, day))


def _build_future(match: re.Match[str], ctx: _Context) -> _Atom:
    """Future or periodic phrases: recognised so that nothing inside them matches."""
    return _atom(match, "unsupported", None)


def _build_this_unit(match: re.Match[str], ctx: _Context) -> _Atom:
    today, unit = ctx.today, match.group("unit").lower()
    if unit == "week":
        return _atom(match, "this_week", _Fixed(_week_start(today, ctx.week_start), today))
    if unit == "month":
        return _atom(match, "this_month", _Fixed(today.replace(day=1), today))
    if unit == "quarter":
        return _atom(match, "quarter", _whole_quarter(today.year, (today.month + 2) // 3))
    return _atom(match, "this_year", _Fixed(date(today.year, 1, 1), today))


def _build_year_so_far(match: re.Match[str], ctx: _Context) -> _Atom:
    """ "ytd", "so far this year", "this year so far": 1 January to today."""
    return _atom(match, "this_year", _Fixed(date(ctx.today.year, 1, 1), ctx.today))


_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}


def _build_season(match: re.Match[str], ctx: _Context) -> _Atom | None:
    """A meteorological season (northern hemisphere: summer is June to August, winter
    December to February): the one under way or the latest; "last summer" the latest
    finished one; "this winter" the current year's (clipped to today)."""
    today = ctx.today
    word = match.group("season").lower()
    first_month = _SEASONS[word]
    year = _year_of(match)
    relation = (match.group("rel") or "").lower()
    if word == "fall" and not relation and year is None:
        before = ctx.text[: match.start()].lower()
        if not re.search(r"\b(?:the|in|during)\s+$", before):
            return None  # "fall" the verb, or a name ("Fall River")

    def season_of(start_year: int) -> _Fixed:
        start = date(start_year, first_month, 1)
        last = _months_back(start, -2)
        return _Fixed(start, _whole_month(last.year, last.month).end)

    if year is not None:
        return _atom(match, "season", season_of(year))
    latest = season_of(today.year)
    if latest.start > today:  # this year's has not begun
        latest = season_of(today.year - 1)
    if relation in ("last", "past", "previous") and latest.end >= today:
        latest = season_of(latest.start.year - 1)  # the one before the season under way
    return _atom(match, "season", latest)


def _build_week_of_month(match: re.Match[str], ctx: _Context) -> _Atom:
    """ "the first week of November" (1-7), "second" (8-14), "third" (15-21), "fourth"
    (22-28), "last" (the month's last seven days); the latest such month unless a year
    is named."""
    month, today = _MONTHS[match.group("month").lower()], ctx.today
    year = _year_of(match)
    if year is None:
        year = today.year if month <= today.month else today.year - 1
    whole = _whole_month(year, month)
    which = match.group("which").lower()
    if which == "last":
        start = whole.end - timedelta(days=6)
    else:
        start = whole.start + timedelta(days=7 * (_ORDINALS[which] - 1))
    return _atom(match, "week_of_month", _Fixed(start, min(start + timedelta(days=6), whole.end)))


def _build_last_unit(match: re.Match[str], ctx: _Context) -> _Atom:
    today, unit = ctx.today, match.group("unit").lower()
    if unit == "week":
        start = _week_start(today, ctx.week_start) - timedelta(days=7)
        return _atom(match, "last_week", _Fixed(start, start + timedelta(days=6)))
    if unit == "month":
        previous = today.replace(day=1) - timedelta(days=1)
        return _atom(match, "last_month", _whole_month(previous.year, previous.month))
    if unit == "quarter":
        quarter = (today.month + 2) // 3
        year, quarter = (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)
        return _atom(match, "quarter", _whole_quarter(year, quarter))
    return _atom(
        match, "last_year", _Fixed(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    )


def _build_weekend(match: re.Match[str], ctx: _Context) -> _Atom:
    saturday = ctx.today - timedelta(days=(ctx.today.weekday() - 5) % 7)
    return _atom(match, "weekend", _Fixed(saturday, saturday + timedelta(days=1)))


def _build_rolling(match: re.Match[str], ctx: _Context) -> _Atom | None:
    """Windows ending today: "last 7 days", "past 3 months", "past week" (no number: one)."""
    word = match.group("count")
    if word is None and match.group("rel").lower() != "past":
        return None  # "last week" / "previous month" are calendar periods, not windows
    count, unit, today = _count(word), match.group("unit").lower(), ctx.today
    if count < 1:
        return _atom(match, "rolling", None)
    try:
        if unit == "day":
            start = today - timedelta(days=count - 1)
        elif unit == "week":
            start = today - timedelta(days=7 * count - 1)
        else:
            months = count if unit == "month" else 12 * count
            start = _months_back(today, months) + timedelta(days=1)
    except (ValueError, OverflowError):
        return _atom(match, "rolling", None)
    return _atom(match, "rolling", _Fixed(start, today))


def _build_half_year(match: re.Match[str], ctx: _Context) -> _Atom:
    """ "the first half of the year" (January to June), "the second half of 2025"; this
    year's unless "last year" or a year is named."""
    year = _year_of(match)
    if year is None:
        year = ctx.today.year - (1 if (match.group("rel") or "").lower() == "last" else 0)
    if match.group("half").lower() in ("first", "1st"):
        return _atom(match, "half_year", _Fixed(date(year, 1, 1), date(year, 6, 30)))
    return _atom(match, "half_year", _Fixed(date(year, 7, 1), date(year, 12, 31)))


def _build_fortnight(match: re.Match[str], ctx: _Context) -> _Atom:
    """ "the last fortnight", "past fortnight": the 14 days to today."""
    return _atom(match, "rolling", _Fixed(ctx.today - timedelta(days=13), ctx.today))


def _build_numeric_month(match: re.Match[str], ctx: _Context) -> _Atom:
    """A month written as numbers: "03/2026", "2026-03"."""
    month = int(match.group("month") or match.group("month2"))
    year = int(match.group("year") or match.group("year2"))
    return _atom(match, "month_year", _whole_month(year, month))


def _build_ago(match: re.Match[str], ctx: _Context) -> _Atom:
    """One day counted back: "3 days ago", "a month ago" ("a few days ago" is too vague)."""
    word = match.group("count")
    if "few" in word.lower():
        return _atom(match, "date", None)
    count, unit, today = _count(word), match.group("unit").lower(), ctx.today
    try:
        if unit in ("day", "week"):
            day = today - timedelta(days=count * (7 if unit == "week" else 1))
        else:
            day = _months_back(today, count if unit == "month" else 12 * count)
    except (ValueError, OverflowError):
        return _atom(match, "date", None)
    return _atom(match, "date", _Fixed(day, day))


def _build_month_alone(match: re.Match[str], ctx: _Context) -> _Atom:
    """A whole month: "November" (the most recent one), "last March", "this May"."""
    month, today = _MONTHS[match.group("month").lower()], ctx.today
    relation = (match.group("rel") or "").lower()
    if relation in ("last", "previous"):
        year = today.year if month < today.month else today.year - 1
        return _atom(match, "month_name", _whole_month(year, month))
    if relation == "this":
        return _atom(match, "month_name", _whole_month(today.year, month))
    has_context = _has_context(ctx.text, match.start())
    if not has_context and (month == 5 or _after_name_lead(ctx.text, match.start())):
        return _atom(match, "month_name", _Month(month), standalone=False)
    return _atom(match, "month_name", _Month(month), weak=not has_context)


def _build_month_year(match: re.Match[str], ctx: _Context) -> _Atom:
    """A month of a year: "March 2025", "march of 2025", "Mar '25", "October last year"."""
    month = _MONTHS[match.group("month").lower()]
    year = _year_of(match)
    if year is None:
        relation = match.group("rel").lower()
        year = ctx.today.year + {"last": -1, "this": 0, "next": 1}[relation]
    return _atom(match, "month_year", _whole_month(year, month))


def _build_month_day(match: re.Match[str], ctx: _Context) -> _Atom:
    """One named day: "March 3", "3rd of March", "Friday, October the 16th", "3 March 2025"."""
    month, day = _MONTHS[match.group("month").lower()], int(match.group("day"))
    year = _year_of(match)
    if day > _max_day(month):
        return _atom(match, "date", None)
    if year is None:
        return _atom(match, "date", _MonthDay(month, day))
    exact = _safe_date(year, month, day)
    return _atom(match, "date", _Fixed(exact, exact) if exact else None)


def _build_numeric_date(match: re.Match[str], ctx: _Context) -> _Atom | None:
    """One numeric day: "2026-03-03" (ISO) or "3/14", "3/14/2026" (US month/day)."""
    month, day = int(match.group("month")), int(match.group("day"))
    year = int(match.group("year")) if match.group("year") else None
    if year is not None and year < 100:
        year += 2000
    if not (1 <= month <= 12 and 1 <= day <= 31):
        # "24/7" or "1/40" are not dates; an ISO-shaped "2026-13-01" is a broken date.
        return _atom(match, "date", None) if match.group("iso") else None
    if year is None:
        return _atom(match, "date", _MonthDay(month, day) if day <= _max_day(month) else None)
    exact = _safe_date(year, month, day)
    return _atom(match, "date", _Fixed(exact, exact) if exact else None)


def _build_ordinal(match: re.Match[str], ctx: _Context) -> _Atom:
    """A day of the month ("the 3rd", "last 13th"): the most recent such day.

    Alone it counts only when followed by the end of the text, punctuation or a small word
    ("on the 18th at 9"), so that "block the 2nd card" is not a date; after "since" or in a
    range it always counts.
    """
    followed = _ORDINAL_FOLLOWER.match(ctx.text, match.end()) is not None
    standalone = followed or match.group("pre").lower() == "last"
    return _atom(match, "date", _Day(int(match.group("day"))), standalone=standalone)


_ORDINAL_FOLLOWER = re.compile(
    r"\s*(?:$|[^\w\s]|(?:at|and|or|to|till|until|through|in|on|for|please|then)\b)", re.IGNORECASE
)


def _build_weekday(match: re.Match[str], ctx: _Context) -> _Atom:
    """A weekday ("Friday", "last Friday"): the most recent one, today if today is Friday.

    "this Friday" is the Friday of the current week, so it is unsupported once in the future.
    """
    weekday = _WEEKDAYS[match.group("weekday").lower()]
    if (match.group("rel") or "").lower() == "this":
        start = _week_start(ctx.today, ctx.week_start)
        day = start + timedelta(days=(weekday - start.weekday()) % 7)
        return _atom(match, "weekday", _Fixed(day, day))
    return _atom(match, "weekday", _Weekday(weekday))


def _build_weekday_of_last_week(match: re.Match[str], ctx: _Context) -> _Atom:
    """That day of the previous week: "last week Monday", "Saturday last week"."""
    weekday = _WEEKDAYS[(match.group("weekday") or match.group("weekday2")).lower()]
    start = _week_start(ctx.today, ctx.week_start) - timedelta(days=7)
    day = start + timedelta(days=(weekday - start.weekday()) % 7)
    return _atom(match, "weekday", _Fixed(day, day))


def _build_quarter(match: re.Match[str], ctx: _Context) -> _Atom:
    """A whole quarter: "q3 2025", "first quarter of 2025"; bare "Q3" is the most recent."""
    label = (match.group("q") or match.group("ord")).lower()
    quarter = int(label) if label.isdigit() else _ORDINALS[label]
    year = _year_of(match)
    if year is None:
        first_month = 3 * quarter - 2
        year = ctx.today.year if first_month <= ctx.today.month else ctx.today.year - 1
    return _atom(match, "quarter", _whole_quarter(year, quarter))


def _build_year(match: re.Match[str], ctx: _Context) -> _Atom:
    """A whole year: "in 2025", "the year 2024". A bare number only counts after a word
    like "in", "during" or "since", because "2025" alone may well be an amount."""
    year = int(match.group("year"))
    standalone = bool(match.group("word")) or _has_context(ctx.text, match.start())
    return _atom(match, "year", _Fixed(date(year, 1, 1), date(year, 12, 31)), standalone=standalone)


# Holidays: the most recent one not after today ("last Christmas", "on Black Friday").
# Weak, like bare month names: "Christmas shopping in December 2025" is December 2025.
_FIXED_HOLIDAYS = {
    "christmas eve": (12, 24),
    "christmas day": (12, 25),
    "christmas": (12, 25),
    "xmas": (12, 25),
    "boxing day": (12, 26),
    "new year's eve": (12, 31),
    "new years eve": (12, 31),
    "new year's day": (1, 1),
    "new years day": (1, 1),
    "valentine's day": (2, 14),
    "valentines day": (2, 14),
    "halloween": (10, 31),
    "independence day": (7, 4),
    "fourth of july": (7, 4),
    "4th of july": (7, 4),
}
#: US holidays that move: days after the fourth Thursday of November (Thanksgiving).
_THANKSGIVING_OFFSETS = {"thanksgiving": 0, "black friday": 1, "cyber monday": 4}


def _build_fixed_holiday(match: re.Match[str], ctx: _Context) -> _Atom:
    name = re.sub(r"\s+", " ", match.group("name").lower()).replace("’", "'")
    month, day = _FIXED_HOLIDAYS[name]
    if match.group("year"):  # "Christmas 2024"
        named = date(int(match.group("year")), month, day)
        return _atom(match, "holiday", _Fixed(named, named))
    return _atom(match, "holiday", _MonthDay(month, day), weak=True)


def _build_thanksgiving(match: re.Match[str], ctx: _Context) -> _Atom:
    offset = _THANKSGIVING_OFFSETS[re.sub(r"\s+", " ", match.group("name").lower())]
    if match.group("year"):  # "Black Friday 2024"
        year = int(match.group("year"))
        first = date(year, 11, 1)
        named = first + timedelta(days=(3 - first.weekday()) % 7 + 21 + offset)
        return _atom(match, "holiday", _Fixed(named, named))

    def in_year(year: int) -> date:
        first = date(year, 11, 1)
        thursday = first + timedelta(days=(3 - first.weekday()) % 7 + 21)
        return thursday + timedelta(days=offset)

    day = in_year(ctx.today.year)
    if day > ctx.today:
        day = in_year(ctx.today.year - 1)
    return _atom(match, "holiday", _Fixed(day, day))


# --------------------------------------------------------------------------------------------
# Patterns, in priority order (earlier wins a tie between same-length overlapping matches)

_FLAGS = re.IGNORECASE
_PERIODIC_UNIT = rf"(?:day|week|weekend|month|quarter|year|{_alternatives(_WEEKDAYS)})"

_PATTERNS: list[tuple[re.Pattern[str], _Builder]] = [
    (
        re.compile(
            r"\b(?P<name>"
            + "|".join(
                re.escape(name).replace("'", "['’]").replace(r"\ ", r"\s+")
                for name in sorted(_FIXED_HOLIDAYS, key=len, reverse=True)
            )
            + r")\b(?:\s+(?P<year>(?:19|20)\d\d)\b)?",
            _FLAGS,
        ),
        _build_fixed_holiday,
    ),
    (
        re.compile(
            r"\b(?P<name>thanksgiving|black\s+friday|cyber\s+monday)\b"
            r"(?:\s+(?P<year>(?:19|20)\d\d)\b)?",
            _FLAGS,
        ),
        _build_thanksgiving,
    ),
    # Future and periodic phrases first: they shadow the words inside them ("next Friday").
    (re.compile(r"\b(?:the\s+day\s+after\s+)?tomorrow\b", _FLAGS), _build_future),
    (
        re.compile(
            rf"\bnext\s+(?:{_COUNT}\s+)?(?:{_PERIODIC_UNIT}s?|{_alternatives(_MONTHS)})\b", _FLAGS
        ),
        _build_future,
    ),
    (
        re.compile(rf"\b(?:this\s+)?(?:coming|upcoming)\s+{_PERIODIC_UNIT}s?\b", _FLAGS),
        _build_future,
    ),
    (re.compile(rf"\bin\s+{_COUNT}\s+{_UNIT}(?:['’]?\s*time\b)?", _FLAGS), _build_future),
    (
        re.compile(rf"\b{_COUNT}\s+{_UNIT}\s+(?:from\s+(?:now|today)|later|hence)\b", _FLAGS),
        _build_future,
    ),
    (
        re.compile(
            r"\b(?:the\s+)?end\s+of\s+(?:this|the|next|the\s+current)\s+"
            r"(?:week|month|quarter|year)\b",
            _FLAGS,
        ),
        _build_future,
    ),
    (
        re.compile(rf"\b(?:the\s+)?{_ORDINAL_DAY}\s+of\s+(?:each|every)\s+month\b", _FLAGS),
        _build_future,
    ),
    (re.compile(rf"\b(?:each|every)\s+{_PERIODIC_UNIT}\b", _FLAGS), _build_future),
    # Days.
    (
        re.compile(
            r"\b(?:today|tonight|this\s+(?:morning|afternoon|evening)|earlier\s+today)\b", _FLAGS
        ),
        _build_today,
    ),
    (re.compile(r"\bthe\s+day\s+before\s+yesterday\b", _FLAGS), _build_day_before_yesterday),
    (re.compile(r"\b(?:yesterday|last\s+night)\b", _FLAGS), _build_yesterday),
    # Calendar weeks, months, quarters and years relative to today.
    (
        re.compile(
            r"\b(?:this|current|the\s+current)\s+(?P<unit>week|month|quarter|year)\b", _FLAGS
        ),
        _build_this_unit,
    ),
    (re.compile(r"\b(?P<unit>month|year)[-\s]to[-\s]date\b", _FLAGS), _build_this_unit),
    (
        re.compile(
            r"\b(?:the\s+)?(?:start|beginning)\s+of\s+(?:the|this)\s+"
            r"(?P<unit>week|month|quarter|year)\b",
            _FLAGS,
        ),
        _build_this_unit,
    ),
    (
        re.compile(r"\bytd\b|\bso\s+far\s+this\s+year\b|\bthis\s+year\s+so\s+far\b", _FLAGS),
        _build_year_so_far,
    ),
    (
        re.compile(
            r"\b(?:(?P<rel>this|last|past|previous)\s+)?(?P<season>spring|summer|autumn|fall|"
            rf"winter)\b(?:\s+(?:of\s+)?{_YEAR})?",
            _FLAGS,
        ),
        _build_season,
    ),
    (
        re.compile(
            r"\b(?:the\s+)?(?P<which>first|second|third|fourth|1st|2nd|3rd|4th|last)\s+week\s+"
            rf"(?:of|in)\s+{_month()}(?:,?\s+{_YEAR})?",
            _FLAGS,
        ),
        _build_week_of_month,
    ),
    (
        re.compile(r"\b(?:last|previous|prior)\s+(?P<unit>week|month|quarter|year)\b", _FLAGS),
        _build_last_unit,
    ),
    (re.compile(r"\b(?:this|last|past|previous|the)\s+weekend\b", _FLAGS), _build_weekend),
    # Windows ending today and single days counted back.
    (
        re.compile(rf"\b(?P<rel>last|past|previous)\s+(?:(?P<count>{_COUNT})\s+)?{_UNIT}", _FLAGS),
        _build_rolling,
    ),
    (re.compile(rf"\b(?P<count>{_COUNT})\s+{_UNIT}\s+ago\b", _FLAGS), _build_ago),
    (
        re.compile(r"\b(?:the\s+)?(?:last|past|previous)\s+fortnight\b", _FLAGS),
        _build_fortnight,
    ),
    (
        re.compile(
            r"\b(?:the\s+)?(?P<half>first|second|1st|2nd)\s+half\s+of\s+(?:(?:the|this)\s+year"
            rf"|(?P<rel>last)\s+year|{_YEAR})",
            _FLAGS,
        ),
        _build_half_year,
    ),
    (
        re.compile(
            r"(?<![0-9/.,$£€-])(?:(?P<month>0?[1-9]|1[0-2])/(?P<year>(?:19|20)[0-9]{2})"
            r"|(?P<year2>(?:19|20)[0-9]{2})-(?P<month2>0[1-9]|1[0-2]))(?![0-9]|[/.-][0-9])",
            _FLAGS,
        ),
        _build_numeric_month,
    ),
    # Named dates, months, quarters and years.
    (
        re.compile(
            r"(?<![0-9-])(?P<iso>(?P<year>(?:19|20)[0-9]{2})(?P<sep>[-/.])(?P<month>[0-9]{1,2})"
            r"(?P=sep)(?P<day>[0-9]{1,2}))(?![0-9]|[-/.][0-9])",
            _FLAGS,
        ),
        _build_numeric_date,
    ),
    (
        re.compile(
            r"(?<![0-9/.,$£€])(?P<month>[0-9]{1,2})/(?P<day>[0-9]{1,2})"
            r"(?:/(?P<year>[0-9]{4}|[0-9]{2}))?(?P<iso>)(?![0-9]|/[0-9]|[.,][0-9]|\s+of\b)",
            _FLAGS,
        ),
        _build_numeric_date,
    ),
    (
        re.compile(rf"{_WEEKDAY_PREFIX}{_month()}\s+(?:the\s+)?{_DAY}(?:,?\s+{_YEAR})?", _FLAGS),
        _build_month_day,
    ),
    (
        re.compile(
            rf"{_WEEKDAY_PREFIX}(?:\bthe\s+)?\b{_DAY}(?:\s+of)?\s+{_month()}(?:,?\s+{_YEAR})?",
            _FLAGS,
        ),
        _build_month_day,
    ),
    (
        re.compile(
            rf"{_month()},?\s+(?:of\s+)?(?:{_YEAR}|(?P<rel>this|last|next)\s+year\b)", _FLAGS
        ),
        _build_month_year,
    ),
    (re.compile(rf"\b(?:(?P<rel>last|previous|this)\s+)?{_month()}", _FLAGS), _build_month_alone),
    (
        re.compile(
            rf"\b(?:q(?P<q>[1-4])|(?:the\s+)?(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th)"
            rf"\s+quarter)\b(?:,?\s*(?:of\s+)?{_YEAR})?",
            _FLAGS,
        ),
        _build_quarter,
    ),
    (
        re.compile(
            r"(?:\b(?P<word>(?:the\s+)?year)\s+)?(?<![0-9$£€.,])(?P<year>(?:19|20)[0-9]{2})"
            r"(?![0-9]|[.,][0-9]|\s*(?:pounds?|euros?|dollars?|quid|gbp|eur|usd|[$£€]))",
            _FLAGS,
        ),
        _build_year,
    ),
    (re.compile(rf"\b(?P<pre>the|last)\s+{_ORDINAL_DAY}", _FLAGS), _build_ordinal),
    # Weekdays.
    (
        re.compile(
            rf"\b(?:last|previous)\s+week(?:['’]s)?\s+(?:on\s+)?{_WEEKDAY}"
            rf"|{_WEEKDAY.replace('weekday', 'weekday2')}\s+(?:of\s+)?(?:last|previous)\s+week\b",
            _FLAGS,
        ),
        _build_weekday_of_last_week,
    ),
    (re.compile(rf"\b(?:(?P<rel>last|past|this|previous)\s+)?{_WEEKDAY}", _FLAGS), _build_weekday),
]


# --------------------------------------------------------------------------------------------
# Scanning, combining and choosing

_SINCE = re.compile(r"\b(?:ever\s+)?since\s+", _FLAGS)
_FROM_ON = re.compile(r"\bfrom\s+", _FLAGS)
_ONWARDS = re.compile(r"\s+(?:on(?:wards?)?|forwards?|and\s+after)\b", _FLAGS)
_RANGE_OPEN = re.compile(r"\b(?:between|from)\s+", _FLAGS)
_RANGE_DAY = re.compile(rf"(?:the\s+)?\b{_DAY}\b", _FLAGS)
_RANGE_JOIN = re.compile(r"\s*,?\s*(?:and|to|until|till|through|thru|[-–—])\s*", _FLAGS)


def _scan_atoms(ctx: _Context) -> list[_Atom]:
    """Every candidate phrase in the text, from every pattern."""
    atoms: list[_Atom] = []
    for pattern, build in _PATTERNS:
        for match in pattern.finditer(ctx.text):
            atom = build(match, ctx)
            if atom is not None:
                atoms.append(atom)
    return atoms


def _atom_at(ctx: _Context, position: int) -> _Atom | None:
    """The longest candidate that starts exactly at ``position`` (non-standalone ones too)."""
    best: _Atom | None = None
    for pattern, build in _PATTERNS:
        match = pattern.match(ctx.text, position)
        if match is None or match.end() == position:
            continue
        atom = build(match, ctx)
        if atom is not None and (best is None or atom.end > best.end):
            best = atom
    return best


def _since_candidates(ctx: _Context) -> list[_Atom]:
    """Start of X .. today: "since Monday", "since last month", "from September on"."""
    found: list[_Atom] = []
    openings: list[tuple[re.Match[str], re.Pattern[str] | None]]
    openings = [(m, None) for m in _SINCE.finditer(ctx.text)]
    openings += [(m, _ONWARDS) for m in _FROM_ON.finditer(ctx.text)]
    for opening, closing in openings:
        atom = _atom_at(ctx, opening.end())
        if atom is None:
            continue
        end = atom.end
        if closing is not None:
            tail = closing.match(ctx.text, end)
            if tail is None:
                continue
            end = tail.end()
        since = _latest(atom.spec, ctx.today)
        spec = _Fixed(since.start, ctx.today) if since is not None else None
        found.append(_Atom(opening.start(), end, "since", spec))
    return found


def _range_candidates(ctx: _Context) -> list[_Atom]:
    """Ranges: "between March 1 and March 15", "from 1 March to 15 March", "Jan to March"."""
    found: list[_Atom] = []
    for opening in _RANGE_OPEN.finditer(ctx.text):
        first = _atom_at(ctx, opening.end()) or _bare_day_at(ctx, opening.end())
        join = _RANGE_JOIN.match(ctx.text, first.end) if first is not None else None
        if first is None or join is None:
            continue
        second = _atom_at(ctx, join.end())
        if second is None and _is_single_day(first.spec):
            second = _bare_day_at(ctx, join.end())  # "March 1 to 15"
        if second is None or (first.kind == "day_number" and not _has_month(second.spec)):
            continue  # "between 5 and 10 pounds" is not a range of days
        spec = _resolve_range(first.spec, second.spec, ctx.today)
        found.append(_Atom(opening.start(), second.end, "between", spec))
    return found


def _bare_day_at(ctx: _Context, position: int) -> _Atom | None:
    """A plain day number ("1", "15th") at ``position``, only meaningful next to a month."""
    match = _RANGE_DAY.match(ctx.text, position)
    if match is None:
        return None
    return _Atom(position, match.end(), "day_number", _Day(int(match.group("day"))), False)


def _is_single_day(spec: _Spec) -> bool:
    """A day with a known month: "March 1", "2026-03-01"."""
    return isinstance(spec, _MonthDay) or (isinstance(spec, _Fixed) and spec.start == spec.end)


def _has_month(spec: _Spec) -> bool:
    return isinstance(spec, _MonthDay | _Fixed)


def _choose(candidates: list[_Atom]) -> _Atom | None:
    """The first candidate in the text; among overlapping ones, the longest.

    Weak candidates (bare month names) are considered only when there is nothing else.
    """
    pool = [atom for atom in candidates if not atom.weak] or candidates
    if not pool:
        return None
    pool.sort(key=lambda atom: (atom.start, atom.start - atom.end))
    best = pool[0]
    for atom in pool[1:]:
        if atom.start >= best.end:
            break
        if atom.end - atom.start > best.end - best.start:
            best = atom
    return best
