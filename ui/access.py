"""Logins, sessions and the pages each role sees (issue 6). Called by app.py on every rerun.

* **Open store** (no users, `survey.auth.is_open`): no login; every page, with a banner that
  says so and how to create an administrator.
* **Store with users**: only the login form («Log ind») until someone is signed in. The
  principal (`ui.common.PRINCIPAL`) and the time of the last rerun (`ui.common.LAST_SEEN`)
  live in `st.session_state`. A session idle for longer than `auth.session_minutes()`
  (BRUGERBLIK_SESSION_MINUTES, default 30) is ended: the session state is cleared and the login
  form says why. The URL (page and query parameters) is left alone, so after signing in again
  the user is back where they were; the interview autosave stores every answer when the
  field is left, so a timeout loses nothing that was shown as saved.
* Every rerun re-reads the signed-in user: a user disabled meanwhile is signed out at once, a
  changed role takes effect at once, a password reset sends them to «Skift adgangskode».
* A failed login gets one message for every cause (`auth.authenticate`); after `MAX_FAILS`
  failures in a session the form waits `WAIT_SECONDS` before it checks a password again.
* A user with ``must_change_password`` (the demo admin, a reset) chooses a new password
  before any page.

Navigation: every page is registered on every rerun (so a page's URL always resolves to the
page itself); the ones the role may not use are registered *hidden*, and every page's view
also starts with `ui.common.require_page(action)`, which shows «Adgang nægtet» and stops —
a hidden menu entry is not what keeps anyone out.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import streamlit as st

from survey import auth
from survey.db import session_scope
from ui.common import LAST_SEEN, PRINCIPAL, allows, engine, inject_css, md, store_is_open

log = logging.getLogger("brugerblik.ui")

PENDING = "bb_pending_user"     # signed in, but must choose a new password first (user name)
CHANGE_PW = "bb_change_pw"      # the signed-in user asked to change their password
FAILS = "bb_login_fails"        # failed logins in this session
WAIT_UNTIL = "bb_login_wait"    # no password is checked before this time (UTC)
NOTICE = "bb_login_notice"      # why the login form is shown (timed out, signed out …)
MAX_FAILS = 5
WAIT_SECONDS = 30

OPEN_BANNER = ("Ingen brugere er oprettet — alle, der kan åbne appen, har adgang. Opret en administrator: "
               "`brugerblik user add NAVN --rolle admin` (eller under Administration), så kræver appen login.")


@dataclass(frozen=True)
class PageSpec:
    """One page of the app and the action (`auth.ACTIONS`) it needs."""
    section: str
    script: str
    title: str
    icon: str
    url_path: str
    action: str


PAGE_SPECS: tuple[PageSpec, ...] = (
    PageSpec("Interview", "ui/interview_start.py", "Start og fortsæt", ":material/play_arrow:", "start",
             "interview.own"),
    PageSpec("Interview", "ui/interview.py", "Interview", ":material/forum:", "interview", "interview.own"),
    PageSpec("Kodning", "ui/kodning.py", "Kodning", ":material/label:", "kodning", "coding"),
    PageSpec("Kodning", "ui/kodebog.py", "Kodebog", ":material/account_tree:", "kodebog", "coding"),
    PageSpec("Kodning", "ui/transskriptioner.py", "Transskriptioner", ":material/description:", "transskriptioner",
             "coding"),
    PageSpec("Kodning", "ui/citatbank.py", "Citatbank", ":material/format_quote:", "citatbank", "coding"),
    PageSpec("Kodning", "ui/enighed.py", "Enighed", ":material/join_inner:", "enighed", "coding"),
    # issue 7: every source about one respondent side by side, Bilag C's reasons (raw answers: researchers)
    PageSpec("Kodning", "ui/kilder.py", "Kilder", ":material/compare_arrows:", "kilder", "coding"),
    # side by side with the original text: raw, identifiable text, so researchers only
    PageSpec("Kodning", "ui/anonymisering.py", "Anonymisering", ":material/visibility_off:", "anonymisering",
             "coding"),
    PageSpec("Rapport", "ui/rapport.py", "Rapport", ":material/bar_chart:", "rapport", "report"),
    PageSpec("Administration", "ui/admin.py", "Brugere og steder", ":material/manage_accounts:", "administration",
             "users"),
    PageSpec("Administration", "ui/historik.py", "Historik", ":material/history:", "historik", "audit.view"),
)
LOGIN_PATH = "login"


def allowed_specs(p: auth.Principal | None) -> list[PageSpec]:
    """The pages `p` may use, in menu order (None: none)."""
    return [s for s in PAGE_SPECS if allows(p, s.action)]


def _login_placeholder() -> None:  # never run: app.py renders the login form itself
    st.stop()


@dataclass
class Pages:
    nav: dict[str, list]
    login: object            # the «Log ind» page (the default page while nobody is signed in)
    by_script: dict[str, object]
    default: object


def build_pages(p: auth.Principal | None) -> Pages:
    """Every page, the ones `p` may not use hidden; the first allowed page is the default."""
    ok = {s.script for s in allowed_specs(p)}
    first = next((s for s in PAGE_SPECS if s.script in ok), None)
    login = st.Page(_login_placeholder, title="Log ind", icon=":material/login:", url_path=LOGIN_PATH,
                    default=first is None, visibility="hidden")
    nav: dict[str, list] = {}
    hidden: list = [login]
    by_script: dict[str, object] = {}
    default = login
    for s in PAGE_SPECS:
        page = st.Page(s.script, title=s.title, icon=s.icon, url_path=s.url_path, default=s is first,
                       visibility="visible" if s.script in ok else "hidden")
        by_script[s.script] = page
        if s is first:
            default = page
        (nav.setdefault(s.section, []) if s.script in ok else hidden).append(page)
    nav[""] = hidden  # hidden pages in no section: no empty menu headers
    return Pages(nav, login, by_script, default)


# ---------------------------------------------------------------- the session

def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _end_session(notice: str | None) -> None:
    """Forget everything of this session (the next user of the browser gets nothing of it)."""
    for k in list(st.session_state.keys()):
        del st.session_state[k]
    if notice:
        st.session_state[NOTICE] = notice


def _fresh(username: str) -> tuple[auth.Principal | None, bool]:
    """The user as the store has them now: (principal or None if gone/disabled, must change password)."""
    with session_scope(engine()) as s:
        u = auth.get_user(s, username)
        if u is None or not u.active:
            return None, False
        return auth.Principal(u.username, u.role), bool(u.must_change_password)


def _session_principal() -> auth.Principal | None:
    """The signed-in principal after the timeout and the store's word; None when nobody is signed in."""
    p = st.session_state.get(PRINCIPAL)
    pending = st.session_state.get(PENDING)
    name = p.username if isinstance(p, auth.Principal) else pending
    if not name:
        return None
    if auth.session_expired(st.session_state.get(LAST_SEEN)):
        minutes = auth.session_minutes()
        log.info("session udløbet")
        _end_session(f"Du er logget ud efter {minutes} minutters inaktivitet. Log ind igen for at fortsætte, "
                     "hvor du var — alt, der var vist som gemt, er gemt.")
        return None
    fresh, must_change = _fresh(name)
    if fresh is None:
        _end_session("Du er logget ud: brugeren er deaktiveret eller findes ikke længere.")
        return None
    st.session_state[LAST_SEEN] = _now()
    if must_change:
        st.session_state.pop(PRINCIPAL, None)
        st.session_state[PENDING] = fresh.username
        return None
    st.session_state.pop(PENDING, None)
    st.session_state[PRINCIPAL] = fresh
    return fresh


