"""Merchant names from raw descriptors."""

from __future__ import annotations

import pytest

from openteller.categorise.merchants import normalise_merchant, without_numbers


@pytest.mark.parametrize(
    ("raw", "merchant"),
    [
        ("SQ *BLUE BOTTLE COFFEE 1234 OAKLAND CA", "Blue Bottle Coffee"),
        ("AMZN Mktp US*2K4AB12C3", "Amazon"),
        ("POS 1234 TESCO STORES 3297", "Tesco"),
        ("STARBUCKS STORE 00123 SEATTLE WA", "Starbucks"),
        ("PAYPAL *SPOTIFY", "Spotify"),
        ("TST* JOE'S PIZZA", "Joe's Pizza"),
        ("NETFLIX.COM 866-579-7172 CA", "Netflix"),
        ("UBER *TRIP HELP.UBER.COM", "Uber"),
        ("UBER *EATS PENDING HELP.UBER.COM", "Uber Eats"),
        ("SHELL OIL 57442", "Shell"),
        ("SEPA-Lastschrift REWE Markt GmbH Berlin", "Rewe"),
        ("MCDONALD'S F1234 CHICAGO IL", "McDonald's"),
        ("H&M 0123 STOCKHOLM", "H&M"),
        ("LA TAQUERIA SAN FRANCISCO CA", "La Taqueria"),
        ("CAFE LUNA 12/03 SAN FRANCISCO CA", "Cafe Luna"),
        ("Kartenzahlung girocard 12.03 BAECKEREI MUELLER", "Baeckerei Mueller"),
        ("12/03 JOES DINER", "Joes Diner"),
        ("", ""),
    ],
)
def test_descriptor_to_merchant(raw: str, merchant: str) -> None:
    assert normalise_merchant(raw) == merchant


def test_the_banks_own_merchant_name_wins() -> None:
    assert normalise_merchant("CRD 4432 XYZ*ABC 88", hint="Blue Bottle Coffee") == (
        "Blue Bottle Coffee"
    )
    assert normalise_merchant("whatever", hint="ACME HARDWARE") == "Acme Hardware"


def test_counterparty_names_the_merchant_when_the_text_does_not() -> None:
    assert normalise_merchant("RECHNUNG 123456", counterparty="Stadtwerke Musterstadt") == (
        "Stadtwerke Musterstadt"
    )
    # An account number is no name, and an invoice number names no merchant.
    assert normalise_merchant("RECHNUNG 12", counterparty="DE89370400440532013000") == ""


def test_numbers_never_name_a_merchant() -> None:
    assert without_numbers("ATM08SEP BOI 12345") == "ATM0SEP BOI 0"
    assert without_numbers("US*2K4AB12C3") == "US*0K0AB0C0"
    # Same merchant, different store numbers and dates: one name.
    assert normalise_merchant("POS 1111 ACME SHOP 22") == normalise_merchant("POS 9 ACME SHOP 7")


@pytest.mark.parametrize(
    ("raw", "merchant"),
    [
        ("SP * GYMSHARK", "Gymshark"),
        ("CKO*DELIVEROO", "Deliveroo"),
        ("ZETTLE_*SMALL BAKERY", "Small Bakery"),
        ("IZ *COFFEE CART", "Coffee Cart"),
        ("PP*CRAFTYSHOP", "Craftyshop"),
        ("GOOGLE *Duolingo", "Duolingo"),
        ("APPLE.COM/BILL 866-712-7753 CA", "Apple"),
        ("PAYPAL *EBAY INC 4029357733 CA", "eBay"),
    ],
)
def test_processor_prefixes_are_removed(raw: str, merchant: str) -> None:
    assert normalise_merchant(raw) == merchant


@pytest.mark.parametrize(
    ("raw", "merchant"),
    [
        ("CARD 1234 ACME HARDWARE", "Acme Hardware"),
        ("VISA DEBIT PURCHASE CARD 1234 TARGET T-0123 MINNEAPOLIS MN", "Target"),
        ("CONTACTLESS PAYMENT 12/03/24 14:32 LE PAIN QUOTIDIEN", "Le Pain Quotidien"),
        ("POS 12/03 14:22 CORNER DELI NEW YORK NY", "Corner Deli"),
        ("LOCAL BUTCHER SHOP 415-555-1212", "Local Butcher Shop"),
        ("CKO*SOMESHOP LONDON", "Someshop"),  # a well-known city without a state code
        ("WWW.ETSY.COM", "Etsy"),  # a domain names the brand
        ("PAYMENT TO ACME LTD REF 12345", "Acme"),  # reference and legal form dropped
        ("EREF+RECHNR. 1005MREF+KD02 CRED+DE20KD0000 SVWZ+02/2018", ""),  # only SEPA fields
        ("INVOICE R77561 / Payment", ""),
        ("TRADER JOE S #552 QPS PORTLAND OR", "Trader Joe's"),
        ("IKEA WEMBLEY", "IKEA"),
    ],
)
def test_terminal_noise_ids_and_places_are_removed(raw: str, merchant: str) -> None:
    assert normalise_merchant(raw) == merchant


def test_counterparty_names_lose_legal_forms_and_addresses() -> None:
    assert normalise_merchant("x 1", counterparty="PayPal (Europe) S.a r.l. et Cie, S.C.A.") == (
        "PayPal"
    )
    assert normalise_merchant("RECHNUNG 1", counterparty="ACME Trading GmbH Hauptstr. 1") == (
        "Acme Trading"
    )
    assert normalise_merchant("1", counterparty="Nordlicht AB") == "Nordlicht"
    assert normalise_merchant("1", counterparty="Pay As You Go Ltd") == "Pay As You Go"
