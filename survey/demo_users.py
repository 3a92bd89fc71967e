"""The demo study's users: 61 SYNTHETIC respondents at the 12 sites of Bilag A (the frame;
`survey.demo` loads it with the other sources into a store).

Nothing here describes a real person. The respondents, their answers and every free text are
invented for this toolkit (the interviewer of every row is "Demo (syntetisk)"). What is *not*
invented is the shape of the data: the demo reproduces the published figures of the Rambøll
report exactly, so every table the toolkit prints from it can be checked against the report:

- "Oversigt over interview": interviews, selected by staff and consent per site;
- Tabel 3.1 (age bands) and Tabel 3.2 (user group × gender);
- Figur 3.1 (offer type, overall and by group) and the førtidspension figures of section 3.4/4.3.3;
- Tabel 4.1 and 4.2 (the twelve outcome probes with importance);
- chapter 7: Figur 7.2 totals, Figur 7.3/7.4 group patterns, involvement × satisfaction (7.2)
  and the ten users "syltet af systemet" (4.4.1).

How it is built (no randomness anywhere):

1. `ROSTER` is the study, one line per respondent, written out by hand: who they are (gender,
   age, archetype, offer type, means of support, selected by staff, consent) and the researcher's
   judgements with published totals (involvement, satisfaction, cooperation, could-be-better,
   enough say, right people, syltet, closer to the labour market).
2. The other eleven probes are allocated from `PROBE_PLAN`, per-group counts of `ja` and `nej`
   whose column sums are Tabel 4.1. Inside a group, the satisfied respondents get the `ja`s and
   the dissatisfied the `nej`s (`_allocation_order`); the rest are `ikke_relevant`/`uklart`/blank.
   The importance counts of Tabel 4.2 are spread over the groups in proportion to their answers.
3. Everything else (plan, payment, schooling, free texts …) follows from the roster by the
   small rules in `_respondent_record`, so the rows are internally consistent.

The group is left to the archetype rule (archetypes.derive_group) for most respondents; a few
carry an explicit `brugergruppe`, always the rule's own outcome, to show both paths.

Where the report disagrees with itself the demo follows the more detailed figure:
- boform subtotal of refused consent: 1 printed, 0 in the site rows (demo: 0);
- section 4.3.3: 5 of 16 førtidspensionister and "19 of 45" others closer to the labour market,
  but Tabel 4.1 has 25 in all (demo: 5 + 20 = 25);
- section 4.2: "about 40" satisfied and "the other 21" not, while section 7.2 implies at least
  37 + 4 = 41 satisfied (demo: 41 tilfreds, 14 utilfreds, 6 ikke_vurderet);
- Bilag C lists no consent for a Solvang user, the overview none refused there (demo: overview).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

import pandas as pd

from archetypes import derive_group
from survey.guide import Guide

INTERVIEWER = "Demo (syntetisk)"
SOURCE = "demo"
WHO = "brugerblik demo"


# ----------------------------------------------------------------------------- sites (Bilag A)

@dataclass(frozen=True)
class DemoSite:
    name: str
    site_type: str
    prefix: str          # respondent ids are PREFIX-NN
    date: dt.date        # the one-day visit ("endags-ophold")


# Order of "Oversigt over interview". Note: the report's boform subtotal prints 1 refused consent
# although every boform row says 0. The demo follows the site rows (Basen: 4 given, 0 refused and one
# interviewee with no consent recorded), so a computed boform subtotal is 31 / 28 / 30 / 0, not .../1.
SITES: tuple[DemoSite, ...] = (
    DemoSite("St. Dannesbo", "boform", "STD", dt.date(2006, 3, 7)),
    DemoSite("KFUM Kollegium", "boform", "KFU", dt.date(2006, 4, 4)),
    DemoSite("Møltrup", "boform", "MOE", dt.date(2006, 3, 14)),
    DemoSite("Tre Ege", "boform", "TRE", dt.date(2006, 2, 15)),
    DemoSite("Basen", "boform", "BAS", dt.date(2006, 2, 14)),
    DemoSite("Solvang", "boform", "SLV", dt.date(2006, 4, 5)),
    DemoSite("Amadeus", "vaerested", "AMA", dt.date(2006, 3, 28)),
    DemoSite("Linie 14", "vaerested", "LIN", dt.date(2006, 3, 29)),
    DemoSite("Regnbuen", "vaerested", "REG", dt.date(2006, 3, 21)),
    DemoSite("Livsværkstederne", "vaerested", "LIV", dt.date(2006, 2, 16)),
    DemoSite("Solstrålen", "vaerested", "SST", dt.date(2006, 2, 28)),
    DemoSite("Værestedet i Otterup", "vaerested", "OTT", dt.date(2006, 3, 8)),
)
SITE_BY_PREFIX = {s.prefix: s for s in SITES}
ARBEJDSPLIGT = {"Møltrup", "Solvang"}  # Bilag A: work duty on these boformer


# ----------------------------------------------------------------------------- the roster

# Columns (abbreviations are expanded by the legends below; "-" = blank):
#   id       respondent_id                 køn     gender K/M
#   alder    age                           arketype  the researcher's archetype (-> group by rule)
#   tilbud   tilbudstype                   forsørg   forsoergelse
#   udv      selected_by_staff             samt      consent_journal
#   indd     inddraget                     tilfreds  samlet_tilfredshed
#   samarb   samarbejde                    bedre     kunne_vaere_bedre
#   nok      nok_med_at_bestemme           rigtige   rigtige_mennesker
#   syltet   syltet                        am        probe arbejdsmarked ("-" = not answered)
ROSTER = """
id     køn alder arketype            tilbud forsørg udv samt indd   tilfreds samarb bedre nok  rigtige syltet am
STD-01 M   52    den_aeldre          bv     kh      ja  ja   ja     tilf     pos    nej   ja   ja      nej    nej
STD-02 M   58    den_aeldre          bv     fp      ja  ja   ja     tilf     pos    nej   ja   ja      nej    nej
STD-03 M   47    gamle_junkie        bv     kh      ja  ja   ja     tilf     neg    ja    nej  nej     nej    nej
STD-04 M   44    eks_misbruger       bv     kh      ja  ja   ja     tilf     pos    nej   ja   ja      nej    ja
STD-05 M   55    den_aeldre          intet  fp      ja  ja   nej    utilf    neg    ja    -    nej     ja     nej
STD-06 M   33    unge_misbruger      intet  kh      ja  ja   nej    utilf    neg    ja    -    vedikke ja     nej
STD-07 M   61    den_aeldre          bv     fp      nej ja   ja     tilf     neu    ja    delv -       nej    -
KFU-01 M   34    etniske             andet  andet   ja  ja   ja     tilf     neu    nej   ja   ja      nej    ja
KFU-02 M   38    etniske             uden   kh      ja  ja   ja     tilf     neg    ja    ja   -       nej    ja
KFU-03 M   44    etniske             andet  kh      ja  ja   ja     utilf    neg    ja    delv nej     nej    nej
KFU-04 M   41    socialt_udfordrede  uden   kh      ja  ja   ja     utilf    neg    nej   nej  vedikke nej    ja
KFU-05 M   48    gamle_junkie        intet  kh      ja  ja   uklart utilf    neg    ja    -    nej     ja     nej
MOE-01 M   49    den_aeldre          bv     kh      ja  ja   ja     tilf     pos    nej   ja   ja      nej    ja
MOE-02 M   53    den_aeldre          bv     kh      ja  ja   ja     tilf     neu    ja    delv ja      nej    nej
MOE-03 M   46    eks_misbruger       bv     kh      ja  ja   ja     tilf     pos    nej   ja   ja      nej    ja
MOE-04 M   57    gamle_junkie        bv     fp      ja  ja   ja     utilf    neg    ja    nej  nej     ja     nej
MOE-05 M   38    eks_misbruger       uden   kh      ja  ja   ja     utilf    neg    ja    nej  ja      nej    ja
TRE-01 M   51    den_aeldre          bv     kh      ja  ja   ja     tilf     pos    ja    ja   ja      nej    nej
TRE-02 M   45    gamle_junkie        bv     fp      ja  ja   ja     tilf     pos    nej   ja   ja      nej    nej
TRE-03 M   42    eks_misbruger       bv     kh      ja  ja   ja     tilf     pos    nej   ja   -       nej    ja
TRE-04 M   48    den_aeldre          bv     kh      ja  ja   ja     tilf     neg    ja    nej  ja      nej    nej
TRE-05 M   46    socialt_udfordrede  bv     fp      ja  ja   ja     tilf     pos    nej   ja   ja      nej    ja
BAS-01 M   50    den_aeldre          bv     kh      ja  -    ja     tilf     neg    ja    nej  vedikke nej    nej
BAS-02 K   27    unge_misbruger      bv     kh      nej ja   ja     utilf    neg    ja    nej  nej     ja     nej
BAS-03 M   43    gamle_junkie        bv     fp      ja  ja   ja     tilf     pos    nej   ja   ja      nej    ja
BAS-04 M   36    socialt_udfordrede  bv     kh      nej ja   ja     tilf     pos    nej   ja   -       nej    ja
BAS-05 M   54    eks_misbruger       uden   kh      ja  ja   ja     tilf     pos    nej   ja   ja      nej    ja
SLV-01 M   46    gamle_junkie        bv     kh      ja  ja   ja     tilf     neg    ja    nej  -       nej    nej
SLV-02 M   52    den_aeldre          bv     fp      ja  ja   ja     tilf     pos    nej   ja   ja      nej    ja
SLV-03 M   41    eks_misbruger       bv     kh      ja  ja   ja     tilf     pos    nej   ja   ja      nej    nej
SLV-04 M   59    den_aeldre          bv     kh      ja  ja   nej    tilf     neu    ja    nej  -       nej    nej
AMA-01 M   39    psykisk_paafaldende bv     fp      ja  ja   ja     tilf     pos    nej   ja   ja      nej    ja
AMA-02 M   45    psykisk_paafaldende intet  fp      nej nej  nej    tilf     ingen  nej   -    -       nej    nej
AMA-03 M   47    den_aeldre          bv     kh      nej ja   ja     tilf     neg    ja    delv vedikke nej    nej
AMA-04 M   67    den_aeldre          intet  pens    nej ja   nej    tilf     neu    nej   -    -       nej    -
LIN-01 K   31    eks_misbruger       intet  kh      ja  ja   nej    utilf    neg    ja    -    nej     ja     nej
LIN-02 K   29    unge_misbruger      uden   kh      ja  ja   nej    utilf    neg    ja    nej  nej     ja     nej
LIN-03 M   35    eks_misbruger       bv     kh      ja  ja   ja     tilf     neu    ja    delv ja      nej    ja
LIN-04 M   37    eks_misbruger       bv     kh      ja  ja   ja     tilf     neu    nej   ja   ja      nej    ja
LIN-05 K   33    dovne               bv     kh      nej ja   ja     tilf     neu    nej   ja   -       nej    nej
REG-01 K   28    unge_misbruger      intet  kh      ja  ja   uklart utilf    neg    ja    -    nej     ja     nej
REG-02 M   34    unge_misbruger      intet  kh      nej ja   uklart ikke     ingen  nej   -    -       nej    nej
REG-03 M   36    unge_misbruger      bv     kh      ja  ja   nej    tilf     neg    ja    nej  vedikke nej    nej
REG-04 M   51    gamle_junkie        intet  fp      nej ja   nej    utilf    neg    ja    -    nej     ja     nej
REG-05 M   44    den_aeldre          intet  kh      nej nej  nej    utilf    neg    ja    -    nej     ja     nej
LIV-01 M   32    etniske             bv     kh      ja  ja   ja     tilf     pos    nej   ja   ja      nej    ja
LIV-02 K   26    etniske             uden   andet   ja  ja   ja     tilf     neg    ja    ja   ja      nej    ja
LIV-03 M   39    etniske             ord    kh      ja  ja   ja     tilf     pos    nej   ja   ja      nej    ja
LIV-04 M   46    etniske             bv     kh      ja  ja   ja     tilf     neu    ja    ja   ja      nej    ja
LIV-05 M   53    eks_misbruger       intet  kh      ja  ja   uklart ikke     neu    -     -    -       nej    nej
SST-01 M   26    eks_misbruger       uden   kh      ja  ja   ja     tilf     pos    nej   ja   ja      nej    ja
SST-02 M   32    eks_misbruger       ord    kh      ja  ja   ja     tilf     pos    nej   ja   ja      nej    ja
SST-03 M   35    unge_misbruger      andet  andet   nej ja   ja     tilf     neu    ja    ja   ja      nej    ja
SST-04 K   34    eks_misbruger       bv     fp      nej ja   ja     tilf     pos    nej   ja   ja      nej    nej
SST-05 M   48    eks_misbruger       uden   kh      ja  ja   ja     tilf     pos    nej   ja   ja      nej    ja
OTT-01 K   42    psykisk_paafaldende intet  fp      nej ja   uklart ikke     ingen  nej   -    -       nej    nej
OTT-02 M   37    psykisk_paafaldende intet  fp      nej nej  uklart ikke     ingen  nej   -    -       nej    nej
OTT-03 K   24    psykisk_paafaldende intet  kh      nej ja   nej    utilf    neu    nej   -    vedikke nej    nej
OTT-04 M   55    psykisk_paafaldende bv     fp      nej ja   ja     tilf     pos    nej   ja   ja      nej    ja
OTT-05 M   33    psykisk_paafaldende intet  fp      nej ja   uklart ikke     ingen  nej   -    -       nej    -
OTT-06 M   68    socialt_udfordrede  intet  pens    nej ja   uklart ikke     ingen  nej   -    -       nej    -
"""

# Legends: roster abbreviation -> canonical value of instrument.md.
GENDER = {"K": "kvinde", "M": "mand"}
TILBUD = {"bv": "boform_vaerested", "uden": "udenfor", "ord": "ordinaert_arbejde", "andet": "andet",
          "intet": "intet_tilbud"}
FORSOERGELSE = {"kh": "kontanthjaelp", "fp": "foertidspension", "pens": "pension", "andet": "andet"}
TILFREDSHED = {"tilf": "tilfreds", "utilf": "utilfreds", "ikke": "ikke_vurderet"}
SAMARBEJDE = {"pos": "positivt", "neu": "neutralt", "neg": "negativt", "ingen": "ingen_vurdering"}
NOK = {"ja": "ja", "nej": "nej", "delv": "delvist"}
RIGTIGE = {"ja": "ja", "nej": "nej", "vedikke": "ved_ikke"}

# A few respondents carry the researcher's explicit user group — always what the rule gives
# (checked when the frame is built), so both paths of archetypes.effective_group are shown.
EXPLICIT_GROUP = ("STD-04", "MOE-05", "TRE-05", "LIV-01", "OTT-04", "SST-01")

# Self-placement ("Hvilken kasse …?") is the archetype unless listed here (None = no answer).
SELF_PLACEMENT = {
    "MOE-04": "eks_misbruger",        # sees himself as finished with drugs
    "SLV-04": "socialt_udfordrede",
    "KFU-03": "socialt_udfordrede",
    "REG-03": "eks_misbruger",
    "LIN-05": "socialt_udfordrede",   # nobody places herself as "den dovne"
    "AMA-01": "socialt_udfordrede",
    "SST-04": "psykisk_paafaldende",
    "OTT-01": None,
    "OTT-05": None,
    "AMA-04": None,
    "REG-02": None,
}

# Extra problems beyond the archetype's own (the "Indfang" list of the guide).
EXTRA_PROBLEMS = {
    "LIN-01": ("psykisk", "gaeld"), "LIN-02": ("psykisk",), "REG-01": ("psykisk", "gaeld"),
    "SST-04": ("psykisk",), "STD-06": ("gaeld",), "REG-02": ("gaeld",), "REG-05": ("gaeld",),
    "MOE-02": ("gaeld",), "TRE-04": ("gaeld", "spil"), "BAS-01": ("ensomhed",), "KFU-05": ("ensomhed",),
    "OTT-03": ("gaeld",), "SLV-01": ("gaeld",), "KFU-02": ("ensomhed",),
}
# The report's 8 young users who did not agree with the caseworker (7 of them rated cooperation negative).
ENIGE_OVERRIDE = {"LIN-03": "nej"}
ENGINEERS = ("KFU-03", "LIV-04")  # section 4.3.3: two users trained as engineers


# ----------------------------------------------------------------------------- the probes

GROUPS = ("aeldre_misbrugere", "unge_misbrugere", "etniske", "psykisk_paafaldende", "andet")

# Tabel 4.1 split by group: probe -> (ja, nej) for (ældre, unge, etniske, psykisk, andet).
# The column sums are the published ja/nej; what a group does not answer is ikke_relevant/uklart/blank.
# Patterns follow the report: rytme alike across groups (4.3.1); kontakt high for ældre and
# etniske, under half for psykisk and unge (Figur 4.2); unge least often "sjovt" (4.3.3);
# etniske helped with language and company contacts (4.3.3). `arbejdsmarked` is in the roster.
PROBE_PLAN: dict[str, tuple[tuple[int, int], ...]] = {
    #                 ældre     unge     etniske  psykisk  andet
    "rytme":         ((24, 4), (11, 3), (6, 1), (5, 1), (4, 0)),
    "kontakt":       ((22, 3), (6, 7), (6, 1), (2, 3), (4, 0)),
    "sjovt":         ((20, 7), (4, 9), (5, 2), (4, 1), (3, 1)),
    "mod":           ((18, 7), (6, 6), (5, 1), (3, 2), (3, 0)),
    "faglige_evner": ((10, 13), (5, 8), (5, 2), (1, 2), (3, 1)),
    "bolig":         ((10, 8), (4, 5), (0, 1), (1, 1), (1, 1)),
    "sundhed":       ((9, 12), (3, 7), (1, 4), (1, 2), (1, 2)),
    "familie":       ((4, 17), (3, 8), (1, 4), (1, 2), (1, 3)),
    "virksomheder":  ((2, 19), (1, 10), (3, 4), (0, 4), (1, 1)),
    "skrive_laese":  ((1, 17), (1, 8), (3, 3), (0, 3), (1, 2)),
    "jobsoegning":   ((0, 20), (1, 11), (2, 5), (0, 3), (0, 3)),
}

# Tabel 4.2: probe -> (ja and important, nej and important).
IMPORTANT: dict[str, tuple[int, int]] = {
    "rytme": (39, 2), "kontakt": (28, 2), "sjovt": (28, 11), "mod": (29, 10), "arbejdsmarked": (17, 12),
    "faglige_evner": (11, 6), "bolig": (10, 6), "sundhed": (3, 8), "familie": (8, 22),
    "virksomheder": (1, 5), "skrive_laese": (3, 7), "jobsoegning": (1, 5),
}

# When importance has to be rounded between groups, these groups come first.
WORK_PROBES = ("arbejdsmarked", "faglige_evner", "virksomheder", "skrive_laese", "jobsoegning")
WORK_FIRST = ("etniske", "unge_misbrugere", "andet", "aeldre_misbrugere", "psykisk_paafaldende")
EVERYDAY_FIRST = ("aeldre_misbrugere", "psykisk_paafaldende", "andet", "unge_misbrugere", "etniske")

# A probe nobody counted: intet_tilbud -> ikke_relevant; others take these in turn.
NOT_COUNTED_CYCLE = ("uklart", None, "ikke_relevant")


# ----------------------------------------------------------------------------- invented free texts
# Short, plain Danish in the manner of the report's quotes; invented, no names, no addresses.

HVORFOR_HER = {  # by archetype
    "den_aeldre": (
        "Jeg mistede lejligheden, da jeg drak for meget. Her har jeg tag over hovedet.",
        "Jeg har drukket i mange år. Efter skilsmissen gik det helt galt, og så endte jeg her.",
        "Kommunen sendte mig hertil efter en indlæggelse. Jeg kunne ikke klare mig selv.",
    ),
    "gamle_junkie": (
        "Jeg har taget stoffer det meste af mit liv. Nu får jeg metadon og prøver at holde mig fra resten.",
        "Jeg har været boligløs i mange år og har boet mange forskellige steder. Her er der ro.",
    ),
    "eks_misbruger": (
        "Jeg er stoppet med misbruget og har brug for nogen omkring mig, som ved, hvad det handler om.",
        "Efter behandlingen havde jeg ikke noget sted at bo. Her kan jeg komme på fode igen.",
    ),
    "unge_misbruger": (
        "Jeg er på metadon og har lidt sidemisbrug. Jeg kommer her for at have et sted at være om dagen.",
        "Jeg har ingen bolig lige nu. Det var her eller på gaden.",
        "Jeg har ikke styr på økonomien. Her kan jeg få hjælp til papirerne.",
    ),
    "psykisk_paafaldende": (
        "Jeg har det svært med mange mennesker, men her kender jeg dem, der kommer.",
        "Jeg bliver dårlig af at sidde alene derhjemme. Her kan jeg drikke en kop kaffe og snakke lidt.",
        "Lægen foreslog, at jeg kom her. Det hjælper at komme ud af lejligheden.",
    ),
    "socialt_udfordrede": (
        "Jeg havde ikke noget sted at bo efter skilsmissen.",
        "Jeg er meget alene. Her er der nogen at spise sammen med.",
    ),
    "etniske": (
        "Jeg kommer for at tale med nogen og få hjælp til at søge arbejde.",
        "Jeg kunne ikke finde en bolig. Jeg går til dansk om formiddagen.",
        "Der er en her, som hjælper mig med ansøgninger. Den hjælp får jeg ikke andre steder.",
    ),
    "dovne": ("Det ved jeg ikke rigtigt. Jeg kom her en dag og er blevet ved med at komme.",),
}

HVERDAG = {  # for those with an offer
    "aeldre_misbrugere": (
        "Jeg står op klokken syv og arbejder til frokost. Om eftermiddagen ser jeg fjernsyn.",
        "Jeg går en tur og hjælper til i køkkenet. Nogle dage bliver jeg bare på værelset.",
        "Arbejde om formiddagen, ellers ikke så meget.",
        "Jeg hjælper til, hvor der er brug for det, og hygger ellers med de andre.",
    ),
    "unge_misbrugere": (
        "Jeg er her fra klokken ni. Om eftermiddagen tager jeg hjem.",
        "Jeg er i gang fire dage om ugen og kommer her om eftermiddagen.",
    ),
    "etniske": (
        "Dansk om formiddagen og jobsøgning om eftermiddagen.",
        "Jeg arbejder i køkkenet tre dage om ugen, ellers er jeg hjemme med børnene.",
    ),
    "psykisk_paafaldende": ("Jeg kommer til morgenkaffe og bliver til frokost. Resten af dagen er jeg hjemme.",),
    "andet": ("Jeg hjælper med rengøringen, ellers er jeg på mit værelse.",),
}
HVERDAG_UDEN_TILBUD = (
    "Det er forskelligt. Nogle dage sover jeg længe, andre dage er jeg her fra morgenstunden.",
    "Jeg kommer her et par timer og tager hjem igen.",
    "Det er svært at komme op. Når jeg kommer herned, bliver dagen bedre.",
    "Jeg læser avis og går lange ture. Jeg snakker ikke så meget med nogen.",
)

TILBUD_INDHOLD = {
    ("boform_vaerested", "boform"): (
        "Arbejde på værkstedet, hvor vi laver møbler og reparerer cykler.",
        "Køkkenarbejde og rengøring på stedet.",
        "Gartneri og pasning af udearealerne.",
        "Skovarbejde og håndværksopgaver.",
        "Vedligeholdelse af bygningerne, fx maling og småreparationer.",
    ),
    ("boform_vaerested", "vaerested"): (
        "Aktiviteter på værestedet: madlavning, genbrugsværkstedet og udflugter.",
        "Hjælper til i caféen og med mad ud af huset.",
        "Kreative aktiviteter og fællesspisning på værestedet.",
    ),
    ("udenfor", ""): (
        "Kommunal aktivering på et lager.",
        "Praktik i en virksomhed gennem kommunen.",
        "Et projekt for tidligere misbrugere, hvor vi arbejdede med selvværd og job.",
        "Erhvervspraktik med en mentor fra værestedet.",
    ),
    ("ordinaert_arbejde", ""): ("Fast arbejde, som jeg fik efter en virksomhedspraktik.",),
    ("andet", ""): (
        "Sprogundervisning og et kursus i jobsøgning.",
        "Uddannelse. Jeg er i gang med at tage en uddannelse igen.",
    ),
}

UDBYTTE_GODT = {
    "aeldre_misbrugere": (
        "Jeg har noget at stå op til. Det holder mig fra misbruget.",
        "Jeg føler, at jeg kan bruges til noget igen.",
        "Rytmen i hverdagen. Og så er der nogen at snakke med.",
    ),
    "unge_misbrugere": (
        "Jeg har lært at møde til tiden, og jeg har fået en mentor, jeg kan ringe til.",
        "Det giver et indhold i hverdagen, så jeg ikke falder tilbage.",
    ),
    "etniske": (
        "Jeg er kommet tættere på et arbejde og har fået kontakt til en virksomhed.",
        "Bedre dansk og nogle kontakter.",
    ),
    "psykisk_paafaldende": ("Jeg kommer ud blandt andre mennesker. Det er det vigtigste.",),
    "andet": ("Jeg har fået lidt mere mod på tingene.",),
}
UDBYTTE_DAARLIGT = (
    "Ikke ret meget. Det føltes som dum i arbejde.",
    "Det var meningsløst. Vi lavede ting, som ingen skulle bruge.",
    "Jeg kunne ikke klare det og fik det værre bagefter.",
)
UDBYTTE_INTET = (
    "Jeg har ikke fået noget tilbud, så det er svært at sige.",
    "Ingenting. Der er ikke sket noget i min sag i lang tid.",
)
UDBYTTE_INTET_TILFREDS = "Jeg har ikke været i noget tilbud, men jeg er glad for at komme her."

ANDERLEDES_TILFREDS = (
    "Det ved jeg ikke. Det er fint, som det er.",
    "Ikke noget. Jeg er glad for at komme her.",
    "Måske kunne de have spurgt lidt mere til, hvad jeg selv ville.",
)
ANDERLEDES_KRITISK = {
    "aeldre_misbrugere": ("De kunne have spurgt mig, hvad jeg selv ville.",
                          "De skulle ikke bare have opgivet mig."),
    "unge_misbrugere": (
        "Sagsbehandleren skulle have lyttet til mig. Jeg blev bare sendt afsted.",
        "Jeg har selv bedt om at komme i arbejde, men der skete ingenting.",
    ),
    "etniske": ("Kommunen skulle have hjulpet mig med et arbejde, der passer til min uddannelse.",
                "Mere hjælp til at få kontakt til virksomheder."),
    "psykisk_paafaldende": ("Det ved jeg ikke.",),
    "andet": ("Måske skulle jeg have haft hjælp til at finde en bolig noget før.",),
}
ANDERLEDES_PSYKISK = "Jeg skulle have haft hjælp til det psykiske først."
ANDERLEDES_GAELD = ("Der skulle have været hjælp til gælden. Man føler sig dum, hvis man kæmper for at komme "
                    "i arbejde, og systemet så tager pengene alligevel.")

GODT_TILBUD = {
    "aeldre_misbrugere": (
        "Det skal ligne et rigtigt arbejde med faste tider.",
        "Man skal lave noget, der giver mening, og som andre kan bruge.",
        "Noget med håndværk, hvor man kan se, hvad man har lavet.",
    ),
    "unge_misbrugere": (
        "Det skal passe til det, man kan, og man skal selv være med til at bestemme.",
        "Noget hvor man lærer noget, man kan bruge bagefter, og ikke bare dum i arbejde.",
        "En mentor, der selv har prøvet det samme.",
    ),
    "etniske": ("Et tilbud, der fører til et rigtigt job.", "Hjælp til jobsøgning og kontakt til virksomheder."),
    "psykisk_paafaldende": ("Et sted, hvor man kan komme uden krav, og hvor der er nogen at snakke med.",),
    "andet": ("Noget at lave sammen med andre, så man ikke sidder alene.",),
}

FREMTID = {
    "arbejdsmarked": (
        "Jeg håber at have et fast arbejde om et par år.",
        "I arbejde, så mine børn kan være stolte af mig og ikke skal sige, at far er på kontanthjælp.",
        "I et rigtigt job, hvor jeg kan forsørge mig selv.",
    ),
    "begge": (
        "Jeg vil gerne have min egen lejlighed og måske et job på nedsat tid.",
        "Først skal jeg have det bedre, så vil jeg tage en uddannelse.",
    ),
    "hverdag": (
        "Jeg tager en dag ad gangen.",
        "Bare at blive her og have det godt.",
        "En stille hverdag med lidt at lave.",
        "Jeg tør ikke spå om fremtiden. Det går godt nu.",
    ),
}

SAMARBEJDE_TEKST = {
    "positivt": (
        "Godt. Kontaktpersonen her hjælper mig, også når jeg skal tale med kommunen.",
        "Sagsbehandleren har været god til at lytte.",
    ),
    "neutralt": ("Det har været okay. Jeg ser hende ikke så tit.", "Hverken godt eller dårligt."),
    "negativt": (
        "Sagsbehandleren er der aldrig og hjælper ikke med at finde noget.",
        "De bestemte det hele hen over hovedet på mig.",
    ),
}
SYLTET_TEKST = (
    "Jeg føler mig syltet af systemet. Jeg har ikke hørt fra kommunen i flere år.",
    "Jeg har ikke nogen sagsbehandler. Min sag ligger bare i en bunke.",
    "De har opgivet mig. Jeg skal bare læne mig tilbage i sofaen, siger de.",
)
BEDRE_HVORDAN = (
    "Hvis de havde lyttet til, hvad jeg selv ville.",
    "Mere kontakt og den samme sagsbehandler hele vejen.",
    "Hvis nogen havde fulgt op, så man ikke bare blev glemt.",
)
OFFENTLIGE_BIDRAG = {
    "reelt": ("Hjælp til at finde et job og en mentor, der følger op.",
              "En fast sagsbehandler, der hjælper med at komme videre."),
    "ikke_reelt": ("At jeg kan blive boende her.", "Ikke så meget. Bare at de lader mig være i fred."),
}
LOENNET_ARBEJDE_HVAD = {
    "aeldre_misbrugere": ("Arbejdsmand på byggepladser.", "Chauffør og lagerarbejde.", "Fabriksarbejde.",
                          "På havnen og lidt forefaldende arbejde."),
    "etniske": ("Forskellige jobs i restauranter.", "Rengøring og lidt fabriksarbejde."),
    "": ("Lidt ufaglært arbejde.", "Rengøring.", "Opvasker."),
}
UDDANNELSE = {
    "aeldre_misbrugere": ("Ingen.", "Startede i lære som murer, men blev ikke færdig.", "Ufaglært.",
                          "Lastbilkørekort."),
    "unge_misbrugere": ("Ingen. Jeg gik ud af skolen i 9. klasse.", "Gymnasiet, men ingen uddannelse bagefter.",
                        "Et grundforløb på en erhvervsskole."),
    "etniske": ("Gymnasium i hjemlandet.", "Ingen uddannelse."),
    "psykisk_paafaldende": ("Ingen.", "Et kontorkursus for mange år siden."),
    "andet": ("Ingen.", "Handelsskolen."),
}

# Notes to a few probes: the i-th text goes to every k-th respondent with that answer (roster order).
PROBE_NOTES = {
    ("rytme", "ja"): ("Det er godt at have noget at stå op til om morgenen.",
                      "Rytmen holder mig væk fra misbruget.", "Man skal være der klokken otte, ligesom på et arbejde."),
    ("kontakt", "ja"): ("Jeg har fået et par venner her.", "Vi hjælper hinanden, når det er svært."),
    ("kontakt", "nej"): ("Jeg holder mig mest for mig selv.",),
    ("arbejdsmarked", "ja"): ("Jeg fik en praktikplads gennem en mentor.", "Jeg har fået et arbejde på nedsat tid."),
    ("arbejdsmarked", "nej"): ("Jeg skal ikke tilbage på arbejdsmarkedet, det har kommunen sagt.",
                               "Med min ryg kan jeg ikke arbejde mere.",
                               "Der er ingen grund til at arbejde, så længe gælden tager det hele."),
    ("familie", "nej"): ("Jeg har ikke kontakt med min familie.",),
    ("sjovt", "nej"): ("Det er det samme hver dag.",),
}


# ----------------------------------------------------------------------------- construction

@dataclass(frozen=True)
class Person:
    respondent_id: str
    site: DemoSite
    gender: str
    age: int
    arketype: str
    group: str
    tilbud: str
    forsoergelse: str
    selected: str
    consent: str | None
    inddraget: str
    tilfredshed: str
    samarbejde: str
    bedre: str | None
    nok: str | None
    rigtige: str | None
    syltet: str
    arbejdsmarked: str | None   # ja / nej / None (not counted)


def _blank(v: str) -> str | None:
    return None if v == "-" else v


def roster() -> list[Person]:
    """The 61 respondents of ROSTER, in roster order (by site as in Oversigt over interview)."""
    lines = [ln.split() for ln in ROSTER.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    people = []
    for cells in rows:
        if len(cells) != len(header):
            raise ValueError(f"demo roster: {cells[0]} has {len(cells)} columns, expected {len(header)}")
        r = dict(zip(header, cells))
        rid, age = r["id"], int(r["alder"])
        decision = derive_group(r["arketype"], age)
        people.append(Person(
            respondent_id=rid, site=SITE_BY_PREFIX[rid[:3]], gender=GENDER[r["køn"]], age=age,
            arketype=r["arketype"], group=decision.group, tilbud=TILBUD[r["tilbud"]],
            forsoergelse=FORSOERGELSE[r["forsørg"]], selected=r["udv"], consent=_blank(r["samt"]),
            inddraget=r["indd"], tilfredshed=TILFREDSHED[r["tilfreds"]], samarbejde=SAMARBEJDE[r["samarb"]],
            bedre=_blank(r["bedre"]), nok=NOK.get(r["nok"]), rigtige=RIGTIGE.get(r["rigtige"]),
            syltet=r["syltet"], arbejdsmarked=_blank(r["am"])))
    return people


_TIER = {"tilfreds": 0, "ikke_vurderet": 1, "utilfreds": 2}


def _allocation_order(members: list[Person], shift: int) -> list[Person]:
    """Who answers `ja` first: the satisfied with an offer, then satisfied without, the not
    judged, the dissatisfied with and without an offer. Each block is rotated by `shift` so that
    different probes pick different people inside a block."""
    blocks: dict[tuple[int, bool], list[Person]] = {}
    for p in members:
        blocks.setdefault((_TIER[p.tilfredshed], p.tilbud == "intet_tilbud"), []).append(p)
    out = []
    for key in sorted(blocks):
        b = blocks[key]
        k = shift % len(b)
        out += b[k:] + b[:k]
    return out


def _spread(total: int, weights: dict[str, int], first: tuple[str, ...]) -> dict[str, int]:
    """Split `total` over groups in proportion to `weights` (largest remainder; ties to `first`)."""
    n = sum(weights.values())
    if total > n:
        raise ValueError(f"cannot spread {total} over {n}")
    if n == 0:
        return {g: 0 for g in weights}
    quota = {g: Fraction(total * w, n) for g, w in weights.items()}
    out = {g: int(q) for g, q in quota.items()}
    rest = total - sum(out.values())
    for g in sorted(weights, key=lambda g: (-(quota[g] - out[g]), first.index(g)))[:rest]:
        out[g] += 1
    return out


def _probe_answers(people: list[Person]) -> dict[str, dict[str, tuple[str | None, str | None]]]:
    """respondent_id -> probe -> (answer, importance), reproducing Tabel 4.1 and 4.2."""
    by_group = {g: [p for p in people if p.group == g] for g in GROUPS}
    out: dict[str, dict[str, tuple[str | None, str | None]]] = {p.respondent_id: {} for p in people}
    probes = ["arbejdsmarked"] + list(PROBE_PLAN)
    for shift, probe in enumerate(probes):
        answers: dict[str, str | None] = {}
        orders: dict[str, list[Person]] = {}
        for gi, g in enumerate(GROUPS):
            order = _allocation_order(by_group[g], shift)
            orders[g] = order
            if probe == "arbejdsmarked":          # explicit in the roster
                for p in order:
                    answers[p.respondent_id] = p.arbejdsmarked
                continue
            ja, nej = PROBE_PLAN[probe][gi]
            if ja + nej > len(order):
                raise ValueError(f"demo plan: {probe}/{g} has {ja}+{nej} answers for {len(order)} respondents")
            for i, p in enumerate(order):
                answers[p.respondent_id] = "ja" if i < ja else "nej" if i >= len(order) - nej else None
        # not counted: ikke_relevant for those with no offer, else uklart / blank / ikke_relevant in turn
        turn = 0
        for p in people:
            if answers[p.respondent_id] is None:
                if p.tilbud == "intet_tilbud":
                    answers[p.respondent_id] = "ikke_relevant"
                else:
                    answers[p.respondent_id] = NOT_COUNTED_CYCLE[turn % len(NOT_COUNTED_CYCLE)]
                    turn += 1
        # importance: Tabel 4.2's counts spread over the groups, then the first in allocation order
        # (for arbejdsmarked those without førtidspension first: section 4.5.2)
        first = WORK_FIRST if probe in WORK_PROBES else EVERYDAY_FIRST
        important: set[str] = set()
        for value, total in zip(("ja", "nej"), IMPORTANT[probe]):
            said = {g: [p for p in orders[g] if answers[p.respondent_id] == value] for g in GROUPS}
            share = _spread(total, {g: len(said[g]) for g in GROUPS}, first)
            for g in GROUPS:
                cands = said[g]
                if probe == "arbejdsmarked":
                    cands = sorted(cands, key=lambda p: p.forsoergelse == "foertidspension")
                important |= {p.respondent_id for p in cands[:share[g]]}
        for p in people:
            a = answers[p.respondent_id]
            if a in ("ja", "nej"):
                v = "ja" if p.respondent_id in important else ("uklart" if p.inddraget == "uklart" else "nej")
            elif a == "uklart":
                v = "uklart"
            else:
                v = None
            out[p.respondent_id][probe] = (a, v)
    return out


def _pick(texts: tuple[str, ...], i: int) -> str:
    return texts[i % len(texts)]


def _problemer(p: Person) -> str:
    base = {
        "den_aeldre": ("sociale", "misbrug_alkohol"),
        "gamle_junkie": ("sociale", "misbrug_stoffer"),
        "unge_misbruger": ("misbrug_stoffer",),
        "eks_misbruger": ("misbrug_alkohol",) if p.age >= 40 else ("misbrug_stoffer",),
        "psykisk_paafaldende": ("psykisk", "ensomhed"),
        "socialt_udfordrede": ("sociale", "ensomhed"),
        "etniske": ("sociale",),
        "dovne": ("indordne",),
    }[p.arketype]
    return ";".join(base + EXTRA_PROBLEMS.get(p.respondent_id, ()))


def _anderledes(p: Person, gi: int) -> str:
    """Hvad kunne være gjort anderledes? Critical answers from the dissatisfied and the syltet."""
    problems = _problemer(p).split(";")
    if p.tilfredshed == "tilfreds" and p.syltet == "nej" and p.samarbejde != "negativt":
        return _pick(ANDERLEDES_TILFREDS, gi)
    if "gaeld" in problems:
        return ANDERLEDES_GAELD
    if "psykisk" in problems and p.group == "unge_misbrugere":
        return ANDERLEDES_PSYKISK
    return _pick(ANDERLEDES_KRITISK[p.group], gi)


def _perspective(p: Person) -> str:
    """arbejdsmarkedsperspektiv: the report's second grouping (section 3.3)."""
    if p.group in ("etniske", "unge_misbrugere"):
        return "ikke_reelt" if p.forsoergelse == "foertidspension" else "reelt"
    if p.group == "andet":
        return "reelt" if p.forsoergelse == "kontanthjaelp" else "ikke_reelt"
    if p.group == "aeldre_misbrugere" and p.arbejdsmarked == "ja" and p.forsoergelse == "kontanthjaelp":
        return "reelt"
    return "ikke_reelt"


