"""Users, roles and what each role may do (issue 6). Offline: no external identity provider.

Roles (`ROLES`):

- ``interviewer`` — takes interviews; sees and edits only the interviews they took.
- ``researcher`` — all interviews, coding, transcripts, agreement, import, raw exports.
- ``report_writer`` — reports, figures, tables and *anonymised* exports only; never raw
  identifiable text (no interview pages, no coding pages, no unmasked export).
- ``admin`` — users and sites, database upgrade, backup, merge of field packages.

Every page and every CLI command names one *action* (`ACTIONS`); `allowed(role, action)` is the
single table that decides. Passwords are hashed with Argon2id (argon2-cffi, the maintained
reference binding); only the hash is stored. Log lines name the user, never a password.

A store with no users at all is *open* (single-user mode: a fresh store before `make run` has
created its demo admin, and scripts/tests on a private file). As soon as one user exists every
page and command requires a login. `ensure_demo_admin` creates the demo admin on an empty store.

Signed-in browsers (issue 10, `AppSession`; the web side is ui/access.py and ui/session_http.py):
`start_session` after a login gives a one-time *ticket* (random, only its SHA-256 stored, valid
`TICKET_SECONDS`, single use); `redeem_ticket` exchanges it once for the session *token* (random,
only its SHA-256 stored), which the browser keeps as an HttpOnly cookie. `resume_session` turns
a token back into the principal while the session lives: not revoked, used within
`session_minutes()` (sliding, written at most every `TOUCH_SECONDS`), at most `SESSION_MAX_HOURS`
old, the user active and not due to change the password. `end_session` revokes one session
(logout); `set_password` and `set_active(..., False)` revoke all of the user's sessions, so the
CLI's user commands do too. `purge_sessions` deletes rows ended more than `PURGE_AFTER` ago.
Neither a token nor a ticket is ever logged.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Iterable, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, event, func, or_, select, update
from sqlmodel import Session

from survey.errors import AuthError  # noqa: F401 — re-exported; not survey.store: that one loads pandas (start-up time)
from survey.models import AppSession, AuditEntry, User, utcnow
from survey.text import safe_text, text_field

log = logging.getLogger("brugerblik.auth")

ROLES: dict[str, str] = {
    "interviewer": "Interviewer",
    "researcher": "Forsker",
    "report_writer": "Rapportskriver",
    "admin": "Administrator",
}

#: action -> roles allowed. One table for pages and CLI commands alike.
ACTIONS: dict[str, frozenset[str]] = {
    # interviews
    "interview.own": frozenset({"interviewer", "researcher"}),   # start, answer, resume own interviews
    "interview.all": frozenset({"researcher"}),                   # see and edit anyone's interview
    # coding workbench (raw text: answers, quotes, transcripts)
    "coding": frozenset({"researcher"}),
    "import": frozenset({"researcher"}),
    "export.raw": frozenset({"researcher"}),                      # unmasked free text (--umaskeret)
    # reports and anonymised exports
    "report": frozenset({"researcher", "report_writer"}),
    "analysis.save": frozenset({"researcher", "report_writer"}),  # save and delete named analyses (issue 14)
    "export.anonymised": frozenset({"researcher", "report_writer"}),
    "anonymise": frozenset({"researcher", "report_writer"}),      # mask a text (CLI filter)
    "tag": frozenset({"researcher"}),
    # administration
    "users": frozenset({"admin"}),
    "sites": frozenset({"admin"}),
    "db": frozenset({"admin"}),                                   # upgrade, backup, merge, demo
    "package": frozenset({"interviewer", "researcher", "admin"}),  # field laptop -> central store (own interviews)
    "package.all": frozenset({"researcher", "admin"}),             # a package of the whole store
    "audit.view": frozenset({"researcher", "admin"}),
    # privacy (issue 12, survey.privacy): withdrawal of consent, deletion of a respondent, retention
    "respondent.withdraw": frozenset({"researcher", "admin"}),
    "respondent.delete": frozenset({"researcher", "admin"}),
    "retention": frozenset({"admin"}),                            # study end date, deleting raw data
}

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 10
DEMO_ADMIN = "admin"
DEMO_PASSWORD = "brugerblik-demo"
DEFAULT_SESSION_MINUTES = 30
SESSION_COOKIE = "bb_session"      # the cookie that carries a signed-in browser's token (HttpOnly)
TICKET_SECONDS = 60                # a ticket must be redeemed within this time, once
TOUCH_SECONDS = 60                 # last_seen/expires_at are written at most this often per session
SESSION_MAX_HOURS = 12             # a session ends this long after the login, however active (= cookie Max-Age)
PURGE_AFTER = dt.timedelta(days=1)  # ended (revoked or expired) sessions are deleted after this

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


@dataclass(frozen=True)
class Principal:
    """Who is acting: the user name and role (``None`` username = open store, single-user mode)."""
    username: Optional[str]
    role: str

    @property
    def label(self) -> str:
        return f"{self.username} ({ROLES.get(self.role, self.role)})" if self.username else "lokal bruger"


#: the principal of an open store (no users yet): everything is allowed, as for a private file.
OPEN = Principal(None, "admin")


def allowed(role: Optional[str], action: str) -> bool:
    if action not in ACTIONS:
        raise KeyError(f"ukendt handling: {action}")
    return role in ACTIONS[action]


def allowed_any(role: Optional[str], actions: Iterable[str]) -> bool:
    return any(allowed(role, a) for a in actions)


def require(principal: Principal, action: str) -> None:
    """Raise `AuthError` unless the principal may do `action` (open store: everything)."""
    if principal.username is None and principal is OPEN:
        return
    if not allowed(principal.role, action):
        who = ROLES.get(principal.role, principal.role)
        raise AuthError(f"Adgang nægtet: rollen {who} må ikke {ACTION_TEXT.get(action, action)}"
                        f" (det må {_roles_text(ACTIONS[action])}).")


def _roles_text(roles: Iterable[str]) -> str:
    """«Forsker og Rapportskriver»: the roles in `ROLES`' order, by their Danish names."""
    names = [label for role, label in ROLES.items() if role in roles]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " og " + names[-1]


