"""Field laptops → central store: export packages and merge them (issue 6).

An interviewer's laptop works offline on its own store (SQLite). ``brugerblik export package
FILE`` writes everything it holds into one package; ``brugerblik merge FILE`` brings a
package into the central store (SQLite or PostgreSQL). Nothing is ever silently overwritten.

The package
-----------
A zip file (format 3) whose two members are encrypted and authenticated with AES-256 (WinZip
AE-2, `pyzipper`: AES-256-CTR + HMAC-SHA1 per member). The zip password is scrypt(passphrase,
salt) (N=2^15, r=8): the zip format's own PBKDF2-SHA1 with 1,000 rounds is too cheap to stand
alone. The random salt is the zip comment (``brugerblik-feltpakke;v=2;scrypt;salt=…``), which is
not secret. A wrong passphrase or a changed byte is refused; an unencrypted (format 1) package is
refused too. The members:

* ``manifest.json``: ``{"format": "brugerblik-feltpakke", "version": 3, "package_id",
  "created_at", "schema", "counts", "data_sha256", "exported_by", "device", "scope"}`` —
  ``data_sha256`` is the SHA-256 of ``data.json``; ``exported_by`` the laptop's user (None on
  an open store), ``device`` the laptop's name;
* ``data.json``: ``{"sites": [...], "interviews": [...], "audit": [], "deleted": [...],
  "withdrawn": [...]}``. Each interview carries its fields, site (by name), answers, quotes,
  consent records and audit trail, and ``hash``: its *content hash* at export. The top-level
  ``audit`` is always empty: the administration of a laptop's store (users, sites, codebook) is
  never central history.
* ``deleted`` (format 3, issue 12): *every* tombstone of the store (`survey.privacy`), whoever
  exports: ``{"uid", "interview_id", "informant", "who", "at", "reason", "counts"}`` and nothing
  else — no content, no respondent id. ``withdrawn``: the withdrawals of consent of the packaged
  interviews and of the users they are about: ``{"uid", "interview_id", "purpose",
  "withdrawn_on", "reason", "recorded_by", "recorded_at"}``.

Format 2 packages (no ``deleted``/``withdrawn``) are still merged; a format 2 package with those
keys, or a format 3 package without them, is refused as damaged.

Who may package what (`package_scope`, the role table `survey.auth.ACTIONS`): an interviewer
packages only the interviews they took (user interviews and sources) with their sites;
researchers and admins (and an open store) the whole store. Merging is the admin's (``db``).
Tombstones are no one's content: every package carries all of them.

Before anything is written the whole package is checked (`read_package`: shape, ids unique in
the package) and then validated against the central guides exactly as an import or the app
would store it (`check_content`): the guide form and version of every interview, respondent
ids (`Guide.check_value`: never CPR-shaped), every answer, quotes and one-line fields through
the interview's own cleaning. A quote id the central store holds for another interview is
refused. Messages name the interview and the field, never the value.

Everything is matched by stable ids, never by the stores' own row numbers: interviews by
their UUID, sites by name, quotes, consent records and audit entries by their ``uid``.

The content hash
----------------
SHA-256 of a canonical JSON of what a person would call the interview's content: its fields
(respondent id, site name and type, interviewer, date, status, guide form/version, created and
completed time, completion note, source), every answer (code → value) and every quote (uid,
item, text, "til rapporten", who and when). Not in it: ``updated_at`` stamps (a save that
changes nothing changes no hash), the audit trail and consent records (append-only history,
merged by uid) and the central store's own coding. The same content gives the same hash in
SQLite and PostgreSQL (times are UTC with microseconds, dates ISO).

The merge (three-way, per interview)
------------------------------------
Each central interview keeps ``merged_from_hash`` (B): the content hash of the version last
merged in from a package — the common base of the laptop's copy and the central one. For a
package interview with hash L, and the central interview's current hash C:

=====================================  =================================================
central has no interview with the UUID  inserted (B := L), unless its respondent id is
                                        taken by another interview centrally (two laptops
                                        numbered offline) → conflict ``respondent_id``
L == C                                  nothing to do (B := L if it was not already)
L == B                                  changed only centrally since the last merge (or
                                        not at all): the central version stays
C == B                                  changed only on the laptop: the central interview
                                        is updated to the laptop's version (B := L)
otherwise (incl. B unknown)             changed in both places: conflict ``begge_aendret``
=====================================  =================================================

An update never deletes a quote that the central store has coded (rows in other tables
refer to it): that is a conflict (``citat_kodet``) too, as is a site whose type differs
centrally (``sted``). A conflict is stored in ``merge_conflict`` with both versions as JSON
(the laptop's with its audit trail and consent records) and the interview is left exactly
as it was; ``brugerblik merge --conflicts`` lists them and ``brugerblik merge --resolve N
--brug central|laptop`` settles one (``--brug laptop`` only if the central interview has not
changed since the conflict was recorded). Consent records and audit entries of the merged
interviews are appended, skipping uids already there. An audit entry from a package is stored
as coming from the package: ``who`` is the package's user (``exported_by``) and the note says
``via pakke ID fra USER@DEVICE; registreret på feltcomputeren af: WHO``; an entry that names
another interview is refused with the package. A case-file extract (``journal``) whose user
has not consented to journal access *centrally* is never merged: it becomes a conflict
(``samtykke``) that ``--brug laptop`` cannot settle while the consent is missing. Each insert or
update adds a central audit entry (``merge``) naming the package.

Merging the same package twice changes nothing the second time (every interview is then
L == C, every uid is known, an open conflict with the same two hashes is not recorded
again). The whole merge is one transaction, and the package is read and checked in full
before anything is written: a damaged, foreign or newer-format package is refused with a
Danish message and changes nothing.

Deletions and withdrawals (issue 12, `survey.privacy`). Before the interviews, the merge applies
the package's tombstones: an interview still in this store is deleted with the same cascade as
``brugerblik respondent slet`` (a user's sources with it) and the tombstone is recorded (by its
uid, once per interview; ``via pakke …`` in its note). An interview — or a source about a user —
that has a tombstone here is never brought back: it is skipped and reported. The package's
withdrawals are recorded for interviews this store holds (audited as coming from the package).
Neither can be undone, and anyone who holds the package code can write a package: a package that
would delete an interview here or record a withdrawal here is refused — naming the respondent ids
and who made the package, changing nothing — unless the merge is told yes (``allow_deletions``,
``brugerblik merge FILE --tillad-sletning``; `privacy.package_effects` lists them). A tombstone of
an interview that is not here deletes nothing and is recorded without asking.
An interview about a respondent who withdrew consent (here, or by the package) is left out when
it would change anything — not merged, not stored as a conflict — and reported; so is a
case-file extract whose user withdrew consent to journal access. An interview the package itself
withdraws (a withdrawal recorded on the laptop for an interview not here) comes in with its
withdrawal when it is inserted; when it would become a conflict instead it is left out the same
way (a conflict kept it without its withdrawal, and ``--brug laptop`` stored it as if consent were
given). A tombstone of an interview that is not here removes any conflict that holds a version of
it (or of a source about it). The same works from the central store to a laptop: a laptop that
merges the central store's package deletes what was deleted centrally.

After a raw-data deletion here (`privacy.delete_raw_data`, ``brugerblik respondent slet-raadata``)
a package's values from before it that the deletion removed are not taken back — and deletions win: a
value counts as from before it unless the package's store knew of the deletion and stamped the value
after it learned of it, both by that computer's own clock (the manifest's optional ``raw_deleted``:
`privacy.raw_deletion_marker`; a laptop learns of a deletion by merging a package of the central store
made after it, `privacy.learn_raw_deletion`). The laptop's clock is never compared with this store's:
before, a laptop whose clock was ahead stamped the free text it had before the deletion as after it, and
the merge took it back. A change made after the laptop learned of it keeps its new value; its old value in
the audit trail is emptied (the laptop may have held a value the deletion removed). Those values,
whether they would be inserted, updated or kept in a
conflict: free-text answers (the guides' ``fritekst`` marks) and completion notes are left out,
quote texts are taken as stored here (masked) or masked with the study's masker (`merge_package`'s
``masker``; without one such a quote is left out), the audit trail's before/after values of free
text, quotes and transcripts are emptied and its notes masked, and the reasons of new withdrawals
masked. The three-way merge compares the package's version without them; the deletion itself
moved the merge base of every interview unchanged since its last merge to its new content, so a
laptop's later change of a closed answer still merges without a conflict. The result counts what
was left out per kind (`MergeResult.raw_not_restored`; the summary says it in Danish, never the
text). New values — stamped after the package's store learned of the deletion — merge as before.

Not carried: the laptop's coding, codebook, transcripts and agreement data (coding happens
centrally). An interview deleted only by a *draft* clean-up on the laptop
(`survey.interview.delete_empty_draft`) leaves no tombstone.
"""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import json
import os
import platform
import re
import uuid
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

import pyzipper
from survey import archives, auth, db, files, privacy, source_store, store
from survey import interview as svc
from survey.clock import from_text, to_text
from survey.db import session_scope
from survey.guide import CPR_RE, MAX_TEXT, Guide, check_value, clean_text, is_pseudonym, load_guide
from survey.models import (Answer, AuditEntry, ConsentRecord, ConsentWithdrawal, Interview, MergeConflict, Quote, Site, new_id,
                           utcnow)
from survey.sources import consent_said
from survey.text import safe_text, shown

FORMAT = "brugerblik-feltpakke"
VERSION = 3  # 2: encrypted (AES-256), no loose audit entries, exported_by/device in the manifest;
#              3: data.json carries the tombstones ("deleted") and withdrawals ("withdrawn"), issue 12
COMMENT_PREFIX = b"brugerblik-feltpakke;v=2;scrypt;salt="  # the zip comment: the key's salt (not secret)
SCRYPT_N, SCRYPT_R = 2 ** 15, 8  # ~32 MiB and ~0.1 s per key: costly to guess, cheap to use once
PASSPHRASE_MIN = 12
STATUSES = ("draft", "complete", "reopened")
# issue 7: a source (case worker, contact person, leader, case file) carries its informant type and the
# user's interview it is about; a user's own interview has neither key, so its form and hash are as before
INFORMANTS = ("bruger", "sagsbehandler", "kontaktperson", "leder", "journal")
SITE_TYPES = ("boform", "vaerested")


class SyncError(ValueError):
    """A refused package or action; the message (Danish) says why. Nothing was changed."""


# ---------------------------------------------------------------- canonical values

