"""ISO 20022 cash-management reader: camt.053 statements, camt.052 reports, camt.054 notices.

Implements ``BkToCstmrStmt/Stmt`` (camt.053), ``BkToCstmrAcctRpt/Rpt`` (camt.052) and
``BkToCstmrDbtCdtNtfctn/Ntfctn`` (camt.054), every ``camt.05x.001.NN`` version: elements are
matched by local name, so a new namespace version needs no change. The file is streamed
(:func:`openteller.ingest.safe_xml.iterparse`); each ``Ntry`` is removed from the tree once
read, so memory stays flat for a 100 MB statement.

Mapping, and the choices the standard leaves open:

* ``Acct`` -> :class:`ParsedAccount`: ``Id/IBAN`` (or ``Othr/Id``, ``BBAN``, v1 ``PrtryAcct/Id``),
  ``Ccy`` (else the first balance's or entry's currency, else ``XXX``), ``Nm``,
  ``Svcr/FinInstnId/BIC|BICFI|Nm``; ``Tp/Cd`` SVGS/LLSV/ONDP/MOMA savings, LOAN/MGLD loan,
  anything else checking.
* ``Bal`` by ``Tp/CdOrPrtry/Cd``: CLBD booked, CLAV available; interim ITBD/ITAV only when
  the statement has no closing balance of that kind (camt.052 intraday reports). OPBD/PRCD/
  OPAV/FWAV are ignored: they repeat the previous closing balance and banks date them apart.
* ``Ntry``: ``Amt@Ccy`` signed by ``CdtDbtInd`` (DBIT negative). ``RvslInd=true`` marks a
  reversal; per the ISO usage rule ("if CdtDbtInd is DBIT and RvslInd is true, the original
  operation was a credit") ``CdtDbtInd`` is already the direction of the reversal booking, so
  the sign is *not* flipped by default (the PostFinance sample only reconciles that way, and
  OCA's importer agrees); ``transaction_type`` gets a ``reversal`` suffix.
  ``CamtReader(reversal_flips_sign=True)`` serves banks that report the original direction.
* ``Sts`` (``Sts/Cd`` from v8): BOOK booked; PDNG, INFO, FUTR pending (not on the books
  yet); missing means booked; unknown codes are booked with a warning.
* ``BookgDt`` (else ``ValDt``, else the statement's ``CreDtTm``), ``ValDt``; ``AcctSvcrRef``
  (else ``NtryRef``) -> ``bank_id``; ``BkTxCd`` Domn/Fmly/SubFmly (else ``Prtry/Cd``) ->
  ``transaction_type``; ``RmtInf/Ustrd`` then ``AddtlNtryInf`` -> ``description``;
  ``RltdPties`` ``Cdtr`` (else ``UltmtCdtr``) for debits, ``Dbtr`` for credits ->
  ``counterparty`` (a reversal's parties are the original payment's, so roles swap);
  ``Refs/EndToEndId`` (else ``Strd/CdtrRefInf/Ref``) -> ``reference``.
* Batches: an entry with several ``TxDtls`` is split per ``TxDtls`` only when each carries
  its own amount (``Amt`` v3+, ``AmtDtls/TxAmt/Amt`` v2) in the entry currency and the
  signed amounts sum exactly to the entry (parts get ``bank_id`` ``<entry id>/<n>``);
  otherwise it stays one transaction of the booked amount, so totals always match.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import BinaryIO

from lxml import etree

from openteller.domain.accounts import AccountType, BalanceKind
from openteller.domain.errors import DomainError, IngestError
from openteller.domain.money import check_currency, parse_amount
from openteller.domain.transactions import TransactionStatus
from openteller.ingest.records import (
    ParsedAccount,
    ParsedBalance,
    ParsedTransaction,
    Position,
    Problem,
    Record,
    Severity,
)
from openteller.ingest.safe_xml import child as _sub
from openteller.ingest.safe_xml import child_index as _kids
from openteller.ingest.safe_xml import children, iterparse, line_of, local_name
from openteller.ingest.safe_xml import text as _t

_Element = etree._Element
_MESSAGES = ("BkToCstmrStmt", "BkToCstmrAcctRpt", "BkToCstmrDbtCdtNtfctn")
_STATEMENTS = frozenset({"Stmt", "Rpt", "Ntfctn"})
_TAGS = tuple(
    f"{{*}}{name}" for name in ("Ntry", *_STATEMENTS, *_MESSAGES, *(f"{m}V01" for m in _MESSAGES))
)
_SNIFF_NAMESPACE = re.compile(rb"urn:iso:std:iso:20022:tech:xsd:camt\.05[234]\.")
_SNIFF_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?BkToCstmr(?:Stmt|AcctRpt|DbtCdtNtfctn)")

_SIGNS = {"CRDT": 1, "DBIT": -1}
_PENDING = ("PDNG", "INFO", "FUTR")
_STATUS = {"BOOK": TransactionStatus.BOOKED} | dict.fromkeys(_PENDING, TransactionStatus.PENDING)
_CLOSING = {"CLBD": BalanceKind.BOOKED, "CLAV": BalanceKind.AVAILABLE}
_INTERIM = {"ITBD": BalanceKind.BOOKED, "ITAV": BalanceKind.AVAILABLE}
_ACCOUNT_TYPES = dict.fromkeys(("SVGS", "LLSV", "ONDP", "MOMA"), AccountType.SAVINGS) | {
    "LOAN": AccountType.LOAN,
    "MGLD": AccountType.LOAN,
}
_ACCOUNT_IDS = (("IBAN",), ("Othr", "Id"), ("BBAN",), ("PrtryAcct", "Id"), ("UPIC",))
_SERVICER = (("BIC",), ("BICFI",), ("Nm",), ("NmAndAdr", "Nm"))
_NO_REF = frozenset({"", "NONREF", "NOTPROVIDED", "NOT PROVIDED"})
_MAX_DESCRIPTION_PARTS = 3


def _first(element: _Element | None, paths: tuple[tuple[str, ...], ...]) -> str:
    for path in paths:
        text = _t(_sub(element, *path))
        if text:
            return text
    return ""


def _when(element: _Element | None) -> date | datetime | None:
    """``DateAndDateTimeChoice``: ``Dt`` (ISODate, maybe zoned) or ``DtTm``; ValueError if bad."""
    if element is None:
        return None
    for child in element:
        tag, text = child.tag, _t(child)
        if isinstance(tag, str) and text:
            return (
                datetime.fromisoformat(text)
                if tag.endswith("DtTm")
                else date.fromisoformat(text[:10])
            )
    return None


def _day(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def _signed(amt: _Element | None, indicator: str, fallback: str) -> tuple[Decimal, str]:
    """``Amt@Ccy`` signed by ``CdtDbtInd`` (DBIT negative); :class:`_FieldError` if bad."""
    if amt is None:
        raise _FieldError("Amt", "missing amount")
    try:
        amount = parse_amount(amt.text or "")
    except DomainError as exc:
        raise _FieldError("Amt", str(exc)) from exc
    ccy = amt.get("Ccy") or fallback
    try:
        currency = ccy if len(ccy) == 3 and ccy.isupper() else check_currency(ccy)
    except DomainError as exc:
        raise _FieldError("Amt@Ccy", str(exc)) from exc
    sign = _SIGNS.get(indicator)
    if sign is None:
        raise _FieldError("CdtDbtInd", f"expected CRDT or DBIT, got {indicator!r}")
    return (-amount if sign < 0 else amount), currency


class _FieldError(Exception):
    """One field of an entry or balance cannot be read; ``args`` are (field, message)."""


class _Detail:
    """One ``NtryDtls/TxDtls`` (or v1 ``Ntry/TxDtls``), its children indexed once."""

    __slots__ = ("element", "kids")

    def __init__(self, element: _Element) -> None:
        self.element = element
        self.kids = _kids(element)

    def remittance(self) -> str:
        lines = (_t(u) for u in children(self.kids.get("RmtInf"), "Ustrd"))
        return " ".join(line for line in lines if line)

    def reference(self) -> str:
        ref = _t(_sub(self.kids.get("Refs"), "EndToEndId"))
        if ref.upper() in _NO_REF:
            ref = _t(_sub(self.kids.get("RmtInf"), "Strd", "CdtrRefInf", "Ref"))
        return "" if ref.upper() in _NO_REF else ref

    def party(self, roles: tuple[str, ...]) -> str:
        parties = self.kids.get("RltdPties")
        if parties is None:
            return ""
        for role in roles:
            party = _sub(parties, role)
            name = _t(_sub(party, "Nm")) or _t(_sub(party, "Pty", "Nm"))
            if name:
                return name
        return ""

    def amount(self, currency: str, entry_sign: int, flip: bool) -> Decimal | None:
        """The detail's own signed amount in ``currency`` (``Amt`` v3+, v2 ``AmtDtls/TxAmt``)."""
        amt = self.kids.get("Amt")
        if amt is None:
            amt = _sub(self.kids.get("AmtDtls"), "TxAmt", "Amt")
        if amt is None or (amt.get("Ccy") or currency) != currency:
            return None
        try:
            value = parse_amount(amt.text or "")
        except DomainError:
            return None
        sign = _SIGNS.get(_t(self.kids.get("CdtDbtInd")))
        sign = entry_sign if sign is None else (-sign if flip else sign)
        return -value if sign < 0 else value


