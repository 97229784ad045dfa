"""Locale-aware parsing of CSV cell values: dates and amounts.

Bank CSV exports have no specification; these parsers follow what banks actually write
(see :mod:`openteller.ingest.csv_presets`). Both are *compiled once per file*: the date
format and the decimal/thousands separators are decided from the first rows (or given by
a preset), and each row then runs a precompiled regex or a plain ``Decimal`` call.

Dates: strftime-style formats restricted to ``%Y %y %m %d %b %B`` plus literals; time
and zone parts after the date (``2018-02-25 12:34:56 +0000``, ``2020-01-01T13:00:00``) are
ignored and the date is taken as written (no time-zone conversion).

Amounts: ``1,525.00``, ``-1.234,56``, `` 12.50``, ``+ $12.00``, ``(12.00)``, ``€12,00``,
``12.50-``; the text is cleaned of currency symbols and spaces and then built by
:func:`openteller.domain.money.parse_amount`, except plain ``-12.34`` which goes straight
to ``Decimal``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

from openteller.domain.errors import InvalidAmount
from openteller.domain.money import parse_amount

DateParser = Callable[[str], date]
AmountParser = Callable[[str], Decimal]

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "januar", "janv", "ene", "gen"),
            ("feb", "febr", "fév", "fev", "févr"),
            ("mar", "mär", "mrt", "maa"),
            ("apr", "avr", "abr"),
            ("may", "mai", "mei", "mag", "mayo"),
            ("jun", "juin", "giu"),
            ("jul", "juil", "lug"),
            ("aug", "aoû", "aou", "ago"),
            ("sep", "sept", "set"),
            ("oct", "okt", "ott"),
            ("nov",),
            ("dec", "dez", "déc", "dic"),
        ),
        start=1,
    )
    for name in names
}

#: Formats tried, in order, when neither preset nor mapping names one. Day-first comes
#: before month-first; :func:`infer_date_format` picks month-first only when the values
#: prove it (a second field above 12).
DATE_CANDIDATES: tuple[str, ...] = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d.",
    "%Y.%m.%d",
    "%Y%m%d",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d/%m/%y",
    "%m/%d/%y",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%d %b %Y",
    "%d %b %y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%b %d, %Y",
    "%d %B %Y",
)

_TOKENS = {
    "%Y": r"(?P<Y>\d{4})",
    "%y": r"(?P<y>\d{2})",
    "%m": r"(?P<m>\d{1,2})",
    "%d": r"(?P<d>\d{1,2})",
    "%b": r"(?P<b>[^\W\d_]{3,5})\.?",
    "%B": r"(?P<b>[^\W\d_]{3,12})",
}
_TOKEN_RE = re.compile(r"%[YymdbB]")
#: What may follow the date part: nothing, or a time/zone separated by space or ``T``.
_TAIL = r"(?:[ T,].*)?\Z"


def _compile_date_regex(fmt: str) -> re.Pattern[str]:
    parts: list[str] = []
    pos = 0
    for match in _TOKEN_RE.finditer(fmt):
        parts.append(re.escape(fmt[pos : match.start()]))
        parts.append(_TOKENS[match.group(0)])
        pos = match.end()
    parts.append(re.escape(fmt[pos:]))
    return re.compile(r"\s*" + "".join(parts) + _TAIL, re.DOTALL)


def _iso_parser(text: str) -> date:
    """Fast path for ``%Y-%m-%d`` (with an optional time part after it)."""
    if len(text) != 10:
        text = text.strip()
        if len(text) > 10 and text[10] in " T":
            text = text[:10]
    return date.fromisoformat(text)


def compile_date_format(fmt: str) -> DateParser:
    """A function parsing dates written in ``fmt``; raises ``ValueError`` on other text."""
    if fmt == "%Y-%m-%d":
        return _iso_parser
    unknown = re.sub(r"%[YymdbB]", "", fmt)
    if "%" in unknown:
        raise ValueError(f"unsupported date format {fmt!r}: use %Y %y %m %d %b %B")
    pattern = _compile_date_regex(fmt)
    has_month_name = "%b" in fmt or "%B" in fmt
    has_short_year = "%y" in fmt

    def parse(text: str) -> date:
        match = pattern.match(text)
        if match is None:
            raise ValueError(f"not a date in format {fmt}: {text!r}")
        groups = match.groupdict()
        year = 2000 + int(groups["y"]) if has_short_year else int(groups["Y"])
        if has_month_name:
            month = _MONTHS.get(groups["b"].casefold()[:3]) or _MONTHS.get(groups["b"].casefold())
            if month is None:
                raise ValueError(f"unknown month name in {text!r}")
        else:
            month = int(groups["m"])
        return date(year, month, int(groups["d"]))

    return parse


def compile_date_formats(formats: Iterable[str]) -> DateParser:
    """A parser trying several formats in order (the first is the expected one)."""
    parsers = [compile_date_format(fmt) for fmt in formats]
    if len(parsers) == 1:
        return parsers[0]
    first, rest = parsers[0], parsers[1:]

    def parse(text: str) -> date:
        try:
            return first(text)
        except ValueError:
            for parser in rest:
                try:
                    return parser(text)
                except ValueError:
                    continue
            raise

    return parse


def infer_date_format(samples: list[str], candidates: Iterable[str] = DATE_CANDIDATES) -> str:
    """The candidate format that parses the most samples (``ValueError`` if none parses any).

    Day-first and month-first formats both parse ``01/02/2018``; they are told apart by
    values above 12 across the samples. When no value decides, the candidate order
    (which presets set for their locale) decides. A few bad rows do not change the
    format: the best-fitting one wins.
    """
    values = [s.strip() for s in samples if s.strip()]
    if not values:
        raise ValueError("no dates to infer a format from")
    best, best_count = "", 0
    for fmt in candidates:
        parser = compile_date_format(fmt)
        count = 0
        for value in values:
            try:
                parser(value)
            except ValueError:
                continue
            count += 1
        if count > best_count:
            best, best_count = fmt, count
            if count == len(values):
                break
    if not best:
        raise ValueError(f"no known date format fits {values[0]!r}")
    return best


_SYMBOLS = re.compile(r"[$€£¥₹₩₽¤\s\u00a0\u202f']|\b[A-Z]{3}\b|[A-Z]{1,2}\$")
_PLAIN_DOT = re.compile(r"-?\d+(?:\.\d+)?")
_PLAIN_COMMA = re.compile(r"-?\d+(?:,\d+)?")
_LAST_SEPARATOR = re.compile(r"[.,](\d*)\s*\)?-?\s*$")


def compile_amount_parser(decimal: str = ".", thousands: str | None = None) -> AmountParser:
    """A function turning amount text into a signed Decimal.

    ``thousands`` defaults to the other of ``.`` and ``,``. Raises
    :class:`openteller.domain.errors.InvalidAmount` for text that is not an amount.
    """
    if thousands is None:
        thousands = "," if decimal == "." else "." if decimal == "," else ""
    plain = _PLAIN_DOT if decimal == "." else _PLAIN_COMMA if decimal == "," else None
    swap = decimal != "."

    def parse(text: str) -> Decimal:
        if plain is not None and plain.fullmatch(text):
            return Decimal(text.replace(",", ".") if swap else text)
        cleaned = _SYMBOLS.sub("", text)
        if cleaned.startswith("+"):
            cleaned = cleaned[1:]
        if cleaned.startswith("-(") and cleaned.endswith(")"):
            cleaned = cleaned[1:]
        try:
            return parse_amount(
                cleaned, decimal_separator=decimal, thousands_separator=thousands or ""
            )
        except InvalidAmount:
            raise InvalidAmount(f"not an amount: {text!r}") from None

    return parse


def infer_decimal_separator(samples: list[str]) -> str:
    """``.`` or ``,`` by vote over amount samples: the separator followed by 1, 2 or 4+
    digits at the end is the decimal one; ``1,525`` alone (three digits) does not vote."""
    votes = {".": 0, ",": 0}
    for sample in samples:
        text = sample.strip()
        match = _LAST_SEPARATOR.search(text)
        if match is None:
            continue
        separator = text[match.start()]
        digits = len(match.group(1))
        if digits == 3:
            other = "," if separator == "." else "."
            if other in text[: match.start()]:
                votes[separator] += 1  # "1.234,567" is rare; "1,234.567" likewise
            continue
        if digits:
            votes[separator] += 1
    return "," if votes[","] > votes["."] else "."
