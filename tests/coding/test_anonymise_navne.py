"""Issue 12, anonymisation: names of every origin (the broad name list), nicknames, possessives,
hyphens and double surnames, every CPR form, ordinary words that must stay, why a span was
masked, and the study's never-mask list (store, anonymiser, command)."""
import gzip
import io
import sys
import unicodedata

import pytest

from brugerblik.cli import main
from coding import anonymise as an
from coding.anonymise import AnonymiseError, Anonymiser
from survey import store
from survey.db import dispose_all, session_scope

SITES = ["Møltrup", "Tre Ege", "Linie 14", "Værestedet i Otterup"]


@pytest.fixture(scope="module")
def anon():
    return Anonymiser(places=SITES)


# --------------------------------------------------------------------------- names of every origin

@pytest.mark.parametrize("text, expected", [
    # a full name is one span, also when it mixes origins
    ("Min kone Fatima Zahra Hansen kom med.", "Min kone [navn] kom med."),
    ("Fatima Zahra Hansen kom med.", "[navn] kom med."),
    ("Hun hedder Ayşe Yılmaz Jensen.", "Hun hedder [navn]."),
    ("Hun hedder Ayse Yilmaz Jensen.", "Hun hedder [navn]."),  # the same name without diacritics
    ("Łukasz og Lukasz og Małgorzata Wiśniewska kom.", "[navn] og [navn] og [navn] kom."),
    ("Nguyễn Thị Lan og Nguyen Van Minh er naboer.", "[navn] og [navn] er naboer."),
    ("Ștefan Ionescu og Ion Popescu sover her.", "[navn] og [navn] sover her."),
    ("Emir Hodžić og Arben Krasniqi spiller kort.", "[navn] og [navn] spiller kort."),
    ("Reza Hosseini og Imran Khan kom.", "[navn] og [navn] kom."),
    ("Abdirahman Mohamud er min mentor.", "[navn] er min mentor."),
    ("Ahmad Shah Rahimi bor på samme gang.", "[navn] bor på samme gang."),
    ("Rojin og Azad Barzani kom.", "[navn] og [navn] kom."),
    # particles between name parts, hyphens, double surnames
    ("Ahmed bin Said og Omar al-Hassan kom.", "[navn] og [navn] kom."),
    ("Jan van der Berg er hollænder.", "[navn] er hollænder."),
    ("Ali-Reza og Anne-Sofie kom sammen.", "[navn] og [navn] kom sammen."),
    ("Hansen-Yilmaz og Koch-Nielsen er efternavne.", "[navn] og [navn] er efternavne."),
    ("María José García López var på besøg.", "[navn] var på besøg."),
    # a name no list knows, after a family or staff word, or before a surname
    ("Min kone Siriporn er fra Thailand.", "Min kone [navn] er fra Thailand."),
    ("Siriporn Jensen kommer hver mandag.", "[navn] kommer hver mandag."),
])
def test_names_of_every_origin(anon, text, expected):
    assert anon.mask(text) == expected


@pytest.mark.parametrize("text, expected", [
    # names and places written in capitals are masked like their capitalised forms ...
    ("Det var AHMED, der sagde det.", "Det var [navn], der sagde det."),
    ("METTE HANSEN ringede.", "[navn] ringede."),
    ("ALI HASSAN og Ali kom.", "[navn] og [navn] kom."),
    ("AHMEDS mor er syg.", "[navn]S mor er syg."),
    ("Han bor i MØLTRUP.", "Han bor i [sted]."),
    ("SOMCHAI og SIRIPORN kom.", "[navn] og [navn] kom."),
    # ... everyday words, acronyms and a lone three-letter word in capitals are not
    ("Jeg var på SKAT og JOBCENTRET med min ADHD.", "Jeg var på SKAT og JOBCENTRET med min ADHD."),
    ("NEJ! DET ER ALT FOR MEGET. STOP NU.", "NEJ! DET ER ALT FOR MEGET. STOP NU."),
    ("Vi var hos FOA, SFI, LAB og KL.", "Vi var hos FOA, SFI, LAB og KL."),
    ("MARK og BEN og BO.", "MARK og BEN og BO."),
    ("ALI kom.", "ALI kom."),
])
def test_names_in_capitals(anon, text, expected):
    assert anon.mask(text) == expected


