"""The survey side of the app's units of work (issue 13), each in its own transaction: the login and
password forms and the Administration page (`survey.auth`), sites (`survey.interview.add_site`,
`rename_site`), the Historik page (`survey.history`) and the case-file banner
(`survey.source_store.journal_consent_problem`). SQLite and PostgreSQL (tests/conftest.py)."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select
from sqlmodel import Session

from survey import auth, demo, history, privacy, source_store
from survey import interview as svc
from survey.db import session_scope
from survey.models import AuditEntry, Interview
from survey.store import StoreError


def test_login_and_password_forms(engine):
    assert auth.store_is_open(engine)
    auth.create_user(engine, "ida", "researcher", "en-lang-adgangskode", full_name="Ida I", who=None,
                     must_change_password=True)
    assert not auth.store_is_open(engine)
    p, must = auth.sign_in(engine, "ida", "en-lang-adgangskode")
    assert (p.username, p.role, must) == ("ida", "researcher", True)
    with pytest.raises(auth.AuthError) as wrong:
        auth.sign_in(engine, "ida", "forkert-adgangskode")
    with pytest.raises(auth.AuthError) as nobody:
        auth.sign_in(engine, "findes_ikke", "forkert-adgangskode")
    assert str(wrong.value) == str(nobody.value)  # one message for every cause
    # forced (first login): no current password asked; never the same one again
    with pytest.raises(auth.AuthError, match="anden adgangskode end den nuværende"):
        auth.change_own_password(engine, "ida", "en-lang-adgangskode", check_current=False)
    auth.change_own_password(engine, "ida", "endnu-en-adgangskode", check_current=False)
    assert auth.sign_in(engine, "ida", "endnu-en-adgangskode")[1] is False
    # from the sidebar: the current password must be right, and nothing changes when it is not
    with pytest.raises(auth.AuthError, match="nuværende adgangskode er forkert"):
        auth.change_own_password(engine, "ida", "en-tredje-adgangskode", current="forkert")
    auth.sign_in(engine, "ida", "endnu-en-adgangskode")
    auth.change_own_password(engine, "ida", "en-tredje-adgangskode", current="endnu-en-adgangskode")
    auth.sign_in(engine, "ida", "en-tredje-adgangskode")


def test_administration_of_users_commits_each_change_and_shows_no_password_hash(engine):
    auth.create_user(engine, "admin", "admin", "en-lang-adgangskode")
    auth.create_user(engine, "kim", "interviewer", "en-lang-adgangskode", who="admin")
    with pytest.raises(StoreError, match="findes allerede"):
        auth.create_user(engine, "kim", "admin", "en-lang-adgangskode", who="admin")
    auth.change_role(engine, "kim", "researcher", who="admin")
    auth.change_active(engine, "kim", False, who="admin")
    with pytest.raises(auth.AuthError, match="sidste aktive administrator"):
        auth.change_active(engine, "admin", False, who="admin")
    auth.reset_password(engine, "kim", "nulstillet-adgangskode", who="admin")
    users = {u.username: u for u in auth.user_list(engine)}
    assert set(users) == {"admin", "kim"}
    assert (users["kim"].role, users["kim"].active, users["kim"].must_change_password) == ("researcher", False, True)
    assert users["admin"].active
    assert "password_hash" not in {f.name for f in dataclasses.fields(auth.UserView)}
    with Session(engine) as s:
        notes = [a.note for a in s.execute(select(AuditEntry).where(AuditEntry.entity == "user")
                                           .order_by(AuditEntry.id)).scalars()]
    assert len(notes) == 5 and "adgangskode nulstillet for kim af admin" in notes


def user_trail(engine, username: str) -> list[tuple[str | None, str]]:
    with Session(engine) as s:
        return [(a.who, a.note) for a in s.execute(select(AuditEntry).where(AuditEntry.code == f"user:{username}")
                                                   .order_by(AuditEntry.id)).scalars()]


def test_an_administrator_who_resets_a_password_and_signs_in_as_the_user_is_in_the_audit_trail(engine):
    """A tester: an administrator reset kim's password, signed in as kim with it, chose a new one and answered —
    the audit trail showed only «adgangskode skiftet for kim» by kim: the answers looked like kim's own. Now the
    reset is a one-time password, and the reset, each login with it and the change at the first login all name
    the administrator who reset it."""
    auth.create_user(engine, "admin_1", "admin", "en-lang-adgangskode")
    auth.create_user(engine, "kim", "interviewer", "kims-egen-adgangskode", who="admin_1")
    auth.reset_password(engine, "kim", "engangs-adgangskode", who="admin_1")
    p, must = auth.sign_in(engine, "kim", "engangs-adgangskode")
    assert (p.username, must) == ("kim", True)                            # it must be changed before anything
    auth.change_own_password(engine, "kim", "ny-adgangskode-efter", check_current=False)
    assert auth.sign_in(engine, "kim", "ny-adgangskode-efter")[1] is False
    auth.change_own_password(engine, "kim", "en-helt-tredje-kode", current="ny-adgangskode-efter")
    assert user_trail(engine, "kim") == [
        ("admin_1", "bruger kim oprettet"),
        ("admin_1", "adgangskode nulstillet for kim af admin_1"),
        ("kim", "login med engangsadgangskode efter nulstilling af admin_1"),
        ("kim", "adgangskode skiftet for kim ved første login efter nulstilling af admin_1"),
        ("kim", "adgangskode skiftet for kim"),                           # later changes: the user's own
    ]


def test_sites_are_added_and_renamed_in_their_own_transaction(engine):
    svc.add_site(engine, "  Amadeus  ", "vaerested", None, who="admin")
    with pytest.raises(StoreError):
        svc.add_site(engine, "Amadeus", "boform", who="admin")  # the name is taken
    (site,) = svc.list_sites(engine)
    assert (site.name, site.site_type) == ("Amadeus", "vaerested")
    svc.rename_site(engine, site.id, "Amadeus Nord", "boform", who="admin")
    (site,) = svc.list_sites(engine)
    assert (site.name, site.site_type) == ("Amadeus Nord", "boform")
    assert len(history.admin_history_of(engine)) == 3  # added; new name; new type


@pytest.fixture
def study(engine, guide):
    demo.load_demo(engine, guide)
    return engine


def test_the_study_end_date_is_read_in_its_own_transaction(engine):
    assert privacy.study_end_date(engine) is None
    privacy.set_end_date(engine, dt.date(2027, 6, 30), who="admin")
    assert privacy.study_end_date(engine) == dt.date(2027, 6, 30)


def test_history_and_the_case_file_banner(study, guide):
    refs = history.list_respondents(study)
    assert "AMA-01" in {r.respondent_id for r in refs}
    ref = next(r for r in refs if r.respondent_id == "AMA-01")
    with session_scope(study) as s:
        assert history.history_of(study, ref.interview_id, guide) == history.respondent_history(s, ref.interview_id,
                                                                                               guide)
    with Session(study) as s:
        extract = s.execute(select(Interview).where(Interview.informant == "journal")).scalars().first()
        subject = s.get(Interview, extract.subject_interview_id)
    assert source_store.journal_consent_problem(study, extract.id) is None
    privacy.withdraw(study, subject.respondent_id, "journal", reason="Trak tilladelsen tilbage")
    problem = source_store.journal_consent_problem(study, extract.id)
    assert problem and "trukket sit samtykke til journalindsigt tilbage" in problem


def test_a_new_users_first_password_names_the_administrator_who_chose_it_at_each_use(engine):
    """A helper's LOW: a new user's first password is chosen by the administrator, who knows it as a reset's; a
    login with it before the user changed it was not marked. Now creation, the logins with it and the change
    that follows name that administrator, as after a reset."""
    auth.create_user(engine, "admin_1", "admin", "en-lang-adgangskode")
    auth.create_user(engine, "lis", "interviewer", "foerste-adgangskode", who="admin_1", must_change_password=True)
    assert auth.sign_in(engine, "lis", "foerste-adgangskode")[1] is True
    auth.change_own_password(engine, "lis", "lis-egen-adgangskode", check_current=False)
    auth.change_own_password(engine, "lis", "lis-anden-adgangskode", current="lis-egen-adgangskode")
    assert user_trail(engine, "lis") == [
        ("admin_1", "bruger lis oprettet med første adgangskode sat af admin_1"),
        ("lis", "login med engangsadgangskode efter oprettelse af admin_1"),
        ("lis", "adgangskode skiftet for lis ved første login efter oprettelse af admin_1"),
        ("lis", "adgangskode skiftet for lis"),
    ]
