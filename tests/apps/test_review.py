"""The review workflow in `marsad.incidents.review`: the two-person rule, status,
assignment, tags, comments with @mentions and their notifications, each a
custody event, and the log still verifies afterwards."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from PIL import Image

from marsad.access import service as access
from marsad.incidents import review, service
from marsad.incidents.models import Comment, GradeApproval, Incident, IncidentChange, Notification

pytestmark = pytest.mark.django_db
ACTOR = "actor:test"


@pytest.fixture
def cast(db, tmp_path, monkeypatch):
    from marsad.cli.init import init_workspace

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    init_workspace()
    project = access.add_project("Idlib", "idlib", actor=ACTOR)
    other = access.add_project("Elsewhere", "elsewhere", actor=ACTOR)
    people = {}
    for name, role in (("olga", "owner"), ("mona", "manager"), ("eddie", "editor"), ("vera", "viewer"),
                       ("rita", "restricted")):
        people[name] = access.add_user(name, "pw-long-enough-1", actor=ACTOR)
        access.set_role(people[name], project, role, actor=ACTOR)
    people["otto"] = access.add_user("otto", "pw-long-enough-1", actor=ACTOR)
    access.set_role(people["otto"], other, "owner", actor=ACTOR)
    incident = service.create({"title": "Strike", "event_date": "2019-05-05"}, ACTOR, project=project)
    return {"project": project, "other": other, "incident": incident, **people}


def test_confirmed_takes_a_second_member(cast):
    incident, eddie, mona = cast["incident"], cast["eddie"], cast["mona"]
    with pytest.raises(service.IncidentError, match="[Ss]econd member"):
        service.update(incident, {"grade": "confirmed"}, review.actor_of(eddie))

    approval = review.propose_grade(incident, "confirmed", "two independent videos, same shadows", eddie)
    incident.refresh_from_db()
    assert incident.grade == "unassessed" and incident.status == "needs_second_review"
    asked = set(Notification.objects.filter(kind="review_requested").values_list("user__username", flat=True))
    assert asked == {"olga", "mona"}  # members who may review, never the proposer, viewers or outsiders
    with pytest.raises(review.ReviewError, match="already waiting"):
        review.propose_grade(incident, "confirmed", "again", eddie)

    with pytest.raises(review.NotAllowed, match="[Ss]econd member"):
        review.decide(approval, eddie, True, "looks right to me")
    with pytest.raises(review.NotAllowed):
        review.decide(approval, cast["vera"], True, "a viewer cannot review")
    incident.refresh_from_db()
    assert incident.grade == "unassessed"

    review.decide(approval, mona, True, "checked the shadows myself")
    incident.refresh_from_db()
    approval.refresh_from_db()
    assert incident.grade == "confirmed" and incident.status == "verified"
    assert incident.grade_reason == "two independent videos, same shadows"
    assert approval.outcome == "approved" and approval.decided_by == mona
    assert Notification.objects.filter(user=eddie, kind="approved").count() == 1
    grade_change = incident.changes.get(field="grade")
    assert grade_change.actor == review.actor_of(mona) and "checked the shadows" in grade_change.reason
    with pytest.raises(review.ReviewError, match="decided already"):
        review.decide(approval, cast["olga"], False, "too late")


def test_rejection_sends_the_incident_back_to_review(cast):
    incident = cast["incident"]
    approval = review.propose_grade(incident, "confirmed", "one video", cast["eddie"])
    review.decide(approval, cast["olga"], False, "one source is not enough")
    incident.refresh_from_db()
    assert incident.grade == "unassessed" and incident.status == "in_review"
    assert GradeApproval.objects.get(pk=approval.pk).outcome == "rejected"
    assert Notification.objects.filter(user=cast["eddie"], kind="rejected").exists()


def test_assignment_tags_and_status_are_recorded_changes(cast):
    incident, eddie = cast["incident"], cast["eddie"]
    review.assign(incident, cast["vera"], eddie, "knows the area")
    assert Notification.objects.filter(user=cast["vera"], kind="assigned").count() == 1
    with pytest.raises(review.ReviewError, match="not a member"):
        review.assign(incident, cast["otto"], eddie, "outsider")
    with pytest.raises(service.Conflict):
        review.assign(incident, None, eddie, "stale", seen="")  # they saw nobody; vera is assigned now

    review.add_tags(incident, "hospital, غارة", eddie, "first tags")
    review.add_tags(incident, ["غارة", "night"], eddie, "more")
    incident.refresh_from_db()
    assert incident.tags == ["hospital", "غارة", "night"]  # added, never replaced, never doubled
    assert review.add_tags(incident, ["night"], eddie, "again") is None
    review.remove_tags(incident, ["hospital"], eddie, "wrong")
    review.set_status(incident, "in_review", eddie, "started")
    incident.refresh_from_db()
    assert incident.tags == ["غارة", "night"] and incident.status == "in_review"
    fields = list(incident.changes.filter(action="set").values_list("field", flat=True))
    assert fields == ["assignee", "tags", "tags", "tags", "status"]
    with pytest.raises(review.NotAllowed):
        review.add_tags(incident, ["x"], cast["vera"], "viewers do not edit")


def test_mentions_notify_members_only_and_duplicates_are_one_comment(cast):
    incident, eddie = cast["incident"], cast["eddie"]
    since = timezone.now() - dt.timedelta(seconds=1)
    body = "@vera please check; @otto and @nobody are not members. mail@vera.example is no mention"
    note, created = review.comment(incident, eddie, body, since=since)
    again, created_again = review.comment(incident, eddie, body, since=since)
    assert created and not created_again and again.pk == note.pk
    assert Comment.objects.count() == 1
    assert list(Notification.objects.filter(kind="mention").values_list("user__username", flat=True)) == ["vera"]
    with pytest.raises(review.NotAllowed):
        review.comment(incident, cast["rita"], "restricted viewers do not comment")


def test_attachments_are_ingested_into_the_project(cast, tmp_path):
    from marsad.access.models import ProjectItem

    path = tmp_path / "upload-0"
    Image.new("RGB", (40, 30), (200, 10, 10)).save(path, "PNG")
    [item] = review.attach_files(cast["incident"], cast["eddie"], [("صورة.png", path)])
    note, _ = review.comment(cast["incident"], cast["eddie"], "the photo", [item])
    assert list(note.attachments.all()) == [item]
    assert ProjectItem.objects.filter(project=cast["project"], item=item).exists()
    with pytest.raises(review.NotAllowed):
        review.attach_files(cast["incident"], cast["vera"], [("x.png", path)])


def test_every_act_is_in_the_log_and_it_verifies(cast):
    from marsad.custody import log
    from marsad.custody.models import LogEntry
    from marsad.custody.verify import verify_log

    incident, eddie, mona = cast["incident"], cast["eddie"], cast["mona"]
    before = LogEntry.objects.count()
    review.assign(incident, mona, eddie, "reviewer")
    review.add_tags(incident, ["hospital"], eddie, "tag")
    review.comment(incident, eddie, "secret witness name in a comment @mona")
    review.decide(review.propose_grade(incident, "confirmed", "solid", eddie), mona, True, "agree")
    types = list(LogEntry.objects.filter(index__gte=before).values_list("type", flat=True))
    assert types.count("comment") == 1 and types.count("review") == 2
    comment_leaf = bytes(LogEntry.objects.get(type="comment").leaf)
    assert b"secret witness" not in comment_leaf and b"mona" not in comment_leaf  # only the body's hash
    assert IncidentChange.objects.filter(incident=incident).count() >= 6
    log.sign_checkpoint()
    report = verify_log()
    assert report.ok, report.problems


def test_create_once_is_one_incident_per_form(cast):
    since = timezone.now() - dt.timedelta(seconds=1)
    fields = {"title": "Shelling", "event_date": "2019-05-06"}
    first, created = review.create_once(fields, cast["eddie"], [], "", cast["project"], since)
    second, created_again = review.create_once(fields, cast["eddie"], [], "", cast["project"], since)
    assert created and not created_again and first.pk == second.pk
    assert Incident.objects.filter(title="Shelling").count() == 1
