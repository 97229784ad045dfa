"""Fraud risk commands: simulate the handbook's data, train, score, evaluate.

Registered on the main ``openteller`` command by :func:`register`; errors are rendered by
``openteller.cli.main`` like every other command's. See docs/risk.md.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from openteller.risk import csv_io, protocol
from openteller.risk.model import RiskModel
from openteller.risk.records import DAY, RiskError, to_micros
from openteller.risk.report import to_markdown
from openteller.risk.scorer import RiskScorer, in_time_order, replay_features
from openteller.risk.simulator import START, simulate

risk_cli = typer.Typer(
    help="Fraud risk scores of card transactions (gradient-boosted trees over streaming "
    "customer and terminal features; see docs/risk.md).\n\n"
    "Example: openteller risk simulate --output tx.csv --customers 500 --terminals 1000",
    no_args_is_help=True,
)


@risk_cli.command("simulate")
def risk_simulate(
    output: Annotated[Path, typer.Option(help="CSV file to write.")],
    customers: Annotated[int, typer.Option(help="Number of customers (cards).")] = 5_000,
    terminals: Annotated[int, typer.Option(help="Number of terminals.")] = 10_000,
    days: Annotated[int, typer.Option(help="Number of days from --start.")] = 183,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD.")] = START.date().isoformat(),
) -> None:
    """Simulate card transactions with the handbook's three fraud scenarios and write
    them as the handbook's CSV (with TX_FRAUD_SCENARIO).

    Example: openteller risk simulate --output tx.csv --customers 500 --terminals 1000 --days 60
    """
    first = datetime.combine(_date(start, "--start"), datetime.min.time())
    try:
        simulation = simulate(customers, terminals, days, first, seed)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    csv_io.write_simulation(output, simulation)
    typer.echo(
        f"Wrote {len(simulation):,} transactions ({int(simulation.fraud.sum()):,} frauds) "
        f"over {days} days from {first.date()} to {output}."
    )


@risk_cli.command("train")
def risk_train(
    input: Annotated[Path, typer.Option(help="Labelled transactions, the handbook's CSV.")],
    output: Annotated[Path, typer.Option(help="Model file to write (.npz).")],
    warmup_days: Annotated[
        int, typer.Option(help="Days at the start used only to build up the features.")
    ] = 37,
    seed: Annotated[int, typer.Option(help="Random seed of the trees.")] = 0,
) -> None:
    """Train a model on the labelled transactions after the warm-up days (features from
    one streaming pass, labels counting once 7 days old).

    Example: openteller risk train --input tx.csv --output risk-model.npz
    """
    transactions = in_time_order(csv_io.read_transactions(input)[0])
    matrix = replay_features(transactions)
    begin = to_micros(transactions[0].when) + warmup_days * DAY
    rows = [
        i
        for i, tx in enumerate(transactions)
        if tx.fraud is not None and to_micros(tx.when) >= begin
    ]
    if not rows:
        raise RiskError(f"{input}: no labelled transaction after the {warmup_days} warm-up days")
    labels = [bool(transactions[i].fraud) for i in rows]
    first, last = transactions[rows[0]].when, transactions[rows[-1]].when
    model = RiskModel.train(
        matrix[rows],
        labels,
        seed=seed,
        info={"source": input.name, "from": str(first), "to": str(last)},
    )
    model.save(output)
    typer.echo(
        f"Trained on {len(rows):,} transactions ({sum(labels):,} frauds) from {first} to {last} "
        f"({len(transactions) - len(rows):,} warm-up or unlabelled rows used for features only), "
        f"{len(model.features)} features, {len(model.roots)} trees; wrote {output}."
    )


@risk_cli.command("score")
def risk_score(
    model: Annotated[Path, typer.Option(help="Model file from `openteller risk train`.")],
    input: Annotated[Path, typer.Option(help="Transactions, the handbook's CSV.")],
    output: Annotated[Path, typer.Option(help="CSV of TRANSACTION_ID, SCORE to write.")],
) -> None:
    """Score every transaction of a file, replayed in time order; outcomes known in
    TX_FRAUD count once 7 days old. Rows are written in the input's order.

    Example: openteller risk score --model risk-model.npz --input tx.csv --output scores.csv
    """
    trained = RiskModel.load(model)
    transactions = csv_io.read_transactions(input)[0]
    scores = dict(RiskScorer(trained).replay(transactions))
    csv_io.write_scores(
        output, ((tx.transaction_id, scores[tx.transaction_id]) for tx in transactions)
    )
    typer.echo(f"Scored {len(transactions):,} transactions; wrote {output}.")


@risk_cli.command("evaluate")
def risk_evaluate(
    input: Annotated[Path, typer.Option(help="Labelled transactions (e.g. `risk simulate`).")],
    train_start: Annotated[
        str, typer.Option(help="First day of the training week, YYYY-MM-DD.")
    ] = protocol.TRAIN_START.isoformat(),
    seed: Annotated[int, typer.Option(help="Random seed of the models.")] = 0,
    book_models: Annotated[
        bool, typer.Option("--book-models", help="Also the book's logistic regression and forest.")
    ] = False,
    output: Annotated[Path | None, typer.Option(help="Also write the table as Markdown.")] = None,
) -> None:
    """Run the handbook's protocol (train one week, skip 7 days, test the next week) and
    print AUC ROC, average precision and card precision@100, per fraud scenario too.

    Example: openteller risk evaluate --input tx.csv --book-models --output results.md
    """
    first = _date(train_start, "--train-start")
    transactions, scenarios = csv_io.read_transactions(input)
    order = sorted(range(len(transactions)), key=lambda i: to_micros(transactions[i].when))
    ordered = [transactions[i] for i in order]
    report = protocol.run(
        ordered, None if scenarios is None else scenarios[order], first, seed, book_models
    )
    text = to_markdown(report)
    if output is not None:
        with csv_io.atomic_text(output) as out:
            out.write(text)
    typer.echo(text, nl=False)


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{text!r} is not a date in YYYY-MM-DD form", param_hint=option
        ) from exc


def register(cli: typer.Typer) -> None:
    cli.add_typer(risk_cli, name="risk")
