"""Streamlit's own English, made Danish in the browser (issue 10.9).

Everything Brugerblik writes is Danish, but Streamlit's frontend has English built in and no
setting for another language: the skip link ("Skip to main content"), widget placeholders
("Choose an option", "No results"), aria-labels read aloud by screen readers ("Open", "Help for
…", "Link to heading"), the date picker (its help text, month and day names), the file uploader's
button and errors, the "Running…" status, the data table's and plotly's toolbars.

What this does, in this order of preference:

* **Not shown at all** — the project's `.streamlit/config.toml` sets ``client.toolbarMode =
  "minimal"`` (no developer menu: Rerun, Clear cache, Record screen, Deploy, "Made with
  Streamlit"), and the CSS below hides the uploader's English size/type line ("200MB per file •
  …"); each upload field says in Danish what it takes (`ui.uploads`).
* **Rewritten in the page** — a small script (`JS`) with a fixed dictionary of Streamlit's
  strings (`EXACT`, and `PATTERNS` for those with a value in them) replaces them where they
  appear: text nodes and the attributes ``aria-label``, ``title``, ``placeholder``,
  ``aria-valuetext``, ``aria-description`` and plotly's ``data-title``. A MutationObserver runs it
  again on whatever Streamlit (React) adds or changes. It changes only a text node's value or an
  attribute — never the DOM structure React owns — so React keeps working.

  The date picker follows the browser's language; under an English browser its month and
  weekday names are rewritten too (inside the calendar only).

  User content is left alone: a short string (e.g. "Open") is translated only outside
  markdown blocks and outside Brugerblik's own HTML (``.bb-…``), where answers and quotes are
  shown; only Streamlit's long sentences (e.g. the page-not-found message) are matched anywhere.

`inject()` is called by app.py on every rerun (before the login form, so that is Danish too); the
script installs itself once per browser tab.
"""
from __future__ import annotations

import json

import streamlit as st