def _respondent_record(p: Person, i: int, gi: int, oi: int, probes: dict[str, tuple[str | None, str | None]],
                       notes: dict[tuple[str, str], dict[str, str]]) -> dict[str, str | None]:
    """Every code of one respondent. i: index in the roster, gi: index in the group, oi: index
    among those with an offer (-1 without)."""
    offered = p.tilbud != "intet_tilbud"
    boform = p.site.site_type == "boform"
    worked = p.arketype in ("den_aeldre", "gamle_junkie", "etniske", "socialt_udfordrede") \
        or p.tilbud == "ordinaert_arbejde"
    perspective = _perspective(p)
    fokus = ("arbejdsmarked" if p.arbejdsmarked == "ja" else "begge") if perspective == "reelt" else "hverdag"
    r: dict[str, str | None] = {
        "respondent_id": p.respondent_id,
        "site": p.site.name,
        "site_type": p.site.site_type,
        "interviewer": INTERVIEWER,
        "interview_date": p.site.date.isoformat(),
        "selected_by_staff": p.selected,
        "hvorfor_her": _pick(HVORFOR_HER[p.arketype], gi),
        "problemer": _problemer(p),
        "selvplacering": SELF_PLACEMENT.get(p.respondent_id, p.arketype),
        "gender": p.gender,
        "age": str(p.age),
        "skoleaar": str(17 if p.respondent_id in ENGINEERS else 12 + gi % 3 if p.group == "etniske" else 7 + i % 4),
        "uddannelse": ("Ingeniør, uddannet i hjemlandet." if p.respondent_id in ENGINEERS
                       else _pick(UDDANNELSE[p.group], gi)),
        "loennet_arbejde": "ja" if worked else "nej",
        "loennet_arbejde_hvad": (None if not worked else "Ingeniør i hjemlandet, før jeg flygtede."
                                 if p.respondent_id in ENGINEERS
                                 else _pick(LOENNET_ARBEJDE_HVAD.get(p.group, LOENNET_ARBEJDE_HVAD[""]), gi)),
        "arbejdsrytme": ("ja" if p.arketype in ("den_aeldre", "etniske") or p.tilbud == "ordinaert_arbejde"
                         else "nej") if worked else None,
        "hverdag": _pick(HVERDAG[p.group], gi) if offered else _pick(HVERDAG_UDEN_TILBUD, gi),
        "hverdagsrutine": "ja" if offered or boform else "nej",
        "forsoergelse": p.forsoergelse,
        "aktiveret": "ja" if offered else "nej",
        "tilbudstype": p.tilbud,
        "udbytte_aabent": ((UDBYTTE_INTET_TILFREDS if p.tilfredshed == "tilfreds" else _pick(UDBYTTE_INTET, gi))
                           if not offered else _pick(UDBYTTE_GODT[p.group], gi) if p.tilfredshed == "tilfreds"
                           else _pick(UDBYTTE_DAARLIGT, gi)),
        "kan_bruge_senere": ("ja" if p.tilfredshed == "tilfreds" else "nej") if offered else None,
        "overensstemmelse": ("ja" if p.tilfredshed == "tilfreds" and p.nok != "nej" else "nej") if offered else None,
        "anderledes": _anderledes(p, gi),
        "andre_problemer_foerst": "ja" if p.syltet == "ja" or "psykisk" in _problemer(p).split(";") else "nej",
        "samarbejde_beskrivelse": (_pick(SYLTET_TEKST, gi) if p.syltet == "ja"
                                   else _pick(SAMARBEJDE_TEKST[p.samarbejde], gi)
                                   if p.samarbejde in SAMARBEJDE_TEKST else None),
        "kunne_vaere_bedre_hvordan": _pick(BEDRE_HVORDAN, i) if p.bedre == "ja" else None,
        "godt_tilbud": _pick(GODT_TILBUD[p.group], gi),
        "fremtid": _pick(FREMTID[fokus], gi),
        "fremtid_fokus": fokus,
        "offentlige_bidrag": _pick(OFFENTLIGE_BIDRAG[perspective], i),
        "consent_journal": p.consent,
        "arketype": p.arketype,
        "brugergruppe": p.group if p.respondent_id in EXPLICIT_GROUP else None,
        "arbejdsmarkedsperspektiv": perspective,
        "samlet_tilfredshed": p.tilfredshed,
        "inddraget": p.inddraget,
        "rigtige_mennesker": p.rigtige,
        "samarbejde": p.samarbejde,
        "lyttet_til": {"positivt": "ja", "neutralt": "delvist", "negativt": "nej"}.get(p.samarbejde),
        "enige": ENIGE_OVERRIDE.get(p.respondent_id,
                                    {"positivt": "ja", "neutralt": "delvist", "negativt": "nej"}.get(p.samarbejde)),
        "kunne_vaere_bedre": p.bedre,
        "syltet": p.syltet,
        # issue 14: the section 4.4 typology of the dissatisfied, from who they are (no random draw, so
        # the published numbers above stay as they are)
        "utilfreds_type": _utilfreds_type(p, offered) if p.tilfredshed == "utilfreds" else None,
    }
    if offered:
        if p.inddraget == "nej":
            hvem = "sagsbehandler"
        elif p.tilbud == "boform_vaerested":
            hvem = "kontaktperson" if boform else "bruger"
        else:
            hvem = "faelles" if p.tilbud in ("udenfor", "ordinaert_arbejde") else "sagsbehandler"
        if p.group == "psykisk_paafaldende":
            plan, why, pay = "ved_ikke", "almen_trivsel", "ved_ikke"
        elif p.tilbud == "boform_vaerested":
            plan = "handleplan" if boform else "ingen"
            why = "pligt_krav;hverdagsrytme" if p.site.name in ARBEJDSPLIGT else "almen_trivsel;hverdagsrytme"
            pay = "ja" if boform else "nej"
        else:
            plan = {"udenfor": "jobplan", "ordinaert_arbejde": "jobplan", "andet": "begge"}[p.tilbud]
            why = "pligt_krav;beskaeftigelsesrettet" if p.inddraget == "nej" else "beskaeftigelsesrettet"
            pay = "ja" if p.tilbud == "ordinaert_arbejde" else "nej"
        site_type = p.site.site_type if p.tilbud == "boform_vaerested" else ""
        r.update({
            # issue 14: chose it myself, how recent the offer is, the Bilag B question
            "valgte_selv": "ja" if hvem in ("bruger", "faelles") else "nej",
            "tilbud_aktualitet": ("igangvaerende", "igangvaerende", "seneste_1_2_aar", "aeldre")[oi % 4],
            "vigtigste_problemer": "nej" if r["andre_problemer_foerst"] == "ja" else "ja",
            "hvem_bestemte": hvem, "plan": plan, "begrundelse": why, "nok_med_at_bestemme": p.nok,
            "betaling": pay, "tilbud_indhold": _pick(TILBUD_INDHOLD[(p.tilbud, site_type)], oi),
            "egne_erfaringer": "ja" if worked else "nej",
            "varighed_mdr": "8" if p.tilbud == "ordinaert_arbejde" else _pick(
                ("6", "14", "3", "24", "9", "1.5", "36", "12", "4", "18", "2"), oi),
        })
    for probe, (answer, important) in probes.items():
        r[probe] = answer
        r[f"{probe}_vigtigt"] = important
        r[f"{probe}_note"] = notes.get((probe, answer or ""), {}).get(p.respondent_id)
    return r


