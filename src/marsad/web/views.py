"""The start page, notifications and personal preferences."""

from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from marsad.access.models import Preference
from marsad.access.rules import roles_of, visible_incidents, visible_projects


def home(request):
    projects = visible_projects(request.user)
    roles = roles_of(request.user)
    return render(request, "home.html", {
        "projects": [(p, roles[p.pk]) for p in projects],
        # COUNT(*), not COUNT(id): an index-only scan of (project, status).
        "incident_counts": dict(visible_incidents(request.user).values_list("status").annotate(n=Count("*"))),
        "assigned": visible_incidents(request.user).filter(assignee=request.user, merged_into__isnull=True)
        .exclude(status__in=["verified", "discounted"])[:20],
    })


@require_http_methods(["GET", "POST"])
def notifications(request):
    """Unread notifications grouped per incident; reading an incident's group marks it read."""
    mine = request.user.notifications.select_related("incident", "actor", "comment")
    if request.method == "POST":
        mine.filter(read_at__isnull=True, incident__code=request.POST.get("incident", "")).update(
            read_at=timezone.now())
        return redirect("notifications")
    groups: dict = {}
    # Only incidents the person may still see (a role can be taken away after the notice).
    for note in mine.filter(read_at__isnull=True, incident__in=visible_incidents(request.user))[:500]:
        groups.setdefault(note.incident, []).append(note)
    return render(request, "notifications.html", {"groups": groups})


@require_http_methods(["GET", "POST"])
def preferences(request):
    pref, _ = Preference.objects.get_or_create(user=request.user)
    if request.method == "POST":
        pref.blur_all_media = request.POST.get("blur_all_media") == "on"
        pref.save(update_fields=["blur_all_media"])
        return redirect("preferences")
    return render(request, "preferences.html", {"pref": pref})


@login_not_required
def password_help(request):
    """Where allauth's "Forgot your password?" leads: whom to ask, since no e-mail is sent."""
    return render(request, "account/password_help.html")
