"""The other sources' answers by site type (issue 14; chapters 5 and 6, sections 6.3 and 7.3): the
comparisons the report makes between væresteder and boformer from the case workers', the contact
persons' and the leaders' interviews and the case files.

Every table here is one item of one source's guide, counted per source (an interview or a file)
with rows by site type — the leader's own site, else the site of the user the source is about —
``boform``, ``vaerested``, ``uoplyst`` (only when there is one), then ``i_alt``. CSV:
``site_type,antal_<v>…,n,andel_<v>…`` as a crosstab (`report.crosstab`): one column per value of
the item in guide order; ``n`` = the row's sources with an answer; ``andel_<v> = antal_<v> / n``. A
multiple-choice item (``begrundelse``, ``sigte``, ``deltagere_beslutning``) counts a source once in
every value it holds, so its shares can add up to more than 100 %. Blank is never counted.

``journal_uroert`` is derived (section 6.3: files untouched for a year or more): ``ja`` when the
file's last note (``seneste_notat_dato``) is 365 days or more before the day it was read
(``interview_date``), ``nej`` when less, blank when either date is missing.

`SOURCE_ITEMS` lists them; `report.registry` registers each as a table of the other sources.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from report.counting import share
from report.crosstab import members
from report.errors import TableError
from report.population import check_by, group_rows, row_column
from report.publication import I_ALT, UOPLYST, md_table, pct, value_label
from report.tables import ROW_HEADINGS
from survey.guide import Guide
from survey.sources import SITE_TYPES, guide_for

__all__ = ["SOURCE_ITEMS", "SOURCE_BY", "LEADER_BY", "UNTOUCHED_DAYS", "check_source_by", "by_site_type", "compute",
           "row_of", "row_label", "label", "heading", "markdown_body", "SIDE_BY_SIDE", "SIDES", "SIDE_LABELS",
           "side_by_side"]

#: table id -> (informant, item code, Danish title)
SOURCE_ITEMS: dict[str, tuple[str, str, str]] = {
    "sb_begrundelse": ("sagsbehandler", "begrundelse", "Sagsbehandlerne: hvorfor tilbuddet blev givet (kapitel 6)"),
    "sb_sigte_afklaring": ("sagsbehandler", "sigte_afklaring", "Sagsbehandlerne: sigter tilbuddet mod afklaring? "
                                                               "(kapitel 6)"),
    "sb_rigtige_tilbud": ("sagsbehandler", "rigtige_tilbud", "Sagsbehandlerne: var det det rigtige tilbud? (kapitel 6)"),
    "sb_hvem_bestemte": ("sagsbehandler", "hvem_bestemte", "Sagsbehandlerne: hvem besluttede tilbuddet? (kapitel 6)"),
    "sb_kendskab_tilbud": ("sagsbehandler", "kendskab_tilbud", "Sagsbehandlerne: kendskab til de tilbud, der findes "
                                                               "(kapitel 6)"),
    "sb_fokus": ("sagsbehandler", "fokus", "Sagsbehandlerinterview: generelle og om den konkrete bruger (kapitel 6)"),
    "kp_deltagelse": ("kontaktperson", "deltagelse", "Kontaktpersonerne: krav eller frivillighed (kapitel 5)"),
    "kp_rigtige_tilbud": ("kontaktperson", "rigtige_tilbud", "Kontaktpersonerne: var det det rigtige tilbud? "
                                                             "(kapitel 5)"),
    "leder_sigte": ("leder", "sigte", "Lederne: hvad sigter tilbuddene mod? (kapitel 5)"),
    "leder_deltagelse": ("leder", "deltagelse", "Lederne: krav eller frivillighed (kapitel 5)"),
    "leder_matchning": ("leder", "matchning", "Lederne: matches brugerne til tilbuddene? (kapitel 5)"),
    "leder_kommunen": ("leder", "kommunen_traekker_sig", "Lederne: trækker kommunen sig, når brugeren er i tilbud? "
                                                         "(kapitel 5)"),
    "journal_lovgrundlag": ("journal", "lovgrundlag", "Journalerne: lovgrundlaget for tilbuddet (afsnit 6.3)"),
    "journal_ordning": ("journal", "ordning", "Journalerne: ordningen, tilbuddet er givet efter (afsnit 6.3)"),
    "journal_opfoelgning": ("journal", "opfoelgning", "Journalerne: opfølgning mindst hver tredje måned (afsnit 6.3)"),
    "journal_uroert": ("journal", "uroert", "Journalerne: ikke rørt i et år eller mere (afsnit 6.3)"),
    "journal_deltagere": ("journal", "deltagere_beslutning", "Journalerne: hvem deltog i beslutningen (afsnit 7.3)"),
}
#: chapter 5's comparisons of the leaders and the contact persons, side by side: table id -> (the
#: item both guides ask with the same values, Danish title)
SIDE_BY_SIDE: dict[str, tuple[str, str]] = {
    "leder_kp_deltagelse": ("deltagelse", "Lederne og kontaktpersonerne: krav eller frivillighed (kapitel 5)"),
    "leder_kp_samarbejde": ("samarbejde_kommune", "Lederne og kontaktpersonerne: samarbejdet med kommunen "
                                                  "(kapitel 5)"),
}
#: the two informants of `SIDE_BY_SIDE`, in the order their rows are shown
SIDES: tuple[str, ...] = ("leder", "kontaktperson")
SIDE_LABELS = {"leder": "Ledere", "kontaktperson": "Kontaktpersoner"}
#: the groupings beside site type: of the user a source is about; a leader's own site
SOURCE_BY: tuple[str, ...] = ("brugergruppe", "perspektiv", "sted")
LEADER_BY: tuple[str, ...] = ("sted",)
BY_WORDS_SRC = {"brugergruppe": "brugergruppe", "perspektiv": "arbejdsmarkedsperspektiv", "sted": "sted",
                "interviewer": "interviewer"}
#: a case file is untouched when its last note is this many days or more before it was read
UNTOUCHED_DAYS = 365
_UNTOUCHED_CHOICES = ("ja", "nej")


def _site_types(frame: pd.DataFrame, informant: str, users: pd.DataFrame) -> pd.Series:
    """Each source's site type: the leader's own, else that of the user it is about."""
    if informant == "leder":
        raw = frame["site_type"] if "site_type" in frame.columns else pd.Series([None] * len(frame), index=frame.index)
    else:
        known = dict(zip(users["respondent_id"], users["site_type"])) if "site_type" in users.columns else {}
        raw = frame["respondent_id"].map(known) if "respondent_id" in frame.columns else \
            pd.Series([None] * len(frame), index=frame.index)
    return raw.where(raw.isin(SITE_TYPES), UOPLYST)


def _untouched(frame: pd.DataFrame) -> pd.Series:
    def dates(col: str) -> pd.Series:  # a missing column (no case files read yet): no dates
        return pd.to_datetime(frame[col] if col in frame.columns else pd.Series(None, index=frame.index,
                                                                                  dtype=object), errors="coerce")

    last, read = dates("seneste_notat_dato"), dates("interview_date")
    days = (read - last).dt.days
    out = pd.Series(np.where(days >= UNTOUCHED_DAYS, "ja", "nej"), index=frame.index, dtype=object)
    return out.where(days.notna(), None)


def check_source_by(tid: str, by: str | None) -> str | None:
    """`by` when table `tid` can be grouped so (None: by site type); else TableError saying which
    groupings it has. A source about one user follows that user's row; a leader speaks for a site."""
    if by is None:
        return None
    check_by(by)
    informant = SOURCE_ITEMS[tid][0]
    allowed_by = LEADER_BY if informant == "leder" else SOURCE_BY
    if by not in allowed_by:
        what = ("Lederinterviewene handler om et sted, ikke om en bruger" if informant == "leder" else
                "Kilderne om en bruger følger brugerens række; interviewerne er ikke en gruppering af dem")
        raise TableError(f"Tabel {tid} kan ikke grupperes efter {BY_WORDS_SRC[by]}: {what} — tilladt: "
                         f"{', '.join(allowed_by)} (uden --efter: stedtype).")
    return by


