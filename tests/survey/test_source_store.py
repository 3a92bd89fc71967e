"""The other sources in the store (issue 7): storage, consent gating, import/export through the CLI,
the triangulation tables through the demo study and the CLI (section 6.3), the workbook sheets,
field packages and the migration."""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select, text

from brugerblik.cli import main
from report import registry as R
from report import triangulation as TR
from survey import db as sdb
from survey import interview as svc
from survey import source_store as ss
from survey import store
from survey.db import dispose_all, get_engine, make_engine, session_scope
from survey.demo import load_demo
from survey.demo_sources import build_demo_sources
from survey.models import AuditEntry, ConsentRecord, Interview, SourceStatus
from survey.sources import JournalConsentError, SourceError, source_status


@pytest.fixture
def db(db_url):
    yield db_url
    dispose_all()


@pytest.fixture
def eng(db):
    return get_engine(db)


def run(capsys, *argv: str) -> tuple[int, list[str], list[str]]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def user(eng, guide, consent: str | None, site="Amadeus", site_type="vaerested") -> svc.InterviewInfo:
    info = svc.start_interview(eng, guide, site_name=site, site_type=site_type, interviewer="KL",
                               interview_date=dt.date(2026, 11, 3))
    if consent is not None:
        assert svc.save_answer(eng, guide, info.id, "consent_journal", consent).ok
    return info


def count(eng, informant: str) -> int:
    with session_scope(eng) as s:
        return store.count_interviews(s, informant)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------- storage and consent gating (domain)

def test_sources_are_interviews_with_an_informant_and_the_wide_frame_is_the_users_only(eng, guide):
    ja = user(eng, guide, "ja")
    sb = ss.start_source_interview(eng, "sagsbehandler", respondent_id="AMA-01", interviewer="KL")
    le = ss.start_source_interview(eng, "leder", site_name="Amadeus")
    sb2 = ss.start_source_interview(eng, "sagsbehandler", subject_interview_id=ja.id)
    assert (sb.respondent_id, sb.informant, sb.subject_respondent_id, sb.site_name) == \
        ("SB-AMA-01", "sagsbehandler", "AMA-01", "Amadeus")
    assert (le.respondent_id, le.subject_respondent_id, sb2.respondent_id) == ("LE-AMA", None, "SB-AMA-01-2")
    assert sb.meta()["respondent_id"] == "AMA-01"  # the guide's respondent_id: the user it is about
    g = ss.informant_guide("sagsbehandler")
    assert svc.save_answer(eng, g, sb.id, "fokus", "konkret").ok
    assert svc.save_answer(eng, g, sb.id, "hvem_bestemte", "faelles").ok
    bad = svc.save_answer(eng, g, sb.id, "hvem_bestemte", "naboen")
    assert not bad.ok and "tilladt" in bad.message
    wrong = svc.save_answer(eng, guide, sb.id, "age", "44")  # the user guide on a case worker's interview
    assert not wrong.ok and "sagsbehandler" in wrong.message
    wide = store.load_wide(eng, guide, drafts=True)  # the user's interview is a draft here
    assert list(wide["respondent_id"]) == ["AMA-01"]
    assert count(eng, "bruger") == 1 and count(eng, None) == 4
    frames = ss.load_sources(eng, drafts=True)  # drafts here; the reports count completed ones (issue 14)
    assert list(frames["sagsbehandler"]["source_id"]) == ["SB-AMA-01", "SB-AMA-01-2"]
    row = frames["sagsbehandler"].iloc[0]
    assert (row["respondent_id"], row["fokus"], row["hvem_bestemte"], row["interviewer"]) == \
        ("AMA-01", "konkret", "faelles", "KL")
    assert list(frames["leder"][["site", "site_type"]].iloc[0]) == ["Amadeus", "vaerested"]
    assert list(frames["journal"].columns)[:2] == ["source_id", "informant"] and frames["journal"].empty
    # the start list shows progress in each interview's own guide
    rows = {r.respondent_id: r for r in svc.list_interviews(eng, guide)}
    assert rows["SB-AMA-01"].sections_total == len(svc.sections(g)) and rows["SB-AMA-01"].informant == "sagsbehandler"
    # a user's draft with sources about it cannot be deleted as "started by mistake"
    with pytest.raises(svc.InterviewError, match="kan ikke slettes"):
        svc.delete_empty_draft(eng, ja.id)