# Streamlit string -> Danish (exact, whole text after trimming)
EXACT: dict[str, str] = {
    # page chrome
    "Skip to main content": "Gå til hovedindholdet",
    "Sidebar": "Sidepanel",
    "App pages": "Sider",
    "Main menu": "Menu",
    "Link to heading": "Link til overskriften",
    "Help": "Hjælp",
    "Open": "Åbn",
    "Close": "Luk",
    "Dismiss": "Luk",
    "More": "Mere",
    "Expand": "Udvid",
    "Collapse": "Fold sammen",
    "progress": "fremskridt",  # st.progress's aria-label
    "Collapse sidebar": "Fold sidepanelet sammen",
    "Expand sidebar": "Fold sidepanelet ud",
    "Running...": "Arbejder …",
    "Stop": "Stop",
    "Stopping...": "Stopper …",
    "Rerun": "Kør igen",
    "Always rerun": "Kør altid igen",
    "Source file changed.": "Kildefilen er ændret.",
    "Connecting": "Forbinder",
    "Connecting to Streamlit server": "Forbinder til Brugerblik …",
    "Unable to connect to Streamlit server": "Kan ikke forbinde til Brugerblik",
    "Error": "Fejl",
    "Page not found": "Siden findes ikke",
    "Print": "Udskriv",
    "Settings": "Indstillinger",
    "Clear cache": "Ryd mellemlager",
    "Record a screencast": "Optag skærmen",
    "Deploy": "Udgiv",
    # select boxes and multiselects
    "Choose an option": "Vælg …",
    "Choose options": "Vælg …",
    "Choose or add an option": "Vælg eller tilføj …",
    "Choose or add options": "Vælg eller tilføj …",
    "Add an option": "Tilføj …",
    "Add options": "Tilføj …",
    "No options to select": "Ingen valgmuligheder",
    "No options to select.": "Ingen valgmuligheder.",
    "No options": "Ingen valgmuligheder",
    "No results": "Ingen resultater",
    "Clear all": "Ryd alle",
    "Clear value": "Ryd",
    "Clear selection": "Ryd valget",
    "Clear Selections": "Ryd valgene",
    "Clear": "Ryd",
    "Select all": "Vælg alle",
    "Delete": "Slet",
    "Retry": "Prøv igen",
    # text and number inputs
    "Show password": "Vis adgangskode",
    "Hide password": "Skjul adgangskode",
    "Increment": "Én op",
    "Decrement": "Én ned",
    # date input
    "Choose date": "Vælg dato",
    "Choose date range": "Vælg datointerval",
    "Choose date and time": "Vælg dato og tid",
    "Clear date": "Ryd datoen",
    "Previous month": "Forrige måned",
    "Next month": "Næste måned",
    "Previous": "Forrige",
    "Next": "Næste",
    "month": "måned",
    "year": "år",
    "Use arrow keys to navigate dates. Enter to select. Escape to close.":
        "Brug piletasterne til at flytte mellem datoerne, Enter for at vælge og Escape for at lukke.",
    # file uploader
    "Upload": "Vælg fil",
    "Add files": "Tilføj filer",
    "Drag and drop a file here": "Træk en fil hertil",
    "Drag and drop files here": "Træk filer hertil",
    "Drag and drop file here": "Træk en fil hertil",
    "Browse files": "Vælg fil",
    "File size is too small.": "Filen er for lille.",
    "Only one file is allowed.": "Der kan kun vælges én fil.",
    "Unexpected error. Please try again.": "Uventet fejl. Prøv igen.",
    "Uploading...": "Sender …",
    "Empty": "Tom",
    "Show suggestions": "Vis forslag",
    "Suggestions": "Forslag",
    # data tables
    "Fullscreen": "Fuld skærm",
    "Close fullscreen": "Luk fuld skærm",
    "Toggle fullscreen": "Fuld skærm til/fra",
    "Search": "Søg",
    "Close Search": "Luk søgningen",
    "Download as CSV": "Hent som CSV",
    "Show/hide columns": "Vis/skjul kolonner",
    "Copy to clipboard": "Kopiér",
    "Copied!": "Kopieret!",
    # the data table's column menu (a click on a column heading) and its submenus
    "Dataframe column menu": "Kolonnens menu",
    "Copy column name": "Kopiér kolonnens navn",
    "Sort ascending": "Sortér stigende",
    "Sort descending": "Sortér faldende",
    "Statistics": "Statistik",
    "Autosize": "Tilpas bredden",
    "Pin column": "Fastgør kolonnen",
    "Unpin column": "Frigør kolonnen",
    "Hide column": "Skjul kolonnen",
    "Values": "Værdier",
    "Distinct": "Forskellige",
    "Minimum length": "Korteste",
    "Maximum length": "Længste",
    "Average length": "Gennemsnitlig længde",
    "Minimum": "Mindste",
    "Maximum": "Største",
    "Average": "Gennemsnit",
    "Standard deviation": "Standardafvigelse",
    "Range": "Spænd",
    "Automatic": "Automatisk",
    "Localized": "Lokalt format",
    "Plain": "Uden format",
    "Percent": "Procent",
    "Scientific": "Videnskabelig notation",
    "Accounting": "Regnskab",
    "Compact": "Kompakt",
    "Calendar": "Kalender",
    "Distance": "Afstand",
    "Duration": "Varighed",
    # the file uploader's hidden file field (read by screen readers)
    "file upload": "Filfelt",  # not «Vælg fil»: the button beside it has that name (one name, one control)
    # plotly's toolbar
    "Download plot as a PNG": "Hent figuren som PNG",
    "Download plot": "Hent figuren",
    "Zoom in": "Zoom ind",
    "Zoom out": "Zoom ud",
    "Pan": "Panorér",
    "Box Select": "Markér med rektangel",
    "Lasso Select": "Markér frit",
    "Autoscale": "Tilpas akserne",
    "Reset axes": "Nulstil akserne",
    "Reset view": "Nulstil visningen",
    "Toggle Spike Lines": "Hjælpelinjer til/fra",
    "Show closest data on hover": "Vis nærmeste data ved mus over",
    "Compare data on hover": "Sammenlign data ved mus over",
    "Produced with Plotly.js": "Lavet med Plotly.js",
    "Double-click to zoom back out": "Dobbeltklik for at zoome ud igen",
}

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
MONTHS_DA = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
             "november", "december"]
DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
DAYS_DA = ["søndag", "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag"]

