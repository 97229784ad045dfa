"""Reply link tokens: valid until expiry, unforgeable, carrying no personal data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from openteller.privacy.reply_links import LinkInvalid, ReplyLinks

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
LINKS = ReplyLinks(bytes(range(32)))


def test_a_token_opens_until_it_expires() -> None:
    token, expires_at = LINKS.mint("ab" * 16, NOW)
    assert expires_at == NOW + timedelta(minutes=10)
    assert LINKS.open(token, NOW + timedelta(minutes=9)) == "ab" * 16
    with pytest.raises(LinkInvalid, match="expired"):
        LINKS.open(token, expires_at)


def test_a_token_from_another_key_or_changed_does_not_open() -> None:
    token, _ = ReplyLinks(bytes(32)).mint("cd" * 16, NOW)
    with pytest.raises(LinkInvalid, match="not valid"):
        LINKS.open(token, NOW)
    good, _ = LINKS.mint("cd" * 16, NOW)
    with pytest.raises(LinkInvalid, match="not valid"):
        LINKS.open("ef" * 16 + good[32:], NOW)
