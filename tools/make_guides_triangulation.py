"""Writes the first versions of the four triangulation guides (issue 7) into survey/guide/:

    sagsbehandler.xlsx   interview with the user's case worker in the municipality
    kontaktperson.xlsx   interview with the user's contact person at the boform/værested
    leder.xlsx           interview with the leader of a site (linked to the site, not a user)
    journal.xlsx         extraction form for a case file (the municipality's or the boform's)

Same XLSForm format as the user guide (survey / choices / settings, custom column
``brugerblik_rolle``); `survey.guide.load_guide` checks and loads them. As with
tools/make_guide.py the .xlsx files are the source of truth once written: a researcher edits
them and bumps ``version``; running this again overwrites those edits, so only do it on purpose.

Where the guides come from. The report (Rambøll, seeds/004) does *not* print these guides: it
says the case-worker and contact-person guides "varied" with the user's interview and file
(section 3.2.1). What it does give is what the interviews and files were used for — section
3.2.1 (what the files were read for), chapter 5 (leaders and contact persons), chapter 6
(case workers: purpose, outcome, decisions, handleplaner) and 7.4 (do the parties agree on the
offer and its purpose). The questions below are written from that analysis; every guide says
so in its settings sheet (column ``brugerblik_note``).

Comparable codes. Where a case worker's, contact person's or file's account is to be set side
by side with the user's own (the offer, its purpose, who decided; also the social problems,
the plan and "enough say"), the item has the user guide's *code and choice list*, copied here
from survey/guide/brugerguide.xlsx at build time, so a comparison is code by code.

    python tools/make_guides_triangulation.py [target-dir]
"""
from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from survey.guide import DEFAULT_GUIDE, load_guide  # noqa: E402
from tools.mark_identifiers import mark_sheet  # noqa: E402

COLUMNS = ["type", "name", "label", "hint", "required", "relevant", "constraint",
           "constraint_message", "appearance", "brugerblik_rolle"]
VERSION = "2026.1"
REPORT = "Rambøll Management: brugerundersøgelse af aktivitets- og beskæftigelsestilbud til socialt udsatte"

#: Choice lists taken unchanged from the user guide (the comparison is code by code).
SHARED_LISTS = ("ja_nej", "ja_nej_vedikke", "ja_nej_delvist", "site_type", "problemer", "tilbudstype",
                "hvem", "plan", "begrundelse", "samarbejde", "arbejdsmarkedsperspektiv", "forsoergelse")

KONKRET = "${fokus} = 'konkret'"
TILBUD = "${fokus} = 'konkret' and ${tilbudstype} != 'intet_tilbud'"

