"""«Samtykke og sletning» (issue 12, GDPR art. 7(3) and 17): record that a respondent withdraws
consent, delete a respondent (with a confirmation step), the lists of withdrawals and deletions,
and — for administrators — the study's end date and the reminder to delete the raw data.

Shown to researchers on the Kilder page (for the respondent chosen there) and to administrators
as a tab of «Brugere og steder» (any respondent or source). Everything goes through
`survey.privacy`, which owns the transactions and checks the role again; this module only calls it.
"""
from __future__ import annotations

import logging

import streamlit as st

# pandas and coding.deidentify are imported where they are used: every page imports this module for
# `retention_notice`, and the app's first page loads neither (issue 13, start-up time)
from survey import auth, history, privacy
from survey.db import database_url
from survey.store import StoreError
from ui.common import allows, engine, flash, guide, md, show_flash, today, when
from ui.dates import typed_date

log = logging.getLogger("brugerblik.ui")

CONFIRM = "_pv_confirm"  # (respondent id, reason) waiting for the «Ja, slet» click
FLASH = "_pv_flash"
INFORMANT_LABELS = {"bruger": "brugerens interview", "sagsbehandler": "sagsbehandler", "kontaktperson": "kontaktperson",
                    "leder": "leder", "journal": "journaludtræk"}
PURPOSE_LABELS = {"interview": "Interviewet — intet nyt gemmes, og alle eksporter udelader respondenten",
                  "journal": "Journalindsigt — journaludtræk lukkes og udelades af eksporterne"}


def _flash(key: str, kind: str, text: str) -> None:
    flash(FLASH, key, kind, text)


def _show(key: str) -> None:
    show_flash(FLASH, key)


def privacy_part(p: auth.Principal, respondent_id: str | None = None, key: str = "pv") -> None:
    """The whole part: withdrawal and deletion for `respondent_id` (or one chosen here), and the lists."""
    st.markdown("## Samtykke og sletning")
    st.caption("Når en respondent trækker sit samtykke tilbage, registreres det her: derefter kan intet nyt gemmes "
               "om respondenten til det formål, og eksporterne udelader vedkommende. At slette fjerner alt om "
               "respondenten; revisionssporet beholder kun en gravsten (hvem, hvornår, hvorfor — intet indhold).")
    rid = respondent_id
    if rid is None:
        refs = history.list_respondents(engine())
        rid = st.selectbox("Respondent (eller en kildes eget id)", [r.respondent_id for r in refs], index=None,
                           key=f"{key}_rid", placeholder="Vælg en respondent")
    _show(key)
    if rid:
        left, right = st.columns(2, gap="large")
        with left:
            if allows(p, "respondent.withdraw"):
                withdrawal_form(p, rid, key)
        with right:
            if allows(p, "respondent.delete"):
                deletion_form(p, rid, key)
    lists(key)


def withdrawal_form(p: auth.Principal, rid: str, key: str) -> None:
    st.markdown(f"### Tilbagetrækning af samtykke for {md(rid)}")
    with st.form(f"{key}_wd_{rid}", clear_on_submit=True):
        purpose = st.radio("Samtykke til", list(PURPOSE_LABELS), format_func=PURPOSE_LABELS.get, index=None,
                           key=f"{key}_wd_purpose_{rid}")
        on, bad_on = typed_date("Trukket tilbage den", key=f"{key}_wd_date_{rid}", value=today(), latest=today())
        reason = st.text_input("Begrundelse", key=f"{key}_wd_reason_{rid}", max_chars=privacy.REASON_MAX,
                               placeholder="fx «Ringede og bad om det 3. marts»")
        sent = st.form_submit_button("Registrér tilbagetrækning", type="primary", key=f"{key}_wd_btn_{rid}",
                                     icon=":material/block:")
    if not sent:
        return
    if not purpose:
        st.error("Vælg, hvad samtykket trækkes tilbage til.")
        return
    if bad_on:
        st.error(f"Trukket tilbage den: {bad_on}. Intet er registreret.")
        return
    try:
        from coding.deidentify import study_anonymiser  # reason: start-up time (pandas; see above)

        v = privacy.withdraw(engine(), rid, purpose, withdrawn_on=on, reason=reason, principal=p,
                             today=today(), mask=study_anonymiser(engine()).mask)
    except StoreError as e:  # PrivacyError, AuthError: Danish
        st.error(md(str(e)))
        return
    if v.already:
        _flash(key, "ok", f"{v.respondent_id} havde allerede trukket samtykket til {v.purpose_label} tilbage "
                          f"({v.withdrawn_on.strftime('%d.%m.%Y')}); intet er ændret.")
    else:
        _flash(key, "ok", f"Registreret: {v.respondent_id} trak samtykket til {v.purpose_label} tilbage "
                          f"{v.withdrawn_on.strftime('%d.%m.%Y')}.")
    st.rerun()


def deletion_form(p: auth.Principal, rid: str, key: str) -> None:
    st.markdown(f"### Slet {md(rid)}")
    waiting = st.session_state.get(CONFIRM)
    confirming = bool(waiting and waiting[0] == rid)
    reason = st.text_input("Begrundelse for sletningen", key=f"{key}_del_reason_{rid}", max_chars=privacy.REASON_MAX,
                           placeholder="fx «Anmodning om sletning, brev af 3. marts»")
    if confirming:
        _confirm(p, rid, waiting[1], key)
        return
    if st.button(f"Slet alt om {rid} …", key=f"{key}_del_btn_{rid}", icon=":material/delete_forever:"):
        try:
            why = privacy.check_reason(reason)
        except StoreError as e:
            st.error(md(str(e)))
            return
        st.session_state[CONFIRM] = (rid, why)
        st.rerun()


