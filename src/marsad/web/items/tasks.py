"""A long video's redaction runs on a worker (`marsad worker`), not in the request:
the item page says it is queued and shows the derivative once it is recorded."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from marsad.access.rules import allowed
from marsad.custody import log
from marsad.core.redact import Box, Region
from marsad.evidence.models import Item
from marsad.evidence.redaction import redact_item


def regions_from(rows: list[dict]) -> list[Region]:
    """Regions back from `Region.as_dict()` (a task's arguments are JSON)."""
    return [Region(Box(*row["box"]), row.get("start"), row.get("end")) for row in rows]


@task()
def redact_later(sha256: str, regions: list[dict], user_id: int) -> dict:
    user = get_user_model().objects.filter(pk=user_id).first()
    item = Item.objects.filter(sha256=sha256).first()
    if user is None or item is None or not allowed(user, "edit", item):
        return {"done": False, "reason": "not allowed any more"}  # the role may have gone while it waited
    result = redact_item(sha256, regions_from(regions), actor=user.get_username())
    log.sign_checkpoint()
    return {"done": True, "sha256": result.sha256, "role": result.role, "faces": result.faces}


def queued(sha256: str) -> bool:
    """Whether a redaction of this item waits for a worker or is being made."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=f"{__name__}.redact_later", status__in=("READY", "RUNNING"),
                                       args_kwargs__args__0=sha256).exists()
