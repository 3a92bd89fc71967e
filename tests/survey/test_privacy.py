"""Withdrawal of consent, deletion of a respondent and retention (issue 12, `survey.privacy`), on the
demo study (61 users and their sources): nothing new is stored after a withdrawal, every export
leaves the respondent out, a deletion leaves no row about them but a content-free tombstone, the
tombstone travels with field packages both ways, and the raw data goes after the study's end
date while the tables stay the same."""
from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile

import pandas as pd
import pyreadstat
import pytest
from sqlalchemy import func, inspect, select, text
from sqlmodel import Session

from brugerblik.cli import main
from archetypes import coding as arch
from coding import agreement, codebook, quotebank
from coding.anonymise import export_masker
from coding import transcripts as tr
from exports import qdpx, raw, spss, workbook
from report import registry as R
from survey import auth, clock, demo, privacy, source_store, store, sync, wideio
from survey import interview as svc
from survey.db import make_engine, session_scope
from survey.models import Answer, AuditEntry, Interview, MergeConflict, Quote
from survey.sources import JournalConsentError
from tests.survey.test_sync import PASS, _rewrite, export, field_work, merge, snapshot

MARK = "Zulfikar Øberg-Hansen"  # a name only the enriched respondent's text holds


@pytest.fixture
def study(engine, guide):
    demo.load_demo(engine, guide)
    return engine


def _user(engine, rid):
    with Session(engine) as s:
        return s.execute(select(Interview).where(Interview.respondent_id == rid)).scalars().one()


def _journal_user(engine) -> tuple[str, str]:
    """(respondent id, interview id) of a demo user with consent to journal access and a case-file extract."""
    with Session(engine) as s:
        rows = s.execute(select(Interview.subject_interview_id).where(Interview.informant == "journal")).scalars()
        subjects = sorted(set(rows))
        consent = source_store.consent_values(s, subjects)
        iid = next(i for i in subjects if consent[i] == "ja")
        return s.get(Interview, iid).respondent_id, iid


def enrich(engine, guide, rid: str) -> dict:
    """Everything a respondent can have besides answers: a quote, a transcript with a coded segment and
    a memo, a quote from the transcript with theme codes and code decisions, the archetype with
    evidence, double coding and a settled value, a consent record, a merge conflict."""
    iv = _user(engine, rid)
    svc.reopen(engine, iv.id, who="fie", reason="citater")
    q, msg = svc.add_quote(engine, guide, iv.id, "hvorfor_her", f"Min bror {MARK} kom her først", who="fie")
    assert q is not None, msg
    assert svc.save_answer(engine, guide, iv.id, "hvorfor_her", f"Fordi {MARK} sagde det", who="fie").ok
    assert svc.save_answer(engine, guide, iv.id, "consent_journal", "nej", who="fie").ok
    with session_scope(engine) as s:
        codebook.ensure_seeded(s)
        key = codebook.all_codes(s)[0].key
        info = tr.import_transcript(s, rid, f"I: Hvem hjælper dig?\nB: Det gør {MARK}, hver dag.\n".encode(),
                                    "samtale.txt", who="fie")
    with session_scope(engine) as s:
        from coding.transcripts import Segment, Transcript

        seg_id = s.execute(select(Segment.id).join(Transcript, Transcript.id == Segment.transcript_id)
                           .where(Transcript.id == info.id).order_by(Segment.idx.desc())).scalars().first()
        tr.code_segment(s, seg_id, [key], memo=f"memo om {MARK}", who="fie", source="manuel")
        quote = tr.quote_from_segment(s, seg_id, who="fie")
        quotebank.code_quote(s, q.id, [key], who="fie", source="regel")
        arch.set_arketype(s, guide, iv.id, "den_aeldre", who="fie", reason=f"som {MARK} sagde")
        arch.link_evidence(s, iv.id, [q.id], who="fie")
        agreement.record(s, "fie", ("respondent", rid), "arketype", "den_aeldre", guide=guide)
        agreement.record(s, "ole", ("respondent", rid), "arketype", "gamle_junkie", guide=guide)
        agreement.record(s, "fie", ("quote", str(quote.id)), f"tema:{key}", "1")
        agreement.record(s, "fie", ("segment", str(seg_id)), f"tema:{key}", "1")
        agreement.settle(s, ("respondent", rid), "arketype", "den_aeldre", who="fie", guide=guide)
        s.add(MergeConflict(interview_id=iv.id, respondent_id=rid, kind="begge_aendret", reason="test",
                            package_id="p", laptop_hash="x" * 64, laptop_version=json.dumps({"id": iv.id, "x": MARK})))
    return {"interview_id": iv.id, "quote_id": q.id, "segment_id": seg_id, "key": key}


def _contains(blob: str, rid: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(rid)}(?![\w])", blob) is not None


def export_texts(engine, guide, tmp_path) -> dict[str, str]:
    """Every export's text: raw CSV and XLSX, SPSS, REFI-QDA, the workbook, table 3.1, the quality map,
    the quote bank, the sources' raw export and the triangulation frames."""
    out = {}
    raw.export_file(engine, guide, tmp_path / "raw.csv", anonymised=False)
    out["raw.csv"] = (tmp_path / "raw.csv").read_text(encoding="utf-8-sig")
    raw.export_file(engine, guide, tmp_path / "raw.xlsx", anonymised=False)
    out["raw.xlsx"] = _zip_text(tmp_path / "raw.xlsx")
    spss.export_sav(engine, guide, tmp_path / "data.sav", anonymised=False)
    df, _ = pyreadstat.read_sav(str(tmp_path / "data.sav"))
    out["spss"] = df.to_csv()
    qdpx.export_qdpx(engine, guide, tmp_path / "p.qdpx", anonymised=False)
    out["qdpx"] = _zip_text(tmp_path / "p.qdpx")
    workbook.build_workbook(engine, guide, tmp_path / "rapport.xlsx")
    out["workbook"] = _zip_text(tmp_path / "rapport.xlsx")
    wide = store.load_wide(engine, guide)
    out["wide"] = wide.to_csv()
    out["table 3.1"] = R.render("3.1", wide, guide, fmt="csv")
    out["kvalitetskort"] = R.render("kvalitetskort", wide, guide, fmt="csv")
    with Session(engine) as s:
        out["citatbank"] = quotebank.export_quotes(s, guide, anonymised=False).to_csv()
    for inf in source_store.SOURCE_INFORMANTS:
        raw.export_sources(engine, inf, tmp_path / f"{inf}.csv", anonymised=False)
        out[f"kilde {inf}"] = (tmp_path / f"{inf}.csv").read_text(encoding="utf-8-sig")
    frames = source_store.load_all(engine, guide)
    out["aarsager"] = frames["aarsager"].to_csv()
    return out