@pytest.mark.parametrize("consent", ["nej", None])
def test_a_case_file_is_refused_without_consent_with_the_danish_message(eng, guide, consent):
    u = user(eng, guide, consent)
    with pytest.raises(JournalConsentError) as e:
        ss.start_source_interview(eng, "journal", subject_interview_id=u.id, kilde="kommune")
    found = "svaret på spørgsmålet om journalindsigt i brugerens interview er «Nej»" if consent else \
        "spørgsmålet om journalindsigt i brugerens interview er ikke besvaret"
    assert str(e.value).startswith("Journalen for AMA-01 må ikke åbnes: brugeren har ikke givet tilladelse til "
                                   f"journalindsigt ({found}; kun «Ja» giver adgang)")
    assert "consent_journal" not in str(e.value)                 # Danish words only, never the item's code
    assert count(eng, "journal") == 0


def test_a_case_file_started_by_mistake_can_be_deleted_as_an_empty_draft(eng, guide):
    """The start writes whose file it is (``kilde``); that alone does not make the draft non-empty: a file
    started about the wrong user, or as the wrong kind, could not be deleted (a tester) and stayed as
    «Foreligger» on the Kilder page. One answer given in it, and it stays."""
    u = user(eng, guide, "ja")
    jb = ss.start_source_interview(eng, "journal", subject_interview_id=u.id, kilde="boform")
    assert svc.load_state(eng, jb.id).answers == {"kilde": "boform"}
    assert svc.given_answers("journal", svc.load_state(eng, jb.id).answers) == {}
    svc.delete_empty_draft(eng, jb.id)
    assert count(eng, "journal") == 0
    with session_scope(eng) as s:
        assert s.execute(text("SELECT count(*) FROM answer WHERE interview_id = :i"), {"i": jb.id}).scalar_one() == 0
    jk = ss.start_source_interview(eng, "journal", subject_interview_id=u.id, kilde="kommune")
    assert svc.save_answer(eng, ss.informant_guide("journal"), jk.id, "handleplan", "ja").ok
    with pytest.raises(svc.InterviewError, match="har svar"):
        svc.delete_empty_draft(eng, jk.id)
    assert svc.load_state(eng, jk.id).answers == {"kilde": "kommune", "handleplan": "ja"}
    # a user's own answer with the same code is an answer given
    assert svc.given_answers("bruger", {"kilde": "x"}) == {"kilde": "x"}


def test_consent_in_force_is_the_answer_and_the_newest_consent_record(eng, guide):
    u = user(eng, guide, "ja")
    jk = ss.start_source_interview(eng, "journal", subject_interview_id=u.id, kilde="kommune")
    assert jk.respondent_id == "JK-AMA-01"
    g = ss.informant_guide("journal")
    assert svc.save_answer(eng, g, jk.id, "handleplan", "ja").ok
    # a newer consent record withdrawing the consent (e.g. merged from a field laptop) is enough to refuse
    with session_scope(eng) as s:
        s.add(ConsentRecord(interview_id=u.id, value="nej", recorded_at=svc.utcnow()))
    with session_scope(eng) as s:
        assert ss.journal_consent(s, u.id) == "nej"
    res = svc.save_answer(eng, g, jk.id, "jobplan", "nej")
    assert not res.ok and "må ikke åbnes" in res.message
    assert "jobplan" not in svc.load_state(eng, jk.id).answers
    # consent given again in the interview: saving works again
    assert svc.save_answer(eng, guide, u.id, "consent_journal", "nej").ok
    assert svc.save_answer(eng, guide, u.id, "consent_journal", "ja").ok
    assert svc.save_answer(eng, g, jk.id, "jobplan", "nej").ok
    # and storing a frame of case files checks the store's consent too
    frame = pd.DataFrame([{"source_id": "JB-AMA-01", "respondent_id": "AMA-01", "kilde": "boform",
                           "handleplan": "nej", "jobplan": "nej", "vurdering_udbytte": "nej"}])
    assert svc.save_answer(eng, guide, u.id, "consent_journal", "nej").ok
    with pytest.raises(JournalConsentError, match="AMA-01"):
        with session_scope(eng) as s:
            ss.insert_sources(s, "journal", ss.check_source_frame(frame, g))
    assert count(eng, "journal") == 1


