"""Hardened XML parsing shared by the XML readers (camt, OFX 2.x, ...).

Bank files come from outside, so every XML reader parses through this module:

* libxml2 is run with ``resolve_entities=False``, ``no_network=True``, ``load_dtd=False``,
  ``huge_tree=False`` (text nodes and nesting depth stay within libxml2's safety limits);
* as defusedxml does with ``forbid_dtd=True``, any document type declaration is refused:
  a ``<!DOCTYPE`` or ``<!ENTITY`` before the root element raises
  :class:`~openteller.domain.errors.IngestError` naming the file and line. That blocks
  billion-laughs (entity expansion) and XXE (``SYSTEM "file:///etc/passwd"``) files before
  libxml2 sees a single declaration; the parser's own DTD record is checked as a
  backstop for encodings the byte scan cannot read (UTF-16);
* syntax errors (truncated file, bad encoding) become ``IngestError`` with the line.

:func:`iterparse` streams ``(event, element)`` pairs from a binary stream in chunks (the
caller clears what it has used, so memory stays bounded). :func:`child`, :func:`children`,
:func:`child_index` and :func:`text` navigate by local name, so readers work across
namespace versions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import BinaryIO

from lxml import etree

from openteller.domain.errors import IngestError

#: Bytes read from the stream per parser feed.
CHUNK_SIZE = 64 * 1024
#: How much of the prolog (the bytes before the root element) is scanned for declarations.
_PROLOG_LIMIT = 1024 * 1024
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)\b", re.IGNORECASE)
_ELEMENT_START = re.compile(rb"<[A-Za-z_\x80-\xff]")


def local_name(element: etree._Element) -> str:
    """The tag of ``element`` without its ``{namespace}`` (``Ntry`` for any camt version)."""
    tag = element.tag
    if not isinstance(tag, str):  # comments and processing instructions
        return ""
    return tag[tag.rfind("}") + 1 :]


def child_index(element: etree._Element) -> dict[str, etree._Element]:
    """The children of ``element`` by local name (the first of each name): one pass."""
    found: dict[str, etree._Element] = {}
    for node in element:
        tag = node.tag
        if isinstance(tag, str):
            name = tag[tag.rfind("}") + 1 :]
            if name not in found:
                found[name] = node
    return found


def child(element: etree._Element | None, *names: str) -> etree._Element | None:
    """The element at the local-name path ``names`` below ``element`` (first match)."""
    for name in names:
        if element is None:
            return None
        suffix, parent, element = "}" + name, element, None
        for node in parent:
            tag = node.tag
            if isinstance(tag, str) and (tag == name or tag.endswith(suffix)):
                element = node
                break
    return element


def children(element: etree._Element | None, name: str) -> list[etree._Element]:
    """Every child of ``element`` with local name ``name``."""
    if element is None:
        return []
    suffix = "}" + name
    return [
        c for c in element if isinstance(c.tag, str) and (c.tag == name or c.tag.endswith(suffix))
    ]


def text(element: etree._Element | None) -> str:
    """The stripped text of ``element`` ("" when absent)."""
    if element is None:
        return ""
    value = element.text
    return value.strip() if value else ""


class _PrologGuard:
    """Scans the bytes before the root element for DOCTYPE/ENTITY declarations."""

    __slots__ = ("_head", "_source", "done", "lines")

    def __init__(self, source: str) -> None:
        self._source = source
        self._head = b""
        self.done = False
        self.lines = 1  # lines seen so far, for errors libxml2 gives no line for

    def check(self, chunk: bytes) -> None:
        """Raise if the prolog seen so far declares a DTD; stop once the root has begun."""
        self.lines += chunk.count(b"\n")
        if self.done:
            return
        self._head += chunk
        body = self._head[3:] if self._head.startswith(b"\xef\xbb\xbf") else self._head
        offset = 3 if body is not self._head else 0
        root = _ELEMENT_START.search(body)
        prolog = body[: root.start()] if root else body
        found = _DECLARATION.search(prolog)
        if found:
            line = self._head.count(b"\n", 0, offset + found.start()) + 1
            kind = found.group(1).decode("ascii").upper()
            raise IngestError(
                f"{self._source}: line {line}: <!{kind}> declaration refused "
                "(DTDs and entities are not allowed in bank files)"
            )
        if root or len(self._head) > _PROLOG_LIMIT:
            self.done = True
            self._head = b""


def _check_docinfo(element: etree._Element, source: str) -> None:
    """Backstop: refuse a document whose parser recorded a DTD (e.g. UTF-16 input)."""
    docinfo = element.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.system_url:
        root = element.getroottree().getroot()
        raise IngestError(
            f"{source}: line {line_of(root)}: <!DOCTYPE> declaration before element "
            f"{local_name(root)} refused (DTDs and entities are not allowed in bank files)"
        )


def _syntax_error(source: str, exc: etree.XMLSyntaxError, lines_read: int) -> IngestError:
    # libxml2 loses the position of a few errors (an undefined entity when entities are not
    # resolved); then name the last line read, which the error is at or before.
    line = exc.lineno if exc.lineno else f"{lines_read} (or before)"
    message = (exc.msg or str(exc)).strip()
    return IngestError(f"{source}: line {line}: malformed XML: {message}")


def _read(stream: BinaryIO, source: str) -> bytes:
    try:
        return stream.read(CHUNK_SIZE)
    except OSError as exc:
        raise IngestError(f"{source}: cannot read the file: {exc}") from exc


def _elements(parser: etree.XMLPullParser) -> Iterator[tuple[str, etree._Element]]:
    """The pending element events of ``parser`` (namespace events are not requested)."""
    for event, element in parser.read_events():
        if isinstance(element, etree._Element):
            yield event, element


def line_of(element: etree._Element) -> int | None:
    """The 1-based source line of ``element`` (``None`` when libxml2 does not know it)."""
    line: object = element.sourceline
    return line if isinstance(line, int) else None


def iterparse(
    stream: BinaryIO,
    source: str,
    *,
    events: Sequence[str] = ("end",),
    tags: Sequence[str] | None = None,
) -> Iterator[tuple[str, etree._Element]]:
    """Stream ``(event, element)`` pairs like :func:`lxml.etree.iterparse`, hardened.

    ``tags`` filters in C (``{*}Ntry`` matches ``Ntry`` in any namespace). The caller
    should ``clear()``/remove elements once used. Raises :class:`IngestError` for an
    empty or malformed file and for any DTD/entity declaration.
    """
    parser = etree.XMLPullParser(
        events=events,  # type: ignore[arg-type]
        tag=tags,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    guard = _PrologGuard(source)
    checked = False
    seen_bytes = False
    try:
        while chunk := _read(stream, source):
            seen_bytes = True
            guard.check(chunk)
            parser.feed(chunk)
            for event, element in _elements(parser):
                if not checked:
                    _check_docinfo(element, source)
                    checked = True
                yield event, element
        if not seen_bytes:
            raise IngestError(f"{source}: line 1: empty file, expected an XML document")
        root = parser.close()
        if not checked:
            _check_docinfo(root, source)
        yield from _elements(parser)
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(source, exc, guard.lines) from exc
