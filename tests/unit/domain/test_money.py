from decimal import Decimal

import pytest

from openteller.domain.errors import InvalidAmount, InvalidCurrency
from openteller.domain.money import Money, minor_units, parse_amount


def test_money_quantises_to_the_currency_minor_unit() -> None:
    assert Money.of("12.345", "USD").amount == Decimal("12.34")  # half-even
    assert Money.of("12.355", "USD").amount == Decimal("12.36")
    assert Money.of("1234.5", "JPY").amount == Decimal("1234")
    assert Money.of("1.2345", "KWD").amount == Decimal("1.234")


def test_money_refuses_floats_and_bad_currencies() -> None:
    with pytest.raises(InvalidAmount):
        Money(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(InvalidAmount):
        Money.of(1.5, "USD")  # type: ignore[arg-type]
    with pytest.raises(InvalidCurrency, match="not an ISO 4217"):
        Money.of("1", "DOLLARS")
    with pytest.raises(InvalidCurrency, match="cannot combine"):
        Money.of("1", "USD") + Money.of("1", "EUR")


def test_money_minor_units_round_trip() -> None:
    assert Money.of("-12.34", "EUR").minor == -1234
    assert Money.from_minor(-1234, "EUR") == Money.of("-12.34", "EUR")
    assert Money.from_minor(500, "JPY").amount == Decimal("500")
    assert minor_units("BHD") == 3
    assert (Money.of("1.10", "USD") + Money.of("2.20", "USD")).amount == Decimal("3.30")
    assert (-Money.of("5", "USD")).amount == Decimal("-5.00")


@pytest.mark.parametrize(
    ("text", "kwargs", "expected"),
    [
        ("12.50", {}, "12.50"),
        (" -1,234.56 ", {"thousands_separator": ","}, "-1234.56"),
        ("1.234,56", {"decimal_separator": ",", "thousands_separator": "."}, "1234.56"),
        ("12,5", {"decimal_separator": ","}, "12.5"),
        ("12.50-", {}, "-12.50"),
        ("(7.00)", {}, "-7.00"),
        ("+3", {}, "3"),
    ],
)
def test_parse_amount_accepts_bank_notations(
    text: str, kwargs: dict[str, str], expected: str
) -> None:
    assert parse_amount(text, **kwargs) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "$120", "1.2.3", "--5", "12e5"])
def test_parse_amount_rejects_non_amounts_naming_the_text(text: str) -> None:
    with pytest.raises(InvalidAmount, match="not an amount"):
        parse_amount(text)


def test_to_minor_rounds_half_even_per_currency_and_names_bad_input() -> None:
    from openteller.domain.errors import InvalidAmount
    from openteller.domain.money import to_minor

    assert to_minor(Decimal("-12.345"), "EUR") == -1234
    assert to_minor(Decimal("-12.355"), "EUR") == -1236
    assert to_minor(Decimal("100"), "JPY") == 100
    assert to_minor(Decimal("1.2345"), "KWD") == 1234
    with pytest.raises(InvalidAmount, match="out of range"):
        to_minor(Decimal("1e40"), "EUR")
    with pytest.raises(InvalidAmount, match="must be Decimal"):
        to_minor(1.5, "EUR")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("12.30", "USD", 1230),
        ("-0.5", "JPY", 0),  # half-even: to the even neighbour
        ("2.5", "JPY", 2),
        ("-7", "KWD", -7000),
        ("999999999999999999", "JPY", 999999999999999999),
        ("-9999999999999999.99", "USD", -999999999999999999),
        ("9999999999999999.994", "USD", 999999999999999999),
    ],
)
def test_to_minor_is_exact_up_to_18_digits(amount: str, currency: str, minor: int) -> None:
    from openteller.domain.money import to_minor

    assert to_minor(Decimal(amount), currency) == minor


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("NaN", "EUR"),
        ("sNaN", "EUR"),
        ("Infinity", "EUR"),
        ("-Infinity", "USD"),
        ("1000000000000000000", "JPY"),  # 19 digits
        ("-10000000000000000", "USD"),  # 19 digits in cents
        ("9999999999999999.996", "USD"),  # 19 digits once rounded
        ("1E+40", "EUR"),
    ],
)
def test_to_minor_refuses_amounts_without_a_value_in_range(amount: str, currency: str) -> None:
    from openteller.domain.errors import InvalidAmount
    from openteller.domain.money import to_minor

    with pytest.raises(InvalidAmount, match=f"amount out of range: {amount[:3]}") as raised:
        to_minor(Decimal(amount), currency)
    assert "up to 18 digits" in str(raised.value)
    assert str(raised.value).endswith(f"{currency} at most)")


def test_to_minor_names_the_largest_amount_in_the_currency() -> None:
    from openteller.domain.errors import InvalidAmount
    from openteller.domain.money import to_minor

    with pytest.raises(InvalidAmount, match=r"9,999,999,999,999,999\.99 USD at most"):
        to_minor(Decimal("1e20"), "USD")
    with pytest.raises(InvalidAmount, match=r"999,999,999,999,999,999 JPY at most"):
        to_minor(Decimal("1e20"), "JPY")


@pytest.mark.parametrize(
    ("amount", "minor"),
    [("1E-999999999", 0), ("-0.000000000000000000000000000000001", 0), ("0.015", 2), ("0.025", 2)],
)
def test_to_minor_rounds_tiny_and_half_amounts_without_giant_integers(
    amount: str, minor: int
) -> None:
    from openteller.domain.money import to_minor

    assert to_minor(Decimal(amount), "USD") == minor


def test_to_minor_refuses_an_amount_with_a_giant_exponent_at_once() -> None:
    from openteller.domain.errors import InvalidAmount
    from openteller.domain.money import to_minor

    with pytest.raises(InvalidAmount, match="out of range"):
        to_minor(Decimal("-1E+999999999"), "EUR")
