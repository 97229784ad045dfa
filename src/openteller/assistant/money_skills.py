"""The data skills: balances, spending, income and transaction search.

Every read goes through the privacy core's access service with the customer's
requester (channel and purpose); answers always say which period and which accounts
they cover, and amounts are exact (minor units, formatted with babel).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from dateutil.relativedelta import relativedelta

from openteller.assistant.analytics import LedgerArrays, Selection
from openteller.assistant.intents import Intent
from openteller.assistant.periods import Period, PeriodMatch, default_period
from openteller.assistant.replies import QuickReply, Reply
from openteller.assistant.slots import WEEKDAYS, Slots
from openteller.assistant.wording import money, period_phrase, period_words, plural
from openteller.domain.accounts import Account, AccountType
from openteller.domain.categories import NON_SPENDING, Category
from openteller.domain.money import Money, minor_units
from openteller.domain.transactions import Transaction
from openteller.privacy.access import AccessService, AccountView, Requester


@dataclass(slots=True)
class Answer:
    """What a skill found: the structured answer (for JSON) and the reply."""

    reply: Reply
    data: dict[str, Any] = field(default_factory=dict)
    period: Period | None = None
    account: str | None = None
    transactions: list[Transaction] = field(default_factory=list)


def _decimal(minor: int, currency: str) -> Decimal:
    return Money.from_minor(minor, currency).amount


_TYPE_WORDS = {
    "checking": {AccountType.CHECKING},
    "savings": {AccountType.SAVINGS},
    "credit_card": {AccountType.CREDIT_CARD},
    "loan": {AccountType.LOAN},
}


def match_account_list(accounts: list[Account], wanted: str) -> list[Account]:
    """The accounts an account slot names: last four digits, or a kind of account."""
    if wanted.isdigit():
        return [a for a in accounts if a.mask.endswith(wanted)]
    types = _TYPE_WORDS.get(wanted, set())
    return [a for a in accounts if a.type in types]


#: Money moved between the customer's own accounts and cards: never spending or income,
#: but a question of its own ("how much did I transfer to savings?").
MOVES = frozenset({Category.TRANSFERS, Category.CARD_PAYMENT})


def asks_about_moves(slots: Slots) -> bool:
    """Whether the question is about transfers or card payments alone."""
    named = slots.categories()
    return named is not None and named <= MOVES


#: Accounts whose negative balance is money the customer owes.
LIABILITIES = frozenset({AccountType.CREDIT_CARD, AccountType.LOAN})


def _month_name(key: str) -> str:
    """ "2026-03" -> "Mar 2026"."""
    try:
        return date.fromisoformat(f"{key}-01").strftime("%b %Y")
    except ValueError:
        return key


def _some(count: int, what: str) -> str:
    """ "transaction" for one, "3 transactions" for more (after "your latest")."""
    return what if count == 1 else f"{count} {what}s"


def match_accounts(views: list[AccountView], wanted: str | None) -> list[AccountView]:
    """The customer's accounts an account slot names (all when none is named)."""
    if wanted is None:
        return views
    chosen = {a.id for a in match_account_list([v.account for v in views], wanted)}
    return [v for v in views if v.account.id in chosen]


def _account_words(accounts: list[Account], everything: bool) -> str:
    if everything:
        return "all your accounts"
    return ", ".join(a.label() for a in accounts)


