"""Detection for CSV files without a preset: encoding, delimiter, layout.

* encoding: UTF-8 (BOM allowed) when the start of the file decodes as UTF-8, UTF-16 when
  it starts with a UTF-16 BOM, otherwise cp1252 (what German and French banks write);
* delimiter: the candidate (``, ; TAB |``) giving the most lines with the same field
  count above one;
* layout: a preset whose header fingerprint or row signature matches
  (:mod:`openteller.ingest.csv_presets`), else a generic mapping inferred from common
  header names in English, German, Dutch, French, Spanish, Italian, Hungarian and the
  Nordic languages.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections import Counter
from typing import Any

from openteller.ingest.csv_mapping import Column, ColumnMapping
from openteller.ingest.csv_presets import (
    NOT_STATEMENTS,
    PRESETS,
    NotAStatement,
    Preset,
    normalise_header,
)

DELIMITERS = (",", ";", "\t", "|")

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": (
        "date", "booking date", "transaction date", "posting date", "posted date",
        "trans. date", "datum", "buchungstag", "buchungsdatum", "boekdatum",
        "transactiedatum", "fecha", "fecha operación", "fecha de operación", "data",
        "data operazione", "data contabile", "date opération", "date de l'opération",
        "date d'opération", "dátum", "tranzakció dátuma", "könyvelés dátuma", "dato",
        "bokföringsdatum", "bokføringsdato", "started date", "completed date", "created",
        "datetime",
    ),
    "value_date": (
        "value date", "valutadatum", "wertstellung", "valuta", "date de valeur",
        "date valeur", "fecha valor", "data valuta", "rentedatum", "értéknap",
    ),
    "debit": (
        "debit", "debet", "withdrawals", "withdrawal", "paid out", "money out", "outflow",
        "soll", "belastung", "débit", "cargo", "uitgaven", "af", "ausgang",
    ),
    "credit": (
        "credit", "deposits", "deposit", "paid in", "money in", "haben", "gutschrift",
        "crédit", "abono", "bij", "eingang", "inflow",
    ),
    "amount": (
        "amount", "betrag", "bedrag", "montant", "importe", "importo", "kwota", "belopp",
        "beløb", "beløp", "összeg", "tranzakció összege", "castka", "částka", "net",
        "value", "umsatz",
    ),
    "description": (
        "description", "verwendungszweck", "omschrijving", "libellé", "libelle",
        "concepto", "descripción", "descrizione", "causale", "details", "memo",
        "narrative", "transaction description", "buchungstext", "label", "mededeling",
        "közlemény", "tekst", "text", "beskrivning", "note", "notes",
    ),
    "counterparty": (
        "payee", "name", "empfänger", "naam", "naam tegenpartij", "tegenpartij",
        "beguenstigter/zahlungspflichtiger", "auftraggeber/empfänger",
        "zahlungsempfänger", "counterparty name", "merchant", "bénéficiaire",
        "beneficiario", "partner name", "partner neve", "payee name",
    ),
    "currency": ("currency", "währung", "waehrung", "munt", "devise", "moneda", "devizanem"),
    "balance": (
        "balance", "saldo", "solde", "running balance", "running bal.", "kontostand",
        "egyenleg", "saldo na trn",
    ),
    "category": ("category", "kategorie", "categorie", "catégorie", "categoría"),
    "bank_id": ("transaction id", "id", "transaktions-id", "reference number"),
    "account": ("account", "account number", "iban", "rekening", "rekeningnummer", "konto"),
}  # fmt: skip

_CURRENCY_IN_HEADER = re.compile(r"(?:\(|\b)([A-Z]{3})(?:\)|\b)")


def choose_encoding(head: bytes) -> str:
    """The encoding to read a file whose start is ``head`` with (see module docstring)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def sniff_delimiter(lines: list[str]) -> tuple[str, int]:
    """The most consistent delimiter over ``lines`` and how many lines agree on it."""
    best, best_score = ",", 0
    sample = [line for line in lines if line.strip()][:40]
    for delimiter in DELIMITERS:
        try:
            counts = Counter(
                len(row) for row in csv.reader(sample, delimiter=delimiter) if len(row) > 1
            )
        except csv.Error:
            continue
        if not counts:
            continue
        _, score = counts.most_common(1)[0]
        if score > best_score:
            best, best_score = delimiter, score
    return best, best_score


def refused_layout(names: frozenset[str]) -> NotAStatement | None:
    """The non-statement layout whose fingerprint the header ``names`` carry, if any."""
    for refused in NOT_STATEMENTS:
        if all(name in names for name in refused.fingerprint):
            return refused
    return None


def match_header(names: frozenset[str]) -> Preset | None:
    """The preset with the longest fingerprint found in the header ``names``."""
    matches = [preset for preset in PRESETS.values() if preset.matches_header(names)]
    return max(matches, key=lambda p: len(p.fingerprint)) if matches else None


def match_row(row: list[str], delimiter: str) -> Preset | None:
    """A headerless preset whose row signature fits a first data row."""
    for preset in PRESETS.values():
        wanted = preset.mapping.delimiter
        if (wanted is None or wanted == delimiter) and preset.matches_row(row):
            return preset
    return None


def _find(names: list[str], role: str, taken: set[int]) -> int | None:
    for synonym in _SYNONYMS[role]:
        for index, name in enumerate(names):
            if index not in taken and name == synonym:
                return index
    for synonym in _SYNONYMS[role]:
        for index, name in enumerate(names):
            if index not in taken and name.startswith((synonym + " ", synonym + "(")):
                return index
    return None


def infer_mapping(header: list[str]) -> tuple[ColumnMapping, str] | None:
    """A generic mapping from a header's column names, and the currency the amount
    header names (``Betrag (EUR)`` gives ``EUR``; ``""`` when none); ``None`` when no
    date column or no amount (or debit/credit) column is recognisable."""
    names = [normalise_header(name) for name in header]
    taken: set[int] = set()
    found: dict[str, int] = {}
    for role in _SYNONYMS:
        index = _find(names, role, taken)
        if index is not None:
            found[role] = index
            taken.add(index)
    if "date" not in found:
        return None
    amount_options: dict[str, Column] = {}
    if "debit" in found and "credit" in found:
        amount_options = {"debit": found["debit"], "credit": found["credit"]}
        amount_header = header[found["debit"]]
    elif "amount" in found or "credit" in found or "debit" in found:
        # one signed column: "Amount", or a lone "Inflow" holding negative outflows
        index = found.get("amount", found.get("credit", found.get("debit")))
        assert index is not None
        amount_options = {"amount": index}
        amount_header = header[index]
    else:
        return None
    optional = (
        "value_date",
        "counterparty",
        "currency",
        "balance",
        "category",
        "bank_id",
        "account",
    )
    extra: dict[str, Column] = {role: found[role] for role in optional if role in found}
    description: tuple[Column, ...] = (found["description"],) if "description" in found else ()
    currency_match = _CURRENCY_IN_HEADER.search(amount_header)
    columns: dict[str, Any] = {**amount_options, **extra}
    mapping = ColumnMapping(date=found["date"], description=description, **columns)
    return mapping, currency_match.group(1) if currency_match else ""
