"""Leaks a hostile tester found in the anonymiser: lower-case names of immigrant backgrounds left while
Danish ones were masked, a lower-case surname after a masked first name left, street addresses without a
street word or in lower case, house-number ranges, and case numbers («Sagsnr. …»)."""
import io
import sys

import pytest

from brugerblik.cli import main
from coding import anonymise as an
from coding.anonymise import Anonymiser


@pytest.fixture(scope="module")
def anon():
    return Anonymiser()


# --------------------------------------------------------------------------- lower-case names

@pytest.mark.parametrize("text, masked", [
    ("jeg så mohammed i går.", "jeg så [navn] i går."),
    *[(n, "[navn]") for n in ("fatima", "ahmad", "zainab", "khadija", "piotr", "abdirahman", "ayşe", "nguyen",
                               "oksana", "hassan", "yılmaz", "mohammad", "muhammad", "mohamed", "ayse", "yilmaz",
                               "xamse", "hodan", "zeynep", "mehmet", "şahin", "öztürk", "çelik", "doğan")],
    ("Så kom aisha.", "Så kom [navn]."),
    ("i går så jeg ayşe yılmaz.", "i går så jeg [navn]."),
    ("nguyen van anh er sød.", "[navn] er sød."),
    ("zeynep er et navn, jeg ikke kender", "[navn] er et navn, jeg ikke kender"),
    # a surname right after a masked first name is part of the name: Danish and not
    ("jørgen ølgaard ringede.", "[navn] ringede."),
    ("Jørgen ølgaard ringede.", "[navn] ringede."),
    ("piotr kowalczyk ringede.", "[navn] ringede."),
    ("mette hansen og ahmed hansen kom", "[navn] og [navn] kom"),
    ("vi så omar al hassan i går", "vi så [navn] i går"),
    # unchanged: Danish names in lower case
    ("mette", "[navn]"), ("jørgen", "[navn]"), ("ivan", "[navn]"), ("jesper", "[navn]"),
])
def test_lower_case_names_of_every_origin_are_masked(anon, text, masked):
    for _ in range(2):  # the second time from the lower-case cache
        assert anon.mask(text) == masked


DANISH = ["mette", "jørgen", "jesper", "lars", "anne", "søren", "karen", "niels", "hanne", "henrik",
          "birgitte", "rasmus", "hansen", "jensen", "nielsen", "pedersen", "andersen", "christensen"]
IMMIGRANT = ["fatima", "mohammed", "ahmad", "zainab", "khadija", "piotr", "abdirahman", "ayşe", "nguyen",
             "oksana", "hassan", "yılmaz", "aisha", "mehmet", "zeynep", "hodan", "yonas", "rebin"]
SENTENCES = ["jeg så {} i går.", "{} ringede til mig.", "Så kom {}.", "vi snakkede med {} om det",
             "det var {}, der hjalp", "min aftale med {} blev aflyst"]


def test_lower_case_names_are_masked_at_the_same_rate_whatever_their_origin(anon):
    """A parallel list of Danish names and names of immigrant backgrounds in the same lower-case
    sentences: both are masked, all of them (the tester found «mette» masked and «fatima» not)."""
    assert len(DANISH) == len(IMMIGRANT)

    def rate(names):
        hits = [anon.mask(s.format(n)) == s.format("[navn]") for n in names for s in SENTENCES]
        return sum(hits) / len(hits), [s.format(n) for n in names for s in SENTENCES
                                       if anon.mask(s.format(n)) != s.format("[navn]")]

    da, da_left = rate(DANISH)
    im, im_left = rate(IMMIGRANT)
    assert da == im == 1.0, (da_left, im_left)


