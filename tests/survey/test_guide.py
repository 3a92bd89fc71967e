import shutil

import pytest
from openpyxl import load_workbook

from survey.guide import DEFAULT_GUIDE, IDENTIFIER_COLUMN, GuideError, load_guide, shown_value
from tests.conftest import shared_or_copy

PROBES = ["rytme", "kontakt", "sjovt", "mod", "arbejdsmarked", "faglige_evner", "bolig", "sundhed",
          "familie", "virksomheder", "skrive_laese", "jobsoegning"]


def test_bundled_guide_has_every_code_of_the_instrument(guide):
    spec = shared_or_copy("spec/instrument.md", "instrument.md").read_text(encoding="utf-8")
    import re
    spec_codes = set(re.findall(r"^\| `([a-z_]+)`", spec, flags=re.M))
    spec_codes |= {"loennet_arbejde_hvad", "arbejdsrytme", "hverdagsrutine", "kan_bruge_senere",
                   "overensstemmelse", "anderledes", "andre_problemer_foerst", "samarbejde_beskrivelse",
                   "kunne_vaere_bedre_hvordan", "godt_tilbud", "fremtid", "fremtid_fokus", "offentlige_bidrag",
                   "arketype", "brugergruppe", "arbejdsmarkedsperspektiv"}
    spec_codes -= {"den_aeldre", "gamle_junkie", "unge_misbruger", "eks_misbruger", "psykisk_paafaldende",
                   "socialt_udfordrede", "etniske", "dovne"}  # archetype codes are choices, not items
    missing = spec_codes - set(guide.codes)
    assert not missing
    assert sorted(p.code for p in guide.probes) == sorted(PROBES)
    for p in PROBES:
        assert guide.item(f"{p}_vigtigt").choice_values() == ["ja", "nej", "uklart"]
        assert guide.item(p).choice_values() == ["ja", "nej", "ikke_relevant", "uklart"]
        assert guide.item(f"{p}_note").type == "text"
    assert guide.item("rytme").label == "Har tilbuddet givet dig en rytme i hverdagen?"


def test_values_of_the_instrument(guide):
    assert guide.item("tilbudstype").choice_values() == ["boform_vaerested", "udenfor", "ordinaert_arbejde",
                                                         "andet", "intet_tilbud"]
    assert guide.item("samarbejde").choice_values() == ["positivt", "neutralt", "negativt", "ingen_vurdering"]
    assert guide.item("problemer").type == "select_multiple"
    assert guide.item("selvplacering").choice_values()[0] == "den_aeldre"
    assert guide.item("hvorfor_her").hint.startswith("Indfang:")
    assert guide.version and guide.form_id == "brugerblik_bruger"


def test_relevance_from_the_guide(guide):
    assert not guide.is_relevant("rytme_vigtigt", {})
    assert not guide.is_relevant("rytme_vigtigt", {"rytme": "ikke_relevant"})
    assert guide.is_relevant("rytme_vigtigt", {"rytme": "nej"})
    assert guide.is_relevant("hvem_bestemte", {})
    assert not guide.is_relevant("hvem_bestemte", {"tilbudstype": "intet_tilbud"})
    assert guide.is_relevant("loennet_arbejde_hvad", {"loennet_arbejde": "ja"})


@pytest.mark.parametrize("code, raw, canonical", [
    ("age", "42", "42"), ("age", 42.0, "42"), ("age", " 42 ", "42"),
    ("varighed_mdr", "2,5", "2.5"), ("varighed_mdr", "3.0", "3"), ("varighed_mdr", 0, "0"),
    ("interview_date", "2006-03-01", "2006-03-01"),
    ("problemer", "gaeld; sociale", "sociale;gaeld"), ("problemer", "psykisk psykisk", "psykisk"),
    ("gender", "Mand", "mand"), ("gender", "KVINDE", "kvinde"),
    ("hvorfor_her", "Linje 1\r\nLinje 2\x07", "Linje 1\nLinje 2"),
    ("hvorfor_her", "=SUM(A1)", "=SUM(A1)"),
    ("respondent_id", " AMA-01 ", "AMA-01"),
    ("age", "", None), ("age", None, None), ("hvorfor_her", "   ", None),
])
def test_check_value_canonical(guide, code, raw, canonical):
    value, problem = guide.check_value(code, raw)
    assert problem is None
    assert value == canonical


