"""Generated training questions for the data skills (deterministic).

The public datasets hold about a hundred questions each for balance, spending,
transactions and income, phrased without the merchants, categories and periods a bank
customer actually names. These templates combine the ways customers ask with those
fillers, so the model learns that "coffee since Monday" is spending and "show my last
5 Amazon purchases" is a transaction search, whatever the merchant or period.
"""

from __future__ import annotations

import random

MERCHANTS = [
    "amazon",
    "starbucks",
    "netflix",
    "uber",
    "whole foods",
    "target",
    "walmart",
    "spotify",
    "tesco",
    "lidl",
    "costco",
    "apple",
    "shell",
    "mcdonalds",
    "chipotle",
    "lyft",
    "airbnb",
    "doordash",
    "trader joes",
    "sainsburys",
    "deliveroo",
    "ikea",
    "cvs",
    "walgreens",
    "home depot",
    "best buy",
    "paypal",
    "venmo",
    "kroger",
    "safeway",
    "aldi",
    "zara",
]
CATEGORIES = [
    "groceries",
    "restaurants",
    "eating out",
    "coffee",
    "fast food",
    "takeout",
    "gas",
    "fuel",
    "transport",
    "travel",
    "shopping",
    "clothes",
    "utilities",
    "bills",
    "rent",
    "health",
    "pharmacy",
    "entertainment",
    "subscriptions",
    "streaming",
    "fees",
    "education",
    "insurance",
    "taxes",
    "charity",
    "haircuts",
    "food",
    "drinks",
    "bars",
    "flights",
    "hotels",
    "electronics",
    "gym",
    "pets",
    "kids",
    "gifts",
]
PERIODS = [
    "last month",
    "this month",
    "this week",
    "last week",
    "yesterday",
    "today",
    "since monday",
    "since march 3",
    "in november",
    "in october",
    "in march 2025",
    "this year",
    "last year",
    "in the last 30 days",
    "over the past 3 months",
    "in q3",
    "last quarter",
    "between june 1 and june 15",
    "on friday",
    "last weekend",
    "so far this month",
    "in the past 7 days",
    "since january",
    "in 2025",
    "",
]
ACCOUNTS = [
    "checking",
    "savings",
    "my visa",
    "my credit card",
    "my debit card",
    "card ending 1234",
    "my mastercard",
    "my current account",
    "my joint account",
    "my amex",
]
AMOUNTS = ["over $50", "more than 100 dollars", "under $20", "above 200", "less than 10 euros"]

SPENDING = [
    "how much did i spend on {cat} {period}",
    "how much have i spent on {cat} {period}",
    "what did i spend on {cat} {period}",
    "how much did i spend at {merchant} {period}",
    "what did i spend at {merchant} {period}",
    "how much went to {merchant} {period}",
    "how much money went on {cat} {period}",
    "{cat} {period}?",
    "{merchant} spending {period}",
    "total spent on {cat} {period}",
    "what's my {cat} spending {period}",
    "how much am i spending on {cat}",
    "how much have i paid {merchant} {period}",
    "spending on {cat} vs last month",
    "how much did {merchant} cost me {period}",
    "what did {cat} cost me {period}",
    "how much did i spend {period}",
    "what's my total spend {period}",
    "how much did i spend on {cat} {period} except {merchant}",
    "how much on {cat} {period}",
    "break down my spending {period}",
    "show my spending by category {period}",
    "how much did i spend on {cat} using {account} {period}",
    "am i spending more on {cat} than usual",
    "compare my {cat} spending to last month",
    "did i spend a lot on {cat} {period}",
]
TRANSACTIONS = [
    "show my last {n} {merchant} purchases",
    "list my {merchant} transactions {period}",
    "did i pay {merchant} {period}",
    "show me my transactions {period}",
    "list transactions {amount} {period}",
    "show {cat} transactions {period}",
    "what did i buy at {merchant} {period}",
    "when did i last pay {merchant}",
    "find my {merchant} payment",
    "show my recent purchases on {account}",
    "last {n} transactions on {account}",
    "show me every {merchant} charge {period}",
    "did {merchant} charge me {period}",
    "list my purchases {amount}",
    "what are my latest transactions",
    "show payments to {merchant}",
    "search my transactions for {merchant}",
    "what was my biggest purchase {period}",
    "show me the {cat} purchases {period}",
    "which transactions were {amount} {period}",
]
BALANCE = [
    "what's the balance on {account}",
    "how much is in {account}",
    "balance of {account}",
    "how much money do i have in {account}",
    "what's my {account} balance",
    "how much do i have left on {account}",
    "do i have enough in {account} to buy a {thing}",
    "show the available balance on {account}",
]
INCOME = [
    "how much did i earn {period}",
    "what was my income {period}",
    "how much money came in {period}",
    "how much did {merchant} pay me {period}",
    "total deposits {period}",
    "how much did i get paid {period}",
    "what did i receive {period}",
    "how much was paid into {account} {period}",
    "my income {period}",
    "how much salary did i get {period}",
]
THINGS = ["car", "new phone", "laptop", "holiday", "sofa", "bike"]

TEMPLATES = {
    "spending": SPENDING,
    "transactions": TRANSACTIONS,
    "balance": BALANCE,
    "income": INCOME,
}


def generated(per_intent: int = 400, seed: int = 7) -> list[tuple[str, str]]:
    """(intent, text) pairs: ``per_intent`` per data skill, always the same ones."""
    rng = random.Random(seed)
    result: list[tuple[str, str]] = []
    for intent, templates in TEMPLATES.items():
        seen: set[str] = set()
        attempts = 0
        while len(seen) < per_intent and attempts < per_intent * 20:
            attempts += 1
            text = rng.choice(templates).format(
                cat=rng.choice(CATEGORIES),
                merchant=rng.choice(MERCHANTS),
                period=rng.choice(PERIODS),
                account=rng.choice(ACCOUNTS),
                amount=rng.choice(AMOUNTS),
                n=rng.choice(["3", "5", "10", "two", "three"]),
                thing=rng.choice(THINGS),
            )
            text = " ".join(text.split())
            if text not in seen:
                seen.add(text)
                result.append((intent, text))
    return result
