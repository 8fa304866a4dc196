"""From the database to plain values for the pages: public fields only, sources
by kind, media only as redacted derivatives a person approved (one is made and
recorded when an item has none, to be reviewed before the next publish)."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from marsad.access.roles import RESTRICTED_INCIDENT_FIELDS
from marsad.core.places.gazetteer import DISTRICT, GOVERNORATE, SUBDISTRICT, Gazetteer
from marsad.core.publish import changes, fields, names, sources
from marsad.custody.models import LogEntry
from marsad.evidence.models import Capture, Derivative, Item
from marsad.evidence.redaction import APPROVED, RedactionError, approved_redaction, redact_item, redacted_of
from marsad.evidence.redaction import ROLE as REDACTED_ROLE
from marsad.incidents import exports, places
from marsad.incidents.models import Incident, IncidentChange, IncidentItem, Place

logger = logging.getLogger(__name__)
PUBLISH_EVENT = "publish"
ROLE_ORDER = {IncidentItem.Role.PRIMARY: 0, IncidentItem.Role.CORROBORATING: 1, IncidentItem.Role.CONTEXT: 2}
MEDIA_KINDS = ("image", "video")  # what can be redacted and shown; the rest is described, not published


@dataclass
class Media:
    role: str
    kind: str
    mime: str
    sha256: str  # of the published (redacted) file
    path: str  # site path
    graphic: bool
    blob: str  # store key (the same hash)


@dataclass
class Published:
    """One incident as the public sees it."""

    code: str
    values: dict[str, Any]  # public fields, coordinates coarsened
    row: dict[str, Any]  # the public export row
    place: dict[str, Any] | None
    media: list[Media] = field(default_factory=list)
    withheld: int = 0  # linked evidence not shown: not a photo or video, not redactable, or not approved
    awaiting: int = 0  # of those, redactions waiting for a person's approval
    sources: list[tuple[str, str, int]] = field(default_factory=list)
    first_published: datetime | None = None
    last_updated: datetime | None = None
    corrections: list[tuple[str, list[str]]] = field(default_factory=list)  # (day, parts changed)


def choose(grade: str, project=None):
    """The incidents to publish: this project's, at or above `grade`, not merged or withdrawn."""
    query = Incident.objects.filter(merged_into__isnull=True, grade__in=fields.grades_at_or_above(grade)).exclude(
        status__in=fields.WITHDRAWN_STATUSES)
    if project is not None:
        query = query.filter(project=project)
    return query.select_related("place", "split_from").order_by("event_date", "code")


def first_publications() -> dict[str, datetime]:
    """Each code's first publication: the time of the earliest publish event naming it."""
    first: dict[str, datetime] = {}
    for entry in LogEntry.objects.filter(type=PUBLISH_EVENT).order_by("index").only("leaf", "time"):
        for output in json.loads(bytes(entry.leaf)).get("outputs", []):
            for code in output.get("incidents", []):
                first.setdefault(code, entry.time)
    return first


def redacted(item, actor: str | None) -> tuple[Derivative | None, bool]:
    """The item's approved redacted derivative, or (None, awaiting review?). One is made
    (and recorded) when the item has none, for a person to approve before the next publish."""
    approved = approved_redaction(item)
    if approved is not None:
        return approved, False
    if not redacted_of(item).exists():
        try:
            redact_item(item.sha256, actor=actor)
        except RedactionError as e:
            logger.warning("%s not published: %s", item.sha256[:12], e)
            return None, False
    return None, True


def _place(incident: Incident, g: Gazetteer) -> dict[str, Any] | None:
    if incident.place_id is None:
        return None
    key = incident.place.merged_into.key if incident.place.merged_into_id else incident.place.key
    if key not in g.places:
        return None
    here = g.get(key)
    levels = []
    for level, name in ((GOVERNORATE, "governorate"), (DISTRICT, "district"), (SUBDISTRICT, "subdistrict")):
        area = g.admin(here, level)
        if area is not None and area.id != here.id:
            levels.append({"level": name, "name": area.name, "name_ar": area.name_ar, "pcode": area.pcode})
    return {"name": here.name, "name_ar": here.name_ar, "pcode": here.pcode, "levels": levels}


ROWS_FORMAT = "publish-rows-1"  # change when what a cached row depends on changes


def _source_digest() -> str:
    """The code an export row is made by: a new version of it makes every row again."""
    from marsad.incidents import service

    h = hashlib.sha256(ROWS_FORMAT.encode())
    for module in (exports, service, places):
        h.update(Path(module.__file__).read_bytes())
    return h.hexdigest()


