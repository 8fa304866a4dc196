"""`marsad cluster up|down`: a cluster on one machine, for tests and for trying it.

Each part runs as a process of its own, as it would on its own machine: a fresh
database on the PostgreSQL server already running, a SeaweedFS S3 server, the web
app and N workers. Each worker "host" has its own name (MARSAD_WORKER_HOST) and its
own folder (a copy of the workspace's settings and keys, its own index files and
S3 read cache), sharing only the database and the store, as separate machines do.
Everything listens on 127.0.0.1. `cluster.json` in the cluster's folder names every
process; `down` stops them all and drops the database. With `--netns`, each worker host
runs in a network namespace of its own, reaching only PostgreSQL and the S3 server
(marsad.cli.netns).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import click

from .safe_text import CliError

STATE = "cluster.json"
ENV_FILE = "cluster.env"  # the variables that point `marsad` at the cluster (holds the S3 secret: 0600)
BUCKET = "marsad"
STOP_WAIT_S = 15  # how long a process may take to stop on SIGTERM before it is killed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group_alive(pgid: int) -> list[int]:
    """Processes of a process group still running (zombies, already finished, left out)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (name) ": state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(entry.name))
    return alive


def _start_ticks(pid: int) -> int | None:
    """When a process started (clock ticks since boot), to know it again by more than its number."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat[stat.rindex(")") + 2 :].split()[19])


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A process in a session of its own: it outlives this command, and `down` stops it
    with everything it started (the web app's server processes, a worker's children)."""
    with open(log, "ab") as out:
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)


