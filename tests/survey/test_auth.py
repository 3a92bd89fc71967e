import datetime as dt
import logging

import pytest
from sqlalchemy import select
from sqlmodel import Session

from survey import auth
from survey.auth import AuthError
from survey.models import AuditEntry

PW = "korrekt-hest-batteri"


@pytest.fixture
def s(engine):
    auth.User.metadata.create_all(engine)
    with Session(engine) as s:
        yield s


def test_open_store_until_first_user(s):
    assert auth.is_open(s)
    assert auth.current_principal(s, None, None) is auth.OPEN
    auth.add_user(s, "mette", "forsker", PW)
    s.commit()
    assert not auth.is_open(s)
    with pytest.raises(AuthError, match="Log ind"):
        auth.current_principal(s, None, None)
    p = auth.current_principal(s, "Mette", PW)
    assert p == auth.Principal("mette", "researcher")


def test_password_is_hashed_not_stored(s):
    u = auth.add_user(s, "ole", "interviewer", PW)
    s.commit()
    assert PW not in u.password_hash and u.password_hash.startswith("$argon2id$")


def test_wrong_password_unknown_user_and_disabled_get_the_same_message(s):
    auth.add_user(s, "ole", "interviewer", PW)
    auth.add_user(s, "boss", "admin", PW)
    s.commit()
    msgs = set()
    for user, pw in [("ole", "forkert-kode-123"), ("ingen", PW), ("", PW)]:
        with pytest.raises(AuthError) as e:
            auth.authenticate(s, user, pw)
        msgs.add(str(e.value))
    auth.set_active(s, "ole", False, who="boss")
    with pytest.raises(AuthError) as e:
        auth.authenticate(s, "ole", PW)
    msgs.add(str(e.value))
    assert len(msgs) == 1
    auth.set_active(s, "ole", True, who="boss")
    assert auth.authenticate(s, "ole", PW).role == "interviewer"


def test_bad_user_input_names_what_is_allowed(s):
    with pytest.raises(AuthError, match="Ugyldigt brugernavn"):
        auth.add_user(s, "Æ Ø", "admin", PW)
    with pytest.raises(AuthError, match="tilladt: interviewer, researcher, report_writer, admin"):
        auth.add_user(s, "ok", "chef", PW)
    with pytest.raises(AuthError, match="mindst 10 tegn"):
        auth.add_user(s, "ok", "admin", "kort")
    with pytest.raises(AuthError, match="kontroltegn"):
        auth.add_user(s, "ok", "admin", "abcdefghij\x00k")
    auth.add_user(s, "ok", "admin", PW)
    with pytest.raises(AuthError, match="findes allerede"):
        auth.add_user(s, "OK", "admin", PW)
    assert [u.username for u in auth.list_users(s)] == ["ok"]


def test_last_admin_cannot_be_disabled_or_demoted(s):
    auth.add_user(s, "a1", "admin", PW)
    with pytest.raises(AuthError, match="sidste aktive administrator"):
        auth.set_active(s, "a1", False)
    with pytest.raises(AuthError, match="sidste aktive administrator"):
        auth.set_role(s, "a1", "forsker")
    auth.add_user(s, "a2", "admin", PW)
    auth.set_active(s, "a1", False)
    assert not auth.get_user(s, "a1").active


def test_password_change_and_audit_trail_without_passwords(s):
    auth.add_user(s, "ole", "interviewer", PW, who="admin")
    auth.set_password(s, "ole", "nyt-og-langt-kodeord", who="admin")
    s.commit()
    with pytest.raises(AuthError):
        auth.authenticate(s, "ole", PW)
    assert auth.authenticate(s, "ole", "nyt-og-langt-kodeord").username == "ole"
    trail = s.execute(select(AuditEntry).where(AuditEntry.entity == "user")).scalars().all()
    assert [t.note for t in trail] == ["bruger ole oprettet", "adgangskode skiftet for ole"]
    assert all(PW not in (t.old_value or "") + (t.new_value or "") + (t.note or "") for t in trail)


def test_demo_admin_only_on_empty_store(s):
    assert auth.ensure_demo_admin(s) == auth.DEMO_ADMIN
    assert auth.ensure_demo_admin(s) is None
    p = auth.authenticate(s, auth.DEMO_ADMIN, auth.DEMO_PASSWORD)
    assert p.role == "admin" and auth.get_user(s, "admin").must_change_password


def test_role_table():
    assert auth.allowed("interviewer", "interview.own")
    for action in ["interview.all", "coding", "report", "export.raw", "export.anonymised", "users", "import"]:
        assert not auth.allowed("interviewer", action), action
    for action in ["interview.own", "coding", "export.raw", "import", "users"]:
        assert not auth.allowed("report_writer", action), action
    assert auth.allowed("report_writer", "report") and auth.allowed("report_writer", "export.anonymised")
    for action in ["coding", "export.raw", "interview.own", "report"]:
        assert not auth.allowed("admin", action), action
    assert auth.allowed("admin", "users") and auth.allowed("researcher", "export.raw")
    with pytest.raises(AuthError, match="Rapportskriver må ikke eksportere umaskeret"):
        auth.require(auth.Principal("rw", "report_writer"), "export.raw")
    auth.require(auth.OPEN, "export.raw")
    with pytest.raises(KeyError):
        auth.allowed("admin", "noget-ukendt")


def test_session_timeout():
    now = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.timezone.utc)
    assert not auth.session_expired(now - dt.timedelta(minutes=29), now, 30)
    assert auth.session_expired(now - dt.timedelta(minutes=31), now, 30)
    assert auth.session_expired(None, now, 30)
    assert auth.session_expired(dt.datetime(2026, 12, 2, 11, 0), now, 30)  # naive = UTC


def test_login_logs_no_password(s, caplog):
    auth.add_user(s, "ole", "interviewer", PW)
    with caplog.at_level(logging.DEBUG):
        auth.authenticate(s, "ole", PW)
        with pytest.raises(AuthError):
            auth.authenticate(s, "ole", "forkert-kode-123")
    text = caplog.text
    assert "ole" in text and PW not in text and "forkert-kode-123" not in text
