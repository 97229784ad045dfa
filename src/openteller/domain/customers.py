"""Banks and customers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bank:
    """A bank served by this deployment; each has its own master key provider."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Customer:
    """A bank's customer, known by the bank's own reference (``external_id``)."""

    id: str
    bank_id: str
    external_id: str
