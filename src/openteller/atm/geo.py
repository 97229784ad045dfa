"""Great-circle distance, the nearest ATMs after filters, opening state, map links.

Distances are haversine distances on a sphere of the mean Earth radius (IUGG,
6371.0088 km): within 0.5% of the ellipsoid, ample for "which cash machine is closest".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from openteller.atm.model import Atm, check_coordinates

EARTH_RADIUS_KM = 6371.0088
DEFAULT_K = 3


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distances_km(
    latitude: float, longitude: float, lats: np.ndarray, lons: np.ndarray
) -> np.ndarray:
    """Haversine distances in km from one point to many (vectorised)."""
    phi1 = math.radians(latitude)
    phi2 = np.radians(lats)
    dphi = phi2 - phi1
    dlambda = np.radians(lons - longitude)
    h = np.sin(dphi / 2) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(dlambda / 2) ** 2
    result: np.ndarray = 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return result


@dataclass(frozen=True, slots=True)
class Box:
    """A latitude/longitude box (degrees), for prefiltering rows in the database."""

    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float


def bounding_box(latitude: float, longitude: float, radius_km: float) -> Box | None:
    """The smallest box holding every point within ``radius_km`` of the centre, or None
    when that circle reaches a pole or crosses the 180th meridian (search everything)."""
    angle = radius_km / EARTH_RADIUS_KM
    dlat = math.degrees(angle)
    if latitude - dlat <= -90.0 or latitude + dlat >= 90.0:
        return None
    ratio = math.sin(angle) / math.cos(math.radians(latitude))
    if ratio >= 1.0:
        return None
    dlon = math.degrees(math.asin(ratio))
    if longitude - dlon < -180.0 or longitude + dlon > 180.0:
        return None
    return Box(latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon)


def is_open(atm: Atm, when: datetime) -> bool | None:
    """Whether ``atm`` is open at ``when``: None when that is unknown.

    A 24-hour ATM is always open. Otherwise its published hours decide, read in the
    ATM's time zone when ``when`` is aware and the zone is known, else at ``when``'s own
    wall-clock time. No published hours: unknown (None).
    """
    if atm.open_24h:
        return True
    if atm.opening_hours is None:
        return None
    local = when
    if when.tzinfo is not None and atm.timezone:
        try:
            local = when.astimezone(ZoneInfo(atm.timezone))
        except (ZoneInfoNotFoundError, ValueError):
            local = when
    return atm.opening_hours.is_open_at(local)


@dataclass(frozen=True, slots=True)
class AtmFilters:
    """What the ATM must be *known* to offer; unknown counts as no for a filter asked for.

    ``open_now`` needs ``when`` at search time, and lets through only ATMs known to be
    open then (24-hour, or published hours that cover it).
    """

    open_now: bool = False
    open_24h: bool = False
    deposits: bool = False
    accessible: bool = False
    fee_free: bool = False

    def admits(self, atm: Atm, when: datetime | None) -> bool:
        if self.open_24h and not (
            atm.open_24h or (atm.opening_hours is not None and atm.opening_hours.always_open)
        ):
            return False
        if self.deposits and atm.deposits is not True:
            return False
        if self.accessible and atm.accessible is not True:
            return False
        if self.fee_free and atm.fee_free is not True:
            return False
        if self.open_now:
            if when is None:
                raise ValueError("the open-now filter needs the time of the search")
            return is_open(atm, when) is True
        return True

    def names(self) -> list[str]:
        """The filters asked for, by name (for answers and JSON)."""
        return [
            name
            for name in ("open_now", "open_24h", "deposits", "accessible", "fee_free")
            if getattr(self, name)
        ]


@dataclass(frozen=True, slots=True)
class Nearby:
    """An ATM found by a search, with its distance from the searched point."""

    atm: Atm
    distance_km: float

    @property
    def map_link(self) -> str:
        return map_link(self.atm.latitude, self.atm.longitude)


def nearest(
    atms: Sequence[Atm],
    latitude: float,
    longitude: float,
    k: int = DEFAULT_K,
    filters: AtmFilters | None = None,
    when: datetime | None = None,
) -> list[Nearby]:
    """The ``k`` ATMs nearest to the point that pass ``filters``, nearest first.

    Ties in distance are broken by ATM id, so answers are stable.
    """
    check_coordinates(latitude, longitude)
    if k < 1:
        raise ValueError("k must be at least 1")
    chosen = filters or AtmFilters()
    candidates = [atm for atm in atms if chosen.admits(atm, when)]
    if not candidates:
        return []
    lats = np.fromiter((a.latitude for a in candidates), dtype=np.float64, count=len(candidates))
    lons = np.fromiter((a.longitude for a in candidates), dtype=np.float64, count=len(candidates))
    distances = distances_km(latitude, longitude, lats, lons)
    ids = np.array([a.id for a in candidates])
    order = np.lexsort((ids, distances))[:k]
    return [Nearby(candidates[int(i)], float(distances[int(i)])) for i in order]


def map_link(latitude: float, longitude: float, zoom: int = 17) -> str:
    """An OpenStreetMap link with a marker at the point (no API key needed)."""
    lat, lon = _degrees(latitude), _degrees(longitude)
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map={zoom}/{lat}/{lon}"


def _degrees(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_distance(km: float) -> str:
    """``350 m`` under a kilometre, ``1.2 km`` under 100 km, else ``343 km``."""
    if km < 1.0:
        return f"{round(km * 1000 / 10) * 10:.0f} m"
    if km < 100.0:
        return f"{km:.1f} km"
    return f"{km:.0f} km"
