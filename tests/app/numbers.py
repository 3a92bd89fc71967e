"""What a page shows as a number, read from an AppTest run the way the browser will write it, and
every number there written with a decimal point («0.75», «12.5 %») — the UI is Danish: «0,75».

Only what is shown as a number is looked at:

* a table's float column: the text the browser writes. Streamlit writes a float itself (with a point)
  unless the table is a pandas Styler with display texts for it *and* the column has no
  ``format`` of its own (a NumberColumn's printf format wins over the Styler's text in the
  browser); a text column: its cells.
* the page's texts (a reference to the report's parts, «Tabel 3.1», «afsnit 4.2», is no number) (markdown, captions, messages, metrics).
* a plotly figure: its ``separators`` (plotly writes axis ticks and ``%{y}`` hovers with
  ``layout.separators``; its default is a point) and the texts in it.

A point between digits that is not a number written the English way is left alone: a version or a
date with dots («1.2.0», «15.02.2006»: the point is followed by more digits and a point), and a
Danish thousands separator («1.234»: exactly three digits after a point, not after a leading 0).
"""
from __future__ import annotations

import json
import math
import re

import pandas as pd
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

#: a number with a decimal point: «0.75», «-0.284», «12.5», «3.14159» (not «1.2.0», «15.02.2006», «1.234»)
POINT = re.compile(r"(?<![\w.,])[−-]?(?:0\.\d+|[1-9]\d*\.\d{1,2}|\d+\.\d{4,})(?![\d.])")


#: a reference to a table, figure or section of the report («Tabel 3.1», «afsnit 4.2»): a name, not a number
REFERENCE = re.compile(r"\b(?:Tabel|Figur|afsnit|kapitel|Bilag)\s+\d+(?:\.\d+)*", re.IGNORECASE)


def english(text: str) -> re.Match | None:
    """The first number in `text` written with a decimal point (references to the report's parts left out)."""
    return POINT.search(REFERENCE.sub("", text))


def _cells(values) -> list[str]:
    return [v for v in values if isinstance(v, str)]


def _formats(el) -> dict[str, str]:
    """column name -> the printf/number format the page gave it (column_config), if any."""
    try:
        cfg = json.loads(el.proto.columns) if el.proto.columns else {}
    except ValueError:
        return {}
    out = {}
    for name, c in cfg.items():
        fmt = ((c or {}).get("type_config") or {}).get("format")
        if fmt:
            out[name.removeprefix("col:")] = fmt
    return out


def display_texts(el) -> pd.DataFrame | None:
    """A Styler's display texts of a dataframe element (None: the table is no Styler)."""
    raw = el.proto.arrow_data.styler.display_values if el.proto.arrow_data.HasField("styler") else b""
    if not raw:
        return None
    shown = dataframe_util.convert_arrow_bytes_to_pandas_df(raw)
    shown.columns = el.value.columns
    return shown


def shown_frame(el) -> pd.DataFrame:
    """The table as the browser writes it: the Styler's display texts where it has them, else the values."""
    shown = display_texts(el)
    return el.value if shown is None else shown


def table_points(el) -> list[str]:
    """The numbers with a decimal point that a dataframe element shows."""
    value, shown, formats = el.value, display_texts(el), _formats(el)
    styled = shown is not None
    found = []
    for col in value.columns:
        where = f"tabel med «{value.columns[0]}», kolonne «{col}»"
        if pd.api.types.is_float_dtype(value[col]):
            nums = [x for x in value[col] if x is not None and not math.isnan(x)]
            fmt = formats.get(str(col))
            if fmt and fmt not in ("localized",) and any("." in (fmt % x if "%" in fmt else str(x)) for x in nums):
                found += [f"{where}: {fmt % x}" for x in nums[:3]]  # its own format: written with a point
            elif not styled and fmt is None and any(x != int(x) for x in nums):
                found += [f"{where}: {x}" for x in nums if x != int(x)][:3]  # Streamlit's own text: a point
            elif styled and fmt is None:
                found += [f"{where}: {c}" for c in _cells(shown[col]) if english(c)]
        else:
            found += [f"{where}: {c}" for c in _cells(shown[col] if styled else value[col]) if english(c)]
    return found


#: the keys of a plotly figure whose strings are shown (not colours, paths, ids)
SHOWN_KEYS = {"text", "hovertext", "hovertemplate", "texttemplate", "name", "ticktext", "customdata", "title"}


def _figure_strings(obj, shown: bool = False) -> list[str]:
    if isinstance(obj, str):
        return [obj] if shown else []
    if isinstance(obj, dict):
        if "bdata" in obj:  # a typed array (numbers)
            return []
        return [s for k, v in obj.items() if k not in ("meta", "template")
                for s in _figure_strings(v, shown or k in SHOWN_KEYS)]
    if isinstance(obj, list):
        return [s for v in obj for s in _figure_strings(v, shown)]
    return []


def figure_points(el) -> list[str]:
    spec = json.loads(el.proto.spec)
    name = (spec.get("layout", {}).get("meta") or {}).get("figure", "?")
    found = []
    if spec.get("layout", {}).get("separators") != ",.":
        found.append(f"figur {name}: layout.separators er {spec.get('layout', {}).get('separators')!r}, ikke ',.'")
    found += [f"figur {name}: {s}" for s in _figure_strings(spec) if english(s)]
    return found


def page_texts(at: AppTest) -> list[str]:
    out = [m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error]
    out += [w.value for w in at.warning] + [s.value for s in at.success] + [i.value for i in at.info]
    out += [h.value for h in at.subheader] + [h.value for h in at.header] + [t.value for t in at.get("text")]
    for m in at.metric:
        out += [str(m.value), str(m.delta or "")]
    return out


def point_numbers(at: AppTest) -> list[str]:
    """Every number the page shows written with a decimal point, with where it is."""
    found = [f"tekst: {english(t).group()} i «{t[:160]}»" for t in page_texts(at) if english(t)]
    for el in at.dataframe:
        found += table_points(el)
    for el in at.get("table"):
        found += [f"st.table: {c}" for c in el.value.astype(str).to_numpy().ravel() if english(c)]
    for el in at.get("plotly_chart"):
        found += figure_points(el)
    return found
