"""Zip bombs and hostile archives, built in memory in well under a second (for tests/survey/test_safe_input.py).

A member's deflate stream is a head, one block repeated many times and a tail, each compressed on
its own and ended by a full flush (byte-aligned, no references across blocks), so 1 GB of XML
costs a 2.5 MB stream and no compression time. The archive is written by hand (`zip_bytes`), so
its headers can also lie (`declared=`).
"""
from __future__ import annotations

import io
import struct
import zlib
from dataclasses import dataclass

GB = 1024 ** 3


def _deflate(data: bytes, final: bool) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


@dataclass
class Member:
    name: str
    stream: bytes  # raw deflate (method 8) or the stored bytes (method 0)
    size: int  # uncompressed size
    crc: int
    method: int = 8


def stored(name: str, data: bytes) -> Member:
    return Member(name, _deflate(data, True), len(data), zlib.crc32(data))


def inflating(name: str, head: bytes, block: bytes, tail: bytes, *, at_least: int) -> Member:
    """A member that inflates to head + block × n + tail, n chosen so the whole is ≥ `at_least` bytes
    (the block is first repeated to about 1 MB, which deflates about 400 to 1)."""
    block = block * max(1, (1 << 20) // len(block))
    n = max(1, -(-(at_least - len(head) - len(tail)) // len(block)))
    crc = zlib.crc32(head)
    for _ in range(n):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    stream = _deflate(head, False) + _deflate(block, False) * n + _deflate(tail, True)
    return Member(name, stream, len(head) + len(block) * n + len(tail), crc)


def zip_bytes(members: list[Member], *, declared: dict[str, tuple[int, int]] | None = None) -> bytes:
    """A zip archive of `members`. `declared`: name -> (uncompressed size, CRC) to write in the
    headers instead of the true ones (a lying archive)."""
    out = io.BytesIO()
    central = []
    for m in members:
        size, crc = (declared or {}).get(m.name, (m.size, m.crc))
        name = m.name.encode()
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, m.method, 0, 0x21, crc, len(m.stream), size,
                              len(name), 0))
        out.write(name)
        out.write(m.stream)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, m.method, 0, 0x21, crc,
                                   len(m.stream), size, len(name), 0, 0, 0, 0, 0, offset) + name)
    start = out.tell()
    for c in central:
        out.write(c)
    end = out.tell()
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), end - start, start, 0))
    return out.getvalue()


# ---------------------------------------------------------------- Office files

_CT = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
       b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
       b'+xml"/><Default Extension="xml" ContentType="application/xml"/>%s</Types>')
_RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         b'relationships/officeDocument" Target="%s"/></Relationships>')
XLSX_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>respondent_id</t></is>'
             b'</c><c r="B1" t="inlineStr"><is><t>site</t></is></c><c r="C1" t="inlineStr"><is><t>site_type</t>'
             b'</is></c></row>')
XLSX_ROW = b'<row><c t="inlineStr"><is><t>R</t></is></c><c t="inlineStr"><is><t>Amadeus</t></is></c></row>' * 64
XLSX_TAIL = b"</sheetData></worksheet>"


def xlsx_parts(sheet: Member) -> list[Member]:
    ct = _CT % (b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                b'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="'
                b'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
    wb = (b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
          b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
          b'<sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>')
    wb_rels = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
               b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
               b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    return [stored("[Content_Types].xml", ct), stored("_rels/.rels", _RELS % b"xl/workbook.xml"),
            stored("xl/workbook.xml", wb), stored("xl/_rels/workbook.xml.rels", wb_rels), sheet]


def xlsx_bomb(at_least: int = GB + 1) -> bytes:
    """A workbook (~3 MB) whose sheet XML inflates to more than `at_least` bytes of rows."""
    return zip_bytes(xlsx_parts(inflating("xl/worksheets/sheet1.xml", XLSX_HEAD, XLSX_ROW, XLSX_TAIL,
                                          at_least=at_least)))


def xlsx_small(rows: int = 3) -> bytes:
    """A real little workbook with the same parts (a header and `rows` respondents)."""
    body = b"".join(b'<row><c t="inlineStr"><is><t>R-%d</t></is></c><c t="inlineStr"><is><t>Amadeus</t></is></c>'
                    b'<c t="inlineStr"><is><t>vaerested</t></is></c></row>' % i for i in range(rows))
    return zip_bytes(xlsx_parts(stored("xl/worksheets/sheet1.xml", XLSX_HEAD + body + XLSX_TAIL)))


DOCX_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
             b'wordprocessingml/2006/main"><w:body>')
DOCX_PARA = b"<w:p><w:r><w:t>B: Jeg kommer her for kaffen og roen.</w:t></w:r></w:p>" * 64
DOCX_TAIL = b"</w:body></w:document>"


def docx_parts(document: Member) -> list[Member]:
    ct = _CT % (b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                b'wordprocessingml.document.main+xml"/>')
    return [stored("[Content_Types].xml", ct), stored("_rels/.rels", _RELS % b"word/document.xml"), document]


def docx_bomb(at_least: int = GB + 1) -> bytes:
    """A Word file (~2 MB) whose document.xml inflates to more than `at_least` bytes of paragraphs."""
    return zip_bytes(docx_parts(inflating("word/document.xml", DOCX_HEAD, DOCX_PARA, DOCX_TAIL,
                                          at_least=at_least)))


def with_members(archive_members: list[Member], n: int) -> bytes:
    """The archive with `n` extra empty members."""
    return zip_bytes(archive_members + [stored(f"x/{i}.xml", b"") for i in range(n)])
