#!/usr/bin/env python3
"""Ingest benchmark: prints a table and writes bench/results/ingest.json.

(a) one large file (default 2 GiB): `marsad ingest --no-wait` against the
    baseline `sha256sum FILE && cp FILE DEST` (and, for fairness, the same plus
    `sync`, since Marsad fsyncs what it stores), all in the same run, warm cache;
(b) N generated 2-12 MP JPEGs (default 2000): files per second with analysis
    excluded (--no-wait) and included (waits for 2 analysis processes).
Peak memory for each: the max RSS of the largest single process (ingest or one worker).

With --profile, instead: where analysis time goes. A photo run (N generated 2-12 MP
JPEGs) and a video run (the vPDQ sample videos in ../shared/testdata/vpdq plus
generated 720p and 1080p clips) are ingested with analysis (2 processes) and
MARSAD_PROFILE_STEPS set, so every timed step of analysis and matching writes a
line (see marsad.core.steps); the table gives each step's own time per file (its
time less that of the steps inside it). Beside it, the decode-only floor: the same
files' pixels decoded as each step decodes them, and nothing else, in one process.
Writes bench/results/ingest-profile.json.

With --steps-photos N, first one photo's decode, thumbnail and fingerprint steps side by
side for this tree and the baseline (--photos 0: only that; ingest-steps.json).
With --workers 1,2,4 the photo run is made with each number of analysis processes, and
with --baseline-src OLD/src also with an older tree's code, in turn (CPU ms per file
and analysis time against the decode-only floor are given for each; --big-mib 0 skips (a)).

    python bench/ingest.py [--big-mib 2048] [--photos 2000] [--work DIR] [--workers 1,2,4]
                           [--baseline-src ../release/src] [--out FILE]
    python bench/ingest.py --profile [--photos 200] [--clips 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def timed(cmd: list[str], env: dict | None = None, cpu: bool = False) -> tuple[float, ...]:
    """Wall seconds and peak RSS (KiB: of the largest single process of the command's tree, as
    RUSAGE_CHILDREN reports it) of a command run in a fresh wrapper; with `cpu`, also the CPU
    seconds (user + system) of the whole tree, which a machine shared with other work slows
    far less than the wall time."""
    wrapper = (
        "import resource,subprocess,sys,time,json;t=time.perf_counter();"
        "r=subprocess.run(sys.argv[1:]);w=time.perf_counter()-t;u=resource.getrusage(resource.RUSAGE_CHILDREN);"
        "print(json.dumps([r.returncode,w,u.ru_maxrss,u.ru_utime+u.ru_stime]))"
    )
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], env=env, capture_output=True, text=True)
    code, wall, rss, cpu_s = json.loads(out.stdout.strip().splitlines()[-1])
    if code not in (0, 1):
        raise SystemExit(f"{cmd[:3]} failed ({code}): {out.stderr[-2000:]}")
    return (wall, rss, cpu_s) if cpu else (wall, rss)


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


def shuffled_tiles(base: Path, rng: random.Random):
    """The picture at `base` with its 4 x 4 tiles shuffled, and its EXIF: another picture to a
    perceptual hash (a collection of unrelated photos, not one photo copied 400 times), of a
    realistic JPEG size, fast to make."""
    from PIL import Image

    with Image.open(base) as img:
        exif = img.info.get("exif", b"")
        img = img.copy()
    tw, th = img.width // 4, img.height // 4
    tiles = [img.crop((x * tw, y * th, (x + 1) * tw, (y + 1) * th)) for y in range(4) for x in range(4)]
    rng.shuffle(tiles)
    for k, tile in enumerate(tiles):
        img.paste(tile, ((k % 4) * tw, (k // 4) * th))
    return img, exif


def make_photos(folder: Path, count: int) -> int:
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
            img, exif = shuffled_tiles(base_images[size], rng)
            img.save(path, "JPEG", quality=88, exif=exif)
        total += path.stat().st_size
    return total


TREES: dict[str, str] = {}  # label -> src folder whose marsad a run uses ("" for this tree's)

FLOOR_CODE = """
import json, sys, time
from pathlib import Path
from marsad.core.fingerprints.pdq import load_rgb
files = sorted(Path(sys.argv[1]).iterdir())[: int(sys.argv[2])]
t = time.perf_counter()
for f in files:
    load_rgb(f)
