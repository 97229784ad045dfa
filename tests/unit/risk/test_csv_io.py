"""The handbook's CSV: read with errors naming file, line and column; written whole or
not at all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from openteller.domain.errors import IngestError
from openteller.risk.csv_io import read_transactions, write_scores, write_simulation
from openteller.risk.simulator import simulate

HEADER = "TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_FRAUD\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tx.csv"
    path.write_text(text)
    return path


def rejected(path: Path) -> str:
    with pytest.raises(IngestError) as caught:
        read_transactions(path)
    return str(caught.value)


def test_reads_rows_with_known_and_unknown_outcomes(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER + "7,2018-04-01 07:19:05,12,345,57.16,0\n8,2018-04-01T08:00:00,12,9,3.5,\n"
        "9,2018-04-02 00:00:00+02:00,1,9,300,1\n",
    )
    transactions, scenarios = read_transactions(path)
    assert scenarios is None
    assert [tx.fraud for tx in transactions] == [False, None, True]
    assert transactions[0].when == datetime(2018, 4, 1, 7, 19, 5)
    assert (transactions[0].customer_id, transactions[0].terminal_id) == ("12", "345")
    assert transactions[1].amount == 3.5


def test_header_case_is_free_and_a_file_to_score_may_leave_out_tx_fraud(
    tmp_path: Path,
) -> None:
    lower = write(tmp_path, HEADER.lower() + "7,2018-04-01 07:19:05,12,345,57.16,1\n")
    assert [tx.fraud for tx in read_transactions(lower)[0]] == [True]
    unlabelled = tmp_path / "unlabelled.csv"
    unlabelled.write_text(
        " Transaction_Id ,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT\n"
        "7,2018-04-01 07:19:05,12,345,57.16\n"
    )
    transactions, _ = read_transactions(unlabelled)
    assert [(tx.transaction_id, tx.fraud) for tx in transactions] == [("7", None)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TX_AMOUNT,TX_FRAUD\n1,2018-04-01,1,5,0\n",
            "tx.csv: line 1: missing column(s) TERMINAL_ID",
        ),
        (
            HEADER + "1,2018-04-01,1,2,5,0\n2,yesterday,1,2,5,0\n",
            "tx.csv: line 3: column TX_DATETIME: 'yesterday'",
        ),
        (HEADER + "1,2018-04-01,1,2,five,0\n", "tx.csv: line 2: column TX_AMOUNT: 'five'"),
        (HEADER + "1,2018-04-01,1,2,-5,0\n", "tx.csv: line 2: column TX_AMOUNT: '-5'"),
        (HEADER + "1,2018-04-01,1,2,5,maybe\n", "tx.csv: line 2: column TX_FRAUD: 'maybe'"),
        (
            HEADER + "1,2018-04-01,1,2,5,0\n1,2018-04-02,1,2,5,0\n",
            "tx.csv: line 3: column TRANSACTION_ID: '1' repeats line 2",
        ),
        (HEADER + "1,2018-04-01,1\n", "tx.csv: line 2: 3 fields, expected 6"),
        (HEADER, "tx.csv: no transactions"),
    ],
)
def test_a_bad_file_names_file_line_and_column(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in rejected(write(tmp_path, text))


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    assert "nothing.csv: no such file" in rejected(tmp_path / "nothing.csv")


def test_simulation_round_trip_keeps_scenarios(tmp_path: Path) -> None:
    simulation = simulate(n_customers=30, n_terminals=60, n_days=20, seed=2)
    path = tmp_path / "sim.csv"
    write_simulation(path, simulation)
    transactions, scenarios = read_transactions(path)
    assert scenarios is not None
    assert scenarios.tolist() == simulation.scenario.tolist()
    assert [tx.amount for tx in transactions] == pytest.approx(simulation.amount.tolist())
    assert [tx.when for tx in transactions] == simulation.datetimes()


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    def scores() -> Iterator[tuple[str, float]]:
        yield ("1", 0.5)
        raise RuntimeError("disk full")

    target = tmp_path / "scores.csv"
    with pytest.raises(RuntimeError):
        write_scores(target, scores())
    assert list(tmp_path.iterdir()) == []
    write_scores(target, [("1", 0.25), ("2", 1.0)])
    assert target.read_text() == "TRANSACTION_ID,SCORE\n1,0.250000\n2,1.000000\n"
