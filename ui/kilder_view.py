"""The Kilder page (issue 7): all sources about one respondent side by side (URL: /kilder?r=<respondent-id>).

For the researcher (action ``coding``): the user's own interview, the case worker's and the contact
person's interviews and the municipal and boform case files, on the offer, its purpose, who
decided, the user's problems and the plans (report 7.4) — each answer with whether it agrees
with the user's own account (`survey.sources.side_by_side`). Below: Bilag C's status of each
source for this respondent (and the site's leader interview) with a way to record why a source
is missing ("Ingen sagsbehandler", "Ingen tilladelse" …; `survey.source_store.set_source_status`,
audited). Case files are only read here; they are opened for extraction on the start page, and
only with the user's consent.

The page is `ui.pages.kilder`.
"""
from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from survey import interview as svc
from survey import source_store
from survey.sources import (INFORMANT_LABELS, KILDE_LABELS, SITE_KILDER, SOURCE_STATUS, STATUS_FOR, SourceError,
                            side_by_side, source_problems, source_status)
from survey.store import StoreError, load_wide
from ui.common import engine, guide, md, require_page, source_guides, when
from ui.pages import INTERVIEW_PAGE, page
from ui.workbench import action, current_coder, flash, respondent_picker, setup_page, show_flash

log = logging.getLogger("brugerblik.ui")

NONE = "__ingen__"
SIDE_HEADINGS = {"bruger": "Brugeren selv", "sagsbehandler": "Sagsbehandleren", "kontaktperson": "Kontaktpersonen",
                 "journal_kommune": "Kommunens journal", "journal_boform": "Boformens journal"}
VERDICT_MARK = {"enige": "✔ enig", "delvist": "◐ delvis", "uenige": "✘ uenig", "mangler": "– mangler svar"}
KILDE_OF_INFORMANT = {"sagsbehandler": ("sagsbehandler",), "kontaktperson": ("kontaktperson",),
                      "journal": ("journal_kommune", "journal_boform"), "leder": ("leder",)}


@action("kilder")
def _save_reason(kilde: str, respondent_id: str | None, site: str | None, status_key: str, note_key: str) -> None:
    status = st.session_state.get(status_key)
    status = None if status in (None, NONE) else status
    note = st.session_state.get(note_key) or None
    source_store.set_source_status(engine(), kilde, status, respondent_id=respondent_id, site=site, note=note,
                                   who=current_coder() or None)
    where = site if kilde in SITE_KILDER else respondent_id
    flash("kilder", "success", f"{KILDE_LABELS[kilde]} for {where}: "
          + (f"årsagen «{SOURCE_STATUS[status]}» er gemt." if status else "årsagen er fjernet."))


def comparison(rid: str, wide: pd.DataFrame, frames: dict) -> None:
    st.markdown("## Kilderne side om side")
    st.caption("Brugerens egen fortælling over for de andre kilders om tilbuddet, formålet, hvem der bestemte, "
               "brugerens problemer og planerne (rapportens afsnit 7.4). ✔ enig / ◐ delvis / ✘ uenig er "
               "vurderet kode for kode mod brugerens eget svar.")
    try:
        t = side_by_side(rid, wide, frames)
    except (SourceError, StoreError) as e:
        st.error(md(str(e)))
        return
    present = [c for c in ("sagsbehandler", "kontaktperson", "journal_kommune", "journal_boform")
               if t[c].notna().any() or t[f"{c}_vurdering"].notna().any()]
    rows = []
    for r in t.to_dict("records"):
        row = {"Emne": r["emne_label"], SIDE_HEADINGS["bruger"]: r["bruger"] or "–"}
        for c in present:
            verdict = r.get(f"{c}_vurdering")
            text = r.get(c) or "–"
            row[SIDE_HEADINGS[c]] = (VERDICT_MARK[verdict] if verdict == "mangler" and not r.get(c)
                                     else text + (f"  ({VERDICT_MARK[verdict]})" if verdict else ""))
        rows.append(row)
    # a table of text that wraps between words: the data grid cut its cells and scrolled sideways at 1024×768,
    # the fifth and sixth source out of view
    st.table(pd.DataFrame(rows), hide_index=True)
    if not present:
        st.info("Der er endnu ingen andre kilder om denne bruger.")
        return
    lines = []
    for r in t.to_dict("records"):
        agree = [SIDE_HEADINGS[c].lower() for c in present if r.get(f"{c}_vurdering") == "enige"]
        differ = [SIDE_HEADINGS[c].lower() for c in present if r.get(f"{c}_vurdering") in ("uenige", "delvist")]
        if agree or differ:
            parts = []
            if agree:
                parts.append("enig med " + ", ".join(agree))
            if differ:
                parts.append("forskellig fra " + ", ".join(differ))
            lines.append(f"- **{md(r['emne_label'])}**: brugeren er " + "; ".join(parts) + ".")
    if lines:
        st.markdown("\n".join(lines))


