"""Anonymisation of quotes and free text before they leave the research team (issues 4 and 12).

    Anonymiser.from_store(engine).mask("Fatima Zahra Hansen ringede fra 12 34 56 78")
    -> "[navn] ringede fra [telefon]"

What is masked, and with which tag
----------------------------------
==========  ===============  ==============================================================
kind        tag              what
==========  ===============  ==============================================================
navn        ``[navn]``       person names of every origin (the name lists below), nicknames
                             ("lange peter"), the study's own names (interviewers) and the
                             researcher's always-mask list
cpr         ``[cpr]``        ddmmyy-xxxx, ddmmyyxxxx, ddmmyy xxxx, dd.mm.yy-xxxx,
                             dd-mm-yy-xxxx, dd/mm/yy-xxxx (also with a space before the
                             serial); valid day 01–31 and month 01–12, no modulus-11 check
telefon     ``[telefon]``    Danish 8-digit numbers, optional +45/0045, written 12345678,
                             12 34 56 78, 12-34-56-78, 12.34.56.78 or 1234 5678
email       ``[adresse]``    e-mail addresses (an e-mail *address*: the issue's five tags
                             have no e-mail tag; `Span.kind` still says "email")
adresse     ``[adresse]``    street + house number (+ floor, + postcode and town), and a
                             postcode directly before a known town ("8000 Aarhus C")
sted        ``[sted]``       towns and municipalities, the study's site names and the
                             always-mask list's places
sagsnr      ``[sagsnr]``     a case or journal number after its cue ("Sagsnr. 27.12.08-P20-1-23",
                             "j.nr. 2023-12345", "Sag 2023-0456789"): `CASE_RE`
==========  ===============  ==============================================================

`Anonymiser.spans(text)` gives the `Span(start, end, kind, text, rule)` list (offsets into the
original) so a page can show original and masked text side by side with highlights; `rule`
says why, in Danish: the list with its source and the name's origin ("fornavn (names-dataset:
TR)", "efternavn (Faker da_DK)", a full name's parts joined with " + "), the evidence that made
an everyday word a name ("; før fx 'sagde'"), or the pattern or list ("CPR-mønster", "gade og
husnummer", "by eller kommune (stedlisten)", "sted i studiet", "interviewer i studiet",
"studiets liste (maskeres altid)", "kælenavn: …"). `Anonymiser.explain(text)` also gives the
spans' positions in the masked text. The output is deterministic, a span never contains a line
break (one line in, one line out), and nothing here logs or prints the text. Text with
decomposed diacritics (as some editors write "s" + combining cedilla) is matched in NFC and the
spans point into the text as written.

Word lists
----------
* Danish names: Faker's ``da_DK`` person provider (``first_names_male``, ``first_names_female``,
  ``first_names``, ``last_names``; ~500 first names, 91 surnames), read from the provider's
  attributes — nothing is generated.
* Names of every origin: ``coding/data/navne.tsv.gz`` (205,768 names; 833 KiB), built once by
  ``tools/build_names.py`` and committed, so the 55 MB names-dataset wheel is no dependency and
  loading costs ~0.2 s and ~14 MB (once per process). Sources, named with their versions in the
  file's header:

  - names-dataset 3.3.1 (PyPI, MIT): first names and surnames per country, with ranks. 52
    countries: the origins of immigrants and descendants in Denmark that the data set has
    (Turkey, Syria, Iraq, Lebanon, Palestine, Iran, Afghanistan, Poland, Moldova for Romanian,
    Serbia, Croatia, Slovenia, Albania, Bulgaria, Djibouti and Ethiopia for Somali and
    Eritrean names, Bangladesh and India for South Asian, the Maghreb, Egypt, the Gulf states
    — where many Pakistanis live —, China, the Philippines …), and the Nordic, British and US
    lists, which carry names of every origin as written there. It has no list for Somalia,
    Pakistan, Romania, Bosnia, Vietnam or Thailand.
  - Faker's Latin-script person providers of 40 other locales (the installed version): among
    them en_PK, en_TH, vi_VN and ro_RO for the origins names-dataset lacks, tr_TR, pl_PL,
    hr_HR, sl_SI, and sv_SE, whose lists include Somali names. Arabic-, Persian- and
    Cyrillic-script locales are not used: the texts are written in Latin letters.
  - PyThaiNLP 5.4.0 (PyPI, Apache-2.0): its corpus of Thai first and family names (22,058 in
    Thai script), romanised to RTGS by its bundled model and also in the spellings Thai names
    usually have in passports ("Siriphon"/"Siriporn", "Mali"/"Malee", "Prasoet"/"Prasert",
    "Duangchai"/"Duangjai"): 39,116 names no other source has. Rule: tools/build_names.py.

  Thresholds (why these): names-dataset's ranks come from public profiles; the head of each
  country's list is clean, the tail holds typos, nicknames and words typed into the name field,
  and that noise is mostly unique to one country. So a country's list is read in bands of 500
  ranks and a band is taken while at least half of its Latin-script one-word names also occur in
  another country's list; always the first 1,000 ranks (a country's common names are real even
  when local, like Danish surnames), never more than 5,000 (most Arabic, Western and large
  lists reach 5,000; Denmark's first names stop at 3,500, its surnames at 1,000, Djibouti's and
  Ethiopia's at 1,000). Only one-word Latin-script names of 2–20 letters pass; hyphenated
  entries are split; every name with diacritics also gets its plain spelling ("Ayşe"/"Ayse",
  "Łukasz"/"Lukasz", "Nguyễn"/"Nguyen"; Danish æ, ø, å are kept).

  Ordinary words (why they stay): every name in the file carries flags, computed at build time
  from the word lists the project already has — ``w``: its lower-case form (or the form as
  written) is a form or a lemma in spacy-lookups-data's Danish ``lemma_lookup`` table (553,116
  forms; 3,481 names are Danish words: "Ben", "Van", "Ion", "Skov", "Dag"); ``e``: an everyday
  English word (spacy-lookups-data's ``en`` lexeme_prob: log-probability above -10.5 and likelier
  in lower case than capitalised: "Will", "Long", "Said", "Can"); ``s``: a Danish stop word
  (spaCy's list: "Han", "Min", "Lille" — never a name from this list); ``p``: the name + s is a
  Danish word ("Seks", "Boks": never the possessive of "Sek", "Bok").
  ``coding/data/ikke_navne.txt`` (by hand) and Faker's Danish country names list words the broad
  list must never take for names: countries, regions and big cities of origin ("Polen", "Iran",
  "Kabul"), religious words and feasts ("Allah", "Jesus", "Eid"), greetings ("Hej", "Okay"),
  shops and services ("Netto", "Facebook").
* Common names of immigrant backgrounds: ``coding/data/navne_almindelige.txt`` (12,509 names, built
  by ``tools/build_common_names.py``; sources and rules in its docstring): names-dataset's first names
  and surnames of rank <= 300 in 28 countries of origin (Turkey, Syria, Iraq, Lebanon, Palestine, Iran,
  Afghanistan, Poland, Russia, Moldova, the Balkans, Djibouti and Ethiopia, the Maghreb, Egypt, the Gulf
  states …), Faker's en_PK, vi_VN, ro_RO, pl_PL, tr_TR and hr_HR lists, and a hand list of common
  spellings no source has (Somali "Xamse", "Maxamed"; Eritrean "Tesfay"; Kurdish "Rebin"; Ukrainian
  "Oksana", "Shevchenko"; Vietnamese "Nguyen" in plain letters; "Mohammad"/"Muhammad"/"Mohamed"). Danish
  and everyday English words, Danish stop words and ``ikke_navne.txt`` are left out, and so are loans and
  slang of Danish quotes ("rehab", "nada", "habibi", "salam"). Why: in lower case only the Danish list
  was masked without evidence — a tester found «mette» masked and «fatima», «nguyen», «yılmaz» left.
  A name of this list no broad source has ("Xamse") is also a name when capitalised.
* Towns: ``coding/data/steder_da.txt`` (the 98 municipalities, larger towns, city districts,
  old spellings; sources in the file) plus Faker's ``da_DK`` address provider ``cities`` (~560
  postal towns). Town entries that are also Faker's Danish first names (Faker lists "Flemming",
  "Tim" as towns) count as names; a name from the broad list never hides a town ("Holstebro").
* The study's own names (`Anonymiser.from_store`): every `Site.name` (→ sted, also without a
  leading "St."/"Skt."), every `Interview.interviewer` (→ navn; a value that looks like a person
  name, e.g. "Anne Hansen", is also matched part by part), the `MaskTerm` rows of the always-mask
  list (kind navn/sted: `add_mask_term` / `list_mask_terms` / `remove_mask_term`), and the
  never-mask list (the same table, kind ``behold``: `add_keep_term` / `list_keep_terms` /
  `remove_mask_term`) — words that are no names or places in this study. A never-mask word is
  never masked as a name or place, wherever a list or rule would find it, and wins over the
  study's own names; numbers, e-mail and addresses are always masked. A term is on one list
  only (the table's unique term).

Precision rules (Danish capitalises proper nouns, not nouns)
------------------------------------------------------------
* Capitalised words are looked up. In lower case (`Anonymiser._lower_case`; a tester found «mette
  og lars» and «zeynep» left, and later «fatima», «nguyen», «ayşe yılmaz» while «mette» was masked):
  a name of the Danish list or of the common names of immigrant backgrounds (``navne_almindelige.txt``)
  that is no everyday word — one rule for both (`_lower_listed`), so the rate does not depend on the
  name's origin ("mette", "lars", "hansen", "fatima", "mohammed", "yılmaz" — never "bo", "per", "hans",
  "skov", "said", "van"); a surname right after a masked name is part of it, one span
  (`Anonymiser._name_tails`: after a lower-case name a lower-case listed name, «ayşe yılmaz», «nguyen van
  anh», «ahmed hansen»; after any name a lower-case word of a surname's form no list has, «jørgen
  ølgaard»); any other name of the broad list that is no Danish or English word only with evidence — after "hedder"/"kaldes" ("jeg hedder ahmed"), a family or
  staff word ("min veninde zeynep"), before a verb of speech ("zeynep sagde") or beside a masked
  name ("mette og zeynep"); and nicknames (below). A word in CAPITALS is read as its capitalised form when that form is a name no
  everyday word shares, a town or the start of one of the study's terms ("AHMED", "METTE
  HANSEN", "MØLTRUP"; `Anonymiser._uncap`): "SKAT", "NEJ", "MARK" stay, and a three-letter word
  only beside another one ("ALI HASSAN"; alone, "FOA", "SFI", "LAB" are acronyms).
* How much a listed name needs depends on what else the word is:

  =======================================  ============================  ======================
  word                                     mid-sentence, capitalised     at a sentence start
  =======================================  ============================  ======================
  Faker da_DK name ("Kim", "Hansen"),      a name                        a name
  broad-list name that is no word
  ("Fatima", "Yılmaz", "Łukasz")
  Faker da_DK name that is an everyday     a name                        a name only with
  word (``AMBIGUOUS_*``: "Per", "Bo",                                    evidence
  "Skov"); broad-list English word
  ("Said", "Can")
  broad-list Danish word ("Ben", "Ion",    a name only with evidence     a name only with
  "Van") or two-letter name ("Le", "Vu")                                 evidence
  =======================================  ============================  ======================

  Evidence: a listed name follows (a first name, surname or -sen/-gaard word that is not itself
  an everyday word: "Ion Popescu", "Per Jensen"); a title or naming verb before (hr., fru,
  hedder, kaldes); a family or staff word right before ("min bror Ben", "sagsbehandleren Mark":
  ``ROLE_WORDS``); "hos" before; a verb of speech after ("Ben sagde", "Mark fortalte", "Bo kom":
  ``SPEECH_VERBS``); or "og"/"eller"/a comma next to a masked name ("Ahmed og Ben").
  ``AMBIGUOUS_FIRST``/``AMBIGUOUS_LAST`` are the Faker da_DK names the Danish lemma table knows
  as words (57 first names, 9 surnames), minus those a person judged rare as words (Kim = germ,
  Mads, Jens, Tove …), plus "Steen" beside "Sten": so "Kim er 29 år" is masked and "Per dag …"
  is not.
* At a sentence start (start of text/line, after . ! ? : ; …, after an opening quote, bracket
  or bullet) capitalisation says nothing. An abbreviation's full stop ("hr.", "fx", "ca.",
  "anm.", an initial "J.") does not start a sentence, and an abbreviation is never a name.
* A full name is ONE span: a first name (or title hr./fru/frk./dr.) followed by further
  capitalised words — other names, initials ("Kim J. Jensen"), hyphenated parts
  ("Anne-Marie", "Hansen-Yilmaz"), lower-case particles between name parts ("Ahmed bin Said",
  "Omar al-Hassan", "Jan van der Berg": ``PARTICLES``), or any capitalised word that is not a
  pronoun/function word, town or site ("Kim Jensen", "fru Ali Khan"). Initials right before a
  name are included ("H.C. Andersen"), and so is an unknown capitalised word right before a
  surname ("Siriporn Jensen"), also a surname the lists know as a first name too ("Xamse
  Warsame", "Benjamas Mohamed": Warsame, Öztürk, Hussein, Mohamed are both).
* Mid-sentence, an unknown capitalised word is a name after hr./fru/frk./dr. or a naming verb
  ("jeg hedder Mohammed"), right after a family or staff word ("min kone Siriporn"), or when it
  ends in -gaard or consonant + -sen ("Gregersen"; not the definite nouns "Undersøgelsen",
  "Analysen") or in a surname ending of another origin that no Danish word has
  (`FOREIGN_SURNAME_ENDINGS`: "Constantinescu", "Petrović", "Kowalski", "Hovhannisyan").
* Nicknames: a Danish descriptor (``DESCRIPTORS``: lange, lille, store, tykke, gamle, skøre,
  røde …) and a first name are one span, in lower case too: "lange peter", "tykke mads", "lille
  ahmed", "Lange Peter". If the name is also an everyday word, the descriptor is not enough:
  "lange ben", "et lille bo" stay, "lange per sagde" is masked.
* Possessives keep their ending outside the tag: "Kims mentor" -> "[navn]s mentor",
  "Jens' bror" -> "[navn]' bror", "Ahmed's" -> "[navn]'s", "Københavns Kommune" ->
  "[sted]s Kommune". The ending tells nothing about who it is, and the sentence stays readable.
* The always-mask list and the study's names are masked wherever they occur with the case as
  written (a term entered in lower case also matches capitalised), also at sentence starts,
  and win over the built-in lists. "Sankt Hans" (the midsummer feast) is never a name.
* Numbers: years ("2006"), amounts ("kr. 12.000", "12000000 kr."), dates ("01.02.2006",
  "01.02.06", "01-02-2003"), year ranges ("2006-2007"), paragraphs ("§ 94") and table rows
  ("40 28 14 2") are left alone; a date is a CPR number only with a four-digit serial after
  it; a run of digits is a phone number only as a whole 8-digit group (with the formats above)
  and not when it reads as an amount in kroner. Also masked (a tester found them left): a CPR
  number with spaces or a slash («120385 - 1234», «12 03 85 1234», «120385/1234»), a number glued
  to its cue («tlf.22334455», «Cpr.nr.120385-1234»: `CUED_NUMBER_RE`), 8 digits as «2233 44 55» or
  «22 33 4455», a foreign or bracketed country code («+90 532 123 45 67», «(+45) 22 33 44 55»:
  `INTL_PHONE_RE`, 8–15 digits) and an e-mail with «[at]» (`EMAIL_AT_RE`). A reviewer found two
  more: 8 digits as «223 344 55» or «22 334 455», and numbers in other digits (Arabic-Indic
  «٢٢٣٣٤٤٥٥», Persian, Devanagari, full-width «２２３３４４５５»), which are read as 0-9 (`_ascii_digits`).
  A third tester's: a CPR number after «cpr» in any spacing («CPR 0101 90 1234», `CUED_NUMBER_RE`), an
  e-mail with «(at)» and «(dot)» or «at» and «dot» as words (`EMAIL_AT_RE`), and a date of birth after
  «født», «fødselsdato», «fødselsdag» or «f.» (`BIRTH_RE`, the tag [fødselsdato]: «født 01.01.1990», «født
  d. 3. marts 1985»; a year alone stays). An address that ends the sentence with its abbreviation's dot
  leaves the dot (`_keep_full_stop`).
* Street addresses need a street word with a street ending (-vej, -gade, -allé, -vænge,
  -stræde, -plads, -boulevard(en), -torv, -sti, -have(n), -park(en), -bakke(n), -høj, -lund, -brynet …,
  or a separate "Vej"/"Gade"/"Allé"… after a capitalised name: "Peter Bangs Vej 5") and a house
  number not followed by a unit ("år", "gange", "kr.", "børn"). A town that happens to end like a
  street ("Albertslund 3 år", "Brønshøj 2") is a town, not an address. A tester found more left, now
  masked: a house-number range or letter ("Vestergade 12-14", "12B"), a floor ("1. th", "st. tv",
  "2tv", "3. sal", "3. sal tv"); a street in lower case when the word has a street ending and a word
  before it (`_STREET_SUFFIX_LOWER`: -gade, -vej, -allé/-alle, -boulevard(en), -stræde, -vænge(t),
  -torv(et), -toft, -vang(en), -brynet, -engen, -stien: "nørrebrogade 12 2tv"; not everyday nouns as
  "legepladsen", "haven", "parken"); a street ending that is the whole name, capitalised
  (`_STREET_ALONE`: "Torvet 3", "Engen 5", "Parken 2"); "Ved" and a capitalised word ("Ved Stranden
  4"); and a capitalised place-like name of one to three words and a house number of at most three
  digits after «bor på/i», «boede på», «flyttet til», «adresse(n er)» (`_ADDRESS_CUE_BEFORE`: "bor på
  Stranden 4"; not a town or a study's place, not a year: "flyttede til Odense 2010"). "Kapitel 3",
  "Bilag 2", "Interviewer 2", "kl. 14", "side 12" have no street and no cue and stay.
* Case numbers (`CASE_RE`, ``[sagsnr]``): the token after «sagsnr.», «sagsnummer», «sag nr.», «j.nr.»,
  «journalnr.», «journal nr.», «journalnummer» with three digits or more, and after «sag»/«sagen» alone
  with five or more ("Sag 2023-0456789"; not "sag 3", "sagen fra 2019", "sag nr. 2"): a token of digits,
  letters, dots, slashes and dashes, optionally with a letter prefix ("S-2023-12345", "27.12.08-P20-1-23").
  A case number is never read as a phone number.

Measured (bench/bench_anonymise.py, docs/benchmarks.md): on the test corpus
(tests/coding/data/anonymisering_korpus.txt: 230 identifiers of 14 name origins and names in
capitals, nicknames, CPR, phone, e-mail, address, town, site; 90 neutral sentences) 99.6 % of
the identifiers are masked (99.1 % before the common-name list; its hand list has "Xamse", the
corpus's known gap, so that gain is no independent evidence) and 99.9 % of the ordinary words kept, at about 0.45 of the spaCy
tokenizer's throughput.

Known limits: a name in no list is found only through the rules above — at a sentence start or
after an ordinary verb it is missed ("Jeg kender Xamse"): unusual spellings are the weak spot
(a Thai passport spelling the variants do not make, "Benjamas" for RTGS "Benchamat"; a Somali
spelling no list has); add them to the always-mask list. Names in capitals that are also words
("MARK") or alone with three letters ("ALI"), and lower-case names of the broad list that are in
neither the Danish nor the common list, without evidence, are not found; nor are lower-case names
that are also Danish or English words ("said", "van", "per"), whatever their origin. A listed name that is also an everyday word, alone at a sentence start
with no evidence ("Bo alene …", "Can er …"), is left. English titles and brands capitalised
mid-sentence ("Call of Duty") and people's names in the names of places or bodies ("Kofoeds
Skole") can be masked: put them on the never-mask list.

Exports call `export_masker(engine)` (masking on unless the caller passes enabled=False) and
apply it to every quote and free-text cell; the study's never-mask list applies there too.

Presidio
--------
Evaluated with presidio-analyzer 2.2.366 (in a scratch directory, not installed here): it does
run offline on top of
``spacy.blank("da")`` — but only after saving the blank pipeline to disk and pointing
Presidio's NlpEngineProvider at that path (it otherwise tries to download a model), and with a
hand-built registry (its default recognizers are English/US). With a blank pipeline there is
no NER, so every Danish recognizer would be the same regexes and deny-lists as here. Measured
on one short sentence with two recognizers: ~3,200 texts/s against ~113,000 for the bare
tokenizer (≈3 %; the issue wants at least half), plus ~1.8 s start-up and new dependencies
(phonenumbers, tldextract). So it is not used.
"""
from __future__ import annotations