def test_reasons_are_stored_audited_and_refused_when_they_do_not_fit(eng, guide):
    user(eng, guide, "ja")
    assert ss.set_source_status(eng, "sagsbehandler", "ingen_sagsbehandler", respondent_id="AMA-01",
                                note="bor på gaden", who="KL") == "ingen_sagsbehandler"
    ss.set_source_status(eng, "leder", "ikke_tid", site="Amadeus", who="KL")
    ss.set_source_status(eng, "sagsbehandler", "ingen_sag", respondent_id="AMA-01", who="MH")
    r = ss.load_reasons(eng, detail=True)
    assert r[["kilde", "respondent_id", "site", "status", "note"]].values.tolist() == [
        ["leder", None, "Amadeus", "ikke_tid", None], ["sagsbehandler", "AMA-01", None, "ingen_sag", None]]
    assert list(r["recorded_by"]) == ["KL", "MH"]
    with session_scope(eng) as s:
        audit = [(a.code, a.old_value, a.new_value, a.who) for a in
                 s.execute(select(AuditEntry).where(AuditEntry.entity == "kilde").order_by(AuditEntry.id)).scalars()]
    assert audit == [("sagsbehandler", None, "ingen_sagsbehandler", "KL"), ("leder", None, "ikke_tid", "KL"),
                     ("sagsbehandler", "ingen_sagsbehandler", "ingen_sag", "MH")]
    for bad in (("sagsbehandler", "ej_relevant"), ("sagsbehandler", "foreligger"), ("journal", "ingen_sag")):
        with pytest.raises(SourceError):
            ss.set_source_status(eng, bad[0], bad[1], respondent_id="AMA-01")
    with pytest.raises(SourceError, match="Ukendt respondent"):
        ss.set_source_status(eng, "kontaktperson", "ikke_tid", respondent_id="XYZ-09")
    ss.set_source_status(eng, "sagsbehandler", None, respondent_id="AMA-01", who="MH")  # removed, audited
    assert len(ss.load_reasons(eng)) == 1


def test_replacing_a_user_by_import_keeps_the_sources_and_reasons_about_them(db, eng, guide, tmp_path, capsys):
    u = user(eng, guide, "ja")
    sb = ss.start_source_interview(eng, "sagsbehandler", subject_interview_id=u.id)
    ss.set_source_status(eng, "kontaktperson", "ikke_tid", respondent_id="AMA-01")
    path = tmp_path / "u.csv"
    assert run(capsys, "--db", db, "export", "raw", str(path), "--umaskeret", "--med-kladder")[0] == 0
    assert run(capsys, "--db", db, "import", str(path), "--replace")[0] == 0
    new_id = store.load_wide(eng, guide)  # the user's interview was rebuilt with a new id …
    with session_scope(eng) as s:
        rebuilt = store.interview_by_respondent(s, "AMA-01").id
        assert rebuilt != u.id
        assert s.get(Interview, sb.id).subject_interview_id == rebuilt  # … and the sources follow it
        assert s.execute(select(SourceStatus.subject_interview_id)).scalar_one() == rebuilt
    assert len(new_id) == 1


# ---------------------------------------------------------------- import and export through the CLI

@pytest.fixture
def demo_db(db, eng, guide):
    load_demo(eng, guide)
    return db


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_and_import_round_trip_for_every_informant(demo_db, eng, guide, new_db_url, tmp_path, capsys, suffix):
    target = new_db_url()
    users = tmp_path / "users.csv"
    assert run(capsys, "--db", demo_db, "export", "raw", str(users), "--umaskeret")[0] == 0
    assert run(capsys, "--db", target, "import", str(users))[0] == 0
    before = ss.load_sources(eng)
    for inf in ss.SOURCE_INFORMANTS:
        path = tmp_path / f"{inf}{suffix}"
        code, out, _ = run(capsys, "--db", demo_db, "export", "raw", "--kilde", inf, str(path), "--umaskeret")
        assert code == 0 and out == [f"Eksporterede {len(before[inf])} kilder ({inf}) til {path} (umaskeret fritekst)."]
        code, out, err = run(capsys, "--db", target, "import", "--kilde", inf, str(path))
        assert (code, err) == (0, []) and out == [f"Importerede {len(before[inf])} kilder ({inf}) fra {path}."]
    after = ss.load_sources(get_engine(target))
    for inf in ss.SOURCE_INFORMANTS:
        pd.testing.assert_frame_equal(after[inf], before[inf], check_dtype=False)
    # the anonymised export masks free text but keeps the pseudonyms
    code, _, _ = run(capsys, "--db", demo_db, "export", "raw", "--kilde", "sagsbehandler", str(tmp_path / "a.csv"))
    assert code == 0
    assert run(capsys, "--db", demo_db, "export", "spss", "--kilde", "leder", str(tmp_path / "x.sav"))[0] == 2


