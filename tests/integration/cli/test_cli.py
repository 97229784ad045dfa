"""The ``openteller`` command end to end: a real process, a real database, real bank files.

Every test runs the installed entry point (``python -m openteller.cli``) in a subprocess,
on SQLite and on PostgreSQL, so option parsing, error rendering and exit codes are the
ones a bank engineer sees.
"""

from __future__ import annotations

import pytest

from openteller.ingest.registry import build_readers
from tests.integration.cli.conftest import Cli
from tests.samples import fixture, read_with

#: One real sample per format (all permissively licensed copies in tests/fixtures).
ONE_PER_FORMAT = [
    ("ofx", "ofx/ofxparse__checking.ofx"),
    ("camt", "camt/viafintech__053_valid_example.xml"),
    ("mt940", "mt940/mt940__jejik_ing.sta"),
    ("obie", "obie/obie-rw-v3.1.11_transactions__01_specific_account.json"),
    ("fdx", "fdx/transactions_checking.json"),
    ("csv", "csv/bank2ynab__MonzoDataExport_February2018_2018-02-26_174335.csv"),
]


def expected_transactions(relative: str) -> int:
    name = relative.split("/")[0]
    parsed = read_with(build_readers()[name], fixture(relative))
    return len(parsed.transactions)


def test_init_twice_reports_up_to_date(cli: Cli) -> None:
    assert (cli.workdir / "master.key").is_file()
    again = cli("init")
    assert again.code == 0
    assert "up to date" in again.stdout


@pytest.mark.parametrize(("format_name", "relative"), ONE_PER_FORMAT)
def test_ingest_each_format_detected_by_content_and_idempotent(
    cli: Cli, format_name: str, relative: str
) -> None:
    expected = expected_transactions(relative)
    assert expected > 0

    first = cli("ingest", str(fixture(relative)), "--customer", "alice", "--json")
    assert first.code == 0, first.stderr
    summary = first.json()
    assert set(summary) == {
        "files",
        "accounts",
        "transactions_added",
        "duplicates_skipped",
        "problems",
    }
    assert summary["files"][0]["format"] == format_name
    assert summary["transactions_added"] == expected
    assert summary["duplicates_skipped"] == 0
    assert summary["accounts"] >= 1

    again = cli("ingest", str(fixture(relative)), "--customer", "alice", "--json").json()
    assert again["transactions_added"] == 0
    assert again["duplicates_skipped"] == expected
    assert len(cli.transactions()) == expected


def test_accounts_show_only_last_four_digits_and_balances(cli: Cli) -> None:
    assert cli("ingest", str(fixture("ofx/ofxparse__checking.ofx")), "--customer", "bob").code == 0
    result = cli("accounts", "--customer", "bob", "--json")
    assert result.code == 0, result.stderr
    (account,) = result.json()
    assert account["mask"] == "6877"  # ACCTID 1452687~7: last four digits only
    assert account["type"] == "checking"
    assert account["currency"] == "USD"
    assert account["balances"]["booked"]["amount"] == "100.99"
    assert account["balances"]["available"]["amount"] == "75.99"
    assert "1452687" not in result.stdout
    table = cli("accounts", "--customer", "bob")
    assert table.code == 0
    assert account["mask"] in table.stdout


def test_transactions_filter_by_booking_date(cli: Cli) -> None:
    relative = "mt940/mt940__jejik_abnamro.sta"  # entries booked on several days
    assert cli("ingest", str(fixture(relative)), "--customer", "alice").code == 0
    everything = cli.transactions()
    days = sorted({row["booking_date"] for row in everything})
    assert len(days) >= 2, "the sample must span more than one day for this test"
    only_last = cli.transactions("alice", "--since", days[-1], "--until", days[-1])
    assert only_last and all(row["booking_date"] == days[-1] for row in only_last)
    assert len(only_last) < len(everything)
    assert all(row["amount"] == str(row["amount"]) for row in everything)  # Decimal text


def test_a_bad_date_option_is_a_usage_error(sqlite_cli: Cli) -> None:
    result = sqlite_cli("transactions", "--customer", "alice", "--since", "last tuesday")
    assert result.code == 2
    assert "'last tuesday' is not a date in YYYY-MM-DD form" in result.stderr


def test_unknown_customer_is_a_clear_error(sqlite_cli: Cli) -> None:
    result = sqlite_cli("accounts", "--customer", "nobody")
    assert result.code == 1
    assert "Error:" in result.stderr and "nobody" in result.stderr
    assert "Traceback" not in result.stderr