import functools
import gzip
import re
import unicodedata
from pathlib import Path
from typing import Callable, Iterable, Mapping, NamedTuple, Optional, Union

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from survey.models import TERM_MAX, Interview, MaskTerm, Site
from survey.store import StoreError
from survey.text import safe_text, shown, text_field

KINDS = ("navn", "cpr", "telefon", "email", "adresse", "sted", "sagsnr", "fødselsdato")
TAGS = {"navn": "[navn]", "cpr": "[cpr]", "telefon": "[telefon]", "email": "[adresse]",
        "adresse": "[adresse]", "sted": "[sted]", "sagsnr": "[sagsnr]", "fødselsdato": "[fødselsdato]"}
#: what each kind masks, in Danish (the plural): the one wording of every page and export that says what is masked
KIND_NOUNS = {"navn": "navne", "cpr": "CPR-numre", "telefon": "telefonnumre", "email": "e-mailadresser",
              "adresse": "adresser", "sted": "byer og steder", "sagsnr": "sagsnumre", "fødselsdato": "fødselsdatoer"}


def _danish_list(words: Iterable[str]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} og {words[-1]}"


def masked_kinds_text() -> str:
    """«navne, CPR-numre, … og fødselsdatoer er erstattet af [navn], [cpr], … og [fødselsdato]»: what the
    anonymiser masks, said the same way on the Anonymisering page and in every export's description."""
    tags = list(dict.fromkeys(TAGS[k] for k in KINDS))
    return f"{_danish_list(KIND_NOUNS[k] for k in KINDS)} er erstattet af {_danish_list(tags)}"
TERM_KINDS = ("navn", "sted")  # the always-mask list
KEEP_KIND = "behold"  # the never-mask list: the same table, this kind

DATA_DIR = Path(__file__).resolve().parent / "data"
TOWNS_FILE = DATA_DIR / "steder_da.txt"
NAMES_FILE = DATA_DIR / "navne.tsv.gz"
NEVER_FILE = DATA_DIR / "ikke_navne.txt"
COMMON_FILE = DATA_DIR / "navne_almindelige.txt"

# Faker's da_DK names that are also everyday Danish words: masked at a sentence start only with
# evidence (a surname after, "sagde" after, "min bror" before …). Mid-sentence, capitalisation
# decides. Chosen by hand from the da_DK names the Danish lemma table knows as words (57 first
# names, 9 surnames): the common words are here (and "Steen" beside "Sten"); rare ones (Kim =
# germ, Mads, Jens, Tove …) are not, so "Kim er 29 år" is masked.
AMBIGUOUS_FIRST = frozenset("""
    Aksel Alf Ane August Bitten Bo Bøje Ebbe Frede Hans Helle Iver Jarl Karl Line Lærke Mark
    Per Rosa Rune Sine Sten Steen Stig Søs Sys Tage Tilde Tom Trine
""".split())
AMBIGUOUS_LAST = frozenset("Dam Holm Lind Lund Møller Nissen Ravn Skov Toft".split())
AMBIGUOUS_TOWNS = frozenset("""
    Arden Balle Beder Borre Brande Bække Fur Galten Gesten Give Gram Greve Hals Hammel Hampen
    Hasle Hemmet Henne Holte Humble Knebel Lem Lemming Løsning Mørke Nordvest Odder Ringe Rude
    Ry Skals Skive Stege Sunds Tarm Them Tune Tørring Vandel Vejen Vig Vrå
""".split())
# Capitalised words that never continue a name ("sagde Kim Det var …").
STOPWORDS = frozenset("""
    Jeg Du Han Hun Vi I De Dem Deres Det Den Der Dette Denne Disse Og Men Eller Så Nu Da Når
    Hvis Som Hvad Hvor Hvem Hvorfor Hvordan Ja Nej Her Man En Et Min Mit Mine Din Dit Dine Sin
    Sit Hendes Vores Jeres Også Efter Før For Fra Til Med Uden På Ved Hos Om Af Kommune
    Kommunen Kommunens Region Regionen Staten Danmark Jylland Fyn Sjælland Mor Far Gud
""".split())
# Phrases that contain a name but are not one.
KEEP_PHRASES = ("Sankt Hans", "Skt. Hans", "Sct. Hans", "Sankthans")
TITLES = frozenset("hr fru frk fr dr Hr Fru Frk Fr Dr".split())
# Words after which a capitalised word is a name even if no list knows it ("jeg hedder Mohammed").
NAME_CUES = frozenset("hedder hed kaldes kaldet".split())
ABBREVIATIONS = frozenset("""
    hr fr frk dr ca fx eks bl mv osv nr kr st skt sct jf evt pga inkl mht ang vedr tlf gl ndr
    sdr kl mr mrs ms prof ph cand stud att adm dir hhv dvs el iflg ift mfl ol etc ml stk pkt
    tv th mf sal ekskl tilsv vh mvh ex anm Hr Fr Frk Dr St Skt Sct Nr Tlf Gl Ndr Sdr Prof Fx Ca
""".split())
DISTRICTS = ("NV", "NØ", "SV", "SØ", "C", "K", "V", "N", "S", "Ø", "M", "J", "F")

# Context that makes a capitalised everyday word a name ("min bror Ben", "hos Ion", "Mark sagde").
ROLE_WORDS = """
    bror søster søn datter kone mand kæreste veninde ven kammerat kollega nabo onkel tante fætter
    kusine nevø niece farmor mormor farfar morfar bedstemor bedstefar svoger svigerinde svigermor
    svigerfar svigersøn svigerdatter stedfar stedmor halvbror halvsøster ekskone eksmand ekskæreste
    mor far moster faster morbror farbror plejemor plejefar plejemoren plejefaren stedsøster stedbror
    sagsbehandler kontaktperson støttekontaktperson støtteperson bostøtte pædagog kontaktpædagog mentor
    læge psykolog psykiater
    sygeplejerske hjemmehjælper leder chef lærer vejleder rådgiver advokat tolk præst imam
""".split()
SPEECH_VERBS = """
    sagde siger fortalte fortæller spurgte spørger svarede svarer råbte råber ringede ringer skrev
    skriver mente mener syntes tænkte hjalp hjælper kom grinede græd
""".split()
# Danish descriptors in nicknames: "lange Peter", "tykke mads", "lille ahmed".
DESCRIPTORS = """
    lange lille store tykke tynde gamle unge søde skøre sorte røde hvide grå fede vilde skæve seje
    smukke flotte grimme dumme kloge glade sure onde stille rige skaldede korte høje stærke
    tossede gale fulde skøn skønne kære lækre
""".split()
# Lower-case parts between two name parts: "Ahmed bin Said", "Omar al-Hassan", "Jan van der Berg".
PARTICLES = "al el ul ud bin ibn bint ben abu van von der den de la le du di da dos das del ter ten".split()