ACTION_TEXT: dict[str, str] = {
    "interview.own": "tage interview",
    "interview.all": "se andres interview",
    "coding": "kode interview eller se rå tekst",
    "import": "importere data",
    "export.raw": "eksportere umaskeret fritekst",
    "report": "lave rapporter og tabeller",
    "export.anonymised": "eksportere data",
    "anonymise": "bruge anonymiseringen",
    "tag": "bruge kodeforslag",
    "users": "administrere brugere",
    "sites": "administrere steder",
    "db": "administrere databasen",
    "package": "eksportere feltpakker med egne interview",
    "package.all": "eksportere hele databasen som feltpakke",
    "audit.view": "se revisionssporet",
    "respondent.withdraw": "registrere tilbagetrækning af samtykke",
    "analysis.save": "gemme eller slette analyser",
    "respondent.delete": "slette respondenter",
    "retention": "administrere opbevaring og sletning af rådata",
}


# ----------------------------------------------------------------------------- checks

def check_username(username: object) -> str:
    u = str(username or "").strip().lower()
    if not USERNAME_RE.match(u):
        raise AuthError(f"Ugyldigt brugernavn «{safe_text(username)[:40]}» — tilladt: 2–40 tegn, små bogstaver a–z, "
                        "tal, punktum, bindestreg og understregning; første tegn et bogstav eller tal.")
    return u


def check_role(role: object) -> str:
    r = str(role or "").strip().lower()
    aliases = {"interviewer": "interviewer", "forsker": "researcher", "researcher": "researcher",
               "rapportskriver": "report_writer", "report_writer": "report_writer", "report-writer": "report_writer",
               "admin": "admin", "administrator": "admin"}
    if r not in aliases:
        raise AuthError(f"Ukendt rolle «{safe_text(role)[:40]}» — tilladt: interviewer, forsker (researcher), "
                        "rapportskriver (report_writer) eller admin.")
    return aliases[r]


#: passwords anyone would try first (compared in lower case, spaces removed): the demo admin's published one too
GUESSABLE = frozenset({DEMO_PASSWORD, "brugerblik", "adgangskode", "adgangskode1", "password", "password1",
                       "password123", "passw0rd", "1234567890", "0123456789", "12345678910", "0987654321",
                       "qwertyuiop", "asdfghjkl", "qwertzuiop", "abcdefghij", "sommer2026", "vinter2026",
                       "velkommen1", "velkommen123", "hemmelig123", "admin12345", "administrator"})


