import datetime as dt
import hashlib
import logging
import threading
import time

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


def test_a_refused_role_names_the_roles_that_may():
    with pytest.raises(AuthError) as e:
        auth.require(auth.Principal("ole", "admin"), "report")
    assert str(e.value) == ("Adgang nægtet: rollen Administrator må ikke lave rapporter og tabeller "
                            "(det må Forsker og Rapportskriver).")
    with pytest.raises(AuthError) as e:
        auth.require(auth.Principal("rita", "report_writer"), "retention")
    assert str(e.value).endswith("(det må Administrator).")
    with pytest.raises(AuthError) as e:
        auth.require(auth.Principal("ida", "interviewer"), "package.all")
    assert str(e.value).endswith("(det må Forsker og Administrator).")


def test_bad_user_input_names_what_is_allowed(s):
    with pytest.raises(AuthError, match="Ugyldigt brugernavn"):
        auth.add_user(s, "Æ Ø", "admin", PW)
    # the Danish names a user types (forsker, rapportskriver) are named beside the codes
    with pytest.raises(AuthError, match=r"tilladt: interviewer, forsker \(researcher\), rapportskriver "
                                        r"\(report_writer\) eller admin\."):
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


# ----------------------------------------------------------------------------- signed-in browsers (issue 10)

T0 = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.timezone.utc)


def _rows(s) -> list[auth.AppSession]:
    s.expire_all()
    return list(s.execute(select(auth.AppSession).order_by(auth.AppSession.id)).scalars())


def _signed_in(s, name="ole", now=T0) -> tuple[auth.Issued, str]:
    issued = auth.start_session(s, name, now=now)
    token = auth.redeem_ticket(s, issued.ticket, now=now + dt.timedelta(seconds=1))
    assert token is not None
    return issued, token


@pytest.fixture
def ole(s):
    auth.add_user(s, "ole", "interviewer", PW)
    auth.add_user(s, "boss", "admin", PW)
    s.commit()
    return s


def test_ticket_is_single_use(ole):
    s = ole
    issued = auth.start_session(s, "ole", now=T0)
    token = auth.redeem_ticket(s, issued.ticket, now=T0 + dt.timedelta(seconds=5))
    assert token and token != issued.ticket
    assert auth.redeem_ticket(s, issued.ticket, now=T0 + dt.timedelta(seconds=6)) is None  # spent
    (row,) = _rows(s)
    assert row.ticket_hash is None and row.ticket_expires_at is None and row.token_hash
    # the token itself is not a ticket; a made-up ticket, a malformed one and no ticket get nothing
    assert auth.redeem_ticket(s, token, now=T0) is None
    for bad in ("A" * 43, "kort", "x" * 500, "' OR 1=1 --" * 4, None, 42):
        assert auth.redeem_ticket(s, bad, now=T0) is None
    assert auth.resume_session(s, token, now=T0 + dt.timedelta(seconds=7)).principal == auth.Principal(
        "ole", "interviewer")


def test_ticket_expires_after_a_minute_and_is_spent_by_the_late_try(ole):
    s = ole
    issued = auth.start_session(s, "ole", now=T0)
    assert auth.touch_session(s, issued.session_id, now=T0 + dt.timedelta(seconds=30)) == "ticket"
    late = T0 + dt.timedelta(seconds=auth.TICKET_SECONDS + 1)
    assert auth.redeem_ticket(s, issued.ticket, now=late) is None
    (row,) = _rows(s)
    assert row.ticket_hash is None and row.token_hash is None
    # the tab that logged in keeps its session (no cookie then: a reload asks for the login)
    assert auth.touch_session(s, issued.session_id, now=late) == "live"


def test_only_hashes_are_stored(ole):
    s = ole
    issued = auth.start_session(s, "ole", now=T0)
    (row,) = _rows(s)
    assert row.ticket_hash == hashlib.sha256(issued.ticket.encode()).hexdigest()
    token = auth.redeem_ticket(s, issued.ticket, now=T0)
    (row,) = _rows(s)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = " ".join(str(getattr(row, c)) for c in auth.AppSession.model_fields)
    assert token not in stored and issued.ticket not in stored
    assert len(token) >= 43 and len(issued.ticket) >= 43  # 256 random bits each


