"""Incidents: the list (shared filter, keyset pages as the table), one incident
with its evidence, history and comments, and the acts of the incident page through
the same service functions: create, set fields with a reason, link evidence,
comment, and the grouping suggestions. Each change is an IncidentChange and a
custody event with the token's user as actor."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import HttpError

from marsad.access.rules import allowed, visible_incidents, visible_items
from marsad.core import cursor as cursors
from marsad.core.cursor import BadCursor
from marsad.incidents import review, service
from marsad.incidents.models import Incident
from marsad.incidents.service import RESTRICTED
from marsad.web.incidents import grouping, table

from . import present
from .auth import may, require
from .common import READ_ERRORS, WRITE_ERRORS, FilterParams, filters_from, incident_for, invalid_as_422
from .schemas import (Changed, CommentIn, CommentOut, IncidentCreate, IncidentDetail, IncidentPage, IncidentUpdate,
                      Limit, LinkIn, LinkOut, SuggestionOut)

router = Router()
REQUIRED = {"status", "grade", "time_precision", "geo_precision"}  # columns without an empty value
CURSOR = re.compile(r"d\d{4}-\d{2}-\d{2}\.\d{1,18}|n\d{1,18}")


def _full(request, incident) -> bool:
    return may(request, "view_restricted", incident)


def _detail(request, incident) -> dict:
    full = _full(request, incident)
    return present.incident_out(incident, full) | {
        "evidence": present.links(incident),
        "history": present.history(incident, review.actor_names(incident.project), full),
        "comments": present.comments(incident),
    }


def _evidence(request, shas: list[str]) -> list[str]:
    """Items of the token's project the user may edit: linking shows an item to the
    incident's project (as the page's `linkable_evidence`)."""
    wanted = list(dict.fromkeys(s.lower() for s in shas))
    found = set(visible_items(request.user, "edit").filter(sha256__in=wanted).values_list("sha256", flat=True))
    missing = [s[:12] for s in wanted if s not in found]
    if missing:
        raise HttpError(422, _("Not found among the evidence you may see: %(list)s") % {"list": ", ".join(missing[:5])})
    return wanted


def _fields(request, incident_or_project, sent: dict) -> dict:
    """The fields as the service takes them: null clears a field, as an empty form field does."""
    if set(sent) & RESTRICTED and not may(request, "edit_restricted", incident_or_project):
        raise PermissionDenied(_("Your role in this project does not allow changing restricted fields."))
    out = {}
    for name, value in sent.items():
        column = Incident._meta.get_field(name)
        if value is None and not column.null:
            if name in REQUIRED:
                raise HttpError(422, _("%(field)s cannot be empty.") % {"field": name})
            value = False if name == "civilian_targeting" else ""
        out[name] = value
    return out


@router.get("/incidents", response={200: IncidentPage, **READ_ERRORS}, url_name="incidents")
def incident_list(request, filters: Query[FilterParams], after: str = "", limit: Limit = 50):
    """Incidents newest event first (undated last), as the incidents table, merged ones left out."""
    require(request, "read")
    cursor = cursors.decode(after)
    if cursor and not CURSOR.fullmatch(cursor):
        raise BadCursor(after)
    incidents = filters_from(filters).apply(visible_incidents(request.user).filter(merged_into__isnull=True),
                                            request.user)
    rows, nxt = table.page(incidents.select_related("merged_into", "split_from"), cursor, size=limit)
    full = bool(rows) and _full(request, rows[0])  # one project: one role
    return {"incidents": [present.incident_out(r, full) for r in rows], "next": cursors.encode(nxt)}


@router.get("/incidents/{code}", response={200: IncidentDetail, **READ_ERRORS}, url_name="incident")
def incident_detail(request, code: str):
    require(request, "read")
    return _detail(request, incident_for(request, code, "view"))


@router.post("/incidents", response={201: IncidentDetail, **WRITE_ERRORS}, url_name="incident_create")
def incident_create(request, data: IncidentCreate):
    """A new incident in the token's project; `evidence` is linked with `role`."""
    require(request, "edit")
    project = request.api_token.project
    if not may(request, "edit", project):
        raise PermissionDenied
    sent = {k: v for k, v in data.fields.model_dump(exclude_unset=True).items() if v not in (None, "")}
    fields = _fields(request, project, sent)
    shas = _evidence(request, data.evidence)
    with invalid_as_422():
        incident, _created = review.create_once(fields, request.user, shas, data.reason, project, None, role=data.role)
    return Status(201, _detail(request, incident))


@router.patch("/incidents/{code}", response={200: Changed, **WRITE_ERRORS}, url_name="incident_update")
def incident_update(request, code: str, data: IncidentUpdate):
    """Set fields, each change recorded with the reason. `seen`: the values as you read them;
    one changed by someone else since answers 409 and nothing is saved."""
    require(request, "edit")
    incident = incident_for(request, code, "edit")
    if incident.merged_into_id:
        raise HttpError(409, _("This incident was merged; edit the one it was merged into."))
    fields = _fields(request, incident, data.fields.model_dump(exclude_unset=True))
    if data.seen and set(data.seen) & RESTRICTED and not may(request, "edit_restricted", incident):
        raise PermissionDenied(_("Your role in this project does not allow changing restricted fields."))
    shas = _evidence(request, data.evidence)
    with invalid_as_422():
        changes = service.update(incident, fields, review.actor_of(request.user), evidence=shas,
                                 reason=data.reason.strip(), seen=data.seen)
    return {"changes": len(changes), "incident": present.incident_out(incident, _full(request, incident))}


@router.post("/incidents/{code}/links", response={200: list[LinkOut], **WRITE_ERRORS}, url_name="incident_link")
def incident_link(request, code: str, data: LinkIn):
    """Link evidence of the token's project to the incident, with its role and why."""
    require(request, "edit")
    incident = incident_for(request, code, "edit")
    shas = _evidence(request, data.evidence)
    service.link(incident, shas, data.role, review.actor_of(request.user), data.reason.strip())
    return present.links(incident)


@router.post("/incidents/{code}/comments", response={201: CommentOut, **WRITE_ERRORS}, url_name="incident_comment")
def incident_comment(request, code: str, data: CommentIn):
    require(request, "comment")
    incident = incident_for(request, code, "comment")
    note, _new = review.comment(incident, request.user, data.body)
    return Status(201, {"id": note.pk, "author": request.user.username, "body": note.body, "attachments": [],
                        "at": note.at, "log_index": note.log_index})


@router.get("/incidents/{code}/suggestions", response={200: list[SuggestionOut], **READ_ERRORS},
            url_name="incident_suggestions")
def incident_suggestions(request, code: str, limit: int = 5):
    """Evidence of the project not yet linked that may belong here, with the reasons, as on
    the incident page (strong suggestions first, then weak ones: same time window and kind of
    event, no place named): for roles that may edit and see restricted fields (the reasons may
    quote a capture's text). Reading them needs only a read token."""
    require(request, "read")
    incident = incident_for(request, code, "view")
    if not (allowed(request.user, "edit", incident) and allowed(request.user, "view_restricted", incident)):
        raise PermissionDenied
    strong, weak = grouping.suggestions(incident, request.user, limit=max(1, min(limit, 20)))
    return [{"sha256": f.item.sha256, "score": f.score, "why": f.why, "tier": f.tier} for f in [*strong, *weak]]
