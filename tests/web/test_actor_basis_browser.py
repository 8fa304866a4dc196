"""The basis for the suspected actors in a real browser, in Arabic and English: an editor
ticks the kinds of basis and writes it in words on the edit page, saves with a reason, and
the incident page shows it in the page's language, with the change in its history.

Screenshots: $MARSAD_SCREENSHOTS (default test-artifacts/screenshots)/<test>/."""

from __future__ import annotations

import pytest

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOTE = {"ar": "بقايا صاروخ موجّه صُوّرت على سطح السوق", "en": "Remnants of a guided missile photographed on the roof"}
SHOWN = {"ar": ("بقايا الذخائر", "مراصد الطيران وتتبّع الطائرات"),
         "en": ("munition remnants", "aircraft observers and flight tracking")}


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_ticking_the_basis_and_seeing_it_on_the_incident_page(guarded, live_server, team, shot, lang):
    from marsad.incidents import service

    incident = service.create({"title": "Strike on the market", "event_date": "2019-05-05", "actor1": "Air force"},
                              "actor:test", project=team["project"])
    page, url = guarded, live_server.url
    page.set_viewport_size({"width": 1200, "height": 900})
    login(page, url, lang, "editor")
    page.goto(f"{url}/{lang}/incidents/{incident.code}/edit/")
    for kind in ("remnants", "flight_tracking"):
        page.check(f"input[name=actor_basis][value={kind}]")
    page.fill("textarea[name=actor_basis_note]", NOTE[lang])
    page.fill("textarea[name=reason]", "remnants photographed")
    page.locator("input[name=actor_basis]").first.scroll_into_view_if_needed()
    shot(page, f"{lang} edit, basis ticked")
    page.locator("form.incident-form button[type=submit]").click()
    page.wait_for_url(f"{url}/{lang}/incidents/{incident.code}/")
    text = page.locator("main").inner_text()
    assert all(words in text for words in SHOWN[lang]) and NOTE[lang] in text
    shot(page, f"{lang} incident page with its basis")
    incident.refresh_from_db()
    assert (incident.actor_basis, incident.actor_basis_note) == ("remnants;flight_tracking", NOTE[lang])