RULE_CPR = "CPR-mønster"
RULE_PHONE = "telefonnummer (8 cifre)"
RULE_EMAIL = "e-mail-adresse"
RULE_ADDRESS = "gade og husnummer"
RULE_ADDRESS_CUE = "sted og husnummer efter fx 'bor på'"
RULE_CASE = "sagsnummer"
RULE_BIRTH = "fødselsdato efter fx 'født'"
RULE_POSTCODE = "postnummer og by"
RULE_TOWN = "by eller kommune (stedlisten)"
RULE_SITE = "sted i studiet"
RULE_INTERVIEWER = "interviewer i studiet"
RULE_STUDY = "studiets liste (maskeres altid)"
RULE_CUE = "ord efter titel eller 'hedder'"
RULE_SURNAME_FORM = "efternavnsform (-sen, -gaard, -escu, -ović, -ski …)"
RULE_BEFORE_SURNAME = "ukendt ord før efternavn"
RULE_ROLE = "ukendt ord efter fx 'min bror'"
RULE_NICK = "kælenavn"
SRC_DA = "Faker da_DK"


class Span(NamedTuple):
    """A masked piece of the original text: text[start:end] is replaced by `tag`.

    `rule` says why, in Danish: which list (with its source and the name's origin, e.g.
    "fornavn (names-dataset: TR)") or which pattern ("CPR-mønster", "studiets liste …").
    """
    start: int
    end: int
    kind: str  # navn | cpr | telefon | email | adresse | sted
    text: str
    rule: str = ""

    @property
    def tag(self) -> str:
        return TAGS[self.kind]


class Masking(NamedTuple):
    """Original and masked text side by side; `masked_spans` are the tags' places in `masked`."""
    original: str
    masked: str
    spans: list[Span]
    masked_spans: list[Span]


class AnonymiseError(StoreError):
    """A refused change to the always-mask or never-mask list; the message says why (Danish)."""


# --------------------------------------------------------------------------- store


def _clean_term(term: str) -> str:
    t = text_field(term, "Navnet eller stedet", error=AnonymiseError)  # one line, no control characters
    if len(t) < 2:
        raise AnonymiseError("Skriv mindst to tegn: et navn eller sted, der altid skal maskeres.")
    if len(t) > TERM_MAX:
        raise AnonymiseError(f"Højst {TERM_MAX} tegn pr. navn eller sted.")
    return t


def add_mask_term(s: Session, term: str, kind: str = "navn", *, who: Optional[str] = None) -> MaskTerm:
    """Put `term` on the always-mask list as a name ('navn') or a place ('sted'), or on the
    never-mask list ('behold')."""
    if not isinstance(kind, str) or kind not in (*TERM_KINDS, KEEP_KIND):
        raise AnonymiseError(f"Ukendt art {shown(kind)}: brug 'navn' eller 'sted' (eller '{KEEP_KIND}' for et ord, "
                             "der aldrig maskeres).")
    t = _clean_term(term)
    old = s.execute(select(MaskTerm).where(MaskTerm.term == t)).scalars().first()
    if old is not None:
        if old.kind == KEEP_KIND:
            raise AnonymiseError(f"'{t}' står allerede på listen over ord, der aldrig maskeres.")
        raise AnonymiseError(f"'{t}' står allerede på listen over navne og steder, der altid maskeres.")
    row = MaskTerm(term=t, kind=kind, added_by=text_field(who, "Hvem", error=AnonymiseError)[:200] or None)
    s.add(row)
    s.flush()
    return row


def add_keep_term(s: Session, term: str, *, who: Optional[str] = None) -> MaskTerm:
    """Put `term` on the never-mask list: a word the lists or rules take for a name or place,
    but which in this study is not one (a team's word for a room, an everyday word)."""
    return add_mask_term(s, term, KEEP_KIND, who=who)


def list_mask_terms(s: Session, kind: Optional[str] = None) -> list[MaskTerm]:
    """The always-mask list (or one kind of it, 'behold' for the never-mask list), by kind and term."""
    q = select(MaskTerm)
    q = q.where(MaskTerm.kind != KEEP_KIND) if kind is None else q.where(MaskTerm.kind == kind)
    return list(s.execute(q.order_by(MaskTerm.kind, MaskTerm.term, MaskTerm.id)).scalars())


def list_keep_terms(s: Session) -> list[MaskTerm]:
    """The never-mask list, by term."""
    return list_mask_terms(s, KEEP_KIND)


def remove_mask_term(s: Session, term_or_id: Union[int, str]) -> bool:
    """Take a term off its list (by id or by the term); False if it was not there."""
    if isinstance(term_or_id, int):
        row = s.get(MaskTerm, term_or_id) if -2**31 <= term_or_id < 2**31 else None
    else:
        t = " ".join(safe_text(term_or_id).split())  # as stored (a look-up with NUL fails on PostgreSQL)
        row = s.execute(select(MaskTerm).where(MaskTerm.term == t)).scalars().first()
    if row is None:
        return False
    s.delete(row)
    s.flush()
    return True


class StudyNames(NamedTuple):
    names: list[str]
    places: list[str]
    keep: tuple[str, ...] = ()
    sources: Optional[dict[str, str]] = None  # phrase -> rule (interviewer, site, the study's list)


def _person_parts(value: str) -> list[str]:
    """'Anne Hansen' -> ['Anne', 'Hansen']; values that do not look like a name give []."""
    parts = value.split()
    if len(parts) < 2 or any(not p[:1].isupper() or not p.replace("-", "").isalpha() for p in parts):
        return []
    return [p for p in parts if len(p) >= 2]


def study_names(s: Session) -> StudyNames:
    """The names in the study's own data: sites (places), interviewers (names), the always-mask
    list, and the never-mask list."""
    names: list[str] = []
    places: list[str] = []
    keep: list[str] = []
    sources: dict[str, str] = {}
    for name in s.execute(select(Site.name)).scalars():
        if name and len(name.strip()) >= 2:
            n = " ".join(name.split())
            places.append(n)
            sources.setdefault(n, RULE_SITE)
    for who in s.execute(select(Interview.interviewer).distinct()).scalars():
        if who and len(who.strip()) >= 2:
            w = " ".join(who.split())
            for n in (w, *_person_parts(w)):
                names.append(n)
                sources.setdefault(n, RULE_INTERVIEWER)
    for term, kind in s.execute(select(MaskTerm.term, MaskTerm.kind)).all():
        if kind == KEEP_KIND:
            keep.append(term)
            continue
        (places if kind == "sted" else names).append(term)
        sources[term] = RULE_STUDY
    return StudyNames(sorted(set(names)), sorted(set(places)), tuple(sorted(set(keep))), sources)


# --------------------------------------------------------------------------- word lists

def _read_list(path: Path) -> list[str]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


@functools.lru_cache(maxsize=1)
def default_lists() -> tuple[frozenset[str], frozenset[str], tuple[str, ...]]:
    """(first names, surnames, towns) — Faker's da_DK lists plus coding/data/steder_da.txt."""
    from faker.providers.address.da_DK import Provider as AddressDK  # Faker's Danish lists: read once, when the word lists are built
    from faker.providers.person.da_DK import Provider as PersonDK  # Faker's Danish lists

    first = frozenset(PersonDK.first_names_male) | frozenset(PersonDK.first_names_female) | frozenset(
        PersonDK.first_names)
    last = frozenset(PersonDK.last_names)
    towns: dict[str, None] = {}
    for t in [*_read_list(TOWNS_FILE), *AddressDK.cities]:
        t = " ".join(t.split())
        if t and t not in first:
            towns[t] = None
    return first, last, tuple(sorted(towns))


class BroadNames(NamedTuple):
    """coding/data/navne.tsv.gz: name -> index into `info`, whose rows are
    (first-name origin, surname origin, flags) — see tools/build_names.py."""
    index: dict[str, int]
    info: tuple[tuple[str, str, str], ...]


@functools.lru_cache(maxsize=1)
def broad_names() -> BroadNames:
    """The broad name list (names-dataset and Faker's other Latin-script locales), read once."""
    combos: dict[tuple[str, str, str], int] = {}
    index: dict[str, int] = {}
    with gzip.open(NAMES_FILE, "rt", encoding="utf-8") as f:
        for line in f:
            if line[0] == "#":
                continue
            name, fo, lo, flags = line.rstrip("\n").split("\t")
            if "s" in flags:  # a Danish stop word ("Han", "Min", "Lille") is never a name from this list
                continue
            key = (fo, lo, flags)
            c = combos.get(key)
            if c is None:
                c = combos[key] = len(combos)
            index[name] = c
    return BroadNames(index, tuple(combos))


@functools.lru_cache(maxsize=1)
def common_names() -> dict[str, tuple[str, str]]:
    """coding/data/navne_almindelige.txt: the common names of people with immigrant backgrounds in
    Denmark (tools/build_common_names.py) -> (sources, flags). Masked in lower case as the Danish
    list's names are ("fatima", "yılmaz" as "mette", "hansen")."""
    out: dict[str, tuple[str, str]] = {}
    for line in COMMON_FILE.read_text(encoding="utf-8").splitlines():
        if line and line[0] != "#":
            name, sources, flags = line.split("\t")
            out[name] = (sources, flags)
    return out


@functools.lru_cache(maxsize=1)
def common_name_set() -> frozenset[str]:
    """The names of `common_names`, as one shared set."""
    return frozenset(common_names())


@functools.lru_cache(maxsize=1)
def never_names() -> frozenset[str]:
    """Words the broad list must not take for names: coding/data/ikke_navne.txt and Faker's
    Danish country names."""
    from faker.providers.address.da_DK import Provider as AddressDK  # Faker's Danish lists: read once, when the word lists are built

    return frozenset(_read_list(NEVER_FILE)) | frozenset(c for c in AddressDK.countries if " " not in c)


def _origin(code: str) -> str:
    if code.startswith("faker:"):
        return f"Faker {code[6:]}"
    if code.startswith("pythainlp:"):
        return "PyThaiNLP, thai"
    return f"names-dataset: {code}"


class NameHit(NamedTuple):
    """A word found in a name list."""
    cls: str  # "F" first name | "L" surname
    n: int  # length of the name part (a possessive s excluded)
    rule: str  # "fornavn (Faker da_DK)", "efternavn (names-dataset: TR)" …
    # 0: a name wherever it is capitalised; 1: an everyday word too (AMBIGUOUS_*, or an English
    # word from the broad list) — at a sentence start only with evidence; 2: a Danish word or a
    # two-letter word from the broad list — only with evidence, anywhere
    level: int
    last_rule: str = ""  # the rule as a surname, if the word is one too (for a name's later parts)


# --------------------------------------------------------------------------- patterns

# Capital letters: Latin-1 and the capitals of Latin Extended-A/B and Latin Extended Additional
# ("Şahin", "Łukasz", "İsmail", "Đặng", "Ștefan").
_UP = "A-ZÀ-ÖØ-Þ" + "".join(chr(c) for r in ((0x100, 0x250), (0x1E00, 0x1F00)) for c in range(*r)
                             if chr(c).isupper())
_L = r"[^\W\d_]"
# A capitalised word ("Anne-Marie" is two: a name chain joins them again). The look-behind comes
# after the first character so the regex engine can skip ahead to capitals: 3x faster than a
# leading look-behind.
TOKEN_RE = re.compile(rf"[{_UP}](?<![\w'’].){_L}*")
_GROUP = re.Match.group
# A word in capitals, three letters or more ("AHMED", "HANSENS"): a name only when its
# capitalised form is a name no Danish or English word shares (`Anonymiser._uncap`).
_CAPS_RE = re.compile(rf"[{_UP}](?<![\w'’].)[{_UP}]{{2,}}(?!\w)")
# Where a number can start (same trick); CPR, phone and address matching starts only there.
_NUM_START = re.compile(r"[+0-9](?<![\w+.,-].)")
_SP = "[ \u00a0]"

_DD = "(?:0[1-9]|[12][0-9]|3[01])"
_MM = "(?:0[1-9]|1[0-2])"
_DASH = "[-‐‑‒–]"
# ddmmyy-xxxx, ddmmyyxxxx, ddmmyy xxxx; dd.mm.yy-xxxx, dd-mm-yy-xxxx, dd/mm/yy-xxxx (also with a
# space before the serial). A date alone ("01.02.2006", "01.02.06") has no serial and stays.
_CPR = (rf"{_DD}{_MM}[0-9]{{2}}(?:{_SP}?{_DASH}{_SP}?|{_SP}|/)?[0-9]{{4}}"
        rf"|{_DD}{_SP}{_MM}{_SP}[0-9]{{2}}{_SP}[0-9]{{4}}"
        rf"|{_DD}\.{_MM}\.[0-9]{{2}}(?:{_DASH}|{_SP})[0-9]{{4}}"
        rf"|{_DD}{_DASH}{_MM}{_DASH}[0-9]{{2}}(?:{_DASH}|{_SP})[0-9]{{4}}"
        rf"|{_DD}/{_MM}/[0-9]{{2}}(?:{_DASH}|{_SP})[0-9]{{4}}")
_D = "[0-9]"
_PHONE = (rf"(?:(?:\+|00)45{_SP}?-?{_SP}?)?"
          rf"(?!(?:1[89]|20){_D}{_D}[ \u00a0-](?:1[89]|20){_D}{_D}(?![0-9]))"  # not a year range
          rf"(?:{_D}{{8}}|{_D}{_D}(?:{_SP}{_D}{_D}){{3}}|{_D}{_D}(?:-{_D}{_D}){{3}}|{_D}{_D}(?:\.{_D}{_D}){{3}}"
          rf"|{_D}{{4}}{_SP}{_D}{{4}}|{_D}{{4}}-{_D}{{4}}"
          rf"|{_D}{{4}}{_SP}{_D}{_D}{_SP}{_D}{_D}|{_D}{_D}{_SP}{_D}{_D}{_SP}{_D}{{4}}"
          rf"|{_D}{{3}}{_SP}{_D}{{3}}{_SP}{_D}{_D}|{_D}{_D}{_SP}{_D}{{3}}{_SP}{_D}{{3}})")  # 223 344 55, 22 334 455
