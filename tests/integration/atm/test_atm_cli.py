"""`openteller atm load` and `openteller atm near`, each call a real process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.cli.conftest import Cli
from tests.samples import fixture

HSBC = str(fixture("obie/obie-opendata-hsbc-atms_2024-10-17.json"))
CSV = str(fixture("atm/atms.csv"))


AtmCli = Cli  # the shared runner: a real ``openteller`` process per call


def _initialised(tmp_path: Path, database_url: str, keystore_url: str | None = None) -> AtmCli:
    runner = AtmCli(tmp_path, database_url, keystore_url)
    result = runner("init")
    assert result.code == 0, result.stderr
    assert "Database created" in result.stdout
    return runner


@pytest.fixture
def atm_cli(tmp_path: Path, database_url: str, keystore_url: str | None) -> AtmCli:
    """On SQLite and on PostgreSQL."""
    return _initialised(tmp_path, database_url, keystore_url)


@pytest.fixture
def sqlite_atm_cli(tmp_path: Path) -> AtmCli:
    """On SQLite only: for option parsing and error rendering."""
    return _initialised(tmp_path, f"sqlite:///{tmp_path}/openteller.db")


def test_load_search_and_a_bad_file(atm_cli: AtmCli, tmp_path: Path) -> None:
    loaded = atm_cli("atm", "load", HSBC)
    assert loaded.code == 0, loaded.stderr
    assert loaded.stdout.startswith("Loaded 62 ATMs (HSBC UK) from ")
    assert "(obie); they replace the 0 loaded before." in loaded.stdout

    near = atm_cli("atm", "near", "--lat", "51.5080", "--lon", "-0.1281")
    assert near.code == 0, near.stderr
    lines = near.stdout.splitlines()
    assert lines[0] == "Nearest ATMs to 51.50800, -0.12810:"
    assert lines[1:5] == [
        "1. COVENT GARDEN I1 (HSBC UK): 430 m",
        "   16 King Street, Covent Garden, LONDON, WC2E 8JF",
        "   Hours: opening hours not published",
        "   Map: https://www.openstreetmap.org/?mlat=51.511347&mlon=-0.124847"
        "#map=17/51.511347/-0.124847",
    ]
    assert lines[9] == "3. BELGRAVIA I1 (HSBC UK): 1.7 km"
    assert len(lines) == 13

    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,latitude,longitude\nA,B,51.5,-0.1\nC,D,51.5,-200\n")
    result = atm_cli("atm", "load", str(bad))
    assert result.code == 1
    assert result.stderr.strip() == (
        f"Error: {bad}: line 3, field longitude: -200 is out of range (-180 to 180); "
        "nothing was loaded"
    )
    after = atm_cli("atm", "near", "--place", "York", "--json", "--k", "1")
    assert after.code == 0, after.stderr
    assert after.json()["atms_loaded"] == 62
    assert after.json()["atms"][0]["id"] == "AA370687"  # five at one branch: lowest id


def test_csv_filters_and_json(sqlite_atm_cli: AtmCli) -> None:
    cli = sqlite_atm_cli
    loaded = cli("atm", "load", CSV, "--format", "csv", "--json")
    assert loaded.code == 0, loaded.stderr
    summary = loaded.json()
    assert summary["format"] == "csv" and summary["loaded"] == 6 and summary["replaced"] == 0

    near = cli(
        "atm", "near", "--place", "Manchester", "--k", "2", "--open-now",
        "--at", "2024-10-20T12:00:00+01:00", "--json",
    )  # fmt: skip
    assert near.code == 0, near.stderr
    answer = near.json()
    assert answer["place"]["name"] == "Manchester, GB"
    assert answer["filters"] == ["open_now"]
    assert answer["atms_loaded"] == 6
    assert [a["id"] for a in answer["atms"]] == ["MAN-001", "LDN-002"]  # Sunday noon
    first = answer["atms"][0]
    assert first["open_now"] is True and first["hours"] == "open 24 hours"
    assert first["map_link"].startswith("https://www.openstreetmap.org/?mlat=53.481&mlon=-2.237")
    assert answer["atms"][1]["opening_hours"] == "Mo-Fr 08:00-20:00; Sa,Su 10:00-18:00"

    near = cli("atm", "near", "--place", "10001", "--k", "1", "--deposits", "--accessible")
    assert near.code == 0, near.stderr
    assert near.stdout.splitlines()[:2] == [
        "Nearest ATMs (deposits, accessible) to New York, NY 10001 (40.74840, -73.99670):",
        "1. Penn Station (Partner Bank): 360 m",
    ]
    near = cli("atm", "near", "--place", "10001", "--fee-free", "--24h", "--deposits", "--k", "9")
    assert near.code == 0, near.stderr
    assert [line for line in near.stdout.splitlines() if line[:1].isdigit()] == [
        "1. Piccadilly Gardens (Demo Bank): 5367 km",
        "2. Trafalgar Square (Demo Bank): 5567 km",
    ]


def test_usage_errors(sqlite_atm_cli: AtmCli) -> None:
    cli = sqlite_atm_cli
    both = cli("atm", "near", "--place", "York", "--lat", "1", "--lon", "2")
    assert both.code == 2 and "give --place or --lat/--lon, not both" in both.stderr
    half = cli("atm", "near", "--lat", "1")
    assert half.code == 2 and "give --lat and --lon together" in half.stderr
    outside = cli("atm", "near", "--lat", "91", "--lon", "0")
    assert outside.code == 2 and "is not a point" in outside.stderr
    at = cli("atm", "near", "--lat", "1", "--lon", "1", "--at", "noon")
    assert at.code == 2 and "not an ISO 8601 date-time" in at.stderr
    fmt = cli("atm", "load", CSV, "--format", "xml")
    assert fmt.code == 2 and "use one of obie, csv" in fmt.stderr


def test_searches_that_cannot_be_answered(sqlite_atm_cli: AtmCli) -> None:
    cli = sqlite_atm_cli
    empty = cli("atm", "near", "--place", "York")
    assert empty.code == 1
    assert "No ATMs are loaded for this bank" in empty.stderr
    assert cli("atm", "load", HSBC).code == 0
    unknown = cli("atm", "near", "--place", "Xyzzyville")
    assert unknown.code == 1
    assert unknown.stderr.startswith("Error: cannot find a place called 'Xyzzyville'")
    missing = cli("atm", "load", "nowhere.json")
    assert missing.code == 1
    assert "nowhere.json: file, field path: No such file or directory" in missing.stderr
    nothing = cli("atm", "near", "--place", "York", "--accessible")  # HSBC does not say
    assert nothing.code == 0
    assert nothing.stdout.startswith("No ATM (accessible) among the 62 loaded, near York, GB")


def test_every_atm_command_has_an_example(sqlite_atm_cli: AtmCli) -> None:
    for command in (("atm",), ("atm", "load"), ("atm", "near")):
        result = sqlite_atm_cli(*command, "--help")
        assert result.code == 0, result.stderr
        assert "Example:" in result.stdout, command