def _zip_text(path) -> str:
    with zipfile.ZipFile(path) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                         if n.endswith((".xml", ".qde", ".txt", ".rels")))


# ---------------------------------------------------------------- withdrawal

def _rich_users(engine) -> list[str]:
    """Demo users with four sources each (case worker, contact person, two case files), by id."""
    with Session(engine) as s:
        rows = s.execute(select(Interview.subject_interview_id, func.count())
                         .where(Interview.subject_interview_id.isnot(None))
                         .group_by(Interview.subject_interview_id)).all()
        return sorted(s.get(Interview, i).respondent_id for i, n in rows if n >= 4)


def test_withdrawal_of_the_interview_blocks_new_data_and_every_export_leaves_them_out(study, guide, tmp_path):
    rid, other = _rich_users(study)[:2]
    ids = enrich(study, guide, rid)
    with Session(study) as s:
        srcs = {i.respondent_id: i for i in s.execute(select(Interview).where(
            Interview.subject_interview_id == ids["interview_id"])).scalars()}
    assert srcs, "the demo user has sources"
    before = export_texts(study, guide, tmp_path)
    for name in ("raw.csv", "raw.xlsx", "spss", "qdpx", "workbook", "wide", "citatbank", "kilde sagsbehandler"):
        assert _contains(before[name], rid), name  # each export shows the respondent before
    assert MARK in before["qdpx"] and MARK in before["raw.csv"]
    with pytest.raises(auth.AuthError):
        privacy.withdraw(study, rid, "interview", reason="x", principal=auth.Principal("ida", "interviewer"))
    v = privacy.withdraw(study, rid, "interview", withdrawn_on=dt.date(2026, 3, 2), reason="Ringede og bad om det",
                         principal=auth.Principal("fie", "researcher"))
    assert (v.respondent_id, v.purpose, v.withdrawn_on, v.recorded_by, v.already) == \
        (rid, "interview", dt.date(2026, 3, 2), "fie", False)
    again = privacy.withdraw(study, rid, "interview", reason="igen", who="x")
    assert again.already and again.reason == "Ringede og bad om det"
    with pytest.raises(privacy.PrivacyError, match="fremtiden"):
        privacy.withdraw(study, other, "interview", withdrawn_on=clock.today() + dt.timedelta(days=1), reason="x")
    with pytest.raises(privacy.PrivacyError, match="begrundelse"):
        privacy.withdraw(study, other, "interview", reason="  ")

    # the start page of a new source no longer offers them (a tester); the Kilder page's overview still lists them
    assert rid not in {u["respondent_id"] for u in source_store.users(study, for_new_source=True)}
    assert other in {u["respondent_id"] for u in source_store.users(study, for_new_source=True)}
    assert rid in {u["respondent_id"] for u in source_store.users(study)}
    rows = sync.count_rows(study)
    iid = ids["interview_id"]
    # nothing new: answers, quotes, transcripts, coding, sources, imports
    r = svc.save_answer(study, guide, iid, "hverdag", "Jeg går tur")
    assert not r.ok and "trukket tilbage" in r.message
    q, msg = svc.add_quote(study, guide, iid, "hvorfor_her", "Et nyt citat")
    assert q is None and "trukket tilbage" in msg
    q2, msg = svc.update_quote(study, iid, ids["quote_id"], text="Rettet tekst")
    assert q2 is None and "trukket tilbage" in msg
    for fn in (lambda s: tr.import_transcript(s, rid, b"I: Hej\nB: Hej\n", "ny.txt", who="fie"),
               lambda s: tr.code_segment(s, ids["segment_id"], [ids["key"]], who="fie"),
               lambda s: tr.quote_from_segment(s, ids["segment_id"], who="fie"),
               lambda s: quotebank.code_quote(s, ids["quote_id"], [ids["key"]], who="fie"),
               lambda s: quotebank.mark_for_report(s, ids["quote_id"], True, who="fie"),
               lambda s: codebook.record_decision(s, "quote", ids["quote_id"], ids["key"], "rejected", who="fie"),
               lambda s: agreement.record(s, "fie", ("respondent", rid), "samlet_tilfredshed", "tilfreds", guide=guide),
               lambda s: arch.set_arketype(s, guide, iid, "gamle_junkie", who="fie")):
        with pytest.raises(privacy.WithdrawnError), session_scope(study) as s:
            fn(s)
    with pytest.raises(source_store.SourceError, match="trukket"):
        source_store.start_source_interview(study, "sagsbehandler", respondent_id=rid)
    res = wideio.import_bytes(study, guide, _csv([[rid, *_site(study, rid), "45"]]), replace=True)
    assert res.written == 0 and "trukket samtykket tilbage" in res.problems[0].text_da, res.problems
    src = [i for i in srcs.values() if i.informant == "sagsbehandler"]
    if src:
        svc.reopen(study, src[0].id, who="fie", reason="rettelse")
        r = svc.save_answer(study, source_store.informant_guide("sagsbehandler"), src[0].id, "noter", "ny note")
        assert not r.ok and "trukket" in r.message
    now = sync.count_rows(study)
    assert {k: v for k, v in now.items() if k != "audit_entry"} == {k: v for k, v in rows.items() if k != "audit_entry"}
    # a removal is still allowed (nothing new is stored)
    assert svc.delete_quote(study, iid, ids["quote_id"]) == ""

    after = export_texts(study, guide, tmp_path)
    for name, blob in after.items():
        assert not _contains(blob, rid), name
        for sid in srcs:
            assert not _contains(blob, sid), (name, sid)
        assert MARK not in blob, name
    assert _contains(after["raw.csv"], other)
    assert len(store.load_wide(study, guide)) == 60
    # the data recorded before is still in the store (withdrawal is not deletion)
    with Session(study) as s:
        assert s.get(Interview, iid) is not None
        assert s.execute(select(func.count()).select_from(Answer).where(Answer.interview_id == iid)).scalar() > 0


def _site(engine, rid) -> tuple[str, str]:
    from survey.models import Site

    with Session(engine) as s:
        site = s.get(Site, _user(engine, rid).site_id)
        return site.name, site.site_type


