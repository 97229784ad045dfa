"""The OFX reader on every real OFX/QFX sample in ../shared/samples/ofx.

MIT-licensed files are copied into tests/fixtures/ofx; GPL/AGPL ones (ofxtools,
ledger-autosync, beangulp, OCA) are read from ../shared only. Counts were taken from the
files themselves (one <STMTTRN> per transaction, LEDGERBAL/AVAILBAL per statement).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from openteller.domain.accounts import AccountType, BalanceKind
from openteller.domain.errors import IngestError
from openteller.ingest.ofx import OfxReader
from openteller.ingest.records import Severity
from tests.samples import Parsed, fixture, read_with, shared_sample

READER = OfxReader()
PERMISSIVE = ("ofxparse__", "actual__")


def sample(name: str) -> Path:
    if name.startswith(PERMISSIVE):
        return fixture(f"ofx/{name}")
    return shared_sample(f"ofx/{name}")


@dataclass(frozen=True)
class Expected:
    accounts: int
    transactions: int
    balances: int
    errors: int = 0
    warning: str = ""


EXPECTED = {
    "actual__8859-1.qfx": Expected(1, 1, 2),
    "actual__utf-8.qfx": Expected(1, 1, 2),
    "beangulp__2013-12-03.bofa.ofx": Expected(1, 27, 1),
    "beangulp__example.ofx": Expected(1, 17, 1),
    "beangulp__example.qfx": Expected(0, 0, 0, warning="investment statement"),
    "beangulp__ofxdownload.ofx": Expected(1, 12, 1),
    "ledger-autosync__apostrophe.ofx": Expected(1, 1, 2),
    "ledger-autosync__checking-payee-match.ofx": Expected(1, 1, 2),
    "ledger-autosync__no-institution.ofx": Expected(1, 3, 2),
    "oca__test_ofx.ofx": Expected(2, 4, 2),
    "ofxparse__account_listing_aggregation.ofx": Expected(0, 0, 0, warning="account list"),
    "ofxparse__anzcc.ofx": Expected(1, 1, 2),
    "ofxparse__bank_medium.ofx": Expected(1, 3, 2),
    "ofxparse__checking.ofx": Expected(1, 3, 2),
    "ofxparse__fail_nice__date_missing.ofx": Expected(1, 0, 1, errors=3),
    "ofxparse__fail_nice__decimal_error.ofx": Expected(1, 0, 1, errors=1),
    "ofxparse__fidelity-savings.ofx": Expected(0, 0, 0, warning="investment statement"),
    "ofxparse__investment_medium.ofx": Expected(0, 0, 0, warning="investment statement"),
    "ofxparse__multiple_accounts.ofx": Expected(2, 0, 2),
    "ofxparse__signon_success.ofx": Expected(0, 0, 0, warning="sign-on response only"),
    "ofxparse__suncorp.ofx": Expected(1, 1, 2),
    "ofxtools__invstmtrs.ofx": Expected(0, 0, 0, warning="investment statement"),
    "ofxtools__stmtrs.ofx": Expected(1, 2, 2),
}
FAILING = {
    "ofxparse__error_message.ofx": r"line 22: element STATUS in STMTTRNRS: the bank returned "
    r"an error \(code 2000: General Server Error\)",
    "ofxparse__signon_fail.ofx": r"line 11: element STATUS in SONRS: sign-on failed \(code 15500",
}


def test_every_sample_is_covered() -> None:
    shared = Path(__file__).resolve().parents[3].parent / "shared" / "samples" / "ofx"
    if shared.is_dir():
        assert {p.name for p in shared.iterdir()} == set(EXPECTED) | set(FAILING)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_counts(name: str) -> None:
    expected = EXPECTED[name]
    parsed = read_with(READER, sample(name))
    errors = [p for p in parsed.problems if p.severity is Severity.ERROR]
    warnings = [p for p in parsed.problems if p.severity is Severity.WARNING]
    assert len(parsed.accounts) == expected.accounts
    assert len(parsed.transactions) == expected.transactions
    assert len(parsed.balances) == expected.balances
    assert len(errors) == expected.errors
    if expected.warning:
        assert len(warnings) == 1 and expected.warning in warnings[0].message
    else:
        assert not warnings
    _accounts_come_first(parsed)


def _accounts_come_first(parsed: Parsed) -> None:
    declared: set[str] = set()
    for record in parsed.records:
        if hasattr(record, "identifier"):
            declared.add(record.key)  # type: ignore[union-attr]
        elif hasattr(record, "account_key"):
            assert record.account_key in declared  # type: ignore[union-attr]


@pytest.mark.parametrize("name", sorted(FAILING))
def test_bank_error_responses_fail_with_code_and_message(name: str) -> None:
    with pytest.raises(IngestError, match=rf"^{name}: {FAILING[name]}"):
        read_with(READER, sample(name))


def test_checking_sgml_values() -> None:
    parsed = read_with(READER, sample("ofxparse__checking.ofx"))
    (account,) = parsed.accounts
    assert (account.identifier, account.account_type, account.currency) == (
        "1452687~7",
        AccountType.CHECKING,
        "USD",
    )
    first, second, third = parsed.transactions
    assert (first.bank_id, first.amount, first.booking_date) == (
        "0000486",
        Decimal("0.01"),
        date(2011, 3, 31),
    )
    # NAME is cut at 32 characters; MEMO repeats it in full, so MEMO is the description.
    assert first.description.startswith("DIVIDEND EARNED FOR PERIOD OF 03/01/2011 THROUGH")
    assert (second.amount, second.transaction_type) == (Decimal("-34.51"), "DEBIT")
    assert (third.reference, third.transaction_type) == ("319", "CHECK")
    booked, available = parsed.balances
    assert (booked.kind, booked.amount) == (BalanceKind.BOOKED, Decimal("100.99"))
    assert (available.kind, available.amount) == (BalanceKind.AVAILABLE, Decimal("75.99"))


def test_credit_card_xml_statement() -> None:
    parsed = read_with(READER, sample("ofxparse__anzcc.ofx"))
    (account,) = parsed.accounts
    assert account.account_type is AccountType.CREDIT_CARD
    assert account.currency == "AUD"


def test_bank_and_card_statements_in_one_file() -> None:
    parsed = read_with(READER, sample("oca__test_ofx.ofx"))
    assert [a.account_type for a in parsed.accounts] == [
        AccountType.CHECKING,
        AccountType.CREDIT_CARD,
    ]
    assert [t.amount for t in parsed.transactions] == [
        Decimal("-80"),
        Decimal("-90"),
        Decimal("-100"),
        Decimal("-90"),
    ]
    assert parsed.balances[1].amount == Decimal("-562.00")


def test_charsets_declared_in_the_header() -> None:
    latin = read_with(READER, sample("actual__8859-1.qfx")).transactions[0]
    assert latin.description == "Paiement facture/Carte prépayée PWW"
    utf8 = read_with(READER, sample("actual__utf-8.qfx")).transactions[0]
    assert utf8.description == "Café Métro €uro Paiement 5€ — débit"


def test_cdata_and_date_only_fields() -> None:
    (tx,) = read_with(READER, sample("ofxparse__suncorp.ofx")).transactions
    assert tx.booking_date == date(2013, 12, 15)
    assert tx.amount == Decimal("-16.85")
    assert "HANDYWAY ALDI STORE" in tx.description and "  " not in tx.description


def test_bad_entries_name_line_element_and_field() -> None:
    parsed = read_with(READER, sample("ofxparse__fail_nice__decimal_error.ofx"))
    (problem,) = parsed.problems
    assert problem.describe() == (
        "ofxparse__fail_nice__decimal_error.ofx: line 34, element STMTTRN: TRNAMT: "
        "not an amount: '$120'"
    )
    missing = read_with(READER, sample("ofxparse__fail_nice__date_missing.ofx")).problems
    assert [(p.position.line, p.field, p.message) for p in missing] == [
        (33, "DTPOSTED", "missing"),
        (40, "DTPOSTED", "missing"),
        (48, "DTPOSTED", "not an OFX date: '20120231'"),
    ]


def test_long_single_line_files() -> None:
    parsed = read_with(READER, sample("beangulp__ofxdownload.ofx"))
    assert all(t.bank_id for t in parsed.transactions)
    assert len({t.bank_id for t in parsed.transactions}) == 12