@pytest.mark.parametrize("text", [
    # names that are Danish (or English) words stay in lower case, as for the Danish list («per», «bo»)
    "per dag går jeg derhen, og bo alene er svært",
    "han said det på engelsk, og vi tog en van til byen",
    "hans mor og min bror ben",
    "dan var en god dag, og vi tog kaffe",
    # loans and slang in quotes, heads of some origin's name list: never names in lower case
    "han var på rehab, og der var nada at lave",
    "han sagde salam, og habibi, wallah, yalla",
    "jeg tog et cam-billede af kongen og dronningen",
    # ordinary sentences from the social services
    "min sagsbehandler ringede, og jeg fik kontanthjælp og boligstøtte",
    "vi spiste kebab og falafel med hummus efter ramadan og eid",
    "han går til imam og i moskeen, og hun bærer hijab",
    "jeg har været på kontanthjælp i tre år og i praktik på et lager",
    "fra jan. 2023 var det 4 tim. om ugen",
    # a word broken at a line's end is no name, Danish («sam-», masked before) or not («samar-», «resul-»)
    "et samar-\nbejde med en opsummering af resul-\ntaterne og de etniske mino-\nriteter i det sam-\nfund",
])
def test_ordinary_danish_in_lower_case_stays(anon, text):
    assert anon.mask(text) == text


def test_the_common_name_file_has_no_danish_word_and_every_origin():
    names = an.common_names()
    assert len(names) > 5000
    for n in ("Mohammed", "Muhammad", "Mohamed", "Fatima", "Ayşe", "Ayse", "Yılmaz", "Yilmaz", "Piotr",
              "Nowak", "Abdirahman", "Xamse", "Warsame", "Nguyen", "Oksana", "Shevchenko", "Yonas", "Rebin",
              "Popescu", "Hosseini", "Butt"):
        assert n in names, n
    low = {n.lower() for n in names}
    assert not low & {"rehab", "habibi", "salam", "nada", "said", "van", "dan", "ben", "per", "bo"}


def test_the_lower_case_list_has_no_danish_word_with_the_common_names():
    a = Anonymiser()
    with_common, _ = an._lower_listed(a.first, a.last)
    danish_only, _ = an._lower_listed(a.first, a.last, frozenset())
    assert danish_only < with_common and {"fatima", "yılmaz", "nguyen"} <= with_common - danish_only
    assert not Anonymiser(broad=False).mask("fatima") != "fatima"  # without the broad lists: none


# --------------------------------------------------------------------------- addresses

@pytest.mark.parametrize("text, masked", [
    ("Jeg bor på Åboulevarden 3, 1. th.", "Jeg bor på [adresse]."),
    ("Ved Stranden 4", "[adresse]"), ("Han bor ved Stranden 4 nu.", "Han bor [adresse] nu."),
    ("Torvet 3", "[adresse]"), ("Engen 5", "[adresse]"), ("Skovbrynet 22", "[adresse]"),
    ("nørrebrogade 12", "[adresse]"), ("nørrebrogade 12 2tv", "[adresse]"),
    ("jeg bor på nørrebrogade 12, 3. sal nu", "jeg bor på [adresse] nu"),
    ("Åboulevarden 3, 1. th, 8000 Aarhus C", "[adresse]"),
    ("Vestergade 12-14", "[adresse]"), ("Vestergade 12B, st. tv", "[adresse]"),
    ("Jeg bor på Stranden 4.", "Jeg bor på [adresse]."),
    # the sentence keeps its full stop (the abbreviation's dot is left outside the tag)
    ("Min adresse er Solsikken 12, 2. th. Kom forbi.", "Min adresse er [adresse]. Kom forbi."),
    ("Vi er flyttet til Lærkevej 3", "Vi er flyttet til [adresse]"),
    ("Hun boede på Kildebakken 7 før.", "Hun boede på [adresse] før."),
])
def test_street_addresses_the_tester_found_left(anon, text, masked):
    assert anon.mask(text) == masked
    assert all(s.kind == "adresse" for s in anon.spans(text))


