"""Background tasks of matching (Django's Tasks API)."""

from django_tasks import task

from . import service


@task()
def match_item(sha256: str) -> dict:
    return service.match_or_record_crash(sha256)
