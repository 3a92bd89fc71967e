"""The interview page, section by section (URL: /interview?iv=<id>&afsnit=<section>).

The page is `ui.pages.interview`, which calls main()."""
from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from survey import interview as svc
from ui import items as ui_items
from ui.autosave import BODY_FRAGMENT, MARKS, NAV_FRAGMENT, sidebar_marks
from ui.common import (deny, engine, guard_fragment, guide, h, hms, inject_css, local, md, principal,
                       require_page, safe_callback, username, when, wkey)
from ui.dates import TYPED_DATE_HELP as DATE_HELP
from ui.lists import open_interviews
from ui.pages import INTERVIEW_PAGE, START_PAGE, page

OM = "_om"        # the interview's own fields (interviewer, date, ...)
QUOTES = "_citater"
FINISH = "_afslut"


def nav_options(sections: list[svc.Section]) -> list[str]:
    return [OM] + [s.name for s in sections] + [QUOTES, FINISH]


@safe_callback
def _goto(navkey: str, section: str) -> None:
    st.session_state[navkey] = section


@safe_callback
def _complete(iid: str, reason_key: str | None) -> None:
    reason = st.session_state.get(reason_key) if reason_key else None
    res = svc.complete(engine(), ui_items.iv_guide(iid), iid, reason=reason, who=username())
    st.session_state["_finish_msg"] = (res.ok, res.message)
    if res.ok:
        st.session_state[ui_items.SAVED] = {"iid": iid, "at": svc.utcnow(), "what": "Interviewet afsluttet",
                                            "error": None}
        st.rerun()  # the whole page: the sidebar says «Afsluttet», every field is read-only


@safe_callback
def _reopen(iid: str, who_key: str, why_key: str) -> None:
    try:
        svc.reopen(engine(), iid, who=username() or st.session_state.get(who_key) or "",
                   reason=st.session_state.get(why_key) or "")
    except svc.InterviewError as e:
        if svc.get_info(engine(), iid).status != "reopened":  # a repeated callback after success is no error
            st.session_state["_finish_msg"] = (False, str(e))
            return
    st.session_state["_finish_msg"] = (True, "Interviewet er genåbnet. Alle ændringer skrives nu i ændringsloggen.")
    st.session_state[ui_items.SAVED] = {"iid": iid, "at": svc.utcnow(), "what": "Genåbnet", "error": None}
    st.rerun()  # the whole page: the sidebar says «Genåbnet», the fields can be changed again


def status_mark(st_: svc.SectionStatus) -> str:
    if st_.done:
        return ":green[:material/check_circle: færdig]"
    return ":orange[:material/pending: i gang]" if st_.started else ""


# ---------------------------------------------------------------- sidebar

def sidebar(ctx: ui_items.Ctx) -> None:
    info = ctx.state.info
    with st.sidebar:
        st.markdown(f"### {md(info.respondent_id)}")
        stype = svc.SITE_TYPES.get(info.site_type or "", info.site_type or "")
        if info.is_source:  # issue 7: whose interview, and about whom
            st.caption(source_caption(info))
        st.caption(f"{md(info.site_name or '—')} ({stype.lower()}) · {info.status_label}")
        clock(info)
        section_list(info.id)


