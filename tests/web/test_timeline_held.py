"""The timeline's per-project evidence counts (access.HeldDay), kept by database triggers,
against a live count of the same items, through every change that moves an item between
days, kinds and projects (SQLite, or PostgreSQL when DATABASE_URL is set)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from marsad.access.models import HeldDay, ProjectItem
from marsad.access.service import hold
from marsad.evidence.models import Item
from marsad.incidents.filters import Filters
from marsad.web.explore import timeline

pytestmark = pytest.mark.django_db
START, END = dt.date(2019, 1, 1), dt.date(2019, 12, 31)


def _item(n: int, kind: str = "video", captured: dt.datetime | None = None) -> Item:
    return Item.objects.create(sha256=f"{n:064x}", blake2b="b" * 128, size=1, mime="video/mp4", kind=kind,
                               first_seen=timezone.now(), log_index=50_000 + n, captured_at=captured)


def _live(project, kind=""):
    items = Item.objects.filter(project_links__project=project, captured_at__isnull=False)
    if kind:
        items = items.filter(kind=kind)
    return dict(Counter(i.captured_at.astimezone(dt.UTC).date() for i in items))


def _kept(project, kind=""):
    return timeline.held_counts(project.pk, kind, dt.date(1, 1, 1), dt.date(9999, 12, 31))


def test_held_counts_follow_every_change_of_day_kind_and_project(team):
    project, other = team["project"], team["other"]
    late = dt.datetime(2019, 5, 5, 23, 59, 59, tzinfo=dt.UTC)  # the last second of the day, in UTC
    early = dt.datetime(2019, 5, 6, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=3)))  # 5 May 21:00 UTC
    items = [_item(1, captured=late), _item(2, captured=early), _item(3, "image", late), _item(4), _item(5)]
    hold(project.pk, items)
    hold(other.pk, items[:1])
    assert _kept(project) == _live(project) == {dt.date(2019, 5, 5): 3}
    assert _kept(project, "image") == _live(project, "image") == {dt.date(2019, 5, 5): 1}
    assert _kept(other) == {dt.date(2019, 5, 5): 1}

    Item.objects.filter(pk=items[3].pk).update(captured_at=dt.datetime(2019, 6, 1, 8, tzinfo=dt.UTC))  # bulk
    items[4].captured_at = dt.datetime(2019, 6, 1, 9, tzinfo=dt.UTC)
    items[4].save()
    items[0].kind = "image"
    items[0].save()
    items[1].captured_at = None  # a wrong date taken back
    items[1].save()
    ProjectItem.objects.filter(project=other, item=items[0]).delete()  # no longer held there
    assert _kept(project) == _live(project) == {dt.date(2019, 5, 5): 2, dt.date(2019, 6, 1): 2}
    assert _kept(project, "image") == _live(project, "image") == {dt.date(2019, 5, 5): 2}
    assert _kept(project, "video") == _live(project, "video") == {dt.date(2019, 6, 1): 2}
    assert _kept(other) == {}
    assert HeldDay.objects.filter(n__lt=0).count() == 0


def test_the_timeline_reads_kept_counts_only_for_one_project_and_plain_filters(team):
    viewer, owner = team["viewer"], team["owner"]
    assert timeline.held_project(viewer, Filters()) == team["project"].pk
    assert timeline.held_project(viewer, Filters(kind="video", date_from="2019-01-01")) == team["project"].pk
    assert timeline.held_project(viewer, Filters(status="new")) is None  # evidence through incidents
    assert timeline.held_project(viewer, Filters(source="telegram")) is None
    assert timeline.held_project(viewer, Filters(project="elsewhere")) is None  # not viewer's
    assert timeline.held_project(team["outsider"], Filters()) == team["other"].pk
    both = team["outsider"]
    from marsad.access import service

    service.set_role(both, team["project"], "viewer", actor="actor:test")
    assert timeline.held_project(both, Filters()) is None  # two projects: an item in both would count twice
    assert timeline.held_project(both, Filters(project="idlib")) == team["project"].pk
    assert owner is not None
