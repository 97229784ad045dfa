"""The ATM service on SQLite and PostgreSQL: loading the real HSBC feed and the CSV
format, replacing a bank's set in one transaction, and nearest searches."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from openteller.atm.geo import AtmFilters, nearest
from openteller.atm.model import AtmDataError, AtmSearchError
from openteller.bootstrap import App
from openteller.store.atms import AtmStore
from openteller.store.schema import atms as atms_table
from tests.db import make_settings
from tests.samples import fixture

HSBC = "obie/obie-opendata-hsbc-atms_2024-10-17.json"
TRAFALGAR_SQUARE = (51.5080, -0.1281)
MANCHESTER = (53.48095, -2.23743)


@pytest.fixture
def app(database_url: str, keystore_url: str | None, tmp_path: Path) -> Iterator[App]:
    application = App(make_settings(database_url, keystore_url, tmp_path))
    application.init()
    yield application
    application.close()


def stored(app: App) -> list[str]:
    with app.engine.connect() as conn:
        return [a.id for a in AtmStore(app.settings.bank_id).all(conn)]


def test_loading_the_hsbc_feed(app: App) -> None:
    report = app.atms.load_file(fixture(HSBC))
    assert (report.format, report.loaded, report.replaced) == ("obie", 62, 0)
    assert report.brands == ("HSBC UK",)
    assert app.atms.count() == 62
    with app.engine.connect() as conn:
        rows = conn.execute(sa.select(sa.func.count()).select_from(atms_table)).scalar_one()
        first = conn.execute(sa.select(atms_table).where(atms_table.c.atm_id == "AD330738")).one()
    assert rows == 62
    assert (first.latitude_e7, first.longitude_e7) == (511488168, 8735929)
    assert (first.name, first.postcode, first.fee_free, first.open_24h) == (
        "ASHFORD KENT E1",
        "TN24 8TG",
        True,
        None,
    )


def test_the_nearest_hsbc_atms_to_trafalgar_square(app: App) -> None:
    app.atms.load_file(fixture(HSBC))
    found = app.atms.nearest(*TRAFALGAR_SQUARE)
    # Two machines at one branch (ties broken by id), then the nearer of the two at Belgravia.
    assert [f.atm.id for f in found] == ["AC382149", "AD412456", "AA007089"]
    assert [f.atm.name for f in found] == ["COVENT GARDEN I1", "COVENT GRDN E2", "BELGRAVIA I1"]
    assert [round(f.distance_km, 3) for f in found] == [0.435, 0.435, 1.669]
    assert found[0].atm.full_address == "16 King Street, Covent Garden, LONDON, WC2E 8JF"
    assert found[0].map_link == (
        "https://www.openstreetmap.org/?mlat=51.511347&mlon=-0.124847#map=17/51.511347/-0.124847"
    )


def test_a_search_from_a_place(app: App) -> None:
    app.atms.load_file(fixture(HSBC))
    search = app.atms.near(app.atms.place("Manchester"), k=2)
    assert search.place.name == "Manchester, GB"
    assert search.atms_loaded == 62
    assert [(f.atm.name, round(f.distance_km, 1)) for f in search.results] == [
        ("BOLTON VIC SQ E3", 16.7),
        ("NEWCASTLE U LYME", 52.3),
    ]
    with pytest.raises(AtmSearchError, match="cannot find a place called 'Xyzzyville'"):
        app.atms.place("Xyzzyville")


def test_the_box_prefilter_finds_what_a_full_scan_finds(app: App) -> None:
    app.atms.load_file(fixture(HSBC))
    with app.engine.connect() as conn:
        everything = AtmStore(app.settings.bank_id).all(conn)
    when = datetime(2024, 10, 21, 12, tzinfo=UTC)
    # Near ATMs, between them, far away (only the full scan reaches), across the date line.
    for point in (TRAFALGAR_SQUARE, MANCHESTER, (55.0, -3.0), (40.71, -74.0), (0.0, 179.9)):
        for k in (1, 3, 10):
            expected = nearest(everything, *point, k=k, when=when)
            assert app.atms.nearest(*point, k=k, when=when) == expected


def test_filters_on_the_csv_format(app: App) -> None:
    report = app.atms.load_file(fixture("atm/atms.csv"))
    assert (report.format, report.loaded) == ("csv", 6)
    assert report.brands == ("Demo Bank", "Partner Bank")

    def ids(filters: AtmFilters, when: datetime | None = None) -> list[str]:
        return [f.atm.id for f in app.atms.nearest(*MANCHESTER, k=6, filters=filters, when=when)]

    assert ids(AtmFilters()) == ["MAN-001", "MAN-002", "MAN-003", "LDN-002", "LDN-001", "NYC-001"]
    assert ids(AtmFilters(deposits=True)) == ["MAN-001", "LDN-001", "NYC-001"]
    assert ids(AtmFilters(fee_free=True, accessible=True)) == ["MAN-001", "MAN-002", "LDN-002"]
    assert ids(AtmFilters(open_24h=True)) == ["MAN-001", "LDN-001"]
    # Sunday 2024-10-20, 12:00 in London (BST, UTC+1); 07:00 in New York.
    sunday = datetime(2024, 10, 20, 11, tzinfo=UTC)
    assert ids(AtmFilters(open_now=True), sunday) == ["MAN-001", "LDN-002", "LDN-001", "NYC-001"]
    # Monday 08:30 in London, 03:30 in New York.
    monday = datetime(2024, 10, 21, 7, 30, tzinfo=UTC)
    assert ids(AtmFilters(open_now=True), monday) == ["MAN-001", "LDN-002", "LDN-001"]


def test_atms_round_trip_through_the_database(app: App) -> None:
    from openteller.atm.loaders import read_atms

    for name in ("atm/atms.csv", "atm/obie_v2_variants.json"):
        path = fixture(name)
        _, expected = read_atms(path.read_bytes(), path.name)
        app.atms.load_file(path)
        with app.engine.connect() as conn:
            assert AtmStore(app.settings.bank_id).all(conn) == sorted(expected, key=lambda a: a.id)


def test_a_load_replaces_the_whole_set(app: App) -> None:
    app.atms.load_file(fixture(HSBC))
    report = app.atms.load_file(fixture("atm/atms.csv"))
    assert (report.loaded, report.replaced) == (6, 62)
    assert stored(app) == sorted(["MAN-001", "MAN-002", "MAN-003", "LDN-001", "LDN-002", "NYC-001"])


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "line 1, field document: empty file"),
        (b'{"data": [', "field document: not JSON"),
        (b'{"meta": {}, "results": []}', "$, field data: missing or not an array"),
        (
            b"id,name,latitude,longitude\nA,B,51.5,-0.1\nC,D,151.5,-0.1\n",
            "line 3, field latitude: 151.5 is out of range (-90 to 90)",
        ),
    ],
)
def test_a_bad_file_leaves_the_loaded_set_as_it_was(
    app: App, tmp_path: Path, content: bytes, expected: str
) -> None:
    app.atms.load_file(fixture(HSBC))
    bad = tmp_path / "bad-atms.txt"
    bad.write_bytes(content)
    with pytest.raises(AtmDataError, match="nothing was loaded") as caught:
        app.atms.load_file(bad)
    assert str(caught.value).startswith(f"{bad}: ")
    assert expected in str(caught.value)
    assert app.atms.count() == 62


def test_a_failure_while_writing_rolls_the_whole_load_back(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.atms.load_file(fixture(HSBC))
    before = stored(app)

    def broken_insert(*args: object, **kwargs: object) -> dict[str, object]:
        raise RuntimeError("disk full")

    # The old set is deleted first; the insert then fails: the delete must not stand.
    monkeypatch.setattr(AtmStore, "_row", broken_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        app.atms.load_file(fixture("atm/atms.csv"))
    assert stored(app) == before


def test_a_missing_file(app: App, tmp_path: Path) -> None:
    with pytest.raises(AtmDataError, match="file, field path: No such file or directory"):
        app.atms.load_file(tmp_path / "nowhere.json")


def test_each_bank_has_its_own_set(app: App) -> None:
    other = App(app.settings.model_copy(update={"bank_id": "other", "bank_name": "Other"}))
    try:
        other.init()
        app.atms.load_file(fixture(HSBC))
        other.atms.load_file(fixture("atm/atms.csv"))
        assert (app.atms.count(), other.atms.count()) == (62, 6)
        assert app.atms.nearest(*MANCHESTER, k=1)[0].atm.id == "AC017434"
        assert other.atms.nearest(*MANCHESTER, k=1)[0].atm.id == "MAN-001"
    finally:
        other.close()


def test_search_input_is_checked(app: App) -> None:
    with pytest.raises(AtmSearchError, match=r"latitude 90\.5 is not between -90 and 90"):
        app.atms.nearest(90.5, 0)
    with pytest.raises(AtmSearchError, match="between 1 and 50 ATMs, not 0"):
        app.atms.nearest(0, 0, k=0)
    assert app.atms.nearest(0, 0) == []  # nothing loaded yet


def test_the_migration_creates_the_table_the_schema_describes(app: App) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with app.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), atms_table.metadata)
    assert [d for d in differences if "atms" in repr(d)] == []
