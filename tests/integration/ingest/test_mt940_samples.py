"""The MT940/MT942 reader on every real sample in ../shared/samples/mt940.

MIT/BSD/Apache files are copied into tests/fixtures/mt940; the AGPL ones (OCA) are read
from ../shared only. Transaction counts are the number of ``:61:`` lines in each file and
balance counts the number of ``:62F:``/``:62M:``/``:64:`` lines (``grep`` is the truth).
Snippet files from parser test suites that hold no complete statement are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from openteller.domain.errors import IngestError
from openteller.domain.transactions import TransactionStatus
from openteller.ingest.mt940 import Mt940Reader
from openteller.ingest.records import Severity
from tests.samples import fixture, read_with, shared_sample

READER = Mt940Reader()


def sample(name: str) -> Path:
    if name.startswith("oca__"):
        return shared_sample(f"mt940/{name}")
    return fixture(f"mt940/{name}")


@dataclass(frozen=True)
class Expected:
    accounts: int
    transactions: int
    balances: int
    errors: int = 0
    warnings: int = 0


EXPECTED = {
    "mt940__ASNB_0708271685_09022020_164516.sta": Expected(1, 8, 31),
    "mt940__betterplace_sepa_mt9401.sta": Expected(20, 97, 46),
    "mt940__betterplace_sepa_snippet.sta": Expected(2, 11, 4),
    "mt940__cmxl_mt940.sta": Expected(3, 16, 3),
    "mt940__jejik_abnamro.sta": Expected(1, 10, 2),
    "mt940__jejik_generic.sta": Expected(1, 2, 2),
    "mt940__jejik_ing.sta": Expected(1, 7, 1),
    "mt940__jejik_knab.sta": Expected(1, 3, 2),
    "mt940__jejik_postfinance.sta": Expected(1, 4, 2),
    "mt940__jejik_rabobank-iban.sta": Expected(1, 4, 2),
    "mt940__jejik_rabobank.sta": Expected(2, 5, 4),
    "mt940__jejik_sns.sta": Expected(1, 2, 2),
    "mt940__jejik_triodos.sta": Expected(1, 2, 1),
    "mt940__mBank_mt940.sta": Expected(1, 3, 2),
    "mt940__self-provided_details_60-63.sta": Expected(1, 1, 1),
    # A parser-test snippet whose second statement stops after its entries.
    "mt940__self-provided_gv_codes.sta": Expected(1, 2, 0, errors=1),
    "mt940__self-provided_raphaelm.sta": Expected(2, 9, 3),
    # Its one entry has value date 16-02-30, which does not exist.
    "mt940__self-provided_transaction_details_wrapped.sta": Expected(1, 0, 1, errors=1),
    "oca__test-ing.940": Expected(1, 8, 2),
    "oca__test-rabo.swi": Expected(1, 2, 4),
    "oca__test-sns.940": Expected(1, 8, 2, warnings=1),
    "php-mt940__abn_sample.sta": Expected(2, 5, 4),
    "php-mt940__asn_sample.sta": Expected(1, 3, 7),
    "php-mt940__bunq_sample.sta": Expected(1, 111, 1),
    "php-mt940__hsbc_sample.sta": Expected(1, 1, 2),
    "php-mt940__ing_sample.sta": Expected(1, 7, 1),
    "php-mt940__kbs_sample.sta": Expected(1, 3, 1),
    "php-mt940__knab_sample.sta": Expected(1, 5, 1),
    "php-mt940__kontist_sample.sta": Expected(1, 6, 1),
    "php-mt940__penta_sample.sta": Expected(1, 30, 1),
    "php-mt940__rabo_sample3.sta": Expected(1, 12, 2),
    # Not in ../shared: the Rabobank file the mt-940 package reads 1 entry of (PROVENANCE).
    "php-mt940__rabo_sample.sta": Expected(11, 39, 43),
    "php-mt940__spk_sample.sta": Expected(1, 10, 4),
    "php-mt940__triodos_sample.sta": Expected(2, 8, 2),
}
#: Fragments from parser test suites: no :20: statement header, so not a statement.
FRAGMENTS = {
    "mt940__betterplace_amount_formats.sta": ":60F: before any :20: statement header",
    "mt940__betterplace_currency_in_25.sta": ":25: before any :20: statement header",
    "mt940__cmxl_account_balance_debit.sta": ":60F: before any :20: statement header",
    "mt940__cmxl_available_balance.sta": ":64: before any :20: statement header",
    "mt940__cmxl_statement_line.sta": ":61: before any :20: statement header",
    "mt940__self-provided_sparkassen.sta": ":61: before any :20: statement header",
}


def test_every_sample_is_covered() -> None:
    shared = Path(__file__).resolve().parents[3].parent / "shared" / "samples" / "mt940"
    if shared.is_dir():
        extra = {"php-mt940__rabo_sample.sta"}  # a fixture only, see PROVENANCE.md
        assert {p.name for p in shared.iterdir()} == (set(EXPECTED) - extra) | set(FRAGMENTS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_counts(name: str) -> None:
    expected = EXPECTED[name]
    parsed = read_with(READER, sample(name))
    assert len(parsed.accounts) == expected.accounts
    assert len(parsed.transactions) == expected.transactions
    assert len(parsed.balances) == expected.balances
    assert sum(p.severity is Severity.ERROR for p in parsed.problems) == expected.errors
    assert sum(p.severity is Severity.WARNING for p in parsed.problems) == expected.warnings
    keys = {a.key for a in parsed.accounts}
    assert all(t.account_key in keys for t in parsed.transactions)


@pytest.mark.parametrize("name", sorted(FRAGMENTS))
def test_fragments_are_refused_with_the_reason(name: str) -> None:
    with pytest.raises(IngestError, match=rf"^{name}: line 1: {FRAGMENTS[name]}"):
        read_with(READER, sample(name))


def test_rabobank_repeated_details_lines_and_currency_in_account() -> None:
    parsed = read_with(READER, sample("mt940__jejik_rabobank.sta"))
    assert parsed.accounts[0].identifier == "1291.99.348"
    assert parsed.accounts[0].currency == "EUR"
    first = parsed.transactions[0]
    assert (first.amount, first.booking_date) == (Decimal("-1213.28"), date(2011, 5, 27))
    assert first.description == (
        "Terugboeking NIET AKKOORD MET AFSCHRIJVING KOSTEN KINDEROPVANG JUNI 20095731"
    )
    assert parsed.balances[0].amount == Decimal("395.82")


def test_german_structured_details() -> None:
    parsed = read_with(READER, sample("mt940__betterplace_sepa_snippet.sta"))
    first = parsed.transactions[0]
    assert first.amount == Decimal("50990.05")
    assert (first.value_date, first.booking_date) == (date(2007, 9, 7), date(2007, 9, 4))
    assert first.bank_id == "0724710333343453"
    assert first.counterparty == "KARL KAUFMANN"
    assert first.description == "GUTSCHRIFT Verw CTSc-01 BC-PPP TFNr 22 004"
    assert first.transaction_type == "NTRF"


def test_dutch_structured_details() -> None:
    parsed = read_with(READER, sample("php-mt940__bunq_sample.sta"))
    shop = parsed.transactions[2]
    assert (shop.amount, shop.counterparty) == (Decimal("-34.5"), "www.thomann.de")
    assert "Burgebrach" in shop.description
    assert parsed.accounts[0].identifier == "NL10BUNQ2290325473"


def test_swift_blocks_and_supplementary_detail_lines() -> None:
    parsed = read_with(READER, sample("mt940__ASNB_0708271685_09022020_164516.sta"))
    assert parsed.accounts[0].identifier == "NL81ASNB9999999999"
    assert parsed.transactions[0].amount == Decimal("-65.00")
    assert "Betaling sieraden" in parsed.transactions[0].description


def test_dash_lines_inside_details_are_text() -> None:
    parsed = read_with(READER, sample("oca__test-ing.940"))
    assert len(parsed.transactions) == 8
    assert parsed.transactions[2].counterparty == "J.Janssen"


def test_entries_are_booked_in_a_statement() -> None:
    parsed = read_with(READER, sample("mt940__jejik_ing.sta"))
    assert {t.status for t in parsed.transactions} == {TransactionStatus.BOOKED}


def test_rabobank_decimal_points_and_all_39_entries() -> None:
    parsed = read_with(READER, sample("php-mt940__rabo_sample.sta"))
    assert len(parsed.transactions) == 39
    first = parsed.transactions[0]
    # ":61:030109C000000000300.00NMSC170059286": a decimal point, not SWIFT's comma.
    assert (first.amount, first.transaction_type) == (Decimal("300.00"), "NMSC")
    assert first.reference == "170059286"
    assert parsed.balances[0].amount == Decimal("2145.00")  # ":62F:C030107EUR000000002145.00"