def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def content_hash(v: dict) -> str:
    """The content hash of an interview in package form (see the module docstring)."""
    site = v.get("site")
    content = {
        "id": v["id"], "respondent_id": v["respondent_id"],
        "site": [site["name"], site["site_type"]] if site else None,
        "interviewer": v["interviewer"], "interview_date": v["interview_date"], "status": v["status"],
        "guide_form_id": v["guide_form_id"], "guide_version": v["guide_version"],
        "created_at": v["created_at"], "completed_at": v["completed_at"],
        "completion_note": v["completion_note"], "source": v["source"],
        "answers": {a["code"]: a["value"] for a in v["answers"]},
        "quotes": sorted([q["uid"], q["item_code"], q["text"], bool(q["for_report"]), q["created_by"],
                          q["created_at"]] for q in v["quotes"]),
    }
    if v.get("informant", "bruger") != "bruger":
        content["informant"] = v["informant"]
        content["subject_interview_id"] = v.get("subject_interview_id")
    return hashlib.sha256(_canonical(content)).hexdigest()


# ---------------------------------------------------------------- reading a store into package form

def _chunks(ids: list[str], n: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(ids), n):
        yield ids[i:i + n]


def _site_dict(site: Site | None) -> dict | None:
    return {"name": site.name, "site_type": site.site_type, "prefix": site.prefix} if site else None


def _audit_dict(a: AuditEntry) -> dict:
    return {"uid": a.uid, "interview_id": a.interview_id, "entity": a.entity, "code": a.code,
            "old_value": a.old_value, "new_value": a.new_value, "who": a.who, "at": to_text(a.at), "note": a.note}


def load_versions(s: Session, ids: list[str] | None = None, *, history: bool = True) -> dict[str, dict]:
    """Interviews (all, or those with `ids`) in package form, with `hash`; history = consent + audit."""
    out: dict[str, dict] = {}
    groups = [None] if ids is None else list(_chunks(sorted(set(ids))))
    for chunk in groups:
        q = select(Interview, Site).join(Site, Site.id == Interview.site_id, isouter=True)
        if chunk is not None:
            q = q.where(Interview.id.in_(chunk))
        for iv, site in s.execute(q.order_by(Interview.id)).all():
            out[iv.id] = {
                "id": iv.id, "respondent_id": iv.respondent_id, "site": _site_dict(site),
                "interviewer": iv.interviewer,
                "interview_date": iv.interview_date.isoformat() if iv.interview_date else None,
                "status": iv.status, "guide_form_id": iv.guide_form_id, "guide_version": iv.guide_version,
                "created_at": to_text(iv.created_at), "updated_at": to_text(iv.updated_at),
                "completed_at": to_text(iv.completed_at), "completion_note": iv.completion_note, "source": iv.source,
                "merged_from_hash": iv.merged_from_hash,
                "answers": [], "quotes": [], "consent": [], "audit": []}
            if iv.informant and iv.informant != "bruger":
                out[iv.id]["informant"] = iv.informant
                out[iv.id]["subject_interview_id"] = iv.subject_interview_id
        if not out:
            continue
        where = (lambda col: col.in_(chunk)) if chunk is not None else (lambda col: col.isnot(None))
        for a in s.execute(select(Answer).where(where(Answer.interview_id))).scalars():
            if a.interview_id in out:
                out[a.interview_id]["answers"].append(
                    {"code": a.code, "value": a.value, "updated_at": to_text(a.updated_at), "updated_by": a.updated_by,
                     "source": a.source})
        for qt in s.execute(select(Quote).where(where(Quote.interview_id))).scalars():
            if qt.interview_id in out:
                out[qt.interview_id]["quotes"].append(
                    {"uid": qt.uid, "item_code": qt.item_code, "text": qt.text, "for_report": bool(qt.for_report),
                     "created_at": to_text(qt.created_at), "updated_at": to_text(qt.updated_at), "created_by": qt.created_by})
        if history:
            for c in s.execute(select(ConsentRecord).where(where(ConsentRecord.interview_id))).scalars():
                if c.interview_id in out:
                    out[c.interview_id]["consent"].append(
                        {"uid": c.uid, "item_code": c.item_code, "value": c.value, "recorded_at": to_text(c.recorded_at),
                         "guide_form_id": c.guide_form_id, "guide_version": c.guide_version,
                         "recorded_by": c.recorded_by})
            for a in s.execute(select(AuditEntry).where(where(AuditEntry.interview_id))).scalars():
                if a.interview_id in out:
                    d = _audit_dict(a)
                    del d["interview_id"]
                    out[a.interview_id]["audit"].append(d)
    for v in out.values():
        v["answers"].sort(key=lambda a: a["code"])
        v["quotes"].sort(key=lambda q: (q["created_at"] or "", q["uid"]))
        v["consent"].sort(key=lambda c: (c["recorded_at"] or "", c["uid"]))
        v["audit"].sort(key=lambda a: (a["at"] or "", a["uid"]))
        v["hash"] = content_hash(v)
    return out


# ---------------------------------------------------------------- export

@dataclass(frozen=True)
class ExportResult:
    path: Path
    package_id: str
    interviews: int
    answers: int
    quotes: int
    consent: int
    audit: int
    deleted: int = 0    # tombstones (every one in the store)
    withdrawn: int = 0  # withdrawals of consent


def package_scope(principal: "auth.Principal | None") -> str | None:
    """Whose interviews `principal` may package: None = the whole store; a user name = only that
    interviewer's own. The role table decides (`auth.ACTIONS`: ``package.all`` / ``package``)."""
    if principal is None or principal is auth.OPEN or auth.allowed(principal.role, "package.all"):
        return None
    auth.require(principal, "package")
    return principal.username


def export_package(engine: Engine, path: str | os.PathLike, *, passphrase: str,
                   principal: "auth.Principal | None" = None, device: str | None = None) -> ExportResult:
    """Write the interviews `principal` may package (see `package_scope`) with answers, quotes,
    consent and audit trail, and their sites, encrypted with `passphrase` (see `write_package_file`).

    An interviewer's package holds only the interviews they took (user interviews and sources);
    nothing of other users, no administration entries. Only researchers and admins (and an open
    store) package the whole store.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise SyncError(f"{path} er en mappe; angiv et filnavn, fx feltpakke.zip.")
    if not path.parent.is_dir():
        raise SyncError(f"Mappen {path.parent} findes ikke.")
    passphrase = check_passphrase(passphrase)
    owner = package_scope(principal)
    with db.consistent_session(engine) as s:  # one snapshot, also while the app writes
        ids = None
        if owner is not None:
            ids = list(s.execute(select(Interview.id).where(Interview.interviewer == owner)).scalars())
        versions = load_versions(s, ids, history=True) if ids is None or ids else {}
        deleted = [t.as_package() for t in privacy.tombstones(s)]  # all: they hold no content
        withdrawn = privacy.withdrawals_for_package(s, None if ids is None else ids)
        raw_marker = privacy.raw_deletion_marker(s)
    interviews = []
    for v in sorted(versions.values(), key=lambda v: (v["respondent_id"], v["id"])):
        v = dict(v)
        v.pop("merged_from_hash", None)
        interviews.append(v)
    # the sites of the packaged interviews only; no loose audit entries (administration of the
    # laptop's own store — users, sites, codebook — is never the central store's history)
    sites = sorted({v["site"]["name"]: v["site"] for v in interviews if v["site"]}.values(), key=lambda x: x["name"])
    data = _canonical({"sites": sites, "interviews": interviews, "audit": [], "deleted": deleted,
                       "withdrawn": withdrawn})
    counts = {"interviews": len(interviews), "answers": sum(len(v["answers"]) for v in interviews),
              "quotes": sum(len(v["quotes"]) for v in interviews),
              "consent": sum(len(v["consent"]) for v in interviews),
              "audit": sum(len(v["audit"]) for v in interviews), "sites": len(sites),
              "deleted": len(deleted), "withdrawn": len(withdrawn)}
    package_id = new_id()
    by = principal.username if principal is not None else None
    manifest = {"format": FORMAT, "version": VERSION, "package_id": package_id, "created_at": to_text(utcnow()),
                "schema": db.head_revision(), "counts": counts, "data_sha256": hashlib.sha256(data).hexdigest(),
                "exported_by": by, "device": _device(device), "scope": "egne" if owner else "alle"}
    if raw_marker is not None:  # optional: a store that knows of no raw-data deletion writes none
        manifest["raw_deleted"] = raw_marker
    write_package_file(path, json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"), data, passphrase)
    return ExportResult(path, package_id, counts["interviews"], counts["answers"], counts["quotes"],
                        counts["consent"], counts["audit"], counts["deleted"], counts["withdrawn"])


def _device(device: str | None) -> str:
    """The exporting computer's name as the audit trail shows it ("via pakke … fra DEVICE")."""
    name = device if device is not None else platform.node()
    return (" ".join(safe_text(name).split())[:60]) or "ukendt computer"


# ---------------------------------------------------------------- the package file: encrypted zip

def check_passphrase(passphrase: object) -> str:
    """The package passphrase as given, or SyncError: text of at least `PASSPHRASE_MIN` characters."""
    if not isinstance(passphrase, str) or not passphrase:
        raise SyncError("Feltpakker er krypterede: angiv pakkekoden (BRUGERBLIK_PAKKEKODE, eller skriv den, "
                        "når du bliver spurgt).")
    if len(passphrase) < PASSPHRASE_MIN:
        raise SyncError(f"Pakkekoden er for kort ({len(passphrase)} tegn): brug mindst {PASSPHRASE_MIN} tegn, "
                        "fx en sætning på fire-fem ord, som kun projektgruppen kender.")
    return passphrase


def _zip_password(passphrase: str, salt: bytes) -> bytes:
    """The AES zip password: scrypt of the passphrase (the zip format's own key derivation,
    PBKDF2-SHA1 with 1,000 rounds, is too cheap to guess against on its own)."""
    key = hashlib.scrypt(passphrase.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=1,
                         maxmem=64 * 1024 * 1024, dklen=32)
    return key.hex().encode("ascii")


def write_package_file(path: str | os.PathLike, manifest: bytes, data: bytes, passphrase: str) -> None:
    """Write a package: a zip whose two members are AES-256 encrypted and authenticated (WinZip AE-2,
    pyzipper) with a key derived from `passphrase` and a random salt kept in the zip comment;
    atomically, owner-only (`survey.files.write_atomic`)."""
    salt = os.urandom(16)
    buf = io.BytesIO()
    with pyzipper.AESZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, encryption=pyzipper.WZ_AES) as z:
        z.setpassword(_zip_password(check_passphrase(passphrase), salt))
        z.setencryption(pyzipper.WZ_AES, nbits=256)
        z.comment = COMMENT_PREFIX + base64.b64encode(salt)
        z.writestr("manifest.json", manifest)
        z.writestr("data.json", data)
    files.write_atomic(Path(path), buf.getvalue())


