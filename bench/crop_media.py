"""Originals and cropped or reframed copies for bench/crop_eval.py, made from real media.

Originals (none of them made here): the PDQ reference photos and vPDQ reference videos in
../shared/testdata, scikit-image's sample photos, Debian opencv-doc's sample photos and videos
(/usr/share/doc/opencv-doc/examples/data), and short clips made by panning and zooming over
opencv-doc photographs. Landscape originals are the largest centred 16:9 window of the source
(so that the reframes start from 16:9, as phone footage does); vertical originals the largest
centred 9:16 window. Videos keep at most 8 s and are scaled down to 640x360 (360x640 upright).

Each copy applies one row of `ROWS` to every pixel of the original (each frame of a video), so a
row names exactly what was done. Media are written once into a cache folder keyed by this
file's text and reused: only what Marsad does with them is measured again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

TESTDATA = Path(__file__).resolve().parent.parent.parent / "shared" / "testdata"
OPENCV_DATA = Path("/usr/share/doc/opencv-doc/examples/data")
SECONDS = 8.0
MAX_FPS = 30.0
PHOTO_QUALITY, COPY_QUALITY, LOW_QUALITY = 92, 85, 30
VIDEO_CRF, COPY_CRF, HIGH_CRF = 23, 26, 38
QUICK_PHOTOS = ("pdq:aaa-orig.jpg", "pdq:q1050.jpg", "skimage:astronaut", "skimage:coffee")


# --- transforms: each takes and gives a PIL picture ----------------------------------------

def cut(top: float = 0, bottom: float = 0, left: float = 0, right: float = 0) -> Callable:
    """Cut these shares of the height (top, bottom) and width (left, right) away."""
    def apply(img: Image.Image) -> Image.Image:
        w, h = img.size
        return img.crop((round(w * left), round(h * top), w - round(w * right), h - round(h * bottom)))
    return apply


def window(aspect: float, shift: float = 0.0) -> Callable:
    """The widest window of shape `aspect` (width / height) at full height, its centre moved by
    `shift` times the picture's width from the picture's centre and kept inside the picture; or,
    for a wider shape than the picture, the full width at the centre of the height."""
    def apply(img: Image.Image) -> Image.Image:
        w, h = img.size
        if aspect >= w / h:
            ch = round(w / aspect)
            top = (h - ch) // 2
            return img.crop((0, top, w, top + ch))
        cw = round(h * aspect)
        left = min(max(round(w / 2 + shift * w - cw / 2), 0), w - cw)
        return img.crop((left, 0, left + cw, h))
    return apply


def half(img: Image.Image) -> Image.Image:
    return img.resize((max(2, img.width // 2), max(2, img.height // 2)), Image.LANCZOS)


def caption_bar(img: Image.Image) -> Image.Image:
    """A white bar with a line of black text added above the picture, 20% of the new height."""
    w, h = img.size
    bar = max(8, round(h / 4))
    out = Image.new("RGB", (w, h + bar), "white")
    out.paste(img, (0, bar))
    draw = ImageDraw.Draw(out)
    try:
        font = ImageFont.load_default(size=max(8, bar // 3))
    except TypeError:  # Pillow < 10.1: one small bitmap font
        font = ImageFont.load_default()
    draw.text((max(4, w // 40), bar // 3), "Breaking: footage from this morning, share it", fill="black", font=font)
    return out


def then(*steps: Callable) -> Callable:
    def apply(img: Image.Image) -> Image.Image:
        for step in steps:
            img = step(img)
        return img
    return apply


@dataclass(frozen=True)
class Row:
    label: str
    transform: Callable
    of: str = "landscape"  # which originals it applies to: "landscape" (16:9) or "vertical" (9:16)
    low_quality: bool = False  # JPEG quality 30 / CRF 38 instead of 85 / 26
    quick: bool = False  # in --quick


def _rows() -> list[Row]:
    rows = [Row("5% from each side (centre 90% of each axis)", cut(.05, .05, .05, .05), quick=True)]
    for amount in (10, 15, 20):
        a = amount / 100
        rows.append(Row(f"{amount}% from each side (centre {100 - 2 * amount}% of each axis)", cut(a, a, a, a),
                        quick=amount in (10, 20)))
    for side in ("top", "bottom", "left", "right"):
        for amount in (10, 20, 30):
            rows.append(Row(f"{amount}% from the {side}", cut(**{side: amount / 100}),
                            quick=(side, amount) in {("top", 20), ("right", 30)}))
    for vertical in ("top", "bottom"):
        for horizontal in ("left", "right"):
            for amount in (20, 30):
                a = amount / 100
                rows.append(Row(f"{amount}% from the {vertical} and {amount}% from the {horizontal} (corner)",
                                cut(**{vertical: a, horizontal: a}), quick=(vertical, horizontal, amount) == ("top", "left", 30)))
    for name, aspect in (("1:1", 1.0), ("4:5", 0.8), ("9:16", 9 / 16)):
        kept = round(100 * aspect * 9 / 16)
        rows.append(Row(f"16:9 → {name} at the centre (full height, {kept}% of the width)", window(aspect),
                        quick=name == "1:1"))
        for direction, shift in (("left", -0.25), ("right", 0.25)):
            rows.append(Row(f"16:9 → {name}, centre a quarter of the width {direction} of the middle "
                            f"(kept inside the picture)", window(aspect, shift),
                            quick=(name, direction) == ("9:16", "left")))
    rows.append(Row("9:16 → 16:9 of a vertical original (full width, middle 32% of the height)", window(16 / 9),
                    of="vertical", quick=True))
    ten = cut(.1, .1, .1, .1)
    rows += [
        Row("10% from each side, re-encoded at JPEG quality 30 / CRF 38", ten, low_quality=True),
        Row("10% from each side, then half size", then(ten, half), quick=True),
        Row("10% from each side, then a white caption bar with text above (a fifth of the new height)",
            then(ten, caption_bar)),
    ]
    return rows


ROWS = _rows()


# --- originals ---------------------------------------------------------------------------------

def centre_window(img: Image.Image, aspect: float) -> Image.Image:
    return window(aspect)(img)


def _photo(path: Path) -> Image.Image:
    img = ImageOps.exif_transpose(Image.open(path)).convert("RGB")
    img.thumbnail((1600, 1600))  # a photo as it is shared; the transforms cost less
    return img


def _skimage() -> dict[str, Callable[[], np.ndarray]]:
    try:
        from skimage import data
    except ImportError:
        return {}
    names = ("astronaut", "camera", "chelsea", "coffee", "rocket", "coins", "clock", "moon", "hubble_deep_field",
             "immunohistochemistry", "retina")
    out = {name: getattr(data, name) for name in names}
    out["motorcycle_left"] = lambda: data.stereo_motorcycle()[0]
    return out


def photo_sources() -> tuple[list[tuple[str, Callable]], list[tuple[str, Callable]], list[str]]:
    """(landscape sources, vertical sources, notes): each source a name and a loader of its picture."""
    notes = []
    landscape = []
    pdq = TESTDATA / "pdq" / "images"
    if pdq.is_dir():
        for p in sorted((pdq / "labelme-subset").glob("*.jpg")) + [pdq / "bridge-mods" / "aaa-orig.jpg",
                                                                   pdq / "exif-rotn" / "exif-rotn-1.jpg",
                                                                   pdq / "misc" / "c.png"]:
            landscape.append((f"pdq:{p.name}", lambda p=p: _photo(p)))
    else:
        notes.append(f"PDQ reference photos absent ({pdq})")
    sk = _skimage()
    if not sk:
        notes.append("scikit-image absent: its sample photos are left out")
    for name, load in sk.items():
        landscape.append((f"skimage:{name}", lambda load=load: Image.fromarray(load()).convert("RGB")))
    vertical = []
    if OPENCV_DATA.is_dir():
        for name in ("building.jpg", "leuvenA.jpg", "squirrel_cls.jpg", "messi5.jpg", "butterfly.jpg",
                     "licenseplate_motion.jpg"):
            vertical.append((f"opencv:{name}", lambda name=name: _photo(OPENCV_DATA / name)))
    else:
        notes.append("opencv-doc absent (apt-get install opencv-doc): no vertical photos, no street footage")
    return landscape, vertical, notes


def read_video(path: Path, seconds: float = SECONDS) -> tuple[list[Image.Image], float]:
    frames = []
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        fps = float(stream.average_rate or 25)
        step = max(1, round(fps / MAX_FPS))
        for n, frame in enumerate(c.decode(stream)):
            if len(frames) >= seconds * fps / step:
                break
            if n % step == 0:
                frames.append(frame.to_image().convert("RGB"))
    return frames, fps / step


def pan_zoom(photo: Image.Image, size: tuple[int, int], seconds: float = 6.0, fps: float = 25.0) -> list[Image.Image]:
    """A camera moving across a photograph while zooming in: the view starts as the widest window
    of the output's shape at one end and ends at 60% of that size at the other."""
    w, h = photo.size
    aspect = size[0] / size[1]
    full_w = min(w, h * aspect)
    count = round(seconds * fps)
    frames = []
    for n in range(count):
        t = n / (count - 1)
        vw = full_w * (1 - 0.4 * t)
        vh = vw / aspect
        cx = vw / 2 + (w - vw) * t
        cy = h / 2 + (h - vh) / 2 * 0.5 * (t - 0.5)
        box = (cx - vw / 2, cy - vh / 2, cx + vw / 2, cy + vh / 2)
        frames.append(photo.resize(size, Image.BICUBIC, box=box))
    return frames


