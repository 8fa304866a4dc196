#!/usr/bin/env python3
"""Video fingerprinting speed: prints a table and writes bench/results/video_hash.json.

Seconds of video fingerprinted per second of CPU (one core), on the reference
videos in ../shared/testdata/vpdq/videos, side by side in one run:
  - baseline, the vPDQ way: decode every frame, PDQ-hash one frame a second;
  - Marsad's VideoPDQ: reference frames only, no deblocking, scene changes from
    the luma plane in place, borders trimmed, mirrored variants included.

    python bench/video_hash.py [--videos DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import av
import numpy as np
import pdqhash

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from marsad.core.fingerprints.video import VideoPDQ  # noqa: E402


def baseline(path: Path) -> int:
    """Every frame decoded, one PDQ hash per second of video."""
    hashes, next_due = 0, 0.0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "SLICE"
        stream.codec_context.thread_count = 1
        for frame in container.decode(stream):
            if float(frame.time or 0) >= next_due:
                pdqhash.compute(np.ascontiguousarray(frame.to_ndarray(format="rgb24")))
                hashes += 1
                next_due += 1.0
    return hashes


def duration(path: Path) -> float:
    with av.open(str(path)) as container:
        return (container.duration or 0) / 1e6


def cpu_seconds(fn, *args) -> tuple[float, object]:
    t0 = time.process_time()
    out = fn(*args)
    return time.process_time() - t0, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--videos", type=Path, default=ROOT.parent / "shared" / "testdata" / "vpdq" / "videos")
    args = parser.parse_args()
    videos = sorted(args.videos.glob("*.mp4"))
    if not videos:
        raise SystemExit(f"no videos in {args.videos}")
    ours = VideoPDQ()
    rows = []
    for video in videos:
        seconds = duration(video)
        base_cpu, base_hashes = cpu_seconds(baseline, video)
        our_cpu, our_frames = cpu_seconds(ours.compute, video)
        with av.open(str(video)) as c:
            s = c.streams.video[0]
            size = f"{s.width}x{s.height}"
        rows.append({"video": video.name, "size": size, "seconds": round(seconds, 2),
                     "baseline_x_realtime": round(seconds / base_cpu, 1), "baseline_hashes": base_hashes,
                     "marsad_x_realtime": round(seconds / our_cpu, 1), "marsad_hashes": len(our_frames),
                     "speedup": round(base_cpu / our_cpu, 2)})
    total = {"seconds": sum(r["seconds"] for r in rows)}
    total["baseline_x_realtime"] = round(total["seconds"] / sum(r["seconds"] / r["baseline_x_realtime"] for r in rows), 1)
    total["marsad_x_realtime"] = round(total["seconds"] / sum(r["seconds"] / r["marsad_x_realtime"] for r in rows), 1)

    from rich.console import Console
    from rich.table import Table

    table = Table(title="Video fingerprinting, one core: seconds of video per CPU second (× real time)")
    for col in ("video", "size", "s", "vPDQ way ×rt", "Marsad ×rt", "speed-up", "hashes (vPDQ / ours)"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["video"], r["size"], str(r["seconds"]), str(r["baseline_x_realtime"]),
                      str(r["marsad_x_realtime"]), str(r["speedup"]), f"{r['baseline_hashes']} / {r['marsad_hashes']}")
    table.add_row("all", "", str(round(total["seconds"], 1)), str(total["baseline_x_realtime"]),
                  str(total["marsad_x_realtime"]), str(round(total["marsad_x_realtime"] / total["baseline_x_realtime"], 2)), "")
    Console().print(table)
    out = ROOT / "bench" / "results" / "video_hash.json"
    out.write_text(json.dumps({"videos": rows, "total": total}, indent=1) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
