"""Getting an object for a request: the one way views reach items, incidents and projects.

An outsider gets the same 404 as for something that does not exist (nothing of a
project leaks to people outside it); a member whose role does not allow the action
gets 403. Views never call `Item.objects.get` themselves."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from marsad.access.models import Project
from marsad.access.roles import CAN
from marsad.access.rules import allowed, role_for
from marsad.evidence.models import Item


def _check(user, obj, action: str):
    role = role_for(user, obj)  # once: for an item it is a query
    if role is None:
        raise Http404
    if role not in CAN[action]:
        raise PermissionDenied
    return obj


def item_for(request, sha256: str, action: str = "view") -> Item:
    item = Item.objects.filter(sha256=sha256.lower()).first()
    if item is None:
        raise Http404
    return _check(request.user, item, action)


def incident_for(request, code: str, action: str = "view"):
    from marsad.incidents.models import Incident

    incident = Incident.objects.select_related("place", "project").filter(code=code.upper()).first()
    if incident is None:
        raise Http404
    return _check(request.user, incident, action)


def project_for(request, slug: str, action: str = "view") -> Project:
    project = Project.objects.filter(slug=slug).first()
    if project is None:
        raise Http404
    return _check(request.user, project, action)


def may(request, action: str, obj=None) -> bool:
    return allowed(request.user, action, obj)
