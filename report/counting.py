"""Vectorised counting on the wide frame: the primitives every report table is built from.

A *column* is one guide code as an object array (blank = None, NaN, pd.NA or ""); a *factor* is
(codes, levels) with -1 for blank; `grid` counts pairs of codes with ``numpy.bincount``; `share`
divides without warnings (NaN when the denominator is 0); `wilson` is the 95 % score interval.
Python loops never run over respondents.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

__all__ = ["column", "is_blank", "equals", "eq", "factor", "numbers", "grid", "share", "wilson"]


def column(df: pd.DataFrame, code: str) -> np.ndarray:
    """Column `code` as an object array (all None when the frame lacks the column).

    Object columns (the wide frame's) are used as they are; other dtypes (pandas ``str``,
    ``string``, numbers) are converted with their missing values as None.
    """
    if code not in df.columns:
        return np.full(len(df), None, dtype=object)
    s = df[code]
    if s.dtype == object:
        return s.to_numpy()
    return s.to_numpy(dtype=object, na_value=None)


def is_blank(v: object) -> bool:
    """None, pd.NA, NaN or "": not asked, never counted."""
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and v == "")


def equals(arr: np.ndarray, value: str) -> np.ndarray:
    """Boolean array arr == value, blanks never equal (also tolerates pd.NA in object arrays)."""
    try:
        return np.asarray(arr == value, dtype=bool)
    except TypeError:  # pd.NA has no truth value: compare the non-missing cells only
        out = np.zeros(arr.shape, dtype=bool)
        ok = ~pd.isna(arr)
        out[ok] = arr[ok] == value
        return out


def eq(df: pd.DataFrame, code: str, value: str) -> np.ndarray:
    """Boolean array: respondents whose `code` is exactly `value` (blank is never equal)."""
    return equals(column(df, code), value)


def factor(arr: np.ndarray, known: Sequence[object] = (), extra: bool = True) -> tuple[np.ndarray, list[object]]:
    """(codes, levels): `known` values first, then (if `extra`) other non-blank values seen,
    sorted; codes index `levels`, -1 = blank (None, NaN, "") or, without `extra`, unknown.

    Uses one hash pass (`pandas.factorize`) and a lookup over the few distinct values.
    """
    codes, uniq = pd.factorize(arr, use_na_sentinel=True)
    levels = list(known)
    pos = {v: i for i, v in enumerate(levels)}
    if extra:
        for u in sorted((u for u in uniq if not is_blank(u) and u not in pos), key=str):
            pos[u] = len(levels)
            levels.append(u)
    lut = np.array([pos.get(u, -1) if not is_blank(u) else -1 for u in uniq] + [-1], dtype=np.int64)
    return lut[codes], levels


def numbers(arr: np.ndarray) -> np.ndarray:
    """Numeric value of each cell (NaN for blank or non-numeric), converting distinct values only."""
    codes, uniq = pd.factorize(arr, use_na_sentinel=True)
    vals = pd.to_numeric(pd.Series(list(uniq), dtype=object), errors="coerce").to_numpy(dtype=float)
    return np.append(vals, np.nan)[codes]


def grid(r: np.ndarray, n_r: int, c: np.ndarray, n_c: int) -> np.ndarray:
    """Counts of (row code, column code) pairs as an n_r × n_c array; -1 codes are skipped."""
    ok = (r >= 0) & (c >= 0)
    flat = np.bincount(r[ok] * n_c + c[ok], minlength=n_r * n_c)
    return flat.reshape(n_r, n_c).astype(np.int64)


def share(k: np.ndarray | pd.Series, n: np.ndarray | pd.Series) -> np.ndarray:
    """k / n as floats, NaN where n == 0 (no division error, no warning)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    out = np.full(np.broadcast(k, n).shape, np.nan)
    np.divide(k, n, out=out, where=n > 0)
    return out


def wilson(k: float | np.ndarray, n: float | np.ndarray, z: float = 1.96
           ) -> tuple[float | np.ndarray, float | np.ndarray]:
    """Wilson score interval (low, high) for k successes out of n; z = 1.96 gives 95 %.

    Works on scalars and numpy arrays; n = 0 gives (nan, nan).
    """
    k_a, n_a = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k_a / n_a
        denom = 1 + z * z / n_a
        centre = (p + z * z / (2 * n_a)) / denom
        half = z * np.sqrt(p * (1 - p) / n_a + z * z / (4 * n_a * n_a)) / denom
    lo = np.where(n_a > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
    hi = np.where(n_a > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    if lo.ndim == 0:
        return float(lo), float(hi)
    return lo, hi