@pytest.mark.parametrize("code, raw, allowed", [
    ("age", "abc", "heltal 16–110"), ("age", "15", "heltal 16–110"), ("age", "4.5", "heltal"),
    ("skoleaar", "26", "0–25"), ("varighed_mdr", "-1", "0–600"),
    ("interview_date", "01-03-2006", "ÅÅÅÅ-MM-DD"), ("interview_date", "2006-02-30", "ÅÅÅÅ-MM-DD"),
    ("gender", "m", "kvinde, mand"), ("problemer", "gaeld;poker", "sociale"),
    ("respondent_id", "010190-1234", "aldrig navn eller CPR"), ("respondent_id", "0101901234", "CPR"),
    ("respondent_id", "AMA 01", "pseudonym"), ("hvorfor_her", "x" * 100_001, "højst 100000"),
])
def test_check_value_refusals_say_what_is_allowed(guide, code, raw, allowed):
    value, problem = guide.check_value(code, raw)
    assert value is None and problem is not None
    assert allowed in problem.text("da")
    assert problem.text("en").startswith(("allowed:", problem.reason_en or "allowed:"))


@pytest.mark.parametrize("code, raw", [
    ("age", "4e1"), ("age", "4E1"), ("age", "1_000"), ("age", "٤١"), ("age", "４１"), ("age", "4 1"),
    ("age", "0x29"), ("age", "+-41"), ("varighed_mdr", "1e1"), ("varighed_mdr", "2,5e0"), ("varighed_mdr", "1_0"),
    ("varighed_mdr", "٣"), ("varighed_mdr", "2,,5"), ("varighed_mdr", "2.5.1"),
])
def test_a_number_is_stored_as_typed_or_refused_never_read_as_another(guide, code, raw):
    """«4e1» is not 40, «1_000» not 1000, «٤١» (Arabic-Indic digits) not 41: Decimal reads them all,
    so without the plain-number rule they were stored as numbers the interviewer never wrote."""
    value, problem = guide.check_value(code, raw)
    assert value is None and problem is not None
    assert problem.text("da").startswith(("skriv kun cifrene 0-9", "tilladt:"))
    assert raw not in problem.text("da")  # what was typed is never quoted


@pytest.mark.parametrize("code, raw, reason", [
    ("age", "1.000", "tusindtal"), ("age", "12,000", "tusindtal"), ("age", "4e1", "cifrene 0-9"),
    ("age", "٤١", "cifrene 0-9"), ("age", "4" * 5000, "højst 30 tegn"),
    # a tester: «1.000» in a decimal field was stored as 1 (and «1.500» as 1.5)
    ("varighed_mdr", "1.000", "tusindtal"), ("varighed_mdr", "1,500", "tusindtal"), ("varighed_mdr", "2,125", "tusindtal"),
    ("varighed_mdr", "9" * 31, "højst 30 tegn"),
])
def test_a_refused_number_says_why(guide, code, raw, reason):
    """A point or comma before three digits may be Danish thousands («1.000» = 1000): asked, not guessed."""
    value, problem = guide.check_value(code, raw)
    assert value is None and reason in problem.text("da") and problem.allowed_da in problem.text("da")


@pytest.mark.parametrize("code, raw, canonical", [
    ("age", "+41", "41"), ("age", "41,0", "41"), ("age", "41.00", "41"), ("age", "041", "41"),
    ("varighed_mdr", ",5", "0.5"), ("varighed_mdr", "0,125", "0.125"), ("varighed_mdr", "2,1250", "2.125"),
    ("varighed_mdr", "123,5000", "123.5"),
    ("varighed_mdr", 1e1, "10"), ("age", 4e1, "40"),  # a spreadsheet's number cell is a number, not text
])
def test_plain_numbers_and_spreadsheet_numbers_are_still_read(guide, code, raw, canonical):
    assert guide.check_value(code, raw) == (canonical, None)


