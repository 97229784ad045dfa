"""Structured JSON logs (structlog), with customer data redacted by default.

Every log line is one JSON object. Keys that could carry customer data (message texts,
amounts, descriptions, merchants, account or card numbers, tokens, platform ids) are
replaced by ``"[redacted]"`` whatever the caller passes, so a careless log call cannot
leak them.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

REDACTED = "[redacted]"
SENSITIVE = frozenset(
    {
        "text",
        "message",
        "body",
        "payload",
        "amount",
        "amounts",
        "balance",
        "description",
        "merchant",
        "counterparty",
        "account",
        "account_number",
        "card",
        "card_number",
        "iban",
        "token",
        "access_token",
        "secret",
        "password",
        "psid",
        "sender",
        "recipient",
        "customer",
        "question",
        "answer",
        "authorization_code",
        "location",
    }
)


def redact(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if key.lower() in SENSITIVE:
            event[key] = REDACTED
    return event


def configure(level: str = "INFO", stream: TextIO | None = None) -> None:
    """JSON lines on ``stream`` (standard error by default) at ``level``."""
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
