"""The interview guide as data: an XLSForm workbook (survey / choices / settings sheets).

`load_guide()` reads the workbook, checks it (our own checks first, so every message names
the sheet, row and problem; then pyxform, the XLSForm reference converter) and returns a
`Guide`: ordered items with their choice lists, relevance and constraints. The guide is the
single source of the codes used by the store, the import/export columns and the tables.

It also says what identifies a person (issue 12, REDCap's "Identifier?" flag): the survey sheet's
column ``brugerblik_identifikator`` marks an item ``ja`` (identifies a person directly),
``pseudonym`` (the study's own code for a person), ``fritekst`` (free text that may identify
someone) or ``nej``; a blank cell is ``fritekst`` for a text question and neither otherwise
(`Item.identifier`, `Guide.identifier_codes`, `Guide.free_text_codes`). De-identified exports
(`survey.deidentify`) and the messages that may quote a value (`shown_value`) follow the marks,
so another study's guide needs no code changes. See docs/guide.md.

A guide that loads without problems is kept compiled (JSON, owner-only, in $BRUGERBLIK_CACHE or
the user's cache folder) under the SHA-256 of the workbook's bytes, so the next process skips
openpyxl and pyxform; see "the compiled-guide cache" below. The cache never changes the result.
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import re
import stat
import unicodedata
import weakref
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Mapping

from survey import expr, files

DEFAULT_GUIDE = Path(__file__).parent / "guide" / "brugerguide.xlsx"

QUESTION_TYPES = ("text", "integer", "decimal", "date", "select_one", "select_multiple")
STRUCTURE_TYPES = ("begin_group", "end_group", "note")
ROLES = ("", "meta", "forsker", "interview")
#: The survey sheet's column marking what identifies a person (REDCap's "Identifier?"; docs/guide.md).
IDENTIFIER_COLUMN = "brugerblik_identifikator"
#: Its values: ``ja`` identifies a person directly (a name, the interviewer); ``pseudonym`` the study's
#: own code for a person (``respondent_id``, ``informant_id``); ``fritekst`` free text that may identify
#: someone; ``nej`` neither. Blank: ``fritekst`` for a text question, ``pseudonym`` for ``respondent_id``,
#: else neither (`Item.identifier`).
IDENTIFIER_MARKS = ("ja", "pseudonym", "fritekst", "nej")
#: The store's key: always the respondent's pseudonym, whatever guide is loaded.
RESPONDENT_KEY = "respondent_id"
#: the interview's own fields every guide has (each interview page shows and saves them; the store keeps them as
#: the interview's columns): code -> XLSForm type
INTERVIEW_FIELDS = {"interviewer": "text", "interview_date": "date"}
MAX_TEXT = 100_000
CPR_RE = re.compile(r"(?<!\d)(0[1-9]|[12]\d|3[01])(0[1-9]|1[0-2])\d{2}-?\d{4}(?!\d)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CODE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CHOICE_RE = re.compile(r"[A-Za-z0-9_.-]+")


class GuideError(ValueError):
    """A malformed guide: every problem, each naming sheet, row and what is wrong."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        super().__init__(f"Spørgeguiden {self.path} kan ikke indlæses:\n" + "\n".join(f"  - {p}" for p in problems))


#: characters of a label used as the prefix of a pseudonym "<label> N" (`Item.pseudonym_prefix`)
PSEUDONYM_PREFIX_MAX = 40


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass
class Item:
    code: str
    type: str
    label: str
    row: int
    list_name: str = ""
    hint: str = ""
    required: bool = False
    relevant: str = ""
    constraint: str = ""
    constraint_message: str = ""
    appearance: str = ""
    role: str = "interview"
    group: str = ""
    relevant_ast: tuple | None = None
    constraint_ast: tuple | None = None
    choices: tuple[Choice, ...] = ()
    #: What the item's values are for privacy (column `IDENTIFIER_COLUMN`, blanks resolved):
    #: "ja", "pseudonym", "fritekst" or None (neither). `identifier_mark` is the cell as written.
    identifier: str | None = None
    identifier_mark: str = ""

    @property
    def is_select(self) -> bool:
        return self.type in ("select_one", "select_multiple")

    def choice_values(self) -> list[str]:
        return [c.value for c in self.choices]

    def choice_label(self, value: str) -> str:
        for c in self.choices:
            if c.value == value:
                return c.label
        return value

    @property
    def is_pseudonym(self) -> bool:
        """Values are the study's pseudonyms: checked as one (never a name or CPR number), kept in
        de-identified exports."""
        return self.identifier == "pseudonym" or self.code == RESPONDENT_KEY

    @property
    def quotable(self) -> bool:
        """May a message show (part of) a refused value? Only for a closed type (choices, numbers,
        dates) the guide does not mark as identifying or free text (`shown_value`)."""
        return self.type in CLOSED_TYPES and self.identifier is None

    @property
    def pseudonym_prefix(self) -> str:
        """What a ``ja`` field's values are called where they are pseudonymised («Interviewer 1»):
        the item's label without a closing ? or :, if it is short (`PSEUDONYM_PREFIX_MAX`) and starts
        with a letter; else its code."""
        label = " ".join((self.label or "").split()).rstrip(" ?:")
        return label if 0 < len(label) <= PSEUDONYM_PREFIX_MAX and label[0].isalpha() else self.code


def resolve_identifier(mark: str, item_type: str, code: str) -> str | None:
    """The effective mark of an item: the cell's value, or for a blank cell the safe default —
    ``pseudonym`` for the store's key ``respondent_id``, ``fritekst`` for any other text question,
    else neither (None). ``nej`` is None."""
    if mark == "nej":
        return None
    if mark:
        return mark
    if code == RESPONDENT_KEY:
        return "pseudonym"
    return "fritekst" if item_type == "text" else None


@dataclass
class Group:
    name: str
    label: str
    role: str = "interview"
    appearance: str = ""
    items: list[Item] = field(default_factory=list)


