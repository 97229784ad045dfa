"""OFX 1.x (SGML), OFX 2.x (XML) and QFX bank and credit-card statements.

A focused streaming reader (ofxtools is GPL; ofxparse is stale and builds a whole tree):
the file is decoded in chunks in the charset its header declares, cut into ``<TAG>value``
tokens, and walked with a stack of open aggregates. Each STMTTRN becomes a record as soon
as it closes, so memory stays bounded for files of millions of transactions.

SGML leaves have no closing tags; aggregates do. A known aggregate name opens a level; an
unknown tag with no value opens a tentative level that its parent's close discards.

Mapping: STMTRS/CCSTMTRS -> one account (key ACCTID, mask from it; CURDEF currency);
LEDGERBAL -> booked balance, AVAILBAL -> available balance (at DTASOF); STMTTRN ->
transaction (DTPOSTED date, DTAVAIL value date, signed TRNAMT, FITID bank id, NAME + MEMO
description, PAYEE name as counterparty, REFNUM/CHECKNUM reference, SIC as MCC, TRNTYPE).
Investment statements and account lists are skipped with a warning; a STATUS of severity
ERROR (sign-on failure, server error) fails the file with the bank's code and message.
"""

from __future__ import annotations

import codecs
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import BinaryIO

from openteller.domain.accounts import AccountType, BalanceKind
from openteller.domain.errors import IngestError, InvalidAmount
from openteller.domain.money import parse_amount
from openteller.ingest.records import (
    ParsedAccount,
    ParsedBalance,
    ParsedTransaction,
    Position,
    Problem,
    Record,
    Severity,
)

CHUNK = 1 << 20
#: No tag value (or run of text between tags) may be longer than this.
MAX_VALUE = 1 << 20

_AGGREGATES = frozenset(
    """OFX SIGNONMSGSRSV1 SONRS STATUS FI BANKMSGSRSV1 STMTTRNRS STMTRS BANKACCTFROM
    BANKACCTTO BANKTRANLIST STMTTRN LEDGERBAL AVAILBAL CREDITCARDMSGSRSV1 CCSTMTTRNRS
    CCSTMTRS CCACCTFROM CCACCTTO PAYEE CURRENCY ORIGCURRENCY BALLIST BAL MKTGINFO
    INVSTMTMSGSRSV1 INVSTMTTRNRS INVSTMTRS INVACCTFROM INVTRANLIST INVBANKTRAN INVPOSLIST
    INVBAL INVOOLIST SECLISTMSGSRSV1 SECLIST SIGNUPMSGSRSV1 ACCTINFOTRNRS ACCTINFORS ACCTINFO
    BANKACCTINFO CCACCTINFO INVACCTINFO LOANSTMTRS LOANACCTFROM STMTENDRS STMTENDTRNRS
    CCSTMTENDRS CCSTMTENDTRNRS CLOSING EMAILMSGSRSV1 PROFMSGSRSV1 PROFRS""".split()
)
_SKIPPED = {
    "INVSTMTRS": "an investment statement (OpenTeller reads bank and credit-card statements)",
    "ACCTINFORS": "an account list (no transactions)",
    "LOANSTMTRS": "a loan statement (not supported yet)",
    "STMTENDRS": "a closing-statement summary (no transactions)",
    "CCSTMTENDRS": "a closing-statement summary (no transactions)",
}
_ACCOUNT_TYPES = {
    "CHECKING": AccountType.CHECKING,
    "SAVINGS": AccountType.SAVINGS,
    "MONEYMRKT": AccountType.SAVINGS,
    "CD": AccountType.SAVINGS,
    "CREDITLINE": AccountType.LOAN,
}
_CHARSETS = {
    "1252": "cp1252",
    "WINDOWS-1252": "cp1252",
    "ISO-8859-1": "latin-1",
    "8859-1": "latin-1",
    "ISO8859-1": "latin-1",
    "LATIN1": "latin-1",
    "UTF-8": "utf-8",
    "UTF8": "utf-8",
}
_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9._:-]*)[^<>]*>([^<]*)")
_SKIP = re.compile(r"<\?.*?\?>|<!--.*?-->", re.DOTALL)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.DOTALL)
_DATE = re.compile(
    r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?(?:\.\d+)?)?\s*"
    r"(?:\[\s*([+-]?\d+(?:\.\d+)?)(?::[^\]]*)?\])?$"
)


@dataclass(slots=True)
class _Level:
    name: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    tentative: bool = False