def _broken(tmp_path, edit):
    p = tmp_path / "guide.xlsx"
    shutil.copy(DEFAULT_GUIDE, p)
    wb = load_workbook(p)
    edit(wb)
    wb.save(p)
    return p


def _problems(tmp_path, edit):
    with pytest.raises(GuideError) as e:
        load_guide(_broken(tmp_path, edit))
    return e.value.problems


def _row_of(wb, code):
    ws = wb["survey"]
    for row in ws.iter_rows(min_row=2):
        if row[1].value == code:
            return row[0].row
    raise AssertionError(code)


def test_broken_guide_unknown_type_names_sheet_row_and_type(tmp_path):
    def edit(wb):
        wb["survey"].cell(_row_of(wb, "age"), 1).value = "intger"
    row = _row_of(load_workbook(DEFAULT_GUIDE), "age")
    problems = _problems(tmp_path, edit)
    assert problems == [f"ark 'survey', række {row}, kolonne 'type': ukendt type 'intger' — tilladt: "
                        "text, integer, decimal, date, select_one, select_multiple, begin_group, end_group, note"]


def test_broken_guide_reports_every_problem(tmp_path):
    def edit(wb):
        ws = wb["survey"]
        ws.cell(_row_of(wb, "gender"), 1).value = "select_one no_such_list"
        ws.cell(_row_of(wb, "skoleaar"), 2).value = "age"                      # duplicate code
        ws.cell(_row_of(wb, "uddannelse"), 6).value = "${nosuch} = 'ja'"       # unknown reference
        ws.cell(_row_of(wb, "hverdag"), 6).value = "string-length(.) > 3"     # outside the subset
        ws.cell(_row_of(wb, "arbejdsrytme"), 5).value = "maybe"               # required
    problems = _problems(tmp_path, edit)
    text = "\n".join(problems)
    assert len(problems) == 5, text
    assert "listen 'no_such_list' findes ikke på arket 'choices'" in text
    assert "koden 'age' står allerede i række" in text
    assert "henviser til ${nosuch}" in text
    assert "funktionen string-length() understøttes ikke" in text
    assert "kolonne 'required': 'maybe'" in text
    assert all(p.startswith("ark 'survey', række ") for p in problems)


def test_broken_guide_missing_sheet_and_version(tmp_path):
    assert _problems(tmp_path, lambda wb: wb.remove(wb["choices"])) == [
        "ark 'choices' mangler (arkene skal hedde survey, choices og settings)"]

    def no_version(wb):
        ws = wb["settings"]
        for c in ws[1]:
            if c.value == "version":
                ws.cell(2, c.column).value = None
    assert any("kolonne 'version': mangler" in p for p in _problems(tmp_path, no_version))


def test_broken_guide_bad_choice_and_unclosed_group(tmp_path):
    def edit(wb):
        wb["choices"].cell(3, 2).value = "to ord"
        ws = wb["survey"]
        for row in ws.iter_rows(min_row=2):
            if row[0].value == "end_group":
                row[0].value = None
                row[1].value = None
                row[2].value = None
                break
    problems = _problems(tmp_path, edit)
    assert any(p.startswith("ark 'choices', række 3, kolonne 'name': 'to ord'") for p in problems)
    assert any("lukkes aldrig med end_group" in p for p in problems)


