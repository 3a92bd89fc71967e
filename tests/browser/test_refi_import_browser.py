"""Issue 15, a REFI-QDA project imported on the Transskriptioner page in Debian's Chromium, at
1280×720 by mouse and at 1024×768 by keyboard: the expander opened, the .qdpx chosen, the button
pressed, the Danish summary shown — and the transcript with its coded segment read back from the store."""
from __future__ import annotations

import pytest

from coding import service
from coding import transcripts as tr
from survey.db import session_scope
from tests.browser.conftest import shot
from tests.browser.test_guide_links_browser import open_as_coder, press, service_respondents
from tests.exports.test_qdpx_import import CODEBOOK, C_SUB, NVIVO_TEXT, S1, U1, _project, _sel


@pytest.mark.parametrize("size,by", [((1280, 720), "mouse"), ((1024, 768), "keyboard")])
def test_a_project_from_nvivo_is_imported_on_the_page(demo_store, server, browser, tmp_path, size, by):
    from playwright.sync_api import expect

    engine = demo_store
    rid = "AMA-01"
    iid = next(r.interview_id for r in service_respondents(engine) if r.respondent_id == rid)
    body = f"""<Users><User guid="{U1}" name="Anna Koder"/></Users>{CODEBOOK}
<Cases><Case guid="3f3f0000-0000-4000-8000-000000000800" name="{rid}"><SourceRef targetGUID="{S1}"/></Case></Cases>
<Sources><TextSource guid="{S1}" name="Interview {size[0]}" plainTextPath="internal://{S1}.txt">
  {_sel(1, NVIVO_TEXT, "Jeg står op klokken syv.", [C_SUB])}</TextSource></Sources>"""
    path = tmp_path / "projekt.qdpx"
    path.write_bytes(_project(body, {f"sources/{S1}.txt": NVIVO_TEXT}))
    page, main = open_as_coder(browser, server, rid, size, "Bo")
    opener = main.get_by_text("Importér et REFI-QDA-projekt (.qdpx)")
    opener.scroll_into_view_if_needed()
    if by == "mouse":
        opener.click()
    else:
        main.locator("summary").filter(has_text="Importér et REFI-QDA-projekt").focus()
        page.keyboard.press("Enter")
    field = main.locator(".st-key-tr_qdpx")
    expect(field).to_be_visible(timeout=30000)
    field.locator('input[type="file"]').set_input_files(str(path))
    expect(field).to_contain_text("projekt.qdpx")
    button = main.get_by_role("button", name="Importér projektet")
    button.scroll_into_view_if_needed()
    bb = button.bounding_box()
    assert bb and bb["y"] >= 0 and bb["y"] + bb["height"] <= size[1], bb  # on screen at this size
    press(page, button, by)
    expect(main).to_contain_text("Projektet er importeret.", timeout=30000)  # the schema and spaCy load first
    expect(main).to_contain_text(f"Transskriptioner: 1 ({rid}: 3 segmenter).")
    shot(page, f"refi_import_{size[0]}")
    infos = service.list_transcripts(engine, iid)
    named = [i for i in infos if i.filename == f"Interview {size[0]}"]
    assert len(named) == 1
    with session_scope(engine) as s:
        coded = [(g.text, [(c.key, c.who) for c in g.codes]) for g in tr.segments_for(s, named[0].id) if g.codes]
    assert coded == [("Jeg står op klokken syv.", [("rytme", "Anna Koder")])]
    page.close()
