"""The FastAPI application: health, metrics, and the Messenger webhook.

Stateless: everything a request needs is in the database, so several processes can run
behind a load balancer. Webhook events are stored in the inbox and acknowledged at once;
a worker thread in each process (or ``openteller worker``) answers them and sends the
replies through the outbox.

Every HTTP error has one shape: ``{"error": {"status": 403, "code": "forbidden",
"message": "..."}}``.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from starlette.exceptions import HTTPException

from openteller.bootstrap import App
from openteller.domain.errors import OpenTellerError
from openteller.logs import configure as configure_logging
from openteller.logs import get_logger
from openteller.settings import load_settings
from openteller.web.bank_api import add_bank_routes
from openteller.web.chat import add_chat_routes
from openteller.web.fast_lane import BodyTooLarge, FastLaneAPI, read_body
from openteller.web.group_commit import GroupCommit
from openteller.web.linking import add_linking_routes
from openteller.web.sessions import Sessions

MAX_BODY = 1_000_000
log = get_logger("openteller.web")  # Meta's webhook posts are far smaller


def error(status: int, message: str) -> JSONResponse:
    code = HTTPStatus(status).phrase.lower().replace(" ", "_")
    return JSONResponse(
        {"error": {"status": status, "code": code, "message": message}}, status_code=status
    )


def failure_facts(exc: BaseException) -> dict[str, str]:
    """What failed and where, for the log, without the exception's message (a database
    error's message quotes the statement's values, which may be customer data)."""
    facts = {"error": exc.__class__.__name__}
    original = getattr(exc, "orig", None)  # a database driver's error, wrapped
    if original is not None:
        facts["cause"] = original.__class__.__name__
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        facts["at"] = f"{Path(last.filename).name}:{last.lineno} {last.name}"
    return facts


class Worker:
    """Answers stored webhook events, sends queued replies, reports alert answers to the
    bank and checks insights when due: a thread of every `serve` process, or the main
    thread of `openteller worker`."""

    def __init__(self, app: App, interval: float = 0.2) -> None:
        self._app = app
        self._interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_insights_look = 0.0

    def start(self) -> None:
        self._thread = threading.Thread(target=self.run, name="openteller-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def run_once(self) -> int:
        done = 0
        if self._app.messenger_enabled:
            messenger = self._app.messenger
            done += messenger.process() + messenger.deliver()
        if self._app.settings.bank_callback_url:
            done += self._app.alert_reports.report_answers()
            done += self._app.alert_reports.escalate_unanswered()
        insights_on = self._app.messenger_enabled or self._app.web_chat_enabled
        if insights_on and time.monotonic() >= self._next_insights_look:
            # Asking the database whether the check is due costs a transaction: once a
            # minute per process is enough.
            self._next_insights_look = time.monotonic() + 60
            every = timedelta(minutes=self._app.settings.insights_every_minutes)
            done += self._app.insights.check_if_due(every)
        return done

    def run(self) -> None:
        """Work until :meth:`stop`: rounds back to back while there is work, a pause of
        ``interval`` (or a :meth:`wake`) between idle ones."""
        failures = 0
        while not self._stop.is_set():
            try:
                busy = self.run_once()
                failures = 0
            except Exception as exc:  # the thread must outlive any one round
                # Whatever went wrong (a database gone for a moment, a bug), this process
                # keeps answering: the round's work is still queued and is tried again,
                # after a pause that grows while failures repeat.
                failures += 1
                log.error("worker_failed", failures=failures, **failure_facts(exc))
                busy = 0
                self._stop.wait(min(30.0, self._interval * 2**failures))
                continue
            if not busy:
                self._wake.wait(self._interval)
                self._wake.clear()


def create_app(app: App | None = None, *, worker: bool = True) -> FastAPI:
    application = app or App(load_settings())
    configure_logging(application.settings.log_level)
    registry = CollectorRegistry()
    webhooks = Counter(
        "openteller_webhook_requests", "Webhook requests by result", ["result"], registry=registry
    )
    needs_worker = (
        application.messenger_enabled
        or application.settings.bank_callback_url
        or application.web_chat_enabled
    )
    background = Worker(application) if worker and needs_worker else None

    @asynccontextmanager
    async def lifespan(_api: FastAPI) -> AsyncIterator[None]:
        # Load (on a fresh machine: train) the intent model before taking requests, so
        # the first customer's message is not the one that waits for it.
        _ = application.assistant
        if background is not None:
            background.start()
        yield
        if background is not None:
            background.stop()

    api = FastLaneAPI(
        on_error=lambda: error(500, "internal error (logged)"),
        title="OpenTeller",
        description="A conversational banking gateway with privacy by construction.",
        lifespan=lifespan,
    )
    api.state.openteller = application

    @api.exception_handler(HTTPException)
    async def http_error(_request: Request, exc: HTTPException) -> JSONResponse:
        return error(exc.status_code, str(exc.detail))

    @api.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return error(422, f"{where}: {first.get('msg', 'invalid request')}")

    @api.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled", path=request.url.path, error=exc.__class__.__name__)
        return error(500, "internal error (logged)")

    @api.get("/healthz")
    def healthz() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @api.get("/readyz", response_model=None)
    def readyz() -> dict[str, str] | JSONResponse:
        """The database schema is current and the master key is the bank's own."""
        try:
            application.ready()
        except OpenTellerError as exc:
            return error(503, str(exc))
        return {"status": "ready"}

    @api.get("/metrics")
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @api.get("/webhooks/messenger", response_model=None)
    def messenger_verify(
        mode: str | None = Query(default=None, alias="hub.mode"),
        token: str | None = Query(default=None, alias="hub.verify_token"),
        challenge: str | None = Query(default=None, alias="hub.challenge"),
    ) -> PlainTextResponse | JSONResponse:
        """Meta's subscription handshake: echo ``hub.challenge`` for the right token."""
        if not application.messenger_enabled:
            return error(404, "the Messenger channel is not configured")
        answer = application.messenger.verify(mode, token, challenge)
        if answer is None:
            webhooks.labels("bad_verify_token").inc()
            return error(403, "wrong hub.mode or hub.verify_token")
        return PlainTextResponse(answer)

    inbox_writes: GroupCommit[list[Any]] = GroupCommit(
        application.engine, lambda conn, posts: application.messenger.store_posts(conn, posts)
    )

    async def messenger_events(request: Request) -> Response:
        """Signed webhook events: stored once each, acknowledged with 200 at once.

        In the fast lane (added below): the platform's busiest endpoint skips FastAPI's
        middleware stack, dependency solving and response validation, none of which it
        uses."""
        if not application.messenger_enabled:
            return error(404, "the Messenger channel is not configured")
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_BODY:
            webhooks.labels("too_large").inc()
            return error(413, f"the body is larger than {MAX_BODY} bytes")
        try:
            raw = await read_body(request, MAX_BODY)
        except BodyTooLarge as exc:
            webhooks.labels("too_large").inc()
            return error(413, str(exc))
        from openteller.services.messenger import InvalidSignature

        try:
            events = application.messenger.check(raw, request.headers.get("x-hub-signature-256"))
        except InvalidSignature as exc:
            webhooks.labels("bad_signature").inc()
            log.warning("webhook_refused", channel="messenger", reason="signature")
            return error(403, str(exc))
        # Acknowledged only once stored; posts arriving together share one transaction.
        kept = await inbox_writes.submit(events)
        webhooks.labels("accepted").inc()
        log.info("webhook", channel="messenger", events=kept, bytes=len(raw))
        if background is not None and kept:
            background.wake()
        return PlainTextResponse("EVENT_RECEIVED")

    api.add_fast_route("/webhooks/messenger", messenger_events, "POST")
    if application.messenger_enabled:
        add_linking_routes(api, application)
    sessions = Sessions(application.keystore_link_key())
    api.state.sessions = sessions
    add_chat_routes(api, application, sessions)
    # An alert taken in is sent by this process's worker at once, not at its next poll.
    api.state.wake = background.wake if background is not None else lambda: None
    add_bank_routes(api, application, error)
    return api


def create_default_app() -> FastAPI:
    """Factory for ``uvicorn --factory`` (settings from the environment; the worker
    thread unless ``openteller serve --no-answer`` turned it off)."""
    return create_app(worker=os.environ.get("OPENTELLER_SERVE_ANSWER", "1") != "0")