OWN_LISTS: dict[str, list[tuple[str, str]]] = {
    "fokus": [("konkret", "Om den konkrete bruger"),
              ("generelt", "Generelt (kender ikke brugeren indgående)")],
    "kendskab": [("godt", "Godt – har fulgt brugeren"), ("noget", "Noget"),
                 ("intet", "Kender ikke brugeren (kun sagen)")],
    "lovgrundlag": [("sel", "Lov om social service (SEL)"),
                    ("lab", "Lov om en aktiv beskæftigelsesindsats (LAB)"),
                    ("andet", "Andet (fx Lov om aktiv socialpolitik, puljemidler)"),
                    ("uoplyst", "Uoplyst")],
    "matchgruppe": [("1", "Matchgruppe 1"), ("2", "Matchgruppe 2"), ("3", "Matchgruppe 3"),
                    ("4", "Matchgruppe 4"), ("5", "Matchgruppe 5"),
                    ("ikke_visiteret", "Ikke visiteret"), ("ved_ikke", "Ved ikke")],
    "kp_rolle": [("kontaktperson", "Kontaktperson"), ("socialraadgiver", "Socialrådgiver på stedet"),
                 ("leder", "Lederen af stedet"), ("anden", "Anden medarbejder")],
    "deltagelse": [("krav", "Et krav (fx arbejdspligt)"),
                   ("frivilligt", "Et tilbud, brugeren kan tage imod eller lade være"),
                   ("blandet", "Både og")],
    "tilbud_typer": [("sociale_aktiviteter", "Sociale aktiviteter (udflugter, sport, madlavning)"),
                     ("daglig_drift", "Daglig drift (køkken, rengøring, vedligeholdelse)"),
                     ("vaerksted", "Værksteds- og produktionsaktiviteter"),
                     ("landbrug_gartneri", "Landbrug, gartneri, skovarbejde"),
                     ("jobsoegning", "Jobsøgning, jobklub, mentor"),
                     ("undervisning", "Undervisning (fx dansk)"),
                     ("kommunal_aktivering", "Kommunal aktivering på stedet")],
    "sigte_leder": [("samvaer", "Livskvalitet gennem socialt samvær"),
                    ("rytme", "Rytme og indhold i hverdagen"),
                    ("afklaring", "Afklaring af faglige og sociale færdigheder"),
                    ("arbejdsmarked", "Vej mod arbejdsmarkedet"),
                    ("misbrug", "Ud af misbrug, en sundere hverdag"),
                    ("frirum", "Et frirum, hvor man kan være")],
    "samarbejdspartnere": [("kommune", "Kommunen (sagsbehandlere, jobcenter)"),
                           ("misbrugscenter", "Misbrugscenter/behandlingssted"),
                           ("kriminalforsorgen", "Kriminalforsorgen"),
                           ("virksomheder", "Virksomheder"),
                           ("brugerorganisation", "Brugerorganisation (fx SAND)"),
                           ("andre", "Andre")],
    "kilde": [("kommune", "Kommunens journal"), ("boform", "Boformens journal")],
    "ordning": [("lab_32", "Særligt tilrettelagt projekt/uddannelsesforløb (LAB § 32)"),
                ("lab_42", "Virksomhedspraktik (LAB § 42)"),
                ("lab_51", "Ansættelse med løntilskud (LAB § 51)"),
                ("sel_87_1", "Beskyttet beskæftigelse (SEL § 87, stk. 1)"),
                ("sel_87_2", "Særligt tilrettelagt beskæftigelsesforløb (SEL § 87, stk. 2)"),
                ("sel_88", "Aktivitets- og samværstilbud (SEL § 88)"),
                ("mentor", "Vikar- og mentorordning (puljefinansieret)"),
                ("andet", "Andet"), ("uoplyst", "Fremgår ikke")],
    "handleplan_paragraf": [("sel_111", "SEL § 111 (nummerering 2006)"),
                            ("sel_141", "SEL § 141 (nummerering fra 2007)"),
                            ("uoplyst", "Paragraf ikke angivet")],
    "andre_planer": [("opholdsplan", "Opholdsplan"), ("behandlingsplan", "Behandlingsplan"),
                     ("andet", "Anden plan")],
    "deltagere": [("bruger", "Brugeren"), ("sagsbehandler", "Sagsbehandleren"),
                  ("kontaktperson", "Kontaktpersonen"), ("andre", "Andre")],
}


class _Rows(list):
    def add(self, type_, name, label="", hint="", required="", relevant="", constraint="",
            constraint_message="", appearance="", rolle=""):
        self.append(dict(type=type_, name=name, label=label, hint=hint, required=required,
                         relevant=relevant, constraint=constraint, constraint_message=constraint_message,
                         appearance=appearance, brugerblik_rolle=rolle))

    def end(self):
        self.add("end_group", "")


SAME = "Samme koder som i brugerinterviewet, så de to fortællinger kan sammenlignes kode for kode (afsnit 7.4)."


def _user_link(r: _Rows, who: str, id_hint: str) -> None:
    r.add("text", "respondent_id", "Brugerens respondent-id (pseudonym)",
          hint="Id'et fra brugerens eget interview, fx AMA-01. Aldrig navn eller CPR-nummer.",
          required="yes", rolle="meta")
    r.add("text", "informant_id", f"{who} id (pseudonym)", hint=id_hint, required="yes", rolle="meta")


