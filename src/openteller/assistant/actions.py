"""The small interfaces the assistant acts through (implemented outside it).

* :class:`BankActions`: the bank's core for card controls. OpenTeller ships a simulated
  core (``services.cards``) for the demo and tests; a bank plugs in its own.
* :class:`Handoffs`: where questions for a person at the bank go.
* :class:`PrivacyActions`: the customer's own consents, export and erasure.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Card:
    account_id: str
    label: str  # e.g. "Credit card ••1111"
    frozen: bool


class BankActions(Protocol):
    def cards(self, customer: str) -> list[Card]: ...

    def set_frozen(self, customer: str, account_id: str, frozen: bool, *, actor: str) -> Card: ...


class Handoffs(Protocol):
    def open(self, customer: str, *, channel: str, intent: str, question: str) -> str: ...


class PrivacyActions(Protocol):
    def consents_text(self, customer: str) -> str: ...

    def revoke_channel(self, customer: str, channel: str) -> int: ...

    def erase(self, customer: str) -> None: ...

    def stop_insights(self, customer: str, channel: str) -> str:
        """Stop every kind of proactive insight; returns what to tell the customer."""
        ...
