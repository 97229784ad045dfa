"""Exact answers with a frozen clock over a ledger built for the test.

Two real OFX statements (checking and a credit card) are ingested through the normal
path (categorised, encrypted); then the assistant answers as of Tuesday 2026-11-24
12:00 UTC. Every period form, merchants (including a misspelt one), categories, a
refund, a transfer to savings and the payment of the card are covered: transfers and
card payments never count as spending or income, refunds net against their merchant.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from openteller.assistant.classifier import load_classifier
from openteller.assistant.engine import Assistant, Conversation
from openteller.bootstrap import App
from openteller.demo.files import write_ofx
from openteller.demo.generator import SyntheticTransaction
from openteller.ingest.registry import build_readers
from tests.db import make_settings

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # a Tuesday

CHECKING = [
    ("2026-10-01", "3250.00", "ACME CORP PAYROLL", "DIRECTDEP"),
    ("2026-10-02", "-82.10", "WHOLE FOODS MARKET", "POS"),
    ("2026-10-05", "-4.50", "STARBUCKS STORE 1234", "POS"),
    ("2026-10-15", "3250.00", "ACME CORP PAYROLL", "DIRECTDEP"),
    ("2026-10-20", "-45.90", "WHOLE FOODS MARKET", "POS"),
    ("2026-10-21", "-500.00", "TRANSFER TO SAVINGS", "XFER"),
    ("2026-10-25", "-250.00", "CREDIT CARD PAYMENT", "PAYMENT"),
    ("2026-11-02", "-30.00", "WHOLE FOODS MARKET", "POS"),
    ("2026-11-03", "-5.25", "STARBUCKS STORE 1234", "POS"),
    ("2026-11-16", "-4.75", "STARBUCKS STORE 1234", "POS"),
    ("2026-11-20", "-3.95", "STARBUCKS STORE 1234", "POS"),
    ("2026-11-23", "-4.10", "STARBUCKS STORE 1234", "POS"),
    ("2026-11-23", "-40.00", "SHELL OIL 5744", "POS"),
    ("2026-11-24", "-4.60", "STARBUCKS STORE 1234", "POS"),
]
CARD = [
    ("2025-11-10", "-15.49", "NETFLIX.COM", "POS"),
    ("2026-03-03", "-12.00", "CHIPOTLE 123", "POS"),
    ("2026-10-10", "-60.00", "AMAZON.COM*MK1234", "POS"),
    ("2026-10-10", "-15.49", "NETFLIX.COM", "POS"),
    ("2026-10-12", "25.00", "AMAZON.COM REFUND", "CREDIT"),
    ("2026-10-25", "250.00", "PAYMENT THANK YOU", "PAYMENT"),
    ("2026-11-05", "-19.99", "AMAZON.COM", "POS"),
    ("2026-11-10", "-15.49", "NETFLIX.COM", "POS"),
]


def _write(path: Path, rows: list[tuple[str, str, str, str]], **kwargs: str) -> Path:
    write_ofx(
        path,
        (
            SyntheticTransaction(f"T{n:04d}", date.fromisoformat(d), Decimal(a), text, "", kind)
            for n, (d, a, text, kind) in enumerate(rows)
        ),
        **kwargs,  # type: ignore[arg-type]
    )
    return path


_APPS: dict[int, App] = {}


def _consents_of(assistant: Assistant):  # type: ignore[no-untyped-def]
    return _APPS[id(assistant)].consents


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    folder = tmp_path_factory.mktemp("ledger")
    app = App(make_settings(f"sqlite:///{folder}/bank.db", None, folder))
    app.init()
    readers = build_readers()
    checking = _write(
        folder / "checking.ofx", CHECKING, account="12345678", closing_balance="1520.35"
    )
    card = _write(
        folder / "card.ofx",
        CARD,
        account="4111111111111111",
        account_type="CREDITCARD",
        closing_balance="-45.47",
    )
    for path in (checking, card):
        assert app.ingest.ingest_file(path, "alice", readers).status == "ok"
    made = Assistant(app.access, load_classifier(), clock=lambda: NOW)
    _APPS[id(made)] = app
    yield made
    app.close()


def ask(assistant: Assistant, *questions: str) -> dict:  # type: ignore[type-arg]
    conversation = Conversation(customer="alice", channel="ask")
    turn = None
    for question in questions:
        turn = assistant.respond(conversation, question)
    assert turn is not None
    return turn.as_json()


@pytest.mark.parametrize(
    ("question", "amount", "count", "start", "end"),
    [
        ("how much did I spend on groceries last month?", "128.00", 2, "2026-10-01", "2026-10-31"),
        ("coffee since Monday?", "8.70", 2, "2026-11-23", "2026-11-24"),
        ("how much did I spend at starbux last week", "8.70", 2, "2026-11-16", "2026-11-22"),
        ("how much did I spend on coffee this week", "8.70", 2, "2026-11-23", "2026-11-24"),
        ("how much did I spend on coffee yesterday", "4.10", 1, "2026-11-23", "2026-11-23"),
        ("how much did I spend on coffee today", "4.60", 1, "2026-11-24", "2026-11-24"),
        ("how much did I spend on coffee on Friday", "3.95", 1, "2026-11-20", "2026-11-20"),
        ("coffee in the last 7 days", "12.65", 3, "2026-11-18", "2026-11-24"),
        ("how much have I spent on coffee this month", "22.65", 5, "2026-11-01", "2026-11-24"),
        ("how much did I spend on coffee this year", "27.15", 6, "2026-01-01", "2026-11-24"),
        ("how much did Netflix cost me last year", "15.49", 1, "2025-01-01", "2025-12-31"),
        ("how much did I spend on netflix in November", "15.49", 1, "2026-11-01", "2026-11-24"),
        ("how much did I spend on fast food in March 2026", "12.00", 1, "2026-03-01", "2026-03-31"),
        ("groceries between October 1 and October 15", "82.10", 1, "2026-10-01", "2026-10-15"),
        ("how much did I spend on groceries in Q4", "158.00", 3, "2026-10-01", "2026-11-24"),
        # the refund nets against Amazon; transfers and the card payment are not spending
        ("what did I spend at amazon in october", "35.00", 1, "2026-10-01", "2026-10-31"),
        ("how much did I spend last month", "182.99", 5, "2026-10-01", "2026-10-31"),
        ("how much did I spend last month except Amazon", "147.99", 4, "2026-10-01", "2026-10-31"),
        (
            "how much did I spend on my credit card last month",
            "50.49",
            2,
            "2026-10-01",
            "2026-10-31",
        ),
        ("how much did I spend from checking last month", "132.50", 3, "2026-10-01", "2026-10-31"),
        ("how much did I spend on gas", "40.00", 1, "2026-11-01", "2026-11-24"),
    ],
)
def test_spending_totals_are_exact(
    assistant: Assistant, question: str, amount: str, count: int, start: str, end: str
) -> None:
    answer = ask(assistant, question)
    assert answer["intent"] == "spending", answer
    assert answer["answer"] == {"amount": amount, "currency": "USD", "count": count}, answer
    assert answer["period"] == {"start": start, "end": end}
    day = date.fromisoformat(start)
    assert f"{day.day} {day:%b %Y}" in answer["text"]  # the period is always said


def test_income_excludes_transfers_card_payments_and_refunds(assistant: Assistant) -> None:
    answer = ask(assistant, "how much did I earn last month?")
    assert answer["intent"] == "income"
    assert answer["answer"] == {"amount": "6500.00", "currency": "USD", "count": 2}


def test_no_period_means_this_month_so_far_and_says_so(assistant: Assistant) -> None:
    answer = ask(assistant, "how much have I spent on groceries")
    assert answer["period"] == {"start": "2026-11-01", "end": "2026-11-24"}
    assert answer["answer"]["amount"] == "30.00"
    assert "this month so far" in answer["text"]


def test_balances_per_account_and_total(assistant: Assistant) -> None:
    answer = ask(assistant, "what's my balance?")
    assert answer["intent"] == "balance"
    accounts = {a["type"]: a for a in answer["answer"]["accounts"]}
    assert accounts["checking"]["booked"] == "1520.35" and accounts["checking"]["mask"] == "5678"
    assert accounts["credit_card"]["booked"] == "-45.47"
    # A card's negative balance is money owed, said so (not "-$45.47 available"); the
    # last line nets what is held against what is owed.
    lines = answer["text"].splitlines()
    assert lines[1:] == ["Credit card ••1111: $45.47 owed", "Net: $1,474.88"]
    assert lines[0].startswith("Checking ••5678: $1,520.35 ")
    card_only = ask(assistant, "what's the balance on my card ending 1111")
    assert [a["mask"] for a in card_only["answer"]["accounts"]] == ["1111"]


def test_an_account_the_customer_does_not_have_is_said_plainly(assistant: Assistant) -> None:
    answer = ask(assistant, "how much is in my savings account?")
    assert answer["answer"] == {"error": "no_such_account"}
    assert "can't find a savings account" in answer["text"]


def test_transaction_search_by_merchant_and_count(assistant: Assistant) -> None:
    answer = ask(assistant, "show my last 3 starbucks purchases")
    assert answer["intent"] == "transactions"
    assert [t["date"] for t in answer["answer"]["transactions"]] == [
        "2026-11-24",
        "2026-11-23",
        "2026-11-20",
    ]
    paid = ask(assistant, "did I pay Netflix this month?")
    assert paid["answer"]["count"] == 1 and paid["merchant"] == "Netflix"


def test_month_and_day_names_are_repeated_capitalised(assistant: Assistant) -> None:
    answer = ask(assistant, "how much did I spend at starbucks since monday")
    assert "at Starbucks since Monday (23 Nov 2026 – 24 Nov 2026)" in answer["text"]
    october = ask(assistant, "how much did I spend on groceries in october")
    assert "on groceries in October (1 Oct 2026 – 31 Oct 2026)" in october["text"]


def test_income_is_received_in_income(assistant: Assistant) -> None:
    answer = ask(assistant, "how much was my salary in october")
    assert answer["intent"] == "income" and answer["answer"]["amount"] == "6500.00"
    assert "You received $6,500.00 in income in October" in answer["text"]


def test_the_biggest_expenses_come_by_size_without_transfers(assistant: Assistant) -> None:
    """October: a 500.00 transfer to savings and a 250.00 card payment are not expenses;
    the groceries at 82.10 are the biggest, then the Amazon order at 60.00."""
    answer = ask(assistant, "what were my 3 biggest expenses in october")
    assert answer["intent"] == "transactions"
    assert [t["amount"] for t in answer["answer"]["transactions"]] == [
        "-82.10",
        "-60.00",
        "-45.90",
    ]
    assert answer["text"].startswith("Your 3 largest payments in October")
    one = ask(assistant, "what was my biggest expense in october?")
    assert [t["amount"] for t in one["answer"]["transactions"]] == ["-82.10"]
    assert one["text"].startswith("Your largest payment in October")


def test_amount_bounds_are_repeated_as_money(assistant: Assistant) -> None:
    listed = ask(assistant, "transactions over $50 in october")
    assert listed["text"].startswith("7 transactions of at least $50.00 in October")
    total = ask(assistant, "how much did I spend in payments under 10 dollars in november")
    assert "in payments of at most $10.00 in November" in total["text"]
    assert total["answer"]["amount"] == "22.65"  # the five coffees


def test_typos_in_category_and_period_words_are_understood(assistant: Assistant) -> None:
    """Both words used to be lost, and the answer was this month's total of everything."""
    answer = ask(assistant, "how much did i spend on grocerys last mnth")
    assert (answer["intent"], answer["category"]) == ("spending", "groceries")
    assert answer["period"] == {"start": "2026-10-01", "end": "2026-10-31"}
    assert answer["answer"]["amount"] == "128.00"
    assert ask(assistant, "whats my balanse")["intent"] == "balance"


