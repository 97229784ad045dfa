"""The bank's own web chat and the customer's privacy dashboard.

First-party pages for a customer signed in with the bank (session cookie): the chat talks
to the same assistant as every channel (channel ``bank_web``) and renders its replies
(text, quick replies, buttons, chart images), and can share the browser's location for
the ATM search; the dashboard shows consents (with revoke), the audit trail, export and
erasure, and opens discreet-mode answers.
"""

from __future__ import annotations

import base64
import contextlib
import json
from datetime import UTC, datetime
from html import escape
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from openteller.assistant.engine import Conversation
from openteller.assistant.replies import Reply
from openteller.bootstrap import App
from openteller.domain.consent import Purpose
from openteller.domain.errors import OpenTellerError
from openteller.privacy.access import Requester
from openteller.privacy.reply_links import LinkInvalid
from openteller.web.insight_settings import add_insight_routes, insights_section
from openteller.web.notices import WebButtons, add_notice_routes
from openteller.web.sessions import COOKIE, Sessions

CHANNEL = "bank_web"
MAX_MESSAGE = 10_000


def _page(name: str) -> str:
    return resources.files("openteller.web").joinpath("pages", name).read_text("utf-8")


def reply_json(reply: Reply) -> dict[str, Any]:
    return {
        "text": reply.text,
        "quick_replies": [{"title": q.title, "payload": q.payload} for q in reply.quick_replies],
        "buttons": [{"title": b.title, "payload": b.payload, "url": b.url} for b in reply.buttons],
        "image": (
            "data:image/png;base64," + base64.b64encode(reply.image_png).decode()
            if reply.image_png
            else None
        ),
        "link": reply.link,
    }