@st.fragment(key=NAV_FRAGMENT)
def section_list(iid: str) -> None:
    """Progress, the sections with their marks, and the way between them. Rerun with the section after
    a save that changes a mark (`ui.autosave.follow_marks`), so the rest of the page is never drawn anew
    while answers are being given; choosing a section reruns the whole page."""
    guard_fragment()  # its own rerun passes no login check: a session ended meanwhile shows the login
    ctx = ui_items.load_ctx(iid)
    secs = svc.sections(ctx.guide)
    stat = svc.section_status(ctx.guide, ctx.state.context())
    st.session_state[MARKS.format(iid)] = sidebar_marks(ctx.guide, ctx.state)
    done = sum(s.done for s in stat)
    st.progress(done / len(stat) if stat else 0.0, text=f"{done} af {len(stat)} afsnit færdige")
    options = nav_options(secs)
    # the labels never change (the radio's value is its label: one that changed under an open page
    # would be sent back as an unknown value); what a save changes is in the captions
    labels = {OM: "Om interviewet", QUOTES: "Citater", FINISH: "Afslut interview"}
    captions = {s.name: status_mark(mark) for s, mark in zip(secs, stat)}
    for i, s in enumerate(secs, start=1):
        labels[s.name] = f"{i}. {md(s.label)}"
    n = len(ctx.state.quotes)
    if n:
        captions[QUOTES] = f"{n} citat" if n == 1 else f"{n} citater"
    st.radio("Afsnit", options, format_func=lambda o: labels.get(o, o), key=f"nav_{iid}",
             captions=[captions.get(o, "") for o in options], on_change=_whole_page)
    st.page_link(page(START_PAGE), label="Alle interviews", icon=":material/list:")


def _whole_page() -> None:
    st.rerun()  # another section: the whole page (a callback's rerun: the section's fragment is not running)


@st.fragment(run_every="30s")
def clock(info: svc.InterviewInfo) -> None:
    d = svc.elapsed(info)
    start = local(info.created_at)
    started = start.strftime("%H:%M") if d.total_seconds() < 12 * 3600 else when(info.created_at)
    verb = "i gang" if info.status == "draft" else "varighed"
    st.markdown(f":material/timer: **{svc.format_elapsed(d)}** {verb}  \nstartet {started}")


def saved_indicator(info: svc.InterviewInfo | None, iid: str) -> None:
    """The save status, fixed at the top of the main area so it is visible at all times (issue 10),
    also with the sidebar collapsed: "✔ Gemt hh:mm:ss" and what — or, in red, what was not saved
    and why. The browser's «Gemmer …» goes when this is drawn (it carries what was applied).
    `info` is needed only when nothing was saved in this session yet (then it shows the last change)."""
    last = st.session_state.get(ui_items.SAVED) or {}
    n = last.get("n", 0)
    if last.get("error") and last.get("iid") in (iid, None):
        state = "error"
        body = (f'<span class="bb-ms-text bb-unsaved">⚠ Ikke gemt: {h(last.get("what") or "")}</span>'
                f'<span class="bb-what">{h(last["error"].removeprefix("Ikke gemt: "))}</span>')
    elif last.get("iid") == iid and last.get("at"):
        state = "saved"
        body = (f'<span class="bb-ms-text bb-saved">✔ Gemt {hms(last["at"])}</span>'
                f'<span class="bb-what">{h(last.get("what") or "")}</span>')
    else:
        state = "saved"
        body = (f'<span class="bb-ms-text bb-saved">✔ Alt er gemt · senest {hms(info.updated_at if info else None)}</span>'
                '<span class="bb-what">Hvert svar gemmes, mens du skriver og når du vælger — der er ingen gem-knap.'
                '</span>')
    acked = h(ui_items.acked_json(iid))
    st.markdown(f'<div class="bb-status bb-mainstatus" data-state="{state}" data-saves="{n}" data-acked="{acked}" '
                f'role="status" aria-live="polite" aria-atomic="true">{body}</div>', unsafe_allow_html=True)


# ---------------------------------------------------------------- main area

def source_caption(info: svc.InterviewInfo) -> str:
    """«Sagsbehandlerinterview om AMA-01» / «Leder af Amadeus» (issue 7)."""
    from ui.source_start import INFORMANT_TITLES  # loaded when used (start-up time of the app's first page)

    title = INFORMANT_TITLES.get(info.informant, info.informant)
    if info.subject_respondent_id:
        return f"{md(title)} om {md(info.subject_respondent_id)}"
    return f"{md(title)} · {md(info.site_name or '—')}"


def journal_banner(info: svc.InterviewInfo) -> None:
    """A case file whose user no longer consents: say so before anything is typed (saving is refused)."""
    if info.informant != "journal" or not info.editable:
        return
    from survey.source_store import journal_consent_problem  # only for case files: not at the page's start

    problem = journal_consent_problem(engine(), info.id)
    if problem:
        st.error(md(problem) + " Intet kan gemmes i dette journaludtræk.", icon=":material/block:")


