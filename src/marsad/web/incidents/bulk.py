"""Bulk edit: the same change to many incidents, each through the service on its
own, each reported on its own. An incident the person may not edit is never
touched; one whose field changed since the table was shown is a conflict; a
"confirmed" grade becomes a proposal for a second member's review."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _

from marsad.access.rules import allowed, visible_incidents
from marsad.incidents import review, service
from marsad.incidents.service import Conflict, IncidentError

from . import display

CHANGED, UNCHANGED, NOT_ALLOWED, REFUSED, CONFLICT, NOT_FOUND = (
    "changed", "unchanged", "not_allowed", "refused", "conflict", "not_found")


@dataclass
class Result:
    code: str
    outcome: str
    notes: list[str] = field(default_factory=list)
    incident: object = None


def apply(user, codes: list[str], data: dict, seen: dict[str, dict[str, str]]) -> list[Result]:
    """`data`: the bulk form's cleaned values; `seen[code]`: the row's values as shown."""
    visible = {i.code: i for i in visible_incidents(user).filter(code__in=codes).select_related("project")}
    assignee = None
    if data.get("assignee") and data["assignee"] != "-":
        assignee = get_user_model().objects.filter(username=data["assignee"]).first()
    results = []
    for code in dict.fromkeys(codes):
        incident = visible.get(code)
        if incident is None:  # not there, or in a project this person is not in: the same answer
            results.append(Result(code, NOT_FOUND))
        elif not allowed(user, "edit", incident):
            results.append(Result(code, NOT_ALLOWED, [_("Your role in this incident's project does not allow "
                                                        "editing; it was not changed.")], incident))
        else:
            results.append(_one(user, incident, data, assignee, seen.get(code, {})))
    return results


def _one(user, incident, data: dict, assignee, seen: dict[str, str]) -> Result:
    result = Result(incident.code, UNCHANGED, incident=incident)
    reason, actor = data["reason"], review.actor_of(user)
    fields = {f: data[f] for f in ("status", "grade") if data.get(f)}
    propose = fields.get("grade") in service.NEEDS_APPROVAL and fields.pop("grade")
    try:
        with transaction.atomic():  # all of this incident's changes, or none
            changes = []
            if fields:
                changes += service.update(incident, fields, actor, reason=reason,
                                          seen={f: seen[f] for f in fields if f in seen})
            if data.get("assignee"):
                if data["assignee"] != "-" and assignee is None:
                    raise review.ReviewError(_("There is no user %(name)s.") % {"name": data["assignee"]})
                change = review.assign(incident, assignee, user, reason, seen=seen.get("assignee"))
                changes += [change] if change else []
            if data.get("tags"):
                change = review.add_tags(incident, review.clean_tags(data["tags"]), user, reason)
                changes += [change] if change else []
    except Conflict as e:
        result.outcome = CONFLICT
        result.notes.append(_("%(field)s was changed by someone else since you loaded the table (now: %(now)s); "
                              "nothing was changed.") % {"field": display.label(e.field),
                                                          "now": display.show(e.field, e.current, {}) or "—"})
        return result
    except IncidentError as e:
        result.outcome = REFUSED
        result.notes.append(str(e))
        return result
    if changes:
        result.outcome = CHANGED
        result.notes += [_("%(field)s: %(old)s → %(new)s") % {
            "field": display.label(c.field), "old": display.show(c.field, c.old, {}) or "—",
            "new": display.show(c.field, c.new, {}) or "—"} for c in changes]
    if propose:
        try:
            review.propose_grade(incident, "confirmed", reason, user)
            result.outcome = REFUSED if not changes else result.outcome
            result.notes.append(_("The grade “confirmed” needs a second member's approval: it was proposed for "
                                  "review instead of set."))
        except IncidentError as e:
            result.outcome = REFUSED if not changes else result.outcome
            result.notes.append(_("The grade “confirmed” was not proposed: %(why)s") % {"why": e})
    return result

