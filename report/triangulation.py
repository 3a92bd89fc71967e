"""Triangulation tables (issue 7): Bilag C, the interviews per site and informant type, the plans
found in the case files (section 6.3) and the agreement between the user's and the case
worker's account (section 7.4) — plain functions on DataFrames, as `report.tables`. They are
registered with the users' tables in `report.registry`, which renders them.

Inputs (see `survey.sources` for the shapes): the users' *wide frame*; the *source frames*
(one row per interview or file: ``source_id``, ``informant`` and the guide's codes); the
*source status* frame of `survey.sources.source_status` (one row per respondent × kilde and
per site × ``leder``: ``kilde, site_type, site, respondent_id, status, note, source_id,
informant_id, fokus``). Every function returns a DataFrame in exactly the form the CSV has;
`markdown_body` lays one out in Markdown (Danish labels; the CSV keeps the ASCII codes).

Conventions as in `report.tables`: blank (None/NaN/"") is never counted; proportions are
decimals with 3 digits in CSV and blank when the denominator is 0; site types in the order
boform, vaerested, then ``uoplyst``; sites by name; ``i_alt`` rows.

CSV forms (designed here; the report prints Bilag C and the figures of 6.3 as text)
-----------------------------------------------------------------------------------
* ``bilag_c`` `bilag_c` — ``site_type,site,respondent_id,journal_kommune,journal_boform,
  sagsbehandler,kontaktperson,noter``: one row per respondent; each source column holds a status
  code of `survey.sources.SOURCE_STATUS` (``foreligger`` = Bilag C's "X"); ``noter`` joins the
  notes ("Interview kommune: da pensionist; …") and marks a contact person who is also the case
  worker (Bilag C: "X (samme som kom.)").
* ``oversigt_interview`` `oversigt_interview` — ``site_type,site,brugere,samtykke_givet,
  journal_kommune,journal_boform,sagsbehandler,sagsbehandler_konkret,sagsbehandlere,kontaktperson,
  kontaktperson_konkret,kontaktpersoner,leder``: per site, a subtotal per site type (``site =
  i_alt``) and a grand total. ``brugere``/``samtykke_givet``: users interviewed / with
  ``consent_journal = ja`` (wide frame); ``journal_*``, ``sagsbehandler``, ``kontaktperson``:
  users for whom that source exists; ``*_konkret``: of those, interviews about the concrete user
  (``fokus = konkret``); ``sagsbehandlere``/``kontaktpersoner``: different persons
  (``informant_id``), counted afresh on subtotal rows (a person may serve several sites);
  ``leder``: leader interviews.
* ``planer`` `planer` — ``site_type,kilde,journaler,handleplan,jobplan,begge,kun_jobplan,
  nogen_plan,uoplyst,andel_handleplan,andel_jobplan,andel_nogen_plan``: files read per the
  user's site type and the file's source (``kommune``, ``boform``); rows boform/kommune,
  boform/boform, vaerested/kommune always, vaerested/boform and ``uoplyst`` only when non-zero,
  then ``i_alt`` per source. ``handleplan`` = files with ``handleplan = ja`` (a handleplan
  after SEL § 111, as the extraction form defines it), ``begge`` both plans, ``kun_jobplan``
  a jobplan without a handleplan, ``nogen_plan = handleplan + kun_jobplan``; ``uoplyst`` =
  files with ``handleplan`` or ``jobplan`` blank (counted as "not found" in the shares, whose
  denominator is every file read, as the report's "5 of 25").
* ``enighed`` `enighed_bruger_sagsbehandler` — ``emne,kode,par,n,enige,delvist,uenige,mangler,
  andel_enige``: per topic (offer, purpose, who decided; `survey.sources.COMPARE_TOPICS`) the
  pairs of a user's interview and a case-worker interview about that user (``par``), those with
  an answer on both sides (``n``), and the verdicts of `survey.sources.agreement`; ``mangler``
  = pairs with a blank side; ``andel_enige = enige / n``.
"""
from __future__ import annotations

