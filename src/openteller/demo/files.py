"""Writers of synthetic bank files (OFX 1.02 SGML and a plain CSV layout)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from openteller.demo.generator import SyntheticTransaction

_OFX_HEADER = """OFXHEADER:100
DATA:OFXSGML
VERSION:102
SECURITY:NONE
ENCODING:USASCII
CHARSET:1252
COMPRESSION:NONE
OLDFILEUID:NONE
NEWFILEUID:NONE

<OFX>
<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20240101000000<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1>
"""


def write_ofx(
    path: Path,
    transactions: Iterable[SyntheticTransaction],
    *,
    account: str,
    account_type: str = "CHECKING",
    closing_balance: str = "1000.00",
    currency: str = "USD",
) -> int:
    """Write an OFX 1.02 bank (or CREDITCARD) statement; returns transactions written."""
    count = 0
    with path.open("w", encoding="cp1252", newline="\n") as out:
        out.write(_OFX_HEADER)
        card = account_type == "CREDITCARD"
        if card:
            out.write(
                "<CREDITCARDMSGSRSV1><CCSTMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>\n"
            )
            out.write(f"<CCSTMTRS><CURDEF>{currency}<CCACCTFROM><ACCTID>{account}</CCACCTFROM>\n")
        else:
            out.write("<BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS>\n")
            out.write(
                f"<STMTRS><CURDEF>{currency}<BANKACCTFROM><BANKID>121000248<ACCTID>{account}"
                f"<ACCTTYPE>{account_type}</BANKACCTFROM>\n"
            )
        out.write("<BANKTRANLIST><DTSTART>20000101<DTEND>20991231\n")
        last = None
        for tx in transactions:
            _write_stmttrn(out, tx)
            last = tx.booking_date
            count += 1
        out.write("</BANKTRANLIST>\n")
        asof = (last.strftime("%Y%m%d") if last else "20240101") + "120000"
        out.write(f"<LEDGERBAL><BALAMT>{closing_balance}<DTASOF>{asof}</LEDGERBAL>\n")
        out.write(f"<AVAILBAL><BALAMT>{closing_balance}<DTASOF>{asof}</AVAILBAL>\n")
        if card:
            out.write("</CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1>\n</OFX>\n")
        else:
            out.write("</STMTRS></STMTTRNRS></BANKMSGSRSV1>\n</OFX>\n")
    return count


def _write_stmttrn(out: TextIO, tx: SyntheticTransaction) -> None:
    sic = f"<SIC>{tx.mcc}" if tx.mcc else ""
    name = tx.description.replace("&", "&amp;").replace("<", "&lt;")[:32]
    out.write(
        f"<STMTTRN><TRNTYPE>{tx.trntype}<DTPOSTED>{tx.booking_date:%Y%m%d}120000"
        f"<TRNAMT>{tx.amount}<FITID>{tx.fitid}{sic}<NAME>{name}"
        f"<MEMO>{tx.description.replace('&', '&amp;').replace('<', '&lt;')}</STMTTRN>\n"
    )


def write_csv(path: Path, transactions: Iterable[SyntheticTransaction]) -> int:
    """Write a ``Date,Description,Amount,Balance`` CSV (ISO dates, dot decimals)."""
    count = 0
    balance = 0
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("Date,Description,Amount,Balance\r\n")
        for tx in transactions:
            balance += int(tx.amount * 100)
            desc = tx.description.replace('"', '""')
            sign = "-" if balance < 0 else ""
            out.write(
                f'{tx.booking_date.isoformat()},"{desc}",{tx.amount},'
                f"{sign}{abs(balance) // 100}.{abs(balance) % 100:02d}\r\n"
            )
            count += 1
    return count
