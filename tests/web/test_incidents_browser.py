"""Incidents in a real browser, in Arabic and English: create one picking كفرنبل from
the place autocomplete with the keyboard, link evidence, grade it with a reason,
propose "confirmed", a second member approves; the log verifies afterwards. Then a
bulk grade change over three incidents, one of which this person may not edit.

Screenshots: $MARSAD_SCREENSHOTS/incidents/ (default /tmp/shots/incidents), named
like ar-01-create.png."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

_base = os.environ.get("MARSAD_SCREENSHOTS")
SHOTS = Path(_base) / "incidents" if _base else Path("/tmp/shots/incidents")
OCHA = Path(__file__).resolve().parents[3] / "shared" / "testdata" / "gazetteer" / "syria-locations-ocha.json"
TITLES = {"ar": "غارة جوية على مشفى كفرنبل الجراحي", "en": "Airstrike on the surgical hospital in Kafr Nabl"}


def snap(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # caret="initial": hiding the caret leaves style="" on inputs, which an htmx swap would then copy (CSP).
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, caret="initial")


@pytest.fixture
def scene(team, tmp_path, monkeypatch):
    """The team's project with two photos; the OCHA village gazetteer when the shared test
    data is there (GeoNames, built in, knows كفرنبل too)."""
    from marsad.access import service as access
    from marsad.cli.init import init_workspace
    from marsad.custody import log
    from marsad.evidence.analysis import analyse
    from marsad.evidence.ingest import ingest
    from marsad.evidence.models import Item
    from marsad.incidents import places
    from marsad.plugins.files import FilesSource

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    init_workspace()
    if OCHA.exists():
        from marsad.core.places.readers import Columns

        places.import_file(OCHA, Columns(), log.actor_id("tester"))
    else:
        places.ensure_default()
    shas = []
    for n in range(2):
        path = tmp_path / f"photo-{n}.png"
        Image.new("RGB", (320, 240), (30 + 90 * n, 120, 60)).save(path, "PNG")
        shas += [o.sha256 for o in ingest(FilesSource().sightings(str(path)), log.actor_id("collector"),
                                          project=team["project"].pk)]
        analyse(shas[-1])
    Item.objects.filter(sha256=shas[1]).update(graphic=True)  # shown blurred until "Show"
    access.set_role(team["editor"], team["other"], "viewer", actor="actor:test")
    return {**team, "shas": shas}


def _second_page(page, base: str, lang: str, username: str):
    """Another person, in their own browser context, watched by the same guard."""
    other = page.context.browser.new_context(viewport=page.viewport_size).new_page()
    page.guard.watch(other)
    login(other, base, lang, username)
    return other


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_create_pick_place_link_grade_propose_and_approve(guarded, live_server, scene, lang):
    from marsad.custody import log
    from marsad.custody.verify import verify_log
    from marsad.incidents.models import GradeApproval, Incident

    page, url = guarded, live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, url, lang, "editor")
    page.goto(f"{url}/{lang}/incidents/new/")
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    page.fill("input[name=title]", TITLES[lang])
    page.fill("input[name=event_date]", "2019-05-05")
    page.fill("input[name=event_time]", "17:30")
    page.select_option("select[name=sub_event_type]", "Air/drone strike")
    box = page.locator("input[name=place_text]")
    box.click()
    box.press_sequentially("كفرنبل", delay=60)
    option = page.locator(".place-option").first
    option.wait_for()
    assert "Kafr" in option.inner_text() and "كفر" in option.inner_text()  # both languages
    snap(page, f"{lang}-01-create")
    box.press("ArrowDown")  # the keyboard alone picks it
    assert page.evaluate("document.activeElement.classList.contains('place-option')")
    page.keyboard.press("Enter")
    key = page.input_value("input[name=place]")
    assert key and page.locator("[data-chosen]").is_visible()
    page.fill("textarea[name=evidence]", "\n".join(scene["shas"]))
    page.select_option("select[name=role]", "primary")
    page.fill("textarea[name=reason]", "first report from the field team")
    snap(page, f"{lang}-02-create-filled")
    page.locator("form.incident-form button[type=submit]").click()
    page.wait_for_url(f"{url}/{lang}/incidents/SYR*/")
    incident = Incident.objects.get(title=TITLES[lang])
    assert incident.place.key == key and incident.links.count() == 2
    page.wait_for_load_state("networkidle")
    graphic = page.locator("#evidence [data-veil]")
    assert graphic.count() == 1 and graphic.locator("img.preview").count() == 1  # blurred until asked
    snap(page, f"{lang}-03-detail")

    page.goto(f"{url}/{lang}/incidents/{incident.code}/edit/")
    page.select_option("select[name=grade]", "fair")
    page.fill("textarea[name=grade_reason]", "two videos from different angles")
    page.fill("textarea[name=reason]", "assessed the footage")
    page.locator("form.incident-form button[type=submit]").click()
    page.wait_for_url(f"{url}/{lang}/incidents/{incident.code}/")
    incident.refresh_from_db()
    assert incident.grade == "fair" and incident.changes.get(field="grade").reason == "assessed the footage"
    snap(page, f"{lang}-04-graded")

    page.goto(f"{url}/{lang}/incidents/{incident.code}/edit/")
    page.select_option("select[name=grade]", "confirmed")
    page.fill("textarea[name=grade_reason]", "shadows and the minaret match the surgical hospital")
    page.fill("textarea[name=reason]", "ready for a second review")
    page.locator("form.incident-form button[type=submit]").click()
    page.wait_for_url(f"{url}/{lang}/incidents/{incident.code}/")
    assert page.locator(".pending").is_visible() and page.locator("button[value=approve]").count() == 0
    incident.refresh_from_db()
    assert incident.grade == "fair" and incident.status == "needs_second_review"
    snap(page, f"{lang}-05-proposed")

    reviewer = _second_page(page, url, lang, "manager")
    reviewer.goto(f"{url}/{lang}/notifications/")
    assert incident.code in reviewer.content()
    snap(reviewer, f"{lang}-06-notified")
    reviewer.goto(f"{url}/{lang}/incidents/{incident.code}/#review")
    reviewer.fill("#decide-reason", "checked the shadows against the satellite view")
    reviewer.locator("button[value=approve]").click()
    reviewer.wait_for_url(f"{url}/{lang}/incidents/{incident.code}/#review")
    incident.refresh_from_db()
    assert incident.grade == "confirmed" and incident.status == "verified"
    assert GradeApproval.objects.get(incident=incident).decided_by == scene["manager"]
    snap(reviewer, f"{lang}-07-approved")
    reviewer.context.close()

    log.sign_checkpoint()
    report = verify_log()
    assert report.ok, report.problems


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_bulk_grade_change_reports_each_incident(guarded, live_server, scene, lang):
    from marsad.incidents import service
    from marsad.incidents.models import Incident

    mine = [service.create({"title": f"Report {n}", "event_date": f"2019-05-0{n + 1}"}, "actor:test",
                           project=scene["project"]) for n in range(2)]
    theirs = service.create({"title": "Elsewhere", "event_date": "2019-05-04"}, "actor:test", project=scene["other"])
    page, url = guarded, live_server.url
    page.set_viewport_size({"width": 1280, "height": 900})
    login(page, url, lang, "editor")
    page.goto(f"{url}/{lang}/incidents/")
    for incident in (*mine, theirs):
        page.check(f"input[name=code][value={incident.code}]")
    page.select_option("#bulk-form select[name=grade]", "weak")
    page.fill("#bulk-form input[name=reason]", "only one source each")
    snap(page, f"{lang}-10-bulk-chosen")
    page.locator("#bulk-form button[type=submit]").click()
    page.wait_for_url(f"{url}/{lang}/incidents/bulk/")
    for incident in mine:
        assert page.locator(f"tr.outcome-changed:has(a[href$='/{incident.code}/'])").count() == 1
    assert page.locator(f"tr.outcome-not_allowed:has(a[href$='/{theirs.code}/'])").count() == 1
    snap(page, f"{lang}-11-bulk-results")
    assert [i.grade for i in Incident.objects.filter(pk__in=[m.pk for m in mine])] == ["weak", "weak"]
    theirs.refresh_from_db()
    assert theirs.grade == "unassessed" and theirs.changes.count() == 1  # only its creation