def banner(info: svc.InterviewInfo, g, editor: str | None) -> None:
    if info.status == "complete":
        st.info(f"Interviewet blev afsluttet {when(info.completed_at)} og kan kun læses. "
                "Genåbn det under «Afslut interview» for at rette.", icon=":material/lock:")
    elif info.status == "reopened":
        st.warning(f"Genåbnet til rettelse af {md(editor or '?')}: hver ændring skrives i ændringsloggen "
                   "(hvem, hvornår, før og efter).", icon=":material/edit_note:")
    if info.guide_version and info.guide_version != g.version:
        st.caption(f"Interviewet blev startet med guideversion {md(info.guide_version)}; "
                   f"siden viser version {md(g.version)}.")


def section_view(ctx: ui_items.Ctx, sec: svc.Section, stat: svc.SectionStatus, number: int, total: int) -> None:
    g = ctx.guide
    st.subheader(f"{number}. {md(sec.label)}", anchor=False)  # no link: the keyboard starts here
    vals = ctx.state.context()
    grid = svc.grid_codes(g, sec) if sec.is_probegrid else set()
    grid_drawn = False
    for it in sec.items:
        if it.code in grid:
            if not grid_drawn:
                ask = ui_items.probe_grid(ctx, sec)
                if ask:
                    quotes_dialog(ctx, ask)
                grid_drawn = True
            continue
        if svc.visible(g, it, vals):
            ui_items.item_block(ctx, it)
        else:  # an empty place: the items after it keep their place, so the browser never remounts them
            st.container(key=f"q_{it.code}")
    if stat.hidden_answered:
        names = "; ".join(f"«{md(g.item(c).label[:60])}»" for c in stat.hidden_answered)
        st.caption(f"Skjult, men gemt (spørgsmålet er ikke relevant efter et senere svar): {names}")


@st.dialog("Citater", width="large")
def quotes_dialog(ctx: ui_items.Ctx, code: str) -> None:
    """The quotes of one probe row (its note item), opened from the grid's ❝ button, headed by the
    probe's question (survey.interview.quote_question)."""
    guard_fragment()  # a dialog reruns as a fragment: no login check of its own
    it = ctx.guide.items.get(code)
    if it is None:
        return
    # the dialog reruns on its own (a fragment, with the arguments it was opened with): read the quotes
    # again, so one just added is listed at once
    ui_items.quotes_panel(ui_items.load_ctx(ctx.iid), it)


def prev_next(navkey: str, options: list[str], current: str, labels: dict[str, str]) -> None:
    i = options.index(current)
    cols = st.columns([1, 1, 3])
    if i > 0:
        cols[0].button(f"← {labels[options[i - 1]]}", key="nav_prev", on_click=_goto,
                       args=(navkey, options[i - 1]), width="stretch")
    if i < len(options) - 1:
        cols[1].button(f"{labels[options[i + 1]]} →", key="nav_next", on_click=_goto,
                       args=(navkey, options[i + 1]), type="primary", width="stretch")


