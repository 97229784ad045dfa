"""``openteller demo``: a fresh local bank with synthetic customers, ready to explore."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from openteller.bootstrap import App
from openteller.demo.files import write_ofx
from openteller.demo.generator import SyntheticTransaction, generate, household_moves
from openteller.demo.live import train_demo_model
from openteller.ingest.registry import build_readers
from openteller.privacy.keys import write_key_file
from openteller.services.ingest import FileReport
from openteller.settings import Settings

#: (customer id, seed, checking account number, card number, savings account number)
DEMO_CUSTOMERS = (
    ("alice", 11, "100200300401", "4111111111111111", "100200300501"),
    ("bob", 22, "100200300402", "5555555555554444", "100200300502"),
    ("carol", 33, "100200300403", "378282246310005", "100200300503"),
)
#: What each savings account held two years ago.
SAVINGS_OPENING = Decimal("8000.00")


@dataclass(frozen=True, slots=True)
class DemoResult:
    directory: Path
    settings: Settings
    reports: list[FileReport]


#: A plausible household: a purchase or two a day on each account, a few trips a year.
EVERYDAY: dict[str, Any] = {"purchases_per_day": (0, 2), "trips_per_year": 4}


def _booked(transaction: SyntheticTransaction) -> date:
    return transaction.booking_date


def build_demo(directory: Path, today: date, days: int = 730) -> DemoResult:
    """Create ``directory`` with a master key, a SQLite database and ingested statements."""
    directory.mkdir(parents=True, exist_ok=True)
    database = directory / "openteller.db"
    key_file = directory / "openteller.key"
    for stale in (
        database,
        directory / "openteller.db-wal",
        directory / "openteller.db-shm",
        directory / "openteller.keys.db",
        directory / "openteller.keys.db-wal",
        directory / "openteller.keys.db-shm",
        key_file,
    ):
        stale.unlink(missing_ok=True)
    write_key_file(key_file)
    settings = Settings(
        database_url=f"sqlite:///{database}",
        master_key=None,
        master_key_file=key_file,
        bank_id="demo",
        bank_name="OpenTeller Demo Bank",
    )
    app = App(settings)
    reports: list[FileReport] = []
    files = directory / "statements"
    files.mkdir(exist_ok=True)
    start = today - timedelta(days=days)
    try:
        app.init()
        readers = build_readers()
        for customer, seed, checking, card, savings in DEMO_CUSTOMERS:
            checking_file = files / f"{customer}-checking.ofx"
            card_file = files / f"{customer}-card.ofx"
            savings_file = files / f"{customer}-savings.ofx"
            purchases = list(
                generate(
                    seed + 1, start, prefix="V", until=today, salary_and_rent=False, **EVERYDAY
                )
            )
            to_checking, to_savings, to_card = household_moves(
                start,
                today,
                purchases,
                checking_mask=checking[-4:],
                savings_mask=savings[-4:],
                card_mask=card[-4:],
                savings_opening=SAVINGS_OPENING,
            )
            write_ofx(
                checking_file,
                heapq.merge(
                    generate(seed, start, prefix="C", until=today, subscriptions=False, **EVERYDAY),
                    to_checking,
                    key=_booked,
                ),
                account=checking,
                closing_balance="4321.09",
            )
            write_ofx(
                card_file,
                heapq.merge(purchases, to_card, key=_booked),
                account=card,
                account_type="CREDITCARD",
                closing_balance="-612.40",
            )
            write_ofx(
                savings_file,
                to_savings,
                account=savings,
                account_type="SAVINGS",
                closing_balance=str(SAVINGS_OPENING + sum(t.amount for t in to_savings)),
            )
            for path in (checking_file, card_file, savings_file):
                reports.append(app.ingest.ingest_file(path, customer, readers))
        app.atms.load_bytes(
            resources.files("openteller.demo").joinpath("atms.csv").read_bytes(), "demo ATMs"
        )
        train_demo_model(directory)
        # Alice linked Messenger: a consent for her own questions, balances and spending.
        if all(r.status == "ok" for r in reports):
            app.consents.grant(
                "alice",
                channel="messenger",
                purposes=["customer_questions", "fraud_alerts"],
                scopes=["accounts", "balances", "transactions", "fraud_alerts"],
                days=90,
                actor="demo",
            )
    finally:
        app.close()
    return DemoResult(directory, settings, reports)
