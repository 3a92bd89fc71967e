"""Fixtures of the field-package tests (test_sync, test_sync_trust, test_privacy): two stores, a
field laptop's and the central one, each a new database (SQLite, or PostgreSQL under tools/pg-test.sh)."""
from __future__ import annotations

import pytest

from survey.db import make_engine


@pytest.fixture
def laptop(new_db_url):
    e = make_engine(new_db_url())
    yield e
    e.dispose()


@pytest.fixture
def central(new_db_url):
    e = make_engine(new_db_url())
    yield e
    e.dispose()
