"""Merchant normalisation: a clean display name from a raw bank descriptor.

``"SQ *BLUE BOTTLE COFFEE 1234 OAKLAND CA"`` -> ``"Blue Bottle Coffee"``,
``"AMZN Mktp US*2K4AB12C3"`` -> ``"Amazon"``, ``"POS 1234 TESCO STORES 3297"`` -> ``"Tesco"``.

Order: the bank's own clean merchant name (a hint) wins; then a known merchant found in the
descriptor; then the counterparty name when the format gives one; then the descriptor with
processor prefixes, terminal noise, store numbers, ids, dates and trailing city/state removed.
Deterministic and cached: the same descriptor is cleaned once per process.
"""

from __future__ import annotations

import re
from functools import lru_cache

from openteller.categorise.data_files import known_merchants, merchant_matcher

#: Payment processors and wallets that prefix the real merchant: "SQ *", "PAYPAL *" ...
_PROCESSOR = re.compile(
    r"^(?:SQ|SQU|TST|SP|CKO|IZ|IZETTLE|ZETTLE_|PP|PAYPAL|PAYPAL\s+EUROPE|GOOGLE|GOOGLE\s+PAY|"
    r"APPLE\s+PAY|SUMUP|SUM\s+UP|STRIPE|WWW|POS|DDA|PURCHASE|CHECKCARD|CHECK\s+CARD)"
    r"\s*[*_]\s*",
    re.IGNORECASE,
)

#: Words a card terminal or bank adds around the merchant.
_NOISE = re.compile(
    r"\b(?:POS|EFTPOS|VISA|MASTERCARD|MAESTRO|DEBIT(?:\s+CARD)?|CREDIT(?:\s+CARD)?|"
    r"CARD(?:\s+PURCHASE)?|CONTACTLESS|CHIP|PIN|PURCHASE(?:\s+AUTHORI[SZ]ED\s+ON)?|RECURRING|"
    r"PAYMENT\s+TO|PAYMENT|BILL\s+PAYMENT|DIRECT\s+DEBIT|SEPA-?\s*(?:LASTSCHRIFT|BASISLASTSCHRIFT|"
    r"[ÜU]BERWEISUNG|GUTSCHRIFT|DAUERAUFTRAG)|LASTSCHRIFT|KARTENZAHLUNG|KARTENUMSATZ|"
    r"GIROCARD|EC-?\s*KARTE|BETAALAUTOMAAT|BEA|GEA|BETAALPAS|PASVOLGNR|NR|TERMINAL|"
    r"AUTHORI[SZ]ATION|ONLINE|INTERNET|MKTP|MARKETPLACE|STORE|STORES|STORE\s+NO|"
    r"LTD|LIMITED|GMBH(?:\s*&\s*CO\.?\s*KG)?|AG|KG|B\.?V\.?|N\.?V\.?|INC|LLC|PLC|SARL|SAS|CORP)\b\.?",
    re.IGNORECASE,
)

_URL = re.compile(r"\b(?:WWW\.)?([A-Z0-9-]+)\.(?:COM|CO\.UK|NET|ORG|DE|NL|FR|IO|EU)\b\S*", re.I)
_HAS_DIGIT = re.compile(r"\d")
_SEPARATORS = re.compile(r"[*#_|/\\]+")
_SPACES = re.compile(r"\s+")
_US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "DC",
        "ON",
        "BC",
        "QC",
        "AB",
        "NSW",
        "VIC",
        "QLD",
    ]
)
_CITY_PREFIXES = frozenset(
    [
        "SAN",
        "SANTA",
        "LOS",
        "LAS",
        "NEW",
        "ST",
        "SAINT",
        "FORT",
        "FT",
        "EL",
        "PALO",
        "LONG",
        "SALT",
        "BATON",
        "CORPUS",
        "GRAND",
        "MOUNT",
        "MT",
        "NORTH",
        "SOUTH",
        "EAST",
        "WEST",
        "PORT",
        "LAKE",
        "BEVERLY",
        "REDWOOD",
        "DALY",
        "MENLO",
    ]
)
_COUNTRIES = frozenset(
    ["US", "USA", "GB", "UK", "DE", "NL", "FR", "BE", "CH", "AT", "IE", "ES", "IT", "CAN", "AUS"]
)
_SMALL_WORDS = frozenset(
    [
        "OF",
        "AND",
        "THE",
        "DE",
        "DU",
        "LA",
        "LE",
        "VAN",
        "DER",
        "DEN",
        "UND",
        "ET",
        "A",
        "AN",
        "AT",
        "IN",
        "ON",
        "FOR",
    ]
)
_VOWELS = frozenset("AEIOUYÄÖÜÉÈ")