@dataclass
class Guide:
    path: str
    title: str
    form_id: str
    version: str
    items: dict[str, Item]
    groups: list[Group]
    choices: dict[str, tuple[Choice, ...]]
    settings: dict[str, str]

    @property
    def codes(self) -> list[str]:
        return list(self.items)

    def item(self, code: str) -> Item:
        try:
            return self.items[code]
        except KeyError:
            raise KeyError(f"ukendt kode {code!r} i spørgeguiden {self.form_id} {self.version}") from None

    @property
    def fakta(self) -> list[str]:
        """The guide's introduction for the interviewer («Fakta om undersøgelsen», Bilag B; issue 14):
        the settings sheet's ``brugerblik_fakta``, one paragraph per line ([] when the guide has none)."""
        text = self.settings.get("brugerblik_fakta") or ""
        return [line.strip() for line in str(text).splitlines() if line.strip()]

    @property
    def probes(self) -> list[Item]:
        """The outcome probes (Tabel 4.1), in guide order."""
        return [i for i in self.items.values() if i.list_name == "probe_svar"]

    def interview_groups(self) -> list[Group]:
        """Sections the interviewer works through (meta and researcher sections left out)."""
        return [g for g in self.groups if g.role not in ("meta", "forsker") and
                any(i.role not in ("meta", "forsker") for i in g.items)]

    def is_relevant(self, code: str, answers: Mapping[str, str | None] | Callable[[str], str | None]) -> bool:
        it = self.item(code)
        if it.relevant_ast is None:
            return True
        return expr.evaluate(it.relevant_ast, answers)

    def check_value(self, code: str, raw: object) -> tuple[str | None, "ValueProblem | None"]:
        """Canonical text of a raw cell value, or the reason it is not allowed.

        Blank (None, "", whitespace) is always allowed and returns (None, None).
        """
        return check_value(self.item(code), raw)

    def read_typed(self, code: str, raw: object, today: dt.date | None = None) -> tuple[object, str | None]:
        """A value as the interview page sends it, as `check_value` reads it: a date the interviewer
        typed in Danish («05.11.2026», `read_typed_date`) as its ISO text; anything else as given. With
        `today`, a typed date must also lie within the limits (`outside_typed_limits`). Returns (value, None), or
        (None, the Danish reason) for a date that cannot be read or is not allowed."""
        it = self.items.get(code)
        if it is None or it.type != "date" or not isinstance(raw, str) or not raw.strip():
            return raw, None
        try:
            d = read_typed_date(raw)
        except ValueError as e:
            return None, str(e)
        problem = None if today is None else outside_typed_limits(d, today, meta=it.role == "meta")
        return (None, problem) if problem else (d.isoformat(), None)

    # -- what identifies a person (column brugerblik_identifikator; docs/guide.md)

    def identifier_codes(self, *, pseudonyms: bool = True) -> list[str]:
        """Codes that identify a person, in guide order: marked ``ja`` and (unless `pseudonyms` is
        False) the study's pseudonyms (``pseudonym``, e.g. ``respondent_id``)."""
        marks = ("ja", "pseudonym") if pseudonyms else ("ja",)
        return [c for c, it in self.items.items() if it.identifier in marks]

    def pseudonym_codes(self) -> list[str]:
        """Codes holding the study's pseudonyms (kept in de-identified exports), in guide order."""
        return [c for c, it in self.items.items() if it.identifier == "pseudonym"]

    def free_text_codes(self) -> list[str]:
        """Codes of free text that may identify someone (masked before it leaves the team), in guide order."""
        return [c for c, it in self.items.items() if it.identifier == "fritekst"]


@dataclass(frozen=True)
class ValueProblem:
    """Why a value was refused: Danish and English text of what is allowed."""
    allowed_da: str
    allowed_en: str
    reason_da: str = ""
    reason_en: str = ""

    def text(self, lang: str = "da") -> str:
        if lang == "en":
            return (self.reason_en + " — " if self.reason_en else "") + "allowed: " + self.allowed_en
        return (self.reason_da + " — " if self.reason_da else "") + "tilladt: " + self.allowed_da


def allowed_text(item: Item) -> tuple[str, str]:
    """What an item allows, in Danish and English (the "tilladt: …" of every value message)."""
    if item.is_select:
        vals = ", ".join(item.choice_values())
        if item.type == "select_multiple":
            return f"en eller flere af {vals}, adskilt af ;", f"one or more of {vals}, separated by ;"
        return vals, vals
    rng = ""
    if item.constraint_ast is not None:
        lo, hi = constraint_bounds(item.constraint_ast)
        if lo is not None and hi is not None:
            rng = f" {lo}–{hi}"
        elif lo is not None:
            rng = f" ≥ {lo}"
    if item.type == "integer":
        return "heltal" + rng, "whole number" + rng
    if item.type == "decimal":
        return "tal" + rng + " (komma eller punktum)", "number" + rng
    if item.type == "date":
        return "dato ÅÅÅÅ-MM-DD", "date YYYY-MM-DD"
    if item.is_pseudonym:
        return ("pseudonym af bogstaverne a-z og æøå, tal, - _ . (højst 40 tegn; først og sidst et bogstav eller "
                "tal), aldrig navn eller CPR-nummer",
                "pseudonym of the letters a-z and æøå, digits, - _ . (at most 40; a letter or digit first and last), "
                "never a name or CPR number")
    return f"tekst (højst {MAX_TEXT} tegn)", f"text (at most {MAX_TEXT} characters)"


def constraint_bounds(node: tuple) -> tuple[str | None, str | None]:
    """Lower/upper bound of a constraint like `. >= 16 and . <= 110` (for messages only)."""
    lo = hi = None
    stack = [node]
    while stack:
        n = stack.pop()
        if n[0] == "and":
            stack += [n[1], n[2]]
        elif n[0] == "cmp" and n[2] == ("dot",) and n[3][0] == "lit":
            if n[1] in (">=", ">"):
                lo = n[3][1]
            elif n[1] in ("<=", "<"):
                hi = n[3][1]
    return lo, hi


