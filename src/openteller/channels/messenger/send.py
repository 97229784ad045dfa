"""The Messenger Send API: replies rendered within the platform's limits, and sent.

Limits (enforced here, whatever the assistant produced): text under 2,000 characters, at
most 13 quick replies with titles of at most 20 characters, a button template with at
most 3 buttons and 640 characters of text. ``messaging_type`` is RESPONSE inside the
24-hour window; outside it only the ``ACCOUNT_UPDATE`` tag may be used (fraud alerts).
Every call carries the page token and its ``appsecret_proof``; 5xx and 429 are retried
with backoff, 4xx are not.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from openteller.assistant.replies import Button, Reply
from openteller.channels.messenger.signature import appsecret_proof
from openteller.domain.errors import OpenTellerError

GRAPH_URL = "https://graph.facebook.com/v21.0"
TEXT_LIMIT = 2000
BUTTON_TEXT_LIMIT = 640
ATTEMPTS = 3


class SendFailed(OpenTellerError):
    """The Send API refused the message or could not be reached."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def _cut(text: str, limit: int) -> str:
    return text if len(text) < limit else text[: limit - 2] + "…"


def _button(button: Button) -> dict[str, Any]:
    if button.kind == "account_link":
        return {"type": "account_link", "url": button.url}
    if button.url:
        return {"type": "web_url", "url": button.url, "title": button.title[:20]}
    return {"type": "postback", "payload": button.payload[:1000], "title": button.title[:20]}


def render(
    recipient: str,
    reply: Reply,
    *,
    tag: str | None = None,
    image_url: str = "",
    messaging_type: str = "RESPONSE",
) -> list[dict[str, Any]]:
    """The Send API request bodies for one reply (text or template, then an image).

    ``messaging_type`` is RESPONSE (an answer) or UPDATE (a message of ours) inside the
    24-hour window; a ``tag`` (outside the window) makes it a MESSAGE_TAG message."""
    base: dict[str, Any] = {"recipient": {"id": recipient}}
    if tag:
        base.update({"messaging_type": "MESSAGE_TAG", "tag": tag})
    else:
        base["messaging_type"] = messaging_type
    bodies: list[dict[str, Any]] = []
    buttons = [_button(b) for b in reply.buttons[:3]]
    if buttons:
        message: dict[str, Any] = {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "button",
                    "text": _cut(reply.text, BUTTON_TEXT_LIMIT),
                    "buttons": buttons,
                },
            }
        }
    else:
        message = {"text": _cut(reply.text, TEXT_LIMIT)}
    if reply.quick_replies:
        message["quick_replies"] = [
            {"content_type": "text", "title": q.title[:20], "payload": q.payload[:1000]}
            for q in reply.quick_replies[:13]
        ]
    bodies.append({**base, "message": message})
    if image_url:
        bodies.append(
            {
                **base,
                "message": {
                    "attachment": {
                        "type": "image",
                        "payload": {"url": image_url, "is_reusable": False},
                    }
                },
            }
        )
    return bodies


@dataclass
class SendClient:
    """Calls the Graph API's ``/me/messages`` for one page."""

    page_token: str
    app_secret: bytes
    graph_url: str = GRAPH_URL
    client: httpx.Client | None = None
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.client is None:
            self.client = httpx.Client(timeout=10.0)

    def send(self, body: dict[str, Any], *, attempts: int = ATTEMPTS) -> str:
        """Send one message body; returns Meta's ``message_id``. Tried up to ``attempts``
        times on 5xx, 429 and network errors."""
        assert self.client is not None
        url = self.graph_url.rstrip("/") + "/me/messages"
        params = {
            "access_token": self.page_token,
            "appsecret_proof": appsecret_proof(self.app_secret, self.page_token),
        }
        last: SendFailed | None = None
        for attempt in range(attempts):
            try:
                response = self.client.post(url, params=params, json=body)
            except httpx.HTTPError as exc:
                last = SendFailed(
                    f"cannot reach the Send API: {exc.__class__.__name__}", retryable=True
                )
            else:
                if response.is_success:
                    data = response.json() if response.content else {}
                    return str(data.get("message_id", ""))
                retryable = response.status_code >= 500 or response.status_code == 429
                last = SendFailed(
                    f"the Send API answered {response.status_code}: {response.text[:200]}",
                    retryable=retryable,
                )
                if not retryable:
                    raise last
            if attempt + 1 < attempts:
                self.sleep(0.5 * 2**attempt)
        assert last is not None
        raise last

    def typing_on(self, recipient: str) -> None:
        """The "typing..." indicator, tried once (a nicety: never worth a retry's wait)."""
        self.send({"recipient": {"id": recipient}, "sender_action": "typing_on"}, attempts=1)