def read_package_file(path: str | os.PathLike, passphrase: str) -> tuple[bytes, bytes]:
    """(manifest.json, data.json) of a package, decrypted and authenticated; SyncError (Danish)
    for anything that is not an intact package of ours opened with the right passphrase. The
    archive is checked against `survey.archives.PACKAGE` before anything is inflated."""
    path = Path(path).expanduser()
    if not path.exists():
        raise SyncError(f"Filen findes ikke: {path}")
    if path.is_dir():
        raise SyncError(f"{path} er en mappe, ikke en pakke.")
    name = path.name
    if not path.is_file():  # a device or a pipe (/dev/zero) is read without end: refused before anything is read
        raise SyncError(f"{name} er ikke en almindelig fil og kan ikke være en feltpakke.")
    if path.stat().st_size > archives.PACKAGE.max_total_bytes:
        raise SyncError(f"{name} er for stor til at være en feltpakke (højst "
                        f"{archives.PACKAGE.max_total_bytes // archives.MIB} MB).")
    passphrase = check_passphrase(passphrase)
    try:
        # member count and declared sizes from the end record first (a million members or a
        # bomb is refused before pyzipper lists or inflates anything), then the AES reader
        archives.open_checked(path, archives.PACKAGE, f"feltpakken {name}").close()
        with pyzipper.AESZipFile(path) as z:
            names = z.namelist()
            comment = z.comment or b""
            if "manifest.json" not in names or "data.json" not in names:
                raise SyncError(f"{name} er ikke en Brugerblik-feltpakke (manifest.json eller data.json mangler).")
            if not comment.startswith(COMMENT_PREFIX):
                if not any(i.flag_bits & 0x1 for i in z.infolist()):
                    raise SyncError(f"{name} er ikke krypteret (lavet af en ældre udgave af Brugerblik, eller ikke "
                                    "af Brugerblik). Ukrypterede pakker flettes ikke: eksportér pakken igen fra "
                                    "feltcomputeren med denne udgave.")
                raise SyncError(f"{name} er ikke en Brugerblik-feltpakke (ukendt format).")
            if sorted(names) != ["data.json", "manifest.json"]:
                raise SyncError(f"{name} er ikke en Brugerblik-feltpakke (uventede filer i pakken).")
            try:
                salt = base64.b64decode(comment[len(COMMENT_PREFIX):], validate=True)
            except (ValueError, binascii.Error):
                salt = b""
            if len(salt) != 16:
                raise SyncError(f"{name} er beskadiget (pakkens nøgleoplysninger mangler).")
            archives.check_zip(z, archives.PACKAGE, f"feltpakken {name}")
            z.setpassword(_zip_password(passphrase, salt))
            manifest = archives.read_member(z, "manifest.json", archives.PACKAGE, f"feltpakken {name}")
            data = archives.read_member(z, "data.json", archives.PACKAGE, f"feltpakken {name}")
    except SyncError:
        raise
    except archives.ArchiveError as e:
        if e.limit == "broken":
            raise SyncError(f"{name} er ikke en Brugerblik-feltpakke (ikke en zip-fil, eller filen er "
                            "beskadiget).") from None
        raise SyncError(str(e)) from None
    except RuntimeError as e:
        if "password" in str(e).lower():
            raise SyncError(f"Forkert pakkekode til {name} (eller pakken er ændret). Intet er ændret.") from None
        raise SyncError(f"{name} kan ikke læses som en Brugerblik-feltpakke ({type(e).__name__}).") from None
    except (zipfile.BadZipFile, pyzipper.BadZipFile, zlib.error) as e:
        if isinstance(e, zlib.error) or "hmac" in str(e).lower() or "crc" in str(e).lower():
            raise SyncError(f"{name} er ændret efter eksporten eller beskadiget (integritetstjekket fejlede). "
                            "Intet er ændret; eksportér pakken igen fra feltcomputeren.") from None
        raise SyncError(f"{name} er ikke en Brugerblik-feltpakke (ikke en zip-fil, eller filen er "
                        "beskadiget).") from None
    except (zipfile.LargeZipFile, pyzipper.LargeZipFile, NotImplementedError, OSError, EOFError, ValueError) as e:
        raise SyncError(f"{name} kan ikke læses som en Brugerblik-feltpakke ({type(e).__name__}).") from None
    return manifest, data


# ---------------------------------------------------------------- reading and checking a package

@dataclass
class Package:
    package_id: str
    created_at: str
    sites: list[dict]
    interviews: list[dict]
    audit: list[dict]
    exported_by: str | None = None  # the laptop's user who exported it (None: an open store)
    device: str = "ukendt computer"
    deleted: list[dict] = field(default_factory=list)    # tombstones (format 3, issue 12)
    withdrawn: list[dict] = field(default_factory=list)  # withdrawals of consent (format 3)
    # the raw-data deletion the package's store knew of (`privacy.raw_deletion_marker`; the manifest's optional
    # ``raw_deleted``): ``at`` identifies it, ``seen_at`` is when that store learned of it — its own clock
    raw_deleted: dict | None = None

    @property
    def via(self) -> str:
        """How the audit trail names what came with this package."""
        return f"via pakke {self.package_id[:8]} fra {self.exported_by or 'feltcomputer uden login'}@{self.device}"


