"""Skills that act: card freeze with confirmation, privacy requests, handoffs, ATMs.

A real app on SQLite and PostgreSQL with one customer holding a real OFX statement (a
checking account, so a debit card) and a credit card; the assistant runs as the
customer on the bank's own channel or on Messenger under a consent.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from openteller.assistant.engine import Assistant, Conversation
from openteller.bootstrap import App
from openteller.domain.errors import AccessDenied
from openteller.ingest.registry import build_readers
from openteller.privacy.access import UnknownCustomer
from tests.db import make_settings
from tests.samples import fixture

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ATMS = Path(__file__).resolve().parents[2] / "fixtures" / "atm" / "atms.csv"


@pytest.fixture
def app(database_url: str, keystore_url: str | None, tmp_path: Path) -> Iterator[App]:
    application = App(make_settings(database_url, keystore_url, tmp_path))
    application.init()
    readers = build_readers()
    for name in ("ofx/ofxparse__checking.ofx", "ofx/ofxparse__anzcc.ofx"):
        assert application.ingest.ingest_file(fixture(name), "alice", readers).status == "ok"
    yield application
    application.close()


@pytest.fixture
def assistant(app: App) -> Assistant:
    return app.make_assistant(lambda: NOW)


def say(assistant: Assistant, conversation: Conversation, text: str) -> str:
    return assistant.respond(conversation, text).reply.text


def test_freezing_a_card_asks_first_then_calls_the_bank(app: App, assistant: Assistant) -> None:
    conversation = Conversation(customer="alice", channel="ask")
    cards = app.bank_core.cards("alice")
    assert cards and not any(c.frozen for c in cards)
    assert len(cards) == 2  # the checking account's debit card and the credit card
    which = assistant.respond(conversation, "I lost my card")
    assert which.reply.text == "Which card should I freeze?"
    assert len(which.reply.quick_replies) == 2
    turn = assistant.respond(conversation, which.reply.quick_replies[0].payload)
    assert turn.intent.value == "freeze_card"
    assert [q.title for q in turn.reply.quick_replies] == ["Yes", "No"]
    assert not any(c.frozen for c in app.bank_core.cards("alice"))  # nothing yet
    done = say(assistant, conversation, "yes")
    assert "is frozen" in done
    assert any(c.frozen for c in app.bank_core.cards("alice"))
    assert "card_frozen" in [r.action for r in app.audit.records()]
    again = assistant.respond(conversation, f"unfreeze my card ending {cards[0].label[-4:]}")
    assert again.intent.value == "unfreeze_card"
    assert "works again" in say(assistant, conversation, "yes")
    assert not any(c.frozen for c in app.bank_core.cards("alice"))


def test_the_card_can_be_chosen_in_words(app: App, assistant: Assistant) -> None:
    """A typed answer to "Which card should I freeze?" used to be handed to a person."""
    conversation = Conversation(customer="alice", channel="ask")
    assert say(assistant, conversation, "freeze my card") == "Which card should I freeze?"
    chosen = assistant.respond(conversation, "the credit card")
    assert chosen.intent.value == "freeze_card"
    assert chosen.reply.text.startswith("Freeze your Credit card")
    assert "is frozen" in say(assistant, conversation, "yes")
    frozen = [c.label for c in app.bank_core.cards("alice") if c.frozen]
    assert len(frozen) == 1 and frozen[0].startswith("Credit card")
    direct = assistant.respond(
        Conversation(customer="alice", channel="ask"), "freeze my debit card"
    )
    assert direct.reply.text.startswith("Freeze your Debit card")


def test_saying_no_cancels_the_action(app: App, assistant: Assistant) -> None:
    conversation = Conversation(customer="alice", channel="ask")
    card = app.bank_core.cards("alice")[0]
    assistant.respond(conversation, f"freeze my card ending {card.label[-4:]}")
    assert "won't" in say(assistant, conversation, "no")
    assert not any(c.frozen for c in app.bank_core.cards("alice"))


def test_questions_without_a_skill_are_handed_to_a_person(app: App, assistant: Assistant) -> None:
    conversation = Conversation(customer="alice", channel="ask")
    turn = assistant.respond(conversation, "how do I change the address on my account?")
    assert turn.intent.value == "banking_other"
    assert "handoff" in turn.answer
    (handoff,) = app.handoffs.list()
    assert handoff.question == "how do I change the address on my account?"
    assert handoff.customer == "alice" and handoff.intent == "banking_other"
    assert app.handoffs.close(handoff.id)
    assert app.handoffs.list() == []


def test_revoking_messenger_from_messenger_stops_the_next_read(
    app: App, assistant: Assistant
) -> None:
    app.consents.grant(
        "alice",
        channel="messenger",
        purposes=["customer_questions"],
        scopes=["accounts", "balances", "transactions"],
    )
    conversation = Conversation(customer="alice", channel="messenger")
    assert "available" in say(assistant, conversation, "what's my balance?")
    consents = say(assistant, conversation, "what have I consented to?")
    assert "messenger" in consents and "Authorised" in consents
    turn = assistant.respond(conversation, "stop sharing my data with messenger")
    assert turn.intent.value == "privacy_revoke"
    assert "revoked" in say(assistant, conversation, "yes")
    answer = assistant.respond(conversation, "what's my balance?")
    assert answer.answer == {"error": "access_denied"}
    with pytest.raises(AccessDenied):
        app.access.balances("alice", conversation_requester())


def conversation_requester():  # type: ignore[no-untyped-def]
    from openteller.domain.consent import Purpose
    from openteller.privacy.access import Requester

    return Requester("messenger", Purpose.CUSTOMER_QUESTIONS)


def test_erasing_from_the_chat_asks_then_erases(app: App, assistant: Assistant) -> None:
    conversation = Conversation(customer="alice", channel="ask")
    turn = assistant.respond(conversation, "delete all my data")
    assert turn.intent.value == "privacy_erase" and "cannot be undone" in turn.reply.text
    assert "erased" in say(assistant, conversation, "yes")
    with pytest.raises(UnknownCustomer):
        app.access.balances("alice", conversation_requester())


def test_what_data_and_who_read_it(assistant: Assistant) -> None:
    conversation = Conversation(customer="alice", channel="ask")
    assert "encrypted" in say(assistant, conversation, "what data do you have about me?")
    trail = say(assistant, conversation, "who has read my data?")
    assert "Latest reads of your data" in trail and "ask" in trail


def test_nearest_atm_by_city_and_by_shared_location(app: App, assistant: Assistant) -> None:
    app.atms.load_file(ATMS)
    conversation = Conversation(customer="alice", channel="ask")
    turn = assistant.respond(conversation, "where's the nearest ATM in Manchester?")
    assert turn.intent.value == "atm"
    assert turn.answer["atms"] and "openstreetmap.org" in turn.reply.text
    asked = assistant.respond(conversation, "nearest atm")
    assert asked.answer == {"needs": "location"}
    conversation.location = (51.5080, -0.1281)  # Trafalgar Square
    shared = assistant.respond(conversation, "nearest atm")
    assert shared.answer["atms"][0]["name"] == "Trafalgar Square"
    assert shared.answer["atms"][0]["distance_km"] < 0.1
    # A place named after a location was shared is where the customer asks about.
    manchester = assistant.respond(conversation, "atms in Manchester")
    assert manchester.answer["place"].startswith("Manchester")
    unknown = assistant.respond(conversation, "atms near Xyzzyville")
    assert unknown.answer == {"error": "unknown_place", "place": "Xyzzyville"}
    assert unknown.reply.text.startswith("Sorry, I cannot find a place called 'Xyzzyville': ")


def test_fraud_reports_reach_the_bank_and_offer_a_freeze(app: App, assistant: Assistant) -> None:
    conversation = Conversation(customer="alice", channel="ask")
    turn = assistant.respond(conversation, "there's a charge on my card I don't recognise")
    assert turn.intent.value == "report_fraud"
    assert "fraud team" in turn.reply.text
    assert [q.title for q in turn.reply.quick_replies] == ["Freeze my card"]
    (handoff,) = app.handoffs.list()
    assert handoff.intent == "report_fraud"


@pytest.mark.parametrize(
    "words",
    ["stop sending me insights", "turn off these notifications", "no more tips please"],
)
def test_asking_in_words_to_stop_insights_stops_every_kind(
    app: App, assistant: Assistant, words: str
) -> None:
    """Before, "stop sending me insights" was taken for a plain "no" and answered "No
    problem. Anything else?" while the insights kept coming."""
    assert not any(stopped for stopped, _ in app.insights.settings("alice").values())
    conversation = Conversation(customer="alice", channel="messenger")
    text = say(assistant, conversation, words)
    assert text.startswith("Done: no more insights") and "Fraud alerts still reach you" in text
    settings = app.insights.settings("alice")
    assert settings and all(stopped for stopped, _ in settings.values())
    trail = [r.action for r in app.audit.records() if r.actor == "customer:messenger"]
    assert trail.count("insights_stopped") == len(settings)  # each change audited


