"""A fast lane past FastAPI's middleware stack for the busiest plain endpoints.

Every request through FastAPI passes about seven layers before its endpoint (server-error
and exception middlewares, native telemetry, a body limit, an exit stack, the router's
scan of every route) and each costs CPU per request. The Messenger webhook is the
platform's busiest endpoint and uses none of them: it reads its own body with a limit,
answers with the one error shape, and counts itself in Prometheus. A fast-lane endpoint
is called straight from the ASGI entry point; any exception it raises becomes the same
500 answer the exception handler gives. The route is also registered normally, so it is
listed and served the usual way whenever the fast lane steps aside (a ``root_path``, or
FastAPI's own telemetry switched on, which must see every request).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from openteller.logs import get_logger

Endpoint = Callable[[Request], Awaitable[Response]]
log = get_logger("openteller.web")


class BodyTooLarge(Exception):
    """The request body went past the endpoint's limit while it was being read."""


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, read chunk by chunk and given up as soon as it passes ``limit``
    bytes (a chunked upload has no Content-Length to refuse it by in advance)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


class FastLaneAPI(FastAPI):
    """FastAPI whose fast-lane routes skip the middleware stack (see the module)."""

    def __init__(self, *, on_error: Callable[[], Response], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._fast_lane: dict[tuple[str, str], Endpoint] = {}
        self._on_error = on_error
        self._telemetry_on: bool | None = None

    def add_fast_route(self, path: str, endpoint: Endpoint, method: str) -> None:
        self.add_route(path, endpoint, methods=[method])
        self._fast_lane[(method, path)] = endpoint

    def _lane_open(self) -> bool:
        if self._telemetry_on is None:
            telemetry = getattr(self, "_native_telemetry", None)
            self._telemetry_on = bool(telemetry is not None and telemetry.enabled())
        return not self._telemetry_on and not self.root_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self._fast_lane.get((scope["method"], scope["path"]))
            if endpoint is not None and self._lane_open():
                await self._serve(endpoint, scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    async def _serve(self, endpoint: Endpoint, scope: Scope, receive: Receive, send: Send) -> None:
        scope["app"] = self
        try:
            response = await endpoint(Request(scope, receive))
        except Exception as exc:  # the one error shape, as the exception handler gives
            log.error("unhandled", path=scope["path"], error=exc.__class__.__name__)
            response = self._on_error()
        await response(scope, receive, send)
