"""The incident page (fields with their history, evidence, place, suggestions,
review, comments) and the edit form with its conflict check."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from marsad.access.models import Preference
from marsad.access.rules import allowed
from marsad.incidents import review, service
from marsad.incidents.models import GradeApproval
from marsad.incidents.service import RESTRICTED, Conflict, IncidentError
from marsad.web.access import incident_for

from . import display, grouping, once, placesearch
from .views import is_fragment
from .forms import FIELDS, GROUPS, IncidentFields, role_choices, status_choices

# Syria's extent, for the small location sketch (no tiles, no request elsewhere).
BOX = (35.6, 42.4, 32.2, 37.4)  # west, east, south, north
CITIES = [(gettext_lazy("Damascus"), 33.513, 36.292), (gettext_lazy("Aleppo"), 36.202, 37.134), (gettext_lazy("Homs"), 34.731, 36.709),
          (gettext_lazy("Idlib"), 35.931, 36.634), (gettext_lazy("Latakia"), 35.523, 35.792), (gettext_lazy("Deir ez-Zor"), 35.336, 40.141),
          (gettext_lazy("Raqqa"), 35.952, 39.009), (gettext_lazy("Daraa"), 32.618, 36.102), (gettext_lazy("Hasakah"), 36.507, 40.747)]


def _sketch(lat, lon) -> dict | None:
    west, east, south, north = BOX
    if lat is None or lon is None or not (south <= lat <= north and west <= lon <= east):
        return None

    def xy(la, lo):
        return round((lo - west) / (east - west) * 400, 1), round((north - la) / (north - south) * 300, 1)

    x, y = xy(lat, lon)
    return {"x": x, "y": y, "cities": [(str(name), *xy(la, lo)) for name, la, lo in CITIES]}


def _links(incident, user) -> list:
    from marsad.evidence.models import Derivative
    from marsad.web.items.present import PICTURE_ROLES

    blur = Preference.objects.filter(user=user, blur_all_media=True).exists()
    links = list(incident.links.select_related("item").order_by("added_at", "id"))
    pictures = set(Derivative.objects.filter(item__in=[l.item_id for l in links], role__in=PICTURE_ROLES)
                   .values_list("item_id", flat=True))
    for link in links:
        link.veiled = blur or link.item.graphic
        link.has_picture = link.item_id in pictures  # analysis may not have made one yet
    return links


def context(request, incident) -> dict:
    user = request.user
    arabic = translation.get_language() == "ar"
    see_restricted = allowed(user, "view_restricted", incident)
    names = review.actor_names(incident.project)
    per_field, timeline = display.history(incident, names, see_restricted, arabic)
    place_labels = {incident.place.key: display.place_name(incident.place, arabic)} if incident.place_id else {}
    groups = []
    for legend, fields in GROUPS:
        shown = [f for f in fields if see_restricted or f not in RESTRICTED]
        if shown:
            groups.append((legend, [(f, display.label(f), display.show(f, getattr(incident, f), place_labels),
                                     per_field.get(f, [])) for f in shown]))
    members = list(review.members(incident.project))
    comments = list(incident.comments.select_related("author").prefetch_related("attachments"))
    usernames = {m.username for m in members}
    for note in comments:
        note.html = display.comment_html(note.body, usernames)
    may = {a: allowed(user, a, incident) for a in ("edit", "review", "comment", "upload", "edit_restricted")}
    open_ = not incident.merged_into_id
    return {
        "incident": incident, "groups": groups, "timeline": timeline, "may": may, "open": open_,
        "see_restricted": see_restricted, "links": _links(incident, user), "roles": role_choices(),
        "place": placesearch.option_for(incident.place.key) if incident.place_id else None,
        "sketch": _sketch(incident.latitude, incident.longitude),
        "members": members, "statuses": status_choices(),
        "pending": review.pending(incident),
        "approvals": incident.grade_approvals.exclude(outcome=GradeApproval.Outcome.PENDING)
        .select_related("proposed_by", "decided_by"),
        "comments": comments, "token": once.new(),
        "merge_choices": merge_choices(incident) if may["edit"] and open_ else [],
        "merged": list(incident.merged.values_list("code", flat=True)),
        "splits": list(incident.splits.values_list("code", flat=True)),
        "suggest_here": may["edit"] and see_restricted and open_,
    }


def merge_choices(incident, size: int = 50) -> list[tuple[str, str]]:
    """(code, label) of the open incidents of the same project a duplicate most likely is:
    those dated within two weeks of this one (the latest ones when it has no date)."""
    import datetime as dt

    others = incident.project.incidents.filter(merged_into__isnull=True).exclude(pk=incident.pk)
    if incident.event_date:
        window = dt.timedelta(days=14)
        others = others.filter(event_date__range=(incident.event_date - window, incident.event_date + window))
    rows = others.order_by("-event_date", "-id").values_list("code", "event_date", "title")[:size]
    return [(code, " · ".join(p for p in (code, day.isoformat() if day else "", title[:50]) if p))
            for code, day, title in rows]


@require_GET
def detail(request, code: str):
    incident = incident_for(request, code, "view")
    ctx = {}
    if request.GET.get("part") == "suggestions":
        may_suggest = allowed(request.user, "edit", incident) and allowed(request.user, "view_restricted", incident)
        ctx["found"], ctx["weak_found"] = grouping.suggestions(incident, request.user) if may_suggest else ([], [])
        if is_fragment(request):
            return render(request, "incidents/detail.html#suggestions", ctx | {"incident": incident,
                                                                               "roles": role_choices()})
    return render(request, "incidents/detail.html", context(request, incident) | ctx)


# -- editing -------------------------------------------------------------------------------------

def _shown(incident) -> dict[str, str]:
    return {f: service._shown(getattr(incident, f)) for f in FIELDS}


def _wanted(form, seen: dict[str, str], current: dict[str, str]) -> dict:
    """Fields the person changed from what they saw, less those already at their value
    (a form sent twice, or someone who made the same change)."""
    out = {}
    for field, value in form.values().items():
        mine = service._shown(value)
        if field in seen and mine != seen[field] and mine != current[field]:
            out[field] = value
    return out


@require_http_methods(["GET", "POST"])
def edit(request, code: str):
    incident = incident_for(request, code, "edit")
    restricted = allowed(request.user, "edit_restricted", incident)
    if request.method == "POST" and not restricted and any(
            k in request.POST for f in RESTRICTED for k in (f, f"seen_{f}")):
        raise PermissionDenied  # an editor's crafted POST: restricted fields need "edit_restricted"
    if incident.merged_into_id:
        messages.error(request, _("This incident was merged; edit the one it was merged into."))
        return redirect("incidents:detail", incident.code)
    current = _shown(incident)
    place = incident.place.key if incident.place_id else ""
    initial = {f: getattr(incident, f) for f in FIELDS} | {"place": place, "place_text": (
        display.place_name(incident.place, translation.get_language() == "ar") if incident.place_id else "")}
    form = IncidentFields(request.POST or None, initial=initial, restricted=restricted)
    seen = {f: request.POST.get(f"seen_{f}", current[f]) for f in form.fields if f in FIELDS}
    conflict = None
    if request.method == "POST" and form.is_valid():
        typed = None
        if not form.cleaned_data.get("place") and form.cleaned_data["place_text"]:
            place, typed = placesearch.place_choice({}, form.cleaned_data["place_text"])
            form.cleaned_data.update(place)
        wanted = _wanted(form, seen, current)
        propose = wanted.get("grade") in service.NEEDS_APPROVAL and wanted.pop("grade")
        reason = form.cleaned_data["reason"].strip()
        if placesearch.place_refused(typed):
            form.add_error(None, placesearch.place_refused(typed))
        elif (wanted or propose) and not reason:
            form.add_error("reason", _("Say why: the reason is recorded with each change."))
        else:
            try:
                service.update(incident, wanted, review.actor_of(request.user), reason=reason,
                               seen={f: seen[f] for f in wanted})
                if propose:
                    review.propose_grade(incident, propose, form.cleaned_data.get("grade_reason") or reason,
                                         request.user)
                    messages.info(request, _("The grade “confirmed” needs a second member's approval: it was "
                                             "proposed for review."))
            except Conflict as e:
                conflict = {"field": display.label(e.field),
                            "current": display.show(e.field, e.current, {}) or "—",
                            "mine": display.show(e.field, wanted.get(e.field), {}) or "—"}
                seen = _shown(incident)  # saving again now replaces their value, knowingly
            except (IncidentError, ValueError) as e:
                form.add_error(None, str(e))
            else:
                if wanted:
                    messages.success(request, _("Changes saved."))
                note = placesearch.place_note(typed)
                if note:
                    messages.add_message(request, getattr(messages, note[0].upper()), note[1])
                return redirect("incidents:detail", incident.code)
    chosen = placesearch.option_for(form["place"].value() or "")
    return render(request, "incidents/edit.html", {
        "incident": incident, "form": form, "seen": seen, "conflict": conflict, "chosen_place": chosen,
    }, status=409 if conflict else 400 if form.errors else 200)