class _Check:
    """Field checks that collect the first problem as a Danish message."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, where: str, what: str) -> None:
        if len(self.problems) < 20:
            self.problems.append(f"{where}: {what}")

    def text(self, obj: dict, key: str, where: str, *, max_len: int | None = None, null: bool = False,
             choices: Iterable[str] | None = None) -> None:
        if not isinstance(obj, dict) or key not in obj:
            self.fail(where, f"feltet {key!r} mangler")
            return
        v = obj[key]
        if v is None:
            if not null:
                self.fail(where, f"feltet {key!r} må ikke være tomt")
            return
        if not isinstance(v, str):
            self.fail(where, f"feltet {key!r} skal være tekst (fik {type(v).__name__})")
            return
        if "\x00" in v:
            self.fail(where, f"feltet {key!r} indeholder et nultegn")
        if max_len is not None and len(v) > max_len:
            self.fail(where, f"feltet {key!r} er for langt ({len(v)} tegn, højst {max_len})")
        if choices is not None and v not in choices:
            self.fail(where, f"feltet {key!r} har den ukendte værdi {v[:40]!r}")

    def no_cpr(self, obj: dict, keys: Iterable[str], where: str) -> None:
        """Free text of a tombstone or a withdrawal (reason, who) never holds a CPR number: the CLI and
        the app refuse one there (`survey.privacy.check_reason`), so a package must too."""
        for key in keys:
            v = obj.get(key) if isinstance(obj, dict) else None
            if isinstance(v, str) and CPR_RE.search(v):
                self.fail(where, f"feltet {key!r} ligner et CPR-nummer (aldrig CPR-numre i Brugerblik)")

    def uid(self, obj: dict, key: str, where: str) -> None:
        self.text(obj, key, where, max_len=36)
        v = obj.get(key) if isinstance(obj, dict) else None
        if isinstance(v, str):
            try:
                uuid.UUID(v)
            except ValueError:
                self.fail(where, f"feltet {key!r} er ikke et gyldigt id")

    def time(self, obj: dict, key: str, where: str, *, null: bool = False) -> None:
        self.text(obj, key, where, max_len=40, null=null)
        v = obj.get(key) if isinstance(obj, dict) else None
        if isinstance(v, str):
            try:
                from_text(v)
            except ValueError:
                self.fail(where, f"feltet {key!r} er ikke et tidspunkt med tidszone")

    def boolean(self, obj: dict, key: str, where: str) -> None:
        if not isinstance(obj, dict) or not isinstance(obj.get(key), bool):
            self.fail(where, f"feltet {key!r} skal være sand/falsk")

    def items(self, obj: dict, key: str, where: str) -> list:
        v = obj.get(key) if isinstance(obj, dict) else None
        if not isinstance(v, list):
            self.fail(where, f"feltet {key!r} skal være en liste")
            return []
        return v

    def objects(self, obj: dict, key: str, where: str, what: str):
        """(where, item) for each item of the list `key` that is an object (where: "`where`, `what`");
        the others are reported."""
        w = f"{where}, {what}"
        for x in self.items(obj, key, where):
            if isinstance(x, dict):
                yield w, x
            else:
                self.fail(w, "er ikke et objekt")


def _check_audit(c: _Check, a: Any, where: str) -> None:
    if not isinstance(a, dict):
        c.fail(where, "revisionsposten er ikke et objekt")
        return
    c.uid(a, "uid", where)
    c.text(a, "entity", where, max_len=30)
    c.text(a, "code", where, max_len=100)
    c.text(a, "old_value", where, null=True)
    c.text(a, "new_value", where, null=True)
    c.text(a, "who", where, max_len=200, null=True)
    c.time(a, "at", where)
    c.text(a, "note", where, null=True)


def _check_site(c: _Check, site: Any, where: str) -> None:
    if not isinstance(site, dict):
        c.fail(where, "stedet er ikke et objekt")
        return
    c.text(site, "name", where, max_len=200)
    c.text(site, "site_type", where, max_len=20, choices=SITE_TYPES)
    c.text(site, "prefix", where, max_len=12)


def _check_interview(c: _Check, v: Any, n: int) -> None:
    where = f"interview nr. {n}"
    if not isinstance(v, dict):
        c.fail(where, "er ikke et objekt")
        return
    c.uid(v, "id", where)
    c.text(v, "respondent_id", where, max_len=40)
    where = _where(v, n)
    if v.get("site") is not None:
        _check_site(c, v["site"], where + ", sted")
    elif "site" not in v:
        c.fail(where, "feltet 'site' mangler")
    c.text(v, "interviewer", where, max_len=200, null=True)
    c.text(v, "interview_date", where, max_len=10, null=True)
    if isinstance(v.get("interview_date"), str):
        try:
            dt.date.fromisoformat(v["interview_date"])
        except ValueError:
            c.fail(where, "feltet 'interview_date' er ikke en dato (ÅÅÅÅ-MM-DD)")
    c.text(v, "status", where, max_len=20, choices=STATUSES)
    c.text(v, "guide_form_id", where, max_len=100)
    c.text(v, "guide_version", where, max_len=50)
    c.time(v, "created_at", where)
    c.time(v, "updated_at", where)
    c.time(v, "completed_at", where, null=True)
    c.text(v, "completion_note", where, null=True)
    c.text(v, "source", where, max_len=20)
    c.text(v, "hash", where, max_len=64)
    if "informant" in v:
        c.text(v, "informant", where, max_len=20, choices=INFORMANTS)
        if v.get("subject_interview_id") is not None:
            c.uid(v, "subject_interview_id", where)
    codes = set()
    for w, a in c.objects(v, "answers", where, "svar"):
        c.text(a, "code", w, max_len=100)
        c.text(a, "value", w)
        c.time(a, "updated_at", w)
        c.text(a, "updated_by", w, max_len=200, null=True)
        c.text(a, "source", w, max_len=20)
        if a.get("code") in codes:
            c.fail(w, f"koden {str(a.get('code'))[:40]!r} står to gange")
        codes.add(a.get("code"))
    for w, q in c.objects(v, "quotes", where, "citat"):
        c.uid(q, "uid", w)
        c.text(q, "item_code", w, max_len=100)
        c.text(q, "text", w)
        c.boolean(q, "for_report", w)
        c.time(q, "created_at", w)
        c.time(q, "updated_at", w)
        c.text(q, "created_by", w, max_len=200, null=True)
    for w, r in c.objects(v, "consent", where, "samtykke"):
        c.uid(r, "uid", w)
        c.text(r, "item_code", w, max_len=100)
        c.text(r, "value", w, max_len=50, null=True)
        c.time(r, "recorded_at", w)
        c.text(r, "guide_form_id", w, max_len=100)
        c.text(r, "guide_version", w, max_len=50)
        c.text(r, "recorded_by", w, max_len=200, null=True)
    for a in c.items(v, "audit", where):
        _check_audit(c, a, where + ", revisionsspor")
    if not c.problems and content_hash(v) != v["hash"]:
        c.fail(where, "indholdet passer ikke med dets kontrolsum (pakken er ændret efter eksporten)")


def read_package(path: str | os.PathLike, *, passphrase: str) -> Package:
    """Read and check a whole package; SyncError (Danish) for anything damaged or foreign."""
    path = Path(path).expanduser()
    manifest_raw, data = read_package_file(path, passphrase)
    try:
        manifest = json.loads(manifest_raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SyncError(f"{path.name}: manifest.json er ikke gyldig JSON; pakken er beskadiget.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SyncError(f"{path.name} er ikke en Brugerblik-feltpakke (ukendt format).")
    version = manifest.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise SyncError(f"{path.name}: pakkens formatversion mangler; pakken er beskadiget.")
    if version > VERSION:
        raise SyncError(f"{path.name} er lavet af en nyere udgave af Brugerblik (pakkeformat {version}); "
                        "opdatér Brugerblik på den centrale computer, og flet igen.")
    if version < 1:
        raise SyncError(f"{path.name}: ukendt pakkeformat {version}.")
    if manifest.get("data_sha256") != hashlib.sha256(data).hexdigest():
        raise SyncError(f"{path.name} er beskadiget: indholdet passer ikke med kontrolsummen. Eksportér pakken "
                        "igen fra feltcomputeren.")
    c = _Check()
    c.uid(manifest, "package_id", "manifest")
    c.time(manifest, "created_at", "manifest")
    c.text(manifest, "exported_by", "manifest", max_len=40, null=True)
    c.text(manifest, "device", "manifest", max_len=60)
    raw_deleted = manifest.get("raw_deleted")
    if raw_deleted is not None:
        if not isinstance(raw_deleted, dict) or set(raw_deleted) != {"at", "seen_at"}:
            c.fail("manifest", "feltet 'raw_deleted' skal have felterne at og seen_at (og kun dem)")
            raw_deleted = None
        else:
            c.time(raw_deleted, "at", "manifest (raw_deleted)")
            c.time(raw_deleted, "seen_at", "manifest (raw_deleted)")
    try:
        payload = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise SyncError(f"{path.name}: data.json er ikke gyldig JSON; pakken er beskadiget.") from None
    if not isinstance(payload, dict):
        raise SyncError(f"{path.name}: data.json har ikke pakkens opbygning.")
    sites = c.items(payload, "sites", "pakken")
    for i, site in enumerate(sites, 1):
        _check_site(c, site, f"sted nr. {i}")
    interviews = c.items(payload, "interviews", "pakken")
    ids: set = set()
    seen: dict[str, dict[str, str]] = {"quotes": {}, "consent": {}, "audit": {}}
    for n, v in enumerate(interviews, 1):
        _check_interview(c, v, n)
        if isinstance(v, dict):
            if v.get("id") in ids:
                c.fail(f"interview nr. {n}", "samme id står to gange i pakken")
            ids.add(v.get("id"))
            _check_unique_uids(c, v, n, seen)
    loose = c.items(payload, "audit", "pakken")
    if loose:  # export_package never writes any: administration of a laptop is not central history
        c.fail("pakken", f"{len(loose)} revisionsposter hører ikke til noget interview i pakken; en feltpakke "
                         "skriver kun historik for de interview, den indeholder")
    deleted, withdrawn = _check_privacy(c, payload, version, ids, seen)
    expected = {"sites", "interviews", "audit"} | ({"deleted", "withdrawn"} if version >= 3 else set())
    if set(payload) != expected:
        c.fail("pakken", "data.json har ikke pakkeformat " + str(version) + "s opbygning (felter: "
                         + ", ".join(sorted(str(k)[:20] for k in payload)) + ")")
    if c.problems:
        raise SyncError(f"{path.name} kan ikke flettes; intet er ændret:\n  " + "\n  ".join(c.problems))
    return Package(manifest["package_id"], manifest["created_at"], sites, interviews, [],
                   exported_by=manifest.get("exported_by"), device=manifest["device"], deleted=deleted,
                   withdrawn=withdrawn, raw_deleted=raw_deleted)


_TOMBSTONE_KEYS = {"uid", "interview_id", "informant", "who", "at", "reason", "counts"}
_WITHDRAWAL_KEYS = {"uid", "interview_id", "purpose", "withdrawn_on", "reason", "recorded_by", "recorded_at"}


def _records(c: _Check, items: list, what: str, whose: str, keys: set, optional: set = frozenset()):
    """(where, record) for each of `items` that is an object with exactly `keys` (and perhaps some
    of `optional`); the others are reported to `c`."""
    for i, r in enumerate(items, 1):
        where = f"{what} nr. {i}"
        if not isinstance(r, dict):
            c.fail(where, "er ikke et objekt")
        elif set(r) - set(optional) != keys:
            c.fail(where, f"har ikke {whose} felter (og kun dem): " + ", ".join(sorted(keys))
                   + "".join(f" (og evt. {k})" for k in sorted(optional)))
        else:
            yield where, r


def _check_privacy(c: _Check, payload: dict, version: int, interview_ids: set, seen: dict
                   ) -> tuple[list[dict], list[dict]]:
    """Format 3's tombstones and withdrawals (issue 12): exactly their fields, ids well-formed and
    once each; a tombstone holds no content (counts only) and names no interview the package also
    carries."""
    if version < 3:
        return [], []
    deleted = c.items(payload, "deleted", "pakken")
    stones: set = set()
    stoned: set = set()
    for where, t in _records(c, deleted, "sletning", "en gravstens", _TOMBSTONE_KEYS, optional={"key"}):
        if "key" in t and not (isinstance(t["key"], str) and re.fullmatch(r"[0-9a-f]{32}", t["key"])):
            c.fail(where, "feltet 'key' skal være et fingeraftryk (32 hex-tegn)")
        c.uid(t, "uid", where)
        c.uid(t, "interview_id", where)
        c.text(t, "informant", where, max_len=20, choices=INFORMANTS)
        c.text(t, "who", where, max_len=200, null=True)
        c.time(t, "at", where)
        c.text(t, "reason", where, max_len=privacy.REASON_MAX)
        c.no_cpr(t, ("who", "reason"), where)  # as the CLI and the app refuse it (a hostile tester forged one)
        counts = t["counts"]
        if not isinstance(counts, dict) or len(counts) > 40 or not all(
                isinstance(k, str) and 0 < len(k) <= 40 and isinstance(n, int) and not isinstance(n, bool)
                and 0 <= n < 10 ** 9 for k, n in counts.items()):
            c.fail(where, "feltet 'counts' skal være antal pr. slags data (tekst -> helt tal)")
        if not (isinstance(t["uid"], str) and isinstance(t["interview_id"], str)):
            continue  # reported above
        if t["uid"] in seen["audit"] or t["uid"] in stones:
            c.fail(where, f"id'et {t['uid'][:36]} står to gange i pakken")
        stones.add(t["uid"])
        if t["interview_id"] in interview_ids:
            c.fail(where, "interviewet står både som slettet og som interview i pakken")
        if t["interview_id"] in stoned:
            c.fail(where, "samme interview har to gravsten")
        stoned.add(t["interview_id"])
    withdrawn = c.items(payload, "withdrawn", "pakken")
    pairs: set = set()
    uids: set = set()
    for where, w in _records(c, withdrawn, "tilbagetrækning", "en tilbagetræknings", _WITHDRAWAL_KEYS):
        c.uid(w, "uid", where)
        c.uid(w, "interview_id", where)
        c.text(w, "purpose", where, max_len=20, choices=tuple(privacy.PURPOSES))
        c.text(w, "withdrawn_on", where, max_len=10)
        if isinstance(w["withdrawn_on"], str):
            try:
                dt.date.fromisoformat(w["withdrawn_on"])
            except ValueError:
                c.fail(where, "feltet 'withdrawn_on' er ikke en dato (ÅÅÅÅ-MM-DD)")
        c.text(w, "reason", where, max_len=privacy.REASON_MAX)
        c.text(w, "recorded_by", where, max_len=200, null=True)
        c.no_cpr(w, ("reason", "recorded_by"), where)
        c.time(w, "recorded_at", where)
        if not all(isinstance(w[k], str) for k in ("uid", "interview_id", "purpose")):
            continue  # reported above
        if w["uid"] in uids or (w["interview_id"], w["purpose"]) in pairs:
            c.fail(where, "står to gange i pakken")
        uids.add(w["uid"])
        pairs.add((w["interview_id"], w["purpose"]))
    return deleted, withdrawn


_UID_KIND = {"quotes": "citat", "consent": "samtykke", "audit": "revisionspost"}


def _check_unique_uids(c: _Check, v: dict, n: int, seen: dict[str, dict[str, str]]) -> None:
    """Each quote, consent record and audit entry id once in the whole package, and an interview's
    audit entries about that interview only."""
    where = _where(v, n)
    for key, kind in _UID_KIND.items():
        items = v.get(key) if isinstance(v.get(key), list) else []
        for i, obj in enumerate(items, 1):
            if not isinstance(obj, dict) or not isinstance(obj.get("uid"), str):
                continue
            uid = obj["uid"]
            if uid in seen[key]:
                c.fail(f"{where}, {kind} nr. {i}", f"id'et {uid[:36]} står to gange i pakken (også i "
                                                   f"{seen[key][uid]}); hvert {kind} har sit eget id")
            else:
                seen[key][uid] = where
            if key == "audit" and obj.get("interview_id", v.get("id")) != v.get("id"):
                c.fail(f"{where}, revisionspost nr. {i}", "handler om et andet interview end det, den ligger i")


def _where(v: Any, n: int) -> str:
    """An interview named in a message: its respondent id when that is a well-formed pseudonym,
    else its number in the package (an id shaped like a CPR number is never repeated)."""
    rid = v.get("respondent_id") if isinstance(v, dict) else None
    if isinstance(rid, str) and is_pseudonym(rid) and not CPR_RE.search(rid):
        return f"interview {rid}"
    return f"interview nr. {n}"


# ---------------------------------------------------------------- the package against the guides

def _guides(user_guide: Guide) -> dict[str, Guide]:
    # `check_content` reads the package's answers with them, never the store's: the fit with the stored interviews
    # (`survey.guide_fit`) is checked by `merge_package` right after, before anything is read or written here
    # (checked first, its record of a fit would be a change a refused package made)
    out = {"bruger": user_guide}
    for inf in INFORMANTS[1:]:
        out[inf] = source_store.informant_guide(inf)
    return out


def _check_line(fail, where: str, value: str, label: str, what: str, unclean: str) -> None:
    """Report (`fail`) a one-line field that the app's own cleaning (`svc.clean_line`) refuses or
    would change: stored from a package only as the app would store it."""
    try:
        ok = svc.clean_line(value, label) == value
    except svc.InterviewError as e:
        fail(where, f"{what}: " + str(e).split(" (", 1)[0].rstrip("."))
    else:
        if not ok:
            fail(where, unclean)


def check_content(pkg: Package, user_guide: Guide, *, name: str = "pakken") -> None:
    """Validate every interview of a package exactly as an import or the interview app would:
    the guide (form and version), respondent ids, every answer through `Guide.check_value`,
    quotes and one-line fields through the interview's own cleaning. SyncError (Danish) naming the
    interview and the field, never the value; nothing is written."""
    guides = _guides(user_guide)
    rid_item = user_guide.item("respondent_id")
    problems: list[str] = []

    def fail(where: str, what: str) -> None:
        if len(problems) < 20:
            problems.append(f"{where}: {what}")

    for n, v in enumerate(pkg.interviews, 1):
        where = _where(v, n)
        inf = v.get("informant", "bruger")
        g = guides[inf]
        if (v["guide_form_id"], v["guide_version"]) != (g.form_id, g.version):
            fail(where, f"lavet med spørgeguiden {shown(v['guide_form_id'])} version {shown(v['guide_version'])}, "
                        f"men den centrale database bruger {g.form_id} version {g.version}; pakker fra en anden "
                        "guide flettes ikke (opdatér feltcomputerens guide, eller importér svarene efter en "
                        "aftalt omkodning)")
            continue
        value, vp = check_value(rid_item, v["respondent_id"])
        if vp is not None or value != v["respondent_id"]:
            fail(where, "respondent-id'et er ikke tilladt" + (f" ({vp.reason_da})" if vp and vp.reason_da else "")
                 + " — tilladt: " + (vp.allowed_da if vp else "et pseudonym uden mellemrum før og efter"))
        if v.get("interviewer") is not None:
            _check_line(fail, where, v["interviewer"], "Interviewer", "feltet interviewer",
                        "feltet interviewer er ikke renset tekst på én linje, som appen gemmer den")
        note = v.get("completion_note")
        if note is not None and (clean_text(note).strip() != note or not note or len(note) > MAX_TEXT):
            fail(where, f"feltet completion_note er ikke renset tekst (højst {MAX_TEXT} tegn), som appen gemmer den")
        site = v.get("site")
        if site is not None:
            _check_line(fail, where, site["name"], "Stedets navn", "stedets navn",
                        "stedets navn er ikke renset tekst på én linje")
        allowed_codes = set(g.codes) - set(store.META_CODES)
        for a in v["answers"]:
            code = a["code"]
            if code not in allowed_codes:
                fail(where, f"svaret på koden {shown(code)} findes ikke som spørgsmål i {g.form_id} {g.version}")
                continue
            value, vp = check_value(g.item(code), a["value"])
            if vp is not None:
                fail(f"{where}, {code}", vp.text("da"))
            elif value != a["value"]:
                fail(f"{where}, {code}", "værdien er ikke gemt på den form, spørgeguiden gemmer den")
        for i, q in enumerate(v["quotes"], 1):
            if q["item_code"] != svc.TRANSCRIPT_ITEM and not svc.quotable(g, q["item_code"]):
                fail(f"{where}, citat nr. {i}", f"koden {shown(q['item_code'])} er ikke et fritekstspørgsmål i guiden")
                continue
            try:
                ok = svc.quote_text(q["text"]) == q["text"]
            except svc.InterviewError as e:
                fail(f"{where}, citat nr. {i}", str(e).rstrip("."))
                continue
            if not ok:
                fail(f"{where}, citat nr. {i}", "teksten er tom eller ikke renset, som appen gemmer citater")
        for i, r in enumerate(v["consent"], 1):
            if r["item_code"] not in g.codes:
                fail(f"{where}, samtykke nr. {i}", f"koden {shown(r['item_code'])} findes ikke i guiden")
            elif r["value"] is not None:
                value, vp = check_value(g.item(r["item_code"]), r["value"])
                if vp is not None or value != r["value"]:
                    fail(f"{where}, samtykke nr. {i}", "værdien er ikke tilladt — tilladt: "
                         + (vp.allowed_da if vp else "guidens koder"))
    if problems:
        raise SyncError(f"{name} kan ikke flettes; intet er ændret:\n  " + "\n  ".join(problems))


# ---------------------------------------------------------------- merge

@dataclass
class MergeResult:
    package_id: str
    inserted: list[str] = field(default_factory=list)      # respondent ids
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    kept_central: list[str] = field(default_factory=list)  # changed only centrally since the last merge
    conflicts: list[tuple[str, str]] = field(default_factory=list)  # (respondent id, reason)
    audit_added: int = 0
    consent_added: int = 0
    sites_added: list[str] = field(default_factory=list)
    new_conflicts: int = 0  # conflicts recorded now (not already open from an earlier merge)
    # issue 12 (survey.privacy)
    deleted_here: list[str] = field(default_factory=list)      # interview ids deleted by the package's tombstones
    tombstones_added: int = 0
    not_restored: list[str] = field(default_factory=list)      # interview ids: deleted here, left out
    withdrawn_skipped: list[tuple[str, str]] = field(default_factory=list)  # (respondent id, why) left out
    withdrawals_added: int = 0
    deleted_id_skipped: list[str] = field(default_factory=list)  # respondent ids deleted here: left out
    deleted_id_here: list[str] = field(default_factory=list)  # ids here whose fingerprint the package deleted
    about_left_out: list[str] = field(default_factory=list)  # sources about a user left out above: left out too
    # values from before the raw-data deletion here (`privacy.delete_raw_data`) that the merge did not take
    # back: kind -> how many (RAW_KINDS); the text itself is never named
    raw_not_restored: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated or self.audit_added or self.consent_added or self.sites_added
                    or self.new_conflicts or self.deleted_here or self.tombstones_added or self.withdrawals_added)

    def summary(self) -> str:
        lines = [f"Pakke {self.package_id}:",
                 f"  {len(self.inserted)} nye interviews, {len(self.updated)} opdateret, {self.unchanged} uændrede"
                 + (f", {len(self.kept_central)} ændret centralt siden sidste fletning (den centrale udgave beholdes)"
                    if self.kept_central else ""),
                 f"  {self.audit_added} revisionsposter og {self.consent_added} samtykker tilføjet"
                 + (f"; nye steder: {', '.join(self.sites_added)}" if self.sites_added else "")]
        if self.deleted_here:
            lines.append(f"  {len(self.deleted_here)} interview slettet her, fordi de er slettet der, pakken kommer "
                         "fra (id " + ", ".join(i[:8] for i in self.deleted_here) + ")")
        if self.tombstones_added:
            lines.append(f"  {self.tombstones_added} gravsten (sletninger) registreret")
        if self.not_restored:
            lines.append(f"  {len(self.not_restored)} interview i pakken er slettet her og bliver ikke genskabt "
                         "(id " + ", ".join(i[:8] for i in self.not_restored) + ")")
        if self.withdrawals_added:
            lines.append(f"  {self.withdrawals_added} tilbagetrækning(er) af samtykke registreret")
        if self.deleted_id_skipped:
            lines.append(f"  {len(self.deleted_id_skipped)} interview ikke flettet, fordi respondent-id'et er slettet "
                         "her (GDPR art. 17); intet er gemt, heller ikke som konflikt. Er det en anden person, så giv "
                         "interviewet et nyt id på feltcomputeren og send pakken igen: "
                         + ", ".join(self.deleted_id_skipped))
        if self.deleted_id_here:
            lines.append(f"  ADVARSEL: {len(self.deleted_id_here)} interview her har et respondent-id, der er slettet "
                         "der, pakken kommer fra: " + ", ".join(self.deleted_id_here) + ". Er det samme person, så slet "
                         "det her (brugerblik respondent slet ID --grund …); ellers giv det et nyt id.")
        if self.withdrawn_skipped:
            lines.append(f"  {len(self.withdrawn_skipped)} interview ikke flettet, fordi samtykket er trukket "
                         "tilbage (intet nyt gemmes):")
            lines += [f"    {rid}: {why}" for rid, why in self.withdrawn_skipped]
        if self.raw_not_restored:
            n = sum(self.raw_not_restored.values())
            kinds = ", ".join(f"{k} {RAW_KINDS[key]}" for key, k in sorted(self.raw_not_restored.items()) if k)
            lines.append(f"  {n} værdi(er) i pakken fra før sletningen af rådata her er ikke taget tilbage, fordi "
                         f"rådata er slettet ({kinds}); intet af det er gemt, heller ikke som konflikt")
        if self.about_left_out:
            lines.append(f"  {len(self.about_left_out)} kilde(r) om en bruger, der er udeladt ovenfor, er heller ikke "
                         "flettet; intet er gemt, heller ikke som konflikt: " + ", ".join(self.about_left_out))
        if self.conflicts:
            lines.append(f"  {len(self.conflicts)} konflikt(er) — rørt ikke, afgøres af en person "
                         "(brugerblik merge --conflicts):")
            lines += [f"    {rid}: {why}" for rid, why in self.conflicts]
        else:
            lines.append("  Ingen konflikter.")
        return "\n".join(lines)


#: kinds of raw values a merge leaves out after a raw-data deletion (`MergeResult.raw_not_restored`)
RAW_KINDS = {"answer": "fritekstsvar", "completion_note": "afslutningsnoter", "quote": "citattekster (maskeret, "
             "eller den centrale udgave)", "quote_dropped": "citater udeladt (kunne ikke maskeres)",
             "audit": "før-/efterværdier og noter i revisionssporet", "withdrawal": "begrundelser for "
             "tilbagetrækning (maskeret)"}


@dataclass
class _RawCut:
    """What a merge must not take back after the raw data were deleted here (`privacy.delete_raw_data`):
    every value of the package from before the deletion that the deletion removed or masked."""
    since: dt.datetime                         # when the raw data were last deleted here
    # when the package's store learned of that deletion (`Package.raw_deleted`), by its own clock — the clock
    # of the package's time stamps; None: it did not know of it, and every value of it counts as from before
    seen_at: dt.datetime | None
    text_codes: dict[str, set[str]]           # informant -> free-text codes (`privacy.free_text_codes`)
    central_quotes: dict[str, str]            # quote uid -> its text here (masked by the deletion, or newer)
    known_audit: set[str]                      # audit uids here already (not appended again)
    masker: Any = None                         # the study's masker (`coding.anonymise.export_masker`), if given

    def before(self, stamp: str | None) -> bool:
        """Is a value stamped `stamp` (the laptop's clock) from before the deletion — deletions win: unless the
        package's store knew of the deletion and the value was stamped after it learned of it (`seen_at`: the
        same computer's clock), it is. The laptop's clock is never compared with this store's: a laptop whose
        clock is ahead stamps a value it had before the deletion as after it."""
        if self.seen_at is None or not stamp:
            return True
        return from_text(stamp) <= self.seen_at

    def mask(self, text: str | None) -> str | None:
        if text is None or self.masker is None:
            return None
        return self.masker(text)


def _without_raw(v: dict, cut: _RawCut, counts: dict[str, int]) -> dict:
    """Package version `v` without the values the raw-data deletion removed (`_RawCut`): free-text
    answers and the completion note from before it left out, quote texts from before it masked (the
    text stored here, or masked with the study's masker; without one the quote is left out), the
    audit trail's free-text values from before it emptied and its notes masked. `counts` gets how many
    of each kind; the hash is recomputed."""
    def add(kind: str, n: int = 1) -> None:
        counts[kind] = counts.get(kind, 0) + n

    codes = cut.text_codes.get(v.get("informant", "bruger"), set())
    out = dict(v)
    answers = []
    for a in v["answers"]:
        if a["code"] in codes and cut.before(a["updated_at"]):
            add("answer")
        else:
            answers.append(a)
    out["answers"] = answers
    if v["completion_note"] is not None and cut.before(v["completed_at"] or v["updated_at"]):
        out["completion_note"] = None
        add("completion_note")
    quotes = []
    for q in v["quotes"]:
        if not cut.before(q["updated_at"] or q["created_at"]):
            quotes.append(q)
            continue
        text = cut.central_quotes.get(q["uid"])
        if text is None:
            text = cut.mask(q["text"])
        if not text:
            add("quote_dropped")
            continue
        if text != q["text"]:
            add("quote")
        q = dict(q, text=text)
        if q["updated_at"] and from_text(q["updated_at"]) > cut.since:  # a laptop clock ahead: masked as of the
            q["updated_at"] = to_text(cut.since)                         # deletion (`privacy.raw_data_counts`)
        quotes.append(q)
    out["quotes"] = quotes
    audit = []
    for a in v.get("audit", []):
        raw = (a["entity"] == "answer" and a["code"] in codes) or a["entity"] in ("quote", "transcript")
        if not cut.before(a["at"]):
            # a change made after the laptop knew of the deletion: its value before may still be one the deletion
            # removed (the laptop held it) — deletions win: the value after stays, the value before does not
            if raw and a["old_value"] is not None:
                a = dict(a, old_value=None)
                if a["uid"] not in cut.known_audit:
                    add("audit")
            audit.append(a)
            continue
        a = dict(a)
        changed = False
        if raw and (a["old_value"] is not None or a["new_value"] is not None):
            a["old_value"] = a["new_value"] = None
            changed = True
        if a["note"]:
            note = cut.mask(a["note"]) or None
            if note != a["note"]:
                a["note"] = note
                changed = True
        if changed and a["uid"] not in cut.known_audit:  # one stored here already is not appended: not counted
            add("audit")
        audit.append(a)
    out["audit"] = audit
    out["hash"] = content_hash(out)
    return out


def _withdrawals_without_raw(s: Session, items: list[dict], cut: _RawCut, counts: dict[str, int]) -> list[dict]:
    """A package's withdrawals with the reasons of new ones from before the raw-data deletion masked (the
    deletion masked every reason here)."""
    uids = [w["uid"] for w in items]
    known: set[str] = set()
    for chunk in _chunks(uids):
        known |= set(s.execute(select(ConsentWithdrawal.uid).where(ConsentWithdrawal.uid.in_(chunk))).scalars())
    out = []
    for w in items:
        if w["uid"] not in known and cut.before(w["recorded_at"]):
            reason = cut.mask(w["reason"]) or "(begrundelsen er maskeret: rådata er slettet)"
            if reason != w["reason"]:
                counts["withdrawal"] = counts.get("withdrawal", 0) + 1
                w = dict(w, reason=reason)
        out.append(w)
    return out


def _raw_cut(s: Session, pkg: "Package", guide: Guide, masker) -> _RawCut | None:
    """The `_RawCut` of this store, or None when its raw data were never deleted."""
    since = privacy.raw_deleted_at(s)
    if since is None:
        return None
    uids = [q["uid"] for v in pkg.interviews for q in v["quotes"]]
    quotes: dict[str, str] = {}
    for chunk in _chunks(uids):
        quotes.update(s.execute(select(Quote.uid, Quote.text).where(Quote.uid.in_(chunk))).all())
    audit = _known_uids(s, AuditEntry, [a["uid"] for v in pkg.interviews for a in v.get("audit", [])])
    marker = pkg.raw_deleted
    # the package's store knew of this deletion (the same time stamp: an identity, not a comparison of clocks)
    seen = from_text(marker["seen_at"]) if marker and from_text(marker["at"]) == since else None
    # the source guides were checked at the merge's start (`merge_package`: `source_store.check_guides`): read
    # from the fit cache here, nothing written in this transaction
    return _RawCut(since, seen, privacy.free_text_codes(guide, db.engine_of(s), record=False), quotes, audit, masker)


def _referenced_quote_ids(s: Session, quote_ids: list[int]) -> set[int]:
    """Quotes that rows in other tables refer to (coding), found from the schema's foreign keys."""
    out: set[int] = set()
    if not quote_ids:
        return out
    for table in db.model_tables():
        if table.name == Quote.__tablename__:
            continue
        for fk in table.foreign_keys:
            if fk.column.table.name == Quote.__tablename__ and fk.column.name == "id":
                for chunk in range(0, len(quote_ids), 500):
                    out |= set(s.execute(select(fk.parent).where(fk.parent.in_(quote_ids[chunk:chunk + 500]))
                                         .distinct()).scalars())
    return out


def _version_json(v: dict | None) -> str | None:
    return None if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True)


