"""Issue 10.6: a quote added from a probe row (stored on the row's note item) carries the probe's question,
not the note item's «Note» — in the functions the pages call (interview, Kodning, Citatbank,
Anonymisering) and in every export that names the question: the quote bank (CSV/XLSX), the workbook's
Citater sheet (read back with openpyxl) and the REFI-QDA project. One rule: survey.interview.quote_question."""
import csv
import datetime as dt
import io

import openpyxl
import pytest

from archetypes import coding
from coding import quotebank as qb
from coding import transcripts as tr
from coding.anonymise import export_masker
from exports import qdpx
from exports import workbook as W
from survey import interview as svc
from survey.db import make_engine, session_scope
from survey.demo import load_demo

QUESTION = "Har tilbuddet givet dig en rytme i hverdagen? (note)"
PROBE_QUOTE = "Nu står jeg op hver morgen og når morgenmaden."
NOTE = "Står op kl. 7"
FREE_QUOTE = "Her er der nogen, der kender mig."


@pytest.fixture(scope="module")
def study(db_factory, guide):
    """The demo study and one new interview (AMA-…, completed) with a probe-row quote and a free-text quote,
    both added the way the interview page adds them (survey.interview.add_quote)."""
    e = make_engine(db_factory.new())
    assert load_demo(e, guide) == 61
    iv = svc.start_interview(e, guide, site_name="Amadeus", interviewer="KL", interview_date=dt.date(2026, 11, 3))
    for code, v in [("rytme", "ja"), ("rytme_vigtigt", "ja"), ("rytme_note", NOTE), ("hvorfor_her", "Bor her")]:
        assert svc.save_answer(e, guide, iv.id, code, v).ok
    pq, msg = svc.add_quote(e, guide, iv.id, "rytme_note", PROBE_QUOTE, who="KL")
    assert pq is not None, msg
    fq, msg = svc.add_quote(e, guide, iv.id, "hvorfor_her", FREE_QUOTE, who="KL")
    assert fq is not None, msg
    # the reports and exports count completed interviews only (issue 14): this one is finished
    assert svc.complete(e, guide, iv.id, reason="testinterview", who="KL").ok
    yield dict(engine=e, iv=iv, probe_quote=pq, free_quote=fq)
    e.dispose()


# ---------------------------------------------------------------- the rule

def test_every_probe_rows_note_is_named_by_its_probe(guide):
    grid = next(s for s in svc.sections(guide) if s.is_probegrid)
    rows = svc.probe_rows(guide, grid)
    assert len(rows) == 12
    for probe, vigtigt, note in rows:
        assert note.label == "Note"  # the guide's own label, which no quote may carry
        assert svc.quote_question(guide, note.code) == f"{probe.label} (note)"
        assert svc.quotable(guide, note.code)
    assert svc.quote_question(guide, "rytme_note") == QUESTION
    # everything else keeps its own label
    assert svc.quote_question(guide, "hvorfor_her") == guide.item("hvorfor_her").label
    assert svc.quote_question(guide, "udbytte_aabent") == guide.item("udbytte_aabent").label
    assert svc.quote_question(guide, "rytme") == guide.item("rytme").label
    assert svc.quote_question(guide, "ukendt_kode") == "ukendt_kode"
    assert svc.quote_question(guide, tr.TRANSCRIPT_ITEM) == "Fra transskription"
    assert svc.TRANSCRIPT_ITEM == tr.TRANSCRIPT_ITEM and qb.TRANSCRIPT_LABEL == svc.TRANSCRIPT_LABEL


def test_the_quote_is_stored_on_the_note_item_and_labelled_with_the_question(study, guide):
    e, iv = study["engine"], study["iv"]
    quotes = {q.text: q for q in svc.list_quotes(e, iv.id)}
    assert quotes[PROBE_QUOTE].item_code == "rytme_note"
    assert svc.quote_question(guide, quotes[PROBE_QUOTE].item_code) == QUESTION
    assert svc.quote_question(guide, quotes[FREE_QUOTE].item_code) == guide.item("hvorfor_her").label


