"""The codebook: seed data from the report, CRUD with hierarchy and refusals, export/import round
trips, and accept/reject decisions."""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from typing import Optional

from sqlmodel import Field, SQLModel, select

from coding import codebook as cb
from coding.codebook import Code, CodebookError, CodeDecision
from survey.db import session_scope
from survey.models import Interview, Quote

REPORT = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "004_29458ba46708c802.txt"


class _CodeUse(SQLModel, table=True):
    """Stands in for another module's table that points at codes (coded segments, quotes …)."""
    __tablename__ = "test_codebook_usage"
    id: Optional[int] = Field(default=None, primary_key=True)
    code_id: int = Field(foreign_key="codebook_code.id")


THEMES = ["rytme_i_hverdagen", "socialt_samvaer", "meningsfuldhed", "dum_i_arbejde", "mentor_og_spejling",
          "syltet_af_systemet", "brugerinddragelse", "oekonomi_og_gaeld", "arbejdsmarked", "misbrug_og_behandling",
          "bolig", "sagsbehandler"]


# --------------------------------------------------------------------------- seed

def test_seed_has_the_reports_themes_as_a_hierarchy():
    seed = {e.key: e for e in cb.load_seed()}
    assert set(THEMES) <= set(seed)
    assert seed["dum_i_arbejde"].parent_key == "meningsfuldhed"
    assert seed["meningsfuldhed"].parent_key == "udbytte"
    assert seed["sagsbehandler"].parent_key == "samspil_med_systemet"
    assert seed["udbytte"].parent_key is None
    assert seed["rytme_i_hverdagen"].name == "Rytme i hverdagen"
    for key in THEMES:
        e = seed[key]
        assert e.description and len(e.cues) >= 5, key
    names = [e.name for e in seed.values()]
    assert len(names) == len(set(names))


def _report_text() -> str:
    t = REPORT.read_text(encoding="utf-8")
    t = re.sub(r"(\w)-[ \t]*\n\s*(\w)", r"\1\2", t)  # undo hyphenation at line ends
    return re.sub(r"\s+", " ", t).lower()


@pytest.mark.skipif(not REPORT.exists(), reason="the seed report is not beside the project")
def test_seed_cues_are_the_reports_own_wording():
    text = _report_text()
    missing = {e.key: [c for c in e.cues if c.lstrip("=").lower() not in text] for e in cb.load_seed()}
    assert {k: v for k, v in missing.items() if v} == {}


def test_ensure_seeded_only_fills_an_empty_codebook(engine):
    with session_scope(engine) as s:
        n = cb.ensure_seeded(s)
        assert n == len(cb.load_seed())
        assert cb.ensure_seeded(s) == 0
    with session_scope(engine) as s:
        cb.delete_code(s, "bolig")
        assert cb.ensure_seeded(s) == 0  # not empty: the researcher's edits are kept
        assert [e.key for e in cb.entries(s)] == [e.key for e in cb.load_seed() if e.key != "bolig"]


# --------------------------------------------------------------------------- CRUD and hierarchy

def test_create_tree_and_slug_keys(engine):
    with session_scope(engine) as s:
        top = cb.create_code(s, "Økonomi og gæld", description="Penge", cues="gæld\n  penge \n\nGæld\n")
        assert top.key == "oekonomi_og_gaeld"
        assert top.cue_list() == ["gæld", "penge"]  # trimmed, blanks and case-duplicates dropped
        a = cb.create_code(s, "Kontanthjælp", parent=top)
        b = cb.create_code(s, "Arbejdsdusør", parent="oekonomi_og_gaeld", key="dusoer")
        other = cb.create_code(s, "Bolig")
        assert a.sort_order < b.sort_order
        tree = [(c.key, d) for c, d in cb.tree(s)]
        assert tree == [("oekonomi_og_gaeld", 0), ("kontanthjaelp", 1), ("dusoer", 1), ("bolig", 0)]
        assert [c.key for c in cb.children_of(s, top)] == ["kontanthjaelp", "dusoer"]
        assert cb.get_code(s, other.id).key == "bolig"
        assert cb.get_code(s, "Bolig").key == "bolig"  # by name too
        assert cb.entries(s)[1].parent_key == "oekonomi_og_gaeld"


