"""What the endpoint modules share: documented error answers, the shared filter as
query parameters, and getting an object for a request as the pages do (web.access:
outside the token's project 404, a role too small 403)."""

from __future__ import annotations

from contextlib import contextmanager
from collections.abc import Callable
from typing import Annotated, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import HttpError
from pydantic import Field

from marsad.core import cursor as cursors
from marsad.core.cursor import BadCursor
from marsad.incidents.filters import Filters

from .schemas import Error

READ_ERRORS = {401: Error, 403: Error, 404: Error, 422: Error}
WRITE_ERRORS = READ_ERRORS | {409: Error}

Param = Annotated[str, Field(max_length=200, pattern=r"^[^\x00]*$")]


class FilterParams(Schema):
    """The shared filter (marsad.incidents.filters), as the pages read it from the URL."""

    project: Param = ""
    status: Param = ""
    grade: Param = ""
    assignee: Param = Field("", max_length=200, pattern=r"^[^\x00]*$", description='A username, "me" or "none".')
    tag: Param = ""
    date_from: Param = Field("", max_length=200, pattern=r"^[^\x00]*$", description="ISO date, inclusive.")
    date_to: Param = ""
    q: Param = Field("", max_length=200, pattern=r"^[^\x00]*$", description="Words, searched as the search page does.")
    kind: Param = ""
    source: Param = ""
    place: Param = Field("", max_length=200, pattern=r"^[^\x00]*$",
                         description="A Place key: the place and everything within it.")
    event_type: Param = ""


def filters_from(params: FilterParams) -> Filters:
    return Filters.from_query(params.model_dump())


def item_for(request, sha256: str, action: str = "view"):
    from marsad.web.access import item_for as page_item_for

    return page_item_for(request, sha256, action)


def incident_for(request, code: str, action: str = "view"):
    from marsad.web.access import incident_for as page_incident_for

    return page_incident_for(request, code, action)


@contextmanager
def invalid_as_422():
    """A service's refusal of a value (a date that is no date, a place that is none) is the
    caller's mistake, answered 422 with the service's words."""
    try:
        yield
    except (ValueError, LookupError, ObjectDoesNotExist) as e:
        from marsad.incidents.service import IncidentError

        if isinstance(e, IncidentError):
            raise
        raise HttpError(422, str(e) or _("This value is not valid.")) from e


def pk_page(rows: QuerySet, after: str, limit: int, *, newest_first: bool = False,
            read: Callable[[QuerySet], list] = list, pk: Callable[[Any], int] = lambda row: row.pk
            ) -> tuple[list, str | None]:
    """One page of `rows` by id, after the opaque cursor `after`, and the cursor of the next
    page (None on the last). `read` turns the page's rows into answers; `pk` reads an answer's id."""
    cursor = cursors.decode(after)
    if cursor and not (cursor.isascii() and cursor.isdigit() and len(cursor) <= 18):
        raise BadCursor(after)
    if cursor:
        rows = rows.filter(pk__lt=int(cursor)) if newest_first else rows.filter(pk__gt=int(cursor))
    found = read(rows.order_by("-id" if newest_first else "id")[:limit + 1])
    more, found = len(found) > limit, found[:limit]
    return found, cursors.encode(str(pk(found[-1]))) if more else None
