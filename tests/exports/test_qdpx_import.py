"""REFI-QDA project import (issue 15, exports/qdpx_import.py): our own export round trip, projects
written by hand in the shapes NVivo, MAXQDA, ATLAS.ti and QualCoder produce, and hostile files —
each refused with a Danish message naming where, never the file's text, and the store unchanged."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from lxml import etree
from sqlalchemy import func, select

from brugerblik.cli import main
from coding import codebook
from coding import transcripts as tr
from exports import qdpx
from exports import qdpx_import as QI
from exports.qdpx import NS
from survey.db import make_engine, session_scope
from survey.demo import load_demo
from survey.models import AuditEntry

Q = f"{{{NS}}}"
TRANSCRIPT_1 = """I: Hvad laver du på en normal hverdag?
B: Jeg kommer her hver morgen, det giver mig en rytme i hverdagen.

B: Min kontaktperson ringer, når jeg ikke kommer.
I: Og sagsbehandleren?
B: Hende har jeg ikke set i et halvt år. Jeg føler mig syltet.
"""
TRANSCRIPT_2 = """I: Hvad får du ud af at komme her?
B: Samvær med de andre. Ellers sidder jeg bare alene.
"""
MEMO = "Rytmen nævnes to gange."
SECRET = "Kirsten Vestergaard"  # a name in hostile files: never in a message


# ---------------------------------------------------------------- stores

def _demo(db_factory, guide):
    engine = make_engine(db_factory.new())
    assert load_demo(engine, guide) == 61
    return engine


def _coded(engine):
    with session_scope(engine) as s:
        codebook.ensure_seeded(s)
        t1 = tr.import_transcript(s, "AMA-01", TRANSCRIPT_1.encode(), "samtale.txt", who="Lise Berg")
        t2 = tr.import_transcript(s, "TRE-05", TRANSCRIPT_2.encode(), "tre05.txt", who="Ole Dahl")
        g1, g2 = tr.segments_for(s, t1.id), tr.segments_for(s, t2.id)
        tr.code_segment(s, g1[1].id, ["rytme_i_hverdagen", "udbytte"], memo=MEMO, who="Lise Berg")
        tr.code_segment(s, g1[2].id, ["rytme_i_hverdagen"], who="Lise Berg")
        tr.code_segment(s, g1[4].id, ["sagsbehandler", "syltet_af_systemet"], who="Ole Dahl")
        tr.code_segment(s, g2[1].id, ["socialt_samvaer"], who="Ole Dahl")


def _counts(engine) -> tuple[int, int, int, int]:
    with session_scope(engine) as s:
        return tuple(s.execute(select(func.count()).select_from(m)).scalar_one()
                     for m in (codebook.Code, tr.Transcript, tr.SegmentCode, AuditEntry))


@pytest.fixture(scope="module")
def exported(db_factory, guide, tmp_path_factory):
    """Store A (the demo, the seeded codebook, two coded transcripts) and its unmasked export."""
    a = _demo(db_factory, guide)
    _coded(a)
    path = tmp_path_factory.mktemp("refi") / "a.qdpx"
    qdpx.export_qdpx(a, guide, path, anonymised=False)
    yield path
    a.dispose()


@pytest.fixture
def fresh(db_factory, guide):
    """Store B: the same demo respondents and answers, no codebook, no transcripts."""
    b = _demo(db_factory, guide)
    yield b
    b.dispose()


# ---------------------------------------------------------------- comparing projects

def _canonical(data: bytes) -> tuple[str, dict[str, bytes]]:
    """project.qde with every GUID renumbered by first appearance, and the source files by new name."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    root = etree.fromstring(files["project.qde"])
    number: dict[str, str] = {}

    def renum(g: str) -> str:
        return number.setdefault(g.lower(), f"g{len(number)}")

    for el in root.iter():
        for attr in ("guid", "targetGUID", "creatingUser"):
            if el.get(attr):
                el.set(attr, renum(el.get(attr)))
        if el.get("plainTextPath"):
            el.set("plainTextPath", "internal://" + renum(el.get("plainTextPath")[len("internal://"):-4]) + ".txt")
    sources = {f"internal://{number[n[len('sources/'):-4].lower()]}.txt": v for n, v in files.items()
               if n.startswith("sources/")}
    return etree.tostring(root, encoding="unicode"), sources