def _ensure_site(s: Session, site: dict | None, sites: dict[str, Site]) -> tuple[Site | None, str | None]:
    """The central site for a package site; (None, reason) when the type differs centrally."""
    if site is None:
        return None, None
    cur = sites.get(site["name"])
    if cur is None:
        cur = s.execute(select(Site).where(Site.name == site["name"])).scalars().first()
    if cur is None:
        cur = Site(name=site["name"], site_type=site["site_type"], prefix=site["prefix"])
        s.add(cur)
        s.flush()
        sites[site["name"]] = cur
        return cur, "new"
    sites[site["name"]] = cur
    if cur.site_type != site["site_type"]:
        return None, (f"stedet {site['name']!r} er {site['site_type']} på feltcomputeren, men {cur.site_type} "
                      "centralt")
    return cur, None


def _write_interview(s: Session, v: dict, site: Site | None, central: dict | None) -> None:
    """Make the central interview equal to package version `v` (insert, or update in place)."""
    fields = dict(respondent_id=v["respondent_id"], site_id=site.id if site else None, interviewer=v["interviewer"],
                  interview_date=dt.date.fromisoformat(v["interview_date"]) if v["interview_date"] else None,
                  status=v["status"], guide_form_id=v["guide_form_id"], guide_version=v["guide_version"],
                  created_at=from_text(v["created_at"]), updated_at=from_text(v["updated_at"]),
                  completed_at=from_text(v["completed_at"]), completion_note=v["completion_note"],
                  source=v["source"], merged_from_hash=v["hash"], informant=v.get("informant", "bruger"),
                  subject_interview_id=v.get("subject_interview_id"))
    iv = s.get(Interview, v["id"])
    if iv is None:
        iv = Interview(id=v["id"], **fields)
        s.add(iv)
    else:
        for k, val in fields.items():
            setattr(iv, k, val)
    s.flush()
    have = {a.code: a for a in s.execute(select(Answer).where(Answer.interview_id == v["id"])).scalars()}
    want = {a["code"]: a for a in v["answers"]}
    for code, a in have.items():
        if code not in want:
            s.delete(a)
    for code, a in want.items():
        row = have.get(code)
        vals = dict(value=a["value"], updated_at=from_text(a["updated_at"]), updated_by=a["updated_by"],
                    source=a["source"])
        if row is None:
            s.add(Answer(interview_id=v["id"], code=code, **vals))
        elif (row.value, row.updated_by, row.source) != (a["value"], a["updated_by"], a["source"]) or \
                to_text(row.updated_at) != a["updated_at"]:
            for k, val in vals.items():
                setattr(row, k, val)
    qhave = {q.uid: q for q in s.execute(select(Quote).where(Quote.interview_id == v["id"])).scalars()}
    qwant = {q["uid"]: q for q in v["quotes"]}
    for uid, q in qhave.items():
        if uid not in qwant:
            s.delete(q)
    for uid, q in qwant.items():
        vals = dict(item_code=q["item_code"], text=q["text"], for_report=bool(q["for_report"]),
                    created_at=from_text(q["created_at"]), updated_at=from_text(q["updated_at"]),
                    created_by=q["created_by"])
        row = qhave.get(uid)
        if row is None:
            s.add(Quote(uid=uid, interview_id=v["id"], **vals))
        else:
            for k, val in vals.items():
                if getattr(row, k) != val:
                    setattr(row, k, val)
    s.flush()