def test_inactivity_ends_the_session_and_use_slides_it(ole, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_SESSION_MINUTES", "30")
    s = ole
    issued, token = _signed_in(s)
    t = T0
    # active all morning: each use within 30 minutes keeps it alive
    for _ in range(8):
        t += dt.timedelta(minutes=29)
        assert auth.resume_session(s, token, now=t) is not None
        s.commit()
    (row,) = _rows(s)
    assert auth._aware(row.expires_at) == t + dt.timedelta(minutes=30)
    # used again within the minute: no write (the expiry slides at most once a minute)
    assert auth.resume_session(s, token, now=t + dt.timedelta(seconds=30)) is not None
    s.commit()
    assert auth._aware(_rows(s)[0].last_seen) == t
    # 31 minutes idle: over
    assert auth.resume_session(s, token, now=t + dt.timedelta(minutes=31)) is None
    assert auth.touch_session(s, issued.session_id, now=t + dt.timedelta(minutes=31)) == "expired"


def test_session_ends_after_the_maximum_age_however_active(ole):
    s = ole
    _, token = _signed_in(s)
    t = T0
    while t < T0 + dt.timedelta(hours=auth.SESSION_MAX_HOURS) - dt.timedelta(minutes=20):
        t += dt.timedelta(minutes=20)
        assert auth.resume_session(s, token, now=t) is not None
    assert auth.resume_session(s, token, now=T0 + dt.timedelta(hours=auth.SESSION_MAX_HOURS, seconds=1)) is None


def test_logout_revokes(ole):
    s = ole
    a, token_a = _signed_in(s)
    b, token_b = _signed_in(s)   # a second browser of the same user
    t = T0 + dt.timedelta(minutes=1)
    assert auth.end_session(s, a.session_id, now=t)
    assert auth.resume_session(s, token_a, now=t) is None
    assert auth.touch_session(s, a.session_id, now=t) == "revoked"
    assert auth.resume_session(s, token_b, now=t) is not None   # only that browser is logged out
    assert auth.end_session(s, token=token_b, now=t)              # the logout route: by the cookie's token
    assert auth.resume_session(s, token_b, now=t) is None
    assert not auth.end_session(s, token=token_b, now=t)          # already ended
    assert all(r.revoked_at is not None for r in _rows(s))


def test_password_change_and_reset_revoke_every_session_of_the_user(ole):
    s = ole
    _, mine = _signed_in(s)
    pending = auth.start_session(s, "ole", now=T0)   # a ticket not yet redeemed
    _, boss = _signed_in(s, "boss")
    auth.set_password(s, "ole", "nyt-og-langt-kodeord", who="ole")
    t = T0 + dt.timedelta(seconds=10)
    assert auth.resume_session(s, mine, now=t) is None
    assert auth.redeem_ticket(s, pending.ticket, now=t) is None
    assert auth.resume_session(s, boss, now=t).principal.username == "boss"  # other users untouched
    # a new login after the change works; an administrator's reset ends it again
    _, again = _signed_in(s, now=t)
    assert auth.resume_session(s, again, now=t) is not None
    auth.set_password(s, "ole", "nulstillet-kode-1", who="boss", must_change=True)
    assert auth.resume_session(s, again, now=t) is None
    with pytest.raises(AuthError):   # no session before the user has chosen a new password
        auth.start_session(s, "ole", now=t)


def test_disabling_revokes_and_a_disabled_users_cookie_gives_no_principal(ole):
    s = ole
    issued, token = _signed_in(s)
    auth.set_active(s, "ole", False, who="boss")
    t = T0 + dt.timedelta(seconds=10)
    assert auth.resume_session(s, token, now=t) is None
    assert auth.touch_session(s, issued.session_id, now=t) == "revoked"
    auth.set_active(s, "ole", True, who="boss")       # enabled again: the old cookie stays dead
    assert auth.resume_session(s, token, now=t) is None
    # disabled behind the domain's back (no revocation): the cookie still gives nobody
    _, token2 = _signed_in(s, now=t)
    s.execute(auth.User.__table__.update().where(auth.User.username == "ole").values(active=False))
    s.expire_all()  # as another process (the CLI, another server) would see it
    assert auth.resume_session(s, token2, now=t) is None
    with pytest.raises(AuthError):
        auth.start_session(s, "ole", now=t)


def test_ended_sessions_are_purged_after_a_day(ole):
    s = ole
    old, _ = _signed_in(s)
    auth.end_session(s, old.session_id, now=T0)
    idle, _ = _signed_in(s, now=T0)                       # expires after 30 minutes
    live, _ = _signed_in(s, now=T0 + dt.timedelta(hours=24))
    assert auth.purge_sessions(s, now=T0 + dt.timedelta(hours=24, minutes=31)) == 2
    assert [r.id for r in _rows(s)] == [live.session_id]
    assert auth.touch_session(s, old.session_id) == "gone"


def test_sessions_log_no_ticket_or_token(ole, caplog):
    s = ole
    with caplog.at_level(logging.DEBUG):
        issued = auth.start_session(s, "ole", now=T0)
        token = auth.redeem_ticket(s, issued.ticket, now=T0)
        auth.redeem_ticket(s, issued.ticket, now=T0)
        auth.resume_session(s, token, now=T0)
        auth.end_session(s, token=token, now=T0)
        auth.set_password(s, "ole", "nyt-og-langt-kodeord")
    assert "ole" in caplog.text
    assert issued.ticket not in caplog.text and token not in caplog.text
    assert hashlib.sha256(token.encode()).hexdigest() not in caplog.text


@pytest.mark.parametrize("weak", ["aaaaaaaaaa", " " * 12, "ababababab", "brugerblik-demo", "Brugerblik-Demo",
                                  "1234567890", "Password123", "qwertyuiop", "kirsten-hansen"])
def test_a_password_anyone_would_try_first_is_refused(s, weak):
    """A tester had «aaaaaaaaaa», ten spaces and the demo admin's published password accepted."""
    with pytest.raises(auth.AuthError) as e:
        auth.add_user(s, "kirsten-hansen", "interviewer", weak)
    assert str(e.value).startswith("Adgangskoden er for let at gætte")  # one message, never the password typed
    assert str(e.value) == str(pytest.raises(auth.AuthError, auth.check_password, "zzzzzzzzzzzz").value)
    assert auth.get_user(s, "kirsten-hansen") is None


def test_the_demo_admin_gets_its_published_password_only_to_change_it(s):
    assert auth.ensure_demo_admin(s) == auth.DEMO_ADMIN
    with pytest.raises(auth.AuthError):
        auth.set_password(s, auth.DEMO_ADMIN, auth.DEMO_PASSWORD)
    auth.set_password(s, auth.DEMO_ADMIN, "en god lang sætning")


def test_failed_logins_are_counted_per_user_name_in_the_server(s, monkeypatch):
    """Not per tab: a reload started a new count (a tester). After MAX_FAILS in a row the name waits,
    whichever caller asks; another name does not; a new password ends the wait."""
    auth._forget_failures()
    engine = s.get_bind()
    auth.add_user(s, "ida", "interviewer", "idas-lange-kode")
    s.commit()
    for _ in range(auth.MAX_FAILS - 1):
        with pytest.raises(auth.AuthError) as e:
            auth.sign_in(engine, "ida", "forkert-kode-1")
        assert "vent" not in str(e.value)
    with pytest.raises(auth.AuthError) as e:
        auth.sign_in(engine, "IDA ", "forkert-kode-1")  # the same name, as typed
    assert f"vent {auth.WAIT_SECONDS} sekunder" in str(e.value)
    with pytest.raises(auth.AuthError) as e:
        auth.sign_in(engine, "ida", "idas-lange-kode")  # even the right password waits
    assert "For mange forkerte forsøg" in str(e.value) and auth.login_wait("ida") > 0
    assert auth.login_wait("ole") == 0
    auth.set_password(s, "ida", "en ny lang kode til ida", who="admin", must_change=True)
    s.commit()
    assert auth.login_wait("ida") == 0
    auth._forget_failures()


def test_logins_at_the_same_moment_get_no_more_passwords_checked(s, monkeypatch):
    """A tester's tabs logging in at once had 76 passwords checked in 10 seconds: every attempt passed
    the check of the wait before any had failed, and a failure still in flight when the wait began set
    the count back (the wait ended). At most MAX_FAILS are checked, and the wait holds."""
    auth._forget_failures()
    engine = s.get_bind()
    auth.add_user(s, "ida", "interviewer", "idas-lange-kode")
    s.commit()
    real, lock, release = auth.authenticate, threading.Lock(), threading.Event()
    checked, done = [], []

    def slow_authenticate(session, username, password):  # every attempt is in flight at the same moment
        with lock:
            checked.append(username)
        release.wait(5)
        return real(session, username, password)

    monkeypatch.setattr(auth, "authenticate", slow_authenticate)

    def attempt():
        try:
            auth.sign_in(engine, "ida", "forkert-kode-1")
        except auth.AuthError:
            pass
        with lock:
            done.append(1)

    tabs = [threading.Thread(target=attempt) for _ in range(3 * auth.MAX_FAILS)]
    for t in tabs:
        t.start()
    for _ in range(200):  # until every attempt is either refused or waiting in its password check
        with lock:
            if len(checked) + len(done) >= len(tabs):
                break
        time.sleep(0.01)
    release.set()
    for t in tabs:
        t.join()
    assert len(checked) <= auth.MAX_FAILS
    assert auth.login_wait("ida") > 0
    auth._forget_failures()


def test_only_the_demo_admin_itself_gets_the_published_password(s):
    """A reviewer: any add_user(«admin», …, the demo password, must change) was accepted."""
    with pytest.raises(auth.AuthError, match="for let at gætte"):
        auth.add_user(s, auth.DEMO_ADMIN, "admin", auth.DEMO_PASSWORD, must_change_password=True)


def test_a_flood_of_made_up_names_does_not_end_a_wait(s, monkeypatch):
    """A reviewer: with the list full, the oldest names went first, also one in its wait."""
    auth._forget_failures()
    monkeypatch.setattr(auth, "MAX_TRACKED", 20)
    for _ in range(auth.MAX_FAILS):
        auth._begin_attempt("ida")
    assert auth.login_wait("ida") > 0
    for i in range(100):
        auth._begin_attempt(f"fake{i}")
    assert auth.login_wait("ida") > 0 and len(auth._failures) <= 20
    auth._forget_failures()
