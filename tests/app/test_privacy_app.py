"""«Samtykke og sletning» in the app (issue 12, ui/privacy_view.py): a researcher records a withdrawal
and deletes a respondent on the Kilder page (with a confirmation step), an administrator does it on
«Brugere og steder», and administrators — only they — see the reminder to delete the raw data."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlmodel import Session

from survey import privacy
from survey.demo import load_demo
from survey.models import ConsentWithdrawal, Interview
from tests.app.test_roles import db, login, run_ok, texts  # noqa: F401 (db: the fixture with one user per role)
from tests.app.pages import switch


@pytest.fixture
def study(db, guide):  # noqa: F811
    load_demo(db, guide)
    return db


def _exists(engine, rid) -> bool:
    with Session(engine) as s:
        return s.execute(select(Interview.id).where(Interview.respondent_id == rid)).first() is not None


def test_a_researcher_records_a_withdrawal_and_deletes_after_confirming_on_the_kilder_page(study):
    rid = "KFU-01"
    at = login("fie")
    at.query_params["r"] = rid
    switch(at, "kilder")
    run_ok(at)
    at.radio(key=f"kilder_pv_wd_purpose_{rid}").set_value("journal")
    at.text_input(key=f"kilder_pv_wd_reason_{rid}").input("Ringede og trak tilladelsen tilbage")
    at.button(key=f"kilder_pv_wd_btn_{rid}").click()
    run_ok(at)
    assert f"Registreret: {rid} trak samtykket til journalindsigt tilbage" in texts(at)
    with Session(study) as s:
        w = s.execute(select(ConsentWithdrawal)).scalars().one()
    assert (w.purpose, w.reason, w.recorded_by) == ("journal", "Ringede og trak tilladelsen tilbage", "fie")
    # deletion: no reason, no deletion; then a confirmation step that names every interview
    at.button(key=f"kilder_pv_del_btn_{rid}").click()
    run_ok(at)
    assert any("begrundelse" in e.value for e in at.error) and _exists(study, rid)
    at.text_input(key=f"kilder_pv_del_reason_{rid}").input("Anmodning om sletning")
    at.button(key=f"kilder_pv_del_btn_{rid}").click()
    run_ok(at)
    warning = "\n".join(w.value for w in at.warning)
    assert "Er du sikker?" in warning and f"SB-{rid}" in warning and "Sikkerhedskopier" in warning
    assert _exists(study, rid)
    at.button(key=f"kilder_pv_del_no_{rid}").click()  # «Fortryd»: nothing deleted
    run_ok(at)
    assert _exists(study, rid) and not any("Er du sikker?" in w.value for w in at.warning)
    at.button(key=f"kilder_pv_del_btn_{rid}").click()
    run_ok(at)
    at.button(key=f"kilder_pv_del_yes_{rid}").click()
    run_ok(at)
    assert not _exists(study, rid) and not _exists(study, f"SB-{rid}")
    with Session(study) as s:
        assert {t.who for t in privacy.tombstones(s)} == {"fie"}


def test_an_administrator_deletes_on_the_admin_page_and_alone_sees_the_retention_reminder(study):
    privacy.set_end_date(study, dt.date(2020, 1, 1), who="adam")
    fie = login("fie")
    assert not any("Påmindelse" in w.value for w in fie.sidebar.warning)
    at = login("adam")
    shown = "\n".join(w.value for w in at.sidebar.warning).replace("\\", "")  # markdown escapes (ui.common.md)
    assert "Påmindelse: undersøgelsens slutdato (2020-01-01) er passeret" in shown and "fritekstsvar" in shown
    switch(at, "administration")
    run_ok(at)
    at.selectbox(key="adm_pv_rid").select("AMA-01")
    run_ok(at)
    at.text_input(key="adm_pv_del_reason_AMA-01").input("Anmodning om sletning")
    at.button(key="adm_pv_del_btn_AMA-01").click()
    run_ok(at)
    at.button(key="adm_pv_del_yes_AMA-01").click()
    run_ok(at)
    assert "Slettet:" in texts(at) and not _exists(study, "AMA-01")
    assert at.text_input(key="pv_end_date").value == "01.01.2020"