def test_import_of_case_files_without_consent_is_refused_and_writes_nothing(demo_db, eng, new_db_url, tmp_path,
                                                                             capsys):
    target = new_db_url()
    users = tmp_path / "users.csv"
    assert run(capsys, "--db", demo_db, "export", "raw", str(users), "--umaskeret")[0] == 0
    assert run(capsys, "--db", target, "import", str(users))[0] == 0
    jrn = tmp_path / "journal.csv"
    assert run(capsys, "--db", demo_db, "export", "raw", "--kilde", "journal", str(jrn), "--umaskeret")[0] == 0
    rows = list(csv.reader(io.StringIO(jrn.read_text(encoding="utf-8-sig"))))
    head = rows[0]
    rows[1][head.index("respondent_id")] = "AMA-02"      # refused consent in the demo
    rows[2][head.index("handleplan")] = "måske"          # not a value of the guide
    rows[3][head.index("respondent_id")] = "BAS-01"      # consent never answered
    rows[4][head.index("respondent_id")] = "XYZ-01"      # no such user
    rows[5][0] = "JK 010203-1234"                        # a CPR number is never echoed back
    bad = write_csv(tmp_path / "bad.csv", head, rows[1:])
    code, out, err = run(capsys, "--db", target, "import", "--kilde", "journal", bad)
    assert code == 1 and out == []
    assert err[-1] == "5 problem(er); intet er importeret."
    assert err[0] == ("række 2, kolonne respondent_id: journaludtræk afvist: brugeren har ikke givet "
                      "tilladelse til journalindsigt (consent_journal er 'nej') — tilladt: kun respondenter med "
                      "consent_journal = ja")  # respondent ids are never quoted
    assert err[1] == "Række 3, kolonne 'handleplan': værdi måske — tilladt: ja, nej"
    assert "række 4, kolonne respondent_id: journaludtræk afvist" in err[2]
    assert "ikke besvaret" in err[2]
    assert "ligner et CPR-nummer" in "\n".join(err) and "010203" not in "\n".join(err)
    assert "række 5, kolonne respondent_id: ukendt respondent" in "\n".join(err)
    assert not any(rid in "\n".join(err) for rid in ("AMA-02", "BAS-01", "XYZ-01"))
    assert count(get_engine(target), "journal") == 0
    # the good rows alone are imported; again: every id already there (unless --replace)
    good = write_csv(tmp_path / "good.csv", head, rows[6:])
    assert run(capsys, "--db", target, "import", "--kilde", "journal", good)[0] == 0
    code, _, err = run(capsys, "--db", target, "import", "--kilde", "journal", good)
    assert code == 1 and "findes allerede i databasen — brug --replace" in err[0]
    assert run(capsys, "--db", target, "import", "--kilde", "journal", good, "--replace")[0] == 0
    assert count(get_engine(target), "journal") == len(rows) - 6


def test_import_of_leaders_checks_sites_and_columns(db, eng, guide, tmp_path, capsys):
    user(eng, guide, "ja")
    head = ["source_id", "site", "site_type", "informant_id", "tilbud_paa_stedet", "ukendt_kolonne"]
    code, _, err = run(capsys, "--db", db, "import", "--kilde", "leder",
                       write_csv(tmp_path / "l.csv", head, [["LE-AMA", "Amadeus", "boform", "LEDER-1", "", "x"]]))
    assert code == 1 and any("ukendte kolonner" in e.lower() and "ukendt_kolonne" in e for e in err)
    assert any("kolonne site_type: værdi boform — stedet Amadeus er registreret som vaerested" in e for e in err)
    code, out, err = run(capsys, "--db", db, "import", "--kilde", "leder",
                         write_csv(tmp_path / "l2.csv", head[:4], [["LE-AMA", "Amadeus", "vaerested", "LEDER-1"],
                                                                   ["LE-NYT", "Nyt Sted", "boform", "LEDER-2"]]))
    assert (code, err) == (0, []), err
    assert {s.name for s in svc.list_sites(eng)} == {"Amadeus", "Nyt Sted"}


