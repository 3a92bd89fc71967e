"""The Transskriptioner page (URL: /transskriptioner?r=<respondent id>): import a transcript
(.txt, .md, .docx, .vtt, .srt) to a respondent, read it as speaker turns, and code each segment: accept or
reject the tagger's suggestions (rule or model, the triggering words highlighted) — by default
only on the respondent's own turns, not the interviewer's questions («Forslag til»), — or code by
hand with one or more codes and a memo; train the model from the decisions and see its
cross-validated precision and recall per code. Issue 15: each interviewer turn shows the guide
question it was matched to (a suggestion to confirm or correct), every other segment the question
it answers, and «Kod efter spørgsmål» codes everything said after a question in one click
(`coding.guide_links`). All logic is in `coding.transcripts`,
`coding.codebook` and `coding.nlp`. The upload is checked at once, in Danish (`ui.uploads`):
extension, size and content; a refused file is never imported. The page's units of work (each its own
transaction) are in `coding.service`.
"""
from __future__ import annotations

import streamlit as st

from coding import guide_links as gl
from coding import service
from coding import transcripts as tr
from ui.common import allows, engine, guide, h, principal, require_page, when
from ui.uploads import UploadRule, take, upload_field
from ui.workbench import (action, code_options, codebook_entries, flash, highlight, html_block, need_coder,
                          respondent_picker, setup_page, show_flash, suggestion_rows, suggestion_spans, tagger,
                          training_panel, withdrawn_notice)

PICK = "tr_r"
SCOPE = "tr_scope"         # «Forslag til» (widget): the respondent's turns (default) or all speech
SCOPE_KEPT = "bb_tr_scope"  # the choice, kept for the session (widget state goes when the page is left)
UPLOAD = UploadRule(tr.ALLOWED_TYPES, tr.MAX_BYTES)
#: a REFI-QDA project (issue 15); Streamlit's own limit (.streamlit/config.toml) is 50 MB
PROJECT_UPLOAD = UploadRule((".qdpx",), 50 * 1024 * 1024)
PER_PAGE = 15
SPEAKER_CLASS = {"I": "Interviewer", "B": "Bruger", "": "Ukendt"}
FOLLOW_UP = "__opfoelgning__"  # the question selectbox's value for None (a follow-up)


def tkey(iid: str) -> str:
    return f"tr_t_{iid}"


# ---------------------------------------------------------------- callbacks

@action("tr_import")
def _import(iid: str) -> None:
    who = need_coder()
    if st.session_state.get("tr_file") is None:
        flash("tr_import", "warning", f"Vælg en fil ({UPLOAD.allowed}) først.")
        return
    name, data = take("tr_file", UPLOAD, missing=f"Vælg en fil ({UPLOAD.allowed}) først.")  # Danish refusal
    info = service.import_transcript(engine(), iid, data, name, who, replace=bool(st.session_state.get("tr_replace")),
                                     guide=guide())
    st.session_state[tkey(iid)] = info.id
    asked = sum(1 for t in service.question_turns(engine(), info.id) if t.question)
    flash("tr_import", "success", f"«{info.filename}» er importeret til {info.respondent_id}: {info.n_segments} "
                                  f"segmenter, {info.n_labelled} med kendt taler; {asked} af interviewerens ture er "
                                  "koblet til et spørgsmål i guiden (se forslagene ved hvert spørgsmål).")


@action("tr_project")
def _import_project() -> None:
    from exports import qdpx_import  # only an import loads it (lxml, the REFI schema): the page opens as before

    who = need_coder()
    _, data = take("tr_qdpx", PROJECT_UPLOAD, missing="Vælg et REFI-QDA-projekt (.qdpx) først.")
    r = qdpx_import.import_qdpx(engine(), guide(), data, who)  # all or nothing; refused: its Danish message
    flash("tr_project", "success", "\n\n".join(["Projektet er importeret.", *r.lines()]))


