"""Logins and roles in the app (issue 6) through streamlit.testing (AppTest).

For each role: sign in through the form, check the menu the browser is sent (the navigation
message, hidden pages left out), and open every page the role may not use by its path: the
page shows «Adgang nægtet» and nothing of its own. Also: an interviewer sees and opens only
their own interviews; a report writer's downloads are anonymised; an administrator creates a
user who can then sign in; a wrong password, the throttle, the inactivity timeout (back to
the same URL), a forced password change, a user disabled while signed in; the open store (no
users) shows the banner and every page; and every page function (ui/pages.py) run on its own, without
app.py, refuses a visitor who is not signed in.
"""
from __future__ import annotations

import datetime as dt
import time
import inspect
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.local_script_runner import LocalScriptRunner

from survey import auth
from survey import interview as svc
from survey.db import get_engine, session_scope
from survey.models import Answer, AuditEntry
from ui import access
from tests.app.autosave_driver import shown_text, type_text
from ui.common import LAST_SEEN, LIVE_CHECKED, PRINCIPAL, wkey
from tests.app.pages import switch

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
TIMEOUT = 60
PW = "hemmelig-kode-1"
USERS = {"ida": "interviewer", "ole": "interviewer", "fie": "researcher", "rita": "report_writer", "adam": "admin"}
ROLE_USER = {"interviewer": "ida", "researcher": "fie", "report_writer": "rita", "admin": "adam"}
ALL_TITLES = [s.title for s in access.PAGE_SPECS]
EXPECTED_MENU = {
    "interviewer": ["Start og fortsæt", "Interview"],
    "researcher": ["Start og fortsæt", "Interview", "Kodning", "Kodebog", "Transskriptioner", "Citatbank", "Enighed", "Matrix",
                   "Analyser",
                   "Kilder", "Anonymisering", "Rapport", "Historik"],
    "report_writer": ["Rapport"],
    "admin": ["Brugere og steder", "Historik"],
}
DENIED = "Adgang nægtet"


# ---------------------------------------------------------------- fixtures and helpers

@pytest.fixture
def db(db_url, monkeypatch, guide):
    """A store with one user per role (and a second interviewer) and interviews by both interviewers."""
    monkeypatch.setenv("BRUGERBLIK_DB", db_url)
    auth._forget_failures()  # the failed-login counts live in the process: each test starts without any
    e = get_engine(db_url)  # the same engine the app's cache_resource hands out for this URL
    with session_scope(e) as s:
        for name, role in USERS.items():
            auth.add_user(s, name, role, PW, full_name=name.title())
    return e


@pytest.fixture
def ivs(db, guide):
    """ida: a draft and a completed interview; ole: the same."""
    out = {}
    for who, site in (("ida", "Amadeus"), ("ole", "Basen")):
        d = svc.start_interview(db, guide, site_name=site, site_type="vaerested", interviewer=who)
        c = svc.start_interview(db, guide, site_name=site, site_type="vaerested", interviewer=who)
        assert svc.complete(db, guide, c.id, reason="test").ok
        out[who] = {"draft": d, "done": c}
    return out


@pytest.fixture
def menus(monkeypatch):
    """The navigation messages sent to the browser, newest last."""
    seen = []
    orig = LocalScriptRunner.forward_msgs

    def spy(self):
        msgs = orig(self)
        for m in msgs:
            if m.HasField("navigation"):
                seen.append(m.navigation)
        return msgs

    monkeypatch.setattr(LocalScriptRunner, "forward_msgs", spy)
    return seen


def menu(nav) -> list[str]:
    """The page titles the menu shows (hidden pages are not shown)."""
    return [p.page_name for p in nav.app_pages if not p.is_hidden]


