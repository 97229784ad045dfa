"""SWIFT MT940 statements and MT942 interim reports.

Not built on the ``mt-940`` package: tried on the 39 samples in ../shared/samples/mt940 it
refuses 4 real bank files outright (ASN and SNS exports and an ING file whose ``:61:``
lines carry supplementary details on a second line, and ``-`` lines inside ``:86:``
text). This reader is a small line tokenizer plus precise field parsers, streaming line
by line:

* messages start at ``:20:``; SWIFT block headers (``{1:...}{2:O940...}{4:``), ``-}``
  trailers, ``-`` separators and bank preamble lines before the first ``:20:``
  ("ABNANL2A", "940", "0000 01INGBNL2AXXXX00001") are skipped; a line that does not start
  a field continues the previous one;
* ``:25:`` names the account (an IBAN, or ``BANK/ACCOUNT``, possibly with the currency
  appended); ``:60F:``/``:60M:`` (opening balance) gives the statement currency;
* ``:61:`` is an entry: value date, optional entry date (the booking date; the year rolls
  over at New Year), D/C mark (RC, a reversed credit, is money out; RD money in), amount,
  type code, customer reference and, after ``//``, the bank's reference (the dedupe id);
* ``:86:`` details: German structured subfields (``?00`` posting text, ``?20-?29`` and
  ``?60-?63`` purpose, ``?32/?33`` counterparty, SEPA ``SVWZ+``/``EREF+`` keywords), Dutch
  ``/NAME/.../REMI/.../EREF/`` fields, or free text;
* ``:62F:``/``:62M:`` closing balances become booked balances, ``:64:`` available ones;
  ``:65:`` (forward available) is skipped. Opening balances are not stored: they restate
  the previous closing balance.

MT942 entries are pending (an interim report is not a booked statement); a message is an
MT942 when its header says so or it carries ``:34F:``/``:13D:``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import BinaryIO

from openteller.domain.accounts import AccountType, BalanceKind
from openteller.domain.errors import IngestError, InvalidAmount
from openteller.domain.money import parse_amount
from openteller.domain.transactions import TransactionStatus
from openteller.ingest.base import file_error
from openteller.ingest.records import (
    ParsedAccount,
    ParsedBalance,
    ParsedTransaction,
    Position,
    Problem,
    Record,
    Severity,
)

#: The longest line accepted (SWIFT lines are at most 65 characters; exports run longer).
MAX_LINE = 1 << 20

#: SWIFT writes a decimal comma; some exports (old Rabobank) write a decimal point.
_AMOUNT = r"\d+(?:[,.]\d*)?"
_FIELD = re.compile(r"^:(\d{2}[A-Z]?|NS):(.*)$")
_STATEMENT_LINE = re.compile(
    r"^(?P<value>\d{6})(?P<entry>\d{4})?(?P<mark>RC|RD|EC|ED|C|D)(?P<funds>[A-Z])?"
    rf"(?P<amount>{_AMOUNT})(?P<type>[NFS][A-Z0-9]{{3}})?(?P<rest>.*)$",
    re.DOTALL,
)
_BALANCE = re.compile(
    rf"^(?P<mark>[CD])(?P<date>\d{{6}})(?P<currency>[A-Z]{{3}})?(?P<amount>{_AMOUNT})"
)
_GERMAN = re.compile(r"\?(\d{2})")
_SEPA_KEYS = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC)\+")
_DUTCH = re.compile(
    r"/(CNTP|TRTP|IBAN|BIC|NAME|REMI|EREF|MARF|CSID|ORDP|BENM|ID|ADDR|CDTRREF|CDTRREFTP|CD|ISSR|PREF|RTRN|SVCL|ULTC|ULTD|PURP|FX|EXCH|CHGS)/"
)
_CURRENCY_SUFFIX = re.compile(r"^(?P<account>.*?)\s*(?P<currency>[A-Z]{3})$")


@dataclass(slots=True)
class _Entry:
    line: int
    text: str
    details: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Message:
    line: int
    account: str = ""
    account_line: int = 0
    currency: str = ""
    interim: bool = False
    closed: bool = False
    entries: int = 0


class Mt940Reader:
    """Reads SWIFT MT940/MT942 files."""

    name = "mt940"

    def sniff(self, head: bytes, filename: str) -> float:
        text = head[:16384]
        if re.search(rb"\{2:[IO]94[02]", text):
            return 0.95
        has_20 = re.search(rb"(?m)^:20:", text) is not None
        has_25 = re.search(rb"(?m)^:25:", text) is not None
        has_body = re.search(rb"(?m)^:(60[FM]|61|28C?|62[FM]|34F):", text) is not None
        if has_20 and has_25 and has_body:
            return 0.92
        if has_25 and has_body:
            return 0.6
        return 0.0

    def read(self, stream: BinaryIO, source: str) -> Iterator[Record]:
        return _Mt940Walk(stream, source).records()


class _Mt940Walk:
    def __init__(self, stream: BinaryIO, source: str) -> None:
        self.stream = stream
        self.source = source
        self.message: _Message | None = None
        self.entry: _Entry | None = None
        self.accounts: dict[str, str] = {}  # key -> currency announced
        self.messages = 0
        self.encoding = "utf-8"
        self.interim_header = False
        self.unclosed: list[int] = []  # first lines of statements without a closing balance
        self.last_message_line = 0
        self.terminated = False  # the file's last line ends a message ("-", "-}")

    def _fail(self, line: int | None, message: str) -> IngestError:
        return file_error(self.source, line, message)

    # -- lines and fields ----------------------------------------------------------------
    def _lines(self) -> Iterator[tuple[int, str]]:
        head = self.stream.read(65536)
        if not head.strip():
            raise self._fail(None, "the file is empty")
        if b"\x00" in head:
            raise self._fail(1, "not an MT940 file: it holds binary data")
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:
                self.encoding = "cp1252"
        rest = head
        number = 0
        while True:
            newline = rest.find(b"\n")
            while newline < 0:
                more = self.stream.read(65536)
                if not more:
                    break
                rest += more
                newline = rest.find(b"\n")
                if newline < 0 and len(rest) > MAX_LINE:
                    raise self._fail(number + 1, f"a line longer than {MAX_LINE} characters")
            if newline < 0:
                raw, rest = rest, b""
            else:
                raw, rest = rest[:newline], rest[newline + 1 :]
            number += 1
            if len(raw) > MAX_LINE:
                raise self._fail(number, f"a line longer than {MAX_LINE} characters")
            if raw or newline >= 0:
                yield number, self._decode(raw, number)
            if newline < 0 and not rest:
                return

    def _decode(self, raw: bytes, number: int) -> str:
        try:
            return raw.decode(self.encoding).rstrip("\r")
        except UnicodeDecodeError:
            try:
                return raw.decode("cp1252").rstrip("\r")
            except UnicodeDecodeError as exc:
                raise self._fail(
                    number, f"encoding: bytes {raw[exc.start : exc.start + 4]!r} are not text"
                ) from exc

    def _fields(self) -> Iterator[tuple[str, str, int]]:
        """(tag, value, line) of every field; continuation lines joined with newlines."""
        tag, value, start = "", "", 0
        started = False
        dash_pending = False  # a "-" line: a message end, or a wrapped line of :86: text
        for number, text in self._lines():
            line = text.strip()
            if line:
                self.terminated = line == "-" or line.startswith(("-}", "{5:"))
            if dash_pending:
                dash_pending = False
                if tag == "86" and line and not line.startswith((":", "{", "-")):
                    value += "\n-"  # it was text
                else:
                    if tag:
                        yield tag, value, start
                    tag, value = "", ""
            if line.startswith("{"):  # SWIFT block headers: {1:...}{2:O940...}{4:
                if re.search(r"\{2:[IO]942", line):
                    self.interim_header = True
                cut = line.find("{4:")
                if cut < 0:
                    continue
                line = line[cut + 3 :].strip()
                if not line:
                    continue
            if line == "-":
                dash_pending = True
                continue
            if line.startswith(("-}", "{5:")):
                if tag:
                    yield tag, value, start
                tag, value = "", ""
                continue
            match = _FIELD.match(line)
            if match:
                if tag:
                    yield tag, value, start
                tag, value, start = match.group(1), match.group(2), number
                started = started or tag == "20"
                continue
            if not started:
                continue  # preamble before the first :20:
            if tag:
                value += "\n" + text.rstrip()
            # else: a bank's preamble line between messages ("ABNANL2A", "940")
        if tag:
            yield tag, value, start

    # -- statements ----------------------------------------------------------------------
    def records(self) -> Iterator[Record]:
        for tag, value, line in self._fields():
            if tag == "20":
                yield from self._end_message()
                self.message = _Message(line, interim=self.interim_header)
                self.last_message_line = line
                continue
            message = self.message
            if message is None:
                if tag in ("61", "60F", "60M", "62F", "62M", "64", "25"):
                    raise self._fail(line, f":{tag}: before any :20: statement header")
                continue
            if tag == "25":
                message.account = value.split("\n")[0].strip()
                message.account_line = line
            elif tag in ("60F", "60M"):
                balance = _BALANCE.match(value.strip())
                if balance is None:
                    raise self._fail(line, f"field :{tag}: not an opening balance: {value!r}")
                message.currency = balance.group("currency") or message.currency
            elif tag in ("34F", "13D", "13"):
                message.interim = True
                if tag == "34F" and re.match(r"[A-Z]{3}", value):
                    message.currency = message.currency or value[:3]
            elif tag == "61":
                yield from self._flush_entry()
                yield from self._announce(message, line)
                self.entry = _Entry(line, value)
                message.entries += 1
            elif tag == "86":
                if self.entry is not None:
                    self.entry.details.append(value)
            elif tag in ("62F", "62M", "64"):
                yield from self._flush_entry()
                yield from self._balance(message, tag, value, line)
            elif tag in ("65", "NS", "28", "28C", "21"):
                continue
        yield from self._end_message()
        if not self.messages:
            raise self._fail(None, "not an MT940 file: no :20: statement found")
        for line in self.unclosed:
            last = line == self.last_message_line and not self.terminated
            yield Problem(
                self.source,
                Position(line=line, element=":20:"),
                ":62F:",
                "the file ends before this statement's closing balance: it looks truncated"
                if last
                else "this statement has entries but no closing balance",
                Severity.ERROR if last else Severity.WARNING,
            )

    def _end_message(self) -> Iterator[Record]:
        yield from self._flush_entry()
        message = self.message
        if message is None:
            return
        self.messages += 1
        if not message.account:
            raise self._fail(message.line, "statement without a :25: account identification")
        if message.entries and not message.closed and not message.interim:
            self.unclosed.append(message.line)
        if not message.entries and not message.closed:
            yield from self._announce(message, message.line)
        self.message = None

    def _account_parts(self, message: _Message) -> tuple[str, str]:
        text = message.account
        match = _CURRENCY_SUFFIX.match(text)
        if match and match.group("account") and not text[-4:-3].isalpha():
            return match.group("account").strip(), match.group("currency")
        if match and match.group("account") and " " in text:
            return match.group("account").strip(), match.group("currency")
        return text, ""

    def _announce(self, message: _Message, line: int) -> Iterator[Record]:
        identifier, suffix_currency = self._account_parts(message)
        currency = message.currency or suffix_currency
        if not message.account:
            raise self._fail(line, "an entry before the :25: account identification")
        if not currency:
            raise self._fail(line, "no currency: neither :60F: nor :25: names one")
        message.currency = currency
        key = f"{identifier}|{currency}"
        if key in self.accounts:
            return
        self.accounts[key] = currency
        yield ParsedAccount(
            key=key,
            identifier=identifier,
            account_type=AccountType.CHECKING,
            currency=currency,
            display_name="Account",
            position=Position(line=message.account_line or line, element=":25:"),
        )

    def _key(self, message: _Message) -> str:
        identifier, _suffix = self._account_parts(message)
        return f"{identifier}|{message.currency}"

    def _balance(self, message: _Message, tag: str, value: str, line: int) -> Iterator[Record]:
        match = _BALANCE.match(value.strip())
        if tag != "64":
            message.closed = True
        if match is None:
            yield Problem(
                self.source,
                Position(line=line, element=f":{tag}:"),
                f":{tag}:",
                f"not a balance: {value.strip()[:40]!r}",
            )
            return
        message.currency = message.currency or match.group("currency") or ""
        yield from self._announce(message, line)
        try:
            amount = _amount(match.group("amount"))
            as_of = _date(match.group("date"))
        except (InvalidAmount, ValueError) as exc:
            yield Problem(
                self.source, Position(line=line, element=f":{tag}:"), f":{tag}:", str(exc)
            )
            return
        if match.group("mark") == "D":
            amount = -amount
        yield ParsedBalance(
            account_key=self._key(message),
            kind=BalanceKind.AVAILABLE if tag == "64" else BalanceKind.BOOKED,
            amount=amount,
            currency=match.group("currency") or message.currency,
            as_of=as_of,
            position=Position(line=line, element=f":{tag}:"),
        )

    def _flush_entry(self) -> Iterator[Record]:
        entry, message = self.entry, self.message
        self.entry = None
        if entry is None or message is None:
            return
        yield self._transaction(message, entry)

    def _transaction(self, message: _Message, entry: _Entry) -> Record:
        position = Position(line=entry.line, element=":61:")
        first, _, supplementary = entry.text.partition("\n")
        match = _STATEMENT_LINE.match(first.strip())
        if match is None:
            return Problem(
                self.source, position, ":61:", f"not a statement line: {first.strip()[:60]!r}"
            )
        try:
            value_date = _date(match.group("value"))
            booking_date = value_date
            if match.group("entry"):
                booking_date = _entry_date(value_date, match.group("entry"))
            amount = _amount(match.group("amount"))
        except (ValueError, InvalidAmount) as exc:
            return Problem(self.source, position, ":61:", f"{exc} in {first.strip()[:60]!r}")
        mark = match.group("mark")
        if mark in ("D", "RC", "ED"):
            amount = -amount
        rest = match.group("rest")
        customer_ref, _, bank_ref = rest.partition("//")
        customer_ref, bank_ref = customer_ref.strip(), bank_ref.strip()
        details = _details("\n".join(entry.details))
        bank_id = ""
        if bank_ref and bank_ref.upper() != "NONREF":
            bank_id = bank_ref
        description = details.description or " ".join(supplementary.split())
        if not description and customer_ref.upper() != "NONREF":
            description = customer_ref
        reference = details.reference or (customer_ref if customer_ref.upper() != "NONREF" else "")
        return ParsedTransaction(
            account_key=self._key(message),
            booking_date=booking_date,
            amount=amount,
            currency=message.currency,
            status=TransactionStatus.PENDING if message.interim else TransactionStatus.BOOKED,
            value_date=value_date,
            bank_id=bank_id,
            description=description,
            counterparty=details.counterparty,
            reference=reference,
            transaction_type=(match.group("type") or "").upper(),
            position=position,
        )


@dataclass(frozen=True, slots=True)
class _Details:
    description: str = ""
    counterparty: str = ""
    reference: str = ""


def _details(text: str) -> _Details:
    """Interpret ``:86:`` text: German ``?NN`` subfields, Dutch ``/KEY/`` fields, or prose."""
    if not text.strip():
        return _Details()
    if _GERMAN.search(text) and re.match(r"^\s*\d{3}\s*\?", text):
        return _german("".join(text.split("\n")))
    flat = " ".join(text.split())
    if "/NAME/" in flat or "/REMI/" in flat or "/EREF/" in flat:
        return _dutch(flat)
    return _Details(description=flat)


def _german(text: str) -> _Details:
    parts = _GERMAN.split(text)
    subfields: dict[str, str] = {}
    for index in range(1, len(parts) - 1, 2):
        key, value = parts[index], parts[index + 1]
        subfields[key] = subfields.get(key, "") + value
    purpose = "".join(
        subfields.get(f"{n:02d}", "") for n in [*range(20, 30), *range(60, 64)]
    ).strip()
    reference = ""
    keyed = {m.group(1): m.start() for m in _SEPA_KEYS.finditer(purpose)}
    if keyed:
        values: dict[str, str] = {}
        ordered = sorted(keyed.items(), key=lambda kv: kv[1])
        for i, (key, start) in enumerate(ordered):
            end = ordered[i + 1][1] if i + 1 < len(ordered) else len(purpose)
            values[key] = purpose[start + len(key) + 1 : end].strip()
        reference = values.get("EREF", "")
        if reference.upper() == "NOTPROVIDED":
            reference = ""
        purpose = values.get("SVWZ", "") or purpose
    posting = subfields.get("00", "").strip()
    counterparty = " ".join((subfields.get("32", "") + subfields.get("33", "")).split())
    description = " ".join(f"{posting} {purpose}".split())
    return _Details(description=description, counterparty=counterparty, reference=reference)


def _dutch(text: str) -> _Details:
    parts = _DUTCH.split(text)
    values: dict[str, str] = {}
    for index in range(1, len(parts) - 1, 2):
        values.setdefault(parts[index], parts[index + 1].strip(" /"))
    name = values.get("NAME", "")
    if not name and "CNTP" in values:  # ING: /CNTP/IBAN/BIC/NAME/CITY/
        pieces = values["CNTP"].split("/")
        name = pieces[2].strip() if len(pieces) > 2 else ""
    remittance = values.get("REMI", "")
    if remittance.startswith("USTD//"):
        remittance = remittance[6:]
    description = " ".join(f"{name} {remittance}".split()) or " ".join(parts[0].split())
    eref = values.get("EREF", "")
    return _Details(
        description=description,
        counterparty=name,
        reference="" if eref.upper() == "NOTPROVIDED" else eref,
    )


def _amount(text: str) -> Decimal:
    return parse_amount(text.replace(",", "."))


def _date(text: str) -> date:
    year = int(text[:2])
    return date(2000 + year if year < 80 else 1900 + year, int(text[2:4]), int(text[4:6]))


def _entry_date(value_date: date, mmdd: str) -> date:
    month, day = int(mmdd[:2]), int(mmdd[2:])
    year = value_date.year
    if month - value_date.month > 6:
        year -= 1
    elif value_date.month - month > 6:
        year += 1
    return date(year, month, day)
