"""Incidents: create, change, link evidence, merge and split — each change a row
of history and a custody event in one transaction (who, when, from what
evidence, why). Merged and split incidents keep their history and point to
where their evidence went."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from itertools import pairwise
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from marsad.access.roles import RESTRICTED_INCIDENT_FIELDS
from marsad.core.places.gazetteer import DISTRICT, GOVERNORATE, SUBDISTRICT, Gazetteer
from marsad.custody import log
from marsad.evidence.models import Item

from . import places
from .models import Incident, IncidentChange, IncidentItem, Place

# ACLED's event types and sub-types (its codebook), with the disorder type each belongs to.
EVENT_TYPES = {
    "Battles": ("Political violence", ["Armed clash", "Government regains territory",
                                       "Non-state actor overtakes territory"]),
    "Explosions/Remote violence": ("Political violence", [
        "Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED", "Grenade"]),
    "Violence against civilians": ("Political violence", ["Sexual violence", "Attack", "Abduction/forced disappearance"]),
    "Protests": ("Demonstrations", ["Peaceful protest", "Protest with intervention", "Excessive force against protesters"]),
    "Riots": ("Demonstrations", ["Violent demonstration", "Mob violence"]),
    "Strategic developments": ("Strategic developments", [
        "Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use", "Headquarters or base established",
        "Looting/property destruction", "Non-violent transfer of territory", "Other"]),
}
HEALTH_FACILITY_TYPES = ["hospital", "primary health care centre", "mobile clinic", "ambulance", "pharmacy",
                         "warehouse", "health workers' residence", "other"]
# Kinds of basis for naming the suspected actors, in the order a reader weighs them.
ACTOR_BASES = ["witness", "remnants", "flight_tracking", "imagery", "claim", "statement", "pattern", "other"]
INT_FIELDS = {"fatalities_low", "fatalities_best", "fatalities_high", "civilian_deaths_low", "civilian_deaths_best",
              "civilian_deaths_high", "injured", "health_workers_killed", "health_workers_injured", "patients_killed",
              "patients_injured", "time_precision", "geo_precision"}
RESTRICTED = set(RESTRICTED_INCIDENT_FIELDS)
TEXT_FIELDS = {"title", "notes", "grade_reason", "actor_basis_note"} | RESTRICTED
EDITABLE = INT_FIELDS | RESTRICTED | {
    "title", "event_date", "event_time", "event_type", "sub_event_type", "actor1", "assoc_actor_1", "actor2",
    "assoc_actor_2", "actor_basis", "actor_basis_note", "civilian_targeting", "place", "location_text", "latitude",
    "longitude", "health_facility_type", "health_attack_type", "notes", "grade", "grade_reason", "status"}
# The two-person rule: these grades are set only through a second member's approval (review.py).
NEEDS_APPROVAL = {Incident.Grade.CONFIRMED}


class IncidentError(ValueError):
    pass


class Conflict(IncidentError):
    """Someone else changed a field since this person loaded it: their save must not undo it."""

    def __init__(self, field: str, current: Any, seen: Any) -> None:
        super().__init__(f"{field} was changed by someone else (now {current!r}, you saw {seen!r})")
        self.field, self.current, self.seen = field, current, seen


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, Place):
        return value.key
    return value


def _items(shas: Iterable[str]) -> list[Item]:
    from marsad.evidence.views import ItemNotFound, find_item

    try:
        return [find_item(s) for s in shas]
    except ItemNotFound as e:
        raise IncidentError(str(e)) from e


def resolve_evidence(values: Iterable[str], project=None) -> list[str]:
    """Each value as the full SHA-256 of a recorded item: a SHA-256 or a unique prefix of one
    (6 characters at least), of an item `project` holds where one is given. Anything else is
    refused: a change's evidence must name an item, never a stray word logged as one."""
    out = []
    for value in values:
        prefix = str(value).strip().lower()
        if len(prefix) < 6 or any(c not in "0123456789abcdef" for c in prefix):
            raise IncidentError(f"evidence {str(value)[:80]!r}: give an item's SHA-256 (or its first 6 characters "
                                "or more)")
        items = Item.objects.filter(sha256__startswith=prefix)
        if project is not None:
            items = items.filter(project_links__project=project)
        found = list(items.values_list("sha256", flat=True)[:2])
        if not found:
            where = f" in project {project.name!r}" if project is not None else ""
            raise IncidentError(f"evidence {prefix}: no item{where} with a SHA-256 starting so")
        if len(found) > 1:
            raise IncidentError(f"evidence {prefix}: matches several items; give more characters")
        out.append(found[0])
    return list(dict.fromkeys(out))