def status_part(rid: str, user: dict, wide: pd.DataFrame, frames: dict, reasons: pd.DataFrame,
                sources: list) -> None:
    st.markdown("## Kilder (Bilag C)")
    st.caption("Hvilke kilder der foreligger om brugeren, og hvorfor de andre mangler. En kilde, der foreligger, "
               "behøver ingen årsag. Journaler læses kun med brugerens tilladelse; ændringer af årsager skrives i "
               "ændringsloggen.")
    show_flash("kilder")
    try:
        status = source_status(wide, frames, reasons)
    except (SourceError, StoreError) as e:
        st.error(md(str(e)))
        return
    status = status[(status["respondent_id"] == rid) |
                    ((status["kilde"] == "leder") & (status["site"] == user.get("site")))]
    stored = {(r["kilde"], r["respondent_id"] if r["kilde"] not in SITE_KILDER else r["site"]): r
              for r in reasons.to_dict("records")}
    by_kilde: dict[str, list] = {}
    for row in sources:
        for k in KILDE_OF_INFORMANT.get(row.informant, ()):
            by_kilde.setdefault(k, []).append(row)
    for r in status.to_dict("records"):
        kilde = r["kilde"]
        key = r["site"] if kilde in SITE_KILDER else rid
        with st.container(border=True, key=f"kilde_{kilde}"):
            c1, c2 = st.columns([2, 3], vertical_alignment="top")
            label = KILDE_LABELS[kilde] + (f" ({md(r['site'])})" if kilde in SITE_KILDER else "")
            c1.markdown(f"**{label}**")
            if r["status"] == "foreligger":
                c1.markdown(":green[:material/check_circle: Foreligger]")
                ids = (r.get("source_id") or "").split(";")
                for row in by_kilde.get(kilde, []):
                    if row.respondent_id in ids:
                        c1.page_link(page(INTERVIEW_PAGE), label=f"{row.respondent_id} "
                                     f"({svc.STATUS_LABELS.get(row.status, row.status).lower()})",
                                     query_params={"iv": row.id}, icon=":material/open_in_new:")
                if kilde == "leder" and not by_kilde.get(kilde):
                    c1.caption(md(r.get("source_id") or ""))
            else:
                c1.markdown(f":orange[{md(SOURCE_STATUS.get(r['status'], r['status']))}]"
                            + (f" — {md(r['note'])}" if r.get("note") else ""))
            rec = stored.get((kilde, key))
            if rec is not None and r["status"] == "foreligger":
                c2.warning(f"Kilden foreligger, men der er også gemt årsagen «{md(SOURCE_STATUS[rec['status']])}».")
            options = [NONE] + [s for s in STATUS_FOR[kilde] if s != "foreligger"]
            skey, nkey, bkey = f"kst_{kilde}_{key}", f"knote_{kilde}_{key}", f"kbase_{kilde}_{key}"
            stored_now = (rec["status"], rec.get("note") or "") if rec is not None else (NONE, "")
            if st.session_state.get(bkey) != stored_now:  # first shown, or changed since elsewhere (another tab,
                # an import): the fields show the stored reason, so «Gem årsag» never writes a stale one back
                st.session_state[skey], st.session_state[nkey] = stored_now
                st.session_state[bkey] = stored_now
            c2.selectbox("Årsag til, at kilden mangler", options, key=skey,
                         format_func=lambda s: "(ingen årsag registreret)" if s == NONE else SOURCE_STATUS[s])
            c2.text_input("Note (valgfri, fx «da pensionist»)", key=nkey, max_chars=500)
            c2.button("Gem årsag", key=f"ksave_{kilde}_{key}", on_click=_save_reason,
                      args=(kilde, rid if kilde not in SITE_KILDER else None,
                            r["site"] if kilde in SITE_KILDER else None, skey, nkey))
            if rec is not None and rec.get("recorded_at") is not None:
                c2.caption(f"Registreret {when(rec['recorded_at'])}" + (f" af {md(rec['recorded_by'])}"
                                                                       if rec.get("recorded_by") else ""))