# ---------------------------------------------------------------- the tables through the demo and the CLI

def test_brugerblik_demo_loads_the_synthetic_sources_and_planer_gives_section_6_3(demo_db, eng, guide, capsys):
    code, out, _ = run(capsys, "--db", demo_db, "table", "planer", "--format", "csv")
    assert code == 0
    t = pd.read_csv(io.StringIO("\n".join(out)))
    rows = {(r.site_type, r.kilde): r for r in t.itertuples()}
    assert (rows[("boform", "kommune")].journaler, rows[("boform", "kommune")].handleplan,
            rows[("boform", "kommune")].jobplan) == (25, 5, 6)       # 5 of 25 handleplaner, 6 of 25 jobplaner
    assert (rows[("vaerested", "kommune")].journaler, rows[("vaerested", "kommune")].handleplan,
            rows[("vaerested", "kommune")].jobplan) == (23, 3, 8)    # 3 of 23, 8 of 23
    # every table from the store equals the one computed on the demo's own frames
    frames = build_demo_sources(guide)
    for tid in R.SOURCE_TABLES:
        for fmt in ("csv", "md"):
            code, out, err = run(capsys, "--db", demo_db, "table", tid, "--format", fmt)
            counted = ["n = 61 afsluttede interview."]  # issue 14: what was counted (CSV: on stderr)
            assert (code, err) == (0, counted if fmt == "csv" else [])
            if fmt == "md":
                assert out[-2:] == ["", counted[0]]
                out = out[:-2]
            assert "\n".join(out) + "\n" == R.render(tid, frames["brugere"], frames=frames, fmt=fmt)
    code, out, _ = run(capsys, "--db", demo_db, "table", "planer", "--site-type", "vaerested", "--format", "csv")
    assert code == 0 and out[1].startswith("boform,kommune,0,") and out[3].startswith("vaerested,kommune,23,3,8,")
    code, _, err = run(capsys, "--db", demo_db, "table", "nope")
    assert code == 1 and "bilag_c, oversigt_interview, planer, enighed" in err[0]
    # the users' published tables are unchanged by the sources (tests/test_published_numbers.py too)
    assert len(store.load_wide(eng, guide)) == 61
    # counts: 34 case-worker interviews, 47 contact-person, 12 leaders, 72 case files; all marked demo
    assert {inf: count(eng, inf) for inf in ss.SOURCE_INFORMANTS} == {"sagsbehandler": 34, "kontaktperson": 47,
                                                                      "leder": 12, "journal": 72}
    with session_scope(eng) as s:
        assert set(s.execute(select(Interview.source).where(Interview.informant != "bruger")).scalars()) == {"demo"}
    # demo --replace gives the same tables again
    assert run(capsys, "--db", demo_db, "demo", "--replace")[0] == 0
    code, out2, _ = run(capsys, "--db", demo_db, "table", "bilag_c", "--format", "csv")
    assert "\n".join(out2) + "\n" == R.render("bilag_c", frames["brugere"], frames=frames, fmt="csv")


