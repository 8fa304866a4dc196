"""Forms of the incidents pages: the incident's fields (create and edit), bulk
edit, and the small forms of the incident page. Labels are translated here once
and used by the forms and by the incident page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from marsad.incidents.models import Incident, IncidentItem
from marsad.incidents.service import ACTOR_BASES, EVENT_TYPES, HEALTH_FACILITY_TYPES, RESTRICTED, actor_basis

LABELS = {
    "title": _("Title"), "event_date": _("Date"), "event_time": _("Time (local)"),
    "time_precision": _("Date precision"), "event_type": _("Event type"), "sub_event_type": _("Sub-event type"),
    "disorder_type": _("Disorder type"),
    "actor1": _("Actor 1"), "assoc_actor_1": _("Associated actor 1"), "actor2": _("Actor 2"),
    "assoc_actor_2": _("Associated actor 2"), "civilian_targeting": _("Civilians targeted"),
    "actor_basis": _("Basis for suspecting the actors"),
    "actor_basis_note": _("The basis in words (published: never name or place a source)"),
    "place": _("Place"), "location_text": _("Location as reported"), "latitude": _("Latitude"),
    "longitude": _("Longitude"), "geo_precision": _("Location precision"),
    "fatalities_low": _("Fatalities, lowest estimate"), "fatalities_best": _("Fatalities, best estimate"),
    "fatalities_high": _("Fatalities, highest estimate"), "civilian_deaths_low": _("Civilian deaths, lowest"),
    "civilian_deaths_best": _("Civilian deaths, best estimate"), "civilian_deaths_high": _("Civilian deaths, highest"),
    "injured": _("Injured"), "health_facility_type": _("Health facility"),
    "health_attack_type": _("Attack on health care"),
    "health_workers_killed": _("Health workers killed"), "health_workers_injured": _("Health workers injured"),
    "patients_killed": _("Patients killed"), "patients_injured": _("Patients injured"),
    "notes": _("Notes"), "grade": _("Grade"), "grade_reason": _("Why this grade"), "status": _("Status"),
    "assignee": _("Assigned to"), "tags": _("Tags"),
    "witness_names": _("Witness names"), "witness_contacts": _("Witness contacts"), "source_notes": _("Source notes"),
    "item": _("Evidence"), "role": _("Evidence role"), "merged_into": _("Merged into"), "merged_from": _("Merged from"),
    "split_to": _("Split into"),
}
GROUPS = [
    (_("What happened"), ["title", "event_date", "event_time", "time_precision", "event_type", "sub_event_type",
                          "actor1", "assoc_actor_1", "actor2", "assoc_actor_2", "actor_basis", "actor_basis_note",
                          "civilian_targeting"]),
    (_("Where"), ["place", "location_text", "latitude", "longitude", "geo_precision"]),
    (_("Casualties"), ["fatalities_low", "fatalities_best", "fatalities_high", "civilian_deaths_low",
                       "civilian_deaths_best", "civilian_deaths_high", "injured"]),
    (_("Attacks on health care"), ["health_facility_type", "health_attack_type", "health_workers_killed",
                                   "health_workers_injured", "patients_killed", "patients_injured"]),
    (_("Assessment"), ["notes", "grade", "grade_reason", "status"]),
    (_("Sources (restricted)"), sorted(RESTRICTED)),
]
FIELDS = [f for _label, names in GROUPS for f in names]

# ACLED's codebook terms, translated for the interface; the stored values stay ACLED's.
EVENT_LABELS = {
    "Battles": _("Battles"), "Explosions/Remote violence": _("Explosions/Remote violence"),
    "Violence against civilians": _("Violence against civilians"), "Protests": _("Protests"), "Riots": _("Riots"),
    "Strategic developments": _("Strategic developments"),
    "Armed clash": _("Armed clash"), "Government regains territory": _("Government regains territory"),
    "Non-state actor overtakes territory": _("Non-state actor overtakes territory"),
    "Chemical weapon": _("Chemical weapon"), "Air/drone strike": _("Air/drone strike"),
    "Suicide bomb": _("Suicide bomb"), "Shelling/artillery/missile attack": _("Shelling/artillery/missile attack"),
    "Remote explosive/landmine/IED": _("Remote explosive/landmine/IED"), "Grenade": _("Grenade"),
    "Sexual violence": _("Sexual violence"), "Attack": _("Attack"),
    "Abduction/forced disappearance": _("Abduction/forced disappearance"), "Peaceful protest": _("Peaceful protest"),
    "Protest with intervention": _("Protest with intervention"),
    "Excessive force against protesters": _("Excessive force against protesters"),
    "Violent demonstration": _("Violent demonstration"), "Mob violence": _("Mob violence"),
    "Agreement": _("Agreement"), "Arrests": _("Arrests"), "Change to group/activity": _("Change to group/activity"),
    "Disrupted weapons use": _("Disrupted weapons use"),
    "Headquarters or base established": _("Headquarters or base established"),
    "Looting/property destruction": _("Looting/property destruction"),
    "Non-violent transfer of territory": _("Non-violent transfer of territory"), "Other": _("Other"),
}
FACILITY_LABELS = {
    "hospital": _("hospital"), "primary health care centre": _("primary health care centre"),
    "mobile clinic": _("mobile clinic"), "ambulance": _("ambulance"), "pharmacy": _("pharmacy"),
    "warehouse": _("warehouse"), "health workers' residence": _("health workers' residence"),
    "other": pgettext_lazy("health facility", "other"),
}
BASIS_LABELS = {
    "witness": _("witness accounts"), "remnants": _("munition remnants"),
    "flight_tracking": _("aircraft observers and flight tracking"),
    "imagery": _("analysis of video, photos or satellite imagery"),
    "claim": _("claim of responsibility"), "statement": _("official statement"),
    "pattern": _("weapon or pattern of attack used only by this party"),
    "other": pgettext_lazy("basis for the suspected actors", "other"),
}
GRADE_LABELS = {
    "unassessed": _("unassessed"), "confirmed": _("confirmed"), "fair": _("fair"), "weak": _("weak"),
    "contested": _("contested"), "discounted": pgettext_lazy("grade", "discounted"),
}
STATUS_LABELS = {
    "new": _("new"), "in_review": _("in review"), "needs_second_review": _("needs second review"),
    "verified": _("verified"), "discounted": _("discounted"),
}
ROLE_LABELS = {"primary": _("primary footage"), "corroborating": _("corroborating"), "context": _("context")}
TIME_PRECISION = [(1, _("the day")), (2, _("within a week")), (3, _("within a month"))]
GEO_PRECISION = [(1, _("the town itself")), (2, _("near the town")), (3, _("the wider region"))]
NUMBER_FIELDS = {"fatalities_low", "fatalities_best", "fatalities_high", "civilian_deaths_low",
                 "civilian_deaths_best", "civilian_deaths_high", "injured", "health_workers_killed",
                 "health_workers_injured", "patients_killed", "patients_injured"}
LONG_TEXT = {"notes", "grade_reason", "actor_basis_note"} | RESTRICTED

BLANK = [("", "—")]


def grade_choices(blank: bool = False):
    return (BLANK if blank else []) + [(g, GRADE_LABELS[g]) for g in Incident.Grade.values]


def status_choices(blank: bool = False):
    return (BLANK if blank else []) + [(s, STATUS_LABELS[s]) for s in Incident.Status.values]


def role_choices():
    return [(r, ROLE_LABELS[r]) for r in IncidentItem.Role.values]


class BasisField(forms.MultipleChoiceField):
    """Kinds of basis ticked; stored and compared as the service keeps them (";"-separated)."""

    def prepare_value(self, value):
        return value.split(";") if isinstance(value, str) else value

    def clean(self, value) -> str:
        return actor_basis(super().clean(value))


def _text(**attrs):
    return forms.TextInput(attrs={"dir": "auto", **attrs})


def _field(name: str) -> forms.Field:
    label = LABELS[name]
    if name in NUMBER_FIELDS:
        return forms.IntegerField(label=label, required=False, min_value=0,
                                  widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "short"}))
    if name == "event_date":
        return forms.DateField(label=label, required=False, widget=forms.DateInput(attrs={"type": "date"}))
    if name == "event_time":
        return forms.TimeField(label=label, required=False, widget=forms.TimeInput(attrs={"type": "time"},
                                                                                  format="%H:%M"))
    if name in ("latitude", "longitude"):
        limit = 90 if name == "latitude" else 180
        return forms.FloatField(label=label, required=False, min_value=-limit, max_value=limit,
                                widget=forms.NumberInput(attrs={"step": "any", "dir": "ltr", "class": "short"}))
    if name == "time_precision":
        return forms.TypedChoiceField(label=label, choices=TIME_PRECISION, coerce=int, initial=1)
    if name == "geo_precision":
        return forms.TypedChoiceField(label=label, choices=GEO_PRECISION, coerce=int, initial=1)
    if name == "event_type":
        return forms.ChoiceField(label=label, required=False,
                                 choices=BLANK + [(t, EVENT_LABELS[t]) for t in EVENT_TYPES])
    if name == "sub_event_type":
        groups = [(EVENT_LABELS[t], [(s, EVENT_LABELS[s]) for s in subs]) for t, (_d, subs) in EVENT_TYPES.items()]
        return forms.ChoiceField(label=label, required=False, choices=BLANK + groups)
    if name == "health_facility_type":
        return forms.ChoiceField(label=label, required=False,
                                 choices=BLANK + [(f, FACILITY_LABELS[f]) for f in HEALTH_FACILITY_TYPES])
    if name == "civilian_targeting":
        return forms.BooleanField(label=label, required=False)
    if name == "actor_basis":
        return BasisField(label=label, required=False, choices=[(b, BASIS_LABELS[b]) for b in ACTOR_BASES],
                          widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"}))
    if name == "grade":
        return forms.ChoiceField(label=label, choices=grade_choices(), initial="unassessed")
    if name == "status":
        return forms.ChoiceField(label=label, choices=status_choices(), initial="new")
    if name == "place":
        return forms.CharField(label=label, required=False, max_length=255, widget=forms.HiddenInput)
    if name in LONG_TEXT:
        return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"dir": "auto", "rows": 3}))
    return forms.CharField(label=label, required=False, max_length=500, widget=_text())


class IncidentFields(forms.Form):
    """The incident's fields; restricted ones only for people who may write them."""

    place_text = forms.CharField(label=_("Place"), required=False, max_length=200,
                                 widget=_text(autocomplete="off", role="combobox", **{"aria-autocomplete": "list"}))
    reason = forms.CharField(label=_("Why (recorded with each change)"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"dir": "auto", "rows": 2}))

    def __init__(self, *args, restricted: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in FIELDS:
            if name in RESTRICTED and not restricted:
                continue
            self.fields[name] = _field(name)
            self.fields[name].wide = name in LONG_TEXT | {"title", "location_text"}  # a whole row on the form
        self.fields["place_text"].widget.attrs["placeholder"] = _("Type a town or village, in Arabic or English")

    def groups(self):
        """(legend, bound fields) per group, only the fields this form has."""
        return [(legend, [self[n] for n in names if n in self.fields]) for legend, names in GROUPS
                if any(n in self.fields for n in names)]

    def values(self) -> dict:
        """Cleaned values as the service takes them."""
        return {n: self.cleaned_data.get(n) for n in FIELDS if n in self.fields}


class CreateForm(IncidentFields):
    project = forms.ChoiceField(label=_("Project"))
    evidence = forms.CharField(label=_("Evidence to link (SHA-256, one a line)"), required=False,
                               widget=forms.Textarea(attrs={"dir": "ltr", "rows": 3, "class": "hash"}))
    role = forms.ChoiceField(label=_("Their role"), choices=role_choices, initial="corroborating")
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, projects=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.slug, p.name) for p in projects]
        for name in ("grade", "status"):
            self.fields.pop(name, None)  # a new incident starts unassessed and new; the review decides


