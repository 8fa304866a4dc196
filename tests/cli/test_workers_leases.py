"""Three workers on three "hosts" share one queue; one is killed in the middle of a task: the
task is finished by another once its lease expires, its results are recorded once, and the
custody log verifies. On PostgreSQL when DATABASE_URL is set, SQLite otherwise."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from tests.cli.workspace_db import query, wait

LEASE_S = 2
PAUSE_S = 3  # each analysis task waits this long first: time to kill its worker in the middle


def _tasks(marsad) -> dict[str, tuple[str, list[str], list]]:
    rows = query(marsad, "SELECT id, status, worker_ids, args_kwargs, task_path"
                         " FROM django_tasks_database_dbtaskresult")
    return {str(i): (s, w if isinstance(w, list) else json.loads(w), a if isinstance(a, dict) else json.loads(a), p)
            for i, s, w, a, p in rows}


@pytest.mark.slow
def test_a_killed_workers_task_is_finished_by_another_after_its_lease(marsad, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for n in range(3):
        pixels = np.random.default_rng(n).integers(0, 256, (32, 48, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(folder / f"{n}.jpg")
    marsad.run("ingest", "--no-wait", str(folder))

    env = marsad.env | {"MARSAD_TASK_LEASE_S": str(LEASE_S), "MARSAD_TEST_TASK_PAUSE_S": str(PAUSE_S)}
    workers = {
        host: subprocess.Popen([sys.executable, "-m", "marsad", "worker", "--processes", "1"],
                               env=env | {"MARSAD_WORKER_HOST": host}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        for host in ("host-a", "host-b", "host-c")
    }
    try:
        ids = {f"{host}:{p.pid}": p for host, p in workers.items()}
        # a worker in the middle of a task: kill it
        victim_task, victim = wait(lambda: next(((t, w[-1]) for t, (s, w, _, _) in _tasks(marsad).items()
                                                   if s == "RUNNING" and w[-1] in ids), None), 30)
        time.sleep(0.5)
        ids[victim].send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        ids[victim].wait()

        _, took_over = wait(lambda: (lambda w: len(w) == 2 and (True, w[1]))(_tasks(marsad)[victim_task][1]), 20)
        assert time.monotonic() - killed_at >= LEASE_S / 2, "taken over by lease expiry, not at once"
        assert took_over in ids and took_over != victim

        def all_done():
            tasks = _tasks(marsad).values()
            return len(tasks) == 6 and all(s == "SUCCESSFUL" for s, *_ in tasks)  # 3 analyses, 3 matchings
        wait(all_done, 30, step=0.3)
        status = json.loads(subprocess.run([sys.executable, "-m", "marsad", "status", "--json"], env=env,
                                           capture_output=True, check=True).stdout)  # alive: a beat within a lease
        assert {w["worker"] for w in status["workers"]} == set(ids) - {victim}, "the killed worker is not alive"
        assert status["queues"]["default"]["successful"] == 3 and status["queues"]["match"]["successful"] == 3
    finally:
        for p in workers.values():
            p.kill()
            p.wait()

    [sha] = _tasks(marsad)[victim_task][2]["args"]
    results = query(marsad, "SELECT step FROM evidence_analysisresult r JOIN evidence_item i ON r.item_id = i.id "
                             f"WHERE i.sha256 = '{sha}'")
    assert sorted(r[0] for r in results) == ["fingerprint", "metadata", "thumbnails"], "recorded once"
    events = query(marsad, f"SELECT type FROM custody_logentry WHERE item = '{sha}'")
    kinds = sorted(e[0] for e in events)
    assert kinds.count("analysis") == 3 and kinds.count("derive") == 1 and kinds.count("fingerprint") == 1
    items = marsad.json("items")
    assert len(items) == 3 and all(i["analysis"] == "done" for i in items)
    assert "OK" in marsad.run("log", "verify").stdout
    assert not os.environ.get("MARSAD_TEST_TASK_PAUSE_S"), "the pause never leaks into other tests"
