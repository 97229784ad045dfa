"""Skills that act or look things up: ATMs, card freeze/unfreeze, privacy, handoffs.

Actions that change something (freeze a card, revoke a consent, erase data) are only
proposed here; the engine asks the customer to confirm and calls :meth:`confirm`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from openteller.assistant.actions import BankActions, Card, Handoffs, PrivacyActions
from openteller.assistant.replies import Button, QuickReply, Reply
from openteller.assistant.slots import Slots
from openteller.atm.geo import AtmFilters, Nearby, format_distance
from openteller.atm.model import AtmSearchError
from openteller.atm.places import Place


class AtmFinder(Protocol):
    def place(self, text: str) -> Place: ...

    def near(self, place: Place, k: int = 3, filters: AtmFilters | None = None) -> Any: ...


#: ATMs farther than this are no answer to "nearest" (unless none is closer).
NEARBY_KM = 100


@dataclass(frozen=True, slots=True)
class Pending:
    """An action waiting for the customer's yes."""

    kind: str  # freeze | unfreeze | revoke | erase
    target: str = ""  # account id or channel
    label: str = ""


_WHERE = re.compile(
    r"\b(?:near|in|around|close to|at|by)\s+([A-Za-z][A-Za-z0-9 .,'/-]{1,60}|\d{5})\s*\??$", re.I
)
# Where a place named at the end of a message stops and what it asks of the ATM begins
# ("in Boston open now", "in Leeds that takes deposits", "near Bath with no fees please")
_AFTER_PLACE = re.compile(
    r"\s+(?:that|which|with|without|open|opened|taking|takes?|accepting|accepts?|for|no|"
    r"fee|fees|free|24|wheelchair|accessible|please|now|today|right|tonight)\b.*$",
    re.I,
)
_ZIP = re.compile(r"\b(\d{5})\b")
_ME = re.compile(r"\b(?:near me|nearby|close by|closest|nearest|around here)\b", re.I)


def atm_filters(text: str) -> AtmFilters:
    lowered = text.lower()
    return AtmFilters(
        open_now=bool(re.search(r"\bopen (?:now|right now)\b", lowered)),
        open_24h=bool(re.search(r"\b24[ -]?(?:hours?|h|/7)\b", lowered)),
        deposits=bool(re.search(r"\bdeposit", lowered)),
        accessible=bool(re.search(r"\b(?:wheelchair|accessible|accessibility)\b", lowered)),
        fee_free=bool(re.search(r"\b(?:no fees?|fee[- ]free|without fees?|free)\b", lowered)),
    )


def place_text(text: str) -> str | None:
    """The place a message names ("atm near 10001", "atms in Manchester"), if any."""
    zip_code = _ZIP.search(text)
    if zip_code:
        return zip_code.group(1)
    found = _WHERE.search(text.strip())
    if found:
        candidate = _AFTER_PLACE.sub("", found.group(1)).strip(" .,?")
        if not _ME.fullmatch(candidate) and candidate.lower() not in {"me", "here", "the area"}:
            return candidate
    return None