def test_create_refusals(engine):
    with session_scope(engine) as s:
        cb.create_code(s, "Bolig")
        with pytest.raises(CodebookError, match="findes allerede"):
            cb.create_code(s, "Bolig igen", key="bolig")
        with pytest.raises(CodebookError, match="allerede brugt"):
            cb.create_code(s, "BOLIG", key="bolig2")
        with pytest.raises(CodebookError, match="Ugyldig kode"):
            cb.create_code(s, "X", key="Æble kage")
        with pytest.raises(CodebookError, match="skal have et navn"):
            cb.create_code(s, "  ")
        with pytest.raises(CodebookError, match="findes ikke"):
            cb.create_code(s, "Under", parent="ukendt")
        with pytest.raises(CodebookError, match=r"'\|'"):
            cb.create_code(s, "Rør", cues=["a | b"])


def test_rename_move_and_cues(engine):
    with session_scope(engine) as s:
        a = cb.create_code(s, "Udbytte")
        b = cb.create_code(s, "Rytme")
        c = cb.create_code(s, "Samvær", parent=b)
        cb.rename_code(s, b, "Rytme i hverdagen")
        assert b.key == "rytme" and b.name == "Rytme i hverdagen"
        cb.rename_code(s, b, "Rytme i hverdagen", key="rytme_i_hverdagen")
        assert cb.get_code(s, "rytme_i_hverdagen").id == b.id
        with pytest.raises(CodebookError, match="allerede brugt"):
            cb.rename_code(s, c, "Udbytte")
        cb.move_code(s, b, a)
        assert b.parent_id == a.id
        with pytest.raises(CodebookError, match="under sig selv"):
            cb.move_code(s, a, c)  # c is a grandchild of a
        with pytest.raises(CodebookError, match="under sig selv"):
            cb.move_code(s, a, a)
        cb.move_code(s, c, None)
        assert c.parent_id is None
        cb.set_cues(s, b, "rytme\nhverdag\n=dagsrytme")
        cb.set_description(s, b, "  Noget at stå op til. ")
        assert b.cue_list() == ["rytme", "hverdag", "=dagsrytme"] and b.description == "Noget at stå op til."
        with pytest.raises(CodebookError):
            cb.set_cues(s, b, ["="])


def test_delete_refuses_children_and_decisions(engine):
    _CodeUse.__table__.create(engine, checkfirst=True)  # a test table: in no migration
    with session_scope(engine) as s:
        p = cb.create_code(s, "Forælder")
        k = cb.create_code(s, "Barn", parent=p)
        with pytest.raises(CodebookError, match="har underkoder \\(barn\\)"):
            cb.delete_code(s, p)
        cb.record_decision(s, "segment", "t1:3", k, "accepted", text="Et segment", who="a")
        with pytest.raises(CodebookError, match="brugt i 1 beslutning"):
            cb.delete_code(s, k)
        assert cb.remove_decision(s, "segment", "t1:3", k)
        s.add(_CodeUse(code_id=k.id))
        s.add(_CodeUse(code_id=k.id))
        s.flush()
        assert cb.usage_elsewhere(s, k) == {"test_codebook_usage": 2}
        with pytest.raises(CodebookError, match=r"i brug \(2 i test_codebook_usage\)"):
            cb.delete_code(s, k)
        for row in s.execute(select(_CodeUse)).scalars().all():
            s.delete(row)
        s.flush()
        cb.delete_code(s, k)
        cb.delete_code(s, p)
        assert cb.is_empty(s)
        with pytest.raises(CodebookError, match="findes ikke"):
            cb.delete_code(s, "forælder")


# --------------------------------------------------------------------------- export / import

def test_export_import_round_trip_json_and_csv(engine, tmp_path, new_db_url):
    from survey.db import make_engine

    with session_scope(engine) as s:
        cb.ensure_seeded(s)
        cb.create_code(s, "Tillid, \"tryghed\" og ro", parent="mentor_og_spejling", cues=["tryghed", "tillid, ro"],
                       description="Linje 1\nLinje 2")
        js, cs = cb.export_json(s), cb.export_csv(s)
        before = cb.entries(s)
    doc = json.loads(js)
    assert doc["format"] == "brugerblik-kodebog" and doc["koder"][0]["kode"] == "udbytte"
    assert doc["koder"][0]["underkoder"][0]["kode"] == "rytme_i_hverdagen"
    rows = list(csv.DictReader(io.StringIO(cs)))
    assert list(rows[0]) == list(cb.CSV_COLUMNS)
    assert any(r["kode"] == "dum_i_arbejde" and r["overkode"] == "meningsfuldhed" for r in rows)

    for fmt, data in (("json", js), ("csv", cs)):
        e2 = make_engine(new_db_url())
        with session_scope(e2) as s:
            res = (cb.import_json if fmt == "json" else cb.import_csv)(s, data)
            assert len(res.created) == len(before) and not res.updated
        with session_scope(e2) as s:
            assert cb.entries(s) == before, fmt
            assert (cb.export_json(s), cb.export_csv(s)) == (js, cs)
            # importing the same file again changes nothing
            res = (cb.import_json if fmt == "json" else cb.import_csv)(s, data)
            assert not res.created and not res.updated and not res.deleted
        e2.dispose()


