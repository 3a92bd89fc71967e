"""Triangulation (issue 7): the other sources about a respondent, as domain logic on plain data.

The report does not rest on the users' own interviews alone (section 3.2.1, chapters 5–7,
Bilag C): with the user's consent it reads the municipal and the boform case files
(journaler), interviews the case worker (sagsbehandler) and the contact person at the site
(kontaktperson), and interviews the leader of each site. This module holds what those sources
mean, independent of storage, so the store, the import, the app and the tables share it:

* the guide of each informant type (`guide_for`): survey/guide/<file>.xlsx, XLSForms like the
  user guide, written first by tools/make_guides_triangulation.py;
* the Bilag C vocabulary: the source columns (`KILDER`) and why a source is missing
  (`SOURCE_STATUS`, the report's own words: "Ingen sagsbehandler", "Ingen tilladelse", …);
* consent gating: a case file may only be opened when the user's ``consent_journal`` is ``ja``
  (`check_journal_allowed`, `check_journal_frame`), raising `JournalConsentError` (a
  `survey.store.StoreError`, so the app and the CLI show its Danish message as they show any);
* checking a frame of source rows before it is stored or imported (`check_source_frame`);
* the per-respondent source overview behind Bilag C (`source_status`) and its problems
  (`source_problems`);
* comparing the user's account with another's, code by code (`compare_accounts`, report 7.4),
  and all sources side by side for one respondent (`side_by_side`).

Data shapes (storage-independent)
---------------------------------
* the *wide frame* of the users (survey.store.load_wide): one row per respondent, guide codes;
* a *source frame* per informant type: one row per interview or file extraction, columns
  ``source_id`` (unique pseudonymous id of the source, e.g. ``SB-AMA-01``), ``informant``
  (``sagsbehandler``/``kontaktperson``/``leder``/``journal``) and that guide's codes — among them
  ``respondent_id`` (the user the source is about; for ``leder``: ``site`` and ``site_type``
  instead) and ``informant_id`` (pseudonym of the person interviewed, so one case worker
  interviewed about three users counts as one person);
* *reasons*: why a source is missing — columns ``kilde``, ``respondent_id`` (or ``site`` for
  ``leder``), ``status`` (a code of `SOURCE_STATUS`), ``note`` (free text such as "da pensionist").
"""
from __future__ import annotations

import os
import sys
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping, Sequence

from survey.guide import CPR_RE, DEFAULT_GUIDE, HIDDEN_DA, Guide, is_pseudonym, load_guide, multi_values, shown_value
from survey.errors import StoreError

if TYPE_CHECKING:  # the functions that build frames import pandas: the interview pages load none (start-up)
    import pandas as pd

GUIDE_DIR = Path(__file__).parent / "guide"

#: Informant types, in the order the report introduces them.
INFORMANTS: tuple[str, ...] = ("bruger", "sagsbehandler", "kontaktperson", "leder", "journal")
INFORMANT_LABELS: dict[str, str] = {
    "bruger": "Brugeren", "sagsbehandler": "Sagsbehandleren", "kontaktperson": "Kontaktpersonen",
    "leder": "Lederen", "journal": "Journalen",
}
GUIDE_FILES: dict[str, str] = {
    "bruger": DEFAULT_GUIDE.name, "sagsbehandler": "sagsbehandler.xlsx", "kontaktperson": "kontaktperson.xlsx",
    "leder": "leder.xlsx", "journal": "journal.xlsx",
}
#: What each informant's guide is linked to: a respondent (the user) or a site.
LINK: dict[str, str] = {"bruger": "respondent", "sagsbehandler": "respondent", "kontaktperson": "respondent",
                        "leder": "site", "journal": "respondent"}
#: Settings column naming the informant type of a guide (the user guide may lack it: then "bruger").
INFORMANT_SETTING = "brugerblik_informant"

#: Bilag C's four columns per respondent, plus the site-level leader interview.
KILDER: tuple[str, ...] = ("journal_kommune", "journal_boform", "sagsbehandler", "kontaktperson")
SITE_KILDER: tuple[str, ...] = ("leder",)
KILDE_LABELS: dict[str, str] = {
    "journal_kommune": "Journaloplysninger kommune", "journal_boform": "Journaloplysninger boform",
    "sagsbehandler": "Interview kommune", "kontaktperson": "Interview kontaktperson", "leder": "Interview leder",
}
#: The informant type (guide) behind each kilde.
KILDE_INFORMANT: dict[str, str] = {"journal_kommune": "journal", "journal_boform": "journal",
                                   "sagsbehandler": "sagsbehandler", "kontaktperson": "kontaktperson",
                                   "leder": "leder"}