def _csv(rows) -> bytes:
    buf = io.StringIO()
    buf.write("respondent_id,site,site_type,age\r\n")
    for r in rows:
        buf.write(",".join(r) + "\r\n")
    return buf.getvalue().encode("utf-8")


def test_today_is_the_study_zones_date_not_the_machines(study, monkeypatch):
    """At 23:30 UTC on 4 December it is already 5 December in Copenhagen: the app's date field offers
    the 5th, so the 5th is today, not the future (CI failed on this an hour before midnight)."""
    monkeypatch.setenv("BRUGERBLIK_TZ", "Europe/Copenhagen")
    monkeypatch.setattr(clock, "utcnow", lambda: dt.datetime(2026, 12, 4, 23, 30, tzinfo=dt.timezone.utc))
    assert clock.today() == dt.date(2026, 12, 5)
    assert clock.today(dt.timezone.utc) == dt.date(2026, 12, 4)
    rid = _rich_users(study)[0]
    with pytest.raises(privacy.PrivacyError, match="fremtiden"):
        privacy.withdraw(study, rid, "interview", withdrawn_on=dt.date(2026, 12, 6), reason="x", who="fie")
    v = privacy.withdraw(study, rid, "interview", withdrawn_on=dt.date(2026, 12, 5), reason="x", who="fie")
    assert v.withdrawn_on == dt.date(2026, 12, 5) and not v.already


def test_withdrawal_of_journal_consent_closes_the_case_file_and_exports_leave_the_extracts_out(study, guide,
                                                                                                 tmp_path):
    rid, iid = _journal_user(study)
    before = source_store.load_sources(study)
    n_journal = int((before["journal"]["respondent_id"] == rid).sum())
    assert n_journal >= 1
    with pytest.raises(privacy.PrivacyError, match="brugerens eget id"):
        with Session(study) as s:
            sid = s.execute(select(Interview.respondent_id).where(Interview.subject_interview_id == iid)).scalars().first()
        privacy.withdraw(study, sid, "journal", reason="x")
    privacy.withdraw(study, rid, "journal", reason="Trak tilladelsen til journalindsigt tilbage")
    with Session(study) as s:
        assert source_store.consent_values(s, [iid])[iid] == privacy.WITHDRAWN
        extract = s.execute(select(Interview).where(Interview.subject_interview_id == iid,
                                                    Interview.informant == "journal")).scalars().first()
        with pytest.raises(JournalConsentError, match="trukket sit samtykke til journalindsigt tilbage"):
            source_store.check_journal_consent(s, iid)
    with pytest.raises(JournalConsentError):
        source_store.start_source_interview(study, "journal", respondent_id=rid, kilde="kommune")
    r = svc.save_answer(study, source_store.informant_guide("journal"), extract.id, "noter", "mere")
    assert not r.ok
    after = source_store.load_sources(study)
    assert not (after["journal"]["respondent_id"] == rid).any()
    assert len(after["journal"]) == len(before["journal"]) - n_journal
    # the user's own interview and the other sources about them stay in the exports
    assert rid in set(store.load_wide(study, guide)["respondent_id"])
    assert (after["sagsbehandler"]["respondent_id"] == rid).sum() == (before["sagsbehandler"]["respondent_id"] == rid).sum()
    # an import of a case file about them is refused
    frame = before["journal"][before["journal"]["respondent_id"] == rid].copy()
    frame["source_id"] = "JK-NY-1"
    data = frame.to_csv(index=False).encode("utf-8")
    res = source_store.import_sources(study, "journal", data)
    assert res.written == 0 and res.problems
    # an import --replace of the user keeps the withdrawal (it moves to the rebuilt interview)
    wide = store.load_wide(study, guide)
    row = wide[wide["respondent_id"] == rid]
    with session_scope(study) as s:
        store.insert_wide(s, guide, row, replace=True)
    new = _user(study, rid)
    assert new.id != iid
    with Session(study) as s:
        assert source_store.consent_values(s, [new.id])[new.id] == privacy.WITHDRAWN


# ---------------------------------------------------------------- deletion

def test_deletion_removes_every_row_about_them_and_leaves_a_content_free_tombstone(study, guide, tmp_path):
    rid = _rich_users(study)[0]
    ids = enrich(study, guide, rid)
    privacy.withdraw(study, rid, "journal", reason="Først journalen")
    iid = ids["interview_id"]
    with Session(study) as s:
        about = {i.id: (i.respondent_id, i.informant) for i in s.execute(select(Interview).where(
            (Interview.id == iid) | (Interview.subject_interview_id == iid))).scalars()}
    assert len(about) >= 2
    before_rows = sync.count_rows(study)
    with pytest.raises(auth.AuthError):
        privacy.delete_respondent(study, rid, reason="x", principal=auth.Principal("rita", "report_writer"))
    with pytest.raises(privacy.PrivacyError, match="begrundelse"):
        privacy.delete_respondent(study, rid, reason="")
    assert sync.count_rows(study) == before_rows
    res = privacy.delete_respondent(study, rid, reason="Anmodning om sletning (art. 17)",
                                    principal=auth.Principal("adam", "admin"))
    assert {t.interview_id for t in res.deleted} == set(about)
    assert "Sikkerhedskopier fra før sletningen" in res.summary()
    after_rows = sync.count_rows(study)
    # every table lost exactly what the tombstones count; the audit trail gained one tombstone each
    for table, n in before_rows.items():
        gone = res.counts.get(table, 0)
        extra = len(about) if table == "audit_entry" else 0
        assert after_rows[table] == n - gone + extra, table
    assert res.counts["answer"] > 0 and res.counts["quote"] == 2 and res.counts["transcript"] == 1
    for table in ("segment_code", "quote_code", "code_decision", "coding_decision", "decision_evidence",
                  "coder_value", "settled_value", "consent_record", "consent_withdrawal", "merge_conflict"):
        assert res.counts.get(table, 0) >= 1, table
    # nothing anywhere holds them: no row names the interviews, the respondent id or the text
    dump = _dump(study)
    for i in about:
        assert [r for r in dump if i in r and not r.startswith("audit_entry") ] == []
    for sid, _ in about.values():
        assert not any(_contains(r, sid) for r in dump), sid
    assert not any(MARK in r for r in dump)
    with Session(study) as s:
        stones = s.execute(select(AuditEntry).where(AuditEntry.entity == privacy.TOMBSTONE_ENTITY)).scalars().all()
        assert {a.interview_id for a in stones} == set(about)
        assert s.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.interview_id.in_(list(about)), AuditEntry.entity != privacy.TOMBSTONE_ENTITY)).scalar() == 0
    for a in stones:
        data = json.loads(a.new_value)
        assert set(data) == {"art", "antal", "grund", "noegle"} and a.who == "adam" and a.old_value is None
        assert data["noegle"] == store.respondent_key(about[a.interview_id][0])
        assert data["grund"] == "Anmodning om sletning (art. 17)" and data["art"] == about[a.interview_id][1]
    # no export has them
    for name, blob in export_texts(study, guide, tmp_path).items():
        assert not _contains(blob, rid) and MARK not in blob, name
    assert len(store.load_wide(study, guide)) == 60
    with pytest.raises(privacy.PrivacyError, match="allerede slettet"):
        privacy.delete_respondent(study, rid, reason="igen")
    # the CLI lists the deletions without respondent ids
    out = _cli(study, ["respondent", "oversigt"])
    assert iid in out and not _contains(out, rid)


