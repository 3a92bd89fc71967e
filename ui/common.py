"""Shared pieces of the Streamlit pages: the engine, the guide, keys, times and CSS.

No survey logic lives here (that is in survey/); only what every page needs to talk to it.
"""
from __future__ import annotations

import datetime as dt
import functools
import html
import json
import logging
import math
import os
import re
import time
import zoneinfo

import streamlit as st

from survey import auth, guide_fit
from survey.db import database_url, get_engine, is_read_only
from survey.errors import ReadOnlyStoreError
from survey.clock import zone  # the study's zone when the browser gives none
from survey.guide import Guide, GuideError, load_guide

log = logging.getLogger("brugerblik.ui")


@st.cache_resource(show_spinner=False)
def _engine(url: str):
    return get_engine(url)


def engine():
    """The one engine of this process for BRUGERBLIK_DB (or the default SQLite file)."""
    return _engine(database_url())


# ---------------------------------------------------------------- who is using the app (issue 6)

PRINCIPAL = "bb_principal"  # the signed-in auth.Principal (set by ui/access.py after a login; never a widget)
LAST_SEEN = "bb_last_seen"  # UTC time of the signed-in session's last rerun (for the inactivity timeout)
DENIED = "Adgang nægtet"


def store_is_open() -> bool:
    """True when the store has no users: single-user mode, no login (auth.is_open)."""
    return auth.store_is_open(engine())


def principal() -> auth.Principal | None:
    """Who is acting on this rerun: the signed-in user, `auth.OPEN` on a store without users, or
    None (users exist and nobody is signed in)."""
    p = st.session_state.get(PRINCIPAL)
    if isinstance(p, auth.Principal):
        return p
    return auth.OPEN if store_is_open() else None


SESSION_ID = "bb_session_id"  # this tab's app_session row (its id; never the token; set by ui/access.py)
LIVE_CHECKED = "bb_live_checked"  # time.monotonic() of the last check that found the tab's sign-in good
DONE = "_bb_done"  # (component key, tab id) -> the last change applied of that tab's queue (ui.autosave)
LAST_ACKS = "bb_last_acks"  # DONE as it was when the session ended (ui.access): the login page carries it
LIVE_SECONDS = 2.0  # a check this recent is not repeated (a full run's, or the callback's before a fragment)


def mark_live(at: float) -> None:
    """The tab's sign-in was found good by a check that read the store at `at` (`time.monotonic()`, taken
    before that read: a logout committed during it is then newer than the check; `ui.access.signed_in`,
    `session_live`)."""
    st.session_state[LIVE_CHECKED] = at


def acks_json(done: dict | None, iid: str | None = None) -> str:
    """What the server has applied of each queue (`DONE`; of one interview's components with `iid`) as the page
    carries it (`data-acked`): the browser then drops those changes from its queues (ui/static/queue.js)."""
    out: dict[str, dict[str, int]] = {}
    for (k, cid), seq in (done or {}).items():
        if iid is None or iid in k:
            out.setdefault(k, {})[cid] = seq
    return json.dumps(out, separators=(",", ":"))


def cookie_token() -> str | None:
    """The session cookie sent with this page's websocket handshake (None in AppTest, bare mode …)."""
    try:
        token = st.context.cookies.get(auth.SESSION_COOKIE)
    except Exception:  # no browser context
        return None
    return token if isinstance(token, str) and token else None


def _kept_alive(p: auth.Principal) -> bool:
    """The tab's own inactivity timeout has passed, but the browser's session (its cookie) lives — kept alive
    in another tab — for the same user and role: the full run resumes it (`ui.access`), so a callback may
    save too (a reviewer: the change was refused, and the page then came back without it and without a word)."""
    token = cookie_token()
    if token is None:
        return False
    resumed = auth.resume_browser_session(engine(), token)
    if resumed is None or resumed.principal != p:
        return False
    st.session_state[SESSION_ID] = resumed.session_id
    st.session_state[LAST_SEEN] = dt.datetime.now(dt.timezone.utc)
    return True


