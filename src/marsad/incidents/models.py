"""Places and incidents, shaped so that exports load straight into the tools
researchers use: ACLED's event table, UCDP's casualty ranges, the WHO
Surveillance System for Attacks on Health Care (SSA), and a verification grade.

Every change to an incident (a field, a linked item, a merge or split) is an
IncidentChange row recorded with its custody event: who, when, from what
evidence, and why. Nothing is overwritten without that trace."""

from django.conf import settings
from django.db import models

from marsad.core.places.gazetteer import LEVEL_NAMES
from marsad.evidence.models import Item


class Place(models.Model):
    key = models.CharField(max_length=255, unique=True, help_text="source:id, stable across imports")
    name = models.CharField(max_length=255)
    name_ar = models.CharField(max_length=255, blank=True)
    names = models.JSONField(default=list, blank=True, help_text="Other names and spellings (aliases).")
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    level = models.PositiveSmallIntegerField(choices=sorted(LEVEL_NAMES.items()))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    pcode = models.CharField(max_length=32, blank=True, db_index=True)
    source = models.CharField(max_length=255)
    kind = models.CharField(max_length=40, blank=True, default="",
                            help_text="village, town, city, neighbourhood, camp, facility:hospital ... or empty")
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged",
                                    help_text="The same place in a more detailed gazetteer.")

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class Incident(models.Model):
    class Grade(models.TextChoices):
        UNASSESSED = "unassessed"
        CONFIRMED = "confirmed"
        FAIR = "fair"
        WEAK = "weak"
        CONTESTED = "contested"
        DISCOUNTED = "discounted"

    class Status(models.TextChoices):
        NEW = "new"
        IN_REVIEW = "in_review"
        NEEDS_SECOND_REVIEW = "needs_second_review"
        VERIFIED = "verified"
        DISCOUNTED = "discounted"

    code = models.CharField(max_length=32, unique=True, help_text="Like ACLED's event_id_cnty: SYR followed by a number.")
    project = models.ForeignKey("access.Project", on_delete=models.PROTECT, related_name="incidents")
    title = models.CharField(max_length=500, blank=True)
    # When (ACLED: event_date + time_precision 1 day, 2 week, 3 month).
    event_date = models.DateField(null=True, blank=True, db_index=True)
    event_time = models.TimeField(null=True, blank=True, help_text="Local time, when known.")
    time_precision = models.PositiveSmallIntegerField(default=1)
    # What (ACLED's event types and sub-types).
    disorder_type = models.CharField(max_length=64, blank=True)
    event_type = models.CharField(max_length=64, blank=True)
    sub_event_type = models.CharField(max_length=64, blank=True)
    actor1 = models.CharField(max_length=255, blank=True)
    assoc_actor_1 = models.CharField(max_length=255, blank=True)
    actor2 = models.CharField(max_length=255, blank=True)
    assoc_actor_2 = models.CharField(max_length=255, blank=True)
    # Why the actors are suspected: what a court asks first. Kinds of basis (service.ACTOR_BASES,
    # ";"-separated) and the basis in words; both published, so never naming or locating a source.
    actor_basis = models.CharField(max_length=255, blank=True)
    actor_basis_note = models.TextField(blank=True)
    civilian_targeting = models.BooleanField(default=False)
    # Where (ACLED: admin1-3, location, coordinates, geo_precision 1 exact town, 2 near, 3 region).
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.PROTECT, related_name="incidents")
    location_text = models.CharField(max_length=500, blank=True, help_text="As reported; kept when unresolved.")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    geo_precision = models.PositiveSmallIntegerField(default=1)
    # Casualties: ACLED's single figure is UCDP's best estimate.
    fatalities_low = models.PositiveIntegerField(null=True, blank=True)
    fatalities_best = models.PositiveIntegerField(null=True, blank=True)
    fatalities_high = models.PositiveIntegerField(null=True, blank=True)
    civilian_deaths_low = models.PositiveIntegerField(null=True, blank=True)
    civilian_deaths_best = models.PositiveIntegerField(null=True, blank=True)
    civilian_deaths_high = models.PositiveIntegerField(null=True, blank=True)
    injured = models.PositiveIntegerField(null=True, blank=True)
    # Attacks on health care (WHO SSA).
    health_facility_type = models.CharField(max_length=64, blank=True)
    health_attack_type = models.CharField(max_length=128, blank=True)
    health_workers_killed = models.PositiveIntegerField(null=True, blank=True)
    health_workers_injured = models.PositiveIntegerField(null=True, blank=True)
    patients_killed = models.PositiveIntegerField(null=True, blank=True)
    patients_injured = models.PositiveIntegerField(null=True, blank=True)
    # Assessment.
    notes = models.TextField(blank=True)
    grade = models.CharField(max_length=16, choices=Grade.choices, default=Grade.UNASSESSED)
    grade_reason = models.TextField(blank=True)
    # Review.
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.NEW, db_index=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_incidents")
    tags = models.JSONField(default=list, blank=True)
    # Restricted: who told us, how to reach them. Never in exports or to restricted roles.
    witness_names = models.TextField(blank=True)
    witness_contacts = models.TextField(blank=True)
    source_notes = models.TextField(blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged")
    split_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="splits")
    created = models.DateTimeField()
    created_by = models.CharField(max_length=64)

    class Meta:
        ordering = ["event_date", "id"]
        # The start page counts each project's incidents by status: an index-only scan
        # instead of reading every incident (bench/web.py, 50,000 incidents).
        indexes = [models.Index(fields=["project", "status"], name="incident_project_status"),
                   # The table, map and timeline show how many incidents a filter leaves: counting a
                   # project's live (unmerged) incidents reads this index alone (bench/web.py).
                   models.Index(fields=["project"], condition=models.Q(merged_into__isnull=True),
                                name="incident_live_per_project"),
                   # Search and the evidence strip narrowed by status or grade and a period read the
                   # chosen incidents' ids from these alone (10,000 row reads of a wide table: 190 -> 1 ms).
                   models.Index(fields=["status", "event_date"], name="incident_status_day"),
                   models.Index(fields=["grade", "event_date"], name="incident_grade_day"),
                   # The timeline's days and the map's places count live incidents from these alone
                   # (SQLite at 50,000 incidents: a year's days 207 -> 3 ms); "id" before time_precision
                   # keeps the table's order (newest day, then newest id) readable from the index; merged_into,
                   # always empty here, lets SQLite read the index alone (it tests the condition again).
                   models.Index(fields=["project", "event_date", "id", "time_precision", "merged_into"],
                                condition=models.Q(merged_into__isnull=True), name="incident_live_day"),
                   models.Index(fields=["place", "project", "event_date", "latitude", "longitude", "merged_into"],
                                condition=models.Q(merged_into__isnull=True), name="incident_live_place")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class IncidentItem(models.Model):
    class Role(models.TextChoices):
        PRIMARY = "primary", "primary footage"
        CORROBORATING = "corroborating"
        CONTEXT = "context"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="links")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="incident_links")
    role = models.CharField(max_length=16, choices=Role.choices)
    added_at = models.DateTimeField()
    added_by = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "item"], name="one_link_per_item")]