def test_a_plain_stop_is_not_taken_for_stopping_insights(app: App, assistant: Assistant) -> None:
    conversation = Conversation(customer="alice", channel="messenger")
    say(assistant, conversation, "stop")
    assert not any(stopped for stopped, _ in app.insights.settings("alice").values())


@pytest.mark.parametrize(
    "question",
    ["do you sell my data?", "are my conversations private?", "do you use my data for ads"],
)
def test_privacy_worries_get_the_promise(assistant: Assistant, question: str) -> None:
    turn = assistant.respond(Conversation(customer="alice", channel="messenger"), question)
    assert turn.intent.value == "privacy_what_data"
    assert "never used for advertising or marketing" in turn.reply.text
    assert 'ask "who read my data"' in turn.reply.text


def test_consents_asked_in_words_and_revoking_a_named_channel(
    app: App, assistant: Assistant
) -> None:
    conversation = Conversation(customer="alice", channel="ask")
    agreed = assistant.respond(conversation, "what have I agreed to?")
    assert agreed.intent.value == "privacy_consents"  # was taken for a "yes"
    revoke = assistant.respond(conversation, "stop sharing my data with messenger")
    assert revoke.reply.text.startswith("Stop sharing your data with messenger?")


@pytest.mark.parametrize(
    ("question", "filter_words"),
    [
        ("find an atm in Manchester open now", "open now"),
        ("cash machine in manchester open 24 hours?", "open 24 hours"),
        ("atms in Manchester that take deposits", "taking deposits"),
    ],
)
def test_what_is_asked_of_the_atm_after_the_place_is_no_part_of_it(
    app: App, assistant: Assistant, question: str, filter_words: str
) -> None:
    """Before, "find an atm in Boston open now" looked for a place called "boston open
    now" and found none."""
    app.atms.load_file(ATMS)
    turn = assistant.respond(Conversation(customer="alice", channel="ask"), question)
    assert turn.intent.value == "atm"
    assert turn.answer["place"].startswith("Manchester")
    assert filter_words in turn.reply.text


