import pytest

from openteller.domain.accounts import mask
from openteller.domain.card_numbers import luhn_valid, mask_card_numbers, sanitise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("PAYMENT 4111111111111111 THANKS", "PAYMENT 411111******1111 THANKS"),
        ("card 4111 1111 1111 1111", "card 411111******1111"),
        ("card 5555-5555-5555-4444 x", "card 555555******4444 x"),
        ("AMEX 3782 822463 10005", "AMEX 378282*****0005"),
        ("19 digits 6011000990139424123", "19 digits 6011000990139424123"),  # not Luhn-valid
    ],
)
def test_luhn_valid_card_numbers_are_masked_to_bin_and_last_four(text: str, expected: str) -> None:
    assert mask_card_numbers(text) == expected


def test_other_numbers_are_left_alone() -> None:
    text = "IBAN NL91ABNA0417164300 REF 1234567890123 ORDER 2018-02-26"
    assert not luhn_valid("1234567890123")
    assert mask_card_numbers(text) == text


def test_cvv_fields_are_dropped() -> None:
    assert "123" not in sanitise("card 4111111111111111 CVV: 123 exp 12/29")
    assert "411111******1111" in sanitise("card 4111111111111111 CVV: 123 exp 12/29")


def test_account_mask_keeps_only_last_four() -> None:
    assert mask("NL91 ABNA 0417 1643 00") == "4300"
    assert mask("1452687~7") == "6877"
    assert mask("") == ""


@pytest.mark.parametrize(
    "text",
    [
        "COFFEE 12",  # fewer than three digits: nothing to look at
        "cvv 12",
        "STORE 123 cvc2 = 987",
        "Kaffee Café 4111 1111 1111 1111 cid 1234",  # non-ASCII letters before a card
        "٤١١١١١١١١١١١١١١١ CVV ١٢٣",  # Arabic-Indic digits are not card digits
        "1 2 3 4 5 6 7 8 9 0 1 2 3",  # 13 digits, none of them a card number
        "REF 4111111111111111",
        "csc: 0421 and 4111-1111-1111-1111",
    ],
)
def test_sanitise_masks_and_strips_exactly_as_both_protections_in_turn(text: str) -> None:
    from openteller.domain.card_numbers import strip_cvv

    assert sanitise(text) == strip_cvv(mask_card_numbers(text))
