"""Writes the first version of survey/guide/brugerguide.xlsx (Bilag B as an XLSForm).

The .xlsx is the source of truth from then on: a researcher edits it in Excel or
LibreOffice and bumps `version` on the settings sheet. This script is kept so the
first version's content can be reviewed as text; running it again overwrites
the researcher's edits, so only do that on purpose.

    python tools/make_guide.py survey/guide/brugerguide.xlsx
"""
from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tools.mark_identifiers import mark_sheet  # noqa: E402

PROBE_Q = {
    "arbejdsmarked": "Har tilbuddet bragt dig tættere på arbejdsmarkedet?",
    "rytme": "Har tilbuddet givet dig en rytme i hverdagen?",
    "sjovt": "Har tilbuddet været sjovt og udfordrende?",
    "mod": "Har tilbuddet givet dig mod på tilværelsen?",
    "bolig": "Har tilbuddet givet bedre muligheder for at bo uden for institutioner?",
    "familie": "Har tilbuddet været med til at give dig en bedre kontakt til din familie?",
    "kontakt": "Har tilbuddet givet dig tættere kontakter til andre mennesker, eller har du fået nogle venner gennem tilbuddet?",
    "sundhed": "Har tilbuddet givet dig bedre sundhed/helse?",
    "skrive_laese": "Har tilbuddet gjort det lettere for dig at skrive, læse, regne eller lign.?",
    "faglige_evner": "Har tilbuddet givet dig nogle faglige evner?",
    "virksomheder": "Har tilbuddet givet dig nogle kontakter i fx virksomheder?",
    "jobsoegning": "Har tilbuddet lært dig at søge job?",
}
PROBE_HINT = {
    "mod": "Indfang: Hvordan?",
    "faglige_evner": "Indfang: Har du lært noget, du kan bruge i et arbejde på et senere tidspunkt? Hvad?",
}

COLUMNS = ["type", "name", "label", "hint", "required", "relevant", "constraint",
           "constraint_message", "appearance", "brugerblik_rolle"]

NOT_NONE = "${tilbudstype} != 'intet_tilbud'"


