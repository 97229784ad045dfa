"""FDX reader on small inline inputs (hand-written from the public FDX field definitions)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from openteller.domain.accounts import AccountType
from openteller.domain.errors import IngestError
from openteller.domain.transactions import TransactionStatus
from openteller.ingest.fdx import FdxReader
from openteller.ingest.json_input import lone_surrogate_at
from openteller.ingest.records import Severity
from tests.samples import Parsed, read_bytes_with

READER = FdxReader()


def _tx(**fields: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "accountId": "A1",
        "transactionId": "T",
        "postedTimestamp": "2024-05-01T12:00:00Z",
        "description": "SHOP",
        "debitCreditMemo": "DEBIT",
        "status": "POSTED",
        "amount": 10.5,
    }
    entry.update(fields)
    return {"depositTransaction": {k: v for k, v in entry.items() if v is not None}}


def _read(document: object) -> Parsed:
    return read_bytes_with(READER, json.dumps(document).encode(), "fdx.json")


def test_missing_amount_names_entry_and_field() -> None:
    parsed = _read({"transactions": [_tx(), _tx(amount=None), _tx()]})
    assert len(parsed.transactions) == 2
    (problem,) = parsed.problems
    assert problem.position.element == "$.transactions[1].depositTransaction"
    assert problem.field == "amount"
    assert problem.describe() == (
        "fdx.json: element $.transactions[1].depositTransaction: amount: missing"
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"debitCreditMemo": "OUT"}, "debitCreditMemo"),
        ({"amount": "12,50"}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": {"value": 1}}, "amount"),
        ({"postedTimestamp": None}, "postedTimestamp"),
        ({"postedTimestamp": "yesterday"}, "postedTimestamp"),
        ({"accountId": None}, "accountId"),
    ],
)
def test_bad_fields_become_problems(fields: dict[str, object], field: str) -> None:
    parsed = _read({"transactions": [_tx(**fields)]})
    assert parsed.transactions == []
    assert [(p.field, p.severity) for p in parsed.problems] == [(field, Severity.ERROR)]


def test_signs_status_and_string_amounts() -> None:
    parsed = _read(
        {
            "transactions": [
                _tx(amount="12.50", debitCreditMemo="CREDIT"),
                _tx(amount=-3, debitCreditMemo="DEBIT"),
                _tx(
                    amount=4,
                    debitCreditMemo="MEMO",
                    status="MEMO",
                    postedTimestamp=None,
                    transactionTimestamp="2024-05-02T08:00:00Z",
                ),
                _tx(amount=-7.25, debitCreditMemo=None, status=None),
                _tx(status="SETTLED"),
            ]
        }
    )
    amounts = [t.amount for t in parsed.transactions]
    assert amounts == [
        Decimal("12.50"),
        Decimal("-3"),
        Decimal("-4"),
        Decimal("-7.25"),
        Decimal("-10.5"),
    ]
    statuses = [t.status for t in parsed.transactions]
    assert statuses[2] is TransactionStatus.PENDING
    assert statuses[3] is TransactionStatus.BOOKED and statuses[4] is TransactionStatus.BOOKED
    assert [(p.field, p.severity) for p in parsed.problems] == [("status", Severity.WARNING)]


def test_transactions_without_account_id_use_the_only_account_and_its_currency() -> None:
    parsed = _read(
        {
            "accounts": [
                {"depositAccount": {"accountId": "EU1", "currency": {"currencyCode": "EUR"}}}
            ],
            "transactions": [_tx(accountId=None)],
        }
    )
    assert [a.key for a in parsed.accounts] == ["EU1"]
    assert [(t.account_key, t.currency) for t in parsed.transactions] == [("EU1", "EUR")]


def test_top_level_array_and_wrapper_variants() -> None:
    parsed = _read(
        [
            {"lineOfCredit": {"accountId": "L1", "accountType": "LINEOFCREDIT"}},
            {
                "investmentAccount": {
                    "accountId": "I1",
                    "accountType": "BROKERAGE",
                    "balanceAsOf": "2024-01-01",
                    "currentValue": 100,
                }
            },
            {
                "locTransaction": {
                    "accountId": "L1",
                    "transactionId": "x",
                    "amount": 5,
                    "debitCreditMemo": "DEBIT",
                    "postedTimestamp": "2024-01-02",
                }
            },
            {"investmentTransaction": {"accountId": "I1", "transactionId": "y", "amount": 1}},
        ]
    )
    assert [(a.key, a.account_type) for a in parsed.accounts] == [
        ("L1", AccountType.LOAN),
        ("I1", AccountType.OTHER),
    ]
    assert parsed.balances == []
    assert [t.amount for t in parsed.transactions] == [Decimal("-5")]
    assert [(p.position.element, p.severity) for p in parsed.problems] == [
        ("$[3].investmentTransaction", Severity.WARNING)
    ]


def test_balances_without_as_of_are_skipped_with_a_warning() -> None:
    parsed = _read({"accounts": [{"depositAccount": {"accountId": "D", "currentBalance": 1}}]})
    assert len(parsed.accounts) == 1 and parsed.balances == []
    assert [(p.field, p.severity) for p in parsed.problems] == [("balanceAsOf", Severity.WARNING)]


def test_account_bad_currency_and_unknown_item() -> None:
    parsed = _read(
        {
            "accounts": [
                {"depositAccount": {"accountId": "D", "currency": {"currencyCode": "$"}}},
                {"something": 1, "else": 2},
            ]
        }
    )
    assert parsed.accounts == []
    assert [(p.field, p.position.element) for p in parsed.problems] == [
        ("currency.currencyCode", "$.accounts[0].depositAccount"),
        ("", "$.accounts[1]"),
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b'{"transactions": [\n {"depositTransaction": {"amount": 1.0,,}}]}',
            ["bad.json", "line 2, column", "field 'amount'", "invalid JSON"],
        ),
        (
            b'{"transactions": [{"depositTransaction": {"description": "caf\xc3',
            ["bad.json", "line 1, column", "encoding"],
        ),
        (
            b'{"code": 701, "message": "Account not found"}',
            ["bad.json", "element $", "accounts", "701: Account not found"],
        ),
        (b'"just a string"', ["bad.json", "element $", "accounts"]),
        (
            b'{"transactions": [{"depositTransaction": {"amount": Infinity}}]}',
            ["bad.json", "line 1, column 53", "field 'amount'", "not a JSON number"],
        ),
        (
            b'{"transactions": [{"depositTransaction": {"description": "caf\\udc80 "}}]}',
            ["bad.json", "$.transactions[0].depositTransaction.description", "lone UTF-16"],
        ),
        (
            b'{"transactions": [{"\\ud800": 1}]}',
            ["bad.json", "$.transactions[0] (a key)", "surrogate"],
        ),
    ],
)
def test_unreadable_files_raise_ingest_error(data: bytes, expected: list[str]) -> None:
    with pytest.raises(IngestError) as caught:
        read_bytes_with(READER, data, "bad.json")
    for part in expected:
        assert part in str(caught.value)


def test_whole_characters_escaped_as_pairs_are_read() -> None:
    """json.dumps escapes the emoji as a surrogate pair; the backslash text stays text."""
    document = {"transactions": [_tx(description="COFFEE \U0001f600 \\ud800")]}
    assert "\\ud83d\\ude00" in json.dumps(document)
    parsed = _read(document)
    assert parsed.transactions[0].description == "COFFEE \U0001f600 \\ud800"


def test_a_lone_surrogate_is_found_at_any_depth_and_in_document_order() -> None:
    deep: object = "\ud800"
    for _level in range(5000):
        deep = [deep]
    assert lone_surrogate_at({"ok": "fine", "deep": deep}) == "$.deep" + "[0]" * 5000
    assert lone_surrogate_at({"a": ["x", "\udc00"], "b": "\ud800"}) == "$.a[1]"
    assert lone_surrogate_at({"a": ["x", "\U0001f600"], "b": 1}) is None


def test_sniff() -> None:
    fdx = b'{"transactions": [{"depositTransaction": {"debitCreditMemo": "DEBIT"}}]}'
    assert READER.sniff(fdx, "t.json") >= 0.9
    assert READER.sniff(b'{"accounts": [{"accountId": "1"}]}', "a.json") == 0.5
    assert READER.sniff(b'{"Data": {"Transaction": [{"AccountId": "1"}]}}', "o.json") == 0
    assert READER.sniff(b"<OFX>", "x.ofx") == 0
    assert READER.sniff(b"\x00\x01\x02", "x") == 0