BAD_FILES = {
    "unknown.txt": (
        b"Dear customer\nHere is your statement\nKind regards\n",
        "not a bank file format",
    ),
    "prose.csv": (b"Dear customer, here is your statement.\n" * 10, "no known CSV layout"),
    "empty.ofx": (b"", "empty"),
    "truncated.xml": (
        fixture("camt/viafintech__053_valid_example.xml").read_bytes()[:900],
        "truncated.xml",
    ),
    "bomb.xml": (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
        b"<BkToCstmrStmt>&lol2;</BkToCstmrStmt></Document>\n",
        "bomb.xml",
    ),
    "binary.sta": (bytes(range(256)) * 40, "binary.sta"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_fail_cleanly_and_write_nothing(cli: Cli, name: str) -> None:
    content, expected_text = BAD_FILES[name]
    path = cli.workdir / name
    path.write_bytes(content)
    good = fixture("fdx/transactions_checking.json")

    result = cli("ingest", str(path), "--customer", "alice")
    assert result.code == 1
    assert "Error:" in result.stderr
    assert expected_text in result.stderr
    assert "Traceback" not in result.stderr

    # The good file next to it is still ingested, and nothing of the bad one is kept.
    both = cli("ingest", str(path), str(good), "--customer", "alice", "--json")
    assert both.code == 1
    summary = both.json()
    assert [f["status"] for f in summary["files"]] == ["failed", "ok"]
    assert summary["transactions_added"] == expected_transactions("fdx/transactions_checking.json")
    assert len(cli.transactions()) == summary["transactions_added"]


def test_an_amount_too_large_to_hold_names_its_line_and_the_limit(cli: Cli) -> None:
    path = cli.workdir / "export.csv"
    path.write_text(
        "Date,Description,Amount\n2024-01-02,COFFEE,-3.50\n"
        "2024-01-03,TYPO,100000000000000000000.00\n"
    )
    result = cli("ingest", str(path), "--customer", "alice", "--currency", "USD")
    assert result.code == 1
    assert "export.csv: 1 bad entry, nothing was written" in result.stderr
    assert "line 3: amount: amount out of range: 100000000000000000000.00" in " ".join(
        result.stderr.split()
    )
    assert "9,999,999,999,999,999.99 USD at most" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    assert cli("accounts", "--customer", "alice").code == 1  # nothing was written

    skipped = cli("ingest", str(path), "--customer", "alice", "--currency", "USD", "--skip-bad")
    assert skipped.code == 0, skipped.stderr
    assert [t["amount"] for t in cli.transactions()] == ["-3.50"]


def test_missing_file_is_named(sqlite_cli: Cli) -> None:
    result = sqlite_cli("ingest", "no-such-statement.ofx", "--customer", "alice")
    assert result.code == 1
    assert "no-such-statement.ofx: no such file" in result.stderr


def test_unknown_format_option_lists_the_known_ones(sqlite_cli: Cli) -> None:
    path = fixture("ofx/ofxparse__checking.ofx")
    result = sqlite_cli("ingest", str(path), "--customer", "alice", "--format", "qif")
    assert result.code == 1
    assert "unknown format 'qif'" in result.stderr and "camt" in result.stderr


def test_forcing_the_wrong_format_fails_without_writing(cli: Cli) -> None:
    path = fixture("ofx/ofxparse__checking.ofx")
    result = cli("ingest", str(path), "--customer", "alice", "--format", "camt")
    assert result.code == 1
    assert "ofxparse__checking.ofx" in result.stderr
    assert cli("accounts", "--customer", "alice").code == 1  # no customer was created


def test_wrong_master_key_is_refused(cli: Cli) -> None:
    assert cli("ingest", str(fixture("ofx/ofxparse__checking.ofx")), "--customer", "a").code == 0
    other_key = cli.workdir / "other.key"
    other_key.write_text("00" * 32)
    result = cli("accounts", "--customer", "a", OPENTELLER_MASTER_KEY_FILE=str(other_key))
    assert result.code == 1
    assert "master key" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_master_key_says_how_to_get_one(sqlite_cli: Cli) -> None:
    result = sqlite_cli(
        "accounts",
        "--customer",
        "a",
        OPENTELLER_MASTER_KEY_FILE=str(sqlite_cli.workdir / "none.key"),
    )
    assert result.code == 1
    assert "no master key" in result.stderr and "openteller init" in result.stderr


def test_bad_settings_file_is_named(sqlite_cli: Cli) -> None:
    config = sqlite_cli.workdir / "openteller.toml"
    config.write_text("database_url = [1\n")
    result = sqlite_cli("accounts", "--customer", "a", OPENTELLER_CONFIG=str(config))
    assert result.code == 1
    assert "cannot read the settings file" in result.stderr and "openteller.toml" in result.stderr


def test_formats_lists_every_format_and_csv_presets(sqlite_cli: Cli) -> None:
    result = sqlite_cli("formats")
    assert result.code == 0
    for name in ("ofx", "camt", "mt940", "obie", "fdx", "csv"):
        assert name in result.stdout
    assert "CSV presets" in result.stdout
