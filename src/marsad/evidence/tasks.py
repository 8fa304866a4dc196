"""Background tasks (Django's Tasks API via the django-tasks backport)."""

import logging
import os
import time

from django_tasks import task

from marsad.core import steps
from marsad.workers import inline

from . import analysis

logger = logging.getLogger(__name__)


@task()
def analyse_item(sha256: str) -> dict:
    """Idempotent: results are recorded only while the item is still pending (checked under
    the item's row lock and the log's lock), so a second run records nothing."""
    _pause_for_tests()
    with steps.item(sha256[:12]), steps.step("analysis task"):
        result = analysis.analyse_or_record_crash(sha256)
    if result.get("match_task") and inline.serves("match"):
        # committed and queued: matched now by this worker, unless another one took it first
        try:
            inline.run_now(result["match_task"])
        except Exception:  # the analysis is recorded; its matching stays queued or leased, for the queue
            logger.exception("task for %s: its matching could not be run at once", sha256[:12])
    return result


def _pause_for_tests() -> None:
    """Tests kill a worker in the middle of a task: MARSAD_TEST_TASK_PAUSE_S makes each task
    wait that long first. Never set outside tests."""
    pause = os.environ.get("MARSAD_TEST_TASK_PAUSE_S")
    if pause:
        time.sleep(float(pause))
