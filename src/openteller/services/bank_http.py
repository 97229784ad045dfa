"""Card controls through the bank's own core, over HTTPS with signed requests.

Configured by ``OPENTELLER_BANK_ACTIONS_URL`` (with ``..._KEY_ID`` and ``..._SECRET``).
OpenTeller sends::

    POST {url}/cards/freeze            (or /cards/unfreeze)
    X-OpenTeller-Key-Id:     <key id>
    X-OpenTeller-Timestamp:  <unix seconds>
    X-OpenTeller-Request-Id: <uuid, the same on retries: the bank dedupes>
    X-OpenTeller-Signature:  sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
    {"customer": "<bank's customer id>", "card_last4": "1111", "request_id": "..."}

and expects 2xx. 5xx and timeouts are retried with backoff (3 tries); 4xx is not. The
card list comes from the accounts OpenTeller holds (the bank's core is the authority on
whether a card is frozen, so both actions are offered).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable

import httpx
from sqlalchemy import Engine

from openteller.assistant.actions import Card
from openteller.domain.accounts import AccountType
from openteller.domain.errors import OpenTellerError
from openteller.services.cards import card_accounts
from openteller.services.cards import card_label as _label
from openteller.services.customers import require_customer
from openteller.store.audit_log import AuditLog
from openteller.store.repository import LedgerStore

_CARD_TYPES = {AccountType.CREDIT_CARD, AccountType.CHECKING}
ATTEMPTS = 3


class BankActionFailed(OpenTellerError):
    """The bank's core refused or could not be reached."""


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    return (
        "sha256=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    )


class HttpBankActions:
    def __init__(
        self,
        engine: Engine,
        store: LedgerStore,
        audit: AuditLog,
        *,
        url: str,
        key_id: str,
        secret: bytes,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._engine = engine
        self._store = store
        self._audit = audit
        self._url = url.rstrip("/")
        self._key_id = key_id
        self._secret = secret
        self._client = client or httpx.Client(timeout=5.0)
        self._sleep = sleep

    def cards(self, customer: str) -> list[Card]:
        _customer_id, accounts = card_accounts(self._engine, self._store, customer)
        return [Card(a.id, _label(a.type, a.mask), frozen=False) for a in accounts]

    def set_frozen(self, customer: str, account_id: str, frozen: bool, *, actor: str) -> Card:
        card = next((c for c in self.cards(customer) if c.account_id == account_id), None)
        if card is None:
            raise BankActionFailed(f"customer {customer!r} has no card on account {account_id!r}")
        request_id = uuid.uuid4().hex
        body = json.dumps(
            {"customer": customer, "card_last4": card.label[-4:], "request_id": request_id},
            separators=(",", ":"),
        ).encode()
        path = "/cards/freeze" if frozen else "/cards/unfreeze"
        self._post(path, body, request_id)
        with self._engine.begin() as conn:
            handle = require_customer(self._store, conn, customer)
            self._audit.append(
                conn,
                actor=actor,
                action="card_frozen" if frozen else "card_unfrozen",
                customer_ref=handle.id,
                detail={"account": account_id, "via": "bank_core", "request": request_id},
            )
        return Card(card.account_id, card.label, frozen)

    def _post(self, path: str, body: bytes, request_id: str) -> None:
        last = ""
        for attempt in range(ATTEMPTS):
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "X-OpenTeller-Key-Id": self._key_id,
                "X-OpenTeller-Timestamp": timestamp,
                "X-OpenTeller-Request-Id": request_id,
                "X-OpenTeller-Signature": signature(self._secret, timestamp, body),
            }
            try:
                response = self._client.post(self._url + path, content=body, headers=headers)
            except httpx.HTTPError as exc:
                last = f"cannot reach the bank's core at {self._url}: {exc.__class__.__name__}"
            else:
                if response.is_success:
                    return
                last = f"the bank's core answered {response.status_code} to {path}"
                if response.status_code < 500 and response.status_code != 429:
                    raise BankActionFailed(last)
            if attempt + 1 < ATTEMPTS:
                self._sleep(0.5 * 2**attempt)
        raise BankActionFailed(last)
