"""What the item pages show, built per role: a user without "view_restricted" gets
dictionaries without the restricted fields, never the model rows that hold them, so
no template can print what the role may not see. `full` below: the user may see them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marsad.access.models import Preference
from marsad.access.roles import CAN, RESTRICTED_CAPTURE_FIELDS, RESTRICTED_ITEM_FIELDS, SAFE_METADATA_TAGS
from marsad.access.rules import projects_where, role_for, visible_incidents, visible_items
from marsad.evidence.metadata import exiftool_tags
from marsad.evidence.models import Capture, Derivative, Item

PAGE = 50
# Labels for the table's rows, given here rather than by an include per cell: a page of
# 50 rows rendered twice as fast.
ANALYSIS_LABELS = {"done": gettext_lazy("analysed"), "failed": gettext_lazy("analysis failed"),
                   "pending": gettext_lazy("analysis pending")}
PICTURE_ROLES = ("thumbnail", "poster")  # the one picture standing for an item
MAX_CLUSTER = 200
MAX_EVENTS = 500
MAX_CAPTURES = 200


# -- keyset pagination: newest first, by (first_seen, id); no OFFSET, no COUNT(*) ----------

def cursor(item: Item) -> str:
    return f"{item.first_seen.astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ},{item.pk}"


def parse_cursor(text: str | None) -> tuple[datetime, int] | None:
    if not text or "," not in text:
        return None
    when, _sep, pk = text.rpartition(",")
    try:
        moment = datetime.fromisoformat(when)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)), int(pk)
    except ValueError:
        return None


@dataclass
class Page:
    items: list[Item]
    next: str | None  # cursor for ?after=
    previous: str | None  # cursor for ?before=


def page_of(items: QuerySet, after: str | None, before: str | None, size: int = PAGE) -> Page:
    """One page of `items`, newest first, after or before a cursor. Each page costs one
    index range scan of size + 1 rows, whatever the page's depth in a million items."""
    back = parse_cursor(before)
    if back:
        when, pk = back
        # The redundant bound lets the first_seen index limit the scan (an OR alone is a filter).
        rows = list(items.filter(Q(first_seen__gt=when) | Q(first_seen=when, pk__gt=pk), first_seen__gte=when)
                    .order_by("first_seen", "id")[: size + 1])
        more = len(rows) > size
        rows = rows[:size][::-1]
        return Page(rows, cursor(rows[-1]) if rows else None, cursor(rows[0]) if more and rows else None)
    forward = parse_cursor(after)
    if forward:
        when, pk = forward
        items = items.filter(Q(first_seen__lt=when) | Q(first_seen=when, pk__lt=pk), first_seen__lte=when)
    rows = list(items.order_by("-first_seen", "-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, cursor(rows[-1]) if more else None, cursor(rows[0]) if forward and rows else None)


def blur_all(user) -> bool:
    return Preference.objects.filter(user=user, blur_all_media=True).exists()


def incident_codes(user, item_ids) -> defaultdict[int, list[str]]:
    """item id -> the codes of the incidents the user may see that it is linked to."""
    from marsad.incidents.models import IncidentItem

    out = defaultdict(list)
    for item_id, code in (IncidentItem.objects.filter(item_id__in=item_ids, incident__in=visible_incidents(user))
                          .order_by("incident__code").values_list("item_id", "incident__code")):
        out[item_id].append(code)
    return out


def table_rows(user, items: list[Item]) -> list[dict]:
    """The table's cells for one page: four queries for the whole page."""
    ids = [i.pk for i in items]
    from marsad.access.rules import projects_where

    captures = dict(Capture.objects.filter(item_id__in=ids, project_id__in=projects_where(user, "view"))
                    .values_list("item_id").annotate(n=Count("id")))
    pictures = set(Derivative.objects.filter(item_id__in=ids, role__in=PICTURE_ROLES).values_list("item_id", flat=True))
    incidents = incident_codes(user, ids)
    from .forms import KIND_LABELS

    blur = blur_all(user)
    return [{
        "sha256": i.sha256, "kind": i.kind, "kind_label": KIND_LABELS.get(i.kind, i.kind),
        "analysis_label": ANALYSIS_LABELS.get(i.analysis, i.analysis),
        "first_seen": i.first_seen, "captured_at": i.captured_at_text,
        "size": i.size, "captures": captures.get(i.pk, 0), "incidents": incidents[i.pk], "analysis": i.analysis,
        "has_picture": i.pk in pictures, "veiled": i.graphic or blur, "graphic": i.graphic,
    } for i in items]


# -- the item page ----------------------------------------------------------------------

def item_facts(item: Item, full: bool) -> dict:
    facts = {name: getattr(item, name) for name in (
        "sha256", "blake2b", "kind", "mime", "size", "first_seen", "log_index", "analysis", "graphic",
        "captured_at_text", "captured_at_source", "width", "height", "duration_s", "codec")}
    if full:
        facts.update({name: getattr(item, name) for name in RESTRICTED_ITEM_FIELDS},
                     analysis_errors=item.analysis_errors)
    return facts


def metadata_tags(item: Item, full: bool) -> list[tuple[str, object]]:
    """exiftool's tags: all of them with the right, the technical ones without (no GPS,
    no serial numbers, no device)."""
    tags = exiftool_tags(item.pk)
    if not full:
        return [(name, tags[name]) for name in SAFE_METADATA_TAGS if name in tags]
    return sorted(tags.items())


def captures(user, item: Item) -> list[dict]:
    """The item's captures recorded for the user's projects (another project's sightings of
    the same bytes are its own), with sources only where the user may see restricted fields."""
    from marsad.access.rules import projects_where

    rows = Capture.objects.filter(item=item, project_id__in=projects_where(user, "view")).order_by("ingested_at", "id")
    out = capture_rows(user, rows.values("project_id", "source_kind", "ingested_at",
                                         *RESTRICTED_CAPTURE_FIELDS)[:MAX_CAPTURES])
    for row in out:
        del row["project_id"]
    return out


def capture_rows(user, rows) -> list[dict]:
    """Capture rows read with values() (project_id and the restricted fields among them),
    the restricted fields taken out of those whose project's restricted fields the user
    may not see."""
    from marsad.access.rules import projects_where

    full_in = set(projects_where(user, "view_restricted"))
    return [row if row["project_id"] in full_in else
            {k: v for k, v in row.items() if k not in RESTRICTED_CAPTURE_FIELDS} for row in rows]


def sources_visible(user, item_ids) -> set[int]:
    """Items all of whose captures were recorded for projects where the user sees restricted fields."""
    from marsad.access.rules import projects_where

    hidden = set(Capture.objects.filter(item_id__in=item_ids).exclude(
        project_id__in=projects_where(user, "view_restricted")).values_list("item_id", flat=True))
    return set(item_ids) - hidden


def derivatives(item: Item) -> dict[str, str]:
    return dict(Derivative.objects.filter(item=item).values_list("role", "sha256"))


def incidents_of(user, item: Item) -> list:
    from marsad.incidents.models import IncidentItem

    return list(IncidentItem.objects.filter(item=item, incident__in=visible_incidents(user))
                .select_related("incident").order_by("incident__code"))


def custody_events(item: Item) -> tuple[list[dict], int | None]:
    """The item's events and whether the latest signed checkpoint covers each."""
    from marsad.custody.models import Checkpoint, LogEntry

    latest = Checkpoint.objects.order_by("-size").values_list("size", flat=True).first()
    events = [{"index": index, "type": type_, "time": when, "included": latest is not None and index < latest}
              for index, type_, when in LogEntry.objects.filter(item=item.sha256).order_by("index")
              .values_list("index", "type", "time")[:MAX_EVENTS]]
    return events, latest


def earliest(member: Item, full: bool, projects: list[int]) -> tuple[datetime | None, str]:
    """The earliest trustworthy time (matching.service.earliest_time) and where it comes
    from, said without the channel or URL for a role that may not see them; post times only
    from the sightings of `projects` (those whose restricted fields the user may read)."""
    from marsad.matching.service import earliest_time

    when, source = earliest_time(member, projects)
    if when is None:
        return None, _("no trustworthy time")
    if member.captured_at and when == member.captured_at:
        return when, _("capture metadata (%(tag)s)") % {"tag": member.captured_at_source}
    if full:
        return when, _("source post time (%(source)s)") % {"source": source.partition("(")[2].rstrip(")")}
    return when, _("source post time")


def copy_cluster(user, item: Item) -> list[dict]:
    """The copies of `item` the user may see, earliest first, each with its links and why
    (what `marsad copies` shows). Links to items outside the user's projects are left out;
    where a time comes from a post, its channel is named only on items whose restricted
    fields the user may see."""
    from marsad.matching.models import CopyLink
    from marsad.matching.service import cluster_ids

    ids = cluster_ids({item.pk})
    if len(ids) < 2:
        return []
    members = list(visible_items(user).filter(pk__in=ids)[:MAX_CLUSTER])
    shown = {m.pk: m for m in members}
    full = sources_visible(user, list(shown))
    by_item = defaultdict(list)
    for link in CopyLink.objects.filter(a_id__in=shown, b_id__in=shown):
        for this, other, share in ((link.a_id, link.b_id, link.share_a), (link.b_id, link.a_id, link.share_b)):
            by_item[this].append({"to": shown[other].sha256, "distance": link.distance, "share": share,
                                  "reason": link.reason})
    pictures = set(Derivative.objects.filter(item_id__in=shown, role__in=PICTURE_ROLES)
                   .values_list("item_id", flat=True))
    blur = blur_all(user)
    readable = projects_where(user, "view_restricted")
    rows = []
    for m in members:
        when, source = earliest(m, m.pk in full, readable)
        rows.append({"sha256": m.sha256, "kind": m.kind, "earliest": when, "earliest_source": source,
                     "this": m.pk == item.pk, "links": by_item[m.pk], "has_picture": m.pk in pictures,
                     "veiled": m.graphic or blur, "held_since": m.first_seen})
    # Without a trustworthy time, the copy Marsad held first comes first: a crop found later
    # then sits under the photo it was cut from.
    rows.sort(key=lambda r: (r["earliest"] is None, r["earliest"] or datetime.max.replace(tzinfo=UTC),
                             r["held_since"], r["sha256"]))
    if rows and rows[0]["earliest"] is not None:
        rows[0]["first"] = True
    return rows


def item_context(request, item: Item, redact_form=None) -> dict:
    """Everything the item page shows, for this user's role (`redact_form`: sent back with its errors)."""
    from . import redaction

    user = request.user
    role = role_for(user, item)
    full = role in CAN["view_restricted"]
    events, checkpoint = custody_events(item)
    return {
        "item": item_facts(item, full),
        "can_restricted": full,
        "can_original": role in CAN["view_original"],
        "can_edit": role in CAN["edit"],
        "role": role,
        "veiled": item.graphic or blur_all(user),
        "derived": derivatives(item),
        "tags": metadata_tags(item, full),
        "captures": captures(user, item),
        "cluster": copy_cluster(user, item),
        "incident_links": incidents_of(user, item),
        "events": events,
        "checkpoint": checkpoint,
    } | redaction.context(role, item, redact_form)
