"""G8: in discreet mode a messaging platform receives a short-lived link, never the answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from openteller.bootstrap import App
from openteller.privacy.discreet import DiscreetReplies
from openteller.privacy.reply_links import LinkInvalid, ReplyLinks

ANSWER = "You spent 34.51 USD on utilities in April 2011 (1 payment: ELECTRIC BILL)."


def test_without_discreet_mode_the_answer_goes_out_as_is(app: App) -> None:
    outgoing = app.discreet.outgoing("alice", ANSWER, channel="messenger")
    assert outgoing.text == ANSWER and not outgoing.discreet


def test_discreet_mode_sends_only_a_link_that_opens_once(app: App) -> None:
    app.consents.set_discreet("alice", True)
    assert app.consents.discreet("alice") is True
    outgoing = app.discreet.outgoing("alice", ANSWER, channel="messenger")
    assert outgoing.discreet
    for private in ("34.51", "ELECTRIC", "utilities", "alice"):
        assert private not in outgoing.text
    assert outgoing.link.startswith("http://localhost:8000/r/") and outgoing.link in outgoing.text
    token = outgoing.link.rsplit("/", 1)[1]
    assert app.discreet.open(token) == ANSWER
    with pytest.raises(LinkInvalid, match="already used"):
        app.discreet.open(token)
    actions = [r.action for r in app.audit.records()]
    assert actions[-2:] == ["discreet_reply", "discreet_reply_opened"]


def test_expired_or_forged_links_do_not_open(app: App) -> None:
    app.consents.set_discreet("alice", True)
    token = app.discreet.outgoing("alice", ANSWER, channel="messenger").link.rsplit("/", 1)[1]
    later = DiscreetReplies(
        app.engine,
        app.store,
        app.audit,
        lambda: ReplyLinks(app.keystore.link_key(app.settings.bank_id, app.keys)),
        "http://bank",
        clock=lambda: datetime.now(UTC) + timedelta(minutes=11),
    )
    with pytest.raises(LinkInvalid, match="expired"):
        later.open(token)
    reply_id, expires, mac = token.split(".")
    with pytest.raises(LinkInvalid, match="not valid"):
        app.discreet.open(f"{reply_id}.{int(expires) + 3600}.{mac}")  # extended
    with pytest.raises(LinkInvalid, match="not valid"):
        app.discreet.open("../../etc/passwd")


def test_erasure_removes_held_answers(app: App) -> None:
    app.consents.set_discreet("alice", True)
    token = app.discreet.outgoing("alice", ANSWER, channel="messenger").link.rsplit("/", 1)[1]
    app.erasure.erase("alice")
    with pytest.raises(LinkInvalid):
        app.discreet.open(token)
