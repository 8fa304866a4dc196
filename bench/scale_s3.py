#!/usr/bin/env python3
"""S3 write throughput: prints a table and writes bench/results/scale-s3.json.

One large generated file is written to a SeaweedFS server on loopback (`weed mini`,
started here) three ways, in turns, in the same run:

- baseline: boto3's `upload_file` (what `aws s3 cp` does: 8 MiB parts, 10 threads);
- `S3Store.put_file` into a plain bucket (address pass, then multipart upload
  hashing SHA-256 and BLAKE2b again, conditional completion);
- `S3Store.put_file` into an Object Lock bucket (COMPLIANCE retention per object).

The order rotates from run to run. Each write uses a new file (fresh random bytes): a second write of the same
bytes would be answered by a HEAD request. Figures are MB/s (10^6 bytes), best
and median of `--repeat` runs. The server shares the machine's cores with the client, so these
figures measure the client's overhead against the baseline more than the network.

    python bench/scale_s3.py [--mb 500] [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from marsad.core.seaweed import Seaweed
from marsad.core.store_s3 import S3Store


def write_random(path: Path, size: int) -> None:
    block = 8 << 20
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(block, left)
            f.write(os.urandom(n))
            left -= n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=500, help="File size in MB (10^6 bytes).")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--dir", default=None, help="Scratch folder (default: a temporary one).")
    args = parser.parse_args()
    size = args.mb * 1_000_000
    scratch = Path(tempfile.mkdtemp(prefix="marsad-bench-s3-", dir=args.dir))
    server = Seaweed(scratch / "seaweed").start()
    try:
        client = server.client()
        plain, locked = server.make_bucket("plain"), server.make_bucket("locked", object_lock=True)
        stores = {"S3Store.put_file": S3Store(plain, "bench", server.client()),
                  "S3Store.put_file (Object Lock)": S3Store(locked, "bench", server.client(), retention_days=1)}
        timings: dict[str, list[float]] = {"boto3 upload_file": [], **{name: [] for name in stores}}
        for run in range(args.repeat):
            names = list(timings)
            for name in names[run % len(names):] + names[:run % len(names)]:  # each goes first in turn
                runs = timings[name]
                source = scratch / "source.bin"
                write_random(source, size)
                os.sync()
                start = time.perf_counter()
                if name in stores:
                    blob = stores[name].put_file(source)
                    assert blob.created and blob.size == size
                else:
                    client.upload_file(str(source), plain, f"baseline/{run}")
                runs.append(time.perf_counter() - start)
                source.unlink()
        base, base_median = min(timings["boto3 upload_file"]), median(timings["boto3 upload_file"])
        rows = [{"method": name, "seconds_best": round(min(t), 3), "seconds_median": round(median(t), 3),
                 "seconds_all": [round(x, 3) for x in t], "mb_per_s": round(args.mb / min(t), 1),
                 "vs_baseline": round(min(t) / base, 2), "vs_baseline_median": round(median(t) / base_median, 2)}
                for name, t in timings.items()]
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"S3 write of a {args.mb} MB file to SeaweedFS on loopback ({args.repeat} runs)")
    print(f"{'method':<34}{'best s':>8}{'MB/s':>8}{'x base':>8}{'median s':>10}{'x base':>8}")
    for r in rows:
        print(f"{r['method']:<34}{r['seconds_best']:>8.2f}{r['mb_per_s']:>8.1f}{r['vs_baseline']:>8.2f}"
              f"{r['seconds_median']:>10.2f}{r['vs_baseline_median']:>8.2f}")
    result = {"benchmark": "scale-s3", "file_mb": args.mb, "repeat": args.repeat, "server": "seaweedfs weed mini",
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version()}, "rows": rows}
    out = ROOT / "bench" / "results" / "scale-s3.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