def _rows(frame: pd.DataFrame, informant: str, users: pd.DataFrame, by: str | None) -> tuple[pd.Series, list[str]]:
    """Each source's row and the rows in order (without «I alt»): by site type (`by` None), else by
    the grouping of the user the source is about (a leader: its own site); ``uoplyst`` last when a
    source has none."""
    if by is None:
        types = _site_types(frame, informant, users)
        return types, [t for t in (*SITE_TYPES, UOPLYST) if t in SITE_TYPES or (types == t).any()]
    if informant == "leder":  # by site: the leader's own
        codes, levels = group_rows(frame, by)
        own = pd.Series([levels[c] for c in codes], index=frame.index, dtype=object)
    else:  # the row of the user the source is about (a user outside the population: uoplyst)
        codes, levels = group_rows(users, by)
        of_user = dict(zip(users["respondent_id"].astype(str), (levels[c] for c in codes))) \
            if "respondent_id" in users.columns else {}
        ids = frame["respondent_id"] if "respondent_id" in frame.columns else pd.Series(None, index=frame.index)
        own = pd.Series([UOPLYST if r is None or r != r else of_user.get(str(r), UOPLYST) for r in ids],
                        index=frame.index, dtype=object)
    # the user groups in the report's order, every one even when empty; sites and perspectives found
    order = [lv for lv in levels if lv != UOPLYST and (by == "brugergruppe" or (own == lv).any())]
    return own, order + ([UOPLYST] if (own == UOPLYST).any() else [])


