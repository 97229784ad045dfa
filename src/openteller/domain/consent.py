"""Consents: who may read what of a customer's data, for which purpose, until when.

The rules, all pure functions over values:

* Purposes are a closed set (:class:`Purpose`). Advertising, marketing, profiling,
  cross-selling and sale of data are never grantable and never readable
  (:data:`FORBIDDEN_PURPOSES`), whatever the caller (US CFPB section 1033, GDPR purpose
  limitation).
* Channels are first-party (the bank's own: terminal, ``ask``, the signed-in web chat)
  or third-party (a messaging platform). First-party channels act on the customer's
  own request within the bank's relationship; third-party channels need an explicit,
  authorised, unexpired consent naming the purpose and the scope.
* A consent lasts at most :data:`MAX_CONSENT_DAYS` days. Its statuses follow the UK Open
  Banking model: AwaitingAuthorisation -> Authorised | Rejected; Authorised -> Revoked;
  an Authorised consent past its expiry reads as Expired.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from openteller.domain.errors import ConsentError, ForbiddenPurpose

#: Longest a consent may last (CFPB 1033: authorisation for at most one year).
MAX_CONSENT_DAYS = 365


class Purpose(StrEnum):
    """Why data is read. The only purposes that exist."""

    CUSTOMER_QUESTIONS = "customer_questions"  # answering the customer's own questions
    FRAUD_ALERTS = "fraud_alerts"  # the bank's fraud alerts and the customer's answers
    PROACTIVE_INSIGHTS = "proactive_insights"  # insights the customer opted into
    EXPORT = "export"  # a copy of their data the customer asked for

    @property
    def label(self) -> str:
        return _PURPOSE_LABELS[self]


_PURPOSE_LABELS = {
    Purpose.CUSTOMER_QUESTIONS: "answering your own questions",
    Purpose.FRAUD_ALERTS: "fraud alerts about your accounts",
    Purpose.PROACTIVE_INSIGHTS: "insights you opted into",
    Purpose.EXPORT: "exports you ask for",
}

#: Purposes refused when granting and when reading, under any spelling.
FORBIDDEN_PURPOSES = frozenset(
    {
        "advertising",
        "ads",
        "targeted_advertising",
        "marketing",
        "direct_marketing",
        "profiling",
        "cross_selling",
        "cross_sell",
        "upselling",
        "sale",
        "data_sale",
        "selling",
        "resale",
    }
)


class Scope(StrEnum):
    """What may be read under a consent."""

    ACCOUNTS = "accounts"
    BALANCES = "balances"
    TRANSACTIONS = "transactions"
    FRAUD_ALERTS = "fraud_alerts"
    ATM_LOCATION = "atm_location"

    @property
    def label(self) -> str:
        return _SCOPE_LABELS[self]


_SCOPE_LABELS = {
    Scope.ACCOUNTS: "your accounts (names and last four digits)",
    Scope.BALANCES: "your balances",
    Scope.TRANSACTIONS: "your transactions",
    Scope.FRAUD_ALERTS: "fraud alerts",
    Scope.ATM_LOCATION: "the location you share to find an ATM",
}


class ConsentStatus(StrEnum):
    """UK Open Banking consent statuses."""

    AWAITING_AUTHORISATION = "AwaitingAuthorisation"
    AUTHORISED = "Authorised"
    REJECTED = "Rejected"
    REVOKED = "Revoked"
    EXPIRED = "Expired"


class ChannelKind(StrEnum):
    FIRST_PARTY = "first_party"
    THIRD_PARTY = "third_party"


#: The bank's own channels. Any other channel name is a third party.
FIRST_PARTY_CHANNELS = frozenset({"terminal", "ask", "bank_web"})

#: Purposes a first-party channel may serve on the customer's own request. Proactive
#: insights are opt-in everywhere, so they always need a consent.
FIRST_PARTY_PURPOSES = frozenset({Purpose.CUSTOMER_QUESTIONS, Purpose.FRAUD_ALERTS, Purpose.EXPORT})

_CHANNEL_NAME = re.compile(r"^[a-z][a-z0-9_\-]{0,39}$")


def channel_kind(channel: str) -> ChannelKind:
    """First-party for the bank's own channels, third-party for everything else."""
    return ChannelKind.FIRST_PARTY if channel in FIRST_PARTY_CHANNELS else ChannelKind.THIRD_PARTY


def check_channel(channel: str) -> str:
    """A channel name: lower-case letters, digits, ``_`` or ``-``, at most 40."""
    if not _CHANNEL_NAME.match(channel):
        raise ConsentError(
            f"channel {channel!r} is not a channel name (lower-case letters, digits, _ or -, "
            "starting with a letter, at most 40 characters)"
        )
    return channel


