#!/usr/bin/env python3
"""PDF brief benchmark: prints a table and writes bench/results/pdf_briefs.json.

Generated incidents (Arabic and English title, place with admin levels, coarsened point,
casualties, summary), each with one redacted photo (640x480 JPEG) and one redacted video
(320x180, 3 s, H.264), go through marsad.publish.pdf.briefs as `marsad publish` calls it:
an Arabic and an English brief per incident. Measured (wall time, one process):

  drawn   every brief drawn by WeasyPrint (no cache): HTML, map, photo scaled, three frames
          decoded from the video, layout, font subsetting, PDF written
  kept    the same run again with the workspace cache filled: what a republish with no
          change pays (each brief's HTML rendered and hashed, the kept PDF reused)

The per-brief figure is drawn time / (2 x incidents). No database: the incidents are
built as collect.py's Published values; the store is in memory.

    python bench/pdf_briefs.py [--incidents 50]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "pdf_briefs.json"


class MemoryStore:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def add(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        self.blobs[sha] = data
        return sha

    def open(self, sha256: str, verify: bool = False):
        return io.BytesIO(self.blobs[sha256])


def _photo(seed: int) -> bytes:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    pixels = (rng.random((480, 640, 3)) * 60 + np.linspace(60, 200, 640)[None, :, None]).astype("uint8")
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=85)
    return out.getvalue()


def _video(seed: int) -> bytes:
    import av
    import numpy as np

    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        for i in range(30):
            frame = np.full((180, 320, 3), (seed * 37 + i * 7) % 255, dtype=np.uint8)
            frame[:, : (i + 1) * 10] = (200, 80, 40)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def incidents(n: int, store: MemoryStore):
    from marsad.publish.collect import Media, Published

    place = {"name": "Kafr Nobol", "name_ar": "كفرنبل", "pcode": "C4068", "levels": [
        {"level": "governorate", "name": "Idleb", "name_ar": "إدلب", "pcode": "SY07"},
        {"level": "district", "name": "Maarrat An Nu'man", "name_ar": "معرة النعمان", "pcode": "SY0703"}]}
    out = []
    for i in range(n):
        photo, video = store.add(_photo(i)), store.add(_video(i))
        when = datetime(2019, 5, 1, tzinfo=UTC) + timedelta(days=i)
        values = {"title": f"غارة على السوق {i} — Strike on the market {i}", "event_date": when.date().isoformat(),
                  "time_precision": 1, "event_type": "Explosions/Remote violence", "sub_event_type": "Air/drone strike",
                  "fatalities_low": 3, "fatalities_best": 5, "fatalities_high": 8, "injured": 12, "grade": "fair",
                  "grade_reason": "two independent videos", "notes": "Public summary of the strike. " * 6,
                  "latitude": round(35.61 + (i % 7) * 0.1, 2), "longitude": round(36.56 + (i % 5) * 0.1, 2)}
        media = [Media("primary", "image", "image/jpeg", photo, f"media/{photo}.jpg", False, photo),
                 Media("corroborating", "video", "video/mp4", video, f"media/{video}.mp4", False, video)]
        out.append(Published(f"SYR{i + 1:06d}", values, {}, place, media, 0, 0, [("video", "telegram", 1),
                                                                                 ("image", "telegram", 1)], when, when))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=50)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="marsad-bench-pdf-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marsad.web.settings")
    os.environ["MARSAD_HOME"] = str(home)
    from marsad.core.workspace import Workspace

    Workspace(home).create()
    import django

    django.setup()
    import weasyprint

    from marsad.publish import pdf

    store = MemoryStore()
    published = incidents(args.incidents, store)
    cache = home / "cache" / "briefs"
    rows = []
    pdf.briefs(published[:1], store, "bench-key", use_cache=False)  # imports and font loading, not measured
    for name, kwargs in (("drawn", {"use_cache": False}), ("fill cache", {"cache_dir": cache}),
                         ("kept", {"cache_dir": cache})):
        start = time.perf_counter()
        files = pdf.briefs(published, store, "bench-key", **kwargs)
        seconds = time.perf_counter() - start
        size = sum(len(v) if isinstance(v, bytes) else v.stat().st_size for v in files.values())
        rows.append({"run": name, "incidents": len(published), "briefs": len(files), "seconds": round(seconds, 3),
                     "ms_per_brief": round(1000 * seconds / len(files), 1), "mean_kb": round(size / len(files) / 1024)})
    print(f"{'run':<11} {'incidents':>9} {'briefs':>7} {'seconds':>8} {'ms/brief':>9} {'mean KB':>8}")
    for r in rows:
        print(f"{r['run']:<11} {r['incidents']:>9} {r['briefs']:>7} {r['seconds']:>8.2f} {r['ms_per_brief']:>9.1f} "
              f"{r['mean_kb']:>8}")
    drawn, kept = rows[0]["seconds"], rows[2]["seconds"]
    print(f"kept / drawn: {kept / drawn:.3f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"weasyprint": weasyprint.__version__, "cpus": os.cpu_count(),
                                   "python": sys.version.split()[0], "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
