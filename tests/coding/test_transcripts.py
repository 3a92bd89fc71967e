"""Transcripts: import (.txt/.md/.docx, encodings), speaker turns and paragraphs with exact
offsets, refusals that write nothing, segment coding with memos, codings across respondents."""
from pathlib import Path

import docx
import pytest
from sqlalchemy import func, select

from coding import codebook
from coding import transcripts as tr
from coding.codebook import CodebookError, CodeDecision
from coding.transcripts import Segment, SegmentCode, Transcript, TranscriptError
from survey import store
from survey.db import session_scope
from survey.models import AuditEntry

DATA = Path(__file__).parent / "data"
DANSK = DATA / "interview_dansk.txt"

EXPECTED_DANSK = [
    ("", "", "Interview, værested, forår (syntetisk testtekst)"),
    ("I", "I", "Hvad laver du på en normal hverdag?"),
    ("B", "B", "Jeg kommer her om morgenen, når de åbner.\nSå får jeg kaffe og en bolle."),
    ("B", "B", "Bagefter hjælper jeg i køkkenet. Det giver mig en rytme i hverdagen."),
    ("I", "I", "Er det vigtigt for dig?"),
    ("B", "Bruger", "Ja. Uden det ville jeg bare ligge på sofaen."),
    ("I", "Int", "Og sagsbehandleren?"),
    ("B", "IP", "Hende har jeg ikke set i et halvt år."),
    ("B", "IP", "Hun svarer aldrig, når jeg ringer."),
]


@pytest.fixture
def ids(engine, guide):
    """Two respondents at two sites, and the seeded codebook."""
    with session_scope(engine) as s:
        a = store.create_interview(s, guide, store.ensure_site(s, "Amadeus", "vaerested"), interviewer="Ida")
        b = store.create_interview(s, guide, store.ensure_site(s, "Tre Ege", "boform"), interviewer="Ida")
        codebook.ensure_seeded(s)
        codebook.create_code(s, "Testrytme", key="test_rytme", cues="rytme")
        codebook.create_code(s, "Testsagsbehandler", key="test_sagsbehandler")
        codebook.create_code(s, "Testmorgen", key="test_morgen", parent="test_rytme")
        return a.respondent_id, b.respondent_id


def _import(engine, rid, source, filename=None, **kw):
    with session_scope(engine) as s:
        info = tr.import_transcript(s, rid, source, filename, who="Ida", **kw)
        segs = tr.segments_for(s, info.id)
        text = tr.get_transcript(s, info.id).text
    return info, segs, text


def _triples(segs):
    return [(g.speaker, g.label, g.text) for g in segs]


def _assert_offsets(segs, text):
    assert [g.idx for g in segs] == list(range(len(segs)))
    for g in segs:
        assert text[g.start:g.end] == g.text
        assert g.text == g.text.strip() and g.text
    starts = [g.start for g in segs]
    assert starts == sorted(starts)


def _counts(engine):
    with session_scope(engine) as s:
        return tuple(s.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (Transcript, Segment, SegmentCode, AuditEntry))


# --------------------------------------------------------------------------- splitting

def test_danish_txt_turns_multi_paragraph_turns_and_unlabelled_preamble(engine, ids):
    info, segs, text = _import(engine, ids[0], DANSK)
    assert (info.respondent_id, info.filename, info.fmt, info.imported_by) == (
        ids[0], "interview_dansk.txt", "txt", "Ida")
    assert info.n_segments == 9 and info.n_labelled == 8 and info.n_coded == 0
    assert info.imported_at.tzinfo is not None
    assert _triples(segs) == EXPECTED_DANSK
    assert [g.speaker_name for g in segs[:3]] == ["Ukendt", "Interviewer", "Bruger"]
    _assert_offsets(segs, text)
    assert text == DANSK.read_text(encoding="utf-8").strip()


def test_text_without_labels_gives_paragraph_segments_with_unknown_speaker(engine, ids):
    raw = "Første afsnit om hverdagen.\nStadig første afsnit.\n\n\n\nAndet afsnit.\n   \nTredje: ikke en taler."
    info, segs, text = _import(engine, ids[0], raw.encode("utf-8"), "noter.txt")
    assert _triples(segs) == [("", "", "Første afsnit om hverdagen.\nStadig første afsnit."),
                              ("", "", "Andet afsnit."), ("", "", "Tredje: ikke en taler.")]
    assert info.n_labelled == 0
    _assert_offsets(segs, text)


