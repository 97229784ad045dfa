"""The access service: the only way to read a customer's data.

Every read names (customer, channel, purpose) and the scope it needs. The service checks,
on every call and straight from the database (no cache, so a revocation in any process
stops the very next read):

1. the purpose is one of :class:`~openteller.domain.consent.Purpose` (advertising,
   marketing, profiling, cross-selling and sale are refused whoever asks);
2. the customer exists at this bank and is not being erased;
3. a first-party channel acts on the customer's own request for the purposes in
   :data:`~openteller.domain.consent.FIRST_PARTY_PURPOSES`; anything else needs a live
   consent of that channel covering the purpose and the scope (and, for transactions,
   its date window, which clips the read).

Allowed and denied reads alike are appended to the audit log before any data is
returned. An import-linter contract keeps the repositories out of reach of every other
module (see pyproject.toml and tests/unit/docs/test_access_boundary.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

import numpy as np
from sqlalchemy import Connection, Engine

from openteller.domain.accounts import Account, Balance
from openteller.domain.categories import NON_SPENDING, Category
from openteller.domain.consent import (
    FIRST_PARTY_PURPOSES,
    ChannelKind,
    Consent,
    Purpose,
    Scope,
    channel_kind,
    parse_purpose,
)
from openteller.domain.errors import AccessDenied, ConsentError
from openteller.domain.money import Money
from openteller.domain.transactions import Transaction, TransactionStatus
from openteller.privacy.audit_chain import AuditRecord
from openteller.store.audit_log import AuditLog
from openteller.store.consents import ConsentStore
from openteller.store.ledger_codec import LedgerRow, NumericColumns
from openteller.store.repository import CustomerHandle, LedgerStore, transaction_id

Clock = Callable[[], datetime]


class UnknownCustomer(AccessDenied):
    """No customer with that id at this bank (or the customer was erased)."""


@dataclass(frozen=True, slots=True)
class Requester:
    """Who reads and why: the channel (recipient of the data) and the purpose."""

    channel: str
    purpose: Purpose | str
    actor: str = ""  # who at the channel, e.g. "operator:jdoe"; defaults to the channel

    @property
    def who(self) -> str:
        return self.actor or self.channel


@dataclass(frozen=True, slots=True)
class Grant:
    """A read that was allowed: the customer, under which consent, and the date window."""

    customer: CustomerHandle
    purpose: Purpose
    scope: Scope
    consent: Consent | None
    since: date | None
    until: date | None


@dataclass(frozen=True, slots=True)
class AccountView:
    account: Account
    balances: list[Balance]
    transactions: int


@dataclass(frozen=True, slots=True)
class SpendingTotal:
    """Money out in a period (refunds netted), per currency."""

    since: date | None
    until: date | None
    totals: dict[str, Money] = field(default_factory=dict)
    count: int = 0


@dataclass(frozen=True, slots=True)
class NumericLedger:
    """Decrypted numeric block parts of one customer, with the window actually read."""

    since: date | None
    until: date | None
    blocks: list[tuple[str, NumericColumns]]


def _now() -> datetime:
    return datetime.now(UTC)


#: Money moving between the customer's own accounts or coming in is not spending.
_NOT_SPENDING = np.array(sorted(int(c) for c in NON_SPENDING), dtype="<i2")


def total_spent(
    blocks: list[NumericColumns], since: date | None, until: date | None, category: Category | None
) -> tuple[dict[str, int], int]:
    """Minor units spent per currency and the number of payments, over all ``blocks`` at
    once (one vectorised pass, whatever the number of blocks)."""
    if not blocks:
        return {}, 0
    # Each block numbers its currencies itself: map them to one numbering first (nothing
    # to do in the usual case of one currency everywhere).
    first = blocks[0].currencies
    single = len(first) == 1 and all(b.currencies == first for b in blocks)
    index_of: dict[str, int] = {first[0]: 0} if single else {}
    currency_parts = []
    for block in [] if single else blocks:
        local = [index_of.setdefault(name, len(index_of)) for name in block.currencies]
        if len(local) == 1:
            currency_parts.append(np.full(len(block), local[0], dtype="<i2"))
        else:
            currency_parts.append(np.asarray(local, dtype="<i2")[block.currency])
    names = list(index_of)
    day = np.concatenate([b.day for b in blocks])
    amount = np.concatenate([b.amount for b in blocks])
    categories = np.concatenate([b.category for b in blocks])
    currency = np.concatenate(currency_parts) if currency_parts else None
    mask = np.ones(day.shape[0], dtype=bool)
    if since is not None:
        mask &= day >= since.toordinal()
    if until is not None:
        mask &= day <= until.toordinal()
    if category is not None:
        mask &= categories == int(category)
    else:
        mask &= ~np.isin(categories, _NOT_SPENDING)
    minor: dict[str, int] = {}
    count = 0
    for index, name in enumerate(names):
        selected = amount[mask] if currency is None else amount[mask & (currency == index)]
        if selected.size:
            minor[name] = -int(selected.sum())
            count += int(np.count_nonzero(selected < 0))
    return minor, count


def _transaction(account_id: str, row: LedgerRow) -> Transaction:
    return Transaction(
        id=row.id,
        account_id=account_id,
        booking_date=row.booking_date,
        value_date=row.value_date,
        amount=Money.from_minor(row.amount_minor, row.currency),
        status=TransactionStatus.PENDING if row.pending else TransactionStatus.BOOKED,
        description=row.description,
        merchant=row.merchant,
        mcc=row.mcc or None,
        category=Category(row.category),
        counterparty=row.counterparty,
        bank_reference=row.reference,
    )


def _needs_no_consent(purpose: Purpose, channel: str) -> bool:
    """The bank's own channels serving the bank's own purposes read without a consent."""
    return channel_kind(channel) is ChannelKind.FIRST_PARTY and purpose in FIRST_PARTY_PURPOSES


def _unknown(external_id: str, bank_id: str) -> str:
    return f"no customer {external_id!r} at bank {bank_id!r}; ingest a file for them first"


def _refusal(channel: str, scope: Scope, purpose: Purpose, reason: str) -> str:
    return f"{channel} may not read {scope.value} of this customer for {purpose.value}: {reason}"


class AccessService:
    """Consent-checked, audited reads of one bank's customers' data."""

    def __init__(
        self,
        engine: Engine,
        store: LedgerStore,
        consents: ConsentStore,
        audit: AuditLog,
        clock: Clock = _now,
    ) -> None:
        self._engine = engine
        self._store = store
        self._consents = consents
        self._audit = audit
        self._clock = clock

    # -- the check -----------------------------------------------------------------------
    def authorise(
        self,
        conn: Connection,
        external_id: str,
        requester: Requester,
        scope: Scope,
        *,
        since: date | None = None,
        until: date | None = None,
    ) -> Grant:
        """Check a read; on refusal audit it and raise :class:`AccessDenied`."""
        customer = self._store.find_customer(conn, external_id)
        customer_ref = customer.id if customer is not None else ""
        try:
            purpose = parse_purpose(requester.purpose)
        except ConsentError as exc:
            self._deny(requester, customer_ref, str(requester.purpose), scope, str(exc))
            raise AccessDenied(str(exc)) from exc
        if customer is None:
            self._deny(requester, "", purpose.value, scope, "unknown customer")
            raise UnknownCustomer(_unknown(external_id, self._store.bank_id))
        decision = self._decide(conn, customer, purpose, requester.channel, scope, since, until)
        if isinstance(decision, Grant):
            return decision
        self._deny(requester, customer.id, purpose.value, scope, decision)
        raise AccessDenied(_refusal(requester.channel, scope, purpose, decision))

    def authorise_many(
        self, conn: Connection, external_ids: list[str], requester: Requester, scope: Scope
    ) -> list[Grant | AccessDenied]:
        """:meth:`authorise` for several customers at once (the customers and their
        consents read in one statement each): per customer, in order, the grant or the
        refusal, each refusal audited as :meth:`authorise` audits it."""
        customers = self._store.find_customers(conn, external_ids)
        try:
            purpose = parse_purpose(requester.purpose)
        except ConsentError as exc:
            for external_id in external_ids:
                known = customers.get(external_id)
                reference = known.id if known is not None else ""
                self._deny(requester, reference, str(requester.purpose), scope, str(exc))
            return [AccessDenied(str(exc)) for _ in external_ids]
        consents = (
            {}
            if _needs_no_consent(purpose, requester.channel)
            else self._consents.for_customers(
                conn, [c.id for c in customers.values()], requester.channel
            )
        )
        outcomes: list[Grant | AccessDenied] = []
        for external_id in external_ids:
            customer = customers.get(external_id)
            if customer is None:
                self._deny(requester, "", purpose.value, scope, "unknown customer")
                outcomes.append(UnknownCustomer(_unknown(external_id, self._store.bank_id)))
                continue
            decision = self._decide(
                conn, customer, purpose, requester.channel, scope, None, None,
                consents=consents.get(customer.id, []),
            )  # fmt: skip
            if isinstance(decision, Grant):
                outcomes.append(decision)
                continue
            self._deny(requester, customer.id, purpose.value, scope, decision)
            outcomes.append(AccessDenied(_refusal(requester.channel, scope, purpose, decision)))
        return outcomes

    def permits(
        self, conn: Connection, external_id: str, requester: Requester, scope: Scope
    ) -> bool:
        """Whether a read would be allowed now, without reading (so nothing is audited):
        for deciding whether to offer something at all, e.g. an insight on a channel."""
        customer = self._store.find_customer(conn, external_id)
        if customer is None:
            return False
        try:
            purpose = parse_purpose(requester.purpose)
        except ConsentError:
            return False
        decision = self._decide(conn, customer, purpose, requester.channel, scope, None, None)
        return isinstance(decision, Grant)

    def _decide(
        self,
        conn: Connection,
        customer: CustomerHandle,
        purpose: Purpose,
        channel: str,
        scope: Scope,
        since: date | None,
        until: date | None,
        consents: list[Consent] | None = None,
    ) -> Grant | str:
        """The grant, or the reason for refusing it (nothing audited here). ``consents``:
        the customer's consents on ``channel`` when the caller has read them already."""
        if _needs_no_consent(purpose, channel):
            return Grant(customer, purpose, scope, None, since, until)
        if consents is None:
            consents = self._consents.for_customer(conn, customer.id, channel)
        now = self._clock()
        refusals: list[str] = []
        for consent in consents:
            refusal = consent.refusal(purpose, scope, now)
            if refusal is None:
                start, end = (
                    consent.clip_window(since, until)
                    if scope is Scope.TRANSACTIONS
                    else (since, until)
                )
                return Grant(customer, purpose, scope, consent, start, end)
            refusals.append(refusal)
        return "; ".join(refusals) if refusals else f"the customer has given {channel} no consent"

    def _deny(
        self, requester: Requester, customer_ref: str, purpose: str, scope: Scope, reason: str
    ) -> None:
        self._audit.record(
            actor=requester.who,
            action="read",
            customer_ref=customer_ref,
            purpose=purpose[:40],
            scope=scope.value,
            outcome="denied",
            detail={"channel": requester.channel, "reason": reason[:300]},
        )

    def _allowed(
        self, conn: Connection, requester: Requester, grant: Grant, **detail: object
    ) -> None:
        """Audit an allowed read on the connection it was read on (its own transaction,
        committed before any data is returned)."""
        info: dict[str, object] = {"channel": requester.channel}
        if grant.consent is not None:
            info["consent"] = grant.consent.id
        if grant.since is not None:
            info["since"] = grant.since.isoformat()
        if grant.until is not None:
            info["until"] = grant.until.isoformat()
        info.update(detail)
        self._audit.record(
            actor=requester.who,
            action="read",
            customer_ref=grant.customer.id,
            purpose=grant.purpose.value,
            scope=grant.scope.value,
            outcome="allowed",
            detail=info,
            conn=conn,
        )

    # -- reads ---------------------------------------------------------------------------
    def accounts(self, external_id: str, requester: Requester) -> list[AccountView]:
        """The customer's accounts with latest balances (when the balances scope is also
        granted) and transaction counts."""
        with self._engine.connect() as conn:
            grant = self.authorise(conn, external_id, requester, Scope.ACCOUNTS)
            with_balances = isinstance(
                self._decide(
                    conn,
                    grant.customer,
                    grant.purpose,
                    requester.channel,
                    Scope.BALANCES,
                    None,
                    None,
                ),
                Grant,
            )
            balances = self._store.latest_balances(conn, grant.customer) if with_balances else []
            accounts = self._store.list_accounts(conn, grant.customer)
            counts: dict[str, int] = {}
            for account_id, numeric in self._store.iter_numeric(conn, grant.customer):
                counts[account_id] = counts.get(account_id, 0) + len(numeric)
            self._allowed(conn, requester, grant, accounts=len(accounts), balances=len(balances))
        return [
            AccountView(
                account=a,
                balances=[b for b in balances if b.account_id == a.id],
                transactions=counts.get(a.id, 0),
            )
            for a in accounts
        ]

    def account_list(self, external_id: str, requester: Requester) -> list[Account]:
        """The customer's accounts (names, types, last four digits) without balances."""
        with self._engine.connect() as conn:
            grant = self.authorise(conn, external_id, requester, Scope.ACCOUNTS)
            accounts = self._store.list_accounts(conn, grant.customer)
            self._allowed(conn, requester, grant, accounts=len(accounts))
        return accounts

    def balances(self, external_id: str, requester: Requester) -> list[Balance]:
        with self._engine.connect() as conn:
            grant = self.authorise(conn, external_id, requester, Scope.BALANCES)
            balances = self._store.latest_balances(conn, grant.customer)
            self._allowed(conn, requester, grant, balances=len(balances))
        return balances

    def transactions(
        self,
        external_id: str,
        requester: Requester,
        *,
        since: date | None = None,
        until: date | None = None,
        matching: Callable[[Transaction], bool] | None = None,
        newest: int | None = None,
    ) -> list[Transaction]:
        """The customer's transactions in [since, until] (clipped to the consent's window),
        oldest first; only those ``matching``; with ``newest``, only that many of the most
        recent (reading back month by month, so older months are not decrypted)."""
        with self._engine.connect() as conn:
            grant = self.authorise(
                conn, external_id, requester, Scope.TRANSACTIONS, since=since, until=until
            )
            result: list[Transaction] = []
            month = None
            for account_id, row in self._store.iter_rows(
                conn,
                grant.customer,
                since=grant.since,
                until=grant.until,
                newest_first=newest is not None,
                with_ids=False,
            ):
                row_month = (row.booking_date.year, row.booking_date.month)
                older = month is not None and row_month < month
                if newest is not None and older and len(result) >= newest:
                    break  # every row of the newer months is in: enough read
                if month is None or older:
                    month = row_month
                item = _transaction(account_id, row)
                if matching is None or matching(item):
                    stable = transaction_id(grant.customer, account_id, row.key)
                    result.append(replace(item, id=stable))
            result.sort(key=lambda t: (t.booking_date, t.id))
            if newest is not None:
                result = result[-newest:] if newest else []
            self._allowed(conn, requester, grant, transactions=len(result))
        return result

    def spending(
        self,
        external_id: str,
        requester: Requester,
        *,
        since: date | None = None,
        until: date | None = None,
        category: Category | None = None,
    ) -> SpendingTotal:
        """Money spent in [since, until] (optionally in one category), refunds netted,
        transfers excluded; decrypts only the numeric part of the blocks in range."""
        with self._engine.connect() as conn:
            grant = self.authorise(
                conn, external_id, requester, Scope.TRANSACTIONS, since=since, until=until
            )
            blocks = [
                block
                for _account_id, block in self._store.iter_numeric(
                    conn, grant.customer, since=grant.since, until=grant.until
                )
            ]
            self._allowed(
                conn,
                requester,
                grant,
                total="spending",
                category=category.slug if category else "all",
            )
        minor, count = total_spent(blocks, grant.since, grant.until, category)
        return SpendingTotal(
            since=grant.since,
            until=grant.until,
            totals={c: Money.from_minor(v, c) for c, v in sorted(minor.items())},
            count=count,
        )

    def numeric_ledger(
        self,
        external_id: str,
        requester: Requester,
        *,
        since: date | None = None,
        until: date | None = None,
        what: str = "totals",
    ) -> NumericLedger:
        """The numeric part of the customer's transactions in [since, until] (clipped to
        the consent's window): dates, amounts, categories, merchants and accounts, for
        totals, comparisons and charts computed by the caller. ``what`` is recorded in the
        audit entry (e.g. "spending coffee")."""
        with self._engine.connect() as conn:
            grant = self.authorise(
                conn, external_id, requester, Scope.TRANSACTIONS, since=since, until=until
            )
            blocks = list(
                self._store.iter_numeric(conn, grant.customer, since=grant.since, until=grant.until)
            )
            self._allowed(conn, requester, grant, total=what[:60], blocks=len(blocks))
        return NumericLedger(grant.since, grant.until, blocks)

    def trail(self, external_id: str, requester: Requester) -> list[AuditRecord]:
        """The customer's own audit trail: who read what, when, for which purpose."""
        with self._engine.connect() as conn:
            grant = self.authorise(conn, external_id, requester, Scope.ACCOUNTS)
            entries = list(self._audit.records(grant.customer.id))
            self._allowed(conn, requester, grant, trail=len(entries))
        return entries