def _describe(details: list[_Detail], extra: str) -> str:
    """``RmtInf/Ustrd`` lines (joined), then ``AddtlNtryInf``; ``AddtlTxInf`` as fallback."""
    parts: list[str] = []
    for detail in details:
        text = detail.remittance()
        if text and text not in parts:
            parts.append(text)
            if len(parts) == _MAX_DESCRIPTION_PARTS:
                break
    if extra and extra not in parts:
        parts.append(extra)
    if not parts:
        for detail in details:
            text = _t(detail.kids.get("AddtlTxInf"))
            if text:
                return text
    return " / ".join(parts)


def _party(details: list[_Detail], debit: bool, reversal: bool) -> str:
    """The other party: the creditor of a debit, the debtor of a credit. ``RltdPties`` of a
    reversal describe the original payment, so its roles are swapped (either is accepted)."""
    creditors, debtors = ("Cdtr", "UltmtCdtr"), ("Dbtr", "UltmtDbtr")
    roles: tuple[str, ...] = creditors if debit != reversal else debtors
    if reversal:
        roles += debtors if debit != reversal else creditors
    for detail in details:
        name = detail.party(roles)
        if name:
            return name
    return ""


def _transaction_type(code: _Element | None) -> str:
    """``BkTxCd``: ``Domn/Cd``/``Fmly/Cd``/``SubFmlyCd`` joined by ``/``, else ``Prtry/Cd``."""
    domain = _sub(code, "Domn")
    if domain is not None:
        family = _sub(domain, "Fmly")
        parts = (_t(_sub(domain, "Cd")), _t(_sub(family, "Cd")), _t(_sub(family, "SubFmlyCd")))
        text = "/".join(part for part in parts if part)
        if text:
            return text
    return _t(_sub(code, "Prtry", "Cd"))