@pytest.mark.parametrize("line,speaker,label,rest", [
    ("I: Hej", "I", "I", "Hej"), ("i:Hej", "I", "i", "Hej"), ("  INT :  Hej", "I", "INT", "Hej"),
    ("Interviewer: Hej", "I", "Interviewer", "Hej"), ("B: Hej", "B", "B", "Hej"), ("bruger: Hej", "B", "bruger", "Hej"),
    ("Resp: Hej", "B", "Resp", "Hej"), ("R: Hej", "B", "R", "Hej"), ("IP: Hej", "B", "IP", "Hej"),
    ("Respondent: Hej", "B", "Respondent", "Hej"), ("B2: Hej", "B", "B2", "Hej"),
    ("[00:12:03] I: Hej", "I", "I", "Hej"), ("Informant: Hej", "B", "Informant", "Hej"),
])
def test_speaker_labels(line, speaker, label, rest):
    text = "Indledning.\n\n" + line
    pieces = tr.split_segments(text)
    assert (pieces[-1].speaker, pieces[-1].label, text[pieces[-1].start:pieces[-1].end]) == (speaker, label, rest)


@pytest.mark.parametrize("line", ["Ideen: noget", "Bus: kører", "I dag: godt", "Ipad: nej", "Klokken 10:30 kom jeg"])
def test_words_that_merely_start_like_a_label_are_not_labels(line):
    pieces = tr.split_segments("B: Svar.\n" + line)
    assert len(pieces) == 1 and pieces[0].speaker == "B"


def test_label_on_its_own_line_starts_the_turn_on_the_next_line():
    text = "I:\nHvordan går det?\nB:\n\nGodt."
    assert [(p.speaker, text[p.start:p.end]) for p in tr.split_segments(text)] == [("I", "Hvordan går det?"),
                                                                                  ("B", "Godt.")]


def test_windows_line_ends_and_bom_give_the_same_segments(engine, ids):
    raw = DANSK.read_text(encoding="utf-8")
    crlf = raw.replace("\n", "\r\n").encode("utf-8")
    _, segs, text = _import(engine, ids[0], b"\xef\xbb\xbf" + crlf, "windows_bom.txt")
    assert "\r" not in text and "\ufeff" not in text
    assert _triples(segs) == EXPECTED_DANSK
    _assert_offsets(segs, text)


def test_cp1252_with_danish_letters_is_read(engine, ids):
    raw = "I: Hvad synes du om maden?\r\nB: Rødgrød med fløde, æbleskiver og ål. ÆØÅ!\r\n"
    data = raw.encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    _, segs, text = _import(engine, ids[0], data, "gammel_fil.TXT")
    assert _triples(segs) == [("I", "I", "Hvad synes du om maden?"),
                              ("B", "B", "Rødgrød med fløde, æbleskiver og ål. ÆØÅ!")]
    _assert_offsets(segs, text)


def test_utf16_with_bom_is_read(engine, ids):
    _, segs, _ = _import(engine, ids[0], "I: Hej\nB: Dav, så.".encode("utf-16"), "notepad.txt")
    assert _triples(segs) == [("I", "I", "Hej"), ("B", "B", "Dav, så.")]


def test_decomposed_letters_are_stored_composed(engine, ids):
    _, segs, text = _import(engine, ids[0], "B: Ga\u030ar det?".encode("utf-8"), "mac.txt")
    assert segs[0].text == "Går det?" and text == "B: G\u00e5r det?"


def test_markdown_markup_is_stripped_and_headings_end_turns(engine, ids):
    _, segs, text = _import(engine, ids[0], DATA / "interview_markdown.md")
    assert _triples(segs) == [
        ("", "", "Interview med AMA-02"),
        ("I", "I", "Hvad får du ud af at komme her?"),
        ("B", "B", "Jeg får mod på tingene igen. Personalet er søde."),
        ("", "", "Del 2: Fremtiden"),
        ("", "", "Noter fra interviewer uden taler."),
        ("I", "I", "Hvor ser du dig selv om fem år?"),
        ("B", "B", "I min egen lejlighed, håber jeg."),
    ]
    assert "**" not in text and "https" not in text and "titel:" not in text
    _assert_offsets(segs, text)