def _record(incident: Incident, action: str, actor: str, *, field: str = "", old: Any = None, new: Any = None,
            evidence: list[str] | None = None, reason: str = "") -> IncidentChange:
    change = IncidentChange(incident=incident, action=action, field=field, old=_jsonable(old), new=_jsonable(new),
                            evidence=evidence or [], reason=reason, actor=actor, at=timezone.now())
    entry = log.record("incident", item=(evidence or [""])[0], actor=actor, time=change.at,
                       inputs=[{"sha256": sha} for sha in evidence or []], outputs=[change.custody_outputs()],
                       details=change.custody_details())
    change.log_index = entry.index
    change.save()
    return change


def _clean(field: str, value: Any) -> Any:
    """A value as the model stores it, refusing what cannot be true."""
    if field not in EDITABLE:
        raise IncidentError(f"{field!r} is not an incident field; fields: {', '.join(sorted(EDITABLE))}")
    if value in ("", None) and field not in TEXT_FIELDS:
        return None if field in INT_FIELDS | {"event_date", "event_time", "latitude", "longitude", "place"} else ""
    if field in INT_FIELDS:
        number = int(value)
        if number < 0:
            raise IncidentError(f"{field} cannot be negative")
        if field in ("time_precision", "geo_precision") and number not in (1, 2, 3):
            raise IncidentError(f"{field} is 1, 2 or 3 (ACLED)")
        return number
    if field == "event_date":
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        if day > timezone.now().date():
            raise IncidentError(f"event_date {day} is in the future")
        return day
    if field == "event_time":
        return value if isinstance(value, dt.time) else dt.time.fromisoformat(str(value))
    if field in ("latitude", "longitude"):
        number = float(value)
        limit = 90 if field == "latitude" else 180
        if not -limit <= number <= limit:
            raise IncidentError(f"{field} {number} is out of range")
        return number
    if field == "civilian_targeting":
        return str(value).lower() in ("1", "true", "yes", "y")
    if field == "actor_basis":
        return actor_basis(value)
    if field == "event_type" and value not in EVENT_TYPES:
        raise IncidentError(f"event_type must be one of ACLED's: {', '.join(EVENT_TYPES)}")
    if field == "grade" and value not in Incident.Grade.values:
        raise IncidentError(f"grade must be one of {', '.join(Incident.Grade.values)}")
    if field == "status" and value not in Incident.Status.values:
        raise IncidentError(f"status must be one of {', '.join(Incident.Status.values)}")
    if field == "place":
        if isinstance(value, Place):
            return value
        try:
            core = places.resolve(str(value))
            return Place.objects.get(key=core.id)
        except (LookupError, Place.DoesNotExist) as e:
            raise IncidentError(f"place {str(value)[:80]!r} is not in the gazetteer: give a place key or name "
                                "(`marsad places find`), or keep the words with location_text=") from e
    return value


def actor_basis(value: Any) -> str:
    """Kinds of basis for the suspected actors as stored: known ones (ACTOR_BASES), each once, in
    that order, ";"-separated; from such a string or a list."""
    given = value.split(";") if isinstance(value, str) else list(value or [])
    given = {str(v).strip() for v in given} - {""}
    unknown = given - set(ACTOR_BASES)
    if unknown:
        raise IncidentError(f"actor_basis: unknown {', '.join(sorted(unknown))}; known: {', '.join(ACTOR_BASES)}")
    return ";".join(b for b in ACTOR_BASES if b in given)


RANGES = [(f"{kind}_low", f"{kind}_best", f"{kind}_high") for kind in ("fatalities", "civilian_deaths")]


def _check_ranges(values: dict[str, Any]) -> None:
    """A casualty range reads low ≤ best ≤ high (UCDP); refuse one that does not."""
    for names in RANGES:
        known = [(n, values.get(n)) for n in names if values.get(n) is not None]
        for (a, low), (b, high) in pairwise(known):
            if low > high:
                raise IncidentError(f"{a} ({low}) is more than {b} ({high}): a range runs low ≤ best ≤ high")