def sagsbehandler_rows() -> list[dict]:
    r = _Rows()
    r.add("note", "om_guiden", "Interview med brugerens sagsbehandler i kommunen. Rapporten gengiver ikke "
          "denne spørgeguide; spørgsmålene er skrevet ud fra dens kapitel 6 og afsnit 7.4. Læs brugerens "
          "interview og journal før interviewet.")
    r.add("begin_group", "interviewet", "Interviewet", rolle="meta")
    _user_link(r, "Sagsbehandlerens", "Fx SB-07. Samme id, hver gang den samme sagsbehandler interviewes, så "
               "antallet af personer kan tælles (rapporten: 34 brugeres sagsbehandlere, 28 personer). Aldrig navn.")
    r.add("text", "kommune", "Kommune", rolle="meta")
    r.add("text", "interviewer", "Interviewer", rolle="meta")
    r.add("date", "interview_date", "Interviewdato", rolle="meta")
    r.add("select_one fokus", "fokus", "Interviewets fokus", required="yes", rolle="meta",
          hint="Kapitel 6: omkring halvdelen af interviewene blev generelle, fordi sagsbehandleren ikke "
               "kendte brugeren indgående. Ved «generelt» springes spørgsmålene om den konkrete bruger over.")
    r.end()

    r.add("begin_group", "brugeren", "Brugeren og sagen")
    r.add("select_one kendskab", "kendskab", "Hvor godt kender du brugeren?")
    r.add("select_multiple problemer", "problemer", "Hvilke sociale problemer har brugeren efter din vurdering?",
          hint=SAME, relevant=KONKRET)
    r.add("text", "forloeb", "Hvordan har brugerens forløb været frem mod tilbuddet?", relevant=KONKRET)
    r.end()

    r.add("begin_group", "tilbuddet", "Tilbuddet: sigte og udbytte")
    r.add("select_one tilbudstype", "tilbudstype",
          "Hvilket aktivitets- eller beskæftigelsestilbud har brugeren senest fået?", hint=SAME, relevant=KONKRET)
    r.add("text", "tilbud_indhold", "Hvad går tilbuddet ud på?", relevant=TILBUD)
    r.add("select_one lovgrundlag", "lovgrundlag", "Efter hvilken lov er tilbuddet givet?",
          hint="Fx SEL § 87/§ 88 eller LAB § 32/§ 42.", relevant=TILBUD)
    r.add("select_multiple begrundelse", "begrundelse", "Hvad var sigtet med tilbuddet?",
          hint=SAME + " Brugerens spørgsmål: «Hvorfor var det lige det, der blev krævet?»", relevant=TILBUD)
    r.add("select_one ja_nej", "sigte_afklaring", "Var sigtet (også) at afklare, hvad brugeren kan magte?",
          hint="Afsnit 6.1: afklaring af muligheder og kompetencer er den første af tre hensigter, "
               "sagsbehandlerne nævner. Brugerens liste har den ikke.", relevant=TILBUD)
    r.add("text", "udbytte", "Hvad har brugeren efter din vurdering fået ud af tilbuddet?", relevant=TILBUD)
    r.add("select_one ja_nej", "udbytte_vurderet", "Er udbyttet af tilbuddet blevet vurderet eller fulgt op?",
          relevant=TILBUD)
    r.add("select_one ja_nej_vedikke", "rigtige_tilbud", "Har brugeren efter din vurdering fået det rigtige tilbud?",
          hint="Afsnit 6.2: kun to sagsbehandlere svarede nej i de konkrete interview.", relevant=TILBUD)
    r.end()

    r.add("begin_group", "beslutningen", "Beslutningen om tilbuddet")
    r.add("select_one hvem", "hvem_bestemte", "Hvem bestemte, at brugeren skulle deltage i tilbuddet?",
          hint=SAME, relevant=TILBUD)
    r.add("select_one ja_nej_delvist", "nok_med_at_bestemme",
          "Var brugeren efter din vurdering nok med til at bestemme, hvad der skulle ske?",
          hint="Samme spørgsmål og koder som brugerens (Figur 7.4).", relevant=TILBUD)
    r.add("select_one ja_nej_vedikke", "valg_mellem_flere", "Blev der valgt mellem flere mulige tilbud?",
          relevant=TILBUD)
    r.add("text", "beslutningsgrundlag", "På hvilket grundlag blev netop dette tilbud valgt?",
          hint="Indfang: matchning af bruger og tilbud, brugerens motivation, hvad der var ledigt, tidspres.",
          relevant=TILBUD)
    r.end()

    r.add("begin_group", "planer", "Handleplan, jobplan og opfølgning")
    r.add("select_one plan", "plan", "Er tilbuddet et led i en handleplan eller en jobplan?", hint=SAME,
          relevant=TILBUD)
    r.add("select_one ja_nej_vedikke", "opfoelgning", "Har der været opfølgningssamtaler mindst hver tredje måned?",
          relevant=KONKRET)
    r.add("select_one samarbejde", "samarbejde_sted",
          "Hvordan er samarbejdet med boformen/værestedet om brugeren?", relevant=KONKRET)
    r.end()

    r.add("begin_group", "arbejdsmarked", "Arbejdsmarkedsperspektiv")
    r.add("select_one matchgruppe", "matchgruppe", "Hvilken matchgruppe er brugeren visiteret til?",
          relevant=KONKRET)
    r.add("select_one arbejdsmarkedsperspektiv", "arbejdsmarkedsperspektiv",
          "Har brugeren efter din vurdering et reelt arbejdsmarkedsperspektiv?",
          hint="Samme koder som forskerens kodning af brugeren.", relevant=KONKRET)
    r.add("text", "fremtid", "Hvor ser du brugeren om et par år?", relevant=KONKRET)
    r.end()

    r.add("begin_group", "generelt", "Generelt om tilbud til socialt udsatte")
    r.add("text", "generelt_sigte", "Hvad er generelt sigtet med aktivitets- og beskæftigelsestilbud til socialt udsatte?")
    r.add("select_one ja_nej_delvist", "egnede_tilbud", "Findes der egnede tilbud til socialt udsatte?",
          hint="Afsnit 6.2: i de generelle interview peges der på, at det er svært at finde tilbud til matchgruppe 5.")
    r.add("select_one ja_nej_delvist", "kendskab_tilbud", "Har du tilstrækkeligt kendskab til, hvilke tilbud der findes?")
    r.add("text", "generelt_planer", "Hvornår udarbejder I handleplaner og jobplaner?",
          hint="Afsnit 6.3: i de generelle interview siges handleplaner at blive lavet «stort set altid».")
    r.add("text", "noter", "Noter (uden navne og CPR-numre)")
    r.end()
    return r


