"""report/data.py: one load of the report's data (wide frame, population, de-identified data, quotes,
sources) that tables, figures and the workbook take instead of loading the store again."""
from __future__ import annotations

import pytest

from exports import workbook as W
from report import data as report_data
from report import registry as R
from report.errors import TableError
from report.population import population
from survey import store
from survey.db import make_engine, session_scope
from survey.demo import load_demo
from survey.source_store import load_all, restrict


@pytest.fixture(scope="module")
def engine(db_factory, guide):
    e = make_engine(db_factory.new())
    assert load_demo(e, guide) == 61
    yield e
    e.dispose()


def test_one_load_serves_every_population(engine, guide, monkeypatch):
    loads = []
    import survey.store

    real = survey.store.load_wide  # report.data imports it when it reads (start-up time, issue 13)
    monkeypatch.setattr(survey.store, "load_wide", lambda *a, **kw: loads.append(1) or real(*a, **kw))
    data = report_data.load(engine, guide)
    assert len(loads) == 1 and data.n_store == 61 and len(data.pop) == 61
    etniske = data.for_population("etniske", "boform")
    assert etniske.wide is data.wide and len(loads) == 1
    assert etniske.pop.equals(population(data.wide, "etniske", "boform"))
    assert data.for_population(None, "") is data
    with pytest.raises(TableError, match="Ukendt brugergruppe 'unge'"):
        data.for_population("unge", None)


def test_sources_are_those_of_the_population_and_loaded_once(engine, guide):
    calls = []
    data = report_data.load(engine, guide, site_type="vaerested",
                            source_loader=lambda: calls.append(1) or report_data.load_all_sources(engine))
    frames = data.sources()
    everything = load_all(engine, guide)
    want = restrict(everything, data.pop)
    assert set(frames) == set(want)
    for k in want:
        assert frames[k].equals(want[k]), k
    data.sources()
    other = data.for_population(None, "boform")
    other.sources()
    assert len(calls) == 1  # the other population reuses the sources already loaded
    # the tables of the other sources from the loaded data = from the store, as the CLI prints them
    assert R.render("oversigt_interview", data.wide, guide, frames=data.all_sources(), site_type="vaerested") == \
        R.render("oversigt_interview", everything.pop("brugere"), guide, frames=everything, site_type="vaerested")


def test_masked_data_and_quotes_are_the_population_s(engine, guide):
    data = report_data.load(engine, guide, group="etniske")
    masked = data.masked()
    assert list(masked.index) == list(data.pop.index) and list(masked.columns) == list(data.wide.columns)
    assert set(masked["interviewer"].dropna()) <= {f"Interviewer {i}" for i in range(1, 10)}
    quotes = data.quotes()
    assert quotes.attrs["anonymiseret"] is True
    assert set(quotes["Brugergruppe"]) <= {"De etniske", "Gruppen med anden etnisk baggrund"}
    assert data.masked() is masked and data.quotes() is quotes  # kept


def test_the_workbook_takes_the_loaded_data(engine, guide, tmp_path, monkeypatch):
    data = report_data.load(engine, guide)
    loads = []
    import survey.store

    monkeypatch.setattr(survey.store, "load_wide", lambda *a, **kw: loads.append(1))  # what report.data reads with
    out = W.build_workbook(engine, guide, tmp_path / "r.xlsx", group="etniske", publish=True, data=data)
    assert out.exists() and loads == []


def test_the_store_revision_changes_with_an_answer(engine, guide):
    before = report_data.store_revision(engine)
    assert report_data.store_revision(engine) == before
    with session_scope(engine) as s:
        iv = store.interview_by_respondent(s, "AMA-01")
        old = store.get_answers(s, iv.id).get("rytme")
        store.set_answer(s, guide, iv.id, "rytme", "nej" if old == "ja" else "ja", who="test")
    assert report_data.store_revision(engine) != before
    assert isinstance(report_data.sources_revision(engine), tuple)