def test_a_merchant_never_paid_is_named_not_dropped(assistant: Assistant) -> None:
    """ "at Costco" used to be dropped silently, answering with all spending."""
    answer = ask(assistant, "how much did I spend at costco last month?")
    assert answer["answer"]["amount"] == "0.00" and answer["answer"]["count"] == 0
    assert "You spent nothing at Costco last month" in answer["text"]
    assert "I know of no payments at Costco" in answer["text"]
    listed = ask(assistant, "show my payments at ikea")
    assert listed["answer"]["count"] == 0
    assert listed["text"] == "I found no transactions at Ikea in what you share with me."
    paid = ask(assistant, "how much did I spend at amazon last month?")  # a known one
    assert paid["answer"]["amount"] == "35.00" and "know of no" not in paid["text"]


def test_money_in_and_out_side_by_side(assistant: Assistant) -> None:
    """ "income vs spending" used to be read as spending on the income category ("refunds
    outweighed purchases in income")."""
    answer = ask(assistant, "what was my income vs spending in october?")
    assert answer["answer"] == {
        "received": "6500.00",
        "spent": "182.99",
        "net": "6317.01",
        "currency": "USD",
    }
    assert answer["text"] == (
        "In October (1 Oct 2026 – 31 Oct 2026) you received $6,500.00 and spent $182.99: "
        "$6,317.01 more came in than went out."
    )