def test_docx_made_in_the_test(engine, ids, tmp_path):
    d = docx.Document()
    d.add_heading("Interview på værestedet", level=1)
    d.add_paragraph("I: Hvad laver du her om dagen?")
    d.add_paragraph("B: Jeg spiller kort og får varm mad.")
    d.add_paragraph("")
    d.add_paragraph("Om fredagen er der fællesspisning, det glæder jeg mig til.")
    d.add_paragraph("Interviewer: Føler du dig hørt?")
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "B", "Ja, personalet lytter til mig."
    d.add_paragraph("Bruger: Det er rart.")
    path = tmp_path / "samtale.docx"
    d.save(path)
    info, segs, text = _import(engine, ids[0], path.read_bytes(), "C:\\Users\\ida\\samtale.docx")
    assert (info.filename, info.fmt) == ("samtale.docx", "docx")
    assert _triples(segs) == [
        ("", "", "Interview på værestedet"),
        ("I", "I", "Hvad laver du her om dagen?"),
        ("B", "B", "Jeg spiller kort og får varm mad."),
        ("B", "B", "Om fredagen er der fællesspisning, det glæder jeg mig til."),
        ("I", "Interviewer", "Føler du dig hørt?"),
        ("B", "B", "Ja, personalet lytter til mig."),
        ("B", "Bruger", "Det er rart."),
    ]
    _assert_offsets(segs, text)


# --------------------------------------------------------------------------- refusals

@pytest.mark.parametrize("data,filename,needle", [
    (b"I: hej", "interview.pdf", ".txt, .md, .docx, .vtt og .srt"),
    (b"I: hej", "interview.doc", "Gem dokumentet som .docx"),
    (b"I: hej", "interview", "ingen endelse"),
    (b"", "tom.txt", "er tom"),
    (b"\xef\xbb\xbf \r\n\r\n\t", "blank.txt", "er tom"),
    (b"I:\nB:\n", "kun_labels.txt", "ingen tekst ud over talermarkeringer"),
    (b"ikke et word-dokument", "falsk.docx", "kan ikke åbnes som Word-dokument"),
    (b"PK\x03\x04 noget zip", "zip.txt", ".docx"),
    (b"\x00\x01\x02binary", "binaer.txt", "binære data"),
])
def test_bad_files_are_refused_with_a_danish_message_naming_the_file_and_nothing_is_written(
        engine, ids, data, filename, needle):
    before = _counts(engine)
    with pytest.raises(TranscriptError) as e:
        with session_scope(engine) as s:
            tr.import_transcript(s, ids[0], data, filename, who="Ida")
    assert needle in str(e.value)
    assert repr(Path(filename).name) in str(e.value) or not filename
    assert _counts(engine) == before


def test_too_large_file_is_refused(engine, ids, monkeypatch, tmp_path):
    monkeypatch.setattr(tr, "MAX_BYTES", 1000)
    before = _counts(engine)
    with pytest.raises(TranscriptError, match=r"'stor\.txt' er for stor .*højst"):
        with session_scope(engine) as s:
            tr.import_transcript(s, ids[0], b"B: " + b"x" * 2000, "stor.txt")
    p = tmp_path / "stor.md"
    p.write_bytes(b"B: " + b"x" * 2000)
    with pytest.raises(TranscriptError, match="for stor"):
        with session_scope(engine) as s:
            tr.import_transcript(s, ids[0], p)
    assert _counts(engine) == before


def test_unknown_respondent_is_refused_and_nothing_is_written(engine, ids):
    before = _counts(engine)
    with pytest.raises(TranscriptError, match="Respondenten 'XYZ-99' findes ikke"):
        with session_scope(engine) as s:
            tr.import_transcript(s, "XYZ-99", DANSK)
    assert _counts(engine) == before


def test_error_inside_an_open_session_leaves_it_untouched(engine, ids):
    with session_scope(engine) as s:
        with pytest.raises(TranscriptError):
            tr.import_transcript(s, ids[0], b"", "tom.txt")
        assert not s.new and not s.dirty
    assert _counts(engine)[:2] == (0, 0)