def test_thai_names_in_passport_spellings(anon):
    # PyThaiNLP's Thai names, romanised (RTGS) and as they are usually written in passports
    for name in ("Somchai", "Somsak", "Malee", "Anong", "Siriporn", "Siriphon", "Prasert", "Duangjai",
                 "Kittisak", "Thongchai"):
        assert anon.mask(f"Vi så {name} i går.") == "Vi så [navn] i går.", name
    assert anon.spans("Vi så Somchai.")[0].rule.endswith("(PyThaiNLP, thai)")
    assert anon.mask("Vi så Mali i går.") == "Vi så Mali i går."  # a country (ikke_navne), not "Mali"


def test_possessives_keep_their_ending_outside_the_tag(anon):
    assert anon.mask("Ahmeds mor og Fatimas far.") == "[navn]s mor og [navn]s far."
    assert anon.mask("Det var Aziz' bil.") == "Det var [navn]' bil."
    assert anon.mask("Det var Ahmed's bil.") == "Det var [navn]'s bil."
    assert anon.mask("lange peters cykel") == "[navn]s cykel"
    # a word that is an -s form of its own is no possessive ("Seks" is not "Sek's")
    assert anon.mask("Seks boformer og Boks 1.") == "Seks boformer og Boks 1."


def test_decomposed_diacritics_are_found_and_offsets_stay_in_the_original(anon):
    text = unicodedata.normalize("NFD", "Jeg talte med Ayşe Yılmaz og Şükrü i går.")
    assert text != unicodedata.normalize("NFC", text)
    sp = anon.spans(text)
    assert [s.kind for s in sp] == ["navn", "navn"]
    assert [text[s.start:s.end] for s in sp] == [s.text for s in sp]
    assert unicodedata.normalize("NFC", sp[0].text) == "Ayşe Yılmaz"
    # the rest of the text is left exactly as written (still decomposed)
    assert anon.mask(text) == unicodedata.normalize("NFD", "Jeg talte med [navn] og [navn] i går.")


# --------------------------------------------------------------------------- nicknames

@pytest.mark.parametrize("text, expected", [
    ("Det var lange peter, der fandt mig.", "Det var [navn], der fandt mig."),
    ("tykke mads sidder altid ved vinduet.", "[navn] sidder altid ved vinduet."),
    ("Jeg så lille ahmed i går.", "Jeg så [navn] i går."),
    ("Lange Peter har været her længe.", "[navn] har været her længe."),
    ("lille Ahmed kom også.", "[navn] kom også."),
    ("Han kaldes røde mehmet.", "Han kaldes [navn]."),
    ("jeg hedder ahmed og er 34.", "jeg hedder [navn] og er 34."),
    # a name that is also a word needs more than the descriptor
    ("lange per sagde hej.", "[navn] sagde hej."),
    ("Han har lange ben og store hænder.", "Han har lange ben og store hænder."),
    ("Jeg har et lille bo i kolonihaven.", "Jeg har et lille bo i kolonihaven."),
    ("Lange dage er værst, og lille by, store problemer.", "Lange dage er værst, og lille by, store problemer."),
])
def test_nicknames(anon, text, expected):
    assert anon.mask(text) == expected


# --------------------------------------------------------------------------- CPR

@pytest.mark.parametrize("cpr", ["010203-1234", "0102031234", "010203 1234", "01.02.03-1234", "01-02-03-1234",
                                 "01.02.03 1234", "01/02/03-1234", "311299–4321"])
def test_every_written_form_of_a_cpr_number(anon, cpr):
    sp = anon.spans(f"Mit CPR-nummer er {cpr}, skriv det ned.")
    assert [(s.kind, s.text, s.rule) for s in sp] == [("cpr", cpr, "CPR-mønster")]


@pytest.mark.parametrize("text", [
    "Datoen var 01.02.2006 og klokken 10.30.",
    "Den 01.02.06 fik jeg 1.234 kr., og 01-02-2003 var jeg syg.",
    "Jeg skylder 12.000 kr. og har fået 4.500 kr. om måneden siden 01.03.2019.",
    "Nummer 32.01.90-1234 og 01.13.90-1234 er ingen datoer.",
    "Fra 2005-2007 og i 2006 2007 var det svært.",
])
def test_dates_and_amounts_are_no_cpr_numbers(anon, text):
    assert anon.mask(text) == text


# --------------------------------------------------------------------------- ordinary words stay

