"""CSV reader on hand-written inputs: mappings, locales and hostile files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from openteller.domain.errors import IngestError, InvalidAmount
from openteller.ingest.csv_mapping import ColumnMapping, MappingSpecError, Sign
from openteller.ingest.csv_reader import CsvReader
from openteller.ingest.csv_values import (
    compile_amount_parser,
    compile_date_format,
    infer_date_format,
    infer_decimal_separator,
)
from tests.samples import read_bytes_with

# --- values -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [
        ("1,525.00", ".", "1525.00"),
        ("-1.234,56", ",", "-1234.56"),
        (" 12.50", ".", "12.50"),
        ("+ $12.00", ".", "12.00"),
        ("- $35.02", ".", "-35.02"),
        ("(12.00)", ".", "-12.00"),
        ("€12,00", ",", "12.00"),
        ("12.50-", ".", "-12.50"),
        ("-12.34", ".", "-12.34"),
        ("EUR 1 234,56", ",", "1234.56"),
    ],
)
def test_amounts(text: str, decimal: str, expected: str) -> None:
    assert compile_amount_parser(decimal)(text) == Decimal(expected)


def test_amount_rejects_text() -> None:
    with pytest.raises(InvalidAmount, match="'twelve'"):
        compile_amount_parser(".")("twelve")


@pytest.mark.parametrize(
    ("fmt", "text", "expected"),
    [
        ("%Y-%m-%d", "2018-02-25 12:34:56 +0000", date(2018, 2, 25)),
        ("%Y-%m-%d", "2020-01-01T13:00:00", date(2020, 1, 1)),
        ("%d.%m.%y", "22.02.18", date(2018, 2, 22)),
        ("%d %b %Y", "27 Feb 2018", date(2018, 2, 27)),
        ("%d %b %y", "10 Feb 18", date(2018, 2, 10)),
        ("%Y.%m.%d.", "2019.04.19.", date(2019, 4, 19)),
        ("%m/%d/%Y", "3/6/2016", date(2016, 3, 6)),
    ],
)
def test_dates(fmt: str, text: str, expected: date) -> None:
    assert compile_date_format(fmt)(text) == expected


def test_day_month_order_inferred_from_values_above_12() -> None:
    assert infer_date_format(["01/02/2018", "13/02/2018"]) == "%d/%m/%Y"
    assert infer_date_format(["01/02/2018", "12/15/2018"]) == "%m/%d/%Y"


def test_decimal_separator_vote() -> None:
    assert infer_decimal_separator(["-2,56", "750,00", "1.234,00"]) == ","
    assert infer_decimal_separator(["1,525.00", "-33.50"]) == "."


# --- mapping spec -----------------------------------------------------------------------


def test_from_spec_with_comma_values() -> None:
    mapping = ColumnMapping.from_spec(
        "date=Datum,amount=Betrag,description=Verwendungszweck+Name,decimal=,"
    )
    assert mapping.date == "Datum"
    assert mapping.amount == "Betrag"
    assert mapping.description == ("Verwendungszweck", "Name")
    assert mapping.decimal == ","


def test_from_spec_options() -> None:
    mapping = ColumnMapping.from_spec(
        "date=0,debit=2,credit=3,header=no,delimiter=;,date_format=%d.%m.%Y|%d.%m.%y,"
        "sign=negative_inflow,skip=2,default_currency=eur"
    )
    assert (mapping.date, mapping.debit, mapping.credit) == (0, 2, 3)
    assert mapping.header is False
    assert mapping.delimiter == ";"
    assert mapping.date_formats == ("%d.%m.%Y", "%d.%m.%y")
    assert mapping.sign is Sign.INVERTED
    assert mapping.skip_rows == 2
    assert mapping.default_currency == "EUR"


@pytest.mark.parametrize(
    ("spec", "named"),
    [
        ("date=Datum,amout=Betrag", "'amout'"),
        ("amount=Betrag", "'date'"),
        ("date=Datum", "amount"),
        ("date=D,amount=A,header=maybe", "header"),
        ("date=D,amount=A,skip=x", "skip"),
        ("date=D,amount=A,debit=B,credit=C", "amount"),
        ("date=D,amount=A,sign=upside", "sign"),
    ],
)
def test_from_spec_errors_name_the_key(spec: str, named: str) -> None:
    with pytest.raises(MappingSpecError, match=named):
        ColumnMapping.from_spec(spec)


def test_unknown_preset_lists_known_ones() -> None:
    with pytest.raises(MappingSpecError, match="n26"):
        CsvReader(preset="nope")


# --- reading with mappings and presets --------------------------------------------------

GERMAN = (
    b"Buchung;Datum;Betrag;Verwendungszweck\n"
    b"1;02.03.2018;-1.234,56;Miete\n"
    b"2;03.03.2018;12,00;Erstattung\n"
)


def test_explicit_mapping() -> None:
    mapping = ColumnMapping.from_spec(
        "date=Datum,amount=Betrag,description=Verwendungszweck,decimal=,,id=Buchung"
    )
    parsed = read_bytes_with(CsvReader(mapping=mapping, currency="EUR"), GERMAN, "konto.csv")
    assert [t.amount for t in parsed.transactions] == [Decimal("-1234.56"), Decimal("12.00")]
    assert parsed.transactions[0].booking_date == date(2018, 3, 2)
    assert parsed.transactions[0].bank_id == "1"
    assert parsed.accounts[0].key == "csv:generic"


def test_account_argument_and_generic_inference() -> None:
    parsed = read_bytes_with(CsvReader(account="DE00 1234", currency="EUR"), GERMAN)
    assert parsed.accounts[0].key == "DE00 1234"
    assert parsed.accounts[0].identifier == "DE00 1234"
    assert parsed.transactions[0].description == "Miete"
    assert parsed.transactions[0].amount == Decimal("-1234.56")


def test_currency_from_amount_header() -> None:
    data = b"Date,Payee,Amount (EUR)\n2024-01-02,Shop,-3.50\n"
    parsed = read_bytes_with(CsvReader(), data)
    assert parsed.transactions[0].currency == "EUR"


def test_inverted_sign_preset() -> None:
    data = b"Date,Description,Card Member,Account #,Amount\n01/05/2024,COFFEE,ME,-71004,4.50\n"
    parsed = read_bytes_with(CsvReader(), data)
    assert parsed.accounts[0].institution.startswith("American Express")
    assert parsed.transactions[0].amount == Decimal("-4.50")


def test_explicit_preset_finds_header_after_preamble() -> None:
    data = b"Exported 2024\n\nDate,Description,Amount,Balance\n2024-01-02,Tea,-1.00,9.00\n"
    parsed = read_bytes_with(CsvReader(preset="first_direct"), data)
    assert parsed.transactions[0].position.line == 4
    assert parsed.balances[0].amount == Decimal("9.00")


# --- bad rows and hostile files ---------------------------------------------------------

UK = b"Date,Description,Amount,Balance\n"


def test_bad_rows_become_problems_naming_line_column_value() -> None:
    data = UK + b"2024-01-02,Tea,-1.00,9.00\n2024-13-45,Bad,-1.00,8.00\n2024-01-03,Bad,abc,8\n"
    parsed = read_bytes_with(CsvReader(), data, "uk.csv")
    assert len(parsed.transactions) == 1
    first, second = parsed.problems
    assert first.describe() == "uk.csv: line 3: Date: not a date in format %Y-%m-%d: '2024-13-45'"
    assert second.describe() == "uk.csv: line 4: Amount: not an amount: 'abc'"


def test_short_row_is_a_problem() -> None:
    parsed = read_bytes_with(CsvReader(), UK + b"2024-01-02,Tea\n", "uk.csv")
    (problem,) = parsed.problems
    assert "line 2" in problem.describe() and "expected at least 4 columns" in problem.describe()


def test_empty_file() -> None:
    with pytest.raises(IngestError, match=r"empty\.csv: line 1: file: the file is empty"):
        read_bytes_with(CsvReader(), b"", "empty.csv")


def test_binary_junk() -> None:
    with pytest.raises(IngestError, match=r"junk\.csv: line \d+: file: binary data"):
        read_bytes_with(CsvReader(), b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "junk.csv")


def test_invalid_bytes_in_declared_encoding_name_the_line() -> None:
    mapping = ColumnMapping.from_spec("date=Date,amount=Amount,encoding=utf-8")
    data = UK + b"2024-01-02,Tea,-1.00,9.00\n2024-01-03,Caf\xe9,-2.00,7.00\n"
    with pytest.raises(IngestError, match=r"bad\.csv: line 3: encoding: bytes b'\\xe9'"):
        read_bytes_with(CsvReader(mapping=mapping, currency="GBP"), data, "bad.csv")


def test_cp1252_detected_when_not_utf8() -> None:
    data = "Datum;Betrag;Verwendungszweck\n02.03.2018;-1,00;Gebühr\n".encode("cp1252")
    parsed = read_bytes_with(CsvReader(currency="EUR"), data)
    assert parsed.transactions[0].description == "Gebühr"


def test_overlong_line_is_refused() -> None:
    data = UK + b"2024-01-02," + b"A" * (2 << 20) + b",-1.00,0\n"
    with pytest.raises(IngestError, match=r"long\.csv: line 2: row: a line longer than"):
        read_bytes_with(CsvReader(), data, "long.csv")


def test_overlong_quoted_field_is_refused() -> None:
    data = UK + b'2024-01-02,"' + b"A\n" * (700 << 10) + b'",-1.00,0\n'
    with pytest.raises(IngestError, match=r"field\.csv: line \d+: row: field larger"):
        read_bytes_with(CsvReader(), data, "field.csv")


def test_unknown_layout_shows_header_and_hints() -> None:
    with pytest.raises(IngestError, match="--csv-preset") as info:
        read_bytes_with(CsvReader(), b"foo,bar\n1,2\n", "odd.csv")
    assert "'foo', 'bar'" in str(info.value)


def test_unknown_currency() -> None:
    with pytest.raises(IngestError, match=r"x\.csv: line 2: currency: .*--currency"):
        read_bytes_with(CsvReader(), b"Date,Amount\n2024-01-01,1.00\n", "x.csv")


def test_missing_mapped_column() -> None:
    mapping = ColumnMapping.from_spec("date=Datum,amount=Betrag")
    with pytest.raises(IngestError, match=r"line 1: date: no column named 'Datum'"):
        read_bytes_with(CsvReader(mapping=mapping, currency="EUR"), UK + b"2024-01-01,a,1,1\n")


# --- sniff ------------------------------------------------------------------------------


def test_sniff_scores() -> None:
    reader = CsvReader()
    assert reader.sniff(UK + b"2024-01-02,Tea,-1.00,9.00\n", "a.csv") == 0.9
    assert 0.3 <= reader.sniff(b"a;b;c\n1;2;3\n4;5;6\n", "a.csv") <= 0.5
    assert reader.sniff(b"<?xml version='1.0'?><Document/>", "a.xml") == 0.0
    assert reader.sniff(b'{"Data": {}}', "a.json") == 0.0
    assert reader.sniff(b"OFXHEADER:100\nDATA:OFXSGML\n", "a.ofx") == 0.0
    assert reader.sniff(b"\x00\x01\x02", "a.bin") == 0.0
    assert reader.sniff(b"", "a.csv") == 0.0


def test_a_balance_line_without_an_amount_is_skipped_with_a_warning() -> None:
    """A bank's export opens with its running total ("Beginning balance as of ...", no
    amount): a warning, not a bad entry that refuses the whole file."""
    data = (
        b"Date,Description,Amount,Running Bal.\n"
        b'11/01/2026,Beginning balance as of 11/01/2026,,"1,000.00"\n'
        b'11/02/2026,"SHELL OIL 5744","-40.00","960.00"\n'
        b'11/03/2026,"NETFLIX.COM","-15.49","944.51"\n'
    )
    parsed = read_bytes_with(CsvReader(), data)
    assert [t.amount for t in parsed.transactions] == [Decimal("-40.00"), Decimal("-15.49")]
    assert [(p.severity.value, p.message[:22]) for p in parsed.problems] == [
        ("warning", "a balance line, not a ")
    ]


def test_n26_keeps_one_account_whatever_the_payees_account_numbers() -> None:
    """N26's "Account number" column is the payee's: each payee's IBAN used to become an
    account of the customer's."""
    data = (
        b'"Date","Payee","Account number","Transaction type","Payment reference",'
        b'"Amount (EUR)","Amount (Foreign Currency)","Type Foreign Currency","Exchange Rate"\n'
        b'"2026-11-28","REWE","","MasterCard Payment","","-23.45","","",""\n'
        b'"2026-11-27","Arbeitgeber AG","DE89370400440532013000","Income","Gehalt",'
        b'"2500.0","","",""\n'
    )
    parsed = read_bytes_with(CsvReader(), data)
    assert len(parsed.accounts) == 1 and parsed.accounts[0].institution.startswith("N26")
    assert [(t.amount, t.currency) for t in parsed.transactions] == [
        (Decimal("-23.45"), "EUR"),
        (Decimal("2500.0"), "EUR"),
    ]
    assert parsed.transactions[1].counterparty == "Arbeitgeber AG"


def test_every_preset_has_its_own_name() -> None:
    """A second preset with a taken name silently replaced the first one."""
    from openteller.ingest.csv_presets import _PRESET_LIST, PRESETS

    assert len(PRESETS) == len(_PRESET_LIST)