def test_round_trip_export_import_export_gives_the_same_project(exported, fresh, guide, tmp_path):
    r = QI.import_qdpx(fresh, guide, exported, who="Mette")
    assert [rid for rid, _ in r.transcripts] == ["AMA-01", "TRE-05"]
    assert (r.selections, r.codings, r.memos, r.widened, r.not_placed) == (4, 6, 2, 0, 0)  # the memo on two codes
    assert r.own > 0 and r.skipped == [] and r.values_compared > 0 and r.values_differ == 0
    assert len(r.codes.created) > 10 and r.codes.updated == []
    again = tmp_path / "b.qdpx"
    qdpx.export_qdpx(fresh, guide, again, anonymised=False)
    xml_a, files_a = _canonical(exported.read_bytes())
    xml_b, files_b = _canonical(again.read_bytes())
    assert files_a == files_b
    assert xml_a == xml_b
    # who ran the import is in the audit trail; the transcript keeps who made it
    with session_scope(fresh) as s:
        lines = s.execute(select(AuditEntry).where(AuditEntry.entity == "transcript")).scalars().all()
        assert {(a.who, a.new_value) for a in lines} == {("Mette", "samtale.txt"), ("Mette", "tre05.txt")}
        assert all("REFI-QDA-projekt" in a.note for a in lines)
    # the same project again: refused (the transcripts are there), nothing changed
    before = _counts(fresh)
    with pytest.raises(QI.QdpxImportError, match=r"Tekstkilde nr\. \d+ .*respondent AMA-01 har allerede"):
        QI.import_qdpx(fresh, guide, exported, who="Mette")
    assert _counts(fresh) == before


def test_an_anonymised_export_imports_too_its_coders_as_pseudonyms(db_factory, guide, fresh, tmp_path):
    a = _demo(db_factory, guide)
    _coded(a)
    path = tmp_path / "masked.qdpx"
    qdpx.export_qdpx(a, guide, path)
    a.dispose()
    r = QI.import_qdpx(fresh, guide, path, who="Mette")
    assert r.codings == 6
    with session_scope(fresh) as s:
        assert {c.who for c in s.execute(select(tr.SegmentCode)).scalars()} == {"Koder 1", "Koder 2"}
        names = set(s.execute(select(tr.Transcript.filename)).scalars())
    assert names == {"transskription 1"}  # one per respondent in an anonymised export


# ---------------------------------------------------------------- projects as the other tools write them

U1, U2 = "0b8f4f2e-5a4c-4f55-9d2c-111111111111", "0b8f4f2e-5a4c-4f55-9d2c-222222222222"
C_TOP, C_SUB, C_OTHER = ("7a1e0000-0000-4000-8000-00000000000%d" % i for i in (1, 2, 3))
S1, S2, S3, S4 = ("5c0c0000-0000-4000-8000-00000000000%d" % i for i in (1, 2, 3, 4))
V1 = "9e9e0000-0000-4000-8000-000000000001"
N1 = "4d4d0000-0000-4000-8000-000000000001"


def _guid(i: int) -> str:
    return f"3f3f0000-0000-4000-8000-{i:012d}"


def _project(body: str, files: dict[str, str | bytes] = (), *, name="Projekt") -> bytes:
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="{name}" origin="test">
{body}
</Project>"""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("project.qde", xml.encode("utf-8"))
        for n, v in dict(files).items():
            zf.writestr(n, v.encode("utf-8") if isinstance(v, str) else v)
    return buf.getvalue()


CODEBOOK = f"""<CodeBook><Codes>
  <Code guid="{C_TOP}" name="Hverdagsliv" isCodable="true" color="#FF0000">
    <Description>Om hverdagen</Description>
    <Code guid="{C_SUB}" name="Rytme" isCodable="true" color="#FF8080"/>
  </Code>
  <Code guid="{C_OTHER}" name="Ensomhed" isCodable="true" color="#0000FF"/>
