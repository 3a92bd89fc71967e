"""Bounded archives: every zip the tool reads is checked before anything in it is inflated.

An .xlsx workbook, a .docx transcript, an XLSForm guide and a field package are zip archives.
A few megabytes of zip can declare — or, if its headers lie, inflate to — gigabytes, so each
archive is held to a `Limits` before it is parsed:

* `open_checked` reads the member count from the archive's end record *before* `zipfile` builds
  its member list, opens the archive and runs `check_zip`;
* `check_zip` refuses too many members, a declared total uncompressed size over the limit, one
  member over the per-member limit, a member that inflates more than `max_ratio` times (only for
  members over 1 MiB: small parts such as ``[Content_Types].xml`` compress well and harm
  nothing), and two members with the same name (different readers would see different files);
* `read_member` / `open_member` read a member through a reader that stops at the member's
  declared size and at the per-member limit, whichever is smaller — headers can lie, and the
  reader never hands out more than the check allowed. (CPython's `zipfile` itself stops at the
  declared size and then fails the CRC check; the cap does not rely on that.)

Refusals raise `ArchiveError` (a `survey.store.StoreError`) with a Danish message that names the
file kind (``what_da``, e.g. "projektmappen data.xlsx") and which limit was exceeded — never
anything from inside the archive. Other damage (a broken zip, a wrong password, a bad CRC) is
left to the caller as `zipfile`'s own exceptions, so a caller such as `survey.sync` can tell a
tampered package from a bomb.

The limits (also in README.md, "Grænser for filer") are chosen so that real files pass — the
demo workbook, a wide export of 50,000 respondents, Word transcripts of a two-hour interview, a
field package of a whole study — and so that no input of 10 MB or less can take the process
over 1 GiB: every reader after the check streams, or holds at most what the limits allow.
"""
from __future__ import annotations

import io
import os
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from survey.errors import StoreError

__all__ = ["ArchiveError", "Limits", "XLSX", "GUIDE", "DOCX", "PACKAGE", "MIB", "RATIO_FLOOR",
           "check_zip", "read_member", "open_member", "open_checked", "mb_text"]

MIB = 1024 * 1024
#: Members at or below this size are not held to the compression ratio.
RATIO_FLOOR = 1 * MIB
_CHUNK = 1 * MIB


class ArchiveError(StoreError):
    """An archive refused before it was parsed. `limit` names the check (``members``, ``total``,
    ``member``, ``ratio``, ``duplicate``, ``broken``); `text_en` is the English message."""

    def __init__(self, message: str, limit: str, text_en: str = ""):
        super().__init__(message)
        self.limit = limit
        self.text_en = text_en or message


@dataclass(frozen=True)
class Limits:
    """What one kind of archive may hold: members, declared total and per-member uncompressed
    bytes, and the largest uncompressed/compressed ratio of a member over `RATIO_FLOOR`."""
    max_members: int
    max_total_bytes: int
    max_ratio: float
    max_member_bytes: int


#: Wide-format workbooks (.xlsx import of respondents or sources). A wide export of 50,000
#: respondents with free text is 32 MB holding 262 MB of XML (two parts of ~130 MB, ratio 8); a
#: sheet of one repeated value deflates 15–18 to 1. The reader (`survey.wideio`) streams the
#: sheet and keeps the shared strings compactly.
XLSX = Limits(max_members=2_000, max_total_bytes=512 * MIB, max_ratio=100, max_member_bytes=320 * MIB)
#: The XLSForm guide (read whole by openpyxl and pyxform): a guide is tens of kilobytes.
GUIDE = Limits(max_members=500, max_total_bytes=32 * MIB, max_ratio=100, max_member_bytes=16 * MIB)
#: Word transcripts (.docx, read whole by python-docx/lxml). A two-hour interview written with
#: one run per word (as transcription tools do) is ~2 MB of XML that deflates 65 to 1;
#: `coding.transcripts` also counts the XML elements before python-docx sees the file.
DOCX = Limits(max_members=1_000, max_total_bytes=96 * MIB, max_ratio=200, max_member_bytes=64 * MIB)
#: Field packages (`survey.sync`: manifest.json and data.json, read whole by json). The whole demo
#: study (61 users' interviews and their 165 sources) is 1.1 MB of JSON, deflated 17 to 1; 64 MB
#: holds about 50 times that.
PACKAGE = Limits(max_members=16, max_total_bytes=80 * MIB, max_ratio=200, max_member_bytes=64 * MIB)


