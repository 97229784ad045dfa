"""FDX API v5/v6 reader (Financial Data Exchange, the US standard behind CFPB section 1033).

Reads the JSON body of the ``GET /accounts``, ``GET /accounts/{accountId}`` and
``GET /accounts/{accountId}/transactions`` responses. API responses are paged and small, so
the whole document is loaded (:func:`openteller.ingest.json_input.load_document`, at most
64 MiB) rather than streamed; ``page`` and ``links`` are ignored (one file is one page).

Accepted shapes (liberal on purpose, banks differ): an object with ``accounts`` and/or
``transactions`` arrays; one account or transaction object on its own; a bare array of
them. Each item is either wrapped by its entity type (``depositAccount``, ``locAccount``,
``loanAccount``, ``investmentAccount``, ``lineOfCredit``..., ``depositTransaction``,
``locTransaction``, ``loanTransaction``...) or flat, typed by ``accountCategory``
(``DEPOSIT_ACCOUNT``, ``LOC_ACCOUNT``, ``LOAN_ACCOUNT``..., as in v6).

Mapping:

* Account (``AccountDescriptor`` and its DepositAccount/LocAccount/LoanAccount
  extensions) -> :class:`ParsedAccount`: ``accountId`` is the key; the identifier is
  ``accountNumber`` when given, else ``accountNumberDisplay`` (usually already masked),
  else ``accountId``; ``accountType`` CHECKING... -> checking, SAVINGS/CD/MONEYMARKET ->
  savings, CREDITCARD -> credit card, LOAN/MORTGAGE/AUTOLOAN/STUDENTLOAN/LINEOFCREDIT...
  -> loan, else by entity (deposit checking, loc credit card, loan loan, other);
  ``nickname`` (else ``productName``, ``description``) -> display name;
  ``currency.currencyCode`` (default USD, as FDX implies); ``fiAttributes`` ignored.
* Balances as of ``balanceAsOf`` (skipped with a warning when it is missing): deposit
  ``currentBalance`` -> booked, ``availableBalance`` -> available; line of credit
  ``currentBalance`` -> booked and ``availableCredit`` -> available; loan
  ``principalBalance`` (else ``currentBalance``) -> booked. Liability balances
  (``balanceType`` LIABILITY, or loc/loan accounts without ``balanceType``) are amounts
  owed, so the booked balance is negated (owing 500 is -500 for the account holder).
  Investment values are not cash balances and are not read.
* Transaction -> :class:`ParsedTransaction`: ``amount`` is an absolute value signed by
  ``debitCreditMemo`` (DEBIT money out, negative; CREDIT positive; MEMO is read as a
  debit, as aggregators do; absent: the amount's own sign); ``status`` POSTED booked,
  PENDING/MEMO/AUTHORIZATION pending (absent: booked when posted); ``postedTimestamp``
  (else ``transactionTimestamp``) -> booking date; ``transactionId`` -> bank id;
  ``description`` + ``memo`` -> description; ``payee`` -> counterparty; ``merchant``
  name/category code -> merchant hint / MCC; ``reference`` (else ``checkNumber``) ->
  reference; ``category`` (else ``subCategory``) -> category hint; ``transactionType`` ->
  transaction type; currency is the account's. Investment transactions are skipped with a
  warning. A transaction without ``accountId`` belongs to the file's only account.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import BinaryIO

from openteller.domain.accounts import AccountType, BalanceKind
from openteller.domain.errors import IngestError
from openteller.domain.transactions import TransactionStatus
from openteller.ingest.json_input import (
    FieldError,
    amount_field,
    currency_field,
    day_of,
    decode_head,
    load_document,
    optional_timestamp,
    text_of,
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

_EntryReader = Callable[[str, str, dict[str, object]], Iterator[Record]]

_SNIFF_ROOT = re.compile(r'"(?:accounts|transactions)"\s*:\s*\[')
_SNIFF_STRONG = re.compile(
    r'"(?:depositAccount|locAccount|loanAccount|investmentAccount|depositTransaction|'
    r"locTransaction|loanTransaction|debitCreditMemo|postedTimestamp|accountNumberDisplay|"
    r'balanceAsOf|transactionTimestamp|accountCategory)"\s*:'
)
_SNIFF_WEAK = re.compile(r'"(?:accountId|transactionId)"\s*:')

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")
_DEFAULT_CURRENCY = "USD"
_ENTITY_TYPES = {
    "deposit": AccountType.CHECKING,
    "loc": AccountType.CREDIT_CARD,
    "loan": AccountType.LOAN,
}
_SIGNS = {"DEBIT": -1, "MEMO": -1, "CREDIT": 1}
_STATUSES = {
    "POSTED": TransactionStatus.BOOKED,
    "PENDING": TransactionStatus.PENDING,
    "MEMO": TransactionStatus.PENDING,
    "AUTHORIZATION": TransactionStatus.PENDING,
}


class FdxReader:
    """Reads FDX v5/v6 account and transaction JSON responses (see the module docstring)."""

    name = "fdx"

    def sniff(self, head: bytes, filename: str) -> float:
        """High when the JSON carries FDX names (``debitCreditMemo``, ``depositAccount``...)."""
        text = decode_head(head).lstrip()
        if not text.startswith(("{", "[")):
            return 0.0
        strong = _SNIFF_STRONG.search(text) is not None
        if _SNIFF_ROOT.search(text):
            if strong:
                return 0.95
            return 0.5 if _SNIFF_WEAK.search(text) else 0.1
        return 0.7 if strong and _SNIFF_WEAK.search(text) else 0.0

    def read(self, stream: BinaryIO, source: str) -> Iterator[Record]:
        """Yield accounts (with balances), then transactions, in file order."""
        document = load_document(stream, source)
        yield from _Document(source).records(document)


class _Document:
    def __init__(self, source: str) -> None:
        self.source = source
        self.currencies: dict[str, str] = {}

    def records(self, document: object) -> Iterator[Record]:
        if isinstance(document, list):
            items = [(f"$[{index}]", item) for index, item in enumerate(document)]
            accounts = [(p, i) for p, i in items if not _is_transaction(i)]
            transactions = [(p, i) for p, i in items if _is_transaction(i)]
        elif isinstance(document, dict) and ("accounts" in document or "transactions" in document):
            accounts = _items(document, "accounts")
            transactions = _items(document, "transactions")
        elif isinstance(document, dict) and _unwrap(document) is not None:
            single = [("$", document)]
            accounts, transactions = ([], single) if _is_transaction(document) else (single, [])
        else:
            raise IngestError(f"{self.source}: element $: accounts: {_not_fdx(document)}")
        for path, item in accounts:
            yield from self._guarded(path, item, self._account)
        for path, item in transactions:
            yield from self._guarded(path, item, self._transaction)

    def _guarded(self, path: str, item: object, read: _EntryReader) -> Iterator[Record]:
        unwrapped = _unwrap(item) if isinstance(item, dict) else None
        if unwrapped is None:
            yield self._problem(path, "", "not an FDX account or transaction object")
            return
        wrapper, body = unwrapped
        where = f"{path}.{wrapper}" if wrapper else path
        try:
            yield from read(where, _entity(wrapper, body), body)
        except FieldError as exc:
            yield self._problem(where, exc.field, exc.message)

    def _account(self, path: str, entity: str, body: dict[str, object]) -> Iterator[Record]:
        """``AccountDescriptor`` + Deposit/Loc/Loan account balances."""
        account_id = text_of(body.get("accountId"))
        if not account_id:
            raise FieldError("accountId", "missing")
        currency = _currency(body)
        account_type = _account_type(text_of(body.get("accountType")), entity)
        if account_id not in self.currencies:
            self.currencies[account_id] = currency
            identifier = text_of(body.get("accountNumber")) or text_of(
                body.get("accountNumberDisplay")
            )
            yield ParsedAccount(
                key=account_id,
                identifier=identifier or account_id,
                account_type=account_type,
                currency=currency,
                display_name=_first_text(body, "nickname", "productName", "description"),
                position=Position(element=path),
            )
        if entity != "investment":
            yield from self._balances(path, account_id, currency, account_type, body)

    def _balances(
        self,
        path: str,
        account_id: str,
        currency: str,
        account_type: AccountType,
        body: dict[str, object],
    ) -> Iterator[Record]:
        balance_type = text_of(body.get("balanceType")).upper()
        if balance_type:
            liability = balance_type == "LIABILITY"
        else:
            liability = account_type in (AccountType.CREDIT_CARD, AccountType.LOAN)
        booked_field = "principalBalance" if "principalBalance" in body else "currentBalance"
        available_field = "availableCredit" if liability else "availableBalance"
        wanted = [
            (field, kind)
            for field, kind in ((booked_field, BalanceKind.BOOKED), (available_field, None))
            if body.get(field) is not None
        ]
        if not wanted:
            return
        as_of = optional_timestamp(body, "balanceAsOf")
        if as_of is None:
            yield self._problem(path, "balanceAsOf", "missing, balances skipped", Severity.WARNING)
            return
        for field, kind in wanted:
            value = amount_field(body.get(field), field)
            if kind is BalanceKind.BOOKED and liability:
                value = -value
            yield ParsedBalance(
                account_id,
                kind or BalanceKind.AVAILABLE,
                value,
                currency,
                as_of,
                Position(element=f"{path}.{field}"),
            )

    def _transaction(self, path: str, entity: str, body: dict[str, object]) -> Iterator[Record]:
        """``Transaction`` (deposit, loc, loan): one posted or pending entry."""
        if entity == "investment":
            yield self._problem(
                path, "", "investment transaction, not a cash movement: skipped", Severity.WARNING
            )
            return
        account_id = text_of(body.get("accountId"))
        if not account_id:
            if len(self.currencies) != 1:
                raise FieldError("accountId", "missing (and the file has not exactly one account)")
            account_id = next(iter(self.currencies))
        amount = _signed_amount(body)
        status, note = _status(body)
        if note:
            yield self._problem(path, "status", note, Severity.WARNING)
        posted = optional_timestamp(body, "postedTimestamp")
        occurred = optional_timestamp(body, "transactionTimestamp")
        moment = posted or occurred
        if moment is None:
            raise FieldError("postedTimestamp", "missing (and no transactionTimestamp)")
        if account_id not in self.currencies:
            self.currencies[account_id] = _DEFAULT_CURRENCY
            yield ParsedAccount(
                key=account_id,
                identifier=account_id,
                account_type=_ENTITY_TYPES.get(entity, AccountType.OTHER),
                currency=_DEFAULT_CURRENCY,
                position=Position(element=path),
            )
        merchant_name, mcc = _merchant(body)
        description = text_of(body.get("description"))
        memo = text_of(body.get("memo"))
        if memo and memo != description:
            description = f"{description} {memo}" if description else memo
        yield ParsedTransaction(
            account_key=account_id,
            booking_date=day_of(moment),
            amount=amount,
            currency=self.currencies[account_id],
            status=status,
            bank_id=text_of(body.get("transactionId")),
            description=description or merchant_name,
            counterparty=_name(body.get("payee")),
            reference=_first_text(body, "reference", "checkNumber"),
            merchant_hint=merchant_name,
            mcc=mcc,
            category_hint=_first_text(body, "category", "subCategory"),
            transaction_type=text_of(body.get("transactionType")),
            position=Position(element=path),
        )

    def _problem(
        self, path: str, field: str, message: str, severity: Severity = Severity.ERROR
    ) -> Problem:
        return Problem(self.source, Position(element=path), field, message, severity)


def _items(document: dict[str, object], key: str) -> list[tuple[str, object]]:
    value = document.get(key)
    if value is None:
        return []
    if isinstance(value, list):
        return [(f"$.{key}[{index}]", item) for index, item in enumerate(value)]
    return [(f"$.{key}", value)]


def _unwrap(item: dict[str, object]) -> tuple[str, dict[str, object]] | None:
    """(wrapper key or ``""``, entity body) of a wrapped or flat FDX item."""
    if "accountId" in item or "transactionId" in item:
        return "", item
    if len(item) == 1:
        ((key, body),) = item.items()
        if isinstance(body, dict):
            return key, body
    return None


def _is_transaction(item: object) -> bool:
    if not isinstance(item, dict):
        return False
    unwrapped = _unwrap(item)
    if unwrapped is None:
        return False
    wrapper, body = unwrapped
    if wrapper:
        return wrapper.lower().endswith("transaction")
    return "transactionId" in body or "debitCreditMemo" in body or "amount" in body


def _entity(wrapper: str, body: dict[str, object]) -> str:
    """``deposit``, ``loc``, ``loan``, ``investment`` or ``""`` from the wrapper key or
    ``accountCategory`` (``DEPOSIT_ACCOUNT``, ``LOC_ACCOUNT``...)."""
    name = (wrapper or text_of(body.get("accountCategory"))).lower().replace("_", "")
    if name.startswith(("deposit", "digitalwallet")):
        return "deposit"
    if name.startswith("loc") or name.startswith("lineofcredit"):
        return "loc"
    if name.startswith("loan"):
        return "loan"
    if name.startswith(("investment", "annuity", "insurance")):
        return "investment"
    return ""


def _account_type(raw: str, entity: str) -> AccountType:
    """FDX ``AccountType`` code -> ours; unknown codes fall back on the entity."""
    code = _NOT_ALNUM.sub("", raw.upper())
    if "CARD" in code:
        return AccountType.CREDIT_CARD
    if any(word in code for word in ("LOAN", "MORTGAGE", "LINEOFCREDIT", "INSTALLMENT")):
        return AccountType.LOAN
    if "SAVINGS" in code or code in ("CD", "MONEYMARKET"):
        return AccountType.SAVINGS
    if "CHECKING" in code:
        return AccountType.CHECKING
    return _ENTITY_TYPES.get(entity, AccountType.OTHER)


def _currency(body: dict[str, object]) -> str:
    """``currency.currencyCode`` (a bare code string is accepted too); default USD."""
    value = body.get("currency")
    if isinstance(value, dict):
        value = value.get("currencyCode")
        field = "currency.currencyCode"
    else:
        field = "currency"
    if value is None:
        return _DEFAULT_CURRENCY
    return currency_field(value, field)


def _signed_amount(body: dict[str, object]) -> Decimal:
    value = amount_field(body.get("amount"), "amount")
    indicator = text_of(body.get("debitCreditMemo")).upper()
    if not indicator:
        return value
    sign = _SIGNS.get(indicator)
    if sign is None:
        raise FieldError("debitCreditMemo", f"expected DEBIT, CREDIT or MEMO, got {indicator!r}")
    return abs(value) if sign > 0 else -abs(value)


def _status(body: dict[str, object]) -> tuple[TransactionStatus, str]:
    """(status, warning text or ``""``)."""
    raw = text_of(body.get("status")).upper()
    status = _STATUSES.get(raw)
    if status is not None:
        return status, ""
    guess = (
        TransactionStatus.BOOKED
        if body.get("postedTimestamp") is not None or not raw
        else TransactionStatus.PENDING
    )
    return guess, f"unknown status {raw!r}, read as {guess.value}" if raw else ""


def _merchant(body: dict[str, object]) -> tuple[str, str]:
    """(name, 4-digit MCC) from a ``merchant`` object (or name string)."""
    merchant = body.get("merchant")
    mcc = text_of(body.get("merchantCategoryCode"))
    if isinstance(merchant, dict):
        name = _first_text(merchant, "name", "merchantName", "displayName")
        mcc = _first_text(merchant, "merchantCategoryCode", "categoryCode", "mcc") or mcc
        return name, mcc
    return text_of(merchant), mcc


def _name(value: object) -> str:
    if isinstance(value, dict):
        return _first_text(value, "name", "displayName")
    return text_of(value)


def _first_text(body: dict[str, object], *fields: str) -> str:
    for field in fields:
        text = text_of(body.get(field))
        if text:
            return text
    return ""


def _not_fdx(document: object) -> str:
    if isinstance(document, dict) and "code" in document and "message" in document:
        code, message = text_of(document.get("code")), text_of(document.get("message"))
        return f"an FDX error response ({code}: {message}), no accounts or transactions"
    return "no accounts or transactions array, nor an FDX account/transaction object"
