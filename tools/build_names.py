"""Builds coding/data/navne.tsv.gz: the broad name list the anonymiser uses (issue 12).

Run once when a source changes; the output is committed, so neither names-dataset nor its 55 MB
wheel is a dependency of the project:

    .venv/bin/pip download --no-deps -d /tmp/nd names-dataset==3.3.1 pythainlp==5.4.0
    .venv/bin/pip install onnxruntime   # PyThaiNLP's romanisation model; not a project dependency
    .venv/bin/python tools/build_names.py --wheel /tmp/nd/names_dataset-3.3.1-py3-none-any.whl \
        --thai-wheel /tmp/nd/pythainlp-5.4.0-py3-none-any.whl

(~1 min and ~5 GB of memory while names-dataset's two dictionaries are loaded.) PyThaiNLP has no
dependencies; its wheel is unpacked to a temporary folder and imported from there, so it is no
dependency of the project either.

Sources
-------
* names-dataset 3.3.1 (PyPI, MIT; Philippe Remy): first names and surnames of 106 countries,
  each with its rank in that country. Read from the wheel's own pickles
  (names_dataset/v3/{first,last}_names.pkl.gz) — the package itself is not imported. The data
  set has no entries for Somalia, Pakistan, Romania, Bosnia, Vietnam or Thailand; those origins
  come through neighbouring and diaspora countries (Djibouti, Ethiopia, Moldova, Serbia,
  Croatia, the Gulf states, the UK, the US, Denmark, Sweden, Norway) and through Faker.
* Faker (the installed version, read from the person providers' attributes; nothing generated):
  the Latin-script locales in LOCALES below, among them en_PK, en_TH, vi_VN, tr_TR, pl_PL,
  ro_RO, hr_HR, sl_SI, sv_SE (which lists Somali names) and az_AZ. Arabic- and Persian-script
  locales (ar_*, fa_IR) and Cyrillic ones are not used: texts here are written in Latin letters.
  Faker's da_DK names are not in the file: coding/anonymise.py reads them from Faker itself.
* PyThaiNLP 5.4.0 (PyPI, Apache-2.0): its corpus of Thai first names (male and female) and
  family names, in Thai script, romanised to the Royal Thai General System with its bundled
  seq2seq model (``romanize(engine="thai2rom_onnx")``: the ONNX weights ship inside the wheel,
  nothing is downloaded; needs ``onnxruntime`` in the building venv only). Its rule-based
  ``royin`` engine was tried first and is too rough for names ("ประเสริฐ" -> "praserit",
  "อรทัย" -> "rathai"; the model gives "prasoet", "orathai"). Thai names in Denmark are written
  in Latin letters, mostly as their bearers spell them in their passports, which departs from
  RTGS in a few regular ways; each romanised name therefore also gets those spellings
  (thai_variants: "ph" as "p", "phon" as "porn"/"phorn"/"pon", "oe" as "er", จ as "j" rather
  than "ch", a final "i" as "ee", "u" as "oo") — "Siriphon" -> "Siriporn", "Mali" -> "Malee",
  "Bunmi" -> "Boonmee", "Prasoet" -> "Prasert", "Duangchai" -> "Duangjai". The origin is
  "pythainlp:th"; a name another source has keeps that source's origin.
* spacy-lookups-data (installed version): the Danish ``lemma_lookup`` table (553,116 forms) and
  the English ``lexeme_prob`` table flag names that are also words (column 4); so does spaCy's
  Danish stop-word list.

Thresholds
----------
names-dataset's ranks come from public social-network profiles: the head of each country's list
is clean, the tail holds typos, nicknames and words typed into the name field. The tail's noise
is mostly unique to one country, so for each country and role the list is read in bands of 500
ranks, and a band is taken while at least half of its Latin-script one-word names also occur in
another country's list (CORROBORATED); always the first 1,000 ranks (a country's common names,
also local ones such as Danish surnames, are real even when no other country has them), never
more than 5,000. Only one-word Latin-script names of 2–20 letters, capitalised, letters from the
Latin blocks (diacritics kept), pass; hyphenated entries are split into their parts.

Each name with diacritics also gets its plain-letter spelling ("Ayşe" -> "Ayse", "Łukasz" ->
"Lukasz", "Nguyễn" -> "Nguyen"); Danish æ, ø, å are kept.

Output (UTF-8, gzip, tab-separated, '#' lines are comments):
    name  first-origin  surname-origin  flags
origin ('' = not that role): a Faker locale of an origin names-dataset lacks (ORIGIN_LOCALES:
en_PK, en_TH, vi_VN, ro_RO) if one lists the name; else the chosen country where names-dataset
places the largest share of the name's bearers (ties: the best rank; an entry as written before
its plain-letter form or a part of a hyphenated entry); else another Faker locale.
flags: 'w' = a Danish word (its lower-case form, or the form as written, is a key or a lemma in
the Danish lemma table); 'e' = an everyday English word (lower-case log-probability above
ENGLISH_LOGPROB and more likely in lower case than capitalised); 's' = a Danish stop word
(spaCy's spacy.lang.da.stop_words: "Han", "Min", "Lille" are never names from this list);
'p' = the name with an -s is a Danish word ("Seks", "Boks", "Delvis": never read as the
possessive of "Sek", "Bok", "Delvi").
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib
import json
import pickle
import sys
import unicodedata
import zipfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "coding" / "data" / "navne.tsv.gz"

# names-dataset countries: the origins of immigrants and descendants in Denmark (Danmarks
# Statistik's largest groups) that the data set has, their neighbours for the missing ones, and
# the Nordic and diaspora lists that carry names of every origin as written in Scandinavia.
COUNTRIES = {
    "DK": "Danmark", "SE": "Sverige", "NO": "Norge", "IS": "Island", "FI": "Finland",
    "DE": "Tyskland", "NL": "Holland", "GB": "Storbritannien", "FR": "Frankrig", "IT": "Italien",
    "ES": "Spanien", "US": "USA",
    "PL": "Polen", "LT": "Litauen", "MD": "Moldova", "BG": "Bulgarien", "HU": "Ungarn", "CZ": "Tjekkiet",
    "HR": "Kroatien", "RS": "Serbien", "SI": "Slovenien", "AL": "Albanien", "RU": "Rusland",
    "TR": "Tyrkiet", "SY": "Syrien", "IQ": "Irak", "LB": "Libanon", "PS": "Palæstina", "JO": "Jordan",
    "EG": "Egypten", "MA": "Marokko", "DZ": "Algeriet", "TN": "Tunesien", "LY": "Libyen", "SA": "Saudi-Arabien",
    "YE": "Yemen", "KW": "Kuwait", "AE": "Emiraterne", "IR": "Iran", "AF": "Afghanistan",
    "DJ": "Djibouti", "ET": "Etiopien", "SD": "Sudan", "NG": "Nigeria",
    "BD": "Bangladesh", "IN": "Indien",
    "PH": "Filippinerne", "CN": "Kina", "HK": "Hongkong", "KR": "Sydkorea", "JP": "Japan", "ID": "Indonesien",
}
LOCALES = ("en_PK", "en_TH", "vi_VN", "tr_TR", "pl_PL", "ro_RO", "hr_HR", "sl_SI", "cs_CZ", "sk_SK", "hu_HU",
           "lt_LT", "lv_LV", "et_EE", "de_DE", "de_AT", "nl_NL", "en_GB", "en_IE", "fr_FR", "fr_DZ", "es_ES",
           "it_IT", "pt_PT", "pt_BR", "sv_SE", "no_NO", "fi_FI", "is_IS", "az_AZ", "uz_UZ", "en_IN", "en_KE",
           "en_NG", "ha_NG", "yo_NG", "ig_NG", "tw_GH", "sw", "id_ID")
# Faker locales for origins names-dataset has no list for: they name a name's origin first.
ORIGIN_LOCALES = ("en_PK", "en_TH", "vi_VN", "ro_RO")
BAND = 500
MIN_RANK = 1000
MAX_RANK = 5000
CORROBORATED = 0.5
ENGLISH_LOGPROB = -10.5
KEEP_LETTERS = set("æøåÆØÅ")
THAI_MAX_VARIANTS = 8


def latin_name(w: str) -> bool:
    """One capitalised word of 2–20 Latin letters (diacritics allowed), not in capitals."""
    if not (2 <= len(w) <= 20) or not w[0].isupper() or not w[1:].islower() or not w.isalpha():
        return False
    for ch in w:
        if ord(ch) >= 128 and not unicodedata.name(ch, "").startswith("LATIN"):
            return False
    return True


def parts(entry: str) -> list[str]:
    """'Al-Badri' -> ['Al', 'Badri']; an entry with a space or odd characters gives []."""
    if " " in entry:
        return []
    out = [p for p in entry.split("-")]
    return out if all(latin_name(p) for p in out) else []


_FOLD = str.maketrans({"ı": "i", "İ": "I", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ß": "ss", "ð": "d", "Ð": "D",
                       "þ": "th", "Þ": "Th", "ə": "e", "Ə": "E", "œ": "oe"})


def plain(w: str) -> str:
    """The spelling without diacritics (Danish æ, ø, å kept)."""
    out = []
    for ch in w.translate(_FOLD):
        if ch in KEEP_LETTERS or ord(ch) < 128:
            out.append(ch)
            continue
        base = unicodedata.normalize("NFKD", ch)
        out.append("".join(c for c in base if not unicodedata.combining(c)))
    return "".join(out)


def load_nd(wheel: Path) -> tuple[dict, dict, str]:
    with zipfile.ZipFile(wheel) as z:
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        version = next((l.split(":", 1)[1].strip() for l in z.read(meta).decode().splitlines()
                        if l.startswith("Version:")), "?")
        first = pickle.loads(gzip.decompress(z.read("names_dataset/v3/first_names.pkl.gz")))
        last = pickle.loads(gzip.decompress(z.read("names_dataset/v3/last_names.pkl.gz")))
    return first, last, version


def cutoffs(table: dict) -> dict[str, list[tuple[int, str]]]:
    """Per country: the (rank, name) entries kept, by the band rule in the module docstring."""
    ranked: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for name, info in table.items():
        for c, r in info["rank"].items():
            if c in COUNTRIES and r is not None:
                ranked[c].append((r, name))
    out = {}
    for c, rows in ranked.items():
        rows.sort()
        keep = []
        limit = MIN_RANK
        for lo in range(0, MAX_RANK, BAND):
            band = [(r, n) for r, n in rows if lo < r <= lo + BAND]
            names = [n for _, n in band if latin_name(n)]
            if lo + BAND > MIN_RANK:
                seen = sum(1 for n in names if any(o != c for o in table[n]["rank"]))
                if not names or seen / len(names) < CORROBORATED:
                    break
            limit = lo + BAND
        keep = [(r, n) for r, n in rows if r <= limit]
        out[c] = keep
        print(f"  {c}: rank <= {limit}", file=sys.stderr)
    return out


def thai_variants(rtgs: str, thai: str = "") -> list[str]:
    """The RTGS spelling and the ways Thai names are commonly written in passports (THAI_VARIANTS
    in the module docstring), lower case, at most THAI_MAX_VARIANTS. `thai`: the name in Thai
    script (จ, which RTGS writes "ch", is often "j")."""
    out = [rtgs]

    def add(forms):
        for f in forms:
            if f not in out and len(out) < THAI_MAX_VARIANTS:
                out.append(f)

    add([w.replace("phon", r) for w in list(out) if "phon" in w for r in ("porn", "phorn", "pon")])
    add([w.replace("ph", "p") for w in list(out) if "ph" in w])
    add([w.replace("oe", "er") for w in list(out) if "oe" in w])
    if "จ" in thai and "ช" not in thai and "ฉ" not in thai:
        add([w.replace("ch", "j") for w in list(out) if "ch" in w])
    add([w[:-1] + "ee" for w in list(out) if w.endswith("i") and not w.endswith("ai")])
    add([w.replace("u", "oo") for w in list(out) if "u" in w and "uea" not in w])
    return out


def load_thai(wheel: Path) -> tuple[dict[str, set[str]], str]:
    """PyThaiNLP's Thai name corpus, romanised: lower-case Latin spelling -> roles {"F", "L"}."""
    import tempfile

    tmp = tempfile.mkdtemp(prefix="pythainlp-")
    with zipfile.ZipFile(wheel) as z:
        z.extractall(tmp)
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        version = next((l.split(":", 1)[1].strip() for l in z.read(meta).decode().splitlines()
                        if l.startswith("Version:")), "?")
    sys.path.insert(0, tmp)
    from pythainlp.corpus import thai_family_names, thai_female_names, thai_male_names
    from pythainlp.transliterate import romanize

    out: dict[str, set[str]] = defaultdict(set)
    for role, names in (("F", thai_male_names()), ("F", thai_female_names()), ("L", thai_family_names())):
        for w in sorted(names):
            r = romanize(w, engine="thai2rom_onnx").replace("-", "")  # "kot-apha": one word
            if not (r.isascii() and r.isalpha() and 3 <= len(r) <= 20):
                continue
            for v in thai_variants(r, w):
                out[v].add(role)
    sys.path.remove(tmp)
    return out, version


