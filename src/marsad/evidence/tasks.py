"""Background tasks (Django's Tasks API via the django-tasks backport)."""

from django_tasks import task

from . import analysis


@task()
def analyse_item(sha256: str) -> dict:
    return analysis.analyse_or_record_crash(sha256)
