"""Sealed button payloads: opaque, authenticated and short-lived.

A button's real payload (``alert-no:A123``, a quick reply's words) never leaves the bank
in clear: the channel carries a sealed stand-in, encrypted and authenticated with the
bank's queue key and bound to one audience (a Messenger PSID, a signed-in web customer).
A changed, expired or other-audience token opens to nothing, so it is refused.
Single use is the business rule's job (an alert answered once stays answered).
"""

from __future__ import annotations

import base64
import json
import time

from openteller.privacy.cipher import CustomerCipher, DecryptionError

PREFIX = "ot1."
LIFETIME = 24 * 3600  # a button stays usable for a day


class SealedPayloads:
    def __init__(self, cipher: CustomerCipher, lifetime: int = LIFETIME) -> None:
        self._cipher = cipher
        self._lifetime = lifetime

    def seal(self, audience: str, payload: str, *, now: float | None = None) -> str:
        expires = int((now if now is not None else time.time()) + self._lifetime)
        sealed = self._cipher.encrypt(
            json.dumps([payload, expires]).encode(), f"payload:{audience}"
        )
        return PREFIX + base64.urlsafe_b64encode(sealed).decode().rstrip("=")

    def open(self, audience: str, token: str, *, now: float | None = None) -> str | None:
        """The payload, or None for a token that is not ours, altered, expired or sealed
        for someone else."""
        if not token.startswith(PREFIX):
            return None
        body = token[len(PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            payload, expires = json.loads(self._cipher.decrypt(raw, f"payload:{audience}"))
        except (ValueError, TypeError, DecryptionError):
            return None
        moment = now if now is not None else time.time()
        if not isinstance(payload, str) or not isinstance(expires, int) or expires < moment:
            return None
        return payload