def main() -> None:
    me = require_page("coding")
    setup_page("Kilder")
    users = source_store.users(engine())
    rows = _picker_rows(users)
    chosen = respondent_picker("kilder_r", rows, with_state=False)
    if chosen is None:
        return
    rid = chosen.respondent_id
    user = next(u for u in users if u["respondent_id"] == rid)
    g = guide()
    wide = load_wide(engine(), g, respondent_ids=[rid], drafts=True)  # the user's answers, also in a draft
    if wide.empty:  # issue 12: consent to the interview withdrawn — nothing of theirs is shown or changed
        from survey import privacy  # loaded when used (start-up time of the app's first page)
        from ui.privacy_view import privacy_part  # loaded when used (start-up time of the app's first page)

        on = next((w.withdrawn_on for w in privacy.list_withdrawals(engine())
                   if w.interview_id == user["interview_id"] and w.purpose == "interview"), None)
        st.info(f"**{md(rid)}** har trukket samtykket til interviewet tilbage"
                + (f" ({on.strftime('%d.%m.%Y')})" if on else "") + ": respondentens svar og kilderne om "
                "vedkommende vises ikke, udelades af alle eksporter og kan ikke ændres. De kan slettes nedenfor.")
        privacy_part(me, rid, key="kilder_pv")
        return
    source_guides()  # each fits its stored interviews (survey.guide_fit), else the page stops with why
    frames = source_store.load_sources(engine(), drafts=True)  # every source about the user, also drafts
    frames = {k: v[v["site"] == user["site"]] if k == "leder" else v[v["respondent_id"] == rid]
              for k, v in frames.items()}
    reasons = source_store.load_reasons(engine(), detail=True)
    reasons = reasons[(reasons["respondent_id"] == rid) | (reasons["site"] == user["site"])].reset_index(drop=True)
    consent = user["consent_journal"]
    st.markdown(f"**{md(rid)}** · {md(user['site'] or '—')} · tilladelse til journalindsigt: "
                f"**{md({'ja': 'ja', 'nej': 'nej'}.get(consent, consent) if consent else 'ikke besvaret')}**")
    sources = source_store.sources_about(engine(), rid)
    if sources:
        named = [f"{md(s.respondent_id)} ({md(INFORMANT_LABELS.get(s.informant, s.informant).lower())})"
                 for s in sources]
        st.caption("Kilder om brugeren: " + ", ".join(named))
    for p in source_problems(wide, frames, reasons[["kilde", "respondent_id", "site", "status", "note"]]):
        (st.warning if p.startswith("Advarsel") else st.error)(md(p))
    comparison(rid, wide, frames)
    status_part(rid, user, wide, frames, reasons, sources)
    st.divider()  # issue 12: this respondent's withdrawal of consent and deletion
    from ui.privacy_view import privacy_part  # loaded when used (start-up time of the app's first page)

    privacy_part(me, rid, key="kilder_pv")


def _picker_rows(users: list[dict]):
    from archetypes.coding import RespondentRow  # loaded when used (start-up time of the app's first page)

    return [RespondentRow(u["interview_id"], u["respondent_id"], u["site"], u["site_type"], u["status"], None)
            for u in users]