@pytest.mark.parametrize(
    "question",
    [
        "how much cash did I withdraw last month?",
        "how much cash did I withdraw last month",  # was taken for money received
        "how much cash have I taken out last month",
    ],
)
def test_how_much_cash_is_a_total_not_a_fraud_report(assistant: Assistant, question: str) -> None:
    answer = ask(assistant, question)
    assert answer["intent"] == "spending" and answer["category"] == "cash"


def test_what_was_spent_most_on_is_a_breakdown(assistant: Assistant) -> None:
    """Before, the period took the "on" with it ("on last month") and the answer was the
    bare total."""
    answer = ask(assistant, "what did I spend the most on last month")
    assert answer["period"] == {"start": "2026-10-01", "end": "2026-10-31"}
    breakdown = answer["answer"]["breakdown"]
    assert breakdown[0] == {"name": "groceries", "amount": "128.00"}


def test_spending_on_what_lately_is_no_unknown_category(assistant: Assistant) -> None:
    """Before: "I can't tell which of your payments are for lately"."""
    answer = ask(assistant, "what have I been spending on lately")
    assert "error" not in answer["answer"] and answer["answer"]["breakdown"]


def test_a_place_after_at_the_is_said_not_dropped(assistant: Assistant) -> None:
    """Before, "at the gym" was dropped and the total of everything was the answer."""
    answer = ask(assistant, "how much did I spend at the gym last month")
    assert answer["answer"]["amount"] == "0.00"
    assert "no payments at Gym" in answer["text"]


def test_seasons_and_the_start_of_the_year(assistant: Assistant) -> None:
    assert ask(assistant, "how much did I spend since the start of the year")["period"] == {
        "start": "2026-01-01",
        "end": "2026-11-24",
    }
    summer = ask(assistant, "how much did I spend on coffee last summer")
    assert summer["period"] == {"start": "2026-06-01", "end": "2026-08-31"}
    assert "on coffee last summer (1 Jun 2026 – 31 Aug 2026)" in summer["text"]


def test_food_is_groceries_restaurants_coffee_and_fast_food(assistant: Assistant) -> None:
    """ "food" used to be no category at all, answered with all spending."""
    answer = ask(assistant, "how much did I spend on food in october?")
    assert answer["category"] == "food"
    assert answer["answer"]["amount"] == "132.50"  # groceries 128.00 and a 4.50 coffee
    assert "on food in October" in answer["text"]
    listed = ask(assistant, "show my food transactions in october")
    assert [t["amount"] for t in listed["answer"]["transactions"]] == [
        "-45.90",
        "-4.50",
        "-82.10",
    ]


def test_compared_to_last_year_keeps_the_question(assistant: Assistant) -> None:
    """The follow-up used to drop the merchant and compare a year with a December."""
    answer = ask(assistant, "how much did I spend at netflix this year", "compared to last year?")
    assert answer["merchant"] == "Netflix"
    assert answer["answer"]["amount"] == "30.98"
    assert answer["answer"]["comparison"]["other_amount"] == "15.49"
    assert "than the period before (1 Jan 2025 – 24 Nov 2025)" in answer["text"]