def _exists(engine, rid) -> bool:
    with Session(engine) as s:
        return s.execute(select(Interview.id).where(Interview.respondent_id == rid)).first() is not None


def _dump(engine) -> list[str]:
    """Every row of every table as text, prefixed by the table's name."""
    out = []
    with engine.connect() as c:
        for t in inspect(c).get_table_names():
            if t == "alembic_version":
                continue
            for r in c.execute(text(f'SELECT * FROM "{t}"')).all():
                out.append(t + ": " + " | ".join(str(x) for x in r))
    return out


def _cli(engine, argv) -> str:
    import contextlib

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["--db", engine.url.render_as_string(hide_password=False), *argv]) == 0
    return buf.getvalue()


def test_a_deleted_id_never_comes_back_from_an_old_file_a_new_interview_or_another_laptop(study, guide, tmp_path):
    """Issue 12: the tombstone keeps the id's fingerprint (never the id), so re-importing an old export,
    starting a new interview or source and a package with the same id cannot bring a deleted one back."""
    with Session(study) as s:
        site_of = {iv.respondent_id: iv.site_id for iv in s.execute(select(Interview)
                                                                     .where(Interview.informant == "bruger")).scalars()}
    # the highest number of its site (the next interview there would take it), with a case worker's interview
    tops = {max(r for r in site_of if r.rsplit("-", 1)[0] == p) for p in {r.rsplit("-", 1)[0] for r in site_of}}
    rid = min(r for r in tops if any(x.informant == "sagsbehandler" for x in _sources_of(study, r)))
    prefix = rid.rsplit("-", 1)[0]
    raw.export_file(study, guide, tmp_path / "old.csv", anonymised=False)
    raw.export_sources(study, "sagsbehandler", tmp_path / "old_sb.csv", anonymised=False)
    sb = [x.respondent_id for x in _sources_of(study, rid) if x.informant == "sagsbehandler"]
    assert sb
    privacy.delete_respondent(study, rid, reason="Anmodning om sletning")
    with Session(study) as s:
        stones = s.execute(select(AuditEntry.new_value).where(AuditEntry.entity == privacy.TOMBSTONE_ENTITY)
                           ).scalars().all()
        assert not any(_contains(v, rid) or _contains(v, sb[0]) for v in stones)
        assert store.deleted_respondent_ids(s, [rid, sb[0], "AMA-99"]) == {rid, sb[0]}
    before = sync.count_rows(study)
    # the old export, as it was and with only their row (with --replace too): refused, nothing changes
    old = (tmp_path / "old.csv").read_bytes()
    lines = old.decode("utf-8-sig").splitlines(keepends=True)
    theirs = (lines[0] + next(x for x in lines if x.startswith(rid + ","))).encode("utf-8")
    for data, replace in ((old, True), (theirs, False), (theirs, True)):
        res = wideio.import_bytes(study, guide, data, replace=replace)
        assert not res.ok and any(rid in p.format() and "slettet" in p.format() for p in res.problems)
    res = source_store.import_sources(study, "sagsbehandler", tmp_path / "old_sb.csv", replace=True)
    assert not res.ok  # their case worker's interview: about a user who is gone
    # a case worker's interview deleted on its own (the user stays): its row of the old file is refused
    other = next(x.respondent_id for r in sorted(site_of) if r != rid for x in _sources_of(study, r)
                 if x.informant == "sagsbehandler")
    privacy.delete_respondent(study, other, reason="Sagsbehandleren trak samtykket tilbage")
    before = sync.count_rows(study)
    sb_lines = (tmp_path / "old_sb.csv").read_text(encoding="utf-8-sig").splitlines(keepends=True)
    row = (sb_lines[0] + next(x for x in sb_lines if x.startswith(other + ","))).encode("utf-8")
    for replace in (False, True):
        res = source_store.import_sources(study, "sagsbehandler", row, replace=replace)
        assert not res.ok and any(other in p.format() and "slettet" in p.format() for p in res.problems)
    assert sync.count_rows(study) == before
    # a new interview at the same site gets the next number after theirs, never theirs
    with Session(study) as s:
        from survey.models import Site

        site = s.get(Site, site_of[rid])
    info = svc.start_interview(study, guide, site_name=site.name, interviewer="KL")
    n = int(rid.rsplit("-", 1)[1])
    assert info.respondent_id == f"{prefix}-{n + 1:02d}"
    with session_scope(study) as s, pytest.raises(store.StoreError, match="slettet"):
        store.create_interview(s, guide, s.get(Site, site_of[rid]), respondent_id=rid)


