"""A seeded generator of realistic synthetic transactions, for the demo and benchmarks.

Merchant descriptors imitate what card networks and banks really print (processor
prefixes, store numbers, city and state), with the merchant's real MCC, so that
normalisation and categorisation are exercised as on real data. The same seed always
gives the same ledger.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

#: (descriptor template, MCC, typical amount, spread). ``{n}`` is a store number,
#: ``{city}`` a city/state.
MERCHANTS: tuple[tuple[str, str, str, str], ...] = (
    ("STARBUCKS STORE {n} {city}", "5814", "5.40", "2.00"),
    ("SQ *BLUE BOTTLE COFFEE {city}", "5814", "6.10", "1.50"),
    ("DUNKIN #{n} {city}", "5814", "4.20", "1.50"),
    ("MCDONALD'S F{n} {city}", "5814", "9.80", "4.00"),
    ("CHIPOTLE {n} {city}", "5814", "12.40", "3.00"),
    ("WHOLEFDS MKT {n} {city}", "5411", "64.00", "40.00"),
    ("TRADER JOE'S #{n} {city}", "5411", "48.00", "25.00"),
    ("KROGER #{n} {city}", "5411", "72.00", "45.00"),
    ("SAFEWAY {n} {city}", "5411", "55.00", "30.00"),
    ("SHELL OIL {n} {city}", "5541", "45.00", "15.00"),
    ("CHEVRON {n} {city}", "5542", "50.00", "15.00"),
    ("UBER *TRIP HELP.UBER.COM", "4121", "18.00", "10.00"),
    ("LYFT *RIDE {city}", "4121", "16.00", "8.00"),
    ("AMZN Mktp US*{ref}", "5942", "35.00", "30.00"),
    ("TARGET {n} {city}", "5310", "42.00", "30.00"),
    ("OLIVE GARDEN {n} {city}", "5812", "58.00", "20.00"),
    ("TST* THE LOCAL BISTRO {city}", "5812", "46.00", "20.00"),
    ("CVS/PHARMACY #{n} {city}", "5912", "21.00", "12.00"),
    ("AMC THEATRES {n} {city}", "7832", "24.00", "8.00"),
    ("DELTA AIR {ref}", "3058", "380.00", "150.00"),
    ("MARRIOTT {city}", "3509", "210.00", "80.00"),
)

#: Flights and hotels.
TRAVEL_MCCS = frozenset({"3058", "3509"})

SUBSCRIPTIONS: tuple[tuple[str, str, str], ...] = (
    ("NETFLIX.COM", "4899", "15.49"),
    ("Spotify USA", "5815", "10.99"),
    ("PLANET FITNESS", "7997", "24.99"),
)

BILLS: tuple[tuple[str, str, str], ...] = (
    ("PG&E WEB ONLINE", "4900", "96.00"),
    ("COMCAST CABLE", "4899", "79.99"),
    ("STATE FARM INSURANCE", "6300", "112.00"),
)

CITIES = ("SAN FRANCISCO CA", "OAKLAND CA", "BERKELEY CA", "SEATTLE WA", "PORTLAND OR")


@dataclass(frozen=True, slots=True)
class SyntheticTransaction:
    """One generated transaction."""

    fitid: str
    booking_date: date
    amount: Decimal
    description: str
    mcc: str
    trntype: str


def _money(rng: random.Random, typical: str, spread: str) -> Decimal:
    value = Decimal(typical) + Decimal(rng.randint(-100, 100)) * Decimal(spread) / 100
    return max(value, Decimal("1.00")).quantize(Decimal("0.01"))


def generate(
    seed: int,
    start: date,
    count: int | None = None,
    prefix: str = "T",
    until: date | None = None,
    *,
    salary_and_rent: bool = True,
    subscriptions: bool = True,
    purchases_per_day: tuple[int, int] = (2, 6),
    trips_per_year: int | None = None,
) -> Iterator[SyntheticTransaction]:
    """Yield ``count`` transactions from ``start`` on (or every day's up to ``until``),
    about five a day, in date order. ``salary_and_rent`` (with the monthly bills) and
    ``subscriptions`` split what a checking account and a card each carry;
    ``purchases_per_day`` bounds the card purchases of a day, and ``trips_per_year`` (when
    given) makes flights and hotels that rare instead of as common as any merchant.

    Salary on the 1st and 15th, rent on the 1st, subscriptions and bills monthly, card
    purchases otherwise, an occasional refund. Streams: constant memory for any count.
    """
    rng = random.Random(seed)
    day = start
    produced = 0
    serial = 0

    def make(amount: Decimal, description: str, mcc: str, trntype: str) -> SyntheticTransaction:
        nonlocal serial
        serial += 1
        return SyntheticTransaction(f"{prefix}{serial:09d}", day, amount, description, mcc, trntype)

    if count is None and until is None:
        raise ValueError("generate needs a count or an until date")
    limit = count if count is not None else sys.maxsize
    while produced < limit and (until is None or day <= until):
        scheduled: list[SyntheticTransaction] = []
        if salary_and_rent and day.day in (1, 15):
            scheduled.append(
                make(Decimal("3250.00"), "ACME CORP PAYROLL PPD ID: 9876543210", "", "DIRECTDEP")
            )
        if salary_and_rent and day.day == 1:
            scheduled.append(
                make(Decimal("-2100.00"), "RENT PAYMENT PINE ST APARTMENTS", "", "DEBIT")
            )
        if subscriptions and day.day in (3, 9, 20):
            name, mcc, amount = SUBSCRIPTIONS[(day.day // 7) % len(SUBSCRIPTIONS)]
            scheduled.append(make(-Decimal(amount), name, mcc, "DEBIT"))
        if salary_and_rent and day.day == 12:
            for name, mcc, amount in BILLS:
                scheduled.append(make(-Decimal(amount), name, mcc, "DEBIT"))
        for _ in range(rng.randint(*purchases_per_day)):
            template, mcc, typical, spread = MERCHANTS[rng.randrange(len(MERCHANTS))]
            if trips_per_year is not None and mcc in TRAVEL_MCCS:
                per_day = trips_per_year / 365 / (sum(purchases_per_day) / 2)
                if rng.random() > per_day * len(MERCHANTS) / len(TRAVEL_MCCS):
                    template, mcc, typical, spread = MERCHANTS[0]  # a coffee instead
            description = template.format(
                n=rng.randint(100, 9999),
                city=CITIES[rng.randrange(len(CITIES))],
                ref=f"{rng.randrange(36**8):08X}",
            )
            spent = -_money(rng, typical, spread)
            scheduled.append(make(spent, description, mcc, "POS"))
            if rng.random() < 0.01:
                scheduled.append(make(-spent, description, mcc, "CREDIT"))
        for item in scheduled:
            if produced >= limit:
                return
            produced += 1
            yield item
        day += timedelta(days=1)


def household_moves(
    start: date,
    until: date,
    card_purchases: Iterator[SyntheticTransaction] | list[SyntheticTransaction],
    *,
    checking_mask: str,
    savings_mask: str,
    card_mask: str,
    monthly_saving: Decimal = Decimal("500.00"),
    savings_opening: Decimal = Decimal("8000.00"),
) -> tuple[list[SyntheticTransaction], list[SyntheticTransaction], list[SyntheticTransaction]]:
    """Money moved between one customer's own accounts: (checking side, savings side,
    card side), each in date order.

    A standing transfer of ``monthly_saving`` from checking to savings on the 2nd, the
    savings account's interest (4% a year) on the last day of each month, and on the 25th
    the card's previous month paid in full from checking ("PAYMENT TO CREDIT CARD ..." on
    checking, "PAYMENT THANK YOU" on the card). Only masked numbers appear, as banks print
    them. The savings account's closing balance is the opening balance plus every move,
    so ``sum`` of the savings side plus ``savings_opening`` is its balance.
    """
    owed: dict[tuple[int, int], Decimal] = {}
    for purchase in card_purchases:
        month = (purchase.booking_date.year, purchase.booking_date.month)
        owed[month] = owed.get(month, Decimal(0)) - purchase.amount
    checking: list[SyntheticTransaction] = []
    savings: list[SyntheticTransaction] = []
    card: list[SyntheticTransaction] = []
    balance = savings_opening
    day = start
    serial = 0

    def make(amount: Decimal, description: str, trntype: str, prefix: str) -> SyntheticTransaction:
        nonlocal serial
        serial += 1
        return SyntheticTransaction(f"{prefix}{serial:09d}", day, amount, description, "", trntype)

    while day <= until:
        if day.day == 2:
            checking.append(
                make(
                    -monthly_saving, f"ONLINE TRANSFER TO SAVINGS XXXXXX{savings_mask}", "XFER", "M"
                )
            )
            savings.append(
                make(
                    monthly_saving,
                    f"ONLINE TRANSFER FROM CHECKING XXXXXX{checking_mask}",
                    "XFER",
                    "S",
                )
            )
            balance += monthly_saving
        if day.day == 25:
            previous = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
            due = owed.get(previous, Decimal(0)).quantize(Decimal("0.01"))
            if due > 0:
                checking.append(
                    make(-due, f"PAYMENT TO CREDIT CARD XXXX{card_mask}", "PAYMENT", "M")
                )
                card.append(make(due, "PAYMENT THANK YOU", "PAYMENT", "P"))
        if (day + timedelta(days=1)).day == 1:
            interest = (balance * Decimal("0.04") / 12).quantize(Decimal("0.01"))
            savings.append(make(interest, "INTEREST PAYMENT", "INT", "S"))
            balance += interest
        day += timedelta(days=1)
    return checking, savings, card
