"""Open Banking UK reader on small inline inputs: mapping rules and bad input."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from openteller.domain.accounts import AccountType, mask
from openteller.domain.errors import IngestError
from openteller.domain.transactions import TransactionStatus
from openteller.ingest.open_banking import OpenBankingReader
from openteller.ingest.records import Severity
from tests.samples import Parsed, read_bytes_with

READER = OpenBankingReader()


def _tx(**fields: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "AccountId": "A1",
        "TransactionId": "T",
        "Amount": {"Amount": "1.00", "Currency": "GBP"},
        "CreditDebitIndicator": "Debit",
        "Status": "Booked",
        "BookingDateTime": "2024-01-02T10:00:00+00:00",
    }
    entry.update(fields)
    return {k: v for k, v in entry.items() if v is not None}


def _read_transactions(*entries: dict[str, object]) -> Parsed:
    body = json.dumps({"Data": {"Transaction": list(entries)}}).encode()
    return read_bytes_with(READER, body, "tx.json")


def test_debit_is_negative_and_fields_are_mapped() -> None:
    parsed = _read_transactions(
        _tx(
            TransactionId="T1",
            Amount={"Amount": "12.34", "Currency": "GBP"},
            Status="Pending",
            TransactionInformation="CARD PAYMENT TO COFFEE CO",
            MerchantDetails={"MerchantName": "Coffee Co", "MerchantCategoryCode": "5814"},
            CreditorAccount={"Name": "COFFEE CO LTD"},
            ProprietaryBankTransactionCode={"Code": "POS", "Issuer": "Bank"},
        ),
        _tx(
            TransactionId="T2",
            CreditDebitIndicator="Credit",
            Amount={"Amount": "1500", "Currency": "GBP"},
            DebtorAccount={"Name": "EMPLOYER PLC"},
            ValueDateTime="2024-01-03",
        ),
    )
    assert not parsed.problems
    assert [a.key for a in parsed.accounts] == ["A1"]  # first sight, once
    coffee, salary = parsed.transactions
    assert coffee.amount == Decimal("-12.34")
    assert coffee.status is TransactionStatus.PENDING
    assert (coffee.merchant_hint, coffee.mcc) == ("Coffee Co", "5814")
    assert coffee.counterparty == "COFFEE CO LTD"
    assert coffee.description == "CARD PAYMENT TO COFFEE CO"
    assert coffee.transaction_type == "POS"
    assert coffee.value_date is None
    assert salary.amount == Decimal("1500")
    assert salary.counterparty == "EMPLOYER PLC"
    assert salary.description == "EMPLOYER PLC"  # no TransactionInformation
    assert salary.value_date == date(2024, 1, 3)


def test_indicator_decides_the_sign_even_when_the_amount_has_one() -> None:
    parsed = _read_transactions(_tx(Amount={"Amount": "-5.00", "Currency": "GBP"}))
    assert parsed.transactions[0].amount == Decimal("-5.00")
    parsed = _read_transactions(
        _tx(CreditDebitIndicator="Credit", Amount={"Amount": "-5.00", "Currency": "GBP"})
    )
    assert parsed.transactions[0].amount == Decimal("5.00")


def test_numeric_amount_stays_exact_decimal() -> None:
    body = (
        b'{"Data": {"Transaction": [{"AccountId": "A1", "Amount": {"Amount": 0.1, '
        b'"Currency": "GBP"}, "CreditDebitIndicator": "Credit", '
        b'"BookingDateTime": "2024-01-02T10:00:00Z"}]}}'
    )
    tx = read_bytes_with(READER, body).transactions[0]
    assert tx.amount == Decimal("0.1") and isinstance(tx.amount, Decimal)
    assert tx.status is TransactionStatus.BOOKED  # Status absent


def test_missing_amount_is_a_problem_naming_entry_and_field() -> None:
    parsed = _read_transactions(_tx(), _tx(), _tx(), _tx(Amount=None), _tx())
    assert len(parsed.transactions) == 4
    (problem,) = parsed.problems
    assert problem.position.element == "$.Data.Transaction[3]"
    assert problem.field == "Amount"
    assert problem.severity is Severity.ERROR
    assert problem.describe() == "tx.json: element $.Data.Transaction[3]: Amount: missing"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"CreditDebitIndicator": "Debet"}, "CreditDebitIndicator"),
        ({"CreditDebitIndicator": None}, "CreditDebitIndicator"),
        ({"Amount": {"Amount": "1,00", "Currency": "GBP"}}, "Amount.Amount"),
        ({"Amount": {"Amount": True, "Currency": "GBP"}}, "Amount.Amount"),
        ({"Amount": {"Amount": "1.00", "Currency": "pounds"}}, "Amount.Currency"),
        ({"Amount": "1.00"}, "Amount"),
        ({"BookingDateTime": "05/04/2017"}, "BookingDateTime"),
        ({"BookingDateTime": None}, "BookingDateTime"),
        ({"AccountId": None}, "AccountId"),
    ],
)
def test_bad_fields_become_problems(fields: dict[str, object], field: str) -> None:
    parsed = _read_transactions(_tx(), _tx(**fields))
    assert len(parsed.transactions) == 1
    assert [(p.field, p.position.element) for p in parsed.problems] == [
        (field, "$.Data.Transaction[1]")
    ]


def test_rejected_and_unknown_status_are_warnings() -> None:
    parsed = _read_transactions(_tx(Status="Rejected"), _tx(Status="Settled"))
    assert len(parsed.transactions) == 1
    assert parsed.transactions[0].status is TransactionStatus.BOOKED
    assert [(p.field, p.severity) for p in parsed.problems] == [
        ("Status", Severity.WARNING),
        ("Status", Severity.WARNING),
    ]


def test_card_account_with_pan_and_namespaced_codes() -> None:
    body = json.dumps(
        {
            "Data": {
                "Account": [
                    {
                        "AccountId": "C9",
                        "Currency": "GBP",
                        "AccountType": "UK.OBIE.Personal",
                        "AccountSubType": "CreditCard",
                        "Account": {
                            "SchemeName": "UK.OBIE.PAN",
                            "Identification": "5409********1234",
                        },
                    },
                    {"AccountId": "S1", "Currency": "EUR", "AccountSubType": "Savings"},
                    {"AccountId": "M1", "Currency": "GBP", "AccountSubType": "Mortgage"},
                ],
                "Balance": [
                    {
                        "AccountId": "C9",
                        "Amount": {"Amount": "250.10", "Currency": "GBP"},
                        "CreditDebitIndicator": "Debit",
                        "Type": "UK.OBIE.ClosingBooked",
                        "DateTime": "2024-02-01T00:00:00Z",
                    },
                    {
                        "AccountId": "C9",
                        "Amount": {"Amount": "9.99", "Currency": "GBP"},
                        "CreditDebitIndicator": "Credit",
                        "Type": "OpeningBooked",
                        "DateTime": "2024-02-01T00:00:00Z",
                    },
                ],
            }
        }
    ).encode()
    parsed = read_bytes_with(READER, body)
    card, savings, mortgage = parsed.accounts
    assert card.account_type is AccountType.CREDIT_CARD and mask(card.identifier) == "1234"
    assert (savings.account_type, savings.currency) == (AccountType.SAVINGS, "EUR")
    assert mortgage.account_type is AccountType.LOAN
    assert [b.amount for b in parsed.balances] == [Decimal("-250.10")]  # opening skipped
    assert not parsed.problems


def test_balance_without_datetime_is_a_problem() -> None:
    body = (
        b'{"Data": {"Balance": {"AccountId": "A", "Amount": {"Amount": "1", "Currency": "GBP"},'
        b' "CreditDebitIndicator": "Credit", "Type": "InterimBooked"}}}'
    )
    parsed = read_bytes_with(READER, body)
    assert parsed.balances == [] and parsed.accounts == []
    assert [(p.field, p.position.element) for p in parsed.problems] == [
        ("DateTime", "$.Data.Balance")
    ]


def test_entry_that_is_not_an_object() -> None:
    parsed = read_bytes_with(READER, b'{"Data": {"Transaction": ["oops"]}}')
    assert [(p.field, p.position.element) for p in parsed.problems] == [
        ("Transaction", "$.Data.Transaction[0]")
    ]


def test_empty_data_is_a_warning() -> None:
    parsed = read_bytes_with(READER, b'{"Data": {}, "Links": {}, "Meta": {}}')
    assert [p.severity for p in parsed.problems] == [Severity.WARNING]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # truncated: the error names the line/column and the last field before it
        (
            b'{"Data": {"Transaction": [\n  {"AccountId": "A1",\n   "Amount": {"Amount": "1',
            ["bad.json", "line 3, column", "field 'Amount'", "invalid JSON"],
        ),
        (
            b'{"Data": {\n "Balance": [\n  {"AccountId": "A1" "Type": "X"}]}}',
            ["bad.json", "line 3, column 22", "field 'AccountId'", "Expecting ','"],
        ),
        (
            b'{"Data": {\n"Transaction": [\n{"TransactionInformation": "Caf\xe9"}]}}',
            ["bad.json", "line 3, column 32", "encoding", "0xe9"],
        ),
        (
            b'{"Data": {"Transaction": [{"Amount": {"Amount": NaN}}]}}',
            ["bad.json", "line 1, column 49", "field 'Amount'", "not a JSON number"],
        ),
        (b"[" * 100_000 + b"]" * 100_000, ["bad.json", "line 1", "nested too deeply"]),
        (b"", ["bad.json", "line 1", "empty file"]),
        (b"[1, 2]", ["bad.json", "element $", "Data", "expected a JSON object"]),
        (b'{"accounts": []}', ["bad.json", "element $", "Data", "no Data object"]),
    ],
)
def test_unreadable_files_raise_ingest_error(data: bytes, expected: list[str]) -> None:
    with pytest.raises(IngestError) as caught:
        read_bytes_with(READER, data, "bad.json")
    for part in expected:
        assert part in str(caught.value)


def test_utf16_with_bom_is_accepted() -> None:
    text = '{"Data": {"Account": [{"AccountId": "Ü1", "Currency": "GBP", "Nickname": "Café"}]}}'
    parsed = read_bytes_with(READER, text.encode("utf-16"))
    assert parsed.accounts[0].display_name == "Café"


def test_sniff() -> None:
    obie = b'{\n  "Data": {\n    "Transaction": [\n      {\n        "AccountId": "22289",'
    assert READER.sniff(obie, "x.json") >= 0.9
    assert READER.sniff(b"\xef\xbb\xbf" + obie, "x") >= 0.9
    assert READER.sniff(b'{"accounts": [{"depositAccount": {"accountId": "1"}}]}', "f") == 0
    assert READER.sniff(b"OFXHEADER:100\nDATA:OFXSGML", "x.ofx") == 0
    assert READER.sniff(b"Date,Amount\n", "x.csv") == 0
    assert READER.sniff(b"\xff\xfe\x00garbage\x00\x00", "x") == 0
    assert READER.sniff(b"", "x") == 0


def test_huge_integer_is_refused_with_its_position() -> None:
    data = b'{"Data": {"Balance": [{"Amount": {"Amount": ' + b"9" * 5000 + b"}}]}}"
    with pytest.raises(IngestError, match=r"^big\.json: line 1, column 45, field 'Amount'"):
        read_bytes_with(READER, data, "big.json")


def test_documents_over_the_size_limit_are_refused() -> None:
    import io

    from openteller.ingest.json_input import load_document

    assert load_document(io.BytesIO(b'{"a": 1}'), "ok.json", max_bytes=8) == {"a": 1}
    with pytest.raises(IngestError, match=r"^big\.json: byte 8: document: larger than 8 bytes"):
        load_document(io.BytesIO(b'{"a": 10}'), "big.json", max_bytes=8)
