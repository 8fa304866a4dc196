"""The items table's filters, read from the URL (a GET form, so a filtered table is a link)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from marsad.core.mediatype import MediaKind

KIND_LABELS = {"image": _("photo"), "video": _("video"), "audio": _("audio"), "document": _("document"),
               "other": _("other")}


def source_choices() -> list[tuple[str, str]]:
    from marsad import registry

    names = sorted({*registry.sources(), "upload"})
    return [("", _("any source"))] + [(name, name) for name in names]


class ItemFilters(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False,
                             choices=[("", _("any kind"))] + [(k.value, KIND_LABELS[k.value]) for k in MediaKind])
    since = forms.DateField(label=_("First seen from"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("First seen until"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    source = forms.CharField(label=_("Source"), required=False, max_length=32)
    incident = forms.CharField(label=_("Incident"), required=False, max_length=32)
    copies = forms.BooleanField(label=_("Has copies"), required=False)
    gone = forms.BooleanField(label=_("Source gone offline"), required=False)

    FIELDS = ("kind", "since", "until", "source", "incident", "copies", "gone")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].widget = forms.Select(choices=source_choices())
        self.fields["incident"].widget.attrs.update({"placeholder": _("e.g. SYR1234"), "dir": "ltr", "size": 10})

    def apply(self, items: QuerySet, incidents: QuerySet, projects: list[int]) -> QuerySet:
        """Narrow `items` (already only the visible ones); `incidents`: those the user may see,
        so a code from another project filters nothing in; `projects`: the user's, so another
        project's sightings and copies of the same bytes say nothing."""
        from marsad.access.models import ProjectItem
        from marsad.evidence.models import Capture
        from marsad.incidents.models import IncidentItem
        from marsad.matching.models import CopyLink

        if not self.is_valid():
            return items
        data = self.cleaned_data
        if data["kind"]:
            items = items.filter(kind=data["kind"])
        if data["since"]:
            items = items.filter(first_seen__gte=datetime.combine(data["since"], time.min, UTC))
        if data["until"]:
            items = items.filter(first_seen__lte=datetime.combine(data["until"], time.max, UTC))
        if data["source"]:
            items = items.filter(Exists(Capture.objects.filter(item=OuterRef("pk"), source_kind=data["source"],
                                                                project_id__in=projects)))
        if data["incident"]:
            code = data["incident"].strip().upper()
            items = items.filter(Exists(IncidentItem.objects.filter(
                item=OuterRef("pk"), incident__code=code, incident__in=incidents)))
        if data["copies"]:
            held = ProjectItem.objects.filter(project_id__in=projects).values("item_id")
            items = items.filter(Exists(CopyLink.objects.filter(Q(a=OuterRef("pk"), b__in=held)
                                                                | Q(b=OuterRef("pk"), a__in=held))))
        if data["gone"]:
            from marsad.evidence.recheck import gone_items

            items = items.filter(sha256__in=gone_items())
        return items

    def query(self) -> str:
        """The filters as a query string, for the pages' links (cursors are added to it)."""
        from urllib.parse import urlencode

        if not self.is_bound:
            return ""
        pairs = [(name, self.data.get(name)) for name in self.FIELDS if self.data.get(name)]
        return urlencode(pairs)


class SeenForm(forms.Form):
    file = forms.FileField(label=_("Photo or video"))
