"""The encrypted store of banks, customers, accounts, balances and ledger blocks.

Every method takes an open SQLAlchemy ``Connection`` so that callers decide the unit of
work (an ingest is one database transaction). Customer data is encrypted and decrypted
here with the customer's :class:`~openteller.privacy.cipher.CustomerCipher`; callers
outside the privacy core must not use this module directly for reads (the access
service arrives with the privacy core).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from openteller.domain.accounts import Account, AccountType, Balance, BalanceKind
from openteller.domain.errors import MasterKeyError, StorageError
from openteller.domain.money import Money
from openteller.privacy.cipher import CustomerCipher
from openteller.privacy.keys import MasterKeyProvider, new_data_key
from openteller.store import schema
from openteller.store.direct_sql import DirectStatement
from openteller.store.keystore import KeyStore
from openteller.store.ledger_codec import (
    LedgerRow,
    NumericColumns,
    decode_numeric,
    decode_rows,
    encode_details,
    encode_numeric,
)


class CustomerBeingErased(StorageError):
    """The customer's erasure has started; no data may be added or read."""


class ConcurrentUpdate(StorageError):
    """Another process changed the same ledger block; retry the unit of work."""


@dataclass(frozen=True, slots=True)
class CustomerHandle:
    """A customer together with the cipher that opens their data."""

    id: str
    bank_id: str
    external_id: str
    cipher: CustomerCipher


#: Built once: the hot query of every total (binding values only, no statement building).
_NUMERIC_BLOCKS = DirectStatement(
    select(
        schema.ledger_blocks.c.account_id,
        schema.ledger_blocks.c.month,
        schema.ledger_blocks.c.numeric,
    ).where(
        schema.ledger_blocks.c.customer_id == bindparam("customer_id"),
        schema.ledger_blocks.c.month.between(bindparam("low"), bindparam("high")),
    )
)


_CUSTOMER = select(schema.customers).where(
    schema.customers.c.bank_id == bindparam("bank"),
    schema.customers.c.external_id == bindparam("external"),
)
_ACCOUNTS = (
    select(schema.accounts)
    .where(schema.accounts.c.customer_id == bindparam("customer"))
    .order_by(schema.accounts.c.created_at, schema.accounts.c.id)
)
#: Every balance of a customer, newest first (the newest of each account and kind wins).
_BALANCES_NEWEST_FIRST = (
    select(schema.balances)
    .where(schema.balances.c.customer_id == bindparam("customer"))
    .order_by(schema.balances.c.as_of.desc())
)
#: The customer every read starts from: (id, external id), unless being erased.
_READABLE_CUSTOMER = DirectStatement(
    select(schema.customers.c.id, schema.customers.c.external_id).where(
        schema.customers.c.bank_id == bindparam("bank"),
        schema.customers.c.external_id == bindparam("external"),
        schema.customers.c.erase_requested_at.is_(None),
    )
)

#: The same, for several customers at once (one statement for a batch of alerts).
_READABLE_CUSTOMERS = select(schema.customers.c.id, schema.customers.c.external_id).where(
    schema.customers.c.bank_id == bindparam("bank"),
    schema.customers.c.external_id.in_(bindparam("externals", expanding=True)),
    schema.customers.c.erase_requested_at.is_(None),
)


def month_of(day: date) -> int:
    """The ``yyyymm`` block key of a date."""
    return day.year * 100 + day.month


def transaction_id(customer: CustomerHandle, account_id: str, key: str) -> str:
    """A transaction's stable opaque id: keyed by the customer's key, derived on read
    from the account and dedupe key, so ingest need not compute or store it."""
    return customer.cipher.stable_id("tx", account_id, key)


def _now() -> datetime:
    return datetime.now(UTC)


