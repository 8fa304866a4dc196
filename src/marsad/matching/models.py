"""Fingerprints of items and the links between copies of the same evidence."""

from django.db import models

from marsad.evidence.models import Item


class CurrentFingerprints(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(superseded=False)


class Fingerprint(models.Model):
    """An item's perceptual hashes: one for an image, a sequence for a video. A newer
    version of the fingerprinter supersedes it (`marsad index refingerprint`); the old one
    is kept, as its event is in the log. `objects` holds the current ones, `every` all."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="fingerprints")
    algorithm = models.CharField(max_length=16)
    version = models.CharField(max_length=32)
    hashes = models.BinaryField(help_text="32 bytes per frame, in order.")
    qualities = models.BinaryField(help_text="One byte (0-100) per frame.")
    seconds = models.BinaryField(help_text="float32 timestamp per frame.")
    variants = models.BinaryField(default=b"", help_text="Mirrored/rotated hashes, searched with, not indexed.")
    extras = models.BinaryField(default=b"", help_text="Crop and band hashes, indexed beside each frame's hash.")
    keypoints = models.BinaryField(default=b"", help_text="Per frame: 4-byte length, then its packed keypoints "
                                   "(descriptors and positions; the first few indexed).")
    indexed = models.BooleanField(default=False)
    indexed_seq = models.BigIntegerField(null=True, db_index=True,
                                         help_text="Order of indexing: each host's index catches up by it.")
    match_error = models.TextField(blank=True, help_text="Why matching failed (then it is not retried).")
    superseded = models.BooleanField(default=False, help_text="Replaced by a later version's fingerprint.")
    created = models.DateTimeField()
    log_index = models.BigIntegerField(unique=True)

    objects = CurrentFingerprints()
    every = models.Manager()

    class Meta:
        base_manager_name = "every"
        constraints = [models.UniqueConstraint(fields=["item", "algorithm"], condition=models.Q(superseded=False),
                                               name="one_current_fingerprint_per_algorithm")]


class CopyLink(models.Model):
    """Two items found to be copies of each other, and why."""

    a = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    b = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    distance = models.IntegerField(help_text="Smallest Hamming distance between matched hashes.")
    share_a = models.FloatField(help_text="Share of a's frames that match b.")
    share_b = models.FloatField(help_text="Share of b's frames that match a.")
    reason = models.TextField()
    created = models.DateTimeField()
    log_index = models.BigIntegerField(unique=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["a", "b"], name="one_link_per_pair")]