def test_not_a_workbook(tmp_path):
    p = tmp_path / "guide.xlsx"
    p.write_bytes(b"\x89PNG\r\n\x1a\nnot a workbook")
    with pytest.raises(GuideError, match="kan ikke læses som .xlsx") as e:
        load_guide(p)
    assert "zip-arkiv" in str(e.value) and "Error" not in str(e.value)
    import zipfile

    with zipfile.ZipFile(p, "w") as zf:   # a zip, but its workbook part is an XML bomb: openpyxl's English not shown
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><Types/>')
        zf.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(GuideError, match=r"kan ikke læses som \.xlsx \((dens XML er ikke tilladt|den er beskadiget)"):
        load_guide(p)
    with pytest.raises(GuideError, match="findes ikke"):
        load_guide(tmp_path / "missing.xlsx")


def test_pyxform_checks_the_guide_too(tmp_path):
    # a group sharing its name with a question passes our row checks; pyxform refuses it at load
    def edit(wb):
        ws = wb["survey"]
        for row in ws.iter_rows(min_row=2):
            if row[0].value == "begin_group" and row[1].value == "om_dig":
                row[1].value = "aktivering"
    problems = _problems(tmp_path, edit)
    assert len(problems) == 1 and "aktivering" in problems[0], problems


# ---------------------------------------------------------------- identifiers marked in the guide (issue 12)

def _mark(wb, code: str, value) -> None:
    ws = wb["survey"]
    col = [c.value for c in ws[1]].index(IDENTIFIER_COLUMN) + 1
    ws.cell(_row_of(wb, code), col).value = value


def test_bundled_guides_mark_every_text_question():
    from survey.sources import INFORMANTS, guide_for

    expected = {"bruger": (["interviewer"], ["respondent_id"]),
                "sagsbehandler": (["interviewer"], ["respondent_id", "informant_id"]),
                "kontaktperson": (["interviewer"], ["respondent_id", "informant_id"]),
                "leder": (["interviewer"], ["informant_id"]),
                "journal": (["interviewer"], ["respondent_id"])}
    for informant in INFORMANTS:
        g = guide_for(informant)
        assert (g.identifier_codes(pseudonyms=False), g.pseudonym_codes()) == expected[informant], informant
        assert g.identifier_codes() == [c for c in g.codes if c in expected[informant][0] + expected[informant][1]]
        texts = [it for it in g.items.values() if it.type == "text"]
        # every text question is marked in the cell itself, none left to the default
        assert all(it.identifier_mark for it in texts), [it.code for it in texts if not it.identifier_mark]
        assert not any(it.identifier_mark for it in g.items.values() if it.type != "text")
        assert set(g.free_text_codes()) == {it.code for it in texts if it.identifier == "fritekst"}
    g = guide_for("bruger")
    assert g.item("site").identifier is None and g.item("site").identifier_mark == "nej"
    assert g.item("hvorfor_her").identifier == "fritekst" and g.item("age").identifier is None
    assert {"hvorfor_her", "udbytte_aabent", "rytme_note", "offentlige_bidrag"} <= set(g.free_text_codes())
    assert "site" not in g.free_text_codes() and "interviewer" not in g.free_text_codes()
    assert guide_for("sagsbehandler").item("kommune").identifier == "fritekst"


def test_identifier_marks_of_another_study(tmp_path):
    from tests.custom_guides import another_study

    g = load_guide(another_study(tmp_path / "anden.xlsx"))
    assert g.form_id == "anden_undersoegelse"
    assert g.identifier_codes(pseudonyms=False) == ["interviewer", "kontaktperson_navn", "foedselsdato"]
    assert g.pseudonym_codes() == ["respondent_id", "familie_id"]
    assert g.free_text_codes()[-2:] == ["hjemmet", "uden_markering"]  # blank text question: free text
    assert g.item("bydel").identifier is None and g.item("uden_markering").identifier_mark == ""
    # a field marked pseudonym is checked as one: never a CPR number, never a name
    assert g.check_value("familie_id", " FAM-7 ") == ("FAM-7", None)
    for bad in ("010203-1234", "Hans Hansen"):
        value, problem = g.check_value("familie_id", bad)
        assert value is None and "pseudonym" in problem.text("da")
    # a refused value of a closed type marked ja is never shown in a message; unmarked ones are
    assert shown_value(g.item("foedselsdato"), "1980-02-31") == (None, True)
    assert shown_value(g.item("age"), "200") == ("200", False)
    assert not g.item("foedselsdato").quotable and g.item("age").quotable


