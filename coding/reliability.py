"""Agreement coefficients for any number of coders, with 95 % confidence intervals (issue 15):
Gwet's AC1, Fleiss' kappa and Krippendorff's alpha, nominal categories, missing ratings allowed.

The formulas are Gwet's (K. L. Gwet, *Handbook of Inter-Rater Reliability*, 4th ed. 2014,
chapters 2–5; AC1: Gwet 2008, Br J Math Stat Psychol 61: 29–48): for n units and q categories
with r_ik = the coders who put unit i in category k and r_i = Σ_k r_ik, over the units that at
least two coders rated —

* observed agreement p_a = mean over units of Σ_k r_ik (r_ik − 1) / (r_i (r_i − 1));
* chance agreement: π_k = mean over all units of r_ik / r_i;
  AC1: p_e = Σ_k π_k (1 − π_k) / (q − 1); Fleiss: p_e = Σ_k π_k²;
  Krippendorff: p_a and π_k on the rating level (r̄ = mean r_i, ε = 1 / Σ r_i:
  p_a = (1 − ε) p_a′ + ε, p_a′ = mean Σ_k r_ik (r_ik − 1) / (r̄ (r_i − 1)));
* coefficient = (p_a − p_e) / (1 − p_e);
* variance from the units' linearised contributions, v = 1 / (n (n − 1)) Σ (c_i* − c)², and the
  interval c ± t(0.975, n − 1) √v, the upper end clipped at 1.

Why our own code and not a package: the maintained implementation of these formulas, irrCAC
(0.4.4, the one this module is checked against in tests/coding/test_reliability.py), pins
``scipy==1.12.0`` and ``coverage<7``; installing it moves NumPy back to 1.26, and then pyarrow —
which Streamlit's tables need — refuses to load (seen: every st.dataframe failed). The
`krippendorff` package (used for the two-coder alpha) gives no interval and scikit-learn has no
AC1. The functions here are plain NumPy and scipy.stats (both already installed).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

__all__ = ["Estimate", "counts", "gwet_ac1", "fleiss_kappa", "krippendorff_alpha", "CONFIDENCE"]

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    se: float
    pa: float
    pe: float


def counts(ratings: Sequence[Sequence[Optional[str]]]) -> tuple[np.ndarray, list[str]]:
    """The units × categories matrix r_ik of a units × coders table (None: not rated) and the
    categories (sorted); units nobody rated are dropped."""
    cats = sorted({v for row in ratings for v in row if v is not None})
    at = {c: j for j, c in enumerate(cats)}
    m = np.zeros((len(ratings), len(cats)))
    for i, row in enumerate(ratings):
        for v in row:
            if v is not None:
                m[i, at[v]] += 1
    return m[m.sum(axis=1) > 0], cats


def _interval(value: float, var: float, n: int, pa: float, pe: float) -> Estimate:
    """The estimate with its t interval (n − 1 degrees of freedom) from the variance `var`."""
    from scipy import stats  # only when an interval is computed (start-up time)

    se = math.sqrt(var) if n > 1 and var == var else math.nan
    if se == 0.0:
        low = high = value
    elif math.isnan(se):
        low = high = math.nan
    else:
        low, high = stats.t.interval(CONFIDENCE, df=n - 1, loc=value, scale=se)
    return Estimate(value, float(low), float(min(1.0, high)), se, pa, pe)


def _variance(contributions: np.ndarray, centre: float, n: int) -> float:
    return float(np.sum((contributions - centre) ** 2)) / (n * (n - 1)) if n > 1 else math.nan


def _pairs(m: np.ndarray) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    ri = m.sum(axis=1)
    two = ri >= 2
    den = ri * (ri - 1)
    pa_i = np.where(two, (m * (m - 1)).sum(axis=1) / np.where(two, den, 1), 0.0)
    return ri, two, int(two.sum()), pa_i


def _chance_corrected(m: np.ndarray, pe_of, pe_i_of) -> Optional[Estimate]:
    n, q = m.shape
    ri, two, n2, pa_i = _pairs(m)
    if n2 == 0 or q < 2:
        return None
    pa = float(pa_i[two].sum() / n2)
    pi = (m / ri[:, None]).mean(axis=0)
    pe = pe_of(pi, q)
    if pe >= 1:
        return None
    value = (pa - pe) / (1 - pe)
    c_i = (n / n2) * (pa_i - pe * two) / (1 - pe)
    pe_i = pe_i_of(m, ri, pi, q)
    c_i = c_i - 2 * (1 - value) * (pe_i - pe) / (1 - pe)
    return _interval(value, _variance(c_i, value, n), n, pa, pe)


def gwet_ac1(m: np.ndarray) -> Optional[Estimate]:
    """Gwet's AC1 of the counts `m` (units × categories); None when undefined (one category,
    no unit rated twice)."""
    return _chance_corrected(m, lambda pi, q: float(np.sum(pi * (1 - pi)) / (q - 1)),
                             lambda m, ri, pi, q: (m @ (1 - pi)) / ri / (q - 1))


def fleiss_kappa(m: np.ndarray) -> Optional[Estimate]:
    """Fleiss' kappa of the counts `m`; None when undefined."""
    return _chance_corrected(m, lambda pi, q: float(np.sum(pi * pi)), lambda m, ri, pi, q: (m @ pi) / ri)


def krippendorff_alpha(m: np.ndarray) -> Optional[Estimate]:
    """Krippendorff's alpha (nominal) of the counts `m`, over the units rated at least twice;
    None when undefined."""
    m = m[m.sum(axis=1) >= 2]
    n, q = m.shape
    if n == 0 or q < 2:
        return None
    ri = m.sum(axis=1)
    rbar = float(ri.mean())
    eps = 1 / float(ri.sum())
    sum_q = (m * (m - 1)).sum(axis=1)
    pa_prime = float(np.sum(sum_q / (rbar * (ri - 1))) / n)
    pa = (1 - eps) * pa_prime + eps
    pi = (m / rbar).mean(axis=0)
    pe = float(np.sum(pi * pi))
    if pe >= 1:
        return None
    value = (pa - pe) / (1 - pe)
    prime = (pa_prime - pe) / (1 - pe)
    pa_i = sum_q / (rbar * (ri - 1)) - pa * (ri - rbar) / rbar
    c_i = (pa_i - pe) / (1 - pe)
    pe_i = (m @ pi) / rbar - pe * (ri - rbar) / rbar
    c_i = c_i - 2 * (1 - prime) * (pe_i - pe) / (1 - pe)
    # the variance is taken around alpha' (the coefficient without the small-sample ε), the
    # interval around alpha (Gwet 2014, chapter 5)
    return _interval(value, _variance(c_i, prime, n), n, pa, pe)
