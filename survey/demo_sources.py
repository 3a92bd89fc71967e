"""The demo study's other sources (issue 7): SYNTHETIC case-worker, contact-person and leader
interviews and case-file extractions for the 61 synthetic respondents of `survey.demo_users`.

Nothing here describes a real person, case worker, file or municipality's handling of a case:
every row is invented (interviewer/reader "Demo (syntetisk)"). What is *not* invented is the
shape, taken from the report (seeds/004):

* Section 6.3, exactly (through `report.triangulation.planer`): among the municipal files of
  boform users, § 111 handleplaner in 5 of 25 and jobplaner in 6 of 25, 4 of the 6 jobplaner for
  users without a handleplan, so some plan in 9 of 25; among drop-in (værested) users 3 of 23 and
  8 of 23, 7 of the 8 without a handleplan, some plan in 10 of 23.
* Section 6.3's boform files: "handleplaner … for 3 ud af 5 beboere" is read as a share. The
  demo has 24 boform files (see below), so 14 of 24 (58 %) — the count nearest 3/5 — and one
  jobplan in a boform file ("findes stort set kun i kommunernes journaler").
* Chapter 6: 34 users' case workers interviewed, 28 different case workers, about half of the
  interviews general (17 konkret, 17 generelt); of the concrete ones nearly all say the decision
  was taken jointly (one: the case worker alone, one: the user alone) and only two say the user
  did not get the right offer (6.2).
* Chapter 5: 42 users' contact persons interviewed, 21 persons (at each værested one person for
  all; at Møltrup the leader; at Solstrålen the case worker, Bilag C's "X (samme som kom.)"), plus
  five KFUM users covered by one general interview (footnote 12); 12 leaders.
* Bilag C's reasons, per respondent, where the demo's consent allows them (below).

Where the demo cannot follow the report, it says so:
* Consent. Case files are only extracted where `consent_journal` is ``ja`` (the toolkit refuses
  anything else). The demo's consent follows the "Oversigt over interview" (refusals: AMA-02,
  REG-05, OTT-02; BAS-01 not recorded), which is not quite Bilag C's (Bilag C shows files for
  Amadeus 2 and Otterup 2 was "-", and "Ingen tilladelse" for Solvang 4). The demo takes the
  refusals from the overview and Bilag C's other reasons as they stand: Ingen tilladelse for
  AMA-02, REG-05, OTT-02 and BAS-01; Solvang 4 (SLV-04, consent ja in the demo) is "ikke oplyst"
  with a note.
* 23 municipal files of værested users (6.3) vs. 25 X's in Bilag C's værested rows: with AMA-02
  refused and Bilag C's "Ordinær pensionist" (AMA-04, OTT-06) and "-" (SST-04) the demo has 24;
  the 24th is taken away by giving LIV-05 Bilag C's "Sag flyttet til anden kommune efter
  samtykkeerklæring". The 25 boform files are exactly Bilag C's.
* Boform files: Bilag C has 25 (Basen 1 included); BAS-01 has no recorded consent, so 24.
* Case-worker interviews: Bilag C's X's, except AMA-02 (refused consent, so no interview about
  him: the demo does not interview case workers about users without consent) — replaced by
  BAS-05 (Bilag C: "Ikke tid") to keep 34.
* Contact persons: Bilag C's X's number 43 + 5 KFUM; the text says 42. OTT-02 (who had just moved,
  Bilag C: "Ingen SB da lige flyttet") is "Ingen kender brugeren" in the demo.
"""
from __future__ import annotations

import datetime as dt
from functools import lru_cache

import pandas as pd

from survey.demo_users import INTERVIEWER, SITES, build_demo_frame, roster
from survey.guide import Guide, load_guide
from survey.sources import check_source_frame, guide_for

SYNTHETIC = "SYNTETISKE demodata — ingen virkelige personer, sagsbehandlere eller journaler"
SITE_BY_NAME = {s.name: s for s in SITES}
KOMMUNE = {"STD": "Odense", "KFU": "København", "MOE": "Herning", "TRE": "Aarhus", "BAS": "Aarhus",
           "SLV": "Glostrup", "AMA": "København", "LIN": "København", "REG": "Kolding", "LIV": "Aarhus",
           "SST": "Fredericia", "OTT": "Otterup"}

