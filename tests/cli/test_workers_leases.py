"""Three workers on three "hosts" share one queue; one is killed in the middle of a task: the
task is finished by another once its lease expires, its results are recorded once, and the
custody log verifies. On PostgreSQL when DATABASE_URL is set, SQLite otherwise."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid

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


def _id(task_id) -> str:
    return uuid.UUID(str(task_id)).hex  # SQLite keeps it without dashes


def _photo_and_copy(folder, seed: int) -> None:
    """A textured photo (PDQ can trust its hash) and a smaller, re-encoded copy of it."""
    coarse = np.random.default_rng(seed).integers(0, 256, (12, 16, 3), dtype=np.uint8)
    photo = Image.fromarray(coarse).resize((320, 240), Image.BICUBIC)
    photo.save(folder / f"{seed}-photo.jpg", quality=92)
    photo.resize((200, 150), Image.BOX).save(folder / f"{seed}-copy.jpg", quality=70)


def test_a_worker_matches_the_item_it_analysed_in_the_same_turn_unless_matching_runs_elsewhere(marsad, tmp_path):
    """An analysis task queues its item's matching when it commits; a worker that also serves the
    match queue claims that task at once and runs it before the analysis task ends (no trip
    through the queue), under its own lease, recorded as any task is. One that serves the
    analysis queue only leaves it queued for the match hosts."""
    first, second = tmp_path / "first", tmp_path / "second"
    for n, folder in enumerate((first, second)):
        folder.mkdir()
        _photo_and_copy(folder, n)

    marsad.run("ingest", "--no-wait", str(first))
    marsad.run("worker", "--processes", "1", "--batch", "--queue", "default")
    tasks = _tasks(marsad).values()
    assert sorted((p.rpartition(".")[2], s) for s, _, _, p in tasks) == [
        ("analyse_item", "SUCCESSFUL")] * 2 + [("match_item", "READY")] * 2, "matching left to the match queue"
    marsad.run("worker", "--processes", "1", "--batch", "--queue", "match")
    before = set(_tasks(marsad))

    marsad.run("ingest", "--no-wait", str(second))
    marsad.run("worker", "--processes", "1", "--batch")  # every queue
    rows = query(marsad, "SELECT id, task_path, status, started_at, finished_at, return_value"
                         " FROM django_tasks_database_dbtaskresult")
    new = {_id(i): (p.rpartition(".")[2], s, start, end, v if isinstance(v, dict) else json.loads(v))
           for i, p, s, start, end, v in rows if str(i) not in before}
    analyses = [r for r in new.values() if r[0] == "analyse_item"]
    assert len(new) == 4 and all(r[1] == "SUCCESSFUL" for r in new.values())
    workers = {_id(t): w for t, (_, w, _, _) in _tasks(marsad).items()}
    for _, _, started, finished, value in analyses:
        match_id = _id(value["match_task"])
        _, _, match_started, match_finished, _ = new[match_id]
        assert started < match_started < match_finished <= finished, "matched inside the analysis task"
    assert len({tuple(w) for t, w in workers.items() if t in new}) == 1, "all by the one worker, claimed once each"
    assert query(marsad, "SELECT count(*) FROM workers_tasklease") == [(0,)], "every lease given back"
    links = query(marsad, "SELECT count(*) FROM matching_copylink")
    assert links == [(2,)], "each photo linked to its copy, once"
    assert "OK" in marsad.run("log", "verify").stdout
