"""The bank-side page Messenger opens at account linking.

Messenger opens ``/messenger/link?account_linking_token=...&redirect_uri=...``. The
customer signs in with the bank (here: the built-in demo login, enabled only by
``OPENTELLER_DEMO_LOGIN_PASSWORD``; a bank's identity provider in production); the page
then sends the browser back to Messenger's ``redirect_uri`` with a one-time
``authorization_code``, and Messenger posts an ``account_linking`` event carrying that
code and the user's page-scoped id, which is when the link and the consent are made.
Only Messenger's own redirect address is accepted (no open redirect).
"""

from __future__ import annotations

import base64
import hmac
import json
from html import escape
from urllib.parse import parse_qs, urlencode, urlparse

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openteller.bootstrap import App
from openteller.domain.errors import OpenTellerError
from openteller.privacy.cipher import DecryptionError
from openteller.web.oidc import Attempt, OidcClient, SignInFailed

REDIRECT_HOSTS = {"www.facebook.com", "facebook.com", "www.messenger.com", "m.facebook.com"}
REDIRECT_PATH = "/messenger_platform/account_linking"
ATTEMPT_COOKIE = "ot_oidc"

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Link your account - {bank}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}}
label{{display:block;margin-top:1rem}}input{{width:100%;padding:.5rem;font-size:1rem}}
button{{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem}}.error{{color:#a00}}</style>
</head><body><main>
<h1>Link your {bank} account to Messenger</h1>
<p>Messenger will be able to ask about your accounts, balances and transactions to answer
your questions, and to send you fraud alerts, for 90 days. Never for advertising. You can
unlink at any time.</p>
{error}
<form method="post" action="/messenger/link">
<input type="hidden" name="redirect_uri" value="{redirect}">
<label for="customer">Customer number</label>
<input id="customer" name="customer" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in and link</button>
</form></main></body></html>"""


def allowed_redirect(uri: str) -> bool:
    parsed = urlparse(uri)
    return (
        parsed.scheme == "https"
        and parsed.hostname in REDIRECT_HOSTS
        and parsed.path.startswith(REDIRECT_PATH)
    )


def add_linking_routes(api: FastAPI, application: App) -> None:
    def page(redirect: str, error: str = "", status: int = 200) -> HTMLResponse:
        shown = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
        return HTMLResponse(
            _PAGE.format(
                bank=escape(application.settings.bank_name), error=shown, redirect=escape(redirect)
            ),
            status_code=status,
        )

    settings = application.settings
    oidc = (
        OidcClient(
            settings.oidc_issuer,
            settings.oidc_client_id,
            settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None,
            customer_claim=settings.oidc_customer_claim,
        )
        if settings.oidc_issuer and settings.oidc_client_id
        else None
    )
    callback = settings.public_base_url.rstrip("/") + "/oidc/callback"

    def seal(data: dict[str, str]) -> str:
        raw = application.queue_cipher.encrypt(json.dumps(data).encode(), "oidc-attempt")
        return base64.urlsafe_b64encode(raw).decode()

    def unseal(token: str | None) -> dict[str, str] | None:
        if not token:
            return None
        try:
            raw = base64.urlsafe_b64decode(token.encode())
            data = json.loads(application.queue_cipher.decrypt(raw, "oidc-attempt"))
        except (ValueError, DecryptionError):
            return None
        return data if isinstance(data, dict) else None

    @api.get("/messenger/link", response_model=None)
    def link_page(redirect_uri: str = "") -> Response:
        """The sign-in page Messenger opens for account linking: the bank's identity
        provider when configured, else the demo login."""
        if not allowed_redirect(redirect_uri):
            return page("", "This page must be opened from Messenger.", 400)
        if oidc is None:
            return page(redirect_uri)
        attempt = Attempt.new()
        try:
            target = oidc.authorization_url(attempt, callback)
        except SignInFailed as exc:
            return page(redirect_uri, str(exc), 502)
        response = RedirectResponse(target, status_code=303)
        state = {
            "state": attempt.state,
            "verifier": attempt.verifier,
            "nonce": attempt.nonce,
            "redirect": redirect_uri,
        }
        response.set_cookie(
            ATTEMPT_COOKIE, seal(state), httponly=True, samesite="lax", max_age=600, path="/oidc"
        )
        return response

    @api.get("/oidc/callback", response_model=None)
    def oidc_callback(request: Request, code: str = "", state: str = "") -> Response:
        """Back from the identity provider: check, sign in, hand Messenger its code."""
        attempt_data = unseal(request.cookies.get(ATTEMPT_COOKIE))
        if (
            oidc is None
            or attempt_data is None
            or not hmac.compare_digest(state.encode(), attempt_data.get("state", "").encode())
        ):
            return page(
                "",
                "This sign-in has expired or was not started here. Try again from Messenger.",
                400,
            )
        attempt = Attempt(attempt_data["state"], attempt_data["verifier"], attempt_data["nonce"])
        redirect = attempt_data.get("redirect", "")
        try:
            customer = oidc.customer(attempt, code, callback)
            link_code = application.messenger.issue_link_code(customer)
        except OpenTellerError as exc:
            return page(redirect, f"Sign-in failed: {exc}", 401)
        separator = "&" if "?" in redirect else "?"
        response = RedirectResponse(
            redirect + separator + urlencode({"authorization_code": link_code}), status_code=303
        )
        response.delete_cookie(ATTEMPT_COOKIE, path="/oidc")
        return response

    @api.post("/messenger/link", response_model=None)
    async def link_submit(request: Request) -> Response:
        if request.headers.get("content-type", "").split(";")[0] != (
            "application/x-www-form-urlencoded"
        ):
            return HTMLResponse("unsupported content type", status_code=415)
        fields = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        redirect = fields.get("redirect_uri", "")
        if not allowed_redirect(redirect):
            return page("", "This page must be opened from Messenger.", 400)
        expected = application.settings.demo_login_password
        if expected is None:
            return page(
                redirect,
                "Sign-in is not set up: the bank connects its identity provider here.",
                501,
            )
        customer = fields.get("customer", "").strip()
        password = fields.get("password", "")
        if not customer or not hmac.compare_digest(
            password.encode(), expected.get_secret_value().encode()
        ):
            return page(redirect, "Wrong customer number or password.", 401)
        try:
            code = application.messenger.issue_link_code(customer)
        except OpenTellerError:
            return page(redirect, "Wrong customer number or password.", 401)
        separator = "&" if "?" in redirect else "?"
        return RedirectResponse(
            redirect + separator + urlencode({"authorization_code": code}), status_code=303
        )