def session_live() -> bool:
    """Is this tab's sign-in still good, in a run that has not passed `ui.access.signed_in` first?

    Streamlit runs a widget's callback *before* the script (so before the login check of the full
    run), and a fragment's own rerun runs the fragment only (never the login check): a tester kept
    saving answers in an open interview after the session had timed out, after the user was
    disabled and after a logout in another tab. This is the same check as the full run's: the
    inactivity timeout, the user active, with the same role and no password to change, and the tab's
    session row live (`auth.user_state`). Activity here counts as activity (the timeout and the
    store's expiry slide). True on an open store; False when nobody is signed in. The caller does
    nothing more and asks for a full run (`st.rerun`), which signs the tab out and says why."""
    p = st.session_state.get(PRINCIPAL)
    if not isinstance(p, auth.Principal) or p.username is None:
        return store_is_open()  # nobody signed in: only an open store (users since: the login)
    if auth.session_expired(st.session_state.get(LAST_SEEN)) and not _kept_alive(p):
        return False
    checked = st.session_state.get(LIVE_CHECKED)
    if isinstance(checked, float) and 0 <= time.monotonic() - checked < LIVE_SECONDS \
            and checked > auth.sessions_changed_at():  # a logout in another tab since: check again
        return True
    read_at = time.monotonic()
    fresh, must_change, state = auth.user_state(engine(), p.username, st.session_state.get(SESSION_ID))
    if fresh is None or must_change or fresh != p or state in ("revoked", "gone", "expired"):
        return False
    st.session_state[LAST_SEEN] = dt.datetime.now(dt.timezone.utc)
    mark_live(read_at)
    return True


def in_fragment_run() -> bool:
    """Is this a rerun of fragments only (Streamlit 1.67: the run's `fragment_ids_this_run`, empty in a
    full run, which may also draw fragments)?"""
    ctx = st.runtime.scriptrunner.get_script_run_ctx()
    return bool(ctx and getattr(ctx, "fragment_ids_this_run", None))


def guard_fragment() -> None:
    """The first line of a fragment that shows or saves an interview: in a fragment's own rerun, a
    sign-in that is no longer good (`session_live`) reruns the whole app, which shows the login."""
    if in_fragment_run() and not session_live():
        st.rerun(scope="app")


def allows(p: auth.Principal | None, action: str) -> bool:
    """True when `p` may do `action` (the one table: auth.ACTIONS; the open store may do everything)."""
    if p is None:
        return False
    try:
        auth.require(p, action)
    except auth.AuthError:
        return False
    return True


def username() -> str | None:
    """The signed-in user's name (who= in the audit trail); None on an open store."""
    p = st.session_state.get(PRINCIPAL)
    return p.username if isinstance(p, auth.Principal) else None


def deny(message: str | None = None) -> None:
    """«Adgang nægtet» and nothing else of the page (st.stop)."""
    st.title(DENIED)
    st.error(message or f"{DENIED}: din rolle giver ikke adgang til denne side.", icon=":material/block:")
    st.stop()


def require_page(action: str) -> auth.Principal:
    """The first line of every page: the principal, if it may do `action`; otherwise «Adgang nægtet»
    and the page stops — so a direct URL cannot get past a hidden menu entry."""
    p = principal()
    if p is None:
        deny(f"{DENIED}: log ind først.")
    try:
        auth.require(p, action)
    except auth.AuthError as e:
        deny(str(e))
    return p


def guide() -> Guide:
    """The interview guide; a broken guide file — or one that does not fit the interviews in the store
    (`survey.guide_fit`: a removed question or choice with stored answers …) — stops the page with the
    loader's Danish message."""
    try:
        g = load_guide()
        guide_fit.require_fit(engine(), g)
        return g
    except GuideError as e:
        stop_for_guide(e)
        raise  # unreachable (st.stop raises)


def stop_for_guide(e: Exception) -> None:
    """Stop the page with a guide's Danish refusal: one that cannot be loaded, or one that does not fit the
    interviews of its informant type in the store (`survey.guide_fit.GuideFitError`; the user guide's or
    another source's)."""
    if isinstance(e, guide_fit.GuideFitError):
        from survey.sources import INFORMANT_LABELS  # loaded when used (start-up time of the app's first page)

        which = "Spørgeguiden" if e.informant == "bruger" else f"Spørgeguiden til {INFORMANT_LABELS[e.informant].lower()}"
        st.error(f"{which} ({md(os.path.basename(e.path))}) passer ikke til de interview, der er gemt. Intet vises "
                 "eller gemmes med den, så intet gemt svar vises som noget andet. Ret guidefilen (se "
                 "nedenfor), og genindlæs siden.")
    else:
        st.error("Spørgeguiden kan ikke indlæses. Ret guidefilen og genindlæs siden.")
    st.code("\n".join(getattr(e, "problems", None) or [str(e)]), language=None)
    st.stop()


