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
* **A reload, a new tab, a restarted browser** (issue 10) stay signed in: st.session_state is
  per page load, so the signed-in browser is also a row in the store (`survey.auth.AppSession`,
  its id in `SESSION_ID`). After a login or a password change `auth.start_session` makes it with
  a one-time ticket; `_hand_over_ticket` puts a small script in the page that POSTs the ticket
  (in the body) to ``/bb/session`` (ui/session_http.py, served by serve.py), which answers with
  the HttpOnly, SameSite=Strict cookie ``bb_session`` holding a random token (the store has only
  its hash; no script, URL or log ever sees it). On a rerun with nobody in the session state,
  `_from_cookie` reads the cookie of the page's websocket handshake (`st.context.cookies`; empty
  in AppTest) and `auth.resume_session` gives the principal back — same page, same URL, so the
  same interview and section (/interview?iv=…&afsnit=…) — while the session lives: not revoked,
  used within the timeout (the store's expiry slides at most once a minute), the user active and
  not due to change the password. «Log ud» revokes the row (and POSTs ``/bb/logout``, which
  deletes the cookie); `auth.set_password` and `auth.set_active(False)` revoke all of the user's
  rows, from the app and from the CLI alike.
* Every rerun re-reads the signed-in user and the tab's session row: a user disabled meanwhile
  is signed out at once, a changed role takes effect at once; a session revoked elsewhere (log
  out in another tab, a password change or reset) signs the tab out with a message.
* A failed login gets one message for every cause (`auth.authenticate`); after `auth.MAX_FAILS`
  failures in a row for a user name, no password is checked for that name for `auth.WAIT_SECONDS`
  (`auth.login_wait`: counted in the server, so a reload or another browser waits too).
* A user with ``must_change_password`` (the demo admin, a reset) chooses a new password
  before any page.

Navigation (the pages: `ui.pages`, functions registered as ``st.Page(function, url_path=…)``): every
page is registered on every rerun (so a page's URL always resolves to the
page itself); the ones the role may not use are registered *hidden*, and every page's view
also starts with `ui.common.require_page(action)`, which shows «Adgang nægtet» and stops —
a hidden menu entry is not what keeps anyone out.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import time
from dataclasses import dataclass

import streamlit as st

from survey import auth
from ui.common import (DONE, LAST_ACKS, LAST_SEEN, PRINCIPAL, SESSION_ID, acks_json, allows, cookie_token, engine, h,
                       inject_css, mark_live, md, store_is_open)
from ui.autosave_http import author_mark
from ui.pages import PAGE_SPECS, PageSpec, st_page

log = logging.getLogger("brugerblik.ui")

PENDING = "bb_pending_user"     # signed in, but must choose a new password first (user name)
TICKET = "bb_session_ticket"    # the one-time ticket the page still has to redeem for the cookie
FORGET_COOKIE = "bb_forget_cookie"  # after «Log ud»: the login page asks the server to delete the cookie
CHANGE_PW = "bb_change_pw"      # the signed-in user asked to change their password
NOTICE = "bb_login_notice"      # why the login form is shown (timed out, signed out …)

OPEN_BANNER = ("Ingen brugere er oprettet — alle, der kan åbne appen, har adgang. Opret en administrator: "
               "`brugerblik user add NAVN --rolle admin` (eller under Administration), så kræver appen login.")
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
    by_path: dict[str, object]  # url_path -> the registered st.Page
    default: object


def build_pages(p: auth.Principal | None) -> Pages:
    """Every page, the ones `p` may not use hidden; the first allowed page is the default."""
    ok = {s.url_path for s in allowed_specs(p)}
    first = next((s for s in PAGE_SPECS if s.url_path in ok), None)
    login = st.Page(_login_placeholder, title="Log ind", icon=":material/login:", url_path=LOGIN_PATH,
                    default=first is None, visibility="hidden")
    nav: dict[str, list] = {}
    hidden: list = [login]
    by_path: dict[str, object] = {}
    default = login
    for s in PAGE_SPECS:  # st.Page(function, url_path=…): the URLs and titles are the ones the menu always had
        page = st_page(s, default=s is first, visibility="visible" if s.url_path in ok else "hidden")
        by_path[s.url_path] = page
        if s is first:
            default = page
        (nav.setdefault(s.section, []) if s.url_path in ok else hidden).append(page)
    nav[""] = hidden  # hidden pages in no section: no empty menu headers
    return Pages(nav, login, by_path, default)


# ---------------------------------------------------------------- the session

def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _end_session(notice: str | None) -> None:
    """Forget everything of this session (the next user of the browser gets nothing of it) — but what the
    server applied of the tab's queues: the login page says so (`_last_acks`), or a change stored just before
    «Log ud» (its acknowledgement not yet drawn) would wait in the tab as unsaved for good."""
    done = st.session_state.get(DONE)
    for k in list(st.session_state.keys()):
        del st.session_state[k]
    if done:
        st.session_state[LAST_ACKS] = done
    if notice:
        st.session_state[NOTICE] = notice


def _fresh(username: str, session_id: int | None = None) -> tuple[auth.Principal | None, bool, str | None]:
    """The user as the store has them now: (principal or None if gone/disabled, must change password,
    the state of the tab's session row — `auth.touch_session`, None without one)."""
    return auth.user_state(engine(), username, session_id)


def _timeout_notice() -> str:
    return (f"Du er logget ud efter {auth.session_minutes()} minutters inaktivitet. Log ind igen for at fortsætte, "
            "hvor du var — alt, der var vist som gemt, er gemt.")


def _from_cookie() -> auth.Principal | None:
    """Sign the tab in again from the browser's session cookie (a reload, a new tab, a restarted
    browser), if its session still lives; None otherwise (the login form is shown)."""
    token = cookie_token()
    if token is None:
        return None
    resumed = auth.resume_browser_session(engine(), token)
    if resumed is None:  # timed out, logged out, new password, user disabled: say so, not why
        st.session_state.setdefault(NOTICE, "Du er ikke logget ind længere (efter inaktivitet, når der er logget "
                                            "ud, eller når adgangskoden er skiftet). Log ind igen for at fortsætte, "
                                            "hvor du var.")
        return None
    log.info("session genoptaget: %s", resumed.principal.username)
    for k in (NOTICE, PENDING):
        st.session_state.pop(k, None)
    st.session_state[PRINCIPAL] = resumed.principal
    st.session_state[SESSION_ID] = resumed.session_id
    st.session_state[LAST_SEEN] = _now()
    return resumed.principal


def _start_browser_session(username: str) -> None:
    """A new store session for this tab; its one-time ticket goes to the page on the next rerun."""
    st.session_state.pop(SESSION_ID, None)
    st.session_state.pop(TICKET, None)
    try:
        issued = auth.start_browser_session(engine(), username)
    except Exception as e:  # no cookie then: the tab stays signed in, a reload asks for the login
        log.error("session kunne ikke startes: %s", type(e).__name__)
        return
    st.session_state[SESSION_ID] = issued.session_id
    st.session_state[TICKET] = issued.ticket


def _session_principal() -> auth.Principal | None:
    """The signed-in principal after the timeout and the store's word; from the session cookie when
    the tab has none (`_from_cookie`); None when nobody is signed in."""
    p = st.session_state.get(PRINCIPAL)
    pending = st.session_state.get(PENDING)
    name = p.username if isinstance(p, auth.Principal) else pending
    if not name:
        return _from_cookie()
    if auth.session_expired(st.session_state.get(LAST_SEEN)):
        log.info("session udløbet")
        _end_session(_timeout_notice())
        return _from_cookie()  # the browser's session may have been kept alive in another tab
    fresh, must_change, state = _fresh(name, st.session_state.get(SESSION_ID))
    if fresh is None:
        _end_session("Du er logget ud: brugeren er deaktiveret eller findes ikke længere.")
        return None
    if state in ("revoked", "gone"):
        log.info("session afsluttet andetsteds")
        _end_session("Du er logget ud: sessionen er afsluttet (logget ud i et andet vindue, ny adgangskode "
                     "eller ændret bruger). Log ind igen for at fortsætte, hvor du var.")
        return None
    if state == "expired":
        log.info("session udløbet")
        _end_session(_timeout_notice())
        return None
    if state != "ticket":
        st.session_state.pop(TICKET, None)  # redeemed (or too late): nothing more to hand over
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
    read_at = time.monotonic()  # before the store is read: a logout committed meanwhile is newer than the check
    if store_is_open():
        for k in (PRINCIPAL, PENDING, CHANGE_PW):
            st.session_state.pop(k, None)
        p: auth.Principal | None = auth.OPEN
    else:
        p = _session_principal()
    if p is not None:
        # checked just now: the callbacks and fragments of this run need not ask again
        mark_live(read_at)
    pages = build_pages(p)
    page = st.navigation(pages.nav, position="top" if p is not None else "hidden")
    if p is None:
        inject_css()
        _forget_cookie()
        if st.session_state.get(PENDING):
            password_form(st.session_state[PENDING], forced=True, pages=pages, page=page)
        else:
            login_form(pages, page)
        st.stop()
    if page is pages.login:  # /login while signed in (or on an open store): to the first page
        st.switch_page(pages.default)
    _hand_over_ticket()
    if st.session_state.get(CHANGE_PW) and p.username:
        inject_css()
        password_form(p.username, forced=False, pages=pages, page=page)
        st.stop()
    chrome(p, pages)
    return p, page


# the page's side of the cookie (ui/session_http.py): the ticket goes in the body, never in the URL;
# sent once per tab (a rerun draws the script again until the store sees the ticket redeemed). The
# element hides its own container, so the page does not move when it comes and goes.
_HIDE = ('<style>[data-testid="stElementContainer"]:has(.bb-session-js) { display: none !important; }</style>'
         '<span class="bb-session-js" hidden></span>')
_TICKET_JS = _HIDE + """<script>
(() => {
  const t = %s;
  const sent = (window.__bbTickets = window.__bbTickets || new Set());
  if (sent.has(t)) return;
  sent.add(t);
  fetch('/bb/session', { method: 'POST', body: t, credentials: 'same-origin', cache: 'no-store',
                         headers: { 'Content-Type': 'text/plain' } })
    .then((r) => { if (r.status >= 500) sent.delete(t); })   // the store did not answer: the next rerun tries again
    .catch(() => sent.delete(t));
})();
</script>"""
_FORGET_JS = _HIDE + """<script>
fetch('/bb/logout', { method: 'POST', credentials: 'same-origin', cache: 'no-store' }).catch(() => {});
</script>"""


def _hand_over_ticket() -> None:
    ticket = st.session_state.get(TICKET)
    if ticket:
        st.html(_TICKET_JS % json.dumps(ticket), unsafe_allow_javascript=True)


def _forget_cookie() -> None:
    if st.session_state.pop(FORGET_COOKIE, False):
        st.html(_FORGET_JS, unsafe_allow_javascript=True)


def _after_sign_in(pages: Pages, page) -> None:
    """Back to the page the user came for (same URL); from «Log ind» to the role's first page."""
    if page is pages.login:
        p = st.session_state.get(PRINCIPAL)
        first = next(iter(allowed_specs(p)), None)
        if first is not None:
            st.switch_page(pages.by_path[first.url_path])
    st.rerun()


# ---------------------------------------------------------------- forms

def _last_acks() -> None:
    """The acknowledgements of the session that ended in this tab (`_end_session`): only numbers of changes
    (component keys, the tab's id), no answer and no name."""
    done = st.session_state.get(LAST_ACKS)
    if done:
        st.html('<style>[data-testid="stElementContainer"]:has(.bb-acks) { display: none !important; }</style>'
                f'<div class="bb-acks" hidden data-acked="{h(acks_json(done))}"></div>')


def login_form(pages: Pages, page) -> None:
    st.title("Log ind")
    _last_acks()
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
    try:  # after auth.MAX_FAILS failures for a user name, no password is checked for a while (auth.login_wait)
        p, must_change = auth.sign_in(engine(), user or "", pw or "")
    except auth.AuthError as e:
        st.error(str(e))
        return
    st.session_state.pop(NOTICE, None)
    st.session_state.pop(LAST_ACKS, None)
    st.session_state[LAST_SEEN] = _now()
    if must_change:  # the browser session starts once a new password is chosen
        st.session_state[PENDING] = p.username
    else:
        st.session_state[PRINCIPAL] = p
        _start_browser_session(p.username)
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
            log_out(pages)
    elif st.button("Fortryd", key="bb_pw_cancel"):
        st.session_state.pop(CHANGE_PW, None)
        st.rerun()
    if not submitted:
        return
    try:
        if (new or "") != (again or ""):
            raise auth.AuthError("De to nye adgangskoder er ikke ens.")
        auth.change_own_password(engine(), username, new or "", current=current, check_current=not forced)
    except auth.AuthError as e:
        st.error(str(e))
        return
    log.info("adgangskode skiftet: %s", username)
    st.session_state.pop(CHANGE_PW, None)
    st.session_state.pop(PENDING, None)
    st.session_state[NOTICE] = "Din adgangskode er skiftet."
    fresh, _, _ = _fresh(username)
    if fresh is None:
        _end_session("Du er logget ud: brugeren er deaktiveret eller findes ikke længere.")
        st.rerun()
    st.session_state[PRINCIPAL] = fresh
    st.session_state[LAST_SEEN] = _now()
    _start_browser_session(username)  # set_password ended every session of the user, this tab's too
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
        # the container's key carries who is signed in (`author_mark`) for the page's save queue (ui/static/queue.js)
        with st.container(key=f"bb_who_{author_mark(p.username)}"):
            st.caption(f"Logget ind som **{md(p.username)}** ({auth.ROLES.get(p.role, p.role)})")
        c1, c2 = st.columns([3, 2], gap="small")  # one short row: the interview page needs the height
        out = c1.button("Log ud", key="bb_logout", icon=":material/logout:", width="stretch")
        c2.button(":material/key:", key="bb_chpw", on_click=_ask_password_change, help="Skift din adgangskode",
                  width="stretch")
    if out:
        log_out(pages)


def log_out(pages: Pages) -> None:
    """«Log ud»: the store's session is revoked (a reload, another tab or the cookie get nothing of
    it), the tab forgets everything, and the login page asks the server to delete the cookie."""
    log.info("logget ud")
    sid = st.session_state.get(SESSION_ID)
    token = cookie_token()
    try:
        # the tab's session, and the one of the cookie (the tab may have been signed in from an older one)
        auth.end_browser_session(engine(), sid, token=token)
    except Exception as e:
        log.error("session kunne ikke afsluttes: %s", type(e).__name__)
    _end_session("Du er logget ud.")
    st.session_state[FORGET_COOKIE] = True
    st.switch_page(pages.login)  # the next person starts from «Log ind», not from this page
