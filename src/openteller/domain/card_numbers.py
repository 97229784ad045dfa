"""Card numbers in free text (privacy guarantee G7).

Full card numbers (Luhn-valid runs of 13-19 digits, possibly grouped by spaces or
dashes) are masked to BIN + last 4 before anything is stored: ``4111 1111 1111 1111``
becomes ``411111******1111``. CVV-like fields are dropped by :func:`strip_cvv`.
"""

from __future__ import annotations

import re

_CANDIDATE = re.compile(
    r"(?<![0-9])(?:"
    r"[0-9]{13,19}"  # contiguous
    r"|[0-9]{4}([ -])[0-9]{4}\1[0-9]{4}\1[0-9]{1,7}"  # 4-4-4-4(-3) groups
    r"|[0-9]{4}([ -])[0-9]{6}\2[0-9]{4,5}"  # 4-6-5 (Amex) / 4-6-4 (Diners)
    r")(?![0-9])"
)
_CVV = re.compile(r"\b(?:CVV2?|CVC2?|CID|CSC)\s*[:#=]?\s*[0-9]{3,4}\b", re.IGNORECASE)


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` (only digits) passes the Luhn checksum."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def mask_card(digits: str) -> str:
    """BIN (first 6) + stars + last 4 of a card number given as digits."""
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def _replace(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = text.replace(" ", "").replace("-", "")
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return mask_card(digits)
    return text


def mask_card_numbers(text: str) -> str:
    """Mask every Luhn-valid 13-19 digit run in ``text``; leave other numbers alone."""
    if not text or len(text) < 13:
        return text
    # Fast path: most descriptors carry no long digit run at all.
    if not _CANDIDATE.search(text):
        return text
    return _CANDIDATE.sub(_replace, text)


def strip_cvv(text: str) -> str:
    """Remove ``CVV 123``-style fields from free text."""
    if not text:
        return text
    return _CVV.sub("", text) if _CVV.search(text) else text


_LONG_NUMBER = re.compile(r"[0-9][0-9 -]{11,}[0-9]")
_ASCII_DIGITS = b"0123456789"


def sanitise(text: str) -> str:
    """Both protections: card numbers masked and CVV-like fields removed."""
    if not text:
        return text
    # Counting digits in the UTF-8 bytes (ASCII digits are single bytes there) is several
    # times faster than a regular expression search, and rules most descriptors out:
    # a card number has 13 digits or more, a CVV at least three.
    encoded = text.encode()
    digits = len(encoded) - len(encoded.translate(None, _ASCII_DIGITS))
    if digits < 3:
        return text
    if digits >= 13 and _LONG_NUMBER.search(text) is not None:
        text = mask_card_numbers(text)
    upper = text.upper()
    if "CV" in upper or "CID" in upper or "CSC" in upper:
        text = strip_cvv(text)
    return text