def unexpected(e: BaseException, message: str) -> str:
    """What a page says of an error it did not expect: `message` (its Danish «uventet fejl»), or, when the store
    refused a write because it cannot be written (a read-only file or database user: `survey.db.is_read_only`),
    that it cannot be written and what still works (`survey.errors.ReadOnlyStoreError`)."""
    return ReadOnlyStoreError.MESSAGE if is_read_only(e) else message


def source_guides() -> None:
    """The other sources' guides fit the interviews of their types in the store (`survey.guide_fit`; one row
    read per type once they did), else the page stops with the refusal (`stop_for_guide`)."""
    from survey.source_store import check_guides  # loaded when used (start-up time of the app's first page)

    try:
        check_guides(engine())
    except GuideError as e:
        stop_for_guide(e)


def wkey(iid: str, code: str) -> str:
    """Widget key of an item's answer in one interview (the id keeps two interviews' widgets apart)."""
    return f"v_{iid}_{code}"


def err_key(key: str) -> str:
    return f"_err_{key}"


def tz() -> dt.tzinfo:
    """The browser's zone; without one (tests, bare mode) or with an unknown name, the study's
    (`survey.clock.zone`)."""
    try:
        name = st.context.timezone
    except Exception:  # no browser context (tests, bare mode)
        name = None
    try:
        return zoneinfo.ZoneInfo(name) if name else zone()
    except Exception:
        return zone()


def local(t: dt.datetime | None) -> dt.datetime | None:
    if t is None:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.astimezone(tz())


def hms(t: dt.datetime | None) -> str:
    return local(t).strftime("%H:%M:%S") if t else "—"


def when(t: dt.datetime | None) -> str:
    """Local date and time, Danish style: 21.11.2026 14:03."""
    return local(t).strftime("%d.%m.%Y %H:%M") if t else "—"


def today() -> dt.date:
    return dt.datetime.now(tz()).date()


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>$~])")


def lead_in(label: str) -> str:
    """A question's label before what is said about it: «Køn:», but «… i hverdagen? —» (not «?:»)."""
    label = label.rstrip()
    return f"{label} —" if label[-1:] in "?!.:" and label else f"{label}:"


