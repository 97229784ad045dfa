"""The consent rules as pure functions (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from openteller.domain.consent import (
    ChannelKind,
    ConsentStatus,
    Purpose,
    Scope,
    channel_kind,
    new_consent,
    parse_purpose,
    receipt,
    transition,
)
from openteller.domain.errors import ConsentError, ForbiddenPurpose

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _consent(**overrides: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "consent_id": "c1",
        "customer_id": "u1",
        "channel": "messenger",
        "purposes": ["customer_questions"],
        "scopes": ["transactions"],
        "now": NOW,
    }
    values.update(overrides)
    return new_consent(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "advertising",
        "ADS",
        "Targeted Advertising",
        "marketing",
        "direct-marketing",
        "profiling",
        "cross selling",
        "cross-sell",
        "sale",
        "data_sale",
        "resale",
    ],
)
def test_forbidden_purposes_under_any_spelling(text: str) -> None:
    with pytest.raises(ForbiddenPurpose, match="can never be granted"):
        parse_purpose(text)


def test_purposes_are_a_closed_set() -> None:
    assert parse_purpose("Customer Questions") is Purpose.CUSTOMER_QUESTIONS
    with pytest.raises(ConsentError, match="unknown purpose 'research'; purposes are"):
        parse_purpose("research")


def test_channels_are_first_or_third_party() -> None:
    assert channel_kind("terminal") is ChannelKind.FIRST_PARTY
    assert channel_kind("bank_web") is ChannelKind.FIRST_PARTY
    assert channel_kind("messenger") is ChannelKind.THIRD_PARTY
    assert channel_kind("anything-else") is ChannelKind.THIRD_PARTY
    with pytest.raises(ConsentError, match="not a channel name"):
        _consent(channel="Messenger Platform!")


def test_new_consents_await_authorisation_and_expire() -> None:
    consent = _consent(days=365)
    assert consent.status is ConsentStatus.AWAITING_AUTHORISATION
    authorised = transition(consent, ConsentStatus.AUTHORISED, NOW)
    assert authorised.refusal(Purpose.CUSTOMER_QUESTIONS, Scope.TRANSACTIONS, NOW) is None
    end = NOW + timedelta(days=365)
    assert authorised.status_at(end - timedelta(seconds=1)) is ConsentStatus.AUTHORISED
    assert authorised.status_at(end) is ConsentStatus.EXPIRED
    assert "Expired" in (
        authorised.refusal(Purpose.CUSTOMER_QUESTIONS, Scope.TRANSACTIONS, end) or ""
    )
    with pytest.raises(ConsentError, match="cannot become Revoked"):
        transition(authorised, ConsentStatus.REVOKED, end)  # expired is final


@pytest.mark.parametrize("days", [0, 366, -5])
def test_duration_is_one_day_to_one_year(days: int) -> None:
    with pytest.raises(ConsentError, match="1 to 365 days"):
        _consent(days=days)


def test_transitions_follow_open_banking() -> None:
    consent = _consent()
    rejected = transition(consent, ConsentStatus.REJECTED, NOW)
    with pytest.raises(ConsentError):
        transition(rejected, ConsentStatus.AUTHORISED, NOW)
    revoked = transition(
        transition(consent, ConsentStatus.AUTHORISED, NOW), ConsentStatus.REVOKED, NOW
    )
    assert (
        revoked.refusal(Purpose.CUSTOMER_QUESTIONS, Scope.TRANSACTIONS, NOW)
        == "consent c1 is Revoked"
    )
    with pytest.raises(ConsentError):
        transition(revoked, ConsentStatus.AUTHORISED, NOW)


def test_the_transactions_window_clips_reads() -> None:
    consent = _consent(transactions_from=date(2026, 1, 1), transactions_until=date(2026, 6, 30))
    assert consent.clip_window(None, None) == (date(2026, 1, 1), date(2026, 6, 30))
    assert consent.clip_window(date(2026, 3, 1), date(2027, 1, 1)) == (
        date(2026, 3, 1),
        date(2026, 6, 30),
    )
    with pytest.raises(ConsentError, match="needs the transactions scope"):
        _consent(scopes=["balances"], transactions_from=date(2026, 1, 1))
    with pytest.raises(ConsentError, match="starts after it ends"):
        _consent(transactions_from=date(2026, 2, 1), transactions_until=date(2026, 1, 1))


def test_the_receipt_says_who_what_why_and_until_when() -> None:
    text = receipt(_consent(scopes=["transactions", "balances"], days=30), "ACME Bank", NOW)
    assert "You allow ACME Bank to share with: messenger" in text
    assert "answering your own questions" in text and "your balances" in text
    assert "ends: 2026-12-30 12:00 UTC" in text
    assert "Never used for advertising, marketing, profiling, cross-selling or sale" in text
