"""Bytes -> text lines for the CSV reader (the "envelope" stage), in bounded memory.

The stream is read in 1 MiB chunks and decoded incrementally in the file's encoding, so
a byte sequence that is invalid in that encoding is reported with its line number. Lines
keep their terminators (``\\n``, ``\\r\\n`` or a lone ``\\r``) as :mod:`csv` expects. A
line longer than :data:`MAX_LINE` characters is refused: no bank export has one, and it
would otherwise have to be held in memory whole.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from typing import BinaryIO

from openteller.domain.errors import IngestError

CHUNK = 1 << 20
#: Longest line accepted (characters); also the csv module's field size limit.
MAX_LINE = 1 << 20


def decoded_lines(head: bytes, stream: BinaryIO, encoding: str, source: str) -> Iterator[str]:
    """The lines of ``head`` followed by the rest of ``stream``, decoded.

    Raises :class:`IngestError` naming the line for bytes invalid in ``encoding`` and for
    an overlong line.
    """
    try:
        decoder = codecs.getincrementaldecoder(encoding)("strict")
    except LookupError:
        raise IngestError(f"{source}: line 1: encoding: unknown encoding {encoding!r}") from None
    lines_before = 0
    pending = ""
    chunk = head
    final = False
    while True:
        try:
            text = decoder.decode(chunk, final=final)
        except UnicodeDecodeError as exc:
            data = bytes(exc.object)
            line = lines_before + pending.count("\n") + data[: exc.start].count(b"\n") + 1
            raise IngestError(
                f"{source}: line {line}: encoding: bytes {data[exc.start : exc.end]!r} are not "
                f"valid {encoding}; pass the file's encoding (--csv-map encoding=cp1252)"
            ) from exc
        if text:
            text = pending + text
            cut = text.rfind("\n")
            if cut < 0:
                cut = text.rfind("\r")
            if cut >= 0:
                body, pending = text[: cut + 1], text[cut + 1 :]
                lines_before += body.count("\n")
                yield from io.StringIO(body, newline="")
            else:
                pending = text
            if len(pending) > MAX_LINE:
                raise IngestError(
                    f"{source}: line {lines_before + 1}: row: a line longer than "
                    f"{MAX_LINE} characters; this is not a bank CSV export"
                )
        if final:
            break
        chunk = stream.read(CHUNK)
        if not chunk:
            chunk, final = b"", True
    if pending:
        yield pending
