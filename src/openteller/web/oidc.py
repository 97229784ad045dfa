"""Sign-in with the bank's identity provider: OpenID Connect, authorisation code + PKCE.

Configured by ``OPENTELLER_OIDC_ISSUER`` and ``OPENTELLER_OIDC_CLIENT_ID`` (and a client
secret for confidential clients). The provider's endpoints come from its discovery
document; the ID token's signature is checked against its JWKS, and its issuer,
audience, expiry and nonce against what was sent. The customer is the claim named by
``OPENTELLER_OIDC_CUSTOMER_CLAIM`` (default ``sub``).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from openteller.domain.errors import OpenTellerError


class SignInFailed(OpenTellerError):
    """The identity provider refused, or its answer did not check out."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """What the browser carries between the redirect to the provider and the callback."""

    state: str
    verifier: str
    nonce: str

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    @classmethod
    def new(cls) -> Attempt:
        return cls(secrets.token_urlsafe(24), secrets.token_urlsafe(48), secrets.token_urlsafe(24))


class OidcClient:
    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str | None = None,
        *,
        customer_claim: str = "sub",
        http: httpx.Client | None = None,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._secret = client_secret
        self.customer_claim = customer_claim
        self._http = http or httpx.Client(timeout=10.0)
        self._discovery: dict[str, Any] | None = None
        self._jwks: jwt.PyJWKClient | None = None

    def _config(self) -> dict[str, Any]:
        if self._discovery is None:
            try:
                response = self._http.get(f"{self.issuer}/.well-known/openid-configuration")
                response.raise_for_status()
                document = response.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise SignInFailed(f"cannot read the identity provider's discovery: {exc}") from exc
            if document.get("issuer", "").rstrip("/") != self.issuer:
                raise SignInFailed("the discovery document names another issuer")
            self._discovery = document
        return self._discovery

    def authorization_url(self, attempt: Attempt, redirect_uri: str) -> str:
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid",
            "state": attempt.state,
            "nonce": attempt.nonce,
            "code_challenge": attempt.challenge,
            "code_challenge_method": "S256",
        }
        return f"{self._config()['authorization_endpoint']}?{urlencode(params)}"

    def customer(self, attempt: Attempt, code: str, redirect_uri: str) -> str:
        """Exchange the code (with the PKCE verifier) and return the signed-in customer."""
        config = self._config()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": self.client_id,
            "code_verifier": attempt.verifier,
        }
        if self._secret:
            form["client_secret"] = self._secret
        try:
            response = self._http.post(config["token_endpoint"], data=form)
        except httpx.HTTPError as exc:
            raise SignInFailed(f"cannot reach the token endpoint: {exc}") from exc
        if not response.is_success:
            raise SignInFailed(f"the identity provider refused the code ({response.status_code})")
        id_token = response.json().get("id_token")
        if not isinstance(id_token, str):
            raise SignInFailed("the identity provider sent no ID token")
        if self._jwks is None:
            self._jwks = jwt.PyJWKClient(config["jwks_uri"])
        try:
            key = self._jwks.get_signing_key_from_jwt(id_token)
            claims = jwt.decode(
                id_token,
                key.key,
                algorithms=["RS256", "ES256", "PS256"],
                audience=self.client_id,
                issuer=config["issuer"],
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise SignInFailed(f"the ID token does not check out: {exc}") from exc
        if claims.get("nonce") != attempt.nonce:
            raise SignInFailed("the ID token's nonce is not the one sent")
        customer = claims.get(self.customer_claim)
        if not isinstance(customer, str) or not customer:
            raise SignInFailed(f"the ID token has no {self.customer_claim!r} claim")
        return customer