def run_ok(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [e.value for e in at.error if "uventet fejl" in e.value], [e.value for e in at.error]
    return at


def texts(at: AppTest) -> str:
    return "\n".join([t.value for t in at.title] + [m.value for m in at.markdown] + [c.value for c in at.caption]
                     + [e.value for e in at.error] + [w.value for w in at.warning] + [s.value for s in at.success]
                     + [i.value for i in at.info])


def login(user: str, pw: str = PW, at: AppTest | None = None) -> AppTest:
    at = at or run_ok(AppTest.from_file(APP, default_timeout=TIMEOUT))
    assert [t.value for t in at.title] == ["Log ind"]
    at.text_input(key="bb_login_user").input(user)
    at.text_input(key="bb_login_pw").input(pw)
    at.button(key="bb_login_btn").click()
    return run_ok(at)


def frame(at: AppTest, column: str):
    """The one dataframe on the page that has `column`."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def is_login_page(at: AppTest) -> bool:
    return [t.value for t in at.title] == ["Log ind"] and PRINCIPAL not in at.session_state


def assert_denied(at: AppTest) -> None:
    """«Adgang nægtet» and nothing of the page: no other title, no widget, table or text of its own."""
    assert [t.value for t in at.title] == [DENIED], [t.value for t in at.title]
    assert any(e.value.startswith(DENIED) for e in at.error)
    main = at.main
    for kind in ("selectbox", "text_input", "text_area", "radio", "button", "dataframe", "multiselect",
                 "checkbox", "date_input", "number_input"):
        assert not getattr(main, kind), (kind, [getattr(w, "key", None) for w in getattr(main, kind)])
    assert not at.markdown and not at.info and not at.warning and not at.success


# ---------------------------------------------------------------- the open store

def test_open_store_shows_the_banner_and_every_page_without_login(db_url, monkeypatch, menus):
    monkeypatch.setenv("BRUGERBLIK_DB", db_url)
    at = run_ok(AppTest.from_file(APP, default_timeout=TIMEOUT))
    assert menu(menus[-1]) == ALL_TITLES
    assert "Log ind" not in [t.value for t in at.title] and PRINCIPAL not in at.session_state
    for spec in access.PAGE_SPECS:
        switch(at, spec.url_path)
        run_ok(at)
        shown = texts(at)
        assert "Ingen brugere er oprettet — alle, der kan åbne appen, har adgang" in shown, spec.url_path
        assert "brugerblik user add" in shown and DENIED not in shown, spec.url_path
        assert not [b for b in at.sidebar.button if b.key in ("bb_logout", "bb_chpw")], spec.url_path  # no «Log ud»


def test_first_administrator_from_the_open_store_then_login_is_required(db_url, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_DB", db_url)
    at = run_ok(AppTest.from_file(APP, default_timeout=TIMEOUT))
    switch(at, "administration")
    run_ok(at)
    assert at.selectbox(key="adm_add_role").options == ["Administrator"]  # the first user is an administrator
    at.text_input(key="adm_add_name").input("chef")
    at.text_input(key="adm_add_pw").input("forste-kode-123")
    at.button(key="adm_add_btn").click()
    run_ok(at)
    assert is_login_page(at)  # from now on the app needs a login
    with session_scope(get_engine(db_url)) as s:
        u = auth.get_user(s, "chef")
        assert u.role == "admin" and u.must_change_password


# ---------------------------------------------------------------- each role

@pytest.mark.parametrize("role", list(ROLE_USER))
def test_each_role_sees_its_pages_and_is_refused_the_others_by_path(db, ivs, role, menus):
    at = login(ROLE_USER[role])
    assert f"Logget ind som **{ROLE_USER[role]}** ({auth.ROLES[role]})" in [c.value for c in at.sidebar.caption]
    assert at.sidebar.button(key="bb_logout")
    assert menu(menus[-1]) == EXPECTED_MENU[role]
    # the first page of the role is where the login lands
    assert [t.value for t in at.title] != [DENIED]
    for spec in access.PAGE_SPECS:
        switch(at, spec.url_path)
        run_ok(at)
        if spec.title in EXPECTED_MENU[role]:
            assert DENIED not in [t.value for t in at.title], (role, spec.url_path)
        else:
            assert_denied(at)
            assert at.sidebar.button(key="bb_logout")  # still signed in, only this page is refused


def test_report_writer_cannot_reach_raw_text_and_gets_only_anonymised_files(db, guide, monkeypatch):
    from survey.demo import load_demo

    assert load_demo(db, guide) == 61
    some = svc.list_interviews(db, guide, ("complete",), with_progress=False, limit=1)[0]
    at = login("rita")
    assert [t.value for t in at.title] == ["Rapport"]  # lands on the Rapport page
    for page in ("kodning", "citatbank", "anonymisering", "interview",
                 "start", "transskriptioner", "historik", "administration"):
        switch(at, page)
        run_ok(at)
        assert_denied(at)
    # an interview link by URL: refused, nothing of the interview shown
    at.query_params["iv"] = some.id
    switch(at, "interview")
    run_ok(at)
    assert_denied(at)
    assert some.respondent_id not in texts(at)
    # every download the Rapport page builds is anonymised
    import exports.qdpx
    import exports.raw
    import exports.spss

    calls = []
    for mod, name in ((exports.raw, "export_file"), (exports.spss, "export_sav"), (exports.qdpx, "export_qdpx")):
        def spy(engine, g, path, _name=name, **k):
            calls.append((_name, k.get("anonymised")))
            Path(path).write_bytes(b"x")
            return 0
        monkeypatch.setattr(mod, name, spy)
    from ui import rapport_view as RV

    switch(at, "rapport")
    run_ok(at)
    at.session_state[RV.K_TAB] = "Hent"
    run_ok(at)
    for fmt in RV.RAW_FORMATS:
        at.selectbox(key="rp_raw_fmt").set_value(fmt)
        run_ok(at)
        at.button(key="rp_build_raw").click()
        run_ok(at)
    assert sorted(calls) == sorted([("export_file", True), ("export_file", True), ("export_sav", True),
                                    ("export_qdpx", True)])


# ---------------------------------------------------------------- interviewers: own interviews only

def test_interviewer_sees_only_own_interviews_and_cannot_open_another_by_url(db, ivs, guide):
    at = login("ida")
    assert [t.value for t in at.title] == ["Interviews"]
    shown = texts(at) + "\n".join(str(p.label) for p in at.main.get("page_link"))
    assert ivs["ida"]["draft"].respondent_id in shown
    assert ivs["ole"]["draft"].respondent_id not in shown
    done = at.selectbox(key="done_pick").options
    assert any(ivs["ida"]["done"].respondent_id in o for o in done)
    assert not any(ivs["ole"]["done"].respondent_id in o for o in done)
    # the interviewer field is ida's and cannot be changed
    assert at.text_input(key="start_interviewer").value == "ida" and at.text_input(key="start_interviewer").disabled
    # another interviewer's interview, by URL: refused
    for iv in (ivs["ole"]["draft"], ivs["ole"]["done"]):
        at.query_params["iv"] = iv.id
        switch(at, "interview")
        run_ok(at)
        assert_denied(at)
        assert iv.respondent_id not in texts(at)
    # her own opens; an answer is stored under her user name; the interviewer field is locked
    iid = ivs["ida"]["draft"].id
    at.query_params["iv"] = iid
    at.query_params["afsnit"] = "om_dig"
    switch(at, "interview")
    run_ok(at)
    assert ivs["ida"]["draft"].respondent_id in texts(at)
    type_text(at, db, iid, "hvorfor_her", "Her er rart.")
    with session_scope(db) as s:
        a = s.execute(select(Answer).where(Answer.interview_id == iid, Answer.code == "hvorfor_her")).scalar_one()
        assert (a.value, a.updated_by) == ("Her er rart.", "ida")
    at.sidebar.radio(key=f"nav_{iid}").set_value("_om")
    run_ok(at)
    assert at.text_input(key=wkey(iid, "interviewer")).disabled


def test_interviewer_starts_an_interview_in_her_own_name(db, guide):
    at = login("ida")
    at.text_input(key="start_new_name").input("Tre Ege")
    at.radio(key="start_new_type").set_value("boform")
    run_ok(at)
    at.button(key="start_btn").click()
    run_ok(at)
    info = svc.get_info(db, at.query_params["iv"])
    assert info.interviewer == "ida" and info.respondent_id == "TRE-01"


def test_researcher_sees_everyone_and_corrections_are_audited_under_the_user_name(db, ivs, guide):
    at = login("fie")
    shown = texts(at) + "\n".join(str(p.label) for p in at.main.get("page_link"))
    assert ivs["ida"]["draft"].respondent_id in shown and ivs["ole"]["draft"].respondent_id in shown
    iid = ivs["ole"]["done"].id
    at.query_params["iv"] = iid
    at.query_params["afsnit"] = "_afslut"
    switch(at, "interview")
    run_ok(at)
    assert not [t for t in at.text_input if t.key == f"reo_who_{iid}"]  # who corrects = who is signed in
    at.text_area(key=f"reo_why_{iid}").input("Rettelse af en tastefejl")
    at.button(key="reopen").click()
    run_ok(at)
    at.sidebar.radio(key=f"nav_{iid}").set_value("om_dig")
    run_ok(at)
    type_text(at, db, iid, "hvorfor_her", "Rettet svar")
    with session_scope(db) as s:
        who = {(a.entity, a.code): a.who for a in s.execute(select(AuditEntry)
                                                             .where(AuditEntry.interview_id == iid)).scalars()}
    assert who[("interview", "status")] == "fie" and who[("answer", "hvorfor_her")] == "fie"
    # the coding pages take the user name, with no «Kodet af» field to type another
    switch(at, "kodning")
    run_ok(at)
    assert not at.sidebar.text_input


# ---------------------------------------------------------------- administration and history

def test_admin_adds_a_user_who_can_then_log_in(db):
    at = login("adam")
    assert [t.value for t in at.title] == ["Administration"]
    users = frame(at, "Brugernavn")
    assert set(users["Brugernavn"]) == set(USERS) and "Sidst logget ind" in users.columns
    assert users.set_index("Brugernavn").loc["rita", "Rolle"] == "Rapportskriver"
    # a refusal in Danish: too short a password
    at.text_input(key="adm_add_name").input("nina")
    at.selectbox(key="adm_add_role").set_value("interviewer")
    at.text_input(key="adm_add_pw").input("kort")
    at.button(key="adm_add_btn").click()
    run_ok(at)
    assert "Adgangskoden er for kort" in texts(at)
    at.text_input(key="adm_add_name").input("nina")
    at.selectbox(key="adm_add_role").set_value("interviewer")
    at.text_input(key="adm_add_pw").input("start-kode-42")
    at.button(key="adm_add_btn").click()
    run_ok(at)
    assert "Brugeren «nina» er oprettet som Interviewer." in texts(at)
    with session_scope(db) as s:
        u = auth.get_user(s, "nina")
        assert u.role == "interviewer" and u.must_change_password
        assert s.execute(select(AuditEntry.who).where(AuditEntry.code == "user:nina")).scalar_one() == "adam"
    # nina signs in and must choose her own password first
    nina = login("nina", "start-kode-42")
    assert [t.value for t in nina.title] == ["Skift adgangskode"] and PRINCIPAL not in nina.session_state
    nina.text_input(key="bb_pw_new").input("ninas-egen-kode")
    nina.text_input(key="bb_pw_again").input("ninas-egen-kode")
    nina.button(key="bb_pw_btn").click()
    run_ok(nina)
    assert nina.session_state[PRINCIPAL] == auth.Principal("nina", "interviewer")
    assert [t.value for t in nina.title] == ["Interviews"]


def test_admin_disables_resets_and_changes_roles(db):
    at = login("adam")
    at.selectbox(key="adm_user").set_value("ole")
    run_ok(at)
    at.button(key="adm_off_ole").click()
    run_ok(at)
    assert "ole er deaktiveret." in texts(at)
    at.selectbox(key="adm_role_ole").set_value("researcher")
    run_ok(at)
    at.button(key="adm_role_btn_ole").click()
    run_ok(at)
    at.text_input(key="adm_pw_new_ole").input("ny-kode-til-ole")
    at.button(key="adm_pw_btn_ole").click()
    run_ok(at)
    with session_scope(db) as s:
        u = auth.get_user(s, "ole")
        assert (u.active, u.role, u.must_change_password) == (False, "researcher", True)
    # the last administrator cannot be disabled: the Danish reason, nothing changed
    at.selectbox(key="adm_user").set_value("adam")
    run_ok(at)
    at.button(key="adm_off_adam").click()
    run_ok(at)
    assert "Den sidste aktive administrator kan ikke deaktiveres." in texts(at)
    with session_scope(db) as s:
        assert auth.get_user(s, "adam").active
    # ole (disabled) cannot sign in: the one generic message
    refused = login("ole", "ny-kode-til-ole")
    assert is_login_page(refused)
    assert "Forkert brugernavn eller adgangskode, eller brugeren er deaktiveret." in texts(refused)


def test_admin_adds_and_renames_a_site(db, ivs):
    at = login("adam")
    at.text_input(key="adm_site_name").input("Kirkens Korshær")
    at.radio(key="adm_site_type").set_value("boform")
    at.button(key="adm_site_add_btn").click()
    run_ok(at)
    assert "Stedet «Kirkens Korshær» er tilføjet." in texts(at)
    sites = {x.name: x for x in svc.list_sites(db)}
    assert sites["Kirkens Korshær"].site_type == "boform"
    at.selectbox(key="adm_site_pick").set_value(sites["Basen"].id)
    run_ok(at)
    sid = sites["Basen"].id
    at.text_input(key=f"adm_site_new_{sid}").input("Amadeus")  # taken
    at.button(key=f"adm_site_save_{sid}").click()
    run_ok(at)
    assert "Der findes allerede et sted, der hedder «Amadeus»." in texts(at)
    at.text_input(key=f"adm_site_new_{sid}").input("Basen Nord")
    at.radio(key=f"adm_site_newtype_{sid}").set_value("boform")
    at.button(key=f"adm_site_save_{sid}").click()
    run_ok(at)
    x = {s.id: s for s in svc.list_sites(db)}[sid]
    assert (x.name, x.site_type, x.prefix) == ("Basen Nord", "boform", "BAS")
    assert svc.get_info(db, ivs["ole"]["draft"].id).site_name == "Basen Nord"


def test_history_is_read_only_and_shows_the_respondents_trail(db, ivs, guide):
    iid = ivs["ida"]["done"].id
    svc.reopen(db, iid, who="fie", reason="Rettelse")
    assert svc.save_answer(db, guide, iid, "hvorfor_her", "Ny tekst", who="fie").ok
    at = login("fie")
    at.query_params["r"] = ivs["ida"]["done"].respondent_id
    switch(at, "historik")
    run_ok(at)
    df = frame(at, "Slags")
    assert {"Tidspunkt", "Hvem", "Slags", "Hvad", "Før", "Efter"} <= set(df.columns)
    assert ((df["Hvem"] == "fie") & (df["Efter"] == "Ny tekst")).any()
    assert (df["Slags"] == "Interview").any()
    # nothing on the page can change the trail: no editor, no button, no input but the respondent picker
    assert not at.main.button and not at.main.text_input and not at.main.text_area
    assert [s.key for s in at.main.selectbox] == ["hist_r"]
    assert not at.main.get("arrow_data_frame_editor") and not at.main.get("data_editor")
    # the administrator also sees the changes to users
    adm = login("adam")
    switch(adm, "historik")
    run_ok(adm)
    users = frame(adm, "Slags")
    assert (users["Slags"] == "Bruger").any()


def test_no_page_writes_or_deletes_audit_entries():
    """The app's code never changes an AuditEntry: the pages only read it (survey.history)."""
    for f in (ROOT / "ui").glob("*.py"):
        src = f.read_text(encoding="utf-8")
        assert "AuditEntry" not in src and "audit_entry" not in src, f.name


# ---------------------------------------------------------------- login, throttle, timeout

def test_wrong_password_gives_one_generic_message_and_waits_after_five(db, monkeypatch):
    at = login("ida", "forkert-kode-1")
    generic = "Forkert brugernavn eller adgangskode, eller brugeren er deaktiveret."
    assert is_login_page(at) and generic in texts(at)
    unknown = login("nobody", "forkert-kode-1")
    assert is_login_page(unknown) and generic in texts(unknown)  # the same words for an unknown name
    for _ in range(4):
        login("ida", "forkert-kode-1", at=at)
    assert "vent 30 sekunder" in texts(at)
    login("ida", PW, at=at)  # even the right password waits
    assert is_login_page(at) and "For mange forkerte forsøg" in texts(at)
    # a tester reloaded the page (a new session) after five failures and was let in: the count is the server's
    reloaded = login("ida", PW)
    assert is_login_page(reloaded) and "For mange forkerte forsøg" in texts(reloaded)
    assert PRINCIPAL not in reloaded.session_state
    # the wait is per user name: another user signs in meanwhile
    other = login("ole")
    assert other.session_state[PRINCIPAL] == auth.Principal("ole", "interviewer")
    # the failure that started the wait is in the audit trail (a known user) — never the password typed
    with session_scope(db) as s:
        notes = [a.note for a in s.execute(select(AuditEntry).where(AuditEntry.code == "user:ida")).scalars()]
    assert any("5 forkerte login-forsøg i træk" in n for n in notes) and not any("forkert-kode" in n for n in notes)
    monkeypatch.setattr(auth, "_clock", lambda: auth.time.monotonic() + auth.WAIT_SECONDS + 1)  # 31 s later
    login("ida", PW, at=at)
    assert at.session_state[PRINCIPAL] == auth.Principal("ida", "interviewer")
    assert auth.login_wait("ida") == 0


def test_timeout_logs_out_and_returns_to_the_same_url(db, ivs, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_SESSION_MINUTES", "20")
    at = login("ida")
    iid = ivs["ida"]["draft"].id
    at.query_params["iv"] = iid
    at.query_params["afsnit"] = "om_dig"
    switch(at, "interview")
    run_ok(at)
    type_text(at, db, iid, "hvorfor_her", "Skrevet lige før pausen")
    # 21 minutes without activity
    at.session_state[LAST_SEEN] = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=21)
    run_ok(at)
    assert is_login_page(at)
    assert "Du er logget ud efter 20 minutters inaktivitet" in texts(at)
    assert not at.sidebar.button and not at.get("bidi_component")  # nothing of the interview is shown
    assert at.query_params["iv"] == iid and at.query_params["afsnit"] == "om_dig"  # the URL is kept
    assert svc.load_state(db, iid).answers["hvorfor_her"] == "Skrevet lige før pausen"  # nothing lost
    login("ida", at=at)
    assert shown_text(at, iid, "hvorfor_her") == "Skrevet lige før pausen"
    assert at.query_params["iv"] == iid


def _end_session(db, how: str, who: str) -> None:
    """End `who`'s sign-in as `how` says, from outside the tab (the CLI, an administrator, another tab)."""
    with session_scope(db) as s:
        if how == "deaktiveret":
            auth.set_active(s, who, False, who="adam")
        elif how == "ny rolle":
            auth.set_role(s, who, "report_writer", who="adam")
        elif how == "nulstillet":
            auth.set_password(s, who, "nulstillet-kode-1", who="adam", must_change=True)
        else:  # «Log ud» in another tab of the same browser
            auth.revoke_sessions(s, who)


@pytest.mark.parametrize("how", ["inaktivitet", "deaktiveret", "ny rolle", "nulstillet", "logget ud andetsteds"])
def test_a_change_made_after_the_session_ended_is_not_saved(db, ivs, monkeypatch, how):
    """Streamlit runs a widget's callback before the script, and a fragment's rerun runs only the
    fragment: neither passed the login check. A tester kept saving answers in an open interview after
    the timeout, after the user was disabled and after a logout elsewhere (ui.common.session_live)."""
    monkeypatch.setenv("BRUGERBLIK_SESSION_MINUTES", "20")
    at = login("fie")  # a researcher: the new role (report writer) may not take interviews
    iid = ivs["ida"]["draft"].id
    at.query_params["iv"] = iid
    at.query_params["afsnit"] = "_om"  # «Om interviewet»: Streamlit's own text input, saved by its callback
    switch(at, "interview")
    run_ok(at)
    at.text_input(key=wkey(iid, "interviewer")).input("Mens sessionen levede")
    run_ok(at)
    assert svc.get_info(db, iid).interviewer == "Mens sessionen levede"
    if how == "inaktivitet":
        at.session_state[LAST_SEEN] = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=21)
    else:
        # the tab's sign-in was checked a moment ago (such a check is not repeated within 2 s) — but a logout,
        # disabling, reset or new role in this server since then is seen by the very next save
        at.session_state[LIVE_CHECKED] = time.monotonic()
        _end_session(db, how, "fie")
    at.text_input(key=wkey(iid, "interviewer")).input("Efter at sessionen var slut")
    run_ok(at)
    assert svc.get_info(db, iid).interviewer == "Mens sessionen levede"
    assert PRINCIPAL not in at.session_state or how == "ny rolle"
    if how == "ny rolle":
        assert_denied(at)
    else:
        assert not at.get("bidi_component")  # nothing of the interview is shown