# (JavaScript regular expression, replacement with $1 …, anywhere): Streamlit strings with a value in
# them. `anywhere` = also inside markdown (only long sentences no user text could equal).
PATTERNS: list[tuple[str, str, bool]] = [
    (r"^Help for (.+)$", "Hjælp til $1", False),
    (r"^Remove (.+)$", "Fjern $1", False),
    (r"^(.+) files are not allowed\.$", "Filtypen $1 er ikke tilladt.", True),
    # only above the server's hard cap (50 MB); every field's own, smaller limit is checked by ui.uploads
    (r"^File must be (.+) or smaller\.$", "Filen er alt for stor til at blive sendt.", True),
    (r"^([\d.,]+\s*[KMG]?B) per file(?: • (.+))?$", "Højst $1 pr. fil", False),
    (r"^Limit ([\d.,]+\s*[KMG]?B) per file(?: • (.+))?$", "Højst $1 pr. fil", False),
    (r"^The page that you have requested does not seem to exist\. Running the app's main page\.$",
     "Siden findes ikke. Startsiden vises i stedet.", True),
    (r"^You have requested page .+, but no corresponding file was found in the app's pages/ directory\. "
     r"Running the app's main page\.$", "Siden findes ikke. Startsiden vises i stedet.", True),
    (r"^Press Enter to submit form$", "Tryk Enter for at sende", False),
    (r"^Press (?:⌘|Ctrl)\+Enter to submit form$", "Tryk Ctrl+Enter for at sende", False),
    (r"^Press Enter to (?:apply|submit)$", "Tryk Enter for at bekræfte", False),
    (r"^Press (?:⌘|Ctrl)\+Enter to (?:apply|submit)$", "Tryk Ctrl+Enter for at bekræfte", False),
    (r"^You can only select up to (\d+) options?\. Remove an option first\.$",
     "Du kan højst vælge $1. Fjern et valg først.", True),
    (r"^[a-z_]+ icon$", "ikon", False),
    (r"^(\d+) results? available\.?$", "$1 resultater", False),
    (r"^1 option available\.$", "1 valgmulighed.", False),
    (r"^(\d+) options available\.$", "$1 valgmuligheder.", False),
    (r"^(.+), selected$", "$1, valgt", False),
    # the date input's own check of min_value/max_value (a tooltip in markdown, and an alert)
    (r"^Date(?: and time)? set outside allowed range\. Please select a date(?: and time)? on or before (.+)\.$",
     "Datoen ligger uden for det tilladte. Vælg en dato senest $1.", True),
    (r"^Date(?: and time)? set outside allowed range\. Please select a date(?: and time)? on or after (.+)\.$",
     "Datoen ligger uden for det tilladte. Vælg en dato tidligst $1.", True),
    (r"^Date(?: and time)? set outside allowed range\. Please select a date(?: and time)? between (.+) and (.+)\.$",
     "Datoen ligger uden for det tilladte. Vælg en dato mellem $1 og $2.", True),
    # the date field's button under a browser in another language than English («Choose date, december 2026»)
    (r"^Choose date, (.+)$", "Vælg dato, $1", False),
    # react-aria's date field segments and calendar (an English browser)
    (r"^day, (.+)$", "dag, $1", False),
    (r"^month, (.+)$", "måned, $1", False),
    (r"^year, (.+)$", "år, $1", False),
]

CSS = """
<style>
/* issue 10.9: Streamlit's English size/type line under every uploader; each upload field has its
   own Danish line (ui/uploads.py) */
[data-testid="stFileUploaderDropzoneInstructions"] { display: none !important; }
/* a number table's Danish texts for screen readers (ui.common.number_table): data, never shown */
[data-testid="stElementContainer"]:has(.bb-spoken) { display: none !important; }
</style>
"""

