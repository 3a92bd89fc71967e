"""Where a quality map's point labels go (issue 14, «Quality maps a reader can read»): one rule for the
Rapport page's Plotly maps (`report.figures`) and the workbook's native charts (`exports.workbook`).

Geometry only, in pixels: no drawing library is imported here, so the workbook places its labels without
loading Plotly. `place_labels` picks, for each label, one of the plain positions next to its point (or, for
Plotly, a leader line when all are crowded) so that labels overlap each other, the markers and the error
bars as little as it can find; `shared_labels` gives points on the same spot one label.
"""
from __future__ import annotations

import math
from typing import Callable, Iterable, Sequence

__all__ = ["AXIS_HI", "AXIS_LO", "CHART_POSITIONS", "interval_segments", "place_labels", "shared_labels",
           "text_width"]

AXIS_LO, AXIS_HI = -4.0, 104.0   # a little room so points at 0 % / 100 % are not cut

# Plotly text positions, in order of preference, with the label box they give relative to the
# point (in pixels, y up): (dx0, dy0) is the box's lower-left corner as a function of the label
# width w, height h and the gap r (marker radius + padding).
_POSITIONS: tuple[tuple[str, Callable[[float, float, float], tuple[float, float]]], ...] = (
    ("middle right", lambda w, h, r: (r, -h / 2)),
    ("top center", lambda w, h, r: (-w / 2, r * 0.6)),
    ("bottom center", lambda w, h, r: (-w / 2, -r * 0.6 - h)),
    ("middle left", lambda w, h, r: (-r - w, -h / 2)),
    ("top right", lambda w, h, r: (r * 0.5, r * 0.3)),
    ("bottom right", lambda w, h, r: (r * 0.5, -r * 0.3 - h)),
    ("top left", lambda w, h, r: (-r * 0.5 - w, r * 0.3)),
    ("bottom left", lambda w, h, r: (-r * 0.5 - w, -r * 0.3 - h)),
)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Overlap area of boxes (x0, y0, x1, y1)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def text_width(text: str, size: float) -> float:
    """Rough pixel width of `text` in DejaVu Sans (the font Chromium has on Debian)."""
    wide = sum(1 for ch in text if ch.isupper() or ch in "mwMW%")
    narrow = sum(1 for ch in text if ch in "il.,:;|()/ ")
    return size * (0.62 * (len(text) - wide - narrow) + 0.78 * wide + 0.36 * narrow)


#: offsets tried for a label with a leader line, when no plain position is free: 12 directions at
#: two distances (pixels between the label's edge and the point).
_LEADER_ANGLES = tuple(math.radians(a) for a in range(0, 360, 30))
_LEADER_GAPS = (20.0, 40.0)
_LEADER_COST = 600.0  # px² of overlap a leader line is worth avoiding

#: the positions a spreadsheet chart's data label can take (xlsxwriter's names), the first four of `_POSITIONS`
CHART_POSITIONS = {"middle right": "right", "top center": "above", "bottom center": "below", "middle left": "left"}
assert [name for name, _ in _POSITIONS[:len(CHART_POSITIONS)]] == list(CHART_POSITIONS)  # `place_labels(chart=True)`