def by_site_type(frame: pd.DataFrame, users: pd.DataFrame, informant: str, code: str,
                 guide: Guide | None = None, by: str | None = None) -> pd.DataFrame:
    """One item of one source by site type, or grouped `by` (see the module doc for the form)."""
    g = guide or guide_for(informant)
    frame = frame.reset_index(drop=True)
    if code == "uroert":
        frame = frame.assign(uroert=_untouched(frame))
        m = np.column_stack([(frame["uroert"] == v).to_numpy() for v in _UNTOUCHED_CHOICES])
        levels, answered = list(_UNTOUCHED_CHOICES), frame["uroert"].notna().to_numpy()
    else:
        if code not in g.items:
            raise TableError(f"Kilden {informant} har ikke spørgsmålet {code!r}.")
        if code not in frame.columns:
            frame = frame.assign(**{code: None})
        m, levels, answered = members(frame, g, code)
    types, rows = _rows(frame, informant, users, by)
    # who stands behind a row: the users the sources are about (one user may have two case files) and
    # the staff who answered (a site's one contact person: a row of that person's answers) — the fewer of
    # the two; a leader speaks for a site, one interview each. Publication hides a row on this count.
    def ids(col: str | None) -> np.ndarray:  # a blank id counts as a person of its own, never as nobody
        got = frame[col].tolist() if col is not None and col in frame.columns else [None] * len(frame)
        return np.array([str(v) if v is not None and v == v and str(v).strip() else f"\x00{i}"
                         for i, v in enumerate(got)], dtype=object)

    who = ids("respondent_id" if informant != "leder" else None)
    staff = ids("informant_id")

    def distinct(values: np.ndarray) -> int:
        return len(set(values.tolist()))

    out_rows, people = [], []
    for r in [*rows, I_ALT]:
        keep = np.ones(len(frame), dtype=bool) if r == I_ALT else (types == r).to_numpy()
        sel = keep & answered
        out_rows.append([r, *m[sel].sum(axis=0).astype(np.int64).tolist(), int(sel.sum())])
        people.append(min(distinct(who[sel]), distinct(staff[sel])) if informant != "leder" else distinct(staff[sel]))
    counts = np.array([r[1:-1] for r in out_rows], dtype=np.int64).reshape(len(out_rows), len(levels))
    n = np.array([r[-1] for r in out_rows], dtype=np.int64)
    cols: dict[str, object] = {row_column(by) if by else "site_type": pd.Series([r[0] for r in out_rows],
                                                                                 dtype=object)}
    cols |= {f"antal_{v}": counts[:, j] for j, v in enumerate(levels)}
    cols["n"] = n
    cols |= {f"andel_{v}": share(counts[:, j], n) for j, v in enumerate(levels)}
    cols["personer"] = np.array(people, dtype=np.int64)
    out = pd.DataFrame(cols)
    out.attrs.update(informant=informant, kode=code, kolonner=list(levels),
                     flervalg=bool(code in g.items and g.item(code).type == "select_multiple"))
    return out


def compute(tid: str, frames: Mapping[str, pd.DataFrame | None], users: pd.DataFrame,
            by: str | None = None) -> pd.DataFrame:
    """Table `tid` of `SOURCE_ITEMS` from the source frames about the population's users, by site
    type or grouped `by` (`check_source_by`)."""
    informant, code, _ = SOURCE_ITEMS[tid]
    by = check_source_by(tid, by)
    frame = frames.get(informant)
    if frame is None:
        frame = pd.DataFrame(columns=["source_id", "respondent_id", "site", "site_type", code])
    return by_site_type(frame, users, informant, code, by=by)


def side_by_side(tid: str, frames: Mapping[str, pd.DataFrame | None], users: pd.DataFrame) -> pd.DataFrame:
    """A `SIDE_BY_SIDE` table: the item counted in the leaders' interviews (by their own site type)
    and in the contact persons' (by the site type of the user each is about), as `by_site_type`
    counts it, the two sides' rows interleaved under each site type: ``site_type, informant,
    antal_<v>…, n, andel_<v>…``. Both guides must ask the item with the same values."""
    code, _ = SIDE_BY_SIDE[tid]
    g_l, g_k = guide_for("leder"), guide_for("kontaktperson")
    if code not in g_l.items or code not in g_k.items or \
            g_l.item(code).choice_values() != g_k.item(code).choice_values():
        raise TableError(f"Leder- og kontaktpersonguiden spørger ikke ens om {code!r}; de kan ikke stilles side om side.")
    parts = []
    for informant in SIDES:
        frame = frames.get(informant)
        if frame is None:
            frame = pd.DataFrame(columns=["source_id", "respondent_id", "site", "site_type", code])
        t = by_site_type(frame, users, informant, code)
        t.insert(1, "informant", informant)
        parts.append(t)
    order = list(dict.fromkeys([*parts[0]["site_type"], *parts[1]["site_type"]]))
    order = [o for o in order if o != I_ALT] + [I_ALT]
    out = pd.concat(parts, ignore_index=True)
    key = [(order.index(st), SIDES.index(inf)) for st, inf in zip(out["site_type"], out["informant"])]
    out = out.iloc[sorted(range(len(out)), key=key.__getitem__)].reset_index(drop=True)
    out.attrs.update(parts[0].attrs, informant="leder+kontaktperson")
    return out