# ----------------------------------------------------------------------------- who was reached
# One line per respondent; columns: municipal file, boform file, case worker, contact person.
#   X          the source exists
#   X:ID:fokus case-worker interview with case worker ID (SAGSB-nn), konkret/generelt
#   X:ID       contact-person interview with person ID (konkret unless the site is KFUM)
#   a status   code of survey.sources.SOURCE_STATUS (why not); notes in NOTES
#   .          not applicable (boform file at a værested: ej_relevant, derived)
BILAG_C = """
id     jk                 jb                  sb                       kp
STD-01 fejl_kommune       X                   fejl_kommune             X:KONTAKT-STD-1
STD-02 X                  X                   ingen_sagsbehandler      X:KONTAKT-STD-1
STD-03 X                  X                   X:SAGSB-01:generelt      X:KONTAKT-STD-2
STD-04 X                  X                   X:SAGSB-02:generelt      X:KONTAKT-STD-2
STD-05 sag_flyttet        X                   sag_flyttet              X:KONTAKT-STD-3
STD-06 X                  X                   X:SAGSB-03:generelt      X:KONTAKT-STD-3
STD-07 X                  X                   ingen_sagsbehandler      X:KONTAKT-STD-4
KFU-01 X                  X                   X:SAGSB-04:konkret       X:KONTAKT-KFU
KFU-02 X                  X                   X:SAGSB-05:konkret       X:KONTAKT-KFU
KFU-03 X                  X                   X:SAGSB-06:konkret       X:KONTAKT-KFU
KFU-04 X                  X                   X:SAGSB-07:konkret       X:KONTAKT-KFU
KFU-05 X                  X                   X:SAGSB-08:konkret       X:KONTAKT-KFU
MOE-01 X                  foerer_ikke_journal X:SAGSB-09:generelt      X:LEDER-MOE
MOE-02 X                  foerer_ikke_journal X:SAGSB-10:generelt      X:LEDER-MOE
MOE-03 X                  foerer_ikke_journal X:SAGSB-11:generelt      X:LEDER-MOE
MOE-04 X                  foerer_ikke_journal X:SAGSB-12:generelt      X:LEDER-MOE
MOE-05 X                  foerer_ikke_journal X:SAGSB-13:generelt      X:LEDER-MOE
TRE-01 X                  X                   ikke_tid                 X:KONTAKT-TRE-1
TRE-02 X                  X                   ikke_tid                 X:KONTAKT-TRE-1
TRE-03 X                  X                   ikke_tid                 X:KONTAKT-TRE-2
TRE-04 X                  X                   ikke_tid                 X:KONTAKT-TRE-3
TRE-05 X                  ikke_oplyst         ikke_tid                 X:KONTAKT-TRE-4
BAS-01 ingen_tilladelse   ingen_tilladelse    ingen_tilladelse         X:KONTAKT-BAS-1
BAS-02 X                  X                   X:SAGSB-14:generelt      X:KONTAKT-BAS-1
BAS-03 X                  X                   ikke_tid                 X:KONTAKT-BAS-2
BAS-04 X                  X                   X:SAGSB-15:generelt      X:KONTAKT-BAS-3
BAS-05 X                  X                   X:SAGSB-16:konkret       X:KONTAKT-BAS-4
SLV-01 X                  X                   X:SAGSB-17:generelt      X:KONTAKT-SLV-1
SLV-02 fejl_kommune       X                   fejl_kommune             X:KONTAKT-SLV-1
SLV-03 fejl_kommune       X                   fejl_kommune             X:KONTAKT-SLV-2
SLV-04 ikke_oplyst        X                   ikke_oplyst              X:KONTAKT-SLV-3
AMA-01 X                  .                   X:SAGSB-18:generelt      X:KONTAKT-AMA
AMA-02 ingen_tilladelse   .                   ingen_tilladelse         ingen_kender_bruger
AMA-03 X                  .                   X:SAGSB-19:generelt      X:KONTAKT-AMA
AMA-04 ordinaer_pensionist .                  X:SAGSB-20:generelt      ikke_oplyst
LIN-01 X                  .                   X:SAGSB-21:konkret       kontaktperson_syg
LIN-02 X                  .                   X:SAGSB-21:konkret       kontaktperson_syg
LIN-03 X                  .                   X:SAGSB-22:konkret       kontaktperson_syg
LIN-04 X                  .                   X:SAGSB-22:konkret       kontaktperson_syg
LIN-05 X                  .                   X:SAGSB-23:konkret       kontaktperson_syg
OTT-01 X                  .                   X:SAGSB-24:generelt      X:KONTAKT-OTT
OTT-02 ingen_tilladelse   .                   ingen_tilladelse         ingen_kender_bruger
OTT-03 X                  .                   X:SAGSB-25:generelt      X:KONTAKT-OTT
OTT-04 X                  .                   X:SAGSB-26:konkret       X:KONTAKT-OTT
OTT-05 X                  .                   X:SAGSB-27:generelt      X:KONTAKT-OTT
OTT-06 ordinaer_pensionist .                  ingen_sag                X:KONTAKT-OTT
LIV-01 X                  .                   ikke_tid                 X:KONTAKT-LIV
LIV-02 X                  .                   ikke_tid                 X:KONTAKT-LIV
LIV-03 X                  .                   ikke_tid                 ikke_oplyst
LIV-04 X                  .                   ikke_tid                 X:KONTAKT-LIV
LIV-05 sag_flyttet        .                   ikke_tid                 X:KONTAKT-LIV
REG-01 X                  .                   ingen_sagsbehandler      ikke_oplyst
REG-02 X                  .                   ingen_sagsbehandler      ikke_oplyst
REG-03 X                  .                   ingen_sagsbehandler      ikke_oplyst
REG-04 X                  .                   ingen_sagsbehandler      ikke_oplyst
REG-05 ingen_tilladelse   .                   ingen_tilladelse         ikke_oplyst
SST-01 X                  .                   X:SAGSB-28:konkret       X:SAGSB-28
SST-02 X                  .                   X:SAGSB-28:konkret       X:SAGSB-28
SST-03 X                  .                   X:SAGSB-28:konkret       X:SAGSB-28
SST-04 ikke_oplyst        .                   X:SAGSB-28:konkret       X:SAGSB-28
SST-05 X                  .                   X:SAGSB-28:konkret       X:SAGSB-28
"""
COLUMN_KILDE = {"jk": "journal_kommune", "jb": "journal_boform", "sb": "sagsbehandler", "kp": "kontaktperson"}