def kontaktperson_rows() -> list[dict]:
    r = _Rows()
    r.add("note", "om_guiden", "Interview med brugerens kontaktperson på boformen/værestedet. Rapporten gengiver "
          "ikke denne spørgeguide; spørgsmålene er skrevet ud fra dens kapitel 5 og afsnit 7.4.")
    r.add("begin_group", "interviewet", "Interviewet", rolle="meta")
    _user_link(r, "Kontaktpersonens", "Fx KP-AMA-1. Samme id for den samme person (rapporten: 42 brugeres "
               "kontaktpersoner, 21 personer). Er kontaktpersonen også brugerens sagsbehandler, bruges "
               "sagsbehandlerens id. Aldrig navn.")
    r.add("select_one kp_rolle", "kp_rolle", "Kontaktpersonens funktion på stedet", rolle="meta",
          hint="På Møltrup er kontaktpersonen primært lederen (afsnit 5.3).")
    r.add("text", "interviewer", "Interviewer", rolle="meta")
    r.add("date", "interview_date", "Interviewdato", rolle="meta")
    r.add("select_one fokus", "fokus", "Interviewets fokus", required="yes", rolle="meta",
          hint="«Generelt»: interview om stedets tilbud generelt, ikke om brugeren (som på KFUM's kollegium, "
               "fodnote 12).")
    r.end()

    r.add("begin_group", "brugeren", "Brugeren")
    r.add("select_one kendskab", "kendskab", "Hvor godt kender du brugeren?")
    r.add("select_multiple problemer", "problemer", "Hvilke sociale problemer har brugeren efter din vurdering?",
          hint=SAME, relevant=KONKRET)
    r.add("text", "brugerens_hverdag", "Hvordan ser brugerens hverdag ud her på stedet?", relevant=KONKRET)
    r.end()

    r.add("begin_group", "tilbuddet", "Tilbuddet")
    r.add("select_one tilbudstype", "tilbudstype", "Hvilket aktivitets- eller beskæftigelsestilbud har brugeren "
          "senest fået?", hint=SAME, relevant=KONKRET)
    r.add("text", "tilbud_indhold", "Hvad går tilbuddet ud på?", relevant=TILBUD)
    r.add("select_multiple begrundelse", "begrundelse", "Hvad er sigtet med tilbuddet for brugeren?",
          hint=SAME, relevant=TILBUD)
    r.add("select_one deltagelse", "deltagelse", "Er deltagelse et krav, eller kan brugeren tage imod tilbuddet "
          "eller lade være?", hint="Afsnit 5.1: nogle boformer kræver deltagelse i den daglige drift.",
          relevant=TILBUD)
    r.add("text", "udbytte", "Hvad får brugeren efter din vurdering ud af tilbuddet?", relevant=TILBUD)
    r.add("select_one ja_nej_vedikke", "rigtige_tilbud", "Har brugeren efter din vurdering fået det rigtige tilbud?",
          relevant=TILBUD)
    r.end()

    r.add("begin_group", "beslutningen", "Beslutningen om tilbuddet")
    r.add("select_one hvem", "hvem_bestemte", "Hvem bestemte, at brugeren skulle deltage i tilbuddet?",
          hint=SAME, relevant=TILBUD)
    r.add("select_one ja_nej_delvist", "nok_med_at_bestemme",
          "Var brugeren efter din vurdering nok med til at bestemme, hvad der skulle ske?",
          hint="Samme spørgsmål og koder som brugerens (Figur 7.4).", relevant=TILBUD)
    r.add("text", "matchning", "Hvorfor fik brugeren netop dette tilbud?",
          hint="Afsnit 5.2: den eneste matchning, der gennemgående fortælles om, er at det var det, brugeren "
               "havde lyst til.", relevant=TILBUD)
    r.end()

    r.add("begin_group", "planer_samarbejde", "Planer og samarbejdet med kommunen")
    r.add("select_one plan", "plan", "Er tilbuddet et led i en handleplan eller en jobplan?", hint=SAME,
          relevant=TILBUD)
    r.add("select_one ja_nej_vedikke", "plan_paa_stedet", "Har stedet lavet en opholds- eller handleplan med "
          "brugeren?", hint="Afsnit 5.1: det er boformerne, der tager initiativ til handleplaner, i det omfang "
          "det sker.", relevant=KONKRET)
    r.add("select_one samarbejde", "samarbejde_kommune",
          "Hvordan er samarbejdet med brugerens sagsbehandler i kommunen?", relevant=KONKRET)
    r.add("select_one ja_nej_vedikke", "kommunen_kontakt", "Holder kommunen løbende kontakt med brugeren?",
          relevant=KONKRET)
    r.end()

    r.add("begin_group", "arbejdsmarked", "Arbejdsmarkedsperspektiv")
    r.add("select_one arbejdsmarkedsperspektiv", "arbejdsmarkedsperspektiv",
          "Har brugeren efter din vurdering et reelt arbejdsmarkedsperspektiv?",
          hint="Samme koder som forskerens kodning af brugeren.", relevant=KONKRET)
    r.add("text", "fremtid", "Hvor ser du brugeren om et par år?", relevant=KONKRET)
    r.add("text", "generelt", "Generelt: hvad kan aktivitets- og beskæftigelsestilbud gøre for brugerne her?")
    r.add("text", "noter", "Noter (uden navne og CPR-numre)")
    r.end()
    return r


