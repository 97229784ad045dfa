"""UK Open Banking Read/Write API v3.1 reader (Account and Transaction API, AISP responses).

Reads the JSON body of ``GET /accounts``, ``/balances``, ``/transactions`` and
``/statements`` responses (bulk or for one account; ``Data.<Resource>`` may be an array or,
as some examples show, a lone object). API responses are paged and small, so the whole
document is loaded (:func:`openteller.ingest.json_input.load_document`, at most 64 MiB)
rather than streamed. Code values are matched with or without their ``UK.OBIE.`` prefix.

Mapping:

* ``Data.Account[]`` (OBAccount6) -> :class:`ParsedAccount`: ``AccountId`` is the key;
  ``Account[].Identification`` (SortCodeAccountNumber, IBAN, PAN...; the first one) is the
  identifier, else ``AccountId`` (basic permission); ``AccountSubType`` CurrentAccount ->
  checking, Savings -> savings, CreditCard/ChargeCard -> credit card, Loan/Mortgage ->
  loan, others (EMoney, PrePaidCard) -> other; ``Nickname`` -> display name.
* ``Data.Balance[]`` (OBCashBalance1) -> :class:`ParsedBalance`: ``Amount.Amount`` signed by
  ``CreditDebitIndicator`` (Debit negative), ``DateTime`` as of; ``Type`` ClosingBooked,
  InterimBooked, ClosingCleared, InterimCleared -> booked; ClosingAvailable,
  InterimAvailable -> available; Opening*, PreviouslyClosedBooked, Expected,
  ForwardAvailable and Information are skipped (they are not the current balance).
  ``CreditLine`` and a wallet's ``LocalAmount`` are ignored.
* ``Data.Transaction[]`` (OBTransaction6) -> :class:`ParsedTransaction`: ``TransactionId``
  -> bank id, ``TransactionReference`` -> reference, ``Status`` Booked/Pending (Rejected
  entries are skipped with a warning), ``BookingDateTime`` (else ``ValueDateTime``) ->
  booking date, ``ValueDateTime`` -> value date, ``Amount`` signed by
  ``CreditDebitIndicator`` (the indicator decides the sign, even if the amount carries
  one), ``TransactionInformation`` -> description (else the merchant or counterparty name),
  ``MerchantDetails.MerchantName``/``MerchantCategoryCode`` -> merchant hint / MCC,
  ``CreditorAccount.Name`` (debits) or ``DebtorAccount.Name`` (credits) -> counterparty,
  ``BankTransactionCode`` ``Code/SubCode`` (else ``ProprietaryBankTransactionCode.Code``)
  -> transaction type. The running ``Balance`` is not yielded.
* ``Data.Statement[]`` (OBStatement2): each ``StatementAmount`` of type ClosingBalance ->
  a booked balance as of ``EndDateTime``.
* Balances, transactions and statements name an ``AccountId`` that may have no account
  resource in the file: a :class:`ParsedAccount` (identifier = ``AccountId``, currency of
  the amount, type other) is yielded on first sight.
* Any other resource (Party, Beneficiary, DirectDebit, StandingOrder, Product, Offer,
  ScheduledPayment, an Open Data ATM/branch feed) gives one warning and no records.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import BinaryIO

from openteller.domain.accounts import AccountType, BalanceKind
from openteller.domain.errors import IngestError
from openteller.domain.transactions import TransactionStatus
from openteller.ingest.json_input import (
    FieldError,
    amount_field,
    as_list,
    currency_field,
    day_of,
    decode_head,
    load_document,
    optional_timestamp,
    required_text,
    text_of,
    timestamp_field,
)
from openteller.ingest.records import (
    ParsedAccount,
    ParsedBalance,
    ParsedTransaction,
    Position,
    Problem,
    Record,
    Severity,
)

_SNIFF_DATA = re.compile(r'"Data"\s*:\s*\{')
_SNIFF_FIELDS = re.compile(
    r'"(?:AccountId|AccountSubType|CreditDebitIndicator|TransactionId|StatementId|'
    r'BookingDateTime|SchemeName)"\s*:'
)
_SNIFF_OPEN_DATA = re.compile(r'"data"\s*:\s*\[')
_SNIFF_BRAND = re.compile(r'"Brand"\s*:')

_SUBTYPES = {
    "CurrentAccount": AccountType.CHECKING,
    "Savings": AccountType.SAVINGS,
    "CreditCard": AccountType.CREDIT_CARD,
    "ChargeCard": AccountType.CREDIT_CARD,
    "Loan": AccountType.LOAN,
    "Mortgage": AccountType.LOAN,
}
#: Keys of ``Data`` that carry no resource of their own.
_IGNORED = frozenset({"Links", "Meta", "TotalValue"})
_SKIPPED = "not an account/balance/transaction resource, skipped"
_READ = frozenset({"Account", "Balance", "Transaction", "Statement"})
_BALANCE_TYPES = {
    "ClosingBooked": BalanceKind.BOOKED,
    "InterimBooked": BalanceKind.BOOKED,
    "ClosingCleared": BalanceKind.BOOKED,
    "InterimCleared": BalanceKind.BOOKED,
    "ClosingAvailable": BalanceKind.AVAILABLE,
    "InterimAvailable": BalanceKind.AVAILABLE,
}
_STATUSES = {"Booked": TransactionStatus.BOOKED, "Pending": TransactionStatus.PENDING}


class OpenBankingReader:
    """Reads UK Open Banking v3.1 AISP JSON responses (see the module docstring)."""

    name = "obie"

    def sniff(self, head: bytes, filename: str) -> float:
        """High when the text opens a JSON object with ``Data`` and OBIE field names."""
        text = decode_head(head).lstrip()
        if not text.startswith("{"):
            return 0.0
        if _SNIFF_DATA.search(text):
            return 0.95 if _SNIFF_FIELDS.search(text) else 0.5
        if _SNIFF_OPEN_DATA.search(text) and _SNIFF_BRAND.search(text):
            return 0.4
        return 0.0

    def read(self, stream: BinaryIO, source: str) -> Iterator[Record]:
        """Yield accounts, then balances, transactions and statement balances, in file order."""
        document = load_document(stream, source)
        if not isinstance(document, dict):
            raise IngestError(
                f"{source}: element $: Data: expected a JSON object with a Data member, "
                f"got a JSON {type(document).__name__}"
            )
        data = document.get("Data")
        if not isinstance(data, dict):
            if "data" in document or "meta" in document:
                yield Problem(
                    source,
                    Position(element="$.data"),
                    "data",
                    f"Open Data feed (ATMs, branches, products): {_SKIPPED}",
                    Severity.WARNING,
                )
                return
            raise IngestError(
                f"{source}: element $: Data: no Data object; not an Open Banking "
                "Read/Write API response"
            )
        yield from _Document(source, data).records()


class _Document:
    """One response's ``Data``: accounts first, then the resources referring to them."""

    def __init__(self, source: str, data: dict[str, object]) -> None:
        self.source = source
        self.data = data
        self.accounts: set[str] = set()

    def records(self) -> Iterator[Record]:
        readers = (
            ("Account", self._account),
            ("Balance", self._balance),
            ("Transaction", self._transaction),
            ("Statement", self._statement),
        )
        found = False
        for key, read in readers:
            for path, entry in self._entries(key):
                found = True
                if not isinstance(entry, dict):
                    yield self._problem(path, key, "not a JSON object")
                    continue
                try:
                    yield from read(path, entry)
                except FieldError as exc:
                    yield self._problem(path, exc.field, exc.message)
        for key in self.data:
            if key not in _READ and key not in _IGNORED:
                found = True
                yield self._problem(f"$.Data.{key}", key, _SKIPPED, Severity.WARNING)
        if not found:
            yield self._problem("$.Data", "Data", f"empty: {_SKIPPED}", Severity.WARNING)

    def _entries(self, key: str) -> Iterator[tuple[str, object]]:
        value = self.data.get(key)
        base = f"$.Data.{key}"
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield f"{base}[{index}]", item
        elif value is not None:
            yield base, value

    def _account(self, path: str, entry: dict[str, object]) -> Iterator[Record]:
        """``OBAccount6``: one account with its identification block(s)."""
        account_id = required_text(entry, "AccountId")
        currency = currency_field(entry.get("Currency"), "Currency")
        identifier = ""
        for block in as_list(entry.get("Account")):
            if isinstance(block, dict):
                identifier = text_of(block.get("Identification"))
                if identifier:
                    break
        if account_id in self.accounts:
            return
        self.accounts.add(account_id)
        yield ParsedAccount(
            key=account_id,
            identifier=identifier or account_id,
            account_type=_SUBTYPES.get(_code(entry.get("AccountSubType")), AccountType.OTHER),
            currency=currency,
            display_name=text_of(entry.get("Nickname")),
            institution=_servicer(entry.get("Servicer")),
            position=Position(element=path),
        )

    def _first_sight(self, account_id: str, currency: str, path: str) -> Iterator[Record]:
        """A minimal account for an ``AccountId`` with no account resource in the file."""
        if account_id not in self.accounts:
            self.accounts.add(account_id)
            yield ParsedAccount(
                key=account_id,
                identifier=account_id,
                account_type=AccountType.OTHER,
                currency=currency,
                position=Position(element=path),
            )

    def _balance(self, path: str, entry: dict[str, object]) -> Iterator[Record]:
        """``OBCashBalance1``: ``Amount`` signed by ``CreditDebitIndicator`` at ``DateTime``."""
        account_id = required_text(entry, "AccountId")
        kind = _BALANCE_TYPES.get(_code(entry.get("Type")))
        if kind is None:
            if not text_of(entry.get("Type")):
                raise FieldError("Type", "missing")
            return
        value, currency = _money(entry.get("Amount"), "Amount")
        amount = _signed(entry, value)
        as_of = timestamp_field(entry, "DateTime")
        yield from self._first_sight(account_id, currency, path)
        yield ParsedBalance(account_id, kind, amount, currency, as_of, Position(element=path))

    def _transaction(self, path: str, entry: dict[str, object]) -> Iterator[Record]:
        """``OBTransaction6``: one booked or pending entry."""
        account_id = required_text(entry, "AccountId")
        raw_status = _code(entry.get("Status"))
        status = _STATUSES.get(raw_status)
        if status is None:
            if raw_status == "Rejected":
                yield self._problem(path, "Status", "rejected entry skipped", Severity.WARNING)
                return
            if raw_status:
                yield self._problem(
                    path,
                    "Status",
                    f"unknown status {raw_status!r}, read as Booked",
                    Severity.WARNING,
                )
            status = TransactionStatus.BOOKED
        value, currency = _money(entry.get("Amount"), "Amount")
        amount = _signed(entry, value)
        value_moment = optional_timestamp(entry, "ValueDateTime")
        booked = optional_timestamp(entry, "BookingDateTime") or value_moment
        if booked is None:
            raise FieldError("BookingDateTime", "missing")
        merchant = entry.get("MerchantDetails")
        merchant_name = mcc = ""
        if isinstance(merchant, dict):
            merchant_name = text_of(merchant.get("MerchantName"))
            mcc = text_of(merchant.get("MerchantCategoryCode"))
        counterparty = _party_name(entry, "CreditorAccount" if amount < 0 else "DebtorAccount")
        description = text_of(entry.get("TransactionInformation"))
        yield from self._first_sight(account_id, currency, path)
        yield ParsedTransaction(
            account_key=account_id,
            booking_date=day_of(booked),
            amount=amount,
            currency=currency,
            status=status,
            value_date=day_of(value_moment) if value_moment is not None else None,
            bank_id=text_of(entry.get("TransactionId")),
            description=description or merchant_name or counterparty,
            counterparty=counterparty,
            reference=text_of(entry.get("TransactionReference")),
            merchant_hint=merchant_name,
            mcc=mcc,
            transaction_type=_transaction_type(entry),
            position=Position(element=path),
        )

    def _statement(self, path: str, entry: dict[str, object]) -> Iterator[Record]:
        """``OBStatement2``: its ClosingBalance ``StatementAmount`` as of ``EndDateTime``."""
        account_id = required_text(entry, "AccountId")
        for index, item in enumerate(as_list(entry.get("StatementAmount"))):
            if not isinstance(item, dict) or _code(item.get("Type")) != "ClosingBalance":
                continue
            where = f"{path}.StatementAmount[{index}]"
            try:
                value, currency = _money(item.get("Amount"), "Amount")
                amount = _signed(item, value)
                as_of = optional_timestamp(entry, "EndDateTime") or timestamp_field(
                    entry, "CreationDateTime"
                )
            except FieldError as exc:
                yield self._problem(where, exc.field, exc.message)
                continue
            yield from self._first_sight(account_id, currency, path)
            yield ParsedBalance(
                account_id, BalanceKind.BOOKED, amount, currency, as_of, Position(element=where)
            )

    def _problem(
        self, path: str, field: str, message: str, severity: Severity = Severity.ERROR
    ) -> Problem:
        return Problem(self.source, Position(element=path), field, message, severity)


