"""Misspelt domain words are put right before understanding; everything else is left."""

from __future__ import annotations

import pytest

from openteller.assistant.slots import CATEGORY_WORDS
from openteller.assistant.spelling import BANKING_WORDS, Speller

KNOWN = {"how", "much", "did", "spend", "on", "my", "mouth", "in", "near", "leeds", "at"}


@pytest.fixture(scope="module")
def speller() -> Speller:
    domain = BANKING_WORDS | {w for phrase in CATEGORY_WORDS for w in phrase.split()}
    return Speller(domain, KNOWN)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        (
            "how much did i spend on grocerys last mnth",
            "how much did i spend on grocery last month",
        ),
        ("whats my balanse", "whats my balance"),
        ("transactons last wek", "transactions last week"),
        ("resturants yesterdy", "restaurants yesterday"),
        ("what's my chekcing balance", "what's my checking balance"),  # letters swapped
        ("Spending in Novembr", "Spending in november"),
    ],
)
def test_misspelt_domain_words_are_corrected(speller: Speller, typed: str, meant: str) -> None:
    assert speller.correct(typed) == meant


@pytest.mark.parametrize(
    "text",
    [
        "how much did i spend on my mouth",  # a word the model knows is never changed
        "atms near leeds",
        "how much at zzqxv",  # nothing close
        "spent at tesco",  # not a domain word, not one edit from one
        "my 2 cards",
    ],
)
def test_known_words_names_and_far_words_are_left(speller: Speller, text: str) -> None:
    assert speller.correct(text) == text


def test_a_merchant_of_the_customers_is_kept_even_near_a_domain_word(speller: Speller) -> None:
    assert speller.correct("spent at balanse", keep=["Balanse"]) == "spent at balanse"
    assert speller.correct("spent at balanse") == "spent at balance"


def test_a_word_between_two_domain_words_is_left(speller: Speller) -> None:
    # "wees" is one edit from both "week" and "weeks": no single closest word, no guess.
    assert speller.correct("wees") == "wees"
