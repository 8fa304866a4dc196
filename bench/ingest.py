#!/usr/bin/env python3
"""Ingest benchmark: prints a table and writes bench/results/ingest.json.

(a) one large file (default 2 GiB): `marsad ingest --no-wait` against the
    baseline `sha256sum FILE && cp FILE DEST` (and, for fairness, the same plus
    `sync`, since Marsad fsyncs what it stores), all in the same run, warm cache;
(b) N generated 2-12 MP JPEGs (default 2000): files per second with analysis
    excluded (--no-wait) and included (waits for 2 analysis processes).
Peak memory (max RSS of the process tree) for each.

With --profile, instead: where analysis time goes. A photo run (N generated 2-12 MP
JPEGs) and a video run (the vPDQ sample videos in ../shared/testdata/vpdq plus
generated 720p and 1080p clips) are ingested with analysis (2 processes) and
MARSAD_PROFILE_STEPS set, so every timed step of analysis and matching writes a
line (see marsad.core.steps); the table gives each step's own time per file (its
time less that of the steps inside it). Beside it, the decode-only floor: the same
files' pixels decoded as each step decodes them, and nothing else, in one process.
Writes bench/results/ingest-profile.json.

    python bench/ingest.py [--big-mib 2048] [--photos 2000] [--work DIR]
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
    return {"fingerprint decode (draft to 1024 px, RGB, turned)": round(1000 * fp_s / n, 2),
            "thumbnail decode (draft to 640 px, turned)": round(1000 * thumb_s / n, 2),
            "both (as analysis decodes today)": round(1000 * (fp_s + thumb_s) / n, 2)}


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
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ingest-profile.json",
                        help="where --profile writes its JSON")
    args = parser.parse_args()
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
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {args.out}")
        shutil.rmtree(work, ignore_errors=True)
        return
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
