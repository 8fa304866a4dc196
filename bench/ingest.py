#!/usr/bin/env python3
"""Ingest benchmark: prints a table and writes bench/results/ingest.json.

(a) one large file (default 2 GiB): `marsad ingest --no-wait` against the
    baseline `sha256sum FILE && cp FILE DEST` (and, for fairness, the same plus
    `sync`, since Marsad fsyncs what it stores), all in the same run, warm cache;
(b) N generated 2-12 MP JPEGs (default 2000): files per second with analysis
    excluded (--no-wait) and included (waits for 2 analysis processes).
Peak memory (max RSS of the process tree) for each.

    python bench/ingest.py [--big-mib 2048] [--photos 2000] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of a command's whole process tree, run in a fresh wrapper."""
    wrapper = (
        "import resource,subprocess,sys,time,json;t=time.perf_counter();"
        "r=subprocess.run(sys.argv[1:]);w=time.perf_counter()-t;"
        "print(json.dumps([r.returncode,w,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], env=env, capture_output=True, text=True)
    code, wall, rss = json.loads(out.stdout.strip().splitlines()[-1])
    if code not in (0, 1):
        raise SystemExit(f"{cmd[:3]} failed ({code}): {out.stderr[-2000:]}")
    return wall, rss


def marsad_env(home: Path) -> dict:
    return os.environ | {"MARSAD_HOME": str(home)}


def fresh_workspace(home: Path) -> dict:
    shutil.rmtree(home, ignore_errors=True)
    env = marsad_env(home)
    subprocess.run([sys.executable, "-m", "marsad", "init"], env=env, check=True, capture_output=True)
    return env


def write_big_file(path: Path, mib: int) -> None:
    block = os.urandom(1 << 20)
    with open(path, "wb") as f:
        for i in range(mib):
            f.write(block[i % 7 :] + block[: i % 7])  # distinct blocks, cheap to make


def bench_big(work: Path, mib: int, rounds: int) -> dict:
    big = work / "big.bin"
    write_big_file(big, mib)
    subprocess.run(["cat", str(big)], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    rows: dict[str, list[tuple[float, int]]] = {"sha256sum + cp": [], "sha256sum + cp + sync": [], "marsad ingest": []}
    for _ in range(rounds):
        dest = work / "copy.bin"
        rows["sha256sum + cp"].append(timed(["bash", "-c", f"sha256sum '{big}' >/dev/null && cp '{big}' '{dest}'"]))
        dest.unlink()
        rows["sha256sum + cp + sync"].append(
            timed(["bash", "-c", f"sha256sum '{big}' >/dev/null && cp '{big}' '{dest}' && sync '{dest}'"]))
        dest.unlink()
        env = fresh_workspace(work / "ws-big")
        rows["marsad ingest"].append(timed([sys.executable, "-m", "marsad", "ingest", "--no-wait", str(big)], env))
    shutil.rmtree(work / "ws-big", ignore_errors=True)
    big.unlink()
    best = {k: min(v) for k, v in rows.items()}
    base = best["sha256sum + cp"][0]
    return {
        "file_mib": mib,
        "rounds": rounds,
        "rows": {k: {"seconds": round(w, 3), "mib_per_s": round(mib / w, 1), "peak_rss_mib": round(r / 1024, 1),
                     "ratio_vs_sha256sum_cp": round(w / base, 3)} for k, (w, r) in best.items()},
    }


def make_photos(folder: Path, count: int) -> int:
    from PIL import Image

    from marsad.demo.samples import PhotoSpec, write_photo

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(7)
    sizes = [(1600, 1200), (2048, 1536), (2592, 1944), (3264, 2448), (4000, 3000)]  # 2 to 12 MP
    total = 0
    base_images: dict[tuple[int, int], Path] = {}
    for n in range(count):
        size = sizes[n % len(sizes)]
        path = folder / f"IMG_{n:05d}.jpg"
        if size not in base_images:
            from datetime import datetime

            write_photo(path, PhotoSpec(path.name, size, datetime(2019, 5, 4, 9, 0), "+03:00", "saraqib"), rng)
            base_images[size] = path
        else:
            # The scene's tiles shuffled: another picture to a perceptual hash (a collection of
            # unrelated photos, not one photo copied 400 times), realistic JPEG size, fast to make.
            with Image.open(base_images[size]) as img:
                exif = img.info.get("exif", b"")
                img = img.copy()
            tw, th = size[0] // 4, size[1] // 4
            tiles = [img.crop((x * tw, y * th, (x + 1) * tw, (y + 1) * th)) for y in range(4) for x in range(4)]
            rng.shuffle(tiles)
            for k, tile in enumerate(tiles):
                img.paste(tile, ((k % 4) * tw, (k // 4) * th))
            img.save(path, "JPEG", quality=88, exif=exif)
        total += path.stat().st_size
    return total


def bench_photos(work: Path, count: int) -> dict:
    folder = work / "photos"
    t0 = time.perf_counter()
    total = make_photos(folder, count)
    made = time.perf_counter() - t0
    rows = {}
    for label, args in [("ingest, analysis excluded (--no-wait)", ["--no-wait"]),
                        ("ingest, analysis included (2 processes)", [])]:
        env = fresh_workspace(work / "ws-photos")
        wall, rss = timed([sys.executable, "-m", "marsad", "ingest", *args, str(folder)], env)
        rows[label] = {"seconds": round(wall, 2), "files_per_s": round(count / wall, 1),
                       "peak_rss_mib": round(rss / 1024, 1)}
    shutil.rmtree(work / "ws-photos", ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    return {"photos": count, "total_mib": round(total / 2**20, 1), "generation_s": round(made, 1), "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--big-mib", type=int, default=2048)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--photos", type=int, default=2000)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="marsad-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    result = {"machine": {"cpus": os.cpu_count()}, "big_file": bench_big(work, args.big_mib, args.rounds),
              "photos": bench_photos(work, args.photos)}
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"(a) one {args.big_mib} MiB file, best of {args.rounds}")
    for col in ("command", "seconds", "MiB/s", "× sha256sum+cp", "peak RSS MiB"):
        table.add_column(col)
    for name, r in result["big_file"]["rows"].items():
        table.add_row(name, str(r["seconds"]), str(r["mib_per_s"]), str(r["ratio_vs_sha256sum_cp"]),
                      str(r["peak_rss_mib"]))
    Console().print(table)
    table = Table(title=f"(b) {args.photos} JPEGs of 2-12 MP ({result['photos']['total_mib']} MiB)")
    for col in ("run", "seconds", "files/s", "peak RSS MiB"):
        table.add_column(col)
    for name, r in result["photos"]["rows"].items():
        table.add_row(name, str(r["seconds"]), str(r["files_per_s"]), str(r["peak_rss_mib"]))
    Console().print(table)
    out = ROOT / "bench" / "results" / "ingest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
