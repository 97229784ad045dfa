"""What a message asks, before any customer data is read.

The intent classifier's label, the rule-based slots, and corrections where the words
leave no doubt ("how much rent did I pay this year?" is a total, whatever it shares with
a search). ``ask``, the chats and channels (through the engine), ``openteller nlu`` and
``openteller eval nlu`` all understand a message with :class:`Understander`, so what
``nlu`` reports and what the evaluation measures is what the assistant acts on.

A correction that turns a question the classifier put outside banking (or among the
banking questions no skill answers) into a question about the customer's money needs
the whole message to be about their money: every word one of a question's function
words, money words, period words, category words or the customer's merchant names.
"What rental insurance policy do you recommend?" names a category and "can you suggest
a restaurant for tonight?" a category and a period, yet neither asks about payments,
and neither is answered with a list of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from openteller.assistant.intents import Intent
from openteller.assistant.slots import (
    CATEGORY_WORDS,
    GROUP_WORDS,
    SINCE_PAY,
    TOP_CATEGORY,
    Slots,
    extract,
)
from openteller.assistant.spelling import BANKING_WORDS, Speller
from openteller.domain.categories import Category

if TYPE_CHECKING:
    from openteller.assistant.classifier import IntentClassifier

# "stop sending me insights", "turn off these notifications", "no more tips": proactive
# insights off, said in words (the "Stop these" button stops one kind).
_STOP_INSIGHTS = re.compile(
    r"(?i)\b(?:stop|unsubscribe(?: me)? from|turn off|switch off|disable|mute|no more|"
    r"don'?t (?:send|want)|do not (?:send|want)|opt(?: me)? out of)\b"
    r"[\w\s']{0,30}?\b(?:insights?|tips|nudges|notifications?|spending updates?|"
    r"weekly updates?|these (?:messages|updates|notes|warnings))\b"
)

_NET_WORTH = re.compile(
    r"(?i)\bnet\s+worth\b|\bhow\s+much\s+(?:money\s+)?do\s+i\s+have\b(?!\s+(?:to|on)\b)"
)
# "how much at the moment?", "how much money right now?": what there is, not a flow
_HOLDING_NOW = re.compile(
    r"(?i)\s*how\s+much(?:\s+(?:money|cash))?(?:\s+(?:is\s+there|have\s+i\s+got|do\s+i\s+have"
    r"|is\s+(?:in|on)\s+(?:my|the)\s+(?:\w+\s+)?accounts?))?"
    r"\s+(?:at\s+the\s+moment|right\s+now|currently|as\s+of\s+(?:now|today)|now)\W*$"
)
_MONEY_IN_NOUN = re.compile(
    r"(?i)\b(?:deposits?|pay\s?checks?|paycheques?|salary|salaries|wages|payslips?)\b"
    r"(?!\s+(?:to|into)\b)"
)
_CHART = re.compile(r"(?i)\b(?:chart|graph|pie|break\s?down)\b")

_PAID_ME = re.compile(
    r"(?i)\b(?:been|get|got|getting|gets)\s+paid\b|\bpaid\s+me\b|\bpay\s?(?:check|day|slip)s?\b"
    r"|\bsalary\b|\bwages?\b"
)
_I_PAID = re.compile(
    r"(?i)\b(?:did\s+i|have\s+i|i)\s+(?:pay|paid|spend|spent|buy|bought|withdraw|withdrew|"
    r"withdrawn|take\s+out|took\s+out|taken\s+out)\b"
    r"|(?<!my )\b(?:pay|paid)\s+(?:for|at)\b"
)
_PAID_PAST = re.compile(
    r"(?i)\b(?:did|have)\s+i\s+(?:pay|paid|spend|spent)\b|\bi(?:'ve)?\s+(?:paid|spent)\b"
)
# "when do I get paid?", "when is my next paycheck?": when pay will come, which no total
# of the money that came in answers
_PAY_DAY = re.compile(
    r"(?i)\b(?:next|will|expect\w*|upcoming|do\s+i\s+get|is\s+pay\s?day)\b"
    r"|\b(?:day|date)\s+(?:that\s+|when\s+)?i\s+get\s+paid\b"
)


# "how much did I transfer to savings?", "what did I move out of checking?", "how much
# did I send to John?": money moved between accounts, which no spending total counts
_MOVED = re.compile(
    r"(?i)\b(?:transferr?(?:ed|ing)?|mov(?:e|ed|ing)|put|sen[dt]|sending)\b[^?.!]{0,40}?"
    r"\b(?:to|into|in|from|out\s+of)\s+(?:my\s+|the\s+|our\s+)?"
    r"(?:savings?|checking|chequing|current\s+account)\b"
    r"|\b(?:did|have)\s+i\s+(?:transfer(?:red)?|sen[dt]|mov(?:e|ed))\b"
    r"|\bi(?:'ve|\s+have)?\s+transferred\b"
)
# "did I pay my credit card bill?", "how much did I pay off my visa?": paying the card
# (not "pay with my card" or "pay on my card", which is spending by card)
_CARD_PAID = re.compile(
    r"(?i)\bpa(?:y|id|ying)\s+(?:off\s+|to\s+|towards\s+|into\s+)?(?:my|the)\s+(?:\w+\s+)?"
    r"(?:credit\s+card|card|visa|mastercard|amex)(?:\s+(?:bill|balance|statement)s?)?\b"
    r"(?!\s+(?:for|at|with)\b)"
    r"|\b(?:credit\s+)?card\s+bills?\b|\bcredit\s+card\s+payments?\b"
)
# Transfers and card payments that went wrong, or how they work: for a person
_MOVE_TROUBLE = re.compile(
    r"(?i)\b(?:fail\w*|pending|declin\w*|reject\w*|wrong|why|fees?|cost\w*|charge[sd]?|"
    r"limits?|how\s+long|how\s+(?:do|can|to)|can\s+i|could\s+i|cancel\w*|revers\w*|stuck|"
    r"missing|arriv\w*|not|due|minimum|interest|apr|late|set\s+up|schedul\w*|autopay|revert\w*|"
    r"next|upcoming|will|owe|need|should|have\s+to|do\s+i\s+have|update|go\s+through|"
    r"per\s+(?:transfer|transaction|payment)|"
    r"(?:did|does|has|have|was|is|were|are)nt)\b|n't\b"
)
_TRANSFER_LINE = re.compile(r"(?i)\b(?:transfer|xfer|payment|thank\s+you)\b")
# "sent to John", "transfer to Mary Smith": the payee, when no account follows "to"
_PAYEE = re.compile(
    r"(?i)\b(?:sen[dt]|transferr?(?:ed)?|pa(?:y|id))\s+(?:money\s+|cash\s+)?to\s+"
    r"(?!(?:my|the|our|me|you|him|her|them|savings?|checking|chequing|current|credit|card|"
    r"visa|mastercard|amex|account)\b)([a-z][\w'&.-]*)"
)
_ASKS_WHICH = re.compile(r"(?i)\s*(?:did|have|when|show|list|what|which|my|all|any)\b")


def _about_moves(intent: Intent, text: str, slots: Slots) -> tuple[Intent, Slots] | None:
    """A question about transfers or card payments (the intent and slots it needs), or
    None. The classifier learnt transfers from questions about ones that went wrong,
    which a person answers; "how much did I move to savings?" asks about the data."""
    if intent not in (
        Intent.BANKING_OTHER,
        Intent.OUT_OF_SCOPE,
        Intent.SPENDING,
        Intent.INCOME,
        Intent.TRANSACTIONS,
    ) or _MOVE_TROUBLE.search(text):
        return None
    if _CARD_PAID.search(text):
        category = Category.CARD_PAYMENT
    elif _MOVED.search(text):
        category = Category.TRANSFERS
    else:
        return None
    if _ASKS_TOTAL.match(text):
        asked = Intent.SPENDING
    elif _ASKS_WHICH.match(text):
        asked = Intent.TRANSACTIONS
    else:
        return None
    moved = replace(slots, category=category, group=None, unknown_category=None)
    if slots.to_account or (slots.merchant and _TRANSFER_LINE.search(slots.merchant)):
        # The account is where it went, or the "merchant" is a transfer's own line
        # ("Transfer To Savings"): no payee to look for.
        moved = replace(moved, merchant=None, more_merchants=(), unknown_merchant=None)
    payee = _PAYEE.search(text)
    if payee and not moved.merchant and not slots.to_account:
        # "how much did I send to John?": a name no payment carries is said, not dropped
        moved = replace(moved, unknown_merchant=payee.group(1).title())
    return asked, moved


def reconsidered(
    intent: Intent, text: str, slots: Slots, *, merchant_is_theirs: bool = True
) -> tuple[Intent, Slots]:
    """The classifier's intent (and the slots it then needs), corrected where the words
    leave no doubt. A merchant found in the text says the question is about the
    customer's payments only if it is one of ``theirs`` (not a catalogue's name)."""
    moves = _about_moves(intent, text, slots)
    if moves is not None:
        return moves
    if slots.since_pay:  # "coffee since I got paid": a period, not a question about pay
        text = SINCE_PAY.sub(" ", text)
    judged = slots if merchant_is_theirs else replace(slots, merchant=None, more_merchants=())
    intent = _intent_from_words(intent, text, judged)
    if (
        intent is Intent.TRANSACTIONS
        and slots.category is None
        and slots.group is None
        and not slots.since_pay
        and _MONEY_IN_NOUN.search(text)
    ):
        # "what was my last deposit?": among the money that came in, not any payment
        slots = replace(slots, category=Category.INCOME)
    if intent is Intent.INCOME and slots.limit is not None and slots.period is None:
        # "what was my last paycheck?": that payment, among the money that came in
        intent = Intent.TRANSACTIONS
        if slots.category is None and slots.group is None:
            slots = replace(slots, category=Category.INCOME)
    return intent, slots


def _intent_from_words(intent: Intent, text: str, slots: Slots) -> Intent:
    if intent in (Intent.BANKING_OTHER, Intent.OUT_OF_SCOPE) and not _only_about_money(
        text, slots, outside=intent is Intent.OUT_OF_SCOPE
    ):
        return intent
    if (
        intent in (Intent.TRANSACTIONS, Intent.REPORT_FRAUD)
        and _ASKS_TOTAL.match(text)
        and not (slots.recent or slots.largest or slots.limit)
    ):
        # "how much rent did I pay this year?", "how much cash did I withdraw?", "total on
        # uber last month": a total, whatever the words share with a search or a fraud
        # report
        return Intent.SPENDING
    if intent is Intent.INCOME and _I_PAID.search(text) and not _PAID_ME.search(text):
        return Intent.SPENDING  # "how much did I pay for gas?": money out
    money_in = _PAID_ME.search(text) and not _I_PAID.search(text) and not _PAY_DAY.search(text)
    if money_in and intent in (
        Intent.SPENDING,
        Intent.TRANSACTIONS,
        Intent.BANKING_OTHER,
        Intent.OUT_OF_SCOPE,
    ):
        return Intent.INCOME  # "have I been paid this week?"
    if (
        intent in (Intent.AFFIRM, Intent.DENY)
        and _QUESTION.search(text)
        and _CONSENT_WORDS.search(text)
    ):
        return Intent.PRIVACY_CONSENTS  # "what have I agreed to?" is no "yes"
    if (
        intent in (Intent.BANKING_OTHER, Intent.OUT_OF_SCOPE)
        and slots.category is not None
        and _ASKS_TOTAL.match(text)
        and _PAID_PAST.search(text)
    ):
        # "how much interest did I pay on my card?": a category, in the data ("how much
        # do I pay in taxes?" asks how things are, not what happened)
        return Intent.SPENDING
    if slots.named_like == "interest" and intent in (
        Intent.BANKING_OTHER,
        Intent.OUT_OF_SCOPE,
        Intent.SPENDING,
        Intent.TRANSACTIONS,
    ):
        # "how much interest did I earn this year?", "savings interest last month": money
        # that came in ("show my interest payments": those payments)
        listed = _LIST_WORDS.match(text) and not _ASKS_TOTAL.match(text)
        return Intent.TRANSACTIONS if listed else Intent.INCOME
    if _NET_WORTH.search(text) and intent in (Intent.OUT_OF_SCOPE, Intent.BANKING_OTHER):
        return Intent.BALANCE  # what is held, less what is owed
    if (
        _HOLDING_NOW.match(text)
        and slots.category is None
        and slots.group is None
        and not slots.merchant
    ):
        return Intent.BALANCE  # "how much at the moment?": what is there now
    if slots.per_payment and intent in (
        Intent.BANKING_OTHER,
        Intent.OUT_OF_SCOPE,
        Intent.TRANSACTIONS,
    ):
        return Intent.SPENDING  # "what was my average grocery bill?"
    if intent is Intent.SPENDING and slots.limit is not None and slots.period is None:
        return Intent.TRANSACTIONS  # "how much was my last grocery trip?": that one
    if intent is Intent.TRANSACTIONS and slots.breakdown and _CHART.search(text):
        return Intent.SPENDING  # "a pie chart of last month": where the money went
    if intent in (Intent.TRANSACTIONS, Intent.BANKING_OTHER) and TOP_CATEGORY.search(text.lower()):
        return Intent.SPENDING  # "my biggest expense category": where the money went
    if (
        intent in (Intent.BANKING_OTHER, Intent.OUT_OF_SCOPE)
        and slots.period
        and (slots.category is not None or slots.group)
    ):
        return Intent.SPENDING  # "groceries from 1/3 to 15/3": a category and a period
    if (
        intent in (Intent.BANKING_OTHER, Intent.OUT_OF_SCOPE)
        and (slots.category is not None or slots.group)
        and _LIST_WORDS.match(text)
        and not _HOW_TO.search(text)
    ):
        return Intent.TRANSACTIONS  # "what subscriptions do I have?": those payments
    if (
        slots.refunds
        and intent in (Intent.BANKING_OTHER, Intent.OUT_OF_SCOPE, Intent.INCOME, Intent.SPENDING)
        and not _HOW_TO.search(text)
        and not _REQUEST.search(text)
        and not _HOW_MUCH.match(text)
    ):
        return Intent.TRANSACTIONS  # "show me my refunds", "did Amazon refund me?"
    if intent in (Intent.BANKING_OTHER, Intent.OUT_OF_SCOPE) and _WHERE_MONEY.search(text):
        return Intent.SPENDING  # "where does my money go?": by category
    if (
        intent in (Intent.BANKING_OTHER, Intent.OUT_OF_SCOPE)
        and _merchant_words(slots.merchants(), _WORD.findall(text.lower()))
        and not _HOW_TO.search(text)
        and not _REQUEST.search(text)
    ):
        # One of the customer's own merchants named: a question about their payments
        # ("when was my last Starbucks visit?", "how many times did I go to Target?")
        return Intent.SPENDING if _HOW_MUCH.match(text) else Intent.TRANSACTIONS
    return intent


# "do you sell my data?", "is this private?": the promise, in plain words
_PRIVACY_PROMISE = re.compile(
    r"(?i)\b(?:sell|sold|selling|rent|monetis\w*|monetiz\w*)\b[^?.!]*\b(?:data|information|info|"
    r"details)\b|\b(?:use|used|using|for|share|shared|sharing)\b[^?.!]*\b(?:advertis\w*|ads|"
    r"marketing|advertisers)\b|\b(?:is|are)\s+(?:this|my|these|our)\s*"
    r"(?:\w+\s+)?(?:private|safe|secure|confidential)\b(?!\s+(?:to|for|in|at)\b)"
    r"|^\W*(?:(?:but|and|so|ok)\W+)?is\s+it\s+(?:private|safe|secure|confidential)"
    r"(?:\s+(?:here|with\s+you))?\W*$|\bwho\s+(?:is|else)\s+(?:reading|listening|watching)\b"
)
_QUESTION = re.compile(r"(?i)\b(?:what|which|who|when|where|why|how)\b|\?")
_CONSENT_WORDS = re.compile(r"(?i)\b(?:agree[ds]?|consent\w*|permission\w*|allowed|signed up)\b")
_LIST_WORDS = re.compile(r"(?i)\s*(?:what|which|show|list|any|do\s+i\s+have|my)\b")
_HOW_TO = re.compile(r"(?i)\b(?:how\s+(?:do|can|to)|cancel|dispute|stop|change|close|open)\b")
_WHERE_MONEY = re.compile(r"(?i)\bwhere\b[^?.!]*\bmoney\s+(?:go|goes|going|went)\b")
# "can I get a refund?", "where do I go for a refund?": asking for something, not about
# what was paid
_REQUEST = re.compile(r"(?i)^\W*(?:can|could|would|will|please|where|why|how\s+(?:long|do|can))\b")
_HOW_MUCH = re.compile(r"(?i)\s*(?:and\s+)?how much\b")
# "how much ...", "total on Uber", "what's the total for groceries": a sum
_ASKS_TOTAL = re.compile(
    r"(?i)\s*(?:and\s+)?(?:how much\b|(?:what(?:'s|\s+is|\s+was)\s+)?(?:the\s+|my\s+)?total"
    r"(?!\s+(?:number|count)\b)\b)"
)

#: Words any question about one's own money may be made of, besides period, category
#: and merchant words. A message with any other word is about something else too.
_MONEY_QUESTION_WORDS = frozenset(
    """
    a about across all am an and any are as at be been bill bills biggest buy bought by can
    dine dined eat eaten ate order ordered shop shopped
    charge charged charges cost costs could did do does each every far for from get go got
    had has have how i i'd i'm in is it it's items largest last latest let list many me
    money more most much my net of on or our out over paid pay payment payments per please
    purchase purchases recent recently refund refunded refunds see show so some spend
    spending spent that the their them there these they this those time times to total
    transaction transactions trip trips under up us usual usually visit visits was we went
    were what what's when where which who worth you your
    with before than versus vs
    """.split()
)
_WORD = re.compile(r"[a-z][a-z']*")
_MONEY_WORDS = re.compile(
    r"(?i)\b(?:spen[dt]\w*|paid|pay|payments?|cost\w*|bought|buy|purchases?|charge[ds]?|"
    r"transactions?|bills?|money|refund\w*|how\s+much|net\s+worth|balances?|income|earn\w*|"
    r"salary|pay\s?checks?|wages?|received|subscriptions?|deposits?|withdraw\w*|fees?)\b"
)
# "did I go", "my last visit", "how many times": what the customer did, not where a place is
_OWN_DOINGS = re.compile(
    r"(?i)\b(?:did|have|had)\s+i\b|\bi\s+(?:went|go|visited|was)\b"
    r"|\bmy\s+(?:last|latest|first|recent|most\s+recent)\b|\btimes\b"
)
#: Words that join periods, categories and merchants without asking anything else.
_GLUE_WORDS = frozenset("and at between for from in my of on since so far the this to".split())


def only_about_money(text: str, slots: Slots) -> bool:
    """Whether every word of ``text`` belongs to a question about the customer's money
    (periods, categories, merchants, accounts and the words that ask about them): "last
    month?" or "coffee since monday" may carry on the last question, "what is the weather
    today?" may not."""
    return _only_about_money(text, slots, outside=False)


