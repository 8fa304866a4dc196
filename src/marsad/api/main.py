"""The API object: bearer tokens on every operation, errors as JSON with a clear
message (401 no usable token, 403 scope or role too small, 404 nothing of that name
in the token's project, 409 a conflict, 422 invalid input), and the routers of
each family (items.py, incidents.py, other.py). See auth.py for how permissions
are decided."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from marsad.core.cursor import BadCursor
from marsad.incidents.review import NotAllowed
from marsad.incidents.service import Conflict, IncidentError

from .auth import TokenAuth

api = NinjaAPI(
    title="Marsad API", version="1", urls_namespace="api", auth=TokenAuth(), docs_url=None,
    description=(
        "Evidence, incidents and places of one project, read and written with a token made by "
        "`marsad token create --user NAME --project P --scope read|comment|edit` and sent as "
        "`Authorization: Bearer <token>`. A token acts as its user in its project only, with what both the "
        "user's role and the token's scope allow. Lists are pages: pass `next` as `after`. Every change is "
        "recorded in the custody log as the same act in the browser is."),
)


def _error(request, status: int, message: str, **headers):
    response = api.create_response(request, {"detail": message}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


@api.exception_handler(AuthenticationError)
def _unauthorised(request, exc):
    message = str(exc) if str(exc) != "Unauthorized" else _("Send a token: Authorization: Bearer <token>.")
    return _error(request, 401, message, WWW_Authenticate='Bearer realm="marsad"')


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, _("Not found in this token's project."))


@api.exception_handler(ObjectDoesNotExist)
def _no_object(request, exc):
    return _error(request, 404, _("Not found in this token's project."))


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return _error(request, 403, str(exc) or _("Your role in this project does not allow this."))


@api.exception_handler(NotAllowed)
def _not_allowed(request, exc):
    return _error(request, 403, str(exc))


@api.exception_handler(Conflict)
def _conflict(request, exc):
    return _error(request, 409, str(exc))


@api.exception_handler(IncidentError)
def _invalid(request, exc):
    return _error(request, 422, str(exc))


@api.exception_handler(BadCursor)
def _bad_cursor(request, exc):
    return _error(request, 422, _("This cursor is not one this API gave: pass `next` from the previous page."))


from . import incidents, items, other  # noqa: E402  (routers use `api` above for nothing; order of the document)

api.add_router("", items.router, tags=["evidence"])
api.add_router("", incidents.router, tags=["incidents"])
api.add_router("", other.router, tags=["places, search, uploads"])
