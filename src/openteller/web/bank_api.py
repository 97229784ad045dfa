"""The bank's API: ``POST /bank/v1/alerts`` and ``GET /bank/v1/alerts/{id}``.

Every request is signed by the bank (HMAC-SHA256 over ``timestamp + "." + body`` with one
of ``OPENTELLER_BANK_API_KEYS``); posts carry an ``Idempotency-Key`` and are refused as
replays when older than 5 minutes or seen before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from openteller.bootstrap import App
from openteller.domain.errors import AccessDenied


def add_bank_routes(
    api: FastAPI, application: App, error: Callable[[int, str], JSONResponse]
) -> None:
    from openteller.services.alerts import Alert, AlertInvalid, BankRequestRefused

    fail = error  # the app's one error shape

    def headers(request: Request) -> dict[str, str]:
        return {k.lower(): v for k, v in request.headers.items()}

    @api.post("/bank/v1/alerts", response_model=None)
    async def post_alert(request: Request) -> Response:
        """A fraud alert for a customer: delivered with "Was this you?" buttons."""
        if not application.settings.bank_api_keys:
            return fail(404, "the bank API is not configured")
        if request.headers.get("content-type", "").split(";")[0] != "application/json":
            return fail(415, "send application/json")
        raw = await request.body()
        service = application.alerts
        try:
            service.check_bank_request(headers(request), raw)
        except BankRequestRefused as exc:
            return fail(exc.status, str(exc))
        try:
            alert = Alert.parse(json.loads(raw), datetime.now(UTC))
            status = service.receive(alert)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return fail(400, "the body is not JSON")
        except AlertInvalid as exc:
            return fail(422, str(exc))
        except AccessDenied as exc:
            return fail(403, f"the customer has not consented to fraud alerts here: {exc}")
        return JSONResponse(status, status_code=202)

    @api.get("/bank/v1/alerts/{alert_id}", response_model=None)
    def get_alert(request: Request, alert_id: str) -> Response:
        """An alert's life: delivered, confirmed or denied, and when."""
        if not application.settings.bank_api_keys:
            return fail(404, "the bank API is not configured")
        service = application.alerts
        try:
            service.check_bank_request(headers(request), b"", idempotent=False)
            return JSONResponse(service.status(alert_id))
        except BankRequestRefused as exc:
            return fail(exc.status, str(exc))
        except AlertInvalid as exc:
            return fail(404, str(exc))