def names_only_slots(text: str, slots: Slots) -> bool:
    """Whether ``text`` is nothing but periods, categories, merchants and the words that
    join them ("today?", "coffee since monday"): what it names replaces a part of the last
    question. A message that asks anything itself ("how much did I spend today?") is a
    question of its own."""
    words = _words(text)
    merchant = _merchant_words(slots.merchants(), words)
    return bool(words) and not _MONEY_WORDS.search(text) and _only_slot_words(words, merchant)


def _only_about_money(text: str, slots: Slots, *, outside: bool) -> bool:
    """Whether every word of ``text`` belongs to a question about the customer's money
    (see the module's docstring). For a message the classifier put ``outside`` banking,
    the words must also name money ("spent", "paid", "how much"), or what the customer
    did at a merchant they name ("when was my last Starbucks visit?"), or be nothing but
    periods, categories and merchants ("coffee since Monday"): "are there any holidays
    this month?" is not about the travel category, nor "what's the nearest Starbucks?"
    about payments there."""
    words = _words(text)
    merchant = _merchant_words(slots.merchants(), words)
    said = [word for word in words if not _names(word, merchant)]
    if not all(word in _DOMAIN_WORDS or word in _MONEY_QUESTION_WORDS for word in said):
        return False
    if not outside:
        return True
    return (
        bool(_MONEY_WORDS.search(text))
        or bool(merchant and _OWN_DOINGS.search(text))
        or _only_slot_words(words, merchant)
    )