class BulkForm(forms.Form):
    grade = forms.ChoiceField(label=_("Grade"), required=False, choices=lambda: grade_choices(blank=True))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=lambda: status_choices(blank=True))
    assignee = forms.CharField(label=_("Assign to (username; - for nobody)"), required=False, max_length=150,
                               widget=forms.TextInput(attrs={"dir": "ltr", "list": "assignee-options"}))
    tags = forms.CharField(label=_("Add tags (comma between tags)"), required=False, max_length=500, widget=_text())
    reason = forms.CharField(label=_("Why (required)"), max_length=2000, widget=_text())

    def clean(self):
        data = super().clean()
        if not any(data.get(f) for f in ("grade", "status", "assignee", "tags")):
            raise forms.ValidationError(_("Choose at least one change."))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=2000)


class LinkForm(forms.Form):
    evidence = forms.CharField(max_length=20000)
    role = forms.ChoiceField(choices=role_choices)
    reason = forms.CharField(required=False, max_length=2000)


class MergeForm(forms.Form):
    other = forms.CharField(max_length=32)
    reason = forms.CharField(max_length=2000)


class CommentForm(forms.Form):
    body = forms.CharField(max_length=20000)
    token = forms.CharField()


class DecisionForm(forms.Form):
    approval = forms.IntegerField()
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    reason = forms.CharField(max_length=2000)
