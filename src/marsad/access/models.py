"""Projects group incidents and the evidence attached to them; members hold a role per project."""

from django.conf import settings
from django.db import models

from marsad.evidence.models import Item

from .roles import Role


class Project(models.Model):
    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    created = models.DateTimeField()
    # Kept by service.hold() in the transaction that adds the rows: counting a million
    # ProjectItem rows on every start page costs more than the page (bench/web.py).
    item_count = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=[(r.value, r.value) for r in Role])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="one_role_per_project")]


class ProjectItem(models.Model):
    """Evidence held by a project: uploaded into it or linked to one of its incidents."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="project_items")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="project_links")
    added_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "item"], name="one_row_per_project_item")]
        indexes = [models.Index(fields=["item", "project"])]


class HeldDay(models.Model):
    """How many items of each kind a project holds per day of capture (UTC): the timeline's
    evidence strip for one project, read from here instead of counting every item. Kept by
    database triggers on access_projectitem and evidence_item (migration 0003), so bulk
    writes and COPY keep it true too."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=16)
    n = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "day", "kind"], name="one_count_per_held_day")]


class Preference(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="marsad_preference")
    blur_all_media = models.BooleanField(default=False, help_text="Show every picture blurred until clicked.")
