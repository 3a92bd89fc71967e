"""Anonymisation of quotes and free text before they leave the research team (issue 4).

    Anonymiser.from_store(engine).mask("Kim Jensen ringede fra 12 34 56 78")
    -> "[navn] ringede fra [telefon]"

What is masked, and with which tag
----------------------------------
==========  ===============  ==============================================================
kind        tag              what
==========  ===============  ==============================================================
navn        ``[navn]``       person names: Danish first names and surnames, the study's own
                             names (interviewers) and the researcher's always-mask list
cpr         ``[cpr]``        ddmmyy-xxxx / ddmmyyxxxx (also ddmmyy xxxx); valid day 01–31
                             and month 01–12, no modulus-11 check
telefon     ``[telefon]``    Danish 8-digit numbers, optional +45/0045, written 12345678,
                             12 34 56 78, 12-34-56-78, 12.34.56.78 or 1234 5678
email       ``[adresse]``    e-mail addresses (an e-mail *address*: the issue's five tags
                             have no e-mail tag; `Span.kind` still says "email")
adresse     ``[adresse]``    street + house number (+ floor, + postcode and town), and a
                             postcode directly before a known town ("8000 Aarhus C")
sted        ``[sted]``       towns and municipalities, the study's site names and the
                             always-mask list's places
==========  ===============  ==============================================================

`Anonymiser.spans(text)` gives the `Span(start, end, kind, text)` list (offsets into the
original) so a page can show original and masked text side by side with highlights;
`Anonymiser.explain(text)` also gives the spans' positions in the masked text. The output is
deterministic, a span never contains a line break (one line in, one line out), and nothing here
logs or prints the text.

Word lists
----------
* First names and surnames: Faker's ``da_DK`` person provider (``first_names_male``,
  ``first_names_female``, ``first_names``, ``last_names``; ~500 first names, 91 surnames), read
  from the provider's attributes — nothing is generated.
* Towns: ``coding/data/steder_da.txt`` (the 98 municipalities, larger towns, city districts,
  old spellings; sources in the file) plus Faker's ``da_DK`` address provider ``cities`` (~560
  postal towns). Town entries that are also first names (Faker lists "Flemming", "Tim" as
  towns) count as names.
* The study's own names (`Anonymiser.from_store`): every `Site.name` (→ sted, also without a
  leading "St."/"Skt."), every `Interview.interviewer` (→ navn; a value that looks like a person
  name, e.g. "Anne Hansen", is also matched part by part), and the `MaskTerm` rows the
  researcher maintains (`add_mask_term` / `list_mask_terms` / `remove_mask_term`).

Precision rules (Danish capitalises proper nouns, not nouns)
------------------------------------------------------------
* Only capitalised words are looked up; "bo", "per", "hans" in lower case are never names.
* Mid-sentence, a capitalised word in the name list is a name ("spurgte Per", "hos Bo").
* At a sentence start (start of text/line, after . ! ? : ; …, after an opening quote, bracket
  or bullet) capitalisation says nothing, so a first name / surname / town that is also an
  everyday Danish word (``AMBIGUOUS_*`` below: "Hans" = his, "Per", "Bo", "Tage", "Tom",
  "Skov", "Lund", "Vejen", "Give", "Hals" …) is masked there only when followed by a surname
  ("Per Jensen kom") — other names are masked at a sentence start too ("Kim er 29 år").
  An abbreviation's full stop ("hr.", "fx", "ca.", an initial "J.") does not start a sentence.
* A full name is ONE span: a first name (or title hr./fru/frk./dr.) followed by further
  capitalised words — other names, initials ("Kim J. Jensen"), hyphenated parts
  ("Anne-Marie"), or any capitalised word that is not a pronoun/function word, town or site
  ("Kim Jensen", "fru Ali Khan"). Initials right before a name are included ("H.C. Andersen"),
  and so is an unknown capitalised word right before a surname ("Mohammed Jensen").
* Mid-sentence, an unknown capitalised word ending in -gaard or consonant + -sen is taken as a
  surname ("Gregersen"; not the definite nouns "Undersøgelsen", "Analysen"); after hr./fru/
  frk./dr. or a naming verb ("hedder", "hed", "kaldes", "kaldet") any capitalised word is a name
  ("jeg hedder Mohammed").
* Possessives keep their ending outside the tag: "Kims mentor" -> "[navn]s mentor",
  "Jens' bror" -> "[navn]' bror", "Københavns Kommune" -> "[sted]s Kommune". The ending tells
  nothing about who it is, and the sentence stays readable.
* The always-mask list and the study's names are masked wherever they occur with the case as
  written (a term entered in lower case also matches capitalised), also at sentence starts,
  and win over the built-in lists. "Sankt Hans" (the midsummer feast) is never a name.
* Numbers: years ("2006"), amounts ("kr. 12.000", "12000000 kr."), dates ("01.02.2006"),
  year ranges ("2006-2007"), paragraphs ("§ 94") and table rows ("40 28 14 2") are left alone;
  a run of digits is a phone number only as a whole 8-digit group (with the formats above)
  and not when it reads as an amount in kroner.
* Street addresses need a street word with a street ending (-vej, -gade, -allé, -vænge,
  -stræde, -plads, -boulevard, -torv, -sti, -have(n), -park(en), -bakke(n), -høj, -lund …, or
  a separate "Vej"/"Gade"/"Allé"… after a capitalised name: "Peter Bangs Vej 5") and a house
  number not followed by a unit ("år", "gange", "kr."). A town that happens to end like a
  street ("Albertslund 3 år", "Brønshøj 2") is a town, not an address.

Known limits: names not in the lists are found only through the rules above (title, naming
verb, -sen/-gaard, next to a known name) — add the others to the always-mask list; names in
lower case or in CAPITALS are not found; a Danish-word name at a sentence start without a
surname ("Bo kom forbi") is left unless it is on the always-mask list.

Exports call `export_masker(engine)` (masking on unless the caller passes enabled=False) and
apply it to every quote and free-text cell.

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

import datetime as dt
import functools
import os
import re
import sys
from pathlib import Path
from typing import Callable, Iterable, NamedTuple, Optional, Union

from sqlalchemy import UniqueConstraint, select
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel

from survey.models import Interview, Site, utcnow
from survey.store import StoreError
from survey.text import safe_text, shown, text_field

KINDS = ("navn", "cpr", "telefon", "email", "adresse", "sted")
TAGS = {"navn": "[navn]", "cpr": "[cpr]", "telefon": "[telefon]", "email": "[adresse]",
        "adresse": "[adresse]", "sted": "[sted]"}
TERM_KINDS = ("navn", "sted")
TERM_MAX = 200

DATA_DIR = Path(__file__).resolve().parent / "data"
TOWNS_FILE = DATA_DIR / "steder_da.txt"

# Names that are also everyday Danish words: masked at a sentence start only when a surname
# follows. (Mid-sentence, capitalisation decides.)
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
    tv th mf sal ekskl tilsv vh mvh ex Hr Fr Frk Dr St Skt Sct Nr Tlf Gl Ndr Sdr Prof Fx Ca
""".split())
DISTRICTS = ("NV", "NØ", "SV", "SØ", "C", "K", "V", "N", "S", "Ø", "M", "J", "F")


