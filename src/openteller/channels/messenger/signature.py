"""Webhook verification: the subscribe handshake and ``X-Hub-Signature-256``.

Meta signs the raw request body with the app secret (HMAC-SHA256) and sends
``sha256=<hex>``. The signature is checked on the exact bytes received, before any
parsing: re-serialising JSON would change escaped unicode such as ``\\u00e4`` and break
it. Comparisons are constant-time.
"""

from __future__ import annotations

import hashlib
import hmac

_PREFIX = "sha256="


def sign(app_secret: bytes, body: bytes) -> str:
    """The header value Meta would send for ``body``."""
    return _PREFIX + hmac.new(app_secret, body, hashlib.sha256).hexdigest()


def valid_signature(app_secret: bytes, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith(_PREFIX):
        return False
    expected = sign(app_secret, body)
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def verify_subscription(
    mode: str | None, token: str | None, challenge: str | None, verify_token: str
) -> str | None:
    """The challenge to echo when the handshake is right, else None (answer 403)."""
    if mode != "subscribe" or token is None or challenge is None:
        return None
    if not hmac.compare_digest(token.encode(), verify_token.encode()):
        return None
    return challenge


def appsecret_proof(app_secret: bytes, access_token: str) -> str:
    """``appsecret_proof`` for Graph API calls: HMAC-SHA256 of the token."""
    return hmac.new(app_secret, access_token.encode(), hashlib.sha256).hexdigest()
