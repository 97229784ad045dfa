"""Reading ATM files: UK Open Banking Open Data ATM JSON (v2.x) and a documented CSV.

Staged: bytes -> format (given, or detected by content) -> document -> :class:`Atm`
values. Every bad entry is collected as an :class:`AtmProblem` naming the row or JSON
path and the field; any problem rejects the whole file with one :class:`AtmDataError`,
so a load never writes half a file. A file with no ATMs at all is refused too: loading
replaces the bank's whole set, and an empty set is almost always a mistake.

CSV header (docs/atm.md has the details)::

    id,name,brand,address,town,postcode,country,latitude,longitude,
    open_24h,opening_hours,deposits,accessible,fee_free[,timezone]
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterator
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from openteller.atm.model import (
    MAX_ID_LENGTH,
    Atm,
    AtmDataError,
    AtmProblem,
    default_timezone,
    parse_coordinate,
)
from openteller.atm.opening import (
    DAY_MINUTES,
    OpeningHours,
    Span,
    clock_minutes,
    day_index,
    parse_opening_hours,
)
from openteller.atm.places import zip_timezone

FORMATS = ("obie", "csv")
#: Largest file read (32 MiB): a full UK bank's ATM feed is a few MiB.
MAX_BYTES = 32 * 1024 * 1024

#: The CSV header, in this order (a file may leave optional columns out).
CSV_COLUMNS = tuple(
    "id,name,brand,address,town,postcode,country,latitude,longitude,"
    "open_24h,opening_hours,deposits,accessible,fee_free".split(",")
)
#: Columns beyond the documented header that are also understood.
CSV_OPTIONAL_COLUMNS = ("timezone",)
CSV_REQUIRED_COLUMNS = ("id", "name", "latitude", "longitude")

_TRUE = frozenset({"yes", "y", "true", "t", "1"})
_FALSE = frozenset({"no", "n", "false", "f", "0"})


def read_atms(data: bytes, source: str, format_name: str | None = None) -> tuple[str, list[Atm]]:
    """The ATMs in a file's bytes, and the format they were read as.

    ``format_name`` is ``obie`` or ``csv``; None detects it (JSON is OBIE, else CSV).
    """
    if len(data) > MAX_BYTES:
        _fail(source, "file", "document", f"larger than {MAX_BYTES} bytes")
    if format_name is not None and format_name not in FORMATS:
        _fail(source, "file", "format", f"{format_name!r} is not one of {', '.join(FORMATS)}")
    text = _decode(data, source)
    if not text.strip():
        _fail(source, "line 1", "document", "empty file: expected Open Banking ATM JSON or CSV")
    chosen = format_name or detect_format(text)
    atms = read_obie(text, source) if chosen == "obie" else read_csv(text, source)
    if not atms:
        _fail(source, "file", "document", "holds no ATMs (the loaded set is left as it was)")
    return chosen, atms


def detect_format(text: str) -> str:
    """``obie`` when the text is a JSON object or array, else ``csv``."""
    return "obie" if text.lstrip()[:1] in ("{", "[") else "csv"


def _fail(source: str, where: str, field: str, message: str) -> NoReturn:
    raise AtmDataError(source, [AtmProblem(where, field, message)])


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        _fail(
            source,
            f"line {line}",
            "encoding",
            f"byte 0x{data[exc.start : exc.start + 1].hex()} is not UTF-8",
        )


def _unique(atm: Atm, where: str, field: str, seen: dict[str, str]) -> AtmProblem | None:
    """A problem when another entry of the file (``seen``: id -> where) has the same id."""
    if atm.id in seen:
        return AtmProblem(where, field, f"{atm.id!r} is also the id at {seen[atm.id]}")
    seen[atm.id] = where
    return None


# -- OBIE JSON -----------------------------------------------------------------------------
#: OBIE ``ATMServices`` codes that take money in.
DEPOSIT_SERVICES = frozenset({"CashDeposits", "ChequeDeposits"})
#: ``OpeningTime``/``ClosingTime``: ``HH:MM[:SS[.fff]]`` with an optional zone designator,
#: which is ignored (UK feeds write local time with a ``Z``).
_OBIE_TIME = re.compile(r"^(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_COORDINATES = "Location.PostalAddress.GeoLocation.GeographicCoordinates"

Report = Callable[[str, str], None]


def read_obie(text: str, source: str) -> list[Atm]:
    """ATMs from an OBIE Open Data ATM document (``meta`` + ``data[].Brand[].ATM[]``).

    Implements the v2.x ``ATM`` element; optional elements a feed leaves out are
    unknown, and elements of later variants (``Availability``, ``OpeningHours``,
    ``FeeSurcharge``) are read when present.
    """
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        _fail(source, f"line {exc.lineno}, column {exc.colno}", "document", f"not JSON: {exc.msg}")
    except (ValueError, RecursionError) as exc:
        _fail(source, "file", "document", f"not JSON: {exc}")
    problems: list[AtmProblem] = []
    atms = list(_obie_document(document, problems))
    if problems:
        raise AtmDataError(source, problems)
    return atms


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _obie_document(document: object, problems: list[AtmProblem]) -> Iterator[Atm]:
    shape = "not an Open Banking ATM document (expected meta and data[].Brand[].ATM[])"
    if not isinstance(document, dict):
        problems.append(AtmProblem("$", "document", shape))
        return
    data = document.get("data")
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        problems.append(AtmProblem("$", "data", f"missing or not an array: {shape}"))
        return
    seen: dict[str, str] = {}
    for i, group in enumerate(data):
        brands = group.get("Brand") if isinstance(group, dict) else None
        if not isinstance(brands, list):
            problems.append(AtmProblem(f"data[{i}]", "Brand", f"missing or not an array: {shape}"))
            continue
        for j, brand in enumerate(brands):
            where = f"data[{i}].Brand[{j}]"
            entries = brand.get("ATM") if isinstance(brand, dict) else None
            if not isinstance(entries, list):
                problems.append(AtmProblem(where, "ATM", "missing or not an array"))
                continue
            name = _text(brand.get("BrandName"))
            for k, entry in enumerate(entries):
                atm = _obie_atm(entry, f"{where}.ATM[{k}]", name, problems)
                if atm is None:
                    continue
                duplicate = _unique(atm, f"{where}.ATM[{k}]", "Identification", seen)
                if duplicate is not None:
                    problems.append(duplicate)
                yield atm


def _obie_atm(entry: object, where: str, brand: str, problems: list[AtmProblem]) -> Atm | None:
    if not isinstance(entry, dict):
        problems.append(AtmProblem(where, "ATM", "not an object"))
        return None
    before = len(problems)

    def bad(field: str, message: str) -> None:
        problems.append(AtmProblem(where, field, message))

    atm_id = _text(entry.get("Identification"))
    if not atm_id:
        bad("Identification", "missing")
    elif len(atm_id) > MAX_ID_LENGTH:
        bad("Identification", f"longer than {MAX_ID_LENGTH} characters")
    location = _object(entry.get("Location"))
    address = _object(location.get("PostalAddress"))
    coordinates = _object(_object(address.get("GeoLocation")).get("GeographicCoordinates"))
    latitude = _obie_coordinate(coordinates, "Latitude", 90.0, bad)
    longitude = _obie_coordinate(coordinates, "Longitude", 180.0, bad)
    open_24h = _obie_flag(entry, "Access24HoursIndicator", bad)
    hours = _obie_hours(entry, bad)
    fee_free = _obie_fee_free(entry.get("FeeSurcharge"), bad)
    if len(problems) > before or latitude is None or longitude is None:
        return None
    site = _object(location.get("Site"))
    services = _codes(entry, "ATMServices", "OtherATMServices")
    features = _codes(entry, "Accessibility", "OtherAccessibility")
    known_services = "ATMServices" in entry or "OtherATMServices" in entry
    country = _text(address.get("Country"))
    if open_24h is None and hours is not None and hours.always_open:
        open_24h = True
    return Atm(
        id=atm_id,
        name=_text(site.get("Name")) or _text(site.get("Identification")) or atm_id,
        latitude=latitude,
        longitude=longitude,
        brand=brand,
        address=_street(address),
        town=_text(address.get("TownName")),
        region=", ".join(_texts(address.get("CountrySubDivision"))),
        postcode=_text(address.get("PostCode")),
        country=country,
        timezone=default_timezone(country or "GB"),  # OBIE Open Data covers the UK
        open_24h=open_24h,
        opening_hours=hours,
        deposits=(
            any(s in DEPOSIT_SERVICES or "deposit" in s.lower() for s in services)
            if known_services
            else None
        ),
        accessible=(
            bool(features) if "Accessibility" in entry or "OtherAccessibility" in entry else None
        ),
        fee_free=fee_free,
        services=services,
        accessibility=features,
        note=" ".join(_texts(entry.get("Note"))),
    )


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str:
    """A JSON string (stripped) or number as text; ``""`` for anything else."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _texts(value: object) -> list[str]:
    """A string or an array of strings as a list of non-empty texts."""
    items = value if isinstance(value, list) else [value]
    return [t for t in (_text(item) for item in items) if t]