def test_import_merges_updates_moves_and_replaces(engine):
    with session_scope(engine) as s:
        cb.ensure_seeded(s)
        cb.record_decision(s, "segment", "1", "bolig", "accepted", text="Jeg bor i en lejlighed")
    data = {"format": "brugerblik-kodebog", "koder": [
        {"kode": "udbytte", "navn": "Udbytte", "underkoder": [
            {"kode": "bolig", "navn": "Bolig og hjem", "ord": ["bolig", "hjem"]},
            {"kode": "ny_kode", "navn": "Ny kode", "beskrivelse": "ny", "ord": "a\nb"}]}]}
    with session_scope(engine) as s:
        res = cb.import_json(s, data)
        assert res.created == ["ny_kode"] and set(res.updated) == {"udbytte", "bolig"}
        bolig = cb.get_code(s, "bolig")
        assert bolig.name == "Bolig og hjem" and bolig.cue_list() == ["bolig", "hjem"]
        assert cb.get_code(s, bolig.parent_id).key == "udbytte"
        assert cb.get_code(s, "rytme_i_hverdagen")  # merge keeps codes absent from the file
    with session_scope(engine) as s:
        res = cb.import_json(s, data, replace=True)
        assert "rytme_i_hverdagen" in res.deleted and "bolig" not in res.deleted
        assert [c.key for c in cb.all_codes(s)] == ["udbytte", "bolig", "ny_kode"]
    # replace refuses when a code to delete carries decisions, before changing anything
    with session_scope(engine) as s:
        with pytest.raises(CodebookError, match="beslutning"):
            cb.import_json(s, {"koder": [{"kode": "udbytte", "navn": "Udbyttet"}]}, replace=True)
        assert [(c.key, c.name) for c in cb.all_codes(s)] == [("udbytte", "Udbytte"), ("bolig", "Bolig og hjem"),
                                                              ("ny_kode", "Ny kode")]


def test_import_swapping_names_and_refusals(engine):
    with session_scope(engine) as s:
        cb.create_code(s, "A", key="a")
        cb.create_code(s, "B", key="b")
        cb.import_json(s, {"koder": [{"kode": "a", "navn": "B"}, {"kode": "b", "navn": "A"}]})
        assert (cb.get_code(s, "a").name, cb.get_code(s, "b").name) == ("B", "A")
        for bad, msg in [
            ({"koder": [{"kode": "x", "navn": "X"}, {"kode": "x", "navn": "Y"}]}, "mere end én gang"),
            ({"koder": [{"kode": "x", "navn": "X"}, {"kode": "y", "navn": "x"}]}, "mere end én gang"),
            ({"koder": [{"kode": "x"}]}, "mindst 'navn'"),
            ({"format": "andet", "koder": []}, "Ukendt format"),
            ({"koder": "nej"}, "liste 'koder'"),
            ({"koder": [{"kode": "n", "navn": "A"}]}, "allerede brugt"),
        ]:
            with pytest.raises(CodebookError, match=msg):
                cb.import_json(s, bad)
        with pytest.raises(CodebookError, match="gyldig JSON"):
            cb.import_json(s, "{nej")
        with pytest.raises(CodebookError, match="mangler kolonnen"):
            cb.import_csv(s, "navn\nX\n")
        with pytest.raises(CodebookError, match="som ikke findes"):
            cb.import_csv(s, "kode,navn,overkode\nz,Z,ukendt\n")
        with pytest.raises(CodebookError, match="under sig selv"):
            cb.import_csv(s, "kode,navn,overkode\na,B,b\nb,A,a\n")
        assert [(c.key, c.parent_id) for c in cb.all_codes(s)] == [("a", None), ("b", None)]  # unchanged
        with pytest.raises(CodebookError, match="heltal"):
            cb.import_csv(s, "kode,navn,sortering\nz,Z,ti\n")


