"""Known bank CSV layouts as data: :class:`Preset` = a :class:`ColumnMapping` + a name, a
bank label and what recognises the layout.

A layout with a header row is recognised by its *fingerprint*: header names that must all
be present (compared case-folded, spaces collapsed); when several presets match, the one
with the longest fingerprint wins. A headerless layout is recognised by a *row signature*:
one regex per leading cell of the first data row (``None`` = any cell).

Layouts come from sample exports (bank2ynab, ledger-autosync, beangulp and OCA test data,
see tests/fixtures/PROVENANCE.md) and from the published export headers of well-known
US/UK banks. Files that are CSV but not bank statements (Amazon order history, a
brokerage statement) are listed in :data:`NOT_STATEMENTS` and refused with a clear error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openteller.domain.accounts import AccountType
from openteller.ingest.csv_mapping import Column, ColumnMapping, Sign

CARD = AccountType.CREDIT_CARD

_DMY_DOT = r"\d{1,2}\.\d{1,2}\.\d{4}"
_DMY_SLASH = r"\d{1,2}/\d{1,2}/\d{4}"
_AMOUNT = r"\s*[-+]?\s*[\d.,]*\d\s*"
_AMOUNT_OR_EMPTY = r"(?:\s*[-+]?\s*[\d.,]*\d)?\s*"


@dataclass(frozen=True, slots=True)
class Preset:
    """A named layout of one bank's CSV export."""

    name: str
    bank: str
    mapping: ColumnMapping
    fingerprint: tuple[str, ...] = ()
    row_signature: tuple[str | None, ...] = ()

    def matches_header(self, names: frozenset[str]) -> bool:
        """True when every fingerprint name is among the (normalised) header ``names``."""
        return bool(self.fingerprint) and all(name in names for name in self.fingerprint)

    def matches_row(self, row: list[str]) -> bool:
        """True when a headerless first data row fits the row signature."""
        if not self.row_signature or len(row) < len(self.row_signature):
            return False
        return all(
            pattern is None or re.fullmatch(pattern, cell) is not None
            for pattern, cell in zip(self.row_signature, row, strict=False)
        )


@dataclass(frozen=True, slots=True)
class NotAStatement:
    """A CSV layout that is recognised but refused, with the reason shown to the user."""

    name: str
    fingerprint: tuple[str, ...]
    reason: str


def normalise_header(name: str) -> str:
    """Header text as compared: case-folded, BOM and quotes stripped, spaces collapsed."""
    return " ".join(name.replace("\ufeff", "").strip().strip('"').casefold().split())


def _preset(
    name: str,
    bank: str,
    fingerprint: tuple[str, ...] = (),
    *,
    row_signature: tuple[str | None, ...] = (),
    date: Column,
    description: tuple[Column, ...] = (),
    **options: object,
) -> Preset:
    mapping = ColumnMapping(date=date, description=description, **options)  # type: ignore[arg-type]
    fingerprint = tuple(normalise_header(part) for part in fingerprint)
    return Preset(name, bank, mapping, fingerprint, row_signature)


