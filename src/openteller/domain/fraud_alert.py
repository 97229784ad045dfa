"""A fraud alert as the bank posts it: the fields checked, and the question put to the
customer ("Was this you?") with its two answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from openteller.domain.errors import InvalidAmount, InvalidCurrency, OpenTellerError
from openteller.domain.money import check_currency, parse_amount

#: No card payment is this large: a bigger amount is a mistake in the post.
MAX_ALERT_AMOUNT = Decimal("1e12")


class AlertInvalid(OpenTellerError):
    """An alert body that misses or breaks a field (named in the message)."""


@dataclass(frozen=True, slots=True)
class Alert:
    alert_id: str
    customer: str
    merchant: str
    amount: Decimal
    currency: str
    card_last4: str
    reason: str
    expires_at: datetime

    @classmethod
    def parse(cls, data: Any, now: datetime) -> Alert:
        if not isinstance(data, dict):
            raise AlertInvalid("the body must be a JSON object")

        def text(name: str, source: dict[str, Any] = data, required: bool = True) -> str:
            value = source.get(name)
            if value is None and not required:
                return ""
            if not isinstance(value, str) or not value.strip():
                where = "transaction." if source is not data else ""
                raise AlertInvalid(f"{where}{name}: a non-empty string is required")
            return value.strip()[:200]

        transaction = data.get("transaction")
        if not isinstance(transaction, dict):
            raise AlertInvalid("transaction: an object with amount, currency and merchant")
        raw_amount = transaction.get("amount")
        if isinstance(raw_amount, bool) or not isinstance(raw_amount, str | int | float):
            raise AlertInvalid("transaction.amount: a decimal number is required")
        try:
            amount = parse_amount(str(raw_amount))
        except InvalidAmount:
            raise AlertInvalid(
                f"transaction.amount: a decimal number is required, not {raw_amount!r}"
            ) from None
        if amount.copy_abs() >= MAX_ALERT_AMOUNT:
            raise AlertInvalid(f"transaction.amount: {raw_amount!r} is out of range")
        try:
            currency = check_currency(text("currency", transaction))
        except InvalidCurrency:
            raise AlertInvalid(
                "transaction.currency: an ISO 4217 code such as USD or EUR is required, "
                f"not {transaction.get('currency')!r}"
            ) from None
        expires = now + timedelta(hours=24)
        if data.get("expires_at") is not None:
            try:
                expires = datetime.fromisoformat(text("expires_at"))
            except ValueError:
                raise AlertInvalid("expires_at: an ISO 8601 time is required") from None
            if expires.tzinfo is None:
                expires = expires.replace(tzinfo=UTC)
            if expires <= now:
                raise AlertInvalid(
                    f"expires_at: {data['expires_at']!r} has passed; the customer could no "
                    "longer answer"
                )
        last4 = text("card_last4", data, required=False)
        if last4 and not (len(last4) == 4 and last4.isdigit()):
            raise AlertInvalid("card_last4: four digits (never a full card number)")
        return cls(
            alert_id=text("alert_id"),
            customer=text("customer"),
            merchant=text("merchant", transaction),
            amount=abs(amount),
            currency=currency,
            card_last4=last4,
            reason=text("reason", data, required=False),
            expires_at=expires,
        )


def alert_question(alert: Alert, details_link: str | None = None) -> str:
    """ "Was this you?" in plain words; with ``details_link`` (discreet mode) the amount
    and merchant stay on the bank's side, behind the link."""
    card = f" on your card ending {alert.card_last4}" if alert.card_last4 else ""
    what = (
        f"a payment{card} (details: {details_link})"
        if details_link
        else f"a payment of {alert.amount} {alert.currency} at {alert.merchant}{card}"
    )
    return f"Fraud check from your bank: was this you? {what[0].upper()}{what[1:]}."


ANSWERS = (("Yes, it was me", "alert-yes:"), ("No, freeze my card", "alert-no:"))