def md(text: str | None) -> str:
    """Text from the guide or the respondent, safe inside markdown (no formatting, no LaTeX, no HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", text or "")


def danish_numbers(frame, formats: dict, missing: str = "", texts: dict | None = None):
    """A table for st.dataframe whose number columns the browser writes the Danish way: `formats`
    maps a column to the report's own formatter for it (`report.publication.da3`, `pct`, `count` …);
    a missing value shows `missing` (the Rapport page: «–», as the report writes it). The cells stay
    numbers — a click on a heading sorts by number, not by text — and only the text shown is Danish:
    a pandas Styler's display texts, which Streamlit shows for a number column without a ``format`` of
    its own (give those columns none). Show it with `number_table` (a screen reader hears the text).

    A formatted column may hold, in place of a number, the text publication shows there
    (`report.publication.suppress`: «–», «<5»): that cell is empty as a number — a sort puts it with
    the other empty cells, and the table's data holds no hidden count — and shows the text. A number
    given as text («12», as `suppress` writes a shown n) is the number. A text after a number
    («12 *») is written by the column's formatter (the cell's number stays).

    `texts` gives a number column its shown text cell by cell ({column: one text per row}), where one
    formatter cannot write it — «7 (3)», «45 % af 12», «12,3 %–45,6 %»: the cell's number is what a click on
    the heading sorts by, the text is what is shown (and heard). A column in `texts` needs no entry in
    `formats`. A cell whose text is a mark («–», «<5», `missing`) holds no number, whatever was given."""
    import pandas as pd  # reason: start-up time — the app's first page builds no table (tests/survey/test_startup.py)

    frame = frame.copy()
    marks: dict[str, dict[str, list[int]]] = {}  # column -> text -> the row positions that show it
    formats = {**{c: _said for c in texts or {}}, **formats}
    for c, shown in (texts or {}).items():
        if len(shown) != len(frame):
            raise ValueError(f"texts[{c!r}]: {len(shown)} tekster til {len(frame)} rækker")
        hide = [str(t) == missing or bool(MARK.fullmatch(str(t))) for t in shown]
        if any(hide):  # a mark says no number: none may lie under it (a sort or the table's data would show it)
            frame[c] = frame[c].astype(float).mask(pd.Series(hide, index=frame.index))
        for r, text in enumerate(shown):
            marks.setdefault(c, {}).setdefault(str(text), []).append(r)
    for c in formats:
        if c not in frame.columns or pd.api.types.is_numeric_dtype(frame[c]):
            continue
        values = frame[c]
        numbers = pd.to_numeric(values.where(values.map(lambda v: not isinstance(v, bool))), errors="coerce")
        for r, (v, x) in enumerate(zip(values, numbers)):
            if isinstance(v, str) and pd.isna(x) and c not in (texts or {}):
                marks.setdefault(c, {}).setdefault(v, []).append(r)
        frame[c] = numbers.astype(float)
    styler = frame.style.format({c: f for c, f in formats.items() if c in frame.columns}, na_rep=missing)
    _show_texts(styler, frame, marks)
    styler.bb_spoken = _spoken(frame, formats, marks, missing)
    return styler


#: what publication writes in place of a number («–», «<5»): a cell showing it holds none
MARK = re.compile(r"–|<\d+")


def _show_texts(styler, frame, marks: dict[str, dict[str, list[int]]]) -> None:
    """Give the cells in `marks` (column -> text -> row positions) their text. pandas keeps one formatter a
    cell (``Styler._display_funcs``, keyed by row and column position): set there directly, a table of 1,000
    rows with a text each takes milliseconds; `Styler.format` with a subset a text took about half a
    millisecond each (0.6 s for 1,000 rows, on every rerun). A pandas without that table: `Styler.format`."""
    import pandas as pd  # reason: start-up time (as danish_numbers)

    funcs = getattr(styler, "_display_funcs", None)
    for c, by_text in marks.items():
        col = frame.columns.get_loc(c)
        for text, rows in by_text.items():
            show = functools.partial(_text_of, text)
            if isinstance(funcs, dict):
                for r in rows:
                    funcs[(r, col)] = show
            else:
                styler.format(show, subset=pd.IndexSlice[frame.index[rows], [c]])


def _text_of(text: str, _value) -> str:
    return text


def _said(v) -> str:
    """What the browser's data table gives a screen reader for a cell it holds as `v` (JavaScript's
    ``String(v)``; an empty cell: nothing)."""
    import numpy as np  # reason: start-up time (as danish_numbers)
    import pandas as pd

    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (float, np.floating)):
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    return str(v)


def _spoken(frame, formats: dict, marks: dict, missing: str) -> dict:
    """The Danish texts of a `danish_numbers` table's number cells, for what a screen reader hears
    (`number_table`): per row — found by its other cells' texts — and per number."""
    import pandas as pd  # reason: start-up time (as danish_numbers)

    cols = [c for c in formats if c in frame.columns]
    keys = [c for c in frame.columns if c not in formats]
    mark_of = {(c, r): t for c, by_text in marks.items() for t, rows in by_text.items() for r in rows}
    index = range(len(frame))
    said = {c: [_said(v) for v in frame[c].tolist()] for c in keys}
    rows: dict[str, list[str] | None] = {}
    values: dict[str, dict[str, str]] = {c: {} for c in cols}
    texts_of: dict[str, list[str]] = {}
    for c in cols:
        fmt, texts = formats[c], []
        for i, v in zip(index, frame[c].tolist()):
            empty = v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
            text = mark_of.get((c, i)) or (missing if empty else fmt(v))
            texts.append(text)
            if not empty:  # a number that stands for two texts («2 (1)», «2 (2)») is read by its row only
                key = _said(v)
                values[c][key] = text if values[c].get(key, text) == text else None
        values[c] = {k: t for k, t in values[c].items() if t is not None}
        texts_of[c] = texts
    for r in range(len(index)):
        key = "\x1f".join(said[c][r] for c in keys)
        texts = [texts_of[c][r] for c in cols]
        rows[key] = texts if rows.get(key, texts) == texts else None  # two rows alike: by the number alone
    return {"cols": [str(c) for c in cols], "keys": [str(c) for c in keys], "rows": rows, "values": values}


def number_table(table, **kwargs) -> None:
    """`st.dataframe` of a `danish_numbers` table, and beside it (hidden) the Danish text of each number
    cell: the data table gives a screen reader the cell's number as JavaScript writes it («0.8123»,
    «0.847457627118644»), not the text shown; `ui.danish` puts the shown text on the cell
    (``aria-label``)."""
    st.dataframe(table, **kwargs)
    spoken = getattr(table, "bb_spoken", None)
    if spoken and spoken["cols"]:
        st.html(f'<div class="bb-spoken" hidden aria-hidden="true" data-spoken="{h(json.dumps(spoken))}"></div>')


