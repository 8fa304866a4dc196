"""A large Telegram export imported in batches: killed halfway, a re-run finishes the job
with nothing recorded or queued twice; and each batch's analysis tasks are real queued
tasks that a worker runs."""

import json
import os
import signal

from tests.cli.workspace_db import query, wait

MESSAGES = 3000  # several batches (evidence.ingest.BATCH_SIGHTINGS)
TASK = "marsad.evidence.tasks.analyse_item"


def _export(folder, messages: int):
    """A channel export of text posts (each its own item), every tenth with the same
    channel-wide words, so search rows for repeated short fields are made too."""
    folder.mkdir(parents=True)
    posts = [{"id": i, "type": "message", "date_unixtime": str(1557066730 + i), "from": "Idlib Media Centre",
              "text": f"report {i} " + ("قصف على معرة النعمان" if i % 10 == 0 else "airstrike")}
             for i in range(1, messages + 1)]
    chat = {"name": "Idlib Media Centre", "type": "public_channel", "id": 1001234567, "messages": posts}
    (folder / "result.json").write_text(json.dumps(chat, ensure_ascii=False), encoding="utf-8")
    return folder


def _counts(marsad):
    [(items, captures, keys, events)] = query(marsad, """
        SELECT (SELECT count(*) FROM evidence_item), (SELECT count(*) FROM evidence_capture),
               (SELECT count(DISTINCT sighting_key) FROM evidence_capture),
               (SELECT count(*) FROM evidence_capture WHERE log_index IS NOT NULL)""")
    return items, captures, keys, events


def test_killed_halfway_then_rerun_records_each_post_once(marsad, tmp_path):
    export = _export(tmp_path / "ChatExport_big", MESSAGES)
    proc = marsad.popen("ingest", "--no-wait", str(export), start_new_session=True,
                        stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))
    # Kill it once some batches have committed and before all have.
    wait(lambda: _counts(marsad)[1] >= 500 or proc.poll() is not None, 180, 0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    halfway = _counts(marsad)[1]
    assert 0 < halfway < MESSAGES, f"killed at {halfway} of {MESSAGES} captures: too late to test anything"

    marsad.run("ingest", "--no-wait", str(export))
    items, captures, keys, events = _counts(marsad)
    assert items == captures == keys == events == MESSAGES, (items, captures, keys, events)
    tasks = query(marsad, f"SELECT args_kwargs, status FROM django_tasks_database_dbtaskresult "
                          f"WHERE task_path = '{TASK}'")
    queued = [json.loads(a) if isinstance(a, str) else a for a, _ in tasks]
    shas = {sha for (sha,) in query(marsad, "SELECT sha256 FROM evidence_item")}
    assert len(queued) == MESSAGES, f"{len(queued)} analysis tasks for {MESSAGES} items"
    assert sorted(q["args"][0] for q in queued) == sorted(shas), "one analysis task per item, none twice"
    assert {s for _, s in tasks} == {"READY"}
    ids = {str(t).replace("-", "") for (t,) in query(
        marsad, f"SELECT id FROM django_tasks_database_dbtaskresult WHERE task_path = '{TASK}'")}
    recorded = {t.replace("-", "") for (t,) in query(marsad, "SELECT analysis_task FROM evidence_item")}
    assert recorded == ids, "each item names its own queued task"
    [(entries,)] = query(marsad, "SELECT count(*) FROM search_searchentry WHERE kind = 'capture'")
    assert entries == 3 * MESSAGES, "each capture's text, channel and name indexed once"
    assert "OK" in marsad.run("log", "verify").stdout
    found = marsad.json("search", "معرة النعمان", "--limit", "1000")
    assert len({h["key"] for h in found["hits"] if h["kind"] == "capture"}) == MESSAGES // 10, found["total"]


def test_bulk_queued_analysis_is_run_by_a_worker(marsad, tmp_path):
    export = _export(tmp_path / "ChatExport_small", 30)
    marsad.run("ingest", str(export))  # waits: workers run each queued task
    items = marsad.json("items")
    assert len(items) == 30 and all(i["analysis"] == "done" for i in items), items[:3]
    [(done,)] = query(marsad, f"SELECT count(*) FROM django_tasks_database_dbtaskresult "
                              f"WHERE task_path = '{TASK}' AND status = 'SUCCESSFUL'")
    assert done == 30
