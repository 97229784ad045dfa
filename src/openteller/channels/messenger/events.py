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
    """Every event of a webhook post. A signed body of an unexpected shape never raises
    (beyond :class:`NotAPageEvent`): what cannot be read is skipped or comes back as
    :class:`Unknown`."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotAPageEvent(f"the body is not JSON: {exc}") from exc
    if not isinstance(body, dict) or body.get("object") != "page":
        raise NotAPageEvent("the body is not a Messenger page event (object != 'page')")
    events: list[Event] = []
    for entry in _list(body.get("entry")):
        if not isinstance(entry, dict):
            continue
        page_id = _id(entry.get("id"))
        for item in _list(entry.get("messaging")):
            if isinstance(item, dict):
                events.append(_event(page_id, item))
    return events


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _id(value: Any) -> str:
    """An id as Meta sends it: a string, or a number some clients wrote as one."""
    if isinstance(value, bool):
        return ""
    return str(value) if isinstance(value, str | int) else ""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _event(page_id: str, item: dict[str, Any]) -> Event:
    sender = _id(_dict(item.get("sender")).get("id"))
    stamp = _number(item.get("timestamp"))
    timestamp = int(stamp) if stamp is not None and abs(stamp) < 2**63 else 0
    if not sender:  # nobody to answer: kept only to be audited as unknown
        return Unknown(page_id, sender, timestamp, fields=("no sender",))
    if "message" in item:
        message = _dict(item["message"])
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
        for attachment in _list(message.get("attachments")):
            if not isinstance(attachment, dict):
                continue
            if attachment.get("type") == "location":
                point = _dict(_dict(attachment.get("payload")).get("coordinates"))
                lat, lon = _number(point.get("lat")), _number(point.get("long"))
                if lat is not None and lon is not None and abs(lat) <= 90 and abs(lon) <= 180:
                    location = (lat, lon)
            else:
                others.append(_text(attachment.get("type")) or "unknown")
        return Message(
            page_id,
            sender,
            timestamp,
            mid=_text(message.get("mid")),
            text=_text(message.get("text")),
            quick_reply=_text(_dict(message.get("quick_reply")).get("payload")),
            location=location,
            attachments=tuple(others),
        )
    if "postback" in item:
        postback = _dict(item["postback"])
        return Postback(
            page_id,
            sender,
            timestamp,
            payload=_text(postback.get("payload")),
            title=_text(postback.get("title")),
            mid=_text(postback.get("mid")),
        )
    if "account_linking" in item:
        linking = _dict(item["account_linking"])
        return AccountLinking(
            page_id,
            sender,
            timestamp,
            status=_text(linking.get("status")),
            authorization_code=_text(linking.get("authorization_code")),
        )
    if "optin" in item:
        return Optin(page_id, sender, timestamp, ref=_text(_dict(item["optin"]).get("ref")))
    if "delivery" in item:
        mids = _list(_dict(item["delivery"]).get("mids"))
        return Delivery(page_id, sender, timestamp, mids=tuple(_text(m) for m in mids))
    if "read" in item:
        watermark = _number(_dict(item["read"]).get("watermark"))
        return Read(
            page_id,
            sender,
            timestamp,
            watermark=int(watermark) if watermark is not None and abs(watermark) < 2**63 else 0,
        )
    known = {"sender", "recipient", "timestamp"}
    return Unknown(
        page_id, sender, timestamp, fields=tuple(sorted(k for k in item if k not in known))
    )