def test_a_deleted_id_does_not_come_back_in_other_capitals_or_unicode_forms(study, guide, tmp_path):
    """Found by a hostile tester: «ama-02» or «ＡＭＡ-02» (fullwidth) imported the deleted AMA-02 again, and
    «ama-01» beside AMA-01 stored one person twice. Ids are compared in `store.id_form`."""
    raw.export_file(study, guide, tmp_path / "old.csv", anonymised=False)
    lines = (tmp_path / "old.csv").read_text(encoding="utf-8-sig").splitlines(keepends=True)
    row = {r.split(",", 1)[0]: r for r in lines[1:]}
    deleted, kept = "AMA-02", "AMA-01"
    privacy.delete_respondent(study, deleted, reason="Anmodning om sletning")
    before = sync.count_rows(study)
    for variant in ("ama-02", "ＡＭＡ-02", "Ama-02 "):
        data = (lines[0] + variant + "," + row[deleted].split(",", 1)[1]).encode("utf-8")
        res = wideio.import_bytes(study, guide, data)
        assert not res.ok and any("slettet" in p.format() for p in res.problems), (variant, res.problems)
    # look-alikes in other scripts or with a dot (a tester imported «ВAS-05» with a Cyrillic В, and «BAS-05.»):
    # not a pseudonym at all (Latin letters and æøå, digits, - _ . inside)
    for variant in ("\u0410MA-02", "AM\u0391-02", "AMA-02.", "-AMA-02", "AMA-02_"):
        data = (lines[0] + variant + "," + row[deleted].split(",", 1)[1]).encode("utf-8")
        res = wideio.import_bytes(study, guide, data)
        assert not res.ok and any("pseudonym af bogstaverne a-z og æøå" in p.format() and variant not in p.format()
                                  for p in res.problems), (variant, res.problems)
    for fine in ("AMA-02", "ØLB-01", "SB-AMA-01-2", "a.b_c-1", "X"):
        assert guide.check_value("respondent_id", fine) == (fine, None), fine
    assert sync.count_rows(study) == before
    with Session(study) as s:
        assert store.deleted_respondent_ids(s, ["ama-02", "ＡＭＡ-02", "AMA-03"]) == {"ama-02", "ＡＭＡ-02"}
    # a look-alike of an id in the store, and two look-alikes in one file
    data = (lines[0] + "ama-01," + row[kept].split(",", 1)[1]).encode("utf-8")
    res = wideio.import_bytes(study, guide, data)
    assert not res.ok and any("«ama-01» og «AMA-01» (findes)" in p.format() for p in res.problems), res.problems
    data = (lines[0] + "NEW-01," + row[kept].split(",", 1)[1] + "new-01," + row[kept].split(",", 1)[1]).encode("utf-8")
    res = wideio.import_bytes(study, guide, data)
    assert not res.ok
    assert sync.count_rows(study) == before
    with session_scope(study) as s, pytest.raises(store.StoreError, match="samme id"):
        from survey.models import Site

        store.create_interview(s, guide, s.execute(select(Site)).scalars().first(), respondent_id="ama-01")


def _sources_of(engine, rid):
    with Session(engine) as s:
        uid = s.execute(select(Interview.id).where(Interview.respondent_id == rid)).scalar_one()
        return list(s.execute(select(Interview).where(Interview.subject_interview_id == uid)).scalars())


def test_a_laptops_interview_with_a_deleted_id_under_another_uuid_is_never_stored(laptop, central, guide, tmp_path):
    """Hostile audit of issue 12: a copy of a deleted respondent under a new UUID (``import --replace``
    on the laptop) — or another person given the same number — is not stored centrally, not even
    as a conflict (a conflict kept the laptop's whole version and could be settled with a new id:
    the deleted person back). The laptop hears which id, and that its own copy is still there."""
    (a,) = field_work(laptop, guide, n=1)
    merge(central, export(laptop, tmp_path, "p1.zip"))
    rid = _get(central, a).respondent_id
    privacy.delete_respondent(central, rid, reason="Anmodning om sletning")
    p2 = _rewrite(export(laptop, tmp_path, "p2.zip"), tmp_path / "p2b.zip", data=lambda d: _new_uuid(d, a))
    before = sync.count_rows(central)
    r = merge(central, p2)
    assert not r.inserted and not r.conflicts and r.deleted_id_skipped == [rid]
    assert "respondent-id'et er slettet her" in r.summary() and "intet er gemt, heller ikke som konflikt" in r.summary()
    with Session(central) as s:
        assert s.execute(select(Interview).where(Interview.respondent_id == rid)).first() is None
        assert s.execute(select(MergeConflict)).first() is None
    assert sync.count_rows(central)["interview"] == before["interview"]
    # the laptop's copy under the other UUID: the central package's tombstone cannot delete it (it
    # may be someone else with the same number), but the merge warns by id
    with Session(laptop) as s:
        assert privacy.ids_matching_tombstones(s, [{"key": store.respondent_key(rid)}, {"uid": "x"}]) == [rid]
        assert privacy.ids_matching_tombstones(s, [{"key": store.respondent_key("AMA-99")}]) == []
    warned = sync.MergeResult("p", deleted_id_here=[rid]).summary()
    assert f"ADVARSEL: 1 interview her har et respondent-id, der er slettet der, pakken kommer fra: {rid}" in warned


def test_a_source_about_a_left_out_user_is_never_stored_not_even_as_a_conflict(laptop, central, guide, tmp_path):
    """Hostile test of issue 12: a copy of a deleted user under a new UUID (``import --replace`` on a
    laptop restored from before the deletion) was left out — but a case worker's interview about
    that copy became a conflict «kilde_uden_bruger» holding all of it, which no deletion could
    remove; ``--brug laptop`` then crashed on the missing user. Now the source is left out too."""
    a, b = field_work(laptop, guide, n=2)
    merge(central, export(laptop, tmp_path, "p1.zip"))
    rid_a, rid_b = _get(central, a).respondent_id, _get(central, b).respondent_id
    for iid in (a, b):
        src = source_store.start_source_interview(laptop, "sagsbehandler", subject_interview_id=iid, interviewer="KL")
        assert svc.save_answer(laptop, source_store.informant_guide("sagsbehandler"), src.id, "noter",
                               "Hemmelig note om forløbet").ok
    privacy.delete_respondent(central, rid_a, reason="Anmodning om sletning")
    privacy.withdraw(central, rid_b, "interview", reason="Vil ikke mere")

    p2 = _rewrite(export(laptop, tmp_path, "p2.zip"), tmp_path / "p2b.zip", data=_as_replaced(a, b))
    before = sync.count_rows(central)
    r = merge(central, p2)
    assert r.deleted_id_skipped == [rid_a] and [x for x, _ in r.withdrawn_skipped] == [rid_b]
    with Session(laptop) as s:
        sources = sorted(s.execute(select(Interview.respondent_id).where(Interview.subject_interview_id.in_([a, b]))
                                   ).scalars())
    assert sorted(r.about_left_out) == sources and len(sources) == 2
    assert not r.conflicts and not r.inserted
    assert "heller ikke som konflikt" in r.summary() and "Hemmelig" not in r.summary()
    with Session(central) as s:
        assert s.execute(select(MergeConflict)).first() is None
    assert sync.count_rows(central)["interview"] == before["interview"]


