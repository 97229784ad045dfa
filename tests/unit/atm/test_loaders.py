"""Reading ATM files: the real HSBC Open Data feed, OBIE variants, the CSV format, and
every kind of bad input naming file, row or JSON path, and field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from openteller.atm.loaders import CSV_COLUMNS, detect_format, read_atms
from openteller.atm.model import AtmDataError
from openteller.domain.errors import IngestError, OpenTellerError
from tests.samples import fixture

HSBC = "obie/obie-opendata-hsbc-atms_2024-10-17.json"
HEADER = ",".join(CSV_COLUMNS)


def read(relative: str) -> tuple[str, list[Any]]:
    path = fixture(relative)
    return read_atms(path.read_bytes(), path.name)


def rejected(data: bytes | str, source: str = "atms.txt", format_name: str | None = None) -> str:
    """The message of the AtmDataError reading ``data`` raises."""
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(AtmDataError) as caught:
        read_atms(raw, source, format_name)
    message = str(caught.value)
    assert message.startswith(f"{source}: ")
    assert message.endswith("; nothing was loaded")
    return message


def obie(*atms: dict[str, Any]) -> str:
    return json.dumps({"meta": {}, "data": [{"Brand": [{"BrandName": "B", "ATM": list(atms)}]}]})


def obie_atm(atm_id: str = "A1", lat: object = "51.5", lon: object = "-0.1") -> dict[str, Any]:
    coordinates = {"Latitude": lat, "Longitude": lon}
    return {
        "Identification": atm_id,
        "Location": {"PostalAddress": {"GeoLocation": {"GeographicCoordinates": coordinates}}},
    }


# -- the real HSBC UK feed -----------------------------------------------------------------
def test_the_hsbc_feed_holds_62_atms() -> None:
    chosen, atms = read(HSBC)
    assert chosen == "obie"
    assert len(atms) == 62
    assert len({a.id for a in atms}) == 62
    first = atms[0]
    assert (first.id, first.name, first.brand) == ("AD330738", "ASHFORD KENT E1", "HSBC UK")
    assert (first.latitude, first.longitude) == (51.1488168, 0.8735929)
    assert first.full_address == "39 High Street, ASHFORD, TN24 8TG"
    assert (first.country, first.timezone) == ("GB", "Europe/London")
    assert first.services == (
        "CashWithdrawal",
        "PINChange",
        "PINActivation",
        "PINUnblock",
        "Balance",
        "MiniStatement",
    )


def test_what_the_hsbc_feed_leaves_out_is_unknown() -> None:
    _, atms = read(HSBC)
    assert {a.open_24h for a in atms} == {None}  # no Access24HoursIndicator
    assert {a.opening_hours for a in atms} == {None}
    assert {a.accessible for a in atms} == {None}  # no Accessibility element
    assert {a.deposits for a in atms} == {False}  # ATMServices lists no deposits
    assert {a.fee_free for a in atms} == {True}  # the bank's own ATMs
    assert {a.hours_text for a in atms} == {"opening hours not published"}
    assert sum(a.town == "LONDON" for a in atms) == 12
    assert sum(a.town == "YORK" for a in atms) == 5


# -- OBIE variants -------------------------------------------------------------------------
def test_optional_and_later_variant_elements_are_read() -> None:
    _, atms = read("atm/obie_v2_variants.json")
    station, market, salford = atms
    assert station.name == "Piccadilly Station"
    assert station.address == "Unit 4, Station Approach, 1 London Road"
    assert station.region == "Greater Manchester"
    assert station.full_address == (
        "Unit 4, Station Approach, 1 London Road, Manchester, Greater Manchester, M60 7RA"
    )
    assert (station.open_24h, station.deposits, station.accessible) == (True, True, True)
    assert station.accessibility == ("WheelchairAccess", "AudioCashMachine")
    assert station.note == "Inside the station concourse"
    assert station.hours_text == "open 24 hours"

    assert (market.latitude, market.longitude) == (53.483, -2.24)  # JSON numbers
    assert market.open_24h is False  # "false" as a string
    assert market.deposits is True  # an Other service about deposits
    assert market.accessible is True and market.accessibility == ("Low keypad",)
    assert market.fee_free is False  # FeeSurcharge 1.50
    assert market.opening_hours is not None
    assert market.opening_hours.text() == (
        "Mo,Tu 09:00-17:00; We 09:00-12:30,13:30-17:00; Th,Fr 09:00-17:00; Sa 10:00-14:00"
    )

    assert salford.name == "DB000003"  # no Site: the id
    assert salford.opening_hours is not None
    assert salford.opening_hours.text() == "Mo-Sa 07:00-22:00"
    assert (salford.deposits, salford.accessible, salford.fee_free) == (None, None, True)


def test_a_lone_data_object_and_utf8_bom_are_accepted() -> None:
    document = {"data": {"Brand": [{"ATM": [obie_atm()]}]}}
    _, atms = read_atms(b"\xef\xbb\xbf" + json.dumps(document).encode(), "bom.json")
    assert [a.id for a in atms] == ["A1"]


# -- CSV -----------------------------------------------------------------------------------
def test_the_csv_fixture() -> None:
    chosen, atms = read("atm/atms.csv")
    assert chosen == "csv"
    assert [a.id for a in atms] == "MAN-001 MAN-002 MAN-003 LDN-001 LDN-002 NYC-001".split()
    by_id = {a.id: a for a in atms}
    deansgate = by_id["MAN-002"]
    assert deansgate.opening_hours is not None
    assert deansgate.opening_hours.text() == "Mo-Fr 09:00-17:00; Sa 10:00-14:00"
    assert (deansgate.open_24h, deansgate.deposits, deansgate.accessible) == (False, False, True)
    assert by_id["MAN-003"].deposits is None  # empty cell: unknown
    assert by_id["LDN-001"].open_24h is True  # from 24/7 hours
    assert by_id["LDN-001"].address == "Trafalgar Square, Charing Cross"
    assert by_id["LDN-002"].name == 'Covent Garden "Piazza"'
    assert by_id["NYC-001"].timezone == "America/New_York"  # from the ZIP code
    assert by_id["MAN-001"].timezone == "Europe/London"


def test_csv_with_only_some_columns_and_a_timezone() -> None:
    text = "id,name,latitude,longitude,timezone\nX1,Kiosk,40.0,-100.0,America/Chicago\n"
    _, atms = read_atms(text.encode(), "few.csv")
    assert atms[0].timezone == "America/Chicago"
    assert (atms[0].open_24h, atms[0].brand, atms[0].address) == (None, "", "")


def test_the_format_is_detected_or_given() -> None:
    assert detect_format('  {"data": []}') == "obie"
    assert detect_format(HEADER) == "csv"
    message = rejected(obie(obie_atm()), format_name="csv")
    assert "line 1, field header: unknown column" in message
    assert "field format: 'xml' is not one of obie, csv" in rejected("x", format_name="xml")


# -- bad input: each names file, where and field -------------------------------------------
@pytest.mark.parametrize("data", [b"", b"   \n\n"])
def test_an_empty_file(data: bytes) -> None:
    message = rejected(data, "empty.csv")
    assert "line 1, field document: empty file" in message


def test_not_json() -> None:
    message = rejected('{"data": [\n  {"Brand": [}\n]}', "broken.json")
    assert message.startswith("broken.json: line 2, column 14, field document: not JSON")
    assert "NaN" in rejected('{"data": NaN}', "nan.json")


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ([1, 2], "$, field document: not an Open Banking ATM document"),
        ({"meta": {}}, "$, field data: missing or not an array"),
        ({"data": [{"ATM": []}]}, "data[0], field Brand: missing or not an array"),
        ({"data": [{"Brand": [{"BrandName": "B"}]}]}, "data[0].Brand[0], field ATM: missing"),
        ({"data": [{"Brand": [{"ATM": ["x"]}]}]}, "data[0].Brand[0].ATM[0], field ATM: not an"),
    ],
)
def test_wrong_shape(document: object, expected: str) -> None:
    assert expected in rejected(json.dumps(document), "shape.json")


def test_no_atms_at_all_is_refused() -> None:
    assert "field document: holds no ATMs" in rejected(obie(), "none.json")
    assert "field document: holds no ATMs" in rejected(HEADER + "\n", "none.csv")


@pytest.mark.parametrize(
    ("lat", "lon", "field", "message"),
    [
        ("91.5", "0", "Latitude", "91.5 is out of range (-90 to 90)"),
        ("-90.01", "0", "Latitude", "-90.01 is out of range (-90 to 90)"),
        ("51", "180.5", "Longitude", "180.5 is out of range (-180 to 180)"),
        ("north", "0", "Latitude", "'north' is not a number of degrees"),
        ("nan", "0", "Latitude", "'nan' is not a number of degrees"),
        ("1e999", "0", "Latitude", "'1e999' is not a number of degrees"),
        (None, "0", "Latitude", "missing"),
        (True, "0", "Latitude", "not a number: True"),
    ],
)
def test_bad_obie_coordinates(lat: object, lon: object, field: str, message: str) -> None:
    got = rejected(obie(obie_atm("A1"), obie_atm("A2", lat, lon)), "coords.json")
    where = "data[0].Brand[0].ATM[1]"
    path = f"Location.PostalAddress.GeoLocation.GeographicCoordinates.{field}"
    assert f"{where}, field {path}: {message}" in got


def test_bad_csv_coordinates() -> None:
    text = (
        f"{HEADER}\nA1,One,,,,,,51.5,-0.1,,,,,\nA2,Two,,,,,,95,-0.1,,,,,\nA3,Three,,,,,,1,x,,,,,\n"
    )
    message = rejected(text, "coords.csv")
    assert "line 3, field latitude: 95 is out of range (-90 to 90)" in message
    assert "line 4, field longitude: 'x' is not a number of degrees" in message


def test_every_bad_field_is_listed() -> None:
    text = (
        f"{HEADER}\n"
        ",No id,,,,,,1,1,,,,,\n"
        "B,,,,,,,1,1,maybe,,,,\n"
        "C,Hours,,,,,,1,1,,Mo 9-5,,,\n"
        "D,Zone,,,,,,1,1,,,,,\n"
    )
    with pytest.raises(AtmDataError) as caught:
        read_atms(text.encode(), "many.csv")
    assert [p.describe() for p in caught.value.problems] == [
        "line 2, field id: missing",
        "line 3, field name: missing",
        "line 3, field open_24h: 'maybe' is not yes/no (or true/false, 1/0; empty: unknown)",
        "line 4, field opening_hours: '9-5' is not a time span like 09:00-17:00",
    ]


def test_more_than_five_problems_are_counted() -> None:
    rows = "".join(f"A{i},n,,,,,,99,0,,,,,\n" for i in range(8))
    assert "(and 3 more)" in rejected(f"{HEADER}\n{rows}")


def test_bad_csv_header() -> None:
    message = rejected("id,name,lat,longitude\nA,B,1,2\n", "header.csv")
    assert "line 1, field header: unknown column 'lat'" in message
    assert "line 1, field header: required column 'latitude' is missing" in message
    assert "column 'id' appears twice" in rejected("id,id,name,latitude,longitude\n1,1,n,1,1\n")


def test_a_row_longer_than_the_header() -> None:
    message = rejected("id,name,latitude,longitude\nA,B,1,2,extra\n", "long.csv")
    assert "line 2, field document: more fields than the header has columns" in message


def test_duplicate_ids() -> None:
    message = rejected(obie(obie_atm("A1"), obie_atm("A1")), "dup.json")
    assert (
        "data[0].Brand[0].ATM[1], field Identification: 'A1' is also the id at "
        "data[0].Brand[0].ATM[0]"
    ) in message
    text = "id,name,latitude,longitude\nA,B,1,2\n\nA,C,3,4\n"
    assert "line 4, field id: 'A' is also the id at line 2" in rejected(text, "dup.csv")


def test_bad_obie_fields() -> None:
    entry = obie_atm()
    entry.update(Access24HoursIndicator="sometimes", FeeSurcharge="lots", OpeningHours="Mo x")
    message = rejected(obie(entry), "fields.json")
    assert "ATM[0], field Access24HoursIndicator: not true or false: 'sometimes'" in message
    assert "ATM[0], field FeeSurcharge: not an amount or true/false: 'lots'" in message
    assert "ATM[0], field OpeningHours: 'Mo x' is not 'days times'" in message
    entry = obie_atm()
    entry["Availability"] = {
        "StandardAvailability": {
            "Day": [{"Name": "Funday"}, {"Name": "Monday", "OpeningHours": [{"OpeningTime": "9"}]}]
        }
    }
    message = rejected(obie(entry), "days.json")
    assert "field Availability.StandardAvailability.Day[0].Name: 'Funday' is not a day" in message
    assert (
        "field Availability.StandardAvailability.Day[1].OpeningHours[0].OpeningTime: "
        "'9' is not a time like 09:00:00"
    ) in message
    assert "Identification: missing" in rejected(obie(obie_atm("")))
    assert "longer than 64 characters" in rejected(obie(obie_atm("X" * 65)))


def test_not_utf8() -> None:
    message = rejected(b"id,name,latitude,longitude\nA,Caf\xe9,1,2\n", "latin1.csv")
    assert "line 2, field encoding: byte 0xe9 is not UTF-8" in message


def test_the_error_is_an_ingest_error_of_openteller() -> None:
    with pytest.raises(AtmDataError) as caught:
        read_atms(b"", "x")
    assert isinstance(caught.value, IngestError)
    assert isinstance(caught.value, OpenTellerError)
    assert caught.value.source == "x"
    assert caught.value.problems[0].field == "document"