class IncidentChange(models.Model):
    """One recorded change: a field, a link, a merge or a split."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="changes")
    action = models.CharField(max_length=16)  # create | set | link | unlink | merge | split | suggest-accepted
    field = models.CharField(max_length=64, blank=True)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    evidence = models.JSONField(default=list, blank=True, help_text="SHA-256 of the items it rests on.")
    reason = models.TextField(blank=True)
    actor = models.CharField(max_length=64)
    at = models.DateTimeField()
    log_index = models.BigIntegerField(unique=True)

    class Meta:
        ordering = ["at", "id"]

    def custody_outputs(self) -> dict:
        return {"incident": self.incident.code, "action": self.action, "field": self.field}

    def custody_details(self) -> dict:
        return {"old": self.old, "new": self.new, "reason": self.reason}


class GradeApproval(models.Model):
    """The two-person rule: a grade of "confirmed" takes a second member's approval."""

    class Outcome(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="grade_approvals")
    grade = models.CharField(max_length=16, choices=Incident.Grade.choices)
    reason = models.TextField()
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    proposed_actor = models.CharField(max_length=64)
    proposed_at = models.DateTimeField()
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_actor = models.CharField(max_length=64, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["proposed_at", "id"]


class Comment(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    attachments = models.ManyToManyField(Item, blank=True, related_name="comment_attachments")
    at = models.DateTimeField()
    log_index = models.BigIntegerField(unique=True)

    class Meta:
        ordering = ["at", "id"]


class Notification(models.Model):
    """Something a member should see: a mention, an assignment, a review asked of them."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=24)  # mention | assigned | review_requested | approved | rejected
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