def test_atms_far_away_are_no_nearest(app: App, assistant: Assistant) -> None:
    """Near Penn Station the next ATMs are in Britain: only the near one is listed, and
    when none is near, the nearest is named as far."""
    app.atms.load_file(ATMS)
    conversation = Conversation(customer="alice", channel="ask")
    near = assistant.respond(conversation, "atms near 10001")
    assert [a["name"] for a in near.answer["atms"]] == ["Penn Station"]
    far = assistant.respond(conversation, "24 hour atm near 10001")  # Penn Station closes
    assert far.reply.text.startswith("No ATM (open 24 hours) within 100 km of New York")
    assert len(far.answer["atms"]) == 1 and far.answer["atms"][0]["distance_km"] > 1000


def test_a_declined_card_that_is_frozen_is_said_so(app: App, assistant: Assistant) -> None:
    conversation = Conversation(customer="alice", channel="ask")
    card = app.bank_core.cards("alice")[0]
    app.bank_core.set_frozen("alice", card.account_id, True, actor="test")
    turn = assistant.respond(conversation, "my card was declined")
    assert turn.reply.text.startswith(f"Your {card.label} is frozen")
    assert [q.payload for q in turn.reply.quick_replies] == ["unfreeze my card"]


@pytest.mark.parametrize(
    "question",
    [
        "is my card frozen?",
        "are my cards still blocked?",
        "card status",
        "did you freeze my card?",
        "is my credit card locked",
    ],
)
def test_asking_whether_a_card_is_frozen_gets_its_state(
    app: App, assistant: Assistant, question: str
) -> None:
    """Before, "is my card frozen?" went to a person (or was taken for "freeze it")."""
    cards = app.bank_core.cards("alice")
    credit = next(c for c in cards if c.label.startswith("Credit"))
    app.bank_core.set_frozen("alice", credit.account_id, True, actor="test")
    turn = assistant.respond(Conversation(customer="alice", channel="ask"), question)
    assert f"Your {credit.label} is frozen" in turn.reply.text
    assert {"card": credit.label, "frozen": True} in turn.answer["cards"]
    assert [q.payload for q in turn.reply.quick_replies] == ["unfreeze my card"]
    assert "handoff" not in turn.answer
    assert app.handoffs.list() == []  # answered, not passed on
    # asking changes nothing: the credit card frozen by the test, the other card not
    assert [c.frozen for c in app.bank_core.cards("alice")] == [c is credit for c in cards]
    assert turn.reply.quick_replies[0].title == "Unfreeze my card"


def test_a_card_named_in_the_state_question_is_the_one_answered(
    app: App, assistant: Assistant
) -> None:
    debit = next(c for c in app.bank_core.cards("alice") if not c.label.startswith("Credit"))
    turn = assistant.respond(
        Conversation(customer="alice", channel="ask"),
        f"is my card ending {debit.label[-4:]} frozen?",
    )
    assert turn.reply.text == f"Your {debit.label} is active (not frozen)."
    assert turn.reply.quick_replies == ()