def _known_uids(s: Session, model, uids: list[str]) -> set[str]:
    out: set[str] = set()
    for chunk in _chunks(sorted(set(uids))):
        out |= set(s.execute(select(model.uid).where(model.uid.in_(chunk))).scalars())
    return out


def _append_history(s: Session, iid: str, consent: list[dict], audit: list[dict], res: MergeResult,
                    via: str, by: str | None) -> None:
    """Append the package's consent records and audit entries of interview `iid` (uids not yet
    known). An audit entry is stored as coming from the package — its user (`by`) and `via` —
    never as the user it names: a package cannot write history in anyone else's name."""
    known = _known_uids(s, ConsentRecord, [c["uid"] for c in consent])
    for c in consent:
        if c["uid"] not in known:
            s.add(ConsentRecord(uid=c["uid"], interview_id=iid, item_code=c["item_code"], value=c["value"],
                                recorded_at=from_text(c["recorded_at"]), guide_form_id=c["guide_form_id"],
                                guide_version=c["guide_version"], recorded_by=c["recorded_by"]))
            res.consent_added += 1
    known = _known_uids(s, AuditEntry, [a["uid"] for a in audit])
    for a in audit:
        if a["uid"] not in known:
            claimed = " ".join(safe_text(a["who"]).split())[:40] or "ingen"
            note = f"{via}; registreret på feltcomputeren af: {claimed}" + (f"; {a['note']}" if a["note"] else "")
            s.add(AuditEntry(uid=a["uid"], interview_id=iid, entity=a["entity"], code=a["code"],
                             old_value=a["old_value"], new_value=a["new_value"], who=by or "feltcomputer",
                             at=from_text(a["at"]), note=note))
            res.audit_added += 1