_JS_TEMPLATE = r"""
<script>
(function () {
  if (window.__bbDanish) return;
  window.__bbDanish = true;
  const EXACT = __EXACT__;
  const PATTERNS = __PATTERNS__.map(([re, to, anywhere]) => [new RegExp(re), to, anywhere]);
  const MONTHS = __MONTHS__, MONTHS_DA = __MONTHS_DA__, DAYS = __DAYS__, DAYS_DA = __DAYS_DA__;
  const ATTRS = ['aria-label', 'title', 'placeholder', 'aria-valuetext', 'aria-description', 'data-title'];
  const USER = '[data-testid="stMarkdownContainer"], [data-testid="stCode"], [data-testid="stText"], ' +
               '[class^="bb-"], [class*=" bb-"], textarea, pre, code';
  // Streamlit's own parts that render their (English) text as markdown: translated there too
  const CHROME = '[data-testid="stFileUploader"] button, [data-testid="stFileUploaderDropzone"], ' +
                 '[data-testid="stToast"], [data-testid="stStatusWidget"], [data-testid="stDateInputCalendar"], ' +
                 '[data-testid="stDateInputField"], [data-testid="stTooltipErrorContent"]';
  const CAL = '[data-testid="stDateInputCalendar"], [role="listbox"]';
  const M = MONTHS.join('|'), D = DAYS.join('|');
  const MONTH_RE = new RegExp('^(' + M + ')$');
  const MONTH_YEAR_RE = new RegExp('^(' + M + ') (\\d{4})$');
  const CHOOSE_RE = new RegExp('^Choose date, (' + M + ') (\\d{4})$');
  // a date as react-aria says it under an English browser, also half typed («Friday, December 4, 20»)
  const DATE_RE = new RegExp('^(Today, )?(?:(' + D + '), )?(' + M + ') (\\d{1,2}), (\\d{0,4})(.*)$');
  const VALUE_RE = new RegExp('^(\\d{1,2}) – (' + M + ')$');
  const mda = (m) => MONTHS_DA[MONTHS.indexOf(m)];

  function calendar(t) {  // month and day names (an English browser), only inside the date picker
    let m;
    if ((m = MONTH_RE.exec(t))) return mda(m[1]);
    if ((m = MONTH_YEAR_RE.exec(t))) return mda(m[1]) + ' ' + m[2];
    return null;
  }
  function danish(t, inUser, inCal) {
    if (Object.prototype.hasOwnProperty.call(EXACT, t) && !inUser) return EXACT[t];
    let m;
    if ((m = CHOOSE_RE.exec(t))) return 'Vælg dato, ' + mda(m[1]) + ' ' + m[2];
    for (const [en, da] of [['Error: ', 'Fejl: '], [': ', ': '], ['Selected Date: ', 'Valgt dato: ']]) {
      if (t.startsWith(en) && t.length > en.length) {
        const r = danish(t.slice(en.length), inUser, inCal);
        return r === null ? (en === da ? null : da + t.slice(en.length)) : da + r;
      }
    }
    if ((m = DATE_RE.exec(t))) {
      const rest = m[6].replace(/\bselected\b/, 'valgt').replace(/\bunavailable\b/, 'ikke mulig')
                       .replace(/\bFirst available date\b/, 'første mulige dato')
                       .replace(/\bLast available date\b/, 'sidste mulige dato');
      return (m[1] ? 'I dag, ' : '') + (m[2] ? DAYS_DA[DAYS.indexOf(m[2])] + ' ' : '') + 'den ' +
             Number(m[4]) + '. ' + mda(m[3]) + (m[5] ? ' ' + m[5] : '') + rest;
    }
    if ((m = VALUE_RE.exec(t))) return m[1] + ' – ' + mda(m[2]);
    for (const [re, to, anywhere] of PATTERNS) {
      if ((anywhere || !inUser) && re.test(t)) return t.replace(re, to);
    }
    if (inCal || !inUser) return calendar(t);
    return null;
  }
  function fixText(node) {
    const v = node.nodeValue;
    if (!v) return;
    const t = v.trim();
    if (!t || t.length > 300) return;
    const el = node.parentElement;
    if (!el || el.closest('script, style')) return;
    const out = danish(t, !!el.closest(USER) && !el.closest(CHROME), !!el.closest(CAL));
    if (out !== null && out !== t) node.nodeValue = v.replace(t, out);
  }
  function fixAttrs(el) {
    for (const a of ATTRS) {
      const v = el.getAttribute(a);
      if (!v) continue;
      const t = v.trim();
      const out = danish(t, false, !!el.closest(CAL));
      if (out !== null && out !== t) el.setAttribute(a, out);
    }
  }
  function fixWeekdays(root) {  // the calendar's weekday letters, from the days' own labels
    const grid = root.querySelector('table[role="grid"]');
    if (!grid) return;
    const row = grid.querySelector('tbody tr');
    const heads = grid.querySelectorAll('thead th');
    if (!row || heads.length !== 7) return;
    const cells = row.querySelectorAll('[role="button"][aria-label]');
    if (cells.length !== 7) return;
    cells.forEach((c, i) => {
      const label = (c.getAttribute('aria-label') || '').toLowerCase();
      const k = DAYS_DA.findIndex(d => label.includes(d));
      if (k >= 0) {
        const letter = 'SMTOTFL'[k];
        if (heads[i].textContent !== letter) heads[i].textContent = letter;
      }
    });
  }
  function walk(root) {
    if (root.nodeType === Node.TEXT_NODE) { fixText(root); return; }
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    fixAttrs(root);
    const sel = ATTRS.map(a => '[' + a + ']').join(',');
    root.querySelectorAll(sel).forEach(fixAttrs);
    const tw = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let n;
    while ((n = tw.nextNode())) fixText(n);
  }
  // A data table's number cell says its number as JavaScript writes it («0.847457627118644»), not the
  // Danish text drawn on the canvas («84,7 %»): the cell gets that text as its aria-label, from the
  // table's hidden texts (ui.common.number_table) — by its row (the row's other cells), else its number.
  function spoken() {
    spokenTimer = null;
    document.querySelectorAll('.bb-spoken').forEach((el) => {
      let map;
      try { map = JSON.parse(el.dataset.spoken); } catch (e) { return; }
      const box = el.closest('[data-testid="stElementContainer"]');
      const prev = box && box.previousElementSibling;
      const grid = prev && prev.querySelector('[data-testid="stDataFrame"] table[role="grid"]');
      if (!grid) return;
      const heads = {};
      grid.querySelectorAll('th[role="columnheader"]').forEach((th) => {
        heads[th.getAttribute('aria-colindex')] = th.textContent.trim().replace(/^[↑↓]\s*/, '');  // sorted: «↑ n»
      });
      grid.querySelectorAll('tbody tr').forEach((tr) => {
        const cells = Array.from(tr.querySelectorAll('td[role="gridcell"]'))
          .map((td) => [heads[td.getAttribute('aria-colindex')], td]);
        const shown = cells.filter(([n]) => map.keys.includes(n));
        const row = shown.length === map.keys.length
          ? map.rows[shown.map(([, td]) => td.textContent).join('\u001f')] : null;
        for (const [n, td] of cells) {
          const i = map.cols.indexOf(n);
          if (i < 0) continue;
          const raw = td.textContent.trim();
          let say = row ? row[i] : null;
          if (say == null && raw !== '') say = (map.values[n] || {})[String(Number(raw))];
          if (say == null) td.removeAttribute('aria-label');  // never a text left from the row drawn there before
          else if (td.getAttribute('aria-label') !== say) td.setAttribute('aria-label', say);
        }
      });
    });
  }
  let spokenTimer = null;
  let calTimer = null;
  function calendars() {
    calTimer = null;
    document.querySelectorAll('[data-testid="stDateInputCalendar"]').forEach(fixWeekdays);
  }
  const obs = new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === 'characterData') fixText(r.target);
      else if (r.type === 'attributes') fixAttrs(r.target);
      else r.addedNodes.forEach(walk);
    }
    if (!spokenTimer && document.querySelector('.bb-spoken')) spokenTimer = setTimeout(spoken, 0);
    if (!calTimer && document.querySelector('[data-testid="stDateInputCalendar"]')) {
      calTimer = setTimeout(calendars, 0);
    }
  });
  obs.observe(document.documentElement, {subtree: true, childList: true, characterData: true,
                                         attributes: true, attributeFilter: ATTRS});
  walk(document.body);
})();
</script>
"""

JS = (_JS_TEMPLATE.replace("__EXACT__", json.dumps(EXACT, ensure_ascii=False))
      .replace("__PATTERNS__", json.dumps([list(p) for p in PATTERNS], ensure_ascii=False))
      .replace("__MONTHS__", json.dumps(MONTHS)).replace("__MONTHS_DA__", json.dumps(MONTHS_DA))
      .replace("__DAYS__", json.dumps(DAYS)).replace("__DAYS_DA__", json.dumps(DAYS_DA, ensure_ascii=False)))


def inject() -> None:
    """The CSS and the translating script (installs itself once per tab; cheap on every rerun)."""
    st.html(CSS)
    st.html(JS, unsafe_allow_javascript=True)