print(json.dumps((time.perf_counter() - t) / len(files)))
"""


def tree_env(env: dict, tree: str) -> dict:
    src = TREES.get(tree) or str(ROOT / "src")
    return env | {"PYTHONPATH": src}


def decode_floor_s(folder: Path, tree: str, sample: int = 200) -> float:
    """Seconds per photo to decode it as that tree's analysis does (its one decode: the
    thumbnail and every hash are made from it), and nothing else; one process, the first
    `sample` photos (the set cycles through its five sizes, so they are representative)."""
    out = subprocess.run([sys.executable, "-c", FLOOR_CODE, str(folder), str(sample)], check=True,
                         env=tree_env(dict(os.environ), tree), capture_output=True, text=True)
    return json.loads(out.stdout)


def bench_photos(work: Path, count: int, workers: list[int]) -> dict:
    """Ingest `count` photos without analysis, then with it for each tree (this one, and
    any --baseline-src) and each number of worker processes, the trees in turn so that
    each pair runs under the same load. Files/s, CPU seconds per file (the whole process
    tree: ingest and workers), peak RSS of the largest process, and the analysis time
    against the decode-only floor: the same photos decoded as that tree decodes them, in
    as many processes as run (at most one per core)."""
    folder = work / "photos"
    t0 = time.perf_counter()
    total = make_photos(folder, count)
    made = time.perf_counter() - t0
    cpus = os.cpu_count() or 1
    rows: dict = {}
    floors = {tree: decode_floor_s(folder, tree) for tree in TREES}
    for tree in TREES:
        env = tree_env(fresh_workspace(work / "ws-photos"), tree)
        wall, rss, cpu_s = timed([sys.executable, "-m", "marsad", "ingest", "--no-wait", str(folder)], env, cpu=True)
        rows[f"{tree}: ingest, analysis excluded (--no-wait)"] = {
            "tree": tree, "seconds": round(wall, 2), "files_per_s": round(count / wall, 1),
            "cpu_ms_per_file": round(1000 * cpu_s / count, 1), "peak_rss_mib": round(rss / 1024, 1)}
    for n in workers:
        for tree in TREES:
            env = tree_env(fresh_workspace(work / "ws-photos"), tree) | {"MARSAD_WORKERS": str(n)}
            load = os.getloadavg()[0]
            wall, rss, cpu_s = timed([sys.executable, "-m", "marsad", "ingest", str(folder)], env, cpu=True)
            bare = rows[f"{tree}: ingest, analysis excluded (--no-wait)"]["seconds"]
            floor = floors[tree] * count / min(n, cpus)
            rows[f"{tree}: ingest, analysis included ({n} process{'es' if n > 1 else ''})"] = {
                "tree": tree, "workers": n, "seconds": round(wall, 2), "files_per_s": round(count / wall, 1),
                "cpu_ms_per_file": round(1000 * cpu_s / count, 1), "peak_rss_mib": round(rss / 1024, 1),
                "analysis_s": round(wall - bare, 2), "decode_floor_s": round(floor, 2),
                "analysis_x_decode_floor": round((wall - bare) / floor, 1), "load_before": round(load, 1)}
    shutil.rmtree(work / "ws-photos", ignore_errors=True)
    shutil.rmtree(folder, ignore_errors=True)
    return {"photos": count, "total_mib": round(total / 2**20, 1), "generation_s": round(made, 1),
            "trees": dict(TREES), "decode_floor_ms_per_photo": {t: round(1000 * f, 2) for t, f in floors.items()},
            "rows": rows}


def make_clips(folder: Path, count: int, seconds: float = 8.0) -> list[Path]:
    """Generated H.264 clips alternating 720p and 1080p, 30 fps: a moving gradient with
    drifting blocks and a scene cut half way (content a fingerprinter must follow)."""
    import av
    import numpy as np

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    paths = []
    for n in range(count):
        w, h = ((1280, 720), (1920, 1080))[n % 2]
        path = folder / f"clip-{n}-{h}p.mp4"
        with av.open(str(path), "w") as out:
            stream = out.add_stream("libx264", rate=30, options={"preset": "veryfast", "g": "60"})
            stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
            yy, xx = np.mgrid[0:h, 0:w]
            blocks = rng.integers(0, 255, (9, 16, 3), dtype=np.uint8)
            for i in range(int(seconds * 30)):
                scene = i >= seconds * 15
                base = ((xx + 4 * i) % 256 if not scene else (yy + 3 * i) % 256).astype(np.uint8)
                tiles = np.kron(np.roll(blocks, i // 10 + 5 * scene, axis=1), np.ones((h // 9 + 1, w // 16 + 1, 1),
                                                                                        np.uint8))[:h, :w]
                rgb = (tiles // 2 + base[..., None] // 2).astype(np.uint8)
                for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
        paths.append(path)
    return paths


def decode_floor_photos(files: list[Path]) -> dict:
    """Seconds to decode each photo's pixels as analysis needs them: the fingerprint's
    draft-scale RGB and the thumbnail's draft-scale picture (two decodes, as today), and
    the one decode both could come from (the larger draft)."""
    from PIL import ImageOps

    from marsad import conf
    from marsad.core.fingerprints import pdq
    from marsad.core.pixels import keeping_shape, open_image

    size = conf.get("thumbnail_px")
    fp_s = thumb_s = 0.0
    for f in files:
        t = time.perf_counter()
        pdq.load_rgb(f)
        fp_s += time.perf_counter() - t
        t = time.perf_counter()
        with open_image(f, draft=keeping_shape(2 * size)) as img:
            img.load()
            ImageOps.exif_transpose(img)
        thumb_s += time.perf_counter() - t
    n = len(files)
    return {f"fingerprint decode (draft to {pdq._DRAFT_SIZE[0]} px, RGB, turned)": round(1000 * fp_s / n, 2),
            "thumbnail decode (draft to 640 px, turned)": round(1000 * thumb_s / n, 2),
            "both, decoded apart": round(1000 * (fp_s + thumb_s) / n, 2)}


def decode_once_comparison(files: list[Path]) -> dict:
    """A photo's thumbnail and fingerprint in one process, each file both ways in turn (same
    conditions): decoded twice (thumbnail at its own draft, then the fingerprint's), as
    analysis did before, and decoded once (the thumbnail made from the fingerprint's pixels),
    as it does now. The hashes must be the same."""
    from marsad import conf
    from marsad.core import thumbnails
    from marsad.core.fingerprints.pdq import PDQ, load_rgb

    size, pdq = conf.get("thumbnail_px"), PDQ()
    twice = once = 0.0
    for f in files:
        t = time.perf_counter()
        thumbnails.image_thumbnail(f, size)
        before = pdq.compute(f)
        twice += time.perf_counter() - t
        t = time.perf_counter()
        rgb = load_rgb(f)
        thumbnails.pixels_thumbnail(rgb, size)
        after = pdq.compute_pixels(rgb)
        once += time.perf_counter() - t
        if before != after:
            raise SystemExit(f"{f.name}: the hashes differ when decoded once")
    n = len(files)
    return {"files": n, "decoded twice ms/file": round(1000 * twice / n, 1),
            "decoded once ms/file": round(1000 * once / n, 1), "once / twice": round(once / twice, 3)}


def decode_floor_videos(files: list[Path]) -> dict:
    """Seconds to decode what the video steps decode: vPDQ's sampled frames (its own decoder
    settings and skipping, one frame a sample interval), the keyframes its border finder
    reads, and the thumbnail's poster and contact-sheet seeks; nothing converted or hashed."""
    import av

    from marsad import conf
    from marsad.core import thumbnails
    from marsad.core.fingerprints.video import VideoPDQ

    fp = VideoPDQ()
    frames = conf.get("contact_sheet_frames")
    keys_s = sampled_s = thumbs_s = 0.0
    for f in files:
        t = time.perf_counter()
        with av.open(str(f)) as c:
            st = c.streams.video[0]
            st.codec_context.skip_frame = "NONKEY"
            for n, _ in enumerate(c.decode(st)):
                if n >= 12:
                    break
        keys_s += time.perf_counter() - t
        t = time.perf_counter()
        with av.open(str(f)) as c:
            st = c.streams.video[0]
            interval = fp._interval(c, st)
            st.codec_context.options = {"skip_loop_filter": "all"}
            st.codec_context.skip_frame = "NONREF"
            due = [0.0]
            for frame in fp._decoded(c, st, lambda: due[0]):
                sec = float(frame.time or 0.0)
                if sec + 1e-6 >= due[0]:
                    due[0] = (int(sec / interval + 1e-6) + 1) * interval
        sampled_s += time.perf_counter() - t
        t = time.perf_counter()
        with av.open(str(f)) as c:
            st = c.streams.video[0]
            st.thread_type = "AUTO"
            duration = (c.duration or 0) / 1_000_000
            for i in [None, *range(frames)]:
                thumbnails._frame_at(c, st, duration / 10 if i is None else duration * i / frames)
        thumbs_s += time.perf_counter() - t
    n = len(files)
    return {"vPDQ border keyframes": round(1000 * keys_s / n, 2),
            "vPDQ sampled frames": round(1000 * sampled_s / n, 2),
            "poster + contact-sheet seeks": round(1000 * thumbs_s / n, 2),
            "all of the above": round(1000 * (keys_s + sampled_s + thumbs_s) / n, 2)}


def aggregate_steps(lines: list[dict], files: int) -> dict:
    """Per step path: total and own milliseconds per file (own: less the steps nested in it)."""
    total: dict[str, float] = {}
    for line in lines:
        total[line["step"]] = total.get(line["step"], 0.0) + line["s"]
    own = dict(total)
    for path, s in total.items():
        parent = path.rpartition("/")[0]
        if parent in own:
            own[parent] -= s
    # Between tasks, per worker: the span of its lines less the time inside its tasks
    # (claiming a task, its lease, saving its result, polling the queue).
    spans: dict[int, list[float]] = {}
    for line in lines:
        if "/" not in line["step"]:
            span = spans.setdefault(line["pid"], [line["t"], line["t"] + line["s"], 0.0])
            span[0], span[1] = min(span[0], line["t"]), max(span[1], line["t"] + line["s"])
            span[2] += line["s"]
    between = sum(b - a - inside for a, b, inside in spans.values())
    rows = {path: {"own_ms_per_file": round(1000 * own[path] / files, 2),
                   "total_ms_per_file": round(1000 * total[path] / files, 2)} for path in sorted(total)}
    rows["worker, between tasks (claim, lease, result, queue polling)"] = {
        "own_ms_per_file": round(1000 * between / files, 2), "total_ms_per_file": round(1000 * between / files, 2)}
    return rows


def profile_run(work: Path, label: str, folder: Path, files: list[Path]) -> dict:
    """Ingest `folder` with analysis (2 processes) and the step timer on; and without analysis."""
    steps_file = work / f"steps-{label}.jsonl"
    steps_file.unlink(missing_ok=True)
    env = fresh_workspace(work / "ws-profile")
    no_wait, _ = timed([sys.executable, "-m", "marsad", "ingest", "--no-wait", str(folder)], env)
    env = fresh_workspace(work / "ws-profile") | {"MARSAD_PROFILE_STEPS": str(steps_file)}
    wall, rss = timed([sys.executable, "-m", "marsad", "ingest", str(folder)], env)
    shutil.rmtree(work / "ws-profile", ignore_errors=True)
    lines = [json.loads(x) for x in steps_file.read_text().splitlines()]
    n = len(files)
    return {"files": n, "mib": round(sum(f.stat().st_size for f in files) / 2**20, 1),
            "ingest_with_analysis_s": round(wall, 2), "files_per_s": round(n / wall, 2),
            "ingest_without_analysis_s": round(no_wait, 2), "peak_rss_mib": round(rss / 1024, 1),
            "steps": aggregate_steps(lines, n)}


def bench_profile(work: Path, photos: int, clips: int, compare: int) -> dict:
    folder = work / "photos"
    make_photos(folder, photos)
    files = sorted(folder.iterdir())
    result = {"photos": profile_run(work, "photos", folder, files)}
    result["photos"]["decode_floor_ms_per_file"] = decode_floor_photos(files)
    result["photos"]["thumbnail_and_fingerprint_in_one_process"] = decode_once_comparison(files[:compare])
    shutil.rmtree(folder, ignore_errors=True)
    samples = ROOT.parent / "shared" / "testdata" / "vpdq" / "videos"
    videos = work / "videos"
    videos.mkdir(parents=True, exist_ok=True)
    if samples.is_dir():
        for f in sorted(samples.glob("*.mp4")):
            shutil.copy(f, videos / f.name)
    else:
        print(f"{samples} absent: the video run has generated clips only")
    make_clips(videos, clips)
    files = sorted(videos.iterdir())
    result["videos"] = profile_run(work, "videos", videos, files)
    result["videos"]["decode_floor_ms_per_file"] = decode_floor_videos(files)
    return result


STEPS_CODE = """
import json, os, sys
from pathlib import Path
from marsad.core import steps, thumbnails
from marsad.core.fingerprints.pdq import PDQ, load_rgb
os.environ["MARSAD_PROFILE_STEPS"] = sys.argv[2]
pdq, hashes = PDQ(), {}
for f in map(Path, sys.argv[3:]):
    with steps.item(f.name), steps.step("photo"):
        with steps.step("decode"):
            rgb = load_rgb(f)
        with steps.step("thumbnail"):
            thumbnails.pixels_thumbnail(rgb, 320)
        with steps.step("fingerprint"):
            hashes[f.name] = pdq.compute_pixels(rgb)[0].hash.hex()
print(json.dumps({"version": PDQ.version, "hashes": hashes}))
"""


def steps_side_by_side(files: list[Path], chunk: int = 10) -> dict:
    """A photo's decode, thumbnail and fingerprint steps (ms per photo) in one process per tree,
    the trees taking turns every `chunk` photos (so both see the same load), and how far each
    photo's own hash moved between them (bits; the match threshold is 31)."""
    lines: dict[str, list] = {t: [] for t in TREES}
    hashes: dict[str, dict] = {t: {} for t in TREES}
    versions = {}
    with tempfile.TemporaryDirectory() as tmp:
        for start in range(0, len(files), chunk):
            for tree in TREES:
                out = Path(tmp) / f"{start}-{tree}.jsonl"
                r = subprocess.run([sys.executable, "-c", STEPS_CODE, "", str(out), *map(str, files[start:start + chunk])],
                                   env=tree_env(dict(os.environ), tree), capture_output=True, text=True, check=True)
                got = json.loads(r.stdout)
                versions[tree] = got["version"]
                hashes[tree] |= got["hashes"]
                lines[tree] += [json.loads(x) for x in out.read_text().splitlines()]
    result: dict = {"photos": len(files), "pdq_versions": versions, "ms_per_photo": {}}
    for tree, rows in lines.items():
        total: dict[str, float] = {}
        for row in rows:
            total[row["step"]] = total.get(row["step"], 0.0) + row["s"]
        result["ms_per_photo"][tree] = {k: round(1000 * v / len(files), 1) for k, v in sorted(total.items())}
    if len(TREES) > 1:
        a, b = list(TREES)[:2]
        moved = [bin(int(hashes[a][k], 16) ^ int(hashes[b][k], 16)).count("1") for k in hashes[a]]
        result["own_hash_bits_moved"] = {"max": max(moved), "mean": round(sum(moved) / len(moved), 2),
                                         "histogram": {str(d): moved.count(d) for d in sorted(set(moved))}}
    return result


def print_steps(r: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    trees = list(r["ms_per_photo"])
    table = Table(title=f"one photo's steps, ms per photo ({r['photos']} photos, one process per tree, in turn)")
    table.add_column("step")
    for tree in trees:
        table.add_column(f"{tree} ({r['pdq_versions'][tree]})", justify="right")
    if len(trees) > 1:
        table.add_column("ratio", justify="right")
    for step in r["ms_per_photo"][trees[0]]:
        cells = [r["ms_per_photo"][t].get(step) for t in trees]
        ratio = [f"{cells[0] / cells[1]:.2f}" if len(cells) > 1 and cells[1] else ""] if len(trees) > 1 else []
        table.add_row("  " * step.count("/") + step.rpartition("/")[2], *(str(c) for c in cells), *ratio)
    Console(width=120).print(table)
    if "own_hash_bits_moved" in r:
        print("own hash moved between the trees (bits):", r["own_hash_bits_moved"])


def print_profile(result: dict, baseline: dict | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    for kind, r in result.items():
        if kind == "machine":
            continue
        analysis = r["ingest_with_analysis_s"] - r["ingest_without_analysis_s"]
        table = Table(title=f"{kind}: {r['files']} files, {r['mib']} MiB; ingest {r['ingest_with_analysis_s']} s with "
                            f"analysis ({r['files_per_s']} files/s), {r['ingest_without_analysis_s']} s without; "
                            f"analysis ~{1000 * analysis / r['files']:.0f} ms/file of wall time, 2 processes")
        before = (baseline or {}).get(kind, {})
        cols = ["step (nested in the one above it)", "own ms/file", "total ms/file"]
        cols += ["baseline own", "baseline total"] if before else []
        for col in cols:
            table.add_column(col, justify="left" if col.startswith("step") else "right")
        old = before.get("steps", {})
        for path in sorted(set(r["steps"]) | set(old), key=lambda p: (p.startswith("worker"), p)):
            row, was = r["steps"].get(path), old.get(path)
            cells = [f"{row['own_ms_per_file']:.1f}", f"{row['total_ms_per_file']:.1f}"] if row else ["-", "-"]
            if before:
                cells += [f"{was['own_ms_per_file']:.1f}", f"{was['total_ms_per_file']:.1f}"] if was else ["-", "-"]
            table.add_row("  " * path.count("/") + path.rpartition("/")[2], *cells)
        for name, ms in r["decode_floor_ms_per_file"].items():
            was = before.get("decode_floor_ms_per_file", {}).get(name)
            table.add_row(f"[dim]decode-only floor: {name}[/dim]", "", f"{ms:.1f}",
                          *(["", f"{was:.1f}" if was is not None else "-"] if before else []))
        if before:
            table.add_row("files/s (ingest with analysis, 2 processes)", "", str(r["files_per_s"]), "",
                          str(before["files_per_s"]))
        Console(width=110).print(table)
        if "thumbnail_and_fingerprint_in_one_process" in r:
            print("thumbnail + fingerprint in one process, both ways in turn:",
                  r["thumbnail_and_fingerprint_in_one_process"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--big-mib", type=int, default=2048)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--photos", type=int, default=2000)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--profile", action="store_true", help="time each analysis step instead (see above)")
    parser.add_argument("--clips", type=int, default=2, help="generated 720p/1080p clips in the --profile video run")
    parser.add_argument("--compare", type=int, default=40,
                        help="photos thumbnailed and fingerprinted both ways in one process (--profile)")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="an earlier --profile JSON, shown beside this run and kept in the output")
    parser.add_argument("--baseline-note", default="", help="what the baseline run was (kept in the output)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where to write the JSON (default bench/results/ingest.json, or ingest-profile.json)")
    parser.add_argument("--workers", default="2",
                        help="worker processes for the photo run, comma-separated (e.g. 1,2,4)")
    parser.add_argument("--baseline-src", type=Path, default=None,
                        help="another tree's src folder (an older release): the photo run is made with it too, in turn")
    parser.add_argument("--steps-photos", type=int, default=0,
                        help="first time a photo's steps in one process per tree, the trees in turn, on this many photos")
    args = parser.parse_args()
    TREES["this tree"] = ""
    if args.baseline_src:
        TREES["baseline"] = str(args.baseline_src.resolve())
    work = args.work or Path(tempfile.mkdtemp(prefix="marsad-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.profile:
        baseline = json.loads(args.baseline.read_text()) if args.baseline else None
        if baseline:
            baseline = baseline.get("run", baseline)
        result = {"machine": {"cpus": os.cpu_count(), "load_before": os.getloadavg()[0]},
                  **bench_profile(work, args.photos, args.clips, args.compare)}
        print_profile(result, baseline)
        if baseline:
            result = {"run": result, "baseline": baseline, "baseline_note": args.baseline_note}
        out = args.out or ROOT / "bench" / "results" / "ingest-profile.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {out}")
        shutil.rmtree(work, ignore_errors=True)
        return
    result = {"machine": {"cpus": os.cpu_count(), "load_before": round(os.getloadavg()[0], 1)}}
    if args.big_mib:
        result["big_file"] = bench_big(work, args.big_mib, args.rounds)
    if args.steps_photos:
        folder = work / "photos"
        make_photos(folder, args.steps_photos)
        result["steps"] = steps_side_by_side(sorted(folder.iterdir()))
        shutil.rmtree(folder, ignore_errors=True)
        print_steps(result["steps"])
    if args.photos:
        result["photos"] = bench_photos(work, args.photos, [int(n) for n in args.workers.split(",")])
    from rich.console import Console
    from rich.table import Table

    if args.big_mib:
        table = Table(title=f"(a) one {args.big_mib} MiB file, best of {args.rounds}")
        for col in ("command", "seconds", "MiB/s", "× sha256sum+cp", "peak RSS MiB"):
            table.add_column(col)
        for name, r in result["big_file"]["rows"].items():
            table.add_row(name, str(r["seconds"]), str(r["mib_per_s"]), str(r["ratio_vs_sha256sum_cp"]),
                          str(r["peak_rss_mib"]))
        Console().print(table)
    if not args.photos:
        out = args.out or ROOT / "bench" / "results" / "ingest-steps.json"
        out.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {out}")
        return
    floors = ", ".join(f"{t} {ms} ms" for t, ms in result["photos"]["decode_floor_ms_per_photo"].items())
    table = Table(title=f"(b) {args.photos} JPEGs of 2-12 MP ({result['photos']['total_mib']} MiB); "
                        f"decode-only floor per photo, one process: {floors}")
    for col in ("run", "seconds", "files/s", "CPU ms/file", "peak RSS MiB", "analysis × decode floor", "load"):
        table.add_column(col)
    for name, r in result["photos"]["rows"].items():
        table.add_row(name, str(r["seconds"]), str(r["files_per_s"]), str(r["cpu_ms_per_file"]),
                      str(r["peak_rss_mib"]), str(r.get("analysis_x_decode_floor", "")), str(r.get("load_before", "")))
    Console(width=140).print(table)
    out = args.out or ROOT / "bench" / "results" / "ingest.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {out}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