def check_password(password: object, username: Optional[str] = None, *, demo: bool = False) -> str:
    """A password a user may have: 10 to 1024 characters, no control characters, and not one anyone would
    try first (a tester had «aaaaaaaaaa», ten spaces and the demo admin's published password accepted): not
    blank, not one character repeated, not `GUESSABLE`, not the user name. `demo`: the demo admin's own
    password, which must be changed at the first login."""
    p = password if isinstance(password, str) else ""
    if len(p) < MIN_PASSWORD:
        raise AuthError(f"Adgangskoden er for kort — mindst {MIN_PASSWORD} tegn.")
    if len(p) > 1024:
        raise AuthError("Adgangskoden er for lang — højst 1024 tegn.")
    if any(ord(c) < 32 for c in p):
        raise AuthError("Adgangskoden må ikke indeholde kontroltegn.")
    plain = "".join(p.split()).lower()
    if demo and p == DEMO_PASSWORD:
        return p
    if len(set(plain)) <= 2 or plain in GUESSABLE or (username and plain == "".join(str(username).split()).lower()):
        raise AuthError("Adgangskoden er for let at gætte (fx det samme tegn igen og igen, brugernavnet, "
                        "demo-adgangskoden eller «1234567890»). Vælg en anden — en sætning på nogle ord er god.")
    return p


# ----------------------------------------------------------------------------- users

def count_users(s: Session) -> int:
    return int(s.execute(select(func.count()).select_from(User)).scalar_one())


def is_open(s: Session) -> bool:
    """True when the store has no users: single-user mode, no login."""
    return count_users(s) == 0


def get_user(s: Session, username: str) -> Optional[User]:
    u = str(username).strip().lower()
    if not USERNAME_RE.match(u):  # no such user can exist (and a look-up with NUL fails on PostgreSQL)
        return None
    return s.execute(select(User).where(User.username == u)).scalar_one_or_none()


def list_users(s: Session) -> list[User]:
    return list(s.execute(select(User).order_by(User.username)).scalars())


def _audit(s: Session, who: Optional[str], note: str, old: Optional[str] = None, new: Optional[str] = None,
           code: str = "user") -> None:
    s.add(AuditEntry(interview_id=None, entity="user", code=code, old_value=old, new_value=new, who=who,
                     at=utcnow(), note=note))


def add_user(s: Session, username: str, role: str, password: str, *, full_name: str = "",
             who: Optional[str] = None, must_change_password: bool = False, _demo: bool = False) -> User:
    u, r = check_username(username), check_role(role)
    p = check_password(password, u, demo=_demo)  # the demo password: only `ensure_demo_admin` (a reviewer)
    if get_user(s, u) is not None:
        raise AuthError(f"Brugeren «{u}» findes allerede.")
    name = text_field(full_name, "Det fulde navn", error=AuthError)[:200]  # one line, no control characters
    user = User(username=u, role=r, password_hash=_hasher.hash(p), full_name=name,
                must_change_password=must_change_password)
    s.add(user)
    _audit(s, who, f"bruger {u} oprettet" + (f" med {FIRST_NOTE.format(admin=who or 'ukendt')}"
                                                 if must_change_password else ""), new=r, code=f"user:{u}")
    s.flush()
    return user


def existing_user(s: Session, username: str) -> User:
    user = get_user(s, username)
    if user is None:
        raise AuthError(f"Brugeren «{str(username)[:40]}» findes ikke.")
    return user


RESET_NOTE = "adgangskode nulstillet for {user} af {admin}"
#: a new user's first password, set by an administrator who knows it too (`add_user` with must_change_password)
FIRST_NOTE = "første adgangskode sat af {admin}"


def set_password(s: Session, username: str, password: str, *, who: Optional[str] = None,
                 must_change: bool = False) -> None:
    """A new password; `must_change=True` (an administrator's reset): a one-time password — the user must
    choose their own at the next login. The audit trail names the administrator (`RESET_NOTE`); the first
    login with it and the change that follows are written there too, naming the administrator again
    (`sign_in`, `change_own_password`): an administrator who resets a password and signs in as the user
    cannot make the answers given then look like the user's own without a trace."""
    user = existing_user(s, username)
    after = _reset_by(s, user.username) if user.must_change_password and not must_change and who == user.username \
        else None
    user.password_hash = _hasher.hash(check_password(password, user.username))
    user.must_change_password = bool(must_change)
    revoke_sessions(s, user.username)  # every signed-in browser of the user must log in again
    _forget_failures(user.username)  # a new password (an administrator's reset): no wait left from before
    if must_change:
        note = RESET_NOTE.format(user=user.username, admin=who or "ukendt")
    else:
        note = f"adgangskode skiftet for {user.username}" + (f" ved første login {after}" if after else "")
    _audit(s, who, note, code=f"user:{user.username}")


