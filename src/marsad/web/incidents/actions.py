"""The incident page's actions, one small POST view each: link evidence, accept a
suggestion, merge, split, the review card (status, assignee, tags), the second
review of a grade, and comments. Each gets its incident through `incident_for`
with the role it needs, acts through the service, and returns to the page."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from marsad.access.rules import visible_incidents, visible_items
from marsad.incidents import review, service
from marsad.incidents.models import GradeApproval
from marsad.incidents.service import IncidentError
from marsad.web.access import incident_for

from . import once
from .detail import context
from .forms import CommentForm, DecisionForm, LinkForm, MergeForm, ReasonForm
from .views import is_fragment, linkable_evidence

MAX_ATTACHMENT = 100 * 1024 * 1024  # larger files go through the resumable upload page


def _back(incident, anchor: str = ""):
    response = redirect("incidents:detail", incident.code)
    response["Location"] += f"#{anchor}" if anchor else ""
    return response


def _refuse(request, incident, error, anchor: str = ""):
    messages.error(request, str(error))
    return _back(incident, anchor)


@require_POST
def link(request, code: str):
    incident = incident_for(request, code, "edit")
    form = LinkForm(request.POST)
    if not form.is_valid():
        return _refuse(request, incident, _("Give at least one SHA-256 and a role."), "evidence")
    shas, unknown = linkable_evidence(request, form.cleaned_data["evidence"])
    if unknown or not shas:
        return _refuse(request, incident, _("Not found among the evidence you may see: %(list)s")
                       % {"list": ", ".join(unknown[:5]) or "—"}, "evidence")
    try:
        done = service.link(incident, shas, form.cleaned_data["role"], review.actor_of(request.user),
                            form.cleaned_data["reason"])
    except IncidentError as e:
        return _refuse(request, incident, e, "evidence")
    messages.success(request, ngettext("%(n)d item linked.", "%(n)d items linked.", len(done)) % {"n": len(done)})
    return _back(incident, "evidence")


@require_POST
def accept(request, code: str):
    """Accept a grouping suggestion: link the item, recording the suggestion's reasons."""
    from .grouping import reason_for

    incident = incident_for(request, code, "edit")
    item = visible_items(request.user, "edit").filter(sha256=request.POST.get("sha256", "").lower()).first()
    role = request.POST.get("role", "corroborating")
    if item is None:
        raise Http404
    try:
        service.link(incident, [item.sha256], role, review.actor_of(request.user), reason_for(incident, item))
    except IncidentError as e:
        return _refuse(request, incident, e, "evidence")
    messages.success(request, _("The suggested item was linked."))
    return _back(incident, "evidence")


@require_POST
def merge(request, code: str):
    """Merge another incident of the same project into this one."""
    incident = incident_for(request, code, "edit")
    form = MergeForm(request.POST)
    if not form.is_valid():
        return _refuse(request, incident, _("Choose an incident and say why they are one."), "merge")
    other = visible_incidents(request.user, "edit").filter(code=form.cleaned_data["other"].upper(),
                                                          project_id=incident.project_id).first()
    if other is None:
        return _refuse(request, incident, _("Only an incident of the same project that you may edit can be merged."),
                       "merge")
    try:
        service.merge(incident, [other], review.actor_of(request.user), form.cleaned_data["reason"])
    except IncidentError as e:
        return _refuse(request, incident, e, "merge")
    messages.success(request, _("%(other)s was merged into %(code)s.") % {"other": other.code, "code": incident.code})
    return _back(incident)


@require_POST
def split(request, code: str):
    """Move the chosen linked items to a new incident split from this one."""
    incident = incident_for(request, code, "edit")
    form = ReasonForm(request.POST)
    linked = set(incident.links.values_list("item__sha256", flat=True))
    shas = [s for s in request.POST.getlist("sha256") if s in linked]
    if not form.is_valid() or not shas:
        return _refuse(request, incident, _("Choose the items to move and say why they are another incident."),
                       "evidence")
    title = request.POST.get("title", "").strip()[:500]
    try:
        new = service.split(incident, shas, {"title": title} if title else {}, review.actor_of(request.user),
                            form.cleaned_data["reason"])
    except IncidentError as e:
        return _refuse(request, incident, e, "evidence")
    messages.success(request, _("%(code)s was split from this incident.") % {"code": new.code})
    return redirect("incidents:detail", new.code)


