"""Two workers on two "hosts" analyse and match 50 pairs of copies at once, each pair's two
files side by side in the queue so the two hosts fingerprint them at the same moment: every
pair is linked, once, and nothing else is. On PostgreSQL (DATABASE_URL set) each host has a
folder of its own, as on separate machines (its own index files, the workspace's keys and
settings), sharing the database and the store; on SQLite they share one host's workspace."""

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from tests.cli.workspace_db import query

PAIRS = 50


def make_pairs(folder, pairs: int = PAIRS) -> list[tuple[str, str]]:
    """`pair-NN-a.jpg` (a picture of coarse random blocks) and `pair-NN-b.jpg` (the same,
    resized and re-encoded, as a repost would be); their SHA-256s."""
    shas = []
    for n in range(pairs):
        blocks = np.random.default_rng(1000 + n).integers(0, 256, (12, 12, 3), dtype=np.uint8)
        original = Image.fromarray(blocks).resize((240, 240), Image.Resampling.BILINEAR)
        copy = original.resize((176, 176), Image.Resampling.LANCZOS)
        pair = []
        for side, picture, quality in (("a", original, 92), ("b", copy, 60)):
            data = io.BytesIO()
            picture.save(data, "JPEG", quality=quality)
            (folder / f"pair-{n:02d}-{side}.jpg").write_bytes(data.getvalue())
            pair.append(hashlib.sha256(data.getvalue()).hexdigest())
        shas.append(tuple(pair))
    return shas


def host_home(marsad, root, host: str):
    """Another machine's copy of the workspace: its settings and keys (a copy, as an
    operator would deploy them), its own index and scratch space; the database and the
    store are the shared ones."""
    home = root / host
    home.mkdir(mode=0o700)
    shutil.copy2(marsad.home / "marsad.toml", home / "marsad.toml")
    shutil.copytree(marsad.home / "keys", home / "keys")
    shutil.copytree(marsad.home / "log", home / "log")
    (home / "index").mkdir()
    return home


def side_by_side(marsad, pairs) -> dict[str, int]:
    """How many pairs had their two files analysed (and matched) by the two hosts at
    overlapping times."""
    runs = {}
    for path, args, workers, started, finished in query(
            marsad, "SELECT task_path, args_kwargs, worker_ids, started_at, finished_at"
                    " FROM django_tasks_database_dbtaskresult"):
        args = args if isinstance(args, dict) else json.loads(args)
        workers = workers if isinstance(workers, list) else json.loads(workers)
        step = "matching" if path.endswith("match_item") else "analysis"
        runs[step, args["args"][0]] = (workers[-1].rpartition(":")[0], str(started), str(finished))
    counts = {}
    for step in ("analysis", "matching"):
        counts[step] = sum(1 for a, b in pairs if (ra := runs[step, a])[0] != (rb := runs[step, b])[0]
                           and ra[1] < rb[2] and rb[1] < ra[2])
    return counts


@pytest.mark.slow
def test_fifty_pairs_fingerprinted_at_once_on_two_hosts_are_all_linked(marsad, tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    pairs = make_pairs(folder)
    marsad.run("ingest", "--no-wait", str(folder))

    many_hosts = marsad.env.get("DATABASE_URL", "").startswith("postgres")
    workers = []
    for host in ("host-a", "host-b"):
        env = marsad.env | {"MARSAD_WORKER_HOST": host}
        if many_hosts:
            env |= {"MARSAD_HOME": str(host_home(marsad, tmp_path, host)),
                    "MARSAD_STORAGE": str(marsad.home / "store")}
        workers.append(subprocess.Popen([sys.executable, "-m", "marsad", "worker", "--processes", "1", "--batch"],
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    try:
        for w in workers:
            _, err = w.communicate(timeout=120)
            assert w.returncode == 0, err
    finally:
        for w in workers:
            w.kill()

    tasks = dict(query(marsad, "SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status"))
    assert tasks == {"SUCCESSFUL": 4 * PAIRS}, tasks  # an analysis and a matching per file
    together = side_by_side(marsad, pairs)
    print(f"pairs analysed / matched at the same moment on the two hosts: {together}")
    assert together["analysis"] >= PAIRS // 5, "the test raced the hosts"

    links = query(marsad, "SELECT a.sha256, b.sha256 FROM matching_copylink l JOIN evidence_item a ON l.a_id = a.id"
                          " JOIN evidence_item b ON l.b_id = b.id")
    linked = [frozenset(pair) for pair in links]
    missing = [n for n, pair in enumerate(pairs) if frozenset(pair) not in linked]
    assert not missing, f"pairs not linked: {missing}"
    assert len(linked) == PAIRS, "each pair linked once, and no picture to another pair's"
    [(events,)] = query(marsad, "SELECT COUNT(*) FROM custody_logentry WHERE type = 'link'")
    assert events == PAIRS
    assert "OK" in marsad.run("log", "verify").stdout
    assert not os.environ.get("MARSAD_WORKER_HOST"), "the host names never leak into other tests"