def clean_text(s: str) -> str:
    """Text as stored: Windows line ends made \\n, control characters (except tab/newline) removed,
    lone surrogates (no database can store them) made U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", _CONTROL.sub("", s.replace("\r\n", "\n").replace("\r", "\n")))


#: Item types whose values are codes, numbers or dates: a refused value may be shown (masked).
CLOSED_TYPES = ("select_one", "select_multiple", "integer", "decimal", "date")
SHOW_MAX = 16  # characters of a refused value a message may show
HIDDEN_DA, HIDDEN_EN = "«…skjult»", "«…hidden»"
_LONG_DIGITS = re.compile(r"\d{8,}")  # a phone number, an account number, a CPR number without its dash
_LETTERS = re.compile(r"[^\W\d_]")
_NAME_LIKE = re.compile(r"\S\s+[^\W\d_a-zæøå]")  # a capitalised word after another word: «Hans Hansen»
_EXPONENT = re.compile(r"[+-]?[\d.,]*\d[eE][+-]?\d{1,3}")  # 1e5: a number, not a word
#: a pseudonym (respondent and source ids): Latin letters and æøå, digits, - _ . inside — never a Cyrillic
#: «В» or a Greek «Α» that reads as a deleted «BAS-05», nor «BAS-05.» (a hostile tester got both imported)
_PSEUDONYM = re.compile(r"[A-Za-z0-9ÆØÅæøå](?:[A-Za-z0-9ÆØÅæøå_.-]*[A-Za-z0-9ÆØÅæøå])?")


def is_pseudonym(value: str) -> bool:
    """The one rule for a pseudonym's form (a respondent's, a source's, an informant's id): at most 40 characters
    of `_PSEUDONYM`. The CPR check and the Unicode compatibility form come before it, in the callers."""
    return len(value) <= 40 and _PSEUDONYM.fullmatch(value) is not None


_PHONE_LIKE = re.compile(r"(?:\d[\s./-]*){8,}")  # eight digits, spaced or dotted: a phone number (also an e-mail: @)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?")  # a date (and time): not a phone
#: what a choice's code (or a typo of one) looks like: small letters, digits, _; several with ; or spaces
_CODE_LIKE = re.compile(r"[a-z0-9_æøå]+(?:[;, ]+[a-z0-9_æøå]+)*")


def shown_value(item_type: "str | Item", raw: object) -> tuple[str | None, bool]:
    """How a refused cell may appear in a message: (text, hidden).

    `item_type` is an item type or the `Item` itself; with the item, its guide mark counts too: a
    value of an item marked ``ja``, ``pseudonym`` or ``fritekst`` (`Item.quotable` is False) is
    never shown, not even a closed type's (a date of birth): (None, True) when there is one.
    Free text and identifiers (any type not in `CLOSED_TYPES`) are never shown: (None, False).
    A choice is shown only when it looks like a code or a typo of one (small letters, digits, _:
    «kvinder»; not «Søren», «Misbrug-heroin», «skizofreni-diagnose»).
    A closed type's value is shown on one line and at most `SHOW_MAX` characters — unless it
    looks like a CPR number, holds eight digits in a row, has a capitalised word after another
    word (a name: «Hans Hansen»), or (numbers and dates) holds letters: then (None, True), shown
    as «…skjult». Blank: (None, False).
    """
    if isinstance(item_type, Item):
        if item_type.type in CLOSED_TYPES and item_type.identifier is not None:
            return None, raw is not None and str(raw).strip() != ""
        item_type = item_type.type
    if raw is None or item_type not in CLOSED_TYPES:
        return None, False
    if isinstance(raw, dt.datetime):
        s = raw.date().isoformat() if raw.time() == dt.time(0) else raw.isoformat(sep=" ", timespec="minutes" if
                                                                                    raw.second == 0 else "seconds")
    elif isinstance(raw, bool):
        s = "TRUE" if raw else "FALSE"
    elif isinstance(raw, float) and raw.is_integer() and abs(raw) < 1e15:
        s = str(int(raw))
    else:
        s = str(raw)
    s = " ".join(s.split())
    if not s:
        return None, False
    numeric = item_type in ("integer", "decimal", "date")
    if item_type in ("select_one", "select_multiple") and not _CODE_LIKE.fullmatch(s):
        return None, True   # a choice that does not look like a code's typo («Søren», «Misbrug-heroin»)
    if (CPR_RE.search(s) or _LONG_DIGITS.search(s) or _NAME_LIKE.search(s) or "@" in s
            or (_PHONE_LIKE.search(s) and not _ISO_DATE.fullmatch(s))  # «20 30 40 50», «+90 532 123 45 67»
            or (numeric and _LETTERS.search(s) and not _EXPONENT.fullmatch(s))):
        return None, True
    return (s if len(s) <= SHOW_MAX else s[:SHOW_MAX - 1] + "…"), False


#: a number as a person writes it: the digits 0-9, at most one decimal comma or point, a sign.
#: Not «1e1» (Decimal would read 10), «1_000» (1000), «٣» (3), «1 000»: a typed value is stored as
#: typed or refused, never read as another number (docs/method.md, "Numbers as typed").
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)", re.ASCII)
#: «1.000» / «12,000»: a Danish thousands point or a decimal point? Refused, in whole-number and decimal
#: fields alike (a tester typed «1.000» in a decimal field and 1 was stored). «0,125» cannot be thousands.
_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}[.,]\d{3}", re.ASCII)
#: a number as typed is at most this long (a tester pasted 5,000 digits: Python refuses to write such an int)
MAX_NUMBER_TEXT = 30
NOT_PLAIN_DA = "skriv kun cifrene 0-9, evt. med ét komma eller punktum"
NOT_PLAIN_EN = "write the digits 0-9 only, with at most one comma or point"
THOUSANDS_DA = "et punktum eller komma foran tre cifre kan være et tusindtal — skriv tallet uden"
THOUSANDS_EN = "a point or comma before three digits may be a thousands separator — write the number without it"
THOUSANDS_DEC_DA = ("et punktum eller komma foran tre cifre kan være et tusindtal — skriv fx 1000 uden punktum, "
                    "eller 1,5 uden nuller bagefter")
THOUSANDS_DEC_EN = ("a point or comma before three digits may be a thousands separator — write e.g. 1000 without it, "
                    "or 1.5 without trailing zeros")


def _num_text(raw: object) -> str:
    """The text Decimal reads: a number from a spreadsheet cell as Python writes it, text only in
    the plain form (`_PLAIN_NUMBER`; ValueError otherwise)."""
    if isinstance(raw, bool):
        raise ValueError
    if isinstance(raw, (int, float)):
        return repr(raw)
    s = str(raw).strip()
    if not _PLAIN_NUMBER.fullmatch(s):
        try:  # Decimal would read it as a number: say why it is refused
            Decimal(s.replace(",", "."))
        except (InvalidOperation, ValueError):
            raise ValueError from None
        raise _NotPlain
    return s.replace(",", ".")


class _NotPlain(ValueError):
    """A text Decimal reads as a number, but not as a person writes one («1e1», «1_000», «٣»)."""


#: A date as an interviewer types it, in Danish order: «5.11.2026», «05-11-2026», «05/11/2026», the
#: digits alone «05112026» (as in a date field), or the interchange form «2026-11-05». Never a
#: two-digit year. Only the interview page reads this (`Guide.read_typed`); an import takes ISO only.
_TYPED_DATE = re.compile(r"(\d{1,2})([.\-/])(\d{1,2})\2(\d{4})|(\d{2})(\d{2})(\d{4})|(\d{4})-(\d{2})-(\d{2})",
                         re.ASCII)
TYPED_DATE_FORM = "dd.mm.åååå"
_MONTHS = ("januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
           "november", "december")
#: the earliest date an interview page takes (a journal's dates and the interview's own)
EARLIEST_DATE = dt.date(2000, 1, 1)


def read_typed_date(text: str) -> dt.date:
    """The date `text` names (`_TYPED_DATE`), or ValueError with the Danish reason: not a date as
    one is written («skriv datoen som dd.mm.åååå»), or a day that does not exist («datoen findes ikke
    — april 2025 har 30 dage»: never made the month's last day, as a date picker does).
    A message never quotes what was typed (docs/method.md, "Dates as typed")."""
    m = _TYPED_DATE.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"skriv datoen som {TYPED_DATE_FORM}, fx 05.11.2026")
    g = m.groups()
    d, mo, y = ((g[0], g[2], g[3]) if g[0] is not None else (g[4], g[5], g[6]) if g[4] is not None
                else (g[9], g[8], g[7]))
    try:
        return dt.date(int(y), int(mo), int(d))
    except ValueError:
        if 1 <= int(mo) <= 12 and int(y) >= 1:
            days = calendar.monthrange(int(y), int(mo))[1]
            raise ValueError(f"datoen findes ikke — {_MONTHS[int(mo) - 1]} {y} har {days} dage") from None
        raise ValueError(f"datoen findes ikke — skriv den som {TYPED_DATE_FORM}, fx 05.11.2026") from None


def outside_typed_limits(d: dt.date, today: dt.date, *, meta: bool) -> str | None:
    """Why an interview page does not take the date `d` (Danish), or None: from 1 January 2000; the
    interview's own date (`meta`: the day it took place) at the latest today, a guide's date (a
    journal's plan may lie ahead) at the latest five years on."""
    return outside_dates(d, today if meta else today + dt.timedelta(days=5 * 366))


def outside_dates(d: dt.date, latest: dt.date | None) -> str | None:
    """Why a typed date is not taken (Danish), or None: from 1 January 2000, and at the latest
    `latest` when given (None: no upper limit, e.g. a study's end date)."""
    if EARLIEST_DATE <= d and (latest is None or d <= latest):
        return None
    if latest is None:
        return f"datoen ligger uden for det tilladte — tidligst {EARLIEST_DATE:%d.%m.%Y}"
    return f"datoen ligger uden for det tilladte — tilladt: {EARLIEST_DATE:%d.%m.%Y} til {latest:%d.%m.%Y}"


def shown_date(value: str | None) -> str | None:
    """A stored date (ISO) as the interview page shows it: «05.11.2026». Anything else as given."""
    if value is None or not _ISO_DAY.fullmatch(value):
        return value
    return f"{value[8:10]}.{value[5:7]}.{value[:4]}"


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def check_value(item: Item, raw: object) -> tuple[str | None, ValueProblem | None]:
    if raw is None or (isinstance(raw, float) and raw != raw):
        return None, None
    if isinstance(raw, str) and raw.strip() == "":
        return None, None
    allowed_da, allowed_en = allowed_text(item)

    def bad(r_da: str = "", r_en: str = "") -> tuple[None, ValueProblem]:
        return None, ValueProblem(allowed_da, allowed_en, r_da, r_en)

    t = item.type
    if t in ("integer", "decimal") and isinstance(raw, str):
        typed = raw.strip()
        if len(typed) > MAX_NUMBER_TEXT:
            return bad(f"højst {MAX_NUMBER_TEXT} tegn", f"at most {MAX_NUMBER_TEXT} characters")
        if _THOUSANDS.fullmatch(typed):
            return bad(*((THOUSANDS_DA, THOUSANDS_EN) if t == "integer" else (THOUSANDS_DEC_DA, THOUSANDS_DEC_EN)))
    if t in ("integer", "decimal"):
        try:
            d = Decimal(_num_text(raw))
        except _NotPlain:
            return bad(NOT_PLAIN_DA, NOT_PLAIN_EN)
        except (InvalidOperation, ValueError):
            return bad()
        whole = d.is_finite() and d == d.to_integral_value()
        if not d.is_finite() or (t == "integer" and not whole):
            return bad()
        value = str(int(d)) if whole else format(d.normalize(), "f")
    elif t == "date":
        if isinstance(raw, dt.datetime):
            if raw.time() != dt.time(0):
                return bad("dato med klokkeslæt", "date with a time of day")
            value = raw.date().isoformat()
        elif isinstance(raw, dt.date):
            value = raw.isoformat()
        else:
            s = str(raw).strip()
            s = s[:10] if re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T]00:00(:00)?)?", s) else s
            try:
                value = dt.date.fromisoformat(s).isoformat() if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s) else None
            except ValueError:
                value = None
            if value is None:
                return bad()
    elif t == "select_one":
        value = _match_choice(item, str(raw).strip())
        if value is None:
            return bad()
    elif t == "select_multiple":
        parts = [p for p in re.split(r"[;\s]+", str(raw).strip()) if p]
        found = []
        for p in parts:
            v = _match_choice(item, p)
            if v is None:
                shown, hidden = shown_value(item, p)
                hidden = hidden or shown_value(item, raw)[1]  # «Hans Hansen»: not even «Hans»
                return bad(f"ukendt valg {HIDDEN_DA if hidden else repr(shown)}",
                           f"unknown choice {HIDDEN_EN if hidden else repr(shown)}")
            found.append(v)
        order = item.choice_values()
        value = ";".join(sorted(set(found), key=order.index))
    else:  # text
        s = raw if isinstance(raw, str) else (_num_text(raw) if isinstance(raw, (int, float))
                                              and not isinstance(raw, bool) else str(raw))
        value = clean_text(s)
        if value.strip() == "":
            return None, None
        if len(value) > MAX_TEXT:
            return bad(f"{len(value)} tegn er for langt", f"{len(value)} characters is too long")
        if item.is_pseudonym:  # in Unicode's compatibility form: «ＡＭＡ-02» is stored as «AMA-02»
            value = unicodedata.normalize("NFKC", value).strip()
            if CPR_RE.search(value):
                return bad("ligner et CPR-nummer", "looks like a CPR number")
            if not is_pseudonym(value):
                return bad()
        elif item.identifier != "fritekst" and CPR_RE.search(value):
            # text that leaves the team as it is (a site's name …; free text is masked): never a CPR number
            return bad("ligner et CPR-nummer", "looks like a CPR number")
    if item.constraint_ast is not None and not expr.evaluate(item.constraint_ast, {}, value):
        return None, ValueProblem(allowed_da, allowed_en, item.constraint_message, "")
    return value, None


