"""G10: one deployment, two banks, each with its own master key: nothing crosses banks.

Both banks share the data database and the key store (as one platform deployment
serving several banks would); each bank's app has only its own master key.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from openteller.bootstrap import App
from openteller.domain.consent import Purpose
from openteller.domain.errors import MasterKeyError
from openteller.ingest.registry import build_readers
from openteller.privacy.access import Requester, UnknownCustomer
from openteller.store.repository import LedgerStore
from tests.db import make_settings
from tests.samples import fixture

TERMINAL = Requester("terminal", Purpose.CUSTOMER_QUESTIONS)


@pytest.fixture
def banks(database_url: str, keystore_url: str | None, tmp_path: Path):  # type: ignore[no-untyped-def]
    one = App(make_settings(database_url, keystore_url, tmp_path, bank_id="one"))
    two = App(make_settings(database_url, keystore_url, tmp_path, bank_id="two"))
    one.init()
    two.init()
    readers = build_readers()
    assert one.ingest.ingest_file(fixture("ofx/ofxparse__checking.ofx"), "alice", readers)
    assert two.ingest.ingest_file(
        fixture("camt/viafintech__053_valid_example.xml"), "alice", readers
    )
    two.ingest.ingest_file(fixture("ofx/ofxparse__checking.ofx"), "carol", readers)
    yield one, two
    one.close()
    two.close()


def test_each_bank_reads_only_its_own_customers(banks) -> None:  # type: ignore[no-untyped-def]
    one, two = banks
    alice_one = one.access.transactions("alice", TERMINAL)
    alice_two = two.access.transactions("alice", TERMINAL)
    assert len(alice_one) == 3
    assert {t.id for t in alice_one}.isdisjoint({t.id for t in alice_two})
    assert {t.account_id for t in alice_one}.isdisjoint({t.account_id for t in alice_two})
    with pytest.raises(UnknownCustomer, match="at bank 'one'"):
        one.access.transactions("carol", TERMINAL)
    exported = one.export.export("alice")
    assert len(exported["transactions"]) == 3


def test_a_banks_master_key_opens_no_other_banks_keys(banks) -> None:  # type: ignore[no-untyped-def]
    one, two = banks
    with one.engine.connect() as conn:
        alice_one = one.store.find_customer(conn, "alice")
    assert alice_one is not None
    wrapped = one.keystore.get("one", alice_one.id)
    assert wrapped is not None
    with pytest.raises(MasterKeyError):
        two.keys.unwrap(wrapped, alice_one.id.encode())
    assert two.keystore.get("two", alice_one.id) is None  # not reachable as bank two's
    impostor = LedgerStore(two.keys, two.keystore, "one", "Bank One")
    with one.engine.connect() as conn, pytest.raises(MasterKeyError, match="does not match"):
        impostor.ensure_bank(conn)


def test_audit_chains_are_per_bank(banks) -> None:  # type: ignore[no-untyped-def]
    one, two = banks
    one.access.balances("alice", TERMINAL)
    two.access.balances("alice", TERMINAL)
    two.access.balances("carol", TERMINAL)
    assert {r.bank_id for r in one.audit.records()} == {"one"}
    assert len(list(one.audit.records())) == 1 and len(list(two.audit.records())) == 2
    assert one.audit.verify().ok and two.audit.verify().ok
    two.erasure.erase("alice")
    assert len(one.access.transactions("alice", TERMINAL)) == 3  # bank one's alice stays
    assert one.audit.verify().ok and two.audit.verify().ok