class CamtReader:
    """Reads ISO 20022 camt.052 / camt.053 / camt.054 XML (see the module docstring)."""

    name = "camt"

    def __init__(self, *, reversal_flips_sign: bool = False) -> None:
        self.reversal_flips_sign = reversal_flips_sign

    def sniff(self, head: bytes, filename: str) -> float:
        """High when the head names a camt.05x namespace or a ``BkToCstmr*`` element."""
        try:
            if head.startswith((b"\xff\xfe", b"\xfe\xff")):
                head = head.decode("utf-16", errors="ignore").encode("utf-8")
            if _SNIFF_NAMESPACE.search(head):
                return 0.95
            if _SNIFF_ROOT.search(head):
                return 0.9
            return 0.0
        except Exception:  # sniffing must never raise
            return 0.0

    def read(self, stream: BinaryIO, source: str) -> Iterator[Record]:
        """Stream the records of one camt file (see :class:`FormatReader`)."""
        return _FileReader(source, self.reversal_flips_sign).run(stream)


class _Statement:
    """State of the ``Stmt``/``Rpt``/``Ntfctn`` being read."""

    __slots__ = ("account_key", "booked", "created", "currency", "element", "entries", "label")

    def __init__(self, element: _Element, label: str) -> None:
        self.element = element
        self.label = label
        self.account_key = ""
        self.currency = ""
        self.created: date | None = None
        self.entries = 0
        self.booked: set[BalanceKind] = set()  # kinds for which a closing balance was seen


