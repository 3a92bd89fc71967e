"""Merge conflicts in the app: an administrator sees those that wait on the Administration page's tab
«Feltpakker» (the fields that differ by their labels, never their values) and settles one there through
the same service as ``brugerblik merge --resolve`` (audited under their name); the Rapport page says the
laptop's versions are not counted while they wait; no one but an administrator sees the tab's content."""
from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from survey import interview as svc
from survey import store, sync
from survey.db import make_engine
from survey.models import AuditEntry
from tests.app.pages import switch
from tests.app.test_roles import db, login, run_ok, texts  # noqa: F401 (db: the fixture with one user per role)
from tests.survey.test_conflicts_counted import WAITS, make_conflict


def _tab(at, label: str):
    return next(t for t in at.tabs if t.label == label)


def test_an_administrator_settles_a_waiting_conflict_on_the_admin_page(db, guide, new_db_url, tmp_path):  # noqa: F811
    laptop = make_engine(new_db_url())
    try:
        iid, _pkg = make_conflict(laptop, db, guide, tmp_path)
    finally:
        laptop.dispose()
    rita = login("rita")                                  # a report writer: told, in the Rapport page
    switch(rita, "rapport")
    run_ok(rita)
    assert any(WAITS in w.value for w in rita.warning)

    at = login("adam")
    switch(at, "administration")
    run_ok(at)
    tab = _tab(at, "Feltpakker")
    assert any("Flettekonflikter, der venter (1)" in m.value for m in tab.markdown)
    table = next(d.value for d in tab.dataframe if "Respondent" in d.value.columns)
    row = table.iloc[0].to_dict()
    assert row["Respondent"] == "AMA-01" and row["Hvad"] == "ændret både på feltcomputeren og centralt"
    assert row["Forskellige felter"] == guide.item("age").label          # the field by its label …
    # … never its values: the text columns (the package's random id and the time can hold these digits by chance)
    said = table[["Respondent", "Hvad", "Hvorfor", "Forskellige felter"]].to_csv()
    assert "77" not in said and "31" not in said

    at.button(key="cf_go").click()   # nothing chosen: refused, nothing done
    run_ok(at)
    assert any("Vælg en konflikt" in e.value for e in at.error) and store.count_open_conflicts(db) == 1
    at.selectbox(key="cf_pick").select_index(0)
    at.radio(key="cf_use").set_value("laptop")
    at.button(key="cf_go").click()
    run_ok(at)
    assert "feltcomputerens udgave af AMA-01 er brugt" in texts(at)
    assert store.count_open_conflicts(db) == 0
    assert svc.load_state(db, iid).answers["age"] == "31"               # the laptop's version is the store's
    with Session(db) as s:
        notes = [(a.who, a.note) for a in s.execute(select(AuditEntry).where(AuditEntry.entity == "merge",
                                                                            AuditEntry.interview_id == iid))
                 .scalars()]
    assert ("adam", f"flettekonflikt {sync.list_conflicts(db, include_resolved=True)[0].id} afgjort: laptop") in notes
    assert any("Ingen flettekonflikter venter" in c.value for c in _tab(at, "Feltpakker").caption)
    run_ok(rita)
    assert not any(WAITS in w.value for w in rita.warning)


def test_only_an_administrator_sees_the_conflicts(db, guide, new_db_url, tmp_path):  # noqa: F811
    laptop = make_engine(new_db_url())
    try:
        make_conflict(laptop, db, guide, tmp_path)
    finally:
        laptop.dispose()
    fie = login("fie")
    switch(fie, "administration")
    run_ok(fie)
    assert "Flettekonflikter" not in texts(fie) and "AMA-01" not in texts(fie)