def about_view(ctx: ui_items.Ctx) -> None:
    info = ctx.state.info
    st.subheader("Om interviewet", anchor=False)
    c1, c2 = st.columns(2)
    if info.is_source:  # issue 7: the source's own id and the user it is about
        c1.markdown(f"**Kilde-id (pseudonym):** {md(info.respondent_id)} — {source_caption(info)}")
    else:
        c1.markdown(f"**Respondent-id (pseudonym):** {md(info.respondent_id)}")
    c1.markdown(f"**Sted:** {md(info.site_name or '—')} "
                f"({svc.SITE_TYPES.get(info.site_type or '', info.site_type or '—').lower()})")
    c2.markdown(f"**Status:** {info.status_label}")
    c2.markdown(f"**Guide:** {md(info.guide_form_id)} version {md(info.guide_version)}")
    with st.container(key="q_interviewer"):
        key = wkey(info.id, "interviewer")
        ui_items.init(key, info.interviewer or "")
        st.text_input("Interviewer (initialer)", key=key, on_change=ui_items.on_meta,
                      args=(info.id, "interviewer", key), width=320,
                      disabled=not ctx.editable or not svc.may_change_interviewer(principal()))
        ui_items.error_for(key)
    with st.container(key="q_interview_date"):  # typed as «05.11.2026», saved like an answer (never a date
        # the field made of it: a date picker turned «31.04.2025» into 30.04.2025); 2000 to today
        st.markdown(f'<div class="bb-q">{h(svc.label_of(ctx.guide, "interview_date"))}</div>'
                    f'<div class="bb-hint">{h(DATE_HELP)}</div>', unsafe_allow_html=True)
        ui_items.text_field(ctx, ctx.guide.item("interview_date"), multiline=False,
                            base=(0, info.interview_date.isoformat() if info.interview_date else None))
    vals = ctx.state.context()
    for it in svc.meta_items(ctx.guide):
        if svc.visible(ctx.guide, it, vals):
            ui_items.item_block(ctx, it)
        else:  # an empty place keeps the later items where they are (no remount in the browser)
            st.container(key=f"q_{it.code}")
    st.caption("Respondenten registreres kun med det pseudonyme id — aldrig navn eller CPR-nummer.")
    if info.status == "draft" and not svc.given_answers(info.informant, ctx.state.answers) and not ctx.state.quotes:
        with st.expander("Startet ved en fejl?"):
            st.write("En kladde uden svar og citater kan slettes.")
            if st.button("Slet denne tomme kladde", key="del_draft"):
                try:
                    svc.delete_empty_draft(engine(), info.id)
                except svc.InterviewError as e:
                    st.error(str(e))
                else:
                    st.switch_page(page(START_PAGE))


def quotes_view(ctx: ui_items.Ctx) -> None:
    st.subheader(f"Citater ({len(ctx.state.quotes)})", anchor=False)
    if not ctx.state.quotes:
        st.info("Ingen citater endnu. Brug knappen «❝ Citat» ved et fritekstspørgsmål for at gemme brugerens "
                "ord ordret.")
        return
    st.caption("Citaterne er knyttet til spørgsmålet, de blev sagt ved. Ret teksten direkte; tøm feltet eller "
               "tryk «Slet citat» for at slette.")
    g = ctx.guide
    for q in ctx.state.quotes:
        sec = svc.section_of(g, q.item_code)
        target = sec.name if sec else OM
        with st.container(border=True):
            st.page_link(page(INTERVIEW_PAGE), label=svc.quote_question(g, q.item_code)[:120],
                         query_params={"iv": ctx.iid, "afsnit": target, "q": q.item_code},
                         icon=":material/arrow_forward:")
            ui_items.quote_editor(ctx, q, label=f"Citat · oprettet {when(q.created_at)}"
                                  + (f" af {q.created_by}" if q.created_by else ""))


