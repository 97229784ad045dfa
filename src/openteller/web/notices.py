"""Live messages in the bank's web chat: server-sent events, and the answers to them.

``GET /chat/api/events`` streams the signed-in customer's notices (fraud alerts,
insights) as they arrive, from whichever process took them in (they wait in the
database). A notice's buttons carry sealed payloads bound to the customer, so a
changed, expired or someone else's button is refused when it comes back.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from openteller.bootstrap import App
from openteller.privacy.sealed import PREFIX, SealedPayloads
from openteller.web.sessions import COOKIE, Sessions

#: How often a stream looks for new notices, and how long one stream lives before the
#: browser reconnects (EventSource does so by itself).
POLL_SECONDS = 0.5
STREAM_SECONDS = 60.0
EXPIRED_BUTTON = "That button has expired or is not valid any more. Ask me again?"


def _audience(customer: str) -> str:
    return f"web:{customer}"


class WebButtons:
    """Seals notice buttons for one customer and opens them when they come back."""

    def __init__(self, application: App) -> None:
        self._application = application
        self._sealer = SealedPayloads(application.queue_cipher)

    def sealed(self, customer: str, message: dict[str, Any]) -> dict[str, Any]:
        return {
            "text": message.get("text", ""),
            "quick_replies": [
                {
                    "title": q["title"],
                    "payload": self._sealer.seal(_audience(customer), q["payload"]),
                }
                for q in message.get("quick_replies", [])
            ],
            "buttons": [],
            "image": None,
            "link": None,
        }

    def answer(self, customer: str, text: str) -> tuple[str | None, str | None]:
        """(text to pass to the assistant, or None) and (a direct reply, or None)."""
        if not text.startswith(PREFIX):
            return text, None
        opened = self._sealer.open(_audience(customer), text)
        if opened is None:
            return None, EXPIRED_BUTTON
        if opened.startswith(("alert-yes:", "alert-no:")):
            verdict, _, alert_id = opened.partition(":")
            reply = self._application.alerts.answer(
                customer, alert_id, verdict == "alert-yes", channel="bank_web"
            )
            return None, reply
        if opened.startswith("insight-stop:"):
            kind = opened.partition(":")[2]
            return None, self._application.insights.stop(customer, kind, actor="customer:bank_web")
        return opened, None


def add_notice_routes(
    api: FastAPI, application: App, sessions: Sessions, buttons: WebButtons
) -> None:
    @api.get("/chat/api/events", response_model=None)
    async def events(request: Request) -> Response:
        """The signed-in customer's alerts and insights, pushed as server-sent events."""
        customer = sessions.customer(request.cookies.get(COOKIE))
        if customer is None:
            return JSONResponse(
                {"error": {"status": 401, "code": "unauthorized", "message": "sign in first"}},
                status_code=401,
            )
        notices = application.web_notices

        async def stream() -> Any:
            yield "retry: 2000\n\n"
            ends = time.monotonic() + STREAM_SECONDS
            quiet = 0
            while time.monotonic() < ends and not await request.is_disconnected():
                waiting = await run_in_threadpool(notices.pending, customer)
                for notice in waiting:
                    data = json.dumps(buttons.sealed(customer, notice.message))
                    yield f"id: {notice.id}\nevent: notice\ndata: {data}\n\n"
                    await run_in_threadpool(notices.delivered, customer, notice.id)
                quiet = 0 if waiting else quiet + 1
                if quiet and quiet % 30 == 0:
                    yield ": still here\n\n"
                await asyncio.sleep(POLL_SECONDS)

        return StreamingResponse(
            stream(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