def leder_rows() -> list[dict]:
    r = _Rows()
    r.add("note", "om_guiden", "Interview med lederen af boformen/værestedet — om stedet, ikke om de enkelte "
          "brugere. Rapporten gengiver ikke denne spørgeguide; spørgsmålene er skrevet ud fra afsnit 3.2.1 og "
          "kapitel 5.")
    r.add("begin_group", "interviewet", "Interviewet", rolle="meta")
    r.add("text", "site", "Boform/værested", required="yes", rolle="meta")
    r.add("select_one site_type", "site_type", "Type af sted", required="yes", rolle="meta")
    r.add("text", "informant_id", "Lederens id (pseudonym)", hint="Fx LE-AMA. Aldrig navn.", required="yes",
          rolle="meta")
    r.add("text", "interviewer", "Interviewer", rolle="meta")
    r.add("date", "interview_date", "Interviewdato", rolle="meta")
    r.end()

    r.add("begin_group", "tilbud", "Stedets aktivitets- og beskæftigelsestilbud")
    r.add("text", "tilbud_paa_stedet", "Hvilke aktivitets- og beskæftigelsestilbud har stedet?")
    r.add("select_multiple tilbud_typer", "tilbud_typer", "Typer af tilbud på stedet")
    r.add("integer", "antal_i_aktivering", "Hvor mange brugere er i kommunal aktivering på stedet?",
          constraint=". >= 0 and . <= 1000", constraint_message="Et antal mellem 0 og 1000.")
    r.add("select_one deltagelse", "deltagelse", "Er deltagelse et krav, eller kan brugerne tage imod tilbuddene "
          "eller lade være?", hint="Afsnit 5.1: nogle boformer har arbejdspligt.")
    r.end()

    r.add("begin_group", "sigte_grp", "Formål, muligheder og begrænsninger")
    r.add("select_multiple sigte_leder", "sigte", "Hvad er sigtet med stedets tilbud?",
          hint="Afsnit 5.1: værestederne fremhæver socialt samvær og frirum, boformerne afklaring, rytme og "
               "vejen ud af misbrug.")
    r.add("select_one ja_nej_delvist", "beskaeftigelsesrettet", "Er stedets tilbud beskæftigelsesrettede?")
    r.add("text", "muligheder", "Hvilke muligheder ser du i aktivitets- og beskæftigelsestilbud til socialt udsatte?")
    r.add("text", "begraensninger", "Hvilke begrænsninger ser du?")
    r.end()

    r.add("begin_group", "beslutning_grp", "Hvordan besluttes, hvilket tilbud der gives?")
    r.add("text", "beslutning", "Hvordan besluttes det, hvilket tilbud en bruger får?")
    r.add("select_one ja_nej_delvist", "matchning", "Matcher I bestemte typer af brugere med bestemte tilbud?")
    r.add("select_one ja_nej_delvist", "planer_paa_stedet", "Udarbejder stedet opholds- eller handleplaner "
          "sammen med brugerne?")
    r.add("select_one ja_nej_delvist", "brugerforslag", "Kommer brugerne selv med forslag til aktiviteter?")
    r.end()

    r.add("begin_group", "samarbejde_grp", "Samarbejdet med andre")
    r.add("select_multiple samarbejdspartnere", "samarbejdspartnere", "Hvem samarbejder stedet med?")
    r.add("select_one samarbejde", "samarbejde_kommune", "Hvordan er samarbejdet med den kommunale myndighed?")
    r.add("select_one ja_nej_vedikke", "kommunen_traekker_sig",
          "Oplever I, at kommunen trækker sig fra sagen, når brugeren er kommet her?",
          hint="Afsnit 5.1 og 6.2.")
    r.add("text", "samarbejde_beskrivelse", "Beskriv samarbejdet med kommunen om den enkelte bruger.")
    r.end()

    r.add("begin_group", "vurdering", "Lederens vurdering af de konkrete tilbud")
    r.add("text", "vurdering_tilbud", "Hvordan vurderer du de konkrete tilbud her på stedet?")
    r.add("text", "noter", "Noter (uden navne og CPR-numre)")
    r.end()
    return r


