"""Weekly opening hours: parsing, canonical text, and "is it open at this moment?".

The text syntax is a small subset of OpenStreetMap's ``opening_hours`` (documented in
docs/atm.md), used by the CSV format and stored as written by :meth:`OpeningHours.text`::

    hours  := "24/7" | rule (";" rule)*
    rule   := days " " times
    days   := day ["-" day] ("," day ["-" day])*     Mo Tu We Th Fr Sa Su (also Mon, Monday)
    times  := "off" | "closed" | span ("," span)*
    span   := HH:MM "-" HH:MM                         end 24:00 allowed; end <= start: past midnight

Examples: ``Mo-Fr 09:00-17:00; Sa 10:00-14:00``, ``Mo-Su 00:00-24:00``, ``Fr,Sa 18:00-02:00``.
A later rule replaces what earlier rules said about the same day (``Mo-Fr 09:00-17:00;
We 09:00-12:00`` closes early on Wednesdays), and days no rule names are closed.

Times are the ATM's local wall-clock time; :meth:`OpeningHours.is_open_at` takes a naive
local time (time-zone conversion is the caller's job, see ``atm.geo.is_open``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

DAY_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAYS = {
    **{code.lower(): i for i, code in enumerate(DAY_CODES)},
    **{name[:3]: i for i, name in enumerate(_DAY_NAMES)},
    **{name: i for i, name in enumerate(_DAY_NAMES)},
}
_SPAN = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")
_RULE = re.compile(r"^([A-Za-z][A-Za-z,\-\s]*?)\s+(\d.*|off|closed)$", re.IGNORECASE)
DAY_MINUTES = 24 * 60

#: One day's opening spans in minutes since that day's midnight: ``start < end``;
#: ``end`` above 1440 runs into the next day (22:00-02:00 is ``(1320, 1560)``).
Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """A weekly timetable: ``days[0]`` is Monday (as ``datetime.weekday()``)."""

    days: tuple[tuple[Span, ...], ...]

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError("opening hours need exactly seven days")
        for spans in self.days:
            for start, end in spans:
                if not 0 <= start < DAY_MINUTES or not start < end <= start + DAY_MINUTES:
                    raise ValueError(f"not an opening span: {start}-{end} minutes")

    @property
    def always_open(self) -> bool:
        """Open round the clock every day (``24/7``)."""
        return all((0, DAY_MINUTES) in spans for spans in self.days)

    def is_open_at(self, local: datetime) -> bool:
        """Whether it is open at ``local``, a wall-clock time where the ATM stands."""
        minute = local.hour * 60 + local.minute
        today = local.weekday()
        if any(start <= minute < end for start, end in self.days[today]):
            return True
        yesterday = self.days[(today - 1) % 7]
        return any(minute < end - DAY_MINUTES for _, end in yesterday)

    def text(self) -> str:
        """Canonical text in the syntax above; :func:`parse_opening_hours` reads it back."""
        if self.always_open:
            return "24/7"
        rules: list[str] = []
        day = 0
        while day < 7:
            last = day
            while last + 1 < 7 and self.days[last + 1] == self.days[day]:
                last += 1
            if self.days[day]:
                names = DAY_CODES[day] if last == day else f"{DAY_CODES[day]}-{DAY_CODES[last]}"
                if last == day + 1:
                    names = f"{DAY_CODES[day]},{DAY_CODES[last]}"
                rules.append(f"{names} {','.join(_span_text(s) for s in self.days[day])}")
            day = last + 1
        return "; ".join(rules) if rules else "closed"

    def __str__(self) -> str:
        return self.text()


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _span_text(span: Span) -> str:
    start, end = span
    return f"{_clock(start)}-{_clock(end if end <= DAY_MINUTES else end - DAY_MINUTES)}"


def always() -> OpeningHours:
    """Open round the clock."""
    return OpeningHours(tuple(((0, DAY_MINUTES),) for _ in range(7)))


def parse_opening_hours(text: str) -> OpeningHours:
    """Read the syntax in this module's docstring; ``ValueError`` saying what is wrong."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise ValueError("empty opening hours")
    if cleaned.lower() == "24/7":
        return always()
    if cleaned.lower() == "closed":
        return OpeningHours(tuple(() for _ in range(7)))
    week: list[tuple[Span, ...]] = [() for _ in range(7)]
    for rule in (part.strip() for part in cleaned.split(";")):
        if not rule:
            continue
        match = _RULE.match(rule)
        if match is None:
            raise ValueError(f"{rule!r} is not 'days times', e.g. 'Mo-Fr 09:00-17:00'")
        spans = parse_spans(match.group(2))
        for day in _parse_days(match.group(1)):
            week[day] = spans
    return OpeningHours(tuple(week))


def _parse_days(text: str) -> list[int]:
    days: list[int] = []
    for part in (p.strip() for p in text.replace(" ", "").split(",")):
        first, _, last = part.partition("-")
        start = day_index(first)
        end = day_index(last) if last else start
        day = start
        days.append(day)
        while day != end:  # Fr-Mo wraps round the weekend
            day = (day + 1) % 7
            days.append(day)
    return days


def day_index(text: str) -> int:
    """0 for Monday ... 6 for Sunday, from Mo, Mon or Monday (any case)."""
    try:
        return _DAYS[text.lower()]
    except KeyError:
        raise ValueError(f"{text!r} is not a day: use {', '.join(DAY_CODES)}") from None


def parse_spans(text: str) -> tuple[Span, ...]:
    """``09:00-12:00,13:00-17:00`` (or ``off``/``closed``) as spans, earliest first."""
    if text.strip().lower() in ("off", "closed"):
        return ()
    spans = [_parse_span(part.strip()) for part in text.split(",")]
    return tuple(sorted(spans))


def _parse_span(text: str) -> Span:
    match = _SPAN.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a time span like 09:00-17:00")
    start = clock_minutes(int(match.group(1)), int(match.group(2)), text)
    end = clock_minutes(int(match.group(3)), int(match.group(4)), text)
    if start == DAY_MINUTES:
        raise ValueError(f"{text!r}: a span cannot start at 24:00")
    if end <= start:  # past midnight
        end += DAY_MINUTES
    return start, end


def clock_minutes(hour: int, minute: int, context: str) -> int:
    """Minutes since midnight of ``hour:minute`` (24:00 allowed, as the day's end)."""
    if minute > 59 or hour > 24 or (hour == 24 and minute != 0):
        raise ValueError(f"{context!r}: {hour:02d}:{minute:02d} is not a time of day")
    return hour * 60 + minute
