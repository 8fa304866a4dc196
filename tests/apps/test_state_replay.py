"""Current state against history (issue 14): someone who can write the database edits
what exports read (an incident's fields, its evidence links, an item's capture time or
GPS, a place) without touching any event row; `log verify` replays the log and names it."""

from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import timezone

from marsad.core.places.gazetteer import GOVERNORATE, PLACE
from marsad.core.places.gazetteer import Place as CorePlace
from marsad.core.places.readers import Read
from marsad.custody import log
from marsad.custody.verify import verify_log
from marsad.evidence.models import AnalysisResult, Item
from marsad.incidents import exports, places, service
from marsad.incidents.models import Incident, IncidentItem, Place

KAFR_NABL = (35.6146, 36.5602)


def gazetteer(source: str, *found: CorePlace) -> None:
    places.save(Read(places=list(found), format="test"), f"{source} gazetteer", "tester", file_sha256="")


@pytest.fixture
def session(ingested):
    """A realistic session: two gazetteer imports (the second folds a town and moves
    another), an alias, incidents created and changed with reasons, evidence linked and
    its role changed, a merge and a split; then a checkpoint."""
    shas = list(Item.objects.order_by("id").values_list("sha256", flat=True))
    idlib = CorePlace("test:idlib", "Idlib", level=GOVERNORATE, lat=35.93, lon=36.63, source="test")
    gazetteer("test", idlib,
              CorePlace("test:kafr-nabl", "Kafr Nabl", "كفرنبل", lat=35.61, lon=36.56, parent="test:idlib",
                        source="test"),
              CorePlace("test:maarrat", "Maarrat al-Numan", lat=35.64, lon=36.67, parent="test:idlib", source="test"))
    gazetteer("ocha", CorePlace("ocha:kafr-nabl", "Kafr Nabl", names=["Kafranbel"], lat=KAFR_NABL[0], lon=KAFR_NABL[1],
                                level=PLACE, pcode="C3871", source="ocha"))
    gazetteer("test", idlib, CorePlace("test:maarrat", "Maarrat al-Nu'man", lat=35.648, lon=36.672,
                                       parent="test:idlib", source="test"))  # moved and renamed by a re-import
    places.add_alias("test:maarrat", "Maarat", "tester")

    a = service.create({"title": "Strike on the market", "event_date": "2019-05-05", "place": "test:kafr-nabl",
                        "sub_event_type": "Air/drone strike", "fatalities_best": 3}, "tester", [shas[0]],
                       "first report")
    service.update(a, {"fatalities_best": 12, "fatalities_high": 15, "grade": "fair", "status": "in_review",
                       "witness_names": "A. N.", "actor1": "Air force", "actor_basis": ["remnants", "witness"],
                       "actor_basis_note": "tail fin found"}, "tester", [shas[0]], "two videos")
    service.link(a, shas[:2], "corroborating", "tester", "same street")
    service.link(a, [shas[0]], "primary", "tester")
    b = service.create({"title": "Market strike (second report)", "event_date": "2019-05-05",
                        "location_text": "Maarrat", "place": "test:maarrat"}, "tester", reason="a witness")
    service.link(b, [shas[2]], "context", "tester")
    service.merge(a, [b], "tester", "one strike, two reports")
    c = service.split(a, [shas[1]], {"title": "Second strike"}, "tester", "filmed the next day")
    log.sign_checkpoint()
    for incident in (a, b, c):
        incident.refresh_from_db()
    return SimpleNamespace(a=a, b=b, c=c, shas=shas)


def after(attack) -> list[str]:
    """The problems `log verify` reports after an attack, which is then undone."""
    with transaction.atomic():
        attack()
        found = verify_log().problems
        transaction.set_rollback(True)
    return found


def named(found: list[str], *parts: str) -> bool:
    return any(all(p in problem for p in parts) for problem in found)


