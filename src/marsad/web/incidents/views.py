"""The incidents table (filters, keyset pages, bulk edit, exports), the new-incident
form and the place autocomplete. The incident page and its actions are in
detail.py and actions.py."""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from marsad import registry
from marsad.access.rules import allowed, projects_where, visible_items, visible_projects
from marsad.custody import log
from marsad.incidents import exports, review
from marsad.incidents.service import RESTRICTED, IncidentError
from marsad.web.explore import scope
from marsad.web.places import place_name

from . import bulk, once, placesearch, table
from .forms import EVENT_LABELS, BulkForm, CreateForm

CONTENT_TYPES = {".csv": "text/csv; charset=utf-8", ".geojson": "application/geo+json", ".json": "application/json",
                 ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
SHA = re.compile(r"[0-9a-fA-F]{12,64}")


def is_fragment(request) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


def _scope(request):
    return scope.scope(request)  # the same incidents as the map and the timeline show


def _table_context(request, whole: bool) -> dict:
    filters, incidents = _scope(request)
    rows, after = table.page(incidents, request.GET.get("after", ""))
    counts = table.evidence_counts(rows)
    arabic = translation.get_language() == "ar"
    for row in rows:
        row.evidence_count = counts.get(row.pk, 0)
        row.type_label = EVENT_LABELS.get(row.sub_event_type or row.event_type, row.sub_event_type or row.event_type)
        row.place_label = place_name(row.place, arabic)
    # The whole page draws the shared filter form; a fragment (the next page of rows) needs
    # only the bulk form's assignee choices from it.
    shared = (scope.filter_context(request, filters, incidents.count()) if whole
              else {"filters": filters, "members": scope.members_of(list(visible_projects(request.user)))})
    return shared | {
        "rows": rows, "after": after, "first_page": bool(request.GET.get("after")),
        "next_query": filters.query(after=after),
        "may_edit": bool(projects_where(request.user, "edit")),
        "formats": sorted(registry.exporters()),
    }


@require_GET
def incident_list(request):
    fragment = is_fragment(request)
    context = _table_context(request, whole=not fragment) | {"bulk": BulkForm()}
    template = "incidents/list.html#table" if fragment else "incidents/list.html"
    return render(request, template, context)


@require_POST
def bulk_edit(request):
    """Apply one change to the chosen incidents; the result page reports each one."""
    if not projects_where(request.user, "edit"):
        raise PermissionDenied
    form = BulkForm(request.POST)
    codes = [c.upper() for c in request.POST.getlist("code") if c][:500]
    if not codes:
        form.add_error(None, _("Choose at least one incident."))
    if not form.is_valid() or not codes:
        context = _table_context(request, whole=True) | {"bulk": form}
        return render(request, "incidents/list.html", context, status=400)
    seen = {code: {f: request.POST[f"seen_{f}_{code}"] for f in ("grade", "status", "assignee")
                   if f"seen_{f}_{code}" in request.POST} for code in codes}
    results = bulk.apply(request.user, codes, form.cleaned_data, seen)
    template = "incidents/bulk_result.html#results" if is_fragment(request) else "incidents/bulk_result.html"
    back = request.POST.get("back", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts=None) or not back.startswith("/"):
        back = ""
    return render(request, template, {"results": results, "data": form.cleaned_data, "back": back})


@require_GET
def export(request):
    """The filtered incidents this person may see, as CSV, GeoJSON or XLSX; never a
    restricted field (exports.COLUMNS holds none); recorded as a custody event."""
    fmt = request.GET.get("format", "csv")
    exporters = registry.exporters()
    if fmt not in exporters:
        raise Http404
    if set(exports.COLUMNS) & RESTRICTED:  # a new column must never carry a witness's identity
        raise ImproperlyConfigured("an export column is a restricted field")
    _filters, incidents = _scope(request)
    rows = exports.rows(None, incidents=incidents)
    exporter = exporters[fmt]
    with tempfile.TemporaryDirectory(prefix="marsad-export-") as folder:
        path = Path(folder) / f"incidents{exporter.suffix}"
        exporter.write(exports.COLUMNS, rows, path)
        data = path.read_bytes()
    with transaction.atomic():
        log.lock_head()
        log.record("export", actor=review.actor_of(request.user),
                   outputs=[{"format": fmt, "incidents": len(rows), "sha256": hashlib.sha256(data).hexdigest()}])
    name = f"marsad-incidents-{timezone.now():%Y%m%d-%H%M}{exporter.suffix}"
    response = HttpResponse(data, content_type=CONTENT_TYPES.get(exporter.suffix, "application/octet-stream"))
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def linkable_evidence(request, text: str) -> tuple[list[str], list[str]]:
    """Full SHA-256s of the items the text names, and what matched nothing. Only items of
    projects where the person may edit: linking shows an item to the incident's project,
    which a viewer of another project must not be able to do with that project's evidence."""
    found, missing = [], []
    for token in dict.fromkeys(SHA.findall(text or "")):
        matches = list(visible_items(request.user, "edit").filter(sha256__startswith=token.lower())
                       .values_list("sha256", flat=True)[:2])
        if len(matches) == 1:
            found.append(matches[0])
        else:
            missing.append(token)
    leftovers = SHA.sub("", text or "").split()
    return found, missing + leftovers


@require_http_methods(["GET", "POST"])
def create(request):
    projects = list(visible_projects(request.user, "edit"))
    if not projects:
        raise PermissionDenied
    restricted = any(allowed(request.user, "edit_restricted", p) for p in projects)
    initial = {"project": request.GET.get("project") or projects[0].slug, "token": once.new(),
               "evidence": "\n".join(request.GET.getlist("evidence"))}
    form = CreateForm(request.POST or None, projects=projects, restricted=restricted, initial=initial)
    if request.method == "POST" and form.is_valid():
        project = next(p for p in projects if p.slug == form.cleaned_data["project"])
        values = form.values()
        if any(request.POST.get(f) for f in RESTRICTED) and not allowed(request.user, "edit_restricted", project):
            raise PermissionDenied  # a crafted POST: restricted fields need "edit_restricted" in that project
        shas, unknown = linkable_evidence(request, form.cleaned_data["evidence"])
        fields = {k: v for k, v in values.items() if v not in (None, "", False)}
        place, typed = placesearch.place_choice(fields, form.cleaned_data["place_text"])
        fields |= place
        since = once.issued(form.cleaned_data["token"])
        if placesearch.place_refused(typed):
            form.add_error(None, placesearch.place_refused(typed))
        elif unknown:
            form.add_error("evidence", _("Not found among the evidence you may see: %(list)s")
                           % {"list": ", ".join(unknown[:5])})
        elif since is None:
            form.add_error(None, _("This form has expired. Check the values and save again."))
            form.data = form.data.copy() | {"token": once.new()}
        else:
            try:
                incident, created = review.create_once(fields, request.user, shas, form.cleaned_data["reason"],
                                                       project, since, role=form.cleaned_data["role"])
            except (IncidentError, ValueError) as e:
                form.add_error(None, str(e))
            else:
                if created:
                    messages.success(request, _("Incident %(code)s recorded.") % {"code": incident.code})
                    note = placesearch.place_note(typed)
                    if note:
                        messages.add_message(request, getattr(messages, note[0].upper()), note[1])
                return redirect("incidents:detail", incident.code)
    chosen = placesearch.option_for(form["place"].value() or "")
    return render(request, "incidents/create.html", {"form": form, "chosen_place": chosen},
                  status=400 if form.errors else 200)


@require_GET
def place_options(request):
    """Autocomplete candidates as a listbox of buttons (htmx fragment)."""
    if not projects_where(request.user, "edit"):
        raise PermissionDenied
    text = request.GET.get("q") or request.GET.get("place_text") or ""
    return render(request, "incidents/places.html", {
        "options": placesearch.candidates(text), "text": text, "arabic": translation.get_language() == "ar"})