@pytest.mark.parametrize(
    ("start", "end", "before_start", "before_end"),
    [
        ("2025-01-01", "2025-12-31", "2024-01-01", "2024-12-31"),  # a year
        ("2026-07-01", "2026-09-30", "2026-04-01", "2026-06-30"),  # a quarter
        ("2026-10-01", "2026-10-31", "2026-09-01", "2026-09-30"),  # a month
        ("2026-01-01", "2026-11-24", "2025-01-01", "2025-11-24"),  # the year so far
        ("2026-11-01", "2026-11-24", "2026-10-01", "2026-10-24"),  # the month so far
        ("2026-11-16", "2026-11-22", "2026-11-09", "2026-11-15"),  # a week
    ],
)
def test_the_period_before(start: str, end: str, before_start: str, before_end: str) -> None:
    from openteller.assistant.money_skills import MoneySkills
    from openteller.assistant.periods import Period

    before = MoneySkills.previous(Period(date.fromisoformat(start), date.fromisoformat(end)))
    assert (before.start.isoformat(), before.end.isoformat()) == (before_start, before_end)


def test_two_categories_named_together_are_summed(assistant: Assistant) -> None:
    answer = ask(assistant, "how much did I spend on groceries and coffee in october?")
    assert answer["category"] == "groceries+coffee"
    assert answer["answer"]["amount"] == "132.50"
    assert "on groceries and coffee in October" in answer["text"]


@pytest.mark.parametrize(
    ("question", "intent"),
    [
        ("How much did I pay for coffee last week?", "spending"),  # not money received
        ("Have I been paid this month?", "income"),
        ("when was my last starbucks visit", "transactions"),  # a merchant of theirs
        ("how many times did I go to starbucks this month", "transactions"),
        ("show me a pie chart of last month", "spending"),
        ("what's my net worth", "balance"),
        ("groceries from 1/10 to 15/10", "spending"),  # a category and a period
        ("what subscriptions do I have", "transactions"),
        ("where does my money go", "spending"),
    ],
)
def test_intents_the_words_leave_no_doubt_about(
    assistant: Assistant, question: str, intent: str
) -> None:
    assert ask(assistant, question)["intent"] == intent


@pytest.mark.parametrize(
    "question",
    [
        "is it safe to travel to iceland",  # no question about this chat's privacy
        "what rental insurance policy do you recommend",  # a category, but no payments
        "can you make a reservation at the restaurant for tonight",  # and a period
        "what's the nearest starbucks",  # a merchant of theirs, but no visit or payment
    ],
)
def test_questions_outside_banking_are_not_answered_from_the_ledger(
    assistant: Assistant, question: str
) -> None:
    answer = ask(assistant, question)
    assert answer["intent"] == "out_of_scope", answer
    assert answer["answer"] == {}


def test_per_month_is_the_average_of_the_last_twelve(assistant: Assistant) -> None:
    """ "per month" with no period used to total this month so far, by month (one month)."""
    answer = ask(assistant, "how much do I spend on netflix per month?")
    assert answer["period"] == {"start": "2025-11-01", "end": "2026-10-31"}
    assert answer["answer"]["amount"] == "30.98"  # November 2025 and October 2026
    assert answer["answer"]["monthly_average"] == "2.58"
    assert "That is $2.58 a month on average." in answer["text"]
    assert "Oct 2026 $15.49" in answer["text"]


def test_saving_is_money_in_less_money_out(assistant: Assistant) -> None:
    answer = ask(assistant, "how much did I save in october?")
    assert answer["answer"]["net"] == "6317.01"


def test_a_word_that_only_starts_a_merchant_name_is_not_that_merchant(
    assistant: Assistant,
) -> None:
    assert ask(assistant, "what's my net worth")["merchant"] is None  # not Netflix


def test_what_the_money_went_on_is_by_category(assistant: Assistant) -> None:
    answer = ask(assistant, "what did I spend my money on in october?")
    assert [row["name"] for row in answer["answer"]["breakdown"]][:2] == [
        "groceries",
        "shopping",
    ]
    week = ask(assistant, "what did i spend money on last week")
    assert "You spent $8.70 last week (16 Nov 2026 – 22 Nov 2026)" in week["text"]  # no "on"


@pytest.mark.parametrize(
    ("question", "said"),
    [
        (
            "what came in last month?",
            "You received $6,500.00 last month (1 Oct 2026 – 31 Oct 2026), 2",
        ),
        ("how much came in in the last 30 days?", "in the last 30 days (26 Oct"),
    ],
)
def test_a_period_after_came_in_is_repeated_without_the_verbs_in(
    assistant: Assistant, question: str, said: str
) -> None:
    assert said in ask(assistant, question)["text"]


def test_how_much_was_my_last_trip_is_that_one(assistant: Assistant) -> None:
    answer = ask(assistant, "how much did my last grocery trip cost?")
    assert answer["intent"] == "transactions"
    assert [t["amount"] for t in answer["answer"]["transactions"]] == ["-30.00"]


def test_a_thing_that_is_no_category_is_said_not_dropped(assistant: Assistant) -> None:
    """ "on pets" used to be dropped silently, answering with all spending."""
    answer = ask(assistant, "how much did I spend on pets last month?")
    assert answer["answer"] == {"error": "unknown_category", "asked": "pets"}
    assert answer["text"].startswith("I can't tell which of your payments are for pets")
    assert "groceries, restaurants" in answer["text"]
    # Words that are not things keep their meaning.
    total = ask(assistant, "what did I spend my money on in october?")
    assert "breakdown" in total["answer"]