# Used with .match at a _NUM_START position; the look-behinds refuse a number inside another
# number ("40 28 14 12" in a table row, "1.234", "+4512…" from its middle).
NUMBER_RE = re.compile(
    rf"(?<![\w+.,-])(?<![0-9]{_SP})(?:(?P<cpr>{_CPR})|(?P<telefon>{_PHONE}))(?![\w]|[.,-][0-9]|{_SP}[0-9])")
_AMOUNT_BEFORE = re.compile(r"(?:kr\.?|dkk|kroner|beløb(?:et)?|løn|gæld)\s*(?:på\s*)?$", re.I)
_AMOUNT_AFTER = re.compile(r"\s*(?:kr\b|kroner|dkk|,-|mio|mia)", re.I)

_STREET_SUFFIX = ("vej|vejen|gade|gaden|allé|alle|alléen|vænge|vænget|stræde|strædet|plads|pladsen|"
                  "boulevard|boulevarden|torv|torvet|sti|stien|have|haven|park|parken|vang|vangen|bakke|bakken|høj|"
                  "højen|kær|kæret|lund|lunden|toft|toften|hegn|hegnet|dal|dalen|kaj|kajen|brygge|bryggen|"
                  "løkke|løkken|sving|svinget|marken|engen|holmen|krog|krogen|passage|promenade|vænge|bryn|brynet")
# A street word in lower case needs one of these (everyday nouns such as «legepladsen», «haven», «parken» and
# «bakken» do not count) and a word before it: «nørrebrogade 12», «skovbrynet 22»
_STREET_SUFFIX_LOWER = ("gade|gaden|vej|vejen|allé|alle|alléen|boulevard|boulevarden|stræde|strædet|vænge|vænget|"
                        "torv|torvet|toft|toften|vang|vangen|brynet|engen|stien")
# A capitalised word that is a street ending on its own, a street's whole name: «Torvet 3», «Engen 5»
_STREET_ALONE = ("Torvet|Engen|Brynet|Vangen|Toften|Marken|Stien|Bakken|Højen|Kæret|Lunden|Dalen|Kajen|Bryggen|"
                 "Løkken|Svinget|Holmen|Krogen|Vænget|Strædet|Pladsen|Haven|Parken|Alléen|Hegnet|Boulevarden")
_STREET_ENDINGS = tuple(sorted(set(_STREET_SUFFIX.split("|")), key=len))
_STREET_WORD = "Vej|Gade|Allé|Alle|Plads|Boulevard|Torv|Stræde|Vænge|Have|Park|Vang|Bakke|Sti|Kaj|Brygge|" \
               "vej|gade|allé|alle|plads|boulevard|torv|stræde|vænge"
_STREET_PREFIX = ("Ved|Bag|Over|Gammel|Gamle|Gl\\.|Ny|Nye|Store|St\\.|Lille|Nørre|Ndr\\.|Søndre|Sdr\\.|Sønder|Vester|Vestre|"
                  "Øster|Østre|Nordre|Sankt|Skt\\.|Sct\\.|Kongens|Dronning|Dronningens|Prins|Prinsesse|Kong|"
                  "Øvre|Nedre")
_INITIALS = rf"[{_UP}]\.(?:{_SP}?[{_UP}]\.)*"
_STOP_ALT = "|".join(sorted(STOPWORDS, key=len, reverse=True))
_CAPW = rf"[{_UP}]{_L}*"
# After the street: a house number (a range «12-14», a letter «12B»), not a count of something («3 år»), then a
# floor and side («1. th», «st. tv», «2tv», «3. sal», «3. sal tv.») and a postcode and town («8000 Aarhus C»)
_ADDRESS_TAIL = (
    rf"(?:nr\.?{_SP}*)?\d{{1,4}}(?:{_DASH}\d{{1,4}})?(?!\d)(?:[A-Za-z]|{_SP}[A-H])?(?![\w]|[.,]\d)"
    rf"(?!,?{_SP}?(?:år|gange?|kr\.?|kroner|procent|%|måneder?|uger?|dage?|timer?|minutter|mennesker|"
    rf"personer|stk|brugere|steder|børn|voksne|point|sider?|kilo|kg|km|meter)(?![^\W\d_]))"
    rf"(?:,?{_SP}?(?:(?:\d{{1,2}}\.?|st\.?|kl\.?){_SP}?(?:sal\.?{_SP}?)?,?{_SP}?(?:tv|th|mf)\b\.?"
    rf"|\d{{1,2}}\.{_SP}?sal\b\.?(?:{_SP}?(?:tv|th|mf)\b\.?)?|stuen\b|st\.(?!\w)))?"
    rf"(?:,?{_SP}+\d{{4}}{_SP}+(?:(?:Store|Lille|Kongens|Nørre|Sønder|Vester|Øster|Kirke|Hvide|Brøndby|Greve|"
    rf"Solrød|Nykøbing){_SP})?{_CAPW}(?:-{_CAPW})?(?:{_SP}(?:{'|'.join(DISTRICTS)}|Sj)(?![\w]))?)?")
ADDRESS_RE = re.compile(
    rf"(?<![\w.])(?P<street>"
    rf"(?:(?:{_STREET_PREFIX}|{_INITIALS}){_SP}+)*[{_UP}]{_L}*?(?i:{_STREET_SUFFIX})"
    rf"|(?:(?:{_STREET_PREFIX}){_SP}+)*(?:{_STREET_ALONE})"
    rf"|(?:(?:(?!(?:{_STOP_ALT})\b){_CAPW}(?:-{_CAPW})?['’]?s?\.?|{_INITIALS}){_SP}+){{1,3}}(?:{_STREET_WORD})"
    rf"|(?![{_UP}]){_L}{{2,}}?(?:{_STREET_SUFFIX_LOWER})"
    rf")(?![^\W\d_])"
    rf"{_SP}+{_ADDRESS_TAIL}")
_ADDRESS_TAIL_RE = re.compile(_ADDRESS_TAIL)
# A capitalised place-like name and a house number after «bor på», «boede i», «flyttet til», «adresse(n er)»,
# «bor ved»: «Jeg bor på Stranden 4», «adresse: Solsikken 12» (the street has no street ending). Searched for
# backwards from the number; the name is one to three capitalised words
_ADDRESS_CUE_BEFORE = re.compile(
    rf"(?<![\w])(?i:bor|boede|boet|bo|bosat|flyttet|flyttede|flytter|flytte|adresse|adressen)"
    rf"(?:{_SP}+er)?(?:{_SP}+(?:på|i|til|ved|hos))?{_SP}*:?{_SP}+"
    rf"(?P<street>(?:(?:{_STREET_PREFIX}|{_CAPW}){_SP}+){{0,2}}{_CAPW}){_SP}+$")
# «Ved Stranden 4», «ved Kanalen 2»: a street named with «Ved» and a capitalised word
_VED_BEFORE = re.compile(rf"(?<![\w])[Vv]ed{_SP}+(?P<street>{_CAPW}){_SP}+$")
# A case number after its cue: «Sagsnr. 27.12.08-P20-1-23», «j.nr. 2023-12345», «Sagsnummer S-2023-12345»,
# «sag 2023-0456789». The token needs three digits or more (not «sag nr. 2»), after «sag»/«sagen» alone five
# (not «sag 3», «sagen fra 2006»)
_CASE_TOKEN = r"(?:[A-Za-zÆØÅæøå]{1,4}[-./]?)?\d[\w]*(?:[-./]\w+)*"
# (The first letter before its look-behind: the regex engine skips ahead to s and j, as in TOKEN_RE.)
CASE_RE = re.compile(
    rf"[sSjJ](?<![\w].)(?:(?<=[sS])(?:(?P<cue>(?i:ags?nr|agsnummer|ags?{_SP}*nr|agsid|ags-id))|(?P<sag>(?i:ag|agen)))"
    rf"|(?<=[jJ])(?P<jcue>(?i:{_SP}?\.?{_SP}?nr|ournalnr|ournal{_SP}*nr|ournalnummer)))(?(sag)|\.?)"
    rf"{_SP}*(?::{_SP}*)?(?:(?i:er|nr\.?|nummer){_SP}+)?(?P<num>{_CASE_TOKEN})(?<![.,-])")
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
#: an e-mail written to dodge harvesters: «ahmad[at]gmail.com», «ahmad (at) gmail.com», «ahmad (at) gmail (dot) com»,
#: «ahmad at gmail dot com» (the last only with «dot» and a top-level domain after it: «at» alone is a Danish word,
#: and «huske at ringe dot dot dot» is no address)
_DOT = r"(?:\.|\s?[\[(](?i:dot|punktum)[\])]\s?)"
EMAIL_AT_RE = re.compile(r"(?<![\w.+-])[\w.+-]+\s?[\[(](?i:at)[\])]\s?[\w-]+(?:" + _DOT + r"[\w-]+)+"
                         r"|(?<![\w.+-])[\w.+-]+\s(?i:at)\s[\w-]+(?:\s(?i:dot)\s[\w-]+)*\s(?i:dot)\s"
                         r"(?i:com|dk|net|org|se|no|de|eu|info|nu|io|uk|fr|nl|pl|tr|edu|gov)(?![\w-])")
#: a date of birth after its cue: «født 01.01.1990», «født d. 3. marts 1985», «Fødselsdato: 12-05-1978»,
#: «f. 12/5-78», «fødselsdag 010190». The date is masked, the cue stays; a year alone («født 1990») stays
_MONTHS = ("januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december|"
           "jan|feb|mar|apr|jun|jul|aug|sept|sep|okt|nov|dec")
_D1 = "(?:0?[1-9]|[12][0-9]|3[01])"
_M1 = "(?:0?[1-9]|1[0-2])"
BIRTH_RE = re.compile(
    rf"(?<![\w])(?i:født|fødselsdato(?:en)?|fødselsdag(?:en)?|f\.)(?:{_SP}+(?i:er|var))?"
    rf"(?:{_SP}+(?i:d\.|den))?{_SP}*:?{_SP}*"
    rf"(?P<date>[12][0-9]{{3}}-{_MM}-{_DD}"  # ISO: «født 1990-01-01»
    rf"|{_D1}[./-]{_M1}(?:[./-]{_SP}?|\.?{_SP}|\.?[-/])(?:[0-9]{{4}}|[0-9]{{2}})"  # «1.1.90», «3.4. 2015», «1/1 1990»
    rf"|{_D1}\.?{_SP}*(?i:{_MONTHS})\.?,?{_SP}+(?:[0-9]{{4}}|[0-9]{{2}})"  # «1. januar 1990», «1.januar, 1990»
    rf"|{_DD}{_MM}[0-9]{{2}})(?![0-9]|[./-][0-9])")
#: a number right after its cue, also without a space («tlf.22334455», «Cpr.nr.120385-1234», «Nr.22334455»):
#: the number part, eight to twelve digits with spaces, dots or dashes
CUED_NUMBER_RE = re.compile(r"(?i:\b(?P<cue>cpr(?:[.\s-]?(?:nr|nummer(?:et)?))?|personn(?:r|ummer(?:et)?)"
                            r"|tlf|tel|telefon|mobil|mob|nr)\.?:?\s?(?:(?:er|var):?\s)?)"
                            r"(?P<num>\+?\d(?:[\d\s./-]{6,22})\d)(?![\w])")
#: a foreign or bracketed country code: «+90 532 123 45 67», «+46 70 123 45 67», «(+45) 22 33 44 55»
_GLUED_DIGIT = re.compile(r"[.:][0-9]")
INTL_PHONE_RE = re.compile(r"(?<![\w+])(?:\(\+?\d{1,3}\)|\+\d{1,3})[ \u00a0-]?\d(?:[\d \u00a0-]{5,16})\d(?![\w])")
_POSTCODE_BEFORE = re.compile(rf"(?<![\w.,])\d{{4}}{_SP}$")
_DISTRICT_AFTER = re.compile(rf"{_SP}(?:{'|'.join(DISTRICTS)})(?![\w]|\.[^\W\d_])")
_INITIALS_BEFORE = re.compile(rf"(?<![\w.])(?:[{_UP}]\.{_SP}?)+$")

_ROLE_BEFORE = re.compile(rf"(?<![\w])(?i:{'|'.join(ROLE_WORDS)})(?:en|n|et|nen)?{_SP}+$")
_HOS_BEFORE = re.compile(rf"(?<![\w])[Hh]os{_SP}+$")
_SPEECH_AFTER = re.compile(rf"(?:,?{_SP}+)(?:{'|'.join(SPEECH_VERBS)})(?![\w])")


#: month, weekday and time abbreviations that are also Danish first names: never a name in lower case
#: («fra jan. 2023», «4 tim. om ugen»; a tester found them masked)
LOWER_ABBREVIATIONS = frozenset("jan feb mar apr maj jun jul aug sep sept okt nov dec tim min sek man tir ons tor fre "
                                "lør søn".split())
#: Danish words the lemma table lacks that are also names of the Danish list («en kasper»: a clown)
LOWER_WORDS = frozenset(["kasper"])