def _as_utc(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


class LedgerStore:
    """Repository over the encrypted tables, for one bank and its master key."""

    def __init__(
        self, keys: MasterKeyProvider, keystore: KeyStore, bank_id: str, bank_name: str
    ) -> None:
        self._keys = keys
        self._keystore = keystore
        self.bank_id = bank_id
        self.bank_name = bank_name
        self._cipher_cache: dict[str, CustomerCipher] = {}

    # -- bank and master key -------------------------------------------------------------
    def ensure_bank(self, conn: Connection) -> bool:
        """Register the bank on first use and check the master key is the bank's own.

        Returns True when the bank was created now. Raises :class:`MasterKeyError` when
        the configured master key is not the one the bank's keys are wrapped with.
        """
        self._keystore.ensure_bank(self.bank_id, self._keys)
        row = conn.execute(select(schema.banks.c.id).where(schema.banks.c.id == self.bank_id))
        if row.first() is not None:
            return False
        conn.execute(
            insert(schema.banks).values(id=self.bank_id, name=self.bank_name, created_at=_now())
        )
        return True

    # -- customers -----------------------------------------------------------------------
    def _customer_row(self, conn: Connection, external_id: str) -> Any:
        return conn.execute(_CUSTOMER, {"bank": self.bank_id, "external": external_id}).first()

    def find_customer(self, conn: Connection, external_id: str) -> CustomerHandle | None:
        """The customer, or None if unknown or being erased (never read again)."""
        row = _READABLE_CUSTOMER.first(conn, {"bank": self.bank_id, "external": external_id})
        if row is None:
            return None
        customer_id, external = row
        return CustomerHandle(
            customer_id, self.bank_id, external, self._cipher(customer_id, external)
        )

    def find_customers(
        self, conn: Connection, external_ids: Iterable[str]
    ) -> dict[str, CustomerHandle]:
        """:meth:`find_customer` for several customers in one statement: the known,
        readable ones by external id (the others are left out)."""
        wanted = sorted(set(external_ids))
        if not wanted:
            return {}
        rows = conn.execute(_READABLE_CUSTOMERS, {"bank": self.bank_id, "externals": wanted})
        return {
            external: CustomerHandle(
                customer_id, self.bank_id, external, self._cipher(customer_id, external)
            )
            for customer_id, external in rows
        }

    def get_or_create_customer(self, conn: Connection, external_id: str) -> CustomerHandle:
        row = self._customer_row(conn, external_id)
        if row is not None:
            if row.erase_requested_at is not None:
                raise CustomerBeingErased(
                    f"customer {external_id!r} is being erased; finish it with "
                    f"`openteller erase --customer {external_id} --yes` before adding data"
                )
            return CustomerHandle(
                row.id, row.bank_id, row.external_id, self._cipher(row.id, row.external_id)
            )
        customer_id = uuid.uuid4().hex
        data_key = new_data_key()
        # The key goes to the key store first: a failed transaction here leaves an
        # unused key there, never a customer without a key.
        self._keystore.put(
            self.bank_id,
            customer_id,
            self._keys.wrap(data_key, customer_id.encode()),
            self._keys.key_id,
        )
        conn.execute(
            insert(schema.customers).values(
                id=customer_id,
                bank_id=self.bank_id,
                external_id=external_id,
                created_at=_now(),
            )
        )
        cipher = CustomerCipher(data_key)
        self._cipher_cache[customer_id] = cipher
        return CustomerHandle(customer_id, self.bank_id, external_id, cipher)

    def _cipher(self, customer_id: str, external_id: str) -> CustomerCipher:
        cached = self._cipher_cache.get(customer_id)
        if cached is not None:
            return cached
        wrapped = self._keystore.get(self.bank_id, customer_id)
        if wrapped is None:
            raise MasterKeyError(
                f"customer {external_id!r} has no data key in the key store (erased, "
                "or the wrong OPENTELLER_KEYSTORE_URL)"
            )
        try:
            data_key = self._keys.unwrap(wrapped, customer_id.encode())
        except MasterKeyError as exc:
            raise MasterKeyError(
                f"customer {external_id!r}: data key does not open with this master key"
            ) from exc
        cipher = CustomerCipher(data_key)
        self._cipher_cache[customer_id] = cipher
        return cipher

    def forget_cipher(self, customer_id: str) -> None:
        self._cipher_cache.pop(customer_id, None)

    # -- accounts ------------------------------------------------------------------------
    def get_or_create_account(
        self,
        conn: Connection,
        customer: CustomerHandle,
        *,
        identifier: str,
        account_type: AccountType,
        currency: str,
        display_name: str,
        mask: str,
        institution: str,
    ) -> tuple[str, bool]:
        """The account id for ``identifier`` (only its keyed fingerprint is stored)."""
        fingerprint = customer.cipher.stable_id("account", identifier)
        row = conn.execute(
            select(schema.accounts.c.id).where(
                and_(
                    schema.accounts.c.customer_id == customer.id,
                    schema.accounts.c.fingerprint == fingerprint,
                )
            )
        ).first()
        if row is not None:
            return str(row.id), False
        account_id = uuid.uuid4().hex
        details = json.dumps(
            {"name": display_name, "mask": mask, "institution": institution}
        ).encode()
        conn.execute(
            insert(schema.accounts).values(
                id=account_id,
                customer_id=customer.id,
                fingerprint=fingerprint,
                type=account_type.value,
                currency=currency,
                details=customer.cipher.encrypt(details, f"account:{account_id}"),
                created_at=_now(),
            )
        )
        return account_id, True

    def list_accounts(self, conn: Connection, customer: CustomerHandle) -> list[Account]:
        rows = conn.execute(_ACCOUNTS, {"customer": customer.id}).all()
        result: list[Account] = []
        for row in rows:
            details = json.loads(customer.cipher.decrypt(row.details, f"account:{row.id}"))
            result.append(
                Account(
                    id=row.id,
                    customer_id=customer.id,
                    type=AccountType(row.type),
                    currency=row.currency,
                    display_name=details["name"],
                    mask=details["mask"],
                )
            )
        return result

    # -- balances ------------------------------------------------------------------------
    def put_balance(
        self,
        conn: Connection,
        customer: CustomerHandle,
        account_id: str,
        kind: BalanceKind,
        amount: Money,
        as_of: datetime | date,
    ) -> bool:
        """Store a balance; returns False when the same (account, kind, time) exists."""
        when = _as_utc(as_of)
        context = f"balance:{account_id}:{kind.value}:{when.isoformat()}"
        payload = customer.cipher.encrypt(
            json.dumps({"amount": str(amount.amount), "currency": amount.currency}).encode(),
            context,
        )
        exists = conn.execute(
            select(schema.balances.c.account_id).where(
                and_(
                    schema.balances.c.account_id == account_id,
                    schema.balances.c.kind == kind.value,
                    schema.balances.c.as_of == when,
                )
            )
        ).first()
        if exists is not None:
            conn.execute(
                update(schema.balances)
                .where(
                    and_(
                        schema.balances.c.account_id == account_id,
                        schema.balances.c.kind == kind.value,
                        schema.balances.c.as_of == when,
                    )
                )
                .values(payload=payload)
            )
            return False
        conn.execute(
            insert(schema.balances).values(
                account_id=account_id,
                kind=kind.value,
                as_of=when,
                customer_id=customer.id,
                payload=payload,
            )
        )
        return True

    def latest_balances(self, conn: Connection, customer: CustomerHandle) -> list[Balance]:
        """The newest balance of each kind for each of the customer's accounts."""
        rows = conn.execute(_BALANCES_NEWEST_FIRST, {"customer": customer.id}).all()
        seen: set[tuple[str, str]] = set()
        result: list[Balance] = []
        for row in rows:
            if (row.account_id, row.kind) in seen:
                continue
            seen.add((row.account_id, row.kind))
            when = _as_utc(row.as_of)
            context = f"balance:{row.account_id}:{row.kind}:{when.isoformat()}"
            data = json.loads(customer.cipher.decrypt(row.payload, context))
            result.append(
                Balance(
                    account_id=row.account_id,
                    kind=BalanceKind(row.kind),
                    amount=Money(Decimal(data["amount"]), data["currency"]),
                    as_of=when,
                )
            )
        return result

    # -- ledger blocks -------------------------------------------------------------------
    def merge_batches(
        self,
        conn: Connection,
        customer: CustomerHandle,
        batches: dict[tuple[str, int], list[LedgerRow]],
    ) -> tuple[int, int]:
        """Merge rows for many (account, month) blocks at once. Blocks that do not exist
        yet are inserted in one statement; existing ones are merged one by one (see
        :meth:`merge_rows`). Returns (added, duplicates) over all of them."""
        block = schema.ledger_blocks
        existing: set[tuple[str, int]] = set()
        for account_id in {account for account, _month in batches}:
            months = [month for account, month in batches if account == account_id]
            for start in range(0, len(months), 500):
                chunk = months[start : start + 500]
                existing.update(
                    (account_id, month)
                    for (month,) in conn.execute(
                        select(block.c.month).where(
                            and_(block.c.account_id == account_id, block.c.month.in_(chunk))
                        )
                    )
                )
        added_total = duplicates_total = 0
        inserts: list[dict[str, object]] = []
        now = _now()
        for (account_id, month), rows in batches.items():
            if (account_id, month) in existing:
                added, duplicates = self.merge_rows(conn, customer, account_id, month, rows)
                added_total += added
                duplicates_total += duplicates
                continue
            keys: set[str] = set()
            fresh: list[LedgerRow] = []
            for candidate in rows:
                if candidate.key in keys:
                    duplicates_total += 1
                    continue
                keys.add(candidate.key)
                fresh.append(candidate)
            fresh.sort(key=lambda r: r.booking_date)
            context = f"ledger:{account_id}:{month}"
            inserts.append(
                {
                    "account_id": account_id,
                    "month": month,
                    "customer_id": customer.id,
                    "version": 1,
                    "row_count": len(fresh),
                    "numeric": customer.cipher.encrypt(encode_numeric(fresh), context + ":n"),
                    "details": customer.cipher.encrypt(encode_details(fresh), context + ":d"),
                    "updated_at": now,
                }
            )
            added_total += len(fresh)
        if inserts:
            try:
                conn.execute(insert(block), inserts)
            except IntegrityError as exc:
                raise ConcurrentUpdate("a ledger block was created concurrently") from exc
        return added_total, duplicates_total

    def merge_rows(
        self,
        conn: Connection,
        customer: CustomerHandle,
        account_id: str,
        month: int,
        new_rows: list[LedgerRow],
    ) -> tuple[int, int]:
        """Add ``new_rows`` to the account's block for ``month``, skipping rows whose
        dedupe key is already there. Returns (added, duplicates)."""
        context = f"ledger:{account_id}:{month}"
        block = schema.ledger_blocks
        row = conn.execute(
            select(block.c.version, block.c.numeric, block.c.details)
            .where(and_(block.c.account_id == account_id, block.c.month == month))
            .with_for_update()
        ).first()
        existing: list[LedgerRow] = []
        version = 0
        if row is not None:
            version = row.version
            existing = decode_rows(
                customer.cipher.decrypt(row.numeric, context + ":n"),
                customer.cipher.decrypt(row.details, context + ":d"),
            )
        keys = {r.key for r in existing}
        added: list[LedgerRow] = []
        duplicates = 0
        for candidate in new_rows:
            if candidate.key in keys:
                duplicates += 1
                continue
            keys.add(candidate.key)
            added.append(candidate)
        if not added:
            return 0, duplicates
        merged = existing + added
        merged.sort(key=lambda r: r.booking_date)  # stable: arrival order within a day
        values = {
            "version": version + 1,
            "row_count": len(merged),
            "numeric": customer.cipher.encrypt(encode_numeric(merged), context + ":n"),
            "details": customer.cipher.encrypt(encode_details(merged), context + ":d"),
            "updated_at": _now(),
        }
        if row is None:
            try:
                conn.execute(
                    insert(block).values(
                        account_id=account_id, month=month, customer_id=customer.id, **values
                    )
                )
            except IntegrityError as exc:
                raise ConcurrentUpdate(f"ledger block {month} was created concurrently") from exc
        else:
            result = conn.execute(
                update(block)
                .where(
                    and_(
                        block.c.account_id == account_id,
                        block.c.month == month,
                        block.c.version == version,
                    )
                )
                .values(**values)
            )
            if result.rowcount != 1:
                raise ConcurrentUpdate(f"ledger block {month} changed concurrently")
        return len(added), duplicates

    def iter_rows(
        self,
        conn: Connection,
        customer: CustomerHandle,
        *,
        account_ids: Iterable[str] | None = None,
        since: date | None = None,
        until: date | None = None,
        newest_first: bool = False,
        with_ids: bool = True,
    ) -> Iterator[tuple[str, LedgerRow]]:
        """(account id, row) for the customer's transactions in [since, until], block by
        block in month order (newest month first with ``newest_first``). Without
        ``with_ids`` the stable ids are left empty (see :func:`transaction_id`)."""
        block = schema.ledger_blocks
        query = select(block.c.account_id, block.c.month, block.c.numeric, block.c.details).where(
            block.c.customer_id == customer.id
        )
        if account_ids is not None:
            query = query.where(block.c.account_id.in_(list(account_ids)))
        if since is not None:
            query = query.where(block.c.month >= month_of(since))
        if until is not None:
            query = query.where(block.c.month <= month_of(until))
        month_order = block.c.month.desc() if newest_first else block.c.month
        query = query.order_by(month_order, block.c.account_id)
        for row in conn.execute(query):
            context = f"ledger:{row.account_id}:{row.month}"
            rows = decode_rows(
                customer.cipher.decrypt(row.numeric, context + ":n"),
                customer.cipher.decrypt(row.details, context + ":d"),
            )
            for item in rows:
                if since is not None and item.booking_date < since:
                    continue
                if until is not None and item.booking_date > until:
                    continue
                if with_ids and not item.id:
                    item.id = transaction_id(customer, row.account_id, item.key)
                yield row.account_id, item

    def iter_numeric(
        self,
        conn: Connection,
        customer: CustomerHandle,
        *,
        since: date | None = None,
        until: date | None = None,
    ) -> Iterator[tuple[str, NumericColumns]]:
        """(account id, numeric columns) of the blocks overlapping [since, until]: only the
        small numeric part of each block is decrypted (for totals and charts)."""
        low = month_of(since) if since is not None else 0
        high = month_of(until) if until is not None else 999_999
        rows = _NUMERIC_BLOCKS.rows(conn, {"customer_id": customer.id, "low": low, "high": high})
        decrypt = customer.cipher.decrypt
        for account_id, month, blob in rows:
            yield account_id, decode_numeric(decrypt(blob, f"ledger:{account_id}:{month}:n"))

    def rewrite_blocks(
        self,
        conn: Connection,
        customer: CustomerHandle,
        change: Callable[[LedgerRow], LedgerRow | None],
    ) -> int:
        """Apply ``change`` to every row of the customer (None: keep the row as it is) and
        re-encrypt the blocks that changed. Returns how many rows changed."""
        block = schema.ledger_blocks
        query = (
            select(
                block.c.account_id, block.c.month, block.c.version, block.c.numeric, block.c.details
            )
            .where(block.c.customer_id == customer.id)
            .with_for_update()
        )
        changed_total = 0
        for row in list(conn.execute(query)):
            context = f"ledger:{row.account_id}:{row.month}"
            rows = decode_rows(
                customer.cipher.decrypt(row.numeric, context + ":n"),
                customer.cipher.decrypt(row.details, context + ":d"),
            )
            changed = 0
            for index, item in enumerate(rows):
                replacement = change(item)
                if replacement is not None and replacement != item:
                    rows[index] = replacement
                    changed += 1
            if not changed:
                continue
            result = conn.execute(
                update(block)
                .where(
                    and_(
                        block.c.account_id == row.account_id,
                        block.c.month == row.month,
                        block.c.version == row.version,
                    )
                )
                .values(
                    version=row.version + 1,
                    numeric=customer.cipher.encrypt(encode_numeric(rows), context + ":n"),
                    details=customer.cipher.encrypt(encode_details(rows), context + ":d"),
                    updated_at=_now(),
                )
            )
            if result.rowcount != 1:
                raise ConcurrentUpdate(f"ledger block {row.month} changed concurrently")
            changed_total += changed
        return changed_total

    # -- category rules ------------------------------------------------------------------
    def add_rule(self, conn: Connection, customer: CustomerHandle, rule: dict[str, object]) -> int:
        """Store a customer's category rule (encrypted); returns its number."""
        payload = customer.cipher.encrypt(
            json.dumps(rule, sort_keys=True).encode(), f"rule:{customer.id}"
        )
        result = conn.execute(
            insert(schema.category_rules).values(
                customer_id=customer.id, payload=payload, created_at=_now()
            )
        )
        inserted = result.inserted_primary_key
        if inserted is None:  # pragma: no cover - every supported database returns it
            raise StorageError("the database did not return the new rule's number")
        return int(inserted[0])

    def list_rules(
        self, conn: Connection, customer: CustomerHandle
    ) -> list[tuple[int, dict[str, object]]]:
        """(number, rule) of the customer's rules, oldest first."""
        table = schema.category_rules
        rows = conn.execute(
            select(table.c.id, table.c.payload)
            .where(table.c.customer_id == customer.id)
            .order_by(table.c.id)
        )
        return [
            (int(r.id), json.loads(customer.cipher.decrypt(r.payload, f"rule:{customer.id}")))
            for r in rows
        ]

    def delete_rule(self, conn: Connection, customer: CustomerHandle, number: int) -> bool:
        table = schema.category_rules
        result = conn.execute(
            delete(table).where(and_(table.c.customer_id == customer.id, table.c.id == number))
        )
        return bool(result.rowcount)

    def count_rows(self, conn: Connection, customer: CustomerHandle) -> int:
        """How many transactions the customer has (from plaintext block row counts)."""
        block = schema.ledger_blocks
        total = 0
        for (count,) in conn.execute(
            select(block.c.row_count).where(block.c.customer_id == customer.id)
        ):
            total += int(count)
        return total

    # -- erasure -------------------------------------------------------------------------
    def request_erasure(self, conn: Connection, external_id: str) -> str | None:
        """Mark the customer as being erased (never read again); their internal id, or
        None if the bank has no such customer."""
        row = self._customer_row(conn, external_id)
        if row is None:
            return None
        if row.erase_requested_at is None:
            conn.execute(
                update(schema.customers)
                .where(schema.customers.c.id == row.id)
                .values(erase_requested_at=_now())
            )
        return str(row.id)

    def pending_erasures(self, conn: Connection) -> list[str]:
        """Internal ids of this bank's customers whose erasure started but did not finish."""
        table = schema.customers
        return [
            str(r.id)
            for r in conn.execute(
                select(table.c.id).where(
                    and_(table.c.bank_id == self.bank_id, table.c.erase_requested_at.is_not(None))
                )
            )
        ]

    def shred_key(self, customer_id: str) -> bool:
        """Delete the customer's data key from the key store (crypto-shredding)."""
        self._cipher_cache.pop(customer_id, None)
        return self._keystore.delete(self.bank_id, customer_id)

    def delete_customer_rows(self, conn: Connection, customer_id: str) -> int:
        """Delete every row of the customer; returns how many ledger blocks went."""
        blocks = conn.execute(
            delete(schema.ledger_blocks).where(schema.ledger_blocks.c.customer_id == customer_id)
        ).rowcount
        for table in (
            schema.balances,
            schema.category_rules,
            schema.consents,
            schema.customer_preferences,
            schema.pending_replies,
            schema.card_controls,
            schema.handoffs,
            schema.messenger_links,
            schema.link_codes,
            schema.conversations,
            schema.fraud_alerts,
            schema.web_notices,
            schema.insight_settings,
            schema.insights_sent,
            schema.accounts,
        ):
            conn.execute(delete(table).where(table.c.customer_id == customer_id))
        conn.execute(delete(schema.customers).where(schema.customers.c.id == customer_id))
        self._cipher_cache.pop(customer_id, None)
        return int(blocks or 0)
