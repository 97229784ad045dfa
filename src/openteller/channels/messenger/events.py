"""Messenger webhook events, parsed from the ``page`` object Meta posts.

Every ``entry[]`` and every ``messaging[]`` item is read (Meta batches). Ids are kept as
strings (they overflow 53-bit JSON numbers in some clients). Echoes of the page's own
messages come back as :class:`Echo` (they confirm a send); kinds OpenTeller does not
handle come back as :class:`Unknown` so the caller can log them and still acknowledge.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    page_id: str
    sender: str  # the page-scoped user id (PSID)
    timestamp: int

    @property
    def kind(self) -> str:
        return type(self).__name__.lower()

    @property
    def key(self) -> str:
        """What identifies a delivery, for dropping Meta's retries."""
        return f"{self.kind}:{self.sender}:{self.timestamp}"


@dataclass(frozen=True, slots=True)
class Message(Event):
    mid: str = ""
    text: str = ""
    quick_reply: str = ""  # the payload of a tapped quick reply
    location: tuple[float, float] | None = None
    attachments: tuple[str, ...] = ()  # attachment types other than location

    @property
    def key(self) -> str:
        return f"message:{self.mid}" if self.mid else super(Message, self).key


@dataclass(frozen=True, slots=True)
class Postback(Event):
    payload: str = ""
    title: str = ""
    mid: str = ""

    @property
    def key(self) -> str:
        return f"postback:{self.mid}" if self.mid else super(Postback, self).key


@dataclass(frozen=True, slots=True)
class AccountLinking(Event):
    status: str = ""  # linked | unlinked
    authorization_code: str = ""


@dataclass(frozen=True, slots=True)
class Optin(Event):
    ref: str = ""


@dataclass(frozen=True, slots=True)
class Delivery(Event):
    mids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Read(Event):
    watermark: int = 0


@dataclass(frozen=True, slots=True)
class Echo(Event):
    """A message the page sent, echoed back (the ``message_echoes`` subscription), with
    the ``metadata`` the Send API call attached: how a sent message is confirmed."""

    mid: str = ""
    metadata: str = ""


@dataclass(frozen=True, slots=True)
class Unknown(Event):
    fields: tuple[str, ...] = field(default_factory=tuple)


class NotAPageEvent(ValueError):
    """The body is not a Messenger ``page`` webhook (invalid JSON or another object)."""


def parse_body(raw: bytes) -> list[Event]:
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotAPageEvent(f"the body is not JSON: {exc}") from exc
    if not isinstance(body, dict) or body.get("object") != "page":
        raise NotAPageEvent("the body is not a Messenger page event (object != 'page')")
    events: list[Event] = []
    for entry in body.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        page_id = str(entry.get("id", ""))
        for item in entry.get("messaging") or []:
            if isinstance(item, dict):
                event = _event(page_id, item)
                if event is not None:
                    events.append(event)
    return events


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _event(page_id: str, item: dict[str, Any]) -> Event | None:
    sender = str((item.get("sender") or {}).get("id", ""))
    stamp = item.get("timestamp")
    timestamp = int(stamp) if isinstance(stamp, int | float) else 0
    if "message" in item:
        message = item["message"] if isinstance(item["message"], dict) else {}
        if message.get("is_echo"):
            return Echo(
                page_id,
                sender,
                timestamp,
                _text(message.get("mid")),
                _text(message.get("metadata")),
            )
        location = None
        others: list[str] = []
        for attachment in message.get("attachments") or []:
            if not isinstance(attachment, dict):
                continue
            if attachment.get("type") == "location":
                point = ((attachment.get("payload") or {}).get("coordinates")) or {}
                lat, lon = point.get("lat"), point.get("long")
                if isinstance(lat, int | float) and isinstance(lon, int | float):
                    location = (float(lat), float(lon))
            else:
                others.append(str(attachment.get("type", "unknown")))
        return Message(
            page_id,
            sender,
            timestamp,
            mid=_text(message.get("mid")),
            text=_text(message.get("text")),
            quick_reply=_text((message.get("quick_reply") or {}).get("payload")),
            location=location,
            attachments=tuple(others),
        )
    if "postback" in item:
        postback = item["postback"] if isinstance(item["postback"], dict) else {}
        return Postback(
            page_id,
            sender,
            timestamp,
            payload=_text(postback.get("payload")),
            title=_text(postback.get("title")),
            mid=_text(postback.get("mid")),
        )
    if "account_linking" in item:
        linking = item["account_linking"] if isinstance(item["account_linking"], dict) else {}
        return AccountLinking(
            page_id,
            sender,
            timestamp,
            status=_text(linking.get("status")),
            authorization_code=_text(linking.get("authorization_code")),
        )
    if "optin" in item:
        optin = item["optin"] if isinstance(item["optin"], dict) else {}
        return Optin(page_id, sender, timestamp, ref=_text(optin.get("ref")))
    if "delivery" in item:
        delivery = item["delivery"] if isinstance(item["delivery"], dict) else {}
        return Delivery(
            page_id, sender, timestamp, mids=tuple(str(m) for m in delivery.get("mids") or [])
        )
    if "read" in item:
        read = item["read"] if isinstance(item["read"], dict) else {}
        watermark = read.get("watermark")
        return Read(
            page_id,
            sender,
            timestamp,
            watermark=int(watermark) if isinstance(watermark, int) else 0,
        )
    known = {"sender", "recipient", "timestamp"}
    return Unknown(
        page_id, sender, timestamp, fields=tuple(sorted(k for k in item if k not in known))
    )