def _match_choice(item: Item, s: str) -> str | None:
    for c in item.choices:
        if s == c.value:
            return c.value
    low = s.casefold()
    for c in item.choices:
        if low == c.value.casefold() or low == c.label.casefold():
            return c.value
    return None


# ---------------------------------------------------------------- loading

def _rows(ws) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Header (lower-cased) and data rows as {column: text}, with their 1-based sheet row."""
    it = ws.iter_rows(values_only=True)
    try:
        header = [("" if h is None else str(h).strip().lower()) for h in next(it)]
    except StopIteration:
        return [], []
    out = []
    for n, row in enumerate(it, start=2):
        d = {header[i]: ("" if v is None else str(v).strip()) for i, v in enumerate(row) if i < len(header) and header[i]}
        if any(d.values()):
            out.append((n, d))
    return header, out


def _truthy(s: str) -> bool | None:
    s = s.strip().lower()
    if s in ("", "no", "false", "false()", "nej", "0"):
        return False
    if s in ("yes", "true", "true()", "ja", "1"):
        return True
    return None


@lru_cache(maxsize=8)
def _load_cached(path: str, stamp: tuple) -> Guide:
    return _compiled(Path(path))


def load_guide(path: str | os.PathLike | None = None) -> Guide:
    """Load and check a guide workbook (default: the bundled Bilag B guide, or $BRUGERBLIK_GUIDE)."""
    p = Path(path or os.environ.get("BRUGERBLIK_GUIDE") or DEFAULT_GUIDE)
    if not p.exists():
        raise GuideError(p, [f"filen findes ikke: {p}"])
    st = p.stat()
    # the change time too: a guide copied in with its old time kept (cp -p) has a new ctime, never an old one
    return _load_cached(str(p.resolve()), (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino))


def _load(p: Path) -> Guide:
    from openpyxl import load_workbook  # only a guide not in the compiled-guide cache needs it (start-up time)

    from survey import archives  # only when used (start-up time)

    problems: list[str] = []
    try:  # the archive first (survey.archives.GUIDE): openpyxl and pyxform inflate whatever it holds
        archives.open_checked(p, archives.GUIDE, "spørgeguiden").close()
    except archives.ArchiveError as e:
        if e.limit == "broken":
            raise GuideError(p, ["filen kan ikke læses som .xlsx (den er ikke et gyldigt zip-arkiv)"]) from None
        raise GuideError(p, [str(e)]) from None
    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except Exception as e:  # not a workbook at all (openpyxl's words are English: never shown)
        xml = "XML" in str(e) or "DOCTYPE" in str(e) or "entit" in str(e).lower()
        raise GuideError(p, ["filen kan ikke læses som .xlsx (" + (
            "dens XML er ikke tilladt: en DOCTYPE, en entitet eller ugyldig XML)" if xml
            else "den er beskadiget, eller den er ikke en Excel-projektmappe)")]) from None
    sheets = {name.lower(): wb[name] for name in wb.sheetnames}
    for needed in ("survey", "choices", "settings"):
        if needed not in sheets:
            problems.append(f"ark '{needed}' mangler (arkene skal hedde survey, choices og settings)")
    if problems:
        raise GuideError(p, problems)

    # settings
    sh, srows = _rows(sheets["settings"])
    settings = srows[0][1] if srows else {}
    version = settings.get("version", "")
    if not version:
        problems.append("ark 'settings', række 2, kolonne 'version': mangler — hvert interview gemmer guidens version")

    # choices
    ch, crows = _rows(sheets["choices"])
    for col in ("list_name", "name", "label"):
        if col not in ch:
            problems.append(f"ark 'choices', række 1: kolonnen '{col}' mangler")
    choices: dict[str, list[Choice]] = {}
    if not problems:
        for n, r in crows:
            ln, name, label = r.get("list_name", ""), r.get("name", ""), r.get("label", "")
            where = f"ark 'choices', række {n}"
            if not ln:
                problems.append(f"{where}: 'list_name' er tom")
                continue
            if not _CHOICE_RE.fullmatch(name):
                problems.append(f"{where}, kolonne 'name': {name!r} — tilladt: bogstaver, tal, _ . - (ingen mellemrum eller ;)")
                continue
            if not label:
                problems.append(f"{where}, kolonne 'label': tom etiket for {ln}/{name}")
            lst = choices.setdefault(ln, [])
            if any(c.value == name for c in lst):
                problems.append(f"{where}: valget {name!r} står to gange i listen {ln!r}")
            lst.append(Choice(name, label or name))

    # survey
    sv, vrows = _rows(sheets["survey"])
    for col in ("type", "name", "label"):
        if col not in sv:
            problems.append(f"ark 'survey', række 1: kolonnen '{col}' mangler")
    items: dict[str, Item] = {}
    groups: list[Group] = []
    stack: list[Group] = []
    pending: list[tuple[Item, int]] = []
    if not any(p.startswith("ark 'survey', række 1") for p in problems):
        for n, r in vrows:
            where = f"ark 'survey', række {n}"
            typ = r.get("type", "").split()
            base = typ[0] if typ else ""
            name = r.get("name", "")
            role = r.get("brugerblik_rolle", "").lower()
            if role not in ROLES:
                problems.append(f"{where}, kolonne 'brugerblik_rolle': {role!r} — tilladt: meta, forsker, interview eller tom")
                role = ""
            mark = r.get(IDENTIFIER_COLUMN, "").strip().lower()
            mark_where = f"{where}, kolonne '{IDENTIFIER_COLUMN}'"
            if mark not in IDENTIFIER_MARKS + ("",):
                problems.append(f"{mark_where}: {r.get(IDENTIFIER_COLUMN)!r} — tilladt: "
                                "ja (identificerer en person), pseudonym (undersøgelsens pseudonym), "
                                "fritekst (fritekst, der kan identificere), nej eller tom")
                mark = ""
            elif mark and base in STRUCTURE_TYPES:
                problems.append(f"{mark_where}: {mark!r} står ved en {base} — markeringen gælder kun spørgsmål")
                mark = ""
            if base == "end_group":
                if not stack:
                    problems.append(f"{where}: end_group uden en åben begin_group")
                else:
                    stack.pop()
                continue
            if base not in QUESTION_TYPES + STRUCTURE_TYPES:
                problems.append(f"{where}, kolonne 'type': ukendt type {r.get('type', '')!r} — tilladt: "
                                + ", ".join(QUESTION_TYPES + STRUCTURE_TYPES))
                continue
            if not _CODE_RE.fullmatch(name):
                problems.append(f"{where}, kolonne 'name': {name!r} er ikke en gyldig kode — brug bogstaver a–z, tal og _")
                continue
            if base == "begin_group":
                g = Group(name, r.get("label", name), role or (stack[-1].role if stack else "interview"),
                          r.get("appearance", ""))
                groups.append(g)
                stack.append(g)
                continue
            if base == "note":
                continue
            list_name = ""
            if base in ("select_one", "select_multiple"):
                if len(typ) != 2:
                    problems.append(f"{where}, kolonne 'type': {base} skal efterfølges af et listenavn, fx '{base} ja_nej'")
                    continue
                list_name = typ[1]
                if list_name not in choices:
                    problems.append(f"{where}, kolonne 'type': listen {list_name!r} findes ikke på arket 'choices'")
                    continue
            if name in items:
                problems.append(f"{where}, kolonne 'name': koden {name!r} står allerede i række {items[name].row}")
                continue
            if mark in ("fritekst", "pseudonym") and base != "text":
                problems.append(f"{mark_where}: {mark} gælder kun spørgsmål af typen text (et {base}-svar er "
                                "en kode, et tal eller en dato) — tilladt her: ja, nej eller tom")
                mark = ""
            if name == RESPONDENT_KEY and mark not in ("", "pseudonym"):
                problems.append(f"{mark_where}: {mark!r} — {RESPONDENT_KEY} er altid respondentens pseudonym "
                                "(nøglen, der forbinder alt om respondenten); tilladt: pseudonym eller tom")
                mark = ""
            req = _truthy(r.get("required", ""))
            if req is None:
                problems.append(f"{where}, kolonne 'required': {r.get('required')!r} — tilladt: yes, no eller tom")
                req = False
            group = stack[-1] if stack else None
            it = Item(code=name, type=base, label=r.get("label", "") or name, row=n, list_name=list_name,
                      hint=r.get("hint", ""), required=bool(req), relevant=r.get("relevant", ""),
                      constraint=r.get("constraint", ""), constraint_message=r.get("constraint_message", ""),
                      appearance=r.get("appearance", ""),
                      role=role or (group.role if group else "interview"),
                      group=group.name if group else "",
                      choices=tuple(choices.get(list_name, ())),
                      identifier=resolve_identifier(mark, base, name), identifier_mark=mark)
            for col in ("relevant", "constraint"):
                src = getattr(it, col)
                if src:
                    try:
                        setattr(it, col + "_ast", expr.parse(src))
                    except expr.ExprError as e:
                        problems.append(f"{where}, kolonne '{col}': {src!r}: {e}")
            items[name] = it
            if group:
                group.items.append(it)
            pending.append((it, n))
        if stack:
            problems.append(f"ark 'survey': begin_group {stack[-1].name!r} lukkes aldrig med end_group")
        for it, n in pending:
            for col in ("relevant", "constraint"):
                ast = getattr(it, col + "_ast")
                if ast is None:
                    continue
                for ref in sorted(expr.references(ast)):
                    if ref not in items:
                        problems.append(f"ark 'survey', række {n}, kolonne '{col}': henviser til ${{{ref}}}, "
                                        "som ikke er en kode i guiden")
    if not items and not problems:
        problems.append("ark 'survey': ingen spørgsmål")
    elif not problems:
        for code, typ in INTERVIEW_FIELDS.items():  # every interview page shows and saves them
            if code not in items:
                problems.append(f"ark 'survey': koden {code!r} mangler — hvert interview har en interviewer og en "
                                f"interviewdato; tilføj en række med type {typ} og navnet {code}")
            elif items[code].type != typ:
                problems.append(f"ark 'survey', række {items[code].row}, kolonne 'type': {code} skal have typen "
                                f"{typ}, ikke {items[code].type}")
    if problems:
        raise GuideError(p, problems)

    # pyxform: the reference XLSForm converter catches what our checks do not.
    try:
        from pyxform.xls2xform import convert
        convert(xlsform=str(p), validate=False, pretty_print=False)
    except Exception as e:
        msg = str(e)
        m = re.search(r"\[row : (\d+)\]", msg)
        where = f"ark 'survey', række {m.group(1)}" if m else "pyxform"
        detail = re.sub(r"\[row : \d+\]\s*", "", msg)
        raise GuideError(p, [f"{where}: {detail}"]) from None

    return Guide(path=str(p), title=settings.get("form_title", p.stem), form_id=settings.get("form_id", p.stem),
                 version=version, items=items, groups=groups,
                 choices={k: tuple(v) for k, v in choices.items()}, settings=settings)


# ---------------------------------------------------------------- the compiled-guide cache (start-up time)
#
# Reading and checking the workbook (openpyxl, then pyxform) takes about a second, and every CLI
# command and every app process needs the guide. A guide that loaded without problems is kept as
# JSON (never pickle: reading a cache entry runs no code) in an owner-only folder, named for the
# SHA-256 of the workbook's bytes, the file's path and the loader's own code (`_loader_fingerprint`).
# An entry is used only when its format tag, hashes and payload checksum all match and every field
# has the expected type; anything else (a corrupt, truncated, edited, foreign or older entry) is
# ignored and the guide is read from the workbook again, as if there were no cache. Expressions are
# parsed again from their source text on every load, so a cached guide is the very Guide `_load`
# gives. A guide with problems is never cached: its GuideError is raised from the workbook each time.

CACHE_FORMAT = "brugerblik-guide-cache/1"
#: The cache folder: $BRUGERBLIK_CACHE, else $XDG_CACHE_HOME/brugerblik, else ~/.cache/brugerblik.
CACHE_ENV = "BRUGERBLIK_CACHE"
#: Entries kept; writing a new one removes the oldest beyond this (a changed guide leaves its old entry).
CACHE_KEEP = 32
_ITEM_SKIP = ("relevant_ast", "constraint_ast", "choices")  # rebuilt from the source text and the choice lists


def cache_dir() -> Path:
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg and os.path.isabs(os.path.expanduser(xdg)) else Path.home() / ".cache"
    return base / "brugerblik"


@lru_cache(maxsize=1)
def _loader_fingerprint() -> str:
    """What the loader is: this module's and the expression parser's code and the installed pyxform
    (its package folder's distribution record, found without importing pyxform or
    importlib.metadata: both cost start-up time). A change to any of them makes every older entry a miss."""
    import importlib.util

    h = hashlib.sha256()
    for mod in (__file__, expr.__file__):
        h.update(Path(mod).read_bytes())
    spec = importlib.util.find_spec("pyxform")
    if spec is None or not spec.origin:
        raise OSError("pyxform findes ikke")  # no cache: the workbook is read (and fails as it would)
    pkg = Path(spec.origin).parent
    h.update(str(pkg).encode())
    h.update("\0".join(sorted(n for n in os.listdir(pkg.parent)
                               if n.lower().startswith("pyxform-") and n.endswith((".dist-info", ".egg-info")))).encode())
    return h.hexdigest()


def _entry_path(folder: Path, content_sha: str, path: str) -> Path:
    key = hashlib.sha256("\0".join((CACHE_FORMAT, content_sha, _loader_fingerprint(), path)).encode()).hexdigest()
    return folder / f"guide-{key}.json"


def _owner_only_folder(folder: Path, *, create: bool) -> bool:
    """The cache folder is usable: a real folder (not a link) of this user that nobody else may write."""
    try:
        if create and not folder.exists():
            files.private_folders(folder)  # it and the parents it creates (~/.cache) owner-only
        st = os.lstat(folder)
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode) or st.st_mode & 0o022:
        return False
    return not hasattr(os, "getuid") or st.st_uid == os.getuid()


def _guide_to_json(g: Guide) -> dict:
    items = []
    for it in g.items.values():
        items.append({f.name: getattr(it, f.name) for f in fields(Item) if f.name not in _ITEM_SKIP})
    return {"path": g.path, "title": g.title, "form_id": g.form_id, "version": g.version,
            "settings": dict(g.settings),
            "choices": {k: [[c.value, c.label] for c in v] for k, v in g.choices.items()},
            "items": items,
            "groups": [{"name": gr.name, "label": gr.label, "role": gr.role, "appearance": gr.appearance,
                        "items": [i.code for i in gr.items]} for gr in g.groups]}


def _str(v: object) -> str:
    if type(v) is not str:
        raise TypeError("not a str")
    return v


_ITEM_TYPES = {"code": str, "type": str, "label": str, "row": int, "list_name": str, "hint": str, "required": bool,
               "relevant": str, "constraint": str, "constraint_message": str, "appearance": str, "role": str,
               "group": str, "identifier": (str, type(None)), "identifier_mark": str}


def _guide_from_json(d: dict, path: str) -> Guide:
    """The Guide a payload describes; TypeError/ValueError/KeyError for anything malformed."""
    if set(d) != {"path", "title", "form_id", "version", "settings", "choices", "items", "groups"} or d["path"] != path:
        raise ValueError("unexpected payload")
    settings = {_str(k): _str(v) for k, v in d["settings"].items()}
    choices: dict[str, tuple[Choice, ...]] = {}
    for k, v in d["choices"].items():
        if any(len(c) != 2 for c in v):
            raise ValueError("unexpected choice")
        choices[_str(k)] = tuple(Choice(_str(c[0]), _str(c[1])) for c in v)
    expected = set(_ITEM_TYPES)
    if expected != {f.name for f in fields(Item)} - set(_ITEM_SKIP):
        raise ValueError("Item changed")  # the code and this table disagree: never trust the entry
    items: dict[str, Item] = {}
    for raw in d["items"]:
        if set(raw) != expected:
            raise ValueError("unexpected item")
        for k, typ in _ITEM_TYPES.items():
            if not isinstance(raw[k], typ) or (typ is int and isinstance(raw[k], bool)):
                raise TypeError(k)
        it = Item(**raw, choices=choices.get(raw["list_name"], ()) if raw["list_name"] else ())
        if it.list_name and it.list_name not in choices:
            raise ValueError("unknown list")
        for col in ("relevant", "constraint"):
            src = getattr(it, col)
            if src:
                setattr(it, col + "_ast", expr.parse(src))
        if it.code in items:
            raise ValueError("duplicate code")
        items[it.code] = it
    groups = []
    for raw in d["groups"]:
        if set(raw) != {"name", "label", "role", "appearance", "items"}:
            raise ValueError("unexpected group")
        groups.append(Group(_str(raw["name"]), _str(raw["label"]), _str(raw["role"]), _str(raw["appearance"]),
                            [items[_str(c)] for c in raw["items"]]))
    return Guide(path=path, title=_str(d["title"]), form_id=_str(d["form_id"]), version=_str(d["version"]),
                 items=items, groups=groups, choices=choices, settings=settings)


def _read_entry(entry: Path, content_sha: str, path: str) -> Guide | None:
    """The cached Guide, or None when there is no entry or it is not one to trust."""
    try:
        fd = os.open(entry, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if (not stat.S_ISREG(st.st_mode) or st.st_mode & 0o077
                    or (hasattr(os, "getuid") and st.st_uid != os.getuid()) or st.st_size > 16 * 1024 * 1024):
                return None  # not ours, or readable or writable by others: a foreign entry
            doc = json.loads(f.read().decode("utf-8"))
        payload = doc["payload"]
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
        if (set(doc) != {"format", "content_sha256", "loader", "path", "payload_sha256", "payload"}
                or doc["format"] != CACHE_FORMAT or doc["content_sha256"] != content_sha
                or doc["loader"] != _loader_fingerprint() or doc["path"] != path
                or doc["payload_sha256"] != hashlib.sha256(body).hexdigest()):
            return None
        return _guide_from_json(payload, path)
    except Exception:  # corrupt, truncated or edited: read the workbook instead
        return None


def _write_entry(entry: Path, content_sha: str, path: str, g: Guide) -> None:
    payload = _guide_to_json(g)
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    doc = {"format": CACHE_FORMAT, "content_sha256": content_sha, "loader": _loader_fingerprint(), "path": path,
           "payload_sha256": hashlib.sha256(body).hexdigest(), "payload": payload}
    files.write_atomic(entry, json.dumps(doc, ensure_ascii=False, sort_keys=True).encode("utf-8"))  # 0600
    _prune(entry.parent, keep=entry)


def _prune(folder: Path, *, keep: Path) -> None:
    """Remove the oldest entries beyond `CACHE_KEEP` (never `keep`, the one just written)."""
    old = []
    for e in folder.glob("guide-*.json"):
        try:
            old.append((e.stat().st_mtime, e))
        except OSError:
            continue
    old.sort(reverse=True)
    for _, e in old[CACHE_KEEP:]:
        if e != keep:
            try:
                e.unlink()
            except OSError:
                pass


def _compiled(p: Path) -> Guide:
    """`_load(p)` through the compiled-guide cache (see above); the cache never changes the result."""
    try:
        data = p.read_bytes()
    except OSError:
        return _load(p)
    content_sha = hashlib.sha256(data).hexdigest()
    path = str(p)
    try:
        folder = cache_dir()
        entry = _entry_path(folder, content_sha, path)
    except (OSError, RuntimeError):  # no home folder, an unreadable module file: no cache
        return _load(p)
    if _owner_only_folder(folder, create=False):
        hit = _read_entry(entry, content_sha, path)
        if hit is not None:
            return hit
    g = _load(p)
    try:  # cache only what was read from exactly these bytes (the file did not change meanwhile)
        if hashlib.sha256(p.read_bytes()).hexdigest() == content_sha and _owner_only_folder(folder, create=True):
            _write_entry(entry, content_sha, path, g)
    except Exception as e:  # a cache that cannot be written (read-only home, full disk) only costs time
        logging.getLogger(__name__).debug("spørgeguidens cache kunne ikke skrives: %s", type(e).__name__)
    return g


def guide_snapshot(g: Guide) -> dict:
    """What stored answers mean under `g` (docs/guide.md «Når guiden ændres»): form and version, each
    question's type, choice list and mark, and each used list's choices (code, label) in order. Two
    guides with the same snapshot read every stored answer the same way (`survey.guide_fit`)."""
    lists = sorted({it.list_name for it in g.items.values() if it.list_name})
    return {"form_id": g.form_id, "version": g.version,
            "items": {c: [it.type, it.list_name, it.identifier or ""] for c, it in g.items.items()},
            "choices": {ln: [[c.value, c.label] for c in g.choices.get(ln, ())] for ln in lists}}


def guide_fingerprint(g: Guide) -> str:
    """SHA-256 of `guide_snapshot(g)`: the same for two guides that read stored answers the same way."""
    text = json.dumps(guide_snapshot(g), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def guide_digest(g: Guide) -> str:
    """SHA-256 of everything `g` says — texts, hints, conditions, choices and settings as well as what
    `guide_fingerprint` covers; not where its file lies. A cache of anything drawn from a guide is keyed by
    it: a question text or a choice label corrected without a new version is a new digest."""
    data = dataclasses.asdict(g)
    data.pop("path", None)
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_PAGE_DIGESTS: dict[int, tuple[weakref.ref, str]] = {}


def page_digest(g: Guide) -> str:
    """The digest an interview page carries of the guide it was drawn with (docs/guide.md «Når guiden ændres»):
    the first 16 hex digits of `guide_digest`, so a changed question text, condition or label is another page.
    Kept per guide object (a loaded guide is never changed; `load_guide` hands out the same object while its
    file is unchanged): `guide_digest` takes about 20 ms, and every save compares it."""
    hit = _PAGE_DIGESTS.get(id(g))
    if hit is not None and hit[0]() is g:
        return hit[1]
    d = guide_digest(g)[:16]
    for k in [k for k, (ref, _d) in _PAGE_DIGESTS.items() if ref() is None]:
        del _PAGE_DIGESTS[k]
    _PAGE_DIGESTS[id(g)] = (weakref.ref(g), d)
    return d


def multi_values(value: str | None) -> list[str]:
    """The codes of a stored select_multiple value."""
    return [v for v in (value or "").split(";") if v]


def codes_in(guide: Guide, roles: Iterable[str]) -> list[str]:
    roles = set(roles)
    return [c for c, it in guide.items.items() if it.role in roles]