def journal_rows() -> list[dict]:
    r = _Rows()
    r.add("note", "om_guiden", "Udtræk af en journal. Må kun åbnes, når brugeren har givet tilladelse til "
          "journalindsigt (consent_journal = ja). Skriv aldrig navne eller CPR-numre af. Rapporten gengiver ikke "
          "skemaet; punkterne er dem, afsnit 3.2.1 siger, journalerne blev læst for, og tællingerne i afsnit 6.3.")
    r.add("begin_group", "journalen", "Journalen", rolle="meta")
    r.add("text", "respondent_id", "Brugerens respondent-id (pseudonym)",
          hint="Id'et fra brugerens interview, fx AMA-01.", required="yes", rolle="meta")
    r.add("select_one kilde", "kilde", "Hvis journal?", required="yes", rolle="meta")
    r.add("text", "kommune", "Kommune (som oplyst)", relevant="${kilde} = 'kommune'", rolle="meta")
    r.add("text", "interviewer", "Læst af", rolle="meta")
    r.add("date", "interview_date", "Dato for journallæsningen", rolle="meta")
    r.end()

    r.add("begin_group", "forloeb_grp", "Forløbet frem mod tilbuddet")
    r.add("text", "forloeb", "Brugerens forløb frem mod et tilbud (resumé)")
    r.add("select_one forsoergelse", "forsoergelse", "Forsørgelsesgrundlag ifølge journalen", hint=SAME)
    r.end()

    r.add("begin_group", "tilbuddet", "Tilbuddet i journalen")
    r.add("select_one tilbudstype", "tilbudstype", "Det seneste aktivitets- eller beskæftigelsestilbud", hint=SAME)
    r.add("select_one ordning", "ordning", "Ordning", relevant="${tilbudstype} != 'intet_tilbud'")
    r.add("select_one lovgrundlag", "lovgrundlag", "Tilbuddets lovgrundlag",
          relevant="${tilbudstype} != 'intet_tilbud'")
    r.add("text", "lovgrundlag_paragraf", "Paragraf, som den står i journalen (fx SEL § 87, stk. 2)",
          relevant="${tilbudstype} != 'intet_tilbud'")
    r.add("date", "tilbud_startdato", "Tilbuddet startede", relevant="${tilbudstype} != 'intet_tilbud'")
    r.add("select_multiple begrundelse", "begrundelse", "Begrundelse for tilbuddet, som den står i journalen",
          hint=SAME + " Tom: ingen begrundelse i journalen.", relevant="${tilbudstype} != 'intet_tilbud'")
    r.end()

    r.add("begin_group", "planer", "Handleplan og jobplan")
    r.add("select_one ja_nej", "handleplan", "Foreligger der en handleplan efter serviceloven?", required="yes",
          hint="Kun en egentlig handleplan efter SEL § 111 (i dag § 141) tælles (afsnit 6.3); opholdsplaner o.l. "
               "registreres under «Andre planer».")
    r.add("select_one handleplan_paragraf", "handleplan_paragraf", "Paragraf i handleplanen",
          relevant="${handleplan} = 'ja'")
    r.add("date", "handleplan_dato", "Handleplanens dato", relevant="${handleplan} = 'ja'")
    r.add("select_one ja_nej", "handleplan_maal", "Indeholder handleplanen aktivitets- og "
          "beskæftigelsesmålsætninger?", relevant="${handleplan} = 'ja'")
    r.add("select_one ja_nej", "jobplan", "Foreligger der en jobplan efter Lov om en aktiv beskæftigelsesindsats?",
          required="yes")
    r.add("date", "jobplan_dato", "Jobplanens dato", relevant="${jobplan} = 'ja'")
    r.add("select_one ja_nej", "jobplan_tilbud", "Indgår det aktuelle tilbud i jobplanen?",
          relevant="${jobplan} = 'ja'")
    r.add("select_multiple andre_planer", "andre_planer", "Andre planer i journalen")
    r.end()

    r.add("begin_group", "vurdering", "Vurdering af udbytte og opfølgning")
    r.add("select_one ja_nej", "vurdering_udbytte", "Er der i journalen en vurdering af udbyttet af tilbuddet?",
          required="yes")
    r.add("text", "vurdering_udbytte_tekst", "Vurderingen (resumé)", relevant="${vurdering_udbytte} = 'ja'")
    r.add("select_one ja_nej", "opfoelgning", "Er der holdt opfølgningsmøder mindst hver tredje måned?")
    r.add("date", "seneste_notat_dato", "Dato for seneste notat i sagen",
          hint="Afsnit 7.3: sager, der havde ligget stille i mindst 1½ år.")
    r.end()

    r.add("begin_group", "beslutning", "Beslutningen om tilbuddet")
    r.add("select_one ja_nej", "beslutning_dokumenteret", "Fremgår det af journalen, hvem der deltog i "
          "beslutningen om tilbuddet?")
    r.add("select_multiple deltagere", "deltagere_beslutning", "Hvem deltog ifølge journalen i beslutningen?",
          relevant="${beslutning_dokumenteret} = 'ja'")
    r.add("text", "noter", "Noter (uden navne og CPR-numre)")
    r.end()
    return r