def mb_text(n: int) -> str:
    """Bytes as Danish text: 1.200 byte, 1,5 MB, 512 MB, 2,1 GB."""
    if n < MIB:
        return f"{n:,} byte".replace(",", ".")
    if n >= 1024 * MIB:
        return f"{n / (1024 * MIB):.1f} GB".replace(".", ",")
    mb = n / MIB
    return (f"{mb:.0f}" if mb >= 10 or mb == int(mb) else f"{mb:.1f}").replace(".", ",") + " MB"


def _cap(what_da: str) -> str:
    return what_da[:1].upper() + what_da[1:]


def _refuse(what_da: str, limit: str, da: str, en: str) -> ArchiveError:
    return ArchiveError(f"{_cap(what_da)} afvises: {da}. Intet er læst fra den.", limit,
                        f"The archive is refused: {en}. Nothing was read from it.")


#: bytes of the central directory allowed per member: its 46-byte header and a name, extra field and
#: comment of a real archive. `zipfile` reads the whole directory the end record points at, whatever
#: member count it states: a forged one (3 million entries, «5» stated) took 1.6 GB before this.
CD_BYTES_PER_MEMBER = 2_048


def _eocd_count(head: bytes, size: int, read_at) -> tuple[int, int] | None:
    """(member count, central directory size) from the end-of-central-directory record (zip64 too),
    or None if not found.

    `head` is the archive's last (up to) 65,557 bytes; `read_at(offset, n)` reads elsewhere."""
    i = head.rfind(b"PK\x05\x06")
    if i < 0 or len(head) - i < 22:
        return None
    total, cd_size = struct.unpack_from("<HI", head, i + 10)
    if total != 0xFFFF and cd_size != 0xFFFFFFFF:
        return total, cd_size
    j = i - 20  # zip64 end-of-central-directory locator
    if j < 0 or head[j:j + 4] != b"PK\x06\x07":
        return total, cd_size
    offset = struct.unpack_from("<Q", head, j + 8)[0]
    if offset + 56 > size:
        return None
    rec = read_at(offset, 56)
    if len(rec) < 56 or rec[:4] != b"PK\x06\x06":
        return None
    return struct.unpack_from("<QQ", rec, 32)


def _count_members(source: bytes | bytearray | memoryview | BinaryIO) -> tuple[int, int] | None:
    if isinstance(source, (bytes, bytearray, memoryview)):
        mv = memoryview(source)
        size = len(mv)
        head = bytes(mv[max(0, size - 65_557):])
        return _eocd_count(head, size, lambda off, n: bytes(mv[off:off + n]))
    pos = source.tell()
    try:
        size = source.seek(0, os.SEEK_END)
        source.seek(max(0, size - 65_557))
        head = source.read()

        def read_at(off: int, n: int) -> bytes:
            source.seek(off)
            return source.read(n)

        return _eocd_count(head, size, read_at)
    finally:
        source.seek(pos)


def _check_count(found: tuple[int, int], limits: Limits, what_da: str) -> None:
    n, cd_size = found
    if n > limits.max_members:
        raise _refuse(what_da, "members", f"den har {n:,} filer i arkivet (højst {limits.max_members:,})"
                      .replace(",", "."), f"it has {n:,} members (at most {limits.max_members:,})")
    if cd_size > max(n, 1) * CD_BYTES_PER_MEMBER:  # more directory than the members it states: forged
        raise _refuse(what_da, "members", "arkivets indholdsfortegnelse er større, end dets antal filer giver "
                      "plads til (arkivet er beskadiget eller forfalsket)",
                      "its central directory is larger than its member count allows (damaged or forged)")