def video_sources() -> tuple[list[tuple[str, Callable]], list[tuple[str, Callable]], list[str]]:
    """(landscape, vertical, notes): each a name and a loader of (frames, fps)."""
    notes = []
    landscape, vertical = [], []
    vpdq = TESTDATA / "vpdq" / "videos"
    opencv = OPENCV_DATA.is_dir()
    if opencv:
        for name in ("vtest.avi", "Megamind.avi", "tree.avi"):
            landscape.append((f"opencv:{name}", lambda name=name: read_video(OPENCV_DATA / name)))
    else:
        notes.append("opencv-doc's sample videos absent (apt-get install opencv-doc): street footage left out")
    if vpdq.is_dir():
        for name in ("doorknob-hd-no-bar", "test-padded-dimensions"):
            landscape.append((f"vpdq:{name}", lambda name=name: read_video(vpdq / f"{name}.mp4")))
        for name in ("pattern-hd-no-bar", "chair-orig-22-sd-bar"):
            vertical.append((f"vpdq:{name}", lambda name=name: read_video(vpdq / f"{name}.mp4")))
    else:
        notes.append(f"vPDQ reference videos absent ({vpdq})")
    if opencv:
        for name in ("aero1.jpg", "home.jpg", "left.jpg"):
            landscape.append((f"pan over opencv:{name}",
                              lambda name=name: (pan_zoom(_photo(OPENCV_DATA / name), (640, 360)), 25.0)))
        for name in ("pca_test1.jpg", "ela_original.jpg", "aloeL.jpg"):
            vertical.append((f"pan over opencv:{name}",
                             lambda name=name: (pan_zoom(_photo(OPENCV_DATA / name), (360, 640)), 25.0)))
    return landscape, vertical, notes