import math
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from report.errors import TableError
from report.publication import (I_ALT, UOPLYST, journal_label, md_table, pct, site_labels, status_short,
                                topic_label, value_label)
from survey.guide import Guide
from survey.sources import (COMPARE_TOPICS, EXTRA_TOPICS, KILDE_LABELS, KILDER, SITE_TYPES, SOURCE_STATUS,
                            SourceError, agreement,
                            check_comparable, compare_topics, guide_for)

__all__ = ["JOURNAL_KILDER", "COMPARED", "OFFERED", "bilag_c", "oversigt_interview", "planer", "lab_personer",
           "shared_topics", "topic_name", "enighed_bruger",
           "enighed_bruger_sagsbehandler",
           "filter_site_type", "markdown_body"]

JOURNAL_KILDER = ("kommune", "boform")


# --------------------------------------------------------------------------- helpers

def _blank(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or \
        (isinstance(v, str) and v.strip() == "")


def _t(v: object) -> str | None:
    return None if _blank(v) else str(v).strip()


def _need(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise TableError(f"{what} mangler kolonne(r): {', '.join(missing)} — påkrævet: {', '.join(cols)}.")


def _share(k: int, n: int) -> float:
    return k / n if n else float("nan")


def _site_order(site_type: str | None, site: str | None) -> tuple:
    st = site_type if site_type in SITE_TYPES else UOPLYST
    return (list(SITE_TYPES).index(st) if st in SITE_TYPES else len(SITE_TYPES), site == UOPLYST,
            (site or "").casefold())


def _user_site_types(wide_df: pd.DataFrame) -> dict[str, str]:
    if "respondent_id" not in wide_df.columns:
        return {}
    types = wide_df["site_type"] if "site_type" in wide_df.columns else [None] * len(wide_df)
    return {str(r): (_t(t) if _t(t) in SITE_TYPES else UOPLYST) for r, t in zip(wide_df["respondent_id"], types)
            if not _blank(r)}


# --------------------------------------------------------------------------- Bilag C

BILAG_C_COLUMNS = ["site_type", "site", "respondent_id", *KILDER, "noter"]


def bilag_c(sources_df: pd.DataFrame) -> pd.DataFrame:
    """Bilag C: per site and respondent, which sources exist (``foreligger``) or why not."""
    _need(sources_df, ("kilde", "respondent_id", "status"), "Kildeoversigten")
    df = sources_df[sources_df["kilde"].isin(KILDER) & sources_df["respondent_id"].map(lambda v: not _blank(v))]
    unknown = sorted(set(df["status"].dropna()) - set(SOURCE_STATUS))
    if unknown:
        raise TableError(f"Ukendt status {', '.join(map(repr, unknown))} — tilladt: {', '.join(SOURCE_STATUS)}.")
    rows: dict[str, dict] = {}
    for rec in df.to_dict("records"):
        rid = str(rec["respondent_id"])
        r = rows.setdefault(rid, {"site_type": _t(rec.get("site_type")) or UOPLYST,
                                  "site": _t(rec.get("site")) or UOPLYST, "respondent_id": rid,
                                  **{k: None for k in KILDER}, "_notes": [], "_who": {}})
        k = rec["kilde"]
        r[k] = _t(rec.get("status"))
        if _t(rec.get("note")):
            r["_notes"].append(f"{KILDE_LABELS[k]}: {_t(rec.get('note'))}")
        if rec.get("status") == "foreligger" and _t(rec.get("informant_id")):
            r["_who"][k] = set(_t(rec.get("informant_id")).split(";"))
    out = []
    for r in sorted(rows.values(), key=lambda r: _site_order(r["site_type"], r["site"]) + (r["respondent_id"],)):
        notes = list(r.pop("_notes"))
        who = r.pop("_who")
        if who.get("kontaktperson") and who.get("kontaktperson") & who.get("sagsbehandler", set()):
            notes.append("Interview kontaktperson: samme person som sagsbehandleren")
        r["noter"] = "; ".join(notes) or None
        out.append(r)
    return pd.DataFrame(out, columns=BILAG_C_COLUMNS, dtype=object)


# --------------------------------------------------------------------------- Oversigt over interview

OVERSIGT_COLUMNS = ["site_type", "site", "brugere", "samtykke_givet", "journal_kommune", "journal_boform",
                    "sagsbehandler", "sagsbehandler_konkret", "sagsbehandlere", "kontaktperson",
                    "kontaktperson_konkret", "kontaktpersoner", "leder"]


def oversigt_interview(sources_df: pd.DataFrame, wide_df: pd.DataFrame) -> pd.DataFrame:
    """Oversigt over interview per site and informant type, with subtotals per site type and a total."""
    _need(sources_df, ("kilde", "site", "status"), "Kildeoversigten")
    users: dict[tuple[str, str], list[dict]] = {}
    for rec in wide_df.to_dict("records") if "respondent_id" in wide_df.columns else []:
        st = _t(rec.get("site_type"))
        key = (st if st in SITE_TYPES else UOPLYST, _t(rec.get("site")) or UOPLYST)
        users.setdefault(key, []).append(rec)
    present = sources_df[sources_df["status"] == "foreligger"]
    src: dict[tuple[str, str], list[dict]] = {}
    for rec in present.to_dict("records"):
        st = _t(rec.get("site_type"))
        key = (st if st in SITE_TYPES else UOPLYST, _t(rec.get("site")) or UOPLYST)
        src.setdefault(key, []).append(rec)

    def counts(user_recs: list[dict], recs: list[dict]) -> list[int]:
        def n(kilde: str, konkret: bool = False) -> int:
            return sum(1 for r in recs if r["kilde"] == kilde and
                       (not konkret or "konkret" in (_t(r.get("fokus")) or "").split(";")))

        def persons(kilde: str) -> int:
            ids = set()
            for r in recs:
                if r["kilde"] == kilde and _t(r.get("informant_id")):
                    ids |= set(_t(r["informant_id"]).split(";"))
            return len(ids)
        consent = sum(1 for u in user_recs if (_t(u.get("consent_journal")) or "") == "ja")
        return [len(user_recs), consent, n("journal_kommune"), n("journal_boform"), n("sagsbehandler"),
                n("sagsbehandler", True), persons("sagsbehandler"), n("kontaktperson"), n("kontaktperson", True),
                persons("kontaktperson"), n("leder")]

    keys = sorted(set(users) | set(src), key=lambda k: _site_order(*k))
    rows: list[list[object]] = []
    for st in list(SITE_TYPES) + [UOPLYST]:
        block = [k for k in keys if k[0] == st]
        if not block:
            continue
        for k in block:
            rows.append([st, k[1], *counts(users.get(k, []), src.get(k, []))])
        rows.append([st, I_ALT, *counts([u for k in block for u in users.get(k, [])],
                                        [r for k in block for r in src.get(k, [])])])
    rows.append([I_ALT, I_ALT, *counts([u for k in keys for u in users.get(k, [])],
                                      [r for k in keys for r in src.get(k, [])])])
    out = pd.DataFrame(rows, columns=OVERSIGT_COLUMNS)
    for c in OVERSIGT_COLUMNS[2:]:
        out[c] = out[c].astype(np.int64)
    out["site_type"] = out["site_type"].astype(object)
    out["site"] = out["site"].astype(object)
    return out


# --------------------------------------------------------------------------- plans (section 6.3)

PLANER_COUNTS = ["journaler", "handleplan", "jobplan", "begge", "kun_jobplan", "nogen_plan", "uoplyst"]
PLANER_COLUMNS = ["site_type", "kilde", *PLANER_COUNTS, "andel_handleplan", "andel_jobplan", "andel_nogen_plan"]


def planer(journal_df: pd.DataFrame, wide_df: pd.DataFrame) -> pd.DataFrame:
    """Handleplaner and jobplaner found in the case files, per the user's site type and the file's source."""
    _need(journal_df, ("respondent_id", "kilde", "handleplan", "jobplan"), "Journaludtrækket")
    bad = sorted({str(k) for k in journal_df["kilde"] if _t(k) not in JOURNAL_KILDER})
    if bad:
        raise TableError(f"Ukendt kilde {', '.join(map(repr, bad))} i journaludtrækket — tilladt: "
                         f"{', '.join(JOURNAL_KILDER)}.")
    types = _user_site_types(wide_df)
    tally: dict[tuple[str, str], list[int]] = {}
    for rec in journal_df.to_dict("records"):
        st = types.get(_t(rec.get("respondent_id")) or "", UOPLYST)
        hp, jp = _t(rec.get("handleplan")), _t(rec.get("jobplan"))
        h, j = hp == "ja", jp == "ja"
        c = tally.setdefault((st, _t(rec["kilde"])), [0] * len(PLANER_COUNTS))
        for i, v in enumerate((1, h, j, h and j, j and not h, h or j, hp is None or jp is None)):
            c[i] += int(v)
    keys = [("boform", "kommune"), ("boform", "boform"), ("vaerested", "kommune")]
    keys += [k for k in (("vaerested", "boform"), (UOPLYST, "kommune"), (UOPLYST, "boform")) if k in tally]
    rows = [[st, k, *tally.get((st, k), [0] * len(PLANER_COUNTS))] for st, k in keys]
    for k in JOURNAL_KILDER:
        tot = [sum(v[i] for (st, kk), v in tally.items() if kk == k) for i in range(len(PLANER_COUNTS))]
        rows.append([I_ALT, k, *tot])
    out = pd.DataFrame(rows, columns=["site_type", "kilde", *PLANER_COUNTS])
    for c in PLANER_COUNTS:
        out[c] = out[c].astype(np.int64)
    for c in ("handleplan", "jobplan", "nogen_plan"):
        out["andel_" + c] = [_share(k, n) for k, n in zip(out[c], out["journaler"])]
    out["site_type"] = out["site_type"].astype(object)
    out["kilde"] = out["kilde"].astype(object)
    return out[PLANER_COLUMNS]


# --------------------------------------------------------------------------- legal basis per person (chapter 3)

#: the user's own answer (``tilbudstype``) that says they got an offer to tell about: at the site,
#: outside it, or another kind; not ordinary work and not «no offer» (the report's 43 of 61)
OFFERED: tuple[str, ...] = ("boform_vaerested", "udenfor", "andet")
LAB_COLUMNS = ["site_type", "med_tilbud", "med_journal", "lab", "andel_lab", "andel_lab_journal"]


def lab_personer(journal_df: pd.DataFrame, wide_df: pd.DataFrame) -> pd.DataFrame:
    """The report's «Ud af de 43 personer der har fået et tilbud som de fortæller om i interviewet, kan
    det af journaler ses, at de 22 er givet med henvisning til Lov om aktiv beskæftigelsespolitik»,
    per person and by the user's site type, then ``i_alt``:

    * ``med_tilbud`` — users whose own ``tilbudstype`` is one of `OFFERED`;
    * ``med_journal`` — of them, those with at least one case file read (any source);
    * ``lab`` — of them, those with a file giving ``lovgrundlag`` = ``lab`` (one is enough: a person
      is counted once however many files say so);
    * ``andel_lab = lab / med_tilbud`` (the report's 22 / 43), ``andel_lab_journal = lab / med_journal``.
    """
    _need(journal_df, ("respondent_id", "lovgrundlag"), "Journaludtrækket")
    read = {str(r) for r in journal_df["respondent_id"] if not _blank(r)}
    lab = {str(r) for r, v in zip(journal_df["respondent_id"], journal_df["lovgrundlag"])
           if not _blank(r) and _t(v) == "lab"}
    types = _user_site_types(wide_df)
    offered = [str(r) for r, v in zip(wide_df.get("respondent_id", []), wide_df.get("tilbudstype", []))
               if _t(v) in OFFERED] if {"respondent_id", "tilbudstype"} <= set(wide_df.columns) else []
    tally: dict[str, list[int]] = {}
    for rid in offered:
        c = tally.setdefault(types.get(rid, UOPLYST), [0, 0, 0])
        c[0] += 1
        c[1] += rid in read
        c[2] += rid in lab
    keys = [*SITE_TYPES, *([UOPLYST] if UOPLYST in tally else [])]
    rows = [[k, *tally.get(k, [0, 0, 0])] for k in keys]
    rows.append([I_ALT, *[sum(r[i] for r in rows) for i in (1, 2, 3)]])
    out = pd.DataFrame(rows, columns=LAB_COLUMNS[:4])
    for c in LAB_COLUMNS[1:4]:
        out[c] = out[c].astype(np.int64)
    out["andel_lab"] = [_share(k, n) for k, n in zip(out["lab"], out["med_tilbud"])]
    out["andel_lab_journal"] = [_share(k, n) for k, n in zip(out["lab"], out["med_journal"])]
    out["site_type"] = out["site_type"].astype(object)
    return out[LAB_COLUMNS]


# --------------------------------------------------------------------------- agreement (section 7.4)

ENIGHED_COLUMNS = ["emne", "kode", "par", "n", "enige", "delvist", "uenige", "mangler", "andel_enige"]


#: the other informants whose account of a user is compared with the user's own (section 7.4)
COMPARED: dict[str, str] = {"enighed": "sagsbehandler", "enighed_alle": "sagsbehandler",
                            "enighed_kontaktperson": "kontaktperson"}
_META = frozenset({"respondent_id", "informant_id", "interviewer", "interview_date", "site", "site_type"})


def shared_topics(guide_user: Guide, guide_other: Guide) -> list[tuple[str, str, str]]:
    """Every closed item the two guides share with the same type and values (issue 14: 7.4 over all
    of them, not only the report's three): (topic, label, code), the report's topics by their names."""
    named = {code: (topic, label) for topic, label, code in COMPARE_TOPICS + EXTRA_TOPICS}
    out = []
    for code, item in guide_other.items.items():
        if code in _META or not item.is_select:
            continue
        try:
            check_comparable(code, guide_user, guide_other)
        except SourceError:
            continue
        topic, label = named.get(code, (code, guide_user.item(code).label))
        out.append((topic, label, code))
    return out


def enighed_bruger(wide_df: pd.DataFrame, other_df: pd.DataFrame, guide_user: Guide | None = None,
                   guide_other: Guide | None = None, topics: Iterable[str] | None = None, *,
                   informant: str = "sagsbehandler", all_shared: bool = False) -> pd.DataFrame:
    """Agreement between the user's own account and another informant's (the case worker's or the
    contact person's), per topic (section 7.4): the report's three topics, or (`all_shared`) every
    item the two guides share, then an ``i_alt`` row over all the topics' comparisons.

    A pair is an interview with the informant about a user in `wide_df`. Answers are compared code
    by code (`survey.sources.agreement`); a value outside the guide raises TableError.
    """
    gu = guide_user or guide_for("bruger")
    gc = guide_other or guide_for(informant)
    try:
        chosen = shared_topics(gu, gc) if all_shared else compare_topics(topics)
        for _, _, code in chosen:
            check_comparable(code, gu, gc)
    except SourceError as e:
        raise TableError(str(e)) from None
    sagsbehandler_df = other_df
    _need(sagsbehandler_df, ("respondent_id",),
          "Kontaktpersoninterviewene" if informant == "kontaktperson" else "Sagsbehandlerinterviewene")
    users = {}
    if "respondent_id" in wide_df.columns:  # only the users the other informant speaks of: at 10,000 users,
        # turning every row into a dict was the whole table's time (0.44 s, three times in the workbook)
        named = {str(v) for v in sagsbehandler_df["respondent_id"] if not _blank(v)}
        about = wide_df[wide_df["respondent_id"].map(str).isin(named)]
        users = {str(r["respondent_id"]): r for r in about.to_dict("records")}
    pairs = [(users[str(r["respondent_id"])], r) for r in sagsbehandler_df.to_dict("records")
             if not _blank(r.get("respondent_id")) and str(r["respondent_id"]) in users]
    rows = []
    for topic, _label, code in chosen:
        tally = dict.fromkeys(("enige", "delvist", "uenige", "mangler"), 0)
        for u, c in pairs:
            a, pa = gu.check_value(code, u.get(code))
            b, pb = gc.check_value(code, c.get(code))
            if pa is not None or pb is not None:
                p = pa or pb
                raise TableError(f"Ugyldigt svar på {code!r} for {u.get('respondent_id')}: {p.text('da')}.")
            tally[agreement(gu.item(code).type, a, b)] += 1
        n = len(pairs) - tally["mangler"]
        rows.append([topic, code, len(pairs), n, tally["enige"], tally["delvist"], tally["uenige"], tally["mangler"],
                     _share(tally["enige"], n)])
    if all_shared and rows:  # over every topic's comparisons
        sums = [sum(r[i] for r in rows) for i in range(2, 8)]
        rows.append([I_ALT, "", *sums, _share(sums[2], sums[1])])
    out = pd.DataFrame(rows, columns=ENIGHED_COLUMNS)
    for c in ENIGHED_COLUMNS[2:-1]:
        out[c] = out[c].astype(np.int64)
    out["andel_enige"] = out["andel_enige"].astype(float)
    return out


def topic_name(emne: object, kode: object) -> str:
    """A compared topic as the tables name it: the report's name, else the user guide's label;
    ``i_alt`` «I alt (alle emner)»."""
    if emne == I_ALT:
        return "I alt (alle emner)"
    lab = topic_label(emne)
    guide_u = guide_for("bruger")
    return guide_u.item(kode).label if lab == emne and kode in guide_u.items else str(lab)


def enighed_bruger_sagsbehandler(wide_df: pd.DataFrame, sagsbehandler_df: pd.DataFrame,
                                 guide_user: Guide | None = None, guide_cw: Guide | None = None,
                                 topics: Iterable[str] | None = None) -> pd.DataFrame:
    """The user's account and the case worker's on the report's three topics (section 7.4)."""
    return enighed_bruger(wide_df, sagsbehandler_df, guide_user, guide_cw, topics)


# --------------------------------------------------------------------------- population

def filter_site_type(site_type: str, wide_df: pd.DataFrame, frames: Mapping[str, pd.DataFrame | None]
                     ) -> tuple[pd.DataFrame, dict[str, pd.DataFrame | None]]:
    """The users of `site_type`, their sources and the leaders of those sites (and their reasons)."""
    keep = wide_df[wide_df["site_type"] == site_type] if "site_type" in wide_df.columns else wide_df[:0]
    ids = set(keep["respondent_id"]) if "respondent_id" in keep.columns else set()
    out: dict[str, pd.DataFrame | None] = {}
    for k, df in frames.items():
        if df is None:
            out[k] = None
        elif k == "leder" and "site_type" in df.columns:
            out[k] = df[df["site_type"] == site_type]
        elif "respondent_id" in df.columns:
            mask = df["respondent_id"].isin(ids)
            if "site" in df.columns and "site" in keep.columns:  # site-level reasons (leader)
                mask |= df["respondent_id"].map(_blank) & df["site"].isin(set(keep["site"]))
            out[k] = df[mask]
        else:
            out[k] = df
    return keep, out


# --------------------------------------------------------------------------- Markdown

def markdown_body(tid: str, t: pd.DataFrame) -> tuple[str, list[str]]:
    """(the Markdown table, the notes under it) for one of this module's tables (Danish labels)."""
    notes: list[str] = []
    if tid == "bilag_c":
        rows = []
        for r in t.itertuples():
            _typ, name = site_labels(r.site_type, r.site)
            rows.append([name, r.respondent_id] + [status_short(getattr(r, k)) for k in KILDER] + [r.noter or ""])
        body = md_table(["Boform/værested", "Bruger-id"] + [KILDE_LABELS[k] for k in KILDER] + ["Noter"], rows,
                        [False] * (len(KILDER) + 3))
        notes.append("X = foreligger; - = ikke oplyst. Journaler læses kun med brugerens tilladelse.")
    elif tid == "oversigt_interview":
        rows = []
        for r in t.itertuples():
            typ, name = site_labels(r.site_type, r.site)
            rows.append([typ, name, r.brugere, r.samtykke_givet, r.journal_kommune, r.journal_boform,
                         f"{r.sagsbehandler} ({r.sagsbehandler_konkret})", r.sagsbehandlere,
                         f"{r.kontaktperson} ({r.kontaktperson_konkret})", r.kontaktpersoner, r.leder])
        body = md_table(["Type", "Sted", "Brugere", "Tilladelse til journalindsigt", "Journal kommune",
                         "Journal boform", "Sagsbehandler-interview (konkrete)", "Sagsbehandlere (personer)",
                         "Kontaktperson-interview (konkrete)", "Kontaktpersoner (personer)", "Leder"], rows,
                        [False, False] + [True] * 9)
        notes.append("Interview og journaler tælles pr. bruger; «konkrete» = interview om den konkrete bruger "
                     "(ikke generelt). Personer tælles én gang, også når de er interviewet om flere brugere.")
    elif tid == "planer":
        rows = []
        for r in t.itertuples():
            typ = "I alt" if r.site_type == I_ALT else value_label(None, "site_type", r.site_type)
            rows.append([typ, journal_label(r.kilde), r.journaler, f"{r.handleplan} ({pct(r.andel_handleplan)})",
                         f"{r.jobplan} ({pct(r.andel_jobplan)})", r.begge, r.kun_jobplan,
                         f"{r.nogen_plan} ({pct(r.andel_nogen_plan)})"])
        body = md_table(["Brugere af", "Kilde", "Journaler", "Handleplan (§ 111)", "Jobplan", "Begge",
                         "Kun jobplan", "Nogen plan"], rows, [False, False] + [True] * 6)
        notes.append("Procent af journaler læst. Handleplan = egentlig handleplan efter serviceloven (§ 111); "
                     "opholdsplaner o.l. tælles ikke.")
        if int(t["uoplyst"].sum()):
            notes.append(f"{int(t.loc[t['site_type'] != I_ALT, 'uoplyst'].sum())} journaler uden svar om "
                         "handleplan eller jobplan er talt som «ikke fundet».")
    elif tid == "lab_personer":
        rows = [["I alt" if r.site_type == I_ALT else value_label(None, "site_type", r.site_type), r.med_tilbud,
                 r.med_journal, f"{r.lab} ({pct(r.andel_lab)})", pct(r.andel_lab_journal)] for r in t.itertuples()]
        body = md_table(["Brugere af", "Brugere med et tilbud", "Heraf med journal", "Givet efter LAB",
                         "LAB af dem med journal"], rows, [False] + [True] * 4)
        notes.append("Brugere med et tilbud = brugerens eget svar: tilbud på stedet, uden for stedet eller andet "
                     "(ikke ordinært arbejde, ikke intet tilbud). Givet efter LAB = mindst én journal angiver Lov "
                     "om en aktiv beskæftigelsesindsats; en person tælles én gang. Procent af brugere med et tilbud.")
    else:
        rows = [[topic_name(r.emne, r.kode), r.par, r.n, r.enige, r.delvist, r.uenige, r.mangler, pct(r.andel_enige)]
                for r in t.itertuples()]
        body = md_table(["Emne", "Par", "n", "Enige", "Delvist enige", "Uenige", "Mangler svar", "Andel enige"],
                        rows, [False] + [True] * 7)
        who = "kontaktperson" if COMPARED.get(tid) == "kontaktperson" else "sagsbehandler"
        notes.append(f"Et par = brugerens interview og et interview med brugerens {who}. n = par med svar "
                     "fra begge; delvist enige = flere svar, der overlapper. Koderne er de samme i de to guider.")
        if (t["emne"] == I_ALT).any():
            notes.append("I alt: alle emners sammenligninger lagt sammen (et par tælles én gang pr. emne).")
    return body, notes
