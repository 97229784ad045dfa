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
    r"AUTHORI[SZ]ATION|ONLINE|INTERNET|MKTP|MARKETPLACE|STORE|STORES|STORE\s+NO|THANK\s+YOU)\b\.?",
    re.IGNORECASE,
)

#: Words that start a payment reference, invoice or order number: the name ends before them.
_REFERENCE = re.compile(
    r"\b(?:REF|REFERENCE|REFERENZ|MANDAT\w*|INVOICE|RECHNUNG\w*|RECH\.?\s?NR|"
    r"FACTUUR\w*|BETALINGSKENM\w*|KENMERK|KUNDENN(?:R|UMMER)|KLANTNR|ORDER(?:ID)?|BESTELLUNG|"
    r"BESTELLING|TRANSACTIENR|TRNSNR|AUFTRAGGEBER|VERWENDUNGSZWECK)\b.*$",
    re.IGNORECASE,
)
#: SEPA field tags glued into German descriptors: "EREF+123MREF+ABC CRED+DE98ZZZ SVWZ+...".
_SEPA_TAGS = re.compile(r"(?:EREF|KREF|MREF|CRED|DEBT|PURP|ABWA|ABWE|SVWZ|IBAN|BIC)\+", re.I)
#: Legal forms that end a company name ("ACME Trading GmbH & Co. KG", "Foo S.a r.l.").
_LEGAL_FORM = re.compile(
    r"(?:\s|,)+(?:GMBH(?:\s*&\s*CO\.?\s*KG)?|AG|KG|SE|UG(?:\s+\(?HAFTUNGSBESCHR[AÄ]NKT\)?)?|"
    r"B\.?\s?V\.?|N\.?\s?V\.?|LTD\.?|LIMITED|PLC|INC\.?|LLC|CORP\.?|S\.?\s?A\.?\s?R\.?\s?L\.?|"
    r"SARL|S\.?C\.?A\.?|ET\s+CIE|SRL|S\.?P\.?A\.?)\b\.?(?=\W|$)",
    re.IGNORECASE,
)
#: Short legal forms that are also words elsewhere: removed only at the very end.
_END_LEGAL_FORM = re.compile(r"[\s,]+(?:AB|OY|AS|A/S|APS|SA|SAS|S\.A\.S?\.?|SPA|CO\.?)$", re.I)
_PARENTHESES = re.compile(r"\([^)]*\)")
#: Well-known cities that card terminals append without a state code.
_CITIES = frozenset(
    "LONDON MANCHESTER BIRMINGHAM LEEDS GLASGOW EDINBURGH BRISTOL LIVERPOOL DUBLIN BERLIN "
    "HAMBURG MUENCHEN MÜNCHEN MUNICH KOELN KÖLN COLOGNE FRANKFURT STUTTGART DUESSELDORF "
    "DÜSSELDORF WIEN VIENNA ZURICH ZÜRICH GENEVE GENEVA BASEL AMSTERDAM ROTTERDAM UTRECHT "
    "EINDHOVEN BRUSSEL BRUXELLES BRUSSELS ANTWERPEN PARIS LYON MARSEILLE MADRID BARCELONA "
    "LISBOA LISBON ROMA ROME MILANO MILAN STOCKHOLM COPENHAGEN KOBENHAVN OSLO HELSINKI "
    "PRAHA PRAGUE WARSZAWA WARSAW".split()
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
    """A name as the bank gave it, without parentheses and a trailing legal form."""
    text = _SPACES.sub(" ", _PARENTHESES.sub(" ", text)).strip(" -*.,;:")
    shorter = _LEGAL_FORM.split(text, maxsplit=1)[0].strip(" -*.,;:&")
    shorter = _END_LEGAL_FORM.sub("", shorter).strip(" -*.,;:&")
    return shorter or text


def _strip_descriptor(description: str) -> str:
    text = description.upper()
    text = _URL.sub(r" \1 ", text)
    previous = None
    while previous != text:  # processor prefixes can nest: "PAYPAL *SQ *..."
        previous = text
        text = _PROCESSOR.sub("", text.strip())
    text = _SEPA_TAGS.sub(" ", text)
    text = _REFERENCE.sub("", text)  # "ACME LTD REF 123" -> "ACME LTD"; "INVOICE 12" -> ""
    text = _LEGAL_FORM.split(text, maxsplit=1)[0]  # the name ends at its legal form
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
    elif len(kept) > 1 and kept[-1] in _CITIES:
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