def h(text: str | None) -> str:
    """Text for an HTML snippet (st.markdown with unsafe_allow_html): escaped, never markup."""
    return html.escape(text or "", quote=True).replace("$", "&#36;")


def safe_callback(fn):
    """Widget callbacks never show a traceback: an unexpected error becomes a Danish message. A
    callback of a tab whose sign-in is no longer good does nothing (`session_live`).

    Only the exception type is logged (no values: answers are personal data).
    """
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if not session_live():  # timed out, logged out elsewhere, disabled, another role: nothing is done
            log.info("handling afvist: sessionen er ikke længere gyldig")
            return None
        try:
            return fn(*args, **kwargs)
        except Exception as e:
            log.error("fejl i %s: %s", fn.__name__, type(e).__name__)
            st.session_state["_saved"] = {"iid": None, "at": None, "what": "",
                                          "error": unexpected(e, "Ændringen blev ikke gemt på grund af en uventet "
                                                                 "fejl. Prøv igen; genindlæs siden, hvis det bliver ved.")}
    return wrapper


CSS = """
<style>
/* room for the interview on a 13-inch screen (1366x768) */
[data-testid="stMainBlockContainer"] { padding: 4.2rem 1.4rem 2rem 1.6rem !important; max-width: 100% !important; }
section[data-testid="stSidebar"] { width: 248px !important; min-width: 248px !important; }
/* the Rapport page's filters: a box shows one line and cuts the rest, so the sidebar is as wide as the longest
   choice needs («Arbejdsmarkedsperspektiv» under «Grupper efter», «De psykisk påfaldende»; 1024×768) */
section[data-testid="stSidebar"]:has(.st-key-rp_filters) { width: 19.5rem !important; min-width: 19.5rem !important; }
[data-testid="stSidebarUserContent"] { padding: 0.6rem 1rem 1rem 1rem !important; }
[data-testid="stSidebarContent"] [data-testid="stVerticalBlock"] { gap: 0.4rem; }
[data-testid="stSidebarHeader"] { height: 2.2rem; min-height: 2.2rem; }
/* the interview's sections: a section's mark (its option's caption) on the line of its name, not below */
section[data-testid="stSidebar"] [data-testid="stRadio"] div:has(> label[data-testid="stRadioOption"]) {
  display: flex; flex-direction: row !important; flex-wrap: wrap; align-items: baseline; column-gap: 0.35rem; }
section[data-testid="stSidebar"] [data-testid="stRadio"] label[data-testid="stRadioOption"] { width: auto !important; flex: 0 1 auto; }
section[data-testid="stSidebar"] [data-testid="stRadioCaption"] { margin: 0 !important; padding: 0 !important; width: auto !important; }
section[data-testid="stSidebar"] [data-testid="stRadioCaption"] p { font-size: 0.78rem; margin: 0; white-space: nowrap; }
[data-testid="stAppDeployButton"] { display: none; }
[data-testid="stMarkdownContainer"]:has(> .bb-status) { margin-bottom: 0 !important; }
/* a page's sections are h2 under its title (h1) and their parts h3 (axe: heading-order — they were h4 and skipped
   two levels), drawn about as large as before; st.subheader's headings (the interview's sections) keep their size */
[data-testid="stMain"] [data-testid="stMarkdown"] h2 { font-size: 1.4rem; }
[data-testid="stMain"] [data-testid="stMarkdown"] h3 { font-size: 1.2rem; }
.bb-hint { color: #5b5f6a; font-size: 0.86rem; font-style: italic; margin-top: 0.1rem; }
.bb-q { font-weight: 600; line-height: 1.35; }
.bb-req { color: #b3261e; font-weight: 700; }
.bb-saved { color: #1b6e3a; font-weight: 600; }
.bb-unsaved { color: #b3261e; font-weight: 600; }
.bb-what { color: #4a4f5c; font-size: 0.84rem; line-height: 1.25; overflow-wrap: anywhere; }
/* issue 10: the save status, fixed at the top of the main area, visible with the sidebar collapsed too */
/* below the offline banner while it is shown (--bb-offline-h: its height), and clear of the menu at the top
   (--bb-status-room: the room right of the menu's last entry; --bb-status-top: below the menu when that room is
   too small) — both set by OFFLINE_JS; a tester found «Administration» hidden under it at 1024×768 */
.bb-mainstatus { position: fixed; top: calc(var(--bb-offline-h, 0px) + var(--bb-status-top, 0.55rem)); right: 3.2rem; z-index: 999990; pointer-events: none;
  display: flex; gap: 0.6rem; align-items: baseline; max-width: min(26rem, 34vw, var(--bb-status-room, 26rem)); padding: 0.3rem 0.8rem;
  background: #fff; border: 1px solid #c9ccd3; border-radius: 0.5rem; box-shadow: 0 1px 4px rgba(0,0,0,.08);
  white-space: nowrap; overflow: hidden; }
.bb-mainstatus .bb-what { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#bb-pending { position: fixed; top: calc(var(--bb-offline-h, 0px) + var(--bb-status-top, 0.55rem)); right: 3.2rem; z-index: 999991; pointer-events: none; padding: 0.3rem 0.8rem;
  max-width: var(--bb-status-room, 100vw);
  background: #fff8e1; color: #5c4300; border: 1px solid #c9a227; border-radius: 0.5rem; font-weight: 600; }
#bb-pending[hidden] { display: none; }
/* read by a screen reader, not shown (ui/static/queue.js, bbSay) */
.bb-sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
#bb-pending[data-state="slow"], #bb-pending[data-state="out"], #bb-pending[data-state="held"],
#bb-pending[data-state="refused"], #bb-pending[data-state="guide"] { background: #fdecea; color: #8c1d18; border-color: #b3261e; }
#bb-pending[data-state="out"], #bb-pending[data-state="held"], #bb-pending[data-state="refused"],
#bb-pending[data-state="guide"] {
  max-width: min(30rem, 60vw, var(--bb-status-room, 30rem)); }
/* «Gemmer …» shown: the server's green «✔ Alt er gemt» is not true yet (ui/static/queue.js, bbStatus) */
body.bb-busy .bb-mainstatus[data-state="saved"] { visibility: hidden; }
/* a refused value's red status stays in view: the pill goes below it */
body:has(.bb-mainstatus[data-state="error"]) #bb-pending { top: calc(var(--bb-offline-h, 0px) + var(--bb-status-top, 0.55rem) + 2.35rem); }
.bb-mainstatus[data-state="error"] { border-color: #b3261e; background: #fdecea; }
/* captions at 4.5:1 or more: Streamlit 1.67 also fades the caption box to opacity 0.6, which made this colour
   #92959d on white (2.99:1, axe: color-contrast) */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #4a4f5c !important; }
[data-testid="stCaptionContainer"] { opacity: 1 !important; }
.bb-err { color: #b3261e; font-size: 0.9rem; font-weight: 600; }
[data-testid="stElementContainer"]:has(.bb-err) { margin-top: -0.55rem; }
/* probe grid: compact rows that fit 1366 px */
.st-key-probegrid { gap: 0 !important; }
.st-key-probegrid [data-testid="stHorizontalBlock"] { gap: 0.55rem; align-items: center; }
.st-key-probegrid [data-testid="stVerticalBlock"] { gap: 0 !important; }
.st-key-probegrid [data-testid="stRadio"] label { margin: 0; padding-right: 0.1rem; white-space: nowrap; }
.st-key-probegrid [data-testid="stRadio"] label p { font-size: 0.88rem; white-space: nowrap; }
.st-key-probegrid [data-testid="stRadioGroup"] { gap: 0 0.55rem; flex-wrap: nowrap; min-height: 0 !important; }
.st-key-probegrid .bb-head { margin-bottom: 0.35rem; }
.st-key-probegrid .bb-probe { font-size: 0.88rem; line-height: 1.2; }
.st-key-probegrid .bb-hint { font-size: 0.76rem; margin: 0; line-height: 1.1; }
.st-key-probegrid .bb-head { font-size: 0.8rem; font-weight: 700; color: #444; white-space: nowrap; }
.st-key-probegrid [data-testid="stTextInputRootElement"] { min-height: 0 !important; height: 1.95rem !important; }
.st-key-probegrid [data-testid="stTextInputField"] { padding: 0.1rem 0.5rem !important; font-size: 0.88rem; }
.st-key-probegrid [data-testid="stPopover"] button { min-height: 1.95rem; height: 1.95rem; padding: 0 0.35rem; }
.st-key-probegrid [data-testid="stElementContainer"]:has(.bb-err) { margin-top: 0.1rem; }
[class*="st-key-pgrow_"] { border-bottom: 1px solid #eceef2; padding: 0.12rem 0; }
[class*="st-key-pgrow_"]:focus-within { background: #f1f5ff; }
.bb-na { color: #5b5f6a; font-size: 0.8rem; padding-left: 0.2rem; }
.st-key-pghead { padding-bottom: 0.45rem; border-bottom: 1px solid #d5d8de; }
/* sidebar «Log ud» / key: full text in the 248 px sidebar (issue 10) */
.st-key-bb_logout button, .st-key-bb_chpw button { padding-left: 0.45rem !important; padding-right: 0.45rem !important; }
[data-testid="stSidebar"] button [data-testid="stMarkdownContainer"] { overflow: visible !important; text-overflow: clip !important; }
/* archetype cards: each card is one button (issue 10), its whole face clickable */
[class*="st-key-card_"] button { height: 100%; min-height: 7.5rem; align-items: flex-start; justify-content: flex-start;
  text-align: left; padding: 0.55rem 0.7rem; white-space: normal; }
[class*="st-key-card_"] button p { font-size: 0.86rem; line-height: 1.3; text-align: left; }
[class*="st-key-card_"] [data-testid="stButton"], [class*="st-key-card_"] [data-testid="stTooltipHoverTarget"] { height: 100%; }
.bb-conf-text { color: #5a3000; background: #fff4e5; border: 1px solid #c76a00; border-radius: 0.4rem; padding: 0.3rem 0.6rem; }
</style>
"""