@functools.lru_cache(maxsize=4)
def _lower_listed(first: frozenset[str], last: frozenset[str],
                  common: Optional[frozenset[str]] = None) -> tuple[frozenset[str], frozenset[str]]:
    """The Danish list's names and the common names of immigrant backgrounds (`common`, by default
    coding/data/navne_almindelige.txt) that are names in lower case too ("mette", "lars", "hansen",
    "fatima", "yılmaz"), and those of them whose form with an s is no word either. The same rule for
    both lists, so a lower-case name is masked whatever its origin. Not: everyday words (`AMBIGUOUS_*`: "per", "bo",
    "hans", "skov"; and every name whose lower-case form the Danish lemma table or English knows —
    the broad list's ``w``/``e`` flags: "kasper", "viola", "kim"), stop words, abbreviations
    («jan.», «tim.»), names of two letters; and no possessive where name + s is a word
    (the ``p`` flag: "dans", "jeans", "miks")."""
    b = broad_names()
    if common is None:
        common = common_name_set()
    extra = common_names()
    never = never_names() if common else frozenset()
    names, poss = set(), set()
    for n in (*first, *last, *common):
        w = n.lower()
        if (len(n) < 3 or not n.isalpha() or n in AMBIGUOUS_FIRST or n in AMBIGUOUS_LAST or n in STOPWORDS
                or w in ABBREVIATIONS or w in LOWER_ABBREVIATIONS or w in LOWER_WORDS or w in _NOT_LOWER_NAMES
                or (n in never and n in common and n not in first and n not in last)):
            continue
        c = b.index.get(n)
        flags = (b.info[c][2] if c is not None else "") + (extra[n][1] if n in extra else "")
        if "w" in flags or "e" in flags or "s" in flags:
            continue
        names.add(w)
        if "p" not in flags:
            poss.add(w)
    return frozenset(names), frozenset(poss)


def _core(raw: str) -> tuple[int, str]:
    """A split word without the punctuation around it: (where it starts in `raw`, the word)."""
    i, j = 0, len(raw)
    while i < j and not raw[i].isalnum():
        i += 1
    while j > i and not raw[j - 1].isalnum():
        j -= 1
    return i, raw[i:j]