#: Why a source is there or not — Bilag C's words. ``foreligger`` is Bilag C's "X",
#: ``ikke_oplyst`` its "-" (no reason given).
SOURCE_STATUS: dict[str, str] = {
    "foreligger": "Foreligger",
    "ej_relevant": "Ej relevant",
    "ingen_tilladelse": "Ingen tilladelse",
    "fejl_kommune": "Fejl i oplyst kommune",
    "sag_flyttet": "Sag flyttet til anden kommune efter samtykkeerklæring",
    "ingen_sagsbehandler": "Ingen sagsbehandler",
    "ingen_sag": "Ingen sag",
    "ordinaer_pensionist": "Ordinær pensionist",
    "foerer_ikke_journal": "Fører ikke journal",
    "ikke_tid": "Ikke tid",
    "ingen_kender_bruger": "Ingen kender brugeren",
    "kontaktperson_syg": "Kontaktperson blevet langtidssyg",
    "ikke_oplyst": "Ikke oplyst",
}
#: The statuses that make sense for each kilde (a reason outside these is refused).
STATUS_FOR: dict[str, tuple[str, ...]] = {
    "journal_kommune": ("foreligger", "ingen_tilladelse", "fejl_kommune", "sag_flyttet", "ingen_sag",
                        "ordinaer_pensionist", "ikke_oplyst"),
    "journal_boform": ("foreligger", "ej_relevant", "ingen_tilladelse", "foerer_ikke_journal", "ikke_oplyst"),
    "sagsbehandler": ("foreligger", "ingen_tilladelse", "fejl_kommune", "sag_flyttet", "ingen_sagsbehandler",
                      "ingen_sag", "ordinaer_pensionist", "ikke_tid", "ikke_oplyst"),
    "kontaktperson": ("foreligger", "ingen_tilladelse", "ingen_kender_bruger", "kontaktperson_syg", "ikke_tid",
                      "ikke_oplyst"),
    "leder": ("foreligger", "ikke_tid", "ikke_oplyst"),
}
STATUS_COLUMNS: list[str] = ["kilde", "site_type", "site", "respondent_id", "status", "note", "source_id",
                             "informant_id", "fokus"]
REASON_COLUMNS: list[str] = ["kilde", "respondent_id", "site", "status", "note"]
META_COLUMNS: tuple[str, ...] = ("source_id", "informant")

CONSENT_CODE = "consent_journal"
SITE_TYPES: tuple[str, ...] = ("boform", "vaerested")

#: Topics compared between the user's and another account (report 7.4): (topic, Danish label, code).
COMPARE_TOPICS: tuple[tuple[str, str, str], ...] = (
    ("tilbud", "Tilbuddet", "tilbudstype"),
    ("formaal", "Formålet med tilbuddet", "begrundelse"),
    ("hvem_bestemte", "Hvem bestemte", "hvem_bestemte"),
)
#: Further comparable topics (same code and list in the user guide and the other guides).
EXTRA_TOPICS: tuple[tuple[str, str, str], ...] = (
    ("problemer", "Brugerens sociale problemer", "problemer"),
    ("plan", "Handleplan eller jobplan", "plan"),
    ("nok_med_at_bestemme", "Nok med til at bestemme", "nok_med_at_bestemme"),
)
ENIGHED: tuple[str, ...] = ("enige", "delvist", "uenige", "mangler")
ENIGHED_LABELS: dict[str, str] = {"enige": "Enige", "delvist": "Delvist enige", "uenige": "Uenige",
                                  "mangler": "Mangler svar"}


class SourceError(StoreError):
    """A refused source (unknown informant, malformed frame, bad value …); Danish message."""


class JournalConsentError(SourceError):
    """A case file opened or imported without the user's consent to journal access."""

    def __init__(self, message: str, respondent_ids: Sequence[str] = ()):
        super().__init__(message)
        self.respondent_ids = list(respondent_ids)


# ----------------------------------------------------------------------------- guides

def _check_informant(informant: str) -> str:
    if informant not in INFORMANTS:
        raise SourceError(f"Ukendt informanttype {informant!r} — tilladt: {', '.join(INFORMANTS)}.")
    return informant