def signed_in():
    """(principal, page) for this rerun, once someone may see pages; until then the login (or
    change-password) form and `st.stop()`. Call right after `st.set_page_config`. Draws the
    sidebar's «Logget ind som …» (or the open store's banner) too."""
    if store_is_open():
        for k in (PRINCIPAL, PENDING, CHANGE_PW):
            st.session_state.pop(k, None)
        p: auth.Principal | None = auth.OPEN
    else:
        p = _session_principal()
    pages = build_pages(p)
    page = st.navigation(pages.nav, position="top" if p is not None else "hidden")
    if p is None:
        inject_css()
        if st.session_state.get(PENDING):
            password_form(st.session_state[PENDING], forced=True, pages=pages, page=page)
        else:
            login_form(pages, page)
        st.stop()
    if page is pages.login:  # /login while signed in (or on an open store): to the first page
        st.switch_page(pages.default)
    if st.session_state.get(CHANGE_PW) and p.username:
        inject_css()
        password_form(p.username, forced=False, pages=pages, page=page)
        st.stop()
    chrome(p, pages)
    return p, page


def _after_sign_in(pages: Pages, page) -> None:
    """Back to the page the user came for (same URL); from «Log ind» to the role's first page."""
    if page is pages.login:
        p = st.session_state.get(PRINCIPAL)
        first = next(iter(allowed_specs(p)), None)
        if first is not None:
            st.switch_page(pages.by_script[first.script])
    st.rerun()


# ---------------------------------------------------------------- forms

def _wait_left() -> int:
    until = st.session_state.get(WAIT_UNTIL)
    if until is None:
        return 0
    left = (until - _now()).total_seconds()
    return max(0, int(left + 0.999))


