"""G1-G3: purpose binding, the consent lifecycle and revocation, on SQLite and PostgreSQL.

Every test reads through the access service exactly as a channel would, and checks both
the answer and the audit entry the read left behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from openteller.bootstrap import App
from openteller.domain.categories import Category
from openteller.domain.consent import ConsentStatus, Purpose, Scope
from openteller.domain.errors import AccessDenied, ConsentError, ForbiddenPurpose
from openteller.privacy.access import AccessService, Requester, UnknownCustomer
from openteller.store.consents import ConsentStore

MESSENGER = Requester("messenger", Purpose.CUSTOMER_QUESTIONS)
TERMINAL = Requester("terminal", Purpose.CUSTOMER_QUESTIONS, "terminal:test")


def _last(app: App) -> tuple[str, str, str, str]:
    entry = list(app.audit.records())[-1]
    return entry.action, entry.outcome, entry.purpose, entry.scope


def _grant(app: App, **overrides: object) -> str:
    values: dict[str, object] = {
        "channel": "messenger",
        "purposes": ["customer_questions"],
        "scopes": ["accounts", "balances", "transactions"],
    }
    values.update(overrides)
    return app.consents.grant("alice", **values).consent.id  # type: ignore[arg-type]


# -- G1 purpose binding -------------------------------------------------------------------
def test_first_party_reads_are_allowed_and_audited(app: App) -> None:
    items = app.access.transactions("alice", TERMINAL)
    assert [t.amount.amount for t in items] == [
        Decimal("0.01"),
        Decimal("-34.51"),
        Decimal("-25.00"),
    ]
    assert _last(app) == ("read", "allowed", "customer_questions", "transactions")
    entry = list(app.audit.records())[-1]
    assert entry.actor == "terminal:test" and entry.details()["transactions"] == 3


def test_a_third_party_without_consent_is_refused_and_audited(app: App) -> None:
    with pytest.raises(AccessDenied, match="no consent"):
        app.access.transactions("alice", MESSENGER)
    assert _last(app) == ("read", "denied", "customer_questions", "transactions")


@pytest.mark.parametrize(
    "purpose", ["advertising", "Marketing", "cross-selling", "sale", "profiling"]
)
def test_forbidden_purposes_are_refused_on_read_for_every_caller(app: App, purpose: str) -> None:
    for channel in ("terminal", "messenger"):
        with pytest.raises(AccessDenied, match="can never be granted"):
            app.access.balances("alice", Requester(channel, purpose))
        action, outcome, audited_purpose, _scope = _last(app)
        assert (action, outcome, audited_purpose) == ("read", "denied", purpose[:40])


@pytest.mark.parametrize("purpose", ["advertising", "targeted advertising", "data sale"])
def test_forbidden_purposes_cannot_be_granted(app: App, purpose: str) -> None:
    with pytest.raises(ForbiddenPurpose):
        _grant(app, purposes=["customer_questions", purpose])
    assert app.consents.list("alice") == []
    action, outcome, _purpose, _scope = _last(app)
    assert (action, outcome) == ("consent_grant", "refused")


def test_proactive_insights_need_an_opt_in_even_first_party(app: App) -> None:
    insights = Requester("terminal", Purpose.PROACTIVE_INSIGHTS)
    with pytest.raises(AccessDenied):
        app.access.transactions("alice", insights)
    app.consents.grant(
        "alice", channel="terminal", purposes=["proactive_insights"], scopes=["transactions"]
    )
    assert len(app.access.transactions("alice", insights)) == 3


def test_reading_another_banks_or_an_unknown_customer_is_refused(app: App) -> None:
    with pytest.raises(UnknownCustomer, match="no customer 'mallory'"):
        app.access.balances("mallory", TERMINAL)
    assert _last(app)[:2] == ("read", "denied")


def test_a_batch_is_decided_customer_by_customer_as_single_checks_are(app: App) -> None:
    """authorise_many (one statement for the customers, one for their consents) gives
    each customer what authorise gives, and audits each refusal the same way."""
    _grant(app, scopes=["balances"])
    with app.engine.begin() as conn:
        app.store.get_or_create_customer(conn, "bob")  # known, without a consent
    asked = ["alice", "bob", "mallory", "alice"]
    cases = [
        (MESSENGER, Scope.BALANCES),
        (MESSENGER, Scope.TRANSACTIONS),  # alice's consent does not cover it
        (TERMINAL, Scope.BALANCES),  # first party: no consent needed
        (Requester("messenger", "advertising"), Scope.BALANCES),
    ]
    seen: set[str] = set()
    for requester, scope in cases:
        single: list[tuple[str, str]] = []
        before = len(list(app.audit.records()))
        with app.engine.connect() as conn:
            for customer in asked:
                try:
                    grant = app.access.authorise(conn, customer, requester, scope)
                except AccessDenied as exc:
                    single.append((type(exc).__name__, str(exc)))
                else:
                    single.append(("Grant", grant.customer.external_id))
        single_audit = [
            (r.action, r.outcome, r.customer_ref, r.details()["reason"])
            for r in list(app.audit.records())[before:]
        ]
        with app.engine.connect() as conn:
            outcomes = app.access.authorise_many(conn, asked, requester, scope)
        batch = [
            (type(o).__name__, str(o)) if isinstance(o, AccessDenied)
            else ("Grant", o.customer.external_id)
            for o in outcomes
        ]  # fmt: skip
        batch_audit = [
            (r.action, r.outcome, r.customer_ref, r.details()["reason"])
            for r in list(app.audit.records())[before + len(single_audit) :]
        ]
        assert batch == single, (requester, scope)
        assert batch_audit == single_audit, (requester, scope)
        assert all(entry[:2] == ("read", "denied") for entry in batch_audit)
        seen |= {name for name, _ in batch}
    assert seen == {"Grant", "AccessDenied", "UnknownCustomer"}  # every kind of outcome


# -- G2 consent lifecycle -----------------------------------------------------------------
def test_a_consent_covers_its_purposes_scopes_and_window_only(app: App) -> None:
    consent_id = _grant(
        app,
        scopes=["transactions"],
        transactions_from=date(2011, 4, 1),
        transactions_until=date(2011, 4, 30),
    )
    items = app.access.transactions("alice", MESSENGER)
    assert [t.booking_date for t in items] == [date(2011, 4, 5), date(2011, 4, 7)]
    entry = list(app.audit.records())[-1]
    assert entry.details()["consent"] == consent_id
    assert entry.details()["since"] == "2011-04-01"
    with pytest.raises(AccessDenied, match="does not cover balances"):
        app.access.balances("alice", MESSENGER)
    with pytest.raises(AccessDenied, match="does not cover the purpose export"):
        app.access.transactions("alice", Requester("messenger", Purpose.EXPORT))
    spent = app.access.spending("alice", MESSENGER, category=Category.FEES)
    assert spent.since == date(2011, 4, 1)


def test_consent_receipt_and_statuses(app: App) -> None:
    view = app.consents.grant(
        "alice",
        channel="messenger",
        purposes=["customer_questions", "fraud_alerts"],
        scopes=["balances"],
        days=30,
        authorise=False,
    )
    assert view.status is ConsentStatus.AWAITING_AUTHORISATION
    assert "messenger" in view.receipt and "fraud alerts about your accounts" in view.receipt
    assert "Never used for advertising" in view.receipt
    with pytest.raises(AccessDenied, match="AwaitingAuthorisation"):
        app.access.balances("alice", MESSENGER)
    authorised = app.consents.change("alice", view.consent.id, ConsentStatus.AUTHORISED)
    assert authorised.status is ConsentStatus.AUTHORISED
    assert app.access.balances("alice", MESSENGER)
    with pytest.raises(ConsentError, match="cannot become Rejected"):
        app.consents.change("alice", view.consent.id, ConsentStatus.REJECTED)
    assert (authorised.consent.expires_at - authorised.consent.created_at) == timedelta(days=30)


def test_a_consent_lasts_at_most_a_year(app: App) -> None:
    with pytest.raises(ConsentError, match="1 to 365 days"):
        _grant(app, days=366)
    _grant(app, days=365)


def test_an_expired_consent_reads_as_expired_and_is_refused(app: App) -> None:
    _grant(app, days=1)
    later = datetime.now(UTC) + timedelta(days=1, seconds=1)
    access = AccessService(app.engine, app.store, ConsentStore(), app.audit, clock=lambda: later)
    with pytest.raises(AccessDenied, match="Expired"):
        access.balances("alice", MESSENGER)
    assert _last(app)[:2] == ("read", "denied")


# -- G3 revocation ------------------------------------------------------------------------
def test_revocation_in_another_process_stops_the_very_next_read(
    app: App, database_url: str, keystore_url: str | None
) -> None:
    consent_id = _grant(app)
    assert len(app.access.transactions("alice", MESSENGER)) == 3  # this process has read
    env = {
        **os.environ,
        "OPENTELLER_DATABASE_URL": database_url,
        "OPENTELLER_MASTER_KEY": app.settings.master_key.get_secret_value(),  # type: ignore[union-attr]
        **({"OPENTELLER_KEYSTORE_URL": keystore_url} if keystore_url else {}),
    }
    env.pop("OPENTELLER_CONFIG", None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "openteller.cli",
            "consent",
            "revoke",
            consent_id,
            "--customer",
            "alice",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Revoked" in done.stdout
    with pytest.raises(AccessDenied, match="Revoked"):
        app.access.transactions("alice", MESSENGER)  # same process, same objects


def test_revoking_the_last_consent_erases_when_retention_says_so(
    database_url: str, keystore_url: str | None, tmp_path: Path
) -> None:
    from openteller.ingest.registry import build_readers
    from tests.db import make_settings
    from tests.samples import fixture

    app = App(make_settings(database_url, keystore_url, tmp_path, erase_on_revoke=True))
    try:
        app.init()
        app.ingest.ingest_file(fixture("ofx/ofxparse__checking.ofx"), "alice", build_readers())
        first, second = _grant(app), _grant(app, channel="whatsapp")
        app.consents.revoke("alice", first)
        assert len(app.access.transactions("alice", TERMINAL)) == 3  # one consent is left
        app.consents.revoke("alice", second)
        with pytest.raises(UnknownCustomer):
            app.access.transactions("alice", TERMINAL)
        actions = [r.action for r in app.audit.records()]
        assert actions[-3:] == ["erase_requested", "erase", "read"]  # the refused read too
    finally:
        app.close()


def test_accounts_show_balances_only_when_that_scope_is_granted(app: App) -> None:
    _grant(app, scopes=["accounts"])
    (view,) = app.access.accounts("alice", MESSENGER)
    assert view.account.mask and view.balances == []
    assert _last(app) == ("read", "allowed", "customer_questions", "accounts")
    assert "denied" not in {r.outcome for r in app.audit.records()}
    (full,) = app.access.accounts("alice", TERMINAL)
    assert {b.kind.value for b in full.balances} == {"booked", "available"}
