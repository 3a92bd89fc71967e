"""Fixtures of the report's tests."""
from __future__ import annotations

import pytest

from survey import store
from survey.db import make_engine
from survey.demo import load_demo
from survey.guide import load_guide


@pytest.fixture(scope="module")
def demo_study(db_factory):
    """The demo study (61 completed interviews) in a store of its own for the module (SQLite, or
    PostgreSQL in that run): its url, engine, guide and wide frame."""
    g = load_guide()
    url = db_factory.new()
    e = make_engine(url)
    assert load_demo(e, g) == 61
    yield dict(url=url, engine=e, guide=g, wide=store.load_wide(e, g))
    e.dispose()
