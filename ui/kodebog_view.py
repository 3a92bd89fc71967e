"""The Kodebog page: the codebook of themes as a tree; add, rename, move and delete codes, edit
description and cue words, try the cue words on a sentence, export (JSON, XLSX, CSV) and import.
All logic is in `coding.codebook` (and `coding.nlp` for the try-out). The report's themes are in
the codebook on first use (`ui.workbench.seed_codebook`); the button «Indlæs rapportens temaer» is
offered only when a researcher has emptied it. An imported file is checked at once, in Danish
(`ui.uploads`). The page's units of work (each its own transaction) are in `coding.service`.
"""
from __future__ import annotations

import streamlit as st

from coding import service
from ui.common import engine, h, md, require_page
from ui.uploads import UploadRule, take, upload_field
from ui.workbench import (action, code_options, current_coder, flash, highlight, html_block, need_coder,
                          seed_codebook, setup_page, show_flash, suggestion_spans, tagger)

TOP = ""
SEL = "kb_sel"
NEW_FIELDS = ("kb_new_name", "kb_new_key", "kb_new_desc", "kb_new_cues")
UPLOAD = UploadRule((".json", ".csv"), 2 * 1024 * 1024)
#: code id -> {field: value}: a code's edits not yet saved. Streamlit drops a widget's state when the
#: widget is not drawn, so the edits of a code were lost without a word when another code was chosen or
#: the researcher left the page; they are kept here until saved (or the code is deleted or imported over)
DRAFTS = "kb_drafts"
FIELDS = ("name", "key", "parent", "desc", "cues")


def ek(code_id: int, what: str) -> str:
    return f"kb_e_{code_id}_{what}"


# ---------------------------------------------------------------- callbacks

@action("kb")
def _seed() -> None:
    n = service.seed_codebook(engine(), who=current_coder() or None)
    flash("kb", "success" if n else "info",
          f"Kodebogen er oprettet med rapportens temaer ({n} koder)." if n else "Kodebogen havde allerede koder.")


@action("kb_new")
def _add() -> None:
    need_coder()
    ss = st.session_state
    key, name = service.create_code(engine(), ss.get("kb_new_name") or "",
                                    key=(ss.get("kb_new_key") or "").strip() or None,
                                    parent=ss.get("kb_new_parent") or None, description=ss.get("kb_new_desc") or "",
                                    cues=ss.get("kb_new_cues") or "")
    for k in NEW_FIELDS:
        ss[k] = ""
    ss[SEL] = key
    flash("kb_new", "success", f"Koden «{name}» ({key}) er tilføjet.")


@action("kb_edit")
def _save(code_id: int) -> None:
    need_coder()
    ss = st.session_state
    saved = service.save_code(  # one transaction: a refused part leaves the code as it was
        engine(), code_id, name=ss.get(ek(code_id, "name")) or "", key=(ss.get(ek(code_id, "key")) or "").strip(),
        parent=ss.get(ek(code_id, "parent")) or None, description=ss.get(ek(code_id, "desc")) or "",
        cues=ss.get(ek(code_id, "cues")) or "")
    ss[SEL] = saved.key
    ss[ek(code_id, "cues")] = "\n".join(saved.cues)  # the cleaned list (blank lines and duplicates dropped)
    ss.setdefault(DRAFTS, {}).pop(code_id, None)
    flash("kb_edit", "success", f"Koden «{saved.name}» er gemt.")


@action("kb_edit")
def _delete(code_id: int) -> None:
    need_coder()
    if not st.session_state.get(ek(code_id, "confirm")):
        flash("kb_edit", "warning", "Sæt flueben ved «Ja, slet koden» for at slette.")
        return
    name = service.delete_code(engine(), code_id)
    st.session_state.pop(SEL, None)
    st.session_state.setdefault(DRAFTS, {}).pop(code_id, None)
    flash("kb_edit", "success", f"Koden «{name}» er slettet.")


@action("kb_io")
def _import() -> None:
    need_coder()
    if st.session_state.get("kb_import_file") is None:
        flash("kb_io", "warning", "Vælg en fil (JSON eller CSV) først.")
        return
    name, data = take("kb_import_file", UPLOAD, missing="Vælg en fil (JSON eller CSV) først.")  # Danish refusal
    replace = bool(st.session_state.get("kb_import_replace"))
    res = service.import_codebook(engine(), name, data, replace=replace)
    for k in [k for k in st.session_state if str(k).startswith("kb_e_")]:
        del st.session_state[k]  # the edit fields show the imported values
    st.session_state.pop(DRAFTS, None)  # (the import's own warning said it replaces what is there)
    flash("kb_io", "success", f"Importeret: {len(res.created)} nye, {len(res.updated)} ændrede, "
                              f"{len(res.deleted)} slettede koder.")