def _codes(entry: dict[str, Any], codes: str, others: str) -> tuple[str, ...]:
    """OBIE code list ``codes`` plus the names of the ``others`` (``Other*``) entries."""
    found = _texts(entry.get(codes))
    for other in entry.get(others) or []:
        if isinstance(other, dict):
            label = _text(other.get("Name")) or _text(other.get("Code"))
            if label:
                found.append(label)
    return tuple(dict.fromkeys(found))


def _street(address: dict[str, Any]) -> str:
    street = " ".join(
        p for p in (_text(address.get("BuildingNumber")), _text(address.get("StreetName"))) if p
    )
    parts: list[str] = []
    for part in [*_texts(address.get("AddressLine")), street]:
        if part and part.casefold() not in (p.casefold() for p in parts):
            parts.append(part)
    return ", ".join(parts)


def _obie_coordinate(
    coordinates: dict[str, Any], field: str, limit: float, bad: Report
) -> float | None:
    value = coordinates.get(field)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        bad(f"{_COORDINATES}.{field}", "missing" if value is None else f"not a number: {value!r}")
        return None
    try:
        return parse_coordinate(str(value).strip(), limit)
    except ValueError as exc:
        bad(f"{_COORDINATES}.{field}", str(exc))
        return None


def _obie_flag(entry: dict[str, Any], field: str, bad: Report) -> bool | None:
    value = entry.get(field)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    bad(field, f"not true or false: {value!r}")
    return None