def _conflict(s: Session, res: MergeResult, pkg: Package, v: dict, central: dict | None, kind: str,
              reason: str, base: str | None) -> None:
    res.conflicts.append((v["respondent_id"], reason))
    c_hash = central["hash"] if central else None
    dup = s.execute(select(MergeConflict.id).where(
        MergeConflict.interview_id == v["id"], MergeConflict.laptop_hash == v["hash"],
        MergeConflict.resolved_at.is_(None),
        (MergeConflict.central_hash == c_hash) if c_hash is not None else MergeConflict.central_hash.is_(None),
    )).first()
    if dup is not None:
        return
    laptop = dict(v, via=pkg.via, exported_by=pkg.exported_by)  # for the audit trail when it is settled
    s.add(MergeConflict(interview_id=v["id"], respondent_id=v["respondent_id"], kind=kind, reason=reason,
                        package_id=pkg.package_id, base_hash=base, central_hash=c_hash, laptop_hash=v["hash"],
                        central_version=_version_json(central), laptop_version=_version_json(laptop)))
    res.new_conflicts += 1


def merge_package(engine: Engine, path: str | os.PathLike, *, passphrase: str, guide: Guide | None = None,
                  who: str | None = None, allow_deletions: bool = False, masker=None) -> MergeResult:
    """Merge a field laptop's package into this store (see the module docstring). One transaction.

    The package is decrypted and checked in full first (`read_package`), then validated against
    the central guides exactly as an import would be (`check_content`); a refusal changes nothing.
    A package that would delete interviews here or record withdrawals of consent is refused,
    listing them, unless `allow_deletions` (``--tillad-sletning``): neither can be undone.

    After a raw-data deletion here (`privacy.delete_raw_data`) the values of the package from before
    it that the deletion removed are not taken back — not stored, not kept in a conflict — and
    counted in the result (`MergeResult.raw_not_restored`). `masker` (text -> masked text; the CLI
    passes `coding.anonymise.export_masker`, which lives above this module) masks their quotes as the
    deletion did; without it such a quote the store does not hold is left out.
    """
    if guide is None:
        guide = load_guide()
    pkg = read_package(path, passphrase=passphrase)
    check_content(pkg, guide, name=Path(path).name)  # the package only: a refused one changes nothing here
    source_store.check_guides(engine)  # the other sources' guides fit their stored interviews (survey.guide_fit)
    res = db.retrying(lambda: _merge(engine, pkg, who, allow_deletions, guide, masker))
    if res.deleted_here:  # a package's tombstones deleted interviews here: no copy left in the -wal either
        db.scrub_deleted(engine)
    return res


MAX_LISTED = 20  # respondent ids named in a refusal; the rest are counted


def _listed(items: list[str]) -> str:
    more = len(items) - MAX_LISTED
    return ", ".join(items[:MAX_LISTED]) + (f" og {more} flere" if more > 0 else "")


def deletions_refusal(effects: "privacy.PackageEffects", pkg: Package) -> str:
    """The Danish refusal of a package that would delete or withdraw here without a yes."""
    lines = ["Pakken vil slette data her eller registrere tilbagetrækning af samtykke, og det kan ikke "
             "fortrydes; intet er ændret."]
    if effects.deletes:
        lines.append(f"  sletter {len(effects.deletes)} interview (en brugers kilder med brugeren): "
                     + _listed(list(effects.deletes)))
    if effects.withdraws:
        lines.append(f"  registrerer {len(effects.withdraws)} tilbagetrækning(er) af samtykke: "
                     + _listed([f"{rid} ({privacy.PURPOSES.get(p, p)})" for rid, p in effects.withdraws]))
    lines.append(f"Pakke {pkg.package_id[:8]} er lavet af {pkg.exported_by or 'en feltcomputer uden login'}"
                 f"@{pkg.device} ({pkg.created_at[:16].replace('T', ' ')} UTC). Tjek med den, der har lavet "
                 "pakken, at det er rigtigt, og flet så igen med --tillad-sletning.")
    return "\n".join(lines)


def _check_quote_owners(s: Session, pkg: Package) -> None:
    """A quote id the central store already holds for another interview: refused (it would break
    the quote's coding, and a unique id cannot belong to two interviews)."""
    owner = {q["uid"]: (v["id"], _where(v, n), i) for n, v in enumerate(pkg.interviews, 1)
             for i, q in enumerate(v["quotes"], 1)}
    problems = []
    for chunk in _chunks(sorted(owner)):
        for uid, iid in s.execute(select(Quote.uid, Quote.interview_id).where(Quote.uid.in_(chunk))).all():
            if iid != owner[uid][0]:
                problems.append(f"{owner[uid][1]}, citat nr. {owner[uid][2]}: id'et {uid} tilhører centralt et "
                                "andet interviews citat")
    if problems:
        raise SyncError("Pakken kan ikke flettes; intet er ændret:\n  " + "\n  ".join(problems[:20]))


def _package_withdrawals(pkg: Package) -> dict[str, dict[str, str]]:
    """interview id -> {purpose: the day} of the package's withdrawals of consent."""
    out: dict[str, dict[str, str]] = {}
    for w in pkg.withdrawn:
        out.setdefault(w["interview_id"], {})[w["purpose"]] = w["withdrawn_on"]
    return out


def _package_block(by_package: dict[str, dict[str, str]], v: dict) -> str | None:
    """`privacy.block_reason` for the withdrawals the package carries (Danish), or None."""
    own, subj = by_package.get(v["id"], {}), by_package.get(v.get("subject_interview_id") or "", {})
    if "interview" in own:
        return f"samtykket til interviewet er trukket tilbage på feltcomputeren ({own['interview']})"
    if "interview" in subj:
        return ("kilden handler om en respondent, der har trukket sit samtykke til interviewet tilbage på "
                f"feltcomputeren ({subj['interview']})")
    if v.get("informant") == "journal" and "journal" in subj:
        return f"samtykket til journalindsigt er trukket tilbage på feltcomputeren ({subj['journal']})"
    return None


def _merge(engine: Engine, pkg: Package, who: str | None, allow_deletions: bool = False,
           guide: Guide | None = None, masker=None) -> MergeResult:
    res = MergeResult(pkg.package_id)
    now = utcnow()
    with db.consistent_session(engine, write=True) as s:  # nothing changes between reading and writing
        _check_quote_owners(s, pkg)
        effects = privacy.package_effects(s, pkg.deleted, pkg.withdrawn)
        if effects and not allow_deletions:
            raise SyncError(deletions_refusal(effects, pkg))
        # issue 12: deletions first (they travel), then the withdrawals of interviews this store holds
        res.deleted_here, res.tombstones_added = privacy.apply_tombstones(s, pkg.deleted, via=pkg.via)
        res.deleted_id_here = privacy.ids_matching_tombstones(s, pkg.deleted)
        # after a raw-data deletion here: nothing it removed comes back (the reminder with it)
        cut = _raw_cut(s, pkg, guide or load_guide(), masker)
        privacy.learn_raw_deletion(s, pkg.raw_deleted, who)  # its later packages say they knew of it (`_RawCut`)
        withdrawn = pkg.withdrawn if cut is None else _withdrawals_without_raw(s, pkg.withdrawn, cut,
                                                                               res.raw_not_restored)
        res.withdrawals_added += privacy.apply_withdrawals(s, withdrawn, via=pkg.via, by=pkg.exported_by)
        dead = privacy.deleted_ids(s, [x for v in pkg.interviews for x in (v["id"], v.get("subject_interview_id"))])
        dead_ids = store.deleted_respondent_ids(s, [v["respondent_id"] for v in pkg.interviews])
        sites: dict[str, Site] = {}
        site_problem: dict[str, str] = {}
        for site in pkg.sites:
            got, why = _ensure_site(s, site, sites)
            if why == "new":
                res.sites_added.append(site["name"])
            elif why:
                site_problem[site["name"]] = why
        ids = [v["id"] for v in pkg.interviews]
        central = load_versions(s, ids, history=True)
        rids = [v["respondent_id"] for v in pkg.interviews]
        # who holds each id here, by its `store.id_form`: «ama-01» in a package is the «AMA-01» stored here
        forms = {store.id_form(r) for r in rids}
        owner: dict[str, str] = {}
        for r, iid in s.execute(select(Interview.respondent_id, Interview.id)).all():
            if store.id_form(r) in forms:
                owner[store.id_form(r)] = iid
        # a user's interview of the package left out for privacy (deleted here, an id deleted here,
        # consent withdrawn): the sources about it are left out too — never a conflict that holds them
        left_out: set[str] = set()
        by_package = _package_withdrawals(pkg)

        def conflict(v: dict, c: dict | None, kind: str, reason: str, base: str | None) -> None:
            """A conflict — unless the package itself withdraws consent for the interview (or its user):
            then nothing of it is kept (a conflict holds it without its withdrawal), as for one withdrawn here."""
            why = _package_block(by_package, v)
            if why:
                res.withdrawn_skipped.append((v["respondent_id"], why))
                left_out.add(v["id"])
                return
            _conflict(s, res, pkg, v, c, kind, reason, base)

        # users' own interviews first: a source (issue 7) refers to the user's interview it is about
        for v in sorted(pkg.interviews, key=lambda v: v.get("informant", "bruger") != "bruger"):
            rid, L = v["respondent_id"], v["hash"]
            c = central.get(v["id"])
            subj = v.get("subject_interview_id")
            if v["id"] in dead or subj in dead:  # deleted here: never brought back (issue 12)
                res.not_restored.append(v["id"])
                left_out.add(v["id"])
                continue
            if subj in left_out:
                res.about_left_out.append(rid)
                continue
            blocked = privacy.block_reason(s, v["id"], subj, v.get("informant", "bruger"))
            if blocked:  # consent withdrawn: nothing new about them, not even as a conflict (issue 12)
                if c is not None and L == c["hash"]:
                    res.unchanged += 1
                else:
                    res.withdrawn_skipped.append((rid, blocked))
                    left_out.add(v["id"])
                continue
            if rid in dead_ids and (c is None or rid != c["respondent_id"]):
                # issue 12: the id of a deleted respondent is never given again. It may be the same
                # person (a copy under a new UUID) or another with the same number: nothing of it is
                # stored here, not even as a conflict; the laptop gives it a new id and sends again.
                res.deleted_id_skipped.append(rid)
                left_out.add(v["id"])
                continue
            L_sent = L
            if cut is not None:  # from here on the package's version without what the raw-data deletion removed
                v = _without_raw(v, cut, res.raw_not_restored)
                L = v["hash"]
            if subj and s.get(Interview, subj) is None:
                conflict(v, c, "kilde_uden_bruger",
                          "kilden handler om en bruger, hvis interview ikke findes centralt (eller ikke kunne "
                          "flettes); flet brugerens interview først", c["merged_from_hash"] if c else None)
                continue
            if v.get("informant") == "journal" and L != (c["hash"] if c else None):
                consent = source_store.journal_consent(s, subj)
                if consent != "ja":
                    conflict(v, c, "samtykke",
                              "journaludtræk uden brugerens samtykke til journalindsigt centralt "
                              f"({consent_said(consent)});"
                              " udtrækket er ikke flettet", c["merged_from_hash"] if c else None)
                    continue
            site, why = (None, None)
            if v["site"] is not None:
                if v["site"]["name"] in site_problem:
                    why = site_problem[v["site"]["name"]]
                else:
                    site, why = _ensure_site(s, v["site"], sites)
                    if why == "new":
                        res.sites_added.append(v["site"]["name"])
                        why = None
            if c is None:
                held = owner.get(store.id_form(rid), v["id"])
                if held != v["id"]:
                    why_not = privacy.block_reason(s, held, None, "bruger")
                    if why_not:  # the same id belongs here to someone who withdrew: nothing new about them
                        res.withdrawn_skipped.append((rid, why_not))
                        left_out.add(v["id"])
                        continue
                    conflict(v, load_versions(s, [held], history=True).get(held),
                              "respondent_id", f"respondent-id {rid} bruges centralt af et andet interview "
                              "(to feltcomputere har givet samme nummer); giv det ene et nyt id", None)
                    continue
                if why:
                    conflict(v, None, "sted", why, None)
                    continue
                _write_interview(s, v, site, None)
                owner[store.id_form(rid)] = v["id"]
                s.add(AuditEntry(interview_id=v["id"], entity="merge", code="*", who=who, at=now,
                                 note=f"indsat fra feltpakke {pkg.package_id} ({pkg.via})"))
                res.inserted.append(rid)
            else:
                C, B = c["hash"], c["merged_from_hash"]
                if L == C:
                    if B != L:
                        s.get(Interview, v["id"]).merged_from_hash = L
                    res.unchanged += 1
                elif L == B or L_sent == B:  # the package holds the version last merged (before any raw deletion)
                    res.kept_central.append(rid)
                    res.unchanged += 1
                elif C == B:
                    if why:
                        conflict(v, c, "sted", why, B)
                        continue
                    if rid != c["respondent_id"] and owner.get(rid, v["id"]) != v["id"]:
                        conflict(v, c, "respondent_id",
                                  f"respondent-id {rid} bruges centralt af et andet interview", B)
                        continue
                    gone = {q["uid"] for q in c["quotes"]} - {q["uid"] for q in v["quotes"]}
                    if gone:
                        qids = list(s.execute(select(Quote.id).where(Quote.uid.in_(sorted(gone)))).scalars())
                        if _referenced_quote_ids(s, qids):
                            conflict(v, c, "citat_kodet",
                                      "feltcomputeren har slettet et citat, som er kodet centralt", B)
                            continue
                    _write_interview(s, v, site, c)
                    s.add(AuditEntry(interview_id=v["id"], entity="merge", code="*", who=who, at=now,
                                     note=f"opdateret fra feltpakke {pkg.package_id} ({pkg.via})"))
                    res.updated.append(rid)
                else:
                    why_both = ("ændret både på feltcomputeren og centralt siden sidste fletning" if B else
                                "findes både på feltcomputeren og centralt med forskelligt indhold og er aldrig "
                                "flettet før")
                    conflict(v, c, "begge_aendret", why_both, B)
                    continue
            _append_history(s, v["id"], v["consent"], v["audit"], res, pkg.via, pkg.exported_by)
        # withdrawals of interviews this merge brought in
        res.withdrawals_added += privacy.apply_withdrawals(s, withdrawn, via=pkg.via, by=pkg.exported_by)
    return res