class MoneySkills:
    """Answers about the customer's money, read through the access service."""

    def __init__(self, access: AccessService, locale: str = "en_US") -> None:
        self._access = access
        self.locale = locale

    # -- helpers -------------------------------------------------------------------------
    def _minor(self, minor: int, currency: str) -> str:
        return money(_decimal(minor, currency), currency, self.locale)

    def _accounts(self, customer: str, requester: Requester) -> list[AccountView]:
        return self._access.accounts(customer, requester)

    def _no_such_account(self, wanted: str, views: list[AccountView]) -> Answer:
        have = ", ".join(v.account.label() for v in views) or "no accounts"
        what = (
            f"an account ending {wanted}"
            if wanted.isdigit()
            else f"a {wanted.replace('_', ' ')} account"
        )
        return Answer(
            Reply(f"I can't find {what} among your accounts ({have})."),
            data={"error": "no_such_account"},
            account=wanted,
        )

    # -- balance -------------------------------------------------------------------------
    def balance(self, customer: str, requester: Requester, slots: Slots) -> Answer:
        views = self._accounts(customer, requester)
        chosen = match_accounts(views, slots.account)
        if not chosen:
            return self._no_such_account(slots.account or "", views)
        lines, rows = [], []
        totals: dict[str, Decimal] = {}
        for view in chosen:
            kinds = {b.kind.value: b.amount for b in view.balances}
            booked, available = kinds.get("booked"), kinds.get("available")
            shown = available or booked
            rows.append(
                {
                    "name": view.account.display_name,
                    "type": view.account.type.value,
                    "mask": view.account.mask,
                    "available": str(available.amount) if available else None,
                    "booked": str(booked.amount) if booked else None,
                    "currency": view.account.currency,
                }
            )
            if shown is None:
                lines.append(f"{view.account.label()}: no balance reported yet")
                continue
            totals[shown.currency] = totals.get(shown.currency, Decimal(0)) + shown.amount
            lines.append(f"{view.account.label()}: {self._balance_words(view, shown, available)}")
        if len(chosen) > 1 and totals:
            owing = any(view.account.type in LIABILITIES for view in chosen)
            lines.append(
                ("Net: " if owing else "Total: ")
                + ", ".join(money(v, c, self.locale) for c, v in sorted(totals.items()))
            )
        return Answer(
            Reply("\n".join(lines)),
            data={"accounts": rows},
            account=slots.account,
        )

    def _balance_words(self, view: AccountView, shown: Money, available: Money | None) -> str:
        """ "$4,321.09 available" for an account holding money; for a card or loan that is
        owed, "$612.40 owed" (a minus sign reads as nonsense next to "available")."""
        amount = money(abs(shown.amount), shown.currency, self.locale)
        if view.account.type in LIABILITIES:
            if shown.amount < 0:
                return f"{amount} owed"
            if shown is available:
                return f"{amount} available to spend"
            return f"{amount} in credit"
        signed = money(shown.amount, shown.currency, self.locale)
        return f"{signed} {'available' if shown is available else 'booked'}"

    # -- totals --------------------------------------------------------------------------
    def _selection(
        self, slots: Slots, period: Period, account_ids: frozenset[str] | None
    ) -> Selection:
        minimum = maximum = None
        if slots.amount is not None:
            if slots.amount.minimum is not None:
                minimum = int(slots.amount.minimum * 100)
            if slots.amount.maximum is not None:
                maximum = int(slots.amount.maximum * 100)
        return Selection(
            since=period.start,
            until=period.end,
            categories=slots.categories(),
            exclude_categories=frozenset(slots.exclude_categories),
            merchants=frozenset(m.lower() for m in slots.merchants()) if slots.merchant else None,
            exclude_merchants=frozenset(m.lower() for m in slots.exclude_merchants),
            accounts=account_ids,
            min_amount=minimum,
            max_amount=maximum,
            weekdays=WEEKDAYS[slots.days] if slots.days else None,
            name_holds=slots.named_like,
        )

    def _scope(
        self, customer: str, requester: Requester, slots: Slots
    ) -> tuple[list[Account], list[Account]] | Answer:
        """(all accounts, the accounts the question names); no read when none is named."""
        if slots.account is None:
            return [], []
        accounts = self._access.account_list(customer, requester)
        chosen = match_account_list(accounts, slots.account)
        if not chosen:
            views = [AccountView(a, [], 0) for a in accounts]
            return self._no_such_account(slots.account, views)
        return accounts, chosen

    def total(
        self, intent: Intent, customer: str, requester: Requester, slots: Slots, today: date
    ) -> Answer:
        """Spending or income in a period, with optional comparison and breakdown."""
        unknown = None if slots.merchant else slots.unknown_merchant
        if unknown:  # a name none of the payments carry: the total there is nothing
            slots = replace(slots, merchant=unknown)
        if slots.unknown_category and intent is Intent.SPENDING:
            return self._no_such_category(slots.unknown_category)
        if slots.since_pay and slots.period is None:
            paid = self._from_last_pay(customer, requester, slots, today)
            if isinstance(paid, Answer):
                return paid
            slots = paid
        per_month = slots.breakdown == "month" and slots.period is None
        if per_month or (slots.per_unit == "year" and slots.period is None):
            # "how much do I spend on Lyft per month?" (or a year): the last 12 months
            last = today.replace(day=1) - timedelta(days=1)
            first = last.replace(day=1) - relativedelta(months=11)
            year = PeriodMatch(Period(first, last), 0, 0, "over the last 12 months", "rolling")
            slots = replace(slots, period=year, compare=None)  # the average is the usual
        elif slots.per_unit == "week" and slots.period is None:
            # "coffee per week": the last 12 weeks, up to today
            weeks = Period(today - timedelta(days=83), today)
            slots = replace(
                slots, period=PeriodMatch(weeks, 0, 0, "over the last 12 weeks", "rolling")
            )
        if asks_about_moves(slots):
            return self._moved(customer, requester, slots, today, per_month=per_month)
        scoped = self._scope(customer, requester, slots)
        if isinstance(scoped, Answer):
            return scoped
        _views, chosen = scoped
        asked = slots.period.period if slots.period else default_period(today)
        history_start = asked.start
        if slots.compare == "usual":
            history_start = asked.start.replace(day=1) - relativedelta(months=6)
        elif slots.compare == "previous":
            history_start = self.previous(asked).start
        what = f"{intent.value} {slots.category_words() or ''}".strip()
        ledger = self._access.numeric_ledger(
            customer, requester, since=history_start, until=asked.end, what=what
        )
        window_start = max(asked.start, ledger.since) if ledger.since else asked.start
        window_end = min(asked.end, ledger.until) if ledger.until else asked.end
        if window_start > window_end:
            return self._outside_window(asked, ledger.since, ledger.until, slots)
        period = Period(window_start, window_end)
        arrays = LedgerArrays(ledger.blocks)
        account_ids = frozenset(a.id for a in chosen) if slots.account else None
        selection = self._selection(slots, period, account_ids)
        measure = arrays.spending if intent is Intent.SPENDING else arrays.income
        total = measure(selection)
        currency = total.main_currency() or (chosen[0].currency if chosen else "USD")
        minor = total.minor.get(currency, 0)
        amount = _decimal(max(minor, 0) if intent is Intent.INCOME else minor, currency)
        subject = self._subject(slots, currency, income=intent is Intent.INCOME)
        accounts = _account_words(chosen, slots.account is None)
        verb = "spent" if intent is Intent.SPENDING else "received"
        when = period_phrase(slots.period.phrase) if slots.period else "this month so far"
        amounts = money(abs(amount), currency, self.locale)
        others = [
            money(_decimal(abs(v), c), c, self.locale)
            for c, v in sorted(total.minor.items())
            if c != currency and v
        ]
        if others:  # accounts in several currencies: every one, the main first
            amounts = ", ".join([amounts, *others[:-1]]) + f" and {others[-1]}"
        text = (
            f"You {verb} {amounts}{subject} {when} "
            f"({period_words(period, self.locale)}), "
            f"{plural(total.count, 'transaction')}, across {accounts}."
        )
        if total.count == 0 and amount == 0:
            nothing = "spent nothing" if intent is Intent.SPENDING else "received nothing"
            text = (
                f"You {nothing}{subject} {when} ({period_words(period, self.locale)}), "
                f"across {accounts}."
            )
        if intent is Intent.SPENDING and amount < 0:
            text = (
                f"Refunds outweighed purchases{subject} {when} "
                f"({period_words(period, self.locale)}): {money(-amount, currency, self.locale)} "
                f"back, across {accounts}."
            )
        if period.start > asked.start:
            first = period_words(Period(period.start, period.start), self.locale)
            text += f" I can only see transactions from {first} under your consent."
        data: dict[str, Any] = {
            "amount": str(abs(amount)),
            "currency": currency,
            "count": total.count,
        }
        if intent is Intent.SPENDING and amount < 0:
            data["refunds_outweighed"] = True
        if len(total.minor) > 1:
            data["totals"] = {c: str(_decimal(abs(v), c)) for c, v in sorted(total.minor.items())}
        if slots.compare and intent is Intent.SPENDING:
            extra, comparison = self._compare(arrays, slots, asked, account_ids, currency, minor)
            text += " " + extra
            data["comparison"] = comparison
        if slots.per_payment and total.count and amount > 0:
            each = abs(amount) / total.count
            text += f" That is {money(each, currency, self.locale)} a payment on average."
            data["average_payment"] = str(each.quantize(Decimal(1).scaleb(-minor_units(currency))))
        if slots.per_unit in ("day", "week") and total.count and amount > 0:
            days = Decimal((period.end - period.start).days + 1)
            rate = abs(amount) / (days if slots.per_unit == "day" else days / 7)
            text += f" That is {money(rate, currency, self.locale)} a {slots.per_unit} on average."
            data[f"average_per_{slots.per_unit}"] = str(
                rate.quantize(Decimal(1).scaleb(-minor_units(currency)))
            )
        if per_month and total.count:
            average = money(abs(amount) / 12, currency, self.locale)
            text += f" That is {average} a month on average."
            data["monthly_average"] = str(
                (abs(amount) / 12).quantize(Decimal(1).scaleb(-minor_units(currency)))
            )
        reply_image = None
        if slots.breakdown and intent is Intent.SPENDING:
            groups = (
                arrays.monthly_spending(selection)
                if slots.breakdown == "month"
                else arrays.spending_by(selection, slots.breakdown, top=8)
            )
            if groups:
                data["breakdown"] = [
                    {"name": name, "amount": str(_decimal(value, currency))}
                    for name, value in groups
                ]
                if slots.breakdown == "month":  # the latest six, by name
                    shown = [(_month_name(name), value) for name, value in groups[-6:]]
                else:
                    shown = [(name.replace("_", " "), value) for name, value in groups[:5]]
                text += (
                    " "
                    + "; ".join(f"{name} {self._minor(value, currency)}" for name, value in shown)
                    + "."
                )
                from openteller.assistant.charts import spending_chart  # matplotlib: lazy

                reply_image = spending_chart(
                    groups, currency, title=f"Spending {period_words(period, self.locale)}"
                )
        if unknown:
            where = "from" if intent is Intent.INCOME else "at"
            text += f" I know of no payments {where} {unknown} in what you share with me."
        quick = (
            QuickReply("Show transactions", "show me those"),
            QuickReply("Compare last month", "compare to last month"),
        )
        return Answer(
            Reply(text, quick_replies=quick, image_png=reply_image),
            data=data,
            period=period,
            account=slots.account,
        )

    def _from_last_pay(
        self, customer: str, requester: Requester, slots: Slots, today: date
    ) -> Slots | Answer:
        """ "Since my last paycheck": ``slots`` with the period from the day the latest pay
        came in to today. Pay is money in (the income category, not interest) of at
        least half the largest such payment of the last two months, so small transfers
        from friends are no pay day."""
        ledger = self._access.numeric_ledger(
            customer, requester, since=today - timedelta(days=62), until=today, what="pay days"
        )
        arrays = LedgerArrays(ledger.blocks)
        interest = [i for i, name in enumerate(arrays.merchants) if "interest" in name]
        money_in = (
            (arrays.category == int(Category.INCOME))
            & (arrays.amount > 0)
            & ~np.isin(arrays.merchant, interest)
        )
        if not money_in.any():
            return Answer(
                Reply(
                    "I can't see any pay coming in over the last two months, so I can't "
                    "tell when your last pay day was. Ask for a period instead "
                    '("since November 1").'
                ),
                data={"error": "no_pay_found"},
            )
        pay = money_in & (arrays.amount * 2 >= int(arrays.amount[money_in].max()))
        day = date.fromordinal(int(arrays.day[pay].max()))
        since = PeriodMatch(Period(day, today), 0, 0, "since your last pay", "since")
        return replace(slots, period=since, since_pay=False)

    def _moved(
        self,
        customer: str,
        requester: Requester,
        slots: Slots,
        today: date,
        *,
        per_month: bool = False,
    ) -> Answer:
        """Transfers or card payments in a period: what went into the account named after
        "to" (a card named in a question about paying it is where the money went), else
        what went out (of the account named, or of any); ``per_month``, with the monthly
        average of the 12 months the period then is."""
        scoped = self._scope(customer, requester, slots)
        naming = None
        if isinstance(scoped, Answer):
            if not (slots.to_account and slots.account and not slots.account.isdigit()):
                return scoped
            # "to savings" with the savings account held elsewhere: the lines out that
            # name it ("TRANSFER TO SAVINGS")
            naming = slots.account.replace("_", " ")
            slots = replace(slots, account=None, to_account=False)
            scoped = [], []
        _accounts, chosen = scoped
        paying_card = slots.category is Category.CARD_PAYMENT
        into = bool(chosen) and (
            slots.to_account or (paying_card and all(a.type in LIABILITIES for a in chosen))
        )
        asked = slots.period.period if slots.period else default_period(today)
        noun = "card payment" if paying_card else "transfer"
        ledger = self._access.numeric_ledger(
            customer, requester, since=asked.start, until=asked.end, what=f"{noun}s"
        )
        start = max(asked.start, ledger.since) if ledger.since else asked.start
        end = min(asked.end, ledger.until) if ledger.until else asked.end
        if start > end:
            return self._outside_window(asked, ledger.since, ledger.until, slots)
        period = Period(start, end)
        account_ids = frozenset(a.id for a in chosen) if slots.account else None
        selection = self._selection(slots, period, account_ids)
        if into:  # the name on the other side's line says where it came from: not asked
            selection = replace(selection, merchants=None)
        total = LedgerArrays(ledger.blocks).moved(selection, into=into, naming=naming)
        currency = total.main_currency() or (chosen[0].currency if chosen else "USD")
        amount = _decimal(total.minor.get(currency, 0), currency)
        when = period_phrase(slots.period.phrase) if slots.period else "this month so far"
        span = f"{when} ({period_words(period, self.locale)})"
        accounts = _account_words(chosen, not slots.account)
        if paying_card:
            where = f"to {accounts}" if into else (f"from {accounts}" if slots.account else "")
        elif naming:
            where = f"to {naming}"
        elif into:
            where = f"into {accounts}"
        else:
            where = f"out of {accounts}" if slots.account else ""
        verb = "paid" if paying_card else ("moved" if slots.account else "transferred")
        subject = f" to {slots.merchant_words()}" if slots.merchant and not into else ""
        what = (
            f"You {verb} {money(amount, currency, self.locale)}{subject}"
            if total.count
            else f"I found no {noun}s{subject}"
        )
        text = " ".join(part for part in (what, where, span) if part)
        text += f", {plural(total.count, noun)}." if total.count else "."
        data: dict[str, Any] = {
            "amount": str(amount),
            "currency": currency,
            "count": total.count,
            "direction": "in" if into else "out",
        }
        if per_month and total.count:
            average = (amount / 12).quantize(Decimal(1).scaleb(-minor_units(currency)))
            text += f" That is {money(average, currency, self.locale)} a month on average."
            data["monthly_average"] = str(average)
        return Answer(
            Reply(text, quick_replies=(QuickReply("Show transactions", "show me those"),)),
            data=data,
            period=period,
            account=slots.account,
        )

    def _outside_window(
        self, asked: Period, since: date | None, until: date | None, slots: Slots
    ) -> Answer:
        def words(day: date) -> str:
            return period_words(Period(day, day), self.locale)

        if since and until:
            shared = f"from {words(since)} to {words(until)}"
        elif since:
            shared = f"from {words(since)}"
        else:
            shared = f"up to {words(until)}" if until else "in no period"
        return Answer(
            Reply(
                f"{period_words(asked, self.locale)} is outside what you share with me "
                f"(transactions {shared}), so I can't answer for that period."
            ),
            data={"error": "outside_consent_window"},
            period=asked,
            account=slots.account,
        )

    @staticmethod
    def previous(period: Period) -> Period:
        """The period just before: as many whole months before for whole months (a year
        for a year, a quarter for a quarter), the same stretch that many months before
        for a month, quarter or year so far, else the same number of days before."""
        if period.start.day == 1:
            months = (
                (period.end.year - period.start.year) * 12
                + period.end.month
                - period.start.month
                + 1
            )
            if (period.end + timedelta(days=1)).day == 1:  # whole month(s)
                start = period.start - relativedelta(months=months)
                return Period(start, period.start - timedelta(days=1))
            # So far this year, quarter or month: the same stretch of the one before.
            if period.start.month == 1 and months > 3:
                months = 12
            elif period.start.month in (1, 4, 7, 10) and months > 1:
                months = 3
            start = period.start - relativedelta(months=months)
            same_stretch = period.end - relativedelta(months=months)
            return Period(start, min(same_stretch, period.start - timedelta(days=1)))
        length = (period.end - period.start).days + 1
        return Period(period.start - timedelta(days=length), period.start - timedelta(days=1))

    def _compare(
        self,
        arrays: LedgerArrays,
        slots: Slots,
        asked: Period,
        account_ids: frozenset[str] | None,
        currency: str,
        minor: int,
    ) -> tuple[str, dict[str, Any]]:
        if slots.compare == "previous":
            before = self.previous(asked)
            other = arrays.spending(self._selection(slots, before, account_ids)).minor.get(
                currency, 0
            )
            label = f"the period before ({period_words(before, self.locale)})"
        else:
            totals = []
            month_start = asked.start.replace(day=1)
            for back in range(1, 7):
                start = month_start - relativedelta(months=back)
                end = start + relativedelta(months=1) - timedelta(days=1)
                totals.append(
                    arrays.spending(
                        self._selection(slots, Period(start, end), account_ids)
                    ).minor.get(currency, 0)
                )
            other = int(statistics.median(totals))
            label = "your usual month (median of the previous 6)"
        difference = minor - other
        direction = "more" if difference > 0 else "less"
        words = (
            f"That is {self._minor(abs(difference), currency)} {direction} "
            f"than {label}: {self._minor(other, currency)}."
            if difference
            else f"That is the same as {label}."
        )
        return words, {"other_amount": str(_decimal(other, currency)), "against": slots.compare}

    def _subject(
        self, slots: Slots, currency: str, *, listing: bool = False, income: bool = False
    ) -> str:
        """What the question was about, as the reply repeats it: " at Amazon", " on
        groceries", " in payments of at least $500.00" (" of at least ..." in a list)."""
        parts = []
        if slots.merchant:  # "spent at Amazon", "received from Acme", "at Uber and Lyft"
            parts.append(f" {'from' if income else 'at'} {slots.merchant_words()}")
        named = slots.named_like or slots.category_words()
        if named is not None:
            # "received ... in income", "spent ... on groceries", "... in interest"
            word = "in" if named in ("income", "interest") else "on"
            parts.append(f" {word} {named}")
        if slots.days:
            parts.append(f" on {slots.days}")
        if slots.exclude_merchants or slots.exclude_categories:
            names = [*slots.exclude_merchants, *(c.label.lower() for c in slots.exclude_categories)]
            parts.append(f" (not counting {', '.join(names)})")
        if slots.amount is not None:
            low, high = slots.amount.minimum, slots.amount.maximum
            lead = " of" if listing else " in payments of"
            if low is not None and high is not None:
                parts.append(
                    f"{lead} {money(low, currency, self.locale)} to "
                    f"{money(high, currency, self.locale)}"
                )
            elif low is not None:
                parts.append(f"{lead} at least {money(low, currency, self.locale)}")
            elif high is not None:
                parts.append(f"{lead} at most {money(high, currency, self.locale)}")
        return "".join(parts)

    def _no_such_category(self, thing: str) -> Answer:
        known = ", ".join(
            c.label.lower() for c in Category if c not in NON_SPENDING and c.value != 0
        )
        return Answer(
            Reply(
                f"I can't tell which of your payments are for {thing}: I sort them into "
                f'{known}. Ask about one of those, or name the shop ("how much at '
                f'Planet Fitness?").'
            ),
            data={"error": "unknown_category", "asked": thing},
        )

    def cash_flow(self, customer: str, requester: Requester, slots: Slots, today: date) -> Answer:
        """Money in and money out of a period side by side ("income vs spending")."""
        plain = replace(slots, category=None, compare=None, breakdown=None)
        came_in = self.total(Intent.INCOME, customer, requester, plain, today)
        went_out = self.total(Intent.SPENDING, customer, requester, plain, today)
        if "amount" not in came_in.data or "amount" not in went_out.data:
            return went_out  # no such account, or the like: said there
        currency = str(went_out.data["currency"])
        received = Decimal(str(came_in.data["amount"]))
        spent = Decimal(str(went_out.data["amount"]))
        if went_out.data.get("refunds_outweighed"):
            spent = Decimal(0)  # more came back than was spent: nothing went out on net
        period = went_out.period or came_in.period
        when = period_phrase(slots.period.phrase) if slots.period else "this month so far"
        where = f" ({period_words(period, self.locale)})" if period else ""
        difference = received - spent
        if difference > 0:
            net = f"{money(difference, currency, self.locale)} more came in than went out"
        elif difference < 0:
            net = f"{money(-difference, currency, self.locale)} more went out than came in"
        else:
            net = "as much came in as went out"
        text = (
            f"{when[0].upper()}{when[1:]}{where} you received "
            f"{money(received, currency, self.locale)} and spent "
            f"{money(spent, currency, self.locale)}: {net}."
        )
        return Answer(
            Reply(text),
            data={
                "received": str(received),
                "spent": str(spent),
                "net": str(difference),
                "currency": currency,
            },
            period=period,
            account=slots.account,
        )

    # -- transactions --------------------------------------------------------------------
    def transactions(
        self, customer: str, requester: Requester, slots: Slots, today: date
    ) -> Answer:
        if slots.unknown_merchant and not slots.merchant:  # none found there, said so
            slots = replace(slots, merchant=slots.unknown_merchant)
        if slots.since_pay and slots.period is None:
            paid = self._from_last_pay(customer, requester, slots, today)
            if isinstance(paid, Answer):
                return paid
            slots = paid
        scoped = self._scope(customer, requester, slots)
        if isinstance(scoped, Answer):
            return scoped
        _views, chosen = scoped
        # Without a period, a search names what it looks for: the latest of those, whenever.
        search_all_time = slots.period is None and bool(
            slots.limit or slots.merchant or slots.recent or slots.categories() or slots.refunds
        )
        asked = (
            slots.period.period
            if slots.period
            else (Period(date(1900, 1, 1), today) if search_all_time else default_period(today))
        )
        wanted_accounts = {a.id for a in chosen}

        wanted_categories = slots.categories()

        named_merchants = {m.lower() for m in slots.merchants()}
        on_days = WEEKDAYS[slots.days] if slots.days else frozenset()

        def matching(item: Transaction) -> bool:
            size = abs(item.amount.amount)
            bounds = slots.amount
            return not (
                (slots.account and item.account_id not in wanted_accounts)
                or (wanted_categories is not None and item.category not in wanted_categories)
                or (named_merchants and item.merchant.lower() not in named_merchants)
                or any(item.merchant.lower() == m.lower() for m in slots.exclude_merchants)
                or item.category in slots.exclude_categories
                or (slots.days is not None and item.booking_date.weekday() not in on_days)
                or (slots.named_like is not None and slots.named_like not in item.merchant.lower())
                or (bounds is not None and bounds.minimum is not None and size < bounds.minimum)
                or (bounds is not None and bounds.maximum is not None and size > bounds.maximum)
                # "biggest expenses": money spent only (not transfers or card payments)
                or (
                    slots.largest
                    and (item.amount.amount >= 0 or item.category in NON_SPENDING)
                    and wanted_categories is None
                )
                or (slots.largest and item.amount.amount >= 0)
                # "my refunds": money back from a shop, not wages or transfers
                or (slots.refunds and (item.amount.amount <= 0 or item.category in NON_SPENDING))
            )

        limit = slots.limit or (5 if slots.largest else 10)
        found = self._access.transactions(
            customer,
            requester,
            since=asked.start,
            until=asked.end,
            matching=matching,
            newest=limit if search_all_time else None,
        )
        found.sort(key=lambda t: (t.booking_date, t.id), reverse=True)
        if slots.largest:  # the biggest first (stable: the newest first among equals)
            found.sort(key=lambda t: t.amount.amount)
        shown = found[:limit]
        total_count = len(found)
        period = None if search_all_time else asked
        currency = found[0].amount.currency if found else (chosen[0].currency if chosen else "USD")
        subject = self._subject(slots, currency, listing=True)
        noun = "refund" if slots.refunds else "transaction"
        if asks_about_moves(slots):  # "3 transfers", not "3 transactions on transfers"
            noun = "card payment" if slots.category is Category.CARD_PAYMENT else "transfer"
            subject = self._subject(replace(slots, category=None), currency, listing=True)
        lines = [
            f"{t.booking_date:%d %b %Y} {t.merchant or t.description[:30]} "
            f"{money(t.amount.amount, t.amount.currency, self.locale)}"
            for t in shown
        ]
        if period is None:
            head = (
                (
                    f"Your {_some(len(shown), 'largest payment')}{subject}:"
                    if slots.largest
                    else f"Your latest {_some(len(shown), noun)}{subject}:"
                )
                if found
                else f"I found no {noun}s{subject} in what you share with me."
            )
        else:
            when = period_phrase(slots.period.phrase) if slots.period else "this month so far"
            where = f"{when} ({period_words(period, self.locale)})"
            more = f", the latest {len(shown)}" if total_count > len(shown) else ""
            if slots.largest:
                head_found = f"Your {_some(len(shown), 'largest payment')}{subject} {where}:"
            else:
                head_found = f"{plural(total_count, noun)}{subject} {where}{more}:"
            head = head_found if found else f"I found no {noun}s{subject} {where}."
        text = "\n".join([head, *lines])
        data = {
            "count": total_count,
            "transactions": [
                {
                    "date": t.booking_date.isoformat(),
                    "merchant": t.merchant,
                    "description": t.description,
                    "amount": str(t.amount.amount),
                    "currency": t.amount.currency,
                    "category": t.category.slug,
                }
                for t in shown
            ],
        }
        return Answer(
            Reply(text), data=data, period=period, account=slots.account, transactions=shown
        )
