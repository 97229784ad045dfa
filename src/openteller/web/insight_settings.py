"""The customer's insight choices on the privacy dashboard.

Insights are opt-in: turning them on gives the bank's web chat a consent for the purpose
"proactive insights" (listed, and revocable, with every other consent); each kind can be
stopped or started again, and the low-balance warning takes the customer's threshold.
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openteller.bootstrap import App
from openteller.domain.consent import Purpose
from openteller.domain.errors import OpenTellerError
from openteller.web.sessions import COOKIE, Sessions

CHANNEL = "bank_web"
ACTOR = "customer:bank_web"


def opted_in(application: App, customer: str) -> str | None:
    """The id of the web chat's live consent for insights, if the customer gave one."""
    for view in application.consents.list(customer):
        consent = view.consent
        live = view.status.value == "Authorised"
        if live and consent.channel == CHANNEL and Purpose.PROACTIVE_INSIGHTS in consent.purposes:
            return consent.id
    return None


def insights_section(application: App, customer: str) -> str:
    from openteller.services.insights import KINDS

    if opted_in(application, customer) is None:
        return (
            "<p>Insights are off. Turned on, the chat tells you about duplicate charges, "
            "new or dearer subscriptions, large payments, a low balance and your week's "
            "spending.</p>"
            '<form method="post" action="/privacy/insights/on">'
            '<button type="submit">Turn insights on</button></form>'
        )
    rows = []
    for kind, (stopped, threshold) in application.insights.settings(customer).items():
        verb = "start" if stopped else "stop"
        extra = ""
        if kind == "low_balance":
            extra = (
                f'<form method="post" action="/privacy/insights/low_balance/threshold">'
                f'<label for="threshold">Warn me under</label> '
                f'<input id="threshold" name="threshold" inputmode="decimal" size="8" '
                f'value="{escape(threshold or "")}"> <button type="submit">Save</button></form>'
            )
        rows.append(
            f"<tr><td>{escape(KINDS[kind].capitalize())}</td>"
            f"<td>{'Stopped' if stopped else 'On'}</td><td>"
            f'<form method="post" action="/privacy/insights/{kind}/{verb}">'
            f'<button type="submit" aria-label="{verb.capitalize()} {escape(KINDS[kind])}">'
            f"{verb.capitalize()}</button></form>{extra}</td></tr>"
        )
    return (
        "<table><thead><tr><th>Kind</th><th>Status</th><th></th></tr></thead>"
        f'<tbody id="insights">{"".join(rows)}</tbody></table>'
        '<form method="post" action="/privacy/insights/off">'
        '<button type="submit">Turn all insights off</button></form>'
    )


def add_insight_routes(api: FastAPI, application: App, sessions: Sessions) -> None:
    def signed_in(request: Request) -> str | None:
        return sessions.customer(request.cookies.get(COOKIE))

    def back() -> Response:
        return RedirectResponse("/privacy#insights-heading", status_code=303)

    @api.post("/privacy/insights/{choice}", response_model=None)
    def switch(request: Request, choice: str) -> Response:
        """Turn insights on (a consent for the web chat) or off (that consent revoked)."""
        customer = signed_in(request)
        if customer is None:
            return HTMLResponse("Please sign in.", status_code=401)
        if choice == "on" and opted_in(application, customer) is None:
            application.consents.grant(
                customer,
                channel=CHANNEL,
                purposes=[Purpose.PROACTIVE_INSIGHTS.value],
                scopes=["accounts", "balances", "transactions"],
                days=365,
                actor=ACTOR,
            )
        elif choice == "off":
            consent = opted_in(application, customer)
            if consent is not None:
                application.consents.revoke(customer, consent, actor=ACTOR)
        elif choice != "on":
            return HTMLResponse("Unknown choice.", status_code=404)
        return back()

    @api.post("/privacy/insights/{kind}/{verb}", response_model=None)
    async def change(request: Request, kind: str, verb: str) -> Response:
        """Stop or start one kind of insight, or set the low-balance threshold."""
        customer = signed_in(request)
        if customer is None:
            return HTMLResponse("Please sign in.", status_code=401)
        try:
            if verb == "stop":
                application.insights.stop(customer, kind, actor=ACTOR)
            elif verb == "start":
                application.insights.start(customer, kind, actor=ACTOR)
            elif verb == "threshold" and kind == "low_balance":
                form = parse_qs((await request.body()).decode(errors="replace"))
                value = (form.get("threshold") or [""])[0].strip()
                application.insights.set_low_balance(customer, value, actor=ACTOR)
            else:
                return HTMLResponse("Unknown choice.", status_code=404)
        except OpenTellerError as exc:
            return HTMLResponse(f"<p>{escape(str(exc))}</p>", status_code=400)
        return back()
