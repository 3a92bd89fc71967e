"""Word frequency (issue 15): the words the respondents use most, on Danish lemmas without stop
words, overall, by a coded attribute of the respondents (user group, site type, any variable
`report.crosstab` can cross) or within one code.

    brugerblik ordfrekvens [--efter ATTRIBUT] [--kode KODE] [--top 20] [--format md|csv] [--figur FIL]

The rule (docs/method.md, «Ordfrekvens»)
----------------------------------------
* Texts: what the population's respondents said — their turns in the transcripts (speaker
  ``B`` or unmarked) and their quotes; with ``--kode`` only the segments and quotes coded with
  the code or a code below it (`coding.service.respondent_texts`). Every span the study's
  anonymiser masks (names, CPR, phone, e-mail, addresses, places) is cut out first, so no name is
  ever counted.
* Words: spaCy's Danish tokenizer and the project's lookup lemmatizer (`coding.nlp`); a token
  counts when it is alphabetic, at least two letters, and neither it nor its lemma is one of
  spaCy's Danish stop words. The count is of lemmas ("hverdagen", "hverdage" → hverdag).
* ``antal``: occurrences; ``respondenter``: how many respondents used the lemma. Ranked by
  occurrences, then respondents, then alphabetically. With ``--efter``, each value of the
  attribute gets its own ranking (a multiple-choice attribute counts a respondent under every
  value they hold), plus «I alt».
"""
from __future__ import annotations

from collections import Counter, defaultdict
from typing import Sequence

import pandas as pd

from report.crosstab import check_variable, members
from report.errors import TableError
from report.population import Cuts
from report.publication import I_ALT, figure_text, md_table, population_line, value_label
from report.tables import analysis_population, to_csv
from survey.guide import Guide

__all__ = ["word_frequency", "render_word_frequency", "figure_word_frequency", "lemma_counts"]

COLUMNS = ["gruppe", "rang", "lemma", "antal", "respondenter"]
TOP_MAX = 500


def lemma_counts(texts: Sequence[tuple[str, str]]) -> dict[str, Counter]:
    """respondent id -> Counter of lemmas in their texts (the word rule of the module doc:
    `coding.nlp.content_lemmas`)."""
    from coding.nlp import content_lemmas, lemma_pipeline  # only word frequency needs spaCy here (start-up time)

    nlp = lemma_pipeline()
    out: dict[str, Counter] = defaultdict(Counter)
    for (rid, _), doc in zip(texts, nlp.pipe((t for _, t in texts), batch_size=256)):
        out[rid].update(content_lemmas(doc))
    return out


def _ranking(counts: Sequence[Counter], top: int) -> list[tuple[str, int, int]]:
    total: Counter = Counter()
    people: Counter = Counter()
    for c in counts:
        total.update(c)
        people.update(c.keys())
    ranked = sorted(total, key=lambda w: (-total[w], -people[w], w))[:top]
    return [(w, total[w], people[w]) for w in ranked]


def word_frequency(texts: Sequence[tuple[str, str]], pop: pd.DataFrame, guide: Guide, *, by: str | None = None,
                   top: int = 20, counts: dict[str, Counter] | None = None) -> pd.DataFrame:
    """The ranking(s) (see the module doc): ``gruppe, rang, lemma, antal, respondenter``; ``gruppe``
    is the attribute's value, or ``i_alt``. `counts`: `lemma_counts` already computed."""
    if not isinstance(top, int) or not 1 <= top <= TOP_MAX:
        raise TableError(f"Antal ord skal være et helt tal fra 1 til {TOP_MAX} (fik {top!r}).")
    at = {str(r): i for i, r in enumerate(pop["respondent_id"])} if "respondent_id" in pop.columns else {}
    inside = [(rid, t) for rid, t in texts if rid in at]
    counts = counts if counts is not None else lemma_counts(inside)
    counts = {rid: c for rid, c in counts.items() if rid in at}
    groups: list[tuple[object, list[str]]] = []
    if by:
        by = check_variable(guide, by)
        m, levels, _answered = members(pop, guide, by)
        for j, v in enumerate(levels):
            groups.append((v, [rid for rid in counts if m[at[rid], j]]))
    groups.append((I_ALT, list(counts)))
    rows = []
    for v, rids in groups:
        for rank, (w, n, people) in enumerate(_ranking([counts[r] for r in rids], top), start=1):
            rows.append([v, rank, w, n, people])
    out = pd.DataFrame(rows, columns=COLUMNS)
    out.attrs.update(efter=by, grupper=[v for v, _ in groups], respondenter=len(counts),
                     tekster=len(inside), top=top)
    return out


def render_word_frequency(texts: Sequence[tuple[str, str]], wide: pd.DataFrame, guide: Guide, fmt: str = "md", *,
                          by: str | None = None, top: int = 20, code_name: str = "", group: str | None = None,
                          site_type: str | None = None, cuts: Cuts | None = None) -> str:
    """`word_frequency` on the population as CSV or Markdown (one ranking per group side by side)."""
    pop, cuts = analysis_population(fmt, wide, group, site_type, cuts)
    t = word_frequency(texts, pop, guide, by=by, top=top)
    if fmt == "csv":
        return to_csv(t)
    what = f" i «{code_name}»" if code_name else ""
    lines = [f"## Ordfrekvens{what}: de {top} hyppigste ord (lemmaer)", "",
             population_line(guide, group or None, site_type or None, len(pop), cuts=cuts.words()), ""]
    if t.empty:
        lines.append("Ingen ord at tælle: respondenterne i populationen har ingen transskriptioner eller citater"
                     + (" med koden." if code_name else "."))
        return "\n".join(lines) + "\n"
    groups = t.attrs["grupper"]
    heads = ["Nr.", *[value_label(guide, by, v) if by else "I alt" for v in groups]]
    body = []
    for rank in range(1, int(t["rang"].max()) + 1):
        row = [rank]
        for v in groups:
            hit = t[(t["gruppe"] == v) & (t["rang"] == rank)]
            row.append(f"{hit.iloc[0]['lemma']} ({hit.iloc[0]['antal']})" if len(hit) else "")
        body.append(row)
    lines += [md_table(heads, body, [True] + [False] * len(groups)), "",
              f"Hver celle: lemma (antal forekomster). Tekster: {t.attrs['tekster']} respondentreplikker og citater "
              f"fra {t.attrs['respondenter']} respondenter; navne, CPR-numre, telefonnumre, adresser og steder er "
              "fjernet før optællingen, stopord (spaCys danske liste) tælles ikke."]
    return "\n".join(lines) + "\n"


def figure_word_frequency(t: pd.DataFrame, group: object = I_ALT, title: str = ""):
    """A horizontal bar chart of one ranking (Plotly), the most frequent word at the top."""
    import plotly.graph_objects as go  # only the figure needs Plotly (start-up time)

    part = t[t["gruppe"] == group].sort_values("rang", ascending=False)
    fig = go.Figure(go.Bar(x=part["antal"], y=[figure_text(w) for w in part["lemma"]], orientation="h",
                           marker_color="#1f4e79",
                           customdata=part["respondenter"],
                           hovertemplate="%{y}: %{x} gange hos %{customdata} respondenter<extra></extra>"))
    fig.update_layout(title=figure_text(title or "Hyppigste ord (lemmaer)"), xaxis_title="Forekomster",
                      separators=",.",  # Danish decimal comma on the axis (ticks of few counts: 0,5 …)
                      height=max(320, 60 + 22 * len(part)), margin=dict(l=120, t=60),
                      meta={"figure": "ordfrekvens", "gruppe": str(group), "ord": list(part["lemma"])[::-1]})
    return fig