# Shown while the browser has lost the app (server stopped, laptop asleep): edits made now are not
# saved, and Streamlit's own "Connecting" hint in the corner is easy to miss (and hidden with the
# toolbar). Pure page script, no data: it asks the server's health route every 2 s (two failures in
# a row: offline) and also reads Streamlit's status widget where there is one. The save status moves
# below it (a tester found the banner covering «Gemt»).
OFFLINE_JS = """
<script>
(function () {
  if (window.__bbOffline) return;
  window.__bbOffline = true;
  // what is typed or chosen now waits in the page (the pill «Gemmer …») and is stored when the server is
  // back (tests/browser/test_field_trust_browser.py); a reload now would lose it
  const text = 'Forbindelsen til Brugerblik er afbrudt. Det, der er vist som «Gemt», er gemt. Svar, du giver nu, ' +
               'venter i siden («Gemmer …») og gemmes, når forbindelsen er tilbage — luk og genindlæs ikke siden imens.';
  let fails = 0;
  function probe() {
    fetch('/_stcore/health', { cache: 'no-store', credentials: 'same-origin' })
      .then((r) => { fails = r.ok ? 0 : fails + 1; })
      .catch(() => { fails += 1; });
  }
  setInterval(probe, 2000);
  function tick() {
    const w = document.querySelector('[data-testid="stStatusWidget"]');
    const off = fails >= 2 || (!!w && /connecting|error|forbind/i.test(w.innerText || ''));
    let b = document.getElementById('bb-offline');
    if (off && !b) {
      b = document.createElement('div');
      b.id = 'bb-offline';
      b.setAttribute('role', 'alert');
      b.textContent = text;
      b.style.cssText = 'position:fixed;top:0;left:0;right:0;z-index:1000000;background:#b3261e;color:#fff;' +
                        'padding:0.6rem 1rem;font:600 0.95rem sans-serif;text-align:center';
      document.body.appendChild(b);
    } else if (!off && b) {
      b.remove();
      b = null;
    }
    // the save status (fixed at the top) moves below the banner: «Gemt» stays readable while offline
    document.documentElement.style.setProperty('--bb-offline-h', b ? b.offsetHeight + 'px' : '0px');
    placeStatus();
  }
  setInterval(tick, 1000);
  // The save status (CSS: fixed, right: 3.2rem) never covers the menu at the top: it is at most as wide as the
  // room right of the menu's last entry (a longer text is cut with «…» or wraps), and below the menu when that
  // room is too small (--bb-status-room, --bb-status-top). Measured again when the menu or the sidebar changes
  // size (the sidebar opened or closed moves the menu) and on every tick.
  const sized = new WeakSet();
  const watch = new ResizeObserver(() => placeStatus());
  function placeStatus() {
    const root = document.documentElement;
    const rem = parseFloat(getComputedStyle(root).fontSize) || 16;
    const edge = root.clientWidth - 3.2 * rem;   // the pills' right edge
    const head = document.querySelector('[data-testid="stHeader"]');
    let end = 0;
    if (head) {
      head.querySelectorAll('a, button, [role="tab"], [role="link"]').forEach((e) => {
        const r = e.getBoundingClientRect();
        if (r.width && r.height && r.left < edge) end = Math.max(end, r.right);
      });
    }
    for (const e of [head && head.querySelector('[data-testid="stTopNav"]'),
                     document.querySelector('[data-testid="stSidebar"]')]) {
      if (e && !sized.has(e)) { sized.add(e); watch.observe(e); }
    }
    const room = edge - end - 0.75 * rem;
    const below = room < 12 * rem;
    const top = below && head ? head.getBoundingClientRect().bottom + 0.3 * rem + 'px' : '0.55rem';
    root.style.setProperty('--bb-status-room', Math.floor(below ? edge - rem : room) + 'px');
    root.style.setProperty('--bb-status-top', top);
  }
  window.addEventListener('resize', placeStatus);
  placeStatus();
  // Streamlit's own «Connection error» dialog opens after a few seconds without the server and takes
  // the focus: a tester typed on while the server was down and every key after it was lost. Our banner
  // says the same in Danish; the dialog is closed at once, and the focus goes back where it was, with
  // the caret where it was.
  let last = null, caret = null;
  function remember(e) {
    const t = e.target;
    if (!t || !t.closest || t.closest('[data-testid="stDialog"]')) return;
    if (t.matches && t.matches('input, textarea, [contenteditable="true"], [role="spinbutton"], button')) {
      last = t;
      caret = ('selectionStart' in t && t.selectionStart !== null) ? [t.selectionStart, t.selectionEnd] : null;
    }
  }
  ['focusin', 'keyup', 'input', 'click'].forEach((k) => document.addEventListener(k, remember, true));
  function back() {
    if (!last || !last.isConnected) return;
    last.focus({ preventScroll: true });
    if (caret && 'setSelectionRange' in last) {
      try { last.setSelectionRange(caret[0], caret[1]); } catch (err) { /* not a text field */ }
    }
  }
  const CONN = /Connection error|server is not responding|Forbindelses/i;
  function inConnDialog(el) {
    const d = el && el.closest && el.closest('[data-testid="stDialog"]');
    return !!d && CONN.test(d.innerText || '');
  }
  // the focus never stays in that dialog, not even for one key (a key typed in the instant between its
  // opening and its closing was lost): sent back at once when it arrives, and before a key is handled
  let backing = false;  // no ping-pong with the dialog's own focus trap while it is being closed
  document.addEventListener('focusin', (e) => {
    if (backing || !inConnDialog(e.target)) return;
    backing = true;
    try { back(); } finally { backing = false; }
  }, true);
  let closedAt = 0;
  document.addEventListener('keydown', () => {
    const a = document.activeElement;
    if (!last || !last.isConnected || a === last) return;
    if (inConnDialog(a) || (a === document.body && Date.now() - closedAt < 2000)) back();
  }, true);
  new MutationObserver(() => {
    document.querySelectorAll('[data-testid="stDialog"]').forEach((d) => {
      if (d.dataset.bbClosed || !CONN.test(d.innerText || '')) return;
      d.dataset.bbClosed = '1';
      closedAt = Date.now();
      d.style.display = 'none';
      const close = d.querySelector('button[aria-label]');
      if (close) close.click();
      setTimeout(back, 0);
      setTimeout(back, 100);
    });
  }).observe(document.body, { childList: true, subtree: true });
})();
</script>
"""


def inject_css() -> None:
    """The app's style and its offline guard, on every page."""
    st.html(CSS)
    st.html(OFFLINE_JS, unsafe_allow_javascript=True)


# ---------------------------------------------------------------- a message that survives the rerun after a change

def flash(store: str, area: str, kind: str, text: str) -> None:
    """Keep a message (`kind` "ok" or an error) for `area` of a page until `show_flash` shows it."""
    st.session_state.setdefault(store, {})[area] = (kind, text)


def show_flash(store: str, area: str) -> None:
    """Show (once) the message `flash` kept for `area`."""
    kind, text = (st.session_state.get(store) or {}).pop(area, (None, None))
    if text:
        (st.success if kind == "ok" else st.error)(md(text))