def test_a_sources_conflict_without_its_user_is_refused_in_danish_not_a_crash(laptop, central, guide, tmp_path):
    """«--brug laptop» on a source whose user is not in the central store: a Danish refusal (it
    was an IntegrityError with a traceback), nothing changed."""
    (a,) = field_work(laptop, guide, n=1)
    src = source_store.start_source_interview(laptop, "sagsbehandler", subject_interview_id=a, interviewer="KL")
    assert svc.save_answer(laptop, source_store.informant_guide("sagsbehandler"), src.id, "noter", "Note").ok
    p = export(laptop, tmp_path, "p.zip")
    r = merge(central, _rewrite(p, tmp_path / "only_source.zip",
                                data=lambda d: dict(d, interviews=[v for v in d["interviews"] if v["id"] != a])))
    assert [k for k, _ in r.conflicts] and not r.inserted
    with Session(central) as s:
        cid = s.execute(select(MergeConflict.id)).scalar_one()
    before = sync.count_rows(central)
    with pytest.raises(sync.SyncError, match="findes ikke centralt. Flet brugerens interview først"):
        sync.resolve_conflict(central, cid, "laptop")
    assert sync.count_rows(central) == before
    assert len(merge(central, p).inserted) == 2  # the whole package: the user, then the source about them


def test_a_laptops_copy_of_a_withdrawn_respondent_under_another_uuid_is_left_out(laptop, central, guide, tmp_path):
    (a,) = field_work(laptop, guide, n=1)
    merge(central, export(laptop, tmp_path, "p1.zip"))
    rid = _get(central, a).respondent_id
    privacy.withdraw(central, rid, "interview", reason="Vil ikke mere")

    p2 = _rewrite(export(laptop, tmp_path, "p2.zip"), tmp_path / "p2b.zip", data=_as_replaced(a))
    r = merge(central, p2)
    assert not r.inserted and not r.conflicts and [x for x, _ in r.withdrawn_skipped] == [rid]
    with Session(central) as s:
        assert s.execute(select(MergeConflict)).first() is None


def test_a_package_with_a_quote_from_a_transcript_merges(laptop, central, guide, tmp_path):
    """Hostile audit of issue 12: a quote taken from a transcript (item code «transskription») made
    every package holding it unmergeable."""
    (a,) = field_work(laptop, guide, n=1)
    rid = _get(laptop, a).respondent_id
    with session_scope(laptop) as s:
        info = tr.import_transcript(s, rid, b"I: Hvordan er dagen?\nB: Den er god.\n", "t.txt", who="Ida")
        q = tr.quote_from_segment(s, tr.segments_for(s, info.id)[1].id, who="Ida", copy_codes=False)
        assert q.item_code == "transskription"
    r = merge(central, export(laptop, tmp_path, "p.zip"))
    assert r.inserted == [rid]
    with Session(central) as s:
        assert s.execute(select(Quote.text).where(Quote.item_code == "transskription")).scalars().all() == ["Den er god."]


def _as_replaced(*ids: str):
    """A package edit: these interviews under new UUIDs and their quotes under new ids, as
    ``import --replace`` on the laptop makes them."""
    def edit(d: dict) -> dict:
        import uuid

        for old in ids:
            d = _new_uuid(d, old)
        for v in d["interviews"]:
            for q in v["quotes"]:
                q["uid"] = str(uuid.uuid4())
            v["hash"] = sync.content_hash(v)
        return d
    return edit


def _new_uuid(d: dict, old: str) -> dict:
    import uuid

    new = str(uuid.uuid4())
    d = json.loads(json.dumps(d).replace(old, new))
    for v in d["interviews"]:
        v["hash"] = sync.content_hash(v)
    return d


def test_a_sources_own_id_deletes_that_source_only(study, guide):
    with Session(study) as s:
        src = s.execute(select(Interview).where(Interview.informant == "sagsbehandler")).scalars().first()
        user = s.get(Interview, src.subject_interview_id)
    res = privacy.delete_respondent(study, src.respondent_id, reason="Sagsbehandleren bad om det")
    assert [t.interview_id for t in res.deleted] == [src.id]
    assert _exists(study, user.respondent_id)


# ---------------------------------------------------------------- deletions travel