@action("tr_list")
def _delete(iid: str, tid: int) -> None:
    who = need_coder()
    if not st.session_state.get(f"tr_del_ok_{tid}"):
        flash("tr_list", "warning", "Sæt flueben ved «Ja, slet transskriptionen» for at slette.")
        return
    service.delete_transcript(engine(), tid, who)
    st.session_state.pop(tkey(iid), None)
    flash("tr_list", "success", "Transskriptionen er slettet med dens segmenter og kodninger.")


@action("sugg")
def _code(seg_id: int) -> None:
    who = need_coder()
    codes = st.session_state.get(f"tr_codes_{seg_id}") or []
    memo = st.session_state.get(f"tr_memo_{seg_id}") or ""
    service.code_segment(engine(), seg_id, codes, memo.strip() or None, who, source="manuel")
    st.session_state[f"tr_codes_{seg_id}"] = []
    st.session_state[f"tr_memo_{seg_id}"] = ""


@action("sugg")
def _uncode(seg_id: int, code: str) -> None:
    who = need_coder()
    service.uncode_segment(engine(), seg_id, [code], who)


@action("sugg")
def _memo(seg_id: int, code: str, key: str) -> None:
    who = need_coder()
    service.set_memo(engine(), seg_id, code, st.session_state.get(key) or "", who)


@action("sugg")
def _to_quote(seg_id: int) -> None:
    who = need_coder()
    qid, new = service.quote_from_segment_once(engine(), seg_id, who)  # a double click makes one quote
    if new:
        flash("sugg", "success", f"Segmentet er lagt i citatbanken som citat {qid}.")
    else:
        flash("sugg", "info", f"Segmentet er allerede i citatbanken som citat {qid}.")


@action("tr_q")
def _set_question(seg_id: int, key: str) -> None:
    who = need_coder()
    value = st.session_state.get(key)
    service.set_question(engine(), seg_id, None if value == FOLLOW_UP else value, guide(), who)


@action("tr_q")
def _confirm_all(tid: int) -> None:
    who = need_coder()
    n = service.confirm_suggestions(engine(), tid, who)
    flash("tr_q", "success", f"{n} forslag er bekræftet." if n else "Der var ingen ubekræftede forslag.")


@action("tr_q")
def _relink(tid: int) -> None:
    need_coder()
    asked, turns = service.link_transcript(engine(), tid, guide())
    flash("tr_q", "success", f"Spørgsmålene er fundet igen: {asked} af {turns} interviewerture er koblet til guiden "
                             "(bekræftede og rettede er ikke ændret).")


@action("tr_bulk")
def _code_by_question() -> None:
    who = need_coder()
    q, code = st.session_state.get("tr_bulk_q"), st.session_state.get("tr_bulk_code")
    if not q or not code:
        flash("tr_bulk", "warning", "Vælg både et spørgsmål og en kode.")
        return
    new, total = service.code_by_question(engine(), q, code, who,
                                          interviewer=bool(st.session_state.get("tr_bulk_i")))
    flash("tr_bulk", "success", f"{new} afsnit er kodet med «{service.code_name(engine(), code)}»"
                                f"{f' ({total - new} havde koden allerede)' if total - new else ''}.")


# ---------------------------------------------------------------- parts

def question_text(code) -> str:
    """A question as the page shows it: its label, cut to one line."""
    text = gl.question_label(guide(), code)
    return text if len(text) <= 90 else text[:87].rstrip() + " …"


