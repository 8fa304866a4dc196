"""The search index: one row per searchable field of an object, with the text as
written and as matched (marsad.search.normalise). Who may read a row is decided by
its project and its restricted flag, copied here so a search filters before it ranks.

SQLite matches `norm` through an FTS5 table kept by triggers (migration 0002);
PostgreSQL through a GIN index on a generated column tsv = to_tsvector('simple', norm)
(also 0002; the model leaves it out, the database fills it)."""

from django.db import models


class SearchEntry(models.Model):
    class Kind(models.TextChoices):
        INCIDENT = "incident"
        COMMENT = "comment"
        ITEM = "item"
        CAPTURE = "capture"
        PLACE = "place"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    object_id = models.BigIntegerField(help_text="The pk of the incident, comment, item, capture or place.")
    field = models.CharField(max_length=32)
    # For incident and comment rows, the incident; for item and capture rows, the item.
    incident_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    item_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # Null for places (every member may read the gazetteer) and for items, which a project
    # holds through access.ProjectItem (checked live: holding an item needs no reindex).
    project_id = models.BigIntegerField(null=True, blank=True)
    restricted = models.BooleanField(default=False, help_text="Needs view_restricted in the project.")
    weight = models.SmallIntegerField(default=1, help_text="How much a match in this field counts.")
    text = models.TextField()
    norm = models.TextField()

    class Meta:
        indexes = [models.Index(fields=["kind", "object_id"], name="search_entry_object")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.field}"