def finish_view(ctx: ui_items.Ctx) -> None:
    g = ctx.guide
    info = ctx.state.info
    st.subheader("Afslut interview", anchor=False)
    msg = st.session_state.pop("_finish_msg", None)
    if msg:
        (st.success if msg[0] else st.error)(msg[1])
    consent_line(ctx)
    missing = svc.missing_required(g, ctx.state.context())
    if ctx.editable:
        gone = ctx.state.removed_at_completion(g)  # exactly what «Afslut» removes (imported values stay)
        if gone:  # a follow-up answered before its question was changed: it leaves at «Afslut»
            st.info(f"{len(gone)} svar hører til spørgsmål, der ikke stilles efter de andre svar, og fjernes, når "
                    "interviewet afsluttes (ændringsloggen beholder dem): "
                    + "; ".join(f"«{md(it.label[:80])}»" for it in gone) + ".", icon=":material/info:")
        if missing:
            st.warning(f"Der mangler {len(missing)} obligatoriske svar. Klik for at gå til spørgsmålet:")
            for m in missing:
                st.page_link(page(INTERVIEW_PAGE), label=f"{m.section_label} › {m.label[:110]}",
                             query_params={"iv": info.id, "afsnit": m.section or OM, "q": m.code},
                             icon=":material/arrow_forward:")
            reason_key = f"reason_{info.id}"
            st.text_area("Begrundelse for at afslutte uden disse svar (gemmes med interviewet)", key=reason_key,
                         height=80, placeholder="Fx: brugeren ønskede ikke at svare; interviewet blev afbrudt.")
            st.button("Afslut alligevel", key="finish_anyway", on_click=_complete, args=(info.id, reason_key),
                      type="primary")
        else:
            st.success("Alle obligatoriske spørgsmål er besvaret.")
            st.button("Afslut rettelser" if info.status == "reopened" else "Afslut interview", key="finish",
                      on_click=_complete, args=(info.id, None), type="primary")
    else:
        st.success(f"Afsluttet {when(info.completed_at)}.")
        if info.completion_note:
            st.markdown(f"**Begrundelse ved afslutning:** {md(info.completion_note)}")
        st.markdown("#### Genåbn til rettelse")
        st.caption("Efter genåbning skrives hver ændring i ændringsloggen med hvem, hvornår, før og efter.")
        who_key, why_key = f"reo_who_{info.id}", f"reo_why_{info.id}"
        if not username():  # signed in: the user name is who corrects
            st.text_input("Hvem retter? (initialer)", key=who_key, width=320)
        st.text_area("Hvorfor genåbnes interviewet?", key=why_key, height=80)
        st.button("Genåbn til rettelse", key="reopen", on_click=_reopen, args=(info.id, who_key, why_key))
    audit_view(ctx)


def consent_line(ctx: ui_items.Ctx) -> None:
    c = ctx.state.consent
    it = ctx.guide.items.get(svc.CONSENT_CODES[0])
    if it is None:
        return
    if c is None or c.value is None:
        st.markdown("**Samtykke til journallæsning:** ikke registreret endnu.")
    else:
        st.markdown(f"**Samtykke til journallæsning:** {md(it.choice_label(c.value))} — registreret "
                    f"{when(c.recorded_at)}:{local(c.recorded_at).strftime('%S')} med guide "
                    f"{md(c.guide_form_id)} version {md(c.guide_version)}"
                    + (f" af {md(c.recorded_by)}" if c.recorded_by else "") + ".")


def audit_view(ctx: ui_items.Ctx) -> None:
    trail = svc.audit_trail(engine(), ctx.iid)
    with st.expander(f"Ændringslog ({len(trail)})", expanded=ctx.state.info.status == "reopened" and bool(trail)):
        if not trail:
            st.caption("Ingen ændringer efter afslutning.")
            return
        g = ctx.guide
        rows = [{"Tidspunkt": when(a.at) + local(a.at).strftime(":%S"), "Hvem": a.who or "",
                 "Hvad": ("Citat: " + svc.quote_question(g, a.code)[:80] if a.entity == "quote"
                          else svc.label_of(g, a.code)[:80]),
                 "Før": _audit_value(g, a, a.old_value), "Efter": _audit_value(g, a, a.new_value),
                 "Note": a.note or ""} for a in trail]
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _audit_value(g, a: svc.AuditView, v: str | None) -> str:
    if a.entity == "interview" and a.code == "status":
        return svc.STATUS_LABELS.get(v or "", v or "")
    if a.entity == "answer":
        return svc.display_value(g, a.code, v) if v is not None else "—"
    return v if v is not None else "—"