def test_an_untouched_session_verifies_and_every_kind_of_state_was_compared(session):
    report = verify_log()
    assert report.ok, report.problems
    assert report.state_checked["incidents"] == 3 and report.state_checked["links"] >= 4
    assert report.state_checked["places"] == 4 and report.state_checked["items"] == Item.objects.count()
    a = session.a
    assert (a.fatalities_best, a.place.key, (a.latitude, a.longitude)) == (12, "ocha:kafr-nabl", KAFR_NABL)
    assert session.b.merged_into_id == a.pk and session.c.split_from_id == a.pk
    assert Place.objects.get(key="test:kafr-nabl").merged_into.key == "ocha:kafr-nabl"
    assert dict(a.links.values_list("item__sha256", "role")) == {session.shas[0]: "primary",
                                                                 session.shas[2]: "context"}


def test_edited_incident_fields_are_named_with_both_values(session):
    a, code = session.a, session.a.code
    edit = Incident.objects.filter(pk=a.pk).update
    assert named(after(lambda: edit(fatalities_best=40)), f"incident {code}: fatalities_best is 40 in the database, "
                                                           "12 by its history")
    assert named(after(lambda: edit(title="Nothing happened")),
                 f"incident {code}: title is 'Nothing happened' in the database, 'Strike on the market' by its history")
    found = after(lambda: edit(status="verified", grade="confirmed"))
    assert named(found, code, "status is 'verified'") and named(found, code, "grade is 'confirmed'", "'fair'")
    assert named(after(lambda: edit(latitude=36.2)), code, "latitude is 36.2 in the database, 35.6146")
    # Hidden from exports (they leave merged incidents out): named too.
    assert named(after(lambda: edit(merged_into=session.c)), code, f"merged_into is '{session.c.code}'", "None")
    # the basis for the suspected actors: its kinds and its words
    assert named(after(lambda: edit(actor_basis="claim")), code, "actor_basis is 'claim' in the database, "
                                                                  "'witness;remnants' by its history")
    assert named(after(lambda: edit(actor_basis_note="")), code, "actor_basis_note is '' in the database, "
                                                                 "'tail fin found'")
    found = after(lambda: edit(witness_names="someone else"))
    assert named(found, code, "witness_names", "values withheld") and not named(found, "someone else")


def test_deleted_added_and_changed_evidence_links_are_named(session):
    a, (first, second, third, *_) = session.a, session.shas
    found = after(lambda: IncidentItem.objects.filter(incident=a, item__sha256=first).delete())
    assert named(found, f"incident {a.code}: evidence {first[:16]} is linked by its history but has no link row")
    extra = Item.objects.exclude(sha256__in=[first, second, third]).first()
    found = after(lambda: IncidentItem.objects.create(incident=a, item=extra, role="primary", added_at=timezone.now(),
                                                      added_by="tester"))
    assert named(found, f"incident {a.code}: evidence {extra.sha256[:16]} is linked in the database but not by its "
                        "history (link added outside custody)")
    found = after(lambda: IncidentItem.objects.filter(incident=a, item__sha256=first).update(role="context"))
    assert named(found, f"evidence {first[:16]} is linked as context in the database, as primary by its history")
    # The split moved this link to the new incident: moving it back is caught on both.
    found = after(lambda: IncidentItem.objects.filter(incident=session.c).update(incident=a))
    assert named(found, session.c.code, second[:16], "no link row") and named(found, a.code, second[:16],
                                                                            "not by its history")


def test_edited_capture_time_and_gps_are_named(session):
    photo = Item.objects.filter(gps_lat__isnull=False, captured_at__isnull=False).first()
    assert photo is not None, "the sample photos carry EXIF time and GPS"
    short = photo.sha256[:16]
    edit = Item.objects.filter(pk=photo.pk).update
    found = after(lambda: edit(captured_at=photo.captured_at.replace(year=2015)))
    assert named(found, f"item {short}: captured_at is '2015-", "by its metadata analysis (event #")
    found = after(lambda: edit(gps_lat=photo.gps_lat + 0.5))
    assert named(found, f"item {short}: gps_lat", "values withheld") and not named(found, str(photo.gps_lat))
    assert named(after(lambda: edit(make="Forged")), short, "make is 'Forged'")

    def rewrite_the_result_too():
        row = AnalysisResult.objects.get(item=photo, step="metadata")
        row.result["facts"]["captured_at"] = "2015-01-01T10:00:00"
        row.save()
        edit(captured_at_text="2015-01-01T10:00:00")
    assert named(after(rewrite_the_result_too), f"analysis metadata of {short}", "result differs from its event")