</Codes></CodeBook>"""
NVIVO_TEXT = "I: Hvordan går dagen?\nB: Jeg står op klokken syv.\nB: Så går jeg herned.\n"


def _sel(i: int, text: str, part: str, codes: list[str], user: str = U1, extra: str = "", occurrence: int = 0) -> str:
    a = text.index(part)
    for _ in range(occurrence):
        a = text.index(part, a + 1)
    codings = "".join(f'<Coding guid="{_guid(100 + i * 10 + k)}" creatingUser="{user}" '
                      f'creationDateTime="2026-10-0{k + 1}T10:00:00Z"><CodeRef targetGUID="{c}"/>{extra}</Coding>'
                      for k, c in enumerate(codes))
    return (f'<PlainTextSelection guid="{_guid(i)}" startPosition="{a}" endPosition="{a + len(part)}" '
            f'creatingUser="{user}">{codings}</PlainTextSelection>')


def _segments(engine, rid: str) -> list[tuple[str, list[str], list[str], list[str]]]:
    """(text, code names, coders, memos) of a respondent's only transcript."""
    with session_scope(engine) as s:
        info = tr.list_transcripts(s, rid)
        assert len(info) == 1
        return [(g.text, [c.name for c in g.codes], [c.who for c in g.codes], [c.memo for c in g.codes if c.memo])
                for g in tr.segments_for(s, info[0].id)]


def test_an_nvivo_project_cases_variables_rich_and_plain_text_nested_codes_and_memos(fresh, guide, tmp_path):
    body = f"""<Users><User guid="{U1}" name="Anna Koder"/><User guid="{U2}" name="Bo Koder"/></Users>
{CODEBOOK}
<Variables><Variable guid="{V1}" name="gender" typeOfVariable="Text"/>
  <Variable guid="{_guid(900)}" name="Alder (NVivo)" typeOfVariable="Integer"/></Variables>
<Cases><Case guid="{_guid(800)}" name="AMA-01">
  <VariableValue><VariableRef targetGUID="{V1}"/><TextValue>Ukendt køn</TextValue></VariableValue>
  <VariableValue><VariableRef targetGUID="{_guid(900)}"/><IntegerValue>44</IntegerValue></VariableValue>
  <SourceRef targetGUID="{S1}"/></Case></Cases>
<Sources><TextSource guid="{S1}" name="Interview 1" richTextPath="internal://{S1}.docx" plainTextPath="internal://{S1}.txt"
  creatingUser="{U2}" creationDateTime="2026-09-30T08:00:00Z" modifiedDateTime="2026-10-01T08:00:00Z">
  <Description>Første interview</Description>
  {_sel(1, NVIVO_TEXT, "Jeg står op klokken syv.", [C_SUB, C_TOP], extra=f'<NoteRef targetGUID="{N1}"/>')}
  {_sel(2, NVIVO_TEXT, "herned", [C_OTHER], user=U2)}
</TextSource></Sources>
<Notes><Note guid="{N1}" name="Memo"><PlainTextContent>Tidlig morgen er vigtig.</PlainTextContent></Note></Notes>"""
    before = _counts(fresh)
    r = QI.import_qdpx(fresh, guide, _project(body, {f"sources/{S1}.txt": NVIVO_TEXT, f"sources/{S1}.docx": b"PK"}),
                       who="Mette")
    assert r.codes.created == ["hverdagsliv", "rytme", "ensomhed"]
    with session_scope(fresh) as s:
        codes = {c.key: c for c in codebook.all_codes(s)}
        assert codes["rytme"].parent_id == codes["hverdagsliv"].id and codes["hverdagsliv"].description == "Om hverdagen"
        assert (codes["hverdagsliv"].colour, codes["rytme"].colour, codes["ensomhed"].colour) == (
            "#FF0000", "#FF8080", "#0000FF")  # the colours are kept …
        t = s.execute(select(tr.Transcript)).scalars().all()[-1]
        assert (t.filename, t.imported_by, t.imported_at.isoformat()[:16]) == ("Interview 1", "Bo Koder",
                                                                               "2026-09-30T08:00")
    segs = _segments(fresh, "AMA-01")
    assert segs[1] == ("Jeg står op klokken syv.", ["Hverdagsliv", "Rytme"], ["Anna Koder"] * 2,
                       ["Tidlig morgen er vigtig."] * 2)
    assert segs[2][:3] == ("Så går jeg herned.", ["Ensomhed"], ["Bo Koder"])
    assert (r.selections, r.codings, r.widened, r.memos) == (2, 3, 1, 2)  # «herned» widened to its segment
    assert (r.values_compared, r.values_differ, r.unknown_variables) == (1, 1, 1)  # compared, never written
    assert _counts(fresh)[1] == before[1] + 1
    text = "\n".join(r.lines())
    assert "1 markering(er) dækkede ikke præcis ét segment" in text and "Intet er ændret i svarene" in text
    # … and written back: the project's export and the codebook's carry them
    again = tmp_path / "again.qdpx"
    qdpx.export_qdpx(fresh, guide, again, anonymised=False)
    with zipfile.ZipFile(again) as zf:
        root = etree.fromstring(zf.read("project.qde"))
    assert {c.get("name"): c.get("color") for c in root.iter(f"{Q}Code")} == {
        "Hverdagsliv": "#FF0000", "Rytme": "#FF8080", "Ensomhed": "#0000FF"}


