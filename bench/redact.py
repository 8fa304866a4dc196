#!/usr/bin/env python3
"""Face redaction: speed at 720p on one core and recall on the labelled test set.

Prints a table and writes bench/results/redact.json.
  - photos: the labelled set of marsad.core.redact.samples (scikit-image's astronaut and
    cameraman, composites with faces 8 to 100 px wide); a face counts as found when at
    least 95 % of its known box is inside the blur mask;
  - video: a generated 1280x720, 25 fps clip with a moving face, redacted with
    `cv2.setNumThreads(1)` and one decoding/encoding thread, beside a baseline that
    decodes and re-encodes the same clip with no detection, and detection on every frame.

    python bench/redact.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from marsad.core.redact import redact_photo, redact_video, samples, tool_versions  # noqa: E402
from marsad.core.redact.detect import FaceDetector  # noqa: E402

FPS = 25


class NoFaces(FaceDetector):
    """The baseline: the same pipeline with a detector that finds nothing."""

    def faces(self, bgr):
        return []


def photo_recall(detector: FaceDetector) -> dict:
    rows, found, total, ious = [], 0, 0, []
    for name, bgr, truth in samples.labelled_photos():
        buf = io.BytesIO()
        Image.fromarray(bgr[:, :, ::-1]).save(buf, "PNG")
        t0 = time.perf_counter()
        result = redact_photo(buf.getvalue(), detector=detector)
        seconds = time.perf_counter() - t0
        hits = sum(samples.coverage(b, result.rects, bgr.shape[:2]) >= 0.95 for b in truth)
        ious += [max((b.iou(f) for f in result.faces), default=0.0) for b in truth]
        found, total = found + hits, total + len(truth)
        rows.append({"photo": name, "size": f"{bgr.shape[1]}x{bgr.shape[0]}", "faces": len(truth), "covered": hits,
                     "detections": len(result.faces), "seconds": round(seconds, 3)})
    return {"photos": rows, "recall": found / total, "faces": total, "mean_iou_detection": float(np.mean(ious))}


def video_run(src: Path, truth, detector: FaceDetector, every: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        wall, cpu = time.perf_counter(), time.process_time()
        result = redact_video(src, Path(tmp) / "out.mp4", detector=detector, every=every, threads=1,
                              keep_masks=True)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    covered = sum(samples.coverage(b, m, (720, 1280)) >= 0.95 for b, m in zip(truth, result.masks))
    return {"frames": result.frames, "detections": result.detections, "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2), "fps_cpu": round(result.frames / cpu, 1),
            "x_real_time": round(result.frames / cpu / FPS, 2), "frame_recall": covered / len(truth)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    cv2.setNumThreads(1)
    detector = FaceDetector()
    photos = photo_recall(detector)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "clip.mp4"
        truth = samples.write_clip(src, seconds=args.seconds, fps=FPS)
        video = {
            "baseline (no detection)": video_run(src, truth, NoFaces(), 3),
            "every 3rd frame + interpolation": video_run(src, truth, detector, 3),
            "detect every frame": video_run(src, truth, detector, 1),
        }

    from rich.console import Console
    from rich.table import Table

    console = Console(width=110)
    table = Table(title=f"Photo recall (faces with >= 95 % of the known box blurred): {photos['recall']:.3f} "
                        f"of {photos['faces']} faces; mean IoU of detections {photos['mean_iou_detection']:.2f}")
    for col in ("photo", "size", "faces", "covered", "detections", "seconds"):
        table.add_column(col, justify="left" if col in ("photo", "size") else "right")
    for row in photos["photos"]:
        table.add_row(*(str(row[c]) for c in ("photo", "size", "faces", "covered", "detections", "seconds")))
    console.print(table)
    table = Table(title=f"Video, 1280x720 at {FPS} fps, {args.seconds:g} s, one core (cv2.setNumThreads(1), "
                        "one codec thread)")
    for col in ("run", "frames", "detections", "CPU s", "fps", "x real time", "frame recall"):
        table.add_column(col, justify="left" if col == "run" else "right")
    for name, r in video.items():
        table.add_row(name, str(r["frames"]), str(r["detections"]), str(r["cpu_s"]), str(r["fps_cpu"]),
                      str(r["x_real_time"]), f"{r['frame_recall']:.3f}")
    console.print(table)
    out = ROOT / "bench" / "results" / "redact.json"
    out.write_text(json.dumps({"tools": tool_versions(), "photos": photos, "video": video,
                               "video_clip": {"width": 1280, "height": 720, "fps": FPS, "seconds": args.seconds}},
                              indent=1) + "\n")
    console.print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