@dataclass(slots=True)
class _Statement:
    kind: str  # STMTRS | CCSTMTRS
    line: int
    currency: str = ""
    account_key: str = ""
    account: ParsedAccount | None = None
    announced: bool = False


class OfxReader:
    """Reads OFX/QFX statements."""

    name = "ofx"

    def sniff(self, head: bytes, filename: str) -> float:
        text = head[:4096].upper()
        if b"OFXHEADER" in text or b"<?OFX" in text:
            return 0.98
        if b"<OFX>" in text:
            return 0.9
        if filename.lower().endswith((".ofx", ".qfx")) and b"<" in text:
            return 0.3
        return 0.0

    def read(self, stream: BinaryIO, source: str) -> Iterator[Record]:
        return _OfxWalk(stream, source).records()


class _OfxWalk:
    def __init__(self, stream: BinaryIO, source: str) -> None:
        self.stream = stream
        self.source = source
        self.stack: list[_Level] = []
        self.statement: _Statement | None = None
        self.skip_depth = 0  # > 0 while inside a skipped aggregate
        self.seen_ofx = False
        self.statements = 0
        self.warnings = 0
        self.transactions = 0

    # -- input ---------------------------------------------------------------------------
    def _fail(self, line: int | None, message: str) -> IngestError:
        where = f"line {line}: " if line else ""
        return IngestError(f"{self.source}: {where}{message}")

    def _decoder(self, head: bytes) -> tuple[codecs.IncrementalDecoder, str]:
        text = head[:2048].decode("latin-1").upper()
        charset = ""
        if text.lstrip("\ufeff\r\n\t ").startswith("<?XML") or "<?OFX" in text:
            match = re.search(r"ENCODING\s*=\s*[\"']([^\"']+)", text)
            charset = _CHARSETS.get(match.group(1).strip(), match.group(1).lower()) if match else ""
            charset = charset or "utf-8"
        else:
            declared = re.search(r"CHARSET\s*:\s*([^\r\n]+)", text)
            encoding = re.search(r"ENCODING\s*:\s*([^\r\n]+)", text)
            name = declared.group(1).strip() if declared else "NONE"
            if encoding and encoding.group(1).strip() in {"UTF-8", "UTF8"}:
                charset = "utf-8"
            elif name in _CHARSETS:
                charset = _CHARSETS[name]
            else:
                charset = "utf-8?"  # not declared: UTF-8, else Windows-1252
        if charset == "utf-8?":
            try:
                head.decode("utf-8")
                charset = "utf-8"
            except UnicodeDecodeError as exc:
                charset = "cp1252" if exc.start < len(head) - 4 else "utf-8"
        try:
            return codecs.getincrementaldecoder(charset)(errors="strict"), charset
        except LookupError as exc:
            raise self._fail(1, f"charset: unknown character set {charset!r}") from exc

    def _texts(self) -> Iterator[tuple[str, bool]]:
        """Decoded chunks; the flag says whether it is the last one."""
        first = self.stream.read(CHUNK)
        if not first.strip():
            raise self._fail(None, "the file is empty")
        if b"\x00" in first[:4096] and not first.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise self._fail(1, "not an OFX file: it holds binary data")
        decoder, charset = self._decoder(first)
        chunk, line = first, 1
        while True:
            following = self.stream.read(CHUNK)
            try:
                text = decoder.decode(chunk, final=not following)
            except UnicodeDecodeError as exc:
                bad_line = line + chunk[: exc.start].count(b"\n")
                raise self._fail(
                    bad_line,
                    f"encoding: bytes {exc.object[exc.start : exc.start + 4]!r} are not valid "
                    f"{charset} (the charset the file's header declares)",
                ) from exc
            line += chunk.count(b"\n")
            yield text, not following
            if not following:
                return
            chunk = following

    def _tokens(self) -> Iterator[tuple[str, str, str, int]]:
        """(slash, tag, value, line) tokens of the whole file, streamed."""
        pending = ""
        line = 1
        started = False
        for text, last in self._texts():
            buffer = pending + text
            if not started:
                start = buffer.upper().find("<OFX")
                if start < 0:
                    if len(buffer) > MAX_VALUE or last:
                        raise self._fail(None, "not an OFX file: no <OFX> element found")
                    pending = buffer
                    continue
                header = buffer[:start]
                if "<!DOCTYPE" in header.upper() or "<!ENTITY" in header.upper():
                    raise self._fail(1, "DOCTYPE and entity declarations are not allowed")
                line += header.count("\n")
                buffer = buffer[start:]
                started = True
            if "<!" in buffer:
                upper = buffer.upper()
                if "<!DOCTYPE" in upper or "<!ENTITY" in upper:
                    raise self._fail(line, "DOCTYPE and entity declarations are not allowed")
            if last:
                cut = len(buffer)
            else:
                cut = buffer.rfind("<")
                open_cdata = buffer.rfind("<![CDATA[")
                if open_cdata > buffer.rfind("]]>"):
                    cut = min(cut, open_cdata)
                if cut <= 0:
                    if len(buffer) > MAX_VALUE:
                        raise self._fail(line, f"a value longer than {MAX_VALUE} characters")
                    pending = buffer
                    continue
            body, pending = buffer[:cut], buffer[cut:]
            if "<!" in body or "<?" in body:
                body = _SKIP.sub("", body)
                body = _CDATA.sub(lambda m: html.escape(m.group(1), quote=False), body)
            position = 0
            search = _TOKEN.search
            while True:
                match = search(body, position)
                if match is None:
                    break
                if match.start() != position:
                    stray = body[position : match.start()]
                    if stray.strip():
                        raise self._fail(line, f"malformed OFX near {stray.strip()[:40]!r}")
                    line += stray.count("\n")
                tag = match.group(2).upper()
                value = match.group(3)
                if tag == "STMTTRN" and not match.group(1):
                    # Fast path: a whole flat STMTTRN in one go (no nested aggregates).
                    end = body.find("</STMTTRN>", match.end())
                    if end < 0:
                        end = body.find("</stmttrn>", match.end())
                    if end >= 0:
                        block = body[match.end() : end]
                        if (
                            "<PAYEE>" not in block
                            and "CURRENCY>" not in block
                            and ("ACCTTO>" not in block and len(block) < MAX_VALUE)
                        ):
                            yield "*", tag, block, line
                            line += value.count("\n") + block.count("\n")
                            position = end + len("</STMTTRN>")
                            continue
                if len(value) > MAX_VALUE:
                    raise self._fail(line, f"a value longer than {MAX_VALUE} characters")
                yield match.group(1), tag, value, line
                if "\n" in value:
                    line += value.count("\n")
                position = match.end()
            rest = body[position:]
            if rest.strip():
                raise self._fail(line, f"malformed OFX near {rest.strip()[:40]!r}")
        if not started:
            raise self._fail(None, "not an OFX file: no <OFX> element found")

    # -- structure -----------------------------------------------------------------------
    def records(self) -> Iterator[Record]:
        for slash, tag, raw, line in self._tokens():
            if slash == "*":  # a whole flat STMTTRN
                statement = self.statement
                if statement is not None and not self.skip_depth and self.stack:
                    level = _Level(tag, line, _leaves(raw))
                    yield from self._announce(statement, line)
                    yield self._transaction(statement, level)
                continue
            if not slash:
                value = raw.strip()
                if tag in _AGGREGATES or (not value and tag not in _LEAVES):
                    yield from self._open(tag, line, tentative=tag not in _AGGREGATES)
                elif self.stack:
                    if "&" in value:
                        value = html.unescape(value)
                    self.stack[-1].fields[tag] = value
                continue
            yield from self._close(tag, line)
        open_known = [level for level in self.stack if not level.tentative]
        if open_known:
            innermost = open_known[-1]
            raise self._fail(
                None,
                f"truncated: the file ends inside <{innermost.name}> opened at line "
                f"{innermost.line}",
            )
        if not self.statements and not self.warnings:
            yield Problem(
                self.source,
                Position(line=1, element="OFX"),
                "",
                "no bank or credit-card statement in this file (sign-on response only)",
                Severity.WARNING,
            )

    def _open(self, tag: str, line: int, tentative: bool) -> Iterator[Record]:
        if tag == "OFX":
            self.seen_ofx = True
        self.stack.append(_Level(tag, line, tentative=tentative))
        if self.skip_depth:
            self.skip_depth += 1
            return
        if tag in _SKIPPED:
            self.skip_depth = 1
            self.warnings += 1
            yield Problem(
                self.source,
                Position(line=line, element=tag),
                "",
                f"skipped {_SKIPPED[tag]}",
                Severity.WARNING,
            )
        elif tag in ("STMTRS", "CCSTMTRS"):
            self.statement = _Statement(tag, line)
            self.statements += 1

    def _close(self, tag: str, line: int) -> Iterator[Record]:
        if not any(level.name == tag for level in self.stack):
            return  # an XML leaf's closing tag, or a stray close: nothing to do
        while self.stack:
            level = self.stack.pop()
            if self.skip_depth:
                self.skip_depth -= 1
                if level.name == tag:
                    return
                continue
            if level.name == tag:
                yield from self._finish(level, line)
                return
            if not level.tentative:
                raise self._fail(
                    line, f"</{tag}> closes <{tag}> but <{level.name}> (line {level.line}) is open"
                )

    def _parent(self) -> _Level | None:
        return self.stack[-1] if self.stack else None

    def _finish(self, level: _Level, line: int) -> Iterator[Record]:
        name, fields = level.name, level.fields
        parent = self._parent()
        statement = self.statement
        if name == "STATUS":
            self._check_status(fields, level.line, parent.name if parent else "OFX")
        elif name in ("CURRENCY", "ORIGCURRENCY") and parent is not None:
            parent.fields["_CURRENCY"] = fields.get("CURSYM", "")
        elif name == "PAYEE" and parent is not None:
            parent.fields["_PAYEE"] = fields.get("NAME", "")
        elif name in ("BANKACCTFROM", "CCACCTFROM") and statement is not None:
            self._account(statement, fields, name, level.line)
        elif name == "STMTTRN" and statement is not None:
            yield from self._announce(statement, level.line)
            yield self._transaction(statement, level)
        elif name in ("LEDGERBAL", "AVAILBAL") and statement is not None:
            yield from self._announce(statement, level.line)
            yield self._balance(statement, level)
        elif name in ("STMTRS", "CCSTMTRS") and statement is not None:
            statement.currency = statement.currency or fields.get("CURDEF", "")
            yield from self._announce(statement, level.line)
            self.statement = None

    def _check_status(self, fields: dict[str, str], line: int, where: str) -> None:
        if fields.get("SEVERITY", "").upper() != "ERROR":
            return
        code = fields.get("CODE", "?")
        message = fields.get("MESSAGE", "") or "no message"
        what = "sign-on failed" if where == "SONRS" else "the bank returned an error"
        raise self._fail(
            line,
            f"element STATUS in {where}: {what} (code {code}: {message}); "
            "the file holds no statement",
        )

    def _account(self, statement: _Statement, fields: dict[str, str], name: str, line: int) -> None:
        identifier = fields.get("ACCTID", "")
        if not identifier:
            raise self._fail(line, f"element {name}: ACCTID: the account has no number")
        if name == "CCACCTFROM":
            account_type, label = AccountType.CREDIT_CARD, "Credit card"
        else:
            kind = fields.get("ACCTTYPE", "CHECKING").upper()
            account_type = _ACCOUNT_TYPES.get(kind, AccountType.OTHER)
            label = kind.capitalize() if kind else "Account"
        statement.account_key = f"{identifier}|{account_type.value}"
        statement.account = ParsedAccount(
            key=statement.account_key,
            identifier=identifier,
            account_type=account_type,
            currency="",
            display_name=label,
            institution=fields.get("BANKID", ""),
            position=Position(line=line, element=name),
        )

    def _announce(self, statement: _Statement, line: int) -> Iterator[Record]:
        if statement.announced:
            return
        parent_fields = next(
            (lvl.fields for lvl in reversed(self.stack) if lvl.name == statement.kind), {}
        )
        statement.currency = statement.currency or parent_fields.get("CURDEF", "")
        if statement.account is None:
            raise self._fail(
                line,
                f"element {statement.kind}: the statement has no "
                f"{'CCACCTFROM' if statement.kind == 'CCSTMTRS' else 'BANKACCTFROM'} account",
            )
        if not statement.currency:
            raise self._fail(line, f"element {statement.kind}: CURDEF: no currency given")
        statement.announced = True
        account = statement.account
        yield ParsedAccount(
            key=account.key,
            identifier=account.identifier,
            account_type=account.account_type,
            currency=statement.currency.upper(),
            display_name=account.display_name,
            institution=account.institution,
            position=account.position,
        )

    def _transaction(self, statement: _Statement, level: _Level) -> Record:
        fields = level.fields
        position = Position(line=level.line, element="STMTTRN")
        self.transactions += 1
        try:
            amount = _amount(fields.get("TRNAMT", ""))
        except InvalidAmount as exc:
            return Problem(self.source, position, "TRNAMT", str(exc))
        posted = fields.get("DTPOSTED", "")
        booking = _date_only(posted)
        if booking is None:
            message = "missing" if not posted else f"not an OFX date: {posted!r}"
            return Problem(self.source, position, "DTPOSTED", message)
        available = fields.get("DTAVAIL", "")
        value_date = _date_only(available) if available else None
        name = fields.get("NAME", "")
        memo = fields.get("MEMO", "")
        description = name
        if memo:  # OFX 1 cuts NAME at 32 characters; MEMO often repeats it in full
            folded_name, folded_memo = name.casefold(), memo.casefold()
            if folded_memo.startswith(folded_name):
                description = memo
            elif folded_memo not in folded_name:
                description = f"{name} {memo}".strip()
        sic = fields.get("SIC", "")
        return ParsedTransaction(
            account_key=statement.account_key,
            booking_date=booking,
            amount=amount,
            currency=(fields.get("_CURRENCY") or statement.currency).upper(),
            value_date=value_date,
            bank_id=fields.get("FITID", ""),
            description=" ".join(description.split()),
            counterparty=fields.get("_PAYEE", ""),
            reference=fields.get("REFNUM", "") or fields.get("CHECKNUM", ""),
            mcc=sic if len(sic) == 4 and sic.isdigit() else "",
            transaction_type=fields.get("TRNTYPE", "").upper(),
            position=position,
        )

    def _balance(self, statement: _Statement, level: _Level) -> Record:
        fields = level.fields
        position = Position(line=level.line, element=level.name)
        try:
            amount = _amount(fields.get("BALAMT", ""))
        except InvalidAmount as exc:
            return Problem(self.source, position, "BALAMT", str(exc))
        as_of = _datetime(fields.get("DTASOF", ""))
        if as_of is None:
            return Problem(
                self.source, position, "DTASOF", f"not an OFX date: {fields.get('DTASOF', '')!r}"
            )
        kind = BalanceKind.BOOKED if level.name == "LEDGERBAL" else BalanceKind.AVAILABLE
        return ParsedBalance(
            account_key=statement.account_key,
            kind=kind,
            amount=amount,
            currency=statement.currency.upper(),
            as_of=as_of,
            position=position,
        )