def _confirm(p: auth.Principal, rid: str, reason: str, key: str) -> None:
    try:
        what = privacy.preview_deletion(engine(), rid)
    except StoreError as e:
        st.session_state.pop(CONFIRM, None)
        st.error(md(str(e)))
        return
    lines = "\n".join(f"- {md(x)} ({INFORMANT_LABELS.get(inf, inf)})" for x, inf, _status in what)
    st.warning(f"**Er du sikker?** Alt om disse interview slettes — svar, citater, transskriptioner, kodning, "
               f"memoer, samtykker og revisionsspor:\n\n{lines}\n\nBegrundelse: {md(reason)}\n\n"
               "Sletningen kan ikke fortrydes. Sikkerhedskopier fra før sletningen indeholder stadig dataene og skal "
               "også slettes.", icon=":material/warning:")
    yes, no = st.columns(2)
    if yes.button(f"Ja, slet alt om {rid}", type="primary", key=f"{key}_del_yes_{rid}"):
        st.session_state.pop(CONFIRM, None)
        try:
            from coding.deidentify import study_anonymiser  # reason: start-up time (pandas; see above)

            res = privacy.delete_respondent(engine(), rid, reason=reason, principal=p,
                                            mask=study_anonymiser(engine()).mask)
        except StoreError as e:
            st.error(md(str(e)))
            return
        from ui.report_cache import after_deletion  # reason: start-up time (pandas; see above)

        after_deletion()  # no cached frame or coding model of this process keeps their text
        _flash(key, "ok", res.summary())
        st.session_state.pop(f"{key}_rid", None)
        st.rerun()
    if no.button("Fortryd", key=f"{key}_del_no_{rid}"):
        st.session_state.pop(CONFIRM, None)
        st.rerun()


def lists(key: str) -> None:
    rows = privacy.list_withdrawals(engine())
    with st.expander(f"Tilbagetrukne samtykker ({len(rows)})"):
        import pandas as pd  # reason: start-up time (every page imports this module for the reminder)

        st.dataframe(pd.DataFrame([{"Respondent": v.respondent_id, "Samtykke til": v.purpose_label,
                                    "Trukket tilbage": v.withdrawn_on.strftime("%d.%m.%Y"), "Begrundelse": v.reason,
                                    "Registreret af": v.recorded_by or "", "Registreret": when(v.recorded_at)}
                                   for v in rows],
                                  columns=["Respondent", "Samtykke til", "Trukket tilbage", "Begrundelse",
                                           "Registreret af", "Registreret"]),
                     hide_index=True, width="stretch", key=f"{key}_wd_table")
    stones = privacy.list_deletions(engine())
    with st.expander(f"Sletninger ({len(stones)})"):
        st.caption("Gravstenene i revisionssporet: interviewets id (aldrig respondent-id'et), hvem, hvornår, hvorfor "
                   "og hvor meget der blev slettet — intet indhold.")
        import pandas as pd  # reason: start-up time (every page imports this module for the reminder)

        st.dataframe(pd.DataFrame([{"Slettet": when(t.at), "Af": t.who or "", "Art": INFORMANT_LABELS.get(
            t.informant, t.informant), "Interview-id": t.interview_id, "Begrundelse": t.reason,
            "Slettede data": ", ".join(f"{n} {privacy.KIND_LABELS.get(k, k)}" for k, n in sorted(t.counts.items()))}
            for t in stones], columns=["Slettet", "Af", "Art", "Interview-id", "Begrundelse", "Slettede data"]),
            hide_index=True, width="stretch", key=f"{key}_del_table")


def retention_part(p: auth.Principal) -> None:
    """Administrators: the study's end date and the raw data left after it."""
    st.markdown("## Opbevaring af rådata")
    end = privacy.study_end_date(engine())
    st.caption("Efter undersøgelsens slutdato skal rådata (transskriptioner, umaskeret tekst, fritekstsvar og "
               "journaludtræk) slettes; de anonymiserede, samlede resultater bliver. Administratorer mindes om det, "
               "så længe der er rådata tilbage. Slet dem med `brugerblik respondent slet-raadata --bekraeft`.")
    _show("retention")
    with st.form("pv_end", clear_on_submit=False):
        date, bad_end = typed_date("Undersøgelsens slutdato", key="pv_end_date", value=end, latest=None)
        save = st.form_submit_button("Gem slutdato", key="pv_end_btn")
    if save:
        if bad_end and not (st.session_state.get("pv_end_date") or "").strip():
            date = None  # an emptied field removes the end date
        elif bad_end:
            st.error(f"Undersøgelsens slutdato: {bad_end}. Intet er gemt.")
            return
        try:
            privacy.set_end_date(engine(), date, principal=p)
        except StoreError as e:
            st.error(md(str(e)))
            return
        _retention_text.clear()
        _flash("retention", "ok", f"Slutdatoen er {date.strftime('%d.%m.%Y')}." if date else "Slutdatoen er fjernet.")
        st.rerun()
    text = _retention_text(database_url())
    if text:
        st.warning(md(text), icon=":material/schedule:")


@st.cache_data(ttl=120, show_spinner=False)
def _retention_text(url: str) -> str | None:
    """The reminder for `url` (cached a little: it counts rows on every rerun otherwise)."""
    try:
        return privacy.retention_reminder(engine(), guide())
    except Exception as e:  # noqa: BLE001 — a reminder never breaks a page
        log.warning("påmindelsen om rådata kunne ikke beregnes: %s", type(e).__name__)
        return None


def retention_notice(p: auth.Principal | None) -> None:
    """In the sidebar of every page, for administrators: the reminder to delete the raw data."""
    if p is None or not allows(p, "retention"):
        return
    text = _retention_text(database_url())
    if text:
        st.sidebar.warning(md(text), icon=":material/schedule:")
