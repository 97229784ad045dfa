"""Signed session tokens for the bank's own web pages (web chat, privacy dashboard).

A token names the customer and an expiry, MAC'd with a key derived from the bank's link
key; it is kept in an HttpOnly, SameSite cookie. In production the bank's sign-in sets
it; the demo prints a link that signs a demo customer in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

COOKIE = "ot_session"
LIFETIME = 8 * 3600


class Sessions:
    def __init__(self, key: bytes) -> None:
        self._key = hashlib.sha256(b"openteller web session\x00" + key).digest()

    def _mac(self, body: str) -> str:
        digest = hmac.digest(self._key, body.encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def issue(self, customer: str, *, lifetime: int = LIFETIME, now: float | None = None) -> str:
        expires = int((now or time.time()) + lifetime)
        name = base64.urlsafe_b64encode(customer.encode()).decode().rstrip("=")
        body = f"{name}.{expires}"
        return f"{body}.{self._mac(body)}"

    def customer(self, token: str | None, *, now: float | None = None) -> str | None:
        """The signed-in customer, or None for a missing, forged or expired token."""
        if not token or token.count(".") != 2:
            return None
        name, expires, mac = token.split(".")
        if not hmac.compare_digest(mac, self._mac(f"{name}.{expires}")):
            return None
        if not expires.isdigit() or int(expires) < (now or time.time()):
            return None
        try:
            return base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            return None
