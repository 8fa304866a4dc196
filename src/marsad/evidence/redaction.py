"""Redacted derivatives: an item's photo or video with faces and marked regions
blurred and no metadata, kept in the store and linked to the original by a
custody event that names both hashes and the tools that made it.

The heavy work runs outside any transaction; the Derivative row and its event
commit together, like the thumbnails made by analysis.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

import marsad
from marsad.core import redact
from marsad.core.store import StoreError
from marsad.custody import log

from .ingest import store
from .models import Derivative, Item

ROLE = "redacted"
TOOL_NAME = "marsad-redact"


class RedactionError(Exception):
    """The item cannot be redacted; nothing was recorded."""


@dataclass(frozen=True)
class RedactionResult:
    item: str
    sha256: str
    role: str
    mime: str
    size: int
    faces: int
    regions: int
    log_index: int
    created: bool  # False when the same derivative was already recorded


def tool() -> dict[str, str]:
    return {"name": TOOL_NAME, "version": marsad.__version__} | redact.tool_versions()


def redact_item(sha256: str, regions: Sequence[redact.Region] = (), actor: str | None = None) -> RedactionResult:
    """Make, store and record the redacted derivative of one photo or video."""
    item = Item.objects.get(sha256=sha256)
    if item.kind not in ("image", "video"):
        raise RedactionError(f"only photos and videos can be redacted; {sha256[:12]} is {item.kind}")
    blob_store = store()
    try:
        path = blob_store.path(sha256)
        _check_hash(path, sha256)
    except (StoreError, OSError) as e:
        raise RedactionError(f"the original's bytes cannot be read: {e}") from e
    try:
        if item.kind == "image":
            made = redact.redact_photo(path, regions)
            blob, mime, faces = blob_store.put_bytes(made.data), made.mime, len(made.faces)
        else:
            with tempfile.TemporaryDirectory(prefix="marsad-redact-") as tmp:
                out = Path(tmp) / "redacted.mp4"
                made = redact.redact_video(path, out, regions)
                blob, mime, faces = blob_store.put_file(out), "video/mp4", made.faces
    except (redact.RedactionFailed, redact.ModelIntegrityError) as e:
        raise RedactionError(str(e)) from e
    return _record(item, blob, mime, faces, regions, actor)


def _check_hash(path: Path, sha256: str) -> None:
    """Redact only the bytes the custody log names: a changed blob is refused."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    if h.hexdigest() != sha256:
        raise StoreError(f"the stored blob no longer has SHA-256 {sha256} (run `marsad fixity`)")


def _record(item: Item, blob, mime: str, faces: int, regions: Sequence[redact.Region],
            actor: str | None) -> RedactionResult:
    with transaction.atomic():
        log.lock_head()
        held = Derivative.objects.filter(item=item, sha256=blob.sha256).first()
        if held is not None:  # the same inputs gave the same bytes: one record is enough
            return RedactionResult(item.sha256, blob.sha256, held.role, held.mime, held.size, faces, len(regions),
                                   held.log_index, False)
        taken = set(Derivative.objects.filter(item=item, role__startswith=ROLE).values_list("role", flat=True))
        role = ROLE if ROLE not in taken else next(
            f"{ROLE}-{n}" for n in range(2, len(taken) + 3) if f"{ROLE}-{n}" not in taken)
        now = timezone.now()
        entry = log.record(
            "derive",
            item=item.sha256,
            time=now,
            actor=log.actor_id(actor) if actor else None,
            tool=tool(),
            inputs=[{"sha256": item.sha256}],
            outputs=[{"sha256": blob.sha256, "role": role, "mime": mime, "size": blob.size, "faces": faces,
                      "regions": len(regions)}],
            details={"regions": [r.as_dict() for r in regions]} if regions else None,
        )
        Derivative.objects.create(item=item, role=role, sha256=blob.sha256, mime=mime, size=blob.size,
                                  created=now, log_index=entry.index)
    return RedactionResult(item.sha256, blob.sha256, role, mime, blob.size, faces, len(regions), entry.index, True)


# -- review: only an approved redacted derivative may be published --------------------------------

APPROVED, REJECTED = "approved", "rejected"


def redacted_of(item: Item):
    """The item's redacted derivatives, newest first."""
    return Derivative.objects.filter(item=item, role__startswith=ROLE).order_by("-log_index")


def approved_redaction(item: Item) -> Derivative | None:
    """The redacted derivative a person approved (the latest approved, if several); None: nothing to publish."""
    return redacted_of(item).filter(decision=APPROVED).order_by("-decided_at", "-log_index").first()


def decide(derivative: Derivative, user, approve: bool, reason: str = "") -> Derivative:
    """Approve or reject a redacted derivative: who and when, as a custody event and on the row."""
    if not derivative.role.startswith(ROLE):
        raise RedactionError(f"{derivative.role} is not a redacted derivative")
    outcome = APPROVED if approve else REJECTED
    with transaction.atomic():
        log.lock_head()
        now = timezone.now()
        entry = log.record(
            "review", item=derivative.item.sha256, time=now, actor=log.actor_id(user.get_username()),
            inputs=[{"sha256": derivative.sha256, "role": derivative.role}],
            outputs=[{"action": f"redaction-{outcome}", "sha256": derivative.sha256}],
            details={"reason": reason} if reason else None)
        Derivative.objects.filter(pk=derivative.pk).update(decision=outcome, decided_by=user, decided_at=now,
                                                           decision_log_index=entry.index)
    derivative.refresh_from_db()
    return derivative
