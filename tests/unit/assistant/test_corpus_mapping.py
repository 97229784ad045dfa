"""The mapping from the public datasets' labels to the assistant's intents.

``scripts/build_nlu_corpus.py`` is the one place the mapping lives; the shipped corpus is
what it builds from ``../shared/datasets`` (checked when those are present, and always in
CI).
"""

from __future__ import annotations

import csv
import gzip
import importlib.util
import io
import os
from importlib import resources
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
DATASETS = REPO_ROOT.parent / "shared" / "datasets"


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_nlu_corpus", REPO_ROOT / "scripts" / "build_nlu_corpus.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder = _builder()


@pytest.mark.parametrize(
    ("text", "intents", "slots", "expected"),
    [
        # real NLU++ banking examples (folds 0-15) and their labels
        (
            "What's the balance of my current account?",
            {"account", "balance", "current", "how_much"},
            set(),
            "balance",
        ),
        ("current balance", {"balance", "how_much"}, set(), "balance"),
        (
            "I can't see the balance on my phone",
            {"balance", "wrong_notworking_notshowing"},
            set(),
            "banking_other",
        ),
        ("thanks you for the balance update", {"balance", "thank"}, set(), "banking_other"),
        (
            "how much did I spend on hair yesterday?",
            {"how_much", "transfer_payment_deposit"},
            {"date", "shopping_category"},
            "spending",
        ),
        (
            "how much did i spend on chipotle last Tuesday",
            {"how_much"},
            {"company_name", "date"},
            "spending",
        ),
        (
            "Did I spend less than usual amount this week for donate?",
            {"request_info", "less_lower_before", "transfer_payment_deposit"},
            {"date_period", "shopping_category"},
            "spending",
        ),
        (
            "did I receive any money from severo in last 4 months",
            {"request_info", "transfer_payment_deposit"},
            {"company_name", "date_period"},
            "income",
        ),
        (
            "show me the payments to underground from September on",
            {"request_info", "transfer_payment_deposit"},
            {"company_name", "date_from"},
            "transactions",
        ),
        (
            "What is my biggest expenditure this week",
            {"more_higher_after", "request_info", "transfer_payment_deposit"},
            {"date_period"},
            "transactions",
        ),
        (
            "Did I buy anything at Godaddy this month",
            {"request_info", "transfer_payment_deposit"},
            {"company_name", "date_period"},
            "transactions",
        ),
        (
            "how much did i pay for amex recently",
            {"how_much", "transfer_payment_deposit"},
            {"company_name", "date_period"},
            "spending",
        ),
        (
            "Can I see my latest transactions?",
            {"request_info", "transfer_payment_deposit"},
            set(),
            "transactions",
        ),
        (
            "i am trying to check the transactions of my current account but they are not showing",
            {
                "account",
                "current",
                "request_info",
                "transfer_payment_deposit",
                "wrong_notworking_notshowing",
            },
            set(),
            "banking_other",
        ),
        (
            "Yes, that transaction was made by my debit card. "
            "Can you now help me with that other question",
            {"affirm", "request_info", "transfer_payment_deposit"},
            set(),
            "banking_other",
        ),
        (
            "What is the monthly limit for contactless spending?",
            {"contactless", "limits", "request_info", "transfer_payment_deposit"},
            {"date_period"},
            "banking_other",
        ),
        (
            "What is going to happen if I don't pay that before 2pm today?",
            {"less_lower_before", "request_info", "transfer_payment_deposit"},
            {"time"},
            "banking_other",
        ),
        (
            "Just freeze that debit card!",
            {"cancel_close_leave_freeze", "card", "debit"},
            set(),
            "freeze_card",
        ),
        ("i have lost my debit card", {"card", "debit", "lost_stolen"}, set(), "freeze_card"),
        (
            "cancel my direct debit to LA VN Kitchen",
            {"cancel_close_leave_freeze", "direct_debit"},
            {"company_name"},
            "banking_other",
        ),
        ("Let me talk to a person", {"handoff"}, set(), "human_agent"),
    ],
)
def test_nlupp_label_combinations_map_to_the_skill_that_answers_them(
    text: str, intents: set[str], slots: set[str], expected: str
) -> None:
    assert builder.nlupp_intent(intents, slots, text) == expected


def test_the_shipped_corpus_is_what_the_script_builds_from_the_datasets() -> None:
    if not DATASETS.is_dir():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must have ../shared/datasets (the corpus is checked against it)")
        pytest.skip("../shared/datasets is not available on this machine")
    built = builder.build(DATASETS)
    shipped = resources.files("openteller.assistant").joinpath("data", "corpus.tsv.gz")
    with gzip.open(io.BytesIO(shipped.read_bytes()), "rt", encoding="utf-8") as handle:
        rows = [tuple(row) for row in csv.reader(handle, delimiter="\t")]
    assert rows[0] == ("source", "intent", "text")
    assert rows[1:] == built, "run scripts/build_nlu_corpus.py and commit the corpus"
