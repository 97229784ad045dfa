from datetime import date

from openteller.store.ledger_codec import (
    LedgerRow,
    decode_numeric,
    decode_rows,
    encode_details,
    encode_numeric,
)


def _row(i: int, **overrides: object) -> LedgerRow:
    values: dict[str, object] = {
        "id": "",  # not stored: derived on read from the key
        "key": f"id:{i}",
        "booking_date": date(2024, 3, 1 + i % 28),
        "value_date": date(2024, 3, 2) if i % 2 else None,
        "amount_minor": -(100 + i),
        "currency": "EUR" if i % 3 else "USD",
        "category": i % 5,
        "pending": i % 4 == 0,
        "description": f"CARD PAYMENT Ü {i}",
        "merchant": ["Tesco", "Starbucks", ""][i % 3],
        "mcc": "5411" if i % 2 else "",
        "counterparty": "Bob" if i % 2 else "",
        "reference": f"r{i}",
    }
    values.update(overrides)
    return LedgerRow(**values)  # type: ignore[arg-type]


def test_rows_round_trip_through_both_parts() -> None:
    rows = [_row(i) for i in range(50)]
    assert decode_rows(encode_numeric(rows), encode_details(rows)) == rows


def test_numeric_part_answers_sums_without_the_details() -> None:
    rows = [_row(i) for i in range(10)]
    numeric = decode_numeric(encode_numeric(rows))
    assert len(numeric) == 10
    assert int(numeric.amount.sum()) == -sum(100 + i for i in range(10))
    tesco = numeric.merchants.index("Tesco")
    assert int((numeric.merchant == tesco).sum()) == 4  # i = 0, 3, 6, 9


def test_empty_block_round_trips() -> None:
    assert decode_rows(encode_numeric([]), encode_details([])) == []


def test_blocks_written_by_the_first_layout_still_decode() -> None:
    """OTL1 blocks (JSON header first) from earlier databases read the same."""
    import json
    import struct

    import numpy as np

    header = json.dumps({"n": 2, "merchants": ["Tesco", "Acme"], "currencies": ["GBP"]}).encode()
    columns = [
        np.array([738000, 738001], dtype="<i4"),
        np.array([-1250, 400], dtype="<i8"),
        np.array([1, 17], dtype="<i2"),
        np.array([0, 1], dtype="<i4"),
        np.array([0, 0], dtype="<i2"),
        np.array([1, 0], dtype="u1"),
    ]
    blob = (
        b"OTL1" + struct.pack("<I", len(header)) + header + b"".join(c.tobytes() for c in columns)
    )
    numeric = decode_numeric(blob)
    assert numeric.amount.tolist() == [-1250, 400]
    assert numeric.merchants == ["Tesco", "Acme"] and numeric.currencies == ["GBP"]
    assert numeric.flags.tolist() == [1, 0]