def _reset_by(s: Session, username: str) -> Optional[str]:
    """Who set the one-time password `username` signs in with (the audit trail), in the words the trail then
    uses: «efter nulstilling af mette» (a reset), «efter oprettelse af mette» (a new user whose first password
    an administrator chose, `FIRST_NOTE`); None when neither is found."""
    reset = f"adgangskode nulstillet for {username}"  # (the entry's code names the user; older notes lack «af»)
    made = f"bruger {username} oprettet med "
    row = s.execute(select(AuditEntry.who, AuditEntry.note).where(
        AuditEntry.entity == "user", AuditEntry.code == f"user:{username}",
        AuditEntry.note.startswith(reset, autoescape=True) | AuditEntry.note.startswith(made, autoescape=True))
        .order_by(AuditEntry.id.desc()).limit(1)).first()
    if row is None:
        return None
    admin = row[0] or "ukendt"
    return f"efter oprettelse af {admin}" if row[1].startswith(made) else f"efter nulstilling af {admin}"


def password_matches(s: Session, username: str, password: str) -> bool:
    """True when `password` is the user's current one (no login recorded; for "choose a new one")."""
    user = get_user(s, username)
    if user is None or not isinstance(password, str):
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def set_active(s: Session, username: str, active: bool, *, who: Optional[str] = None) -> None:
    user = existing_user(s, username)
    if not active and user.role == "admin" and user.active:
        others = s.execute(select(func.count()).select_from(User)
                           .where(User.role == "admin", User.active.is_(True), User.id != user.id)).scalar_one()
        if not others:
            raise AuthError("Den sidste aktive administrator kan ikke deaktiveres.")
    old = "aktiv" if user.active else "deaktiveret"
    user.active = bool(active)
    if not active:
        revoke_sessions(s, user.username)
    _audit(s, who, f"bruger {user.username} {'aktiveret' if active else 'deaktiveret'}", old=old,
           new="aktiv" if active else "deaktiveret", code=f"user:{user.username}")


def set_role(s: Session, username: str, role: str, *, who: Optional[str] = None) -> None:
    user = existing_user(s, username)
    new = check_role(role)
    if user.role == "admin" and new != "admin":
        others = s.execute(select(func.count()).select_from(User)
                           .where(User.role == "admin", User.active.is_(True), User.id != user.id)).scalar_one()
        if not others:
            raise AuthError("Den sidste aktive administrator kan ikke miste rollen.")
    _audit(s, who, f"rolle ændret for {user.username}", old=user.role, new=new, code=f"user:{user.username}")
    user.role = new
    _sessions_changed(s)  # the user's open tabs check their sign-in again (the role is part of it)


# A hash to verify against when the user does not exist, so an unknown name takes as long as a
# wrong password (no user enumeration by timing).
@functools.cache
def _dummy_hash() -> str:
    """Made on first use, not at import: one Argon2 hash costs ~0.5 s, and every command imports this."""
    return _hasher.hash("brugerblik-ukendt-bruger")


def authenticate(s: Session, username: str, password: str) -> Principal:
    """The principal for a correct, active login; `AuthError` (one message for every failure)."""
    refused = AuthError("Forkert brugernavn eller adgangskode, eller brugeren er deaktiveret.")
    user = get_user(s, username) if isinstance(username, str) and username.strip() else None
    pw = password if isinstance(password, str) else ""
    try:
        _hasher.verify(user.password_hash if user is not None else _dummy_hash(), pw)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        log.info("login afvist")
        raise refused from None
    if user is None or not user.active:
        log.info("login afvist")
        raise refused
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(pw)
    user.last_login = utcnow()
    log.info("login: %s", user.username)
    return Principal(user.username, user.role)


def ensure_demo_admin(s: Session) -> Optional[str]:
    """On a store without users, create the demo admin; returns its name (None if users exist)."""
    if count_users(s):
        return None
    add_user(s, DEMO_ADMIN, "admin", DEMO_PASSWORD, full_name="Demo-administrator", who="system",
             must_change_password=True, _demo=True)
    return DEMO_ADMIN


# ----------------------------------------------------------------------------- sessions

def session_minutes() -> int:
    try:
        return max(1, int(os.environ.get("BRUGERBLIK_SESSION_MINUTES", DEFAULT_SESSION_MINUTES)))
    except ValueError:
        return DEFAULT_SESSION_MINUTES


