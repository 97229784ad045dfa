"""`openteller risk simulate | train | score | evaluate`, each call a real process."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.integration.cli.conftest import Cli


@pytest.fixture
def risk_cli(tmp_path: Path) -> Cli:
    """The risk commands touch no database: no `init` needed."""
    return Cli(tmp_path, f"sqlite:///{tmp_path}/unused.db")


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_simulate_train_score_round_trip(risk_cli: Cli, tmp_path: Path) -> None:
    simulated = risk_cli(
        "risk",
        "simulate",
        "--output",
        "tx.csv",
        "--customers",
        "150",
        "--terminals",
        "300",
        "--days",
        "50",
        "--seed",
        "1",
    )
    assert simulated.code == 0, simulated.stderr
    assert "Wrote" in simulated.stdout
    transactions = rows(tmp_path / "tx.csv")
    assert list(transactions[0]) == [
        "TRANSACTION_ID",
        "TX_DATETIME",
        "CUSTOMER_ID",
        "TERMINAL_ID",
        "TX_AMOUNT",
        "TX_FRAUD",
        "TX_FRAUD_SCENARIO",
    ]
    trained = risk_cli("risk", "train", "--input", "tx.csv", "--output", "model.npz")
    assert trained.code == 0, trained.stderr
    assert "Trained on" in trained.stdout and "frauds" in trained.stdout
    # outcomes known only for the first half: the rest are scored with TX_FRAUD empty
    half = len(transactions) // 2
    with (tmp_path / "new.csv").open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(transactions[0]))
        writer.writeheader()
        for i, row in enumerate(reversed(transactions)):  # any order: replayed by time
            writer.writerow({**row, "TX_FRAUD": row["TX_FRAUD"] if i >= half else ""})
    scored = risk_cli(
        "risk", "score", "--model", "model.npz", "--input", "new.csv", "--output", "scores.csv"
    )
    assert scored.code == 0, scored.stderr
    scores = rows(tmp_path / "scores.csv")
    assert [r["TRANSACTION_ID"] for r in scores] == [
        r["TRANSACTION_ID"] for r in reversed(transactions)
    ]
    by_id = {r["TRANSACTION_ID"]: float(r["SCORE"]) for r in scores}
    assert all(0 <= s <= 1 for s in by_id.values())
    fraud = [by_id[r["TRANSACTION_ID"]] for r in transactions if r["TX_FRAUD"] == "1"]
    genuine = [by_id[r["TRANSACTION_ID"]] for r in transactions if r["TX_FRAUD"] == "0"]
    assert sum(fraud) / len(fraud) > 3 * sum(genuine) / len(genuine)


def test_bad_files_give_a_clear_error_and_no_output(risk_cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_text(
        "TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_FRAUD\n"
        "1,2018-04-01 10:00:00,1,1,12.50,0\n2,2018-04-01 11:00:00,1,1,abc,0\n"
    )
    trained = risk_cli("risk", "train", "--input", "bad.csv", "--output", "model.npz")
    assert trained.code == 1
    assert "Error: bad.csv: line 3: column TX_AMOUNT: 'abc'" in trained.stderr
    assert "Traceback" not in trained.stderr
    (tmp_path / "model.npz").write_text("not a model")
    scored = risk_cli(
        "risk", "score", "--model", "model.npz", "--input", "bad.csv", "--output", "scores.csv"
    )
    assert scored.code == 1
    assert "model.npz: not a risk model file" in scored.stderr
    missing = risk_cli("risk", "evaluate", "--input", "missing.csv")
    assert missing.code == 1 and "missing.csv: no such file" in missing.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "model.npz"]


def test_every_risk_command_has_an_example(risk_cli: Cli) -> None:
    for command in ("simulate", "train", "score", "evaluate"):
        result = risk_cli("risk", command, "--help")
        assert result.code == 0
        assert "Example: openteller risk " + command in result.stdout
