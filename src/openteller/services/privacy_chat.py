"""The customer's own privacy requests made in a conversation ("what have I consented
to?", "stop sharing my data with Messenger", "delete my data")."""

from __future__ import annotations

from collections.abc import Callable

from openteller.domain.consent import ConsentStatus
from openteller.services.consents import ConsentService
from openteller.services.erasure import ErasureService
from openteller.services.insights import KINDS, InsightService


class ChatPrivacy:
    def __init__(
        self,
        consents: ConsentService,
        erasure: ErasureService,
        insights: Callable[[], InsightService] | None = None,
    ) -> None:
        self._consents = consents
        self._erasure = erasure
        self._insights = insights

    def stop_insights(self, customer: str, channel: str) -> str:
        """Every kind of insight muted (fraud alerts are not insights and still come)."""
        if self._insights is None:
            return "This bank sends no insights here, so there is nothing to stop."
        insights = self._insights()
        for kind in KINDS:
            insights.stop(customer, kind, actor=f"customer:{channel}")
        return (
            "Done: no more insights (" + ", ".join(KINDS.values()) + "). Fraud alerts "
            "still reach you. You can turn insights back on in your privacy settings."
        )

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