# ---------------------------------------------------------------- parts

def tree_view(rows: list[tuple]) -> None:
    lines = []
    for c, depth in rows:
        cues = c.cue_list()
        pad = "&nbsp;" * 6 * depth
        lines.append(f'{pad}{"▸" if depth == 0 else "–"} <b>{h(c.name)}</b> <code>{h(c.key)}</code> '
                     f'<span class="bb-meta">{len(cues)} ord</span>')
    html_block("<br>".join(lines), cls="bb-tree")


def add_form(keys: list[str], label) -> None:
    with st.expander("Tilføj en kode", expanded=False):
        st.text_input("Navn", key="kb_new_name", max_chars=200, placeholder="Fx Rytme i hverdagen")
        st.text_input("Kode (valgfri; ellers dannet af navnet)", key="kb_new_key", max_chars=80,
                      placeholder="fx rytme_i_hverdagen")
        if st.session_state.get("kb_new_parent") not in [TOP, *keys]:
            st.session_state["kb_new_parent"] = TOP
        st.selectbox("Overkode", [TOP, *keys], key="kb_new_parent",
                     format_func=lambda k: "— øverste niveau —" if k == TOP else label(k))
        st.text_area("Beskrivelse", key="kb_new_desc", height=80)
        st.text_area("Ord og fraser (ét pr. linje; '=' foran = kun præcis den form)", key="kb_new_cues", height=120)
        st.button("Tilføj kode", key="kb_add", on_click=_add, type="primary")
        show_flash("kb_new")


def edit_form(rows: list[tuple], keys: list[str], label) -> None:
    st.markdown("## Ret en kode")
    ss = st.session_state
    if ss.get(SEL) not in keys:
        ss[SEL] = keys[0]
    by_id = {x.id: x for x, _ in rows}
    stored = {x.id: _stored(x, by_id) for x, _ in rows}
    drafts = {cid: d for cid, d in ss.get(DRAFTS, {}).items() if cid in stored}  # a deleted code's are gone
    for cid in stored:  # the fields of the code shown last run still hold what was typed, this run only
        _keep_draft(drafts, cid, stored[cid])
    ss[DRAFTS] = drafts
    unsaved = {by_id[cid].key for cid in drafts}
    sel = st.selectbox("Kode", keys, key=SEL,
                       format_func=lambda k: label(k) + (" ✎ ikke gemt" if k in unsaved else ""))
    c = next(c for c, _ in rows if c.key == sel)
    others = [by_id[cid].name for cid in drafts if cid != c.id]
    if others:
        st.warning("Ikke gemte ændringer i " + ", ".join(f"«{n}»" for n in others) + ". De er bevaret, til du "
                   "vælger koden og trykker «Gem ændringer».")
    for what, value in stored[c.id].items():
        if ek(c.id, what) not in ss:
            ss[ek(c.id, what)] = drafts.get(c.id, {}).get(what, value)
    st.text_input("Navn", key=ek(c.id, "name"), max_chars=200)
    st.text_input("Kode", key=ek(c.id, "key"), max_chars=80,
                  help="Bruges i eksporter og som temavariabel; ændres sjældent.")
    # a code cannot be put under itself or its sub-codes (the domain refuses it too)
    below, stack = {c.id}, [c.id]
    while stack:
        pid = stack.pop()
        for x, _ in rows:
            if x.parent_id == pid and x.id not in below:
                below.add(x.id)
                stack.append(x.id)
    parents = [TOP] + [x.key for x, _ in rows if x.id not in below]
    if st.session_state.get(ek(c.id, "parent")) not in parents:
        st.session_state[ek(c.id, "parent")] = TOP
    st.selectbox("Overkode (flyt)", parents, key=ek(c.id, "parent"),
                 format_func=lambda k: "— øverste niveau —" if k == TOP else label(k))
    st.text_area("Beskrivelse", key=ek(c.id, "desc"), height=90)
    st.text_area("Ord og fraser (ét pr. linje; matches på grundform og små bogstaver; '=' foran = kun præcis den "
                 "form)", key=ek(c.id, "cues"), height=180)
    # one row that wraps (not fixed columns): at 1024×768 with the sidebar open a tester read «Gem ænd…»
    row = st.container(horizontal=True, vertical_alignment="center", key="kb_edit_buttons")
    row.button("Gem ændringer", key="kb_save", on_click=_save, args=(c.id,), type="primary")
    row.button("Slet kode", key="kb_del", on_click=_delete, args=(c.id,))
    row.checkbox("Ja, slet koden", key=ek(c.id, "confirm"))
    if c.id in drafts:
        st.caption("✎ Ændringerne i denne kode er ikke gemt endnu.")
    show_flash("kb_edit")