@pytest.mark.parametrize("text", [
    "Kapitel 3 handler om boligen.", "Se Bilag 2 og side 12.", "Interviewer 2 spurgte igen.",
    "Vi mødes kl. 14 på torvet.", "Han er 34 år og har boet der længe.", "I 2006 boede jeg på gaden i 3 måneder.",
    "Vi har været på legepladsen 3 gange og i haven 2 timer.", "Han er på vej 3 gange om dagen.",
    "Hun bor på Bosted 2 gange om ugen.", "bor på værelse 12 nu", "Jeg bor ved siden af 3 andre.",
    "Tabel 4.1 viser 40 28 14 2.",
])
def test_numbers_that_are_no_address_stay(anon, text):
    assert anon.mask(text) == text


def test_a_town_and_a_year_or_count_after_a_cue_is_no_address(anon):
    assert anon.mask("Jeg bor i Aarhus 3 år endnu.") == "Jeg bor i [sted] 3 år endnu."
    assert anon.mask("Jeg flyttede til Odense 2010.") == "Jeg flyttede til [sted] 2010."


# --------------------------------------------------------------------------- case numbers

@pytest.mark.parametrize("text, masked", [
    ("Sagsnr. 27.12.08-P20-1-23.", "Sagsnr. [sagsnr]."),
    ("Sag 2023-0456789", "Sag [sagsnr]"),
    ("Sagsnummer S-2023-12345", "Sagsnummer [sagsnr]"),
    ("journal nr. 2023-12345", "journal nr. [sagsnr]"),
    ("Journalnr. 12-3456", "Journalnr. [sagsnr]"),
    ("J.nr. 19-12345 og j.nr.2020-5555", "J.nr. [sagsnr] og j.nr.[sagsnr]"),
    ("sag nr. 2023/000123 blev lukket", "sag nr. [sagsnr] blev lukket"),
    ("Sagsnr: 123456", "Sagsnr: [sagsnr]"),
])
def test_case_numbers_are_masked(anon, text, masked):
    assert anon.mask(text) == masked
    assert {s.kind for s in anon.spans(text)} == {"sagsnr"}
    assert an.TAGS["sagsnr"] == "[sagsnr]" and "sagsnr" in an.KINDS


@pytest.mark.parametrize("text", [
    "Det er sag nr. 2 for mig.", "Sagen fra 2019 er lukket.", "Det var en sag 3 gange om året.",
    "Vi har fået 2 sager og 12000 kr.", "Den sag tog 14 dage.",
])
def test_counts_and_years_after_sag_stay(anon, text):
    assert anon.mask(text) == text


# --------------------------------------------------------------------------- dates of birth, spaced CPR, e-mail words

@pytest.mark.parametrize("text, masked", [
    ("Han er født 01.01.1990 i Vejle.", "Han er født [fødselsdato] i [sted]."),
    ("født d. 3. marts 1985", "født d. [fødselsdato]"),
    ("Hun er født den 1. januar 1990.", "Hun er født den [fødselsdato]."),
    ("Fødselsdato: 12-05-1978.", "Fødselsdato: [fødselsdato]."),
    ("Fødselsdatoen er 12/5-78", "Fødselsdatoen er [fødselsdato]"),
    ("f. 12.5.78, bor alene", "f. [fødselsdato], bor alene"),
    ("fødselsdag 010190", "fødselsdag [fødselsdato]"),
    ("FØDT 1 JAN. 1990", "FØDT [fødselsdato]"),
    # a reviewer's forms
    ("født 1990-01-01", "født [fødselsdato]"), ("født 1.januar 1990", "født [fødselsdato]"),
    ("født 3.4. 2015", "født [fødselsdato]"), ("født d. 1/1 1990", "født d. [fødselsdato]"),
    ("fødselsdato 1. jan 90", "fødselsdato [fødselsdato]"), ("født 1. januar, 1990", "født [fødselsdato]"),
])
def test_a_date_of_birth_after_its_cue_is_masked(anon, text, masked):
    assert anon.mask(text) == masked
    assert "fødselsdato" in {s.kind for s in anon.spans(text)}


