"""Logs are JSON lines and never carry customer data, whatever the caller passes."""

from __future__ import annotations

import io
import json

from openteller.logs import REDACTED, configure, get_logger


def test_log_lines_are_json_with_customer_data_redacted() -> None:
    stream = io.StringIO()
    configure("INFO", stream)
    get_logger("test").info(
        "answered",
        channel="messenger",
        text="how much on coffee",
        amount="34.51",
        psid="1254459154682919",
        card_number="4111111111111111",
        events=2,
    )
    get_logger("test").debug("hidden at INFO")
    (line,) = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["event"] == "answered" and record["level"] == "info"
    assert record["channel"] == "messenger" and record["events"] == 2
    for key in ("text", "amount", "psid", "card_number"):
        assert record[key] == REDACTED
    assert "4111" not in line and "coffee" not in line and "34.51" not in line