def _normalise(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def parse_purpose(text: str | Purpose) -> Purpose:
    """A purpose from its name; forbidden purposes raise :class:`ForbiddenPurpose`."""
    if isinstance(text, Purpose):
        return text
    name = _normalise(text)
    if name in FORBIDDEN_PURPOSES or any(
        word in name for word in ("advertis", "marketing", "profil", "cross_sell", "sale")
    ):
        raise ForbiddenPurpose(
            f"purpose {text!r} can never be granted or used: customer data is not used for "
            "advertising, marketing, profiling, cross-selling or sale"
        )
    try:
        return Purpose(name)
    except ValueError:
        allowed = ", ".join(p.value for p in Purpose)
        raise ConsentError(f"unknown purpose {text!r}; purposes are: {allowed}") from None


def parse_scope(text: str | Scope) -> Scope:
    if isinstance(text, Scope):
        return text
    try:
        return Scope(_normalise(text))
    except ValueError:
        allowed = ", ".join(s.value for s in Scope)
        raise ConsentError(f"unknown scope {text!r}; scopes are: {allowed}") from None


@dataclass(frozen=True, slots=True)
class Consent:
    """One consent of one customer to one channel."""

    id: str
    customer_id: str
    channel: str
    purposes: frozenset[Purpose]
    scopes: frozenset[Scope]
    created_at: datetime
    expires_at: datetime
    status: ConsentStatus
    status_changed_at: datetime
    #: Optional window on the transactions that may be read (inclusive booking dates).
    transactions_from: date | None = None
    transactions_until: date | None = None

    def status_at(self, now: datetime) -> ConsentStatus:
        """The status as seen at ``now``: an authorised consent past expiry is Expired."""
        if self.status is ConsentStatus.AUTHORISED and now >= self.expires_at:
            return ConsentStatus.EXPIRED
        return self.status

    def is_live(self, now: datetime) -> bool:
        return self.status_at(now) is ConsentStatus.AUTHORISED

    def refusal(self, purpose: Purpose, scope: Scope, now: datetime) -> str | None:
        """Why this consent does not allow reading ``scope`` for ``purpose``, or None."""
        status = self.status_at(now)
        if status is not ConsentStatus.AUTHORISED:
            return f"consent {self.id} is {status.value}"
        if purpose not in self.purposes:
            return f"consent {self.id} does not cover the purpose {purpose.value}"
        if scope not in self.scopes:
            return f"consent {self.id} does not cover {scope.value}"
        return None

    def clip_window(
        self, since: date | None, until: date | None
    ) -> tuple[date | None, date | None]:
        """The part of [since, until] this consent lets transactions be read from."""
        if self.transactions_from is not None and (since is None or since < self.transactions_from):
            since = self.transactions_from
        if self.transactions_until is not None and (
            until is None or until > self.transactions_until
        ):
            until = self.transactions_until
        return since, until


def new_consent(
    *,
    consent_id: str,
    customer_id: str,
    channel: str,
    purposes: list[str] | list[Purpose],
    scopes: list[str] | list[Scope],
    now: datetime,
    days: int = 90,
    transactions_from: date | None = None,
    transactions_until: date | None = None,
) -> Consent:
    """A consent awaiting the customer's authorisation, after checking every rule."""
    check_channel(channel)
    if not purposes:
        raise ConsentError("a consent must name at least one purpose")
    if not scopes:
        raise ConsentError("a consent must name at least one scope")
    parsed_purposes = frozenset(parse_purpose(p) for p in purposes)
    parsed_scopes = frozenset(parse_scope(s) for s in scopes)
    if not 1 <= days <= MAX_CONSENT_DAYS:
        raise ConsentError(
            f"a consent lasts 1 to {MAX_CONSENT_DAYS} days, not {days} (authorisation for at "
            "most one year)"
        )
    if transactions_from and transactions_until and transactions_from > transactions_until:
        raise ConsentError(
            f"the transactions window starts after it ends ({transactions_from} > "
            f"{transactions_until})"
        )
    if (transactions_from or transactions_until) and Scope.TRANSACTIONS not in parsed_scopes:
        raise ConsentError("a transactions window needs the transactions scope")
    return Consent(
        id=consent_id,
        customer_id=customer_id,
        channel=channel,
        purposes=parsed_purposes,
        scopes=parsed_scopes,
        created_at=now,
        expires_at=now + timedelta(days=days),
        status=ConsentStatus.AWAITING_AUTHORISATION,
        status_changed_at=now,
        transactions_from=transactions_from,
        transactions_until=transactions_until,
    )


_TRANSITIONS: dict[ConsentStatus, frozenset[ConsentStatus]] = {
    ConsentStatus.AWAITING_AUTHORISATION: frozenset(
        {ConsentStatus.AUTHORISED, ConsentStatus.REJECTED, ConsentStatus.REVOKED}
    ),
    ConsentStatus.AUTHORISED: frozenset({ConsentStatus.REVOKED}),
}


def transition(consent: Consent, to: ConsentStatus, now: datetime) -> Consent:
    """The consent moved to status ``to``, or :class:`ConsentError` if not allowed."""
    current = consent.status_at(now)
    if to not in _TRANSITIONS.get(current, frozenset()):
        raise ConsentError(f"consent {consent.id} is {current.value}; it cannot become {to.value}")
    return replace(consent, status=to, status_changed_at=now)


def receipt(consent: Consent, bank_name: str, now: datetime) -> str:
    """A plain-language receipt of a consent, for the customer."""
    purposes = "; ".join(p.label for p in sorted(consent.purposes))
    scopes = "; ".join(s.label for s in sorted(consent.scopes))
    window = ""
    if consent.transactions_from or consent.transactions_until:
        start = consent.transactions_from.isoformat() if consent.transactions_from else "any date"
        end = consent.transactions_until.isoformat() if consent.transactions_until else "today"
        window = f"\nTransactions from {start} to {end} only."
    return (
        f"Consent {consent.id} ({consent.status_at(now).value})\n"
        f"You allow {bank_name} to share with: {consent.channel}\n"
        f"For: {purposes}\n"
        f"What: {scopes}{window}\n"
        f"Given: {consent.created_at:%Y-%m-%d %H:%M} UTC; "
        f"ends: {consent.expires_at:%Y-%m-%d %H:%M} UTC\n"
        "Never used for advertising, marketing, profiling, cross-selling or sale. "
        "You can withdraw it at any time (`revoke`), and it stops the very next read."
    )