def code_by_question_part() -> None:
    """Structural autocoding: one code on everything said after a question, in every transcript."""
    counts = service.question_counts(engine())
    with st.expander("Kod efter spørgsmål (alle transskriptioner)"):
        if not counts:
            st.caption("Ingen transskription har endnu afsnit under et spørgsmål fra guiden.")
            return
        order = [c for c in gl.matcher_for(guide()).codes() if c in counts]
        entries = codebook_entries()
        keys, label = code_options(entries)
        with st.form("tr_bulk_form", border=False):  # the choices go with the button: no rerun between them
            c1, c2 = st.columns([3, 2])
            c1.selectbox("Svarene på spørgsmålet", order, key="tr_bulk_q", index=None,
                         placeholder="Vælg et spørgsmål …",
                         format_func=lambda c: f"{question_text(c)} — {counts[c][0]} afsnit i {counts[c][1]} "
                                               "transskriptioner")
            c2.selectbox("Kod dem med", keys, key="tr_bulk_code", index=None, format_func=label,
                         placeholder="Vælg en kode …")
            st.checkbox("Også interviewerens egne ture", key="tr_bulk_i")
            st.form_submit_button("Kod alle afsnit under spørgsmålet", key="tr_bulk_go", on_click=_code_by_question,
                                  type="primary")
        st.caption("Brugerens svar efter spørgsmålet — også svar på opfølgninger som «Er det vigtigt for dig?» — "
                   "får koden, i alle transskriptioner; afsnit med koden i forvejen røres ikke. Respondenter, der har "
                   "trukket samtykket tilbage, kodes ikke.")
    show_flash("tr_bulk")


def project_part() -> None:
    """A REFI-QDA project from another program: codes, transcripts and their coding, for the whole study."""
    if not allows(principal(), "import"):
        return
    with st.expander("Importér et REFI-QDA-projekt (.qdpx) fra NVivo, MAXQDA, ATLAS.ti eller QualCoder"):
        upload_field("Projektfil", "tr_qdpx", PROJECT_UPLOAD)
        st.button("Importér projektet", key="tr_qdpx_go", on_click=_import_project, type="primary",
                  icon=":material/upload_file:")
        st.caption("Projektets koder flettes ind i kodebogen (ingen kode slettes). Hver tekstkilde bliver en "
                   "transskription af den respondent, dens case hedder — eller hvis id kildens navn begynder med — "
                   "og de kodede markeringer bliver kodede segmenter med kodere, tidspunkter og memoer. Cases og "
                   "variabler sammenlignes med svarene, men ændrer dem ikke. Filen kontrolleres mod REFI-QDA-skemaet "
                   "først; er noget galt, importeres intet.")
    show_flash("tr_project")


def question_part(tid: int, turns: list) -> None:
    """The transcript's link to the guide: how many turns, confirm all, find again."""
    if not turns:
        st.caption("Intervieweren kan ikke findes i transskriptionen (ingen ture markeret «I:» eller «Interviewer:», "
                   "og ingen nummereret taler stiller spørgsmål), så afsnittene kan ikke kobles til spørgsmål i guiden.")
        return
    asked = sum(1 for t in turns if t.question)
    open_ = sum(1 for t in turns if t.confirmed_by is None)
    c1, c2, c3 = st.columns([4, 1.6, 1.6], vertical_alignment="center")
    c1.markdown(f"**Spørgeguiden:** {asked} af {len(turns)} interviewerture er koblet til et spørgsmål; "
                f"{open_} er forslag, der ikke er bekræftet endnu.")
    c2.button("Bekræft alle forslag", key=f"tr_qok_{tid}", on_click=_confirm_all, args=(tid,), disabled=not open_,
              width="stretch")
    c3.button("Find spørgsmål igen", key=f"tr_qre_{tid}", on_click=_relink, args=(tid,), width="stretch",
              help="Foreslår spørgsmål for de ture, ingen har bekræftet eller rettet.")
    show_flash("tr_q")


def question_picker(seg: tr.SegmentView, link) -> None:
    """An interviewer turn's question: the suggestion or the researcher's, to confirm or correct."""
    key = f"tr_qsel_{seg.id}"
    codes = gl.matcher_for(guide()).codes()
    options = [FOLLOW_UP, gl.OUTSIDE, *codes]
    st.session_state[key] = FOLLOW_UP if link.question is None else link.question
    if st.session_state[key] not in options:  # a question the guide no longer asks (a newer guide)
        options.append(st.session_state[key])
    state = f"bekræftet af {link.confirmed_by}" if link.confirmed_by else "forslag"
    st.selectbox(f"Spørgsmål i guiden ({state})", options, key=key,
                 format_func=lambda c: question_text(None if c == FOLLOW_UP else c),
                 on_change=_set_question, args=(seg.id, key))