# --- writing -------------------------------------------------------------------------------------

def _fit(img: Image.Image, box: tuple[int, int]) -> Image.Image:
    if img.width <= box[0] and img.height <= box[1]:
        return img
    scale = min(box[0] / img.width, box[1] / img.height)
    return img.resize((max(2, round(img.width * scale)), max(2, round(img.height * scale))), Image.LANCZOS)


def write_video(frames: list[Image.Image], fps: float, path: Path, crf: int) -> None:
    w, h = frames[0].size
    w, h = w - w % 2, h - h % 2
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=round(fps))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"preset": "veryfast", "crf": str(crf)}
        for n, img in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(np.asarray(img)[:h, :w]), "rgb24")
            frame.pts = n
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text).strip("-")[:60]


def build(folder: Path, quick: bool, log=print) -> dict:
    """Write originals and copies under `folder` (originals/, copies/) and return the manifest:
    per file its path, SHA-256, media, original and row (None for an original)."""
    import pdqhash

    rows = [r for r in ROWS if r.quick or not quick]
    files, notes, dropped = [], [], []
    (folder / "originals").mkdir(parents=True, exist_ok=True)
    (folder / "copies").mkdir(parents=True, exist_ok=True)

    def record(path: Path, media: str, original: str, row: str | None) -> None:
        files.append({"path": str(path.relative_to(folder)), "sha256": _sha256(path), "media": media,
                      "original": original, "row": row})

    landscape, vertical, photo_notes = photo_sources()
    notes += photo_notes
    if quick:
        landscape = [s for s in landscape if s[0] in QUICK_PHOTOS] or landscape[:4]
        vertical = vertical[:1]
    for shape, sources in (("landscape", landscape), ("vertical", vertical)):
        for n, (name, load) in enumerate(sources):
            img = centre_window(load(), 16 / 9 if shape == "landscape" else 9 / 16)
            _, quality = pdqhash.compute(np.ascontiguousarray(np.asarray(img)))
            if quality < 50:  # PDQ calls such a picture featureless; Marsad never links on it
                dropped.append(f"{name} (PDQ quality {quality})")
                continue
            oid = f"photo-{shape[0]}{n:02d}"
            path = folder / "originals" / f"{oid}.jpg"
            img.save(path, "JPEG", quality=PHOTO_QUALITY)
            record(path, "photo", oid, None)
            files[-1]["source"] = name
            for k, row in enumerate(rows):
                if row.of != shape:
                    continue
                out = folder / "copies" / f"{oid}-{k:02d}-{_slug(row.label)}.jpg"
                row.transform(img).save(out, "JPEG", quality=LOW_QUALITY if row.low_quality else COPY_QUALITY)
                record(out, "photo", oid, row.label)
            log(f"photo {oid} ({name}): {sum(f['original'] == oid for f in files) - 1} copies")

    landscape, vertical, video_notes = video_sources()
    notes += video_notes
    if quick:
        landscape, vertical = landscape[:1] + landscape[-1:], vertical[:1]
    for shape, sources in (("landscape", landscape), ("vertical", vertical)):
        box = (640, 360) if shape == "landscape" else (360, 640)
        for n, (name, load) in enumerate(sources):
            frames, fps = load()
            frames = [_fit(centre_window(f, 16 / 9 if shape == "landscape" else 9 / 16), box) for f in frames]
            oid = f"video-{shape[0]}{n:02d}"
            path = folder / "originals" / f"{oid}.mp4"
            write_video(frames, fps, path, VIDEO_CRF)
            record(path, "video", oid, None)
            files[-1]["source"] = name
            for k, row in enumerate(rows):
                if row.of != shape:
                    continue
                out = folder / "copies" / f"{oid}-{k:02d}-{_slug(row.label)}.mp4"
                write_video([row.transform(f) for f in frames], fps, out, HIGH_CRF if row.low_quality else COPY_CRF)
                record(out, "video", oid, row.label)
            log(f"video {oid} ({name}): {len(frames)} frames at {fps:g} fps, "
                f"{sum(f['original'] == oid for f in files) - 1} copies")
    if dropped:
        notes.append("left out as featureless (PDQ quality < 50): " + ", ".join(dropped))
    return {"files": files, "rows": [r.label for r in rows], "notes": notes}


def media(cache: Path, quick: bool, log=print) -> tuple[Path, dict]:
    """The media folder for this version of this file and mode, built when absent."""
    key = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
    folder = cache / f"media-{'quick' if quick else 'full'}-{key}"
    manifest = folder / "manifest.json"
    if manifest.exists():
        return folder, json.loads(manifest.read_text())
    tmp = folder.with_name(folder.name + ".partial")
    if tmp.exists():
        import shutil

        shutil.rmtree(tmp)
    out = build(tmp, quick, log)
    (tmp / "manifest.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    tmp.rename(folder)
    return folder, out
