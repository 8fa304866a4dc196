"""The custody log's tables. Rows here are appended, never updated or deleted
(except the one-row head, which moves forward with each append)."""

from django.db import models


class LogEntry(models.Model):
    index = models.BigIntegerField(primary_key=True)
    leaf = models.BinaryField(help_text="The exact leaf bytes (RFC 8785 JSON), kept forever.")
    leaf_hash = models.BinaryField(max_length=32)
    type = models.CharField(max_length=32, db_index=True)
    item = models.CharField(max_length=64, blank=True, db_index=True)
    time = models.DateTimeField()
    details = models.JSONField(
        null=True, blank=True, help_text="Restricted details; only their hash is in the leaf."
    )
    salt = models.CharField(
        max_length=64, blank=True, default="",
        help_text="Random salt committed with the details (version 2 leaves); restricted like them.",
    )

    class Meta:
        verbose_name_plural = "log entries"
        ordering = ["index"]

    def __str__(self) -> str:
        return f"#{self.index} {self.type} {self.item[:12]}"


class LogNode(models.Model):
    """Hash of the perfect subtree covering leaves [index * 2**level, (index+1) * 2**level)."""

    pk = models.CompositePrimaryKey("level", "index")
    level = models.SmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)


class LogHead(models.Model):
    """The log's size and right edge; locked by every append so the log never forks."""

    id = models.SmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)
    frontier = models.BinaryField(default=b"")


class Checkpoint(models.Model):
    size = models.BigIntegerField()
    root = models.BinaryField(max_length=32)
    note = models.TextField(help_text="The C2SP signed note, exactly as signed.")
    created = models.DateTimeField()

    class Meta:
        ordering = ["size", "id"]

    def __str__(self) -> str:
        return f"checkpoint {self.size}"


class TimestampToken(models.Model):
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="timestamps")
    tsa_url = models.TextField()
    token = models.BinaryField(help_text="The RFC 3161 TimeStampResp, DER, as received.")
    tsa_roots = models.TextField(help_text="PEM certificates trusted for this TSA when the token was taken.")
    gen_time = models.DateTimeField()