# ---------------------------------------------------------------- what the pages call

def test_quote_bank_rows_carry_the_probe_question(study, guide):
    with session_scope(study["engine"]) as s:
        rows = {r.text: r for r in qb.quote_bank(s, guide, respondent=study["iv"].respondent_id)}
        masked = {r.quote_id: r for r in qb.quote_bank(s, guide, anonymised=True)}
    assert (rows[PROBE_QUOTE].item_code, rows[PROBE_QUOTE].item_label) == ("rytme_note", QUESTION)
    assert rows[FREE_QUOTE].item_label == guide.item("hvorfor_her").label
    assert masked[study["probe_quote"].id].item_label == QUESTION  # the Anonymisering page's rows
    assert qb.item_label(guide, "rytme_note") == QUESTION


def test_kodning_view_carries_the_probe_question(study, guide):
    with session_scope(study["engine"]) as s:
        v = coding.coding_view(s, guide, study["iv"].id)
    labels = {q.text: q.item_label for q in v.quotes}
    assert labels[PROBE_QUOTE] == QUESTION and labels[FREE_QUOTE] == guide.item("hvorfor_her").label


# ---------------------------------------------------------------- exports

def test_quote_bank_export_csv_and_xlsx(study, guide):
    from ui.citatbank_view import export_bytes

    with session_scope(study["engine"]) as s:
        df = qb.export_quotes(s, guide)
    row = df[df["Citat-id"] == study["probe_quote"].id].iloc[0]
    assert (row["Spørgsmålskode"], row["Spørgsmål"]) == ("rytme_note", QUESTION)
    text = export_bytes(study["engine"], guide, {"search": "morgenmaden"}, "csv").decode("utf-8-sig")
    got = list(csv.reader(io.StringIO(text)))  # comma-separated (survey.files.frame_to_csv)
    head = got[0]
    assert [r[head.index("Spørgsmål")] for r in got[1:]] == [QUESTION]
    ws = openpyxl.load_workbook(io.BytesIO(export_bytes(study["engine"], guide, {"search": "morgenmaden"},
                                                        "xlsx"))).active
    cells = [[c.value for c in r] for r in ws.iter_rows()]
    head_row = next(i for i, r in enumerate(cells) if "Spørgsmål" in r)
    col = cells[head_row].index("Spørgsmål")
    assert [r[col] for r in cells[head_row + 1:] if any(r)] == [QUESTION]
    assert "Note" not in [r[col] for r in cells[head_row + 1:]]


def test_workbook_citater_sheet(study, guide, tmp_path):
    path = W.build_workbook(study["engine"], guide, tmp_path / "rapport.xlsx")
    ws = openpyxl.load_workbook(path)["Citater"]
    head = [c.value for c in ws[W.HEADER_ROW + 1]]
    q_col, text_col = head.index("Spørgsmål"), head.index("Citat")
    rows = [r for r in ws.iter_rows(min_row=W.HEADER_ROW + 2, values_only=True) if any(r)]
    mask = export_masker(study["engine"])
    by_text = {r[text_col]: r for r in rows}
    assert by_text[mask(PROBE_QUOTE)][q_col] == QUESTION
    assert by_text[mask(FREE_QUOTE)][q_col] == guide.item("hvorfor_her").label
    assert "Note" not in {r[q_col] for r in rows}


def test_refi_qda_project_names_the_probe_question(study, guide):
    project = qdpx.build_project(study["engine"], guide)
    mask = export_masker(study["engine"])
    quotes = [t for t in project.files.values() if mask(PROBE_QUOTE) in t]
    assert len(quotes) == 1
    assert f"[{QUESTION}]\n{mask(PROBE_QUOTE)}" in quotes[0] and "[Note]" not in quotes[0]
    # the free-text answers source: the row's note answer under its probe's question too
    answers = [t for t in project.files.values() if f"(rytme_note)\n{mask(NOTE)}" in t]
    assert len(answers) == 1 and f"{QUESTION} (rytme_note)\n" in answers[0] and "\nNote (" not in answers[0]
