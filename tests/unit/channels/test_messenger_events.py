"""Messenger webhook parsing, signatures and Send API rendering (no I/O)."""

from __future__ import annotations

import json

import pytest

from openteller.assistant.replies import Button, QuickReply, Reply
from openteller.channels.messenger.events import (
    AccountLinking,
    Delivery,
    Echo,
    Event,
    Message,
    NotAPageEvent,
    Postback,
    Read,
    Unknown,
    parse_body,
)
from openteller.channels.messenger.send import render
from openteller.channels.messenger.signature import sign, valid_signature, verify_subscription


def page(*messaging: dict[str, object], entries: int = 1) -> bytes:
    return json.dumps(
        {
            "object": "page",
            "entry": [
                {"id": "42", "time": 1, "messaging": list(messaging)} for _ in range(entries)
            ],
        }
    ).encode()


def item(**event: object) -> dict[str, object]:
    return {
        "sender": {"id": "1254459154682919"},
        "recipient": {"id": "42"},
        "timestamp": 5,
        **event,
    }


def test_every_entry_and_item_is_read_with_string_ids() -> None:
    events = parse_body(
        page(
            item(message={"mid": "m.1", "text": "hi"}),
            item(message={"mid": "m.2", "quick_reply": {"payload": "yes"}, "text": "Yes"}),
            item(postback={"payload": "menu", "title": "Menu", "mid": "m.3"}),
            entries=2,
        )
    )
    assert len(events) == 6
    first = events[0]
    assert isinstance(first, Message) and first.sender == "1254459154682919"
    assert first.page_id == "42" and first.key == "message:m.1"
    assert isinstance(events[1], Message) and events[1].quick_reply == "yes"
    assert isinstance(events[2], Postback) and events[2].payload == "menu"


def test_locations_linking_receipts_echoes_and_unknown_kinds() -> None:
    events = parse_body(
        page(
            item(
                message={
                    "mid": "m.4",
                    "attachments": [
                        {
                            "type": "location",
                            "payload": {"coordinates": {"lat": 51.5, "long": -0.12}},
                        },
                        {"type": "image", "payload": {"url": "https://x"}},
                    ],
                }
            ),
            item(message={"mid": "m.5", "text": "echo", "is_echo": True, "metadata": "ot:ab:0"}),
            item(account_linking={"status": "linked", "authorization_code": "code"}),
            item(delivery={"mids": ["m.1"], "watermark": 4}),
            item(read={"watermark": 9}),
            item(reaction={"reaction": "love"}),
        )
    )
    location, echo, linking, delivery, read, unknown = events
    assert isinstance(echo, Echo) and echo.metadata == "ot:ab:0" and echo.mid == "m.5"
    assert isinstance(location, Message) and location.location == (51.5, -0.12)
    assert location.attachments == ("image",)
    assert isinstance(linking, AccountLinking) and linking.authorization_code == "code"
    assert isinstance(delivery, Delivery) and delivery.mids == ("m.1",)
    assert isinstance(read, Read) and read.watermark == 9
    assert isinstance(unknown, Unknown) and unknown.fields == ("reaction",)


@pytest.mark.parametrize("raw", [b"{", b"[]", b'{"object": "user"}', b"\xff"])
def test_what_is_not_a_page_event_is_named(raw: bytes) -> None:
    with pytest.raises(NotAPageEvent):
        parse_body(raw)


def test_signatures_on_the_raw_bytes() -> None:
    raw = b'{"text":"Gr\\u00fc\\u00dfe"}'
    header = sign(b"secret", raw)
    assert valid_signature(b"secret", raw, header)
    reserialised = json.dumps(json.loads(raw), ensure_ascii=False).encode()
    assert not valid_signature(b"secret", reserialised, header)
    assert not valid_signature(b"other", raw, header)
    assert not valid_signature(b"secret", raw, None)
    assert not valid_signature(b"secret", raw, header.replace("sha256=", "sha1="))


def test_the_subscribe_handshake() -> None:
    assert verify_subscription("subscribe", "tok", "123", "tok") == "123"
    assert verify_subscription("subscribe", "bad", "123", "tok") is None
    assert verify_subscription("unsubscribe", "tok", "123", "tok") is None
    assert verify_subscription("subscribe", None, "123", "tok") is None