def session_expired(last_seen: Optional[dt.datetime], now: Optional[dt.datetime] = None,
                    minutes: Optional[int] = None) -> bool:
    """True when a login idle since `last_seen` has timed out (no activity for `minutes`)."""
    if last_seen is None:
        return True
    now = now or utcnow()
    if last_seen.tzinfo is None:
        last_seen = last_seen.replace(tzinfo=dt.timezone.utc)
    return now - last_seen > dt.timedelta(minutes=minutes if minutes is not None else session_minutes())


def _aware(t: Optional[dt.datetime]) -> Optional[dt.datetime]:
    """SQLite hands back naive datetimes: they are UTC."""
    if t is not None and t.tzinfo is None:
        return t.replace(tzinfo=dt.timezone.utc)
    return t


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _secret_ok(value: object) -> bool:
    """A ticket or token as `secrets.token_urlsafe(32)` makes them (anything else is not looked up)."""
    return isinstance(value, str) and 32 <= len(value) <= 64 and re.fullmatch(r"[A-Za-z0-9_-]+", value) is not None


def _expiry(created_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    return min(now + dt.timedelta(minutes=session_minutes()), _aware(created_at) + dt.timedelta(hours=SESSION_MAX_HOURS))


def _session_user(s: Session, username: str) -> Optional[User]:
    """The user a session may still act for: exists, active and not due to change the password."""
    u = get_user(s, username)
    return u if u is not None and u.active and not u.must_change_password else None


@dataclass(frozen=True)
class Issued:
    """A new session: its row id (the app keeps it) and the one-time ticket (goes to the browser once)."""
    session_id: int
    ticket: str


@dataclass(frozen=True)
class Resumed:
    session_id: int
    principal: Principal


def start_session(s: Session, username: str, *, now: Optional[dt.datetime] = None) -> Issued:
    """A new signed-in session for `username` (after a correct login or a password change) and its
    one-time ticket; only the ticket's SHA-256 is stored. Ended sessions are purged on the way."""
    now = now or utcnow()
    user = _session_user(s, username)
    if user is None:
        raise AuthError("Forkert brugernavn eller adgangskode, eller brugeren er deaktiveret.")
    purge_sessions(s, now=now)
    ticket = secrets.token_urlsafe(32)
    row = AppSession(ticket_hash=_digest(ticket), ticket_expires_at=now + dt.timedelta(seconds=TICKET_SECONDS),
                     username=user.username, created_at=now, last_seen=now, expires_at=_expiry(now, now))
    s.add(row)
    s.flush()
    log.info("session startet: %s", user.username)
    return Issued(row.id, ticket)


def redeem_ticket(s: Session, ticket: object, *, now: Optional[dt.datetime] = None) -> Optional[str]:
    """The session token for a valid ticket, once; None for an unknown, used or expired ticket or a
    session that has ended. The ticket is spent whatever the outcome. Only the token's SHA-256 is
    stored: the caller hands the token to the browser and forgets it."""
    if not _secret_ok(ticket):
        return None
    now = now or utcnow()
    h = _digest(ticket)
    row = s.execute(select(AppSession).where(AppSession.ticket_hash == h)).scalar_one_or_none()
    if row is None:
        return None
    valid = (row.token_hash is None and row.revoked_at is None and _aware(row.ticket_expires_at) > now
             and _aware(row.expires_at) > now and _session_user(s, row.username) is not None)
    token = secrets.token_urlsafe(32)
    values = {"ticket_hash": None, "ticket_expires_at": None}
    if valid:
        values.update(token_hash=_digest(token), last_seen=now, expires_at=_expiry(row.created_at, now))
    # single use also when two requests race: only the one whose UPDATE still finds the ticket wins
    done = s.execute(update(AppSession).where(AppSession.id == row.id, AppSession.ticket_hash == h,
                                              AppSession.token_hash.is_(None)).values(**values)
                     .execution_options(synchronize_session=False)).rowcount
    s.expire(row)
    if not valid or done != 1:
        log.info("billet afvist")
        return None
    return token


def _slide(s: Session, row: AppSession, now: dt.datetime) -> None:
    if now - _aware(row.last_seen) >= dt.timedelta(seconds=TOUCH_SECONDS):
        row.last_seen = now
        row.expires_at = _expiry(row.created_at, now)


def resume_session(s: Session, token: object, *, now: Optional[dt.datetime] = None) -> Optional[Resumed]:
    """The principal of a live session for the browser's token (a reload, a new tab, a restarted
    browser), its expiry slid; None when the token is unknown or the session revoked, expired, or its
    user disabled or due to change the password."""
    if not _secret_ok(token):
        return None
    now = now or utcnow()
    row = s.execute(select(AppSession).where(AppSession.token_hash == _digest(token))).scalar_one_or_none()
    if row is None or row.revoked_at is not None or _aware(row.expires_at) <= now:
        return None
    user = _session_user(s, row.username)
    if user is None:
        return None
    _slide(s, row, now)
    return Resumed(row.id, Principal(user.username, user.role))


# ---------------------------------------------------------------- the same, each in its own transaction
# (for the app and its HTTP routes: services own their transactions, pages only call them)

def _tx(engine):
    from survey.db import session_scope  # only when used (start-up time)

    return session_scope(engine)


def user_state(engine, username: str, session_id: Optional[int] = None
               ) -> tuple[Optional[Principal], bool, Optional[str]]:
    """The user as the store has them now: (principal, or None if gone or disabled; must change the
    password; the state of the tab's session row — `touch_session`, None without one)."""
    with _tx(engine) as s:
        u = get_user(s, username)
        if u is None or not u.active:
            return None, False, None
        state = touch_session(s, session_id) if session_id is not None else None
        return Principal(u.username, u.role), bool(u.must_change_password), state


def resume_browser_session(engine, token: object) -> Optional[Resumed]:
    """`resume_session` in its own transaction (a reload, a new tab, a restarted browser)."""
    with _tx(engine) as s:
        return resume_session(s, token)


def start_browser_session(engine, username: str) -> Issued:
    """`start_session` in its own transaction: the new session and its one-time ticket."""
    with _tx(engine) as s:
        return start_session(s, username)


def redeem_browser_ticket(engine, ticket: object) -> Optional[str]:
    """`redeem_ticket` in its own transaction: the session token for the cookie, or None."""
    with _tx(engine) as s:
        return redeem_ticket(s, ticket)


def end_browser_session(engine, session_id: Optional[int] = None, *, token: object = None) -> None:
    """«Log ud»: end the tab's session (by id) and the one of the browser's cookie (by token)."""
    with _tx(engine) as s:
        if session_id is not None:
            end_session(s, session_id)
        if token is not None:
            end_session(s, token=token)


def principal_for_request(engine, token: object) -> Optional[Principal]:
    """Who sends an HTTP request beside the app (ui/autosave_http.py): the open store's single user,
    else the principal of the live session of the browser's cookie token, else None. Own transaction."""
    with _tx(engine) as s:
        if is_open(s):
            return OPEN
        r = resume_session(s, token)
        return r.principal if r is not None else None


def touch_session(s: Session, session_id: int, *, now: Optional[dt.datetime] = None) -> str:
    """On every rerun of a signed-in tab: ``"live"`` (expiry slid), ``"ticket"`` (live, and its ticket
    is still waiting to be redeemed), ``"revoked"`` (logout, password change, user disabled),
    ``"expired"`` or ``"gone"`` (purged)."""
    now = now or utcnow()
    row = s.get(AppSession, session_id)
    if row is None:
        return "gone"
    if row.revoked_at is not None:
        return "revoked"
    if _aware(row.expires_at) <= now:
        return "expired"
    _slide(s, row, now)
    if row.token_hash is None and row.ticket_hash is not None and _aware(row.ticket_expires_at) > now:
        return "ticket"
    return "live"


_sessions_changed_at = 0.0  # time.monotonic() of this process's last ended session or changed role


def sessions_changed_at() -> float:
    """When this process last ended a session or changed a role (`time.monotonic()`; 0.0: never). A tab's recent check that its
    sign-in is good (`ui.common.session_live`) does not count from before it: a logout in another tab of the
    same server stops the next save at once, not after the check's few seconds."""
    return _sessions_changed_at


def _sessions_changed(s: Session) -> None:
    def bump(_session=None) -> None:
        global _sessions_changed_at
        _sessions_changed_at = time.monotonic()

    bump()  # now, and again when the transaction is committed: a check in between saw the session live
    event.listen(s, "after_commit", bump, once=True)


def end_session(s: Session, session_id: Optional[int] = None, *, token: object = None,
                now: Optional[dt.datetime] = None) -> bool:
    """Logout: revoke the session with this id or this token (and spend its ticket). True if one was live."""
    now = now or utcnow()
    if session_id is not None:
        cond = AppSession.id == session_id
    elif _secret_ok(token):
        cond = AppSession.token_hash == _digest(token)
    else:
        return False
    n = s.execute(update(AppSession).where(cond, AppSession.revoked_at.is_(None))
                  .values(revoked_at=now, ticket_hash=None, ticket_expires_at=None)
                  .execution_options(synchronize_session=False)).rowcount
    if n:
        _sessions_changed(s)
        log.info("session afsluttet")
    return bool(n)


def revoke_sessions(s: Session, username: str, *, now: Optional[dt.datetime] = None) -> int:
    """End every session of `username` (password change, reset, disabled); the number ended."""
    now = now or utcnow()
    n = s.execute(update(AppSession).where(AppSession.username == str(username).strip().lower(),
                                           AppSession.revoked_at.is_(None))
                  .values(revoked_at=now, ticket_hash=None, ticket_expires_at=None)
                  .execution_options(synchronize_session=False)).rowcount
    if n:
        _sessions_changed(s)
        log.info("sessioner afsluttet for %s: %d", username, n)
    return int(n or 0)


def purge_sessions(s: Session, *, now: Optional[dt.datetime] = None) -> int:
    """Delete sessions revoked or expired more than `PURGE_AFTER` ago; the number deleted."""
    cut = (now or utcnow()) - PURGE_AFTER
    return int(s.execute(delete(AppSession).where(or_(AppSession.revoked_at < cut, AppSession.expires_at < cut))
                         .execution_options(synchronize_session=False)).rowcount or 0)


def current_principal(s: Session, username: Optional[str], password: Optional[str]) -> Principal:
    """The CLI's principal: open store → `OPEN`; otherwise a login is required."""
    if is_open(s):
        return OPEN
    if not username:
        raise AuthError("Log ind: angiv --bruger NAVN (eller BRUGERBLIK_USER) og adgangskoden "
                        "(spørges om, eller BRUGERBLIK_PASSWORD).")
    return authenticate(s, username, password or "")


# ---------------------------------------------------------------- the app's forms, each in its own transaction
# (issue 13: the pages only call these)

@dataclass(frozen=True)
class UserView:
    """A user as the Administration page lists them (no password hash)."""
    username: str
    full_name: str
    role: str
    active: bool
    must_change_password: bool
    last_login: Optional[dt.datetime]
    created_at: dt.datetime


def store_is_open(engine) -> bool:
    """`is_open` in its own transaction: True when the store has no users (no login)."""
    with _tx(engine) as s:
        return is_open(s)


def sign_in(engine, username: str, password: str) -> tuple[Principal, bool]:
    """«Log ind»: (the principal, must the user choose a new password first); `AuthError` with one
    message for every cause otherwise (`authenticate`). After `MAX_FAILS` failures in a row for a user
    name, no password is checked for that name for `WAIT_SECONDS` (`login_wait`), whichever tab, browser
    or reload asks; the failure that starts the wait is written to the audit trail (a known user) and
    the log."""
    wait, starts = _begin_attempt(username)  # counted before the password is checked: see `_begin_attempt`
    if wait:
        raise AuthError(WAIT_MESSAGE.format(seconds=wait))
    with _tx(engine) as s:
        try:
            p = authenticate(s, username, password)
        except AuthError as e:
            refused = e
            if starts:  # this one started the wait
                user = get_user(s, username) if isinstance(username, str) else None
                who = user.username if user is not None else "et ukendt brugernavn"  # never what was typed
                log.warning("login: %d forkerte forsøg i træk for %s; ingen adgangskode tjekkes i %d sekunder",
                            MAX_FAILS, who, WAIT_SECONDS)
                if user is not None:
                    _audit(s, None, f"{MAX_FAILS} forkerte login-forsøg i træk; ingen adgangskode tjekkes i "
                                    f"{WAIT_SECONDS} sekunder", code=f"user:{user.username}")
        else:
            _forget_failures(username)
            must = bool(get_user(s, p.username).must_change_password)
            admin = _reset_by(s, p.username) if must else None
            if admin is not None:  # signed in with the one-time password of a reset: in the audit trail
                _audit(s, p.username, f"login med engangsadgangskode {admin}",
                       code=f"user:{p.username}")
            return p, must
    if starts or login_wait(username):
        raise AuthError(f"{refused} For mange forkerte forsøg: vent {WAIT_SECONDS} sekunder, før du prøver igen.")
    raise refused


# ---------------------------------------------------------------- failed logins
#
# Counted per user name in this process (the app's server is one process), not in the tab's session
# state: a tester reloaded the page after five failures and was let in at once. A user name's count
# starts again after a correct login, a new password (`set_password`) or `FAIL_MEMORY_SECONDS` without
# a failure. At most `MAX_TRACKED` names are kept (a flood of made-up names cannot fill the memory).

MAX_FAILS = 5
WAIT_SECONDS = 30
FAIL_MEMORY_SECONDS = 15 * 60
MAX_TRACKED = 10_000
WAIT_MESSAGE = "For mange forkerte forsøg. Vent {seconds} sekunder, og prøv igen."
_failures: dict[str, tuple[int, float, float]] = {}  # name -> (failures in a row, last failure, wait until)
_failures_lock = threading.Lock()
_clock = time.monotonic


def _fail_key(username: object) -> str:
    return str(username).strip().lower()[:80] if isinstance(username, str) else ""


def login_wait(username: str) -> int:
    """Whole seconds before a password is checked again for `username` (0: now)."""
    with _failures_lock:
        hit = _failures.get(_fail_key(username))
    if hit is None:
        return 0
    left = hit[2] - _clock()
    return int(left) + 1 if left > 0 else 0


def _begin_attempt(username: str) -> tuple[int, bool]:
    """Before a password is checked: (seconds to wait — nothing is checked —, is this the attempt that
    starts a wait). Every attempt counts as a failure until it succeeds (`_forget_failures`), in one step
    under the lock with the check of the wait: tabs that ask at the same moment cannot get more than
    `MAX_FAILS` passwords checked between two waits (a tester's concurrent logins had 76 checked in
    10 seconds, as a failure in flight when a wait began set its count back to 1 and ended the wait)."""
    key, now = _fail_key(username), _clock()
    with _failures_lock:
        n, last, until = _failures.get(key, (0, now, 0.0))
        if until > now:
            return int(until - now) + 1, False
        n = 1 if now - last > FAIL_MEMORY_SECONDS else n + 1
        starts = n >= MAX_FAILS
        _failures[key] = (0 if starts else n, now, now + WAIT_SECONDS if starts else 0.0)
        if len(_failures) > MAX_TRACKED:
            for k, (_n, at, wait_until) in list(_failures.items()):
                if now - at > FAIL_MEMORY_SECONDS and wait_until < now:
                    del _failures[k]
            for k, (_n, _at, wait_until) in list(_failures.items()):  # still full: the oldest not waiting go
                if len(_failures) <= MAX_TRACKED:
                    break
                if wait_until < now:  # a name in its wait stays (a reviewer: made-up names bought 5 more guesses)
                    del _failures[k]
            while len(_failures) > MAX_TRACKED:  # every one waiting: the oldest go
                del _failures[next(iter(_failures))]
        return 0, starts


def _forget_failures(username: Optional[str] = None) -> None:
    """A user name's count starts again (None: every name's)."""
    with _failures_lock:
        if username is None:
            _failures.clear()
        else:
            _failures.pop(_fail_key(username), None)


def change_own_password(engine, username: str, new: str, *, current: Optional[str] = None,
                        check_current: bool = True) -> None:
    """The user chooses a new password (`check_current`: the current one must be given); never the
    current one again. Every session of the user ends (`set_password`)."""
    with _tx(engine) as s:
        if check_current and not password_matches(s, username, current or ""):
            raise AuthError("Den nuværende adgangskode er forkert.")
        if password_matches(s, username, new or ""):
            raise AuthError("Vælg en anden adgangskode end den nuværende.")
        set_password(s, username, new or "", who=username)


def user_list(engine) -> list[UserView]:
    with _tx(engine) as s:
        return [UserView(u.username, u.full_name, u.role, bool(u.active), bool(u.must_change_password),
                         u.last_login, u.created_at) for u in list_users(s)]


def create_user(engine, username: str, role: str, password: str, *, full_name: str = "",
                who: Optional[str] = None, must_change_password: bool = False) -> None:
    with _tx(engine) as s:
        add_user(s, username, role, password, full_name=full_name, who=who,
                 must_change_password=must_change_password)


def change_role(engine, username: str, role: str, *, who: Optional[str] = None) -> None:
    with _tx(engine) as s:
        set_role(s, username, role, who=who)


def change_active(engine, username: str, active: bool, *, who: Optional[str] = None) -> None:
    with _tx(engine) as s:
        set_active(s, username, active, who=who)


def reset_password(engine, username: str, password: str, *, who: Optional[str] = None) -> None:
    """An administrator's new password for a user, who must choose their own at the next login."""
    with _tx(engine) as s:
        set_password(s, username, password, who=who, must_change=True)
