"""Slots: what a question names besides its intent.

Period (``assistant.periods``), category (with synonyms: "eating out" is restaurants),
merchant (fuzzy-matched against the customer's own merchants: "starbux" is Starbucks),
account ("checking", "my visa", "card ending 1234"), amount bounds ("over $50"),
exclusions ("except Amazon"), a count ("last 5"), and whether a comparison or a
breakdown is asked for. Rule-based and deterministic; no network.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from rapidfuzz import fuzz, process

from openteller.assistant.periods import PeriodMatch, find_period
from openteller.domain.categories import Category

#: Phrases naming a category, longest first when matching.
CATEGORY_WORDS: dict[str, Category] = {
    "groceries": Category.GROCERIES,
    "grocery": Category.GROCERIES,
    "supermarket": Category.GROCERIES,
    "supermarkets": Category.GROCERIES,
    "food shopping": Category.GROCERIES,
    "restaurants": Category.RESTAURANTS,
    "restaurant": Category.RESTAURANTS,
    "eating out": Category.RESTAURANTS,
    "dining out": Category.RESTAURANTS,
    "dining": Category.RESTAURANTS,
    "dinners out": Category.RESTAURANTS,
    "meals out": Category.RESTAURANTS,
    "bars": Category.RESTAURANTS,
    "pubs": Category.RESTAURANTS,
    "drinks": Category.RESTAURANTS,
    "coffee": Category.COFFEE,
    "coffees": Category.COFFEE,
    "cafes": Category.COFFEE,
    "cafe": Category.COFFEE,
    "fast food": Category.FAST_FOOD,
    "takeout": Category.FAST_FOOD,
    "takeaway": Category.FAST_FOOD,
    "takeaways": Category.FAST_FOOD,
    "food delivery": Category.FAST_FOOD,
    "fuel": Category.FUEL,
    "gas": Category.FUEL,
    "petrol": Category.FUEL,
    "gasoline": Category.FUEL,
    "transport": Category.TRANSPORT,
    "transportation": Category.TRANSPORT,
    "taxis": Category.TRANSPORT,
    "taxi": Category.TRANSPORT,
    "rides": Category.TRANSPORT,
    "public transport": Category.TRANSPORT,
    "parking": Category.TRANSPORT,
    "travel": Category.TRAVEL,
    "flights": Category.TRAVEL,
    "hotels": Category.TRAVEL,
    "holidays": Category.TRAVEL,
    "vacation": Category.TRAVEL,
    "shopping": Category.SHOPPING,
    "clothes": Category.SHOPPING,
    "clothing": Category.SHOPPING,
    "electronics": Category.SHOPPING,
    "online shopping": Category.SHOPPING,
    "utilities": Category.UTILITIES,
    "bills": Category.UTILITIES,
    "electricity": Category.UTILITIES,
    "phone bill": Category.UTILITIES,
    "internet": Category.UTILITIES,
    "electric": Category.UTILITIES,
    "electric bill": Category.UTILITIES,
    "power bill": Category.UTILITIES,
    "water bill": Category.UTILITIES,
    "gas bill": Category.UTILITIES,  # the longer phrase wins over "gas" (fuel)
    "utility bill": Category.UTILITIES,
    "utility bills": Category.UTILITIES,
    "phone": Category.UTILITIES,
    "cell phone": Category.UTILITIES,
    "mobile phone": Category.UTILITIES,
    "rent": Category.HOUSING,
    "mortgage": Category.HOUSING,
    "housing": Category.HOUSING,
    "health": Category.HEALTH,
    "healthcare": Category.HEALTH,
    "pharmacy": Category.HEALTH,
    "doctor": Category.HEALTH,
    "medical": Category.HEALTH,
    "entertainment": Category.ENTERTAINMENT,
    "movies": Category.ENTERTAINMENT,
    "cinema": Category.ENTERTAINMENT,
    "games": Category.ENTERTAINMENT,
    "concerts": Category.ENTERTAINMENT,
    "subscriptions": Category.SUBSCRIPTIONS,
    "subscription": Category.SUBSCRIPTIONS,
    "streaming": Category.SUBSCRIPTIONS,
    "cash": Category.CASH,
    "cash withdrawals": Category.CASH,
    "atm withdrawals": Category.CASH,
    "fees": Category.FEES,
    "bank fees": Category.FEES,
    "charges": Category.FEES,
    "interest": Category.FEES,
    "transfers": Category.TRANSFERS,
    "income": Category.INCOME,
    "salary": Category.INCOME,
    "education": Category.EDUCATION,
    "tuition": Category.EDUCATION,
    "school": Category.EDUCATION,
    "books": Category.EDUCATION,
    "insurance": Category.INSURANCE,
    "taxes": Category.TAXES,
    "tax": Category.TAXES,
    "charity": Category.CHARITY,
    "donations": Category.CHARITY,
    "personal care": Category.PERSONAL_CARE,
    "haircuts": Category.PERSONAL_CARE,
    "beauty": Category.PERSONAL_CARE,
    "card payments": Category.CARD_PAYMENT,
}
#: Words naming several categories at once ("how much did I spend on food?").
CATEGORY_GROUPS: dict[str, frozenset[Category]] = {
    "food": frozenset(
        {Category.GROCERIES, Category.RESTAURANTS, Category.COFFEE, Category.FAST_FOOD}
    ),
    # what comes back every month: subscriptions, bills, rent, insurance
    "recurring payments": frozenset(
        {Category.SUBSCRIPTIONS, Category.UTILITIES, Category.HOUSING, Category.INSURANCE}
    ),
}
GROUP_WORDS = {
    "food": "food",
    "food and drink": "food",
    "eating and drinking": "food",
    **dict.fromkeys(
        (
            "recurring payments",
            "recurring charges",
            "recurring transactions",
            "recurring expenses",
            "recurring costs",
            "regular payments",
            "direct debits",
            "standing orders",
            "fixed costs",
            "fixed expenses",
        ),
        "recurring payments",
    ),
}
_GROUP_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(w) for w in sorted(GROUP_WORDS, key=len, reverse=True)) + r")\b"
)
_CATEGORY_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(w) for w in sorted(CATEGORY_WORDS, key=len, reverse=True)) + r")\b"
)

_AMOUNT = (
    r"[$€£]?\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?"
    r"\s?(?:dollars|euros|pounds|usd|eur|gbp|bucks)?"
)
_OVER = re.compile(r"\b(?:over|above|more than|greater than|bigger than|at least|>)\s*" + _AMOUNT)
_UNDER = re.compile(r"\b(?:under|below|less than|smaller than|at most|<)\s*" + _AMOUNT)
_BETWEEN_AMOUNTS = re.compile(r"\bbetween\s*" + _AMOUNT + r"\s*and\s*" + _AMOUNT)
_MONEY_MARK = re.compile(r"[$€£]|dollars|euros|pounds|usd|eur|gbp|bucks")
_COUNT_WORD = r"(\d{1,3}|two|three|four|five|six|seven|eight|nine|ten|twenty)"
#: Words that order payments by size, and the nouns a payment goes by.
_BIGGEST = r"biggest|largest|most expensive|priciest|costliest|highest"
_PAYMENT_NOUN = r"transaction|payment|purchase|charge|expense|spend|bill|order|trip|visit"
_LIMIT = re.compile(
    rf"\b(?:last|latest|recent|top|first|{_BIGGEST})\s+{_COUNT_WORD}\b"
    # "my 3 biggest expenses", "the five latest payments"
    rf"|\b{_COUNT_WORD}\s+(?:{_BIGGEST}|latest|last|most recent)\b"
)
_NUMBER_WORDS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twenty": 20,
}
_EXCEPT = re.compile(r"\b(?:except|excluding|not counting|apart from|other than|without)\s+(.+)")
_CARD_ENDING = re.compile(
    r"\b(?:ending|ending in|ends in|last four|last 4)\s*(?:digits\s*)?(\d{4})\b"
)
_ACCOUNT_WORDS = {
    "checking": "checking",
    "current account": "checking",
    "chequing": "checking",
    "debit card": "checking",
    "savings": "savings",
    "saving": "savings",
    "credit card": "credit_card",
    "visa": "credit_card",
    "mastercard": "credit_card",
    "amex": "credit_card",
    "card": "credit_card",
    "loan": "loan",
    "mortgage account": "loan",
}
_ACCOUNT_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(w) for w in sorted(_ACCOUNT_WORDS, key=len, reverse=True)) + r")\b"
)
#: "to savings", "into my checking account": the account named is where money went.
_TOWARDS = re.compile(r"\b(?:to|into|towards)\s+(?:my\s+|the\s+|our\s+)?$")
_COMPARE_PREVIOUS = re.compile(
    r"\b(?:vs\.?|versus|compared (?:to|with)|than)\s+(?:the\s+)?(?:last|previous|prior)\b"
    r"|\bcompar(?:e|ing)\b[^?.!]*\b(?:with|to|and|against)\s+(?:the\s+)?(?:last|previous|prior)\b"
    r"|\b(?:vs\.?|versus|compared (?:to|with)|than)\s+the\s+(?:\w+\s+)?"
    r"(?:days?|weeks?|months?|quarters?|years?|period)\s+before\b"
)
_COMPARE_USUAL = re.compile(r"\b(?:usual|usually|normal|normally|average|typical|typically)\b")
_BREAKDOWN = re.compile(
    r"\b(?:break ?down|by category|categories|chart|graph|pie"
    r"|where (?:did|does|do) (?:my|all my) money go|where (?:is|'s) my money going"
    r"|per month|by month|monthly|each month|a month(?!\s+ago))\b"
)
# "what did I spend my money on", "what have I been spending on": on what, by category
_SPENT_ON_WHAT = re.compile(
    r"\b(?:spen[dt]|spending|buy|bought|go(?:ne)?|went)\b[^.?!]*\bon\s*(?:recently|lately)?"
    r"[\s?.!]*$|\bwhat\b[^.?!]*\bspen[dt]\s+(?:my\s+|the\s+|all\s+)?(?:money|cash)\b"
)
_BY_MERCHANT = re.compile(
    r"\b(?:top merchants|by merchant|per merchant|which (?:shops|stores|merchants|places)"
    r"|where do i (?:spend|shop) (?:the )?most|biggest merchants)\b"
)
_RECENT = re.compile(r"\b(?:recent|recently|latest|last)\b")
# "my last transaction", "the biggest expense", "my last paycheck": one, not a list
_ONE = re.compile(
    rf"\b(?:last|latest|most recent|single|{_BIGGEST})\s+(?:[\w']+\s+)?"
    rf"(?:{_PAYMENT_NOUN}|deposit|paycheck|paycheque|salary|payslip)\b(?!s)"
    # "when did I last pay rent?", "when was the last time I went to Target?": that one
    r"|\bwhen\s+(?:did|have|was|were)\s+(?:i|we|the)\s+(?:last|most recently|last time)\b"
)
# "my biggest expense category", "top spending categories": where the money goes
TOP_CATEGORY = re.compile(
    r"\b(?:biggest|largest|top|highest|main|most\s+expensive)\s+(?:\w+\s+){0,2}?"
    r"categor(?:y|ies)\b"
)
_COMPARE_WORD = re.compile(r"\bcompar(?:e|ing|ison)\b")
_AND_BASELINE = re.compile(r"\s+(?:and|&|with|to)\s+(?:the\s+)?(?:last|previous|prior)\b")
# "each month", "every week": how to group, no period
_PERIODIC = re.compile(r"\b(?:each|every)\s+(?:day|week|month|quarter|year)\b")
# "vs last month", "compared to the previous week": the period to compare with, not the
# one asked about ("coffee vs last month" is this month's coffee, against last month's)
_BASELINE_BEFORE = re.compile(r"\b(?:vs\.?|versus|compared (?:to|with)|than)\s+(?:the\s+)?$")
# "my average grocery bill", "average purchase at Amazon": per payment, not per month
_PER_PAYMENT = re.compile(
    rf"\baverage\s+(?:[\w']+\s+){{0,2}}?(?:{_PAYMENT_NOUN}|shop)s?\b"
    rf"|\bper\s+(?:{_PAYMENT_NOUN})\b"
)
# "how much interest did I earn?", "interest received this year", "savings interest":
# interest paid to the customer (interest alone is what borrowing cost: fees)
_EARNED_INTEREST = re.compile(
    r"\binterest\b[^.?!]{0,40}\b(?:earn\w*|received?|paid\s+(?:me|to\s+me|on\s+my\s+savings)|"
    r"got|made|gained|credited)\b"
    r"|\b(?:earn\w*|received?|got|made|gained)\b[^.?!]{0,30}\binterest\b"
    r"|\binterest\s+(?:income|earned|credits?)\b|\bsavings\s+interest\b"
    r"|\binterest\s+(?:on|from)\s+(?:my\s+)?savings\b"
)
_INTEREST = re.compile(r"\binterest\b")
# "since my last paycheck", "since payday", "since I got paid": from the latest pay on
SINCE_PAY = re.compile(
    r"(?i)\bsince\s+(?:my\s+|the\s+|i\s+(?:last\s+)?got\s+|i\s+was\s+|last\s+)?(?:last\s+)?"
    r"(?:pay\s?checks?|pay\s?cheques?|pay\s?days?|salary|wages?|pay|paid)\b(?:\s+came\s+in)?"
)
# "on weekends", "during the week": payments on those days only ("this weekend" and
# "last weekend" are periods)
_ON_DAYS = re.compile(
    r"\b(?:(?:on|at|during|over|in)\s+(?:the\s+)?)?"
    r"(weekends|weekdays|week\s+days|workdays|working\s+days)\b"
)
#: The days each kind names (Monday is 0).
WEEKDAYS = {"weekends": frozenset({5, 6}), "weekdays": frozenset({0, 1, 2, 3, 4})}
# "per week", "a year", "every day", "daily", "annually": a rate, not a period
_PER_UNIT = re.compile(
    r"\b(?:per|a|each|every)\s+(day|week|year)\b(?!\s+(?:ago|before|earlier))"
    r"|\b(daily|weekly|yearly|annual(?:ly)?)\b"
)
_UNIT_WORDS = {"daily": "day", "weekly": "week", "yearly": "year"}
_REFUNDS = re.compile(r"\brefund(?:s|ed)?\b|\bmoney back\b|\breimburs\w*")
_LARGEST = re.compile(
    rf"\b(?:{_BIGGEST}|top|heaviest)\b"
    rf"|\b(?:big|large|huge|expensive)\s+(?:one-?off\s+)?(?:{_PAYMENT_NOUN})s?\b"
)
_MONTHLY = re.compile(
    r"\b(?:per month|by month|monthly|each month|month by month|a month(?!\s+ago))\b"
)
_STOP = frozenset(
    """a an the my me i on in at for of to from by with and or is was were did do does have has
    had much many how what whats what's show list find tell give spend spent spending money
    total paid pay payment payments purchase purchases bought buy transactions transaction
    this last past since between week month year today yesterday please can you could would
    all any every there their it its about over under more less than dollars euros pounds""".split()
)


_TYPO_CUTOFF = 75.0


@dataclass(frozen=True, slots=True)
class AmountBounds:
    minimum: Decimal | None = None
    maximum: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Slots:
    period: PeriodMatch | None = None
    category: Category | None = None
    #: A name for several categories ("food"; see CATEGORY_GROUPS), when no single
    #: category was named.
    group: str | None = None
    merchant: str | None = None
    #: More of the customer's merchants named with the first ("uber and lyft"): the
    #: question is about all of them together.
    more_merchants: tuple[str, ...] = ()
    #: A name after "at"/"from" that is none of the customer's merchants ("at Costco"):
    #: nothing was paid there, which the answer says rather than dropping the name.
    unknown_merchant: str | None = None
    #: A thing after "on" that is no category ("how much on gym?"): said, not dropped.
    unknown_category: str | None = None
    account: str | None = None  # "checking", "savings", "credit_card", "loan" or 4 digits
    #: The account named is where money went ("moved to savings", "put into checking").
    to_account: bool = False
    amount: AmountBounds | None = None
    exclude_merchants: tuple[str, ...] = ()
    exclude_categories: tuple[Category, ...] = ()
    limit: int | None = None
    compare: str | None = None  # "previous" or "usual"
    breakdown: str | None = None  # "category", "merchant" or "month"
    recent: bool = False  # "recent", "latest", "last": the newest, whatever the period
    largest: bool = False  # "biggest", "largest", "most expensive": by size, not date
    per_payment: bool = False  # "average grocery bill": the total over the payments
    #: "on weekends" or "on weekdays": only payments on those days
    days: str | None = None
    #: Only payments whose name holds this word ("interest" earned on savings)
    named_like: str | None = None
    #: "since my last paycheck", "since payday": from the latest pay to today
    since_pay: bool = False
    #: "per week", "a year", "daily": the total as a rate ("day", "week" or "year"; a
    #: month is ``breakdown="month"``)
    per_unit: str | None = None
    refunds: bool = False  # "show my refunds", "did Amazon refund me": money back only
    leftovers: tuple[str, ...] = field(default_factory=tuple)

    def merchants(self) -> tuple[str, ...]:
        """Every merchant asked about ("Uber", "Lyft"), or none (all)."""
        return (self.merchant, *self.more_merchants) if self.merchant else ()

    def merchant_words(self) -> str | None:
        """How a reply names them: "Uber", "Uber and Lyft", "Uber, Lyft and Bolt"."""
        names = self.merchants()
        if len(names) < 2:
            return self.merchant
        return ", ".join(names[:-1]) + " and " + names[-1]

    def categories(self) -> frozenset[Category] | None:
        """The categories asked about: the one named, a group's, several named together
        ("coffee+restaurants"), or None (all)."""
        if self.category is not None:
            return frozenset({self.category})
        if self.group in CATEGORY_GROUPS:
            return CATEGORY_GROUPS[self.group]
        if self.group is not None:
            return frozenset(Category.from_slug(slug) for slug in self.group.split("+"))
        return None

    def category_words(self) -> str | None:
        """How a reply names them: "groceries", "food", "coffee and restaurants"."""
        if self.category is not None:
            return self.category.label.lower()
        if self.group is not None and "+" in self.group:
            labels = [Category.from_slug(slug).label.lower() for slug in self.group.split("+")]
            return ", ".join(labels[:-1]) + " and " + labels[-1]
        return self.group

    def is_empty(self) -> bool:
        return not (
            self.period
            or self.category
            or self.group
            or self.merchant
            or self.unknown_merchant
            or self.account
            or self.amount
            or self.exclude_merchants
            or self.exclude_categories
            or self.limit
            or self.compare
            or self.breakdown
        )


def _amount(whole: str, cents: str | None) -> Decimal | None:
    try:
        return Decimal(whole.replace(",", "") + ("." + cents if cents else ""))
    except InvalidOperation:
        return None


# "at Costco", "from Walmrt": a name the customer paid, or thinks they did.
_AT_NAME = re.compile(r"\b(?:at|from)\s+([a-z0-9][a-z0-9&'.\-]*(?:\s+[a-z0-9&'.\-]+){0,2})")
_NOT_NAMES = frozenset(
    """all the moment home work night once first last least most atm atms this that it them
    my a an once time times weekends weekend lunch dinner breakfast an my our your his her
    their school college abroad""".split()
)


_ON_THING = re.compile(
    r"\b(?:on|for)\s+((?:my\s+|the\s+)?[a-z][a-z'\-]{2,}(?:\s+[a-z][a-z'\-]{2,}){0,2}?)"
    r"(?=\s*(?:[?.!,]|$|\s(?:in|last|this|since|during|over|between|yesterday|today|so far)\b))"
)
_NOT_THINGS = frozenset(
    """average total earth time times it that this them everything anything something
    stuff things money cash purchases payments transactions spending lately recently""".split()
)


def unnamed_category(work: str) -> str | None:
    """The thing after "on"/"for" in what is left of a spending question once its period,
    category, merchant and amounts are cut out ("how much on gym?"): none of the
    categories, so the answer must say so rather than total everything."""
    found = _ON_THING.search(work)
    if found is None:
        return None
    words = [w for w in found.group(1).split() if w not in ("my", "the")]
    if not words or any(w in _STOP or w in _NOT_THINGS for w in words):
        return None
    return " ".join(words)


def unnamed_merchant(work: str) -> str | None:
    """The name after "at"/"from" in what is left of a message once its period, category
    and amounts are cut out, when no merchant of the customer's matched it."""
    found = _AT_NAME.search(work)
    if found is None:
        return None
    words = []
    named = found.group(1).split()
    if len(named) > 1 and named[0] == "the":
        named = named[1:]  # "at the gym", "from the farmers market": the name follows
    for word in named:
        if word in _STOP or word in _NOT_NAMES or word.isdigit():
            break
        words.append(word.strip(".-'"))
    name = " ".join(w for w in words if w)
    return name.title() if len(name) >= 3 else None


