import pytest

from openteller.domain.errors import MasterKeyError
from openteller.privacy.cipher import CustomerCipher, DecryptionError
from openteller.privacy.keys import (
    LocalMasterKey,
    decode_master_key,
    generate_master_key_text,
    key_check_value,
    new_data_key,
    verify_key_check,
)


def test_data_keys_wrap_and_unwrap_bound_to_their_customer() -> None:
    master = LocalMasterKey(decode_master_key(generate_master_key_text(), "test"))
    data_key = new_data_key()
    wrapped = master.wrap(data_key, b"customer-1")
    assert data_key not in wrapped
    assert master.unwrap(wrapped, b"customer-1") == data_key
    with pytest.raises(MasterKeyError):
        master.unwrap(wrapped, b"customer-2")


def test_a_different_master_key_is_recognised() -> None:
    right = LocalMasterKey(bytes(32))
    wrong = LocalMasterKey(bytes([1]) * 32)
    check = key_check_value(right)
    verify_key_check(right, check)
    with pytest.raises(MasterKeyError, match="does not match this database"):
        verify_key_check(wrong, check)


@pytest.mark.parametrize("text", ["", "short", "zz" * 32, "A" * 10])
def test_malformed_master_keys_are_refused_with_the_origin(text: str) -> None:
    with pytest.raises(MasterKeyError, match="OPENTELLER_MASTER_KEY"):
        decode_master_key(text, "OPENTELLER_MASTER_KEY")


def test_hex_master_keys_are_accepted() -> None:
    assert decode_master_key("ab" * 32, "x") == bytes([0xAB]) * 32


def test_master_key_repr_hides_the_key() -> None:
    assert "***" in repr(LocalMasterKey(bytes(32)))
    assert "***" in repr(CustomerCipher(bytes(32)))


def test_ciphertexts_open_only_in_their_own_place() -> None:
    cipher = CustomerCipher(new_data_key())
    blob = cipher.encrypt(b"STARBUCKS 4.50", "ledger:a:202401:n")
    assert b"STARBUCKS" not in blob
    assert cipher.decrypt(blob, "ledger:a:202401:n") == b"STARBUCKS 4.50"
    with pytest.raises(DecryptionError):
        cipher.decrypt(blob, "ledger:b:202401:n")
    with pytest.raises(DecryptionError):
        CustomerCipher(new_data_key()).decrypt(blob, "ledger:a:202401:n")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(DecryptionError):
        cipher.decrypt(tampered, "ledger:a:202401:n")


def test_stable_ids_are_stable_per_key_and_unlinkable_across_keys() -> None:
    key = new_data_key()
    assert CustomerCipher(key).stable_id("tx", "a", "id:1") == CustomerCipher(key).stable_id(
        "tx", "a", "id:1"
    )
    assert CustomerCipher(key).stable_id("tx", "a", "id:1") != CustomerCipher(
        new_data_key()
    ).stable_id("tx", "a", "id:1")
    assert len(CustomerCipher(key).stable_id("x")) == 26