def test_guide_without_the_column_masks_every_text_but_the_respondent_id(tmp_path):
    from tests.custom_guides import another_study

    g = load_guide(another_study(tmp_path / "gammel.xlsx", drop_column=True))
    texts = [c for c, it in g.items.items() if it.type == "text"]
    assert g.pseudonym_codes() == ["respondent_id"] and g.identifier_codes(pseudonyms=False) == []
    assert g.free_text_codes() == [c for c in texts if c != "respondent_id"]  # site and interviewer too


@pytest.mark.parametrize("code, value, expected", [
    ("hverdag", "hemmelig", "{where}: 'hemmelig' — tilladt: ja (identificerer en person), pseudonym "
                            "(undersøgelsens pseudonym), fritekst (fritekst, der kan identificere), nej eller tom"),
    ("age", "fritekst", "{where}: fritekst gælder kun spørgsmål af typen text (et integer-svar er en kode, et tal "
                        "eller en dato) — tilladt her: ja, nej eller tom"),
    ("gender", "pseudonym", "{where}: pseudonym gælder kun spørgsmål af typen text (et select_one-svar er en "
                            "kode, et tal eller en dato) — tilladt her: ja, nej eller tom"),
    ("om_dig", "ja", "{where}: 'ja' står ved en begin_group — markeringen gælder kun spørgsmål"),
    ("respondent_id", "ja", "{where}: 'ja' — respondent_id er altid respondentens pseudonym (nøglen, der "
                            "forbinder alt om respondenten); tilladt: pseudonym eller tom"),
])
def test_unknown_or_misplaced_marks_are_refused_in_danish_naming_row_and_column(tmp_path, code, value, expected):
    row = _row_of(load_workbook(DEFAULT_GUIDE), code)
    problems = _problems(tmp_path, lambda wb: _mark(wb, code, value))
    assert problems == [expected.format(where=f"ark 'survey', række {row}, kolonne '{IDENTIFIER_COLUMN}'")]


def test_marks_are_read_case_insensitively_and_nej_means_neither(tmp_path):
    def edit(wb):
        _mark(wb, "hverdag", " Nej ")
        _mark(wb, "gender", "JA")
    p = tmp_path / "guide.xlsx"
    wb = load_workbook(DEFAULT_GUIDE)
    edit(wb)
    wb.save(p)
    g = load_guide(p)
    assert g.item("hverdag").identifier is None and "hverdag" not in g.free_text_codes()
    assert g.item("gender").identifier == "ja" and "gender" in g.identifier_codes()


@pytest.mark.parametrize("typed, day", [
    ("05.11.2026", "2026-11-05"), ("5.1.2026", "2026-01-05"), ("05-11-2026", "2026-11-05"),
    ("05/11/2026", "2026-11-05"), ("05112026", "2026-11-05"), (" 2026-11-05 ", "2026-11-05"),
    ("29.02.2024", "2024-02-29"),
])
def test_a_date_as_the_interviewer_types_it(typed, day):
    """The interview page's dates are typed in Danish order; each form is the one day it names."""
    from survey.guide import read_typed_date

    assert read_typed_date(typed).isoformat() == day


@pytest.mark.parametrize("typed, says", [
    ("31.04.2025", "datoen findes ikke — april 2025 har 30 dage"),   # never the month's last day, as a date picker made it
    ("29.02.2025", "februar 2025 har 28 dage"), ("2025-02-30", "februar 2025 har 28 dage"),
    ("05.13.2025", "datoen findes ikke — skriv den som dd.mm.åååå"),
    ("05.11.26", "skriv datoen som dd.mm.åååå"),       # a two-digit year: which century?
    ("5.11-2026", "skriv datoen som dd.mm.åååå"), ("051126", "skriv datoen som dd.mm.åååå"),
    ("i går", "skriv datoen som dd.mm.åååå"), ("٠٥.١١.٢٠٢٦", "skriv datoen som dd.mm.åååå"),
])
def test_a_typed_date_that_is_no_day_is_refused_in_danish(typed, says):
    from survey.guide import read_typed_date

    with pytest.raises(ValueError) as e:
        read_typed_date(typed)
    assert says in str(e.value) and typed.strip() not in str(e.value)   # never quotes what was typed


