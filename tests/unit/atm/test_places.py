"""Places: typed text (coordinates, US ZIP codes, city names) and shared locations."""

from __future__ import annotations

import pytest

from openteller.atm.places import (
    Place,
    place_from_geolocation,
    place_from_messenger,
    resolve_place,
    zip_timezone,
)


def test_a_us_zip_code() -> None:
    assert resolve_place("10001") == Place("New York, NY 10001", 40.7484, -73.9967)
    assert resolve_place(" 90210-1234 ") == Place("Beverly Hills, CA 90210", 34.0901, -118.4065)
    assert resolve_place("99999") is None  # not a ZIP code
    assert zip_timezone("10001") == "America/New_York"
    assert zip_timezone("SW1A 1AA") is None


def test_a_city_is_its_most_populous_namesake() -> None:
    manchester = resolve_place("Manchester")
    assert manchester is not None
    assert manchester.name == "Manchester, GB"  # not Manchester, NH
    assert (manchester.latitude, manchester.longitude) == pytest.approx((53.481, -2.237), abs=1e-3)
    london = resolve_place("london")
    assert london is not None and london.name == "London, GB"  # not London, Ontario
    assert resolve_place("LONDON") == london
    paris = resolve_place("Paris")
    assert paris is not None and paris.name == "Paris, FR"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("London, UK", "London, GB"),
        ("London, CA", "London, CA"),
        ("London, Canada", "London, CA"),
        ("Manchester, NH", "Manchester, NH, US"),
        ("Manchester, United States", "Manchester, NH, US"),
        ("Springfield, IL", "Springfield, IL, US"),
        ("Springfield, Illinois", "Springfield, IL, US"),
        ("Paris, US", "Paris, TX, US"),
    ],
)
def test_a_hint_after_a_comma_narrows_the_match(text: str, name: str) -> None:
    place = resolve_place(text)
    assert place is not None and place.name == name


def test_accents_and_alternate_names() -> None:
    zurich = resolve_place("zurich")
    assert zurich is not None and zurich.name == "Zürich, CH"
    munich = resolve_place("München")
    assert munich is not None and munich.name == "Munich, DE"
    new_york = resolve_place("New York")
    assert new_york is not None and new_york.name == "New York City, NY, US"
    assert new_york.latitude == pytest.approx(40.714, abs=1e-3)


def test_typed_coordinates() -> None:
    assert resolve_place("51.5074, -0.1278") == Place("51.5074, -0.1278", 51.5074, -0.1278)
    assert resolve_place("40.7 -74") == Place("40.7 -74", 40.7, -74.0)
    assert resolve_place("95, 0") is None  # out of range


@pytest.mark.parametrize("text", ["", "   ", "Xyzzyville", "London, Narnia", "12345678"])
def test_unknown_places(text: str) -> None:
    assert resolve_place(text) is None


def test_a_web_chat_geolocation() -> None:
    shared = place_from_geolocation({"coords": {"latitude": 51.5, "longitude": -0.12}})
    assert shared == Place("your shared location", 51.5, -0.12)
    assert place_from_geolocation({"latitude": "53.48", "longitude": "-2.24"}) == Place(
        "your shared location", 53.48, -2.24
    )
    assert place_from_geolocation({"latitude": 120, "longitude": 0}) is None
    assert place_from_geolocation({"coords": "here"}) is None
    assert place_from_geolocation({}) is None


def test_a_messenger_location_attachment() -> None:
    attachment = {
        "type": "location",
        "title": "Pinned location",
        "payload": {"coordinates": {"lat": 53.4774, "long": -2.2309}},
    }
    assert place_from_messenger(attachment) == Place("Pinned location", 53.4774, -2.2309)
    assert place_from_messenger({**attachment, "title": ""}) == Place(
        "your shared location", 53.4774, -2.2309
    )
    assert place_from_messenger({**attachment, "type": "image"}) is None
    assert place_from_messenger({"type": "location", "payload": {}}) is None
    assert place_from_messenger({"type": "location", "payload": {"coordinates": {}}}) is None
