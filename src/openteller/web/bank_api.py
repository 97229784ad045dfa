"""The bank's API: fraud alerts and the real-time feed of transactions and balances.

* ``POST /bank/v1/alerts``, ``GET /bank/v1/alerts/{id}``: a fraud alert, and its life;
* ``POST /bank/v1/transactions``, ``POST /bank/v1/balances``: the bank streams data
  instead of sending statement files (see :mod:`openteller.ingest.bank_feed`).

Every request is signed by the bank (HMAC-SHA256 over ``timestamp + "." + body`` with one
of ``OPENTELLER_BANK_API_KEYS``); posts carry an ``Idempotency-Key`` and are refused as
replays when older than 5 minutes or seen before. Alert posts that arrive together are
taken in as one batch (a :class:`~openteller.web.gathering.Gathering` over
``AlertService.receive_many``), each answered on its own.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from openteller.bootstrap import App
from openteller.domain.errors import AccessDenied, DomainError
from openteller.ingest.json_input import LONE_SURROGATE, lone_surrogate_path
from openteller.privacy.access import UnknownCustomer
from openteller.web.gathering import Gathering

MAX_PROBLEMS_SHOWN = 20


def add_bank_routes(
    api: FastAPI, application: App, error: Callable[[int, str], JSONResponse]
) -> None:
    from openteller.domain.fraud_alert import Alert, AlertInvalid
    from openteller.services.alerts import AlertPost
    from openteller.services.bank_feed import FeedRejected
    from openteller.services.bank_signing import BankRequestRefused

    fail = error  # the app's one error shape

    def headers(request: Request) -> dict[str, str]:
        return {k.lower(): v for k, v in request.headers.items()}

    async def signed_json(request: Request) -> tuple[Any, str] | Response:
        """The body and Idempotency-Key of a correctly signed, fresh JSON post, or the
        refusal (whether the key is new is checked with the work, in its transaction)."""
        if not application.settings.bank_api_keys:
            return fail(404, "the bank API is not configured")
        if request.headers.get("content-type", "").split(";")[0] != "application/json":
            return fail(415, "send application/json")
        raw = await request.body()
        try:
            _key_id, key = application.alerts.verify_bank_request(headers(request), raw)
        except BankRequestRefused as exc:
            return fail(exc.status, str(exc))
        assert key is not None
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return fail(400, "the body is not JSON")
        where = lone_surrogate_path(raw, body)
        if where is not None:
            return fail(400, f"the body's {where}: {LONE_SURROGATE}")
        return body, key

    async def handled(request: Request, work: Callable[[Any, str], Awaitable[Any]]) -> Response:
        signed = await signed_json(request)
        if isinstance(signed, Response):
            return signed
        try:
            result = await work(*signed)
        except BankRequestRefused as exc:
            return fail(exc.status, str(exc))
        except FeedRejected as exc:
            shown = "; ".join(exc.problems[:MAX_PROBLEMS_SHOWN])
            return fail(422, f"{exc}: {shown}" if shown else str(exc))
        except (AlertInvalid, DomainError) as exc:
            return fail(422, str(exc))
        except UnknownCustomer as exc:
            return fail(404, str(exc))
        except AccessDenied as exc:
            return fail(403, f"the customer has not consented to fraud alerts here: {exc}")
        api.state.wake()  # what was queued goes out now
        return JSONResponse(result, status_code=202)

    def route(path: str, work: Callable[[Any, str], Awaitable[Any]], doc: str) -> None:
        async def endpoint(request: Request) -> Response:
            return await handled(request, work)

        endpoint.__doc__ = doc
        endpoint.__name__ = "post_" + path.rsplit("/", 1)[-1]
        api.add_api_route(path, endpoint, methods=["POST"], response_model=None)

    # Alerts posted together are checked, then stored in one transaction (their keys
    # remembered with them): one commit per batch; each post gets its own outcome.
    alerts: Gathering[AlertPost, dict[str, Any]] = Gathering(
        lambda posts: application.alerts.receive_many(posts)
    )

    async def alert(data: Any, key: str) -> Any:
        return await alerts.submit(AlertPost(Alert.parse(data, datetime.now(UTC)), key))

    def feed(what: str) -> Callable[[Any, str], Awaitable[Any]]:
        def work(data: Any, key: str) -> Any:
            with application.engine.begin() as conn:
                application.alerts.remember_request(conn, key)
            return application.feed.receive(data, what=what)

        async def in_thread(data: Any, key: str) -> Any:
            return await run_in_threadpool(work, data, key)

        return in_thread

    route(
        "/bank/v1/alerts",
        alert,
        'A fraud alert for a customer: delivered with "Was this you?" buttons.',
    )
    route(
        "/bank/v1/transactions",
        feed("transactions"),
        "New transactions of one customer's account, stored as they happen.",
    )
    route(
        "/bank/v1/balances",
        feed("balances"),
        "New balances of one customer's account.",
    )

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


__all__ = ["add_bank_routes"]
