"""The copies in tests/data agree with the binding texts beside the project (when they are there)."""
import pytest

from tests.conftest import COPIES, SHARED


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not beside this clone; the copies are used")
def test_copies_match_the_originals():
    assert (COPIES / "instrument.md").read_text(encoding="utf-8") == \
        (SHARED / "spec/instrument.md").read_text(encoding="utf-8")
    excerpt = (COPIES / "report_3_3_archetypes.txt").read_text(encoding="utf-8")
    assert excerpt.startswith("3.3 Analysen af data")
    assert excerpt in (SHARED / "seeds/004_29458ba46708c802.txt").read_text(encoding="utf-8")