@pytest.mark.parametrize("text", [
    "Han blev født 1990.", "mødet 01.02.2024 gik godt", "ref. 12.05.2020 kl 3", "f.eks. 12 gange",
    "Han er f. 1990", "Barnet blev født for 3 år siden.",
])
def test_a_year_of_birth_or_a_date_without_the_cue_stays(anon, text):
    assert anon.mask(text) == text


def test_a_cpr_number_with_its_birth_cue_is_still_a_cpr_number(anon):
    assert anon.mask("født 010190-1234 i Vejle") == "født [cpr] i [sted]"


@pytest.mark.parametrize("text, masked", [
    ("CPR 0101 90 1234", "CPR [cpr]"),
    ("cpr 010 190 1234", "cpr [cpr]"),
    ("cpr: 0 1 0 1 9 0 - 1 2 3 4.", "cpr: [cpr]."),
    # the cue as Danish writes it: «CPR-nummer», «cprnummer», «CPR-nummeret er», «personnummer»
    ("CPR-nummer 0101 90 1234", "CPR-nummer [cpr]"),
    ("cprnummer: 0101 90 1234", "cprnummer: [cpr]"),
    ("Hendes CPR-nummeret er 0101 90 1234.", "Hendes CPR-nummeret er [cpr]."),
    ("mit cpr er 0101 90 1234", "mit cpr er [cpr]"),
    ("personnummer 0101 90 1234", "personnummer [cpr]"),
])
def test_a_cpr_number_after_cpr_in_any_spacing_is_masked(anon, text, masked):
    assert anon.mask(text) == masked


@pytest.mark.parametrize("text, masked", [
    ("skriv til ahmad (at) gmail (dot) com", "skriv til [adresse]"),
    ("skriv til ahmad [at] gmail [dot] dk i dag", "skriv til [adresse] i dag"),
    ("kontakt mig på mette at gmail dot com", "kontakt mig på [adresse]"),
])
def test_an_e_mail_written_with_at_and_dot_words_is_masked(anon, text, masked):
    assert anon.mask(text) == masked


@pytest.mark.parametrize("text", ["Vi gik for at se det.", "Han prøvede at ringe, men det var dot-com-tiden.",
                                  "huske at ringe dot dot dot", "Vi har 1.000 kr. og født 3 børn"])
def test_at_and_dot_in_ordinary_sentences_stay(anon, text):
    assert anon.mask(text) == text


@pytest.mark.parametrize("text, masked", [
    ("Jeg bor på Vestergade 3, 1. th. Det er fint.", "Jeg bor på [adresse]. Det er fint."),
    ("Jeg bor på Vestergade 3, 1. th.", "Jeg bor på [adresse]."),
    ("bor på Vestergade 3, 1. th. og så", "bor på [adresse] og så"),  # mid-sentence: the dot was the abbreviation's
])
def test_an_address_ending_the_sentence_leaves_its_full_stop(anon, text, masked):
    assert anon.mask(text) == masked


def test_every_description_of_the_masking_names_every_tag():
    text = an.masked_kinds_text()
    for kind in an.KINDS:
        assert an.TAGS[kind] in text and an.KIND_NOUNS[kind] in text
    assert text.endswith("og [fødselsdato]")


# --------------------------------------------------------------------------- the command

def test_cli_masks_the_reproductions(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("BRUGERBLIK_DB", raising=False)
    monkeypatch.setattr("survey.db.default_url", lambda: f"sqlite:///{tmp_path / 'nope' / 'x.db'}")
    monkeypatch.setattr(sys, "stdin", io.StringIO(
        "i går så jeg ayşe yılmaz.\njørgen ølgaard ringede.\nVestergade 12-14\nSag 2023-0456789\n"))
    assert main(["anonymise", "-"]) == 0
    assert capsys.readouterr().out == "i går så jeg [navn].\n[navn] ringede.\n[adresse]\nSag [sagsnr]\n"
