"""Corrections to the classifier's intent: made where the words leave no doubt, and never
where a question outside banking merely shares a word with one about money.

The cases that must stay as the classifier put them are real messages from CLINC150's
and BANKING77's training sets (insurance, travel, restaurants, time, transfers, refunds),
which the corrections used to answer with a list of the customer's payments.
"""

from __future__ import annotations

from datetime import date

import pytest

from openteller.assistant.intents import Intent
from openteller.assistant.slots import extract
from openteller.assistant.understanding import Outright, reconsidered, said_outright

TODAY = date(2026, 11, 24)
MERCHANTS = ["Starbucks", "Amazon", "Uber", "The New York Times", "John Lewis", "Free Now"]


def corrected(intent: Intent, text: str, merchants: list[str] = MERCHANTS) -> Intent:
    return reconsidered(intent, text, extract(text, TODAY, merchants))[0]


@pytest.mark.parametrize(
    "intent, text",
    [
        (Intent.OUT_OF_SCOPE, "what rental insurance policy do you recommend"),
        (Intent.OUT_OF_SCOPE, "what are my options for new insurance plans"),
        (Intent.OUT_OF_SCOPE, "any travel alerts for canada"),
        (Intent.OUT_OF_SCOPE, "what do i need to do to request vacation time off"),
        (Intent.OUT_OF_SCOPE, "i'd like to take a vacation day from 2/24 to 2/25"),
        (Intent.OUT_OF_SCOPE, "can you make a reservation at the restaurant for tonight"),
        (Intent.OUT_OF_SCOPE, "suggest a restaurant for me to eat tonight, please"),
        (Intent.OUT_OF_SCOPE, "are there any holidays this month"),
        (Intent.OUT_OF_SCOPE, "what's on my shopping list"),
        (Intent.OUT_OF_SCOPE, "what's the nearest starbucks"),
        (Intent.OUT_OF_SCOPE, "get me an uber"),
        (Intent.OUT_OF_SCOPE, "what time is it in new york"),
        (Intent.OUT_OF_SCOPE, "what time is it now"),
        (Intent.OUT_OF_SCOPE, "i am john"),
        (Intent.OUT_OF_SCOPE, "when will i get my next paycheck"),
        (Intent.BANKING_OTHER, "Where did the money transfer go?"),
        (Intent.BANKING_OTHER, "Can I get a refund?"),
        (Intent.BANKING_OTHER, "How long does it take to get a refund on something I bought?"),
        (Intent.BANKING_OTHER, "transfer $5 from savings to checking"),
    ],
)
def test_questions_about_something_else_keep_the_classifiers_intent(
    intent: Intent, text: str
) -> None:
    assert corrected(intent, text) is intent


@pytest.mark.parametrize(
    "intent, text, expected",
    [
        (Intent.OUT_OF_SCOPE, "groceries from 1/10 to 15/10", Intent.SPENDING),
        (Intent.OUT_OF_SCOPE, "coffee since monday", Intent.SPENDING),
        (Intent.OUT_OF_SCOPE, "when was my last starbucks visit", Intent.TRANSACTIONS),
        (Intent.OUT_OF_SCOPE, "how many times did i go to starbux this month", Intent.TRANSACTIONS),
        (Intent.BANKING_OTHER, "what subscriptions do i have", Intent.TRANSACTIONS),
        (Intent.BANKING_OTHER, "show me my refunds", Intent.TRANSACTIONS),
        (Intent.OUT_OF_SCOPE, "did amazon refund me?", Intent.TRANSACTIONS),
        (Intent.OUT_OF_SCOPE, "where does my money go", Intent.SPENDING),
        (Intent.OUT_OF_SCOPE, "what's my net worth", Intent.BALANCE),
        (Intent.OUT_OF_SCOPE, "have i been paid this week", Intent.INCOME),
        (Intent.OUT_OF_SCOPE, "what was my last paycheck", Intent.TRANSACTIONS),
        (Intent.INCOME, "how much did i pay for gas last month", Intent.SPENDING),
        (Intent.TRANSACTIONS, "how much rent did i pay this year", Intent.SPENDING),
    ],
)
def test_questions_about_the_customers_money_are_corrected(
    intent: Intent, text: str, expected: Intent
) -> None:
    assert corrected(intent, text, ["Starbucks", "Amazon"]) is expected


def test_a_salary_is_no_payment_made() -> None:
    # "my pay for this year" is money that came in, not "pay for" something
    assert corrected(Intent.INCOME, "what's my pay for this year") is Intent.INCOME


def test_how_much_is_owed_is_no_balance() -> None:
    text = "how much do i have to pay on my bills"
    assert corrected(Intent.BANKING_OTHER, text) is Intent.BANKING_OTHER


@pytest.mark.parametrize(
    "text",
    [
        "do you sell my data?",
        "is this chat private?",
        "is my data safe",
        "is it safe?",
        "but is it secure here",
        "are you using my information for ads",
    ],
)
def test_privacy_promise_questions(text: str) -> None:
    assert said_outright(text) is Outright.PRIVACY_PROMISE


@pytest.mark.parametrize(
    "text",
    [
        "is it safe to travel to iceland",
        "if i got to indonesia is it safe",
        "is my neighbourhood safe at night",
        "is this restaurant safe for kids",
    ],
)
def test_safety_questions_about_other_things_are_no_privacy_question(text: str) -> None:
    assert said_outright(text) is None


def test_stop_insights_said_in_words() -> None:
    assert said_outright("please stop sending me these tips") is Outright.STOP_INSIGHTS


def test_a_catalogue_name_is_no_merchant_of_theirs() -> None:
    # `openteller nlu` has no customer: a merchant catalogue's "PLUS" in a sum is no
    # question about payments at PLUS, as it would be for a customer who shops there
    text = "how much is 50 plus 756"
    slots = extract(text, TODAY, ["PLUS"])
    assert slots.merchant == "PLUS"
    catalogue = reconsidered(Intent.OUT_OF_SCOPE, text, slots, merchant_is_theirs=False)
    assert catalogue[0] is Intent.OUT_OF_SCOPE
    assert reconsidered(Intent.OUT_OF_SCOPE, text, slots)[0] is Intent.SPENDING


def test_a_word_inside_a_merchants_name_is_no_mention_of_it() -> None:
    assert corrected(Intent.OUT_OF_SCOPE, "how much are taxes in my state", ["Allstate"]) is (
        Intent.OUT_OF_SCOPE
    )
