"""A small, realistic sample set made by code from a fixed seed.

Phone photos with EXIF (capture time with offset, GPS, device), H.264 videos of
several lengths and sizes, a renamed duplicate, damaged files, a PDF: what a
documenter finds on a phone dump. Used by the demo and the tests.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, TiffImagePlugin

# Real places in Idlib governorate (approximate town centres).
PLACES = {
    "kafr-nabl": (35.6136, 36.5614),
    "maarat-al-numan": (35.6476, 36.6746),
    "saraqib": (35.8637, 36.8006),
    "khan-shaykhun": (35.4418, 36.6480),
}


@dataclass(frozen=True)
class PhotoSpec:
    name: str
    size: tuple[int, int]
    taken: datetime
    offset: str
    place: str
    make: str = "samsung"
    model: str = "SM-G950F"


def _dms(value: float) -> tuple[TiffImagePlugin.IFDRational, ...]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 2)
    return (
        TiffImagePlugin.IFDRational(degrees, 1),
        TiffImagePlugin.IFDRational(minutes, 1),
        TiffImagePlugin.IFDRational(int(seconds * 100), 100),
    )


def scene(width: int, height: int, rng: random.Random) -> Image.Image:
    """A photo-like picture: sky gradient, ground, buildings, smoke."""
    y = np.linspace(0, 1, height)[:, None]
    sky = np.stack([150 + 60 * y, 180 + 40 * y, 220 - 20 * y], axis=-1) * np.ones((1, width, 1))
    img = Image.fromarray(sky.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    horizon = int(height * rng.uniform(0.55, 0.7))
    draw.rectangle((0, horizon, width, height), fill=(120 + rng.randint(0, 30), 100, 70))
    x = 0
    while x < width:
        w = rng.randint(width // 14, width // 6)
        h = rng.randint(height // 8, height // 3)
        shade = rng.randint(150, 220)
        draw.rectangle((x, horizon - h, x + w, horizon), fill=(shade, shade - 10, shade - 30))
        for wx in range(x + 6, x + w - 10, 18):
            for wy in range(horizon - h + 8, horizon - 10, 22):
                draw.rectangle((wx, wy, wx + 8, wy + 10), fill=(60, 60, 70))
        x += w + rng.randint(2, 20)
    cx = rng.randint(width // 4, 3 * width // 4)
    for r in range(6):
        radius = width // 12 + r * width // 30
        grey = 90 + r * 18
        draw.ellipse((cx - radius, horizon - 2 * radius - r * 40, cx + radius, horizon - r * 40), fill=(grey, grey, grey))
    return img


def write_photo(path: Path, spec: PhotoSpec, rng: random.Random) -> None:
    img = scene(*spec.size, rng)
    exif = Image.Exif()
    exif[0x010F] = spec.make
    exif[0x0110] = spec.model
    exif[0x0132] = spec.taken.strftime("%Y:%m:%d %H:%M:%S")
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = spec.taken.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
    sub[0x9011] = spec.offset  # OffsetTimeOriginal
    lat, lon = PLACES[spec.place]
    gps = exif.get_ifd(0x8825)
    gps[0] = b"\x02\x02\x00\x00"
    gps[1], gps[2] = ("N" if lat >= 0 else "S"), _dms(lat)
    gps[3], gps[4] = ("E" if lon >= 0 else "W"), _dms(lon)
    img.save(path, "JPEG", quality=88, exif=exif)


def write_video(path: Path, size: tuple[int, int], seconds: float, fps: int, rng: random.Random,
                created: datetime | None = None) -> None:
    """H.264 in MP4: a moving scene, a keyframe every second."""
    width, height = size
    background = np.asarray(scene(width + 4 * fps * int(seconds + 1), height, rng))
    with av.open(str(path), "w", format="mp4") as container:
        if created:
            container.metadata["creation_time"] = created.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = fps
        stream.options = {"preset": "ultrafast", "crf": "28"}
        for i in range(int(seconds * fps)):
            shift = 4 * i
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(background[:, shift : shift + width]), "rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def make_sample_set(folder: Path, seed: int = 2019) -> dict[str, Path]:
    """Write the sample set into `folder`; return the notable files by role."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    phone = folder / "phone-dump" / "DCIM" / "Camera"
    phone.mkdir(parents=True, exist_ok=True)
    received = folder / "phone-dump" / "WhatsApp" / "Media"
    received.mkdir(parents=True, exist_ok=True)
    base = datetime(2019, 5, 4, 9, 12, 0)
    made: dict[str, Path] = {}
    places = list(PLACES)
    for n in range(6):
        spec = PhotoSpec(
            name=f"IMG_20190504_{n:04d}.jpg",
            size=rng.choice([(1600, 1200), (1200, 1600), (2000, 1500)]),
            taken=base + timedelta(minutes=37 * n),
            offset="+03:00",
            place=places[n % len(places)],
        )
        write_photo(phone / spec.name, spec, rng)
        made.setdefault("photo", phone / spec.name)
    for n, (size, seconds) in enumerate([((640, 360), 3), ((1280, 720), 6), ((480, 848), 4)]):
        path = phone / f"VID_20190504_{n:04d}.mp4"
        write_video(path, size, seconds, 25, rng, created=base + timedelta(hours=n, minutes=5) - timedelta(hours=3))
        made.setdefault("video", path)
    duplicate = received / "IMG-20190505-WA0007.jpg"  # the same photo, forwarded and renamed
    duplicate.write_bytes(made["photo"].read_bytes())
    made["duplicate"] = duplicate
    truncated = received / "IMG-20190505-WA0011.jpg"
    data = (phone / "IMG_20190504_0001.jpg").read_bytes()
    truncated.write_bytes(data[: len(data) // 3])
    made["corrupt_jpeg"] = truncated
    corrupt_video = received / "VID-20190505-WA0002.mp4"
    video = made["video"].read_bytes()
    corrupt_video.write_bytes(video[: len(video) // 4])
    made["corrupt_video"] = corrupt_video
    pdf = folder / "phone-dump" / "Documents" / "hospital-statement.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    page = Image.new("RGB", (1240, 1754), "white")
    ImageDraw.Draw(page).text((100, 100), "Statement of the hospital director, 5 May 2019", fill="black")
    page.save(pdf, "PDF", resolution=150)
    made["pdf"] = pdf
    return made