def _obie_fee_free(value: object, bad: Report) -> bool | None:
    """No ``FeeSurcharge``: free. An OBIE feed lists the publishing bank's own ATMs, which
    UK banks do not charge their own customers for. ``FeeSurcharge``: ``false`` or a zero
    amount is free; ``true`` or a positive amount is not."""
    if value is None:
        return True
    if isinstance(value, bool):
        return not value
    if isinstance(value, dict):
        return _obie_fee_free(value.get("Amount"), bad)
    if isinstance(value, list):
        answers = [_obie_fee_free(item, bad) for item in value]
        return all(answers) if None not in answers else None
    try:
        amount = float(_text(value))
    except ValueError:
        bad("FeeSurcharge", f"not an amount or true/false: {value!r}")
        return None
    if not math.isfinite(amount) or amount < 0:
        bad("FeeSurcharge", f"not an amount: {value!r}")
        return None
    return amount == 0


def _obie_hours(entry: dict[str, Any], bad: Report) -> OpeningHours | None:
    """``OpeningHours`` as text in our syntax, or ``Availability.StandardAvailability.Day[]``
    (``Name`` and ``OpeningHours[]`` of ``OpeningTime``/``ClosingTime``, as in the OBIE
    branch data); days a timetable leaves out are closed."""
    text = entry.get("OpeningHours")
    if isinstance(text, str) and text.strip():
        try:
            return parse_opening_hours(text)
        except ValueError as exc:
            bad("OpeningHours", str(exc))
            return None
    standard = _object(_object(entry.get("Availability")).get("StandardAvailability"))
    days = standard.get("Day")
    if not isinstance(days, list) or not days:
        return None
    week: list[tuple[Span, ...]] = [() for _ in range(7)]
    for d, day in enumerate(days):
        field = f"Availability.StandardAvailability.Day[{d}]"
        day = _object(day)
        try:
            index = day_index(_text(day.get("Name")) or "(missing)")
        except ValueError as exc:
            bad(f"{field}.Name", str(exc))
            continue
        spans: list[Span] = []
        for h, hours in enumerate(day.get("OpeningHours") or []):
            span = _obie_span(_object(hours), f"{field}.OpeningHours[{h}]", bad)
            if span is not None:
                spans.append(span)
        week[index] = tuple(sorted(spans))
    return OpeningHours(tuple(week))


def _obie_span(hours: dict[str, Any], field: str, bad: Report) -> Span | None:
    times: list[int] = []
    for name in ("OpeningTime", "ClosingTime"):
        text = _text(hours.get(name))
        match = _OBIE_TIME.match(text)
        try:
            if match is None:
                raise ValueError(f"{text or 'missing'!r} is not a time like 09:00:00")
            times.append(clock_minutes(int(match.group(1)), int(match.group(2)), text))
        except ValueError as exc:
            bad(f"{field}.{name}", str(exc))
            return None
    start, end = times
    if start == DAY_MINUTES:
        bad(f"{field}.OpeningTime", "a day cannot open at 24:00")
        return None
    return start, end if end > start else end + DAY_MINUTES


