"""Great-circle distances, bounding boxes, nearest-k with filters, opening state, links."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openteller.atm.geo import (
    EARTH_RADIUS_KM,
    AtmFilters,
    bounding_box,
    distances_km,
    format_distance,
    haversine_km,
    is_open,
    map_link,
    nearest,
)
from openteller.atm.model import Atm
from openteller.atm.opening import parse_opening_hours

LONDON = (51.5074, -0.1278)
PARIS = (48.8566, 2.3522)
NEW_YORK = (40.7128, -74.0060)


def test_known_distances() -> None:
    assert haversine_km(*LONDON, *PARIS) == pytest.approx(343.556, abs=0.001)
    assert haversine_km(*PARIS, *LONDON) == pytest.approx(343.556, abs=0.001)
    assert haversine_km(*LONDON, *NEW_YORK) == pytest.approx(5570.230, abs=0.001)
    assert haversine_km(*LONDON, *LONDON) == 0.0
    # Half the circumference between antipodes; one degree of latitude is R * pi / 180.
    assert haversine_km(0, 0, 0, 180) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert haversine_km(10, 20, 11, 20) == pytest.approx(111.195, abs=0.001)


def test_the_vectorised_distances_match_the_scalar_ones() -> None:
    lats = np.array([PARIS[0], NEW_YORK[0], LONDON[0]])
    lons = np.array([PARIS[1], NEW_YORK[1], LONDON[1]])
    got = distances_km(*LONDON, lats, lons)
    expected = [haversine_km(*LONDON, lat, lon) for lat, lon in zip(lats, lons, strict=True)]
    assert got.tolist() == pytest.approx(expected, abs=1e-9)


@given(
    lat=st.floats(-80, 80),
    lon=st.floats(-170, 170),
    radius=st.floats(0.5, 500),
    bearing=st.floats(0, 2 * math.pi),
    fraction=st.floats(0, 0.999),
)
def test_the_box_holds_every_point_of_the_circle(
    lat: float, lon: float, radius: float, bearing: float, fraction: float
) -> None:
    box = bounding_box(lat, lon, radius)
    if box is None:  # reaches a pole or the 180th meridian
        return
    # The point at `fraction * radius` along `bearing` (spherical destination formula).
    angle = fraction * radius / EARTH_RADIUS_KM
    phi1, lambda1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(
        math.sin(phi1) * math.cos(angle) + math.cos(phi1) * math.sin(angle) * math.cos(bearing)
    )
    lambda2 = lambda1 + math.atan2(
        math.sin(bearing) * math.sin(angle) * math.cos(phi1),
        math.cos(angle) - math.sin(phi1) * math.sin(phi2),
    )
    plat, plon = math.degrees(phi2), math.degrees(lambda2)
    assert box.min_lat - 1e-9 <= plat <= box.max_lat + 1e-9
    assert box.min_lon - 1e-9 <= plon <= box.max_lon + 1e-9


def test_no_box_at_the_poles_or_across_the_date_line() -> None:
    assert bounding_box(89.9, 0, 50) is None
    assert bounding_box(-89.9, 0, 50) is None
    assert bounding_box(0, 179.9, 50) is None
    assert bounding_box(0, -179.9, 50) is None
    box = bounding_box(*LONDON, 10)
    assert box is not None
    assert box.max_lat - box.min_lat == pytest.approx(2 * 10 / 111.195, abs=1e-4)


def atm(atm_id: str, lat: float, lon: float, **extra: object) -> Atm:
    return Atm(id=atm_id, name=atm_id, latitude=lat, longitude=lon, **extra)  # type: ignore[arg-type]


ATMS = [
    atm("far", 51.60, -0.10, deposits=True, accessible=True, fee_free=True, open_24h=True),
    atm("near", 51.5075, -0.1279, deposits=False, fee_free=True),
    atm("mid", 51.52, -0.13, deposits=True, accessible=None, fee_free=None),
    atm("twin-b", 51.53, -0.13),
    atm("twin-a", 51.53, -0.13),
]


def test_nearest_first_ties_broken_by_id() -> None:
    found = nearest(ATMS, *LONDON, k=5)
    assert [f.atm.id for f in found] == ["near", "mid", "twin-a", "twin-b", "far"]
    assert found[0].distance_km == pytest.approx(haversine_km(*LONDON, 51.5075, -0.1279))
    assert [f.atm.id for f in nearest(ATMS, *LONDON)] == ["near", "mid", "twin-a"]  # k = 3
    assert len(nearest(ATMS, *LONDON, k=50)) == 5
    assert nearest([], *LONDON) == []


def test_filters_let_through_only_what_is_known_to_match() -> None:
    def ids(filters: AtmFilters) -> list[str]:
        return [f.atm.id for f in nearest(ATMS, *LONDON, k=5, filters=filters)]

    assert ids(AtmFilters(deposits=True)) == ["mid", "far"]
    assert ids(AtmFilters(accessible=True)) == ["far"]  # None (unknown) is left out
    assert ids(AtmFilters(fee_free=True)) == ["near", "far"]
    assert ids(AtmFilters(open_24h=True)) == ["far"]
    assert ids(AtmFilters(deposits=True, fee_free=True)) == ["far"]
    assert AtmFilters(deposits=True, fee_free=True).names() == ["deposits", "fee_free"]


def test_open_now_needs_a_time_and_known_hours() -> None:
    weekdays = parse_opening_hours("Mo-Fr 09:00-17:00")
    atms = [
        atm("day", 51.5075, -0.1279, opening_hours=weekdays, timezone="Europe/London"),
        atm("unknown", 51.508, -0.128),
        atm("always", 51.6, -0.1, open_24h=True),
    ]
    open_now = AtmFilters(open_now=True)
    monday_noon = datetime(2024, 10, 21, 12, 0, tzinfo=UTC)
    sunday_noon = datetime(2024, 10, 20, 12, 0, tzinfo=UTC)
    found = nearest(atms, *LONDON, k=5, filters=open_now, when=monday_noon)
    assert [f.atm.id for f in found] == ["day", "always"]
    found = nearest(atms, *LONDON, k=5, filters=open_now, when=sunday_noon)
    assert [f.atm.id for f in found] == ["always"]
    # Without the filter, unknown hours are not held against an ATM.
    assert len(nearest(atms, *LONDON, k=5, when=sunday_noon)) == 3
    with pytest.raises(ValueError, match="needs the time"):
        nearest(atms, *LONDON, filters=open_now)


def test_is_open_reads_hours_in_the_atms_time_zone() -> None:
    weekdays = parse_opening_hours("Mo-Fr 09:00-17:00")
    london = atm("ldn", 51.5, -0.12, opening_hours=weekdays, timezone="Europe/London")
    # 08:30 UTC on a summer Monday is 09:30 in London (BST): open.
    assert is_open(london, datetime(2024, 7, 1, 8, 30, tzinfo=UTC)) is True
    # 08:30 UTC in winter is 08:30 in London (GMT): closed.
    assert is_open(london, datetime(2024, 1, 8, 8, 30, tzinfo=UTC)) is False
    # 15:30 in New York (EDT) is 20:30 in London: closed.
    eastern = timezone(timedelta(hours=-4))
    assert is_open(london, datetime(2024, 7, 1, 15, 30, tzinfo=eastern)) is False
    # A naive time is read as the ATM's wall-clock time.
    assert is_open(london, datetime(2024, 7, 1, 8, 30)) is False
    # No known zone: the time's own wall clock.
    nowhere = atm("x", 0, 0, opening_hours=weekdays)
    assert is_open(nowhere, datetime(2024, 7, 1, 9, 30, tzinfo=eastern)) is True


def test_is_open_for_24_hour_and_unknown_hours() -> None:
    when = datetime(2024, 10, 20, 3, 0, tzinfo=UTC)
    assert is_open(atm("a", 0, 0, open_24h=True), when) is True
    assert is_open(atm("b", 0, 0), when) is None
    assert is_open(atm("c", 0, 0, open_24h=False), when) is None
    closed = parse_opening_hours("Mo-Fr 09:00-17:00")
    assert is_open(atm("d", 0, 0, open_24h=True, opening_hours=closed), when) is True


def test_nearest_checks_its_input() -> None:
    with pytest.raises(ValueError, match="latitude 91"):
        nearest(ATMS, 91, 0)
    with pytest.raises(ValueError, match="longitude -181"):
        nearest(ATMS, 0, -181)
    with pytest.raises(ValueError, match="k must be"):
        nearest(ATMS, 0, 0, k=0)


def test_map_link_is_an_openstreetmap_marker() -> None:
    assert map_link(51.1488168, 0.8735929) == (
        "https://www.openstreetmap.org/?mlat=51.148817&mlon=0.873593#map=17/51.148817/0.873593"
    )
    assert map_link(-33.5, 18.0) == (
        "https://www.openstreetmap.org/?mlat=-33.5&mlon=18#map=17/-33.5/18"
    )
    assert map_link(0.0, -0.0000001) == ("https://www.openstreetmap.org/?mlat=0&mlon=0#map=17/0/0")


def test_format_distance() -> None:
    assert format_distance(0.3187) == "320 m"
    assert format_distance(1.5333) == "1.5 km"
    assert format_distance(16.6685) == "16.7 km"
    assert format_distance(343.556) == "344 km"