@pytest.mark.parametrize("text", [
    "Ben er brækket, så jeg går med krykker.",
    "Mark og eng ligger lige uden for byen.",
    "Bo alene er svært, når man er syg.",
    "Per dag får jeg 100 kr. til mad.",
    "Lærken synger om foråret, og en lærke sad på taget.",
    "Skov og natur gør mig rolig.",
    "Vejen til arbejde er lang.",
    "Van og lastbil holder i gården.",
    "Ion er et ord fra kemitimen.",
    "Jeg kom fra Tyrkiet i 1998, og min mor er fra Kabul.",
    "Jeg beder til Allah, og til jul og eid spiser vi sammen.",
    "Jeg handler i Netto. Hej, hvordan går det? Okay.",
    "Røde Kors og Kirkens Korshær har et varmested.",
    "Seks boformer og seks væresteder. Anm.: Personer i alderen 18 år.",
    "Sagsbehandler, Leder og Kontaktperson.",
])
def test_ordinary_words_stay_also_at_a_sentence_start(anon, text):
    assert anon.mask(text) == text


def test_an_everyday_word_is_a_name_with_evidence(anon):
    assert anon.mask("Ben sagde, at han kom.") == "[navn] sagde, at han kom."
    assert anon.mask("Min bror Ben kom.") == "Min bror [navn] kom."
    assert anon.mask("Jeg mødte Ben og Ahmed.") == "Jeg mødte [navn] og [navn]."
    assert anon.mask("Min kontaktperson hedder Ben.") == "Min kontaktperson hedder [navn]."
    assert anon.mask("Mark sagde, at jeg skulle ringe.") == "[navn] sagde, at jeg skulle ringe."
    assert anon.mask("Ion Popescu kom, men Ion er et ord.") == "[navn] kom, men Ion er et ord."


# --------------------------------------------------------------------------- why a span was masked

def test_each_span_says_why(anon):
    text = ("Ayşe Yılmaz ringede fra 12 34 56 78 om 01.02.03-1234, skrev til a@b.dk, bor på Østergade 12 i "
            "Aarhus og kommer på Møltrup med lange peter.")
    rules = {s.text: s.rule for s in anon.spans(text)}
    assert rules == {
        "Ayşe Yılmaz": "fornavn (names-dataset: TR) + efternavn (names-dataset: TR)",
        "12 34 56 78": "telefonnummer (8 cifre)",
        "01.02.03-1234": "CPR-mønster",
        "a@b.dk": "e-mail-adresse",
        "Østergade 12": "gade og husnummer",
        "Aarhus": "by eller kommune (stedlisten)",
        "Møltrup": "sted i studiet",
        "lange peter": "kælenavn: fornavn (Faker da_DK)",
    }
    assert anon.spans("Hun hedder Nguyễn Thị Lan.")[0].rule.startswith("fornavn (")
    assert "Faker vi_VN" in anon.spans("Hun hedder Thị.")[0].rule
    assert anon.spans("Min kone Xamsiyo kom.")[0].rule == "ukendt ord efter fx 'min bror'"
    assert anon.spans("Min kone Xamse kom.")[0].rule == "navn (hånd)"  # navne_almindelige.txt, by hand
    assert anon.spans("Hun hedder Siriporn.")[0].rule == "fornavn (PyThaiNLP, thai)"
    assert anon.spans("Ben sagde nej.")[0].rule == "fornavn (names-dataset: GB); før fx 'sagde'"
    ex = anon.explain("Kim kom.")
    assert ex.masked_spans[0].rule == ex.spans[0].rule == "fornavn (Faker da_DK)"


def test_the_name_file_names_its_sources_and_versions():
    head = [l for l in gzip.open(an.NAMES_FILE, "rt", encoding="utf-8") if l.startswith("#")]
    text = "".join(head)
    assert "names-dataset 3.3.1" in text and "Faker" in text and "spacy-lookups-data" in text
    assert "PyThaiNLP 5.4.0" in text and "thai2rom_onnx" in text
    assert "tools/build_names.py" in text
    b = an.broad_names()
    assert len(b.index) > 100_000
    for name in ("Fatima", "Yılmaz", "Yilmaz", "Łukasz", "Abdirahman", "Nguyễn", "Hodžić", "Popescu"):
        assert name in b.index, name


def test_thai_passport_spellings_rule():
    sys.path.insert(0, str(an.DATA_DIR.parents[1]))
    from tools.build_names import thai_variants  # the rule that built the list's Thai spellings

    assert thai_variants("siriphon") == ["siriphon", "siriporn", "siriphorn", "siripon"]
    assert "malee" in thai_variants("mali") and "boonmee" in thai_variants("bunmi")
    assert "prasert" in thai_variants("prasoet")
    assert "duangjai" in thai_variants("duangchai", "ดวงใจ")
    assert "jai" not in "".join(thai_variants("somchai", "สมชาย"))  # ช stays "ch"
    assert "chai" in thai_variants("chai")[0] and thai_variants("thai")[-1] != "thee"  # "ai" is no long i
    assert all(len(thai_variants(w)) <= 8 for w in ("phuphonphruphi", "suphonphutthi"))