def login_form(pages: Pages, page) -> None:
    st.title("Log ind")
    notice = st.session_state.get(NOTICE)
    if notice:
        st.info(notice, icon=":material/info:")
    with st.form("bb_login", clear_on_submit=True, width=420):
        user = st.text_input("Brugernavn", key="bb_login_user", max_chars=40, autocomplete="username")
        pw = st.text_input("Adgangskode", key="bb_login_pw", type="password", max_chars=1024,
                           autocomplete="current-password")
        submitted = st.form_submit_button("Log ind", type="primary", key="bb_login_btn", icon=":material/login:")
    st.caption("Har du glemt din adgangskode, kan en administrator give dig en ny.")
    if not submitted:
        return
    wait = _wait_left()
    if wait:
        st.error(f"For mange forkerte forsøg. Vent {wait} sekunder, og prøv igen.")
        return
    try:
        with session_scope(engine()) as s:
            p = auth.authenticate(s, user or "", pw or "")
            must_change = bool(auth.get_user(s, p.username).must_change_password)
    except auth.AuthError as e:
        fails = int(st.session_state.get(FAILS, 0)) + 1
        st.session_state[FAILS] = fails
        if fails >= MAX_FAILS:
            st.session_state[WAIT_UNTIL] = _now() + dt.timedelta(seconds=WAIT_SECONDS)
            st.error(f"{e} For mange forkerte forsøg: vent {WAIT_SECONDS} sekunder, før du prøver igen.")
        else:
            st.error(str(e))
        return
    for k in (FAILS, WAIT_UNTIL, NOTICE):
        st.session_state.pop(k, None)
    st.session_state[LAST_SEEN] = _now()
    if must_change:
        st.session_state[PENDING] = p.username
    else:
        st.session_state[PRINCIPAL] = p
    _after_sign_in(pages, page)


def password_form(username: str, *, forced: bool, pages: Pages, page) -> None:
    """Choose a new password: forced (first login, after a reset) or asked for from the sidebar."""
    st.title("Skift adgangskode")
    if forced:
        st.info(f"Vælg en ny adgangskode til **{md(username)}**, før du fortsætter (mindst {auth.MIN_PASSWORD} "
                "tegn; den, du har fået, kan ikke bruges igen).", icon=":material/key:")
    with st.form("bb_pw", clear_on_submit=True, width=420):
        current = None if forced else st.text_input("Nuværende adgangskode", type="password", key="bb_pw_old",
                                                    autocomplete="current-password")
        new = st.text_input("Ny adgangskode", type="password", key="bb_pw_new", autocomplete="new-password")
        again = st.text_input("Gentag den nye adgangskode", type="password", key="bb_pw_again",
                              autocomplete="new-password")
        submitted = st.form_submit_button("Gem ny adgangskode", type="primary", key="bb_pw_btn")
    if forced:
        if st.button("Log ud", key="bb_pw_logout", icon=":material/logout:"):
            _end_session("Du er logget ud.")
            st.switch_page(pages.login)
    elif st.button("Fortryd", key="bb_pw_cancel"):
        st.session_state.pop(CHANGE_PW, None)
        st.rerun()
    if not submitted:
        return
    try:
        if (new or "") != (again or ""):
            raise auth.AuthError("De to nye adgangskoder er ikke ens.")
        with session_scope(engine()) as s:
            if not forced and not auth.password_matches(s, username, current or ""):
                raise auth.AuthError("Den nuværende adgangskode er forkert.")
            if auth.password_matches(s, username, new or ""):
                raise auth.AuthError("Vælg en anden adgangskode end den nuværende.")
            auth.set_password(s, username, new or "", who=username)
    except auth.AuthError as e:
        st.error(str(e))
        return
    log.info("adgangskode skiftet: %s", username)
    st.session_state.pop(CHANGE_PW, None)
    st.session_state.pop(PENDING, None)
    st.session_state[NOTICE] = "Din adgangskode er skiftet."
    fresh, _ = _fresh(username)
    if fresh is None:
        _end_session("Du er logget ud: brugeren er deaktiveret eller findes ikke længere.")
        st.rerun()
    st.session_state[PRINCIPAL] = fresh
    st.session_state[LAST_SEEN] = _now()
    _after_sign_in(pages, page)


# ---------------------------------------------------------------- on every page

def _ask_password_change() -> None:
    st.session_state[CHANGE_PW] = True


def chrome(p: auth.Principal, pages: Pages) -> None:
    """Who is signed in, «Log ud» and «Skift adgangskode» in the sidebar; the banner of an open store."""
    if p.username is None:
        st.warning(OPEN_BANNER, icon=":material/lock_open:")
        return
    with st.sidebar:
        st.caption(f"Logget ind som **{md(p.username)}** ({auth.ROLES.get(p.role, p.role)})")
        c1, c2 = st.columns([3, 2], gap="small")  # one short row: the interview page needs the height
        out = c1.button("Log ud", key="bb_logout", icon=":material/logout:", width="stretch")
        c2.button(":material/key:", key="bb_chpw", on_click=_ask_password_change, help="Skift din adgangskode",
                  width="stretch")
    if out:
        log.info("logget ud")
        _end_session("Du er logget ud.")
        st.switch_page(pages.login)  # the next person starts from «Log ind», not from this page