def _gazetteer_stamp() -> list:
    """The stamp places.gazetteer() rebuilds on (count, folded, newest): a row names places from it."""
    places.ensure_default()  # the first use imports the default gazetteer: stamp what rows will be made from
    return [Place.objects.count(), Place.objects.filter(merged_into__isnull=False).count(),
            Place.objects.order_by("-id").values_list("id", flat=True).first()]


class _Rows:
    """Export rows kept between runs (in the workspace, never the site) under a digest of all
    they are made from, so that an unchanged incident costs no query of its own: with thousands
    of incidents, making every row again is most of a publish run."""

    def __init__(self, path: Path | None) -> None:
        self.path, self.kept, self.used, self.made = path, {}, {}, 0
        self._gazetteer, self._base = None, None
        if path is not None and path.exists():
            try:
                self.kept = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:  # a damaged cache is only slower
                self.kept = {}

    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:
            self._gazetteer = places.gazetteer()
        return self._gazetteer

    def get(self, incident: Incident, parts: list) -> tuple[dict[str, Any], dict[str, Any] | None]:
        if self._base is None:
            self._base = [_source_digest(), _gazetteer_stamp()]
        own = {f.attname: getattr(incident, f.attname) for f in Incident._meta.concrete_fields}
        place = [incident.place.key, incident.place.merged_into.key if incident.place.merged_into_id else None] \
            if incident.place_id else None
        key = hashlib.sha256(json.dumps([self._base, own, place, incident.split_from.code if incident.split_from_id
                                         else None, parts], default=str, sort_keys=True).encode()).hexdigest()
        found = self.kept.get(key)
        if found is None:
            g = self.gazetteer()
            found = {"row": exports.row(incident, g), "place": _place(incident, g)}
            self.made += 1
        self.used[key] = found
        return found["row"], found["place"]

    def save(self) -> None:
        if self.path is None or self.used.keys() == self.kept.keys():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.used, sort_keys=True, default=str), encoding="utf-8")
        tmp.replace(self.path)  # only this run's rows: the cache never grows past the site


class _Item(NamedTuple):
    pk: int
    sha256: str
    kind: str
    graphic: bool


class _Link(NamedTuple):
    id: int
    role: str
    added_at: datetime
    item: _Item


class _Redacted(NamedTuple):
    mime: str
    sha256: str


def _bulk(ids: list[int]) -> dict[str, Any]:
    """What the incidents' rows and media are made from, in a few queries for all of them, as
    plain tuples (tens of thousands of model instances took a second of a run)."""
    links: dict[int, list[_Link]] = defaultdict(list)
    for link_id, incident_id, role, added_at, *item in IncidentItem.objects.filter(incident_id__in=ids).values_list(
            "id", "incident_id", "role", "added_at", "item_id", "item__sha256", "item__kind", "item__graphic"):
        links[incident_id].append(_Link(link_id, role, added_at, _Item(*item)))
    items = IncidentItem.objects.filter(incident_id__in=ids).values("item_id")
    captures: dict[tuple[int, int | None], str] = {}  # (item, project) -> its first sighting's source kind
    for item_id, project_id, kind in Capture.objects.filter(item_id__in=items).order_by(
            "ingested_at", "id").values_list("item_id", "project_id", "source_kind"):
        captures.setdefault((item_id, project_id), kind)
    redacted_items, approved, best = set(), {}, {}
    for item_id, decision, decided_at, log_index, mime, sha in Derivative.objects.filter(
            item_id__in=items, role__startswith=REDACTED_ROLE).order_by("log_index").values_list(
            "item_id", "decision", "decided_at", "log_index", "mime", "sha256"):
        redacted_items.add(item_id)
        if decision == APPROVED and (item_id not in best or (decided_at, log_index) > best[item_id]):
            best[item_id] = (decided_at, log_index)
            approved[item_id] = _Redacted(mime, sha)  # the latest approved, as approved_redaction() chooses
    history: dict[int, list[tuple]] = defaultdict(list)
    for row in IncidentChange.objects.filter(incident_id__in=ids).values_list("incident_id", "at", "field", "action"):
        history[row[0]].append(row[1:])
    merged: dict[int, list[str]] = defaultdict(list)
    for into, code in Incident.objects.filter(merged_into_id__in=ids).values_list("merged_into_id", "code"):
        merged[into].append(code)
    return {"links": links, "captures": captures, "redacted": redacted_items, "approved": approved,
            "history": history, "merged": merged}