def _code(value: object) -> str:
    """An OBIE code value without its optional ``UK.OBIE.`` namespace prefix."""
    text = text_of(value)
    return text[8:] if text.startswith("UK.OBIE.") else text


def _money(holder: object, field: str) -> tuple[Decimal, str]:
    """An ``OBActiveOrHistoricCurrencyAndAmount``: (absolute amount, currency)."""
    if holder is None:
        raise FieldError(field, "missing")
    if not isinstance(holder, dict):
        raise FieldError(field, "not a JSON object with Amount and Currency")
    value = amount_field(holder.get("Amount"), f"{field}.Amount")
    return abs(value), currency_field(holder.get("Currency"), f"{field}.Currency")


def _signed(entry: dict[str, object], value: Decimal) -> Decimal:
    """Apply ``CreditDebitIndicator``: Debit is money out (negative)."""
    indicator = text_of(entry.get("CreditDebitIndicator"))
    if indicator == "Credit":
        return value
    if indicator == "Debit":
        return -value
    raise FieldError(
        "CreditDebitIndicator",
        f"expected Credit or Debit, got {indicator!r}" if indicator else "missing",
    )


def _party_name(entry: dict[str, object], preferred: str) -> str:
    """``Name`` of the other party: the creditor of a debit, the debtor of a credit."""
    other = "DebtorAccount" if preferred == "CreditorAccount" else "CreditorAccount"
    for key in (preferred, other):
        party = entry.get(key)
        if isinstance(party, dict):
            name = text_of(party.get("Name"))
            if name:
                return name
    return ""


def _transaction_type(entry: dict[str, object]) -> str:
    """ISO ``BankTransactionCode`` ``Code/SubCode``, else the proprietary code."""
    iso = entry.get("BankTransactionCode")
    if isinstance(iso, dict):
        text = "/".join(filter(None, (text_of(iso.get("Code")), text_of(iso.get("SubCode")))))
        if text:
            return text
    own = entry.get("ProprietaryBankTransactionCode")
    return text_of(own.get("Code")) if isinstance(own, dict) else ""


def _servicer(value: object) -> str:
    """``Servicer.Identification`` (a BIC or UK sort code of the servicing bank)."""
    return text_of(value.get("Identification")) if isinstance(value, dict) else ""
