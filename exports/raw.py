"""The raw data as files: ``brugerblik export raw FILE.csv|FILE.xlsx`` (the users, one row per
respondent, in the wide format of `survey.wideio`) and ``export raw --kilde INFORMANT`` (one kind
of other source, in the import format of `survey.source_store`).

De-identified by default, as the guides mark their fields (`coding.deidentify`); with
``anonymised=False`` (CLI: ``--umaskeret``) the exact data, for the team's own round trips. A
format on top of the store and the anonymiser: reading and checking the files stays with the
importers in `survey/`.
"""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import Engine

from coding.deidentify import deidentify
from survey import files, source_store, wideio
from survey.files import TabularError, frame_to_xlsx
from survey.guide import Guide
from survey.store import load_wide

__all__ = ["export_file", "export_sources"]


def _target(path: str | os.PathLike) -> str:
    """The file's kind (".csv" or ".xlsx"); another kind, or a missing folder, is refused before
    the work (`survey.files`: a folder is never created)."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise wideio.WideIOError(f"Ukendt filtype {suffix or '(ingen)'!r} for {path} — tilladt: .csv eller .xlsx")
    files.check_target(path)
    return suffix


def export_file(engine: Engine, guide: Guide, path: str | os.PathLike, *, anonymised: bool = True,
                drafts: bool = False) -> int:
    """Export the respondents of the completed interviews in the store (`drafts`: the drafts too,
    `survey.store.counted`) to FILE.csv or FILE.xlsx; returns the row count.

    De-identified by default, as everything that leaves the research team is, following the
    guide's column ``brugerblik_identifikator`` (`coding.deidentify`): free text
    anonymised (names, CPR, phone, addresses, places → [navn] …), names such as the interviewer's
    replaced by "Interviewer 1" …, the respondent's pseudonym kept. The file is written by
    `survey.files`: atomic, owner-only (0600), blanks as empty cells; a missing folder is refused,
    never created. `anonymised=False` (CLI: --umaskeret) gives the exact data, for the team's own
    round trips: import(export(x, anonymised=False)) == x.
    """
    suffix = _target(path)
    df = load_wide(engine, guide, drafts=drafts)
    if anonymised:
        df = deidentify(df, guide, engine)
    if suffix == ".csv":  # the CSV format has no place for a mark: the command says so (brugerblik.cli)
        wideio.write_csv(df, guide, path)
    else:  # marked, so the import refuses it (`survey.wideio.DRAFTS_MARK`)
        wideio.write_xlsx(df, guide, path, drafts=drafts)
    return len(df)


def export_sources(engine: Engine, informant: str, path: str | os.PathLike, *, anonymised: bool = True,
                   drafts: bool = False) -> int:
    """Write the sources of one informant type to FILE.csv or FILE.xlsx in the import format
    (``source_id``, ``informant``, the guide's codes); de-identified as the informant's guide marks
    its fields (`coding.deidentify`: free text anonymised, the interviewer's name pseudonymised,
    the pseudonyms ``source_id``, ``respondent_id``, ``informant_id`` kept) unless `anonymised` is
    False. Returns the number of rows. import(export(x, anonymised=False)) == x.

    Written by `survey.files` like every file the tool writes: atomic, owner-only (0600), the
    folder must exist; CSV text cells formula-escaped and blanks empty (never ``nan``), XLSX text
    always a string (`survey.files.frame_to_xlsx`)."""
    source_store.check_source_informant(informant)
    suffix = _target(path)
    g = source_store.informant_guide(informant, engine)
    df = source_store.load_sources(engine, [informant], drafts=drafts)[informant]
    cols = list(df.columns)
    if anonymised:
        df = deidentify(df, g, engine)
    plain = [j for j, c in enumerate(cols) if c in g.items and g.item(c).type in ("integer", "decimal", "date")]
    if suffix == ".csv":
        return files.write_csv(path, df.itertuples(index=False, name=None), cols, plain=plain)
    try:  # the workbench's formula-safe writer; a cell over Excel's limit is refused before anything is written
        data = frame_to_xlsx(df, "Data", title=g.title)
    except TabularError as e:
        raise wideio.WideIOError(str(e)) from None
    files.write_atomic(path, data)
    return len(df)