def test_respondent_can_be_given_by_interview_uuid(engine, ids):
    with session_scope(engine) as s:
        iv = store.interview_by_respondent(s, ids[1])
        info = tr.import_transcript(s, iv.id, DANSK)
    assert info.respondent_id == ids[1]


def test_same_filename_twice_needs_replace_which_drops_old_codings(engine, ids):
    info, segs, _ = _import(engine, ids[0], DANSK)
    with session_scope(engine) as s:
        tr.code_segment(s, segs[3].id, ["test_rytme"], "rytme", who="Ida")
    with pytest.raises(TranscriptError, match="allerede en transskription med filnavnet 'interview_dansk.txt'"):
        _import(engine, ids[0], DANSK)
    info2, segs2, _ = _import(engine, ids[0], b"B: Ny version.", "interview_dansk.txt", replace=True)
    assert info2.id != info.id and _triples(segs2) == [("B", "B", "Ny version.")]
    assert min(g.id for g in segs2) > max(g.id for g in segs)  # segment ids are never reused
    with session_scope(engine) as s:
        assert s.execute(select(func.count()).select_from(SegmentCode)).scalar_one() == 0
        assert [t.id for t in tr.list_transcripts(s, ids[0])] == [info2.id]
        notes = [a.note for a in s.execute(select(AuditEntry).where(AuditEntry.entity == "transcript")).scalars()]
    assert any("slettet, erstattet" in n and "1 kodninger" in n for n in notes)
    assert sum("importeret" in n for n in notes) == 2


# --------------------------------------------------------------------------- coding

def test_code_segment_with_several_codes_and_a_memo(engine, ids):
    _, segs, _ = _import(engine, ids[0], DANSK)
    seg = segs[3]
    with session_scope(engine) as s:
        v = tr.code_segment(s, seg.id, ["test_rytme", "Testsagsbehandler"], memo="Køkkenet giver struktur", who="Ida")
    assert v.code_keys == ["test_rytme", "test_sagsbehandler"]
    assert {c.memo for c in v.codes} == {"Køkkenet giver struktur"} and {c.who for c in v.codes} == {"Ida"}
    with session_scope(engine) as s:
        # coding again without memo keeps the memo; with a new memo replaces it; "" clears it
        tr.code_segment(s, seg.id, "test_rytme", who="Bo")
        v = tr.code_segment(s, seg.id, ["test_sagsbehandler"], memo="Anden note", who="Bo")
        memos = {c.key: c.memo for c in v.codes}
        assert memos == {"test_rytme": "Køkkenet giver struktur", "test_sagsbehandler": "Anden note"}
        v = tr.set_memo(s, seg.id, "test_rytme", "")
        assert {c.key: c.memo for c in v.codes}["test_rytme"] is None
        assert [g.code_keys for g in tr.segments_for(s, respondent=ids[0])][3] == ["test_rytme", "test_sagsbehandler"]
        info = tr.list_transcripts(s, ids[0])[0]
        assert info.n_coded == 1
        v = tr.uncode_segment(s, seg.id, "test_sagsbehandler", who="Bo")
        assert v.code_keys == ["test_rytme"]
        assert tr.uncode_segment(s, seg.id).codes == ()


def test_unknown_code_or_segment_is_refused_and_nothing_is_written(engine, ids):
    _, segs, _ = _import(engine, ids[0], DANSK)
    with pytest.raises(CodebookError, match="findes ikke i kodebogen"):
        with session_scope(engine) as s:
            tr.code_segment(s, segs[1].id, ["test_rytme", "findes_ikke"], "memo", who="Ida")
    with pytest.raises(TranscriptError, match="Vælg mindst én kode"):
        with session_scope(engine) as s:
            tr.code_segment(s, segs[1].id, [], who="Ida")
    with pytest.raises(TranscriptError, match="Segment 99999 findes ikke"):
        with session_scope(engine) as s:
            tr.code_segment(s, 99999, ["test_rytme"], who="Ida")
    with pytest.raises(CodebookError, match="Ukendt kilde"):
        with session_scope(engine) as s:
            tr.code_segment(s, segs[1].id, ["test_rytme"], source="gæt")
    assert _counts(engine)[2] == 0