NOTES: dict[tuple[str, str], str] = {
    ("STD-02", "sagsbehandler"): "da pensionist",
    ("STD-07", "sagsbehandler"): "da pensionist",
    ("BAS-01", "journal_kommune"): "samtykke ikke registreret",
    ("BAS-01", "journal_boform"): "samtykke ikke registreret",
    ("BAS-01", "sagsbehandler"): "samtykke ikke registreret",
    ("SLV-04", "journal_kommune"): "Bilag C: «Ingen tilladelse»; demoens samtykke følger oversigten over interview",
    ("SLV-04", "sagsbehandler"): "Bilag C: «Ingen tilladelse»; demoens samtykke følger oversigten over interview",
    ("OTT-02", "kontaktperson"): "lige flyttet til området",
    ("OTT-06", "sagsbehandler"): "ordinær pensionist",
    ("LIV-05", "journal_kommune"): "demoens valg, så værestedsbrugerne har 23 kommunale journaler (afsnit 6.3)",
    **{(f"REG-0{i}", "sagsbehandler"): "i kommunen: sagen ligger i screeningsgruppen (afsnit 7.3)" for i in range(1, 5)},
}

# ----------------------------------------------------------------------------- plans (section 6.3)
# respondent -> (handleplan, jobplan) in the MUNICIPAL file; every other municipal file has neither.
KOMMUNE_PLANS: dict[str, tuple[bool, bool]] = {
    # boform users: handleplan 5, jobplan 6, both 2 -> some plan 9 of 25
    "STD-04": (True, False), "TRE-03": (True, False), "BAS-03": (True, False),
    "KFU-03": (True, True), "BAS-05": (True, True),
    "KFU-01": (False, True), "KFU-02": (False, True), "KFU-04": (False, True), "MOE-05": (False, True),
    # værested users: handleplan 3, jobplan 8, both 1 -> some plan 10 of 23
    "AMA-01": (True, False), "OTT-04": (True, False), "SST-05": (True, True),
    "LIN-02": (False, True), "LIV-01": (False, True), "LIV-02": (False, True), "LIV-03": (False, True),
    "LIV-04": (False, True), "SST-01": (False, True), "SST-02": (False, True),
}
# respondent -> (handleplan, jobplan) in the BOFORM file: 14 handleplaner of 24, one jobplan (a copy).
BOFORM_PLANS: dict[str, tuple[bool, bool]] = {
    **{f"STD-0{i}": (True, False) for i in range(1, 6)},
    **{f"TRE-0{i}": (True, False) for i in range(1, 5)},
    **{f"BAS-0{i}": (True, False) for i in range(2, 6)},
    "SLV-01": (True, False), "KFU-02": (False, True),
}

# ----------------------------------------------------------------------------- legal basis (chapter 3)
# Users on kontanthjælp whose site's own offer the municipality approved as activation («kan efter aftale
# med kommunen godkendes som tilbud, der træder i stedet for tilbud om aktivering», chapter 3): the files
# that record the offer give LAB § 32, stk. 1, nr. 2. Chosen so that the case files give the report's
# «Ud af de 43 personer der har fået et tilbud … de 22 er givet med henvisning til Lov om aktiv
# beskæftigelsespolitik» (the other 11 are the LAB offers outside the sites and with a jobplan).
LAB_APPROVED = frozenset({"AMA-03", "BAS-02", "BAS-04", "LIN-03", "LIN-04", "LIN-05", "REG-03", "SLV-03", "SLV-04",
                          "STD-04", "TRE-03"})

