"""The transaction record scored for fraud, time in integer microseconds, and the errors.

Times: ``RiskTransaction.when`` is a ``datetime``; a naive one is taken as UTC, an aware
one is converted to UTC. Internally every time is an integer count of microseconds since
1970-01-01T00:00Z so that window bounds compare exactly.

Amounts are ``float`` (the model is numeric; the handbook's amounts have two decimals).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from openteller.domain.errors import IngestError, OpenTellerError

MICROS_PER_SECOND = 1_000_000
HOUR = 3_600 * MICROS_PER_SECOND
DAY = 24 * HOUR
LABEL_DELAY_DAYS = 7  # the handbook's feedback delay: a label counts once this old
WINDOWS_DAYS = (1, 7, 30)  # the handbook's feature windows

_EPOCH_AWARE = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_NAIVE = datetime(1970, 1, 1)
_ONE_MICRO = timedelta(microseconds=1)


class RiskError(OpenTellerError):
    """A risk model or transaction that cannot be used (wrong model file, bad record)."""


class RiskInputError(IngestError):
    """A transaction file that cannot be read; the message names file, line and column."""


@dataclass(frozen=True, slots=True)
class RiskTransaction:
    """One card transaction, with the handbook's fields.

    ``fraud`` is ``None`` while the bank does not know the outcome; a known outcome may
    influence scores only once it is at least :data:`LABEL_DELAY_DAYS` old.
    """

    transaction_id: str
    when: datetime
    customer_id: str
    terminal_id: str
    amount: float
    fraud: bool | None = None


def to_micros(when: datetime) -> int:
    """Microseconds since the Unix epoch, UTC (a naive ``when`` is taken as UTC)."""
    if when.tzinfo is None:
        return (when - _EPOCH_NAIVE) // _ONE_MICRO
    return (when - _EPOCH_AWARE) // _ONE_MICRO


def from_micros(micros: int) -> datetime:
    """The naive UTC ``datetime`` of :func:`to_micros`'s count."""
    return _EPOCH_NAIVE + timedelta(microseconds=micros)
