"""The customer's own privacy requests made in a conversation ("what have I consented
to?", "stop sharing my data with Messenger", "delete my data")."""

from __future__ import annotations

from openteller.domain.consent import ConsentStatus
from openteller.services.consents import ConsentService
from openteller.services.erasure import ErasureService


class ChatPrivacy:
    def __init__(self, consents: ConsentService, erasure: ErasureService) -> None:
        self._consents = consents
        self._erasure = erasure

    def consents_text(self, customer: str) -> str:
        views = self._consents.list(customer)
        if not views:
            return (
                "You have given no consents to other apps: only the bank's own channels "
                "answer your questions."
            )
        lines = []
        for view in views:
            purposes = ", ".join(sorted(p.label for p in view.consent.purposes))
            lines.append(
                f"• {view.consent.channel}: {purposes} — {view.status.value}, "
                f"until {view.consent.expires_at:%d %b %Y}"
            )
        return "Your consents:\n" + "\n".join(lines)

    def revoke_channel(self, customer: str, channel: str) -> int:
        revoked = 0
        for view in self._consents.list(customer):
            if view.consent.channel == channel and view.status in (
                ConsentStatus.AUTHORISED,
                ConsentStatus.AWAITING_AUTHORISATION,
            ):
                self._consents.revoke(customer, view.consent.id, actor=f"customer:{channel}")
                revoked += 1
        return revoked

    def erase(self, customer: str) -> None:
        self._erasure.erase(customer, actor="customer")