def _database(admin_url: str, name: str, create: bool) -> None:
    import psycopg

    with psycopg.connect(f"{admin_url}/postgres", autocommit=True, connect_timeout=10) as conn:
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')
        else:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_http(url: str, process: subprocess.Popen, timeout: float) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CliError(f"the web app exited with status {process.returncode} (see its log)")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers (a login page's redirect counts)
        except OSError:
            time.sleep(0.2)
    raise CliError(f"the web app did not answer at {url} within {timeout:.0f} s (see its log)")


def _host_home(web_home: Path, home: Path) -> None:
    """A worker host's folder: the workspace's settings and keys (the log's signing key, the
    key actor pseudonyms are made with), its own index and caches."""
    home.mkdir(mode=0o700)
    shutil.copy2(web_home / "marsad.toml", home / "marsad.toml")
    shutil.copytree(web_home / "keys", home / "keys")
    shutil.copytree(web_home / "log", home / "log")
    (home / "index").mkdir(mode=0o700)


def _wait_sockets(paths: list[Path], process: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not all(p.exists() for p in paths):
        if process.poll() is not None or time.monotonic() > deadline:
            raise CliError(f"the relay for {paths[0].parent.name} did not start (see its log)")
        time.sleep(0.05)


def _loopback_endpoint(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        raise CliError(f"--netns relays loopback ports only; {parts.hostname} is not 127.0.0.1")
    return f"127.0.0.1:{parts.port or 5432}"


def cluster_up(folder: Path, workers: int, port: int, postgres: str, netns: bool = False) -> dict:
    from marsad.core.seaweed import Seaweed, SeaweedUnavailable

    from . import netns as namespaces

    if netns and (why := namespaces.unavailable()):
        raise CliError(f"--netns: {why}; run without it (each host a process)")

    if (folder / STATE).exists():
        raise CliError(f"a cluster was started in {folder}: `marsad cluster down {folder}` first")
    if folder.exists() and any(thing.name != "logs" for thing in folder.iterdir()):  # (a cluster's before it)
        raise CliError(f"{folder} is not empty: give a new folder for the cluster")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    logs = folder / "logs"
    logs.mkdir(exist_ok=True)
    name = f"marsad_cluster_{uuid.uuid4().hex[:10]}"
    state: dict = {"folder": str(folder), "database": name, "postgres": postgres, "processes": []}

    def remember(role: str, process: subprocess.Popen, **details) -> None:
        state["processes"].append({"role": role, "pid": process.pid, "ticks": _start_ticks(process.pid), **details})
        (folder / STATE).write_text(json.dumps(state, indent=1))

    try:
        _database(postgres, name, create=True)
    except Exception as e:  # noqa: BLE001 (no server, refused, no rights: said in one line)
        raise CliError(f"cannot create a database on {postgres}: {e}") from None
    (folder / STATE).write_text(json.dumps(state, indent=1))
    try:
        try:
            s3 = Seaweed(folder / "s3").start()
        except SeaweedUnavailable as e:
            raise CliError(f"the S3 server did not start: {e}") from None
        remember("s3", s3.process, endpoint=s3.endpoint)
        s3.make_bucket(BUCKET, object_lock=True)
        web_home = folder / "web"
        shared = {"DATABASE_URL": f"{postgres}/{name}", "MARSAD_STORAGE": f"s3://{BUCKET}/evidence", **s3.env}
        env = os.environ | shared | {"MARSAD_HOME": str(web_home)}
        init = subprocess.run([sys.executable, "-m", "marsad", "init"], env=env, capture_output=True, text=True,
                              check=False)
        if init.returncode:
            raise CliError(f"`marsad init` failed: {init.stderr.strip()[-500:]}")
        port = port or _free_port()
        web = _start([sys.executable, "-m", "marsad", "serve", "--port", str(port), "--processes", "1",
                      "--workers", "0"], env, logs / "web.log")
        remember("web", web, url=f"http://127.0.0.1:{port}/", home=str(web_home))
        for n in range(1, workers + 1):
            host, home = f"host-{n}", folder / f"host-{n}"
            _host_home(web_home, home)
            command = [sys.executable, "-m", "marsad", "worker", "--processes", "1"]
            if netns:
                # PostgreSQL's and the S3 server's ports, and nothing else, relayed into the host's namespace
                ends = [_loopback_endpoint(postgres), _loopback_endpoint(s3.endpoint)]
                relay = _start(namespaces.relay_command(home, ends), os.environ, logs / f"{host}-relay.log")
                remember("relay", relay, host=host)
                _wait_sockets([Path(namespaces.socket_path(home, e)) for e in ends], relay)
                command = namespaces.command(home, ends, command)
            worker = _start(command, os.environ | shared | {"MARSAD_HOME": str(home), "MARSAD_WORKER_HOST": host},
                            logs / f"{host}.log")
            remember("worker", worker, host=host, home=str(home), netns=netns)
        _wait_http(f"http://127.0.0.1:{port}/", web, 60)
        env_file = folder / ENV_FILE
        env_file.touch(mode=0o600)
        env_file.write_text("".join(f"{k}={v}\n" for k, v in (shared | {"MARSAD_HOME": str(web_home)}).items()))
    except BaseException:
        cluster_down(folder)
        raise
    return state


def cluster_down(folder: Path, keep_database: bool = False) -> list[str]:
    """Stop every process of the cluster (SIGTERM to its process group, SIGKILL after
    STOP_WAIT_S) and drop its database; what was done, in lines."""
    path = folder / STATE
    if not path.exists():
        raise CliError(f"no cluster in {folder} (no {STATE})")
    state = json.loads(path.read_text())
    done = []
    # the web app and the workers first (at once), then the relays they reach the database and
    # the store through, the store last
    for stage in (("web", "worker"), ("relay",), ("s3",)):
        group = [p for p in state["processes"] if p["role"] in stage]
        stopping = []
        for proc in group:
            pid, what = proc["pid"], f"{proc['role']} {proc.get('host', '')}".strip()
            leader = _start_ticks(pid)
            if not _group_alive(pid) or (leader is not None and leader != proc["ticks"]):
                done.append(f"{what} (pid {pid}) had stopped already")  # (or its number is another's now)
                continue
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
            stopping.append((pid, what))
        deadline = time.monotonic() + STOP_WAIT_S
        while any(_group_alive(pid) for pid, _ in stopping) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid, what in stopping:
            how = "stopped"
            if _group_alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                while _group_alive(pid):
                    time.sleep(0.05)
                how = f"killed (not stopped {STOP_WAIT_S} s after SIGTERM)"
            done.append(f"{what} (pid {pid}) {how}")
    if not keep_database:
        try:
            _database(state["postgres"], state["database"], create=False)
            done.append(f"database {state['database']} dropped")
        except Exception as e:  # noqa: BLE001
            done.append(f"database {state['database']} NOT dropped: {e}")
            keep_database = True
    if not keep_database:  # without its database the rest is of no use: what `up` made goes too (not logs/)
        made = [folder / "s3", folder / ENV_FILE] + [Path(p["home"]) for p in state["processes"] if "home" in p]
        for thing in made:
            if thing.is_dir():
                shutil.rmtree(thing)
            elif thing.exists():
                thing.unlink()
        done.append(f"its folders in {folder} removed (logs kept in {folder / 'logs'})")
    path.unlink()
    return done


@click.group("cluster")
def cluster_group() -> None:
    """A cluster on this machine: PostgreSQL database, S3 server, web app and workers."""


@cluster_group.command("up")
@click.argument("folder", type=click.Path(file_okay=False), default="marsad-cluster")
@click.option("--workers", "-n", type=click.IntRange(0, 64), default=2, show_default=True,
              help="Worker hosts to start.")
@click.option("--port", type=int, default=8000, show_default=True, help="The web app's port (0: any free one).")
@click.option("--postgres", default="postgres://postgres@127.0.0.1:5432", show_default=True,
              help="The PostgreSQL server to make the cluster's database on.")
@click.option("--netns", is_flag=True,
              help="Run each worker host in a network namespace of its own (Linux: as root, or where user "
                   "namespaces are allowed), reaching only the database and the store.")
def up_command(folder: str, workers: int, port: int, postgres: str, netns: bool) -> None:
    """Start a cluster's processes in FOLDER; they run until `marsad cluster down FOLDER`."""
    root = Path(folder).resolve()
    state = cluster_up(root, workers, port, postgres.rstrip("/"), netns)
    procs = state["processes"]
    click.echo(f"Marsad cluster in {root} — every port on 127.0.0.1")
    click.echo(f"  database   {state['postgres']}/{state['database']} (PostgreSQL, already running)")
    for p in procs:
        if p["role"] == "s3":
            click.echo(f"  store      s3://{BUCKET}/evidence at {p['endpoint']} (SeaweedFS, pid {p['pid']})")
        elif p["role"] == "web":
            click.echo(f"  web        {p['url']} (marsad serve, pid {p['pid']}, home {p['home']})")
        elif p["role"] == "worker":
            where = ", in its own network namespace" if p.get("netns") else ""
            click.echo(f"  {p['host']:<10} marsad worker, pid {p['pid']}, folder {p['home']}{where}")
    click.echo(f"Logs in {root / 'logs'}. Commands against it: set -a; . {root / ENV_FILE}; set +a; marsad status")
    click.echo(f"Stop it all: marsad cluster down {root}")


@cluster_group.command("down")
@click.argument("folder", type=click.Path(file_okay=False), default="marsad-cluster")
@click.option("--keep-database", is_flag=True, help="Leave the cluster's database on the server and its folders.")
def down_command(folder: str, keep_database: bool) -> None:
    """Stop every process of the cluster in FOLDER, drop its database and remove its folders."""
    for line in cluster_down(Path(folder).resolve(), keep_database):
        click.echo(line)


COMMANDS = [cluster_group]