class _FileReader:
    """One pass over one file: statement state, account registry, record building."""

    def __init__(self, source: str, reversal_flips_sign: bool) -> None:
        self.source = source
        self.flip = reversal_flips_sign
        self.accounts: dict[str, str] = {}  # key -> currency
        self.current: _Statement | None = None
        self.statements = 0
        self.message: tuple[str, int | None] | None = None  # first BkToCstmr* element

    def run(self, stream: BinaryIO) -> Iterator[Record]:
        for _event, element in iterparse(stream, self.source, tags=_TAGS):
            name = local_name(element)
            parent = element.getparent()
            if name == "Ntry":
                if parent is not None and local_name(parent) in _STATEMENTS:
                    statement = self._statement(parent)
                    if not statement.account_key:
                        yield from self._header(statement, element)
                    statement.entries += 1
                    yield from self._entry(element, statement)
                    parent.remove(element)  # keeps memory flat
            elif name in _STATEMENTS:
                if parent is not None and local_name(parent).startswith("BkToCstmr"):
                    statement = self._statement(element)
                    yield from self._header(statement, None)
                    self.current = None
                    parent.remove(element)
            elif self.message is None:
                self.message = (name, line_of(element))
        if self.statements == 0:
            raise self._no_statement()

    def _no_statement(self) -> IngestError:
        if self.message is None:
            return IngestError(
                f"{self.source}: element Document: not an ISO 20022 camt.052/053/054 file "
                "(no BkToCstmrStmt, BkToCstmrAcctRpt or BkToCstmrDbtCdtNtfctn element)"
            )
        name, line = self.message
        return IngestError(
            f"{self.source}: line {line}, element {name}: no statement found "
            "(no Stmt, Rpt or Ntfctn with an account)"
        )

    def _statement(self, element: _Element) -> _Statement:
        if self.current is not None and self.current.element is element:
            return self.current
        self.statements += 1
        self.current = _Statement(element, f"{local_name(element)}[{self.statements}]")
        return self.current

    def _header(self, st: _Statement, first_entry: _Element | None) -> Iterator[Record]:
        """Account and balances (``Acct``, ``Bal``), read when the first ``Ntry`` or the
        statement's end arrives; ``Bal`` elements are removed once used."""
        balances = children(st.element, "Bal")
        if not st.account_key:
            yield from self._account(st, balances, first_entry)
        yield from self._balances(st, balances)
        for balance in balances:
            st.element.remove(balance)

    def _account(
        self, st: _Statement, balances: list[_Element], first: _Element | None
    ) -> Iterator[Record]:
        account = _sub(st.element, "Acct")
        identifier = _first(_sub(account, "Id"), _ACCOUNT_IDS)
        if account is None or not identifier:
            line = line_of(account if account is not None else st.element)
            raise IngestError(
                f"{self.source}: line {line}, element {st.label}/Acct: Id: no account "
                "identifier (Acct/Id/IBAN or Acct/Id/Othr/Id)"
            )
        currency = _t(_sub(account, "Ccy"))
        for candidate in (*balances, *(() if first is None else (first,))):
            amt = _sub(candidate, "Amt")
            if not currency and amt is not None:
                currency = amt.get("Ccy", "")
        currency = currency.strip().upper() or "XXX"
        created = _t(_sub(st.element, "CreDtTm")) or _t(
            _sub(st.element.getparent(), "GrpHdr", "CreDtTm")
        )
        try:
            st.created = date.fromisoformat(created[:10]) if created else None
        except ValueError:
            st.created = None
        key = identifier
        if self.accounts.get(key, currency) != currency:
            key = f"{identifier} {currency}"
        st.account_key, st.currency = key, currency
        if key in self.accounts:
            return
        self.accounts[key] = currency
        yield ParsedAccount(
            key=key,
            identifier=identifier,
            account_type=_ACCOUNT_TYPES.get(_t(_sub(account, "Tp", "Cd")), AccountType.CHECKING),
            currency=currency,
            display_name=_t(_sub(account, "Nm")),
            institution=_first(_sub(account, "Svcr", "FinInstnId"), _SERVICER),
            position=Position(line=line_of(account), element=f"{st.label}/Acct"),
        )

    def _balances(self, st: _Statement, balances: list[_Element]) -> Iterator[Record]:
        codes = [_t(_sub(b, "Tp", "CdOrPrtry", "Cd")) or _t(_sub(b, "Tp", "Cd")) for b in balances]
        st.booked.update(_CLOSING[code] for code in codes if code in _CLOSING)
        for index, (balance, code) in enumerate(zip(balances, codes, strict=True), 1):
            kind = _CLOSING.get(code)
            if kind is None:
                kind = _INTERIM.get(code)
                if kind is None or kind in st.booked:
                    continue
            position = Position(line=line_of(balance), element=f"{st.label}/Bal[{index}]")
            kids = _kids(balance)
            try:
                indicator = _t(kids.get("CdtDbtInd"))
                amount, currency = _signed(kids.get("Amt"), indicator, st.currency)
                as_of = _when(kids.get("Dt"))
            except _FieldError as exc:
                yield self._problem(position, *exc.args)
                continue
            except ValueError as exc:
                yield self._problem(position, "Dt", f"not an ISO date: {exc}")
                continue
            if as_of is None:
                yield self._problem(position, "Dt", "missing balance date (Dt/Dt or Dt/DtTm)")
                continue
            yield ParsedBalance(st.account_key, kind, amount, currency, as_of, position)

    def _entry(self, ntry: _Element, st: _Statement) -> Iterator[Record]:
        kids = _kids(ntry)
        label = f"{st.label}/Ntry[{st.entries}]"
        position = Position(line=line_of(ntry), element=label)
        try:
            indicator = _t(kids.get("CdtDbtInd"))
            amount, currency = _signed(kids.get("Amt"), indicator, st.currency)
        except _FieldError as exc:
            yield self._problem(position, *exc.args)
            return
        reversal = _t(kids.get("RvslInd")).lower() in ("true", "1")
        if reversal and self.flip:
            amount = -amount
        sts = kids.get("Sts")
        status_code = _t(sts) or _t(_sub(sts, "Cd"))
        status = _STATUS.get(status_code, TransactionStatus.BOOKED)
        if status_code and status_code not in _STATUS:
            message = f"unknown status {status_code!r}, read as booked"
            yield self._problem(position, "Sts", message, Severity.WARNING)
        try:
            field = "BookgDt"
            booked = _day(_when(kids.get(field)))
            field = "ValDt"
            value_date = _day(_when(kids.get(field)))
        except ValueError as exc:
            yield self._problem(position, field, f"not an ISO date: {exc}")
            return
        booking_date = booked or value_date or st.created
        if booking_date is None:
            yield self._problem(position, "BookgDt", "missing booking date")
            return
        bank_id = _t(kids.get("AcctSvcrRef"))
        if bank_id.upper() in _NO_REF:
            bank_id = _t(kids.get("NtryRef"))
        bank_id = "" if bank_id.upper() in _NO_REF else bank_id
        tx_type = _transaction_type(kids.get("BkTxCd"))
        if reversal:
            tx_type = f"{tx_type} reversal".lstrip()
        found = children(kids.get("NtryDtls"), "TxDtls") or children(ntry, "TxDtls")
        details = [_Detail(element) for element in found]
        extra = _t(kids.get("AddtlNtryInf"))
        units = [(details, amount, bank_id, position)]
        if len(details) > 1:
            sign = -1 if amount < 0 else 1
            parts = [d.amount(currency, sign, reversal and self.flip) for d in details]
            if None not in parts and sum(p or 0 for p in parts) == amount:
                units = [
                    (
                        [detail],
                        part or Decimal(0),
                        f"{bank_id}/{index}" if bank_id else "",
                        Position(line_of(detail.element), f"{label}/NtryDtls/TxDtls[{index}]"),
                    )
                    for index, (detail, part) in enumerate(zip(details, parts, strict=True), 1)
                ]
        for group, value, ident, where in units:
            yield ParsedTransaction(
                account_key=st.account_key,
                booking_date=booking_date,
                amount=value,
                currency=currency,
                status=status,
                value_date=value_date,
                bank_id=ident,
                description=_describe(group, extra),
                counterparty=_party(group, value < 0, reversal),
                reference=next(filter(None, (d.reference() for d in group)), ""),
                transaction_type=tx_type,
                position=where,
            )

    def _problem(
        self, position: Position, field: str, message: str, severity: Severity = Severity.ERROR
    ) -> Problem:
        return Problem(self.source, position, field, message, severity)