# ----------------------------------------------------------------------------- case workers (chapter 6)
CW_OFFER = {"KFU-01": "udenfor", "LIN-05": "intet_tilbud"}     # the two who describe the offer differently
CW_DECIDED = {"LIN-02": "sagsbehandler", "SST-02": "bruger"}   # everyone else: faelles (6.2)
CW_WRONG_OFFER = {  # the two "nej" to "the right offer?" (6.2)
    "LIN-02": "Hun fandt selv praktikstedet, men virksomheden havde ikke helt rent mel i posen.",
    "BAS-05": "Jeg er ikke sikker på, at noget tilbud havde været det rigtige. Han burde have været pensioneret.",
}
CW_CHOSE_AMONG = {"KFU-02", "SST-01", "SST-05"}

FORLOEB = {
    "boform": ("Har boet på boformen siden en udsættelse; kontanthjælp, enkelte samtaler med kommunen.",
               "Kom fra hospital til boformen. Sagen har været stille, mens han har boet der.",
               "Flere ophold på boformer gennem årene; ingen aktivering i kommunen de seneste år."),
    "vaerested": ("Har egen bolig og kommer dagligt på værestedet; få kontakter med kommunen.",
                  "Tidligere misbrug; har været i behandling og derefter i kommunal aktivering.",
                  "Kontanthjælp i flere år; sagen har ligget stille i perioder."),
}
CW_UDBYTTE = ("Han har fået en fast rytme og møder op hver dag.", "Hun er blevet mere sikker på sig selv.",
              "Det har afklaret, hvad han kan klare, og hvad han ikke kan.",
              "Han har fået kontakt til en arbejdsplads og lært at møde til tiden.")
CW_GRUNDLAG = ("Det var det, der var ledigt, og han var motiveret for det.",
               "Vi talte om hans ønsker, og så fandt vi det tilbud, der lå tættest på.",
               "Det kom i stand gennem projektet på værestedet.",
               "Han havde selv fundet det, og det passede ind i jobplanen.")
CW_FREMTID = ("Jeg tror ikke, han kommer på arbejdsmarkedet, men han kan få en god hverdag.",
              "Med den rette støtte kan hun komme i job eller uddannelse inden for et par år.",
              "Det vigtigste er, at han holder sig stoffri. Så kan vi se på resten.")
CW_GENERELT = ("Det handler mest om at give dem en rytme og noget indhold i hverdagen.",
               "De fleste er i matchgruppe 5, og der er sjældent beskæftigelsestilbud, der passer.",
               "Først skal misbruget under kontrol; så kan man tale om arbejde.")
CW_PLANER = ("Handleplaner laver vi stort set altid.", "Der skal være en handleplan, når de bor på en boform.",
             "Jobplanen laves, når de kommer i tilbud; handleplanen laver boformen ofte.")

KP_HVERDAG = ("Han står op, spiser morgenmad med de andre og går til sit arbejde på stedet.",
              "Hun kommer de fleste dage og hjælper til i caféen.",
              "Han holder sig mest for sig selv, men deltager i fællesspisningen.")
KP_MATCHNING = ("Det var det, han havde lyst til.", "Han spurgte selv, om han kunne komme med i værkstedet.",
                "Det var det, der var brug for hænder til.")
KP_UDBYTTE = ("Han har fået rytme i hverdagen og nogen at snakke med.",
              "Hun er blevet mere stabil og kommer hver dag.",
              "Han har vist sig selv, at han kan passe et arbejde.")
KP_GENERELT = ("Aktiviteterne giver beboerne noget at stå op til og et fællesskab.",
               "Vi har ikke mange i intern aktivering; de fleste er i kommunale tilbud, mest sprogundervisning.")