def _cut(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def match_merchant(text: str, merchants: Sequence[str], *, cutoff: float = 86.0) -> str | None:
    """The customer's merchant a phrase names, fuzzily ("starbux" -> "Starbucks")."""
    found = _best_merchant(_name_words(text), merchants, cutoff)
    return found[0] if found else None


# "uber and lyft", "starbucks or dunkin", "amazon, target & walmart": several named
_SEVERAL = re.compile(r"\b(?:and|or|plus)\b|[,&+/]")


def match_merchants(text: str, merchants: Sequence[str], *, cutoff: float = 86.0) -> list[str]:
    """Every merchant of the customer's a message names, best match first: one, or
    several when it joins names ("how much on uber and lyft?")."""
    words = _name_words(text)
    named: list[str] = []
    while len(named) < 5:
        found = _best_merchant(words, [m for m in merchants if m not in named], cutoff)
        if found is None:
            break
        name, start, size = found
        named.append(name)
        if not _SEVERAL.search(text):
            break
        words = words[:start] + words[start + size :]  # look again in what is left
    return named


def _name_words(text: str) -> list[str]:
    """The words a merchant's name may be made of, without the stop words."""
    return [w for w in re.findall(r"[a-z0-9&'\.]+", text.lower()) if w not in _STOP]


def _best_merchant(
    words: list[str], merchants: Sequence[str], cutoff: float
) -> tuple[str, int, int] | None:
    """The merchant best named by a run of ``words``: (name, first word, how many)."""
    if not words or not merchants:
        return None
    lowered = {m.lower(): m for m in merchants}
    best: tuple[float, str, int, int] | None = None
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            phrase = " ".join(words[start : start + size])
            if len(phrase) < 3 and phrase not in lowered:
                continue  # two letters name a merchant only exactly ("bp", "ns")
            found = process.extractOne(
                phrase, list(lowered), scorer=fuzz.WRatio, score_cutoff=cutoff
            )
            if found is None and len(phrase) >= 6:
                # Misspellings of a whole name ("starbux"): plain similarity, same initial.
                near = process.extractOne(
                    phrase, list(lowered), scorer=fuzz.ratio, score_cutoff=_TYPO_CUTOFF
                )
                found = near if near is not None and near[0][0] == phrase[0] else None
            if found is None:
                continue
            name, score, _index = found
            # A short phrase must be a whole word of the name ("uber", "cvs" in "cvs
            # pharmacy"), not just its start ("net" is not Netflix).
            if len(phrase) < 5 and phrase not in name.split():
                continue
            # Nor a short name just part of a longer word ("ns" in "expenses", "ups" in
            # "groups"): it must be a word of the phrase.
            if len(name) < 5 and name not in phrase.split():
                continue
            if best is None or score > best[0]:
                best = (float(score), lowered[name], start, size)
    return (best[1], best[2], best[3]) if best else None


def _asked_period(text: str, today: date, week_start: int) -> tuple[str, PeriodMatch | None]:
    """The period a question asks about, and the text with what is not it blanked out: a
    grouping ("coffee each month this year": this year), or the period compared with
    ("coffee vs last month": this month; "compare this month and last month": this
    month), which the comparison slot picks up from the words as asked."""
    period = find_period(text, today, week_start=week_start)
    lowered = text.lower()
    periodic = _PERIODIC.search(lowered) if period is None else None
    if periodic is not None:
        # "each month" groups; the period is what else the question names
        period = find_period(
            _cut(text, periodic.start(), periodic.end()), today, week_start=week_start
        )
    if period is None:
        return text, None
    joined = period.kind == "between" and _COMPARE_WORD.search(lowered)
    baseline = _AND_BASELINE.search(period.phrase.lower()) if joined else None
    if baseline is not None:
        # "compare this month and last month": this month, set against the one before
        text = _cut(text, period.start_char + baseline.start(), period.end_char)
    elif _BASELINE_BEFORE.search(lowered[: period.start_char]):
        # "coffee vs last month": another period if named ("coffee in October vs the
        # month before"), or the default (this month so far)
        text = _cut(text, period.start_char, period.end_char)
    else:
        return text, period
    return text, find_period(text, today, week_start=week_start)


def extract(text: str, today: date, merchants: Sequence[str] = (), *, week_start: int = 0) -> Slots:
    """All slots of one message, given the customer's own merchant names."""
    asked = text[:2000].lower()
    original, period = _asked_period(text[:2000], today, week_start)
    lowered = original.lower()
    since_pay = SINCE_PAY.search(lowered) if period is None else None
    if since_pay:  # a period the data says ("since payday"), not a paycheck asked about
        lowered = _cut(lowered, since_pay.start(), since_pay.end())
    top_category = TOP_CATEGORY.search(lowered) is not None  # "my biggest expense category"
    work = lowered
    if period is not None:
        work = _cut(work, period.start_char, period.end_char)

    exclude_merchants: list[str] = []
    exclude_categories: list[Category] = []
    excluded = _EXCEPT.search(work)
    if excluded:
        tail = excluded.group(1)
        for match in _CATEGORY_PATTERN.finditer(tail):
            exclude_categories.append(CATEGORY_WORDS[match.group(1)])
        named = match_merchant(_CATEGORY_PATTERN.sub(" ", tail), merchants)
        if named:
            exclude_merchants.append(named)
        work = work[: excluded.start()]

    amount: AmountBounds | None = None
    between = _BETWEEN_AMOUNTS.search(work)
    over, under = _OVER.search(work), _UNDER.search(work)
    if between and _MONEY_MARK.search(between.group(0)):
        amount = AmountBounds(
            _amount(between.group(1), between.group(2)), _amount(between.group(3), between.group(4))
        )
        work = _cut(work, between.start(), between.end())
    elif over or under:
        amount = AmountBounds(
            _amount(over.group(1), over.group(2)) if over else None,
            _amount(under.group(1), under.group(2)) if under else None,
        )
        for found in (over, under):
            if found:
                work = _cut(work, found.start(), found.end())

    limit = None
    counted = _LIMIT.search(work)
    if counted:
        group = 1 if counted.group(1) else 2
        value = counted.group(group)
        limit = int(value) if value.isdigit() else _NUMBER_WORDS[value]
        work = _cut(work, counted.start(group), counted.end(group))
    elif _ONE.search(lowered) and not top_category:
        limit = 1  # "my last transaction", "the biggest expense": one, not a list

    account = None
    to_account = False
    ending = _CARD_ENDING.search(work)
    if ending:
        account = ending.group(1)
        work = _cut(work, ending.start(), ending.end())
    else:
        named_account = _ACCOUNT_PATTERN.search(work)
        if named_account and not re.search(r"\b(?:lost|stolen|freeze|block)\b", work):
            account = _ACCOUNT_WORDS[named_account.group(1)]
            to_account = bool(_TOWARDS.search(work, 0, named_account.start()))
            work = _cut(work, named_account.start(), named_account.end())

    named_like = None
    earned = _EARNED_INTEREST.search(lowered)
    if earned:  # "interest I earned": money in named so, not the fees of borrowing
        named_like = "interest"
        work = _INTEREST.sub(" ", work)

    days = None
    on_days = _ON_DAYS.search(work)
    if on_days:  # "on weekends": which days, no category ("how much on weekends?")
        days = "weekends" if on_days.group(1).startswith("weekend") else "weekdays"
        work = _cut(work, on_days.start(), on_days.end())

    category = None
    category_group = None
    named_categories = list(_CATEGORY_PATTERN.finditer(work))
    distinct = list(dict.fromkeys(CATEGORY_WORDS[m.group(1)] for m in named_categories))
    for found_category in named_categories:
        work = _cut(work, found_category.start(), found_category.end())
    if named_like is not None:
        category = Category.INCOME  # interest earned is among the money that came in
    elif len(distinct) == 1:
        category = distinct[0]
    elif len(distinct) > 1:  # "entertainment and restaurants": both, together
        category_group = "+".join(c.slug for c in distinct)
    else:
        found_group = _GROUP_PATTERN.search(work)
        if found_group:
            category_group = GROUP_WORDS[found_group.group(1)]
            work = _cut(work, found_group.start(), found_group.end())

    named_merchants = match_merchants(work, merchants)
    merchant = named_merchants[0] if named_merchants else None
    unknown_merchant = None if merchant else unnamed_merchant(work)
    unknown_category = (
        unnamed_category(work)
        if category is None
        and category_group is None
        and merchant is None
        and unknown_merchant is None
        and not exclude_merchants
        and not exclude_categories
        else None
    )
    per_payment = bool(_PER_PAYMENT.search(lowered))
    rate = _PER_UNIT.search(lowered)
    per_unit = None
    if rate and not _MONTHLY.search(lowered):
        word = rate.group(1) or rate.group(2)
        per_unit = _UNIT_WORDS.get(word, "year" if word.startswith("annual") else word)
    refunds = bool(_REFUNDS.search(lowered))
    usual = _COMPARE_USUAL.search(lowered)
    if usual and per_unit and usual.group(0) == "average":
        usual = None  # "my average daily spending": the rate, not against the usual
    compare = (
        "previous"
        if _COMPARE_PREVIOUS.search(asked)
        else ("usual" if usual and not per_payment else None)
    )
    asked_on = work
    if (
        period is not None
        and asked[period.start_char : period.start_char + 3] == "on "
        and asked.lstrip().startswith("what")
    ):
        # "what did I spend the most on last month?": the period took the "on" with it
        asked_on = work[: period.start_char] + "on" + work[period.start_char + 2 :]
    breakdown = None
    if (
        category is None
        and category_group is None
        and merchant is None
        and _SPENT_ON_WHAT.search(asked_on.strip())
    ):
        breakdown = "category"  # "what did I spend my money on last week?"
    elif top_category:
        breakdown = "category"
    elif _BY_MERCHANT.search(lowered):
        breakdown = "merchant"
    elif _BREAKDOWN.search(lowered):
        breakdown = "month" if _MONTHLY.search(lowered) else "category"
    return Slots(
        recent=bool(_RECENT.search(lowered)) and period is None and not _LARGEST.search(lowered),
        largest=bool(_LARGEST.search(lowered)) and not top_category,
        per_payment=per_payment,
        per_unit=per_unit,
        days=days,
        named_like=named_like,
        since_pay=since_pay is not None,
        refunds=refunds,
        period=period,
        category=category,
        group=category_group,
        merchant=merchant,
        more_merchants=tuple(named_merchants[1:]),
        unknown_merchant=unknown_merchant,
        unknown_category=unknown_category,
        account=account,
        to_account=to_account,
        amount=amount,
        exclude_merchants=tuple(exclude_merchants),
        exclude_categories=tuple(exclude_categories),
        limit=limit,
        compare=compare,
        breakdown=breakdown,
    )