def test_import_file_and_seed_file_round_trip(engine, tmp_path):
    with session_scope(engine) as s:
        cb.import_file(s, cb.SEED_PATH)
        assert [e.key for e in cb.entries(s)] == [e.key for e in cb.load_seed()]
        p = tmp_path / "kodebog.csv"
        p.write_text(cb.export_csv(s), encoding="utf-8")
        res = cb.import_file(s, p)
        assert not res.created and not res.updated


# --------------------------------------------------------------------------- decisions

def test_decisions_record_replace_and_training_data(engine):
    with session_scope(engine) as s:
        cb.ensure_seeded(s)
        iv = Interview(respondent_id="R1")
        s.add(iv)
        s.flush()
        q = Quote(interview_id=iv.id, item_code="rytme_fri", text="Det giver en rytme i hverdagen")
        s.add(q)
        s.flush()
        d = cb.record_decision(s, "quote", q.id, "rytme_i_hverdagen", "accepted", source="regel", who="anna")
        assert d.text == q.text and d.at.tzinfo is not None
        cb.record_decision(s, "quote", q.id, "bolig", "rejected", source="model", who="anna")
        # a new decision on the same target and code replaces the old one
        cb.record_decision(s, "quote", str(q.id), "bolig", "accepted", source="manuel", who="bo")
        rows = s.execute(select(CodeDecision)).scalars().all()
        assert len(rows) == 2
        assert {k: (v.decision, v.source, v.who) for k, v in cb.decisions_for(s, "quote", q.id).items()} == {
            "rytme_i_hverdagen": ("accepted", "regel", "anna"), "bolig": ("accepted", "manuel", "bo")}
        cb.record_decision(s, "segment", "T1:4", "sagsbehandler", "rejected", text="  Det giver en rytme   i hverdagen ")
        cb.record_decision(s, "segment", "T1:5", "sagsbehandler", "accepted", text="Sagsbehandleren ringer aldrig")
        data = dict(cb.labelled_texts(s))
        # identical texts (whitespace aside) are merged
        assert data == {"Det giver en rytme i hverdagen": {"rytme_i_hverdagen": 1, "bolig": 1, "sagsbehandler": 0},
                        "Sagsbehandleren ringer aldrig": {"sagsbehandler": 1}}
        assert cb.decision_count(s, "sagsbehandler") == 2


def test_decision_refusals(engine):
    with session_scope(engine) as s:
        cb.ensure_seeded(s)
        for args, kw, msg in [
            (("person", "1", "bolig", "accepted"), {"text": "x"}, "Ukendt type"),
            (("segment", "1", "bolig", "måske"), {"text": "x"}, "Ukendt beslutning"),
            (("segment", "1", "bolig", "accepted"), {"text": "x", "source": "gæt"}, "Ukendt kilde"),
            (("segment", "1", "ukendt", "accepted"), {"text": "x"}, "findes ikke"),
            (("segment", "1", "bolig", "accepted"), {}, "mangler teksten"),
            (("segment", " ", "bolig", "accepted"), {"text": "x"}, "mangler et id"),
            (("quote", "999", "bolig", "accepted"), {}, "Citatet '999' findes ikke"),
        ]:
            with pytest.raises(CodebookError, match=msg):
                cb.record_decision(s, *args, **kw)


def test_tables_are_created_by_make_engine(engine):
    with session_scope(engine) as s:
        assert s.execute(select(Code)).all() == []
        assert s.execute(select(CodeDecision)).all() == []


def test_json_import_refuses_a_bad_sort_order_and_cleans_descriptions():
    with pytest.raises(cb.CodebookError, match="'sortering' skal være et heltal"):
        cb.parse_document({"koder": [{"kode": "a", "navn": "A", "sortering": "abc"}]})
    (e,) = cb.parse_document({"koder": [{"kode": "a", "navn": "A", "beskrivelse": " To\x00 linjer\n"}]})
    assert "\x00" not in e.description and e.description.startswith("To")
    (e,) = cb.parse_csv("kode,navn,beskrivelse\na,A,\"ét\x00 ord\"\n")
    assert "\x00" not in e.description