def guide_path(informant: str, guide_dir: str | os.PathLike | None = None) -> Path:
    """The guide file of an informant type (``bruger``: the user guide, honouring $BRUGERBLIK_GUIDE)."""
    _check_informant(informant)
    if informant == "bruger" and guide_dir is None:
        return Path(os.environ.get("BRUGERBLIK_GUIDE") or DEFAULT_GUIDE)
    return Path(guide_dir or GUIDE_DIR) / GUIDE_FILES[informant]


def guide_for(informant: str, guide_dir: str | os.PathLike | None = None) -> Guide:
    """Load and check the guide of `informant` (one of `INFORMANTS`).

    Raises `SourceError` for an unknown informant type or a guide whose settings name another
    informant type; `survey.guide.GuideError` (naming sheet and row) for a malformed workbook.
    """
    g = load_guide(guide_path(informant, guide_dir))
    found = informant_of(g)
    if found != informant:
        raise SourceError(f"Spørgeguiden {g.path} er til informanttypen {found!r}, ikke {informant!r} "
                          f"(ark 'settings', kolonne '{INFORMANT_SETTING}').")
    return g


def informant_of(guide: Guide) -> str:
    """The informant type a guide is for (settings column ``brugerblik_informant``; blank: ``bruger``)."""
    value = (guide.settings.get(INFORMANT_SETTING) or "bruger").strip().lower()
    if value not in INFORMANTS:
        raise SourceError(f"Spørgeguiden {guide.path}: ark 'settings', kolonne '{INFORMANT_SETTING}': "
                          f"{value!r} — tilladt: {', '.join(INFORMANTS)}.")
    return value


def guide_note(guide: Guide) -> str:
    """What the guide's settings say about where its questions come from (``brugerblik_note``)."""
    return guide.settings.get("brugerblik_note", "")


# ----------------------------------------------------------------------------- consent gating

def _blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and v.strip() == "") \
        or _is_na(v)


def _is_na(v: object) -> bool:
    """pandas' NA — which only exists once pandas is loaded (this module does not load it)."""
    pd = sys.modules.get("pandas")
    return pd is not None and v is pd.NA


def _text(v: object) -> str | None:
    return None if _blank(v) else str(v).strip()


CONSENT_QUESTION = "spørgsmålet om journalindsigt"   # the consent item (CONSENT_CODE) as a user is told of it
_CONSENT_SHOWN = {"ja": "Ja", "nej": "Nej"}           # its choices' labels in the guide


def consent_said(value: object, *, short: bool = False) -> str:
    """The user's answer on the consent to journal access in Danish words for a refusal — the question and the
    answer's label («Nej»), never the item's code or its stored value (a tester saw «consent_journal er 'nej'»
    beside the Danish words). `short`: for a list of respondents after the question was named."""
    v = _text(value)
    if v is None:
        return "ikke besvaret" if short else f"{CONSENT_QUESTION} i brugerens interview er ikke besvaret"
    shown = f"«{_CONSENT_SHOWN.get(v.lower(), v)}»"
    return f"svaret er {shown}" if short else f"svaret på {CONSENT_QUESTION} i brugerens interview er {shown}"


def check_journal_allowed(consent_value: object, respondent_id: str | None = None) -> None:
    """Refuse to open a case file unless the user's ``consent_journal`` is ``ja``.

    Raises `JournalConsentError` with a Danish message saying what was found and what is needed.
    """
    v = _text(consent_value)
    if v is not None and v.lower() == "ja":
        return
    who = f" for {respondent_id}" if respondent_id else ""
    raise JournalConsentError(
        f"Journalen{who} må ikke åbnes: brugeren har ikke givet tilladelse til journalindsigt "
        f"({consent_said(v)}; kun «Ja» giver adgang). Ret samtykket i brugerens interview, hvis "
        "brugeren har givet tilladelse.", [respondent_id] if respondent_id else [])


def consent_by_respondent(wide_df: pd.DataFrame) -> dict[str, str | None]:
    """respondent_id -> consent_journal (None = blank) from the users' wide frame."""
    if "respondent_id" not in wide_df.columns:
        return {}
    consent = wide_df[CONSENT_CODE] if CONSENT_CODE in wide_df.columns else [None] * len(wide_df)
    return {str(r): _text(c) for r, c in zip(wide_df["respondent_id"], consent) if not _blank(r)}


