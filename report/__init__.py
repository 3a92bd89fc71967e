"""The report layer: statistics on the users' and the other sources' data (not file formats).

Where things are:

* `report.data` — the one loader: wide frame, population, de-identified data, quotes, sources.
* `report.population` — the effective user group and the population filter.
* `report.tables` — the tables of chapters 3, 4 and 7 (and their CSV and Markdown).
* `report.quality_map` — the quality map (kvalitetskort): udbytte, vigtighed, gap, intervals.
* `report.crosstab` — any two coded variables.
* `report.triangulation` — Bilag C, interviews per site, plans (6.3), agreement (7.4).
* `report.registry` — every table by id, its title, computing and rendering it.
* `report.publication` — which n, small-cell suppression (one boundary), Danish labels and percent,
  the population line.
* `report.figures` — the figures and the quality map drawn with Plotly, and their images.
* `report.counting`, `report.errors` — the counting primitives and the one error.

The file formats that take these numbers (workbook, SPSS, REFI-QDA) are in `exports`.
"""