def test_a_tab_idle_past_the_timeout_saves_while_another_tab_keeps_the_browsers_session(db, ivs, monkeypatch):
    """A reviewer: tab A idle past the timeout while tab B keeps the browser's session alive. The full run
    resumes A from the cookie (same page); the callback refused the change first, and the page came back
    without it and without a word. Now the callback resumes from the cookie as the full run does."""
    import ui.common as common

    monkeypatch.setenv("BRUGERBLIK_SESSION_MINUTES", "20")
    at = login("fie")
    token = auth.redeem_browser_ticket(db, at.session_state[access.TICKET])  # what the page's script does
    assert token
    monkeypatch.setattr(common, "cookie_token", lambda: token)  # the cookie of the browser's websocket
    iid = ivs["ida"]["draft"].id
    at.query_params["iv"] = iid
    at.query_params["afsnit"] = "_om"
    switch(at, "interview")
    run_ok(at)
    at.session_state[LAST_SEEN] = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=21)  # A idle
    at.text_input(key=wkey(iid, "interviewer")).input("Gemt efter pausen")
    run_ok(at)
    assert svc.get_info(db, iid).interviewer == "Gemt efter pausen"
    assert at.session_state[PRINCIPAL] == auth.Principal("fie", "researcher")
    # the browser's session ended too (no other tab kept it): nothing is saved
    with session_scope(db) as s:
        auth.revoke_sessions(s, "fie")
    at.session_state[LAST_SEEN] = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=21)
    at.text_input(key=wkey(iid, "interviewer")).input("Efter at sessionen var slut")
    run_ok(at)
    assert svc.get_info(db, iid).interviewer == "Gemt efter pausen"