def test_rendering_keeps_within_the_platform_limits() -> None:
    reply = Reply(
        "x" * 5000,
        quick_replies=tuple(QuickReply(f"Choice {n}", f"p{n}") for n in range(13)),
    )
    (body,) = render("7", reply)
    assert len(body["message"]["text"]) < 2000
    assert len(body["message"]["quick_replies"]) == 13
    assert body["messaging_type"] == "RESPONSE"
    buttons = Reply("y" * 900, buttons=(Button("Map", url="https://osm"), Button("Yes", "yes")))
    (template,) = render("7", buttons, tag="ACCOUNT_UPDATE")
    payload = template["message"]["attachment"]["payload"]
    assert len(payload["text"]) <= 640 and len(payload["buttons"]) == 2
    assert template["messaging_type"] == "MESSAGE_TAG" and template["tag"] == "ACCOUNT_UPDATE"


_FULL_BODY = {
    "object": "page",
    "entry": [
        {
            "id": "1",
            "time": 1,
            "messaging": [
                {
                    "sender": {"id": "5"},
                    "recipient": {"id": "1"},
                    "timestamp": 1700000000000,
                    "message": {
                        "mid": "m1",
                        "text": "hi",
                        "quick_reply": {"payload": "x"},
                        "attachments": [
                            {"type": "location", "payload": {"coordinates": {"lat": 1, "long": 2}}},
                            {"type": "image", "payload": {"url": "u"}},
                        ],
                    },
                },
                {"sender": {"id": "5"}, "timestamp": 1, "postback": {"title": "t", "payload": "p"}},
                {"sender": {"id": "5"}, "timestamp": 1, "account_linking": {"status": "linked"}},
                {"sender": {"id": "5"}, "timestamp": 1, "message": {"is_echo": True, "mid": "m"}},
                {"sender": {"id": "5"}, "timestamp": 1, "delivery": {"mids": ["m"]}},
                {"sender": {"id": "5"}, "timestamp": 1, "read": {"watermark": 1}},
                {"sender": {"id": "5"}, "timestamp": 1, "reaction": {"reaction": "love"}},
                {"sender": {"id": "5"}, "timestamp": 1, "optin": {"ref": "r"}},
            ],
        }
    ],
}


def _paths(value: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [path] if path else []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _paths(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _paths(inner, (*path, index))
    return found


def test_a_signed_body_of_any_odd_shape_never_breaks_the_parser() -> None:
    """Any field of a full body replaced by a value of another type (3,000 seeded tries):
    the parser returns events or names the body as no page event, never anything else
    (an exception here was a 500, which Meta retries for hours)."""
    import copy
    import random

    odd: list[object] = [None, 1, 1.5, "s", [], {}, [1], {"a": 1}, True, -1, 10**30]
    paths = _paths(_FULL_BODY)
    chance = random.Random(7)
    for _ in range(3000):
        body = copy.deepcopy(_FULL_BODY)
        for _change in range(chance.randint(1, 3)):
            path = chance.choice(paths)
            target: object = body
            try:
                for key in path[:-1]:
                    target = target[key]  # type: ignore[index]
                target[path[-1]] = copy.deepcopy(chance.choice(odd))  # type: ignore[index]
            except (KeyError, IndexError, TypeError):
                pass
        raw = json.dumps(body).encode()
        try:
            events = parse_body(raw)
        except NotAPageEvent:
            continue
        assert all(isinstance(event, Event) for event in events)


def test_an_event_without_a_sender_is_unknown_and_a_bad_location_is_none() -> None:
    body = {
        "object": "page",
        "entry": [
            {
                "id": 1,
                "messaging": [
                    {"sender": "5", "timestamp": 1, "message": {"text": "hi"}},
                    {
                        "sender": {"id": 5},
                        "timestamp": 2,
                        "message": {
                            "text": "here",
                            "attachments": [
                                {"type": "location", "payload": {"coordinates": {"lat": 99}}}
                            ],
                        },
                    },
                ],
            }
        ],
    }
    nobody, located = parse_body(json.dumps(body).encode())
    assert isinstance(nobody, Unknown) and nobody.fields == ("no sender",)
    assert isinstance(located, Message) and located.sender == "5" and located.location is None