def test_the_last_paycheck_is_that_payment(assistant: Assistant) -> None:
    answer = ask(assistant, "what was my last paycheck?")
    assert answer["intent"] == "transactions"
    assert [(t["date"], t["amount"]) for t in answer["answer"]["transactions"]] == [
        ("2026-10-15", "3250.00")
    ]


def test_earnings_a_month_are_the_average(assistant: Assistant) -> None:
    answer = ask(assistant, "how much do I earn a month?")
    assert answer["answer"]["monthly_average"] == "541.67"  # 6,500.00 over 12 months


def test_the_average_bill_is_per_payment(assistant: Assistant) -> None:
    answer = ask(assistant, "what was my average grocery bill in october?")
    assert answer["intent"] == "spending"
    assert answer["answer"]["average_payment"] == "64.00"  # 128.00 over two
    assert "That is $64.00 a payment on average." in answer["text"]
    assert "comparison" not in answer["answer"]


def test_a_category_search_without_a_period_is_the_latest_ever(assistant: Assistant) -> None:
    """It used to be this month so far: on the 1st, nothing."""
    answer = ask(assistant, "show my subscription payments")
    assert [t["date"] for t in answer["answer"]["transactions"]] == [
        "2026-11-10",
        "2026-10-10",
        "2025-11-10",
    ]


def test_refunds_are_money_back_from_shops(assistant: Assistant) -> None:
    """Not wages, not the card's payment: the Amazon refund only."""
    answer = ask(assistant, "show me my refunds")
    assert answer["intent"] == "transactions"
    assert [(t["merchant"], t["amount"]) for t in answer["answer"]["transactions"]] == [
        ("Amazon", "25.00")
    ]
    assert answer["text"].startswith("Your latest refund:")
    assert ask(assistant, "did netflix refund me")["text"] == (
        "I found no refunds at Netflix in what you share with me."
    )


def test_the_last_transaction_is_one(assistant: Assistant) -> None:
    answer = ask(assistant, "how much was my last transaction?")
    assert answer["intent"] == "transactions"
    assert [(t["date"], t["amount"]) for t in answer["answer"]["transactions"]] == [
        ("2026-11-24", "-4.60")
    ]
    assert answer["text"].startswith("Your latest transaction:")


def test_how_much_asks_for_a_total_even_in_transaction_words(assistant: Assistant) -> None:
    answer = ask(assistant, "how much did I pay netflix this year?")
    assert answer["intent"] == "spending"
    assert answer["answer"]["amount"] == "30.98"  # October and November's 15.49


def test_follow_ups_carry_the_context(assistant: Assistant) -> None:
    conversation = Conversation(customer="alice", channel="ask")
    first = assistant.respond(conversation, "how much did I spend on groceries last month?")
    assert first.answer["amount"] == "128.00"
    second = assistant.respond(conversation, "and this month?")
    assert (second.intent.value, second.answer["amount"]) == ("spending", "30.00")
    third = assistant.respond(conversation, "what about coffee?")
    assert third.answer["amount"] == "22.65" and third.slots.category is not None
    shown = assistant.respond(conversation, "show me those")
    assert shown.intent.value == "transactions" and shown.answer["count"] == 5
    before = assistant.respond(conversation, "and the month before?")  # still listing
    assert before.intent.value == "transactions" and before.answer["count"] == 1
    assert before.period is not None
    assert (before.period.start, before.period.end) == (date(2026, 10, 1), date(2026, 10, 24))
    totals = Conversation(customer="alice", channel="ask")
    assistant.respond(totals, "how much did I spend on coffee last month")
    earlier = assistant.respond(totals, "and the month before?")
    assert earlier.period is not None and earlier.period.start == date(2026, 9, 1)
    assert earlier.answer["amount"] == "0.00"
    assert earlier.reply.text.startswith("You spent nothing on coffee")


@pytest.mark.parametrize(
    "aside",
    [
        "what is the weather today",
        "thanks for today",
        "any good films this weekend?",
        "freeze my card today",
    ],
)
def test_a_short_aside_that_names_a_day_does_not_carry_the_last_question_on(
    assistant: Assistant, aside: str
) -> None:
    """ "what is the weather today" after a question about coffee is not "and today?"."""
    conversation = Conversation(customer="alice", channel="ask")
    assistant.respond(conversation, "how much did I spend on coffee last month?")
    # a bare period carries it on
    today = assistant.respond(conversation, "today?")
    assert (today.intent.value, today.slots.category is not None) == ("spending", True)
    turn = assistant.respond(conversation, aside)
    assert turn.intent.value not in ("spending", "transactions"), turn.reply.text
    assert turn.answer == {} and "You spent" not in turn.reply.text


def test_comparison_with_last_month(assistant: Assistant) -> None:
    answer = ask(assistant, "how much did I spend on groceries this month vs last month")
    assert answer["answer"]["amount"] == "30.00"
    assert answer["answer"]["comparison"] == {"other_amount": "128.00", "against": "previous"}