class ServiceSkills:
    def __init__(
        self,
        *,
        atms: AtmFinder | None = None,
        cards: BankActions | None = None,
        handoffs: Handoffs | None = None,
        privacy: PrivacyActions | None = None,
    ) -> None:
        self._atms = atms
        self._cards = cards
        self._handoffs = handoffs
        self._privacy = privacy

    # -- ATMs ----------------------------------------------------------------------------
    def atm(
        self, text: str, location: tuple[float, float] | None = None
    ) -> tuple[Reply, dict[str, Any]]:
        if self._atms is None:
            return Reply("ATM search is not set up at this bank yet."), {"error": "unavailable"}
        filters = atm_filters(text)
        named = place_text(text)  # a place named now wins over a location shared before
        if named is None and location is not None:
            place = Place("your location", location[0], location[1])
        else:
            if named is None:
                return (
                    Reply(
                        "Where are you? Share your location, or tell me a city or ZIP code "
                        '(e.g. "ATMs in Manchester" or "ATM near 10001").',
                        quick_replies=(QuickReply("Share location", "share location"),),
                    ),
                    {"needs": "location"},
                )
            try:
                place = self._atms.place(named)
            except AtmSearchError as exc:  # a place we cannot find is an answer
                reason = str(exc)
                return Reply(f"Sorry, I {reason}."), {"error": "unknown_place", "place": named}
        search = self._atms.near(place, 3, filters)
        results: list[Nearby] = list(search.results)
        if not results:
            return (
                Reply(f"I found no ATM{_filter_words(filters)} near {place.name}."),
                {"atms": [], "place": place.name},
            )
        near = [found for found in results if found.distance_km <= NEARBY_KM]
        if near:
            results = near
            lines = [f"Nearest ATMs{_filter_words(filters)} to {place.name}:"]
        else:  # nothing close: the nearest only, said to be far
            results = results[:1]
            lines = [
                f"No ATM{_filter_words(filters)} within {NEARBY_KM} km of {place.name}; "
                "the nearest:"
            ]
        for found in results:
            atm = found.atm
            where = ", ".join(p for p in (atm.address, atm.town, atm.postcode) if p)
            lines.append(
                f"• {format_distance(found.distance_km)}: {atm.name}, {where}. "
                f"{atm.hours_text}. Map: {found.map_link}"
            )
        data = {
            "place": place.name,
            "atms": [
                {
                    "name": f.atm.name,
                    "address": f.atm.address,
                    "town": f.atm.town,
                    "postcode": f.atm.postcode,
                    "distance_km": round(f.distance_km, 3),
                    "hours": f.atm.hours_text,
                    "map": f.map_link,
                }
                for f in results
            ],
        }
        buttons = tuple(Button("Map", url=f.map_link) for f in results[:1])
        return Reply("\n".join(lines), buttons=buttons), data

    # -- cards ---------------------------------------------------------------------------
    def propose_card_change(
        self, customer: str, slots: Slots, *, freeze: bool, text: str = ""
    ) -> tuple[Reply, Pending | None, dict[str, Any]]:
        """Ask to confirm freezing (or unfreezing) the card the message names ("my credit
        card", "the one ending 1111", "debit"); when several fit, ask which, and take the
        next message as the answer."""
        if self._cards is None:
            return Reply("Card controls are not available here yet."), None, {}
        cards = self._cards.cards(customer)
        named = names_card(text)
        if slots.account and slots.account.isdigit():
            cards = [c for c in cards if c.label.endswith(slots.account)]
        elif named is not None:
            cards = [c for c in cards if _fits(c, named)]
        elif slots.account == "credit_card":
            cards = [c for c in cards if c.label.startswith("Credit")]
        candidates = [c for c in cards if c.frozen != freeze]
        verb = "freeze" if freeze else "unfreeze"
        if not cards:
            return Reply("I can't find that card among yours."), None, {"error": "no_such_card"}
        if not candidates:
            state = "already frozen" if freeze else "not frozen"
            return (
                Reply(f"{_labels(cards)} {'is' if len(cards) == 1 else 'are'} {state}."),
                None,
                {},
            )
        if len(candidates) > 1:
            choices = tuple(
                QuickReply(c.label[-20:], f"{verb} card ending {c.label[-4:]}")
                for c in candidates[:13]
            )
            return (
                Reply(f"Which card should I {verb}?", quick_replies=choices),
                Pending(f"choose_{verb}"),
                {"needs": "card"},
            )
        card = candidates[0]
        pending = Pending(verb, card.account_id, card.label)
        question = (
            f"Freeze your {card.label}? Payments and withdrawals will be declined until you "
            "unfreeze it."
            if freeze
            else f"Unfreeze your {card.label}?"
        )
        return Reply(question, quick_replies=_yes_no()), pending, {"card": card.label}

    # -- privacy -------------------------------------------------------------------------
    def consents(self, customer: str) -> Reply:
        if self._privacy is None:
            return Reply("Ask the bank to see your consents.")
        return Reply(self._privacy.consents_text(customer))

    def stop_insights(self, customer: str, channel: str) -> Reply:
        if self._privacy is None:
            return Reply("Ask the bank to stop its insights.")
        return Reply(self._privacy.stop_insights(customer, channel))

    def propose_revoke(self, channel: str) -> tuple[Reply, Pending]:
        return (
            Reply(
                f"Stop sharing your data with {channel}? I will no longer answer you there "
                "until you link your account again.",
                quick_replies=_yes_no(),
            ),
            Pending("revoke", channel, channel),
        )

    def propose_erase(self) -> tuple[Reply, Pending]:
        return (
            Reply(
                "Erase everything the bank's assistant holds about you? Your transactions, "
                "balances and consents here are deleted for good (your bank account itself "
                "is not closed). This cannot be undone.",
                quick_replies=_yes_no(),
            ),
            Pending("erase"),
        )

    def confirm(self, customer: str, pending: Pending, *, actor: str) -> Reply:
        if pending.kind in ("freeze", "unfreeze") and self._cards is not None:
            card: Card = self._cards.set_frozen(
                customer, pending.target, pending.kind == "freeze", actor=actor
            )
            if card.frozen:
                return Reply(
                    f'Done: your {card.label} is frozen. Say "unfreeze my card" when you '
                    "find it; if it was stolen, tell me and I'll pass you to the bank."
                )
            return Reply(f"Done: your {card.label} works again.")
        if pending.kind == "revoke" and self._privacy is not None:
            count = self._privacy.revoke_channel(customer, pending.target)
            return Reply(
                f"Done: {pending.target} no longer receives your data ({count} consent"
                f"{'' if count == 1 else 's'} revoked)."
                if count
                else f"You had no active consent for {pending.target}."
            )
        if pending.kind == "erase" and self._privacy is not None:
            self._privacy.erase(customer)
            return Reply("Done: your data here has been erased. Goodbye.")
        return Reply("That can't be done here.")

    def card_states(self, customer: str, text: str) -> tuple[Reply, dict[str, Any]]:
        """Whether each card (or the one the message names) is frozen: "is my card
        frozen?", "card status"."""
        if self._cards is None:
            return Reply("Card controls are not available here yet."), {}
        cards = self._cards.cards(customer)
        named = names_card(text)
        if named is not None and any(_fits(c, named) for c in cards):
            cards = [c for c in cards if _fits(c, named)]
        if not cards:
            return Reply("I can't find any card of yours."), {"cards": []}
        lines = [
            f"Your {c.label} is frozen: payments and withdrawals with it are declined."
            if c.frozen
            else f"Your {c.label} is active (not frozen)."
            for c in cards
        ]
        frozen = [c for c in cards if c.frozen]
        quick = (QuickReply("Unfreeze my card", "unfreeze my card"),) if frozen else ()
        data = {"cards": [{"card": c.label, "frozen": c.frozen} for c in cards]}
        return Reply("\n".join(lines), quick_replies=quick), data

    def frozen_cards(self, customer: str) -> list[str]:
        """The labels of the customer's frozen cards (none without card controls)."""
        if self._cards is None:
            return []
        return [card.label for card in self._cards.cards(customer) if card.frozen]

    # -- handoffs ------------------------------------------------------------------------
    def hand_off(self, customer: str, channel: str, intent: str, question: str) -> str | None:
        if self._handoffs is None:
            return None
        return self._handoffs.open(customer, channel=channel, intent=intent, question=question)