def test_a_maxqda_project_without_cases_crlf_text_and_a_selection_over_two_paragraphs(fresh, guide):
    raw = "I: Hvad betyder stedet?  \r\n\r\n\r\nB: Alt.   \r\nDet er mit andet hjem.\r\n\r\nB: Og personalet er søde.\r\n"
    part = "Det er mit andet hjem.\r\n\r\nB: Og personalet"
    body = f"""<Users><User guid="{U1}" name="MAXQDA-bruger"/></Users>{CODEBOOK}
<Sources><TextSource guid="{S2}" name="TRE-05.txt" plainTextPath="internal://{S2}.txt">
  {_sel(1, raw, part, [C_OTHER])}
  {_sel(2, raw, "Alt.", [C_SUB])}
</TextSource></Sources>"""
    r = QI.import_qdpx(fresh, guide, _project(body, {f"sources/{S2}.txt": raw}), who="Mette")
    segs = _segments(fresh, "TRE-05")
    assert [t for t, *_ in segs] == ["Hvad betyder stedet?", "Alt.\nDet er mit andet hjem.", "Og personalet er søde."]
    assert [sorted(c) for _, c, *_ in segs] == [[], ["Ensomhed", "Rytme"], ["Ensomhed"]]
    assert (r.selections, r.codings, r.widened) == (2, 3, 2)