def test_the_workbook_has_the_source_sheets_with_the_same_numbers(demo_db, eng, guide, tmp_path, capsys):
    out = tmp_path / "rapport.xlsx"
    assert run(capsys, "--db", demo_db, "report", str(out))[0] == 0
    wb = openpyxl.load_workbook(out)
    names = wb.sheetnames
    assert names.index("Krydstabel 2") < names.index("Bilag C") < names.index("Oversigt interview") \
        < names.index("Planer (6.3)") < names.index("Enighed (7.4)") < names.index("Citater")
    frames = build_demo_sources(guide)

    def rows(ws):
        out = []
        for r in ws.iter_rows(min_row=5, values_only=True):
            if r[0] is None or str(r[0]).startswith("Definition"):
                break
            out.append(list(r))
        return out

    planer = TR.planer(frames["journal"], frames["brugere"])
    got = rows(wb["Planer (6.3)"])
    assert [r[2:4] + [r[5]] for r in got] == planer[["journaler", "handleplan", "jobplan"]].values.tolist()
    assert got[0][:5] == ["Boform", "Kommunens journal", 25, 5, pytest.approx(0.2)]
    assert got[2][:4] == ["Værested", "Kommunens journal", 23, 3] and got[2][5] == 8
    status = source_status(frames["brugere"], frames, frames["aarsager"])
    bilag = TR.bilag_c(status)
    got = rows(wb["Bilag C"])
    assert len(got) == 61 and [r[2] for r in got] == list(bilag["respondent_id"])
    assert {r[2]: r[3] for r in got}["AMA-02"] == "Ingen tilladelse" and {r[2]: r[3] for r in got}["AMA-01"] == "X"
    ov = TR.oversigt_interview(status, frames["brugere"])
    got = rows(wb["Oversigt interview"])
    assert [r[2:] for r in got] == ov[ov.columns[2:]].values.tolist()
    en = TR.enighed_bruger_sagsbehandler(frames["brugere"], frames["sagsbehandler"])
    got = rows(wb["Enighed (7.4)"])
    assert [r[1:7] for r in got] == en[["par", "n", "enige", "delvist", "uenige", "mangler"]].values.tolist()
    metode = {r[0]: r[1] for r in wb["Metode"].iter_rows(values_only=True) if r[0]}
    assert "Bilag C" in metode and "Planer (6.3)" in metode
    # a site-type filter keeps only that population's sources
    out2 = tmp_path / "vaerested.xlsx"
    assert run(capsys, "--db", demo_db, "report", str(out2), "--site-type", "vaerested")[0] == 0
    got = rows(openpyxl.load_workbook(out2)["Planer (6.3)"])
    assert [r[2] for r in got] == [0, 0, 23, 23, 0]


# ---------------------------------------------------------------- field packages and the migration

