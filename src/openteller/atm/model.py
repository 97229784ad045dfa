"""ATM locations as domain values, and the errors of loading and searching them.

An ATM is bank data, not customer data. Facts a file may leave out are ``None``
("unknown"), never guessed: a search filter only lets through ATMs *known* to offer what
it asks for (see docs/atm.md).

Errors::

    OpenTellerError
    ├── IngestError
    │   └── AtmDataError     a file of ATMs that cannot be loaded (names file, row or
    │                        JSON path, and field); nothing of it is written
    └── AtmSearchError       a search that cannot be answered (unknown place, bad input)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from openteller.atm.opening import OpeningHours
from openteller.domain.errors import IngestError, OpenTellerError

#: Longest ATM id stored (OBIE ``Identification`` is at most 35 characters).
MAX_ID_LENGTH = 64

#: Countries with a single time zone, for files that do not name the ATM's zone.
_COUNTRY_ZONES = {
    "GB": "Europe/London",
    "UK": "Europe/London",
    "IE": "Europe/Dublin",
    "JE": "Europe/Jersey",
    "GG": "Europe/Guernsey",
    "IM": "Europe/Isle_of_Man",
    "FR": "Europe/Paris",
    "DE": "Europe/Berlin",
    "NL": "Europe/Amsterdam",
    "BE": "Europe/Brussels",
    "IT": "Europe/Rome",
    "CH": "Europe/Zurich",
    "AT": "Europe/Vienna",
    "PL": "Europe/Warsaw",
}


def default_timezone(country: str) -> str | None:
    """The IANA zone of a single-zone country (``GB`` -> ``Europe/London``), else None."""
    return _COUNTRY_ZONES.get(country.strip().upper())


@dataclass(frozen=True, slots=True)
class AtmProblem:
    """One thing wrong in a file: where (``row 3`` or a JSON path), which field, what."""

    where: str
    field: str
    message: str

    def describe(self) -> str:
        return f"{self.where}, field {self.field}: {self.message}"


class AtmDataError(IngestError):
    """A file of ATMs that cannot be loaded; ``problems`` lists every bad entry found."""

    def __init__(self, source: str, problems: Sequence[AtmProblem]) -> None:
        if not problems:
            raise ValueError("AtmDataError needs at least one problem")
        self.source = source
        self.problems = tuple(problems)
        shown = "; ".join(p.describe() for p in self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"{source}: {shown}{more}; nothing was loaded")


class AtmSearchError(OpenTellerError):
    """An ATM search that cannot be answered: unknown place, coordinates out of range."""


def check_coordinates(latitude: float, longitude: float) -> None:
    """``ValueError`` unless a finite latitude in [-90, 90] and longitude in [-180, 180]."""
    if not math.isfinite(latitude) or not -90.0 <= latitude <= 90.0:
        raise ValueError(f"latitude {latitude} is not between -90 and 90")
    if not math.isfinite(longitude) or not -180.0 <= longitude <= 180.0:
        raise ValueError(f"longitude {longitude} is not between -180 and 180")


def parse_coordinate(text: str, limit: float) -> float:
    """Decimal degrees within ``[-limit, limit]`` (90 for latitude, 180 for longitude)."""
    if not text:
        raise ValueError("missing")
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a number of degrees")
    if not -limit <= value <= limit:
        raise ValueError(f"{text} is out of range (-{limit:g} to {limit:g})")
    return value


@dataclass(frozen=True, slots=True)
class Atm:
    """One cash machine (OBIE Open Data ``ATM``, or a row of the CSV format).

    ``open_24h``, ``deposits``, ``accessible`` and ``fee_free`` are ``None`` when the
    file does not say; ``opening_hours`` is ``None`` when no hours are published.
    ``timezone`` is the IANA zone the opening hours are in (``None``: unknown).
    """

    id: str
    name: str
    latitude: float
    longitude: float
    brand: str = ""
    address: str = ""
    town: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""
    timezone: str | None = None
    open_24h: bool | None = None
    opening_hours: OpeningHours | None = None
    deposits: bool | None = None
    accessible: bool | None = None
    fee_free: bool | None = None
    services: tuple[str, ...] = ()
    accessibility: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise ValueError("an ATM needs an id")
        if len(self.id) > MAX_ID_LENGTH:
            raise ValueError(f"ATM id longer than {MAX_ID_LENGTH} characters")
        check_coordinates(self.latitude, self.longitude)

    @property
    def full_address(self) -> str:
        """Street, town, region and postcode on one line (empty parts left out)."""
        parts = (self.address, self.town, self.region, self.postcode)
        return ", ".join(p for p in parts if p)

    @property
    def hours_text(self) -> str:
        """Opening hours for an answer: "open 24 hours", the timetable, or "not published"."""
        if self.open_24h or (self.opening_hours is not None and self.opening_hours.always_open):
            return "open 24 hours"
        if self.opening_hours is not None:
            return self.opening_hours.text()
        return "opening hours not published"
