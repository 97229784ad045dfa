"""``openteller demo`` builds a working, encrypted local bank a newcomer can explore."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENTELLER_")}
    return subprocess.run(
        [sys.executable, "-m", "openteller.cli", *args],
        cwd=cwd,
        env={**clean, "COLUMNS": "250", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_demo_creates_a_bank_and_prints_commands_that_work(tmp_path: Path) -> None:
    first = run("demo", "--dir", "bank", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Demo bank ready" in first.stdout
    assert (tmp_path / "bank" / "openteller.db").is_file()
    assert (tmp_path / "bank" / "openteller.key").is_file()

    env = {
        "OPENTELLER_DATABASE_URL": "sqlite:///bank/openteller.db",
        "OPENTELLER_MASTER_KEY_FILE": "bank/openteller.key",
        "OPENTELLER_BANK_ID": "demo",
    }
    assert "OPENTELLER_DATABASE_URL=sqlite:///" in first.stdout
    accounts = run("accounts", "--customer", "alice", "--json", cwd=tmp_path, **env)
    assert accounts.returncode == 0, accounts.stderr
    by_type = {a["type"]: a for a in json.loads(accounts.stdout)}
    assert set(by_type) == {"checking", "credit_card", "savings"}
    assert by_type["checking"]["mask"] == "0401"
    assert by_type["credit_card"]["mask"] == "1111"
    assert by_type["savings"]["mask"] == "0501"
    assert by_type["checking"]["balances"]["booked"]["amount"] == "4321.09"
    assert by_type["checking"]["transactions"] > 500  # two years of everyday banking
    # the savings balance is what it held two years ago plus every transfer and interest
    alice_rows = json.loads(
        run("transactions", "--customer", "alice", "--json", cwd=tmp_path, **env).stdout
    )
    savings = by_type["savings"]
    moved_in = sum(Decimal(r["amount"]) for r in alice_rows if r["account_id"] == savings["id"])
    assert Decimal(savings["balances"]["booked"]["amount"]) == Decimal("8000.00") + moved_in

    rows = json.loads(
        run("transactions", "--customer", "bob", "--json", cwd=tmp_path, **env).stdout
    )
    categories = {row["category"] for row in rows}
    assert {"groceries", "coffee", "subscriptions", "income"} <= categories
    assert {"transfers", "card_payment"} <= categories  # to savings; the card paid monthly
    assert all("4111111111111111" not in row["description"] for row in rows)

    consents = json.loads(
        run("consent", "list", "--customer", "alice", "--json", cwd=tmp_path, **env).stdout
    )
    assert [(c["channel"], c["status"]) for c in consents] == [("messenger", "Authorised")]
    trail = run("audit", "trail", "--customer", "alice", "--json", cwd=tmp_path, **env)
    assert {e["action"] for e in json.loads(trail.stdout)} >= {"consent_grant", "read"}
    assert run("audit", "verify", cwd=tmp_path, **env).returncode == 0
    assert "openteller audit trail --customer alice" in first.stdout
    assert "openteller serve --port 8000" in first.stdout
    assert "openteller demo --serve --dir" in first.stdout  # the way to the live fraud alert
    assert "/chat/login?token=" in first.stdout

    # The statements run up to today, so the questions the demo suggests have answers.
    today = date.today().isoformat()
    recent = run(
        "transactions", "--customer", "alice", "--since", today, "--json", cwd=tmp_path, **env
    )
    assert json.loads(recent.stdout), "the demo has no transactions today"
    groceries = run(
        *("ask", "--customer", "alice", "--json"),
        "how much did I spend on groceries last month?",
        cwd=tmp_path,
        **env,
    )
    assert Decimal(json.loads(groceries.stdout)["answer"]["amount"]) > 0
    saved = run(
        *("ask", "--customer", "alice", "--json"),
        "how much did I transfer to savings last month?",
        cwd=tmp_path,
        **env,
    )
    assert json.loads(saved.stdout)["answer"] == {
        "amount": "500.00",
        "currency": "USD",
        "count": 1,
        "direction": "in",
    }

    atm = run("ask", "--customer", "alice", "--json", "ATMs in Manchester", cwd=tmp_path, **env)
    assert json.loads(atm.stdout)["answer"]["atms"][0]["name"] == "Piccadilly Gardens"

    # Running it again starts afresh rather than piling duplicates on the old bank.
    again = run("demo", "--dir", "bank", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    recount = json.loads(
        run("accounts", "--customer", "alice", "--json", cwd=tmp_path, **env).stdout
    )
    assert {a["transactions"] for a in recount} == {a["transactions"] for a in by_type.values()}


def test_the_running_demo_raises_a_fraud_alert_and_no_freezes_the_card(tmp_path: Path) -> None:
    """`openteller demo` as a newcomer runs it: a suspicious payment arrives after
    --alert-after seconds, the fraud alert reaches alice's web chat live, "No" freezes."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENTELLER_")}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    demo = subprocess.Popen(
        [
            *(sys.executable, "-m", "openteller.cli", "demo", "--dir", "bank", "--serve"),
            *("--port", str(port), "--alert-after", "3"),
        ],
        cwd=tmp_path,
        env={**clean, "COLUMNS": "400"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert demo.stdout is not None
        token = ""
        deadline = time.monotonic() + 240
        while not token and time.monotonic() < deadline:
            line = demo.stdout.readline()
            assert line or demo.poll() is None, "the demo stopped"
            found = re.search(r"/chat/login\?token=(\S+)", line)
            token = found.group(1) if found else ""
        url = f"http://127.0.0.1:{port}"
        while time.monotonic() < deadline:  # the link is printed as the server starts
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        notice: dict[str, object] = {}
        with httpx.stream(
            "GET", f"{url}/chat/api/events", cookies={"ot_session": token}, timeout=120
        ) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    notice = json.loads(line[5:])
                    break
        assert "was this you?" in str(notice["text"])
        assert "2480.00 USD at VOLTMAX ELECTRONICS ONLINE on your card ending 1111" in str(
            notice["text"]
        )
        choices = {q["title"]: q["payload"] for q in notice["quick_replies"]}  # type: ignore[attr-defined]
        answer = httpx.post(
            f"{url}/chat/api/messages",
            json={"text": choices["No, freeze my card"]},
            cookies={"ot_session": token},
            timeout=30,
        )
        assert "is now frozen" in answer.json()["text"]
    finally:
        demo.terminate()
        demo.wait(timeout=30)