def _only_slot_words(words: Sequence[str], merchant: set[str]) -> bool:
    """Nothing but periods, categories, merchants and the words that join them."""
    return all(
        word in _DOMAIN_WORDS or word in _GLUE_WORDS or _names(word, merchant) for word in words
    )


def _merchant_words(merchants: Sequence[str], words: Sequence[str]) -> set[str]:
    """The words of the merchants found in the text, each merchant's if the text names
    all of them (or typos of them): "now" alone is no mention of "Free Now", nor "john"
    of "John Lewis"."""
    found: set[str] = set()
    for merchant in merchants:
        wanted = set(_WORD.findall(merchant.lower())) - _GLUE_WORDS
        if wanted and all(any(_names(word, {part}) for word in words) for part in wanted):
            found |= wanted
    return found


def _names(word: str, merchant_words: set[str]) -> bool:
    """Whether ``word`` is (or is a typo of) one of ``merchant_words``: "starbux" is
    Starbucks, but "state" is no Allstate and "day" no "DA"."""
    return word in merchant_words or any(
        len(name) > 3 and len(word) >= 0.75 * len(name) and fuzz.ratio(word, name) >= _TYPO_SCORE
        for name in merchant_words
    )


_TYPO_SCORE = 75

#: Periods and banking words, and categories named in one word ("groceries").
_DOMAIN_WORDS = frozenset(BANKING_WORDS) | frozenset(
    phrase for phrase in CATEGORY_WORDS if _WORD.fullmatch(phrase)
)
#: Categories named in several words ("state tax", "food shopping"), which count only
#: together: "state" alone is no category word.
_CATEGORY_PHRASES = re.compile(
    r"\b(?:"
    + "|".join(
        re.escape(p)
        for p in sorted([*CATEGORY_WORDS, *GROUP_WORDS], key=len, reverse=True)
        if " " in p
    )
    + r")\b"
)