def row_of(t: pd.DataFrame) -> str:
    """The first column of a table of this module: ``site_type`` or the grouping's column."""
    return t.columns[0]


def row_label(rc: str, value: object) -> str:
    """A row's Danish label: the site type, user group, perspective or site; «I alt», «Uoplyst»."""
    if rc == "site":
        return "I alt" if value == I_ALT else "Uoplyst" if value == UOPLYST else str(value)
    return value_label(guide_for("bruger") if rc == "arbejdsmarkedsperspektiv" else None, rc, value)


def label(tid: str, value: object) -> str:
    """The Danish label of a value (a column) of table `tid`."""
    if tid in SIDE_BY_SIDE:
        return value_label(guide_for("leder"), SIDE_BY_SIDE[tid][0], value)
    informant, code, _ = SOURCE_ITEMS[tid]
    if code == "uroert":
        return {"ja": "Ikke rørt i et år+", "nej": "Rørt inden for et år"}.get(str(value), str(value))
    return value_label(guide_for(informant), code, value)


def heading(tid: str, column: str) -> str | None:
    """The Danish heading of a column of table `tid` (the Rapport page): «Stedtype», a value's label,
    «<label> (%)» for its share; None for a column it does not name (n)."""
    if column == "site_type":
        return "Stedtype"
    if column in ROW_HEADINGS:
        return ROW_HEADINGS[column]
    if column == "informant":
        return "Informant"
    for prefix, suffix in (("antal_", ""), ("andel_", " (%)")):
        if column.startswith(prefix):
            return label(tid, column[len(prefix):]) + suffix
    return None


def markdown_body(tid: str, t: pd.DataFrame) -> tuple[str, list[str]]:
    """(the Markdown table, the notes under it) with Danish labels."""
    if tid in SIDE_BY_SIDE:
        return _side_markdown(tid, t)
    informant, code, _ = SOURCE_ITEMS[tid]
    levels = t.attrs.get("kolonner") or [c[len("antal_"):] for c in t.columns if c.startswith("antal_")]

    rc = row_of(t)
    rows = [[row_label(rc, r[rc]), *[f"{int(r[f'antal_{v}'])} ({pct(r[f'andel_{v}'])})" for v in levels],
             int(r["n"])] for _, r in t.iterrows()]
    body = md_table([heading(tid, rc), *[label(tid, v) for v in levels], "n"], rows,
                    [False] + [True] * (len(levels) + 1))
    what = {"leder": "lederinterview", "journal": "journaler"}.get(informant, f"{informant}interview")
    if rc == "site_type":
        where = "Stedtype: " + ("stedets egen." if informant == "leder" else "stedet for den bruger, kilden handler om.")
    else:
        where = "Rækker: " + ("lederens eget sted." if informant == "leder" else
                              f"{heading(tid, rc).lower()} for den bruger, kilden handler om.")
    notes = [f"Antal {what} (procent af rækkens n); n = {what} med svar. {where}"]
    if t.attrs.get("flervalg"):
        notes.append("Flere svar pr. kilde: procenterne i en række kan summere til mere end 100 %.")
    if code == "uroert":
        notes.append(f"Ikke rørt: seneste notat {UNTOUCHED_DAYS} dage eller mere før journalen blev læst; "
                     "uden en af de to datoer tælles journalen ikke med.")
    return body, notes


def _side_markdown(tid: str, t: pd.DataFrame) -> tuple[str, list[str]]:
    levels = t.attrs.get("kolonner") or [c[len("antal_"):] for c in t.columns if c.startswith("antal_")]
    rows = [[row_label("site_type", r["site_type"]), SIDE_LABELS[r["informant"]],
             *[f"{int(r[f'antal_{v}'])} ({pct(r[f'andel_{v}'])})" for v in levels], int(r["n"])]
            for _, r in t.iterrows()]
    body = md_table(["Stedtype", "Informant", *[label(tid, v) for v in levels], "n"], rows,
                    [False, False] + [True] * (len(levels) + 1))
    return body, ["Antal interview (procent af rækkens n); n = interview med svar. Lederne efter deres eget steds "
                  "type; kontaktpersonerne efter stedet for den bruger, interviewet handler om (en kontaktperson "
                  "interviewet om flere brugere tæller én gang pr. interview)."]