def test_qualcoder_inline_text_atlas_internal_guid_names_and_what_is_skipped(fresh, guide):
    inline = "I: Hvordan har du det?\nB: Godt, tak.\n"
    atlas = "I: Fortæl om din hverdag.\nB: Jeg går tur med hunden.\n"
    body = f"""<Users><User guid="{U1}" name="qualcoder"/></Users>{CODEBOOK}
<Cases><Case guid="{_guid(801)}" name="AMA-02"><SourceRef targetGUID="{S3}"/></Case></Cases>
<Sources>
  <TextSource guid="{S3}" name="interview.txt"><PlainTextContent>{inline}</PlainTextContent>
    {_sel(1, inline, "Godt, tak.", [C_TOP])}</TextSource>
  <TextSource guid="{S4}" name="AMA-03 – fokusgruppe" plainTextPath="internal://{{{S4.upper()}}}.txt">
    {_sel(2, atlas, "hunden", [C_SUB])}</TextSource>
  <TextSource guid="{_guid(700)}" name="Litteratur om væresteder"><PlainTextContent>Tekst.</PlainTextContent></TextSource>
  <TextSource guid="{_guid(701)}" name="AMA-04 ekstern" plainTextPath="relative://../../etc/passwd"/>
  <PDFSource guid="{_guid(702)}" name="Rapport.pdf" path="internal://{_guid(702)}.pdf"/>
</Sources>"""
    r = QI.import_qdpx(fresh, guide, _project(body, {f"sources/{{{S4.upper()}}}.txt": atlas}), who="Mette")
    assert [rid for rid, _ in r.transcripts] == ["AMA-02", "AMA-03"]
    assert _segments(fresh, "AMA-02")[1][:2] == ("Godt, tak.", ["Hverdagsliv"])
    assert _segments(fresh, "AMA-03")[1][:2] == ("Jeg går tur med hunden.", ["Rytme"])
    assert r.skipped == [3] and r.outside == [4] and r.other_sources == 1
    text = "\n".join(r.lines())
    assert "tekstkilde nr. 3" in text and "uden for projektfilen: tekstkilde nr. 4" in text
    assert "Litteratur" not in text and "passwd" not in text


def test_a_source_coded_as_a_whole_codes_every_segment_and_its_memo_is_reported(fresh, guide):
    """REFI's ``TextSource/Coding`` (NVivo's, ATLAS.ti's coding of a whole document) is not dropped:
    every segment of the transcript gets the code, with its coder and time; a memo on the whole source
    has no place in the study and is reported, not imported."""
    body = f"""<Users><User guid="{U1}" name="Anna Koder"/></Users>{CODEBOOK}
<Sources><TextSource guid="{S1}" name="AMA-01 – samtale" plainTextPath="internal://{S1}.txt">
  {_sel(1, NVIVO_TEXT, "herned", [C_SUB])}
  <Coding guid="{_guid(300)}" creatingUser="{U1}" creationDateTime="2026-10-05T09:00:00Z"><CodeRef targetGUID="{C_OTHER}"/></Coding>
  <NoteRef targetGUID="{N1}"/>
</TextSource></Sources>
<Notes><Note guid="{N1}" name="Om kilden"><PlainTextContent>{SECRET} var til stede.</PlainTextContent></Note></Notes>"""
    r = QI.import_qdpx(fresh, guide, _project(body, {f"sources/{S1}.txt": NVIVO_TEXT}), who="Mette")
    segs = _segments(fresh, "AMA-01")
    assert [(t, sorted(c)) for t, c, *_ in segs] == [("Hvordan går dagen?", ["Ensomhed"]),
                                                    ("Jeg står op klokken syv.", ["Ensomhed"]),
                                                    ("Så går jeg herned.", ["Ensomhed", "Rytme"])]
    assert {w for _, _, coders, _ in segs for w in coders} == {"Anna Koder"}
    assert (r.selections, r.codings, r.widened, r.whole_sources, r.source_notes) == (1, 4, 1, 1, 1)
    text = "\n".join(r.lines())
    assert "1 tekstkilde(r) var kodet som helhed" in text and "1 memo(er) til en hel tekstkilde er ikke importeret" in text
    assert SECRET not in text
    with session_scope(fresh) as s:  # the memo on the source went nowhere
        assert not s.execute(select(tr.SegmentCode).where(tr.SegmentCode.memo.is_not(None))).first()


def test_a_whole_source_coding_of_an_unknown_code_is_refused(fresh, guide):
    body = f"""{CODEBOOK}<Sources><TextSource guid="{S1}" name="AMA-01" plainTextPath="internal://{S1}.txt">
  <Coding guid="{_guid(300)}"><CodeRef targetGUID="{_guid(999)}"/></Coding></TextSource></Sources>"""
    before = _counts(fresh)
    with pytest.raises(QI.QdpxImportError) as e:
        QI.import_qdpx(fresh, guide, _project(body, {f"sources/{S1}.txt": NVIVO_TEXT}), who="Mette")
    assert re.search(r"Kodning i tekstkilde nr\. 1 \(linje \d+\) \(linje \d+\) henviser til en kode", str(e.value))
    assert "Intet er importeret" in str(e.value) and _counts(fresh) == before


