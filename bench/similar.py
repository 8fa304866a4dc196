#!/usr/bin/env python3
""""Have we seen this?" at scale: prints a table and writes bench/results/similar.json.

A workspace holds one real photo (ingested, fingerprinted, indexed) among N
random hashes. `marsad similar COPY.jpg` is timed end to end (a fresh process:
Python and Django start-up, fingerprinting the file, opening the memory-mapped
index, searching with every variant) on a re-encoded, mirrored copy of the
photo, with the index holding only the photo (the baseline) and then N hashes
more; the copy must be found both times.

With --items, the N added are photos as Marsad indexes them since issue 20: 6 random hashes and
18 ORB-like keypoint descriptors each (bench/index.py's orb_like: real ORB descriptors XORed with
random bits), 24 N rows; and a second copy is timed, the photo's centre 60% (20% cut from each
side), found by keypoints alone.

    python bench/similar.py [--n 1000000] [--items]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from marsad.core.matching.persist import IndexFiles  # noqa: E402


def photo(path: Path, seed: int = 7) -> None:
    """A textured 1600x1200 'photo' (smooth shapes plus noise, like a real scene)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    img = Image.fromarray(small).resize((1600, 1200), Image.BICUBIC)
    noise = rng.normal(0, 6, (1200, 1600, 3))
    Image.fromarray(np.clip(np.asarray(img) + noise, 0, 255).astype(np.uint8)).save(path, quality=92)


def marsad(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "marsad", *args], env=env, capture_output=True, text=True,
                          check=True)


def timed_similar(env: dict[str, str], query: Path, rounds: int) -> tuple[float, list]:
    times, found = [], None
    for _ in range(rounds):
        t0 = time.perf_counter()
        out = marsad(env, "similar", str(query), "--json")
        times.append(time.perf_counter() - t0)
        found = json.loads(out.stdout)
    return statistics.median(times), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--items", action="store_true", help="N photos of 24 rows each (see above), not N hashes.")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="marsad-bench-similar-"))
    env = os.environ.copy() | {"MARSAD_HOME": str(work / "workspace"), "PYTHONPATH": str(ROOT / "src")}
    env.pop("DATABASE_URL", None)
    marsad(env, "init")
    original, copy = work / "original.jpg", work / "copy.jpg"
    photo(original)
    real = ROOT.parent / "shared" / "testdata" / "pdq" / "images" / "bridge-mods" / "aaa-orig.jpg"
    if args.items and real.exists():  # keypoints want a real scene
        Image.open(real).convert("RGB").save(original, quality=92)
    ImageOps.mirror(Image.open(original)).save(copy, quality=40)
    cropped = work / "cropped.jpg"
    picture = Image.open(original)
    w, h = picture.size
    picture.crop((w // 5, h // 5, w - w // 5, h - h // 5)).save(cropped, quality=70)
    marsad(env, "ingest", str(original))

    files = IndexFiles(work / "workspace" / "index" / "hashes")
    index, owners = files.load()
    real_rows, real_owners = np.asarray(index.rows), np.asarray(owners)
    rows = {}
    base_s, base_found = timed_similar(env, copy, args.rounds)
    rows["index of the photo only"] = {"hashes": len(real_rows), "seconds": round(base_s, 3),
                                       "found": len(base_found)}
    if args.items:
        crop_s, crop_found = timed_similar(env, cropped, args.rounds)
        rows["index of the photo only, its centre 60%"] = {"hashes": len(real_rows), "seconds": round(crop_s, 3),
                                                          "found": len(crop_found)}

    rng = np.random.default_rng(3)
    if args.items:
        sys.path.insert(0, str(ROOT / "bench"))
        from index import orb_like, orb_pool

        from marsad.core.fingerprints.keypoints import INDEXED

        per = 6 + INDEXED
        noise = np.empty((args.n, per, 32), np.uint8)
        noise[:, :6] = rng.integers(0, 256, (args.n, 6, 32), dtype=np.uint8)
        noise[:, 6:] = orb_like(orb_pool(), args.n * INDEXED, rng).reshape(args.n, INDEXED, 32)
        noise = noise.reshape(-1, 32).view(np.uint64).reshape(-1, 4)
        # Owned by items that are not in the database, as photos' rows are (keypoints: negative codes).
        owners = np.empty((args.n, per, 2), np.int64)
        owners[:, :, 0] = -2 - np.arange(args.n)[:, None]
        owners[:, :6, 1] = 0
        owners[:, 6:, 1] = -1 - np.arange(INDEXED)
        owners = owners.reshape(-1, 2)
    else:
        noise = rng.integers(0, 256, (args.n, 32), dtype=np.uint8).view(np.uint64).reshape(-1, 4)
        owners = np.full((args.n, 2), -1, np.int64)
    with files.writing():
        t0 = time.perf_counter()
        files.rebuild(np.concatenate([noise, real_rows]), np.concatenate([owners, real_owners]))
        build_s = time.perf_counter() - t0
    big_s, big_found = timed_similar(env, copy, args.rounds)
    what = f"{args.n:,} photos more ({len(noise):,} rows)" if args.items else f"{args.n:,} hashes more"
    rows[f"index of {what}"] = {"hashes": len(noise) + len(real_rows), "seconds": round(big_s, 3),
                                "found": len(big_found), "ratio": round(big_s / base_s, 2),
                                "index_build_s": round(build_s, 1)}
    if args.items:
        crop_big_s, crop_big_found = timed_similar(env, cropped, args.rounds)
        rows[f"index of {what}, its centre 60%"] = {
            "hashes": len(noise) + len(real_rows), "seconds": round(crop_big_s, 3), "found": len(crop_big_found),
            "ratio": round(crop_big_s / crop_s, 2)}

    from rich.console import Console
    from rich.table import Table

    table = Table(title="`marsad similar COPY.jpg` end to end (fresh process), median of "
                        f"{args.rounds}; the copy is mirrored and re-encoded at JPEG quality 40")
    for col in ("index", "hashes", "seconds", "× baseline", "copy found"):
        table.add_column(col)
    for name, r in rows.items():
        table.add_row(name, f"{r['hashes']:,}", str(r["seconds"]), str(r.get("ratio", 1.0)),
                      "yes" if r["found"] else "NO")
    Console().print(table)
    out = ROOT / "bench" / "results" / ("similar_items.json" if args.items else "similar.json")
    out.write_text(json.dumps(rows, indent=1) + "\n")
    print(f"wrote {out}")
    if not all(r["found"] for r in rows.values()):
        raise SystemExit("the copy was not found")


if __name__ == "__main__":
    main()
