"""Published, a crosstab gives no hidden user group away through the variables the group is derived from,
nor through its note (a hostile review of a24515c).

* ``arketype`` decides the group (`archetypes.rule.effective_group`: the researcher's group, else the rule on
  the archetype and age). Population «perspektiv reelt», min_n 5: Tabel 3.2 hides Andet (<5) and De etniske
  (to protect it), but `crosstab arketype gender --publish` showed «Den etniske» (1 kvinde, 6 mænd, n 7) —
  De etniske whole — so Andet = Tabel 3.2's «I alt» − the shown groups − De etniske (1 kvinde, 2 mænd), and
  with `crosstab arketype rytme` its answers too.
* The note «Uden brugergruppe: 6, i rækken «Uoplyst»» gave the n of «Uoplyst» when the row was hidden to
  protect a small group: «I alt» − the shown rows − 6 = the small group's exact n.
"""
from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from archetypes.model import GROUP_ORDER
from report import registry
from report.crosstab import render_crosstab
from report.errors import TableError
from report.population import Cuts, group_codes


def _rows(text: str) -> dict[str, dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    key = next(iter(rows[0]))
    return {r[key]: r for r in rows}


@pytest.mark.parametrize("a, b", [("arketype", "gender"), ("arketype", "rytme"), ("gender", "arketype")])
def test_arketype_is_not_published_while_tabel_3_2_hides_groups(demo_study, a, b):
    g, wide = demo_study["guide"], demo_study["wide"]
    cuts = Cuts(perspektiv="reelt")
    t32 = _rows(registry.render("3.2", wide, g, "csv", cuts=cuts, publish=True))
    assert t32["etniske"]["i_alt"] == "–" and t32["andet"]["i_alt"] == "<5"
    with pytest.raises(TableError, match="kan arketype ikke krydstabuleres.*Brug brugergruppe som rækker"):
        render_crosstab(wide, g, a, b, fmt="csv", cuts=cuts, publish=True)
    # nothing hidden (the whole demo study at min_n 5): published as before; the working edition unchanged
    assert "Den etniske" in render_crosstab(wide, g, a, b, publish=True)
    assert "Den etniske" in render_crosstab(wide, g, a, b, cuts=cuts)


def test_the_note_gives_no_n_of_a_hidden_uoplyst_row(demo_study):
    g, wide = demo_study["guide"], demo_study["wide"]
    groups = np.array(list(GROUP_ORDER) + [None], dtype=object)[group_codes(wide)]
    old = np.flatnonzero(groups == "aeldre_misbrugere")
    w = wide.drop(wide.index[old[3:]])                     # De ældre misbrugere: 3 (small, the last group)
    extra = w.iloc[:6].copy()                              # 6 with no group: «Uoplyst» protects them
    extra["respondent_id"] = [f"ZZZ-0{i}" for i in range(6)]
    extra["arketype"] = None
    extra["brugergruppe"] = None
    w = pd.concat([w, extra], ignore_index=True)
    t32 = _rows(registry.render("3.2", w, g, "csv", publish=True))
    assert t32["aeldre_misbrugere"]["i_alt"] == "<5" and t32["uoplyst"]["i_alt"] == "–"
    md = render_crosstab(w, g, "brugergruppe", "gender", publish=True)
    xt = _rows(render_crosstab(w, g, "brugergruppe", "gender", fmt="csv", publish=True))
    assert xt["uoplyst"]["n"] == "–"
    assert "Uden brugergruppe: 6" not in md and "6, i rækken" not in md
    assert "«Uoplyst»" in md
    # the working edition still says how many
    assert "brugergruppe: 6 tomme" in render_crosstab(w, g, "brugergruppe", "gender")
