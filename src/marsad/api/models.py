"""API tokens: one person, one project, one scope, an expiry. The secret is shown
once when made; only its SHA-256 is kept, found by a short public id and compared
in constant time (tokens.py)."""

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read"  # GET: what the role may read
        COMMENT = "comment"  # and comments
        EDIT = "edit"  # and every change the role allows (create, set fields, link, upload)

    public_id = models.CharField(max_length=16, unique=True, help_text="The token's visible part, for lookup.")
    secret_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the whole token; the token is never kept.")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    project = models.ForeignKey("access.Project", on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    scope = models.CharField(max_length=8, choices=Scope.choices)
    created = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    log_index = models.BigIntegerField(unique=True, help_text="The custody event of its creation.")

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.scope})"