LEDERE: dict[str, dict[str, object]] = {
    # prefix -> leader answers (Bilag A and chapter 5)
    "STD": dict(tilbud_typer="daglig_drift;vaerksted;landbrug_gartneri", deltagelse="frivilligt",
                sigte="rytme;afklaring;misbrug", beskaeftigelsesrettet="delvist", antal=2,
                tilbud="Værksteder, køkken, have og en aktiv pædagogisk indsats. Tidligere arbejdspligt, nu arbejdsmulighed."),
    "KFU": dict(tilbud_typer="daglig_drift;undervisning", deltagelse="frivilligt", sigte="rytme;samvaer",
                beskaeftigelsesrettet="nej", antal=0,
                tilbud="Få beboere i intern aktivering; mange i kommunale tilbud, primært sprogundervisning."),
    "MOE": dict(tilbud_typer="daglig_drift;vaerksted;landbrug_gartneri", deltagelse="krav",
                sigte="rytme;afklaring;misbrug", beskaeftigelsesrettet="delvist", antal=0,
                tilbud="Stald, køkken, gartneri, vedligeholdelse og produktion i værkstederne. Arbejdspligt."),
    "TRE": dict(tilbud_typer="daglig_drift;vaerksted;landbrug_gartneri", deltagelse="frivilligt",
                sigte="rytme;afklaring;misbrug", beskaeftigelsesrettet="delvist", antal=3,
                tilbud="Aktivitetscenteret Team Nord (håndværk, skovarbejde, gartneri) og et internt aktivitetscenter."),
    "BAS": dict(tilbud_typer="sociale_aktiviteter;daglig_drift;vaerksted;undervisning", deltagelse="frivilligt",
                sigte="rytme;afklaring;samvaer", beskaeftigelsesrettet="delvist", antal=4,
                tilbud="Tre linjer: daghøjskolen, det beskæftigelsesrettede og netværkstilbud."),
    "SLV": dict(tilbud_typer="daglig_drift;vaerksted", deltagelse="krav", sigte="rytme;misbrug",
                beskaeftigelsesrettet="delvist", antal=0,
                tilbud="Arbejdspligt fra otte til tolv: vedligeholdelse inde og ude og værkstedsarbejde."),
    "AMA": dict(tilbud_typer="sociale_aktiviteter;daglig_drift", deltagelse="frivilligt", sigte="samvaer;frirum",
                beskaeftigelsesrettet="nej", antal=1, tilbud="Interne aktiviteter; enkelte får tilbud fra kommunen."),
    "LIN": dict(tilbud_typer="sociale_aktiviteter;daglig_drift;kommunal_aktivering", deltagelse="frivilligt",
                sigte="samvaer;frirum;arbejdsmarked", beskaeftigelsesrettet="delvist", antal=4,
                tilbud="Socialt samvær og kommunal aktivering på stedet for nogle af brugerne."),
    "REG": dict(tilbud_typer="sociale_aktiviteter;daglig_drift", deltagelse="frivilligt", sigte="samvaer;frirum",
                beskaeftigelsesrettet="nej", antal=0,
                tilbud="Brugerne driver selv stedet: madlavning, rengøring, istandsættelse."),
    "LIV": dict(tilbud_typer="sociale_aktiviteter;daglig_drift;jobsoegning;kommunal_aktivering",
                deltagelse="blandet", sigte="samvaer;arbejdsmarked", beskaeftigelsesrettet="ja", antal=20,
                tilbud="Café, kantine, mad ud af huset og genbrugsbutik; aktivering af ca. 15 ledige; jobhjælp."),
    "SST": dict(tilbud_typer="sociale_aktiviteter;jobsoegning", deltagelse="frivilligt",
                sigte="samvaer;arbejdsmarked;misbrug", beskaeftigelsesrettet="ja", antal=10,
                tilbud="Jobklub og mentorordning i projektet «Ud af misbrug, ind på arbejdsmarkedet»."),
    "OTT": dict(tilbud_typer="sociale_aktiviteter", deltagelse="frivilligt", sigte="samvaer;frirum",
                beskaeftigelsesrettet="nej", antal=2, tilbud="Samvær, kaffe og fællesspisning; ture."),
}


def _days(d: dt.date, n: int) -> str:
    return (d + dt.timedelta(days=n)).isoformat()


