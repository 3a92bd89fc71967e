"""The «Administration» page (administrators): users, sites, consent and deletion, and the field packages'
merge conflicts (`ui.conflicts_view`) (`ui.pages.administration`).

Users: the list (name, role, active, last login), a new user (role with its Danish name, a
first password the user must change), disable/enable, a new password (the user must change
it at the next login) and another role — all through `survey.auth`, whose refusals (the last
administrator, a taken name, a short password) are shown as they are: in Danish.
Sites: the list, a new site, and a new name or type for a site (`survey.store.add_site`,
`survey.store.rename_site`), each change in its own transaction (`survey.auth.create_user` …,
`survey.interview.add_site` …). Every change is in the audit trail under the signed-in user.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from survey import auth, store
from survey import interview as svc
from ui.common import allows, engine, flash, inject_css, md, require_page, show_flash, store_is_open, username, when

FLASH = "_adm_flash"


def _flash(area: str, kind: str, text: str) -> None:
    flash(FLASH, area, kind, text)


def _show(area: str) -> None:
    show_flash(FLASH, area)


def _do(area: str, fn, done: str) -> bool:
    """Run one change (a service call: its own transaction); a refusal is shown in Danish, nothing half-done."""
    try:
        fn()
    except store.StoreError as e:  # auth.AuthError is a StoreError
        st.error(md(str(e)))
        return False
    _flash(area, "ok", done)
    return True


# ---------------------------------------------------------------- users

def users_table(users: list[auth.UserView]) -> None:
    rows = [{"Brugernavn": u.username, "Navn": u.full_name or "", "Rolle": auth.ROLES.get(u.role, u.role),
             "Aktiv": "ja" if u.active else "nej", "Skal skifte adgangskode": "ja" if u.must_change_password else "",
             "Sidst logget ind": when(u.last_login) if u.last_login else "aldrig", "Oprettet": when(u.created_at)}
            for u in users]
    st.dataframe(pd.DataFrame(rows, columns=["Brugernavn", "Navn", "Rolle", "Aktiv", "Skal skifte adgangskode",
                                             "Sidst logget ind", "Oprettet"]),
                 hide_index=True, width="stretch", key="adm_users_table")


def add_user_form(first: bool) -> None:
    st.markdown("### Ny bruger")
    if first:
        st.info("Der er ingen brugere endnu. Den første bruger skal være administrator; derefter kræver appen "
                "login, og du logger ind med den nye bruger.")
    roles = ["admin"] if first else list(auth.ROLES)
    with st.form("adm_add", clear_on_submit=True, width=520):
        name = st.text_input("Brugernavn", key="adm_add_name", max_chars=40,
                             help="2–40 tegn: små bogstaver a–z, tal, punktum, bindestreg, understregning.")
        full = st.text_input("Fulde navn (valgfrit)", key="adm_add_full", max_chars=200)
        role = st.selectbox("Rolle", roles, key="adm_add_role", format_func=lambda r: auth.ROLES[r],
                            index=None if not first else 0, placeholder="Vælg en rolle")
        pw = st.text_input("Første adgangskode", type="password", key="adm_add_pw", autocomplete="new-password",
                           help=f"Mindst {auth.MIN_PASSWORD} tegn. Giv den til brugeren ad en sikker vej.")
        must = st.checkbox("Brugeren skal vælge sin egen adgangskode ved første login", value=True,
                           key="adm_add_must")
        submitted = st.form_submit_button("Opret bruger", type="primary", key="adm_add_btn",
                                          icon=":material/person_add:")
    _show("add")
    if not submitted:
        return
    if not role:
        st.error("Vælg en rolle.")
        return
    if first and role != "admin":
        st.error("Den første bruger skal være administrator.")
        return

    def add():
        auth.create_user(engine(), name or "", role, pw or "", full_name=full or "", who=username(),
                         must_change_password=bool(must))

    if _do("add", add, f"Brugeren «{(name or '').strip().lower()}» er oprettet som {auth.ROLES[role]}."):
        st.rerun()


def edit_user_part(users: list[auth.UserView]) -> None:
    st.markdown("### Ret en bruger")
    by = {u.username: u for u in users}
    name = st.selectbox("Bruger", list(by), key="adm_user", index=None, placeholder="Vælg en bruger",
                        format_func=lambda n: f"{n} · {auth.ROLES.get(by[n].role, by[n].role)}"
                                              + ("" if by[n].active else " · deaktiveret"))
    _show("edit")
    if not name:
        return
    u = by[name]
    me = username()
    c1, c2 = st.columns(2, gap="large")
    with c1:
        roles = list(auth.ROLES)
        role = st.selectbox("Rolle", roles, index=roles.index(u.role) if u.role in roles else 0,
                            key=f"adm_role_{name}", format_func=lambda r: auth.ROLES[r])
        if st.button("Skift rolle", key=f"adm_role_btn_{name}", disabled=role == u.role):
            if _do("edit", lambda: auth.change_role(engine(), name, role, who=me),
                   f"{name} har nu rollen {auth.ROLES[role]}."):
                st.rerun()
        if u.active:
            if st.button("Deaktivér brugeren", key=f"adm_off_{name}", icon=":material/person_off:",
                         help="Brugeren kan ikke logge ind; alt, hun eller han har gjort, bevares."):
                if _do("edit", lambda: auth.change_active(engine(), name, False, who=me), f"{name} er deaktiveret."):
                    st.rerun()
        elif st.button("Aktivér brugeren", key=f"adm_on_{name}", icon=":material/person_check:"):
            if _do("edit", lambda: auth.change_active(engine(), name, True, who=me), f"{name} er aktiveret igen."):
                st.rerun()
    with c2:
        with st.form(f"adm_pw_{name}", clear_on_submit=True):
            pw = st.text_input("Ny adgangskode", type="password", key=f"adm_pw_new_{name}",
                               autocomplete="new-password",
                               help=f"Mindst {auth.MIN_PASSWORD} tegn. Brugeren skal vælge sin egen ved næste login.")
            reset = st.form_submit_button("Giv ny adgangskode", key=f"adm_pw_btn_{name}", icon=":material/key:")
        if reset and _do("edit", lambda: auth.reset_password(engine(), name, pw or "", who=me),
                         f"{name} har fået en ny adgangskode og skal vælge sin egen ved næste login."):
            st.rerun()


def users_part() -> None:
    users = auth.user_list(engine())
    st.markdown(f"## Brugere ({len(users)})")
    if users:
        users_table(users)
        st.caption(" · ".join(f"**{auth.ROLES[r]}**: {t}" for r, t in ROLE_TEXT.items()))
    left, right = st.columns([2, 3], gap="large")
    with left:
        add_user_form(first=not users)
    with right:
        if users:
            edit_user_part(users)


ROLE_TEXT = {
    "interviewer": "tager interview og ser kun sine egne",
    "researcher": "alle interview, kodning og rå tekst",
    "report_writer": "rapporter og anonymiserede udtræk",
    "admin": "brugere, steder og historik",
}


# ---------------------------------------------------------------- sites

def sites_part() -> None:
    sites = svc.list_sites(engine())
    st.markdown(f"## Steder ({len(sites)})")
    if sites:
        st.dataframe(pd.DataFrame([{"Sted": x.name, "Type": svc.SITE_TYPES.get(x.site_type, x.site_type),
                                    "Forkortelse": x.prefix} for x in sites]),
                     hide_index=True, width="stretch", key="adm_sites_table")
    me = username()
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("### Nyt sted")
        with st.form("adm_site_add", clear_on_submit=True):
            name = st.text_input("Stedets navn", key="adm_site_name", max_chars=200)
            stype = st.radio("Type", list(svc.SITE_TYPES), format_func=svc.SITE_TYPES.get, index=None,
                             horizontal=True, key="adm_site_type")
            prefix = st.text_input("Forkortelse til respondent-id (valgfri)", key="adm_site_prefix", max_chars=12,
                                   help="Respondent-id = forkortelse + løbenummer, fx AMA-01")
            submitted = st.form_submit_button("Tilføj sted", type="primary", key="adm_site_add_btn")
        _show("site_add")
        if submitted:
            if not stype:
                st.error("Vælg om stedet er et værested eller en boform.")
            elif _do("site_add", lambda: svc.add_site(engine(), name or "", stype, prefix or None, who=me),
                     f"Stedet «{' '.join((name or '').split())}» er tilføjet."):
                st.rerun()
    with right:
        st.markdown("### Ret et sted")
        if not sites:
            st.caption("Ingen steder endnu.")
            return
        by = {x.id: x for x in sites}
        sid = st.selectbox("Sted", list(by), key="adm_site_pick", index=None, placeholder="Vælg et sted",
                           format_func=lambda i: by[i].label)
        _show("site_edit")
        if sid is None:
            return
        x = by[sid]
        with st.form(f"adm_site_edit_{sid}"):
            new_name = st.text_input("Nyt navn", value=x.name, key=f"adm_site_new_{sid}", max_chars=200)
            types = list(svc.SITE_TYPES)
            new_type = st.radio("Type", types, index=types.index(x.site_type) if x.site_type in types else 0,
                                format_func=svc.SITE_TYPES.get, horizontal=True, key=f"adm_site_newtype_{sid}")
            save = st.form_submit_button("Gem", key=f"adm_site_save_{sid}")
        st.caption("Respondent-id'er, der allerede er givet, beholder forkortelsen. Omdøb helst, når feltcomputernes "
                   "pakker er flettet ind: en pakke med det gamle navn ville ellers oprette stedet igen.")
        if save and _do("site_edit", lambda: svc.rename_site(engine(), sid, new_name, new_type, who=me),
                        f"Stedet hedder nu «{' '.join((new_name or '').split())}» "
                        f"({svc.SITE_TYPES.get(new_type, new_type).lower()})."):
            st.rerun()


# ---------------------------------------------------------------- page

def main() -> None:
    p = require_page("users")
    inject_css()
    st.title("Administration")
    if store_is_open():
        st.caption("Databasen er åben (ingen brugere). Opret den første administrator her eller med "
                   "`brugerblik user add NAVN --rolle admin`.")
    # tracked (key, on_change): after a save's st.rerun the open tab stays open, so its message is seen
    tabs = st.tabs(["Brugere", "Steder", "Samtykke og sletning", "Feltpakker"], key="adm_tabs", on_change="rerun")
    with tabs[0]:
        users_part()
    with tabs[1]:
        if allows(p, "sites"):
            sites_part()
    with tabs[2]:  # issue 12: withdrawal, deletion and the retention of raw data
        # loaded when used (start-up time of the app's first page)
        from ui.privacy_view import privacy_part, retention_part

        privacy_part(p, key="adm_pv")
        if allows(p, "retention"):
            st.divider()
            retention_part(p)
    with tabs[3]:  # merge conflicts of the field packages: the laptop's versions wait for an administrator
        if allows(p, "db"):
            from ui.conflicts_view import conflicts_part  # loaded when used (start-up time of the first page)

            conflicts_part()
