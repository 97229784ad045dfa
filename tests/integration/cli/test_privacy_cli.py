"""The privacy commands end to end, in real processes, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import sqlalchemy as sa

from openteller.store.database import create_database_engine
from tests.integration.cli.conftest import Cli
from tests.samples import fixture

STATEMENT = str(fixture("ofx/ofxparse__checking.ofx"))


def _with_alice(cli: Cli) -> None:
    assert cli("ingest", STATEMENT, "--customer", "alice").code == 0


def test_consent_grant_list_show_and_revoke(cli: Cli) -> None:
    _with_alice(cli)
    granted = cli(
        "consent",
        "grant",
        "--customer",
        "alice",
        "--channel",
        "messenger",
        "--purpose",
        "customer_questions",
        "--scope",
        "balances",
        "--scope",
        "transactions",
        "--days",
        "180",
    )
    assert granted.code == 0, granted.stderr
    assert "You allow Demo Bank to share with: messenger" in granted.stdout
    (listed,) = cli("consent", "list", "--customer", "alice", "--json").json()
    assert listed["status"] == "Authorised" and listed["scopes"] == ["balances", "transactions"]
    shown = cli("consent", "show", listed["id"], "--customer", "alice")
    assert shown.code == 0 and listed["id"] in shown.stdout
    revoked = cli("consent", "revoke", listed["id"], "--customer", "alice")
    assert revoked.code == 0 and "Revoked" in revoked.stdout
    again = cli("consent", "revoke", listed["id"], "--customer", "alice")
    assert again.code == 1 and "cannot become Revoked" in again.stderr


def test_forbidden_purposes_and_overlong_consents_are_refused(cli: Cli) -> None:
    _with_alice(cli)
    ads = cli(
        "consent",
        "grant",
        "--customer",
        "alice",
        "--channel",
        "messenger",
        "--purpose",
        "advertising",
        "--scope",
        "transactions",
    )
    assert ads.code == 1 and "can never be granted" in ads.stderr
    long = cli(
        "consent",
        "grant",
        "--customer",
        "alice",
        "--channel",
        "messenger",
        "--purpose",
        "customer_questions",
        "--scope",
        "transactions",
        "--days",
        "400",
    )
    assert long.code == 1 and "1 to 365 days" in long.stderr
    assert cli("consent", "list", "--customer", "alice", "--json").json() == []


def test_export_writes_everything_held(cli: Cli) -> None:
    _with_alice(cli)
    assert (
        cli(
            "consent",
            "grant",
            "--customer",
            "alice",
            "--channel",
            "messenger",
            "--purpose",
            "fraud_alerts",
            "--scope",
            "fraud_alerts",
        ).code
        == 0
    )
    target = cli.workdir / "alice.json"
    result = cli("export", "--customer", "alice", "--output", str(target))
    assert result.code == 0, result.stderr
    document = json.loads(target.read_text())
    assert document["customer"] == "alice"
    assert len(document["transactions"]) == 3 and len(document["accounts"]) == 1
    assert document["consents"][0]["purposes"] == ["fraud_alerts"]
    assert {e["action"] for e in document["audit_trail"]} >= {"consent_grant", "read"}
    assert "1452687" not in target.read_text()  # only the last four digits, ever


def test_erase_asks_first_and_then_shreds(cli: Cli) -> None:
    _with_alice(cli)
    refused = cli("erase", "--customer", "alice")  # not a terminal: needs --yes
    assert refused.code == 2 and "--yes" in refused.stderr
    assert cli("accounts", "--customer", "alice").code == 0
    done = cli("erase", "--customer", "alice", "--yes")
    assert done.code == 0, done.stderr
    assert "data key shredded" in done.stdout
    gone = cli("accounts", "--customer", "alice")
    assert gone.code == 1 and "no customer 'alice'" in gone.stderr
    missing = cli("erase", "--customer", "nobody", "--yes")
    assert missing.code == 1 and "nothing to erase" in missing.stderr
    assert cli("audit", "verify").code == 0


def test_audit_trail_and_verify_detects_tampering(cli: Cli) -> None:
    _with_alice(cli)
    assert cli("transactions", "--customer", "alice").code == 0
    trail = cli("audit", "trail", "--customer", "alice", "--json").json()
    assert trail[0]["who"] == "terminal:operator" and trail[0]["scope"] == "transactions"
    ok = cli("audit", "verify")
    assert ok.code == 0 and "Audit log OK" in ok.stdout
    assert cli("audit", "checkpoint").code == 0
    engine = create_database_engine(cli.env["OPENTELLER_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(sa.text("update audit_log set outcome = 'denied' where seq = 1"))
    engine.dispose()
    bad = cli("audit", "verify")
    assert bad.code == 1
    assert "TAMPERED" in bad.stdout and "entry 1 was changed" in bad.stdout


def test_discreet_mode_switches(cli: Cli) -> None:
    _with_alice(cli)
    assert "Discreet mode is on" in cli("discreet", "on", "--customer", "alice").stdout
    wrong = cli("discreet", "maybe", "--customer", "alice")
    assert wrong.code == 2 and "say on or off" in wrong.stderr


def test_key_rotation_rewraps_and_the_old_key_stops_working(cli: Cli) -> None:
    _with_alice(cli)
    new_key = cli.workdir / "new.key"
    new_key.write_text("11" * 32)
    rotated = cli("keys", "rotate", "--new-key-file", str(new_key))
    assert rotated.code == 0, rotated.stderr
    assert "Re-wrapped 1 customer key" in rotated.stdout
    assert cli("accounts", "--customer", "alice").code == 1  # the old key no longer fits
    after = cli(
        "transactions", "--customer", "alice", "--json", OPENTELLER_MASTER_KEY_FILE=str(new_key)
    )
    assert after.code == 0 and len(after.json()) == 3
