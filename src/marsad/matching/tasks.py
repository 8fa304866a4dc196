"""Background tasks of matching (Django's Tasks API), on their own queue: `marsad worker
--queue match` runs them on hosts of their own."""

from django_tasks import task

from marsad.core import steps

from . import service


@task(queue_name="match")
def match_item(sha256: str) -> dict:
    """Idempotent: a fingerprint already indexed is not matched again (checked under the
    index's write lock), and a link already recorded is not recorded twice."""
    with steps.item(sha256[:12]), steps.step("matching task"):
        return service.match_or_record_crash(sha256)
