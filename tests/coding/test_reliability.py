"""Issue 15: `coding.reliability` (Gwet's AC1, Fleiss' kappa, Krippendorff's alpha with 95 %
intervals for any number of coders) against irrCAC 0.4.4, the maintained implementation of Gwet's
formulas, run outside the project (it pins scipy==1.12.0; see the module's docstring):

    python -m venv /tmp/irr && /tmp/irr/bin/pip install irrcac==0.4.4
    CAC(pd.DataFrame(ROWS, columns=[...])).gwet() / .fleiss() / .krippendorff()

irrCAC rounds to 5 decimals; so does the comparison."""
import math

import numpy as np
import pytest

from coding import reliability as R

# 8 units, 3 coders, missing ratings (unit 7: one rating, no pair)
SMALL = [["1", "1", "1"], ["1", "0", "1"], ["0", "0", "0"], ["1", "1", None], [None, "1", "1"], ["0", "0", "0"],
         ["1", None, None], ["0", "1", "0"]]
SMALL_IRRCAC = {"gwet_ac1": (0.64146, 0.04826, 1.0, 0.25086), "fleiss_kappa": (0.59365, -0.07404, 1.0, 0.28237),
                "krippendorff_alpha": (0.6, -0.04463, 1.0, 0.26345)}
# 30 units, 4 coders, 4 categories, about 15 % missing (drawn once with random.seed(15))
LARGE = [[None, "etniske", "etniske", "etniske"], ["unge", "unge", "unge", "unge"], ["aeldre", "etniske", "etniske", "etniske"], ["unge", "dovne", "dovne", "unge"], ["dovne", "dovne", None, None], ["unge", "aeldre", "unge", None], ["unge", "unge", "unge", "unge"], ["aeldre", "dovne", "aeldre", "etniske"], ["aeldre", None, None, "aeldre"], ["aeldre", "aeldre", None, None], ["aeldre", "unge", "unge", "aeldre"], [None, "aeldre", "aeldre", None], ["etniske", "etniske", "etniske", None], ["unge", None, "dovne", "aeldre"], ["unge", None, "aeldre", "unge"], [None, "aeldre", "dovne", "dovne"], ["unge", "unge", None, "unge"], ["etniske", "etniske", "etniske", "etniske"], [None, "dovne", "etniske", None], ["unge", "etniske", "unge", "dovne"], ["unge", "unge", "unge", "unge"], ["aeldre", None, "aeldre", "aeldre"], ["dovne", "dovne", "dovne", "dovne"], ["unge", "unge", "unge", "etniske"], ["unge", "unge", "unge", "aeldre"], ["dovne", "aeldre", "unge", "dovne"], ["etniske", "etniske", "etniske", None], ["aeldre", "dovne", "dovne", "dovne"], ["aeldre", "aeldre", "aeldre", "aeldre"], ["etniske", "etniske", "unge", "etniske"]]
LARGE_IRRCAC = {"gwet_ac1": (0.54234, 0.35756, 0.72713, 0.09035),
                "fleiss_kappa": (0.53586, 0.34995, 0.72177, 0.0909),
                "krippendorff_alpha": (0.51749, 0.33397, 0.701, 0.08973)}


@pytest.mark.parametrize("rows, expected", [(SMALL, SMALL_IRRCAC), (LARGE, LARGE_IRRCAC)])
def test_the_same_numbers_as_irrcac(rows, expected):
    m, cats = R.counts(rows)
    assert m.shape == (len(rows), len(cats))
    for name, (value, low, high, se) in expected.items():
        e = getattr(R, name)(m)
        assert (round(e.value, 5), round(e.low, 5), round(e.high, 5), round(e.se, 5)) == (value, low, high, se), name


def test_undefined_and_perfect_cases():
    one_cat, _ = R.counts([["1", "1"], ["1", "1"]])
    assert R.gwet_ac1(one_cat) is None and R.fleiss_kappa(one_cat) is None and R.krippendorff_alpha(one_cat) is None
    no_pairs, _ = R.counts([["1", None], [None, "0"]])
    assert R.gwet_ac1(no_pairs) is None and R.krippendorff_alpha(no_pairs) is None
    perfect, _ = R.counts([["1", "1"], ["0", "0"], ["1", "1"]])
    e = R.gwet_ac1(perfect)
    assert e.value == 1.0 and e.low == e.high == 1.0 and e.se == 0.0
    single, _ = R.counts([["1", "0"], [None, None]])  # one unit rated twice: no interval
    e = R.fleiss_kappa(single)
    assert math.isnan(e.low) and math.isnan(e.se)
    assert R.counts([[None, None]])[0].shape == (0, 0) and isinstance(single, np.ndarray)
