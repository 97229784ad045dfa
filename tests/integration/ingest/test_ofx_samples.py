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


#: (FITID, TRNAMT, DTPOSTED date) as written in the file.
Tx = tuple[str, str, date]


@dataclass(frozen=True)
class Values:
    """Exact values read off each file: first ACCTID and CURDEF, first and last STMTTRN,
    and the first LEDGERBAL amount."""

    account: str
    currency: str
    first: Tx | None
    last: Tx | None
    booked: str


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
VALUES = {
    "actual__8859-1.qfx": Values(
        "999-12345-0055666-EOP",
        "CAD",
        ("wSoKuCS77", "-20.00", date(2022, 10, 19)),
        ("wSoKuCS77", "-20.00", date(2022, 10, 19)),
        "9999.99",
    ),
    "actual__utf-8.qfx": Values(
        "999-12345-0055666-EOP",
        "CAD",
        ("cafeUtf8xx", "-20.00", date(2022, 10, 19)),
        ("cafeUtf8xx", "-20.00", date(2022, 10, 19)),
        "9999.99",
    ),
    "beangulp__2013-12-03.bofa.ofx": Values(
        "379700001111222",
        "USD",
        ("320133250213757584", "-29", date(2013, 11, 21)),
        ("320133180114671752", "-22.55", date(2013, 11, 14)),
        "-2093.01",
    ),
    "beangulp__example.ofx": Values(
        "092243467384967",
        "USD",
        ("132124581254980455", "-75", date(2013, 12, 6)),
        ("149941491182603315", "-24", date(2013, 12, 15)),
        "-3609.07",
    ),
    "beangulp__ofxdownload.ofx": Values(
        "379700001111222",
        "USD",
        ("320133350353869664", "-9.99", date(2013, 12, 1)),
        ("320133500088330907", "-7", date(2013, 12, 16)),
        "-2356.38",
    ),
    "ledger-autosync__apostrophe.ofx": Values(
        "1452687~7",
        "USD",
        ("201409206", "-58.73", date(2014, 9, 20)),
        ("201409206", "-58.73", date(2014, 9, 20)),
        "100.99",
    ),
    "ledger-autosync__checking-payee-match.ofx": Values(
        "1452687~7",
        "USD",
        ("0000489", "-0.01", date(2011, 3, 31)),
        ("0000489", "-0.01", date(2011, 3, 31)),
        "100.99",
    ),
    "ledger-autosync__no-institution.ofx": Values(
        "1452687~7",
        "USD",
        ("0000486", "0.01", date(2011, 3, 31)),
        ("0000488", "-25.00", date(2011, 4, 7)),
        "100.99",
    ),
    "oca__test_ofx.ofx": Values(
        "123456",
        "USD",
        ("219378", "-80", date(2013, 8, 24)),
        ("219381", "-90", date(2013, 8, 24)),
        "2156.56",
    ),
    "ofxparse__anzcc.ofx": Values(
        "1234123412341234",
        "AUD",
        ("201705080001", "-5.50", date(2017, 5, 8)),
        ("201705080001", "-5.50", date(2017, 5, 8)),
        "-123.45",
    ),
    "ofxparse__bank_medium.ofx": Values(
        "12300 000012345678",
        "CAD",
        ("0000123456782009040100001", "-6.60", date(2009, 4, 1)),
        ("0000123456782009040300005", "-22.00", date(2009, 4, 3)),
        "382.34",
    ),
    "ofxparse__checking.ofx": Values(
        "1452687~7",
        "USD",
        ("0000486", "0.01", date(2011, 3, 31)),
        ("0000488", "-25.00", date(2011, 4, 7)),
        "100.99",
    ),
    "ofxparse__fail_nice__date_missing.ofx": Values("192639749", "USD", None, None, "0"),
    "ofxparse__fail_nice__decimal_error.ofx": Values("192639749", "CAD", None, None, "0"),
    "ofxparse__multiple_accounts.ofx": Values("9100", "USD", None, None, "111"),
    "ofxparse__suncorp.ofx": Values(
        "123456789",
        "AUD",
        ("1", "-16.85", date(2013, 12, 15)),
        ("1", "-16.85", date(2013, 12, 15)),
        "1234.12",
    ),
    "ofxtools__stmtrs.ofx": Values(
        "999988",
        "USD",
        ("00002", "-200.00", date(2005, 10, 4)),
        ("00003", "-300.00", date(2005, 10, 20)),
        "200.29",
    ),
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


@pytest.mark.parametrize("name", sorted(VALUES))
def test_sample_values(name: str) -> None:
    expected = VALUES[name]
    parsed = read_with(READER, sample(name))
    account = parsed.accounts[0]
    assert (account.identifier, account.currency) == (expected.account, expected.currency)
    if expected.first is not None and expected.last is not None:
        first, last = parsed.transactions[0], parsed.transactions[-1]
        for tx, (fitid, amount, posted) in ((first, expected.first), (last, expected.last)):
            assert (tx.bank_id, tx.amount, tx.booking_date) == (fitid, Decimal(amount), posted)
            assert tx.account_key == account.key and tx.currency == expected.currency
    booked = next(b for b in parsed.balances if b.kind is BalanceKind.BOOKED)
    assert booked.amount == Decimal(expected.booked)


def test_every_statement_sample_has_exact_values() -> None:
    assert {n for n, e in EXPECTED.items() if e.accounts} == set(VALUES)


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


@pytest.mark.parametrize(
    ("name", "account_type", "institution"),
    [
        ("beangulp__2013-12-03.bofa.ofx", AccountType.CREDIT_CARD, "AMEX"),
        ("ledger-autosync__apostrophe.ofx", AccountType.CHECKING, "FAKE"),
        ("ledger-autosync__no-institution.ofx", AccountType.CHECKING, ""),
        ("ofxtools__stmtrs.ofx", AccountType.CHECKING, "NCH"),
        ("ofxparse__suncorp.ofx", AccountType.CHECKING, "SUNCORP"),
    ],
)
def test_account_type_and_institution(
    name: str, account_type: AccountType, institution: str
) -> None:
    (account,) = read_with(READER, sample(name)).accounts
    assert (account.account_type, account.institution) == (account_type, institution)


def test_apostrophe_and_gmt_offset() -> None:
    (tx,) = read_with(READER, sample("ledger-autosync__apostrophe.ofx")).transactions
    assert tx.description == "TRADER JOE'S #541 QPS"
    assert (tx.booking_date, tx.transaction_type) == (date(2014, 9, 20), "PAYMENT")
