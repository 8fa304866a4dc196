"""One set of permission predicates: the querysets that lists use agree with the
predicates that detail pages use, on generated projects, items and roles."""

import random

import pytest
from django.utils import timezone

from marsad.access import service
from marsad.access.roles import CAN, Role
from marsad.access.rules import allowed, visible_incidents, visible_items

pytestmark = pytest.mark.django_db


def _item(n: int):
    from marsad.evidence.models import Item

    return Item.objects.create(sha256=f"{n:064x}", blake2b="0" * 128, size=n, mime="image/jpeg", kind="image",
                               first_seen=timezone.now(), log_index=10_000 + n)


def test_predicates_and_querysets_agree_on_generated_data():
    from marsad.incidents.models import Incident

    rng = random.Random(7)
    actor = "actor:test"
    projects = [service.add_project(f"P{i}", f"p{i}", actor=actor) for i in range(4)]
    items = [_item(n) for n in range(1, 25)]
    for item in items:  # each item held by zero to two projects
        for project in rng.sample(projects, rng.randint(0, 2)):
            service.hold(project.pk, [item])
    incidents = [Incident.objects.create(code=f"SYR{n:06d}", project=rng.choice(projects), created=timezone.now(),
                                         created_by=actor) for n in range(1, 13)]
    users = []
    for n in range(6):
        user = service.add_user(f"u{n}", "pw-long-enough", actor=actor)
        for project in rng.sample(projects, rng.randint(0, 3)):
            service.set_role(user, project, rng.choice(list(Role)), actor=actor)
        users.append(user)

    checked = 0
    for user in users:
        for action in CAN:
            listed_items = set(visible_items(user, action).values_list("pk", flat=True))
            listed_incidents = set(visible_incidents(user, action).values_list("pk", flat=True))
            for item in items:
                assert allowed(user, action, item) == (item.pk in listed_items), (user, action, item)
                checked += 1
            for incident in incidents:
                assert allowed(user, action, incident) == (incident.pk in listed_incidents), (user, action, incident)
                checked += 1
    assert checked == len(users) * len(CAN) * (len(items) + len(incidents))


def test_restricted_viewer_never_has_restricted_rights(db):
    project = service.add_project("P", "p", actor="a")
    user = service.add_user("r", "pw-long-enough", actor="a")
    service.set_role(user, project, Role.RESTRICTED, actor="a")
    for action in ("view_restricted", "view_original", "edit", "edit_restricted", "upload", "manage"):
        assert not allowed(user, action, project)
    assert allowed(user, "view", project)


def test_role_changes_are_custody_events_without_names(db):
    from marsad.custody.models import LogEntry

    project = service.add_project("P", "p", actor="a")
    user = service.add_user("witness-name-should-not-leak", "pw-long-enough", actor="a")
    service.set_role(user, project, Role.EDITOR, actor="a")
    leaves = b"".join(bytes(e.leaf) for e in LogEntry.objects.filter(type="access"))
    assert b"witness-name-should-not-leak" not in leaves
    assert LogEntry.objects.filter(type="access").count() == 3


def test_project_item_counts_follow_holdings(db):
    project = service.add_project("P", "p", actor="a")
    items = [_item(n) for n in range(1, 6)]
    service.hold(project.pk, items[:3])
    service.hold(project.pk, items[1:5])  # two already held: counted once
    project.refresh_from_db()
    assert project.item_count == 5 == project.project_items.count()


def test_suggestion_reasons_read_only_the_incidents_projects_sightings():
    """The same bytes reached two projects: one project's post text (a place, a time) must not
    show in the other's suggestion reasons."""
    import datetime as dt

    from marsad.evidence.models import Capture
    from marsad.incidents.suggest import evidence_of

    actor = "actor:test"
    ours, theirs = (service.add_project(n, n.lower(), actor=actor) for n in ("Ours", "Theirs"))
    item = _item(99)
    service.hold(ours.pk, [item])
    service.hold(theirs.pk, [item])
    posted = dt.datetime(2019, 5, 5, 12, tzinfo=dt.UTC)
    Capture.objects.create(item=item, project=theirs, source_kind="telegram", sighting_key="k-theirs",
                           original_path="x.mp4", original_name="x.mp4", ingested_at=timezone.now(),
                           ingested_by=actor, text="قصف على كفرنبل", posted_at=posted, log_index=20_001)
    assert evidence_of(item).times, "the whole item's evidence reads every sighting"
    mine = evidence_of(item, ours.pk)
    assert not mine.times and not mine.places, "another project's post time and place leaked into ours"
    assert evidence_of(item, theirs.pk).times