GUIDES: dict[str, dict] = {
    "sagsbehandler": dict(
        file="sagsbehandler.xlsx", rows=sagsbehandler_rows,
        lists=("fokus", "kendskab", "lovgrundlag", "matchgruppe"),
        settings={
            "form_title": "Spørgeguide til interview med brugerens sagsbehandler",
            "form_id": "brugerblik_sagsbehandler",
            "brugerblik_kilde": f"{REPORT}, afsnit 3.2.1, kapitel 6 og afsnit 7.4 (koder: brugerguiden)",
            "brugerblik_note": "Rapporten gengiver ikke sagsbehandlerguiden (afsnit 3.2.1: guiderne varierede med "
                               "brugerens interview og journal). Spørgsmålene er skrevet ud fra det, kapitel 6 og "
                               "afsnit 7.4 analyserer: sigte, udbytte, beslutningen, planer og arbejdsmarkeds"
                               "perspektiv. Tilbud, sigte, hvem der bestemte, problemer, plan og «nok med til at "
                               "bestemme» har brugerguidens koder.",
        }),
    "kontaktperson": dict(
        file="kontaktperson.xlsx", rows=kontaktperson_rows,
        lists=("fokus", "kendskab", "kp_rolle", "deltagelse"),
        settings={
            "form_title": "Spørgeguide til interview med brugerens kontaktperson på boformen/værestedet",
            "form_id": "brugerblik_kontaktperson",
            "brugerblik_kilde": f"{REPORT}, afsnit 3.2.1, kapitel 5 og afsnit 7.4 (koder: brugerguiden)",
            "brugerblik_note": "Rapporten gengiver ikke kontaktpersonguiden. Spørgsmålene er skrevet ud fra det, "
                               "kapitel 5 og afsnit 7.4 analyserer: tilbuddet og dets sigte, hvordan det blev "
                               "valgt, planer og samarbejdet med kommunen. Tilbud, sigte og hvem der bestemte har "
                               "brugerguidens koder.",
        }),
    "leder": dict(
        file="leder.xlsx", rows=leder_rows,
        lists=("tilbud_typer", "deltagelse", "sigte_leder", "samarbejdspartnere"),
        settings={
            "form_title": "Spørgeguide til interview med lederen af boformen/værestedet",
            "form_id": "brugerblik_leder",
            "brugerblik_kilde": f"{REPORT}, afsnit 3.2.1 og kapitel 5",
            "brugerblik_note": "Rapporten gengiver ikke lederguiden; den siger kun, at interviewet handlede om "
                               "formål, muligheder og begrænsninger og om lederens vurdering af stedets tilbud "
                               "(afsnit 3.2.1). Spørgsmålene er skrevet ud fra kapitel 5. Knyttet til stedet, "
                               "ikke til en bruger.",
        }),
    "journal": dict(
        file="journal.xlsx", rows=journal_rows,
        lists=("kilde", "ordning", "lovgrundlag", "handleplan_paragraf", "andre_planer", "deltagere"),
        settings={
            "form_title": "Skema til udtræk af journaloplysninger (kommune eller boform)",
            "form_id": "brugerblik_journal",
            "brugerblik_kilde": f"{REPORT}, afsnit 3.2.1, 6.2, 6.3 og 7.3 og Bilag C",
            "brugerblik_note": "Rapporten gengiver ikke skemaet. Punkterne er dem, afsnit 3.2.1 nævner (forløb, "
                               "handleplaner og jobplaner med aktivitetsmål, vurdering af udbyttet, hvem der var "
                               "med i beslutningen), og det, afsnit 6.3 tæller (§ 111-handleplaner, jobplaner). "
                               "Ordninger og paragraffer efter rapportens lovgivningsnotat. Kun med samtykke.",
        }),
}