def _trie(words: Iterable[str]) -> str:
    """A regex alternation of `words` as a prefix tree: a shared prefix is matched once, which
    makes a list of words about twice as fast to search for."""
    tree: dict = {}
    for w in words:
        node = tree
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        alts = [re.escape(ch) + emit(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(tree)


_DESC_ALT = _trie([*DESCRIPTORS, *(d.title() for d in DESCRIPTORS)])
_DESC_BEFORE = re.compile(rf"(?<![\w])(?:{_DESC_ALT}){_SP}$")
_LOWER_WORD = rf"(?![{_UP}]){_L}+"
# A descriptor and a lower-case word ("lange peter"), or a naming verb and one ("hedder ahmed"),
# searched for in " " + text: the character before the descriptor starts the pattern, so the
# regex engine skips ahead to spaces and punctuation (twice as fast as a look-behind). The name
# is in a look-ahead, so "kaldes røde mehmet" is seen twice: after "kaldes" and after "røde".
_CUE_ALT = _trie(["hedder", "hed", "kaldes", "kaldet"])
_NICK_RE = re.compile(rf"[\s\"'(«»„“‘’/-](?:(?P<d>{_DESC_ALT})|(?P<c>{_CUE_ALT}))"
                      rf"(?={_SP}+(?P<n>{_LOWER_WORD}))")
#: what joins two names: a comma, «og», «eller», «&»
_COORD_ALT = rf"(?:,{_SP}*|{_SP}*(?:,{_SP}*)?(?:og|eller|&){_SP}+)"
# A lower-case word right after a family or staff word ("min bror ahmed"), or right before a verb
# of speech ("zeynep sagde"): a name when the broad list knows it and it is no everyday word.
_LOWER_AFTER_ROLE = re.compile(rf"(?<![\w])(?i:{_trie(ROLE_WORDS)})(?:en|n|et|nen)?{_SP}+(?P<n>{_LOWER_WORD})"
                               rf"(?![\w-])")
_SPEECH = re.compile(rf"(?<=[^\W\d_])(?:,?{_SP}+)(?:{_trie(SPEECH_VERBS)})(?![\w])")
_LOWER_WORD_END = re.compile(rf"(?<![\w-])(?P<n>{_LOWER_WORD})$")
_LOWER_AFTER_COORD = re.compile(rf"{_COORD_ALT}(?P<n>{_LOWER_WORD})(?![\w-])")
_LOWER_BEFORE_COORD = re.compile(rf"(?<![\w-])(?P<n>{_LOWER_WORD}){_COORD_ALT}$")
_HAS_DIGIT = re.compile(r"\d")
#: a split word the lower-case cache never keeps: an e-mail address, a word with letters and digits
#: (a user name «ahmed88»), a number of five digits or more (a phone, CPR or account number)
_UNREMEMBERED = re.compile(r"@|[^\W\d_]\S*\d|\d\S*[^\W\d_]|(?:\d\D*){5}")
#: lower-case words that stand beside names and are none: titles, particles, descriptors, cues
_NOT_LOWER_NAMES = frozenset([*TITLES, *ABBREVIATIONS, *PARTICLES, *DESCRIPTORS, *NAME_CUES])
_ROLE_FORMS = frozenset(w + e for r in ROLE_WORDS for w in (r, r.title()) for e in ("", "en", "n", "et", "nen"))
_SPEECH_FORMS = frozenset(v + c for v in SPEECH_VERBS for c in ("", ",", ".", ":", ";", "!", "?", "…"))
_COORD_JOINS = (" og ", " eller ", " & ", ", ", ",", "\u00a0og\u00a0", " og\u00a0", "\u00a0og ")
_NICK_WORDS = frozenset([*DESCRIPTORS, *(d.title() for d in DESCRIPTORS), "hedder", "hed", "kaldes", "kaldet"])
#: one of `_NICK_WORDS` between non-letters, also glued to punctuation («lars'tykke ahmed», «:Store Ole»)
_NICK_ANY = re.compile(rf"(?<![^\W\d_])(?:{_trie(_NICK_WORDS)})(?![^\W\d_])")
_PARTICLE_GAP = re.compile(rf"{_SP}(?:(?:{'|'.join(PARTICLES)}){_SP}){{1,2}}|{_SP}(?:{'|'.join(PARTICLES)})-")
_COORD = re.compile(_COORD_ALT)
#: a lower-case word right after a name, particles allowed between («nguyen van anh», «jørgen ølgaard»)
_TAIL_RE = re.compile(rf"{_SP}(?:(?:{'|'.join(PARTICLES)}){_SP}){{0,2}}(?P<n>{_LOWER_WORD})(?![\w-])")

_OPENERS = frozenset("\"'«»„“”‘’‚([{<•*·▪►")
_TRANSPARENT = frozenset(" \t\u00a0–—-")
_ENDERS = frozenset("!?:;…")


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_"


def _sentence_initial(text: str, p: int) -> bool:
    """True when the word at p is capitalised because of its place (start, after . ! ? : …)."""
    i = p - 1
    while i >= 0:
        c = text[i]
        if c in _TRANSPARENT:
            i -= 1
            continue
        if c in _OPENERS or c == "\n" or c == "\r" or c in _ENDERS:
            return True
        if c == ".":
            j = i - 1
            while j >= 0 and text[j].isalpha():
                j -= 1
            word = text[j + 1:i]
            if len(word) == 1 and word.isupper() or word in ABBREVIATIONS:
                return False
            return True
        return False
    return True


def _after_title_or_cue(text: str, p: int) -> bool:
    """The word before p is a title (hr., fru …) or a naming verb (hedder, kaldes …)."""
    i = p - 1
    if i < 0 or text[i] not in " \u00a0":
        return False
    i -= 1
    if i >= 0 and text[i] == ".":
        i -= 1
    j = i
    while j >= 0 and text[j].isalpha():
        j -= 1
    word = text[j + 1:i + 1]
    return (word in TITLES or word in NAME_CUES and text[i + 1] == " ") and (j < 0 or not _is_word(text[j]))


def _evidence(text: str, start: int, end: int) -> Optional[str]:
    """Why the everyday word text[start:end] is a name here, or None: a title or naming verb,
    a family or staff word before ("min bror", "sagsbehandleren"), "hos" before, or a verb of
    speech after ("sagde", "fortalte")."""
    if _after_title_or_cue(text, start):
        return "efter titel eller 'hedder'"
    lo = max(0, start - 24)
    if _ROLE_BEFORE.search(text, lo, start):
        return "efter fx 'min bror'"
    if _HOS_BEFORE.search(text, lo, start):
        return "efter 'hos'"
    if _SPEECH_AFTER.match(text, end):
        return "før fx 'sagde'"
    return None


#: endings no Danish word has and surnames of other origins do: Romanian -escu/-eanu, South Slavic
#: -ović/-ević/-vić, Polish -wski/-lski/-cki (and -wska …)/-wicz, Ukrainian -enko, Turkish
#: -oğlu, Persian -zadeh, Armenian -yan, Georgian -shvili/-dze, Greek -opoulos. Checked against every
#: form in the Danish lemma table (none ends so; -ski alone would take «vandski», -nski «alpinski», -rski
#: «turski», -nska «Svenska», -akis «khakis») and the capitalised words of the seed texts (none)
FOREIGN_SURNAME_ENDINGS = ("escu", "eanu", "ović", "ovic", "ević", "evic", "vić", "wski", "lski", "wska", "lska",
                           "cki", "cka", "wicz", "enko", "oğlu", "oglu", "zadeh", "yan", "shvili", "dze", "opoulos")


def _surname_like(w: str) -> bool:
    """An unknown capitalised word that reads as a surname: Danish -gaard or consonant + -sen, or
    an ending of `FOREIGN_SURNAME_ENDINGS` ("Constantinescu", "Kowalski", "Petrović").

    Not -elsen/-ssen or vowel + -sen, which are definite nouns ("Undersøgelsen", "Styrelsen",
    "Analysen", "Krisen", "Klassen").
    """
    if len(w) < 5 or not w[1:].islower():
        return False
    if w.endswith("gaard") or w.endswith(FOREIGN_SURNAME_ENDINGS):
        return True
    return (w.endswith("sen") and w[-4] not in "aeiouyæøå" and not w.endswith("elsen")
            and not w.endswith("ssen"))


def _blanked(text: str, found: list[tuple[int, int, str, str]]) -> str:
    """`text` with each found span replaced by spaces (same length). Once over the text: rebuilding it
    for each span took time with the square of a line's length (a tester's 3 MB line: 100 s)."""
    if not found:
        return text
    chars = list(text)
    for s, e, _k, _r in found:
        chars[s:e] = " " * (e - s)
    return "".join(chars)


#: quick substring tests before a cue's regex (a case-blind scan of every text costs more than these)
_CPR_CUES = re.compile("cpr|CPR|Cpr|ersonn|ERSONN")
_BIRTH_CUES = re.compile("ødt|ØDT|ødsel|ØDSEL|[fF]\\. ")  # not «f.eks.»: a scan of most texts


def _keep_full_stop(text: str, span: tuple[int, int, str, str]) -> tuple[int, int, str, str]:
    """An address that ends the sentence with its abbreviation's dot («… 3, 1. th. Det er fint.») leaves the
    dot: the sentence keeps its full stop («[adresse]. Det er fint.»)."""
    s, e, k, r = span
    if e - s > 1 and text[e - 1] == "." and (e == len(text) or (text[e].isspace() and (
            e + 1 == len(text) or text[e + 1].isupper() or text[e] in "\n\r"))):
        return s, e - 1, k, r
    return span


def _resolve(found: list[tuple[int, int, str, str]], text: str) -> list[tuple[int, int, str, str]]:
    """Non-overlapping (start, end, kind, rule), earliest first; never across a line break. Spans that
    overlap become one, with the first one's kind: no part of a span is ever left («hvide mette» as a
    nickname and «mette@x.dk» as an e-mail left «@x.dk» when the later span was dropped). Tuples, not
    `Span`s: `mask` needs no more (building the spans cost a tenth of it)."""
    if len(found) > 1:
        found.sort(key=lambda t: (t[0], -t[1]))
    out: list[tuple[int, int, str, str]] = []
    last = 0
    lines = "\n" in text or "\r" in text
    for f in found:
        s, e = f[0], f[1]
        if e <= s or (lines and ("\n" in text[s:e] or "\r" in text[s:e])):
            continue
        if s < last:  # overlaps the span before: inside it, or it grows to the end of this one
            if e > last:
                p = out[-1]
                out[-1] = (p[0], e, p[2], p[3] if f[3] in p[3] else f"{p[3]} + {f[3]}")
                last = e
            continue
        out.append(f)
        last = e
    return out


#: a decimal digit other than 0-9 (Arabic-Indic, Persian, Devanagari, full-width …): a phone or CPR
#: number typed with them is a number as much as with 0-9 (a reviewer found «٢٢٣٣٤٤٥٥» left)
_OTHER_DIGIT = re.compile(r"[^\D0-9]")


def _latin1(text: str) -> bool:
    """Every character within Latin-1 (Danish text is): then there is no digit but 0-9 — a cheap test
    first (a regex scan of every non-ASCII text for other digits cost the anonymiser 5 %)."""
    try:
        text.encode("latin-1")
        return True
    except UnicodeEncodeError:
        return False


def _ascii_digits(text: str) -> str:
    """`text` with every other decimal digit written as its 0-9 digit (the same length)."""
    return text.translate({ord(c): str(unicodedata.digit(c)) for c in set(_OTHER_DIGIT.findall(text))})


def _nfc(text: str) -> tuple[str, list[int]]:
    """`text` in NFC and, for every position in it, the position in `text` (decomposed
    diacritics, as some editors write them, become one letter the lists can find)."""
    out: list[str] = []
    pos: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        seg = unicodedata.normalize("NFC", text[i:j])
        out.append(seg)
        pos.extend([i] * len(seg))
        i = j
    pos.append(n)
    return "".join(out), pos


# --------------------------------------------------------------------------- the anonymiser

class _Entry(NamedTuple):
    phrase: str
    kind: Optional[str]  # None = keep (not a name)
    strict: bool  # the sentence-start ambiguity rule applies
    rule: str = ""


class Anonymiser:
    """Masks names, CPR numbers, phone numbers, e-mail, addresses, towns and sites.

    extra_names / places: the study's own names and the always-mask list (masked wherever they
    occur, case as written); keep: the never-mask list (never masked as a name or place);
    sources: phrase -> rule for the study's names (interviewer, site, the study's list).
    The built-in lists can be swapped out for tests; broad=False leaves out the broad name
    list (coding/data/navne.tsv.gz).
    """

    def __init__(self, extra_names: Iterable[str] = (), places: Iterable[str] = (), *,
                 keep: Iterable[str] = (), sources: Optional[Mapping[str, str]] = None,
                 first_names: Optional[Iterable[str]] = None, surnames: Optional[Iterable[str]] = None,
                 towns: Optional[Iterable[str]] = None, broad: bool = True):
        d_first, d_last, d_towns = default_lists()
        self.first = frozenset(first_names) if first_names is not None else d_first
        self.last = frozenset(surnames) if surnames is not None else d_last
        town_list = tuple(towns) if towns is not None else d_towns
        self.towns = frozenset(t for t in town_list if t not in self.first)
        self.extra_names = tuple(sorted({" ".join(n.split()) for n in extra_names if n and n.strip()}))
        self.places = tuple(sorted({" ".join(p.split()) for p in places if p and p.strip()}))
        self.keep = tuple(sorted({" ".join(k.split()) for k in keep if k and k.strip()}))
        sources = dict(sources or {})
        self._broad = broad_names() if broad else None
        self._never = never_names() if broad else frozenset()
        self._common = common_names() if broad else {}
        # one object for every anonymiser: `_lower_listed` is cached on it (an equal copy per instance made
        # every look-up compare 12,000 names)
        self._common_keys = common_name_set() if broad else frozenset()
        keep_forms = set()
        for k in self.keep:
            keep_forms.add(k)
            keep_forms.add(k[:1].upper() + k[1:])
        self._keep = frozenset(keep_forms)

        index: dict[str, list[_Entry]] = {}
        fallback: dict[str, tuple[str, str]] = {}

        def put(phrase: str, kind: Optional[str], strict: bool, rule: str) -> None:
            m = TOKEN_RE.match(phrase)
            if m is None:
                fallback.setdefault(phrase, (kind or "", rule))
                return
            index.setdefault(m.group(), []).append(_Entry(phrase, kind, strict, rule))

        for t in sorted(self.towns):
            put(t, "sted", " " not in t and t in AMBIGUOUS_TOWNS, RULE_TOWN)
        for k in KEEP_PHRASES:
            put(k, None, False, "")
        study: list[tuple[str, str, str]] = (
            [(n, "navn", sources.get(n, RULE_STUDY)) for n in self.extra_names]
            + [(p, "sted", sources.get(p, RULE_SITE)) for p in self.places])
        for p in self.places:  # "St. Dannesbo" is also called "Dannesbo"
            short = re.sub(r"^(?:St\.|Skt\.|Sct\.|Sankt)\s+", "", p)
            if short != p and len(short) >= 3:
                study.append((short, "sted", sources.get(p, RULE_SITE)))
        # the never-mask list wins over everything (the researcher's explicit choice)
        study += [(k, None, "") for k in self.keep]
        for phrase, kind, rule in study:
            variants = {phrase}
            if phrase[:1].islower():
                variants.add(phrase[:1].upper() + phrase[1:])
            for v in variants:
                # the study's own names win over the built-in lists for the same phrase
                key_m = TOKEN_RE.match(v)
                if key_m is not None:
                    lst = index.setdefault(key_m.group(), [])
                    lst[:] = [e for e in lst if e.phrase != v]
                    lst.append(_Entry(v, kind, False, rule))
                elif kind is not None:
                    fallback[v] = (kind, rule)
                else:
                    fallback.pop(v, None)
        for lst in index.values():
            lst.sort(key=lambda e: (-len(e.phrase), e.kind is not None, e.phrase))
        self._index = index
        self._known = frozenset(index) | self.first | self.last | self._common_keys
        self._place_keys = frozenset(k for k, lst in index.items() if any(e.kind != "navn" for e in lst))
        fb = sorted((p for p, (k, _) in fallback.items() if k), key=lambda p: (-len(p), p))
        self._fallback_kind = {p: fallback[p] for p in fb}
        self._fallback_re = (re.compile(r"(?<![\w])(?:" + "|".join(re.escape(p) for p in fb) + r")(?=s?(?![\w]))")
                             if fb else None)
        self._hits: dict[str, Optional[NameHit]] = {}

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_store(cls, engine_or_session: Union[Engine, Session], **kw) -> "Anonymiser":
        """An anonymiser that also masks the study's site names, interviewers and always-mask
        list, and leaves the never-mask list alone."""
        if isinstance(engine_or_session, Session):
            sn = study_names(engine_or_session)
        else:
            with Session(engine_or_session) as s:
                sn = study_names(s)
        return cls(extra_names=[*kw.pop("extra_names", ()), *sn.names],
                   places=[*kw.pop("places", ()), *sn.places], keep=[*kw.pop("keep", ()), *sn.keep],
                   sources={**(sn.sources or {}), **kw.pop("sources", {})}, **kw)

    # ------------------------------------------------------------------ lookup helpers

    def _phrase_at(self, text: str, p: int, w: str) -> Optional[tuple[int, _Entry]]:
        cands = self._index.get(w)
        if cands is None and len(w) > 2 and w[-1] == "s":
            cands = self._index.get(w[:-1])
        if cands is None:
            return None
        n = len(text)
        for e in cands:
            if text.startswith(e.phrase, p):
                end = p + len(e.phrase)
                if end < n and _is_word(text[end]):
                    if not (text[end] == "s" and (end + 1 == n or not _is_word(text[end + 1]))):
                        continue
                return end, e
        return None

    def _is_known(self, w: str) -> bool:
        if w in self._known:
            return True
        return self._broad is not None and w in self._broad.index

    def _lookup_da(self, w: str) -> Optional[NameHit]:
        if w in self.first:
            return NameHit("F", len(w), f"fornavn ({SRC_DA})", 1 if w in AMBIGUOUS_FIRST else 0,
                           f"efternavn ({SRC_DA})" if w in self.last else "")
        if w in self.last:
            return NameHit("L", len(w), f"efternavn ({SRC_DA})", 1 if w in AMBIGUOUS_LAST else 0,
                           f"efternavn ({SRC_DA})")
        return None

    def _lookup_broad(self, w: str, possessive: bool = False) -> Optional[NameHit]:
        if self._broad is None or w in self._never or w in ABBREVIATIONS or w.lower() in ABBREVIATIONS:
            return None
        c = self._broad.index.get(w)
        if c is None:
            if w in self._common and len(w) > 2:  # a common name no broad source has ("Xamse", "Hawre")
                return NameHit("F", len(w), f"navn ({self._common[w][0]})", 0, "")
            return None
        fo, lo, flags = self._broad.info[c]
        if "s" in flags or (possessive and "p" in flags):  # a stop word ("Han", "Lille"); "Seks" is no "Sek's"
            return None
        level = 2 if ("w" in flags or len(w) <= 2) else 1 if "e" in flags else 0
        last = f"efternavn ({_origin(lo)})" if lo else ""
        if fo:
            return NameHit("F", len(w), f"fornavn ({_origin(fo)})", level, last)
        return NameHit("L", len(w), last, level, last)

    def _name_class(self, w: str) -> Optional[NameHit]:
        """The word as a name (a possessive s excluded from its length), or None."""
        try:
            return self._hits[w]
        except KeyError:
            pass
        hit = None
        if w not in self._keep:
            poss = len(w) > 2 and w[-1] == "s" and w[:-1] not in self._keep
            hit = self._lookup_da(w)
            if hit is None and poss:
                h = self._lookup_da(w[:-1])
                hit = h._replace(n=len(w) - 1) if h is not None else None
            if hit is None:
                hit = self._lookup_broad(w)
            if hit is None and poss:
                h = self._lookup_broad(w[:-1], possessive=True)
                hit = h._replace(n=len(w) - 1) if h is not None else None
        if len(self._hits) < 50_000:
            self._hits[w] = hit
        return hit

    def _continues(self, w: str, loose: bool) -> tuple[bool, int, str]:
        """Can token w continue a name? (yes/no, length of its name part, its rule; '' = only
        as a capitalised word after a name, '~' = a name that is an everyday word)."""
        if w in STOPWORDS or w in self._place_keys or w in self._keep:
            return False, 0, ""
        hit = self._name_class(w)
        if hit is not None:
            rule = hit.last_rule or hit.rule
            return True, hit.n, (rule if hit.level < 2 else "~" + rule)
        if _surname_like(w) and w not in self.towns:
            return True, len(w), RULE_SURNAME_FORM
        if len(w) > 2 and w[-1] == "s" and (w[:-1] in self._index or w[:-1] in self.towns):
            return False, 0, ""
        if loose and not w.isupper() and w not in self.towns and w not in self._never:
            return True, len(w), ""
        return False, 0, ""

    def _address_at(self, text: str, c: int) -> Optional[tuple[int, int, str, str]]:
        """An address whose house number starts at c ("Østergade 12, 3. tv., 8000 Aarhus C")."""
        j = c - 1
        if j < 1 or text[j] not in " \u00a0" or not text[c].isdigit():
            return None
        while j >= 0 and text[j] in " \u00a0":
            j -= 1
        if text.endswith("nr.", 0, j + 1) or text.endswith("nr", 0, j + 1):
            j -= 3 if text[j] == "." else 2
            while j >= 0 and text[j] in " \u00a0":
                j -= 1
        if not text[max(0, j - 12):j + 1].lower().endswith(_STREET_ENDINGS):
            return self._cued_address_at(text, c)  # the usual case, a number after an ordinary word
        k = j
        while k >= 0 and text[k].isalpha():
            k -= 1
        word = text[k + 1:j + 1]
        if len(word) < 3 or not word.lower().endswith(_STREET_ENDINGS) or word in self.towns:
            return self._cued_address_at(text, c)
        for m in ADDRESS_RE.finditer(text, max(0, k + 1 - 60), min(len(text), c + 80)):
            if m.start() <= c < m.end():
                if m.group("street") in self.towns:
                    return None
                return m.start(), m.end(), "adresse", RULE_ADDRESS
            if m.start() > c:
                break
        return self._cued_address_at(text, c)

    def _cued_address_at(self, text: str, c: int) -> Optional[tuple[int, int, str, str]]:
        """A house number at c after a street with no street ending, named by its cue: «bor på Stranden 4»,
        «flyttet til Solsikken 12, 2. th», «Ved Stranden 4». Not a town («bor i Aarhus 3 år» has a unit;
        «bor i Aarhus 3» is a town and a number) and no number of four digits (a year)."""
        lo = max(0, c - 70)
        seg = text[lo:c].lower()
        if not ("bo" in seg or "flyt" in seg or "adresse" in seg or "ved" in seg):
            return None  # no cue: the usual case, looked at without a regex
        b = _VED_BEFORE.search(text, max(0, c - 40), c) if "ved" in seg[-40:] else None
        rule, start = RULE_ADDRESS, b.start() if b is not None else 0  # «Ved Stranden» is the street's name
        if b is None:
            b = _ADDRESS_CUE_BEFORE.search(text, lo, c)
            rule = RULE_ADDRESS_CUE
            if b is None:
                return None
            start = b.start("street")
        street = b.group("street")
        last = street.split()[-1]
        if (street in self.towns or last in self.towns or last in STOPWORDS or last in self._place_keys
                or last in self._keep):
            return None
        m = _ADDRESS_TAIL_RE.match(text, c)
        if m is None or re.match(r"\d{4}(?!\d)", text[c:c + 5]):
            return None
        return start, m.end(), "adresse", rule

    def _chain(self, text: str, tokens: list, i: int, end: int, loose: bool) -> tuple[int, list[str]]:
        """Extend a name at tokens[i] (ending at `end`) over following name parts, initials and
        particles ("bin", "al-", "van der"). Returns the new end and the rules of the parts added
        ('' for a capitalised word no list knows, '~…' for a name that is an everyday word)."""
        n_tok = len(tokens)
        parts: list[str] = []
        j = i + 1
        while j < n_tok:
            nm = tokens[j]
            gap = text[end:nm.start()]
            particle = False
            if gap not in (" ", "\u00a0", "-"):  # "Kim Jensen", "Anne-Marie"
                if len(gap) > 12 or _PARTICLE_GAP.fullmatch(gap) is None:
                    break
                particle = True
            nw = nm.group()
            if len(nw) == 1:
                if particle:
                    break
                # initials "J." / "J.E." / "J. E." count only when a name part follows
                k, e2 = j, nm.end()
                if text[e2:e2 + 1] != ".":
                    break
                e2 += 1
                while (k + 1 < n_tok and len(tokens[k + 1].group()) == 1
                       and text[e2:tokens[k + 1].start()] in ("", " ")
                       and text[tokens[k + 1].end():tokens[k + 1].end() + 1] == "."):
                    k += 1
                    e2 = tokens[k].end() + 1
                if k + 1 >= n_tok or text[e2:tokens[k + 1].start()] not in (" ", "\u00a0"):
                    break
                ok, ln, rule = self._continues(tokens[k + 1].group(), loose)
                if not ok:
                    break
                end = tokens[k + 1].start() + ln
                parts.append(rule)
                j = k + 2
                if ln != len(tokens[k + 1].group()):
                    break
                continue
            ok, ln, rule = self._continues(nw, loose and not particle)
            if not ok or (particle and (not rule or rule[0] == "~")):
                break
            end = nm.start() + ln
            parts.append(rule)
            j += 1
            if ln != len(nw):  # a possessive ends the name
                break
        return end, parts

    # ------------------------------------------------------------------ main

    def spans(self, text: str) -> list[Span]:
        """What would be masked in `text`, as non-overlapping spans in text order, each with
        the rule that masked it."""
        return [Span(s, e, k, text[s:e], r) for s, e, k, r in self._found(text)]

    def _found(self, text: str) -> list[tuple[int, int, str, str]]:
        """`spans` as (start, end, kind, rule) tuples."""
        if not text:
            return []
        if text.isascii():
            return self._spans_uncapped(text)
        pos = None
        if not unicodedata.is_normalized("NFC", text):
            text, pos = _nfc(text)
        if not _latin1(text) and _OTHER_DIGIT.search(text):  # «٢٢٣٣٤٤٥٥», «２２３３４４５５»: as 0-9 (same length)
            text = _ascii_digits(text)
        found = self._spans_uncapped(text)
        return found if pos is None else [(pos[s], pos[e], k, r) for s, e, k, r in found]

    def _uncap(self, text: str) -> str:
        """`text` with each name or place written in capitals capitalised instead ("AHMED" ->
        "Ahmed", "METTE HANSEN" -> "Mette Hansen", "MØLTRUP" -> "Møltrup"), same length, so the
        spans found in it are the spans of `text`. Only a word whose capitalised form is a name
        no everyday word shares (a list hit of level 0: "SKAT", "ALT", "NEJ", "MARK" stay), a
        town or the start of one of the study's terms. A word of three letters only beside
        another such word ("ALI HASSAN"): alone, three capitals are mostly an acronym ("FOA",
        "SFI", "LAB"). `text` itself when nothing changes."""
        found: list[tuple[int, int, str]] = []
        for m in _CAPS_RE.finditer(text):
            w = m.group()
            t = w[0] + w[1:].lower()
            if len(t) != len(w) or w in ABBREVIATIONS or t in ABBREVIATIONS:
                continue
            if not (t in self._index or t in self.towns):
                hit = self._name_class(t)
                if hit is None or hit.level != 0:
                    continue
            found.append((m.start(), m.end(), t))
        out = None
        for k, (a, b, t) in enumerate(found):
            if b - a == 3:
                beside = ((k > 0 and text[found[k - 1][1]:a] in (" ", "\u00a0", "-"))
                          or (k + 1 < len(found) and text[b:found[k + 1][0]] in (" ", "\u00a0", "-")))
                if not beside:
                    continue
            if out is None:
                out = list(text)
            out[a:b] = t
        return text if out is None else "".join(out)

    def _spans_uncapped(self, text: str) -> list[tuple[int, int, str, str]]:
        tokens = list(TOKEN_RE.finditer(text))
        # every _CAPS_RE match is a whole token (the same start rule, then letters up to a non-word
        # character), so a text without a token in capitals has no word in capitals: no scan of its own
        if any(map(str.isupper, map(_GROUP, tokens))):
            shadow = self._uncap(text)
            if shadow is not text:
                return self._spans(shadow)  # the same length: its spans are the text's
        return self._spans(text, tokens)

    def _spans(self, text: str, tokens: list | None = None) -> list[tuple[int, int, str, str]]:
        found: list[tuple[int, int, str, str]] = []
        if "@" in text:
            for m in EMAIL_RE.finditer(text):
                found.append((m.start(), m.end(), "email", RULE_EMAIL))
        num_end = 0
        # no digit 0-9: no number, address or glued number (ten substring tests: half a regex scan)
        has_digit = any(map(text.__contains__, "0123456789"))
        cases: list[tuple[int, int]] = []
        if has_digit:
            for m in CASE_RE.finditer(text):
                num = m.group("num")
                if sum(ch.isdigit() for ch in num) < (5 if m.group("sag") is not None else 3):
                    continue  # «sag 3», «sagen 2006», «sag nr. 2»: a count or a year, no case number
                found.append((m.start("num"), m.end("num"), "sagsnr", RULE_CASE))
                cases.append((m.start("num"), m.end("num")))
        for c in (_NUM_START.finditer(text) if has_digit else ()):
            c = c.start()
            if c < num_end:
                continue
            if cases and any(a <= c < b for a, b in cases):
                continue
            m = NUMBER_RE.match(text, c)
            if m is not None:
                kind = m.lastgroup
                e = m.end()
                if not (kind == "telefon" and (_AMOUNT_BEFORE.search(text, max(0, c - 14), c)
                                               or _AMOUNT_AFTER.match(text, e))):
                    found.append((c, e, kind, RULE_CPR if kind == "cpr" else RULE_PHONE))
                    num_end = e
                    continue
            a = self._address_at(text, c)
            if a is not None:
                found.append(_keep_full_stop(text, a))
                num_end = a[1]
        if has_digit and _BIRTH_CUES.search(text):
            for m in BIRTH_RE.finditer(text):
                found.append((m.start("date"), m.end("date"), "fødselsdato", RULE_BIRTH))
        if "[" in text or "(" in text or " dot " in text or " DOT " in text:
            for m in EMAIL_AT_RE.finditer(text):
                found.append((m.start(), m.end(), "email", RULE_EMAIL))
        if "+" in text or "(" in text:
            for m in INTL_PHONE_RE.finditer(text):
                if 8 <= sum(ch.isdigit() for ch in m.group()) <= 15:
                    found.append((m.start(), m.end(), "telefon", RULE_PHONE))
        # a number glued to its cue («tlf.22334455»): NUMBER_RE does not start after a dot; a quick test
        # first (the cue regex's case-blind scan of every text cost a fifth of `mask`)
        # a CPR number after «cpr» in any spacing («CPR 0101 90 1234», «cpr: 0 1 0 1 9 0 - 1 2 3 4») too
        for m in (CUED_NUMBER_RE.finditer(text) if has_digit and (_GLUED_DIGIT.search(text) or _CPR_CUES.search(text))
                  else ()):
            digits = sum(ch.isdigit() for ch in m.group("num"))
            if 8 <= digits <= 12:
                cpr = m.group("cue").lower().startswith(("cpr", "personn")) or (digits == 10 and NUMBER_RE.fullmatch(
                    re.sub(r"[\s./]", "", m.group("num"))) is not None)
                found.append((m.start("num"), m.end("num"), "cpr" if cpr else "telefon",
                              RULE_CPR if cpr else RULE_PHONE))
        if self._fallback_re is not None:
            for m in self._fallback_re.finditer(text):
                kind, rule = self._fallback_kind[m.group()]
                found.append((m.start(), m.end(), kind, rule))

        if tokens is None:
            tokens = list(TOKEN_RE.finditer(text))
        n_tok = len(tokens)
        known, broad = self._known, (self._broad.index if self._broad is not None else ())  # `_is_known`, inlined
        skip_to = 0
        pending: list[tuple[int, int, str]] = []  # everyday-word names without evidence (yet)
        for i in range(n_tok):
            m = tokens[i]
            p = m.start()
            if p < skip_to:
                continue
            w = m.group()
            if (w not in known and w not in broad
                    and not (w[-1] == "s" and (w[:-1] in known or w[:-1] in broad))):
                # not in any list: only a mid-sentence surname-like word or a word after a title/cue
                if not ((len(w) >= 5 and _surname_like(w))
                        or (p > 2 and text[p - 1] == " " and (text[p - 2].isalpha() or text[p - 2] in ".,"))):
                    continue
            if w in self._keep:
                continue
            hit = self._phrase_at(text, p, w)
            if hit is not None:
                end, entry = hit
                if entry.kind is None:  # a keep phrase ("Sankt Hans", the never-mask list)
                    skip_to = end
                    continue
                if not entry.strict or not _sentence_initial(text, p):
                    start, kind, rule = p, entry.kind, entry.rule
                    if entry.phrase in self.towns:
                        d = _DISTRICT_AFTER.match(text, end)
                        if d is not None:
                            end = d.end()
                        if p >= 5 and _POSTCODE_BEFORE.search(text, p - 5, p):
                            start, kind, rule = p - 5, "adresse", RULE_POSTCODE
                    found.append((start, end, kind, rule))
                    skip_to = end
                    continue
                # an everyday word at a sentence start ("Vejen til …"): maybe a name, else nothing
            nh = self._name_class(w)
            if nh is None:
                if (w.isupper() and len(w) > 1) or _sentence_initial(text, p):
                    continue
                if _after_title_or_cue(text, p):
                    rule = RULE_CUE
                elif _surname_like(w) and w not in self.towns:
                    rule = RULE_SURNAME_FORM
                elif (w not in self._never and w not in STOPWORDS and not self._is_known(w)
                      and _ROLE_BEFORE.search(text, max(0, p - 24), p)):
                    rule = RULE_ROLE  # "min kone Siriporn": a name no list knows
                else:
                    continue
                cls, level, loose, nlen, need = None, 0, True, len(w), False
            else:
                initial = _sentence_initial(text, p)
                cls, level, nlen, rule = nh.cls, nh.level, nh.n, nh.rule
                loose = level < 2 and not (initial and (level == 1 or cls == "L"))
                need = level == 2 or (level == 1 and initial)
            end, parts = self._chain(text, tokens, i, p + nlen, loose) if nlen == len(w) else (p + nlen, [])
            if nh is not None and need:
                # an everyday word: a name only with a listed name after it, or context
                if not any(r and r[0] != "~" for r in parts):
                    ev = _evidence(text, p, end)
                    if ev is None:
                        pending.append((p, p + nlen, rule))
                        continue
                    rule = f"{rule}; {ev}"
            start = p
            b = _INITIALS_BEFORE.search(text, max(0, p - 8), p)
            if b is not None:
                start = b.start()
            elif (cls != "F" or nh.last_rule) and i > 0:
                # an unknown first name right before a surname: "Mohammed Jensen", "hos Ayse Hansen",
                # also one that is a first name too ("Xamse Warsame", "Benjamas Mohamed": many
                # surnames of immigrant backgrounds are both in the lists)
                pm = tokens[i - 1]
                pw = pm.group()
                if (pm.end() == p - 1 and text[p - 1] == " " and pm.start() >= skip_to and len(pw) > 1
                        and pw not in STOPWORDS and pw not in self._place_keys and not pw.isupper()
                        and pw not in self._never and pw not in self._keep):
                    start = pm.start()
                    rule = f"{RULE_BEFORE_SURNAME} + {rule}"
            extra = [r.lstrip("~") for r in parts if r and r.lstrip("~") != rule]
            if extra:
                rule = " + ".join(dict.fromkeys([rule, *extra]))
            found.append((start, end, "navn", rule))
            skip_to = end

        # The words outside what is masked already (a list: a set would cost more). One set test decides
        # whether the nickname and lower-case rules run: `no` never holds a nickname word (alone or
        # glued to punctuation), so a text of remembered words has none and no lower-case name.
        # Blanked, what was found (numbers, e-mails, names) is neither looked up again nor remembered;
        # the rules' own tests then look at the text as written ("hos Tante fatima": «Tante» is masked).
        rest_text = _blanked(text, found) if found else text
        words = rest_text.split()
        no = self._lower_seen[0]
        if not no.issuperset(words):
            unknown = set(words).difference(no)
            if any(map(_NICK_ANY.search, unknown)):  # a nickname word, alone or glued to punctuation
                self._nicknames(text, found)
            rest = set()
            for w in unknown.difference(_NICK_WORDS):
                if not _HAS_DIGIT.search(w):
                    rest.add(w)
                elif len(no) < 200_000 and not _UNREMEMBERED.search(w):
                    no.add(w)  # a small number: never a lower-case name (`_classify_lower`), see `_lower_word`
            if rest:
                self._lower_case(text, found, set(text.split()) if found else set(words), rest, rest_text)
                self._name_tails(text, found)
        if pending:
            self._coordinated(text, found, pending)
        if self._keep:
            found = [f for f in found if f[2] not in ("navn", "sted") or not self._kept(text[f[0]:f[1]])]
        return _resolve(found, text)

    def _kept(self, piece: str) -> bool:
        return piece in self._keep or (piece[-1:] in "s'’" and piece[:-1] in self._keep)

    def _nicknames(self, text: str, found: list) -> None:
        """Descriptor + name nicknames: a capitalised name's span grows over the descriptor
        ("lange Peter" -> one span); a lower-case one is looked up ("tykke mads", "lille ahmed").
        A lower-case name after "hedder"/"kaldes" is masked too ("jeg hedder ahmed")."""
        if not _NICK_ANY.search(text):
            return  # no descriptor or naming verb, alone or glued to punctuation: nothing to do
        for k, (s, e, kind, rule) in enumerate(found):
            if kind == "navn" and s > 0 and text[s - 1] in " \u00a0":
                d = _DESC_BEFORE.search(text, max(0, s - 12), s)
                if d is not None:
                    found[k] = (d.start(), e, kind, f"{RULE_NICK}: {rule}")
        for m in _NICK_RE.finditer(" " + text):  # positions in " " + text: one more than in text
            name = m.group("n")
            end = m.end("n") - 1
            hit = self._name_class(name[0].upper() + name[1:])
            if hit is None or hit.cls != "F" or name in self._keep or self._word_with_s(name, hit):
                continue
            if hit.n != len(name):
                end -= len(name) - hit.n  # "lange peters bil": the possessive s stays
            if m.group("c") is not None:  # after "hedder": an everyday word never
                if hit.level == 0:
                    found.append((m.start("n") - 1, end, "navn", f"{hit.rule}; {RULE_CUE}"))
                continue
            start = m.start("d") - 1
            rule = f"{RULE_NICK}: {hit.rule}"
            if hit.level > 0:
                ev = _evidence(text, start, end)
                if ev is None:
                    continue
                rule = f"{rule}; {ev}"
            found.append((start, end, "navn", rule))

    def _lower_case(self, text: str, found: list, words: set[str] | None = None,
                    rest: set[str] | None = None, rest_text: str | None = None) -> None:
        """Names written in lower case (a tester found «mette og lars» and «zeynep» left, and
        `ordfrekvens` listing them): a name of the Danish list that is no everyday word ("mette",
        "lars", "hansen", "anne-mette", "mette's"; never "per", "bo", "hans", "dans", "jan."); a name
        of the broad list that is no Danish or English word only with evidence — after a family or
        staff word ("min veninde zeynep", "min mor fatima"), before a verb of speech ("zeynep sagde"),
        beside a masked name ("mette og zeynep") or before a masked surname ("ahmed hansen")."""
        words = set(text.split()) if words is None else words
        rest = words - self._lower_seen[0] if rest is None else rest
        cands = [(raw, v) for raw in rest if (v := self._lower_word(raw)) is not None]
        # a broad-list name inside what is masked already («zeynep (at) gmail.com») opens the rules
        # that need evidence, as one outside does; looked up, never remembered
        broad = any(v[0] == "b" for _raw, v in cands) or any(
            v is not None and v[0] == "b" for w in words - rest - self._lower_seen[0]
            if not _HAS_DIGIT.search(w) and (v := self._classify_lower(w)) is not None)
        if not cands and not broad:
            return  # no lower-case word the lists know as a name
        kept = self._kept_phrases(text)
        for raw, (kind, off, w) in cands:
            if kind != "l" or w in self._keep or (w[0].upper() + w[1:]) in self._keep:
                continue
            cap = w[0].upper() + w[1:]
            hit = self._lookup_da(cap)
            if hit is None and cap in self._common:
                hit = self._name_class(cap)
                rule = f"{hit.rule if hit is not None else 'navn'}; almindeligt navn i Danmark ({self._common[cap][0]})"
            else:
                rule = hit.rule if hit is not None else f"navn ({SRC_DA})"
            rule = f"{rule}; med lille begyndelsesbogstav"
            # the split word where it stands: whitespace (or the text's edge) on both sides, in the text
            # with what is masked blanked (same length: «x@y.dk,lars» is the word «,lars»)
            t = text if rest_text is None else rest_text
            i = t.find(raw)
            while i != -1:
                j = i + len(raw)
                if (i == 0 or t[i - 1].isspace()) and (j == len(t) or t[j].isspace()):
                    st = i + off
                    if not any(ks <= st < ke for ks, ke in kept):
                        found.append((st, st + len(w), "navn", rule))
                i = t.find(raw, j)
        if not broad:
            return
        for m in (_LOWER_AFTER_ROLE.finditer(text) if not _ROLE_FORMS.isdisjoint(words) else ()):
            self._lower_broad(text, found, m.start("n"), m.end("n"), "efter fx 'min bror'", kept)
        for m in (_SPEECH.finditer(text) if not _SPEECH_FORMS.isdisjoint(words) else ()):
            w = _LOWER_WORD_END.search(text, max(0, m.start() - 30), m.start())
            if w is not None:
                self._lower_broad(text, found, w.start("n"), w.end("n"), "før fx 'sagde'", kept)
        done: set[tuple[int, int]] = set()
        for _ in range(2):  # beside a masked name, lower case or not: «Mette og zeynep», «ahmed, ali»
            n = len(found)
            for s, e, k, _r in list(found):
                if k != "navn" or (s, e) in done:
                    continue
                done.add((s, e))
                if text.startswith(_COORD_JOINS, e):
                    m = _LOWER_AFTER_COORD.match(text, e)
                    if m is not None:
                        self._lower_broad(text, found, m.start("n"), m.end("n"), "sammen med et navn", kept)
                if text.endswith(_COORD_JOINS, 0, s):
                    m = _LOWER_BEFORE_COORD.search(text, max(0, s - 40), s)
                    if m is not None:
                        self._lower_broad(text, found, m.start("n"), m.end("n"), "sammen med et navn", kept)
                elif s > 1 and text[s - 1] == " ":  # «ahmed hansen»: a first name before a masked surname
                    m = _LOWER_WORD_END.search(text, max(0, s - 31), s - 1)
                    if m is not None:
                        self._lower_broad(text, found, m.start("n"), m.end("n"), "før et efternavn", kept)
            if len(found) == n:
                return

    def _name_tails(self, text: str, found: list) -> None:
        """A lower-case surname right after a masked name is part of that name, one span (a tester found
        «jørgen ølgaard ringede» -> «[navn] ølgaard ringede»): after a name written in lower case, a
        lower-case name of the lists («ayşe yılmaz», «nguyen van anh», «mette hansen»); after any name, a
        lower-case word with a surname's form that no list has («Jørgen ølgaard», «piotr kowalczyk»:
        -gaard, consonant + -sen, `FOREIGN_SURNAME_ENDINGS`). Particles may stand between («van», «bin»)."""
        if not found:
            return
        kept = None
        for _ in range(3):  # «ayşe yılmaz kaya»: a name grows part by part
            grown = False
            for k, (s, e, kind, rule) in enumerate(found):
                if kind != "navn" or e >= len(text) or text[e] not in " \u00a0":
                    continue
                m = _TAIL_RE.match(text, e)
                if m is None:
                    continue
                v = self._lower_word(m.group("n"))
                if v is None or (v[0] != "s" and not text[s:e].islower()):
                    continue
                w = v[2]
                if w in self._keep or (w[0].upper() + w[1:]) in self._keep:
                    continue
                if kept is None:
                    kept = self._kept_phrases(text)
                st = m.start("n")
                if any(ks <= st < ke for ks, ke in kept):
                    continue
                end = st + len(w)
                if end > e:
                    why = RULE_SURNAME_FORM if v[0] == "s" else "navn med lille begyndelsesbogstav"
                    found[k] = (s, end, kind, f"{rule} + efternavn efter et navn ({why})")
                    grown = True
            if not grown:
                return

    @functools.cached_property
    def _lower_seen(self) -> tuple[set[str], dict[str, tuple[str, int, str]]]:
        """Words as split from texts (punctuation on): those that are no lower-case name, and those
        that are -> (``l``: the Danish list's, ``b``: the broad list's, where the name starts, the name).
        Bounded; a word not remembered is looked up again."""
        return set(), {}

    def _lower_word(self, raw: str) -> tuple[str, int, str] | None:
        """`raw` (a split word) as a lower-case name: (kind, where the name starts in it, the name)."""
        no, known = self._lower_seen
        v = known.get(raw)
        if v is not None or raw in no:
            return v
        v = self._classify_lower(raw)
        if v is None:
            # not remembered (`_UNREMEMBERED`): an e-mail address, a user name, a number of five digits
            # or more, so the cache keeps no such personal data (`_spans` blanks what it masked before
            # it looks here). A number of at most four digits on its own is (a year, a count: a sixth
            # of the texts have one, and looking them up again cost a tenth of `mask`); it identifies
            # no one, and the cache keeps no order or context. Nor a word with a nickname word in it
            # (`_NICK_ANY`): a text of remembered words has none (one set test for both rules)
            if len(no) < 200_000 and not _UNREMEMBERED.search(raw) and not _NICK_ANY.search(raw):
                no.add(raw)
        elif len(known) < 100_000:
            known[raw] = v
        return v

    def _classify_lower(self, raw: str) -> tuple[str, int, str] | None:
        off, core = _core(raw)
        if len(core) < 3 or not core.islower() or raw.startswith(("-", "‐", "­"), off + len(core)):
            return None  # «samar-», «resul-», «fami-»: a word broken at a line's end is no name
        names, poss = self._lower_names
        if core in names:
            return "l", off, core
        if core[-2:] in ("'s", "’s") and core[:-2] in names:  # «mette's mor»
            return "l", off, core[:-2]
        if core[-1] == "s" and core[:-1] in poss:  # «mettes»; never «dans», «jeans»
            return "l", off, core[:-1]
        parts = re.split(r"[-/]", core)
        if len(parts) > 1 and all(p in names for p in parts):  # «anne-mette», «mette/lars»
            return "l", off, core
        w = core[:-2] if core[-2:] in ("'s", "’s") else core
        if not w.isalpha() or w in _NOT_LOWER_NAMES:
            return None
        cap = w[0].upper() + w[1:]
        hit = self._name_class(cap)
        if hit is None or hit.level != 0 or self._word_with_s(w, hit):
            if hit is None and w == core and _surname_like(cap) and cap not in self.towns and cap not in self._never:
                return "s", off, w  # «ølgaard», «kowalczyk»: a surname only right after a name (`_name_tails`)
            return None
        return "b", off, w[:hit.n]

    @functools.cached_property
    def _lower_names(self) -> tuple[frozenset[str], frozenset[str]]:
        return _lower_listed(self.first, self.last, self._common_keys)

    def _word_with_s(self, w: str, hit: NameHit) -> bool:
        """`w` in lower case is a name + s that is a word (the broad list's ``p`` flag): «dans»,
        «jeans» are no «Dan», «Jean» + s («store dans» was masked as a nickname)."""
        if hit.n == len(w) or self._broad is None:
            return False
        c = self._broad.index.get(w[0].upper() + w[1:hit.n])
        return c is not None and "p" in self._broad.info[c][2]

    def _kept_phrases(self, text: str) -> list[tuple[int, int]]:
        """Where the never-mask list's phrases of several words stand in `text` ("lange peter")."""
        rx = getattr(self, "_keep_phrase_re", False)
        if rx is False:
            phrases = {v for k in self._keep if " " in k for v in (k, k[:1].upper() + k[1:], k.lower())}
            rx = self._keep_phrase_re = (re.compile("|".join(re.escape(k).replace(r"\ ", r"\s+") for k in
                                                              sorted(phrases, key=len, reverse=True)))
                                         if phrases else None)
        return [m.span() for m in rx.finditer(text)] if rx is not None else []

    def _lower_broad(self, text: str, found: list, s: int, e: int, why: str, kept: list[tuple[int, int]]) -> None:
        """text[s:e], a lower-case word with evidence, is a name if the lists know it as one that
        is no everyday word (level 0); a possessive s stays outside."""
        w = text[s:e]
        if len(w) < 3 or not w.islower() or w in self._keep or w in _NOT_LOWER_NAMES:
            return
        cap = w[0].upper() + w[1:]
        if cap in self._keep or cap in self._never or cap in STOPWORDS:
            return
        hit = self._name_class(cap)
        if hit is None or hit.level != 0 or any(ks <= s < ke for ks, ke in kept):
            return
        found.append((s, s + hit.n, "navn", f"{hit.rule}; med lille begyndelsesbogstav, {why}"))

    def _coordinated(self, text: str, found: list, pending: list) -> None:
        """An everyday-word name next to a masked name ("Ahmed og Ben", "Ben, Ali") is a name."""
        for _ in range(2):
            names = [(s, e) for s, e, k, _r in found if k == "navn"]
            left = []
            for ps, pe, rule in pending:
                hit = False
                for s, e in names:
                    if (e <= ps and ps - e <= 8 and _COORD.fullmatch(text, e, ps)) or (
                            s >= pe and s - pe <= 8 and _COORD.fullmatch(text, pe, s)):
                        hit = True
                        break
                if hit:
                    found.append((ps, pe, "navn", f"{rule}; sammen med et navn"))
                else:
                    left.append((ps, pe, rule))
            if len(left) == len(pending):
                return
            pending = left

    def mask(self, text: str) -> str:
        """`text` with every span replaced by its tag ([navn], [cpr], [telefon], [adresse], [sted])."""
        sp = self._found(text)
        if not sp:
            return text
        out = []
        last = 0
        for s, e, k, _r in sp:
            out.append(text[last:s])
            out.append(TAGS[k])
            last = e
        out.append(text[last:])
        return "".join(out)

    def explain(self, text: str) -> Masking:
        """Original and masked text with the spans in both, for a side-by-side view."""
        sp = self.spans(text)
        out = []
        masked_spans = []
        last = 0
        pos = 0
        for s in sp:
            piece = text[last:s.start]
            out.append(piece)
            pos += len(piece)
            tag = TAGS[s.kind]
            masked_spans.append(Span(pos, pos + len(tag), s.kind, tag, s.rule))
            out.append(tag)
            pos += len(tag)
            last = s.end
        out.append(text[last:])
        return Masking(text, "".join(out), sp, masked_spans)

    def mask_many(self, texts: Iterable[Optional[str]]) -> list[Optional[str]]:
        """Mask each text (None stays None) — for exports."""
        return [None if t is None else self.mask(t) for t in texts]


@functools.lru_cache(maxsize=1)
def default_anonymiser() -> Anonymiser:
    """The built-in lists only (no store)."""
    return Anonymiser()


def forget_seen() -> None:
    """Drop the shared anonymiser (`default_anonymiser`), whose cache of words it has split from texts
    (`Anonymiser._lower_seen`) holds the words of every text it masked: called when the store deleted
    something, so no word of a deleted text stays in this process's memory. The next call builds a new
    one (the word lists themselves are read once and kept: they hold no one's text)."""
    default_anonymiser.cache_clear()


def mask(text: str, anonymiser: Optional[Anonymiser] = None) -> str:
    """Mask with `anonymiser`, or with the built-in lists only."""
    return (anonymiser or default_anonymiser()).mask(text)


def export_masker(engine_or_session: Union[Engine, Session, None] = None, *,
                  enabled: bool = True) -> Callable[[Optional[str]], Optional[str]]:
    """The function an export applies to every quote/free-text cell: masking is on by default.

    With a store, the study's names are masked too. `enabled=False` (the researcher's explicit
    choice, for material that stays inside the team) gives the identity. None stays None.
    """
    if not enabled:
        return lambda t: t
    anon = Anonymiser.from_store(engine_or_session) if engine_or_session is not None else default_anonymiser()
    return lambda t: t if t is None or t == "" else anon.mask(t)