def _parse_bilag_c() -> dict[str, dict[str, str]]:
    lines = [ln.split() for ln in BILAG_C.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    out = {}
    for cells in rows:
        if len(cells) != len(header):
            raise ValueError(f"demo Bilag C: {cells[0]} has {len(cells)} columns, expected {len(header)}")
        out[cells[0]] = dict(zip(header[1:], cells[1:]))
    return out


def _group(rid: str, people: dict) -> str:
    return people[rid].group


def _ordning(tilbud: str | None, prefix: str, boform: bool, jobplan: bool,
             rid: str = "") -> tuple[str | None, str | None, str | None]:
    """(ordning, lovgrundlag, paragraph text) of an offer as the file gives it."""
    if tilbud in (None, "intet_tilbud"):
        return None, None, None
    if tilbud == "boform_vaerested" and rid in LAB_APPROVED:
        return "lab_32", "lab", "LAB § 32, stk. 1, nr. 2"
    if tilbud == "boform_vaerested":
        if boform:
            return "sel_87_2", "sel", "SEL § 87, stk. 2"
        if prefix in ("LIV", "LIN") and jobplan:
            return "lab_32", "lab", "LAB § 32, stk. 1, nr. 2"
        return "sel_88", "sel", "SEL § 88"
    if prefix == "SST" and tilbud == "udenfor":
        return "mentor", "andet", "Puljen til vikar- og mentorordninger"
    if tilbud == "udenfor":
        return ("lab_42", "lab", "LAB § 42") if jobplan else ("uoplyst", "uoplyst", None)
    if tilbud == "andet":
        return "lab_32", "lab", "LAB § 32, stk. 1, nr. 2"
    return "andet", "andet", None  # ordinært arbejde


@lru_cache(maxsize=1)
def _cached(guide_key: str) -> dict[str, pd.DataFrame]:
    return _build(load_guide(guide_key) if guide_key else load_guide())


def build_demo_sources(user_guide: Guide | None = None) -> dict[str, pd.DataFrame]:
    """The demo's other sources as frames (copies; deterministic, no randomness):

    ``sagsbehandler``, ``kontaktperson``, ``leder``, ``journal``: one row per interview or file,
    columns ``source_id``, ``informant`` and that guide's codes (checked with
    `survey.sources.check_source_frame`, consent included); ``aarsager``: why a source is missing
    (`survey.sources.REASON_COLUMNS`); ``brugere``: the users' wide frame it was built on.
    Every frame's ``attrs["syntetisk"]`` says the data are synthetic.
    """
    key = user_guide.path if user_guide is not None else ""
    return {k: v.copy() for k, v in _cached(key).items()}


def _build(user_guide: Guide) -> dict[str, pd.DataFrame]:
    wide = build_demo_frame(user_guide)
    users = {r["respondent_id"]: r for r in wide.to_dict("records")}
    people = {p.respondent_id: p for p in roster()}
    table = _parse_bilag_c()
    if set(table) != set(users):
        raise ValueError("demo Bilag C and the demo roster name different respondents")
    guides = {inf: guide_for(inf) for inf in ("sagsbehandler", "kontaktperson", "leder", "journal")}

    journal, cws, kps, reasons = [], [], [], []
    for i, rid in enumerate(table):
        row, u, p = table[rid], users[rid], people[rid]
        prefix, site = rid[:3], SITE_BY_NAME[u["site"]]
        boform = u["site_type"] == "boform"
        for col, kilde in COLUMN_KILDE.items():
            v = row[col]
            if v == "." or v.startswith("X"):
                continue
            reasons.append({"kilde": kilde, "respondent_id": rid, "site": None, "status": v,
                            "note": NOTES.get((rid, kilde))})
        # ---------------------------------------------------------------- case files
        for col, kilde in (("jk", "kommune"), ("jb", "boform")):
            if row[col] != "X":
                continue
            plans = (KOMMUNE_PLANS if kilde == "kommune" else BOFORM_PLANS).get(rid, (False, False))
            hp, jp = plans
            tilbud = u["tilbudstype"]
            if kilde == "kommune" and boform and tilbud == "boform_vaerested" and not hp:
                tilbud = None  # the municipality leaves the boform's own offers out of its file (5.1, 7.3)
            ordning, lov, paragraf = _ordning(tilbud, prefix, boform, jp, rid)
            offered = tilbud not in (None, "intet_tilbud")
            hp_par = None
            if hp:
                hp_par = "sel_111" if kilde == "kommune" or prefix in ("STD", "TRE") else "uoplyst"
            evaluated = (kilde == "boform" and hp and prefix in ("TRE", "BAS")) or (kilde == "kommune" and hp and jp)
            if prefix == "REG":
                last = dt.date(2004, 9, 1)
            elif kilde == "boform":
                last = site.date - dt.timedelta(days=10)
            else:
                last = site.date - dt.timedelta(days=45 if (hp or jp) else 300 + 7 * (i % 9))
            deltagere = None
            if jp or (hp and kilde == "kommune"):
                deltagere = "bruger;sagsbehandler"
            elif hp:
                deltagere = "bruger;kontaktperson"
            journal.append({
                "source_id": f"J{kilde[0].upper()}-{rid}", "informant": "journal",
                "respondent_id": rid, "kilde": kilde, "kommune": KOMMUNE[prefix] if kilde == "kommune" else None,
                "interviewer": INTERVIEWER, "interview_date": _days(site.date, 21),
                "forloeb": FORLOEB[u["site_type"]][i % 3],
                "forsoergelse": u["forsoergelse"],
                "tilbudstype": tilbud, "ordning": ordning, "lovgrundlag": lov, "lovgrundlag_paragraf": paragraf,
                "tilbud_startdato": _days(site.date, -90 - 30 * (i % 6)) if offered else None,
                "begrundelse": ("beskaeftigelsesrettet" if jp else "hverdagsrytme" if hp else None) if offered else None,
                "handleplan": "ja" if hp else "nej", "handleplan_paragraf": hp_par,
                "handleplan_dato": _days(site.date, -200 - 15 * (i % 8)) if hp else None,
                "handleplan_maal": ("ja" if jp or (kilde == "boform" and prefix in ("TRE", "BAS")) else "nej") if hp else None,
                "jobplan": "ja" if jp else "nej",
                "jobplan_dato": _days(site.date, -120 - 10 * (i % 7)) if jp else None,
                "jobplan_tilbud": ("nej" if rid == "LIN-02" else "ja") if jp else None,
                "andre_planer": "opholdsplan" if kilde == "boform" and not hp else None,
                "vurdering_udbytte": "ja" if evaluated else "nej",
                "vurdering_udbytte_tekst": ("Opfølgning: mødestabil, trives i tilbuddet; fortsætter." if evaluated else None),
                "opfoelgning": ("ja" if hp or jp else "nej") if kilde == "kommune" else ("ja" if hp else None),
                "seneste_notat_dato": last.isoformat(),
                "beslutning_dokumenteret": "ja" if deltagere else "nej",
                "deltagere_beslutning": deltagere,
                "noter": None,
            })
        # ---------------------------------------------------------------- case worker
        if row["sb"].startswith("X"):
            _, who, fokus = row["sb"].split(":")
            konkret = fokus == "konkret"
            offer = CW_OFFER.get(rid, u["tilbudstype"]) if konkret else None
            offered = offer not in (None, "intet_tilbud")
            group = _group(rid, people)
            hp, jp = KOMMUNE_PLANS.get(rid, (False, False))
            if offer in ("udenfor", "ordinaert_arbejde", "andet"):
                why = "hverdagsrytme;beskaeftigelsesrettet" if group == "unge_misbrugere" else "beskaeftigelsesrettet"
            elif group == "unge_misbrugere":
                why = "hverdagsrytme"
            else:
                why = "almen_trivsel;hverdagsrytme"
            plan = "begge" if hp and jp else "handleplan" if hp else "jobplan" if jp else "ingen"
            cws.append({
                "source_id": f"SB-{rid}", "informant": "sagsbehandler", "respondent_id": rid,
                "informant_id": who, "kommune": KOMMUNE[prefix], "interviewer": INTERVIEWER,
                "interview_date": _days(site.date, 35 + i % 5), "fokus": fokus,
                "kendskab": ("godt" if prefix in ("SST", "KFU") else "noget") if konkret else "intet",
                "problemer": u["problemer"] if konkret else None,
                "forloeb": FORLOEB[u["site_type"]][(i + 1) % 3] if konkret else None,
                "tilbudstype": offer,
                "tilbud_indhold": u.get("tilbud_indhold") if offered and offer == u["tilbudstype"] else
                ("Sprogundervisning og praktik uden for kollegiet." if offered else None),
                "lovgrundlag": (_ordning(offer, prefix, u["site_type"] == "boform", jp, rid)[1] if offered else None),
                "begrundelse": why if offered else None,
                "sigte_afklaring": ("ja" if offer in ("udenfor", "andet") else "nej") if offered else None,
                "udbytte": CW_UDBYTTE[i % len(CW_UDBYTTE)] if offered else None,
                "udbytte_vurderet": ("ja" if prefix == "SST" else "nej") if offered else None,
                "rigtige_tilbud": ("nej" if rid in CW_WRONG_OFFER else "ja") if offered else None,
                "hvem_bestemte": CW_DECIDED.get(rid, "faelles") if offered else None,
                "nok_med_at_bestemme": ("delvist" if rid in ("LIN-02", "LIN-03") else "ja") if offered else None,
                "valg_mellem_flere": ("ja" if rid in CW_CHOSE_AMONG else "nej") if offered else None,
                "beslutningsgrundlag": (CW_WRONG_OFFER.get(rid) or CW_GRUNDLAG[i % len(CW_GRUNDLAG)]) if offered else None,
                "plan": plan if offered else None,
                "opfoelgning": ("ja" if hp or jp else "nej") if konkret else None,
                "samarbejde_sted": ("positivt" if prefix == "SST" else "neutralt") if konkret else None,
                "matchgruppe": (("3" if group == "etniske" else "ikke_visiteret"
                                 if u["forsoergelse"] in ("foertidspension", "pension") else "5")
                                if konkret else None),
                "arbejdsmarkedsperspektiv": u["arbejdsmarkedsperspektiv"] if konkret else None,
                "fremtid": CW_FREMTID[i % len(CW_FREMTID)] if konkret else None,
                "generelt_sigte": CW_GENERELT[i % len(CW_GENERELT)],
                "egnede_tilbud": "delvist" if konkret else "nej",
                "kendskab_tilbud": "ja" if prefix == "SST" else "delvist",
                "generelt_planer": CW_PLANER[i % len(CW_PLANER)],
                "noter": None,
            })
        # ---------------------------------------------------------------- contact person
        if row["kp"].startswith("X"):
            who = row["kp"].split(":")[1]
            konkret = prefix != "KFU"
            offer = u["tilbudstype"] if konkret else None
            offered = offer not in (None, "intet_tilbud")
            if offer == "boform_vaerested":
                why = "pligt_krav;hverdagsrytme" if site.name in ("Møltrup", "Solvang") else "almen_trivsel;hverdagsrytme"
                decided = "bruger"                         # 5.2: "det var det, brugeren havde lyst til"
            else:
                why, decided = "beskaeftigelsesrettet", "sagsbehandler" if prefix != "SST" else "faelles"
            bhp = BOFORM_PLANS.get(rid, (False, False))[0]
            khp, kjp = KOMMUNE_PLANS.get(rid, (False, False))
            plan = "begge" if (bhp or khp) and kjp else "handleplan" if bhp or khp else "jobplan" if kjp else "ingen"
            kps.append({
                "source_id": f"KP-{rid}", "informant": "kontaktperson", "respondent_id": rid, "informant_id": who,
                "kp_rolle": "leder" if prefix == "MOE" else "anden" if prefix == "SST" else "kontaktperson",
                "interviewer": INTERVIEWER, "interview_date": _days(site.date, 42 + i % 4),
                "fokus": "konkret" if konkret else "generelt",
                "kendskab": "godt" if konkret else None,
                "problemer": u["problemer"] if konkret else None,
                "brugerens_hverdag": KP_HVERDAG[i % len(KP_HVERDAG)] if konkret else None,
                "tilbudstype": offer,
                "tilbud_indhold": u.get("tilbud_indhold") if offered else None,
                "begrundelse": why if offered else None,
                "deltagelse": ("krav" if site.name in ("Møltrup", "Solvang") else "frivilligt") if offered else None,
                "udbytte": KP_UDBYTTE[i % len(KP_UDBYTTE)] if offered else None,
                "rigtige_tilbud": ("ja" if u["samlet_tilfredshed"] != "utilfreds" else "ved_ikke") if offered else None,
                "hvem_bestemte": decided if offered else None,
                "nok_med_at_bestemme": "ja" if offered else None,
                "matchning": KP_MATCHNING[i % len(KP_MATCHNING)] if offered else None,
                "plan": plan if offered else None,
                "plan_paa_stedet": ("ja" if bhp else "nej") if konkret else None,
                "samarbejde_kommune": ("positivt" if prefix in ("SST", "LIV") else "neutralt" if boform
                                       else "ingen_vurdering") if konkret else None,
                "kommunen_kontakt": ("ja" if prefix in ("SST", "LIV") or khp or kjp else "nej") if konkret else None,
                "arbejdsmarkedsperspektiv": u["arbejdsmarkedsperspektiv"] if konkret else None,
                "fremtid": None,
                "generelt": KP_GENERELT[1] if prefix == "KFU" else KP_GENERELT[0],
                "noter": None,
            })

    leders = []
    for site in SITES:
        a = LEDERE[site.prefix]
        boform = site.site_type == "boform"
        leders.append({
            "source_id": f"LE-{site.prefix}", "informant": "leder", "site": site.name, "site_type": site.site_type,
            "informant_id": f"LEDER-{site.prefix}", "interviewer": INTERVIEWER, "interview_date": site.date.isoformat(),
            "tilbud_paa_stedet": a["tilbud"], "tilbud_typer": a["tilbud_typer"], "antal_i_aktivering": str(a["antal"]),
            "deltagelse": a["deltagelse"], "sigte": a["sigte"], "beskaeftigelsesrettet": a["beskaeftigelsesrettet"],
            "muligheder": ("Afklaring af, hvad den enkelte kan, og en rytme i hverdagen." if boform
                           else "Et frirum, hvor man kan mødes og få selvtillid."),
            "begraensninger": ("Vi kan kun have de tilbud, der passer til stedets drift." if boform
                               else "Mange har ikke overskud til mere end at komme her."),
            "beslutning": ("Det aftales med kontaktpersonen ved indskrivningen; det er mest det, beboeren har lyst til."
                           if boform else "Brugerne vælger selv, hvad de vil være med til."),
            "matchning": "delvist" if boform else "nej",
            "planer_paa_stedet": ("delvist" if site.prefix in ("MOE", "KFU") else "ja") if boform else "nej",
            "brugerforslag": "nej",
            "samarbejdspartnere": ("kommune;misbrugscenter;kriminalforsorgen" + (";brugerorganisation"
                                   if site.prefix == "BAS" else "") if boform else
                                   "kommune;misbrugscenter" if site.prefix in ("SST", "REG") else "kommune"),
            "samarbejde_kommune": "positivt" if site.prefix in ("SST", "LIV") else "neutralt",
            "kommunen_traekker_sig": "ja" if boform else "ved_ikke",
            "samarbejde_beskrivelse": ("Kommunen bakker op om den handleplan, vi laver med beboeren." if boform
                                       else "Vi hjælper med at få kontakt til sagsbehandleren, hvis brugeren beder om det."),
            "vurdering_tilbud": "Tilbuddene giver indhold i hverdagen; de fleste er glade for dem.",
            "noter": None,
        })

    frames = {
        "sagsbehandler": check_source_frame(pd.DataFrame(cws), guides["sagsbehandler"], wide),
        "kontaktperson": check_source_frame(pd.DataFrame(kps), guides["kontaktperson"], wide),
        "leder": check_source_frame(pd.DataFrame(leders), guides["leder"]),
        "journal": check_source_frame(pd.DataFrame(journal), guides["journal"], wide),
        "aarsager": pd.DataFrame(reasons, columns=["kilde", "respondent_id", "site", "status", "note"], dtype=object),
        "brugere": wide,
    }
    for df in frames.values():
        df.attrs["syntetisk"] = SYNTHETIC
    return frames
