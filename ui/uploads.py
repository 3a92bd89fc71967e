"""Upload fields that check the file themselves and say so in Danish (issue 10.9).

Streamlit's own checks speak English ("application/pdf files are not allowed.", "200MB per
file"), so no upload field uses ``st.file_uploader(type=…)``: `upload_field` draws the uploader
without it, says in Danish what it takes, and checks the chosen file at once — extension, size
and content (a PDF renamed to .txt is refused, a .docx must be a zip file) — with a Danish
message naming what is allowed. `take` runs the same check again when the file is used (the
import button) and raises a `StoreError` with the message, so nothing is stored from a refused
file. The domain (e.g. `coding.transcripts.read_transcript`) checks again; this is what the user
sees first. Streamlit's English size line under the uploader is hidden by `ui.danish.CSS`; the
server's own hard limit (``server.maxUploadSize`` in .streamlit/config.toml) is far above every
rule here. Log lines never carry file names or contents.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from survey.store import StoreError
from ui.common import md

# the start of files that are not what their extension says (a text file must not be one of these)
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "en PDF-fil"),
    (b"PK\x03\x04", "et Word-/Excel-dokument eller en zip-fil"),
    (b"\xd0\xcf\x11\xe0", "et ældre Office-dokument (.doc/.xls)"),
    (b"{\\rtf", "et RTF-dokument"),
    (b"\x89PNG", "et billede"),
    (b"\xff\xd8\xff", "et billede"),
    (b"GIF8", "et billede"),
)
_ZIP_TYPES = (".docx", ".xlsx", ".qdpx")  # Office Open XML and REFI-QDA projects: zip files


def _mb(n: int) -> str:
    mb = n / (1024 * 1024)
    return (f"{mb:.0f}" if mb >= 10 or mb == int(mb) else f"{mb:.1f}").replace(".", ",") + " MB"


def _or_list(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " eller " + items[-1]


@dataclass(frozen=True)
class UploadRule:
    """What one upload field takes: extensions (lower case, with the dot) and the largest size."""
    types: tuple[str, ...]
    max_bytes: int

    @property
    def allowed(self) -> str:
        """«.txt, .md eller .docx»"""
        return _or_list(self.types)

    @property
    def hint(self) -> str:
        """The Danish line under the field (instead of Streamlit's English one)."""
        return f"Tilladt: {self.allowed} · højst {_mb(self.max_bytes)}."


def check(rule: UploadRule, name: str, data: bytes | None, size: int | None = None) -> str | None:
    """None if the file may be used, else the Danish reason (naming what is allowed).

    `data` may be None to check only name and size (then `size` is used)."""
    shown = Path(str(name).replace("\\", "/")).name or "uden navn"
    suffix = Path(shown).suffix.lower()
    if suffix not in rule.types:
        got = f"filen er {suffix}" if suffix else "filen har ingen endelse"
        return f"Filen «{shown}» kan ikke bruges her: kun {rule.allowed} er tilladt ({got})."
    n = len(data) if data is not None else (size or 0)
    if n > rule.max_bytes:
        return (f"Filen «{shown}» er for stor ({_mb(n)}); højst {_mb(rule.max_bytes)} er tilladt. "
                "Del den op i flere filer.")
    if data is None:
        return None
    if not data.strip():
        return f"Filen «{shown}» er tom."
    if suffix in _ZIP_TYPES:
        if not data.startswith(b"PK\x03\x04"):
            return (f"Filen «{shown}» er ikke et rigtigt {suffix}-dokument (indholdet passer ikke til endelsen). "
                    f"Tilladt: {rule.allowed}.")
        return None
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return (f"Filen «{shown}» hedder {suffix}, men er {what}, ikke tekst. Tilladt: {rule.allowed}.")
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return f"Filen «{shown}» er ikke en tekstfil (den indeholder binære data). Tilladt: {rule.allowed}."
    return None


def upload_field(label: str, key: str, rule: UploadRule, *, help: str | None = None) -> None:
    """The uploader (no `type=`: Streamlit's refusal is English), the Danish line saying what it
    takes, and — once a file is chosen — the Danish refusal right under it, if any."""
    st.file_uploader(label, key=key, help=help)
    f = st.session_state.get(key)
    problem = check(rule, f.name, f.getvalue()) if f is not None else None
    if problem:
        st.error(md(problem), icon=":material/block:")  # the file name is shown as typed, never as markdown
    else:
        st.caption(rule.hint)


def take(key: str, rule: UploadRule, *, missing: str) -> tuple[str, bytes]:
    """(file name, bytes) of the chosen file, checked again; StoreError with the Danish reason
    (or `missing` when no file is chosen)."""
    f = st.session_state.get(key)
    if f is None:
        raise StoreError(missing)
    data = f.getvalue()
    problem = check(rule, f.name, data)
    if problem:
        raise StoreError(problem)
    return f.name, data
