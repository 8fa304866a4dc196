"""Links sent from the upload page are fetched by the analysis workers (`marsad
serve` starts them), one task per link: a page capture may take a minute, and the
person who sent it watches its status instead of waiting on a request."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.utils import timezone
from django_tasks import task

from marsad.access.models import Project
from marsad.access.rules import allowed
from marsad.core.web.addresses import refused_addresses
from marsad.custody import log
from marsad.evidence.ingest import ingest
from marsad.plugins.weblink import allowed_internal
from marsad.registry import source_for

from .receive import outcome_record


@task()
def fetch_link(url: str, project_id: int, user_id: int, owner: str) -> list[dict[str, Any]]:
    """Capture one link through the web source and ingest what it held into the project.
    `owner` ties the task to the person who queued it (only they see its status)."""
    user = get_user_model().objects.filter(pk=user_id).first()
    project = Project.objects.filter(pk=project_id).first()
    if user is None or project is None or not allowed(user, "upload", project):
        # The role may have been taken away while the link waited.
        return [{"path": url, "status": "failed", "sha256": "", "kind": "", "reason": "not allowed any more"}]
    host = urlsplit(url).hostname or ""
    if refused_addresses(host, allowed_internal()):
        # Checked again at fetch time: the name may point elsewhere now than when it was pasted.
        return [{"path": url, "status": "failed", "sha256": "", "kind": "", "reason": "points inside this network"}]
    started = timezone.now()
    outcomes = ingest(source_for(url, "web").sightings(url), log.actor_id(user.username), project=project.pk)
    log.sign_checkpoint()
    return [outcome_record(o, user, started) for o in outcomes]
