"""The seed codebook on first use (issue 10.10): `coding.codebook.seed_on_first_use` loads the
report's themes into an empty codebook once per store, idempotently, and safely when several
processes open the codebook at the same moment (SQLite and PostgreSQL)."""
from __future__ import annotations

import multiprocessing as mp

from sqlalchemy import func, select

from coding import codebook as cb
from survey.db import make_engine, session_scope
from survey.models import AuditEntry


def _marks(engine) -> int:
    with session_scope(engine) as s:
        return s.execute(select(func.count()).select_from(AuditEntry)
                         .where(AuditEntry.entity == cb.SEED_ENTITY, AuditEntry.code == cb.SEED_CODE)).scalar_one()


def test_first_use_seeds_once_and_is_idempotent(engine):
    n_seed = len(cb.load_seed())
    assert cb.seed_on_first_use(engine) == n_seed
    assert cb.seed_on_first_use(engine) == 0
    with session_scope(engine) as s:
        assert [e.key for e in cb.entries(s)] == [e.key for e in cb.load_seed()]
        assert cb.seeded_before(s)
    assert _marks(engine) == 1
    # emptied by the researcher: stays empty on the next reads; ensure_seeded (the button) loads it again
    with session_scope(engine) as s:
        for c in reversed(cb.all_codes(s)):
            cb.delete_code(s, c)
    assert cb.seed_on_first_use(engine) == 0
    with session_scope(engine) as s:
        assert cb.is_empty(s)
        assert cb.ensure_seeded(s, who="Forsker A") == n_seed
    assert _marks(engine) == 2


def test_first_use_leaves_an_existing_codebook_alone(engine):
    with session_scope(engine) as s:
        cb.create_code(s, "Kaffe", cues="kaffe")
    assert cb.seed_on_first_use(engine) == 0
    with session_scope(engine) as s:
        assert [e.key for e in cb.entries(s)] == ["kaffe"] and not cb.seeded_before(s)


def _seed_in_process(url: str, barrier, out) -> None:
    engine = make_engine(url)
    try:
        barrier.wait(30)
        out.put(("ok", cb.seed_on_first_use(engine)))
    except Exception as e:  # reported to the test, which fails with it
        out.put(("error", f"{type(e).__name__}: {e}"))
    finally:
        engine.dispose()


def test_four_processes_opening_an_empty_codebook_at_once_seed_it_once(db_url):
    n = 4
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_seed_in_process, args=(db_url, barrier, out)) for _ in range(n)]
    for p in procs:
        p.start()
    results = [out.get(timeout=120) for _ in range(n)]
    for p in procs:
        p.join(60)
    assert all(kind == "ok" for kind, _ in results), results
    assert sorted(v for _, v in results) == [0] * (n - 1) + [len(cb.load_seed())]
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            assert [e.key for e in cb.entries(s)] == [e.key for e in cb.load_seed()]
        assert _marks(engine) == 1
    finally:
        engine.dispose()


def test_a_field_package_does_not_carry_the_seed_record(engine, new_db_url, tmp_path):
    """A laptop's «seed loaded» record must not tell the central store its codebook was loaded."""
    from survey import sync

    assert cb.seed_on_first_use(engine) > 0
    pkg = tmp_path / "felt.zip"
    sync.export_package(engine, pkg, passphrase="feltkode til testen")
    assert all(a["entity"] != cb.SEED_ENTITY for a in sync.read_package(pkg, passphrase="feltkode til testen").audit)
    central = make_engine(new_db_url())
    try:
        sync.merge_package(central, pkg, passphrase="feltkode til testen")
        assert _marks(central) == 0
        assert cb.seed_on_first_use(central) == len(cb.load_seed())   # the central store seeds its own
    finally:
        central.dispose()