# ---------------------------------------------------------------- conflicts

@dataclass(frozen=True)
class ConflictView:
    id: int
    interview_id: str
    respondent_id: str
    kind: str
    reason: str
    package_id: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    resolution: str | None
    resolved_by: str | None
    differences: list[str]


def _differences(central: dict | None, laptop: dict) -> list[str]:
    """Which answers/fields differ (codes only: no values, they may be sensitive)."""
    if central is None:
        return []
    out = []
    for k in ("status", "interviewer", "interview_date", "completion_note", "respondent_id"):
        if central.get(k) != laptop.get(k):
            out.append(k)
    ca = {a["code"]: a["value"] for a in central.get("answers", [])}
    la = {a["code"]: a["value"] for a in laptop.get("answers", [])}
    out += sorted(c for c in set(ca) | set(la) if ca.get(c) != la.get(c))
    cq = {q["uid"]: (q["text"], q["for_report"]) for q in central.get("quotes", [])}
    lq = {q["uid"]: (q["text"], q["for_report"]) for q in laptop.get("quotes", [])}
    if cq != lq:
        out.append("citater")
    return out


def list_conflicts(engine: Engine, *, include_resolved: bool = False) -> list[ConflictView]:
    with session_scope(engine) as s:
        q = select(MergeConflict).order_by(MergeConflict.created_at, MergeConflict.id)
        if not include_resolved:
            q = q.where(MergeConflict.resolved_at.is_(None))
        out = []
        for m in s.execute(q).scalars():
            diffs = _differences(json.loads(m.central_version) if m.central_version else None,
                                 json.loads(m.laptop_version))
            out.append(ConflictView(m.id, m.interview_id, m.respondent_id, m.kind, m.reason, m.package_id,
                                    m.created_at, m.resolved_at, m.resolution, m.resolved_by, diffs))
        return out


def resolve_conflict(engine: Engine, conflict_id: int, use: str, *, who: str | None = None,
                     respondent_id: str | None = None) -> str:
    """Settle a conflict: keep the central version, or take the laptop's. Returns a Danish message.

    ``use="central"``: the interview stays as it is; the laptop version becomes the merge base, so
    the same package does not raise the conflict again (a later change on the laptop does).
    ``use="laptop"``: the laptop version replaces the central one, provided the central one has
    not changed since the conflict was recorded; with a respondent-id clash give a new
    `respondent_id` for the laptop's interview.
    """
    if use not in ("central", "laptop"):
        raise SyncError("Vælg --brug central eller --brug laptop.")
    if isinstance(conflict_id, bool) or not isinstance(conflict_id, int) or not 0 < conflict_id < 2 ** 31:
        raise SyncError(f"Konflikt {str(conflict_id)[:20]} findes ikke.")
    return db.retrying(lambda: _resolve(engine, conflict_id, use, who, respondent_id))


def _resolve(engine: Engine, conflict_id: int, use: str, who: str | None, respondent_id: str | None) -> str:
    with db.consistent_session(engine, write=True) as s:
        m = s.get(MergeConflict, conflict_id)
        if m is None:
            raise SyncError(f"Konflikt {conflict_id} findes ikke.")
        if m.resolved_at is not None:
            raise SyncError(f"Konflikt {conflict_id} er allerede afgjort ({m.resolution}).")
        laptop = json.loads(m.laptop_version)
        now = utcnow()
        cur = load_versions(s, [m.interview_id], history=False).get(m.interview_id)
        if use == "central":
            if cur is not None:
                s.get(Interview, m.interview_id).merged_from_hash = m.laptop_hash
            msg = f"Konflikt {conflict_id} afgjort: den centrale udgave af {m.respondent_id} beholdes."
        else:
            if m.kind == "respondent_id":
                if not respondent_id:
                    raise SyncError("Respondent-id'et er taget centralt: angiv et nyt med --respondent-id.")
                laptop["respondent_id"] = respondent_id.strip()
                if s.execute(select(Interview.id).where(Interview.respondent_id == laptop["respondent_id"],
                                                        Interview.id != m.interview_id)).first():
                    raise SyncError(f"Respondent-id {laptop['respondent_id']} er også taget.")
                if store.deleted_respondent_ids(s, [laptop["respondent_id"]]):
                    raise SyncError(f"Respondent-id {laptop['respondent_id']} er slettet og bruges ikke igen.")
            if cur is None and m.kind == "respondent_id":
                pass  # not in the central store at all: the clash was with another interview
            elif (cur["hash"] if cur else None) != m.central_hash:
                raise SyncError("Det centrale interview er ændret, siden konflikten blev registreret; flet pakken "
                                "igen for at se den aktuelle forskel.")
            subj = laptop.get("subject_interview_id")
            if subj and s.get(Interview, subj) is None and not privacy.deleted_ids(s, [subj]):
                raise SyncError("Feltcomputerens udgave kan ikke bruges endnu: brugeren, kilden handler om, findes "
                                "ikke centralt. Flet brugerens interview først, og flet så pakken igen.")
            if privacy.deleted_ids(s, [m.interview_id, laptop.get("subject_interview_id")]):
                raise SyncError("Feltcomputerens udgave kan ikke bruges: interviewet (eller brugeren, kilden handler "
                                "om) er slettet.")
            blocked = privacy.block_reason(s, m.interview_id, laptop.get("subject_interview_id"),
                                           laptop.get("informant", "bruger"))
            if blocked:
                raise SyncError(f"Feltcomputerens udgave kan ikke bruges: {blocked}; intet nyt gemmes.")
            if laptop.get("informant") == "journal":
                consent = source_store.journal_consent(s, laptop.get("subject_interview_id"))
                if consent != "ja":
                    raise SyncError("Journaludtrækket kan ikke bruges: brugeren har ikke givet samtykke til "
                                    f"journalindsigt centralt ({consent_said(consent)}).")
            sites: dict[str, Site] = {}
            site, why = _ensure_site(s, laptop["site"], sites)
            if why and why != "new":
                raise SyncError(f"Kan ikke bruge feltcomputerens udgave: {why}. Ret stedet først.")
            laptop["hash"] = content_hash(laptop)
            _write_interview(s, laptop, site, cur)
            res = MergeResult(m.package_id)
            _append_history(s, m.interview_id, laptop.get("consent", []), laptop.get("audit", []), res,
                            laptop.get("via") or f"via pakke {m.package_id[:8]}", laptop.get("exported_by"))
            msg = f"Konflikt {conflict_id} afgjort: feltcomputerens udgave af {laptop['respondent_id']} er brugt."
        s.add(AuditEntry(interview_id=m.interview_id, entity="merge", code="*", who=who, at=now,
                         note=f"flettekonflikt {conflict_id} afgjort: {use}"))
        m.resolved_at, m.resolved_by, m.resolution = now, who, use
    return msg


def count_rows(engine: Engine) -> dict[str, int]:
    """Rows per table of the store (backup checks and tests)."""
    with session_scope(engine) as s:
        return {t.name: int(s.execute(select(func.count()).select_from(t)).scalar_one())
                for t in db.model_tables()}