@require_POST
def workflow(request, code: str):
    """The review card: status, assignee and tags, with one reason."""
    incident = incident_for(request, code, "edit")
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _refuse(request, incident, _("Say why: the reason is recorded with each change."), "review")
    reason, user, post = form.cleaned_data["reason"], request.user, request.POST
    try:
        if post.get("status") and post["status"] != incident.status:
            review.set_status(incident, post["status"], user, reason, seen=post.get("seen_status"))
        if "assignee" in post:
            name = post["assignee"]
            assignee = get_user_model().objects.filter(username=name).first() if name else None
            if name and assignee is None:
                raise review.ReviewError(_("There is no user %(name)s.") % {"name": name})
            review.assign(incident, assignee, user, reason, seen=post.get("seen_assignee"))
        if post.get("add_tags"):
            review.add_tags(incident, review.clean_tags(post["add_tags"]), user, reason)
        if post.getlist("remove_tag"):
            review.remove_tags(incident, post.getlist("remove_tag"), user, reason)
    except review.NotAllowed as e:
        raise PermissionDenied from e
    except IncidentError as e:
        return _refuse(request, incident, e, "review")
    messages.success(request, _("Review updated."))
    return _back(incident, "review")


@require_POST
def decide(request, code: str):
    """A second member approves or rejects a proposed grade (never the proposer)."""
    incident = incident_for(request, code, "review")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _refuse(request, incident, _("Say why you approve or reject this grade."), "review")
    approval = GradeApproval.objects.filter(pk=form.cleaned_data["approval"], incident=incident).first()
    if approval is None:
        raise Http404
    if approval.proposed_by_id == request.user.pk:
        raise PermissionDenied  # the two-person rule: someone else must decide
    try:
        review.decide(approval, request.user, form.cleaned_data["decision"] == "approve", form.cleaned_data["reason"])
    except review.NotAllowed as e:
        raise PermissionDenied from e
    except IncidentError as e:
        return _refuse(request, incident, e, "review")
    messages.success(request, _("Grade approved.") if approval.outcome == "approved" else _("Grade not approved."))
    return _back(incident, "review")


@require_POST
def comment(request, code: str):
    incident = incident_for(request, code, "comment")
    files = request.FILES.getlist("attachments")
    if files:
        incident_for(request, code, "upload")  # attachments are evidence: they need the right to upload
    form = CommentForm(request.POST)
    since = once.issued(request.POST.get("token", ""))
    error = None
    if not form.is_valid():
        error = _("Write something before sending.")
    elif since is None:
        error = _("This form has expired. Copy your text, reload the page and send it again.")
    elif any(f.size > MAX_ATTACHMENT for f in files):
        error = _("An attachment is too large here; upload it on the upload page and link it.")
    else:
        try:
            items = _ingest(incident, request.user, files) if files else []
            review.comment(incident, request.user, form.cleaned_data["body"], items, since=since)
        except IncidentError as e:
            error = str(e)
    if is_fragment(request):
        ctx = context(request, incident) | {"comment_error": error, "comment_body": form.data.get("body", "")
                                            if error else ""}
        return render(request, "incidents/detail.html#comments", ctx)
    if error:
        return _refuse(request, incident, error, "comments")
    return _back(incident, "comments")


def _ingest(incident, user, files) -> list:
    with tempfile.TemporaryDirectory(prefix="marsad-attach-") as folder:
        paths = []
        for n, upload in enumerate(files):
            path = Path(folder) / f"{n}"
            with open(path, "wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            paths.append((Path(upload.name).name[:200] or "attachment", path))
        return review.attach_files(incident, user, paths)