def test_typed_dates_within_the_interviews_limits(guide):
    """The interview's own date: 2000 to today; a journal's plan may lie five years ahead. An import
    takes ISO only (the check itself is unchanged)."""
    import datetime as dt

    from survey.sources import guide_for

    today = dt.date(2026, 12, 6)
    assert guide.read_typed("interview_date", "06.12.2026", today) == ("2026-12-06", None)
    assert "uden for det tilladte" in guide.read_typed("interview_date", "07.12.2026", today)[1]
    assert "tilladt: 01.01.2000 til 06.12.2026" in guide.read_typed("interview_date", "31.12.1999", today)[1]
    j = guide_for("journal")
    assert j.read_typed("handleplan_dato", "01.12.2031", today) == ("2031-12-01", None)
    assert j.read_typed("handleplan_dato", "01.01.2040", today)[1] is not None
    assert guide.read_typed("age", "05.11.2026", today) == ("05.11.2026", None)   # not a date item: as given
    assert guide.check_value("interview_date", "05.11.2026")[1] is not None        # an import: ISO only


@pytest.mark.parametrize("code, typ", [("interview_date", "date"), ("interviewer", "text")])
def test_a_guide_without_the_interviews_own_fields_is_refused(tmp_path, code, typ):
    """Every interview page shows and saves the interviewer and the date: a guide without them was loaded and
    the page «Om interviewet» then failed in front of the respondent. Now the guide check names what is missing."""
    wb = load_workbook(DEFAULT_GUIDE)
    ws = wb["survey"]
    col = [c.value for c in ws[1]].index("name") + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col).value == code)
    ws.delete_rows(row)
    wb.save(tmp_path / "uden.xlsx")
    with pytest.raises(GuideError) as e:
        load_guide(tmp_path / "uden.xlsx")
    assert e.value.problems == [f"ark 'survey': koden {code!r} mangler — hvert interview har en interviewer og en "
                                f"interviewdato; tilføj en række med type {typ} og navnet {code}"]
    # the same field with another type is refused with its row
    wb = load_workbook(DEFAULT_GUIDE)
    ws = wb["survey"]
    tcol = [c.value for c in ws[1]].index("type") + 1
    other = "integer"
    ws.cell(row, tcol).value = other
    wb.save(tmp_path / "forkert.xlsx")
    with pytest.raises(GuideError) as e:
        load_guide(tmp_path / "forkert.xlsx")
    assert e.value.problems == [f"ark 'survey', række {row}, kolonne 'type': {code} skal have typen {typ}, "
                                f"ikke {other}"]


def test_a_guide_copied_in_with_its_old_time_kept_is_read_again(tmp_path):
    """A reviewer: the in-process guide cache was keyed by the file's modification time, and a corrected guide
    copied over the old one with `cp -p` (the copy's time kept) was not read again until the app restarted."""
    import os

    from tests.custom_guides import edited_guide, set_cell

    path = tmp_path / "guide.xlsx"
    shutil.copy(DEFAULT_GUIDE, path)
    old = load_guide(path)
    new = edited_guide(tmp_path / "ny.xlsx", set_cell("settings", {}, "version", "2099.1"))
    before = os.stat(path)
    shutil.copyfile(new, path)                                    # the same file (inode), its content replaced
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))   # … and its old time kept, as cp -p does
    assert os.stat(path).st_mtime_ns == before.st_mtime_ns
    assert load_guide(path).version == "2099.1" != old.version