_CARD_DIGITS = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_CARD_KIND = re.compile(r"(?i)\b(credit|debit)\b")


# "is my card frozen?", "are my cards still blocked?", "card status", "did you freeze my
# card?": a question about the cards' state, not a request to change it
_CARD_STATE = re.compile(
    r"(?i)\b(?:is|are|was|were)\s+(?:my|the|both(?:\s+of)?\s+my|all(?:\s+of)?\s+my)\s+"
    r"(?:\w+\s+){0,2}cards?\s+(?:\w+\s+){0,2}?(?:still\s+|now\s+|currently\s+)?"
    r"(?:frozen|locked|blocked|active|working|usable|enabled|disabled|on|off|unfrozen|unlocked|"
    r"unblocked)\b"
    r"|\bcards?\s+status\b|\bstatus\s+of\s+(?:my|the)\s+(?:\w+\s+)?cards?\b"
    r"|\bwhich\s+(?:of\s+my\s+)?cards?\s+(?:is|are)\s+(?:frozen|locked|blocked|active)\b"
    r"|\b(?:did|have)\s+you\s+(?:already\s+)?(?:freeze|frozen|lock|locked|block|blocked)\s+"
    r"(?:my|the)\s+(?:\w+\s+)?card\b"
)


def asks_card_state(text: str) -> bool:
    """Whether a message asks if a card is frozen (rather than to freeze it)."""
    return bool(_CARD_STATE.search(text))


def names_card(text: str) -> str | None:
    """Which card a message names: four digits ("ending 1111"), "credit" or "debit"."""
    digits = _CARD_DIGITS.search(text)
    if digits:
        return digits.group(1)
    kind = _CARD_KIND.search(text)
    return kind.group(1).lower() if kind else None


def _fits(card: Card, named: str) -> bool:
    if named.isdigit():
        return card.label.endswith(named)
    return card.label.lower().startswith(named)


def _yes_no() -> tuple[QuickReply, ...]:
    return (QuickReply("Yes", "yes"), QuickReply("No", "no"))


def _labels(cards: list[Card]) -> str:
    return ", ".join(c.label for c in cards)


def _filter_words(filters: AtmFilters) -> str:
    words = [
        word
        for on, word in (
            (filters.open_now, "open now"),
            (filters.open_24h, "open 24 hours"),
            (filters.deposits, "taking deposits"),
            (filters.accessible, "wheelchair accessible"),
            (filters.fee_free, "fee-free"),
        )
        if on
    ]
    return f" ({', '.join(words)})" if words else ""