def word_tables():
    import spacy_lookups_data

    d = Path(spacy_lookups_data.__file__).parent / "data"
    lemma = json.loads(gzip.decompress((d / "da_lemma_lookup.json.gz").read_bytes()))
    da = set(lemma) | set(lemma.values())
    en = json.loads(gzip.decompress((d / "en_lexeme_prob.json.gz").read_bytes()))
    from importlib.metadata import version

    from spacy.lang.da.stop_words import STOP_WORDS

    return da, en, set(STOP_WORDS), version("spacy-lookups-data"), version("spacy")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--wheel", type=Path, required=True, help="names_dataset-3.3.1-py3-none-any.whl")
    ap.add_argument("--thai-wheel", type=Path, required=True, help="pythainlp-5.4.0-py3-none-any.whl")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)

    print("names-dataset …", file=sys.stderr)
    nd_first, nd_last, nd_version = load_nd(args.wheel)
    sha = hashlib.sha256(args.wheel.read_bytes()).hexdigest()
    # role -> name -> (key, origin); the origin with the smallest key wins (see ORIGIN in the docstring)
    best: dict[str, dict[str, tuple[tuple, str]]] = {"F": {}, "L": {}}

    def put(role: str, name: str, key: tuple, origin: str) -> None:
        for p in parts(name):
            if len(p) < 3 and "-" in name:  # 'Al-', 'El-': a prefix, not a name of its own
                continue
            for v in {p, plain(p)}:
                if not latin_name(v):
                    continue
                # a name as written beats its plain-letter form and a part of a hyphenated entry
                k = key if v == name else (key[0] + 0.5, *key[1:])
                old = best[role].get(v)
                if old is None or k < old[0]:
                    best[role][v] = (k, origin)

    for role, table in (("F", nd_first), ("L", nd_last)):
        print(f" {role}:", file=sys.stderr)
        for c, rows in cutoffs(table).items():
            for r, n in rows:
                # where most of the name's bearers live (names-dataset's country shares), then rank
                put(role, n, (1, -table[n]["country"].get(c, 0.0), r), c)
    del nd_first, nd_last

    import faker

    for loc in LOCALES:
        prov = importlib.import_module(f"faker.providers.person.{loc}").Provider
        for attr in dir(prov):
            if attr.startswith(("first_names", "middle_names", "last_names")) and not callable(getattr(prov, attr)):
                role = "L" if attr.startswith("last") else "F"
                vals = getattr(prov, attr)
                for n in (vals.keys() if isinstance(vals, dict) else vals):
                    if isinstance(n, str) and n not in ("John", "Jane", "Doe"):  # vi_VN/pl_PL placeholders
                        # a locale of an origin names-dataset lacks names the origin best; others only add names
                        put(role, n, (0,) if loc in ORIGIN_LOCALES else (2,), f"faker:{loc}")

    print("PyThaiNLP …", file=sys.stderr)
    thai, thai_version = load_thai(args.thai_wheel)
    n_thai = 0
    for low, roles in sorted(thai.items()):
        name = low.capitalize()
        for role in sorted(roles):
            if name not in best[role]:
                n_thai += 1
            put(role, name, (3,), "pythainlp:th")  # after every other source: theirs is the better origin

    da, en, stop, lookups_version, spacy_version = word_tables()
    names = sorted(set(best["F"]) | set(best["L"]))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    n_w = n_e = 0
    lines = [
        "# Brugerblik: names of people for the anonymiser (coding/anonymise.py). Built by tools/build_names.py.",
        f"# names-dataset {nd_version} (PyPI, MIT, Philippe Remy; wheel sha256 {sha[:16]}…): "
        f"countries {' '.join(COUNTRIES)}; "
        f"ranks <= {MIN_RANK}, then {BAND}-rank bands while >= {CORROBORATED:.0%} of their Latin names are "
        f"found in another country, at most {MAX_RANK}.",
        f"# Faker {faker.VERSION} person providers: {' '.join(LOCALES)}.",
        f"# PyThaiNLP {thai_version} (PyPI, Apache-2.0): thai_male_names, thai_female_names, thai_family_names, "
        f"romanised with romanize(engine='thai2rom_onnx') and the passport spellings of tools/build_names.py "
        f"(thai_variants); {n_thai} names no other source has.",
        f"# Flags from spacy-lookups-data {lookups_version}: w = Danish word (da lemma_lookup), "
        f"e = English word (en lexeme_prob > {ENGLISH_LOGPROB}, lower case likelier than capitalised); "
        f"s = a Danish stop word (spaCy {spacy_version}, spacy.lang.da.stop_words); p = the name + s is a "
        f"Danish word (no possessive).",
        "# name\tfirst-origin\tsurname-origin\tflags",
    ]
    for n in names:
        low = n.lower()
        flags = ""
        if low in da or n in da:
            flags += "w"
            n_w += 1
        lp, cp = en.get(low), en.get(n)
        if lp is not None and lp > ENGLISH_LOGPROB and (cp is None or lp > cp):
            flags += "e"
            n_e += 1
        if low in stop:
            flags += "s"
        if low + "s" in da:  # "Seks", "Boks", "Delvis" are words, not "Sek's", "Bok's", "Delvi's"
            flags += "p"
        f = best["F"].get(n)
        s = best["L"].get(n)
        lines.append(f"{n}\t{f[1] if f else ''}\t{s[1] if s else ''}\t{flags}")
    data = ("\n".join(lines) + "\n").encode("utf-8")
    args.out.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    print(f"{args.out}: {len(names)} names ({len(best['F'])} first, {len(best['L'])} surnames; "
          f"{n_w} Danish words, {n_e} English words), {args.out.stat().st_size // 1024} KiB", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