@pytest.mark.parametrize(
    "question",
    [
        "how much did I spend on groceries vs last month",
        "groceries compared to last month?",
        "how much have I spent on groceries versus the month before",
    ],
)
def test_the_month_compared_with_is_not_the_month_asked_about(
    assistant: Assistant, question: str
) -> None:
    """Before, "groceries vs last month" answered for last month (against the month
    before it): the period after "vs" is what the question is compared with."""
    answer = ask(assistant, question)
    assert answer["period"] == {"start": "2026-11-01", "end": "2026-11-24"}  # this month
    assert answer["answer"]["amount"] == "30.00"
    assert answer["answer"]["comparison"]["against"] == "previous"


def test_several_merchants_named_together_are_asked_about_together(
    assistant: Assistant,
) -> None:
    """Before, "starbucks and shell" counted Starbucks alone, and said nothing of it."""
    answer = ask(assistant, "how much did I spend at starbucks and shell this month")
    assert answer["merchants"] == ["Starbucks", "Shell"]
    assert (answer["answer"]["amount"], answer["answer"]["count"]) == ("62.65", 6)
    assert "at Starbucks and Shell this month" in answer["text"]
    # the follow-up keeps both
    later = ask(
        assistant, "how much did I spend at starbucks and shell this month", "and last month?"
    )
    assert later["merchants"] == ["Starbucks", "Shell"]
    assert (later["answer"]["amount"], later["answer"]["count"]) == ("4.50", 1)
    listed = ask(assistant, "show my starbucks or netflix payments this month")
    merchants = {t["merchant"] for t in listed["answer"]["transactions"]}
    assert merchants == {"Starbucks", "Netflix"} and listed["answer"]["count"] == 6


def test_which_was_the_biggest_asks_about_the_last_question(assistant: Assistant) -> None:
    """Before, "which was the biggest?" after a question was handed to a person."""
    answer = ask(assistant, "how much did I spend on coffee this month?", "which was the biggest?")
    assert answer["intent"] == "transactions" and answer["category"] == "coffee"
    (biggest,) = answer["answer"]["transactions"]
    assert (biggest["date"], biggest["amount"]) == ("2026-11-03", "-5.25")


def test_by_month_breaks_down_the_last_question(assistant: Assistant) -> None:
    """Before, "by month" dropped the category and the period of the question before."""
    answer = ask(assistant, "show me my coffee purchases this year", "by month")
    assert answer["intent"] == "spending" and answer["category"] == "coffee"
    assert answer["period"] == {"start": "2026-01-01", "end": "2026-11-24"}
    months = {row["name"]: row["amount"] for row in answer["answer"]["breakdown"]}
    assert months == {"2026-10": "4.50", "2026-11": "22.65"}


def test_the_last_deposit_is_money_that_came_in(assistant: Assistant) -> None:
    """Before, "what was my last deposit?" answered with the latest payment out."""
    answer = ask(assistant, "what was my last deposit?")
    (deposit,) = answer["answer"]["transactions"]
    assert (deposit["date"], deposit["amount"]) == ("2026-10-15", "3250.00")


def test_each_month_this_year_keeps_the_year(assistant: Assistant) -> None:
    """Before, "each month" hid "this year" and the last 12 months were answered."""
    answer = ask(assistant, "how much did I spend on coffee each month this year")
    assert answer["period"] == {"start": "2026-01-01", "end": "2026-11-24"}
    months = {row["name"]: row["amount"] for row in answer["answer"]["breakdown"]}
    assert months == {"2026-10": "4.50", "2026-11": "22.65"}


def test_the_biggest_expense_category_is_where_the_money_went(assistant: Assistant) -> None:
    """Before, "my biggest expense category" listed the single largest payment."""
    answer = ask(assistant, "what's my biggest expense category last month?")
    assert answer["intent"] == "spending"
    assert answer["answer"]["breakdown"][0] == {"name": "groceries", "amount": "128.00"}


def test_compare_this_month_and_last_month_is_a_comparison(assistant: Assistant) -> None:
    """Before, "this month and last month" was one stretch of seven weeks, totalled."""
    answer = ask(assistant, "compare my grocery spending this month and last month")
    assert answer["period"] == {"start": "2026-11-01", "end": "2026-11-24"}
    assert answer["answer"]["amount"] == "30.00"
    assert answer["answer"]["comparison"]["against"] == "previous"


def test_a_holiday_is_a_day_and_said_as_one(assistant: Assistant) -> None:
    """Before, "last Christmas" was not understood and this month was answered."""
    answer = ask(assistant, "how much did I spend last christmas?")
    assert answer["period"] == {"start": "2025-12-25", "end": "2025-12-25"}
    assert "on Christmas (25 Dec 2025)" in answer["text"]


def test_the_days_before_are_a_comparison(assistant: Assistant) -> None:
    answer = ask(assistant, "coffee in the last 7 days vs the 7 days before")
    assert answer["period"] == {"start": "2026-11-18", "end": "2026-11-24"}
    assert answer["answer"]["comparison"]["against"] == "previous"


def test_the_at_before_a_period_is_not_repeated(assistant: Assistant) -> None:
    """Before: "You spent $... at last month"."""
    answer = ask(assistant, "which merchants did I spend the most at last month")
    assert " at last month" not in answer["text"] and " last month (" in answer["text"]


def test_when_did_i_last_asks_for_one_payment(assistant: Assistant) -> None:
    """Before, "when did I last buy coffee?" listed the latest ten."""
    answer = ask(assistant, "when did I last buy coffee?")
    assert answer["intent"] == "transactions"
    assert len(answer["answer"]["transactions"]) == 1
    assert answer["answer"]["transactions"][0]["date"] == "2026-11-24"