def focus_script(code: str, scroll_top: bool) -> None:
    """Scroll to (and focus) the item a link pointed at, or to the top after a section change."""
    target = json.dumps(f".st-key-q_{code}") if code else "null"
    st.html(f"""<script>
(function(){{
  const sel = {target};
  let n = 0;
  function go(){{
    if (sel) {{
      const el = document.querySelector(sel);
      if (!el) {{ if (n++ < 20) setTimeout(go, 100); return; }}
      el.scrollIntoView({{block: 'center'}});
      const f = el.querySelector('textarea, input, [role="radio"], button');
      if (f) f.focus({{preventScroll: true}});
    }} else if ({'true' if scroll_top else 'false'}) {{
      const m = document.querySelector('[data-testid="stMain"]');
      if (m) m.scrollTo(0, 0);
      window.scrollTo(0, 0);
      // the keyboard starts at the new section: its heading, so the next Tab is its first question
      const h = m && m.querySelector('h1, h2, h3');
      if (h) {{ h.setAttribute('tabindex', '-1'); h.focus({{preventScroll: true}}); }}
    }}
    if (window.__bbGuard) window.__bbGuard.quiet();  // the page moved under the pointer (ui/clickguard.py)
  }}
  setTimeout(go, 50);
}})();
</script>""", unsafe_allow_javascript=True)


# ---------------------------------------------------------------- page

def main() -> None:
    p = require_page("interview.own")
    inject_css()
    g = guide()
    iid = st.query_params.get("iv")
    if not iid:
        st.title("Interview")
        st.info("Intet interview valgt. Start et nyt eller fortsæt et af dem herunder.")
        st.page_link(page(START_PAGE), label="Start et nyt interview", icon=":material/add:")
        open_interviews(g)
        return
    info, may = svc.find_for(engine(), iid, p)
    if info is not None and not may:  # an interviewer's link to someone else's interview
        deny("Adgang nægtet: du kan kun åbne de interviews, du selv har taget.")
    if info is None:
        st.title("Interview")
        st.error("Interviewet findes ikke. Måske er linket forkert, eller kladden er slettet.")
        st.page_link(page(START_PAGE), label="Til oversigten", icon=":material/list:")
        return
    st.session_state[ui_items.INFORMANT.format(iid)] = info.informant
    ctx = ui_items.load_ctx(iid)  # issue 7: a case worker's, contact person's, leader's or case file's own guide
    g = ctx.guide
    secs = svc.sections(g)
    options = nav_options(secs)
    # a source (issue 7) opens on «Om interviewet»: who was interviewed and the focus (konkret/generelt) decide
    # which questions the sections ask; once something is answered, the interview resumes where the last
    # answer was saved (issue 10.5: the list's link carries no afsnit)
    first = OM if info.is_source else (secs[0].name if secs else FINISH)
    current, focus = current_section(g, iid, options, lambda: resume_target(g, iid, options, first))
    last_key = f"_last_section_{iid}"
    scroll_top = st.session_state.get(last_key) not in (None, current)
    st.session_state[last_key] = current

    sidebar(ctx)
    section_body(iid, current)
    labels = {OM: "Om interviewet", QUOTES: "Citater", FINISH: "Afslut"}
    for s in secs:
        labels[s.name] = s.label if len(s.label) <= 28 else s.label[:26] + "…"
    st.divider()
    prev_next(f"nav_{iid}", options, current, labels)
    if focus or scroll_top:
        focus_script(focus or "", scroll_top)