class Span(NamedTuple):
    """A masked piece of the original text: text[start:end] is replaced by `tag`."""
    start: int
    end: int
    kind: str  # navn | cpr | telefon | email | adresse | sted
    text: str

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
    """A refused change to the always-mask list; the message says why (Danish)."""


# --------------------------------------------------------------------------- store

class MaskTerm(SQLModel, table=True):
    """A name or place the researcher wants masked everywhere (the always-mask list)."""
    __tablename__ = "mask_term"
    __table_args__ = (UniqueConstraint("term", name="uq_mask_term_term"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    term: str = Field(max_length=TERM_MAX)
    kind: str = Field(default="navn", max_length=10)  # navn | sted
    added_by: Optional[str] = Field(default=None, max_length=200)
    added_at: dt.datetime = Field(default_factory=utcnow)


def _clean_term(term: str) -> str:
    t = text_field(term, "Navnet eller stedet", error=AnonymiseError)  # one line, no control characters
    if len(t) < 2:
        raise AnonymiseError("Skriv mindst to tegn: et navn eller sted, der altid skal maskeres.")
    if len(t) > TERM_MAX:
        raise AnonymiseError(f"Højst {TERM_MAX} tegn pr. navn eller sted.")
    return t


def add_mask_term(s: Session, term: str, kind: str = "navn", *, who: Optional[str] = None) -> MaskTerm:
    """Put `term` on the always-mask list as a name ('navn') or a place ('sted')."""
    if not isinstance(kind, str) or kind not in TERM_KINDS:
        raise AnonymiseError(f"Ukendt art {shown(kind)}: brug 'navn' eller 'sted'.")
    t = _clean_term(term)
    if s.execute(select(MaskTerm).where(MaskTerm.term == t)).scalars().first() is not None:
        raise AnonymiseError(f"'{t}' står allerede på listen over navne og steder, der altid maskeres.")
    row = MaskTerm(term=t, kind=kind, added_by=text_field(who, "Hvem", error=AnonymiseError)[:200] or None)
    s.add(row)
    s.flush()
    return row


def list_mask_terms(s: Session, kind: Optional[str] = None) -> list[MaskTerm]:
    """The always-mask list, by kind and term."""
    q = select(MaskTerm)
    if kind is not None:
        q = q.where(MaskTerm.kind == kind)
    return list(s.execute(q.order_by(MaskTerm.kind, MaskTerm.term, MaskTerm.id)).scalars())


def remove_mask_term(s: Session, term_or_id: Union[int, str]) -> bool:
    """Take a term off the always-mask list (by id or by the term); False if it was not there."""
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


def _person_parts(value: str) -> list[str]:
    """'Anne Hansen' -> ['Anne', 'Hansen']; values that do not look like a name give []."""
    parts = value.split()
    if len(parts) < 2 or any(not p[:1].isupper() or not p.replace("-", "").isalpha() for p in parts):
        return []
    return [p for p in parts if len(p) >= 2]


def study_names(s: Session) -> StudyNames:
    """The names in the study's own data: sites (places), interviewers (names), the always-mask list."""
    names: list[str] = []
    places: list[str] = []
    for name in s.execute(select(Site.name)).scalars():
        if name and len(name.strip()) >= 2:
            places.append(" ".join(name.split()))
    for who in s.execute(select(Interview.interviewer).distinct()).scalars():
        if who and len(who.strip()) >= 2:
            w = " ".join(who.split())
            names.append(w)
            names.extend(_person_parts(w))
    for term, kind in s.execute(select(MaskTerm.term, MaskTerm.kind)).all():
        (places if kind == "sted" else names).append(term)
    return StudyNames(sorted(set(names)), sorted(set(places)))


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
    from faker.providers.address.da_DK import Provider as AddressDK
    from faker.providers.person.da_DK import Provider as PersonDK

    first = frozenset(PersonDK.first_names_male) | frozenset(PersonDK.first_names_female) | frozenset(
        PersonDK.first_names)
    last = frozenset(PersonDK.last_names)
    towns: dict[str, None] = {}
    for t in [*_read_list(TOWNS_FILE), *AddressDK.cities]:
        t = " ".join(t.split())
        if t and t not in first:
            towns[t] = None
    return first, last, tuple(sorted(towns))


# --------------------------------------------------------------------------- patterns

_UP = "A-ZÀ-ÖØ-Þ"
_L = r"[^\W\d_]"
# A capitalised word ("Anne-Marie" is two: a name chain joins them again). The look-behind comes
# after the first character so the regex engine can skip ahead to capitals: 3x faster than a
# leading look-behind.
TOKEN_RE = re.compile(rf"[{_UP}](?<![\w'’].){_L}*")
# Where a number can start (same trick); CPR, phone and address matching starts only there.
_NUM_START = re.compile(r"[+0-9](?<![\w+.,-].)")
_SP = "[ \u00a0]"

_CPR = r"(?:0[1-9]|[12][0-9]|3[01])(?:0[1-9]|1[0-2])[0-9]{2}[-‐‑‒– ]?[0-9]{4}"
_D = "[0-9]"
_PHONE = (rf"(?:(?:\+|00)45{_SP}?-?{_SP}?)?"
          rf"(?!(?:1[89]|20){_D}{_D}[ \u00a0-](?:1[89]|20){_D}{_D}(?![0-9]))"  # not a year range
          rf"(?:{_D}{{8}}|{_D}{_D}(?:{_SP}{_D}{_D}){{3}}|{_D}{_D}(?:-{_D}{_D}){{3}}|{_D}{_D}(?:\.{_D}{_D}){{3}}"
          rf"|{_D}{{4}}{_SP}{_D}{{4}}|{_D}{{4}}-{_D}{{4}})")
# Used with .match at a _NUM_START position; the look-behinds refuse a number inside another
# number ("40 28 14 12" in a table row, "1.234", "+4512…" from its middle).
NUMBER_RE = re.compile(
    rf"(?<![\w+.,-])(?<![0-9]{_SP})(?:(?P<cpr>{_CPR})|(?P<telefon>{_PHONE}))(?![\w]|[.,-][0-9]|{_SP}[0-9])")
_AMOUNT_BEFORE = re.compile(r"(?:kr\.?|dkk|kroner|beløb(?:et)?|løn|gæld)\s*(?:på\s*)?$", re.I)
_AMOUNT_AFTER = re.compile(r"\s*(?:kr\b|kroner|dkk|,-|mio|mia)", re.I)

_STREET_SUFFIX = ("vej|vejen|gade|gaden|allé|alle|alléen|vænge|vænget|stræde|strædet|plads|pladsen|"
                  "boulevard|torv|torvet|sti|stien|have|haven|park|parken|vang|vangen|bakke|bakken|høj|"
                  "højen|kær|kæret|lund|lunden|toft|toften|hegn|hegnet|dal|dalen|kaj|kajen|brygge|bryggen|"
                  "løkke|løkken|sving|svinget|marken|engen|holmen|krog|krogen|passage|promenade|vænge")
_STREET_ENDINGS = tuple(sorted(set(_STREET_SUFFIX.split("|")), key=len))
_STREET_WORD = "Vej|Gade|Allé|Alle|Plads|Boulevard|Torv|Stræde|Vænge|Have|Park|Vang|Bakke|Sti|Kaj|Brygge|" \
               "vej|gade|allé|alle|plads|boulevard|torv|stræde|vænge"
_STREET_PREFIX = ("Gammel|Gamle|Gl\\.|Ny|Nye|Store|St\\.|Lille|Nørre|Ndr\\.|Søndre|Sdr\\.|Sønder|Vester|Vestre|"
                  "Øster|Østre|Nordre|Sankt|Skt\\.|Sct\\.|Kongens|Dronning|Dronningens|Prins|Prinsesse|Kong|"
                  "Øvre|Nedre")
_INITIALS = rf"[{_UP}]\.(?:{_SP}?[{_UP}]\.)*"
_STOP_ALT = "|".join(sorted(STOPWORDS, key=len, reverse=True))
_CAPW = rf"[{_UP}]{_L}*"
ADDRESS_RE = re.compile(
    rf"(?<![\w.])(?P<street>"
    rf"(?:(?:{_STREET_PREFIX}|{_INITIALS}){_SP}+)*[{_UP}]{_L}*?(?i:{_STREET_SUFFIX})"
    rf"|(?:(?:(?!(?:{_STOP_ALT})\b){_CAPW}(?:-{_CAPW})?['’]?s?\.?|{_INITIALS}){_SP}+){{1,3}}(?:{_STREET_WORD})"
    rf")(?![^\W\d_])"
    rf"{_SP}+(?:nr\.?{_SP}*)?\d{{1,4}}(?!\d)(?:[A-Za-z]|{_SP}[A-H])?(?![\w]|[.,]\d)"
    rf"(?!,?{_SP}?(?:år|gange?|kr\.?|kroner|procent|%|måneder?|uger?|dage?|timer?|minutter|mennesker|"
    rf"personer|stk|brugere|steder)(?![^\W\d_]))"
    rf"(?:,?{_SP}?(?:(?:\d{{1,2}}\.?|st\.?|kl\.?){_SP}?(?:sal\.?{_SP}?)?,?{_SP}?(?:tv|th|mf)\b\.?"
    rf"|\d{{1,2}}\.{_SP}?sal\b\.?|stuen\b|st\.(?!\w)))?"
    rf"(?:,?{_SP}+\d{{4}}{_SP}+(?:(?:Store|Lille|Kongens|Nørre|Sønder|Vester|Øster|Kirke|Hvide|Brøndby|Greve|"
    rf"Solrød|Nykøbing){_SP})?{_CAPW}(?:-{_CAPW})?(?:{_SP}(?:{'|'.join(DISTRICTS)}|Sj)(?![\w]))?)?")
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_POSTCODE_BEFORE = re.compile(rf"(?<![\w.,])\d{{4}}{_SP}$")
_DISTRICT_AFTER = re.compile(rf"{_SP}(?:{'|'.join(DISTRICTS)})(?![\w]|\.[^\W\d_])")
_INITIALS_BEFORE = re.compile(rf"(?<![\w.])(?:[{_UP}]\.{_SP}?)+$")

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


def _surname_like(w: str) -> bool:
    """An unknown capitalised word that reads as a Danish surname: -gaard, or consonant + -sen.

    Not -elsen/-ssen or vowel + -sen, which are definite nouns ("Undersøgelsen", "Styrelsen",
    "Analysen", "Krisen", "Klassen").
    """
    if len(w) < 5 or not w[1:].islower():
        return False
    if w.endswith("gaard"):
        return True
    return (w.endswith("sen") and w[-4] not in "aeiouyæøå" and not w.endswith("elsen")
            and not w.endswith("ssen"))


def _resolve(found: list[tuple[int, int, str]], text: str) -> list[Span]:
    """Non-overlapping spans, earliest first, the longer one on a tie; never across a line break."""
    if len(found) > 1:
        found.sort(key=lambda t: (t[0], -t[1]))
    out: list[Span] = []
    last = 0
    for s, e, k in found:
        if s < last or e <= s:
            continue
        piece = text[s:e]
        if "\n" in piece or "\r" in piece:
            continue
        out.append(Span(s, e, k, piece))
        last = e
    return out


# --------------------------------------------------------------------------- the anonymiser

class _Entry(NamedTuple):
    phrase: str
    kind: Optional[str]  # None = keep (not a name)
    strict: bool  # the sentence-start ambiguity rule applies


class Anonymiser:
    """Masks names, CPR numbers, phone numbers, e-mail, addresses, towns and sites.

    extra_names / places: the study's own names and the always-mask list (masked wherever they
    occur, case as written). The built-in lists can be swapped out for tests.
    """

    def __init__(self, extra_names: Iterable[str] = (), places: Iterable[str] = (), *,
                 first_names: Optional[Iterable[str]] = None, surnames: Optional[Iterable[str]] = None,
                 towns: Optional[Iterable[str]] = None):
        d_first, d_last, d_towns = default_lists()
        self.first = frozenset(first_names) if first_names is not None else d_first
        self.last = frozenset(surnames) if surnames is not None else d_last
        town_list = tuple(towns) if towns is not None else d_towns
        self.towns = frozenset(t for t in town_list if t not in self.first)
        self.extra_names = tuple(sorted({" ".join(n.split()) for n in extra_names if n and n.strip()}))
        self.places = tuple(sorted({" ".join(p.split()) for p in places if p and p.strip()}))

        index: dict[str, list[_Entry]] = {}
        fallback: dict[str, str] = {}

        def put(phrase: str, kind: Optional[str], strict: bool) -> None:
            m = TOKEN_RE.match(phrase)
            if m is None:
                fallback.setdefault(phrase, kind or "")
                return
            index.setdefault(m.group(), []).append(_Entry(phrase, kind, strict))

        for t in sorted(self.towns):
            put(t, "sted", " " not in t and t in AMBIGUOUS_TOWNS)
        for k in KEEP_PHRASES:
            put(k, None, False)
        study: list[tuple[str, str]] = [(n, "navn") for n in self.extra_names] + [(p, "sted") for p in self.places]
        for p in self.places:  # "St. Dannesbo" is also called "Dannesbo"
            short = re.sub(r"^(?:St\.|Skt\.|Sct\.|Sankt)\s+", "", p)
            if short != p and len(short) >= 3:
                study.append((short, "sted"))
        for phrase, kind in study:
            variants = {phrase}
            if phrase[:1].islower():
                variants.add(phrase[:1].upper() + phrase[1:])
            for v in variants:
                # the study's own names win over the built-in lists for the same phrase
                key_m = TOKEN_RE.match(v)
                if key_m is not None:
                    lst = index.setdefault(key_m.group(), [])
                    lst[:] = [e for e in lst if e.phrase != v]
                    lst.append(_Entry(v, kind, False))
                else:
                    fallback[v] = kind
        for lst in index.values():
            lst.sort(key=lambda e: (-len(e.phrase), e.phrase))
        self._index = index
        self._known = frozenset(index) | self.first | self.last
        self._place_keys = frozenset(k for k, lst in index.items() if any(e.kind != "navn" for e in lst))
        fb = sorted((p for p, k in fallback.items() if k), key=lambda p: (-len(p), p))
        self._fallback_kind = {p: fallback[p] for p in fb}
        self._fallback_re = (re.compile(r"(?<![\w])(?:" + "|".join(re.escape(p) for p in fb) + r")(?=s?(?![\w]))")
                             if fb else None)

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_store(cls, engine_or_session: Union[Engine, Session], **kw) -> "Anonymiser":
        """An anonymiser that also masks the study's site names, interviewers and always-mask list."""
        if isinstance(engine_or_session, Session):
            sn = study_names(engine_or_session)
        else:
            with Session(engine_or_session) as s:
                sn = study_names(s)
        return cls(extra_names=[*kw.pop("extra_names", ()), *sn.names],
                   places=[*kw.pop("places", ()), *sn.places], **kw)

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

    def _name_class(self, w: str) -> tuple[Optional[str], int]:
        """('F' first name | 'L' surname | None, length of the name part — a possessive s excluded)."""
        if w in self.first:
            return "F", len(w)
        if w in self.last:
            return "L", len(w)
        if len(w) > 2 and w[-1] == "s":
            b = w[:-1]
            if b in self.first:
                return "F", len(b)
            if b in self.last:
                return "L", len(b)
        return None, 0

    def _continues(self, w: str, loose: bool) -> tuple[bool, int]:
        """Can token w continue a name? (yes/no, length of its name part)."""
        if w in STOPWORDS or w in self._place_keys:
            return False, 0
        cls, n = self._name_class(w)
        if cls is not None:
            return True, n
        if _surname_like(w) and w not in self.towns:
            return True, len(w)
        if len(w) > 2 and w[-1] == "s" and (w[:-1] in self._index or w[:-1] in self.towns):
            return False, 0
        if loose and not w.isupper() and w not in self.towns:
            return True, len(w)
        return False, 0

    def _address_at(self, text: str, c: int) -> Optional[tuple[int, int, str]]:
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
        k = j
        while k >= 0 and text[k].isalpha():
            k -= 1
        word = text[k + 1:j + 1]
        if len(word) < 3 or not word.lower().endswith(_STREET_ENDINGS) or word in self.towns:
            return None
        for m in ADDRESS_RE.finditer(text, max(0, k + 1 - 60), min(len(text), c + 80)):
            if m.start() <= c < m.end():
                if m.group("street") in self.towns:
                    return None
                return m.start(), m.end(), "adresse"
            if m.start() > c:
                break
        return None

    def _chain(self, text: str, tokens: list, i: int, end: int, loose: bool) -> tuple[int, bool]:
        """Extend a name at tokens[i] (ending at `end`) over following name parts and initials."""
        n_tok = len(tokens)
        chained = False
        j = i + 1
        while j < n_tok:
            nm = tokens[j]
            if text[end:nm.start()] not in (" ", "\u00a0", "-"):  # "Kim Jensen", "Anne-Marie"
                break
            nw = nm.group()
            if len(nw) == 1:
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
                ok, ln = self._continues(tokens[k + 1].group(), loose)
                if not ok:
                    break
                end = tokens[k + 1].start() + ln
                chained = True
                j = k + 2
                if ln != len(tokens[k + 1].group()):
                    break
                continue
            ok, ln = self._continues(nw, loose)
            if not ok:
                break
            end = nm.start() + ln
            chained = True
            j += 1
            if ln != len(nw):  # a possessive ends the name
                break
        return end, chained

    # ------------------------------------------------------------------ main

    def spans(self, text: str) -> list[Span]:
        """What would be masked in `text`, as non-overlapping spans in text order."""
        if not text:
            return []
        found: list[tuple[int, int, str]] = []
        if "@" in text:
            for m in EMAIL_RE.finditer(text):
                found.append((m.start(), m.end(), "email"))
        num_end = 0
        for c in _NUM_START.finditer(text):
            c = c.start()
            if c < num_end:
                continue
            m = NUMBER_RE.match(text, c)
            if m is not None:
                kind = m.lastgroup
                e = m.end()
                if not (kind == "telefon" and (_AMOUNT_BEFORE.search(text, max(0, c - 14), c)
                                               or _AMOUNT_AFTER.match(text, e))):
                    found.append((c, e, kind))
                    num_end = e
                    continue
            a = self._address_at(text, c)
            if a is not None:
                found.append(a)
                num_end = a[1]
        if self._fallback_re is not None:
            for m in self._fallback_re.finditer(text):
                found.append((m.start(), m.end(), self._fallback_kind[m.group()]))

        tokens = list(TOKEN_RE.finditer(text))
        n_tok = len(tokens)
        skip_to = 0
        for i in range(n_tok):
            m = tokens[i]
            p = m.start()
            if p < skip_to:
                continue
            w = m.group()
            if w not in self._known and not (w[-1] == "s" and w[:-1] in self._known):
                # not in any list: only a mid-sentence surname-like word or a word after a title/cue
                if not (_surname_like(w) or (p > 2 and text[p - 1] == " " and text[p - 2] in ".urkdst")):
                    continue
            hit = self._phrase_at(text, p, w)
            if hit is not None:
                end, entry = hit
                if entry.kind is None:  # a keep phrase ("Sankt Hans")
                    skip_to = end
                    continue
                if not entry.strict or not _sentence_initial(text, p):
                    start, kind = p, entry.kind
                    if entry.phrase in self.towns:
                        d = _DISTRICT_AFTER.match(text, end)
                        if d is not None:
                            end = d.end()
                        if p >= 5 and _POSTCODE_BEFORE.search(text, p - 5, p):
                            start, kind = p - 5, "adresse"
                    found.append((start, end, kind))
                    skip_to = end
                    continue
                # an everyday word at a sentence start ("Vejen til …"): maybe a name, else nothing
            cls, nlen = self._name_class(w)
            if cls is None:
                if (w.isupper() and len(w) > 1) or _sentence_initial(text, p):
                    continue
                if not (_after_title_or_cue(text, p) or (_surname_like(w) and w not in self.towns)):
                    continue
                initial, need_chain, loose, nlen = False, False, True, len(w)
            else:
                initial = _sentence_initial(text, p)
                base = w[:nlen]
                ambiguous = base in (AMBIGUOUS_FIRST if cls == "F" else AMBIGUOUS_LAST)
                need_chain = initial and ambiguous
                loose = not (initial and (ambiguous or cls == "L"))
            end, chained = self._chain(text, tokens, i, p + nlen, loose) if nlen == len(w) else (p + nlen, False)
            if need_chain and not chained:
                continue
            start = p
            b = _INITIALS_BEFORE.search(text, max(0, p - 8), p)
            if b is not None:
                start = b.start()
            elif cls != "F" and i > 0:
                # an unknown first name right before a surname: "Mohammed Jensen", "hos Ayse Hansen"
                pm = tokens[i - 1]
                pw = pm.group()
                if (pm.end() == p - 1 and text[p - 1] == " " and pm.start() >= skip_to and len(pw) > 1
                        and pw not in STOPWORDS and pw not in self._place_keys and not pw.isupper()):
                    start = pm.start()
            found.append((start, end, "navn"))
            skip_to = end
        return _resolve(found, text)

    def mask(self, text: str) -> str:
        """`text` with every span replaced by its tag ([navn], [cpr], [telefon], [adresse], [sted])."""
        sp = self.spans(text)
        if not sp:
            return text
        out = []
        last = 0
        for s in sp:
            out.append(text[last:s.start])
            out.append(TAGS[s.kind])
            last = s.end
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
            masked_spans.append(Span(pos, pos + len(tag), s.kind, tag))
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


# --------------------------------------------------------------------------- CLI

def _cli_anonymiser(args) -> Anonymiser:
    """With the study's names when a store is reachable; the built-in lists otherwise.

    Without --db and BRUGERBLIK_DB, the default database file is used only if it exists (an
    anonymise run does not create an empty database).
    """
    url = getattr(args, "db", None) or os.environ.get("BRUGERBLIK_DB")
    try:
        if url is None:
            from survey.db import default_store_exists, default_url

            if not default_store_exists():
                return default_anonymiser()
            url = default_url()
        from survey.db import get_engine

        return Anonymiser.from_store(get_engine(url))
    except Exception as e:  # noqa: BLE001 — an unreachable store must not stop the masking
        print(f"Advarsel: databasen kunne ikke læses ({type(e).__name__}); maskerer kun med de "
              "indbyggede lister (ikke stedernes, interviewernes eller maskeringslistens navne).",
              file=sys.stderr)
        return default_anonymiser()


def _split_eol(line: str) -> tuple[str, str]:
    if line.endswith("\r\n"):
        return line[:-2], "\r\n"
    if line.endswith("\n") or line.endswith("\r"):
        return line[:-1], line[-1]
    return line, ""


def cli_anonymise(args) -> int:
    """`brugerblik anonymise [FILE|-]`: the masked text, one line out per line in (UTF-8)."""
    path = getattr(args, "file", None) or "-"
    if path != "-":
        p = Path(path)
        if not p.exists():
            print(f"Filen findes ikke: {path}", file=sys.stderr)
            return 1
        if not p.is_file():
            print(f"Ikke en fil: {path}", file=sys.stderr)
            return 1
    anon = _cli_anonymiser(args)
    out = sys.stdout
    try:
        if hasattr(out, "reconfigure") and (getattr(out, "encoding", "") or "").lower().replace("-", "") != "utf8":
            out.reconfigure(encoding="utf-8")
    except (ValueError, OSError, AttributeError):
        pass
    try:
        if path == "-":
            src = sys.stdin
            try:
                if hasattr(src, "reconfigure") and (getattr(src, "encoding", "") or "").lower().replace(
                        "-", "") != "utf8":
                    src.reconfigure(encoding="utf-8")
            except (ValueError, OSError, AttributeError):
                pass
            for line in src:
                body, eol = _split_eol(line)
                out.write(anon.mask(body) + eol)
        else:
            with open(path, encoding="utf-8-sig", newline="") as f:
                for line in f:
                    body, eol = _split_eol(line)
                    out.write(anon.mask(body) + eol)
    except UnicodeDecodeError:
        print(f"Teksten er ikke UTF-8: {path if path != '-' else 'standard input'}", file=sys.stderr)
        return 1
    out.flush()
    return 0