@pytest.mark.parametrize(
    "message", ["", "   ", "🙂🙂🙂", "\x00\x01\x02", "a" * 10_000, "¿Cuánto gasté en café?"]
)
def test_odd_messages_get_a_helpful_reply(assistant: Assistant, message: str) -> None:
    answer = ask(assistant, message)
    assert answer["text"]
    assert "Traceback" not in answer["text"]


def test_dates_outside_the_consent_window_are_said_plainly(assistant: Assistant) -> None:
    """On Messenger, under a consent that shares only transactions from 1 November."""
    from datetime import date as day

    consents = _consents_of(assistant)
    consents.grant(
        "alice",
        channel="messenger",
        purposes=["customer_questions"],
        scopes=["accounts", "transactions"],
        transactions_from=day(2026, 11, 1),
    )
    conversation = Conversation(customer="alice", channel="messenger")
    outside = assistant.respond(conversation, "how much did I spend on groceries last month?")
    assert outside.answer == {"error": "outside_consent_window"}
    assert "outside what you share" in outside.reply.text
    inside = assistant.respond(conversation, "how much did I spend on coffee this month?")
    assert inside.answer["amount"] == "22.65"
    clipped = assistant.respond(conversation, "how much did I spend on coffee this year?")
    assert clipped.answer["amount"] == "22.65"  # October's coffee is not shared
    assert "I can only see transactions from 1 Nov 2026" in clipped.reply.text


def test_top_merchants_and_category_breakdown_with_a_chart(assistant: Assistant) -> None:
    conversation = Conversation(customer="alice", channel="ask")
    merchants = assistant.respond(conversation, "what were my top merchants last month?")
    assert merchants.answer["breakdown"] == [
        {"name": "Whole Foods", "amount": "128.00"},
        {"name": "Amazon", "amount": "35.00"},
        {"name": "Netflix", "amount": "15.49"},
        {"name": "Starbucks", "amount": "4.50"},
    ]
    categories = assistant.respond(conversation, "break down my spending last month")
    assert categories.answer["breakdown"][0] == {"name": "groceries", "amount": "128.00"}
    assert categories.reply.image_png is not None
    assert categories.reply.image_png.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("question", "amount", "count", "direction", "words"),
    [
        # the checking side's line out ("TRANSFER TO SAVINGS"), the only transfer
        ("how much did I transfer last month?", "500.00", 1, "out", "You transferred $500.00"),
        ("how much did I move out of checking in October", "500.00", 1, "out", "out of Checking"),
        # no savings account is shared: the lines out that name it
        ("how much did I transfer to savings last month?", "500.00", 1, "out", "to savings"),
        ("how much did I transfer to savings this month?", "0.00", 0, "out", "I found no"),
        # paying the card: what came into the card (its "PAYMENT THANK YOU")
        ("how much did I pay off my credit card last month?", "250.00", 1, "in", "to Credit"),
        ("how much did I pay towards my visa in october", "250.00", 1, "in", "to Credit"),
    ],
)
def test_transfers_and_card_payments_asked_about_are_totalled(
    assistant: Assistant, question: str, amount: str, count: int, direction: str, words: str
) -> None:
    """Never spending or income, but a question of their own: each move once, on the
    side asked about (a transfer's line out, or what reached the account named)."""
    answer = ask(assistant, question)
    assert answer["intent"] == "spending"
    assert answer["answer"]["amount"] == amount
    assert answer["answer"]["count"] == count
    assert answer["answer"]["direction"] == direction
    assert words in answer["text"]


def test_did_i_pay_my_card_bill_lists_the_payment(assistant: Assistant) -> None:
    answer = ask(assistant, "did I pay my credit card bill last month?")
    assert answer["intent"] == "transactions"
    assert [t["amount"] for t in answer["answer"]["transactions"]] == ["250.00"]
    assert answer["text"].startswith("1 card payment last month (1 Oct 2026 – 31 Oct 2026)")
    assert "Thank You" not in answer["text"]  # the card's own line names no merchant


def test_money_sent_to_someone_unknown_is_no_income(assistant: Assistant) -> None:
    answer = ask(assistant, "how much did I send to john last month?")
    assert answer["intent"] == "spending"
    assert answer["answer"]["amount"] == "0.00"
    assert answer["text"].startswith("I found no transfers to John last month")


@pytest.mark.parametrize(
    "question",
    [
        "why did my transfer to savings fail?",
        "how do I transfer money to savings?",
        "how much can I transfer a day?",
        "when is my credit card bill due?",
    ],
)
def test_transfers_that_went_wrong_or_how_they_work_are_for_a_person(
    assistant: Assistant, question: str
) -> None:
    assert ask(assistant, question)["intent"] == "banking_other"


def test_a_transfer_follow_up_keeps_where_the_money_went(assistant: Assistant) -> None:
    answer = ask(assistant, "how much did I transfer to savings this month?", "and last month?")
    assert answer["answer"]["amount"] == "500.00"
    assert "to savings last month" in answer["text"]


@pytest.mark.parametrize("question", ["how much at the moment", "how much money right now?"])
def test_how_much_right_now_is_the_balance(assistant: Assistant, question: str) -> None:
    assert ask(assistant, question)["intent"] == "balance"


