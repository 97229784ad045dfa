"""The encrypted store on SQLite and PostgreSQL (each test runs on both)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from openteller.domain.accounts import AccountType, BalanceKind
from openteller.domain.errors import MasterKeyError, StorageError
from openteller.domain.money import Money
from openteller.privacy.keys import LocalMasterKey
from openteller.store.database import (
    check_schema,
    create_database_engine,
    head_revision,
    migrate,
)
from openteller.store.keystore import KeyStore
from openteller.store.ledger_codec import LedgerRow
from openteller.store.repository import LedgerStore
from openteller.store.setup import keystore_url_for

MASTER = LocalMasterKey(bytes(range(32)))


@pytest.fixture
def keystore(database_url: str, keystore_url: str | None) -> Iterator[KeyStore]:
    engine = create_database_engine(keystore_url_for(database_url, keystore_url))
    store = KeyStore(engine)
    store.create_tables()
    yield store
    engine.dispose()


def _row(key: str, day: int, minor: int, merchant: str = "Tesco") -> LedgerRow:
    return LedgerRow(
        id=key,
        key=key,
        booking_date=date(2024, 2, day),
        value_date=None,
        amount_minor=minor,
        currency="GBP",
        category=1,
        pending=False,
        description=f"POS {merchant.upper()} 3297",
        merchant=merchant,
        mcc="5411",
        counterparty="",
        reference="",
    )


def test_schema_check_says_to_run_init(database_url: str) -> None:
    engine = create_database_engine(database_url)
    with pytest.raises(StorageError, match="openteller init"):
        check_schema(engine)
    assert migrate(engine) == (None, head_revision())
    check_schema(engine)
    assert migrate(engine) == (head_revision(), head_revision())  # idempotent
    engine.dispose()


def test_store_round_trip_dedupe_and_wrong_key(database_url: str, keystore: KeyStore) -> None:
    engine = create_database_engine(database_url)
    migrate(engine)
    store = LedgerStore(MASTER, keystore, "bank1", "Bank One")
    with engine.begin() as conn:
        assert store.ensure_bank(conn) is True
        customer = store.get_or_create_customer(conn, "alice")
        account_id, created = store.get_or_create_account(
            conn,
            customer,
            identifier="GB29NWBK60161331926819",
            account_type=AccountType.CHECKING,
            currency="GBP",
            display_name="Current",
            mask="6819",
            institution="NWBK",
        )
        assert created
        again, created_again = store.get_or_create_account(
            conn,
            customer,
            identifier="GB29NWBK60161331926819",
            account_type=AccountType.CHECKING,
            currency="GBP",
            display_name="Current",
            mask="6819",
            institution="NWBK",
        )
        assert (again, created_again) == (account_id, False)
        assert store.merge_rows(
            conn, customer, account_id, 202402, [_row("a", 3, -250), _row("b", 1, -100)]
        ) == (2, 0)
        assert store.merge_rows(
            conn, customer, account_id, 202402, [_row("a", 3, -250), _row("c", 2, 5000, "Acme")]
        ) == (1, 1)
        store.put_balance(
            conn,
            customer,
            account_id,
            BalanceKind.BOOKED,
            Money.of("10.00", "GBP"),
            datetime(2024, 2, 28, tzinfo=UTC),
        )
    with engine.connect() as conn:
        fresh = LedgerStore(MASTER, keystore, "bank1", "Bank One")
        fresh.ensure_bank(conn)
        customer = fresh.find_customer(conn, "alice")
        assert customer is not None
        rows = [r for _a, r in fresh.iter_rows(conn, customer)]
        assert [r.key for r in rows] == ["b", "c", "a"]  # sorted by booking date
        assert [r.amount_minor for r in rows] == [-100, 5000, -250]
        assert (
            next(
                r
                for _a, r in fresh.iter_rows(
                    conn, customer, since=date(2024, 2, 2), until=date(2024, 2, 2)
                )
            ).merchant
            == "Acme"
        )
        accounts = fresh.list_accounts(conn, customer)
        assert [(a.display_name, a.mask) for a in accounts] == [("Current", "6819")]
        (balance,) = fresh.latest_balances(conn, customer)
        assert balance.amount == Money(Decimal("10.00"), "GBP")
        assert fresh.count_rows(conn, customer) == 3
    with engine.connect() as conn, pytest.raises(MasterKeyError, match="does not match"):
        LedgerStore(LocalMasterKey(bytes(32)), keystore, "bank1", "Bank One").ensure_bank(conn)
    engine.dispose()


def test_customers_of_different_banks_are_separate(database_url: str, keystore: KeyStore) -> None:
    engine = create_database_engine(database_url)
    migrate(engine)
    one = LedgerStore(MASTER, keystore, "bank1", "Bank One")
    two = LedgerStore(LocalMasterKey(bytes([7]) * 32), keystore, "bank2", "Bank Two")
    with engine.begin() as conn:
        one.ensure_bank(conn)
        two.ensure_bank(conn)
        alice_one = one.get_or_create_customer(conn, "alice")
        alice_two = two.get_or_create_customer(conn, "alice")
        assert alice_one.id != alice_two.id
        assert two.find_customer(conn, "alice") == alice_two
    engine.dispose()
