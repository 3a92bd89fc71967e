import pytest

from survey.db import make_engine
from survey.guide import load_guide


@pytest.fixture(scope="session")
def guide():
    return load_guide()


@pytest.fixture
def engine(tmp_path):
    e = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    yield e
    e.dispose()