# -- CSV -----------------------------------------------------------------------------------
def read_csv(text: str, source: str) -> list[Atm]:
    """ATMs from the CSV format: a header row naming the columns, one ATM per row.

    Problems name the line (the header is line 1; blank lines are skipped but counted)."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        _fail(source, "line 1", "header", f"not CSV: {exc}")
    columns = [c.strip() for c in header or ()]
    reader.fieldnames = columns
    _check_header(source, columns)
    atms: list[Atm] = []
    problems: list[AtmProblem] = []
    seen: dict[str, str] = {}
    try:
        for row in reader:
            where = f"line {reader.line_num}"
            atm = _csv_atm(row, where, problems)
            if atm is None:
                continue
            duplicate = _unique(atm, where, "id", seen)
            if duplicate is not None:
                problems.append(duplicate)
            atms.append(atm)
    except csv.Error as exc:
        problems.append(AtmProblem(f"line {reader.line_num}", "document", f"not CSV: {exc}"))
    if problems:
        raise AtmDataError(source, problems)
    return atms


def _check_header(source: str, columns: list[str]) -> None:
    known = set(CSV_COLUMNS) | set(CSV_OPTIONAL_COLUMNS)
    problems = [
        AtmProblem("line 1", "header", f"unknown column {c!r} (expected {','.join(CSV_COLUMNS)})")
        for c in columns
        if c not in known
    ]
    problems += [
        AtmProblem("line 1", "header", f"required column {c!r} is missing")
        for c in CSV_REQUIRED_COLUMNS
        if c not in columns
    ]
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    problems += [AtmProblem("line 1", "header", f"column {c!r} appears twice") for c in duplicated]
    if problems:
        raise AtmDataError(source, problems)


def _csv_atm(row: dict[str | None, Any], where: str, problems: list[AtmProblem]) -> Atm | None:
    if row.get(None):
        problems.append(AtmProblem(where, "document", "more fields than the header has columns"))
        return None
    values = {str(k): (v or "").strip() for k, v in row.items() if k is not None}
    before = len(problems)

    def field(name: str, parse: Callable[[str], Any]) -> Any:
        try:
            return parse(values.get(name, ""))
        except ValueError as exc:
            problems.append(AtmProblem(where, name, str(exc)))
            return None

    atm_id = field("id", _required)
    name = field("name", _required)
    latitude = field("latitude", lambda text: parse_coordinate(text, 90.0))
    longitude = field("longitude", lambda text: parse_coordinate(text, 180.0))
    hours = field("opening_hours", _hours)
    flags = {n: field(n, _flag) for n in ("open_24h", "deposits", "accessible", "fee_free")}
    zone = field("timezone", _zone)
    if len(problems) > before:
        return None
    country, postcode = values.get("country", ""), values.get("postcode", "")
    open_24h = flags["open_24h"]
    if open_24h is None and hours is not None and hours.always_open:
        open_24h = True
    try:
        return Atm(
            id=atm_id,
            name=name,
            latitude=latitude,
            longitude=longitude,
            brand=values.get("brand", ""),
            address=values.get("address", ""),
            town=values.get("town", ""),
            postcode=postcode,
            country=country,
            timezone=zone or default_timezone(country) or _us_zone(country, postcode),
            open_24h=open_24h,
            opening_hours=hours,
            deposits=flags["deposits"],
            accessible=flags["accessible"],
            fee_free=flags["fee_free"],
        )
    except ValueError as exc:
        problems.append(AtmProblem(where, "id", str(exc)))
        return None


def _us_zone(country: str, postcode: str) -> str | None:
    return zip_timezone(postcode) if country.upper() in ("US", "USA") else None


def _required(text: str) -> str:
    if not text:
        raise ValueError("missing")
    return text


def _flag(text: str) -> bool | None:
    lowered = text.lower()
    if not lowered:
        return None
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(f"{text!r} is not yes/no (or true/false, 1/0; empty: unknown)")


def _hours(text: str) -> OpeningHours | None:
    return parse_opening_hours(text) if text else None


def _zone(text: str) -> str | None:
    if not text:
        return None
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{text!r} is not an IANA time zone (e.g. Europe/London)") from None
    return text
