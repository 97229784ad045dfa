"""Small helpers shared by the JSON readers (Open Banking UK, FDX).

JSON bank API responses are paged and small, so the readers load the whole document
(bounded by :data:`MAX_JSON_BYTES`) instead of streaming it. Parsing is strict and safe:

* the text must be UTF-8 (or UTF-16/32 with its BOM, as RFC 8259 section 8.1 allows a
  reader to accept); a byte that does not decode is reported with its line and column;
* numbers with a fraction or exponent become :class:`decimal.Decimal` (``parse_float``),
  never ``float``; ``NaN`` and ``Infinity`` (not JSON, but accepted by Python) are refused;
* syntax errors, hostile nesting and oversized integers become
  :class:`openteller.domain.errors.IngestError` naming file, line, column and the nearest
  field name before the error.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO

from openteller.domain.errors import DomainError, IngestError
from openteller.domain.money import check_currency, parse_amount

#: Largest JSON document read (64 MiB): an API page is far smaller; more means hostile input.
MAX_JSON_BYTES = 64 * 1024 * 1024

_LAST_KEY = re.compile(r'"([^"\\]{1,80})"\s*:')
_BAD_NUMBER = re.compile(r"[:\[,]\s*(-?(?:NaN|Infinity|\d{1000,}))")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: A surrogate escape; JSON decoding pairs them into characters, a lone one stays (the
#: text cannot then be stored or even encoded as UTF-8).
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def _encoding(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return json.detect_encoding(data)


def decode_head(head: bytes) -> str:
    """The start of a file as text for sniffing (never raises; bad bytes are dropped)."""
    try:
        return head.decode(_encoding(head), errors="ignore")
    except (LookupError, ValueError):
        return ""


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _near_field(text: str, pos: int) -> str:
    """The last object key before ``pos`` (to name the field a syntax error is in)."""
    window = text[max(0, pos - 4000) : pos]
    keys = _LAST_KEY.findall(window)
    return f"field {keys[-1]!r}" if keys else "field (none: before the first key)"


def load_document(stream: BinaryIO, source: str, max_bytes: int = MAX_JSON_BYTES) -> object:
    """Parse the whole JSON document in ``stream``; :class:`IngestError` when it is not JSON."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise IngestError(
            f"{source}: byte {max_bytes}: document: larger than {max_bytes} bytes, "
            "too big for a JSON API response"
        )
    if not data.strip():
        raise IngestError(f"{source}: line 1, column 1: document: empty file, expected JSON")
    encoding = _encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise IngestError(
            f"{source}: line {line}, column {column}: encoding: byte 0x{bad} is not "
            f"{encoding.upper()} (JSON must be UTF-8)"
        ) from exc
    try:
        document = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise IngestError(
            f"{source}: line {exc.lineno}, column {exc.colno}, {_near_field(text, exc.pos)}: "
            f"invalid JSON: {exc.msg}"
        ) from exc
    except RecursionError as exc:
        raise IngestError(
            f"{source}: line 1, column 1: document: JSON nested too deeply (hostile input?)"
        ) from exc
    except ValueError as exc:  # NaN/Infinity, or an integer too long to convert
        match = _BAD_NUMBER.search(text)
        pos = match.start(1) if match else 0
        line, column = _line_col(text, pos)
        raise IngestError(
            f"{source}: line {line}, column {column}, {_near_field(text, pos)}: "
            f"not a JSON number: {exc}"
        ) from exc
    where = lone_surrogate_path(text, document)
    if where is not None:
        raise IngestError(f"{source}: {where}: {LONE_SURROGATE}")
    return document


#: What is wrong with a JSON string holding half a character.
LONE_SURROGATE = (
    "text is not valid Unicode: it holds a lone UTF-16 surrogate escape (\\ud800 to "
    "\\udfff without its pair)"
)


def lone_surrogate_path(raw: str | bytes, document: object) -> str | None:
    """The JSON path of the first string in ``document`` (parsed from ``raw``) that holds
    a lone surrogate, or None; the document is walked only when ``raw`` has a surrogate
    escape at all."""
    if isinstance(raw, str):
        escaped = _SURROGATE_ESCAPE.search(raw) is not None
    else:
        escaped = _SURROGATE_ESCAPE_BYTES.search(raw) is not None
    return lone_surrogate_at(document) if escaped else None


def lone_surrogate_at(document: object) -> str | None:
    """The JSON path of the first string (or key) in ``document`` holding a lone
    surrogate, or None (walked with a list, not recursion, so no nesting depth can
    exhaust the stack)."""
    pending: list[tuple[object, str]] = [(document, "$")]
    while pending:
        value, path = pending.pop()
        if isinstance(value, str):
            try:
                value.encode()
            except UnicodeEncodeError:
                return path
        elif isinstance(value, dict):
            children = [(key, f"{path} (a key)") for key in value]
            children += [(item, f"{path}.{key}") for key, item in value.items()]
            pending += reversed(children)
        elif isinstance(value, list):
            pending += reversed([(item, f"{path}[{i}]") for i, item in enumerate(value)])
    return None


def as_list(value: object) -> list[object]:
    """A JSON array as a list; a lone object as a one-item list; anything else as empty."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    return []


def text_of(value: object) -> str:
    """A JSON string (stripped) or number as text; ``""`` for null, objects and arrays."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    return ""


def amount_text(value: object) -> str:
    """The text of a JSON amount (string per OBIE, number per FDX) for ``parse_amount``.

    Raises ``ValueError`` when the value is missing or not a string/number.
    """
    if value is None:
        raise ValueError("missing")
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise ValueError(f"not an amount: {value!r}")
    return text_of(value)


def parse_timestamp(value: object) -> datetime | date:
    """An ISO 8601 date-time (``Z``, offsets and fractions accepted) or a bare date."""
    text = text_of(value)
    if not text:
        raise ValueError("missing")
    if _DATE_ONLY.match(text):
        return date.fromisoformat(text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 date-time: {text!r}") from None


def day_of(moment: datetime | date) -> date:
    """The calendar day of a timestamp, as the bank wrote it (its own offset)."""
    return moment.date() if isinstance(moment, datetime) else moment


class FieldError(Exception):
    """One field of one entry cannot be read (the reader turns it into a ``Problem``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def required_text(entry: dict[str, object], field: str) -> str:
    """``entry[field]`` as text; :class:`FieldError` when missing or empty."""
    text = text_of(entry.get(field))
    if not text:
        raise FieldError(field, "missing")
    return text


def currency_field(value: object, field: str) -> str:
    """An ISO 4217 code; :class:`FieldError` naming ``field`` otherwise."""
    text = text_of(value)
    if not text:
        raise FieldError(field, "missing")
    try:
        return check_currency(text)
    except DomainError as exc:
        raise FieldError(field, str(exc)) from None


def amount_field(value: object, field: str) -> Decimal:
    """A JSON amount (string or number) as a Decimal, via ``parse_amount``."""
    try:
        return parse_amount(amount_text(value))
    except ValueError as exc:  # InvalidAmount is a ValueError too
        raise FieldError(field, str(exc)) from None


def timestamp_field(entry: dict[str, object], field: str) -> datetime | date:
    """``entry[field]`` as a timestamp; :class:`FieldError` when missing or malformed."""
    try:
        return parse_timestamp(entry.get(field))
    except ValueError as exc:
        raise FieldError(field, str(exc)) from None


def optional_timestamp(entry: dict[str, object], field: str) -> datetime | date | None:
    """Like :func:`timestamp_field`, but ``None`` when the field is absent or null."""
    if entry.get(field) is None:
        return None
    return timestamp_field(entry, field)
