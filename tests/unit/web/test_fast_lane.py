"""The fast lane: the same answers as the usual route, errors in the one shape."""

from __future__ import annotations

from fastapi import Request
from fastapi.testclient import TestClient
from starlette.responses import JSONResponse, PlainTextResponse, Response

from openteller.web.fast_lane import FastLaneAPI


def _api() -> FastLaneAPI:
    api = FastLaneAPI(on_error=lambda: JSONResponse({"error": "shape"}, status_code=500))
    served_by: list[str] = []

    @api.middleware("http")
    async def mark(request: Request, call_next):  # type: ignore[no-untyped-def]
        served_by.append("middleware")
        return await call_next(request)

    async def echo(request: Request) -> Response:
        raw = await request.body()
        if raw == b"boom":
            raise RuntimeError("the endpoint failed")
        return PlainTextResponse(raw.decode().upper())

    api.add_fast_route("/hook", echo, "POST")
    api.state.served_by = served_by
    return api


def test_a_fast_route_skips_the_middleware_stack_and_answers_the_same() -> None:
    api = _api()
    with TestClient(api) as client:
        assert client.post("/hook", content=b"hi").text == "HI"
        assert api.state.served_by == []
        # other methods and paths still go through FastAPI
        assert client.get("/hook").status_code == 405
        assert client.get("/nowhere").status_code == 404
        assert api.state.served_by == ["middleware", "middleware"]


def test_an_exception_in_a_fast_route_is_the_one_error_shape() -> None:
    with TestClient(_api(), raise_server_exceptions=False) as client:
        response = client.post("/hook", content=b"boom")
    assert response.status_code == 500
    assert response.json() == {"error": "shape"}


def test_the_lane_steps_aside_under_a_root_path() -> None:
    api = _api()
    api.root_path = "/bank"
    with TestClient(api, root_path="/bank") as client:
        assert client.post("/hook", content=b"hi").text == "HI"
    assert api.state.served_by == ["middleware"]