def check_journal_frame(journal_df: pd.DataFrame, wide_df: pd.DataFrame) -> None:
    """Refuse a frame of case-file extractions if any row's user has not consented (or is unknown).

    One `JournalConsentError` lists every refused respondent, so an import fails as a whole.
    """
    consent = consent_by_respondent(wide_df)
    refused: list[str] = []
    unknown: list[str] = []
    for rid in journal_df.get("respondent_id", ()):
        rid = _text(rid)
        if rid is None:
            continue
        if rid not in consent:
            unknown.append(rid)
        elif (consent[rid] or "").lower() != "ja":
            refused.append(f"{rid} ({consent_said(consent[rid], short=True)})")
    if refused or unknown:
        parts = []
        if refused:
            parts.append("brugeren har ikke givet tilladelse til journalindsigt: " + ", ".join(sorted(set(refused))))
        if unknown:
            parts.append("ukendt respondent (intet brugerinterview, så intet samtykke): " + ", ".join(sorted(set(unknown))))
        raise JournalConsentError(f"Journaludtræk afvist — kun «Ja» på {CONSENT_QUESTION} giver adgang; "
                                  + "; ".join(parts) + ".",
                                  sorted({r.split(" ")[0] for r in refused} | set(unknown)))


# ----------------------------------------------------------------------------- source frames

def check_pseudonym(value: object, what: str = "id") -> str:
    """A pseudonymous id as stored (letters, digits, - _ ., at most 40), never a CPR number."""
    v = _text(value)
    if v is None:
        raise SourceError(f"{what} mangler — tilladt: pseudonym af bogstaver, tal, - _ . (højst 40 tegn)")
    v = unicodedata.normalize("NFKC", v).strip()  # as a respondent's id: «ＫＰ-1» is «KP-1»
    if CPR_RE.search(v):  # an id is never quoted back (it may be a name or a CPR number)
        raise SourceError(f"{what} ligner et CPR-nummer — tilladt: pseudonym, aldrig navn eller CPR-nummer")
    if not is_pseudonym(v):
        raise SourceError(f"{what} er ikke et pseudonym — tilladt: pseudonym af latinske bogstaver og æøå, tal og "
                          "- _ . inde i id'et (højst 40 tegn), aldrig navn eller CPR-nummer")
    return v


def _value_text(item, raw: object) -> str:
    """«værdi V — » for a refused value a message may show (codes, numbers, dates the guide does not
    mark as identifying; masked), else "". `item`: an item type or the `survey.guide.Item`."""
    shown, hidden = shown_value(item, raw)
    if hidden:
        return f"værdi {HIDDEN_DA} — "
    return f"værdi {shown} — " if shown is not None else ""


def check_source_frame(df: pd.DataFrame, guide: Guide, wide_df: pd.DataFrame | None = None, *,
                       row_numbers: Sequence[int] | None = None) -> pd.DataFrame:
    """Check and canonicalise a frame of source rows for `guide` (as an import would).

    Every cell goes through `Guide.check_value`; ``source_id`` must be a unique pseudonym,
    ``informant_id`` a pseudonym, required items answered, the link (``respondent_id``, or
    ``site``/``site_type`` for leaders) present. With `wide_df`, links must name known users and
    a case-file frame must pass `check_journal_frame` (consent). Every problem is collected and
    raised as one `SourceError` naming row and code; the refusal of a journal for lack of
    consent is a `JournalConsentError`. Returns the canonical frame (meta columns first, then
    the guide's codes; cells str or None). `row_numbers`: the spreadsheet row of each row of `df`
    (default 2, 3, … — row 1 is the header), as an import names them.
    """
    informant = informant_of(guide)
    problems: list[str] = []
    missing = [c for c in ("source_id",) if c not in df.columns]
    link = ["site", "site_type"] if LINK[informant] == "site" else ["respondent_id"]
    missing += [c for c in link if c not in df.columns]
    if missing:
        raise SourceError(f"Kilderne kan ikke indlæses: kolonne(r) mangler: {', '.join(missing)}.")
    unknown_cols = [c for c in df.columns if c not in guide.items and c not in META_COLUMNS]
    if unknown_cols:
        problems.append(f"ukendte kolonner (ikke koder i {guide.form_id}): {', '.join(map(str, unknown_cols))}")
    rows = []
    seen: dict[str, int] = {}
    numbers = list(row_numbers) if row_numbers is not None else list(range(2, len(df) + 2))  # row 1 = header
    for n, rec in zip(numbers, df.to_dict("records")):
        out: dict[str, str | None] = {"source_id": None, "informant": informant}
        try:
            sid = check_pseudonym(rec.get("source_id"), "source_id")
            if sid in seen:
                problems.append(f"række {n}: source_id står allerede i række {seen[sid]}")
            seen[sid] = n
            out["source_id"] = sid
        except SourceError as e:
            problems.append(f"række {n}: {e}")
        inf = _text(rec.get("informant"))
        if inf is not None and inf != informant:
            problems.append(f"række {n}, kolonne 'informant': {_value_text('select_one', inf)}tilladt: {informant} "
                            f"(guiden {guide.form_id})")
        for code, item in guide.items.items():
            value, problem = guide.check_value(code, rec.get(code))
            if problem is not None:
                problems.append(f"række {n}, kolonne '{code}': {_value_text(item, rec.get(code))}"
                                f"{problem.text('da')}")
            elif value is None and item.required:
                problems.append(f"række {n}, kolonne '{code}': mangler (påkrævet)")
            out[code] = value
        if "informant_id" in guide.items and out.get("informant_id") is not None:
            try:
                check_pseudonym(out["informant_id"], "informant_id")
            except SourceError as e:
                problems.append(f"række {n}: {e}")
        rows.append(out)
    if problems:
        raise SourceError(f"Kilderne ({guide.form_id}) kan ikke indlæses:\n" + "\n".join(f"  - {p}" for p in problems))
    import pandas as pd  # reason: start-up time (see the module's imports)

    out_df = pd.DataFrame(rows, columns=list(META_COLUMNS) + guide.codes, dtype=object)
    if wide_df is not None:
        if LINK[informant] == "respondent":
            known = set(consent_by_respondent(wide_df))
            if informant == "journal":
                check_journal_frame(out_df, wide_df)
            unknown = sorted(set(out_df["respondent_id"].dropna()) - known)
            if unknown:
                raise SourceError("Kilderne henviser til ukendte respondenter (intet brugerinterview): "
                                  + ", ".join(unknown))
    return out_df