def collect(incidents: list[Incident], actor: str | None = None, cache: Path | None = None) -> list[Published]:
    """The incidents as published. `cache`: where export rows are kept between runs (a workspace path)."""
    incidents = list(incidents)
    codes = {i.code for i in incidents}
    columns = fields.public_columns(exports.COLUMNS, RESTRICTED_INCIDENT_FIELDS)
    hidden = fields.INTERNAL_FIELDS | set(RESTRICTED_INCIDENT_FIELDS)
    first = first_publications()
    bulk = _bulk([i.pk for i in incidents])
    rows = _Rows(cache)
    out = []
    for incident in incidents:
        links = sorted(bulk["links"][incident.pk], key=lambda x: (ROLE_ORDER.get(x.role, 9), x.added_at, x.id))
        media, withheld, awaiting, pairs = [], 0, 0, []
        for link in links:
            item = link.item
            pairs.append((item.kind, bulk["captures"].get((item.pk, incident.project_id))))
            if item.kind not in MEDIA_KINDS:
                made, waits = None, False
            elif item.pk in bulk["approved"]:
                made, waits = bulk["approved"][item.pk], False
            elif item.pk in bulk["redacted"]:
                made, waits = None, True  # made, waiting for a person's decision
            else:
                made, waits = redacted(Item.objects.get(pk=item.pk), actor)  # makes one (and records it) for review
            if made is None:
                withheld, awaiting = withheld + 1, awaiting + waits
                continue
            media.append(Media(link.role, item.kind, made.mime, made.sha256, names.media_file(made.sha256, made.mime),
                               item.graphic, made.sha256))
        history = bulk["history"][incident.pk]
        parts = [[(x.id, x.role, x.added_at, x.item.sha256, x.item.kind, x.item.graphic, pair[1])
                  for x, pair in zip(links, pairs)],
                 max((at for at, _f, _a in history), default=None), sorted(bulk["merged"][incident.pk])]
        exported, place = rows.get(incident, parts)
        row = fields.public_row(exported, columns, codes, [m.sha256 for m in media])
        public = [(at, f, a) for at, f, a in history if f not in hidden]
        last = max((at for at, _f, _a in public), default=None) or incident.created
        row["timestamp"] = int(last.timestamp())
        values = {c: row.get(c) for c in columns}
        out.append(Published(incident.code, values, row, place, media, withheld, awaiting,
                             sources.count_by_kind(pairs), first.get(incident.code), last,
                             changes.corrections(public, first.get(incident.code))))
    rows.save()
    logger.info("%d export row(s) made, %d kept from the last run", rows.made, len(incidents) - rows.made)
    return out


def withdrawals(codes: set[str], with_reasons: bool = False) -> list[changes.Withdrawal]:
    """Why and when each of `codes` (published before, not now) left the site, for its tombstone.
    With `with_reasons`, the reason recorded with the change that withdrew it, screened for
    anything that could point at a source; without, none (a reason written for the team may
    name someone in words no screen knows). An incident merged into another points to it."""
    out = []
    for code in sorted(codes):
        incident = Incident.objects.filter(code=code).select_related("merged_into").first()
        if incident is None:
            out.append(changes.Withdrawal(code, "unpublished", None, ""))
            continue
        history = incident.changes.order_by("-at", "-log_index")
        restricted = [getattr(incident, f, "") for f in RESTRICTED_INCIDENT_FIELDS]
        if incident.merged_into_id:
            target = incident.merged_into
            while target.merged_into_id:  # merged again since: point at where it lives now
                target = target.merged_into
            change = history.filter(action="merge", field="merged_into").first()
            kind, merged_into = "merged", target.code
        elif incident.status in fields.WITHDRAWN_STATUSES:
            change = next((c for c in history.filter(field="status") if c.new in fields.WITHDRAWN_STATUSES), None)
            kind, merged_into = "withdrawn", None
        elif incident.grade == Incident.Grade.DISCOUNTED:
            change = history.filter(field="grade").first()
            kind, merged_into = "withdrawn", None
        else:  # graded down, or moved to another project: said without the internal reason
            change = history.exclude(field__in=fields.INTERNAL_FIELDS | set(RESTRICTED_INCIDENT_FIELDS)).first()
            kind, merged_into = "unpublished", None
        when = change.at if change is not None else None
        reason = (changes.public_reason(change.reason, restricted)
                  if with_reasons and change is not None and kind != "unpublished" else "")
        out.append(changes.Withdrawal(code, kind, when, reason, merged_into))
    return out