def test_codings_for_code_across_two_respondents(engine, ids):
    _, segs_a, _ = _import(engine, ids[0], DANSK)
    _, segs_b, _ = _import(engine, ids[1], "I: Hvordan er dagen?\nB: Jeg står op klokken syv.".encode(), "b.txt")
    with session_scope(engine) as s:
        tr.code_segment(s, segs_b[1].id, ["test_morgen"], "Fast tid", who="Bo")
        tr.code_segment(s, segs_a[3].id, ["test_rytme"], "Køkkenet", who="Ida")
        tr.code_segment(s, segs_a[2].id, ["test_rytme", "test_morgen"], who="Ida")
        direct = tr.codings_for_code(s, "test_rytme")
        with_sub = tr.codings_for_code(s, "Testrytme", include_subcodes=True)
        morgen = tr.codings_for_code(s, "test_morgen")
        usage = tr.code_usage(s, "test_rytme")
    assert [(c.respondent_id, c.idx, c.code_key) for c in direct] == [(ids[0], 2, "test_rytme"),
                                                                      (ids[0], 3, "test_rytme")]
    assert direct[1].text == EXPECTED_DANSK[3][2] and direct[1].memo == "Køkkenet"
    assert (direct[0].site, direct[0].site_type, direct[0].filename) == ("Amadeus", "vaerested", "interview_dansk.txt")
    assert [(c.respondent_id, c.idx, c.code_key) for c in with_sub] == [
        (ids[0], 2, "test_morgen"), (ids[0], 2, "test_rytme"), (ids[0], 3, "test_rytme"), (ids[1], 1, "test_morgen")]
    assert [(c.respondent_id, c.site_type, c.speaker, c.memo) for c in morgen] == [
        (ids[0], "vaerested", "B", None), (ids[1], "boform", "B", "Fast tid")]
    assert usage == {"segmenter": 2, "citater": 0}


def test_accepted_suggestion_records_a_decision_and_uncoding_rejects_it(engine, ids):
    _, segs, _ = _import(engine, ids[0], DANSK)
    with session_scope(engine) as s:
        tr.code_segment(s, segs[3].id, ["test_rytme"], who="Ida", source="regel")
        d = codebook.decisions_for(s, "segment", segs[3].id)["test_rytme"]
        assert (d.decision, d.source, d.text) == ("accepted", "regel", segs[3].text)
        tr.uncode_segment(s, segs[3].id, ["test_rytme"], who="Bo")
        d = codebook.decisions_for(s, "segment", segs[3].id)["test_rytme"]
        assert (d.decision, d.who) == ("rejected", "Bo")


def test_deleting_a_transcript_removes_segments_and_codings_but_keeps_decisions(engine, ids):
    info, segs, _ = _import(engine, ids[0], DANSK)
    with session_scope(engine) as s:
        tr.code_segment(s, segs[3].id, ["test_rytme", "test_sagsbehandler"], "memo", who="Ida", source="manuel")
    with session_scope(engine) as s:
        tr.delete_transcript(s, info.id, who="Ida")
    assert _counts(engine)[:3] == (0, 0, 0)
    with session_scope(engine) as s:
        assert s.execute(select(func.count()).select_from(CodeDecision)).scalar_one() == 2
        with pytest.raises(TranscriptError, match="findes ikke"):
            tr.delete_transcript(s, info.id)


def test_deleting_the_interview_cascades_to_transcripts(engine, ids):
    _, segs, _ = _import(engine, ids[0], DANSK)
    with session_scope(engine) as s:
        tr.code_segment(s, segs[1].id, ["test_rytme"], who="Ida")
    with session_scope(engine) as s:
        store.delete_interview(s, store.interview_by_respondent(s, ids[0]).id)
    assert _counts(engine)[:3] == (0, 0, 0)


def test_segments_for_needs_exactly_one_target(engine, ids):
    with session_scope(engine) as s:
        with pytest.raises(TranscriptError, match="enten en transskription eller en respondent"):
            tr.segments_for(s)
        assert tr.segments_for(s, respondent=ids[1]) == []