def test_a_deletion_travels_both_ways_and_an_old_package_cannot_bring_it_back(laptop, central, guide, tmp_path):
    a, b = field_work(laptop, guide, n=2)
    src = source_store.start_source_interview(laptop, "sagsbehandler", subject_interview_id=a, interviewer="KL")
    assert svc.save_answer(laptop, source_store.informant_guide("sagsbehandler"), src.id, "noter", "Godt forløb").ok
    p1 = export(laptop, tmp_path, "p1.zip")
    assert not merge(central, p1).conflicts
    rid_a = _get(central, a).respondent_id
    # the laptop goes on with A (and has not heard of the deletion yet)
    svc.reopen(laptop, a, who="KL", reason="tilføjelse")
    assert svc.save_answer(laptop, guide, a, "hverdag", "Jeg går tur med hunden").ok
    p2 = export(laptop, tmp_path, "p2.zip")
    # centrally: A is deleted (with the source about A), B withdraws consent to the interview
    res = privacy.delete_respondent(central, rid_a, reason="Anmodning om sletning")
    assert {t.interview_id for t in res.deleted} == {a, src.id}
    privacy.withdraw(central, _get(central, b).respondent_id, "interview", reason="Trak samtykket tilbage")
    pc = sync.export_package(central, tmp_path / "central.zip", passphrase=PASS,
                             principal=auth.Principal("fie", "researcher")).path
    data = json.loads(sync.read_package_file(pc, PASS)[1])
    assert {t["interview_id"] for t in data["deleted"]} == {a, src.id}
    assert all(set(t) == {"uid", "interview_id", "informant", "who", "at", "reason", "counts", "key"}
               for t in data["deleted"])
    assert {t["key"] for t in data["deleted"]} == {store.respondent_key(rid_a), store.respondent_key(src.respondent_id)}
    assert [w["interview_id"] for w in data["withdrawn"]] == [b]
    # the laptop merges the central package: refused until the admin says yes (it cannot be undone;
    # anyone with the package code can write a package), naming what it would delete and withdraw
    # the laptop has met the other sources' guides before (survey.guide_fit records that at the first command or
    # page that reads them, the merge's own start too): what the refused merge may not change is the rest
    source_store.check_guides(laptop)
    before_laptop = snapshot(laptop)
    with pytest.raises(sync.SyncError) as refused:
        merge(laptop, pc)
    msg = str(refused.value)
    rid_b, rid_src = _get(laptop, b).respondent_id, _get(laptop, src.id).respondent_id
    assert "intet er ændret" in msg and "--tillad-sletning" in msg
    assert f"sletter 2 interview (en brugers kilder med brugeren): {', '.join(sorted([rid_a, rid_src]))}" in msg
    assert f"registrerer 1 tilbagetrækning(er) af samtykke: {rid_b} (interviewet)" in msg
    assert "Jeg går tur med hunden" not in msg and "Anmodning om sletning" not in msg
    assert snapshot(laptop) == before_laptop
    # with the yes: A and its source are gone there too
    r = merge(laptop, pc, allow_deletions=True)
    assert set(r.deleted_here) == {a, src.id} and r.withdrawals_added == 1
    assert "slettet her" in r.summary()
    assert _get(laptop, a) is None and _get(laptop, src.id) is None
    with Session(laptop) as s:
        assert privacy.deleted_ids(s, [a, src.id, b]) == {a, src.id}
        assert s.execute(select(func.count()).select_from(Answer).where(Answer.interview_id.in_([a, src.id]))
                         ).scalar() == 0
        assert s.execute(select(func.count()).select_from(Quote).where(Quote.interview_id == a)).scalar() == 0
    assert not svc.save_answer(laptop, guide, b, "hverdag", "Ny").ok  # the withdrawal arrived too
    # the laptop's older package (A changed there) does not bring A back centrally
    before = sync.count_rows(central)
    r2 = merge(central, p2)
    assert set(r2.not_restored) == {a, src.id} and not r2.inserted and not r2.updated and not r2.conflicts
    assert "bliver ikke genskabt" in r2.summary()
    assert _get(central, a) is None and sync.count_rows(central) == before
    assert not merge(central, p1).changed  # nor the first one
    # the laptop's next package carries the tombstones (no content, no respondent id) and changes nothing
    p3 = export(laptop, tmp_path, "p3.zip")
    raw = sync.read_package_file(p3, PASS)[1].decode("utf-8")
    assert not _contains(raw, rid_a) and "Jeg går tur med hunden" not in raw
    r3 = merge(central, p3)
    assert not r3.changed and not r3.tombstones_added


def test_a_package_from_the_laptop_cannot_change_a_withdrawn_interview(laptop, central, guide, tmp_path):
    (a,) = field_work(laptop, guide, n=1)
    merge(central, export(laptop, tmp_path, "p1.zip"))
    privacy.withdraw(central, _get(central, a).respondent_id, "interview", reason="Trak samtykket tilbage")
    svc.reopen(laptop, a, who="KL", reason="mere")
    assert svc.save_answer(laptop, guide, a, "hverdag", "Noget nyt").ok
    before = sync.count_rows(central)
    r = merge(central, export(laptop, tmp_path, "p2.zip"))
    assert [x[0] for x in r.withdrawn_skipped] == [_get(central, a).respondent_id] and not r.conflicts
    assert "samtykket er trukket tilbage" in r.summary()
    assert sync.count_rows(central) == before
    with Session(central) as s:
        assert "Noget nyt" not in json.dumps(store.get_answers(s, a))


def _get(engine, iid):
    with Session(engine) as s:
        return s.get(Interview, iid)


def test_package_format_3_is_checked_strictly_and_format_2_still_merges(laptop, central, guide, tmp_path):
    field_work(laptop, guide, n=1)
    p = export(laptop, tmp_path)

    def with_stone(extra=None):
        def edit(d):
            stone = {"uid": "8d0bd3c1-4f4e-4a2b-9d55-6a1f0e5a0b11", "interview_id": "1b4e28ba-2fa1-41d2-883f-0016d3cca427",
                     "informant": "bruger", "who": "fie", "at": "2026-12-01T10:00:00.000000Z", "reason": "x",
                     "counts": {"answer": 3}}
            stone.update(extra or {})
            d["deleted"].append(stone)
            return d
        return edit

    ok = merge(central, _rewrite(p, tmp_path / "ok.zip", data=with_stone()))
    assert ok.tombstones_added == 1 and len(ok.inserted) == 1
    with pytest.raises(sync.SyncError, match="gravstens felter"):
        merge(central, _rewrite(p, tmp_path / "c.zip", data=with_stone({"answers": ["hemmelig"]})))
    with pytest.raises(sync.SyncError, match="counts"):
        merge(central, _rewrite(p, tmp_path / "n.zip", data=with_stone({"counts": {"answer": "tre"}})))
    with pytest.raises(sync.SyncError, match="opbygning"):
        merge(central, _rewrite(p, tmp_path / "v2.zip", manifest=lambda m: m.update(version=2)))

    def old(d):
        del d["deleted"], d["withdrawn"]
        return d
    with pytest.raises(sync.SyncError, match="mangler|liste"):
        merge(central, _rewrite(p, tmp_path / "v3.zip", data=old))
    r = merge(central, _rewrite(p, tmp_path / "v2ok.zip", manifest=lambda m: m.update(version=2), data=old))
    assert not r.conflicts


# ---------------------------------------------------------------- retention