def test_moved_renamed_refolded_added_and_deleted_places_are_named(session):
    edit = Place.objects.filter(key="ocha:kafr-nabl").update
    found = after(lambda: edit(lat=36.0, lon=37.0))
    assert named(found, "place ocha:kafr-nabl (Kafr Nabl): its coordinates are (36.0, 37.0) in the database, "
                        f"{KAFR_NABL} by gazetteer event #")
    assert named(after(lambda: edit(name="Elsewhere")), "place ocha:kafr-nabl: its name is 'Elsewhere' in the "
                                                        "database, 'Kafr Nabl' by gazetteer event #")
    assert named(after(lambda: Place.objects.filter(key="test:maarrat").update(lat=35.64)),
                 "place test:maarrat", "(35.648, 36.672) by gazetteer event #")  # the re-import's values
    assert named(after(lambda: Place.objects.filter(key="test:kafr-nabl").update(merged_into=None)),
                 "place test:kafr-nabl", "fold differ from gazetteer event #")
    assert named(after(lambda: Place.objects.filter(key="test:maarrat").update(names=[])), "place test:maarrat",
                 "other names")
    assert named(after(lambda: Place.objects.filter(key="test:kafr-nabl").delete()),
                 "place test:kafr-nabl: written by gazetteer event #", "has no row (row deleted)")

    def add_one():
        Place.objects.create(key="forged:1", name="Forged", lat=1, lon=2, level=PLACE, source="forged")
        report = verify_log()
        assert report.ok and any("1 place(s) written by no event" in n for n in report.notes)
    after(add_one)


def test_the_export_reads_what_was_checked(session):
    """The attack in the issue, end to end: the export publishes the edited value, and verify names it."""
    code = session.a.code
    with transaction.atomic():
        Incident.objects.filter(pk=session.a.pk).update(fatalities_best=40)
        row = next(r for r in exports.rows() if r["event_id_cnty"] == code)
        assert row["fatalities"] == 40
        assert f"incident {code}: fatalities_best is 40 in the database, 12 by its history" in verify_log().problems
        transaction.set_rollback(True)
    assert verify_log().ok


def test_a_create_whose_field_order_was_lost_is_replayed_in_each_order_that_matters():
    """PostgreSQL's jsonb does not keep a create's field order, and a place given with
    coordinates gives other coordinates depending on which came first: both are allowed,
    nothing else is."""
    from marsad.custody.replay import Replay

    replay = Replay()
    replay.see(1, {"type": "gazetteer"}, {"places": {"k": ["Kafr Nabl", 35.6, 36.5, "0" * 32]}})
    replay.see(2, {"type": "incident", "tool": {}, "outputs": [{"incident": "SYR9", "action": "create", "field": ""}]},
               {"new": {"title": "t", "latitude": 1.0, "place": "k", "sub_event_type": "Air/drone strike"}})
    state = replay.incidents["SYR9"]
    assert {(a["title"], a["latitude"], a["longitude"], a["location_text"], a["event_type"], a["disorder_type"])
            for a in state.alts} == {("t", 1.0, 36.5, "Kafr Nabl", "Explosions/Remote violence", "Political violence"),
                                     ("t", 35.6, 36.5, "Kafr Nabl", "Explosions/Remote violence", "Political violence")}
    replay.see(3, {"type": "incident", "tool": {}, "outputs": [{"incident": "SYR9", "action": "set",
                                                                "field": "latitude"}]}, {"old": 1.0, "new": 2.0})
    assert [a["latitude"] for a in state.alts] == [2.0]  # a later change decides it again
