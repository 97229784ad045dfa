"""``openteller ingest`` with the second process forced on, from the installed entry point."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openteller.demo.files import write_csv
from openteller.demo.generator import generate
from tests.integration.cli.conftest import Cli

ALWAYS = {"OPENTELLER_INGEST_SECOND_PROCESS_FROM_BYTES": "0"}
NEVER = {"OPENTELLER_INGEST_SECOND_PROCESS": "false"}


def test_a_file_ingested_by_two_processes_lists_as_in_one(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    write_csv(path, generate(5, date(2024, 3, 1), 6000))
    two = cli("ingest", str(path), "--customer", "two", "--json", **ALWAYS)
    one = cli("ingest", str(path), "--customer", "one", "--json", **NEVER)
    assert two.code == 0, two.stderr
    assert two.json()["transactions_added"] == 6000
    assert {k: v for k, v in two.json().items() if k != "files"} == {
        k: v for k, v in one.json().items() if k != "files"
    }

    def listed(customer: str) -> list[tuple[object, ...]]:
        return sorted(
            (t["booking_date"], t["amount"], t["description"], t["merchant"], t["category"])
            for t in cli.transactions(customer)
        )

    assert listed("two") == listed("one")
    again = cli("ingest", str(path), "--customer", "two", "--json", **ALWAYS).json()
    assert (again["transactions_added"], again["duplicates_skipped"]) == (0, 6000)


def test_a_bad_row_found_by_the_second_process_names_its_line_and_writes_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    rows = [
        f"2024-04-{1 + i % 28:02d},CARD PAYMENT TESCO STORES {i},-{i % 90 + 1}.10"
        for i in range(3000)
    ]
    rows[2100] = "2024-04-09,CARD PAYMENT TESCO STORES,twelve pounds"
    path.write_text("Date,Description,Amount\n" + "\n".join(rows) + "\n")
    result = cli("ingest", str(path), "--customer", "alice", "--currency", "GBP", **ALWAYS)
    assert result.code == 1
    assert "export.csv: 1 bad entry, nothing was written" in result.stderr
    assert "line 2102" in result.stderr
    assert "twelve pounds" in result.stderr
    nothing = cli("accounts", "--customer", "alice", "--json")
    assert nothing.code == 1
    assert "no customer 'alice'" in nothing.stderr