def test_retention_reminds_admins_and_raw_data_goes_while_the_tables_stay(study, guide, tmp_path, capsys):
    enrich(study, guide, _rich_users(study)[0])
    url = study.url.render_as_string(hide_password=False)
    wide_before = store.load_wide(study, guide)
    closed = [c for c in guide.codes if guide.items[c].type != "text"]
    table_before = R.render("3.1", wide_before, guide, fmt="csv")
    map_before = R.render("kvalitetskort", wide_before, guide, fmt="csv")
    with pytest.raises(auth.AuthError):
        privacy.set_end_date(study, dt.date(2020, 1, 1), principal=auth.Principal("fie", "researcher"))
    assert main(["--db", url, "respondent", "opbevaring", "--slutdato", (dt.date.today() + dt.timedelta(days=30))
                 .isoformat()]) == 0
    assert main(["--db", url, "table", "3.1"]) == 0
    assert "Påmindelse" not in capsys.readouterr().err
    assert main(["--db", url, "respondent", "opbevaring", "--slutdato", "2020-01-01"]) == 0
    assert main(["--db", url, "table", "3.1"]) == 0
    err = capsys.readouterr().err
    assert "Påmindelse: undersøgelsens slutdato (2020-01-01) er passeret" in err and "slet-raadata" in err
    # a preview changes nothing
    rows = sync.count_rows(study)
    assert main(["--db", url, "respondent", "slet-raadata"]) == 0
    out = capsys.readouterr().out
    assert "Intet er slettet endnu" in out and "1 transskriptioner" in out
    assert sync.count_rows(study) == rows
    res = privacy.delete_raw_data(study, guide, confirm=True, masker=export_masker(study),
                                  principal=auth.Principal("adam", "admin"))
    assert res.done and res.counts["transcript"] == 1 and res.counts["answer"] > 0
    codes = privacy.free_text_codes(guide, study)
    with Session(study) as s:
        assert privacy.raw_data_counts(s, codes) == {"transcript": 0, "transcript_segment": 0, "quote": 0, "answer": 0,
                                                     "journal": res.counts.get("journal", 0) or
                                                     privacy.raw_data_counts(s, codes)["journal"],
                                                     "merge_conflict": 0}
        quotes = s.execute(select(Quote.text)).scalars().all()
        assert quotes and not any(MARK.split()[0] in q for q in quotes)
        assert all(a.old_value is None and a.new_value is None for a in s.execute(
            select(AuditEntry).where(AuditEntry.entity.in_(("quote", "transcript")))).scalars())
        assert not any(MARK in r for r in _dump(study))
        journals = s.execute(select(func.count()).select_from(Interview).where(Interview.informant == "journal")
                             ).scalar()
        assert journals > 0  # their coded answers stay (the table «planer»)
    wide_after = store.load_wide(study, guide)
    pd.testing.assert_frame_equal(wide_before[closed], wide_after[closed])
    assert R.render("3.1", wide_after, guide, fmt="csv") == table_before
    assert R.render("kvalitetskort", wide_after, guide, fmt="csv") == map_before
    assert privacy.retention_reminder(study, guide) is None
    assert main(["--db", url, "table", "3.1"]) == 0
    assert "Påmindelse" not in capsys.readouterr().err
    # with the case-file extracts as a whole: tombstoned, so laptops delete them too
    res2 = privacy.delete_raw_data(study, guide, confirm=True, journal=True, masker=export_masker(study))
    assert res2.deleted and all(t.informant == "journal" for t in res2.deleted)
    with Session(study) as s:
        assert s.execute(select(func.count()).select_from(Interview).where(Interview.informant == "journal")
                         ).scalar() == 0


def test_the_reminder_is_for_administrators_only(db_url, guide, capsys, monkeypatch):
    from argon2 import PasswordHasher

    e = make_engine(db_url)
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    field_work(e, guide, n=1)
    with session_scope(e) as s:
        auth.add_user(s, "adam", "admin", "adam-hemmelig-1")
        auth.add_user(s, "fie", "researcher", "fie-hemmelig-12")
    privacy.set_end_date(e, dt.date(2020, 1, 1), who="adam")
    for user, pw, shown_ in (("fie", "fie-hemmelig-12", False), ("adam", "adam-hemmelig-1", True)):
        monkeypatch.setenv("BRUGERBLIK_PASSWORD", pw)
        assert main(["--db", db_url, "--bruger", user, "guide", "check"]) == 0
        assert ("Påmindelse" in capsys.readouterr().err) is shown_, user
    monkeypatch.setenv("BRUGERBLIK_PASSWORD", "fie-hemmelig-12")
    assert main(["--db", db_url, "--bruger", "fie", "respondent", "slet-raadata"]) == 3
    e.dispose()


def test_a_reason_with_a_name_phone_or_e_mail_is_kept_anonymised(study, guide, capsys):
    """Hostile audit of issue 12: the reason went verbatim into the tombstone (and every package)."""
    rid_a, rid_b = _rich_users(study)[:2]
    assert main(["--db", study.url.render_as_string(hide_password=False), "respondent", "tilbagetraek", rid_a,
                 "--samtykke", "interview", "--grund", "Mor til Fatima Yilmaz, tlf 22334455"]) == 0
    assert main(["--db", study.url.render_as_string(hide_password=False), "respondent", "slet", rid_b,
                 "--grund", "Hodan Warsame ringede, tlf 22334455, hodan@mail.dk"]) == 0
    capsys.readouterr()
    reasons = [w.reason for w in privacy.list_withdrawals(study)] + [t.reason for t in privacy.list_deletions(study)]
    blob = " ".join(reasons)
    assert "Fatima" not in blob and "Hodan" not in blob and "22334455" not in blob and "hodan@" not in blob
    assert "Mor til [navn], tlf [telefon]" in reasons
    # a refusal does not repeat the id typed (it may be a CPR number typed by mistake)
    with pytest.raises(privacy.PrivacyError) as e:
        privacy.delete_respondent(study, "120385-1234", reason="x")
    assert "120385" not in str(e.value)


def test_a_withdrawn_journal_consent_is_not_counted_as_given(study, guide):
    """A reviewer: after a user withdrew consent to journal access, the Oversigt table still counted it under
    «Tilladelse til journalindsigt» while the case files were no longer shown. The wide frame carries the
    consent in force («nej»), on both reads of the store, so every table counts it as not given."""
    from report import tables as T
    from survey import plainread

    rid, iid = _journal_user(study)
    before = store.load_wide(study, guide)
    assert before.set_index("respondent_id").loc[rid, "consent_journal"] == "ja"
    given = int(T.oversigt(before, guide).iloc[-1]["samtykke_givet"])
    privacy.withdraw(study, rid, "journal", reason="Trak tilladelsen tilbage")
    after = store.load_wide(study, guide)
    assert after.set_index("respondent_id").loc[rid, "consent_journal"] == "nej"
    t = T.oversigt(after, guide).iloc[-1]
    assert (int(t["samtykke_givet"]), int(t["samtykke_ikke_givet"])) == (
        given - 1, int(T.oversigt(before, guide).iloc[-1]["samtykke_ikke_givet"]) + 1)
    assert (after.drop(columns="consent_journal").equals(before.drop(columns="consent_journal")))
    url = study.url.render_as_string(hide_password=False)
    if url.startswith("sqlite"):
        plain = plainread.open_report_store(url)
        assert plain is not None and plain.wide(guide).equals(after)