def test_log_out_forgets_the_session(db):
    at = login("fie")
    at.sidebar.button(key="bb_logout").click()
    run_ok(at)
    assert is_login_page(at) and "Du er logget ud." in texts(at)


def test_demo_admin_must_change_the_password_first(db_url, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_DB", db_url)
    with session_scope(get_engine(db_url)) as s:
        assert auth.ensure_demo_admin(s) == auth.DEMO_ADMIN
    at = login(auth.DEMO_ADMIN, auth.DEMO_PASSWORD)
    assert [t.value for t in at.title] == ["Skift adgangskode"] and PRINCIPAL not in at.session_state
    # no page before the new password: a page by path still shows the form
    switch(at, "administration")
    run_ok(at)
    assert [t.value for t in at.title] == ["Skift adgangskode"]
    for new, again, problem in ((auth.DEMO_PASSWORD, auth.DEMO_PASSWORD, "anden adgangskode end den nuværende"),
                                ("ny-admin-kode-1", "ny-admin-kode-2", "ikke ens"),
                                ("kort", "kort", "for kort")):
        at.text_input(key="bb_pw_new").input(new)
        at.text_input(key="bb_pw_again").input(again)
        at.button(key="bb_pw_btn").click()
        run_ok(at)
        assert problem in texts(at) and PRINCIPAL not in at.session_state
    at.text_input(key="bb_pw_new").input("ny-admin-kode-1")
    at.text_input(key="bb_pw_again").input("ny-admin-kode-1")
    at.button(key="bb_pw_btn").click()
    run_ok(at)
    assert at.session_state[PRINCIPAL] == auth.Principal("admin", "admin")
    assert [t.value for t in at.title] == ["Administration"]
    with session_scope(get_engine(db_url)) as s:
        assert not auth.get_user(s, "admin").must_change_password
        assert auth.password_matches(s, "admin", "ny-admin-kode-1")


def test_a_user_disabled_while_signed_in_is_signed_out_and_a_new_role_applies_at_once(db):
    at = login("fie")
    with session_scope(db) as s:
        auth.set_role(s, "fie", "report_writer", who="adam")
    switch(at, "kodning")
    run_ok(at)
    assert_denied(at)
    with session_scope(db) as s:
        auth.set_active(s, "fie", False, who="adam")
    run_ok(at)
    assert is_login_page(at) and "deaktiveret" in texts(at)


# ---------------------------------------------------------------- every page checks for itself

def page_views() -> dict[str, str]:
    """Every page function in ui/pages.py (each imports a view's main() and calls it) -> its view module."""
    out = {}
    for spec in access.PAGE_SPECS:
        m = re.search(r"^\s+from ui\.(\w+_view) import main\b", inspect.getsource(spec.page), re.M)
        if m:
            out[spec.url_path] = m.group(1)
    return out


def test_every_page_is_in_the_page_table():
    views = page_views()
    assert set(views) == {s.url_path for s in access.PAGE_SPECS}
    pages = {f.stem for f in (ROOT / "ui").glob("*_view.py") if "\ndef main() -> None:" in f.read_text(encoding="utf-8")}
    assert set(views.values()) == pages  # no page left out of the menu
    for spec in access.PAGE_SPECS:
        view = (ROOT / "ui" / f"{views[spec.url_path]}.py").read_text(encoding="utf-8")
        main = view[view.index("def main() -> None:"):]
        first = main.splitlines()[1].strip()
        assert first.endswith(f'require_page("{spec.action}")') or f'require_page("{spec.action}")' in first, (
            spec.url_path, first)


@pytest.mark.parametrize("spec", access.PAGE_SPECS, ids=lambda s: s.url_path)
def test_each_page_run_on_its_own_refuses_a_visitor_who_is_not_signed_in(db, spec):
    at = AppTest.from_function(spec.page, default_timeout=TIMEOUT)
    run_ok(at)
    assert_denied(at)
    assert "log ind først" in texts(at)