def _apply(incident: Incident, field: str, value: Any) -> None:
    setattr(incident, field, value)
    if field == "place" and value is not None:
        incident.latitude, incident.longitude = value.lat, value.lon
        incident.location_text = incident.location_text or value.name
    if field == "sub_event_type" and value:
        kind = next((t for t, (_, subs) in EVENT_TYPES.items() if value in subs), None)
        if kind is None:
            raise IncidentError(f"{value!r} is not one of ACLED's sub-event types")
        incident.event_type = kind
    if field in ("event_type", "sub_event_type") and incident.event_type:
        incident.disorder_type = EVENT_TYPES[incident.event_type][0]


def _next_code() -> str:
    # Imported projects keep their codes, which may lie beyond the ids here: skip any taken.
    n = (Incident.objects.aggregate(n=Max("id"))["n"] or 0) + 1
    while Incident.objects.filter(code=f"SYR{n:06d}").exists():
        n += 1
    return f"SYR{n:06d}"


def create(fields: dict[str, Any], actor: str, evidence: list[str] | None = None, reason: str = "",
           project=None) -> Incident:
    """`project`: a Project (default: the default project)."""
    from marsad.access.service import default_project

    cleaned = {f: _clean(f, v) for f, v in fields.items()}
    if cleaned.get("grade") in NEEDS_APPROVAL:
        raise IncidentError("the grade \"confirmed\" takes a second member's approval: propose it after creating")
    evidence = resolve_evidence(evidence or [])
    _check_ranges(cleaned)
    project = project or default_project()
    with transaction.atomic():
        log.lock_head()
        incident = Incident(code=_next_code(), created=timezone.now(), created_by=actor, project=project)
        for field, value in cleaned.items():
            _apply(incident, field, value)
        incident.save()
        _record(incident, "create", actor, new={f: _jsonable(v) for f, v in cleaned.items()},
                evidence=evidence, reason=reason)
    return incident


def update(incident: Incident, fields: dict[str, Any], actor: str, evidence: list[str] | None = None,
           reason: str = "", seen: dict[str, Any] | None = None, approved: bool = False) -> list[IncidentChange]:
    """Change fields. `seen`: the values the person saw when they began (field -> value as
    shown); a field changed by someone else since raises Conflict and nothing is saved."""
    cleaned = {f: _clean(f, v) for f, v in fields.items()}
    if not approved and cleaned.get("grade") in NEEDS_APPROVAL:
        raise IncidentError("the grade \"confirmed\" takes a second member's approval: propose it for review")
    evidence = resolve_evidence(evidence or [])
    changes = []
    with transaction.atomic():
        log.lock_head()
        incident.refresh_from_db()  # under the log's lock: what others saved is current
        for field, shown in (seen or {}).items():
            if field in cleaned and _shown(getattr(incident, field)) != _shown(shown):
                raise Conflict(field, _jsonable(getattr(incident, field)), shown)
        _check_ranges({f: getattr(incident, f) for names in RANGES for f in names} | cleaned)
        for field, value in cleaned.items():
            old = getattr(incident, field)
            if old == value:
                continue
            _apply(incident, field, value)
            changes.append(_record(incident, "set", actor, field=field, old=old, new=value, evidence=evidence,
                                   reason=reason))
        incident.save()
    return changes


def _shown(value: Any) -> str:
    """A value as a form shows it, so what was seen compares with what is stored."""
    value = _jsonable(value)
    return "" if value is None else str(value)


def link(incident: Incident, shas: list[str], role: str, actor: str, reason: str = "") -> list[IncidentItem]:
    if role not in IncidentItem.Role.values:
        raise IncidentError(f"role must be one of {', '.join(IncidentItem.Role.values)}")
    if incident.merged_into_id:
        raise IncidentError(f"{incident.code} was merged into {incident.merged_into.code}; link there")
    from marsad.access.service import hold

    out = []
    with transaction.atomic():
        log.lock_head()
        items = _items(shas)
        hold(incident.project_id, items)
        for item in items:
            existing = IncidentItem.objects.filter(incident=incident, item=item).first()
            if existing and existing.role == role:
                continue
            if existing:
                _record(incident, "link", actor, field="role", old=existing.role, new=role, evidence=[item.sha256],
                        reason=reason)
                existing.role = role
                existing.save(update_fields=["role"])
                out.append(existing)
                continue
            out.append(IncidentItem.objects.create(incident=incident, item=item, role=role, added_at=timezone.now(),
                                                   added_by=actor))
            _record(incident, "link", actor, field="item", new={"sha256": item.sha256, "role": role},
                    evidence=[item.sha256], reason=reason)
    return out


