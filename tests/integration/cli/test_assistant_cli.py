"""The assistant's commands end to end: nlu, ask, chat, handoffs and eval, as real processes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.integration.cli.conftest import Cli
from tests.samples import fixture

STATEMENT = str(fixture("ofx/ofxparse__checking.ofx"))  # 2011-03-31 .. 2011-04-07


def _with_alice(cli: Cli) -> None:
    assert cli("ingest", STATEMENT, "--customer", "alice").code == 0


def test_nlu_json_and_batch(sqlite_cli: Cli) -> None:
    one = sqlite_cli("nlu", "--json", "how much did I spend on coffee last month?")
    assert one.code == 0, one.stderr
    record = one.json()
    assert record["intent"] == "spending" and record["slots"]["category"] == "coffee"
    assert record["slots"]["period"]["text"] == "last month"
    batch = subprocess.run(
        [sys.executable, "-m", "openteller.cli", "nlu", "--batch"],
        input="what's my balance\nshow my last 5 amazon purchases\nwhat's the weather\n",
        env=sqlite_cli.env,
        cwd=sqlite_cli.workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [json.loads(line) for line in batch.stdout.splitlines()]
    assert [r["intent"] for r in lines] == ["balance", "transactions", "out_of_scope"]
    assert lines[1]["slots"]["merchant"] == "Amazon" and lines[1]["slots"]["limit"] == 5


def test_ask_answers_exactly_with_a_frozen_clock(cli: Cli) -> None:
    _with_alice(cli)
    answer = cli(
        "ask",
        "--customer",
        "alice",
        "--json",
        "--now",
        "2011-04-10T12:00",
        "how much did I spend this month?",
    )
    assert answer.code == 0, answer.stderr
    data = answer.json()
    assert data["intent"] == "spending"
    assert data["period"] == {"start": "2011-04-01", "end": "2011-04-10"}
    assert data["answer"] == {"amount": "59.51", "currency": "USD", "count": 2}
    assert "1 Apr 2011" in data["text"]


def test_ask_batch_is_one_conversation(cli: Cli) -> None:
    _with_alice(cli)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "openteller.cli",
            "ask",
            "--customer",
            "alice",
            "--batch",
            "--now",
            "2011-04-10T12:00",
        ],
        input="how much did I spend last month?\nand this month?\n",
        env=cli.env,
        cwd=cli.workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["period"] == {"start": "2011-03-01", "end": "2011-03-31"}
    assert second["intent"] == "spending"
    assert second["period"] == {"start": "2011-04-01", "end": "2011-04-10"}


def test_ask_errors_are_clear(sqlite_cli: Cli) -> None:
    # A mistyped customer id is the operator's error (exit 1), not a chat answer.
    unknown = sqlite_cli("ask", "--customer", "nobody", "--json", "what's my balance?")
    assert unknown.code == 1 and unknown.stdout == ""
    assert unknown.stderr.startswith("Error: no customer 'nobody' at bank")
    chat = sqlite_cli("chat", "--customer", "nobody")
    assert chat.code == 1 and "no customer 'nobody'" in chat.stderr
    bad_time = sqlite_cli("ask", "--customer", "alice", "--now", "yesterday-ish", "hi")
    assert bad_time.code == 2 and "ISO-8601" in bad_time.stderr
    nothing = sqlite_cli("ask", "--customer", "alice")
    assert nothing.code == 2 and "--batch" in nothing.stderr


def test_chat_numbers_quick_replies_and_ends_on_an_empty_line(cli: Cli) -> None:
    _with_alice(cli)
    done = subprocess.run(
        [sys.executable, "-m", "openteller.cli", "chat", "--customer", "alice"],
        input="hi\n1\n\n",
        env=cli.env,
        cwd=cli.workdir,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "[1] My balance" in done.stdout
    assert "available" in done.stdout  # "1" chose the first quick reply: the balance


def test_handoffs_list_and_close(cli: Cli) -> None:
    _with_alice(cli)
    cli("ask", "--customer", "alice", "I want to speak to a person about my mortgage")
    (handoff,) = cli("handoffs", "list", "--json").json()
    assert handoff["customer"] == "alice" and "mortgage" in handoff["question"]
    assert cli("handoffs", "close", handoff["id"]).code == 0
    assert cli("handoffs", "list", "--json").json() == []
    assert cli("handoffs", "close", "nope").code == 2


@pytest.mark.slow
def test_eval_nlu_reports_the_three_measures(sqlite_cli: Cli) -> None:
    done = sqlite_cli("eval", "nlu", "--folds", "2", "--json")
    assert done.code == 0, done.stderr
    report = done.json()
    assert report["skill intents: accuracy"]["value"] > 0.85
    assert report["non-banking questions sent to out_of_scope"]["value"] > 0.95
    assert report["banking questions not sent to out_of_scope"]["value"] > 0.95
    assert report["slots: exact on labelled cases"]["count"] >= 20
    # what the assistant acts on, and the classifier's own label beside it
    assert (
        report["classifier alone: skill intents"]["count"]
        == report["skill intents: accuracy"]["count"]
    )
    assert report["classifier alone: non-banking out_of_scope"]["value"] > 0.95
    assert report["banking questions without a skill left to a person"]["value"] > 0.9
    # skill accuracy per dataset, whose counts add up to the whole
    per_dataset = [
        report[f"skill questions from {name}"] for name in ("CLINC150", "BANKING77", "NLU++")
    ]
    assert sum(row["count"] for row in per_dataset) == report["skill intents: accuracy"]["count"]
    assert all(row["value"] > 0.7 for row in per_dataset)