def check_zip(zf: zipfile.ZipFile, limits: Limits, what_da: str) -> None:
    """Refuse (ArchiveError, Danish) an archive over `limits`, from its member list alone.

    Works on any `zipfile.ZipFile` (also `pyzipper.AESZipFile`); inflates nothing."""
    infos = zf.infolist()
    _check_count((len(infos), 0), limits, what_da)
    total = 0
    names: set[str] = set()
    for info in infos:
        if info.filename in names:
            raise _refuse(what_da, "duplicate", "to filer i arkivet har samme navn",
                          "two members have the same name")
        names.add(info.filename)
        size = info.file_size
        if size > limits.max_member_bytes:
            raise _refuse(what_da, "member", f"én fil i arkivet fylder {mb_text(size)} udpakket "
                          f"(højst {mb_text(limits.max_member_bytes)} pr. fil)",
                          f"one member is {size:,} bytes uncompressed (at most {limits.max_member_bytes:,})")
        total += size
        if total > limits.max_total_bytes:
            raise _refuse(what_da, "total", f"indholdet fylder mindst {mb_text(total)} udpakket "
                          f"(højst {mb_text(limits.max_total_bytes)})",
                          f"its content is at least {total:,} bytes uncompressed (at most "
                          f"{limits.max_total_bytes:,})")
        if size > RATIO_FLOOR and size > limits.max_ratio * max(info.compress_size, 1):
            ratio = size / max(info.compress_size, 1)
            raise _refuse(what_da, "ratio", f"én fil i arkivet pakkes {ratio:,.0f} gange ud (højst "
                          f"{limits.max_ratio:,.0f} gange) — det ligner en zip-bombe".replace(",", "."),
                          f"one member inflates {ratio:,.0f} times (at most {limits.max_ratio:,.0f}): "
                          "it looks like a zip bomb")


class _CappedReader(io.RawIOBase):
    """A member's bytes, refused (ArchiveError) as soon as more than `cap` (its declared size, at
    most the per-member limit) come out."""

    def __init__(self, raw: BinaryIO, cap: int, what_da: str):
        self._raw, self._cap, self._what, self._n = raw, cap, what_da, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        want = min(len(b), self._cap - self._n + 1)
        data = self._raw.read(want) if want > 0 else b""
        self._n += len(data)
        if self._n > self._cap:  # more than the archive declared: its headers lie
            raise _refuse(self._what, "member", "én fil i arkivet er større, end arkivet selv angiver "
                          "(arkivet er beskadiget eller forfalsket)",
                          "a member is larger than the archive declares (damaged or forged)")
        n = len(data)
        b[:n] = data
        return n

    def close(self) -> None:
        try:
            self._raw.close()
        finally:
            super().close()


def open_member(zf: zipfile.ZipFile, name: str, limits: Limits, what_da: str) -> BinaryIO:
    """A member as a buffered stream that stops at its declared size and the per-member limit
    (ArchiveError past either). KeyError if there is no such member; zipfile's own exceptions
    (BadZipFile for a bad CRC, RuntimeError for a missing password) pass through."""
    info = zf.getinfo(name)
    if info.file_size > limits.max_member_bytes:
        raise _refuse(what_da, "member", f"én fil i arkivet fylder {mb_text(info.file_size)} udpakket "
                      f"(højst {mb_text(limits.max_member_bytes)} pr. fil)",
                      f"one member is {info.file_size:,} bytes uncompressed (at most {limits.max_member_bytes:,})")
    return io.BufferedReader(_CappedReader(zf.open(info), info.file_size, what_da), _CHUNK)


def read_member(zf: zipfile.ZipFile, name: str, limits: Limits, what_da: str) -> bytes:
    """A member's bytes, read in chunks through `open_member`'s cap (never more than allowed)."""
    parts: list[bytes] = []
    with open_member(zf, name, limits, what_da) as f:
        while True:
            chunk = f.read(_CHUNK)
            if not chunk:
                break
            parts.append(chunk)
    return b"".join(parts)


def open_checked(data_or_path: bytes | bytearray | memoryview | str | os.PathLike, limits: Limits,
                 what_da: str) -> zipfile.ZipFile:
    """A checked `zipfile.ZipFile` on bytes or a file (the caller closes it). The member count is
    read from the end record first, so a zip of a million members is refused before `zipfile`
    lists them; then `check_zip`. ArchiveError (Danish) for anything that is not a readable zip
    within `limits`."""
    broken = _refuse(what_da, "broken", "den er ikke et gyldigt zip-arkiv (filen er beskadiget eller af en "
                     "anden type)", "it is not a valid zip archive (damaged, or another kind of file)")
    if isinstance(data_or_path, (bytes, bytearray, memoryview)):
        n = _count_members(data_or_path)
        if n is None:
            raise broken
        _check_count(n, limits, what_da)
        source: BinaryIO | Path = io.BytesIO(data_or_path)
    else:
        source = Path(data_or_path)
        try:
            with open(source, "rb") as f:
                n = _count_members(f)
        except OSError:
            raise _refuse(what_da, "broken", "filen kan ikke læses", "the file cannot be read") from None
        if n is None:
            raise broken
        _check_count(n, limits, what_da)
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise broken from None
    try:
        check_zip(zf, limits, what_da)
    except BaseException:
        zf.close()
        raise
    return zf
