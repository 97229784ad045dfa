"""Short-lived signed links to an answer held on the bank's side (discreet mode, G8).

A token names only a random reply id and an expiry, MAC'd with the bank's link key
(HMAC-SHA256): it carries no personal data, cannot be forged or extended, and stops
working when it expires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import datetime, timedelta

from openteller.domain.errors import OpenTellerError

DEFAULT_TTL = timedelta(minutes=10)
_TOKEN = re.compile(r"^([0-9a-f]{32})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$")


class LinkInvalid(OpenTellerError):
    """A reply link that is malformed, forged or expired."""


class ReplyLinks:
    def __init__(self, key: bytes, ttl: timedelta = DEFAULT_TTL) -> None:
        if len(key) < 32:
            raise ValueError("a reply link key needs at least 32 bytes")
        self._key = key
        self.ttl = ttl

    def _mac(self, reply_id: str, expires: int) -> str:
        digest = hmac.digest(self._key, f"reply:{reply_id}:{expires}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def mint(self, reply_id: str, now: datetime) -> tuple[str, datetime]:
        """A token for ``reply_id`` and when it expires."""
        expires_at = now + self.ttl
        expires = int(expires_at.timestamp())
        return f"{reply_id}.{expires}.{self._mac(reply_id, expires)}", expires_at

    def open(self, token: str, now: datetime) -> str:
        """The reply id of a valid, unexpired token; :class:`LinkInvalid` otherwise."""
        match = _TOKEN.match(token)
        if match is None:
            raise LinkInvalid("this link is not valid")
        reply_id, expires_text, mac = match.groups()
        expires = int(expires_text)
        if not hmac.compare_digest(mac, self._mac(reply_id, expires)):
            raise LinkInvalid("this link is not valid")
        if now.timestamp() >= expires:
            raise LinkInvalid("this link has expired: ask again in the chat")
        return reply_id
