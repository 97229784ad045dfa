"""The assistant: one message in, one answer out, with the conversation's context.

Understanding (:mod:`openteller.assistant.understanding`) is the intent classifier, the
rule-based slots and the corrections the words leave no doubt about; follow-ups ("and last
month?", "what about restaurants?", "show me those") reuse the previous question's
intent and slots. Skills read only through the privacy core's access service.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from openteller.assistant.intents import Intent
from openteller.assistant.money_skills import Answer, MoneySkills
from openteller.assistant.periods import Period, PeriodMatch
from openteller.assistant.replies import QuickReply, Reply
from openteller.assistant.service_skills import (
    Pending,
    ServiceSkills,
    asks_card_state,
    names_card,
)
from openteller.assistant.slots import Slots
from openteller.assistant.understanding import (
    Outright,
    Understander,
    names_only_slots,
    only_about_money,
    said_outright,
)
from openteller.domain.consent import Purpose
from openteller.domain.errors import AccessDenied
from openteller.privacy.access import AccessService, Requester

if TYPE_CHECKING:
    from openteller.assistant.classifier import IntentClassifier

DATA_INTENTS = frozenset({Intent.SPENDING, Intent.INCOME, Intent.TRANSACTIONS, Intent.BALANCE})
_FOLLOW_UP = re.compile(r"^\s*(?:and|what about|how about|and for|ok and|same for|what of)\b", re.I)
_SHOW_THOSE = re.compile(
    r"\b(?:show|list|see)\b.*\b(?:those|them|these|the transactions|which ones)\b", re.I
)
_PRINTABLE = re.compile(r"[A-Za-z]")
# Money in and money out asked together: "income vs spending", "money in and out".
_MONEY_IN = re.compile(
    r"(?i)\b(?:income|incomings?|earn(?:ed|ings)?|received|money in|came in|coming in|"
    r"salary|wages)\b"
)
_MONEY_OUT = re.compile(
    r"(?i)\b(?:spending|spent|spend|expenses|outgoings?|money out|went out|going out)\b"
)
_CASH_FLOW = re.compile(
    r"(?i)\b(?:cash\s*flow|money in and(?: money)? out|in and out|(?:did|have|do)\s+i\s+save[d]?"
    r"|i\s+saved|left over)\b"
)


def _cash_flow(text: str) -> bool:
    return bool(_CASH_FLOW.search(text) or (_MONEY_IN.search(text) and _MONEY_OUT.search(text)))


_COMPARE_FOLLOW_UP = re.compile(
    r"(?i)\s*(?:and\s+|how\s+(?:about|does\s+that\s+compare)\s+)?(?:compared?\s+(?:to|with)|vs\.?"
    r"|versus|against|than)\b"
)
PRIVACY_PROMISE = (
    "No one buys your data here. I read it only to answer you, under the consents you gave "
    "(each names its purpose and ends; you can revoke it at any time), and it is never used "
    "for advertising or marketing: the bank cannot even grant those purposes. Your data is "
    "encrypted under a key that is yours alone, the messaging app receives only the replies "
    'you ask for, and every read is logged for you to see: ask "who read my data".'
)
_DECLINED = re.compile(
    r"(?i)\b(?:declined|decline[sd]?|rejected|refused|not working|doesn'?t work|won'?t work"
    r"|stopped working|isn'?t working|blocked)\b"
)
_NAMED_CHANNEL = re.compile(r"(?i)\b(?:messenger|facebook|meta)\b")
_YES = re.compile(r"(?i)yes|y|yeah|yep|sure|ok|okay|do it|confirm|please do")
_NO = re.compile(r"(?i)no|n|nope|cancel|stop|don't|do not")
_BEFORE = re.compile(
    r"\b(?:the )?(?:month|week|year|day|period|one|time) before\b|\bthe previous (?:one|period)\b",
    re.I,
)

#: What a question about a card's state may be taken for; it is answered from the card.
_CARD_STATE_INTENTS = frozenset(
    {
        Intent.FREEZE_CARD,
        Intent.UNFREEZE_CARD,
        Intent.BANKING_OTHER,
        Intent.REPORT_FRAUD,
        Intent.HUMAN_AGENT,
        Intent.OUT_OF_SCOPE,
    }
)
HELP_TEXT = (
    "I can tell you your balances, what you spent or received in any period (by category "
    'or merchant: "coffee since Monday", "groceries last month vs usual"), find '
    'transactions ("my last 5 Amazon purchases"), find the nearest ATM, freeze a lost '
    "card, and show or change what data you share with me."
)
HELP_CHOICES = (
    QuickReply("My balance", "what's my balance"),
    QuickReply("Spent this month", "how much did I spend this month"),
    QuickReply("Recent transactions", "show my recent transactions"),
    QuickReply("Nearest ATM", "nearest atm"),
)


@dataclass(slots=True)
class Conversation:
    """What the assistant remembers between messages of one conversation."""

    customer: str
    channel: str = "terminal"
    last_intent: Intent | None = None
    last_slots: Slots = field(default_factory=Slots)
    history: list[str] = field(default_factory=list)
    #: The customer's merchant names, read once per conversation for fuzzy matching.
    merchants: list[str] | None = None
    #: An action proposed and waiting for the customer's yes or no.
    pending: Pending | None = None
    #: A location the customer shared (latitude, longitude), for the ATM search.
    location: tuple[float, float] | None = None


@dataclass(slots=True)
class Turn:
    """The result of one message: understanding, the structured answer and the reply."""

    intent: Intent
    confidence: float
    slots: Slots
    answer: dict[str, Any]
    reply: Reply
    period: Period | None = None
    account: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "intent": self.intent.value,
            "confidence": round(self.confidence, 3),
            "period": (
                {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()}
                if self.period
                else None
            ),
            "merchant": self.slots.merchant,
            "merchants": list(self.slots.merchants()),
            "category": (
                self.slots.category.slug if self.slots.category is not None else self.slots.group
            ),
            "account": self.account,
            "answer": self.answer,
            "text": self.reply.text,
        }


class Assistant:
    def __init__(
        self,
        access: AccessService,
        classifier: IntentClassifier,
        *,
        clock: Callable[[], datetime],
        locale: str = "en_US",
        week_start: int = 0,
        services: ServiceSkills | None = None,
    ) -> None:
        self._access = access
        self._services = services or ServiceSkills()
        self._clock = clock
        self._money = MoneySkills(access, locale)
        self._understander = Understander(classifier, week_start=week_start)

    def _merchants(self, customer: str, requester: Requester, today: date) -> list[str]:
        try:
            ledger = self._access.numeric_ledger(
                customer,
                requester,
                since=today.replace(year=today.year - 2, day=1),
                until=today,
                what="merchant names",
            )
        except AccessDenied:
            return []
        names: dict[str, None] = {}
        for _account, block in ledger.blocks:
            for name in block.merchants:
                if name:
                    names[name] = None
        return list(names)

    def respond(self, conversation: Conversation, text: str) -> Turn:
        now = self._clock()
        today = now.date()
        requester = Requester(conversation.channel, Purpose.CUSTOMER_QUESTIONS)
        cleaned = text.strip()
        if not cleaned or not _PRINTABLE.search(cleaned):
            return self._small(Intent.HELP, 0.0, "I didn't catch a question there. " + HELP_TEXT)
        outright = said_outright(cleaned)
        if outright is Outright.PRIVACY_PROMISE:
            return self._small(Intent.PRIVACY_WHAT_DATA, 1.0, PRIVACY_PROMISE)
        if outright is Outright.STOP_INSIGHTS:
            reply = self._services.stop_insights(conversation.customer, conversation.channel)
            return Turn(Intent.PRIVACY_REVOKE, 1.0, Slots(), {"stopped": "insights"}, reply)
        if conversation.merchants is None:
            conversation.merchants = self._merchants(conversation.customer, requester, today)
        understood = self._understander.understand(cleaned, today, conversation.merchants)
        intent, confidence, slots = understood.intent, understood.confidence, understood.slots
        intent, slots = self._with_context(conversation, cleaned, intent, confidence, slots)
        conversation.history.append(cleaned[:500])
        if conversation.pending is not None:
            answered = self._answer_pending(conversation, cleaned, intent)
            if answered is not None:
                return answered
        try:
            turn = self._answer(conversation, requester, intent, confidence, slots, today)
        except AccessDenied as exc:
            turn = Turn(
                intent,
                confidence,
                slots,
                {"error": "access_denied"},
                Reply(f"I can't look at that: {exc}"),
            )
        if intent in DATA_INTENTS:
            conversation.last_intent = intent
            conversation.last_slots = slots
        return turn

    def _with_context(
        self, conversation: Conversation, text: str, intent: Intent, confidence: float, slots: Slots
    ) -> tuple[Intent, Slots]:
        previous = conversation.last_intent
        if previous is None:
            return intent, slots
        if _SHOW_THOSE.search(text):
            return Intent.TRANSACTIONS, _merge(conversation.last_slots, slots)
        if _COMPARE_FOLLOW_UP.match(text) and previous in DATA_INTENTS - {Intent.BALANCE}:
            # "compared to last year?" after "... at Starbucks this year": the same
            # question, set against the period before (or the usual); after a list, the
            # money those payments add up to
            against = "usual" if slots.compare == "usual" else "previous"
            return _as_total(previous, replace(conversation.last_slots, compare=against))
        before = _BEFORE.search(text)
        if before and conversation.last_slots.period is not None and slots.period is None:
            shifted = MoneySkills.previous(conversation.last_slots.period.period)
            match = PeriodMatch(shifted, 0, 0, before.group(0), "previous")
            return previous, replace(conversation.last_slots, period=match)
        short = len(text.split()) <= 6
        names_data = bool(
            slots.period
            or slots.category is not None
            or slots.group
            or slots.merchant
            or slots.account
        )
        # Only a message the model did not give to another skill ("freeze my card today")
        # or to small talk ("thanks for today") can carry the last question on.
        unclaimed = intent in (Intent.OUT_OF_SCOPE, Intent.BANKING_OTHER)
        unclaimed_or_money = unclaimed or intent in DATA_INTENTS
        follow = _FOLLOW_UP.search(text) or (
            short
            and names_data
            and unclaimed_or_money
            and (
                names_only_slots(text, slots)  # "today?", "coffee since monday"
                or (
                    (unclaimed or confidence < 0.5)
                    and only_about_money(text, slots)  # not "what's the weather today?"
                )
            )
        )
        if follow and names_data:
            return previous, _merge(conversation.last_slots, slots)
        if (slots.compare and not names_data) and previous in DATA_INTENTS and short:
            return _as_total(previous, replace(conversation.last_slots, compare=slots.compare))
        carried = previous in DATA_INTENTS and short and not names_data and unclaimed_or_money
        if carried and slots.breakdown and previous is not Intent.BALANCE:
            # "by month", "break it down": the last question's money, broken down
            kept = previous if previous is Intent.INCOME else Intent.SPENDING
            return kept, replace(conversation.last_slots, breakdown=slots.breakdown)
        if carried and slots.largest and previous is not Intent.BALANCE:
            # "which was the biggest?" after a total or a list: the biggest of those
            return Intent.TRANSACTIONS, replace(
                conversation.last_slots, largest=True, limit=slots.limit or 1
            )
        return intent, slots

    def _small(self, intent: Intent, confidence: float, text: str, **extra: Any) -> Turn:
        return Turn(intent, confidence, Slots(), {}, Reply(text, **extra))

    def _answer(
        self,
        conversation: Conversation,
        requester: Requester,
        intent: Intent,
        confidence: float,
        slots: Slots,
        today: date,
    ) -> Turn:
        customer = conversation.customer
        if intent is Intent.BALANCE:
            return self._turn(
                intent, confidence, slots, self._money.balance(customer, requester, slots)
            )
        if intent in (Intent.SPENDING, Intent.INCOME):
            if _cash_flow(conversation.history[-1] if conversation.history else ""):
                answer = self._money.cash_flow(customer, requester, slots, today)
            else:
                answer = self._money.total(intent, customer, requester, slots, today)
            return self._turn(intent, confidence, slots, answer)
        if intent is Intent.TRANSACTIONS:
            answer = self._money.transactions(customer, requester, slots, today)
            return self._turn(intent, confidence, slots, answer)
        return self._service_turn(conversation, requester, intent, confidence, slots)

    def _answer_pending(self, conversation: Conversation, text: str, intent: Intent) -> Turn | None:
        pending = conversation.pending
        conversation.pending = None
        if pending is None:
            return None
        if pending.kind in ("choose_freeze", "choose_unfreeze"):
            # The answer to "Which card should I freeze?", typed rather than tapped.
            if names_card(text) is None:
                return None
            freeze = pending.kind == "choose_freeze"
            reply, chosen, data = self._services.propose_card_change(
                conversation.customer, Slots(), freeze=freeze, text=text
            )
            conversation.pending = chosen
            intent = Intent.FREEZE_CARD if freeze else Intent.UNFREEZE_CARD
            return Turn(intent, 1.0, Slots(), data, reply)
        yes = intent is Intent.AFFIRM or _YES.fullmatch(text.strip())
        no = intent is Intent.DENY or _NO.fullmatch(text.strip())
        if yes and not no:
            reply = self._services.confirm(
                conversation.customer, pending, actor=f"customer:{conversation.channel}"
            )
            return Turn(Intent.AFFIRM, 1.0, Slots(), {"done": pending.kind}, reply)
        if no:
            return Turn(
                Intent.DENY,
                1.0,
                Slots(),
                {"cancelled": pending.kind},
                Reply("OK, I won't. Anything else?"),
            )
        return None

    def _service_turn(
        self,
        conversation: Conversation,
        requester: Requester,
        intent: Intent,
        confidence: float,
        slots: Slots,
    ) -> Turn:
        customer = conversation.customer
        text = conversation.history[-1] if conversation.history else ""
        services = self._services
        if intent is Intent.ATM:
            reply, data = services.atm(text, conversation.location)
            return Turn(intent, confidence, slots, data, reply)
        if intent in _CARD_STATE_INTENTS and asks_card_state(text):
            reply, data = services.card_states(customer, text)
            return Turn(intent, confidence, slots, data, reply)
        if intent in (Intent.FREEZE_CARD, Intent.UNFREEZE_CARD):
            reply, pending, data = services.propose_card_change(
                customer, slots, freeze=intent is Intent.FREEZE_CARD, text=text
            )
            conversation.pending = pending
            return Turn(intent, confidence, slots, data, reply)
        if intent is Intent.PRIVACY_CONSENTS:
            return Turn(intent, confidence, slots, {}, services.consents(customer))
        if intent is Intent.PRIVACY_REVOKE:
            named = _NAMED_CHANNEL.search(text)
            channel = "messenger" if named else conversation.channel
            reply, pending = services.propose_revoke(channel)
            conversation.pending = pending
            return Turn(intent, confidence, slots, {}, reply)
        if intent is Intent.PRIVACY_ERASE:
            reply, pending = services.propose_erase()
            conversation.pending = pending
            return Turn(intent, confidence, slots, {}, reply)
        if intent is Intent.PRIVACY_WHAT_DATA:
            return self._what_data(customer, requester, intent, confidence)
        if intent is Intent.PRIVACY_AUDIT:
            return self._trail(customer, requester, intent, confidence)
        if intent is Intent.PRIVACY_EXPORT:
            return self._small(
                intent,
                confidence,
                "You can have everything we hold about you (accounts, balances, "
                "transactions, consents and who read your data) as one file: the bank "
                "sends it from your privacy page, or staff can run `openteller export` "
                "for you.",
            )
        if intent is Intent.BANKING_OTHER and _DECLINED.search(text):
            frozen = services.frozen_cards(customer)
            if frozen:  # the likeliest reason, and one the customer can undo at once
                return self._small(
                    intent,
                    confidence,
                    f"Your {', '.join(frozen)} {'is' if len(frozen) == 1 else 'are'} frozen, "
                    'which declines every payment. Say "unfreeze my card" to turn it back on.',
                    quick_replies=(QuickReply("Unfreeze my card", "unfreeze my card"),),
                )
        if intent in (Intent.HUMAN_AGENT, Intent.BANKING_OTHER, Intent.REPORT_FRAUD):
            reference = services.hand_off(customer, conversation.channel, intent.value, text)
            turn = self._conversation_turn(intent, confidence)
            if reference:
                turn.answer = {"handoff": reference}
            return turn
        return self._conversation_turn(intent, confidence)

    def _what_data(
        self, customer: str, requester: Requester, intent: Intent, confidence: float
    ) -> Turn:
        views = self._access.accounts(customer, requester)
        count = sum(v.transactions for v in views)
        names = ", ".join(v.account.label() for v in views) or "no accounts"
        text = (
            f"I hold {len(views)} account(s) ({names}: names and last four digits only), "
            f"their balances, and {count} transactions (dates, amounts, merchants, "
            "categories), all encrypted under a key that is yours alone; plus your consents "
            "and a log of who read your data and why. Nothing is used for advertising."
        )
        return self._small(intent, confidence, text)

    def _trail(
        self, customer: str, requester: Requester, intent: Intent, confidence: float
    ) -> Turn:
        entries = self._access.trail(customer, requester)[-6:]
        lines = [
            f"• {e.at[:16].replace('T', ' ')} {e.actor}: {e.action} {e.scope} "
            f"({e.purpose or 'no purpose'}) {e.outcome}"
            for e in entries
        ]
        return self._small(intent, confidence, "Latest reads of your data:\n" + "\n".join(lines))

    @staticmethod
    def _turn(intent: Intent, confidence: float, slots: Slots, answer: Answer) -> Turn:
        return Turn(
            intent, confidence, slots, answer.data, answer.reply, answer.period, answer.account
        )

    def _conversation_turn(self, intent: Intent, confidence: float) -> Turn:
        texts = {
            Intent.GREETING: "Hello! " + HELP_TEXT,
            Intent.THANKS: "You're welcome.",
            Intent.GOODBYE: "Goodbye, and take care.",
            Intent.HELP: HELP_TEXT,
            Intent.AFFIRM: "OK. What would you like to know?",
            Intent.DENY: "No problem. Anything else?",
            Intent.HUMAN_AGENT: (
                "I'll pass you to a person at the bank; they will reply here. Your question "
                "goes with you, and nothing else of your data."
            ),
            Intent.BANKING_OTHER: (
                "That's one for a person at the bank: I've passed your question on and "
                "someone will reply here. Meanwhile I can help with balances, spending, "
                "transactions, ATMs and your card."
            ),
            Intent.REPORT_FRAUD: (
                "I've passed this to the bank's fraud team with your message; they will "
                "contact you here. If your card may be in someone else's hands, I can "
                "freeze it now."
            ),
            Intent.OUT_OF_SCOPE: ("Sorry, I can only help with your banking here. " + HELP_TEXT),
        }
        text = texts.get(
            intent,
            "I understood that, but I can't do it here yet; a person at the bank can help.",
        )
        offers_help = intent in (Intent.GREETING, Intent.HELP, Intent.OUT_OF_SCOPE)
        choices: tuple[QuickReply, ...] = HELP_CHOICES if offers_help else ()
        if intent is Intent.REPORT_FRAUD:
            choices = (QuickReply("Freeze my card", "freeze my card"),)
        return self._small(intent, confidence, text, quick_replies=choices)


def _as_total(previous: Intent, slots: Slots) -> tuple[Intent, Slots]:
    """A comparison asked after a list ("how does that compare to usual?" after "the
    biggest one?") is about the money those payments add up to."""
    if previous is not Intent.TRANSACTIONS:
        return previous, slots
    return Intent.SPENDING, replace(slots, largest=False, limit=None, recent=False)


def _merge(old: Slots, new: Slots) -> Slots:
    """Slots of a follow-up: what it names replaces, the rest carries over."""
    category = new.category if new.category is not None else old.category
    merchant = new.merchant if new.merchant else old.merchant
    more_merchants = new.more_merchants if new.merchant else old.more_merchants
    if new.category is not None and not new.merchant:
        merchant, more_merchants = None, ()
    if new.merchant and new.category is None:
        category = None
    return Slots(
        period=new.period or old.period,
        category=category,
        merchant=merchant,
        more_merchants=more_merchants,
        account=new.account or old.account,
        to_account=new.to_account if new.account else old.to_account,
        amount=new.amount or old.amount,
        exclude_merchants=new.exclude_merchants or old.exclude_merchants,
        exclude_categories=new.exclude_categories or old.exclude_categories,
        limit=new.limit or old.limit,
        # "the biggest" carries on with the count it came with ("and last month?")
        largest=new.largest or (old.largest and not new.limit),
        compare=new.compare,
        breakdown=new.breakdown,
        days=new.days or old.days,
        named_like=new.named_like if new.category is not None else old.named_like,
        per_unit=new.per_unit or old.per_unit,
    )