def _words(text: str) -> list[str]:
    """The words of ``text``, each category phrase as one word (a category word)."""
    return _WORD.findall(_CATEGORY_PHRASES.sub("groceries", text.lower()))


#: The words typos are put right into (see :mod:`openteller.assistant.spelling`).
_SPELLING_WORDS = BANKING_WORDS | {w for phrase in CATEGORY_WORDS for w in phrase.split()}


class Outright(Enum):
    """Messages answered the same way whatever the classifier says."""

    PRIVACY_PROMISE = "privacy_promise"  # "do you sell my data?"
    STOP_INSIGHTS = "stop_insights"  # "stop sending me tips"


def said_outright(text: str) -> Outright | None:
    if _PRIVACY_PROMISE.search(text):
        return Outright.PRIVACY_PROMISE
    if _STOP_INSIGHTS.search(text):
        return Outright.STOP_INSIGHTS
    return None


#: The intent each outright message is reported under.
OUTRIGHT_INTENTS = {
    Outright.PRIVACY_PROMISE: Intent.PRIVACY_WHAT_DATA,
    Outright.STOP_INSIGHTS: Intent.PRIVACY_REVOKE,
}


@dataclass(frozen=True, slots=True)
class Understood:
    intent: Intent
    confidence: float
    slots: Slots


