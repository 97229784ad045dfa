from datetime import date

from openteller.ingest.dedupe import DedupeKeys


def _key(keys: DedupeKeys, bank_id: str = "", description: str = "COFFEE") -> str:
    return keys.key(
        account="a",
        bank_id=bank_id,
        booking_date=date(2024, 1, 5),
        amount_minor=-450,
        currency="USD",
        description=description,
    )


def test_bank_ids_win() -> None:
    assert _key(DedupeKeys(), bank_id="FIT1") == "id:FIT1"


def test_same_purchase_twice_in_a_file_gives_two_keys_and_a_reingest_the_same_two() -> None:
    first = DedupeKeys()
    keys_first = [_key(first), _key(first)]
    assert keys_first[0] != keys_first[1]
    second = DedupeKeys()
    assert [_key(second), _key(second)] == keys_first


def test_whitespace_and_case_do_not_change_the_content_key() -> None:
    assert _key(DedupeKeys(), description="Coffee  ") == _key(DedupeKeys(), description="COFFEE")


def test_content_keys_are_the_ones_earlier_versions_stored() -> None:
    """Keys are stored: a new formula would make every re-ingest add duplicates."""
    keys = DedupeKeys()
    first, second = (
        keys.key(
            account="5f0c",
            bank_id="",
            booking_date=date(2024, 1, 5),
            amount_minor=-450,
            currency="USD",
            description=text,
        )
        for text in (" Blue  Bottle\tCOFFEE ", "blue bottle coffee")
    )
    assert (first, second) == ("h:2fae996ccaebe07e231400c8#1", "h:2fae996ccaebe07e231400c8#2")
    assert DedupeKeys().key_on_day("5f0c", "", date(2024, 1, 5).toordinal(), -450, "USD", "X") == (
        DedupeKeys().key(
            account="5f0c",
            bank_id="",
            booking_date=date(2024, 1, 5),
            amount_minor=-450,
            currency="USD",
            description="x",
        )
    )