def survey_rows() -> list[dict]:
    r: list[dict] = []

    def add(type_, name, label, hint="", required="", relevant="", constraint="",
            constraint_message="", appearance="", rolle=""):
        r.append(dict(type=type_, name=name, label=label, hint=hint, required=required,
                      relevant=relevant, constraint=constraint,
                      constraint_message=constraint_message, appearance=appearance,
                      brugerblik_rolle=rolle))

    add("begin_group", "interviewet", "Interviewet", rolle="meta")
    add("text", "respondent_id", "Respondent-id (pseudonym)",
        hint="Stedets forkortelse og løbenummer, fx AMA-01. Aldrig navn eller CPR-nummer.",
        required="yes", rolle="meta")
    add("text", "site", "Boform/værested", required="yes", rolle="meta")
    add("select_one site_type", "site_type", "Type af sted", required="yes", rolle="meta")
    add("text", "interviewer", "Interviewer", rolle="meta")
    add("date", "interview_date", "Interviewdato", rolle="meta")
    add("select_one ja_nej", "selected_by_staff", "Udvalgt af personalet på forhånd?")
    add("end_group", "", "")

    add("begin_group", "om_dig", "Om dig")
    add("text", "hvorfor_her", "Hvorfor er du her på boformen/værestedet?",
        hint="Indfang: Hvilke sociale problemer? Misbrug af alkohol eller stoffer? Psykiske problemer? "
             "Ensomhed? Svært ved at indordne sig? Tidligere gæld? Spillelidenskab?",
        required="yes")
    add("select_multiple problemer", "problemer", "Problemer, brugeren nævner (indfang)",
        hint="Sæt kryds ved det, brugeren selv fortæller om.")
    add("select_one arketype", "selvplacering",
        "I undersøgelsen prøver vi at få fat på mennesker med forskellige problemer. Det kræver, at vi "
        "lidt firkantet placerer folk i kasser. Hvilken kasse vil du placere dig selv i, hvis du skulle vælge?",
        hint="Præsenter arketyperne ved navn (kortene vises herunder).", appearance="arketypekort")
    add("select_one gender", "gender", "Køn", hint="Noteres af intervieweren.", required="yes")
    add("integer", "age", "Hvor gammel er du?", required="yes",
        constraint=". >= 16 and . <= 110", constraint_message="Alder skal være mellem 16 og 110 år.")
    add("integer", "skoleaar", "Hvor længe har du gået i skole? (år)",
        constraint=". >= 0 and . <= 25", constraint_message="Skoleår skal være mellem 0 og 25.")
    add("text", "uddannelse", "Har du nogen uddannelse?")
    add("select_one ja_nej", "loennet_arbejde", "Har du haft lønnet arbejde?", required="yes")
    add("text", "loennet_arbejde_hvad", "Hvad?", relevant="${loennet_arbejde} = 'ja'")
    add("select_one ja_nej", "arbejdsrytme",
        "Var der en dagligdags arbejdsrytme organiseret i forhold til tid?",
        relevant="${loennet_arbejde} = 'ja'")
    add("text", "hverdag", "Hvad laver du på en normal hverdag?",
        hint="Indfang: Kan du beskrive den? Er der nogle steder, du skal være på bestemte tidspunkter i "
             "løbet af en dag? I løbet af en uge? Kunne du tænke dig, at din hverdag forløb anderledes?")
    add("select_one ja_nej", "hverdagsrutine", "Har du en hverdagsrutine?")
    add("select_one forsoergelse", "forsoergelse", "Forsørgelsesgrundlag",
        hint="Fra interviewet eller journalen.")
    add("end_group", "", "")

    add("begin_group", "aktivering", "Aktivering")
    add("select_one ja_nej", "aktiveret",
        "Har du oplevet at blive sat i aktivering af kommunen, eller har du oplevet, at andre – fx "
        "personalet på en boform eller på et værested – krævede, at du skulle deltage i særlige aktiviteter?",
        required="yes")
    add("select_one tilbudstype", "tilbudstype", "Hvilken type aktivitet er der blevet tilbudt?",
        hint="Det sidste tilbud, brugeren har modtaget eller modtager nu.", required="yes")
    add("select_one hvem", "hvem_bestemte",
        "Hvem bestemte, at du skulle deltage i det aktivitets- eller beskæftigelsestilbud?",
        relevant=NOT_NONE)
    add("select_one plan", "plan", "Var det et led i en handleplan eller en jobplan?",
        hint="Indfang: Havde du været med til at lave en handlingsplan eller andet, før du kom i aktivering?",
        relevant=NOT_NONE)
    add("select_multiple begrundelse", "begrundelse", "Hvorfor var det lige det, der blev krævet?",
        relevant=NOT_NONE)
    add("select_one ja_nej_delvist", "nok_med_at_bestemme",
        "Var du nok med til at bestemme, hvad der skulle ske?",
        hint="Indfang: Hvordan blev du inddraget i beslutningen? Hvordan ville du gerne have været mere inddraget?",
        relevant=NOT_NONE)
    add("select_one ja_nej_vedikke", "betaling", "Fik du penge for arbejdet?",
        hint="Bruges som test på, om det er aktivering efter Lov om social service eller Lov om aktiv "
             "beskæftigelsesindsats. Spørg om brugeren selv ved det.",
        relevant=NOT_NONE)
    add("text", "tilbud_indhold", "Hvad gik/går din aktivering ud på?", relevant=NOT_NONE)
    add("select_one ja_nej", "egne_erfaringer",
        "Kunne du bruge dine egne tidligere erfaringer i aktiveringstilbuddet?",
        hint="Indfang: Ville du gerne have kunnet bruge dine tidligere erfaringer mere?",
        relevant=NOT_NONE)
    add("decimal", "varighed_mdr", "Hvor længe har du været der/hvor længe var du der? (måneder)",
        constraint=". >= 0 and . <= 600", constraint_message="Varighed i måneder, 0–600.",
        relevant=NOT_NONE)
    add("text", "udbytte_aabent", "Hvad får/fik du ud af tilbuddet?",
        hint="Først helt åbent – derpå probing for teser. Følg op med at spørge til vigtighed: "
             "Var/er det vigtigt for dig?")
    add("end_group", "", "")

    add("begin_group", "udbytte", "Udbytte", appearance="probegrid")
    for code, q in PROBE_Q.items():
        add("select_one probe_svar", code, q, hint=PROBE_HINT.get(code, ""))
        add("select_one vigtig", f"{code}_vigtigt", "Er det vigtigt for dig?",
            relevant=f"${{{code}}} != '' and ${{{code}}} != 'ikke_relevant'")
        add("text", f"{code}_note", "Note")
    add("select_one ja_nej", "kan_bruge_senere",
        "Mener du, at du har fået noget ud af aktiveringstilbuddet, som du kan bruge senere i dit liv?")
    add("select_one ja_nej", "overensstemmelse",
        "Er der overensstemmelse mellem det, du gerne vil have ud af tilbuddet, og det du mener, man kan "
        "få ud af tilbuddet?")
    add("end_group", "", "")

    add("begin_group", "anderledes_grp", "Hvad kunne være gjort anderledes?")
    add("text", "anderledes", "Hvad kunne være gjort anderledes?",
        hint="Indfang: Er det de rigtige mennesker, du snakker med?")
    add("select_one ja_nej", "andre_problemer_foerst", "Er der andre problemer, der skulle handles på først?")
    add("end_group", "", "")

    add("begin_group", "samarbejde_grp", "Samarbejdet med socialarbejdere")
    add("text", "samarbejde_beskrivelse",
        "Når du ser tilbage på dit samarbejde med socialarbejdere i forhold til at blive aktiveret eller "
        "få aktivitetstilbud, hvordan vil du så beskrive det?",
        hint="Indfang: Er der blevet lyttet til dine holdninger? Har I været enige i jeres vurderinger af, "
             "hvad der skulle gøres og hvorfor? Kunne samarbejdet have været bedre?")
    add("text", "kunne_vaere_bedre_hvordan", "Kunne samarbejdet have været bedre? Hvordan?")
    add("end_group", "", "")

    add("begin_group", "godt_tilbud_grp", "Ønskerne til det gode tilbud")
    add("text", "godt_tilbud",
        "Hvordan synes du, et rigtig godt aktiverings- eller aktivitetstilbud skal se ud?",
        hint="Indfang: Hvad vil du gerne have ud af det? Hvordan ville du få det ud af det, du gerne vil? "
             "Hvad skulle man konkret lave?")
    add("end_group", "", "")

    add("begin_group", "fremtid_grp", "Om fremtiden")
    add("text", "fremtid", "Hvor ser du dig selv i fremtiden?")
    add("select_one fremtid_fokus", "fremtid_fokus", "Fokus i svaret",
        hint="Fokus på arbejdsmarkedet eller fokus på hverdagen.")
    add("text", "offentlige_bidrag", "Hvordan kan det offentlige system bidrage til at realisere disse ønsker?")
    add("end_group", "", "")

    add("begin_group", "samtykke", "Samtykkeerklæring")
    add("select_one ja_nej", "consent_journal",
        "Som et led i undersøgelsen vil vi gerne have lov til at læse nogle af dine journaler. Vi vil lede "
        "efter forskellige sagsbehandleres beskrivelser af de tilbud, du har fået, og deres begrundelser "
        "for, hvorfor det lige er de tilbud. Ingen af de oplysninger vi læser, vil blive nedskrevet, så de "
        "kan ledes tilbage til dig efterfølgende. Giver du tilladelse?",
        hint="Brugeren udfylder den vedlagte blanket. Svaret registreres med tidspunkt og guideversion.",
        required="yes")
    add("end_group", "", "")

    add("begin_group", "kodning", "Forskerens kodning", rolle="forsker")
    add("select_one arketype", "arketype", "Arketype (forskerens kodning)", rolle="forsker")
    add("select_one brugergruppe", "brugergruppe", "Brugergruppe",
        hint="Tom: udledes af arketypen efter reglen.", rolle="forsker")
    add("select_one arbejdsmarkedsperspektiv", "arbejdsmarkedsperspektiv", "Arbejdsmarkedsperspektiv",
        rolle="forsker")
    add("select_one tilfredshed", "samlet_tilfredshed", "Samlet tilfredshed med tilbuddet", rolle="forsker")
    add("select_one ja_nej_uklart", "inddraget", "Inddraget i beslutningen om tilbuddet", rolle="forsker")
    add("select_one ja_nej_vedikke", "rigtige_mennesker",
        "Er det de rigtige mennesker, der har været involveret i beslutning om tilbuddet?", rolle="forsker")
    add("select_one samarbejde", "samarbejde",
        "Hvordan vil du beskrive samarbejdet med sagsbehandleren om aktivitets- og beskæftigelsestilbuddet?",
        rolle="forsker")
    add("select_one ja_nej_delvist", "lyttet_til", "Er der blevet lyttet til dine holdninger?", rolle="forsker")
    add("select_one ja_nej_delvist", "enige",
        "Har I været enige i jeres vurderinger af, hvad der skulle gøres og hvorfor?", rolle="forsker")
    add("select_one ja_nej", "kunne_vaere_bedre", "Kunne samarbejdet have været bedre?", rolle="forsker")
    add("select_one ja_nej", "syltet", "Føler sig syltet af systemet", rolle="forsker")
    add("end_group", "", "")
    return r


