"""Account linking signs the customer in at the bank's identity provider (OIDC + PKCE).

A real local HTTP server plays the bank's identity provider: discovery document, JWKS
with a freshly generated RSA key, an authorisation endpoint and a token endpoint that
checks the PKCE verifier against the challenge and returns a signed ID token.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from openteller.bootstrap import App
from openteller.ingest.registry import build_readers
from openteller.web.app import create_app
from tests.db import make_settings
from tests.samples import fixture

REDIRECT = "https://www.facebook.com/messenger_platform/account_linking/?account_linking_token=T"


class IdentityProvider(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Idp)
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.issuer = f"http://127.0.0.1:{self.server_address[1]}"
        self.codes: dict[str, dict[str, str]] = {}
        self.customer = "alice"
        self.wrong_nonce = False


class _Idp(BaseHTTPRequestHandler):
    server: IdentityProvider

    def _json(self, data: Any, status: int = 200) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urlparse(self.path)
        issuer = self.server.issuer
        if url.path == "/.well-known/openid-configuration":
            self._json(
                {
                    "issuer": issuer,
                    "authorization_endpoint": f"{issuer}/authorize",
                    "token_endpoint": f"{issuer}/token",
                    "jwks_uri": f"{issuer}/jwks",
                }
            )
        elif url.path == "/jwks":
            public = jwt.algorithms.RSAAlgorithm.to_jwk(self.server.key.public_key(), as_dict=True)
            self._json({"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]})
        elif url.path == "/authorize":  # the customer signs in; the provider redirects back
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            assert query["code_challenge_method"] == "S256"
            code = secrets.token_urlsafe(16)
            self.server.codes[code] = query
            target = (
                query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
            )
            self.send_response(302)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._json({"error": "not_found"}, 404)

    def do_POST(self) -> None:
        form = {
            k: v[0]
            for k, v in parse_qs(
                self.rfile.read(int(self.headers["Content-Length"])).decode()
            ).items()
        }
        sent = self.server.codes.pop(form.get("code", ""), None)
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        if sent is None or challenge != sent["code_challenge"]:
            self._json({"error": "invalid_grant"}, 400)
            return
        now = int(time.time())
        token = jwt.encode(
            {
                "iss": self.server.issuer,
                "aud": sent["client_id"],
                "sub": self.server.customer,
                "iat": now,
                "exp": now + 300,
                "nonce": "other" if self.server.wrong_nonce else sent["nonce"],
            },
            self.server.key,
            algorithm="RS256",
            headers={"kid": "k1"},
        )
        self._json({"access_token": "a", "token_type": "Bearer", "id_token": token})

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def idp() -> Iterator[IdentityProvider]:
    server = IdentityProvider()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def client(idp: IdentityProvider, tmp_path: Path) -> Iterator[tuple[TestClient, App]]:
    app = App(
        make_settings(
            f"sqlite:///{tmp_path}/bank.db",
            None,
            tmp_path,
            messenger_app_secret="s",
            messenger_verify_token="v",
            messenger_page_token="p",
            messenger_graph_url="http://127.0.0.1:9",
            oidc_issuer=idp.issuer,
            oidc_client_id="openteller",
            public_base_url="http://testserver",
        )
    )
    app.init()
    app.ingest.ingest_file(fixture("ofx/ofxparse__checking.ofx"), "alice", build_readers())
    with TestClient(create_app(app, worker=False), follow_redirects=False) as test_client:
        yield test_client, app
    app.close()


def _sign_in(client: TestClient) -> httpx.Response:
    start = client.get("/messenger/link", params={"redirect_uri": REDIRECT})
    assert start.status_code == 303
    authorize = start.headers["location"]
    assert "code_challenge=" in authorize and "code_challenge_method=S256" in authorize
    back = httpx.get(authorize, follow_redirects=False)  # the browser at the provider
    assert back.status_code == 302
    callback = urlparse(back.headers["location"])
    return client.get(callback.path + "?" + callback.query)


def test_sign_in_at_the_bank_then_back_to_messenger_with_a_code(
    client: tuple[TestClient, App],
) -> None:
    test_client, app = client
    done = _sign_in(test_client)
    assert done.status_code == 303
    assert done.headers["location"].startswith(REDIRECT + "&authorization_code=")
    code = done.headers["location"].split("authorization_code=")[1]
    app.messenger._linked("4000000000000001", code)
    assert app.messenger._customer_of("4000000000000001") == "alice"


def test_a_wrong_nonce_or_state_is_refused(
    client: tuple[TestClient, App], idp: IdentityProvider
) -> None:
    test_client, _app = client
    idp.wrong_nonce = True
    refused = _sign_in(test_client)
    assert refused.status_code == 401 and "nonce" in refused.text
    idp.wrong_nonce = False
    forged = test_client.get("/oidc/callback", params={"code": "x", "state": "forged"})
    assert forged.status_code == 400


def test_an_unknown_customer_at_the_provider_is_refused(
    client: tuple[TestClient, App], idp: IdentityProvider
) -> None:
    test_client, _app = client
    idp.customer = "mallory"
    refused = _sign_in(test_client)
    assert refused.status_code == 401 and "Sign-in failed" in refused.text