def import_part(iid: str, rid: str, expanded: bool) -> None:
    with st.expander(f"Importér en transskription til {rid}", expanded=expanded):
        upload_field(f"Fil ({UPLOAD.allowed})", "tr_file", UPLOAD)
        st.checkbox("Erstat en transskription med samme filnavn (dens kodning slettes)", key="tr_replace")
        st.button("Importér", key="tr_import", on_click=_import, args=(iid,), type="primary",
                  icon=":material/upload_file:")
        st.caption("Talerskift genkendes ved «I:», «B:», «Bruger:», «IP:», «Interviewer:» o.l. i starten af en "
                   "linje; hvert afsnit bliver et segment. Undertekstfiler (.vtt, .srt) og tekster med tidskoder som "
                   "«[00:12:03] S01:» fra noScribe og aTrain beholder tiden på hvert segment.")
    show_flash("tr_import")


def segment_block(seg: tr.SegmentView, sugg, decided: dict, keys: list[str], label, question=None,
                  link=None) -> None:
    with st.container(border=True, key=f"tr_seg_{seg.id}"):
        who = SPEAKER_CLASS.get(seg.speaker, seg.speaker)
        asks = f' · spørgsmål: {h(question_text(question))}' if question and link is None else ""
        html_block(f'<span class="bb-meta">#{seg.idx + 1} · {h(who)}'
                   f'{" (" + h(seg.label) + ")" if seg.label else ""}'
                   f'{" · " + h(seg.time_text) if seg.time_text else ""}{asks}</span><br>'
                   + highlight(seg.text, suggestion_spans(sugg)))
        if link is not None:
            question_picker(seg, link)
        for c in seg.codes:
            c1, c2, c3 = st.columns([3, 5, 1.2], vertical_alignment="center")
            html_block(f'✔ <b>{h(c.name)}</b><br><span class="bb-meta">{h(c.who or "")} {h(when(c.at))}</span>',
                       where=c1)
            mkey = f"tr_m_{seg.id}_{c.key}"
            st.session_state[mkey] = c.memo or ""
            c2.text_input("Memo", key=mkey, on_change=_memo, args=(seg.id, c.key, mkey), label_visibility="collapsed",
                          placeholder="Memo: hvorfor passer koden her?")
            c3.button("Fjern", key=f"tr_un_{seg.id}_{c.key}", on_click=_uncode, args=(seg.id, c.key),
                      width="stretch")
        suggestion_rows("segment", seg.id, seg.text, sugg, set(seg.code_keys), decided, f"tr_s_{seg.id}")
        # one line where it fits whole, else the two buttons on the next (CSS: st-key-tr_row_); fixed columns cut
        # «Til citatbanken» and the memo's placeholder at 1024×768 with the sidebar open
        with st.container(horizontal=True, key=f"tr_row_{seg.id}", vertical_alignment="bottom"):
            st.multiselect("Kod med", keys, key=f"tr_codes_{seg.id}", label_visibility="collapsed",
                           format_func=label, placeholder="Kod med en eller flere koder …")
            st.text_input("Memo", key=f"tr_memo_{seg.id}", placeholder="Memo: hvorfor passer koden/koderne her?",
                          label_visibility="collapsed")
            with st.container(horizontal=True, width="content", key=f"tr_btns_{seg.id}"):
                st.button("Kod", key=f"tr_code_{seg.id}", on_click=_code, args=(seg.id,))
                st.button("Til citatbanken", key=f"tr_q_{seg.id}", on_click=_to_quote, args=(seg.id,))