CHOICES = {
    "ja_nej": [("ja", "Ja"), ("nej", "Nej")],
    "site_type": [("boform", "Boform"), ("vaerested", "Værested")],
    "gender": [("kvinde", "Kvinde"), ("mand", "Mand")],
    "problemer": [("sociale", "Sociale problemer"), ("misbrug_alkohol", "Misbrug af alkohol"),
                  ("misbrug_stoffer", "Misbrug af stoffer"), ("psykisk", "Psykiske problemer"),
                  ("ensomhed", "Ensomhed"), ("indordne", "Svært ved at indordne sig"),
                  ("gaeld", "Tidligere gæld"), ("spil", "Spillelidenskab")],
    "arketype": [("den_aeldre", "Den ældre"), ("gamle_junkie", "Den gamle junkie"),
                 ("unge_misbruger", "Den unge misbruger"),
                 ("eks_misbruger", "Eks-junkien og eks-alkoholikeren"),
                 ("psykisk_paafaldende", "Den psykisk påfaldende"),
                 ("socialt_udfordrede", "Den socialt udfordrede"), ("etniske", "Den etniske"),
                 ("dovne", "Den dovne")],
    "forsoergelse": [("kontanthjaelp", "Kontanthjælp"), ("foertidspension", "Førtidspension"),
                     ("pension", "Pension"), ("andet", "Andet")],
    "tilbudstype": [("boform_vaerested", "Tilbud på boformen/værestedet"),
                    ("udenfor", "Tilbud uden for boform/værested"),
                    ("ordinaert_arbejde", "Ordinært arbejde"), ("andet", "Andet (fx uddannelse)"),
                    ("intet_tilbud", "Intet tilbud")],
    "hvem": [("sagsbehandler", "Sagsbehandleren"), ("kontaktperson", "Kontaktpersonen"),
             ("bruger", "Brugeren selv"), ("faelles", "I fællesskab"), ("andet", "Andre")],
    "plan": [("handleplan", "Handleplan"), ("jobplan", "Jobplan"), ("begge", "Både handleplan og jobplan"),
             ("ingen", "Ingen plan"), ("ved_ikke", "Ved ikke")],
    "begrundelse": [("pligt_krav", "Pligt/krav"), ("almen_trivsel", "Almen trivsel"),
                    ("hverdagsrytme", "Hverdagsrytme"), ("beskaeftigelsesrettet", "Beskæftigelsesrettet")],
    "ja_nej_delvist": [("ja", "Ja"), ("nej", "Nej"), ("delvist", "Delvist")],
    "ja_nej_vedikke": [("ja", "Ja"), ("nej", "Nej"), ("ved_ikke", "Ved ikke")],
    "ja_nej_uklart": [("ja", "Ja"), ("nej", "Nej"), ("uklart", "Uklart")],
    "probe_svar": [("ja", "Ja"), ("nej", "Nej"), ("ikke_relevant", "Ikke relevant"), ("uklart", "Uklart")],
    "vigtig": [("ja", "Ja"), ("nej", "Nej"), ("uklart", "Uklart")],
    "fremtid_fokus": [("arbejdsmarked", "Fokus på arbejdsmarkedet"), ("hverdag", "Fokus på hverdagen"),
                      ("begge", "Begge")],
    "brugergruppe": [("andet", "Andet"), ("etniske", "De etniske"),
                     ("psykisk_paafaldende", "De psykisk påfaldende"),
                     ("unge_misbrugere", "De unge misbrugere"),
                     ("aeldre_misbrugere", "De ældre misbrugere")],
    "arbejdsmarkedsperspektiv": [("reelt", "Reelt arbejdsmarkedsperspektiv"),
                                 ("ikke_reelt", "Ikke reelt arbejdsmarkedsperspektiv")],
    "tilfredshed": [("tilfreds", "Tilfreds"), ("utilfreds", "Utilfreds"), ("ikke_vurderet", "Ikke vurderet")],
    "samarbejde": [("positivt", "Positivt"), ("neutralt", "Neutralt"), ("negativt", "Negativt"),
                   ("ingen_vurdering", "Ingen vurdering")],
}