@st.fragment(key=BODY_FRAGMENT)
def section_body(iid: str, current: str) -> None:
    """The save status and the current section. A change inside reruns only this (issue 10: "Gemt"
    within a few hundred ms); the sidebar's section list reruns with it when a mark changes
    (`ui.autosave.follow_marks`)."""
    guard_fragment()  # its own rerun passes no login check: a session ended meanwhile shows the login
    last = st.session_state.get(ui_items.SAVED) or {}
    early = last.get("iid") == iid  # a save in this session: the status needs no read, draw it first
    if early:
        saved_indicator(None, iid)
    ctx = ui_items.load_ctx(iid)
    g, state = ctx.guide, ctx.state
    secs = svc.sections(g)
    stat = svc.section_status(g, state.context())
    if not early:
        saved_indicator(state.info, iid)
    if ui_items.guide_changed(iid):  # a change from this page was refused: drawn with another guide
        guide_changed_view(iid)
        return
    undecided = ui_items.follow_conflicts(ctx)
    with st.container(key="bb_banners"):  # one place, whatever they say: what follows never moves
        banner(state.info, g, state.editor)
        journal_banner(state.info)
        if undecided:  # also a closing tab's: its refused change is here, not only in the audit trail
            where = "; ".join(f"«{md(label)}» ({md(sec)})" for label, sec in undecided[:6])
            more = f" og {len(undecided) - 6} til" if len(undecided) > 6 else ""
            st.warning(f"**Ikke gemt, fordi svaret var ændret i en anden fane** (måske en fane, der blev lukket): "
                       f"{where}{more}. Vælg ved spørgsmålet, hvilket svar der skal gælde.", icon="⚠️")
    if current == OM:
        about_view(ctx)
    elif current == QUOTES:
        quotes_view(ctx)
    elif current == FINISH:
        finish_view(ctx)
    else:
        n = [s.name for s in secs].index(current)
        section_view(ctx, secs[n], stat[n], n + 1, len(secs))


def guide_changed_view(iid: str) -> None:
    """In place of the section's fields, while a change of this page waits because the page was drawn with
    another guide than the one in use now (docs/guide.md «Når guiden ændres»): what happened and what to
    press. The fields are not drawn with the new guide under the interviewer's hands: they are drawn when
    «Genindlæs siden» is pressed, and then the held changes are sent again and checked by the new guide."""
    with st.container(key="bb_guide_changed"):
        st.error("**Spørgeguiden er ændret, siden siden blev vist.** Din seneste ændring er ikke gemt: siden viste "
                 "den gamle guides spørgsmål, og svaret må ikke gemmes under den nye guides betydning. Ændringen "
                 "venter her i siden — luk ikke fanen. Tryk «Genindlæs siden»: så vises den nye guide, og det, "
                 "der venter, gemmes, hvis det passer til den; ellers står der ved feltet, hvad der ikke blev gemt.",
                 icon=":material/sync_problem:")
        if st.button("Genindlæs siden", key="bb_guide_reload", type="primary", icon=":material/refresh:"):
            ui_items.reload_guide(iid)
            st.rerun()  # the whole page: the sidebar's sections are the new guide's too


def resume_target(g, iid: str, options: list[str], first: str) -> str:
    """Where the interview opens when neither this session nor the URL says (the resume link in the
    lists carries only `iv`): the section of the last saved answer (`survey.interview.resume_section`),
    «Om interviewet» when that was one of its own fields, `first` when nothing is answered yet."""
    sec = svc.resume_section(engine(), iid, g)
    if sec is None:
        return first
    if sec == "":
        return OM
    return sec if sec in options else first


def current_section(g, iid: str, options: list[str], default) -> tuple[str, str | None]:
    """The section to show, and the item to focus (from a "go to" link), keeping the URL in step.

    Within a session the section radio is the truth; the URL's `afsnit` is read when the page
    is opened fresh (a reload, a bookmarked link), and a link with `q=<item>` jumps to the item.
    Opened without `afsnit` (the resume link), it shows `default` — a section name, or a function
    giving one (called only then: `resume_target`). The URL is then rewritten to match, so a reload
    returns to the same section. (The URL is not the truth during a session: a rerun can carry an
    older query string than the one the server has just set.)
    """
    navkey = f"nav_{iid}"
    focus = st.query_params.get("q")
    if focus and (focus in g.items or focus in svc.EDITABLE_META):
        sec = svc.section_of(g, focus)
        st.session_state[navkey] = sec.name if sec else OM
        del st.query_params["q"]
    else:
        focus = None
        if "q" in st.query_params:
            del st.query_params["q"]
        if st.session_state.get(navkey) not in options:
            url = st.query_params.get("afsnit")
            st.session_state[navkey] = url if url in options else (default() if callable(default) else default)
    current = st.session_state[navkey]
    if st.query_params.get("afsnit") != current:
        st.query_params["afsnit"] = current
    return current, focus