def transcript_part(iid: str, infos: list[tr.TranscriptInfo]) -> None:
    ids = [t.id for t in infos]
    by = {t.id: t for t in infos}
    key = tkey(iid)
    if st.session_state.get(key) not in ids:
        st.session_state[key] = ids[-1]
    tid = st.selectbox("Transskription", ids, key=key,
                       format_func=lambda i: f"{by[i].filename} · {by[i].n_segments} segmenter, "
                                             f"{by[i].n_coded} kodet")
    t = by[tid]
    st.caption(f"Importeret {when(t.imported_at)} af {t.imported_by or 'ukendt'} · {t.fmt} · {t.n_chars} tegn · "
               f"{t.n_labelled} af {t.n_segments} segmenter med kendt taler.")
    with st.expander("Slet transskriptionen"):
        st.checkbox("Ja, slet transskriptionen med dens segmenter og kodninger", key=f"tr_del_ok_{tid}")
        st.button("Slet", key=f"tr_del_{tid}", on_click=_delete, args=(iid, tid))
    show_flash("tr_list")

    turns = service.question_turns(engine(), tid)
    question_part(tid, turns)
    links = {t.segment.id: t for t in turns}
    questions = service.segment_questions(engine(), tid)
    entries = codebook_entries()
    keys, label = code_options(entries)
    segs = service.segments_for(engine(), tid)
    n_pages = max(1, -(-len(segs) // PER_PAGE))
    c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
    only_b = c2.checkbox("Vis kun brugerens tale", key=f"tr_onlyb_{tid}")
    if only_b:
        segs = [g for g in segs if g.speaker == "B"]
        n_pages = max(1, -(-len(segs) // PER_PAGE))
    if st.session_state.get(f"tr_page_{tid}", 1) > n_pages:
        st.session_state[f"tr_page_{tid}"] = 1
    page = c1.selectbox("Side", list(range(1, n_pages + 1)), key=f"tr_page_{tid}") if n_pages > 1 else 1
    shown = segs[(page - 1) * PER_PAGE: page * PER_PAGE]
    if st.session_state.get(SCOPE) not in tr.SUGGEST_SCOPES:
        kept = st.session_state.get(SCOPE_KEPT)
        st.session_state[SCOPE] = kept if kept in tr.SUGGEST_SCOPES else tr.SUGGEST_DEFAULT
    scope = st.radio("Forslag til", list(tr.SUGGEST_SCOPES), key=SCOPE, horizontal=True,
                     format_func=tr.SUGGEST_SCOPES.get,
                     help="Kodeforslag gives som standard kun til brugerens egne udsagn — ikke til interviewerens "
                          "spørgsmål. Har transskriptionen ingen kendte talere, får alle afsnit forslag.")
    st.session_state[SCOPE_KEPT] = scope
    st.caption("Forslag: :orange-background[regel] = kodebogens ord, :blue-background[model] = den trænede model, "
               ":green-background[regel + model] = begge. Holdt musen over et markeret ord, ses koden.")
    show_flash("sugg")
    targets = {g.id for g in tr.suggestion_targets(shown, scope, any_known=t.n_labelled > 0)}
    asked = [g for g in shown if g.id in targets]
    by_seg = dict(zip([g.id for g in asked], tagger(entries).suggest_many([g.text for g in asked]) if asked else []))
    decided = service.decisions_for(engine(), "segment", [g.id for g in shown])
    for seg in shown:
        segment_block(seg, by_seg.get(seg.id, []), decided[seg.id], keys, label, questions.get(seg.id),
                      links.get(seg.id))


# ---------------------------------------------------------------- page

def main() -> None:
    require_page("coding")
    setup_page("Transskriptioner")
    r = respondent_picker(PICK, with_state=False)
    if r is None:
        return
    if withdrawn_notice(r):  # issue 12: nothing of theirs is shown (the study-wide parts stay)
        code_by_question_part()
        project_part()
        training_panel("tr_train")
        return
    infos = service.list_transcripts(engine(), r.interview_id)
    import_part(r.interview_id, r.respondent_id, expanded=not infos)
    code_by_question_part()
    project_part()
    if not infos:
        st.info(f"{r.respondent_id} har ingen transskriptioner endnu.")
    else:
        transcript_part(r.interview_id, infos)
    training_panel("tr_train")
