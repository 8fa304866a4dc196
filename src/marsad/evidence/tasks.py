"""Background tasks (Django's Tasks API via the django-tasks backport)."""

import os
import time

from django_tasks import task

from marsad.core import steps

from . import analysis


@task()
def analyse_item(sha256: str) -> dict:
    """Idempotent: results are recorded only while the item is still pending (checked under
    the item's row lock and the log's lock), so a second run records nothing."""
    _pause_for_tests()
    with steps.item(sha256[:12]), steps.step("analysis task"):
        return analysis.analyse_or_record_crash(sha256)


def _pause_for_tests() -> None:
    """Tests kill a worker in the middle of a task: MARSAD_TEST_TASK_PAUSE_S makes each task
    wait that long first. Never set outside tests."""
    pause = os.environ.get("MARSAD_TEST_TASK_PAUSE_S")
    if pause:
        time.sleep(float(pause))
