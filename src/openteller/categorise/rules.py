"""Customer rules: a customer's own "this is that" that wins over everything else."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from openteller.domain.categories import Category


@dataclass(frozen=True, slots=True)
class CustomerRule:
    """``pattern`` is a case-insensitive substring, or a regular expression written as
    ``/regex/``, matched against the merchant name and the raw description. Optional amount
    bounds apply to the signed amount (``max_amount=0`` means money out only)."""

    pattern: str
    category: Category
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    _compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        text = self.pattern.strip()
        if not text or text == "//":
            raise ValueError("a category rule needs a non-empty pattern")
        if len(text) > 2 and text.startswith("/") and text.endswith("/"):
            try:
                compiled = re.compile(text[1:-1], re.IGNORECASE)
            except re.error as exc:
                raise ValueError(
                    f"rule pattern {self.pattern!r} is not a valid regex: {exc}"
                ) from exc
        else:
            compiled = re.compile(re.escape(text), re.IGNORECASE)
        object.__setattr__(self, "_compiled", compiled)
        if (
            self.min_amount is not None
            and self.max_amount is not None
            and self.min_amount > self.max_amount
        ):
            raise ValueError(
                f"rule {self.pattern!r}: min_amount {self.min_amount} "
                f"> max_amount {self.max_amount}"
            )

    def matches(self, merchant: str, description: str, amount: Decimal) -> bool:
        if self.min_amount is not None and amount < self.min_amount:
            return False
        if self.max_amount is not None and amount > self.max_amount:
            return False
        return bool(self._compiled.search(merchant) or self._compiled.search(description))

    def to_dict(self) -> dict[str, str | None]:
        return {
            "pattern": self.pattern,
            "category": self.category.slug,
            "min_amount": None if self.min_amount is None else str(self.min_amount),
            "max_amount": None if self.max_amount is None else str(self.max_amount),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CustomerRule:
        try:
            pattern = str(data["pattern"])
            category = Category.from_slug(str(data["category"]))
        except KeyError as exc:
            raise ValueError(f"a category rule needs {exc.args[0]!r}") from exc
        return cls(
            pattern,
            category,
            _amount(data.get("min_amount"), "min_amount"),
            _amount(data.get("max_amount"), "max_amount"),
        )


def _amount(value: object, name: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"rule {name}: not an amount: {value!r}") from exc
