"""Issue 15: timed transcripts — WebVTT (webvtt-py) and SRT (pysrt) files, and text with time
stamps as noScribe and aTrain write them: speaker turns kept, each segment with its times; a
voice that is a person's name never stored; a broken file refused with nothing written."""
import pytest
from sqlalchemy import func, select

from coding import transcripts as tr
from coding.transcripts import TranscriptError
from survey.db import session_scope
from survey.models import Segment

VTT = """WEBVTT

00:00:01.000 --> 00:00:04.500
<v Interviewer>Hvordan er din hverdag?

00:00:05.000 --> 00:00:09.250
<v Bruger>Jeg står op klokken syv.
Det giver rytme.

00:00:09.500 --> 00:00:12.000
<v Fatima Hansen>Og så går jeg i værestedet.

01:02:03.000 --> 01:02:05.000
Tak.
"""

SRT = """1
00:00:01,000 --> 00:00:03,000
I: Hvad laver du om dagen?

2
00:00:03,500 --> 00:00:08,000
B: Jeg <i>snakker</i> med personalet.
"""

NOSCRIBE = """[00:00:02] S01: Velkommen til interviewet.
[00:00:07] S02: Tak.
Jeg er glad for at være her.

[00:01:30] S01: Fortæl om din dag.
"""

ATRAIN = """[0:00:00.000 --> 0:00:03.120] SPEAKER_00: Hvordan går det?
[0:00:03.500 --> 0:00:07.000] SPEAKER_01: Det går godt.
"""


def _segs(text_name):
    text, name = text_name
    fmt, norm, sections = tr.read_transcript(text.encode("utf-8"), name)
    return fmt, [(p.speaker, p.label, norm[p.start:p.end], p.t_start, p.t_end) for p in tr.split_segments(norm, sections)]


def test_webvtt_voices_and_times():
    fmt, segs = _segs((VTT, "interview.vtt"))
    assert fmt == "vtt"
    assert segs == [("I", "Interviewer", "Hvordan er din hverdag?", 1.0, 4.5),
                    ("B", "Bruger", "Jeg står op klokken syv. Det giver rytme.", 5.0, 9.25),
                    ("B", "Bruger", "Og så går jeg i værestedet.", 9.5, 12.0),  # a named voice: the name is dropped
                    ("B", "Bruger", "Tak.", 3723.0, 3725.0)]
    _, norm, _ = tr.read_transcript(VTT.encode(), "interview.vtt")
    assert "Fatima" not in norm


def test_srt_labels_tags_and_times():
    fmt, segs = _segs((SRT, "interview.srt"))
    assert fmt == "srt"
    assert segs == [("I", "I", "Hvad laver du om dagen?", 1.0, 3.0),
                    ("B", "B", "Jeg snakker med personalet.", 3.5, 8.0)]


def test_noscribe_and_atrain_text_with_time_stamps():
    _, segs = _segs((NOSCRIBE, "noscribe.txt"))
    assert segs == [("", "S01", "Velkommen til interviewet.", 2.0, 7.0),
                    ("", "S02", "Tak.\nJeg er glad for at være her.", 7.0, 90.0),
                    ("", "S01", "Fortæl om din dag.", 90.0, None)]
    _, segs = _segs((ATRAIN, "atrain.txt"))
    assert segs == [("", "SPEAKER_00", "Hvordan går det?", 0.0, 3.12), ("", "SPEAKER_01", "Det går godt.", 3.5, 7.0)]
    # a time of day in running text is no time stamp
    _, segs = _segs(("I: Hvornår?\nB: 10:30 kom jeg hjem.\n", "plain.txt"))
    assert segs == [("I", "I", "Hvornår?", None, None), ("B", "B", "10:30 kom jeg hjem.", None, None)]


@pytest.mark.parametrize("name, data", [
    ("broken.vtt", "00:00:01.000 --> 00:00:02.000\nuden WEBVTT-linje\n"),
    ("broken.srt", "Hej med dig, der er ingen tider her\n"),
    ("empty.srt", "\n\n"),
])
def test_a_broken_subtitle_file_is_refused(name, data):
    with pytest.raises(TranscriptError) as e:
        tr.read_transcript(data.encode(), name)
    assert name in str(e.value) and "Hej" not in str(e.value)


def test_imported_segments_keep_their_times(engine, guide):
    from survey import store

    with session_scope(engine) as s:
        site = store.ensure_site(s, "Amadeus", "vaerested")
        iv = store.create_interview(s, guide, site, interviewer="Ida")
        rid = iv.respondent_id
    with session_scope(engine) as s:
        info = tr.import_transcript(s, rid, VTT.encode(), "optagelse.vtt", who="Ida")
        views = tr.segments_for(s, info.id)
        assert [v.time_text for v in views] == ["00:00:01–00:00:04", "00:00:05–00:00:09", "00:00:09–00:00:12",
                                                "01:02:03–01:02:05"]
        assert [v.speaker for v in views] == ["I", "B", "B", "B"]
        t = tr.get_transcript(s, info.id)
        assert all(t.text[v.start:v.end] == v.text for v in views)
        n = s.execute(select(func.count()).select_from(Segment)).scalar_one()
    with session_scope(engine) as s:
        with pytest.raises(TranscriptError):
            tr.import_transcript(s, rid, b"WEBVTT\n\nnot a cue at all -->\n", "ny.vtt", who="Ida")
    with session_scope(engine) as s:
        assert s.execute(select(func.count()).select_from(Segment)).scalar_one() == n  # nothing written