@pytest.mark.parametrize(
    ("question", "amount", "count", "start", "end", "rate"),
    [
        # a week: the last 12 weeks up to today, and the weekly average
        (
            "how much do I spend on coffee per week?",
            "27.15",
            6,
            "2026-09-02",
            "2026-11-24",
            ("average_per_week", "2.26"),
        ),
        # a year: the last 12 whole months
        ("how much do I spend at netflix a year", "30.98", 2, "2025-11-01", "2026-10-31", None),
        # a day: over the period asked, without "average" meaning "against the usual"
        (
            "average daily spending on coffee this month",
            "22.65",
            5,
            "2026-11-01",
            "2026-11-24",
            ("average_per_day", "0.94"),
        ),
    ],
)
def test_a_rate_is_the_total_over_a_fitting_period_and_its_average(
    assistant: Assistant,
    question: str,
    amount: str,
    count: int,
    start: str,
    end: str,
    rate: tuple[str, str] | None,
) -> None:
    """Before, "per week" and "a year" were ignored (this month so far was answered)."""
    answer = ask(assistant, question)
    assert answer["intent"] == "spending"
    assert (answer["answer"]["amount"], answer["answer"]["count"]) == (amount, count)
    assert answer["period"] == {"start": start, "end": end}
    assert "comparison" not in answer["answer"]
    if rate is not None:
        key, value = rate
        assert answer["answer"][key] == value
        assert f"${value} a {key.rsplit('_', 1)[1]} on average" in answer["text"]


@pytest.mark.parametrize(
    ("question", "amount", "count"),
    [
        # October 2026: Amazon 60.00 and Netflix 15.49 on Saturday the 10th
        ("how much did I spend on weekends in October?", "75.49", 2),
        # the rest, less the Amazon refund of Monday the 12th
        ("how much did I spend on weekdays in October?", "107.50", 3),
    ],
)
def test_weekends_and_weekdays_narrow_the_days(
    assistant: Assistant, question: str, amount: str, count: int
) -> None:
    answer = ask(assistant, question)
    assert (answer["answer"]["amount"], answer["answer"]["count"]) == (amount, count)
    assert " on week" in answer["text"]
    follow = ask(assistant, question, "and in November?")  # the days carry on
    assert "on week" in follow["text"] and follow["period"]["start"] == "2026-11-01"


def test_recurring_payments_are_bills_subscriptions_rent_and_insurance(
    assistant: Assistant,
) -> None:
    answer = ask(assistant, "what are my recurring payments?")
    assert answer["intent"] == "transactions"
    assert answer["category"] == "recurring payments"
    assert [t["merchant"] for t in answer["answer"]["transactions"]] == ["Netflix"] * 3


def test_how_many_times_did_i_eat_somewhere_is_about_my_payments(assistant: Assistant) -> None:
    """Before, "eat" made it a question outside banking."""
    answer = ask(assistant, "how many times did I eat at chipotle this year")
    assert answer["intent"] == "transactions"
    assert answer["answer"]["count"] == 1


def test_total_on_a_merchant_is_a_sum(assistant: Assistant) -> None:
    """Before, "purchases" made it a list."""
    answer = ask(assistant, "total on starbucks purchases last week")
    assert answer["intent"] == "spending"
    assert (answer["answer"]["amount"], answer["answer"]["count"]) == ("8.70", 2)


def test_big_purchases_come_largest_first(assistant: Assistant) -> None:
    answer = ask(assistant, "any big purchases in October?")
    assert answer["intent"] == "transactions"
    amounts = [t["amount"] for t in answer["answer"]["transactions"]]
    assert amounts == ["-82.10", "-60.00", "-45.90", "-15.49", "-4.50"]


def test_a_comparison_after_a_list_compares_the_money_listed(assistant: Assistant) -> None:
    """Before, "how does that compare to usual?" after a list repeated the list."""
    answer = ask(
        assistant,
        "show my whole foods purchases last month",
        "the biggest one?",
        "how does that compare to usual?",
    )
    assert answer["intent"] == "spending"
    assert (answer["answer"]["amount"], answer["answer"]["count"]) == ("128.00", 2)
    assert answer["answer"]["comparison"]["against"] == "usual"


@pytest.mark.parametrize(
    ("question", "intent", "amount", "count"),
    [
        # pay came on 1 and 15 October: from the 15th to today
        ("coffee since I got paid", "spending", "22.65", 5),
        ("how much have I spent since my last paycheck?", "spending", None, None),
        ("what did I buy since payday?", "transactions", None, None),
    ],
)
def test_since_my_last_paycheck_starts_on_the_latest_pay_day(
    assistant: Assistant, question: str, intent: str, amount: str | None, count: int | None
) -> None:
    """Before, "since my last paycheck" listed the paycheck; "since I got paid" asked
    about money received."""
    answer = ask(assistant, question)
    assert answer["intent"] == intent
    assert answer["period"] == {"start": "2026-10-15", "end": "2026-11-24"}
    assert "since your last pay (15 Oct 2026 – 24 Nov 2026)" in answer["text"]
    if amount is not None:
        assert (answer["answer"]["amount"], answer["answer"]["count"]) == (amount, count)


def test_transfers_per_month_are_the_last_12_months_and_their_average(
    assistant: Assistant,
) -> None:
    answer = ask(assistant, "how much do I transfer to savings per month?")
    assert answer["period"] == {"start": "2025-11-01", "end": "2026-10-31"}
    assert (answer["answer"]["amount"], answer["answer"]["count"]) == ("500.00", 1)
    assert answer["answer"]["monthly_average"] == "41.67"
    assert "That is $41.67 a month on average." in answer["text"]
