"""POST /bb/autosave (ui/autosave_http.py): the last changes of a closing page, through save_answer.

Runs the route in Starlette's test client against the test's store (SQLite or PostgreSQL): who may
send, what is refused (another origin, too large, not JSON), and that a stale or repeated beacon
never replaces a newer answer."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from survey import auth
from survey import interview as svc
from survey.db import get_engine, session_scope
from ui import autosave_http

HOST = "http://testserver"


@pytest.fixture
def client(db_url, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_DB", db_url)
    return TestClient(Starlette(routes=autosave_http.ROUTES), base_url=HOST)


@pytest.fixture
def iv(db_url, guide, monkeypatch):
    monkeypatch.setenv("BRUGERBLIK_DB", db_url)
    return svc.start_interview(get_engine(db_url), guide, site_name="Basen", site_type="boform", interviewer="KL",
                               interview_date=dt.date(2026, 11, 3))


def post(client, payload, *, origin=HOST, raw: bytes | None = None, cookies=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {"content-type": "text/plain", "sec-fetch-site": "same-origin"}
    if origin:
        headers["origin"] = origin
    if cookies:
        client.cookies.update(cookies)
    return client.post(autosave_http.AUTOSAVE_PATH, content=body, headers=headers)


DRAFT = "3fa85f64-5717-4562-b3fc-2c963f66afa6"  # a new quote's own id, as the page makes it


def answers(db_url, iid):
    return svc.load_state(get_engine(db_url), iid).answers


def test_a_closing_page_saves_its_last_text_and_choices(client, iv, db_url):
    r = post(client, {"iid": iv.id, "items": [
        {"code": "hvorfor_her", "value": "Skrevet lige før fanen lukkede", "base": [0, None]},
        {"code": "gender", "value": "kvinde", "base": [0, None]},
        {"code": "newquote:hvorfor_her", "value": "Her er trygt.", "draft": DRAFT}]})
    assert r.status_code == 204
    a = answers(db_url, iv.id)
    assert (a["hvorfor_her"], a["gender"]) == ("Skrevet lige før fanen lukkede", "kvinde")
    assert [q.text for q in svc.list_quotes(get_engine(db_url), iv.id)] == ["Her er trygt."]
    # the same beacon twice (visibilitychange and pagehide): nothing changes, no second quote
    assert post(client, {"iid": iv.id, "items": [
        {"code": "gender", "value": "kvinde", "base": [0, None]},
        {"code": "newquote:hvorfor_her", "value": "Her er trygt. Altid.", "draft": DRAFT}]}).status_code == 204
    assert [q.text for q in svc.list_quotes(get_engine(db_url), iv.id)] == ["Her er trygt. Altid."]
    trail = [t for t in svc.audit_trail(get_engine(db_url), iv.id) if t.code == "gender"]
    assert len(trail) == 1


def test_a_closing_page_never_changes_an_older_quote(client, iv, db_url, guide):
    """A tester found «Nej» replaced by a new quote that began with it, the tab closed while it was
    typed. Two new quotes of one field in one beacon (the second begun after the first was left) are
    both kept; without an id (not this version's page) a new quote is added, never merged."""
    e = get_engine(db_url)
    svc.add_quote(e, guide, iv.id, "hvorfor_her", "Nej")
    post(client, {"iid": iv.id, "items": [
        {"code": "newquote:hvorfor_her", "value": "Nej, jeg har aldrig gået på en uddannelse", "draft": DRAFT},
        {"code": "newquote:hvorfor_her", "value": "Og så?", "draft": DRAFT.replace("a", "b")}]})
    assert [q.text for q in svc.list_quotes(e, iv.id)] == ["Nej", "Nej, jeg har aldrig gået på en uddannelse",
                                                           "Og så?"]
    for _ in range(2):
        post(client, {"iid": iv.id, "items": [{"code": "newquote:hvorfor_her", "value": "Nej, og"}]})
    assert [q.text for q in svc.list_quotes(e, iv.id)][-1] == "Nej, og"
    assert len(svc.list_quotes(e, iv.id)) == 4
    # a too-long quote without an id is refused — and the answer says so; the beacon's other changes are stored
    r = post(client, {"iid": iv.id, "items": [
        {"code": "newquote:hvorfor_her", "value": "x" * (svc.MAX_TEXT + 5)},
        {"code": "gender", "value": "kvinde", "base": [0, None]}]})
    assert (r.status_code, r.json()) == (200, {"stored": 1, "conflicts": 0, "refused": 1, "left": 0,
                                               "not_stored": [0]})
    assert answers(db_url, iv.id)["gender"] == "kvinde" and len(svc.list_quotes(e, iv.id)) == 4


def test_a_stale_beacon_never_replaces_a_newer_answer_but_a_chained_one_follows_its_own(client, iv, db_url, guide):
    e = get_engine(db_url)
    assert svc.save_answer(e, guide, iv.id, "rytme", "ja").ok             # another tab
    post(client, {"iid": iv.id, "items": [{"code": "rytme", "value": "nej", "base": [0, None]}]})
    assert answers(db_url, iv.id)["rytme"] == "ja"
    assert any((t.note or "").startswith("konflikt") for t in svc.audit_trail(e, iv.id) if t.code == "rytme")
    # this tab changed «age» to 40 (saved by the websocket) and then to 41: chained on its own 40
    assert svc.save_answer(e, guide, iv.id, "age", "40", base=(0, None)).ok
    post(client, {"iid": iv.id, "items": [{"code": "age", "value": "41", "base": [0, None], "chain": True,
                                           "prev": "40"}]})
    assert answers(db_url, iv.id)["age"] == "41"


@pytest.mark.parametrize("kind, kwargs, status", [
    ("another site", dict(origin="http://evil.example"), 403),
    ("no origin", dict(origin=None), 403),
    ("not json", dict(raw=b"\xff\xfe not json"), 400),
    ("too large", dict(raw=b"x" * (autosave_http.MAX_BODY + 1)), 413),
])
def test_refusals_change_nothing(client, iv, db_url, kind, kwargs, status):
    r = post(client, {"iid": iv.id, "items": [{"code": "gender", "value": "mand", "base": [0, None]}]}, **kwargs)
    assert r.status_code == status, kind
    assert "gender" not in answers(db_url, iv.id)


def test_with_users_only_a_signed_in_interviewer_of_that_interview_may_send(client, db_url, guide):
    e = get_engine(db_url)
    iv = svc.start_interview(e, guide, site_name="Basen", site_type="boform", interviewer="kl")
    with session_scope(e) as s:
        auth.add_user(s, "admin1", "admin", "hemmelig-kode-1")
        auth.add_user(s, "kl", "interviewer", "hemmelig-kode-2")
        auth.add_user(s, "ole", "interviewer", "hemmelig-kode-3")
        auth.add_user(s, "rw", "report_writer", "hemmelig-kode-4")
    payload = {"iid": iv.id, "items": [{"code": "gender", "value": "mand", "base": [0, None]}]}
    assert post(client, payload).status_code == 403                       # no session

    def token_for(user):
        with session_scope(e) as s:
            issued = auth.start_session(s, user)
        with session_scope(e) as s:
            return auth.redeem_ticket(s, issued.ticket)

    for user in ("ole", "rw"):                                            # not hers / not an interviewer
        client.cookies.clear()
        assert post(client, payload, cookies={auth.SESSION_COOKIE: token_for(user)}).status_code == 403
    assert "gender" not in answers(db_url, iv.id)
    client.cookies.clear()
    assert post(client, payload, cookies={auth.SESSION_COOKIE: token_for("kl")}).status_code == 204
    assert answers(db_url, iv.id)["gender"] == "mand"
    trail = [t for t in svc.audit_trail(e, iv.id) if t.code == "gender"]
    assert trail[-1].who == "kl"


def test_a_change_made_by_another_user_is_never_stored_under_the_senders_name(client, db_url, guide):
    """The page stamps each change with who made it (`author_mark`). A tab where kl was signed out and a
    researcher signed in holds kl's changes; should one reach the server under the researcher's cookie, it is
    not stored — the researcher's own change in the same body is."""
    e = get_engine(db_url)
    iv = svc.start_interview(e, guide, site_name="Basen", site_type="boform", interviewer="kl")
    with session_scope(e) as s:
        auth.add_user(s, "kl", "interviewer", "hemmelig-kode-2")
        auth.add_user(s, "forsker", "researcher", "hemmelig-kode-3")
    with session_scope(e) as s:
        issued = auth.start_session(s, "forsker")
    with session_scope(e) as s:
        token = auth.redeem_ticket(s, issued.ticket)
    assert autosave_http.author_mark("kl") != autosave_http.author_mark("forsker")
    payload = {"iid": iv.id, "items": [
        {"code": "hvorfor_her", "value": "kl's ord", "base": [0, None], "by": autosave_http.author_mark("kl")},
        {"code": "gender", "value": "mand", "base": [0, None], "by": autosave_http.author_mark("forsker")}]}
    r = post(client, payload, cookies={auth.SESSION_COOKIE: token})
    # not a 204: kl's change was not stored, and the answer says which (its position), never its value
    assert (r.status_code, r.json()) == (200, {"stored": 1, "conflicts": 0, "refused": 1, "left": 0,
                                               "not_stored": [0]})
    assert "kl's ord" not in r.text
    assert answers(db_url, iv.id) == {"gender": "mand"}
    assert [t.who for t in svc.audit_trail(e, iv.id) if t.code in ("gender", "hvorfor_her")] == ["forsker"]


def test_the_answer_says_what_was_not_stored_and_nothing_is_cut_silently(client, iv, db_url, guide):
    """A tester: the route answered 204 also when it stored nothing or only part — the items beyond MAX_ITEMS
    were cut without a word, a refused value too — and a page that sends its held changes by fetch dropped
    them on that 204. Now 204 means all was stored; otherwise a 200 counts them and names the positions of
    what was not (never a value), and sending those again stores them."""
    e = get_engine(db_url)
    n = autosave_http.MAX_ITEMS
    same = [{"code": "gender", "value": "kvinde", "base": [0, None]}] * n   # stored once, then already so
    r = post(client, {"iid": iv.id, "items": same + [{"code": "age", "value": "41", "base": [0, None]},
                                                     {"code": "rytme", "value": "ja", "base": [0, None]}]})
    assert (r.status_code, r.json()) == (200, {"stored": n, "conflicts": 0, "refused": 0, "left": 2,
                                               "not_stored": [n, n + 1]})
    assert answers(db_url, iv.id) == {"gender": "kvinde"}                  # the two beyond the limit: not looked at
    assert post(client, {"iid": iv.id, "items": [{"code": "age", "value": "41", "base": [0, None]},
                                                 {"code": "rytme", "value": "ja", "base": [0, None]}]}
                ).status_code == 204                                        # sent again: stored
    assert answers(db_url, iv.id) == {"gender": "kvinde", "age": "41", "rytme": "ja"}
    # a value the guide refuses, an unknown question and a stale change: counted, the first two named
    assert svc.save_answer(e, guide, iv.id, "hverdag", "Fra en anden fane").ok
    r = post(client, {"iid": iv.id, "items": [
        {"code": "age", "value": "5", "base": [1, "41"]},
        {"code": "hverdag", "value": "Fra denne fane", "base": [0, None]},
        {"code": "findes_ikke", "value": "x", "base": [0, None]},
        {"code": "skoleaar", "value": "10", "base": [0, None]}]})
    assert (r.status_code, r.json()) == (200, {"stored": 1, "conflicts": 1, "refused": 2, "left": 0,
                                               "not_stored": [0, 2]})
    assert "Fra denne fane" not in r.text and '"5"' not in r.text
    a = answers(db_url, iv.id)
    assert (a["age"], a["hverdag"], a["skoleaar"]) == ("41", "Fra en anden fane", "10")
    assert "hverdag" in svc.load_state(e, iv.id).conflicts               # the conflict is offered when opened


def test_the_service_reports_what_became_of_each_closing_change(engine, guide):
    iv = svc.start_interview(engine, guide, site_name="Basen", site_type="boform", interviewer="KL")
    res = svc.save_closing_changes(engine, guide, iv.id, [
        {"code": "age", "value": "5", "base": [0, None]}, "not an item", {"kind": "done", "code": "newquote:x"},
        {"code": "gender", "value": "mand", "base": [0, None]}, {"code": "rytme", "value": "ja", "base": [0, None]}],
        max_items=4)
    assert (res.stored, res.conflicts, res.refused, res.left, res.not_stored) == (1, 0, 2, 1, [0, 1, 4])
    assert not res.complete and svc.load_state(engine, iv.id).answers == {"gender": "mand"}


def test_a_closing_page_stores_nothing_while_the_guide_does_not_fit_the_store(client, iv, db_url, guide, tmp_path,
                                                                               monkeypatch):
    """docs/guide.md «Når guiden ændres»: a guide that does not fit the stored interviews shows and stores
    nothing. A tester: the pages refused it, but the closing route stored a beacon's answers with it (the
    route never ran the check). Now it answers 409, stores nothing, and the page keeps the changes and
    sends them again (ui/static/queue.js: only 204 and 200 drop anything); with the guide put back they
    are stored."""
    from survey import guide_fit
    from survey.guide import load_guide
    from tests.custom_guides import edited_guide, swap_labels

    e = get_engine(db_url)
    guide_fit.forget()
    guide_fit.require_fit(e, guide)
    assert svc.save_answer(e, guide, iv.id, "gender", "kvinde").ok
    # the team swaps two labels in use (refused, also with a new version): every page stops
    bad = edited_guide(tmp_path / "g.xlsx", swap_labels("gender", "kvinde", "mand"), version="2026.9")
    guide_fit.forget()
    with pytest.raises(guide_fit.GuideFitError):
        guide_fit.require_fit(e, load_guide(bad))
    monkeypatch.setenv("BRUGERBLIK_GUIDE", str(bad))
    items = [{"code": "gender", "value": "mand", "base": [1, "kvinde"]},
             {"code": "hvorfor_her", "value": "Skrevet lige før fanen lukkede", "base": [0, None]}]
    r = post(client, {"iid": iv.id, "items": items})
    assert r.status_code == 409 and "Skrevet" not in r.text
    assert answers(db_url, iv.id) == {"gender": "kvinde"}
    monkeypatch.delenv("BRUGERBLIK_GUIDE")   # the guide put back: the page's next send is stored
    guide_fit.forget()
    assert post(client, {"iid": iv.id, "items": items}).status_code == 204
    assert answers(db_url, iv.id) == {"gender": "mand", "hvorfor_her": "Skrevet lige før fanen lukkede"}
    guide_fit.forget()


def test_a_closing_page_drawn_with_another_guide_stores_nothing(client, iv, db_url, guide, tmp_path, monkeypatch):
    """docs/guide.md «Når guiden ændres»: the guide replaced by an allowed new version (a changed question text,
    a new choice) while a page drawn with the old one is open. Its closing changes carry the old guide's page
    digest (``gd``): the route answers 409, the same as for a guide that does not fit (the page keeps them and
    sends them again), and stores nothing; once the page is drawn with the new guide, they are stored."""
    from survey import guide_fit
    from survey.guide import load_guide, page_digest
    from tests.custom_guides import add_choice, edited_guide, set_cell

    e = get_engine(db_url)
    guide_fit.forget()
    guide_fit.require_fit(e, guide)
    path = edited_guide(tmp_path / "ny.xlsx", set_cell("survey", {"name": "tilbudstype"}, "label", "Ny tekst?"),
                        add_choice("tilbudstype", "frivilligt", "Frivilligt arbejde"), version="2026.3")
    monkeypatch.setenv("BRUGERBLIK_GUIDE", str(path))
    guide_fit.forget()
    old, new = page_digest(guide), page_digest(load_guide(path))
    items = [{"code": "tilbudstype", "value": "udenfor", "base": [0, None], "gd": old},
             {"code": "hvorfor_her", "value": "Skrevet på den gamle side", "base": [0, None], "gd": old}]
    r = post(client, {"iid": iv.id, "items": items})
    assert r.status_code == 409 and "Skrevet" not in r.text and "udenfor" not in r.text
    assert answers(db_url, iv.id) == {}
    assert [t for t in svc.audit_trail(e, iv.id) if t.code in ("tilbudstype", "hvorfor_her")] == []
    r = post(client, {"iid": iv.id, "items": [dict(it, gd=new) for it in items]})   # the page reloaded
    assert r.status_code == 204
    assert answers(db_url, iv.id) == {"tilbudstype": "udenfor", "hvorfor_her": "Skrevet på den gamle side"}
    guide_fit.forget()