def add_chat_routes(api: FastAPI, application: App, sessions: Sessions) -> None:
    conversations: dict[str, Conversation] = {}
    buttons = WebButtons(application)
    add_notice_routes(api, application, sessions, buttons)
    add_insight_routes(api, application, sessions)

    def signed_in(request: Request) -> str | None:
        return sessions.customer(request.cookies.get(COOKIE))

    @api.get("/chat/login", response_model=None)
    def login(token: str = "") -> Response:
        """Sign in with a session token (the bank's sign-in, or the demo's printed link)."""
        if sessions.customer(token) is None:
            return HTMLResponse("This sign-in link is not valid or has expired.", status_code=401)
        response = RedirectResponse("/chat", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="lax", max_age=8 * 3600)
        return response

    @api.get("/chat", response_class=HTMLResponse)
    def chat_page(request: Request) -> HTMLResponse:
        customer = signed_in(request)
        if customer is None:
            return HTMLResponse(_page("signed_out.html"), status_code=401)
        return HTMLResponse(
            _page("chat.html").replace("{{bank}}", escape(application.settings.bank_name))
        )

    @api.post("/chat/api/messages", response_model=None)
    async def chat_message(request: Request) -> Response:
        customer = signed_in(request)
        if customer is None:
            return JSONResponse(
                {"error": {"status": 401, "code": "unauthorized", "message": "sign in first"}},
                status_code=401,
            )
        if request.headers.get("content-type", "").split(";")[0] != "application/json":
            return JSONResponse(
                {
                    "error": {
                        "status": 415,
                        "code": "unsupported_media_type",
                        "message": "send JSON",
                    }
                },
                status_code=415,
            )
        try:
            data = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("text", ""), str):
            return JSONResponse(
                {
                    "error": {
                        "status": 422,
                        "code": "unprocessable_entity",
                        "message": "text: a string is required",
                    }
                },
                status_code=422,
            )
        text = data.get("text", "")[:MAX_MESSAGE]
        passed_on, direct = buttons.answer(customer, text)
        if direct is not None:
            return JSONResponse({"intent": "button", **reply_json(Reply(direct))})
        text = passed_on or ""
        conversation = conversations.setdefault(customer, Conversation(customer, CHANNEL))
        location = data.get("location")
        if isinstance(location, list) and len(location) == 2:
            with contextlib.suppress(TypeError, ValueError):
                conversation.location = (float(location[0]), float(location[1]))
            text = text or "nearest atm"
        turn = application.assistant.respond(conversation, text)
        return JSONResponse({"intent": turn.intent.value, **reply_json(turn.reply)})

    @api.get("/privacy", response_class=HTMLResponse)
    def dashboard(request: Request) -> HTMLResponse:
        customer = signed_in(request)
        if customer is None:
            return HTMLResponse(_page("signed_out.html"), status_code=401)
        requester = Requester(CHANNEL, Purpose.CUSTOMER_QUESTIONS, "customer:bank_web")
        views = application.consents.list(customer)
        rows = (
            "".join(
                f"<tr><td>{escape(v.consent.channel)}</td>"
                f"<td>{escape(', '.join(sorted(p.label for p in v.consent.purposes)))}</td>"
                f"<td>{escape(v.status.value)}</td><td>{v.consent.expires_at:%d %b %Y}</td><td>"
                + (
                    f'<form method="post" action="/privacy/consents/{escape(v.consent.id)}/revoke">'
                    f'<button type="submit">Revoke</button></form>'
                    if v.status.value in ("Authorised", "AwaitingAuthorisation")
                    else ""
                )
                + "</td></tr>"
                for v in views
            )
            or '<tr><td colspan="5">No consents to other apps.</td></tr>'
        )
        trail = application.access.trail(customer, requester)[-30:]
        reads = "".join(
            f"<tr><td>{escape(e.at[:19].replace('T', ' '))}</td><td>{escape(e.actor)}</td>"
            f"<td>{escape((e.action + ' ' + e.scope).strip())}</td><td>{escape(e.purpose)}</td>"
            f"<td>{escape(e.outcome)}</td></tr>"
            for e in reversed(trail)
        )
        html = (
            _page("privacy.html")
            .replace("{{bank}}", escape(application.settings.bank_name))
            .replace("{{consents}}", rows)
            .replace("{{trail}}", reads)
            .replace("{{insights}}", insights_section(application, customer))
        )
        return HTMLResponse(html)

    @api.post("/privacy/consents/{consent_id}/revoke", response_model=None)
    def revoke(request: Request, consent_id: str) -> Response:
        customer = signed_in(request)
        if customer is None:
            return HTMLResponse(_page("signed_out.html"), status_code=401)
        try:
            application.consents.revoke(customer, consent_id, actor="customer:bank_web")
        except OpenTellerError as exc:
            return HTMLResponse(f"Could not revoke: {escape(str(exc))}", status_code=400)
        return RedirectResponse("/privacy", status_code=303)

    @api.get("/privacy/export", response_model=None)
    def export(request: Request) -> Response:
        customer = signed_in(request)
        if customer is None:
            return HTMLResponse(_page("signed_out.html"), status_code=401)
        document = application.export.export(customer, channel=CHANNEL, actor="customer:bank_web")
        stamp = datetime.now(UTC).strftime("%Y%m%d")
        return Response(
            json.dumps(document, indent=2, ensure_ascii=False),
            media_type="application/json",
            headers={"Content-Disposition": f'attachment; filename="my-data-{stamp}.json"'},
        )

    @api.post("/privacy/erase", response_model=None)
    async def erase(request: Request) -> Response:
        customer = signed_in(request)
        if customer is None:
            return HTMLResponse(_page("signed_out.html"), status_code=401)
        body = (await request.body()).decode(errors="replace")
        if "confirm=ERASE" not in body:
            return HTMLResponse("Type ERASE to confirm.", status_code=400)
        application.erasure.erase(customer, actor="customer:bank_web")
        conversations.pop(customer, None)
        response = HTMLResponse("Your data has been erased. You are signed out.")
        response.delete_cookie(COOKIE)
        return response

    @api.get("/i/{token}.png", response_model=None)
    def chart_image(token: str) -> Response:
        """A chart sent through a messaging platform, fetchable for a few minutes."""
        try:
            png = application.discreet.image(token)
        except LinkInvalid as exc:
            return HTMLResponse(escape(str(exc)), status_code=410)
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})

    @api.get("/r/{token}", response_class=HTMLResponse)
    def discreet_answer(token: str) -> HTMLResponse:
        """A discreet-mode answer: shown once, within minutes of the message."""
        try:
            text = application.discreet.open(token)
        except LinkInvalid as exc:
            return HTMLResponse(f"<p>{escape(str(exc))}</p>", status_code=410)
        return HTMLResponse(
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Your answer</title></head><body><main><h1>Your answer</h1>"
            f"<p>{escape(text)}</p></main></body></html>"
        )
