#!/usr/bin/env python3
"""Custody log benchmark: prints a table and writes bench/results/custody.json.

- append rate: 1 M events through `marsad.custody.log.append` (batches of 10,000
  per transaction), the same code path ingest uses;
- inclusion proof: time to build a proof from the database at 1 M leaves, then at
  10 M (the log is extended to 10 M by bulk SQL with the same leaf and node
  hashes, to keep the benchmark short; the proofs use the real code path) and
  verified against the signed root;
- `log verify` of the 1 M-event log (one core).
Baseline column: the pure in-memory tree (`MemoryTree`), same proofs, same run.

    python bench/custody.py [--events 1000000] [--big 10000000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def setup(database_url: str | None) -> Path:
    home = Path(tempfile.mkdtemp(prefix="marsad-bench-custody-"))
    os.environ["MARSAD_HOME"] = str(home)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    from marsad.cli.init import init_workspace

    init_workspace()
    return home


def append_events(n: int, batch: int) -> float:
    from django.db import transaction
    from django.utils import timezone

    from marsad.custody import log

    actor = log.actor_id("bench")
    now = timezone.now()
    t0 = time.perf_counter()
    done = 0
    while done < n:
        size = min(batch, n - done)
        events = [log.event("bench", item=f"{(done + i):064x}", actor=actor, time=now,
                            outputs=[{"n": done + i}]) for i in range(size)]
        with transaction.atomic():
            log.append(events)
        done += size
    return time.perf_counter() - t0


def proof_times(size: int, samples: int) -> tuple[float, float]:
    """Median seconds per proof from the database, and from an in-memory tree of the same size."""
    from marsad.core.custody import merkle
    from marsad.custody import log
    from marsad.custody.models import LogEntry

    rng = random.Random(1)
    indexes = [rng.randrange(size) for _ in range(samples)]
    root = log.current_root()[1]
    times = []
    for i in indexes:
        t0 = time.perf_counter()
        proof = merkle.inclusion_proof(i, size, log.fetch_nodes)
        times.append(time.perf_counter() - t0)
    for i in indexes[:20]:
        leaf = bytes(LogEntry.objects.get(index=i).leaf_hash)
        merkle.verify_inclusion(i, size, leaf, merkle.inclusion_proof(i, size, log.fetch_nodes), root)
    times.sort()
    return times[len(times) // 2], times[int(len(times) * 0.99)]


def extend_by_sql(target: int) -> float:
    """Grow the log to `target` leaves with bulk inserts of the same rows `append` writes."""
    from django.db import connection, transaction
    from django.utils import timezone

    from marsad.core.custody import merkle
    from marsad.custody import log
    from marsad.core.custody.leaves import rfc3339
    from marsad.custody.models import LogEntry, LogHead, LogNode

    t0 = time.perf_counter()
    head = LogHead.objects.get(pk=1)
    compact = merkle.CompactRange.from_bytes(head.size, bytes(head.frontier))
    when = timezone.now()
    stamp = rfc3339(when)
    entry_table, node_table = LogEntry._meta.db_table, LogNode._meta.db_table
    q = connection.ops.quote_name
    ph = "%s"
    entry_sql = (f"INSERT INTO {entry_table} ({q('index')}, leaf, leaf_hash, type, item, time, details, salt) "
                 f"VALUES ({ph}, {ph}, {ph}, {ph}, {ph}, {ph}, NULL, '')")  # version 1 leaves: no salt
    node_sql = f"INSERT INTO {node_table} (level, {q('index')}, hash) VALUES ({ph}, {ph}, {ph})"
    time_value = connection.ops.adapt_datetimefield_value(when)
    while compact.size < target:
        entries, nodes = [], []
        for _ in range(min(50_000, target - compact.size)):
            index = compact.size
            leaf = ('{"actor":"bench","details":null,"inputs":[],"item":"%064x","outputs":[],'
                    '"time":"%s","tool":{"name":"bench","version":"0"},"type":"bench","v":1}' % (index, stamp)).encode()
            h = merkle.leaf_hash(leaf)
            entries.append((index, leaf, h, "bench", f"{index:064x}", time_value))
            nodes.extend((lv, ix, nh) for lv, ix, nh in compact.append(h) if lv > 0)
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(entry_sql, entries)
            cur.executemany(node_sql, nodes)
    with transaction.atomic():
        LogHead.objects.filter(pk=1).update(size=compact.size, frontier=compact.to_bytes())
    log.sign_checkpoint()
    return time.perf_counter() - t0


def memory_proof_time(size: int, samples: int) -> float:
    from marsad.core.custody import merkle

    tree = merkle.MemoryTree(merkle.leaf_hash(i.to_bytes(8, "big")) for i in range(size))
    rng = random.Random(1)
    times = []
    for _ in range(samples):
        i = rng.randrange(size)
        t0 = time.perf_counter()
        merkle.inclusion_proof(i, size, tree.fetch)
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--big", type=int, default=10_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    home = setup(args.database_url)
    from django.db import connection

    from marsad.custody import log
    from marsad.custody.verify import verify_log

    result: dict = {"database": connection.vendor, "events": args.events}
    seconds = append_events(args.events, args.batch)
    result["append"] = {"seconds": round(seconds, 1), "events_per_s": round(args.events / seconds)}
    log.sign_checkpoint()
    median, p99 = proof_times(log.size(), 500)
    result["proof_1m"] = {"size": log.size(), "median_ms": round(median * 1e3, 3), "p99_ms": round(p99 * 1e3, 3),
                          "in_memory_median_ms": round(memory_proof_time(log.size(), 500) * 1e3, 3)}
    t0 = time.perf_counter()
    report = verify_log()
    result["verify_1m"] = {"seconds": round(time.perf_counter() - t0, 1), "ok": report.ok, "size": report.size}
    if args.big > log.size():
        result["extend_seconds"] = round(extend_by_sql(args.big), 1)
        median, p99 = proof_times(log.size(), 500)
        result["proof_10m"] = {"size": log.size(), "median_ms": round(median * 1e3, 3),
                               "p99_ms": round(p99 * 1e3, 3)}

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Custody log on {connection.vendor}")
    for col in ("measure", "value", "target"):
        table.add_column(col)
    table.add_row(f"append {args.events:,} events (batches of {args.batch:,})",
                  f"{result['append']['events_per_s']:,} events/s", ">= 20,000/s")
    p = result["proof_1m"]
    table.add_row(f"inclusion proof at {p['size']:,} leaves (median / p99)",
                  f"{p['median_ms']} / {p['p99_ms']} ms (in memory: {p['in_memory_median_ms']} ms)", "<= 1 ms")
    if "proof_10m" in result:
        p = result["proof_10m"]
        table.add_row(f"inclusion proof at {p['size']:,} leaves (median / p99)",
                      f"{p['median_ms']} / {p['p99_ms']} ms", "<= 1 ms")
    v = result["verify_1m"]
    table.add_row(f"log verify of {v['size']:,} events", f"{v['seconds']} s ({'OK' if v['ok'] else 'FAILED'})",
                  "<= 30 s")
    Console().print(table)
    out = ROOT / "bench" / "results" / "custody.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
