"""Messenger webhook parsing, signatures and Send API rendering (no I/O)."""

from __future__ import annotations

import json

import pytest

from openteller.assistant.replies import Button, QuickReply, Reply
from openteller.channels.messenger.events import (
    AccountLinking,
    Delivery,
    Echo,
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
