"""Redaction review on an item's page: make a redacted copy (faces found by YuNet and
the boxes a person marks, blurred; metadata gone), see it beside the original, and
approve or reject it. Each step is a custody event; only an approved copy may be
published (`evidence.redaction.approved_redaction`).

Who: making a copy and marking boxes needs "edit", deciding needs "review"; seeing
the copies needs "view_original" (an unreviewed copy may still show a face)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from marsad.access.roles import CAN
from marsad.core.redact import Region, parse_region
from marsad.custody import log
from marsad.evidence import redaction
from marsad.evidence.ingest import store
from marsad.evidence.models import Derivative, Item
from marsad.web.access import item_for

from .media import filename_for, serve_file

SYNC_VIDEO_S = 20.0  # a video this short is redacted while the person waits; a longer one goes to a worker
SHOWN = 5  # copies listed on the page, newest first


class RedactForm(forms.Form):
    boxes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
                            label=gettext_lazy("Regions to blur besides faces, one a line"))  # help: in the page

    def __init__(self, *args, item: Item, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item

    def clean_boxes(self) -> list[Region]:
        regions = []
        largest = max(self.item.width or 0, self.item.height or 0)  # upright or not, no side is longer
        for n, line in enumerate(self.cleaned_data["boxes"].splitlines(), 1):
            if not line.strip():
                continue
            try:
                region = parse_region(line)
            except ValueError:
                raise forms.ValidationError(_("Line %(n)d is not a region: write x,y,w,h or x,y,w,h@start-end.")
                                            % {"n": n}) from None
            if largest and (region.box.x >= largest or region.box.y >= largest):
                raise forms.ValidationError(_("Line %(n)d starts outside the picture (%(w)d × %(h)d).")
                                            % {"n": n, "w": self.item.width, "h": self.item.height})
            if self.item.kind == "image" and (region.start is not None or region.end is not None):
                raise forms.ValidationError(_("Line %(n)d has a time range, but a photo has no time.") % {"n": n})
            regions.append(region)
        return regions


def _copies(item: Item) -> list[dict]:
    """The redacted copies with what their events say: faces found, regions marked."""
    from marsad.custody.models import LogEntry

    rows = list(redaction.redacted_of(item).select_related("decided_by")[:SHOWN])
    events = {index: (leaf, details) for index, leaf, details in
              LogEntry.objects.filter(index__in=[r.log_index for r in rows]).values_list("index", "leaf", "details")}
    out = []
    for row in rows:
        leaf, details = events.get(row.log_index, (b"{}", None))
        made = (json.loads(bytes(leaf)).get("outputs") or [{}])[0]
        number = row.role.rpartition("-")[2] if row.role != redaction.ROLE else "1"  # redacted, redacted-2, ...
        out.append({"row": row, "number": number, "faces": made.get("faces"), "boxes": [
            ",".join(str(v) for v in r["box"]) + (f"@{r['start'] or ''}-{r['end'] or ''}"
                                                    if r.get("start") is not None or r.get("end") is not None else "")
            for r in (details or {}).get("regions", [])]})
    return out


def context(user_role, item: Item, form: RedactForm | None = None) -> dict:
    """The redaction card's part of the item page; empty for a role that may not see it."""
    if item.kind not in ("image", "video") or user_role not in CAN["view_original"]:
        return {}
    from .tasks import queued

    return {"redaction": {
        "copies": _copies(item), "queued": queued(item.sha256), "form": form or RedactForm(item=item),
        "can_make": user_role in CAN["edit"], "can_decide": user_role in CAN["review"],
    }}


def _derivative(item: Item, derived: str) -> Derivative:
    row = redaction.redacted_of(item).filter(sha256=derived).first()
    if row is None:
        raise Http404
    return row


def _back(item: Item):
    return redirect(reverse("items:detail", args=[item.sha256]) + "#redaction")


@require_POST
def redact(request, sha256: str):
    """Make a redacted copy now (a photo, a short video) or queue it (a long video)."""
    from .present import item_context
    from .tasks import redact_later

    item = item_for(request, sha256, "edit")
    form = RedactForm(request.POST, item=item)
    if item.kind not in ("image", "video"):
        messages.error(request, _("Only photos and videos can be redacted."))
        return _back(item)
    if not form.is_valid():
        return render(request, "items/detail.html", item_context(request, item, form), status=400)
    regions = form.cleaned_data["boxes"]
    if item.kind == "video" and (item.duration_s is None or item.duration_s > SYNC_VIDEO_S):
        redact_later.enqueue(item.sha256, [r.as_dict() for r in regions], request.user.pk)
        messages.info(request, _("The video is long: its redacted copy is queued and will appear here once a "
                                 "worker has made it."))
        return _back(item)
    try:
        result = redaction.redact_item(item.sha256, regions, actor=request.user.get_username())
    except redaction.RedactionError as e:
        messages.error(request, _("No redacted copy was made: %(reason)s") % {"reason": e})
        return _back(item)
    log.sign_checkpoint()
    if result.created:
        messages.success(request, _("Redacted copy made: %(faces)d face(s) found and blurred, %(regions)d marked "
                                    "region(s). Review it before it can be published.")
                         % {"faces": result.faces, "regions": result.regions})
    else:
        messages.info(request, _("The same redacted copy was already made; it is listed below."))
    return _back(item)


@require_http_methods(["GET", "HEAD"])
def redacted_file(request, sha256: str, derived: str):
    """A redacted copy's bytes, for those who may see the original it was made from."""
    item = item_for(request, sha256, "view_original")
    row = _derivative(item, derived)
    path = store().path(row.sha256)
    if not path.is_file():
        raise Http404
    return serve_file(request, path, row.mime, filename_for(item.sha256, row.mime, "-redacted"), row.sha256)


@require_POST
def decide(request, sha256: str, derived: str):
    """Approve or reject a redacted copy, with who and when recorded."""
    item = item_for(request, sha256, "review")
    row = _derivative(item, derived)
    choice = request.POST.get("decision")
    if choice not in ("approve", "reject"):
        messages.error(request, _("Choose approve or reject."))
        return _back(item)
    reason = request.POST.get("reason", "").strip()[:500]
    redaction.decide(row, request.user, choice == "approve", reason)
    log.sign_checkpoint()
    messages.success(request, _("Redacted copy approved: it may be published.") if choice == "approve"
                     else _("Redacted copy rejected: it will not be published."))
    return _back(item)
