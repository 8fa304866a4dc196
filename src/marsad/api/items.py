"""Evidence: items (with the shared filter), one item with its captures, the
captures of the project, and an item's copies. Restricted fields only for roles
with "view_restricted"; captures only those recorded for the token's project."""

from __future__ import annotations

from typing import Annotated

from ninja import Query, Router
from pydantic import Field

from marsad.access.roles import CAN
from marsad.access.rules import projects_where, role_for, visible_items
from marsad.core import cursor as cursors
from marsad.core.cursor import BadCursor
from marsad.evidence.models import Capture
from marsad.web.items import present as pages

from . import present
from .auth import require
from .common import READ_ERRORS, FilterParams, filters_from, item_for, pk_page
from .schemas import CapturePage, CopyOut, ItemDetail, ItemPage, Limit

router = Router()
Source = Annotated[str, Field(max_length=32, pattern=r"^[^\x00]*$")]


@router.get("/items", response={200: ItemPage, **READ_ERRORS}, url_name="items")
def item_list(request, filters: Query[FilterParams], after: str = "", limit: Limit = 50):
    """Items newest first (by when first seen), narrowed by the shared filter."""
    require(request, "read")
    cursor = cursors.decode(after)
    if cursor and (pages.parse_cursor(cursor) is None or pages.parse_cursor(cursor)[1] >= 2**62):
        raise BadCursor(after)
    items = filters_from(filters).apply_items(visible_items(request.user), request.user)
    page = pages.page_of(items, cursor or None, None, size=limit)
    full = bool(projects_where(request.user, "view_restricted"))  # the token's one project
    codes = pages.incident_codes(request.user, [i.pk for i in page.items])
    return {"items": [present.item_out(i, full, codes[i.pk]) for i in page.items], "next": cursors.encode(page.next)}


@router.get("/items/{sha256}", response={200: ItemDetail, **READ_ERRORS}, url_name="item")
def item_detail(request, sha256: str):
    require(request, "read")
    item = item_for(request, sha256, "view")
    full = role_for(request.user, item) in CAN["view_restricted"]
    codes = pages.incident_codes(request.user, [item.pk])
    slugs = {request.api_token.project_id: request.api_token.project.slug}
    rows = (Capture.objects.filter(item=item, project_id__in=projects_where(request.user, "view"))
            .order_by("ingested_at", "id")[:pages.MAX_CAPTURES])
    return present.item_out(item, full, codes[item.pk]) | {
        "captures": present.captures_out(request.user, rows, slugs),
        "metadata": dict(pages.metadata_tags(item, full)),
        "derivatives": pages.derivatives(item),
    }


@router.get("/items/{sha256}/copies", response={200: list[CopyOut], **READ_ERRORS}, url_name="copies")
def item_copies(request, sha256: str):
    """The copies of the item in the token's project, earliest first, with why they match."""
    require(request, "read")
    item = item_for(request, sha256, "view")
    return pages.copy_cluster(request.user, item)


@router.get("/captures", response={200: CapturePage, **READ_ERRORS}, url_name="captures")
def capture_list(request, source: Source = "", after: str = "", limit: Limit = 50):
    """Every capture (sighting) recorded for the token's project, newest first."""
    require(request, "read")
    rows = Capture.objects.filter(project_id__in=projects_where(request.user, "view"))
    if source:
        rows = rows.filter(source_kind=source)
    slugs = {request.api_token.project_id: request.api_token.project.slug}
    rows, nxt = pk_page(rows, after, limit, newest_first=True, pk=lambda row: row["id"],
                        read=lambda page: present.captures_out(request.user, page, slugs))
    return {"captures": rows, "next": nxt}