def test_one_name_under_two_parents_gets_its_parents_name(fresh, guide):
    """NVivo allows «Andet» under two themes; the codebook's names are unique."""
    book = f"""<CodeBook><Codes>
  <Code guid="{C_TOP}" name="Hverdag" isCodable="true"><Code guid="{_guid(501)}" name="Andet" isCodable="true"/></Code>
  <Code guid="{C_OTHER}" name="Relationer" isCodable="true"><Code guid="{_guid(502)}" name="andet" isCodable="true"/>
  </Code></Codes></CodeBook>"""
    body = f"""{book}<Sources><TextSource guid="{S1}" name="AMA-01" plainTextPath="internal://{S1}.txt">
  {_sel(1, NVIVO_TEXT, "herned", [_guid(502)])}</TextSource></Sources>"""
    r = QI.import_qdpx(fresh, guide, _project(body, {f"sources/{S1}.txt": NVIVO_TEXT}), who="Mette")
    assert r.codes_renamed == 1 and "1 har fået overkodens navn i parentes" in r.lines()[0]
    with session_scope(fresh) as s:
        names = {e.name: e.parent_key for e in codebook.entries(s)}
    assert names["Andet"] == "hverdag" and names["andet (Relationer)"] == "relationer"
    assert _segments(fresh, "AMA-01")[2][1] == ["andet (Relationer)"]


def test_a_merge_keeps_the_studys_cue_words_description_and_colour(fresh, guide):
    with session_scope(fresh) as s:
        codebook.import_entries(s, [codebook.CodeEntry("rytme_egen", "Rytme", description="Vores beskrivelse",
                                                        cues=("morgen", "rytme"), colour="#123456")])
    body = f"""{CODEBOOK}<Sources><TextSource guid="{S1}" name="AMA-01" plainTextPath="internal://{S1}.txt">
  {_sel(1, NVIVO_TEXT, "Jeg står op klokken syv.", [C_SUB])}</TextSource></Sources>"""
    r = QI.import_qdpx(fresh, guide, _project(body, {f"sources/{S1}.txt": NVIVO_TEXT}), who="Mette")
    assert "rytme_egen" in r.codes.updated and "rytme" not in r.codes.created  # found by its name
    with session_scope(fresh) as s:
        e = next(x for x in codebook.entries(s) if x.key == "rytme_egen")
    # cue words kept (REFI has none), the description kept (the file has none), the file's colour taken
    assert (e.cues, e.description, e.colour, e.parent_key) == (("morgen", "rytme"), "Vores beskrivelse", "#FF8080",
                                                               "hverdagsliv")
    assert _segments(fresh, "AMA-01")[1][1] == ["Rytme"]


# ---------------------------------------------------------------- hostile files

