"""The CSV reader: bank and card transaction exports in any of many layouts.

Stages: bytes -> lines (:mod:`~openteller.ingest.csv_lines`: encoding, bounded lines) ->
rows (:mod:`csv`) -> layout (a preset or mapping resolved against the header,
:mod:`~openteller.ingest.csv_detect`) -> records (:mod:`~openteller.ingest.csv_rows`).

Layout, in order: the ``mapping`` given, the ``preset`` given, a preset whose header
fingerprint matches one of the first rows (preamble lines before the header are
skipped) or whose row signature matches the first row of a headerless file, a generic
mapping inferred from common header names. Otherwise :class:`IngestError` shows the
header seen and asks for ``--csv-preset`` or ``--csv-map``.

Accounts: an account column (IBAN, card number) or preamble value when the layout has
one, else the ``account`` argument, else the key ``csv:<preset name>`` (``csv:generic``
for inferred layouts) with an empty identifier. Currency: the currency column, else the
``currency`` argument, else the preset's default (or the code in the amount header, such
as ``Betrag (EUR)``), else :class:`IngestError`. The account type is the caller's when
it is not the default ``checking``, else the preset's.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from itertools import chain, islice
from typing import BinaryIO

from openteller.domain.accounts import AccountType
from openteller.domain.errors import IngestError
from openteller.ingest.base import SNIFF_BYTES
from openteller.ingest.csv_detect import (
    choose_encoding,
    infer_mapping,
    match_header,
    match_row,
    refused_layout,
    sniff_delimiter,
)
from openteller.ingest.csv_lines import MAX_LINE, decoded_lines
from openteller.ingest.csv_mapping import Column, ColumnMapping, MappingSpecError, Sign
from openteller.ingest.csv_presets import Preset, get_preset, normalise_header
from openteller.ingest.csv_rows import Layout, convert
from openteller.ingest.csv_values import (
    DATE_CANDIDATES,
    compile_amount_parser,
    compile_date_formats,
    infer_date_format,
    infer_decimal_separator,
)
from openteller.ingest.records import Record

#: Rows searched for the header (preamble lines before it are skipped).
HEADER_SEARCH_ROWS = 30
#: Data rows looked at to infer the date format and decimal separator.
SAMPLE_ROWS = 50
_PEEK_LINES = HEADER_SEARCH_ROWS + SAMPLE_ROWS + 20


class CsvReader:
    """Reads bank/card CSV exports (``--format csv``)."""

    name = "csv"

    def __init__(
        self,
        preset: str | None = None,
        mapping: ColumnMapping | None = None,
        account: str | None = None,
        currency: str | None = None,
        account_type: AccountType = AccountType.CHECKING,
    ) -> None:
        if preset is not None and mapping is not None:
            raise MappingSpecError("give either a CSV preset or a column mapping, not both")
        try:
            self._preset = get_preset(preset) if preset is not None else None
        except KeyError as exc:
            raise MappingSpecError(str(exc.args[0])) from None
        self._mapping = mapping
        self._account = account.strip() if account else None
        self._currency = currency.strip().upper() if currency else None
        self._account_type = account_type

    # -- sniff ---------------------------------------------------------------------------

    def sniff(self, head: bytes, filename: str) -> float:
        """0.9 for a header matching a preset, 0.5 for a headerless preset row, 0.3-0.4
        for consistently delimited text, near 0 for anything else. Never raises."""
        try:
            return self._sniff(head, filename)
        except Exception:  # sniff must never raise
            return 0.0

    def _sniff(self, head: bytes, filename: str) -> float:
        if not head.strip() or b"\x00" in head[:4096]:
            return 0.0
        text = head.decode(choose_encoding(head), errors="replace").lstrip("\ufeff \t\r\n")
        if text[:1] in "<{[" or text.startswith(("OFXHEADER", ":20:", "{1:")):
            return 0.0
        lines = text.splitlines()[:_PEEK_LINES]
        if len(lines) > 1 and len(text) >= len(head) - 3:
            pass  # whole file seen
        elif len(lines) > 1:
            lines = lines[:-1]  # the last line may be cut
        delimiter, agreeing = sniff_delimiter(lines)
        rows = list(csv.reader(lines[:HEADER_SEARCH_ROWS], delimiter=delimiter))
        for row in rows:
            names = frozenset(normalise_header(cell) for cell in row)
            if match_header(names) is not None or refused_layout(names) is not None:
                return 0.9
        first = next((row for row in rows if any(cell.strip() for cell in row)), None)
        if first is not None and match_row(first, delimiter) is not None:
            return 0.5
        if agreeing >= min(3, len([line for line in lines if line.strip()])) and agreeing:
            bonus = 0.05 if filename.lower().endswith((".csv", ".txt")) else 0.0
            return 0.35 + bonus
        return 0.1 if filename.lower().endswith(".csv") else 0.0

    # -- read ----------------------------------------------------------------------------

    def read(self, stream: BinaryIO, source: str) -> Iterator[Record]:
        """Yield accounts, transactions, problems and the closing balance of a CSV file."""
        head = stream.read(SNIFF_BYTES)
        if not head.strip():
            raise IngestError(f"{source}: line 1: file: the file is empty")
        declared = self._declared().encoding
        encoding = declared or choose_encoding(head)
        if b"\x00" in head and not encoding.lower().startswith("utf-16"):
            line = head[: head.index(b"\x00")].count(b"\n") + 1
            raise IngestError(
                f"{source}: line {line}: file: binary data (NUL bytes), not a CSV text file"
            )
        csv.field_size_limit(MAX_LINE)
        lines = decoded_lines(head, stream, encoding, source)
        first = list(islice(lines, _PEEK_LINES))
        if not any(line.strip() for line in first):
            raise IngestError(f"{source}: line 1: file: the file has no rows")
        delimiter = self._declared().delimiter or sniff_delimiter(first)[0]
        try:
            peek = list(csv.reader(first, delimiter=delimiter, skipinitialspace=True))
        except csv.Error as exc:
            raise IngestError(f"{source}: line 1: row: {exc}") from exc
        layout = self._layout(peek, delimiter, source)
        rows = csv.reader(chain(first, lines), delimiter=delimiter, skipinitialspace=True)
        return convert(rows, rows, layout, source)

    def _declared(self) -> ColumnMapping:
        if self._mapping is not None:
            return self._mapping
        if self._preset is not None:
            return self._preset.mapping
        return _NO_MAPPING

    def _layout(self, peek: list[list[str]], delimiter: str, source: str) -> Layout:
        preset = self._preset
        mapping = self._mapping if self._mapping is not None else None
        header_at: int | None = None
        implied_currency = ""
        if mapping is not None:
            header_at = mapping.skip_rows if mapping.header else None
        elif preset is not None:
            mapping = preset.mapping
            if mapping.header:
                header_at = _find_header(peek, preset)
                if header_at is None:
                    wanted = ", ".join(preset.fingerprint)
                    raise IngestError(
                        f"{source}: line 1: header: no header row with the columns of preset "
                        f"{preset.name!r} ({wanted}) in the first {HEADER_SEARCH_ROWS} rows; "
                        f"first row seen: {_first_row(peek)}"
                    )
            else:
                header_at = None
        else:
            preset, mapping, header_at, implied_currency = _detect(peek, delimiter, source)
        data_start = header_at + 1 if header_at is not None else mapping.skip_rows
        header = peek[header_at] if header_at is not None and header_at < len(peek) else []
        samples = peek[data_start : data_start + SAMPLE_ROWS]
        return _resolve(
            self, preset, mapping, header, samples, peek[: header_at or 0], data_start,
            implied_currency, source,
        )  # fmt: skip


_NO_MAPPING = ColumnMapping(date=0, amount=1)
_REQUIRED_ROLES = frozenset({"date", "amount", "debit", "credit", "direction"})


def _first_row(peek: list[list[str]]) -> str:
    row = next((r for r in peek if any(cell.strip() for cell in r)), [])
    return ", ".join(repr(cell) for cell in row[:20]) or "(none)"


def _find_header(peek: list[list[str]], preset: Preset) -> int | None:
    for index, row in enumerate(peek[:HEADER_SEARCH_ROWS]):
        if preset.matches_header(frozenset(normalise_header(cell) for cell in row)):
            return index
    return None


def _detect(
    peek: list[list[str]], delimiter: str, source: str
) -> tuple[Preset | None, ColumnMapping, int | None, str]:
    """Preset by header, refused layout, preset by row signature, or a generic mapping."""
    for index, row in enumerate(peek[:HEADER_SEARCH_ROWS]):
        names = frozenset(normalise_header(cell) for cell in row)
        refused = refused_layout(names)
        if refused is not None:
            raise IngestError(
                f"{source}: line {index + 1}: header: this CSV is {refused.reason} "
                f"(layout {refused.name})"
            )
        preset = match_header(names)
        if preset is not None:
            return preset, preset.mapping, index, ""
    first = next((row for row in peek if any(cell.strip() for cell in row)), None)
    if first is not None:
        preset = match_row(first, delimiter)
        if preset is not None:
            return preset, preset.mapping, None, ""
    for index, row in enumerate(peek[:HEADER_SEARCH_ROWS]):
        inferred = infer_mapping(row)
        if inferred is not None:
            return None, inferred[0], index, inferred[1]
    raise IngestError(
        f"{source}: line 1: header: no known CSV layout; header seen: {_first_row(peek)}. "
        "Pass --csv-preset NAME (see the preset list) or describe the columns with "
        "--csv-map 'date=...,amount=...,description=...'"
    )


def _index(column: Column | None, names: list[str], role: str, source: str) -> int:
    if column is None:
        return -1
    if isinstance(column, int):
        return column
    wanted = normalise_header(column)
    for index, name in enumerate(names):
        if normalise_header(name) == wanted:
            return index
    if column.isdigit():
        return int(column)
    seen = ", ".join(repr(name) for name in names) or "(no header row)"
    raise IngestError(f"{source}: line 1: {role}: no column named {column!r}; header: {seen}")


def _resolve(
    reader: CsvReader,
    preset: Preset | None,
    mapping: ColumnMapping,
    header: list[str],
    samples: list[list[str]],
    preamble: list[list[str]],
    data_start: int,
    implied_currency: str,
    source: str,
) -> Layout:
    names = [name.strip() for name in header]
    idx: dict[str, int] = {}
    for role, column in mapping.columns().items():
        try:
            idx[role] = _index(column, names, role, source)
        except IngestError:
            # a preset's optional column absent from this export's variant is ignored
            if preset is None or reader._mapping is not None or role in _REQUIRED_ROLES:
                raise
            idx[role] = -1
    date_i = idx["date"]
    amount_cells = [idx.get(role, -1) for role in ("amount", "debit", "credit")]

    def cells(index: int) -> list[str]:
        return [row[index] for row in samples if index < len(row) and row[index].strip()]

    date_formats = mapping.date_formats
    if date_formats:
        try:
            first_format = infer_date_format(cells(date_i), date_formats)
        except ValueError:
            first_format = date_formats[0]
        ordered = (first_format, *(fmt for fmt in date_formats if fmt != first_format))
    else:
        try:
            first_format = infer_date_format(cells(date_i), DATE_CANDIDATES)
        except ValueError:
            column = names[date_i] if date_i < len(names) else f"column {date_i + 1}"
            values = cells(date_i)[:3]
            raise IngestError(
                f"{source}: line {data_start + 1}: {column}: no known date format fits "
                f"{values!r}; give one with --csv-map date_format=%d.%m.%Y"
            ) from None
        ordered = (first_format,)
    decimal = mapping.decimal
    if decimal is None:
        decimal = infer_decimal_separator(
            [text for index in amount_cells if index >= 0 for text in cells(index)]
        )
    account_value, balance_value = _preamble(preamble, mapping)
    label = preset.name if preset is not None else "generic"
    default_account = account_value or reader._account or f"csv:{label}"
    identifier = account_value or reader._account or ""
    fallback = reader._currency or mapping.default_currency or implied_currency
    if idx.get("currency", -1) < 0 and not fallback:
        raise IngestError(
            f"{source}: line {data_start + 1}: currency: the file has no currency column and "
            f"the currency of layout {label!r} is unknown; pass --currency XXX (or "
            "CsvReader(currency=...)), or add default_currency=XXX to --csv-map"
        )
    account_type = reader._account_type
    if account_type == AccountType.CHECKING and mapping.account_type is not None:
        account_type = mapping.account_type
    return Layout(
        names=names,
        date=date_i,
        amount=idx.get("amount", -1),
        debit=idx.get("debit", -1),
        credit=idx.get("credit", -1),
        direction=idx.get("direction", -1),
        debit_words=frozenset(word.casefold() for word in mapping.direction_debit),
        credit_words=frozenset(word.casefold() for word in mapping.direction_credit),
        inverted=mapping.sign == Sign.INVERTED,
        description=tuple(
            index
            for index in (idx[f"description[{i}]"] for i in range(len(mapping.description)))
            if index >= 0
        ),
        value_date=idx.get("value_date", -1),
        counterparty=idx.get("counterparty", -1),
        bank_id=idx.get("bank_id", -1),
        reference=idx.get("reference", -1),
        currency=idx.get("currency", -1),
        balance=idx.get("balance", -1),
        category=idx.get("category", -1),
        account=-1 if account_value else idx.get("account", -1),
        transaction_type=idx.get("transaction_type", -1),
        status=idx.get("status", -1),
        parse_date=compile_date_formats(ordered),
        date_format=first_format,
        parse_amount=compile_amount_parser(decimal, mapping.thousands),
        fallback_currency=fallback,
        default_account=default_account,
        default_identifier=identifier,
        account_type=account_type,
        institution=preset.bank if preset is not None else "",
        continuation_rows=mapping.continuation_rows,
        preamble_balance=balance_value,
        data_start=data_start,
    )


def _preamble(preamble: list[list[str]], mapping: ColumnMapping) -> tuple[str, str]:
    """The account id and booked balance a preamble labels (OCBC's ``Ledger Balance``)."""
    account = balance = ""
    wanted_account = normalise_header(mapping.preamble_account)
    wanted_balance = normalise_header(mapping.preamble_balance)
    for row in preamble:
        for position, cell in enumerate(row[:-1]):
            label = normalise_header(cell)
            if wanted_account and label == wanted_account:
                account = row[position + 1].strip()
            elif wanted_balance and label == wanted_balance:
                balance = row[position + 1].strip()
    return account, balance