def test_a_field_package_carries_the_sources(demo_db, eng, guide, new_db_url, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_PAKKEKODE", "feltkode til testen")
    pkg = tmp_path / "felt.zip"
    assert run(capsys, "--db", demo_db, "export", "package", str(pkg))[0] == 0
    target = new_db_url()
    assert run(capsys, "--db", target, "merge", str(pkg))[0] == 0
    te = get_engine(target)
    assert {inf: count(te, inf) for inf in ss.SOURCE_INFORMANTS} == {"sagsbehandler": 34, "kontaktperson": 47,
                                                                     "leder": 12, "journal": 72}
    a, b = ss.load_sources(eng), ss.load_sources(te)
    for inf in ss.SOURCE_INFORMANTS:
        pd.testing.assert_frame_equal(a[inf], b[inf])
    assert run(capsys, "--db", target, "merge", str(pkg))[0] == 0  # idempotent: nothing changes


def test_the_migration_makes_every_existing_interview_a_users_own(new_db_url):
    url = new_db_url(empty=True)
    e = make_engine(url, migrate=False)
    try:
        sdb.upgrade(e, "0003_app_user")
        with e.begin() as c:
            c.execute(text("INSERT INTO site (name, site_type, prefix) VALUES ('Basen', 'boform', 'BAS')"))
            c.execute(text("INSERT INTO interview (id, respondent_id, site_id, status, guide_form_id, guide_version, "
                           "created_at, updated_at, source) VALUES ('00000000-0000-4000-8000-000000000001', "
                           "'BAS-01', (SELECT id FROM site), 'complete', 'f', '1', :t, :t, 'interview')"),
                      {"t": "2026-01-02 03:04:05"})
        sdb.upgrade(e)
        with e.connect() as c:
            assert c.execute(text("SELECT informant, subject_interview_id FROM interview")).one() == ("bruger", None)
            assert c.execute(text("SELECT count(*) FROM source_status")).scalar_one() == 0
        assert sdb.current_revision(e) == sdb.head_revision()
    finally:
        e.dispose()


@pytest.mark.parametrize("tid, informant", [("journal_lovgrundlag", "journal"), ("sb_fokus", "sagsbehandler"),
                                            ("kp_deltagelse", "kontaktperson")])
def test_the_cli_counts_no_source_about_a_draft_user_as_the_workbook(demo_db, eng, guide, capsys, tid, informant):
    """A reviewer found `brugerblik table journal_lovgrundlag` counting the case files about users whose
    interview is a draft (a «Uoplyst» row, n = 44 against the workbook's 40): the registry now limits the
    sources to the population's users always, not only with a filter."""
    from report import data as report_data

    frames = ss.load_all(eng, guide)
    about = frames[informant]["respondent_id"].dropna()
    rid = about.value_counts().index[0]  # a user with sources about them
    with session_scope(eng) as s:
        s.execute(text("UPDATE interview SET status = 'draft' WHERE respondent_id = :r AND informant = 'bruger'"),
                  {"r": rid})
    code, out, _ = run(capsys, "--db", demo_db, "table", tid, "--format", "csv")
    rows = {r["site_type"]: r for r in csv.DictReader(io.StringIO("\n".join(out)))}
    assert code == 0 and "uoplyst" not in rows  # no source without its user's site
    data = report_data.load(eng, guide)  # what the workbook and the page count
    want = R.compute(tid, data.pop, guide, frames=data.sources())
    assert int(rows["i_alt"]["n"]) == int(want.set_index("site_type").loc["i_alt", "n"])
    assert rid not in set(data.sources()[informant]["respondent_id"])


def test_a_stored_value_outside_the_guide_stops_the_workbook_with_a_danish_message(demo_db, eng, guide, capsys,
                                                                                 tmp_path):
    """A reviewer stored «=2+2» as a user's tilbudstype (a store edited outside the app): `brugerblik report`
    ended in a Python traceback from the agreement tables. Now the Danish message and exit 1, no file."""
    frames = ss.load_all(eng, guide)
    rid = frames["sagsbehandler"]["respondent_id"].dropna().iloc[0]
    with session_scope(eng) as s:
        s.execute(text("UPDATE answer SET value = '=2+2' WHERE code = 'tilbudstype' AND interview_id = "
                       "(SELECT id FROM interview WHERE respondent_id = :r AND informant = 'bruger')"), {"r": rid})
    out = tmp_path / "r.xlsx"
    code, lines, err = run(capsys, "--db", demo_db, "report", str(out))
    assert code == 1 and not out.exists()
    # since survey.guide_fit the store's value outside the guide stops the command before the workbook is
    # begun: the guide is refused for the store, naming the sheet, row and code (never the value)
    assert any("koden 'tilbudstype'" in line and "gemte svar er ikke valg" in line for line in err), err
    assert "Traceback" not in "\n".join(err)
    assert "=2+2" not in "\n".join(err)  # the value is not quoted


def test_a_source_about_a_draft_user_is_not_exported_unless_asked(db, eng, guide, tmp_path, capsys):
    """Hostile test of issue 14: a completed case worker's interview about a user whose own
    interview is still a draft was exported by default (and --med-kladder changed nothing). It is
    left out, counted in a line, and included with --med-kladder, which says so."""
    done = user(eng, guide, "ja")
    draft = user(eng, guide, "ja")
    g = ss.informant_guide("sagsbehandler")
    ids = {}
    for u in (done, draft):
        sb = ss.start_source_interview(eng, "sagsbehandler", subject_interview_id=u.id, interviewer="KL")
        assert svc.save_answer(eng, g, sb.id, "fokus", "konkret").ok
        svc.complete(eng, g, sb.id, reason="test")
        ids[u.id] = sb.respondent_id
    svc.complete(eng, guide, done.id, reason="test")
    assert list(ss.load_sources(eng, ["sagsbehandler"])["sagsbehandler"]["source_id"]) == [ids[done.id]]
    assert sorted(ss.load_sources(eng, ["sagsbehandler"], drafts=True)["sagsbehandler"]["source_id"]) == \
        sorted(ids.values())
    out_csv = tmp_path / "sb.csv"
    code, out, _ = run(capsys, "--db", db, "export", "raw", str(out_csv), "--kilde", "sagsbehandler")
    assert code == 0 and "Eksporterede 1 kilder" in out[0]
    assert any("1 kilde, der selv er en kladde eller handler om en bruger, hvis interview er en kladde, er ikke "
               "eksporteret; brug --med-kladder" in line for line in out), out
    text = out_csv.read_text(encoding="utf-8")
    assert ids[done.id] in text and ids[draft.id] not in text
    code, out, _ = run(capsys, "--db", db, "export", "raw", str(out_csv), "--kilde", "sagsbehandler", "--med-kladder")
    assert code == 0 and "Eksporterede 2 kilder" in out[0] and any(line.startswith("MED KLADDER: filen indeholder 1 "
                                                                               "kilde") for line in out), out
    assert ids[draft.id] in out_csv.read_text(encoding="utf-8")