def build_one(informant: str, target: Path, user_choices: dict[str, list[tuple[str, str]]]) -> Path:
    spec = GUIDES[informant]
    rows = spec["rows"]()
    used = {r["type"].split()[1] for r in rows if r["type"].startswith("select_")}
    lists: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(used, key=lambda n: (n not in SHARED_LISTS, n)):
        if name in SHARED_LISTS:
            lists[name] = user_choices[name]
        elif name in OWN_LISTS:
            lists[name] = OWN_LISTS[name]
        else:
            raise KeyError(f"{informant}: choice list {name!r} is neither shared nor own")
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(COLUMNS)
    for row in rows:
        ws.append([row[c] for c in COLUMNS])
    ch = wb.create_sheet("choices")
    ch.append(["list_name", "name", "label"])
    for list_name, items in lists.items():
        for name, label in items:
            ch.append([list_name, name, label])
    settings = {"form_title": spec["settings"]["form_title"], "form_id": spec["settings"]["form_id"],
                "version": VERSION, "default_language": "Dansk (da)", "brugerblik_informant": informant,
                "brugerblik_kilde": spec["settings"]["brugerblik_kilde"],
                "brugerblik_note": spec["settings"]["brugerblik_note"]}
    st = wb.create_sheet("settings")
    st.append(list(settings))
    st.append(list(settings.values()))
    for sheet in (ws, ch, st):
        sheet.freeze_panes = "A2"
    for col, width in zip("ABCD", (30, 26, 70, 50)):
        ws.column_dimensions[col].width = width
    mark_sheet(ws)  # column brugerblik_identifikator (issue 12, tools/mark_identifiers.py)
    path = target / spec["file"]
    wb.save(path)
    return path


def build(target: str | Path = ROOT / "survey" / "guide") -> list[Path]:
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    user = load_guide(DEFAULT_GUIDE)
    user_choices = {name: [(c.value, c.label) for c in user.choices[name]] for name in SHARED_LISTS}
    return [build_one(informant, target, user_choices) for informant in GUIDES]


if __name__ == "__main__":
    for p in build(sys.argv[1] if len(sys.argv) > 1 else ROOT / "survey" / "guide"):
        g = load_guide(p)
        print(f"{p}: {g.form_id} {g.version}, {len(g.items)} koder")
