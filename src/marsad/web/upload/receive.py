"""What happens to a file once its last byte has arrived: it goes through the same
ingest pipeline as `marsad ingest`, as a capture of source kind "upload", or, for
a zip holding a Telegram Desktop export, through the telegram source.

Nothing the browser says is trusted: the name and folder are shown as given but
stripped of control characters, the declared type is kept only as provenance (the
pipeline detects the type from the bytes), and the project is checked again.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from marsad.access.models import Project, ProjectItem
from marsad.access.rules import allowed, projects_where
from marsad.core.resumable import Uploads
from marsad.core.sources import Sighting, SourceError, clean_name
from marsad.custody import log
from marsad.evidence.ingest import Outcome, Status, ingest
from marsad.registry import source_for

from . import zips

@dataclass(frozen=True)
class Upload:
    """Who sends a file, and where to; `actor` is the custody log's pseudonymous id."""

    user: Any
    actor: str

    @classmethod
    def of(cls, user) -> Upload:
        return cls(user, log.actor_id(user.username))


def project_from(metadata: dict[str, str], user) -> Project:
    """The project named in the upload's metadata, if the user may upload into it.
    Raises ValueError (not a project) or PermissionError (not allowed)."""
    raw = metadata.get("project", "")
    if not raw.isdigit():
        raise ValueError(_("Choose a project to upload into."))
    project = Project.objects.filter(pk=int(raw)).first()
    if project is None or not allowed(user, "upload", project):
        raise PermissionError(_("You may not upload into this project."))
    return project


def receive(uploads: Uploads, upload_id: str, sender: Upload, owner: str) -> list[dict[str, Any]]:
    """Ingest a complete upload; returns one record per file preserved or refused."""
    info = uploads.info(upload_id, owner)
    meta = info.metadata
    name = clean_name(os.path.basename((meta.get("filename") or "").replace("\\", "/"))) or "upload"
    shown = clean_name(meta.get("relativePath") or "") or name
    try:
        project = project_from(meta, sender.user)
    except (ValueError, PermissionError) as e:
        return [_failed(shown, str(e))]
    started = timezone.now()
    path = uploads.path(upload_id)
    if zips.telegram_root(path) is not None:
        outcomes = _telegram(uploads, path, shown, sender, project)
    else:
        sighting = Sighting(
            "upload", os.fsencode(path), shown, name, size=info.length,
            # The declared type is what the browser guessed: provenance, never used to decide anything.
            details={"declared_type": clean_name(meta.get("filetype") or "", 200)},
            # One person's upload into one project: sending it twice is not a new capture,
            # another person sending it is (and the log says who).
            identity=f"{sender.actor}/{project.pk}/{shown}",
        )
        outcomes = ingest([sighting], sender.actor, project=project.pk)
    log.sign_checkpoint()  # as `marsad ingest` does: the new events are covered at once
    return [outcome_record(o, sender.user, started) for o in outcomes]


def _telegram(uploads: Uploads, path: Path, shown: str, sender: Upload, project: Project) -> list[Outcome]:
    from marsad import conf

    limit = int(conf.get("max_upload_bytes"))
    try:
        plan = zips.check(path, limit)
        free = shutil.disk_usage(uploads.folder).free
        if plan.unpacked > free - (1 << 30):
            raise zips.ZipRefused(_("there is not enough free disk space to unpack it"))
    except zips.ZipRefused as e:
        return [_refused(shown, e)]
    scratch = Path(tempfile.mkdtemp(prefix="unzip-", dir=uploads.folder)).resolve()
    try:
        try:
            root = zips.unpack(path, scratch, plan)
        except zips.ZipRefused as e:
            return [_refused(shown, e)]
        prefix = str(root)

        def renamed(sightings):
            # Sightings name their file inside our scratch folder: show it inside the zip instead.
            for s in sightings:
                s.display_path = clean_name(shown + s.display_path[len(prefix):]) if s.display_path.startswith(prefix) \
                    else clean_name(s.display_path)
                yield s

        try:
            export = source_for(str(root), "telegram")
            return ingest(renamed(export.sightings(str(root))), sender.actor, project=project.pk)
        except SourceError as e:
            return [Outcome(shown, Status.FAILED, reason=str(e).replace(prefix, shown))]
    finally:
        zips.remove(scratch)


def _refused(shown: str, error: zips.ZipRefused) -> Outcome:
    return Outcome(shown, Status.FAILED, reason=_("The Telegram export was not unpacked, and nothing in it was "
                                                  "recorded: %(reason)s.") % {"reason": error})


def _failed(shown: str, reason: str) -> dict[str, Any]:
    return {"path": shown, "status": "failed", "sha256": "", "kind": "", "reason": reason}


def outcome_record(outcome: Outcome, user, started) -> dict[str, Any]:
    """An ingest outcome as stored with the upload and shown on the result page."""
    status = outcome.status.value
    if outcome.status in (Status.KNOWN, Status.SEEN):
        # Say "already known" only of what this person could see before: that bytes are held
        # in a project they do not belong to is not theirs to learn.
        known = ProjectItem.objects.filter(item__sha256=outcome.sha256, added_at__lt=started,
                                           project_id__in=projects_where(user, "view")).exists()
        status = "known" if known else "new"
    return {"path": outcome.display_path, "status": status, "sha256": outcome.sha256, "kind": outcome.kind,
            "reason": outcome.reason}