_PRESET_LIST: tuple[Preset, ...] = (
    # --- Europe -------------------------------------------------------------------------
    _preset(
        "n26", "N26 (DE)",
        ("Datum", "Empfänger", "Verwendungszweck", "Betrag (EUR)"),
        date="Datum", amount="Betrag (EUR)", description=("Verwendungszweck",),
        counterparty="Empfänger", category="Kategorie", transaction_type="Transaktionstyp",
        date_formats=("%Y-%m-%d",), decimal=".", delimiter=",", default_currency="EUR",
    ),
    _preset(
        "bunq_nl", "bunq (NL), Dutch headers",
        ("Datum", "Bedrag", "Rekening", "Tegenrekening", "Naam", "Omschrijving"),
        date="Datum", amount="Bedrag", description=("Omschrijving",), counterparty="Naam",
        account="Rekening", date_formats=("%Y-%m-%d",), decimal=",", default_currency="EUR",
    ),
    _preset(
        "bunq_en", "bunq (NL), English headers",
        ("Date", "Amount", "Account", "Counterparty", "Name", "Description"),
        date="Date", amount="Amount", description=("Description",), counterparty="Name",
        account="Account", date_formats=("%Y-%m-%d",), decimal=",", default_currency="EUR",
    ),
    _preset(
        "sparkasse_camt", "Sparkasse (DE), CSV-CAMT export",
        ("Auftragskonto", "Buchungstag", "Valutadatum", "Buchungstext", "Verwendungszweck",
         "Betrag", "Waehrung"),
        date="Buchungstag", value_date="Valutadatum", amount="Betrag",
        description=("Verwendungszweck",), counterparty="Beguenstigter/Zahlungspflichtiger",
        currency="Waehrung", account="Auftragskonto", transaction_type="Buchungstext",
        status="Info", date_formats=("%d.%m.%y", "%d.%m.%Y"), decimal=",", delimiter=";",
        default_currency="EUR",
    ),
    _preset(
        "commerzbank", "Commerzbank (DE)",
        ("Buchungstag", "Wertstellung", "Umsatzart", "Buchungstext", "Betrag", "Währung"),
        date="Buchungstag", value_date="Wertstellung", amount="Betrag",
        description=("Buchungstext",), currency="Währung", account="IBAN Auftraggeberkonto",
        transaction_type="Umsatzart", date_formats=("%d.%m.%Y",), decimal=",", delimiter=";",
    ),
    _preset(
        "kbc_checking", "KBC (BE) current account",
        ("Rekeningnummer", "Rubrieknaam", "Afschriftnummer", "Datum", "Omschrijving",
         "Bedrag", "Saldo"),
        date="Datum", value_date="Valuta", amount="Bedrag",
        description=("Omschrijving", "Vrije mededeling"), counterparty="Naam tegenpartij",
        reference="gestructureerde mededeling", currency="Munt", balance="Saldo",
        account="Rekeningnummer", date_formats=("%d/%m/%Y",), decimal=",", delimiter=";",
    ),
    _preset(
        "kbc_mastercard", "KBC (BE) Mastercard credit card",
        ("kredietkaart", "kaarthouder", "datum verrichting", "bedrag in EUR", "Handelaar"),
        date="datum verrichting", value_date="Datum verrekening", amount="bedrag in EUR",
        description=("Handelaar", "locatie", "land", "toelichting"), account="kredietkaart",
        date_formats=("%d/%m/%Y",), decimal=",", delimiter=";", default_currency="EUR",
        account_type=CARD,
    ),
    _preset(
        "raiffeisen_at", "Raiffeisen (AT), no header row",
        row_signature=(_DMY_DOT, None, _DMY_DOT, r"-?[\d.]*\d,\d{2}", r"[A-Z]{3}"),
        date=0, description=(1,), value_date=2, amount=3, currency=4, header=False,
        date_formats=("%d.%m.%Y",), decimal=",", delimiter=";",
    ),
    _preset(
        "erste_hu", "Erste Bank (HU)",
        ("Tranzakció dátuma", "Tranzakció összege", "Bevétel/Kiadás", "Egyenleg"),
        date="Tranzakció dátuma", value_date="Értéknap", amount="Tranzakció összege",
        description=("Közlemény", "Részletek"), counterparty="Partner neve",
        currency="Tranzakció devizaneme", balance="Egyenleg", account="Számlaszám",
        transaction_type="Tranzakció típusa", date_formats=("%Y.%m.%d.", "%Y.%m.%d"),
        decimal=".", default_currency="HUF",
    ),
    _preset(
        "ceska_sporitelna", "Česká spořitelna (CZ), English headers",
        ("Posting date", "Amount CZK", "Counteraccount name", "Message for payee"),
        date="Posting date", value_date="Execution date", amount="Amount CZK",
        description=("Message for payee", "Message for me"), counterparty="Counteraccount name",
        bank_id="Transaction reference number", reference="Payment reference",
        date_formats=("%Y/%m/%d", "%d.%m.%Y"), decimal=",", delimiter=";",
        default_currency="CZK",
    ),
    _preset(
        "bank_of_ireland", "Bank of Ireland",
        ("Date", "Details", "Debit", "Credit", "Balance"),
        date="Date", description=("Details",), debit="Debit", credit="Credit",
        balance="Balance", date_formats=("%d/%m/%Y",), decimal=".", default_currency="EUR",
    ),
    # --- United Kingdom -----------------------------------------------------------------
    _preset(
        "first_direct", "first direct (UK) and other Date/Description/Amount/Balance exports",
        ("Date", "Description", "Amount", "Balance"),
        date="Date", amount="Amount", description=("Description",), balance="Balance",
        date_formats=("%d/%m/%Y", "%Y-%m-%d"), decimal=".", default_currency="GBP",
    ),
    _preset(
        "monzo", "Monzo (UK)",
        ("id", "created", "amount", "currency", "local_amount", "category", "description"),
        date="created", amount="amount", currency="currency", description=("description",),
        category="category", bank_id="id", date_formats=("%Y-%m-%d",), decimal=".",
        default_currency="GBP",
    ),
    _preset(
        "barclaycard", "Barclaycard (UK) credit card statement, no header row",
        row_signature=(r"\d{1,2} [A-Za-z]{3} \d{2}", None, None, None, None,
                       _AMOUNT_OR_EMPTY, _AMOUNT_OR_EMPTY),
        date=0, description=(1,), category=4, credit=5, debit=6, header=False,
        date_formats=("%d %b %y",), decimal=".", default_currency="GBP", account_type=CARD,
    ),
    _preset(
        "barclays_uk", "Barclays (UK)",
        ("Number", "Date", "Account", "Amount", "Subcategory", "Memo"),
        date="Date", amount="Amount", description=("Memo",), account="Account",
        transaction_type="Subcategory", date_formats=("%d/%m/%Y",), decimal=".",
        default_currency="GBP",
    ),
    _preset(
        "hsbc_uk", "HSBC (UK), no header row: date, description, amount",
        row_signature=(_DMY_SLASH, r".*[^\d\s.,+-].*", _AMOUNT),
        date=0, description=(1,), amount=2, header=False, date_formats=("%d/%m/%Y",),
        decimal=".", default_currency="GBP",
    ),
    # --- Asia ---------------------------------------------------------------------------
    _preset(
        "ocbc", "OCBC (SG), account details preamble before the header",
        ("Transaction date", "Value date", "Description", "Withdrawals (SGD)",
         "Deposits (SGD)"),
        date="Transaction date", value_date="Value date", description=("Description",),
        debit="Withdrawals (SGD)", credit="Deposits (SGD)", date_formats=("%d/%m/%Y",),
        decimal=".", default_currency="SGD", continuation_rows=True,
        preamble_account="Account details for:", preamble_balance="Ledger Balance",
    ),
    _preset(
        "posb", "POSB / DBS (SG), no header row, '27 Feb 2018' dates",
        row_signature=(r"\d{1,2} [A-Za-z]{3} \d{4}", None, _AMOUNT_OR_EMPTY, _AMOUNT_OR_EMPTY),
        date=0, reference=1, debit=2, credit=3, description=(4, 5, 6), header=False,
        date_formats=("%d %b %Y",), decimal=".", delimiter=",", default_currency="SGD",
    ),
    # --- Wallets and aggregators ----------------------------------------------------------
    _preset(
        "mint", "Mint (US) transactions export",
        ("Date", "Description", "Original Description", "Amount", "Transaction Type",
         "Category", "Account Name"),
        date="Date", amount="Amount", direction="Transaction Type",
        description=("Original Description",), counterparty="Description",
        category="Category", account="Account Name", date_formats=("%m/%d/%Y",),
        decimal=".", default_currency="USD",
    ),
    _preset(
        "paypal", "PayPal activity download",
        ("Date", "Time", "Name", "Type", "Status", "Currency", "Gross", "Fee", "Net",
         "Transaction ID", "Balance"),
        date="Date", amount="Net", currency="Currency", description=("Type", "Subject"),
        counterparty="Name", bank_id="Transaction ID", reference="Reference Txn ID",
        balance="Balance", transaction_type="Type", status="Status",
        date_formats=("%m/%d/%Y", "%d/%m/%Y"), decimal=".", account_type=AccountType.OTHER,
    ),
    _preset(
        "paypal_statement", "PayPal statement download",
        ("Date", "Time", "Time Zone", "Description", "Currency", "Gross", "Fee", "Net",
         "Balance", "Transaction ID"),
        date="Date", amount="Net", currency="Currency", description=("Description",),
        counterparty="Name", bank_id="Transaction ID", reference="Reference Txn ID",
        balance="Balance", date_formats=("%m/%d/%Y", "%d/%m/%Y"), decimal=".",
        account_type=AccountType.OTHER,
    ),
    _preset(
        "venmo", "Venmo statement",
        ("Username", "ID", "Datetime", "Type", "Status", "Note", "From", "To",
         "Amount (total)"),
        date="Datetime", amount="Amount (total)", description=("Note",), bank_id="ID",
        transaction_type="Type", status="Status", date_formats=("%Y-%m-%d",), decimal=".",
        default_currency="USD", account_type=AccountType.OTHER,
    ),
    # --- United States --------------------------------------------------------------------
    _preset(
        "chase_checking", "Chase (US) checking",
        ("Details", "Posting Date", "Description", "Amount", "Type", "Balance"),
        date="Posting Date", amount="Amount", description=("Description",), balance="Balance",
        transaction_type="Type", reference="Check or Slip #", date_formats=("%m/%d/%Y",),
        decimal=".", default_currency="USD",
    ),
    _preset(
        "chase_card", "Chase (US) credit card",
        ("Transaction Date", "Post Date", "Description", "Category", "Type", "Amount"),
        date="Transaction Date", value_date="Post Date", amount="Amount",
        description=("Description", "Memo"), category="Category", transaction_type="Type",
        date_formats=("%m/%d/%Y",), decimal=".", default_currency="USD", account_type=CARD,
    ),
    _preset(
        "bank_of_america", "Bank of America (US) checking",
        ("Date", "Description", "Amount", "Running Bal."),
        date="Date", amount="Amount", description=("Description",), balance="Running Bal.",
        date_formats=("%m/%d/%Y",), decimal=".", default_currency="USD",
    ),
    _preset(
        "bank_of_america_card", "Bank of America (US) credit card",
        ("Posted Date", "Reference Number", "Payee", "Address", "Amount"),
        date="Posted Date", amount="Amount", description=("Payee", "Address"),
        bank_id="Reference Number", date_formats=("%m/%d/%Y",), decimal=".",
        default_currency="USD", account_type=CARD,
    ),
    _preset(
        "wells_fargo", "Wells Fargo (US), no header row",
        row_signature=(_DMY_SLASH, _AMOUNT, r"\*", None, None),
        date=0, amount=1, description=(4,), header=False, date_formats=("%m/%d/%Y",),
        decimal=".", delimiter=",", default_currency="USD",
    ),
    _preset(
        "capital_one", "Capital One (US) credit card",
        ("Transaction Date", "Posted Date", "Card No.", "Description", "Category", "Debit",
         "Credit"),
        date="Transaction Date", value_date="Posted Date", description=("Description",),
        debit="Debit", credit="Credit", category="Category", account="Card No.",
        date_formats=("%Y-%m-%d", "%m/%d/%Y"), decimal=".", default_currency="USD",
        account_type=CARD,
    ),
    _preset(
        "citi", "Citi (US) credit card",
        ("Status", "Date", "Description", "Debit", "Credit"),
        date="Date", description=("Description",), debit="Debit", credit="Credit",
        status="Status", date_formats=("%m/%d/%Y",), decimal=".", default_currency="USD",
        account_type=CARD,
    ),
    _preset(
        "amex", "American Express (US) card activity",
        ("Date", "Description", "Card Member", "Account #", "Amount"),
        date="Date", amount="Amount", description=("Description",), account="Account #",
        sign=Sign.INVERTED, date_formats=("%m/%d/%Y",), decimal=".", default_currency="USD",
        account_type=CARD,
    ),
    _preset(
        "discover", "Discover (US) card",
        ("Trans. Date", "Post Date", "Description", "Amount", "Category"),
        date="Trans. Date", value_date="Post Date", amount="Amount",
        description=("Description",), category="Category", sign=Sign.INVERTED,
        date_formats=("%m/%d/%Y",), decimal=".", default_currency="USD", account_type=CARD,
    ),
    # --- Fintechs -------------------------------------------------------------------------
    _preset(
        "revolut", "Revolut account statement",
        ("Type", "Product", "Started Date", "Completed Date", "Description", "Amount", "Fee",
         "Currency", "State", "Balance"),
        date="Started Date", value_date="Completed Date", amount="Amount",
        description=("Description",), currency="Currency", balance="Balance",
        transaction_type="Type", status="State", date_formats=("%Y-%m-%d",), decimal=".",
    ),
    _preset(
        # "Account number" here is the payee's, not the customer's: it must not split the
        # statement into one account per payee.
        "n26_en", "N26 (English export)",
        ("Date", "Payee", "Account number", "Transaction type", "Payment reference",
         "Amount (EUR)"),
        date="Date", amount="Amount (EUR)", description=("Payee", "Payment reference"),
        counterparty="Payee", transaction_type="Transaction type",
        date_formats=("%Y-%m-%d",), decimal=".", default_currency="EUR",
    ),
    _preset(
        "wise", "Wise (TransferWise) statement",
        ("TransferWise ID", "Date", "Amount", "Currency", "Description", "Running Balance"),
        date="Date", amount="Amount", currency="Currency", description=("Description",),
        counterparty="Payee Name", bank_id="TransferWise ID", reference="Payment Reference",
        balance="Running Balance", date_formats=("%d-%m-%Y", "%Y-%m-%d"), decimal=".",
    ),
    # --- OCA bank-statement-import sheet layouts (Odoo test data) -------------------------
    _preset(
        "oca_statement", "Odoo / OCA sheet import sample (per-row currency)",
        ("Date", "Label", "Currency", "Amount", "Amount Currency", "Partner Name"),
        date="Date", amount="Amount", currency="Currency", description=("Label",),
        counterparty="Partner Name", date_formats=("%m/%d/%Y",), decimal=".",
    ),
    _preset(
        "oca_multi_currency", "Odoo / OCA sheet import, per-row currency",
        ("Date", "Label", "Currency", "Amount", "Partner Name"),
        date="Date", amount="Amount", currency="Currency", description=("Label",),
        counterparty="Partner Name", date_formats=("%m/%d/%Y",), decimal=".",
    ),
    _preset(
        "oca_balance", "Odoo / OCA sheet import, signed amount and balance",
        ("Date", "Label", "Amount", "Balance", "Partner Name"),
        date="Date", amount="Amount", balance="Balance", description=("Label",),
        counterparty="Partner Name", date_formats=("%m/%d/%Y",), decimal=".",
    ),
    _preset(
        "oca_debit_credit", "Odoo / OCA sheet import, amount with D/C column",
        ("Date", "Label", "Amount", "D/C", "Balance", "Partner Name"),
        date="Date", amount="Amount", direction="D/C", balance="Balance",
        description=("Label",), counterparty="Partner Name", date_formats=("%m/%d/%Y",),
        decimal=".",
    ),
    _preset(
        "oca_debit_credit_amount", "Odoo / OCA sheet import, Debit and Credit columns",
        ("Date", "Label", "Debit", "Credit", "Balance", "Partner Name"),
        date="Date", debit="Debit", credit="Credit", balance="Balance",
        description=("Label",), counterparty="Partner Name", date_formats=("%m/%d/%Y",),
        decimal=".",
    ),
)  # fmt: skip

#: Every preset by name.
PRESETS: dict[str, Preset] = {preset.name: preset for preset in _PRESET_LIST}

#: Layouts recognised but refused: CSV files that are not bank or card statements.
NOT_STATEMENTS: tuple[NotAStatement, ...] = (
    NotAStatement(
        "amazon_orders",
        ("order date", "order id", "asin/isbn"),
        "an Amazon order history, not a bank or card statement; import the statement of "
        "the card that paid for the orders instead",
    ),
    NotAStatement(
        "brokerage_utrade",
        ("date", "type", "ref #", "description", "fees", "amount", "balance"),
        "a brokerage account statement (trades, dividends and fees), not a bank statement",
    ),
)


def preset_names() -> list[str]:
    """Preset names, sorted, as offered by ``--csv-preset``."""
    return sorted(PRESETS)


def get_preset(name: str) -> Preset:
    """The preset called ``name``; ``KeyError`` naming the known ones otherwise."""
    try:
        return PRESETS[name.strip().lower()]
    except KeyError:
        known = ", ".join(preset_names())
        raise KeyError(f"unknown CSV preset {name!r}; known presets: {known}") from None
