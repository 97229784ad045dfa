"""Merchant and category per prepared transaction, remembered per file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from openteller.categorise.categoriser import Categoriser
from openteller.ingest.records import ParsedTransaction
from openteller.services.ingest_enrichment import MerchantsAndCategories, prepare

DESCRIPTORS = [
    "STARBUCKS STORE 12 SEATTLE WA",
    "STARBUCKS STORE 34 SEATTLE WA",
    "STARBUCKS STORE 123 SEATTLE WA",
    "SHELL OIL 57442 OAKLAND CA",
    "AMZN Mktp US*2K4L19A3",
    "TESCO3297 LONDON",
    "CAFÉ ١٢٣ PARIS",  # digits outside ASCII are not digits to the cache keys
    "NETFLIX.COM 866-579-7172",
    "PAYROLL ACME CORP 0042",
]


def _prepared(description: str, amount: str) -> object:
    return prepare(
        ParsedTransaction(
            account_key="a",
            booking_date=date(2026, 11, 2),
            amount=Decimal(amount),
            currency="USD",
            description=description,
        )
    )


def test_remembered_answers_are_the_ones_worked_out_afresh() -> None:
    remembered = MerchantsAndCategories(Categoriser())
    for _round in range(2):
        for description in DESCRIPTORS:
            for amount in ("-4.50", "120.00"):
                item = _prepared(description, amount)
                afresh = MerchantsAndCategories(Categoriser()).of(item)  # type: ignore[arg-type]
                assert remembered.of(item) == afresh, description  # type: ignore[arg-type]


def test_descriptors_differing_in_digits_share_what_is_remembered() -> None:
    remembered = MerchantsAndCategories(Categoriser())
    results = {remembered.of(_prepared(d, "-4.50")) for d in DESCRIPTORS[:3]}  # type: ignore[arg-type]
    assert len(results) == 1 and next(iter(results))[0] == "Starbucks"
    keys = [key[0] for key in remembered._remembered]
    assert sum(isinstance(k, bytes) for k in keys) == 2  # "STORE 12" and "STORE 34" are one
    assert sum(isinstance(k, str) for k in keys) == 1  # and "STORE 123" collapses to it