SETTINGS = {
    "form_title": "Spørgeguide til interview med brugere af aktivitets- og beskæftigelsestilbud",
    "form_id": "brugerblik_bruger",
    "version": "2026.1",
    "default_language": "Dansk (da)",
    "brugerblik_kilde": "Bilag B i Rambøll Management: brugerundersøgelse af aktivitets- og "
                        "beskæftigelsestilbud til socialt udsatte (koder: shared/spec/instrument.md)",
}


def build(path: str) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(COLUMNS)
    for row in survey_rows():
        ws.append([row[c] for c in COLUMNS])
    ch = wb.create_sheet("choices")
    ch.append(["list_name", "name", "label"])
    for list_name, items in CHOICES.items():
        for name, label in items:
            ch.append([list_name, name, label])
    st = wb.create_sheet("settings")
    st.append(list(SETTINGS))
    st.append(list(SETTINGS.values()))
    for sheet in (ws, ch, st):
        sheet.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 26
    ws.column_dimensions["C"].width = 70
    ws.column_dimensions["D"].width = 50
    mark_sheet(ws)  # column brugerblik_identifikator (issue 12, tools/mark_identifiers.py)
    wb.save(path)


if __name__ == "__main__":
    build(sys.argv[1] if len(sys.argv) > 1 else "survey/guide/brugerguide.xlsx")
