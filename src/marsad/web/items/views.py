"""The items page family: the evidence table, an item's page, its files, and the
graphic flag. Every item comes through `item_for` (outsider 404, role too low 403),
every list through `visible_items`."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marsad.access.rules import projects_where, visible_incidents, visible_items
from marsad.custody import log
from marsad.evidence.ingest import store
from marsad.evidence.models import Derivative, Item
from marsad.web.access import item_for

from .forms import ItemFilters
from .media import blurred_preview, filename_for, serve_bytes, serve_file
from .present import PICTURE_ROLES, item_context, page_of, table_rows

DERIVED_CACHE = "private, max-age=300"  # small, derived, and re-checked against the role every 5 minutes


def fragment(request) -> bool:
    """An htmx request for part of a page (a history restore needs the whole page)."""
    return bool(request.htmx and not request.htmx.history_restore_request)


@require_GET
def item_list(request):
    filters = ItemFilters(request.GET)
    items = filters.apply(visible_items(request.user), visible_incidents(request.user),
                          projects_where(request.user, "view"))
    page = page_of(items, request.GET.get("after"), request.GET.get("before"))
    context = {"filters": filters, "rows": table_rows(request.user, page.items), "page": page,
               "query": filters.query()}
    return render(request, "items/list.html#results" if fragment(request) else "items/list.html", context)


@require_GET
def item_detail(request, sha256: str):
    item = item_for(request, sha256, "view")
    return render(request, "items/detail.html", item_context(request, item))


@require_http_methods(["GET", "HEAD"])
def item_media(request, sha256: str):
    """The original bytes, with Range for seeking; only roles that may see originals."""
    item = item_for(request, sha256, "view_original")
    path = store().path(item.sha256)
    if not path.is_file():
        raise Http404
    return serve_file(request, path, item.mime, filename_for(item.sha256, item.mime), item.sha256)


def _derived(item: Item, roles: tuple[str, ...]) -> Derivative:
    found = {d.role: d for d in Derivative.objects.filter(item=item, role__in=roles)}
    for role in roles:
        if role in found and store().path(found[role].sha256).is_file():
            return found[role]
    raise Http404


@require_http_methods(["GET", "HEAD"])
def item_thumb(request, sha256: str):
    """The item's picture (a photo's thumbnail, a video's poster), for everyone who may view it."""
    item = item_for(request, sha256, "view")
    picture = _derived(item, PICTURE_ROLES)
    return serve_file(request, store().path(picture.sha256), "image/jpeg",
                      filename_for(item.sha256, "image/jpeg", "-thumb"), picture.sha256, DERIVED_CACHE)


@require_http_methods(["GET", "HEAD"])
def item_sheet(request, sha256: str):
    """A video's contact sheet: keyframes spread over its length."""
    item = item_for(request, sha256, "view")
    sheet = _derived(item, ("contact_sheet",))
    return serve_file(request, store().path(sheet.sha256), "image/jpeg",
                      filename_for(item.sha256, "image/jpeg", "-sheet"), sheet.sha256, DERIVED_CACHE)


@require_GET
def item_preview(request, sha256: str):
    """A blurred greyscale stand-in made on the server, so a graphic item's own picture
    never reaches the browser until the person asks for it."""
    item = item_for(request, sha256, "view")
    picture = _derived(item, PICTURE_ROLES)
    try:
        data = blurred_preview(str(store().path(picture.sha256)))
    except OSError as e:  # a damaged derivative: no preview rather than an error page
        raise Http404 from e
    return serve_bytes(data, "image/jpeg", filename_for(item.sha256, "image/jpeg", "-blurred"),
                       f"blur-{picture.sha256}", DERIVED_CACHE)


@require_POST
def item_graphic(request, sha256: str):
    """Mark or unmark an item as graphic; each change is a custody event."""
    item = item_for(request, sha256, "edit")
    graphic = request.POST.get("graphic") == "1"
    with transaction.atomic():
        log.lock_head()
        current = Item.objects.filter(pk=item.pk).values_list("graphic", flat=True).get()
        if current != graphic:  # a repeated submission records nothing twice
            log.record("flag", item=item.sha256, actor=log.actor_id(request.user.username),
                       outputs=[{"graphic": graphic}])
            Item.objects.filter(pk=item.pk).update(graphic=graphic)
    messages.success(request, _("Marked as graphic: it is shown blurred until clicked.") if graphic
                     else _("No longer marked as graphic."))
    return redirect("items:detail", item.sha256)