class Understander:
    """Speller, classifier, slots and corrections: one message to what it asks."""

    def __init__(self, classifier: IntentClassifier, *, week_start: int = 0) -> None:
        self._classifier = classifier
        self.week_start = week_start
        self._speller = Speller(_SPELLING_WORDS, classifier.known_words())

    def understand(
        self,
        text: str,
        today: date,
        merchants: Sequence[str] = (),
        *,
        merchants_are_theirs: bool = True,
    ) -> Understood:
        """``merchants`` are the customer's own, or (``merchants_are_theirs=False``, with
        no customer) names the merchant slot may take without making the message a
        question about payments there."""
        (understood,) = self.understand_many(
            [text], today, merchants, merchants_are_theirs=merchants_are_theirs
        )
        return understood

    def understand_many(
        self,
        texts: Sequence[str],
        today: date,
        merchants: Sequence[str] = (),
        *,
        merchants_are_theirs: bool = True,
    ) -> list[Understood]:
        """:meth:`understand` for each text, the classifier run once for them all."""
        outright = [said_outright(text) for text in texts]
        asked = [text for text, said in zip(texts, outright, strict=True) if said is None]
        keep = [w for m in merchants for w in m.split()]
        corrected = [self._speller.correct(text, keep=keep) for text in asked]
        classified = iter(zip(corrected, self._classifier.predictions(corrected), strict=True))
        result = []
        for said in outright:
            if said is not None:
                result.append(Understood(OUTRIGHT_INTENTS[said], 1.0, Slots()))
                continue
            fixed, prediction = next(classified)
            slots = extract(fixed, today, merchants, week_start=self.week_start)
            intent, slots = reconsidered(
                prediction.intent, fixed, slots, merchant_is_theirs=merchants_are_theirs
            )
            result.append(Understood(intent, prediction.confidence, slots))
        return result