def normalise_merchant(description: str, counterparty: str = "", hint: str = "") -> str:
    """The merchant's display name ("" when the text names none).

    Digits (store numbers, dates, ids, card tails) never name a merchant, so each run of
    them is collapsed to ``0`` first: the many descriptors of one merchant then share
    one cache entry, and cleaning costs a dictionary lookup once a merchant has been seen.
    """
    return _normalise(without_numbers(description), without_numbers(counterparty), hint)


_DIGITS = re.compile(r"[0-9]+")


def without_numbers(text: str) -> str:
    """``text`` with every run of digits replaced by one ``0`` ("ATM08SEP" -> "ATM0SEP")."""
    return _DIGITS.sub("0", text)


@lru_cache(maxsize=65_536)
def _normalise(description: str, counterparty: str, hint: str) -> str:
    if hint.strip():
        return _known(hint) or _title(_tidy(hint))
    known = _known(description)
    if known:
        return known
    if counterparty.strip() and _looks_like_name(counterparty):
        return _known(counterparty) or _title(_tidy(counterparty))
    return _title(_strip_descriptor(description))


def _known(text: str) -> str:
    index = merchant_matcher().first(text.upper())
    return "" if index is None else known_merchants()[index].name


def _looks_like_name(text: str) -> bool:
    """A person's or company's name, not an account number or a reference."""
    words = [w for w in text.split() if w != "0"]
    return (
        any(len(w) >= 3 and w.isalpha() for w in words)
        and sum(ch.isalpha() for ch in text) >= len(text.replace(" ", "")) / 2
    )


def _tidy(text: str) -> str:
    return _SPACES.sub(" ", text).strip(" -*.,;:")


def _strip_descriptor(description: str) -> str:
    text = description.upper()
    text = _URL.sub(r" \1 ", text)
    previous = None
    while previous != text:  # processor prefixes can nest: "PAYPAL *SQ *..."
        previous = text
        text = _PROCESSOR.sub("", text.strip())
    text = _NOISE.sub(" ", text)
    text = _SEPARATORS.sub(" ", text)
    words = [w.strip(" -.,;:") for w in text.split()]
    words = [w for w in words if w]
    # Cut at the first word holding a digit (store numbers, ids) once a name has begun.
    kept: list[str] = []
    for word in words:
        if _HAS_DIGIT.search(word):
            if kept:
                break
            continue
        kept.append(word)
    # Drop a trailing country and state code, and the city before a state code.
    if len(kept) > 1 and kept[-1] in _COUNTRIES:
        kept.pop()
    if len(kept) > 2 and kept[-1] in _US_STATES:
        kept = kept[:-2]
        if len(kept) > 1 and kept[-1] in _CITY_PREFIXES:  # SAN FRANCISCO, NEW YORK
            kept.pop()
    return " ".join(kept[:6])


def _title(text: str) -> str:
    words = []
    for index, word in enumerate(text.split()):
        upper = word.upper()
        if index and upper in _SMALL_WORDS:
            words.append(word.lower())
        elif len(word) <= 4 and word.isupper() and not (set(upper) & _VOWELS):
            words.append(upper)  # acronyms without vowels: BP, H&M, KFC, CVS
        elif word.isupper() or word.islower():
            words.append("-".join(part[:1].upper() + part[1:].lower() for part in word.split("-")))
        else:
            words.append(word)  # already mixed case: keep the merchant's own spelling
    return " ".join(words)
