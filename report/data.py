"""The report's data, loaded once: the users' wide frame, the population, the de-identified data,
the quotes and the other sources — what tables, figures and the workbook take instead of each
loading the store again.

* `wide_frame(engine, guide)` — every completed user interview in the store as the wide frame
  (`survey.store.load_wide`), with the status filter applied there: a draft is not in it unless
  asked (`drafts=True`, issue 14; `survey.store.counted`), nor is a respondent who withdrew
  consent to the interview (`survey.privacy.exportable`, issue 12). `ReportData.drafts_line()`
  says how many drafts were left out (or counted), `ReportData.counted_line()` also how many merge
  conflicts wait for a person (the laptop's versions are not counted until they are settled).
* `load(engine, guide, group, site_type)` — a `ReportData`: the wide frame and the population
  (`report.population.population`: the effective user group and the site type). Its other parts
  are loaded when first asked for and then kept: `ReportData.masked` (the population's rows
  de-identified as the guide marks the fields, `survey.deidentify`; the interviewers by the study's
  pseudonyms, `ReportData.pseudonyms`), `ReportData.quotes` (the
  population's quotes, anonymised), `ReportData.sources` (the source frames and reasons about the
  population's users and their sites). `ReportData.for_population` gives another population of
  the same loaded data (the Rapport page's filters, the workbook's group).
* `store_revision(engine)` / `sources_revision(engine)` — cheap fingerprints of the store; when
  they change, a cached load is stale (the Rapport page caches per revision).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

import pandas as pd

from report.population import NO_CUTS, Cuts, population
from report.publication import conflicts_line, drafts_line
from survey.guide import Guide

if TYPE_CHECKING:  # the store's modules load SQLAlchemy: imported by the functions that read it (issue 13)
    from sqlalchemy.engine import Engine

    from survey.plainread import ReportStore

__all__ = ["ReportData", "wide_frame", "load_all_sources", "study_pseudonyms", "load", "load_plain", "store_revision", "sources_revision",
           "deletion_stamp", "deletion_revision"]


def wide_frame(engine: Engine, guide: Guide, *, drafts: bool = False) -> pd.DataFrame:
    """Every completed user interview as the wide frame (`drafts`: the drafts too), withdrawn
    respondents left out (`survey.store.load_wide`)."""
    from survey.store import load_wide  # reason: start-up time (the plain read of `load_plain` needs no SQLAlchemy)

    return load_wide(engine, guide, drafts=drafts)


def load_all_sources(engine: Engine, *, drafts: bool = False) -> dict[str, pd.DataFrame]:
    """Every source frame (informant type -> frame) and ``aarsager`` (Bilag C's reasons); completed
    interviews only unless `drafts`."""
    from survey.db import session_scope  # reason: start-up time (`load_plain` needs no SQLAlchemy)
    from survey.source_store import check_guides, load_reasons, load_sources  # start-up: only tables of the other sources

    check_guides(engine)  # each guide fits its stored interviews (survey.guide_fit), before the session
    with session_scope(engine) as s:
        out = load_sources(s, drafts=drafts)
        out["aarsager"] = load_reasons(s)
    return out


#: before a drafts line that counts the whole study beside a smaller population (`ReportData.drafts_line`)
WHOLE_STUDY = "Hele undersøgelsen: "


@dataclass
class ReportData:
    """One load of the report's data for one population. Build it with `load`."""
    engine: Engine
    guide: Guide
    wide: pd.DataFrame
    group: str | None = None
    site_type: str | None = None
    pop: pd.DataFrame = field(init=False)
    #: the report's other cuts (issue 14): filters on arbejdsmarkedsperspektiv, site, interviewer and
    #: the grouping of the tables by group
    cuts: Cuts = NO_CUTS
    #: loads every source frame when first needed (replaceable: the Rapport page passes its cached one)
    source_loader: Callable[[], dict[str, pd.DataFrame]] | None = None
    #: the drafts are counted too (issue 14: by default only completed interviews are)
    drafts: bool = False
    #: the store read without SQLAlchemy (`load_plain`; `engine` is then None): the number of drafts
    plain: "ReportStore | None" = None
    _cache: dict[str, object] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.group, self.site_type, self.cuts = self.group or None, self.site_type or None, self.cuts or NO_CUTS
        self.pop = population(self.wide, self.group, self.site_type, self.cuts)  # TableError for an unknown code

    @property
    def n_store(self) -> int:
        """Respondents in the store (the wide frame), whatever the population."""
        return len(self.wide)

    def for_population(self, group: str | None, site_type: str | None, cuts: Cuts | None = None) -> "ReportData":
        """The same loaded data (wide frame, sources) for another population."""
        cuts = cuts or NO_CUTS
        if (group or None, site_type or None, cuts) == (self.group, self.site_type, self.cuts):
            return self
        out = ReportData(self.engine, self.guide, self.wide, group, site_type, source_loader=self.all_sources,
                         drafts=self.drafts, cuts=cuts, plain=self.plain)
        for key in ("n_drafts", "n_conflicts", "pseudonyms"):  # the study's, whatever the population
            if key in self._cache:
                out._cache[key] = self._cache[key]
        return out

    @property
    def n_drafts(self) -> int:
        """User-interview drafts in the store: left out, or (with `drafts`) counted (one query, kept)."""
        if "n_drafts" not in self._cache:
            if self.plain is not None:
                self._cache["n_drafts"] = self.plain.count_drafts()
            else:
                from survey.store import count_drafts  # reason: start-up time (`load_plain`: no SQLAlchemy)

                self._cache["n_drafts"] = count_drafts(self.engine)
        return self._cache["n_drafts"]  # type: ignore[return-value]

    def pseudonyms(self) -> dict[str, dict[object, str]]:
        """The study's pseudonyms of the guide's direct identifiers (the interviewer → «Interviewer 2»):
        by each person's first interview in the store, every interview counted (`survey.pseudonyms`),
        so the same for every population, cut, drafts option and output (one read, kept and shared
        with `for_population`)."""
        if "pseudonyms" not in self._cache:
            self._cache["pseudonyms"] = study_pseudonyms(self.plain if self.plain is not None else self.engine,
                                                         self.guide, self.wide)
        return self._cache["pseudonyms"]  # type: ignore[return-value]

    def drafts_line(self) -> str:
        """«n = 61 afsluttede interview; 2 kladder er ikke talt med.» (`report.publication.drafts_line`):
        numbers of the whole study, so «Hele undersøgelsen: …» before them when the population is
        smaller (its own population line gives its n; a tester read the study's 60 as Basen's)."""
        line = drafts_line(self.n_store, self.n_drafts, self.drafts)
        return f"{WHOLE_STUDY}{line}" if len(self.pop) != len(self.wide) else line

    @property
    def n_conflicts(self) -> int:
        """Merge conflicts waiting for a person (one query, kept): the laptop's versions are not counted."""
        if "n_conflicts" not in self._cache:
            if self.plain is not None:
                self._cache["n_conflicts"] = self.plain.count_open_conflicts()
            else:
                from survey.store import count_open_conflicts  # reason: start-up time (as `n_drafts`)

                self._cache["n_conflicts"] = count_open_conflicts(self.engine)
        return self._cache["n_conflicts"]  # type: ignore[return-value]

    def conflicts_line(self) -> str:
        """«2 flettekonflikter venter på en afgørelse …» (`report.publication.conflicts_line`), or ''."""
        return conflicts_line(self.n_conflicts)

    def counted_line(self) -> str:
        """What the report counted: `drafts_line`, and `conflicts_line` after it when conflicts wait."""
        return " ".join(x for x in (self.drafts_line(), self.conflicts_line()) if x)

    def all_sources(self) -> dict[str, pd.DataFrame]:
        """Every source frame and the reasons, not limited to the population (loaded once)."""
        if "all_sources" not in self._cache:
            loader = self.source_loader or (lambda: load_all_sources(self.engine, drafts=self.drafts))
            self._cache["all_sources"] = loader()
        return self._cache["all_sources"]  # type: ignore[return-value]

    def sources(self) -> dict[str, pd.DataFrame]:
        """The source frames and reasons (``aarsager``) about the population's users and their sites."""
        if "sources" not in self._cache:
            from survey.source_store import restrict  # start-up: only tables of the other sources

            self._cache["sources"] = restrict(self.all_sources(), self.pop)
        return self._cache["sources"]  # type: ignore[return-value]

    def sources_deidentified(self) -> dict[str, pd.DataFrame]:
        """`sources` as they leave the team (the workbook): the free-text notes of Bilag C's reasons
        anonymised by the study's anonymiser (`coding.deidentify.study_anonymiser`, as the quotes);
        a reason's code and every source's coded answers are kept."""
        if "sources_deidentified" not in self._cache:
            out = dict(self.sources())
            reasons = out.get("aarsager")
            if reasons is not None and "note" in reasons.columns and reasons["note"].notna().any():
                from coding.deidentify import study_anonymiser  # reason: start-up time (no SQLAlchemy)
                from survey.db import session_scope  # reason: start-up time (`load_plain`: no SQLAlchemy)

                if self.engine is None:
                    anon = study_anonymiser()
                else:
                    with session_scope(self.engine) as s:
                        anon = study_anonymiser(s, self.guide)
                reasons = reasons.copy()
                reasons["note"] = [anon.mask(v) if isinstance(v, str) else v for v in reasons["note"]]
                out["aarsager"] = reasons
            self._cache["sources_deidentified"] = out
        return self._cache["sources_deidentified"]  # type: ignore[return-value]

    def masked(self) -> pd.DataFrame:
        """The population's rows, de-identified as the guide marks the fields (`coding.deidentify`):
        free text anonymised, direct identifiers pseudonymised, pseudonyms kept."""
        if "masked" not in self._cache:
            from coding.deidentify import deidentify  # reason: start-up time (it loads SQLAlchemy)

            self._cache["masked"] = deidentify(self.wide.loc[self.pop.index], self.guide, self.engine,
                                               names=self.pseudonyms())
        return self._cache["masked"]  # type: ignore[return-value]

    def quotes(self) -> pd.DataFrame:
        """The population's quotes, anonymised (the workbook's «Citater») by the study's anonymiser:
        the names in every field the guides mark ``ja`` — users' and other sources' — masked too
        (`coding.deidentify.study_anonymiser`, as the quote bank's own export)."""
        if "quotes" not in self._cache:
            from coding.deidentify import study_anonymiser  # reason: start-up time (it loads SQLAlchemy)
            from coding.quotebank import export_quotes  # start-up: only the workbook needs the quotes
            from survey.db import session_scope  # reason: start-up time (`load_plain`: no SQLAlchemy)

            with session_scope(self.engine) as s:
                q = export_quotes(s, self.guide, anonymised=True, group=self.group, site_type=self.site_type,
                                  drafts=self.drafts, anonymiser=study_anonymiser(s, self.guide))
            if self.cuts.filters:  # the cuts' population: its respondents' quotes only
                q = q[q["Respondent"].isin(set(self.pop["respondent_id"]))].reset_index(drop=True)
            self._cache["quotes"] = q
        return self._cache["quotes"]  # type: ignore[return-value]


def study_pseudonyms(store: "Engine | ReportStore | None", guide: Guide, *frames: pd.DataFrame
                     ) -> dict[str, dict[object, str]]:
    """For each field `guide` marks ``ja`` (the interviewer), value -> its pseudonym for the whole study
    («Interviewer 2»: `survey.pseudonyms`, by each person's first interview in `store` — an engine, or
    the plain read's `ReportStore`). A value of `frames` the store lacks is numbered on; without a
    store (None) the frames' row order numbers them."""
    from survey.plainread import ReportStore  # reason: start-up time (only a published output needs it)
    from survey.pseudonyms import numbered  # reason: the same

    codes = guide.identifier_codes(pseudonyms=False)
    order: dict[str, dict[str, int]] | None = None
    if store is not None and codes:
        if isinstance(store, ReportStore):  # the plain read (no SQLAlchemy)
            order = store.identifier_numbers(codes)
        else:
            from survey.store import identifier_numbers  # reason: start-up time (`load_plain`: no SQLAlchemy)

            order = identifier_numbers(store, codes)
    return numbered(guide, order, *frames)


def load(engine: Engine, guide: Guide, group: str | None = None, site_type: str | None = None, *,
         wide: pd.DataFrame | None = None,
         source_loader: Callable[[], dict[str, pd.DataFrame]] | None = None, drafts: bool = False,
         cuts: Cuts | None = None) -> ReportData:
    """The report's data for the population (`group`, `site_type`): the wide frame is loaded here
    unless given (`wide`, e.g. a cached one, loaded with the same `drafts`). Only completed
    interviews are counted unless `drafts` (issue 14). Raises `report.errors.TableError` for an
    unknown group or site type."""
    frame = wide_frame(engine, guide, drafts=drafts) if wide is None else wide
    return ReportData(engine, guide, frame, group, site_type, source_loader=source_loader, drafts=drafts,
                      cuts=cuts or NO_CUTS)


def load_plain(store: "ReportStore", guide: Guide, *, drafts: bool = False) -> ReportData:
    """`load(engine, guide, drafts=drafts)` for the whole study, read without SQLAlchemy from a local
    SQLite store (`survey.plainread`: the CLI's users' tables, issue 13). Its `engine` is None: what
    needs the full store (the other sources, quotes, de-identified data) is not read through it."""
    wide, n_drafts = store.wide_and_drafts(guide, drafts=drafts)  # one snapshot, before anything is printed
    out = ReportData(None, guide, wide, drafts=drafts, plain=store)  # type: ignore[arg-type]
    out._cache["n_drafts"] = n_drafts
    return out


def store_revision(engine: Engine) -> tuple:
    """A cheap fingerprint of the users' data (~2 ms for 10,000 respondents): the number of
    interviews, the last change of one (`store.set_answer` stamps the interview), the newest answer
    row and the sites (a few rows), the consent withdrawals and deletion tombstones (issue 12: a
    respondent who withdrew must leave every cached table, figure and matrix at once) and the time the
    raw data were last deleted (`survey.privacy.delete_raw_data` removes free-text answers without
    touching any of the others: a cached wide frame would go on showing them). An answer
    changed in place without a newer stamp (a merged field package) is not seen: callers that cache
    also expire their cache."""
    from sqlalchemy import func, select  # reason: start-up time (`load_plain` needs no SQLAlchemy)

    from survey.models import (RAW_DELETED_KEY, Answer, AuditEntry, ConsentWithdrawal, Interview, Site,  # reason: the same
                               StudySetting)
    from survey.store import TOMBSTONE_ENTITY  # reason: the same

    with engine.connect() as c:
        n, last = c.execute(select(func.count(Interview.id), func.max(Interview.updated_at))).one()
        newest = c.execute(select(func.max(Answer.id))).scalar_one()
        sites = c.execute(select(Site.id, Site.name, Site.site_type).order_by(Site.id)).all()
        withdrawn = c.execute(select(func.count(ConsentWithdrawal.id), func.max(ConsentWithdrawal.recorded_at))).one()
        stones = c.execute(select(func.count(AuditEntry.id)).where(AuditEntry.entity == TOMBSTONE_ENTITY)).scalar_one()
        raw_gone = c.execute(select(StudySetting.value).where(StudySetting.key == RAW_DELETED_KEY)).scalar()
    return (int(n), str(last), newest, hash(tuple(tuple(r) for r in sites)), int(withdrawn[0]), str(withdrawn[1]),
            int(stones), raw_gone)


def deletion_stamp(revision: tuple) -> tuple:
    """The part of a `store_revision` that changes when anything is deleted (a respondent's tombstones, the
    time the raw data were last deleted): whatever was cached from text the store held before it — a
    coding model trained on it, a wide frame with its free text — is dropped when this changes."""
    return tuple(revision[-2:])


def deletion_revision(engine: Engine) -> tuple:
    """`deletion_stamp` of the store now."""
    return deletion_stamp(store_revision(engine))


def sources_revision(engine: Engine) -> tuple:
    """Bilag C's reasons change without touching an interview: their own fingerprint."""
    from sqlalchemy import func, select  # reason: start-up time (`load_plain` needs no SQLAlchemy)

    from survey.models import SourceStatus  # reason: the same

    with engine.connect() as c:
        n, last = c.execute(select(func.count(SourceStatus.id), func.max(SourceStatus.recorded_at))).one()
    return int(n), str(last)
