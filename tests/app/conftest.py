"""Fixtures of the page tests that need the coded demo study (tests/report/test_matrix.py's
`build_coded_study`): the Matrix and Analyser pages."""
import pytest

from survey.db import get_engine
from tests.report.test_matrix import build_coded_study


@pytest.fixture(scope="module")
def coded_url(db_factory):
    """A store with the demo study, a small codebook, two coded transcripts and a coded quote."""
    url = db_factory.new()
    build_coded_study(url)[0].dispose()
    return url


@pytest.fixture
def coded_db(coded_url, monkeypatch):
    """The app opens the coded store (BRUGERBLIK_DB); the engine to read it back."""
    monkeypatch.setenv("BRUGERBLIK_DB", coded_url)
    return get_engine(coded_url)