def _zip(entries: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for n, v in entries.items():
            zf.writestr(n, v)
    return buf.getvalue()


def _source(text_attr: str, sel: str = "", name: str = "AMA-01 – x") -> str:
    return f"""<Users><User guid="{U1}" name="u"/></Users>{CODEBOOK}
<Sources><TextSource guid="{S1}" name="{name}" {text_attr}>{sel}</TextSource></Sources>"""


HOSTILE = {
    "not a zip": (b"%PDF-1.4 " + SECRET.encode(), r"ikke et gyldigt zip-arkiv"),
    "no project.qde": (_zip({"readme.txt": SECRET.encode()}), r"ingen project\.qde"),
    "a bomb": (_zip({"project.qde": b"<" + b" " * (80 * 1024 * 1024)}), r"fylder 80 MB udpakket \(højst 32 MB pr\. fil\)"),
    "doctype": (_zip({"project.qde": f'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x "{SECRET}">]><Project '
                                     f'xmlns="{NS}" name="&x;"/>'.encode()}), r"DOCTYPE"),
    "utf-16": (_zip({"project.qde": f'<Project xmlns="{NS}" name="{SECRET}"/>'.encode("utf-16")}), r"UTF-8"),
    "not xml": (_zip({"project.qde": f"<Project {SECRET}".encode()}), r"ikke velformet XML \(linje 1\)"),
    "wrong root": (_zip({"project.qde": f'<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="{SECRET}"/>'.encode()}),
                   r"rodelementet skal være Project"),
    "schema": (_project(f'<Users><User name="{SECRET}"/></Users>'), r"følger ikke REFI-QDA-skemaet.*linje 3"),
    "traversal": (_project(_source('plainTextPath="internal://../../../etc/passwd"')), r"ugyldigt navn"),
    "missing file": (_project(_source(f'plainTextPath="internal://{S1}.txt"')), r"findes ikke i projektfilens mappe"),
    "out of range": (_project(_source(f"plainTextPath=\"internal://{S1}.txt\"",
                                      f'<PlainTextSelection guid="{_guid(1)}" startPosition="5" endPosition="999">'
                                      f'<Coding guid="{_guid(2)}"><CodeRef targetGUID="{C_TOP}"/></Coding>'
                                      '</PlainTextSelection>'), {f"sources/{S1}.txt": f"B: {SECRET}"}),
                     r"Markering nr\. 1 i tekstkilde nr\. 1 \(linje \d+\) ligger uden for kildens tekst \(tilladt: 0 til 22 "),
    "unknown code": (_project(_source(f"plainTextPath=\"internal://{S1}.txt\"",
                                      f'<PlainTextSelection guid="{_guid(1)}" startPosition="0" endPosition="3">'
                                      f'<Coding guid="{_guid(2)}"><CodeRef targetGUID="{_guid(55)}"/></Coding>'
                                      '</PlainTextSelection>'), {f"sources/{S1}.txt": f"B: {SECRET}"}),
                     r"henviser til en kode, der ikke findes"),
    "unknown case": (_project(f'{CODEBOOK}<Cases><Case guid="{_guid(3)}" name="AMA-01"/><Case guid="{_guid(4)}" '
                              f'name="{SECRET}"/></Cases>'), r"Case nr\. 2 \(linje \d+\) er ikke en respondent"),
    "too many elements": (_zip({"project.qde": f'<Project xmlns="{NS}" name="p">'.encode() + b"<Note/>" * 500_001
                                + b"</Project>"}, zipfile.ZIP_STORED), r"for mange elementer \(højst 500\.000\)"),
    # a tester's 110 KB project of 4 million attributes the schema does not allow: 3 GB while the schema's
    # check listed each; counted before parsing now
    "too many attributes": (_zip({"project.qde": f'<Project xmlns="{NS}" name="p"><Note '.encode()
                                  + b" ".join(b'a%d=""' % i for i in range(1_000_001)) + b"/></Project>"}),
                            r"for mange attributter \(højst 1\.000\.000\)"),
    "too deep": (_zip({"project.qde": f'<Project xmlns="{NS}" name="{SECRET}">'.encode() + b"<Note>" * 300
                       + b"</Note>" * 300 + b"</Project>"}), r"indlejret for dybt \(linje 1; højst 256 niveauer\)"),
    # a flood of complaints (each code with attributes the schema does not allow): the first, in Danish,
    # and «mindst» how many more — the check stops listing them
    "schema flood": (_project(f'<CodeBook><Codes>' + "".join(
        f'<Code guid="{_guid(100 + i)}" name="c{i}" isCodable="true" x{i}="{SECRET}"/>' for i in range(300))
        + "</Codes></CodeBook>"), r"følger ikke REFI-QDA-skemaet \(Project\.xsd\): elementet '…', attributten '…': "
                                  r"attributten '…' er ikke tilladt\. \(og mindst 99 fejl mere\)"),
    "not utf-8 source": (_project(_source(f'plainTextPath="internal://{S1}.txt"'),
                                  {f"sources/{S1}.txt": f"B: {SECRET} æ".encode("latin-1")}), r"ikke UTF-8"),
}


def _damaged() -> bytes:
    """A project whose source file fails its CRC (one byte changed after zipping)."""
    data = _project(_source(f'plainTextPath="internal://{S1}.txt"'), {f"sources/{S1}.txt": f"B: {SECRET} hemmelig"})
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.getinfo(f"sources/{S1}.txt").compress_type == zipfile.ZIP_STORED
    return data.replace(b"hemmelig", b"hemmeliG")


HOSTILE["damaged source"] = (_damaged(), r"Tekstkilde nr\. 1 \(linje \d+\): filen i projektet er beskadiget")


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_projects_are_refused_naming_where_and_change_nothing(fresh, guide, case):
    data, pattern = HOSTILE[case]
    before = _counts(fresh)
    with pytest.raises(QI.QdpxImportError) as e:
        QI.import_qdpx(fresh, guide, data, who="Mette")
    msg = str(e.value)
    assert re.search(pattern, msg), msg
    assert SECRET not in msg and "passwd" not in msg and msg.endswith("Intet er importeret.")
    assert not re.search(r"The attribute|This element|Element '|Expected is", msg), msg   # libxml2's English
    assert _counts(fresh) == before


def test_a_withdrawn_respondent_refuses_the_import(fresh, guide):
    from survey import privacy

    privacy.withdraw(fresh, "AMA-01", "interview", reason="Ønsker ikke at deltage", who="Fie")
    before = _counts(fresh)
    data = _project(_source(f'plainTextPath="internal://{S1}.txt"'), {f"sources/{S1}.txt": "B: Hej.\n"})
    with pytest.raises(QI.QdpxImportError, match=r"Tekstkilde nr\. 1 \(linje \d+\) kan ikke blive en transskription"):
        QI.import_qdpx(fresh, guide, data, who="Mette")
    assert _counts(fresh) == before


def test_a_text_of_private_use_characters_gets_a_marker_it_does_not_hold():
    raw = "".join(chr(c) for c in range(0xE000, 0xE400)) + "\nB: ja"
    text, placed = QI._normalised_offsets(raw, [raw.index("ja"), len(raw)])
    assert text == tr.normalise_text(raw.replace(tr.SECTION_MARK, "")) and text[placed[0]:placed[1]] == "ja"


def test_offsets_carried_through_the_normalisation():
    raw = "\r\n\r\nI: Hej  \r\n\r\n\r\n\r\nB: Å\u030a ja.\t\r\nSå det.\u2028Slut"
    spans = [QI._snap(raw, a, b) for a, b in ((raw.index("Hej"), raw.index("Hej") + 5),
                                              (raw.index("ja"), len(raw)), (0, 3))]
    offsets = [o for a, b in spans if b > a for o in (a, b)]
    text, placed = QI._normalised_offsets(raw, offsets)
    assert text == tr.normalise_text(raw)
    assert text[placed[0]:placed[1]] == "Hej"
    assert text[placed[2]:placed[3]] == "ja.\nSå det.\nSlut"


def test_cli_imports_a_project_and_refuses_a_bad_one(exported, fresh, tmp_path, capsys):
    url = fresh.url.render_as_string(hide_password=False)
    assert main(["--db", url, "import", str(exported), "--who", "Mette"]) == 0
    out = capsys.readouterr().out
    assert "Transskriptioner: 2 (AMA-01: 5 segmenter, TRE-05: 2 segmenter)." in out
    assert "Kodede markeringer: 4, som 6 kodninger af segmenter; 2 med memo." in out
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(HOSTILE["unknown case"][0])
    assert main(["--db", url, "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "Case nr. 2" in err and SECRET not in err
