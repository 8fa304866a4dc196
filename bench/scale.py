#!/usr/bin/env python3
"""Ingest + analysis throughput by worker count: prints a table and writes bench/results/scale.json.

One generated set (default 200 JPEGs of 2-4 MP from varied scenes and 4 short H.264 clips)
is ingested into a fresh installation, in the same run, on two backends:

- local: the default installation (SQLite in the workspace, local store) with K
  `marsad worker --processes 1` processes started (and seen beating) beforehand;
- cluster: `marsad cluster up DIR -n K --port 0` (a fresh PostgreSQL database, a SeaweedFS
  S3 store, the web app and K worker hosts, each a process of its own), `down` after.

for K in 1, 2, 4. A figure is the wall time from starting `marsad ingest --no-wait` until
every task in the task table (analysis in `default`, copy matching in `match`) has finished
(no READY or RUNNING row, twice in a row 0.5 s apart), read straight from the database;
files/s is files / that time. Ingest alone (the `--no-wait` command's own time) is given
beside it. Everything shares this machine's cores: the S3 server and PostgreSQL with the
workers, and on a busy machine the other jobs too (load average before each run is given).

Also cited, not rerun: bench/results/scale-s3.json (bench/scale_s3.py: S3 write of a big file
against boto3's upload) and bench/results/sources-batching.json (Telegram export import
before/after batching).

    nice -n 10 python bench/scale.py [--photos 200] [--videos 4] [--workers 1,2,4] [--backends local,cluster]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

TASKS = "django_tasks_database_dbtaskresult"
POSTGRES = "postgres://postgres@127.0.0.1:5432"
PENDING = ("READY", "RUNNING")
SIZES = [(1920, 1080), (2048, 1536), (2000, 1500), (2304, 1728)]  # 2.1 to 4.0 MP


def make_set(folder: Path, photos: int, videos: int) -> dict:
    """Photos: a new scene every 10, tile-shuffled and tinted in between (distinct to a
    perceptual hash, cheap to make), with sensor-like grain so a JPEG weighs what a phone's
    does (about 1 MB, not the 150 KB of flat colours); clips: 3 s of a panning scene at 640x360."""
    import numpy as np
    from PIL import Image, ImageEnhance

    from ingest import shuffled_tiles  # bench/ingest.py, beside this script

    from marsad.demo.samples import PhotoSpec, write_photo, write_video

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(18)
    grain_rng = np.random.default_rng(18)
    grain = {(w, h): grain_rng.normal(0, 9, (h, w, 3)).astype(np.int16) for w, h in SIZES}
    base: Path | None = None
    for n in range(photos):
        path = folder / f"IMG_{n:05d}.jpg"
        size = SIZES[(n // 10) % len(SIZES)]
        if n % 10 == 0:
            place = ["saraqib", "khan-shaykhun"][n // 10 % 2]
            write_photo(path, PhotoSpec(path.name, size, datetime(2019, 5, 4, 9, n % 60), "+03:00", place), rng)
            base = path
            continue
        img, exif = shuffled_tiles(base, rng)  # bench/ingest.py's set, tinted and grained besides
        img = ImageEnhance.Color(img).enhance(rng.uniform(0.5, 1.5))
        noise = np.roll(grain[size], (rng.randrange(size[1]), rng.randrange(size[0])), axis=(0, 1))
        img = Image.fromarray(np.clip(np.asarray(img, np.int16) + noise, 0, 255).astype(np.uint8))
        img.save(path, "JPEG", quality=88, exif=exif)
    for n in range(videos):
        write_video(folder / f"VID_{n:03d}.mp4", (640, 360), 3, 15, rng, datetime(2019, 5, 4, 10, n))
    files = sorted(folder.iterdir())
    return {"photos": photos, "videos": videos, "files": len(files),
            "mib": round(sum(f.stat().st_size for f in files) / 2**20, 1)}


def clean_env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith(("MARSAD_", "AWS_", "DATABASE_"))}


def marsad(env: dict, *args: str, timeout: float = 300) -> str:
    proc = subprocess.run([sys.executable, "-m", "marsad", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode:
        raise SystemExit(f"marsad {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip()[-1500:]}")
    return proc.stdout


def wait_for_workers(env: dict, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(json.loads(marsad(env, "status", "--json"))["workers"]) >= count:
            return
        time.sleep(1)
    raise SystemExit(f"{count} workers did not start beating within {timeout:.0f} s")


class TaskTable:
    """The task table of one installation, read straight from its database (cheaper to poll
    than `marsad status`, which starts Django each time)."""

    COUNTS = f"SELECT queue_name, status, COUNT(*) FROM {TASKS} GROUP BY 1, 2"
    TIMES = f"SELECT queue_name, enqueued_at, started_at, finished_at FROM {TASKS} WHERE finished_at IS NOT NULL"

    def __init__(self, sqlite: Path | None = None, postgres: str | None = None):
        if sqlite:
            self.conn = sqlite3.connect(f"file:{sqlite}?mode=ro", uri=True, timeout=30, isolation_level=None)
        else:
            import psycopg

            self.conn = psycopg.connect(postgres, autocommit=True)

    def counts(self) -> dict[tuple[str, str], int]:
        return {(q, s): n for q, s, n in self.conn.execute(self.COUNTS).fetchall()}

    def spans(self) -> dict[str, dict[str, float]]:
        """Per queue: busy seconds (sum of each task's run time) and when its last task
        finished, counted from the first task's enqueueing."""
        def when(value) -> datetime:
            return datetime.fromisoformat(value) if isinstance(value, str) else value

        rows = [(q, when(e), when(s), when(f)) for q, e, s, f in self.conn.execute(self.TIMES).fetchall()]
        if not rows:
            return {}
        first = min(e for _, e, _, _ in rows)
        out: dict[str, dict[str, float]] = {}
        for queue in sorted({q for q, *_ in rows}):
            mine = [(s, f) for q, _, s, f in rows if q == queue and s]
            out[queue] = {"busy_s": round(sum((f - s).total_seconds() for s, f in mine), 1),
                          "mean_task_s": round(sum((f - s).total_seconds() for s, f in mine) / len(mine), 2),
                          "last_finished_s": round((max(f for _, f in mine) - first).total_seconds(), 1)}
        return out

    def close(self) -> None:
        self.conn.close()


def measure(env: dict, folder: Path, files: int, table: TaskTable, timeout: float) -> dict:
    """Seconds from `ingest --no-wait` until the task table has nothing left to run."""
    counts = table.counts
    load = os.getloadavg()[0]
    start = time.perf_counter()
    ingest = subprocess.Popen([sys.executable, "-m", "marsad", "ingest", "--no-wait", str(folder)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    ingest_s, last, done_at = None, None, None
    while time.perf_counter() - start < timeout:
        if ingest_s is None and ingest.poll() is not None:
            ingest_s = time.perf_counter() - start
            if ingest.returncode:
                raise SystemExit(f"ingest failed ({ingest.returncode}): {ingest.stderr.read()[-1500:]}")
        now = counts() if ingest_s is not None else None
        if now is not None and sum(now.values()) >= files and not any(now.get(k) for k in now if k[1] in PENDING):
            if now == last:  # settled twice in a row: no task left that queues another
                break
            last, done_at = now, time.perf_counter() - start
        else:
            last, done_at = None, None
        time.sleep(0.5)
    else:
        ingest.kill()
        raise SystemExit(f"not finished within {timeout:.0f} s: {counts()}")
    by_queue: dict[str, dict[str, int]] = {}
    for (queue, status), n in last.items():
        by_queue.setdefault(queue, {})[status.lower()] = n
    return {"seconds": round(done_at, 2), "ingest_s": round(ingest_s, 2), "files_per_s": round(files / done_at, 2),
            "load_before": round(load, 2), "tasks": by_queue, "queues": table.spans()}


def run_local(work: Path, folder: Path, files: int, k: int, timeout: float) -> dict:
    home = work / f"local-{k}"
    env = clean_env() | {"MARSAD_HOME": str(home)}
    marsad(env, "init")
    workers = [subprocess.Popen([sys.executable, "-m", "marsad", "worker", "--processes", "1"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
               for _ in range(k)]
    try:
        wait_for_workers(env, k)
        table = TaskTable(sqlite=home / "marsad.sqlite3")
        try:
            return measure(env, folder, files, table, timeout)
        finally:
            table.close()
    finally:
        for w in workers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(w.pid, signal.SIGTERM)
        for w in workers:
            try:
                w.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(w.pid, signal.SIGKILL)
                w.wait()
        shutil.rmtree(home, ignore_errors=True)


def run_cluster(work: Path, folder: Path, files: int, k: int, timeout: float) -> dict:
    where = work / f"cluster-{k}"
    base = clean_env()
    try:
        marsad(base, "cluster", "up", str(where), "-n", str(k), "--port", "0", "--postgres", POSTGRES)
        env = base | dict(line.split("=", 1) for line in (where / "cluster.env").read_text().split())
        wait_for_workers(env, k)
        table = TaskTable(postgres=env["DATABASE_URL"])
        try:
            return measure(env, folder, files, table, timeout)
        finally:
            table.close()
    finally:
        if (where / "cluster.json").exists():
            marsad(base, "cluster", "down", str(where))


def cited() -> dict:
    """The existing measurements this one sits beside, as their JSON files give them."""
    results = ROOT / "bench" / "results"
    out: dict = {}
    with contextlib.suppress(OSError, ValueError):
        s3 = json.loads((results / "scale-s3.json").read_text())
        out["s3_write"] = {"file": "bench/results/scale-s3.json", "script": "bench/scale_s3.py",
                           "file_mb": s3["file_mb"],
                           "rows": {r["method"]: {"mb_per_s": r["mb_per_s"], "vs_boto3_best": r["vs_baseline"],
                                                  "vs_boto3_median": r["vs_baseline_median"]} for r in s3["rows"]}}
    with contextlib.suppress(OSError, ValueError):
        tg = json.loads((results / "sources-batching.json").read_text())
        out["telegram_import_batching"] = {
            "file": "bench/results/sources-batching.json", "script": "bench/sources.py",
            "rows": [{k: r[k] for k in ("messages", "compared_messages_per_s", "messages_per_s", "speedup",
                                        "peak_rss_mib")} for r in tg["rows"]]}
    return out


def notes(counts: list[int]) -> list[str]:
    cpus = os.cpu_count() or 1
    out = ["The S3 server, PostgreSQL, the web app and the workers all run on this one machine: the cluster "
           "figures measure the overhead of the shared pieces, not what separate machines would add."]
    if max(counts) > cpus:
        out.append(f"This machine has {cpus} CPUs: workers past {cpus} compete for the same cores (analysis is "
                   f"CPU-bound), so no gain is expected past {cpus} workers; the 4-worker rows show the cost of "
                   "oversubscription, not scaling.")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--videos", type=int, default=4)
    parser.add_argument("--workers", default="1,2,4", help="Worker counts, comma-separated.")
    parser.add_argument("--backends", default="local,cluster", help="local, cluster or both.")
    parser.add_argument("--timeout", type=float, default=1200, help="Seconds one run may take.")
    parser.add_argument("--work", type=Path, default=None, help="Scratch folder (default: a temporary one).")
    parser.add_argument("--note", action="append", default=[], help="A line for the JSON's notes (repeatable).")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scale.json")
    args = parser.parse_args()
    counts = [int(x) for x in args.workers.split(",")]
    backends = args.backends.split(",")
    work = Path(tempfile.mkdtemp(prefix="marsad-bench-scale-", dir=args.work))
    rows = []
    try:
        folder = work / "set"
        t0 = time.perf_counter()
        the_set = make_set(folder, args.photos, args.videos)
        the_set["generation_s"] = round(time.perf_counter() - t0, 1)
        files = the_set["files"]
        print(f"set: {the_set}", flush=True)
        for k in counts:  # worker counts outermost: each pair runs close in time, under similar load
            for backend in backends:
                run = run_local if backend == "local" else run_cluster
                row = {"backend": backend, "workers": k, "files": files} | run(work, folder, files, k, args.timeout)
                rows.append(row)
                print(f"  {backend:<8} {k} workers: {row['seconds']} s, {row['files_per_s']} files/s "
                      f"(load before {row['load_before']})", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for r in rows:
        one = next((x for x in rows if x["backend"] == r["backend"] and x["workers"] == counts[0]), None)
        local = next((x for x in rows if x["backend"] == "local" and x["workers"] == r["workers"]), None)
        r["vs_first_worker_count"] = round(r["files_per_s"] / one["files_per_s"], 2) if one else None
        r["vs_local_same_workers"] = round(r["files_per_s"] / local["files_per_s"], 2) if local else None
    rows.sort(key=lambda r: (backends.index(r["backend"]), r["workers"]))
    names = {"local": "local (SQLite + local store)", "cluster": "cluster (PostgreSQL + SeaweedFS)"}
    print(f"\nIngest + analysis + matching of {files} files ({the_set['photos']} JPEGs 2-4 MP, "
          f"{the_set['videos']} clips; {the_set['mib']} MiB), {os.cpu_count()} CPUs")
    head = f"{'backend':<34}{'workers':>8}{'files':>7}{'seconds':>9}{'files/s':>9}{'x 1 wk':>8}{'x local':>9}" \
           f"{'ingest s':>10}{'load':>6}"
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{names[r['backend']]:<34}{r['workers']:>8}{r['files']:>7}{r['seconds']:>9.1f}{r['files_per_s']:>9.2f}"
              f"{r['vs_first_worker_count'] or 0:>8.2f}{r['vs_local_same_workers'] or 0:>9.2f}{r['ingest_s']:>10.1f}"
              f"{r['load_before']:>6.1f}")
    result = {
        "benchmark": "scale",
        "measures": "wall seconds from starting `marsad ingest --no-wait` until the task table has no READY or "
                    "RUNNING task (analysis and copy matching all finished), workers started and beating before; "
                    "files_per_s = files / seconds; ingest_s = the ingest command's own time",
        "machine": {"cpus": os.cpu_count(), "load_avg_at_end": [round(x, 2) for x in os.getloadavg()]},
        "set": the_set,
        "rows": rows,
        "notes": notes(counts) + args.note,
        "cited": cited(),
    }
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
