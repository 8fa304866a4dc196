"""Incident history and source checks are custody: a changed or removed row is found."""

import pytest
from django.utils import timezone

from marsad.custody import log
from marsad.custody.verify import verify_log
from marsad.evidence.models import Item, SourceCheck
from marsad.incidents import service
from marsad.incidents.models import Incident, IncidentChange, Place


@pytest.fixture
def incident(ingested):
    place = Place.objects.create(key="test:kafr-nabl", name="Kafr Nabl", name_ar="كفرنبل", lat=35.6146, lon=36.5602,
                                 level=4, source="test")
    item = Item.objects.first()
    created = service.create({"title": "Strike", "event_date": "2019-05-05", "place": place,
                              "sub_event_type": "Air/drone strike"}, "tester", [item.sha256], "first report")
    service.update(created, {"fatalities_best": 5, "grade": "fair"}, "tester", [item.sha256], "two videos")
    service.link(created, [item.sha256], "primary", "tester")
    log.sign_checkpoint()
    return created


def problems():
    return "\n".join(verify_log().problems)


def test_incident_history_verifies_and_sets_acled_types(incident):
    assert verify_log().ok
    assert incident.event_type == "Explosions/Remote violence" and incident.disorder_type == "Political violence"
    assert (incident.latitude, incident.longitude) == (35.6146, 36.5602)
    changes = list(incident.changes.values_list("action", "field", "new"))
    assert ("set", "fatalities_best", 5) in changes and ("set", "grade", "fair") in changes


def test_a_rewritten_change_is_detected(incident):
    change = IncidentChange.objects.get(incident=incident, field="fatalities_best")
    IncidentChange.objects.filter(pk=change.pk).update(new=50)
    assert f"incident change #{change.pk} of {incident.code}: its values" in problems()


def test_a_deleted_change_is_detected(incident):
    IncidentChange.objects.filter(incident=incident, field="grade").delete()
    assert "incident event whose database row is missing" in problems()


def test_a_back_dated_source_check_is_detected(ingested):
    from django.db import transaction

    check = SourceCheck(url="https://example.org/v/1", url_sha256="0" * 64, checked_at=timezone.now(),
                        checked_by="tester", outcome="gone", http_status=404)
    with transaction.atomic():
        check.log_index = log.record("recheck", actor="tester", time=check.checked_at,
                                     outputs=[check.custody_outputs()], details=check.custody_details()).index
        check.save()
    assert verify_log().ok
    SourceCheck.objects.filter(pk=check.pk).update(outcome="up")
    assert f"source check #{check.pk}: its outcome or time differ" in problems()


def test_bad_values_are_refused_with_a_reason(incident):
    with pytest.raises(service.IncidentError, match="in the future"):
        service.update(incident, {"event_date": "2999-01-01"}, "tester")
    with pytest.raises(service.IncidentError, match="out of range"):
        service.update(incident, {"longitude": 200}, "tester")
    with pytest.raises(service.IncidentError, match="ACLED"):
        service.update(incident, {"event_type": "Bombing"}, "tester")
    with pytest.raises(service.IncidentError, match="negative"):
        service.update(incident, {"fatalities_best": -1}, "tester")
    assert Incident.objects.get(pk=incident.pk).fatalities_best == 5