def _utilfreds_type(p: Person, offered: bool) -> str:
    """The kinds of dissatisfaction of section 4.4 (the four groups), as the demo's people fit them."""
    kinds = []
    if p.syltet == "ja":
        kinds.append("overladt")
    if not offered or p.nok == "nej":
        kinds.append("mangler_tilbud")
    if p.group == "psykisk_paafaldende" or (p.group == "unge_misbrugere" and p.gender == "kvinde"):
        kinds.append("kan_ikke_klare")
    if p.group == "etniske":
        kinds.append("jobstoette")
    return ";".join(kinds or ["mangler_tilbud"])


def _notes(people: list[Person], probes) -> dict[tuple[str, str], dict[str, str]]:
    """PROBE_NOTES spread evenly over the respondents who gave that answer (roster order)."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for (probe, answer), texts in PROBE_NOTES.items():
        ids = [p.respondent_id for p in people if probes[p.respondent_id][probe][0] == answer]
        step = max(1, len(ids) // len(texts))
        out[(probe, answer)] = {rid: text for rid, text in zip(ids[::step], texts)}
    return out


def build_demo_frame(guide: Guide) -> pd.DataFrame:
    """The demo study as a canonical wide frame: the guide's codes in guide order, one row per
    respondent sorted by respondent_id, every cell a str or None. Raises ValueError if the guide
    does not accept a demo value (e.g. a changed guide)."""
    people = roster()
    probes = _probe_answers(people)
    notes = _notes(people, probes)
    group_index: dict[str, int] = {}
    offer_index = 0
    records = []
    for i, p in enumerate(people):
        gi = group_index[p.group] = group_index.get(p.group, -1) + 1
        oi = -1
        if p.tilbud != "intet_tilbud":
            oi, offer_index = offer_index, offer_index + 1
        records.append(_respondent_record(p, i, gi, oi, probes[p.respondent_id], notes))
    codes = guide.codes
    rows = []
    for rec in records:
        row = {}
        for code in codes:
            canon, problem = guide.check_value(code, rec.get(code))
            if problem is not None or canon != rec.get(code):
                raise ValueError(f"demo {rec['respondent_id']}, {code}={rec.get(code)!r}: "
                                 + (problem.text() if problem else f"not canonical ({canon!r})"))
            row[code] = canon
        if row.get("brugergruppe") and row["brugergruppe"] != derive_group(row["arketype"], row["age"]).group:
            raise ValueError(f"demo {row['respondent_id']}: explicit group contradicts the rule")
        rows.append(row)
    df = pd.DataFrame(rows, columns=codes, dtype=object)
    return df.sort_values("respondent_id", kind="stable").reset_index(drop=True)