#: Leaf elements that may legitimately be empty (never aggregates).
_LEAVES = frozenset(
    """NAME MEMO PAYEEID REFNUM CHECKNUM SIC FITID TRNAMT TRNTYPE DTPOSTED DTUSER DTAVAIL
    CURDEF ACCTID BANKID BRANCHID ACCTTYPE ACCTKEY BALAMT DTASOF DTSTART DTEND CODE SEVERITY
    MESSAGE ORG FID DTSERVER LANGUAGE TRNUID CURSYM CURRATE SRVRTID CORRECTFITID
    CORRECTACTION INV401KSOURCE EXTDNAME MKTGINFO DTPROFUP DTACCTUP USERKEY SESSCOOKIE
    ADDR1 ADDR2 ADDR3 CITY STATE POSTALCODE COUNTRY PHONE""".split()
)


_LEAF = re.compile(r"<([A-Za-z][A-Za-z0-9._]*)>([^<]*)")


def _leaves(block: str) -> dict[str, str]:
    """The leaf values of a flat aggregate's text (SGML or XML)."""
    fields: dict[str, str] = {}
    for tag, raw in _LEAF.findall(block):
        value = raw.strip()
        if "&" in value:
            value = html.unescape(value)
        fields[tag.upper()] = value
    return fields


def _amount(text: str) -> Decimal:
    cleaned = text.strip()
    if not cleaned:
        raise InvalidAmount("missing")
    if "," in cleaned and "." not in cleaned:
        return parse_amount(cleaned, decimal_separator=",")
    return parse_amount(cleaned)


def _parts(text: str) -> tuple[date, datetime] | None:
    match = _DATE.match(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, offset = match.groups()
    try:
        day_value = date(int(year), int(month), int(day))
        zone = UTC
        if offset is not None:
            zone = timezone(timedelta(hours=float(offset)))
        moment = datetime(
            day_value.year,
            day_value.month,
            day_value.day,
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=zone,
        )
    except ValueError:
        return None
    return day_value, moment


def _date_only(text: str) -> date | None:
    if len(text) >= 8 and text[:8].isdigit() and (len(text) == 8 or len(text) >= 12):
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
        except ValueError:
            return None
    parts = _parts(text)
    return parts[0] if parts else None


def _datetime(text: str) -> datetime | None:
    parts = _parts(text)
    return parts[1] if parts else None
