"""The search page: words and the shared filter in the URL, ranked hits with the
matching words marked, labelled by kind; the results alone for htmx (live search)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from marsad.access.rules import visible_projects
from marsad.incidents.filters import Filters
from marsad.search.models import SearchEntry
from marsad.search.query import search
from marsad.web.incidents import display
from marsad.web.incidents.views import is_fragment
from marsad.web.places import name_in

KINDS = {
    SearchEntry.Kind.INCIDENT: _("Incident"), SearchEntry.Kind.COMMENT: _("Comment"),
    SearchEntry.Kind.ITEM: _("Evidence"), SearchEntry.Kind.CAPTURE: _("Source text"),
    SearchEntry.Kind.PLACE: _("Place"),
}
FIELDS = {"code": _("Code"), "place": _("Place"), "tags": _("Tags"), "body": _("Comment"), "text": _("Post text"),
          "title": _("Title"), "channel": _("Channel"), "original_name": _("File name"), "url": _("Web address"),
          "media": _("File type"), "camera": _("Camera"), "name": _("Name")}
# The shared filter's parameters the form does not show: kept as hidden fields so a search keeps them.
HIDDEN = ("status", "grade", "assignee", "tag", "kind", "source", "place", "event_type")
PAGE_SIZE = 50


def _field_label(kind: str, field: str) -> str:
    if kind == SearchEntry.Kind.INCIDENT and field not in ("code", "place", "tags", "title"):
        return display.label(field)
    return str(FIELDS.get(field, field))


@require_GET
def page(request):
    filters = Filters.from_query(request.GET)
    only = request.GET.get("in", "")
    kinds = [only] if only in KINDS else None
    results = search(request.user, filters.q, filters=filters, kinds=kinds, limit=PAGE_SIZE,
                     after=request.GET.get("after") or None)
    arabic = translation.get_language() == "ar"
    for hit in results.hits:
        hit.kind_label = KINDS[hit.kind]
        hit.field_label = _field_label(hit.kind, hit.field)
        hit.href = hit.url()
        if hit.title_ar:  # a place
            hit.title = name_in(hit.title, hit.title_ar, arabic)
    extra = {"in": only} if kinds else {}
    context = {
        "filters": filters, "results": results, "only": only if kinds else "", "kinds": list(KINDS.items()),
        "projects": list(visible_projects(request.user)), "hidden": [(n, getattr(filters, n)) for n in HIDDEN
                                                                     if getattr(filters, n)],
        "next_query": filters.query(after=results.next, **extra) if results.next else "",
        "first_query": filters.query(**extra), "paged": bool(request.GET.get("after")),
        "table_query": filters.query(),
    }
    template = "search/page.html#results" if is_fragment(request) else "search/page.html"
    return render(request, template, context)