def merge(target: Incident, others: list[Incident], actor: str, reason: str) -> Incident:
    """The others' evidence moves to `target`; they stay, marked merged, with their history."""
    if not reason:
        raise IncidentError("say why these are one incident (--reason)")
    with transaction.atomic():
        log.lock_head()
        target.refresh_from_db()
        if target.merged_into_id:
            # Merging into a merged incident would close a cycle (A into B, then B into A) and hide both.
            raise IncidentError(f"{target.code} was merged into {target.merged_into.code}; merge into that one")
        for other in others:
            other.refresh_from_db()
            if other.pk == target.pk or other.merged_into_id:
                raise IncidentError(f"{other.code} cannot be merged (itself, or merged already)")
            if other.project_id != target.project_id:
                # Merging would show one project's evidence to the other's members.
                raise IncidentError(f"{other.code} is in another project than {target.code}")
            moved = []
            for link_row in IncidentItem.objects.filter(incident=other).select_related("item"):
                if not IncidentItem.objects.filter(incident=target, item=link_row.item).exists():
                    IncidentItem.objects.create(incident=target, item=link_row.item, role=link_row.role,
                                                added_at=timezone.now(), added_by=actor)
                moved.append(link_row.item.sha256)
            other.merged_into = target
            other.save(update_fields=["merged_into"])
            _record(other, "merge", actor, field="merged_into", new=target.code, evidence=moved, reason=reason)
            _record(target, "merge", actor, field="merged_from", new=other.code, evidence=moved, reason=reason)
    return target


def split(incident: Incident, shas: list[str], fields: dict[str, Any], actor: str, reason: str) -> Incident:
    """A new incident takes these items (their links move); both keep their history."""
    if not reason:
        raise IncidentError("say why these are another incident (--reason)")
    items = _items(shas)
    links = {l.item_id: l for l in IncidentItem.objects.filter(incident=incident, item__in=items)}
    missing = [i.sha256[:12] for i in items if i.id not in links]
    if missing:
        raise IncidentError(f"not linked to {incident.code}: {', '.join(missing)}")
    base = {f: getattr(incident, f) for f in ("event_date", "event_type", "sub_event_type", "place")}
    with transaction.atomic():
        new = create({k: v for k, v in (base | fields).items() if v not in (None, "")}, actor,
                     evidence=[i.sha256 for i in items], reason=reason, project=incident.project)
        new.split_from = incident
        new.save(update_fields=["split_from"])
        for item in items:
            row = links[item.id]
            IncidentItem.objects.create(incident=new, item=item, role=row.role, added_at=timezone.now(), added_by=actor)
            row.delete()
        _record(incident, "split", actor, field="split_to", new=new.code, evidence=[i.sha256 for i in items],
                reason=reason)
    return new


def admin_names(incident: Incident, g: Gazetteer | None = None) -> dict[str, str]:
    """ACLED's admin1-3 and location from the incident's place (`g`: the gazetteer, when the caller has it)."""
    out = {"admin1": "", "admin2": "", "admin3": "", "location": incident.location_text}
    if incident.place_id is None:
        return out
    g = g or places.gazetteer()
    key = incident.place.merged_into.key if incident.place.merged_into_id else incident.place.key
    if key not in g.places:
        return out
    place = g.get(key)
    for level, column in ((GOVERNORATE, "admin1"), (DISTRICT, "admin2"), (SUBDISTRICT, "admin3")):
        area = g.admin(place, level)
        out[column] = area.name if area else ""
    out["location"] = place.name
    return out


def get(code: str) -> Incident:
    incident = Incident.objects.filter(code=code.upper()).first()
    if incident is None:
        raise IncidentError(f"no incident {code}")
    return incident
