"""Evidence: Items (distinct bytes), Captures (each sighting), and what analysis
derived from them. Originals are never altered; corrections are new rows."""

from django.conf import settings
from django.db import models

from marsad.core.mediatype import MediaKind


class Item(models.Model):
    class Analysis(models.TextChoices):
        PENDING = "pending"
        DONE = "done"
        FAILED = "failed"  # some step failed; see analysis_errors

    sha256 = models.CharField(max_length=64, unique=True)
    blake2b = models.CharField(max_length=128)
    size = models.BigIntegerField()
    mime = models.CharField(max_length=127)
    kind = models.CharField(max_length=16, choices=[(k.value, k.value) for k in MediaKind], db_index=True)
    first_seen = models.DateTimeField(db_index=True)
    log_index = models.BigIntegerField(unique=True, help_text="The custody event of its ingest.")

    analysis = models.CharField(max_length=8, choices=Analysis.choices, default=Analysis.PENDING)
    analysis_task = models.CharField(max_length=64, blank=True)
    analysis_errors = models.JSONField(default=list, blank=True)

    # Normalised facts from metadata (see marsad.core.metadata).
    captured_at = models.DateTimeField(null=True, blank=True, db_index=True)
    captured_at_text = models.CharField(max_length=40, blank=True, help_text="As recorded; with offset when known.")
    captured_at_source = models.CharField(max_length=64, blank=True)
    tz_known = models.BooleanField(null=True)
    gps_lat = models.FloatField(null=True, blank=True)  # restricted: may be a witness's position
    gps_lon = models.FloatField(null=True, blank=True)
    make = models.CharField(max_length=128, blank=True)
    model = models.CharField(max_length=128, blank=True)
    width = models.IntegerField(null=True, blank=True)
    height = models.IntegerField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    codec = models.CharField(max_length=64, blank=True)
    # Vicarious trauma is the field's known harm: a graphic item shows only a blurred preview until clicked.
    graphic = models.BooleanField(default=False)

    class Meta:
        ordering = ["first_seen", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:12]}"


class Capture(models.Model):
    """One sighting of an item: where it was found, when, by whom, from what source."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="captures")
    source_kind = models.CharField(max_length=32, default="file")
    sighting_key = models.CharField(
        max_length=64, unique=True, help_text="Same file seen again the same way is not a new sighting."
    )
    original_path = models.TextField(help_text="Shown with U+FFFD where the name was not UTF-8.")
    original_path_b64 = models.TextField(blank=True, help_text="Exact name bytes when not UTF-8.")
    original_name = models.TextField()
    file_mtime = models.DateTimeField(null=True, blank=True)
    ingested_at = models.DateTimeField(db_index=True)
    ingested_by = models.CharField(max_length=64)
    # Source details, filled by sources other than plain files.
    url = models.TextField(blank=True)
    channel = models.CharField(max_length=255, blank=True)
    post_id = models.CharField(max_length=255, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    text = models.TextField(blank=True)
    source_details = models.JSONField(default=dict, blank=True)
    log_index = models.BigIntegerField(unique=True)
    # The project it was recorded for: the same bytes may reach two projects, and neither
    # may learn the other's sources from the shared item.
    project = models.ForeignKey("access.Project", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="captures")

    class Meta:
        ordering = ["ingested_at", "id"]

    def __str__(self) -> str:
        return f"{self.original_name} → {self.item.sha256[:12]}"

    def custody_details(self) -> dict:
        """What the capture's leaf commits to by hash (restricted: may identify a source)."""
        return {
            "source_kind": self.source_kind,
            "original_path": self.original_path,
            "original_path_b64": self.original_path_b64,
            "original_name": self.original_name,
            "file_mtime": self.file_mtime.isoformat() if self.file_mtime else None,
            "url": self.url,
            "channel": self.channel,
            "post_id": self.post_id,
            "posted_at": self.posted_at.isoformat() if self.posted_at else None,
            "text": self.text,
            "source_details": self.source_details,
        }


class Derivative(models.Model):
    """A file made from an item (thumbnail, poster, contact sheet), linked by hash."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="derivatives")
    role = models.CharField(max_length=32)
    sha256 = models.CharField(max_length=64, db_index=True)
    mime = models.CharField(max_length=127)
    size = models.BigIntegerField()
    created = models.DateTimeField()
    log_index = models.BigIntegerField(unique=True)
    # A redacted derivative's review: only an approved one may be published. Each decision is also
    # a custody event (`decision_log_index`), so the row can be checked against the log.
    decision = models.CharField(max_length=8, blank=True, default="",
                                choices=[("approved", "approved"), ("rejected", "rejected")])
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_log_index = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "role"], name="one_derivative_per_role")]


class AnalysisResult(models.Model):
    """The raw output of one analysis step (exiftool tags, container info)."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="analyses")
    step = models.CharField(max_length=32)
    ok = models.BooleanField()
    result = models.JSONField(default=dict)
    error = models.TextField(blank=True)
    tool = models.JSONField(default=dict)
    created = models.DateTimeField()
    log_index = models.BigIntegerField(unique=True)


class SourceCheck(models.Model):
    """One look at whether a captured source URL is still online (`marsad recheck`)."""

    class Outcome(models.TextChoices):
        UP = "up"  # answered with the content we captured
        CHANGED = "changed"  # answered, with other content
        GONE = "gone"  # 404 or 410
        BLOCKED = "blocked"  # 401, 403, 429, 451
        TIMEOUT = "timeout"
        UNREACHABLE = "unreachable"  # no connection, no DNS
        ERROR = "error"  # another HTTP error

    url_sha256 = models.CharField(max_length=64, db_index=True)
    url = models.TextField()  # restricted with the capture's details: may lead to a source
    checked_at = models.DateTimeField(db_index=True)
    checked_by = models.CharField(max_length=64)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    http_status = models.IntegerField(null=True, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    final_url = models.TextField(blank=True)
    reason = models.TextField(blank=True)
    log_index = models.BigIntegerField(unique=True)

    class Meta:
        ordering = ["checked_at", "id"]

    def custody_outputs(self, with_url_hash: bool = False) -> dict:
        """What the recheck event records openly. Its URL is only in the salted details: a plain
        hash of it (recorded before salted leaves; `with_url_hash` for those) let anyone who holds
        the leaves confirm a guessed URL."""
        out = {"outcome": self.outcome, "http_status": self.http_status, "content_sha256": self.content_sha256}
        return {"url_sha256": self.url_sha256, **out} if with_url_hash else out

    def custody_details(self) -> dict:
        return {"url": self.url, "final_url": self.final_url, "reason": self.reason}