def _rows_by(df: pd.DataFrame | None, key: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    if df is None or len(df) == 0 or key not in df.columns:
        return out
    for rec in df.to_dict("records"):
        k = _text(rec.get(key))
        if k is not None:
            out.setdefault(k, []).append(rec)
    return out


def _join(recs: list[dict], col: str) -> str | None:
    vals = [v for v in dict.fromkeys(_text(r.get(col)) for r in recs) if v is not None]
    return ";".join(vals) or None


def _reasons(reasons: pd.DataFrame | None) -> dict[tuple[str, str], tuple[str, str | None]]:
    out: dict[tuple[str, str], tuple[str, str | None]] = {}
    if reasons is None or len(reasons) == 0:
        return out
    problems = []
    for n, rec in enumerate(reasons.to_dict("records"), start=2):
        kilde, status = _text(rec.get("kilde")), _text(rec.get("status"))
        key = _text(rec.get("site")) if kilde in SITE_KILDER else _text(rec.get("respondent_id"))
        if kilde not in STATUS_FOR:
            problems.append(f"række {n}, kolonne 'kilde': {kilde!r} — tilladt: {', '.join(STATUS_FOR)}")
            continue
        if status not in STATUS_FOR[kilde] or status == "foreligger":
            allowed = [s for s in STATUS_FOR[kilde] if s != "foreligger"]
            problems.append(f"række {n}, kolonne 'status': {status!r} for {kilde} — tilladt: {', '.join(allowed)}")
            continue
        if key is None:
            problems.append(f"række {n}: {'site' if kilde in SITE_KILDER else 'respondent_id'} mangler")
            continue
        out[(kilde, key)] = (status, _text(rec.get("note")))
    if problems:
        raise SourceError("Årsagerne til manglende kilder kan ikke læses:\n" + "\n".join(f"  - {p}" for p in problems))
    return out


def source_status(wide_df: pd.DataFrame, frames: Mapping[str, pd.DataFrame | None],
                  reasons: pd.DataFrame | None = None) -> pd.DataFrame:
    """Which sources exist for each respondent (and leader per site), or why not — Bilag C's data.

    `frames`: informant type -> source frame (``sagsbehandler``, ``kontaktperson``, ``leder``,
    ``journal``; missing keys = no such sources). `reasons`: why a source is missing (columns
    `REASON_COLUMNS`). A source that exists is ``foreligger`` (a given reason is then ignored;
    `source_problems` reports the conflict). A missing one takes its reason; without one: a boform
    file at a værested is ``ej_relevant``, a file of a user without consent ``ingen_tilladelse``,
    anything else ``ikke_oplyst`` (Bilag C's "-").

    Returns columns `STATUS_COLUMNS`, one row per respondent × kilde (`KILDER`) and per site ×
    ``leder``; sites in site-type order then by name, respondents by id. ``source_id``,
    ``informant_id`` and ``fokus`` join several sources with ``;``.
    """
    why = _reasons(reasons)
    journal = frames.get("journal")
    by_kilde: dict[str, dict[str, list[dict]]] = {
        "sagsbehandler": _rows_by(frames.get("sagsbehandler"), "respondent_id"),
        "kontaktperson": _rows_by(frames.get("kontaktperson"), "respondent_id"),
        "leder": _rows_by(frames.get("leder"), "site"),
    }
    for k, src in (("journal_kommune", "kommune"), ("journal_boform", "boform")):
        sub = journal[journal["kilde"] == src] if journal is not None and "kilde" in journal.columns else None
        by_kilde[k] = _rows_by(sub, "respondent_id")
    consent = consent_by_respondent(wide_df)
    # the three columns read below only: every column of 10,000 users as dicts took 0.44 s
    users = (wide_df[[c for c in ("respondent_id", "site", "site_type") if c in wide_df.columns]].to_dict("records")
             if "respondent_id" in wide_df.columns else [])

    def order(site_type: str | None, site: str | None) -> tuple:
        return (SITE_TYPES.index(site_type) if site_type in SITE_TYPES else len(SITE_TYPES),
                (site or "").casefold())

    users.sort(key=lambda r: order(_text(r.get("site_type")), _text(r.get("site"))) + (str(r["respondent_id"]),))
    rows: list[dict] = []

    def row(kilde: str, site_type, site, rid, recs, key) -> dict:
        if recs:
            status, note = "foreligger", None
        elif (kilde, key) in why:
            status, note = why[(kilde, key)]
        elif kilde == "journal_boform" and site_type == "vaerested":
            status, note = "ej_relevant", None
        elif kilde.startswith("journal_") and (consent.get(rid) or "").lower() != "ja":
            status = "ingen_tilladelse"
            note = "samtykke ikke registreret" if consent.get(rid) is None else None
        else:
            status, note = "ikke_oplyst", None
        return {"kilde": kilde, "site_type": site_type, "site": site, "respondent_id": rid, "status": status,
                "note": note, "source_id": _join(recs, "source_id"), "informant_id": _join(recs, "informant_id"),
                "fokus": _join(recs, "fokus")}

    sites: dict[str, str | None] = {}
    for u in users:
        rid, site, st = str(u["respondent_id"]), _text(u.get("site")), _text(u.get("site_type"))
        if site is not None:
            sites.setdefault(site, st)
        for kilde in KILDER:
            rows.append(row(kilde, st, site, rid, by_kilde[kilde].get(rid, []), rid))
    for site, recs in by_kilde["leder"].items():
        sites.setdefault(site, _text(recs[0].get("site_type")))
    for (kilde, key) in why:
        if kilde in SITE_KILDER:
            sites.setdefault(key, None)
    for site in sorted(sites, key=lambda s: order(sites[s], s)):
        rows.append(row("leder", sites[site], site, None, by_kilde["leder"].get(site, []), site))
    import pandas as pd  # reason: start-up time (see the module's imports)

    return pd.DataFrame(rows, columns=STATUS_COLUMNS, dtype=object)


def source_problems(wide_df: pd.DataFrame, frames: Mapping[str, pd.DataFrame | None],
                    reasons: pd.DataFrame | None = None) -> list[str]:
    """What is wrong or doubtful in a set of sources, in Danish (empty list: nothing).

    Errors: a case file for a user without consent; a source about an unknown respondent.
    Warnings ("Advarsel: …"): a case-worker interview about a user without consent (Bilag C
    records "Ingen tilladelse" for those too); a reason given for a source that exists;
    ``ingen_tilladelse`` for a user who did consent.
    """
    out: list[str] = []
    consent = consent_by_respondent(wide_df)
    for informant in ("sagsbehandler", "kontaktperson", "journal"):
        df = frames.get(informant)
        if df is None or len(df) == 0:
            continue
        for rec in df.to_dict("records"):
            rid, sid = _text(rec.get("respondent_id")), _text(rec.get("source_id"))
            if rid is None:
                out.append(f"{sid}: respondent_id mangler")
            elif rid not in consent:
                out.append(f"{sid}: ukendt respondent {rid!r} (intet brugerinterview)")
            elif informant == "journal" and (consent[rid] or "").lower() != "ja":
                out.append(f"{sid}: journal for {rid} uden tilladelse til journalindsigt "
                           f"({consent_said(consent[rid])})")
            elif informant == "sagsbehandler" and (consent[rid] or "").lower() != "ja":
                out.append(f"Advarsel: {sid}: sagsbehandlerinterview om {rid}, som ikke har givet tilladelse "
                           "(Bilag C: «Ingen tilladelse»)")
    status = source_status(wide_df, frames, reasons)
    why = _reasons(reasons)
    for r in status.itertuples():
        key = r.site if r.kilde in SITE_KILDER else r.respondent_id
        if r.status == "foreligger" and (r.kilde, key) in why:
            out.append(f"Advarsel: {key}, {KILDE_LABELS[r.kilde]}: kilden foreligger, men der er også angivet "
                       f"årsagen «{SOURCE_STATUS[why[(r.kilde, key)][0]]}»")
        if r.status == "ingen_tilladelse" and r.kilde in KILDER and (consent.get(r.respondent_id) or "") == "ja":
            out.append(f"Advarsel: {key}, {KILDE_LABELS[r.kilde]}: «Ingen tilladelse», men {consent_said('ja')}")
    return out


# ----------------------------------------------------------------------------- comparing accounts

def check_comparable(code: str, guide_user: Guide, guide_other: Guide) -> None:
    """Refuse (`SourceError`) an item that is not in both guides with the same type and choice values."""
    for g in (guide_user, guide_other):
        if code not in g.items:
            raise SourceError(f"Koden {code!r} findes ikke i spørgeguiden {g.form_id}; kan ikke sammenlignes.")
    a, b = guide_user.item(code), guide_other.item(code)
    if a.type != b.type or set(a.choice_values()) != set(b.choice_values()):
        raise SourceError(f"Koden {code!r} kan ikke sammenlignes kode for kode: {guide_user.form_id} har "
                          f"{a.type} ({', '.join(a.choice_values())}), {guide_other.form_id} har "
                          f"{b.type} ({', '.join(b.choice_values())}).")


def _canon(guide: Guide, code: str, raw: object, who: str) -> str | None:
    value, problem = guide.check_value(code, raw)
    if problem is not None:
        raise SourceError(f"{who}s svar på {code!r}: {raw!r} — {problem.text('da')}")
    return value


def agreement(item_type: str, a: str | None, b: str | None) -> str:
    """``enige``/``delvist``/``uenige``/``mangler`` for two canonical answers to the same item.

    Blank on either side: ``mangler``. select_one: equal or not. select_multiple: the same set
    (``enige``), overlapping (``delvist``) or disjoint (``uenige``).
    """
    if a is None or b is None:
        return "mangler"
    if item_type == "select_multiple":
        sa, sb = set(multi_values(a)), set(multi_values(b))
        return "enige" if sa == sb else "delvist" if sa & sb else "uenige"
    return "enige" if a == b else "uenige"


def _label(guide: Guide, code: str, value: str | None) -> str | None:
    if value is None:
        return None
    item = guide.item(code)
    return ", ".join(item.choice_label(v) for v in multi_values(value)) if item.type == "select_multiple" \
        else item.choice_label(value)


def compare_topics(topics: Iterable[str] | None) -> list[tuple[str, str, str]]:
    """(topic, label, code) for topic codes of `COMPARE_TOPICS`/`EXTRA_TOPICS` (None: the three of 7.4)."""
    all_topics = {t[0]: t for t in COMPARE_TOPICS + EXTRA_TOPICS}
    if topics is None:
        return list(COMPARE_TOPICS)
    out = []
    for t in topics:
        if t not in all_topics:
            raise SourceError(f"Ukendt emne {t!r} — tilladt: {', '.join(all_topics)}.")
        out.append(all_topics[t])
    return out


def compare_accounts(user_answers: Mapping[str, object], caseworker_answers: Mapping[str, object],
                     guide_user: Guide, guide_cw: Guide, topics: Iterable[str] | None = None) -> list[dict]:
    """The user's own account and the case worker's (or any other informant's with the same codes)
    on the offer, its purpose and who decided (report 7.4), code by code.

    Returns one dict per topic: ``emne`` (topic code), ``emne_label`` (Danish), ``kode`` (item
    code), ``brugerens_svar`` / ``sagsbehandlerens_svar`` (canonical codes, None = blank),
    ``brugerens_svar_label`` / ``sagsbehandlerens_svar_label`` (Danish labels; several joined
    with ", ") and ``vurdering`` (see `agreement`). `topics`: codes of `COMPARE_TOPICS` /
    `EXTRA_TOPICS` (default: the three of 7.4). Raises `SourceError` if an item is not
    comparable (missing, or a different choice list) or an answer is not allowed.
    """
    rows = []
    for topic, label, code in compare_topics(topics):
        check_comparable(code, guide_user, guide_cw)
        a = _canon(guide_user, code, user_answers.get(code), "Brugeren")
        b = _canon(guide_cw, code, caseworker_answers.get(code), INFORMANT_LABELS[informant_of(guide_cw)])
        rows.append({"emne": topic, "emne_label": label, "kode": code,
                     "brugerens_svar": a, "sagsbehandlerens_svar": b,
                     "brugerens_svar_label": _label(guide_user, code, a),
                     "sagsbehandlerens_svar_label": _label(guide_cw, code, b),
                     "vurdering": agreement(guide_user.item(code).type, a, b)})
    return rows


SIDE_COLUMNS: tuple[str, ...] = ("bruger", "sagsbehandler", "kontaktperson", "journal_kommune", "journal_boform")


def side_by_side(respondent_id: str, wide_df: pd.DataFrame, frames: Mapping[str, pd.DataFrame | None],
                 guides: Mapping[str, Guide] | None = None,
                 topics: Iterable[str] | None = ("tilbud", "formaal", "hvem_bestemte", "problemer", "plan")
                 ) -> pd.DataFrame:
    """All sources about one respondent side by side on the comparable topics (issue 7's view).

    Columns: ``emne``, ``emne_label``, then for each source of `SIDE_COLUMNS` its answer as Danish
    label text (``None``: no such source or blank) and, for the others, ``<source>_vurdering``
    against the user's own answer (`agreement`; blank when the source does not exist). Several
    interviews of one kind: the first by ``source_id``. The case file has no ``hvem_bestemte``: its
    row shows who took part in the decision according to the file (``deltagere_beslutning``),
    without a verdict.
    """
    guides = dict(guides or {})
    for inf in ("bruger", "sagsbehandler", "kontaktperson", "journal"):
        guides.setdefault(inf, guide_for(inf))
    user_rows = wide_df[wide_df["respondent_id"] == respondent_id] if "respondent_id" in wide_df.columns else wide_df[:0]
    if len(user_rows) == 0:
        raise SourceError(f"Ukendt respondent {respondent_id!r}.")
    answers: dict[str, dict | None] = {"bruger": user_rows.iloc[0].to_dict()}

    def first(df: pd.DataFrame | None, extra=None) -> dict | None:
        if df is None or len(df) == 0 or "respondent_id" not in df.columns:
            return None
        sub = df[df["respondent_id"] == respondent_id]
        if extra is not None:
            sub = sub[sub[extra[0]] == extra[1]]
        return None if len(sub) == 0 else sub.sort_values("source_id").iloc[0].to_dict()

    answers["sagsbehandler"] = first(frames.get("sagsbehandler"))
    answers["kontaktperson"] = first(frames.get("kontaktperson"))
    answers["journal_kommune"] = first(frames.get("journal"), ("kilde", "kommune"))
    answers["journal_boform"] = first(frames.get("journal"), ("kilde", "boform"))
    guide_of = {"bruger": guides["bruger"], "sagsbehandler": guides["sagsbehandler"],
                "kontaktperson": guides["kontaktperson"], "journal_kommune": guides["journal"],
                "journal_boform": guides["journal"]}
    gu = guides["bruger"]
    rows = []
    for topic, label, code in compare_topics(topics):
        row: dict[str, object] = {"emne": topic, "emne_label": label}
        mine = _canon(gu, code, answers["bruger"].get(code), "Brugeren") if code in gu.items else None
        row["bruger"] = _label(gu, code, mine) if code in gu.items else None
        for src in SIDE_COLUMNS[1:]:
            g, ans = guide_of[src], answers[src]
            verdict = None
            text = None
            if ans is not None and code in g.items:
                check_comparable(code, gu, g)
                theirs = _canon(g, code, ans.get(code), src)
                text = _label(g, code, theirs)
                verdict = agreement(gu.item(code).type, mine, theirs)
            elif ans is not None and code == "hvem_bestemte" and "deltagere_beslutning" in g.items:
                text = _label(g, "deltagere_beslutning", _canon(g, "deltagere_beslutning",
                                                                ans.get("deltagere_beslutning"), src))
            row[src] = text
            row[f"{src}_vurdering"] = verdict
        rows.append(row)
    cols = ["emne", "emne_label", "bruger"] + [c for s in SIDE_COLUMNS[1:] for c in (s, f"{s}_vurdering")]
    import pandas as pd  # reason: start-up time (see the module's imports)

    return pd.DataFrame(rows, columns=cols, dtype=object)
