"""The handbook's CSV layout: read transactions, write scores and simulations.

Input columns (any order, any letter case, others ignored): ``TRANSACTION_ID,
TX_DATETIME, CUSTOMER_ID, TERMINAL_ID, TX_AMOUNT, TX_FRAUD``; ``TX_FRAUD`` is 0 or 1, or
empty when the outcome is not known (a file to score may leave the column out: no outcome
known); ``TX_FRAUD_SCENARIO`` (0-3) is read when present. ``TX_DATETIME`` is ISO 8601
(``2018-04-01 07:19:05``; without an offset it is UTC).

A bad file raises :class:`~openteller.risk.records.RiskInputError` naming the file, the
line and the column. Output is written to a temporary file in the target's folder and
renamed over it when complete: a failure leaves no half-written file.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TextIO

import numpy as np
from numpy.typing import NDArray

from openteller.risk.records import RiskInputError, RiskTransaction
from openteller.risk.simulator import Simulation

COLUMNS = ("TRANSACTION_ID", "TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT", "TX_FRAUD")
SCENARIO = "TX_FRAUD_SCENARIO"
_FRAUD = {"0": False, "1": True, "0.0": False, "1.0": True, "false": False, "true": True}


def read_transactions(
    path: Path,
) -> tuple[list[RiskTransaction], NDArray[np.int8] | None]:
    """The file's transactions in file order, and its fraud scenarios when it has them."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return _read(handle, str(path))
    except FileNotFoundError as exc:
        raise RiskInputError(f"{path}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise RiskInputError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except csv.Error as exc:
        raise RiskInputError(f"{path}: not a CSV file ({exc})") from exc


def _read(handle: TextIO, name: str) -> tuple[list[RiskTransaction], NDArray[np.int8] | None]:
    rows = csv.reader(handle)
    header = [column.strip().upper() for column in next(rows, [])]
    missing = [column for column in COLUMNS[:-1] if column not in header]
    if missing or not header:
        absent = missing if header else list(COLUMNS)
        raise RiskInputError(f"{name}: line 1: missing column(s) {', '.join(absent)}")
    where = {column: header.index(column) for column in (*COLUMNS, SCENARIO) if column in header}
    i_id, i_when, i_customer, i_terminal, i_amount = (where[c] for c in COLUMNS[:-1])
    i_fraud = where.get("TX_FRAUD")
    i_scenario = where.get(SCENARIO)
    transactions: list[RiskTransaction] = []
    scenarios: list[int] = []
    first_line: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        if not row:
            continue
        if len(row) < len(header):
            raise RiskInputError(f"{name}: line {line}: {len(row)} fields, expected {len(header)}")
        tx_id = row[i_id].strip()
        if not tx_id:
            raise RiskInputError(f"{name}: line {line}: column TRANSACTION_ID: empty")
        if tx_id in first_line:
            raise RiskInputError(
                f"{name}: line {line}: column TRANSACTION_ID: {tx_id!r} repeats line "
                f"{first_line[tx_id]}"
            )
        first_line[tx_id] = line
        transactions.append(
            RiskTransaction(
                tx_id,
                _when(row[i_when], name, line),
                row[i_customer].strip(),
                row[i_terminal].strip(),
                _amount(row[i_amount], name, line),
                None if i_fraud is None else _fraud(row[i_fraud], name, line),
            )
        )
        if i_scenario is not None:
            scenarios.append(_scenario(row[i_scenario], name, line))
    if not transactions:
        raise RiskInputError(f"{name}: no transactions after the header")
    return transactions, (np.array(scenarios, dtype=np.int8) if i_scenario is not None else None)


def _when(text: str, name: str, line: int) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise RiskInputError(
            f"{name}: line {line}: column TX_DATETIME: {text!r} is not a date-time like "
            "2018-04-01 07:19:05"
        ) from None


def _amount(text: str, name: str, line: int) -> float:
    try:
        amount = float(text)
    except ValueError:
        amount = float("nan")
    if not np.isfinite(amount) or amount < 0:
        raise RiskInputError(
            f"{name}: line {line}: column TX_AMOUNT: {text!r} is not a non-negative number"
        )
    return amount


def _fraud(text: str, name: str, line: int) -> bool | None:
    value = text.strip().lower()
    if not value:
        return None
    if value not in _FRAUD:
        raise RiskInputError(f"{name}: line {line}: column TX_FRAUD: {text!r} is not 0, 1 or empty")
    return _FRAUD[value]


def _scenario(text: str, name: str, line: int) -> int:
    if text.strip() not in {"0", "1", "2", "3"}:
        raise RiskInputError(f"{name}: line {line}: column {SCENARIO}: {text!r} is not 0-3")
    return int(text)


@contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """A text file that replaces ``path`` only once written completely."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
            yield out
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_scores(path: Path, scores: Iterable[tuple[str, float]]) -> None:
    """``TRANSACTION_ID, SCORE`` rows (score: probability of fraud, 6 decimals)."""
    with atomic_text(path) as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("TRANSACTION_ID", "SCORE"))
        writer.writerows((tx_id, f"{score:.6f}") for tx_id, score in scores)


def write_simulation(path: Path, simulation: Simulation) -> None:
    """The handbook's columns plus ``TX_FRAUD_SCENARIO``, one row per transaction."""
    with atomic_text(path) as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow((*COLUMNS, SCENARIO))
        for i, when in enumerate(simulation.datetimes()):
            writer.writerow(
                (
                    i,
                    when.isoformat(sep=" "),
                    int(simulation.customer[i]),
                    int(simulation.terminal[i]),
                    f"{simulation.amount[i]:.2f}",
                    int(simulation.fraud[i]),
                    int(simulation.scenario[i]),
                )
            )
