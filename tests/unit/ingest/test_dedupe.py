from datetime import date

from openteller.ingest.dedupe import DedupeKeys, bank_id_key, content_digest


def _key(keys: DedupeKeys, bank_id: str = "", description: str = "COFFEE") -> str:
    """A transaction's key as ingest makes it: the bank's id, else its numbered content."""
    if bank_id:
        return bank_id_key(bank_id)
    day = date(2024, 1, 5).toordinal()
    return keys.numbered([content_digest("a", day, -450, "USD", description)])[0]


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
    day = date(2024, 1, 5).toordinal()
    first, second = DedupeKeys().numbered(
        [
            content_digest("5f0c", day, -450, "USD", text)
            for text in (" Blue  Bottle\tCOFFEE ", "blue bottle coffee")
        ]
    )
    assert (first, second) == ("h:2fae996ccaebe07e231400c8#1", "h:2fae996ccaebe07e231400c8#2")
    assert DedupeKeys().numbered([content_digest("5f0c", day, -450, "USD", "X")]) == (
        DedupeKeys().numbered([content_digest("5f0c", day, -450, "USD", "x")])
    )


def _digest(n: int) -> bytes:
    return content_digest("acct", 738000 + n % 400, -n, "USD", f"shop {n}")


def test_numbering_carries_across_batches_in_file_order() -> None:
    """Ingest numbers a flush at a time: a content seen in an earlier batch goes on from
    its earlier count, whatever the batch sizes."""
    digests = [_digest(n % 700) for n in range(3_000)]  # each content 4 or 5 times
    whole = DedupeKeys().numbered(digests)
    in_batches = DedupeKeys()
    batched: list[str] = []
    for start, end in ((0, 1), (1, 999), (999, 1000), (1000, 2500), (2500, 3000)):
        batched += in_batches.numbered(digests[start:end])
    assert batched == whole
    one_by_one = DedupeKeys()
    assert [one_by_one.numbered([d])[0] for d in digests[:800]] == whole[:800]
    assert whole[0] == f"h:{digests[0].hex()}#1"
    assert whole[700] == f"h:{digests[0].hex()}#2"
    assert whole[2800] == f"h:{digests[0].hex()}#5"
    assert len(set(whole)) == len(whole)


def test_what_is_remembered_of_earlier_batches_is_12_bytes_a_content() -> None:
    keys = DedupeKeys()
    for start in range(0, 100_000, 20_000):
        keys.numbered([_digest(n) for n in range(start, start + 20_000)])
        keys.numbered([_digest(n) for n in range(start, start + 100)])  # seen: no growth
    assert sum(seen.nbytes + counts.nbytes for seen, counts in keys._runs) == 100_000 * 12
    assert len(keys._runs) <= 3  # runs of like size are merged


def test_an_empty_batch_numbers_nothing_and_changes_nothing() -> None:
    keys = DedupeKeys()
    assert keys.numbered([]) == []
    first = keys.numbered([_digest(1)])
    assert keys.numbered([]) == []
    assert keys.numbered([_digest(1)]) == [first[0][:-1] + "2"]


def test_digests_sharing_their_first_8_bytes_still_get_unique_keys() -> None:
    """Earlier batches are remembered by 64-bit prefixes; a clash (odds 2^-64 a pair)
    may number two contents as one, but never gives two transactions one key."""
    a, b = bytes(8) + b"AAAA", bytes(8) + b"BBBB"
    keys = DedupeKeys()
    found = keys.numbered([a, b]) + keys.numbered([b, a]) + keys.numbered([b])
    assert len(set(found)) == len(found) == 5
    assert found[:2] == [f"h:{a.hex()}#1", f"h:{b.hex()}#1"]