def test_the_broad_list_can_be_left_out():
    assert Anonymiser(broad=False).mask("Jeg talte med Łukasz i går.") == "Jeg talte med Łukasz i går."
    assert Anonymiser().mask("Jeg talte med Łukasz i går.") == "Jeg talte med [navn] i går."


# --------------------------------------------------------------------------- never-mask list

def test_never_mask_list_in_the_anonymiser():
    a = Anonymiser(places=["Basen"], keep=["Basen", "Mark", "Ahmed", "Røde Kors", "lange peter"])
    assert a.mask("Basen er god, Mark og Ahmed kom, Røde Kors hjalp.") == \
        "Basen er god, Mark og Ahmed kom, Røde Kors hjalp."
    assert a.mask("Fatima Ahmed kom.") == "[navn] Ahmed kom."
    assert a.mask("Ahmeds bil og Marks cykel.") == "Ahmeds bil og Marks cykel."
    assert a.mask("Det var lange peter.") == "Det var lange peter."
    assert a.mask("Kim ringede fra 12 34 56 78.") == "[navn] ringede fra [telefon]."  # numbers are never kept


def _study(s, guide):
    site = store.ensure_site(s, "Møltrup", "boform")
    store.create_interview(s, guide, site, interviewer="Lise Krogh")


def test_never_mask_list_in_the_store(engine, guide):
    with session_scope(engine) as s:
        _study(s, guide)
        an.add_mask_term(s, "Zorblax", "navn", who="forsker")
        k = an.add_keep_term(s, "  Mark ", who="forsker")
        an.add_keep_term(s, "Møltrup")
        assert (k.term, k.kind, k.added_by) == ("Mark", an.KEEP_KIND, "forsker")
        with pytest.raises(AnonymiseError, match="aldrig maskeres"):
            an.add_keep_term(s, "Mark")
        with pytest.raises(AnonymiseError, match="altid maskeres"):
            an.add_keep_term(s, "Zorblax")
        with pytest.raises(AnonymiseError, match="mindst to tegn"):
            an.add_keep_term(s, "x")
    with session_scope(engine) as s:
        assert [t.term for t in an.list_mask_terms(s)] == ["Zorblax"]  # the always-mask list only
        assert [t.term for t in an.list_keep_terms(s)] == ["Mark", "Møltrup"]
        sn = an.study_names(s)
        assert sn.keep == ("Mark", "Møltrup") and sn.sources["Zorblax"] == an.RULE_STUDY
        assert sn.sources["Lise Krogh"] == an.RULE_INTERVIEWER and sn.sources["Møltrup"] == an.RULE_SITE
    a = Anonymiser.from_store(engine)
    assert a.mask("Mark og Zorblax var på Møltrup med Lise Krogh.") == "Mark og [navn] var på Møltrup med [navn]."
    assert [s.rule for s in a.spans("Zorblax og Lise Krogh")] == [an.RULE_STUDY, an.RULE_INTERVIEWER]
    with session_scope(engine) as s:
        assert an.remove_mask_term(s, "Mark") is True
        assert an.remove_mask_term(s, an.list_keep_terms(s)[0].id) is True
        assert an.list_keep_terms(s) == []
    assert Anonymiser.from_store(engine).mask("Mark sagde, at Møltrup er godt.") == \
        "[navn] sagde, at [sted] er godt."


def test_export_masker_honours_the_never_mask_list(engine, guide):
    with session_scope(engine) as s:
        _study(s, guide)
        an.add_keep_term(s, "Ahmed")
    m = an.export_masker(engine)
    assert m("Ahmed og Fatima var på Møltrup.") == "Ahmed og [navn] var på [sted]."


@pytest.fixture
def cli_db(new_db_url, guide):
    url = new_db_url()
    from survey.db import get_engine

    with session_scope(get_engine(url)) as s:
        _study(s, guide)
        an.add_keep_term(s, "Basen")
    yield url
    dispose_all()


def test_the_command_masks_every_origin_and_keeps_the_never_mask_list(cli_db, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO(
        "Fatima Zahra Hansen bor på Basen med lange peter.\nCPR 01.02.03-1234 og Łukasz Nowak.\n"))
    assert main(["--db", cli_db, "anonymise", "-"]) == 0
    assert capsys.readouterr().out == "[navn] bor på Basen med [navn].\nCPR [cpr] og [navn].\n"