def _stored(c, by_id: dict) -> dict[str, str]:
    """A code's fields as stored, as the edit form shows them."""
    return {"name": c.name, "key": c.key, "parent": by_id[c.parent_id].key if c.parent_id in by_id else TOP,
            "desc": c.description or "", "cues": "\n".join(c.cue_list())}


def _keep_draft(drafts: dict, cid: int, stored: dict[str, str]) -> None:
    """Note what the code's fields hold now (when they are in the session) as its draft, or forget the
    draft when they hold what is stored."""
    ss = st.session_state
    now = {w: ss[ek(cid, w)] for w in FIELDS if ek(cid, w) in ss}
    if not now:
        return
    draft = {**stored, **drafts.get(cid, {}), **now}
    if draft == stored:
        drafts.pop(cid, None)
    else:
        drafts[cid] = draft


def try_out(entries) -> None:
    st.markdown("## Afprøv ordene")
    text = st.text_area("Skriv eller indsæt en sætning", key="kb_try", height=80,
                        placeholder="Fx: Jeg har fået en rytme i hverdagen, men min sagsbehandler ringer aldrig.")
    if not text or not text.strip():
        return
    sugg = tagger(entries).suggest(text)
    if not sugg:
        st.caption("Ingen forslag til denne tekst.")
        return
    html_block(highlight(text, suggestion_spans(sugg)))
    for s in sugg:
        html_block(f'<b>{h(s.navn)}</b> <code>{h(s.kode)}</code> <span class="bb-src">{h(s.kilde)}</span> '
                   f'<span class="bb-meta">ord: {h(", ".join(s.ord) or "—")}</span>')


def export_part() -> None:
    st.markdown("## Eksport og import")
    js, xl, cs = service.export_codebook(engine())
    # one row that wraps: in three fixed columns at 1024×768 all three read «Hent so…» (a tester)
    c1 = c2 = c3 = st.container(horizontal=True, key="kb_downloads")
    c1.download_button("Hent som JSON", js.encode("utf-8"), file_name="kodebog.json", mime="application/json",
                       key="kb_dl_json", on_click="ignore", icon=":material/download:")
    c2.download_button("Hent som XLSX", xl, file_name="kodebog.xlsx", key="kb_dl_xlsx", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       icon=":material/download:")
    c3.download_button("Hent som CSV", ("\ufeff" + cs).encode("utf-8"), file_name="kodebog.csv", mime="text/csv",
                       key="kb_dl_csv", on_click="ignore", icon=":material/download:")
    with st.expander("Importér en kodebog (JSON eller CSV)"):
        upload_field("Fil", "kb_import_file", UPLOAD)
        st.checkbox("Erstat: slet koder, der ikke er i filen (afvises, hvis de er i brug)", key="kb_import_replace")
        st.button("Importér", key="kb_import", on_click=_import)
        show_flash("kb_io")


# ---------------------------------------------------------------- page

def main() -> None:
    require_page("coding")
    setup_page("Kodebog")
    show_flash("kb")
    seed_codebook()  # the report's themes on first use
    rows, entries = service.codebook_tree(engine())
    if not rows:
        st.info("Kodebogen er tom (alle koder er slettet). Indlæs rapportens temaer igen (rytme i hverdagen, "
                "socialt samvær, meningsfuldhed, mentor og spejling, syltet af systemet, brugerinddragelse, økonomi og gæld, arbejdsmarked, misbrug "
                "og behandling, bolig, sagsbehandler) som udgangspunkt, eller tilføj koder selv.")
        st.button("Indlæs rapportens temaer", key="kb_seed", on_click=_seed, type="primary")
    keys, label = code_options(entries)
    left, right = st.columns([5, 6], gap="large")
    with left:
        st.markdown(f"## Koder ({len(rows)})")
        if rows:
            tree_view(rows)
        add_form(keys, label)
        if entries:
            try_out(entries)
    with right:
        if rows:
            edit_form(rows, keys, label)
        export_part()
    st.caption(md("Ordene matches på grundform (lemma) og små bogstaver, så bøjede former også rammer "
                  "('hverdagen' ~ 'hverdag'). Et ord med '=' foran matches kun i præcis den form."))