def place_labels(xs: Sequence[float], ys: Sequence[float], texts: Sequence[str], *, px_x: float, px_y: float,
                 size: float, marker: float, lo: float = AXIS_LO, hi: float = AXIS_HI,
                 x_range: tuple[float, float] | None = None,
                 obstacles: Iterable[tuple[float, float, float, float]] = (),
                 segments: Iterable[tuple[float, float, float, float]] = (),
                 chart: bool = False) -> list[str | tuple[float, float]]:
    """Where to put each point's label so that labels overlap each other and the markers little.

    Returns per point either a plotly ``textposition`` (str: the label sits next to its point) or
    ``(dx, dy)``: the label's centre in pixels from the point (y up), to be drawn as an annotation
    with a thin leader line — used only when every plain position is crowded.

    Works in pixels (`px_x`, `px_y` = pixels per data unit). Greedy start (every label to the
    right), then up to four rounds in which each label takes the candidate with the least cost
    given the others: overlap with other labels, with markers and a halo around them (a label
    close to another point reads as that point's), leaving the plot area, covering `obstacles`
    (data-unit boxes such as the "Vigtigt, men ikke leveret" note) or `segments` (data-unit boxes
    of error bars), plus a small preference for the earlier positions and `_LEADER_COST` for a
    leader line.

    `chart`: only the four positions a spreadsheet chart's label can take (`CHART_POSITIONS`: right,
    above, below, left) and no leader lines.
    """
    pts = [(float(x) * px_x, float(y) * px_y) for x, y in zip(xs, ys)]
    k = len(pts)
    if k == 0:
        return []
    h = size * 1.25
    widths = [text_width(t, size) + 2 for t in texts]
    r = marker / 2 + 3
    x_lo, x_hi = x_range if x_range is not None else (lo, hi)  # another x axis (derived importance: −1…1)
    area = (x_lo * px_x, lo * px_y, x_hi * px_x, hi * px_y)
    marks = [(x - marker / 2 - 1, y - marker / 2 - 1, x + marker / 2 + 1, y + marker / 2 + 1) for x, y in pts]
    halo = marker / 2 + size * 1.0  # a label this close to another point reads as that point's label
    halos = [(x - halo, y - halo, x + halo, y + halo) for x, y in pts]
    obs = [(a * px_x, b * px_y, c * px_x, d * px_y) for a, b, c, d in obstacles]
    segs = [(a * px_x, b * px_y, c * px_x, d * px_y) for a, b, c, d in segments]
    n_plain = len(_POSITIONS)
    same = [[abs(a[0] - b[0]) < 1 and abs(a[1] - b[1]) < 1 for b in pts] for a in pts]
    leaders = [(ang, gap) for gap in _LEADER_GAPS for ang in _LEADER_ANGLES]

    def centre(i: int, p: int) -> tuple[float, float]:
        """Offset of the label's centre from its point for candidate p (plain or leader)."""
        w = widths[i]
        if p < n_plain:
            dx, dy = _POSITIONS[p][1](w, h, r)
            return dx + w / 2, dy + h / 2
        ang, gap = leaders[p - n_plain]
        return math.cos(ang) * (w / 2 + gap), math.sin(ang) * (h / 2 + gap)

    boxes: dict[tuple[int, int], tuple[float, float, float, float]] = {}

    def box(i: int, p: int) -> tuple[float, float, float, float]:
        b = boxes.get((i, p))
        if b is None:
            cx, cy = centre(i, p)
            x, y = pts[i][0] + cx, pts[i][1] + cy
            b = boxes[(i, p)] = (x - widths[i] / 2, y - h / 2, x + widths[i] / 2, y + h / 2)
        return b

    def cost(i: int, p: int, choice: list[int]) -> float:
        b = box(i, p)
        c = 0.4 * p * h if p < n_plain else _LEADER_COST + 2.0 * leaders[p - n_plain][1]
        inside = _overlap(b, area)
        c += 30.0 * ((b[2] - b[0]) * (b[3] - b[1]) - inside)
        for j in range(k):
            if j != i:
                c += 12.0 * _overlap(b, box(j, choice[j]))
                if not same[i][j]:  # a point drawn on top of this one is no extra obstacle
                    c += 6.0 * _overlap(b, marks[j]) + 2.0 * _overlap(b, halos[j])
        if p >= n_plain:
            c += 6.0 * _overlap(b, marks[i])
        c += 4.0 * sum(_overlap(b, o) for o in obs)
        c += 4.0 * sum(_overlap(b, s) for s in segs)
        return c

    choice = [0] * k
    # crowded points first: those with most neighbours within two label heights
    crowd = [sum(1 for j in range(k) if j != i and abs(pts[i][0] - pts[j][0]) < 3 * h
                 and abs(pts[i][1] - pts[j][1]) < 2 * h) for i in range(k)]
    order = sorted(range(k), key=lambda i: -crowd[i])
    candidates = range(len(CHART_POSITIONS)) if chart else range(n_plain + len(leaders))
    for _ in range(4):
        changed = False
        for i in order:
            best = min(candidates, key=lambda p: cost(i, p, choice))
            if best != choice[i]:
                choice[i], changed = best, True
        if not changed:
            break
    return [_POSITIONS[p][0] if p < n_plain else centre(i, p) for i, p in enumerate(choice)]


def shared_labels(xs: Sequence[float], ys: Sequence[float], texts: Sequence[str]) -> list[str]:
    """Points at exactly the same place share one label: the first of them carries all their texts
    («Arbejdsmarked (n=7), Kontakt (n=7)»), the others get "" (no label drawn over it)."""
    at: dict[tuple[float, float], list[int]] = {}
    for i, (x, y) in enumerate(zip(xs, ys)):
        at.setdefault((round(float(x), 6), round(float(y), 6)), []).append(i)
    out = [""] * len(texts)
    for idx in at.values():
        out[idx[0]] = ", ".join(texts[i] for i in idx)
    return out


def interval_segments(pts, derived: bool) -> list[tuple[float, float, float, float]]:
    """The boxes (data units: percent, or the correlation on x when `derived`) of a map's 95 % error bars,
    which labels keep off: per point a thin horizontal bar (x's interval; none when derived without one) and a
    thin vertical bar (udbytte's interval). `pts`: `report.quality_map.kvalitetskort_points`' rows drawn."""
    segs = []
    for r in pts.itertuples():
        if derived:
            if math.isfinite(r.afledt_lav):
                segs.append((r.afledt_lav, r.udbytte * 100 - 0.3, r.afledt_hoej, r.udbytte * 100 + 0.3))
            segs.append((r.afledt - 0.006, r.udbytte_lav * 100, r.afledt + 0.006, r.udbytte_hoej * 100))
        else:
            segs.append((r.vigtighed_lav * 100, r.udbytte * 100 - 0.3, r.vigtighed_hoej * 100, r.udbytte * 100 + 0.3))
            segs.append((r.vigtighed * 100 - 0.3, r.udbytte_lav * 100, r.vigtighed * 100 + 0.3, r.udbytte_hoej * 100))
    return segs
