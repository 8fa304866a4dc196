"""Normalised facts from raw metadata: when, where, with what, how big.

Every capture time says where it came from and whether its time zone is known,
because a documenter must weigh an EXIF clock against a container's UTC stamp.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

_EXIF_TIME = re.compile(
    r"^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?"
)
_ISO_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?"
)

# Where a capture time may be found, most trustworthy first: (tag, source name, assume UTC).
_TIME_TAGS = (
    ("EXIF:DateTimeOriginal", "exif:DateTimeOriginal", False),
    ("QuickTime:CreationDate", "quicktime:CreationDate", False),
    ("XMP:DateTimeOriginal", "xmp:DateTimeOriginal", False),
    ("XMP:DateCreated", "xmp:DateCreated", False),
    ("EXIF:CreateDate", "exif:CreateDate", False),
    ("QuickTime:CreateDate", "quicktime:CreateDate", True),  # UTC by the QuickTime spec
    ("Composite:GPSDateTime", "gps:GPSDateTime", True),
)
_OFFSET_TAGS = {
    "EXIF:DateTimeOriginal": ("EXIF:OffsetTimeOriginal", "EXIF:OffsetTime"),
    "EXIF:CreateDate": ("EXIF:OffsetTimeDigitized", "EXIF:OffsetTime"),
}


@dataclass(frozen=True)
class CaptureTime:
    local: datetime  # wall-clock time as recorded (naive)
    offset: timedelta | None  # None: the time zone is unknown
    source: str

    def iso(self) -> str:
        if self.offset is None:
            return self.local.isoformat()
        return self.local.replace(tzinfo=timezone(self.offset)).isoformat()

    def instant(self) -> datetime:
        """UTC instant when the zone is known; else the wall time read as UTC."""
        if self.offset is None:
            return self.local.replace(tzinfo=timezone.utc)
        return (self.local - self.offset).replace(tzinfo=timezone.utc)


def _parse_offset(text: Any) -> timedelta | None:
    if not text or not isinstance(text, str):
        return None
    if text == "Z":
        return timedelta(0)
    m = re.match(r"^([+-])(\d{2}):?(\d{2})$", text.strip())
    if not m or int(m[2]) > 23 or int(m[3]) > 59:  # "+99:99" is no time zone (datetime refuses it)
        return None
    delta = timedelta(hours=int(m[2]), minutes=int(m[3]))
    return -delta if m[1] == "-" else delta


def parse_time(value: Any, offset_text: str | None = None) -> tuple[datetime, timedelta | None] | None:
    """Parse an EXIF/ISO time string; None for absent or zeroed ("0000:00:00") values."""
    if not isinstance(value, str):
        return None
    m = _EXIF_TIME.match(value.strip()) or _ISO_TIME.match(value.strip())
    if not m or m[1] == "0000":
        return None
    try:
        local = datetime(int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6]))
    except ValueError:
        return None
    if m[7]:
        # The first six digits, cut, not rounded: ".9999999" rounded is a whole second
        # (datetime refuses microsecond 1_000_000), and a clock never rounds up.
        local = local.replace(microsecond=int(m[7][1:7].ljust(6, "0")))
    return local, _parse_offset(m[8]) if m[8] else _parse_offset(offset_text)


def capture_time(tags: dict[str, Any], container: dict[str, Any] | None = None) -> CaptureTime | None:
    for tag, source, utc in _TIME_TAGS:
        offset_text = next((tags[t] for t in _OFFSET_TAGS.get(tag, ()) if tags.get(t)), None)
        parsed = parse_time(tags.get(tag), offset_text)
        if parsed:
            local, offset = parsed
            if offset is None and utc:
                offset = timedelta(0)
            return CaptureTime(local, offset, source)
    created = ((container or {}).get("metadata") or {}).get("creation_time")
    parsed = parse_time(created)
    if parsed:
        return CaptureTime(parsed[0], parsed[1] or timedelta(0), "container:creation_time")
    return None


def gps(tags: dict[str, Any]) -> tuple[float, float] | None:
    lat, lon = tags.get("Composite:GPSLatitude"), tags.get("Composite:GPSLongitude")
    if lat is None or lon is None:
        lat, lon = tags.get("EXIF:GPSLatitude"), tags.get("EXIF:GPSLongitude")
        south = str(tags.get("EXIF:GPSLatitudeRef", "N")).upper().startswith("S")
        west = str(tags.get("EXIF:GPSLongitudeRef", "E")).upper().startswith("W")
    else:
        south = west = False
    try:
        lat, lon = float(lat), float(lon)  # type: ignore[arg-type]
    except (TypeError, ValueError):  # a tag written by hand or by a broken camera ("abc")
        return None
    lat, lon = -abs(lat) if south else lat, -abs(lon) if west else lon
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return round(lat, 7), round(lon, 7)


def _pixels(value: Any) -> int | None:
    """A width or height as exiftool gave it, or None where it is no count of pixels."""
    try:
        number = int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None
    return number if number > 0 else None


def _first(tags: dict[str, Any], *keys: str) -> Any:
    return next((tags[k] for k in keys if tags.get(k) not in (None, "")), None)


@dataclass(frozen=True)
class Facts:
    captured_at: str | None = None
    captured_at_source: str | None = None
    tz_known: bool | None = None
    gps_lat: float | None = None
    gps_lon: float | None = None
    make: str | None = None
    model: str | None = None
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    codec: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def normalise(tags: dict[str, Any], container: dict[str, Any] | None = None) -> Facts:
    when = capture_time(tags, container)
    where = gps(tags)
    width = _first(tags, "File:ImageWidth", "PNG:ImageWidth", "EXIF:ExifImageWidth", "QuickTime:ImageWidth")
    height = _first(tags, "File:ImageHeight", "PNG:ImageHeight", "EXIF:ExifImageHeight", "QuickTime:ImageHeight")
    duration = codec = None
    if container:
        duration = container.get("duration_s")
        video = next((s for s in container["streams"] if s["type"] == "video"), None)
        first = video or next(iter(container["streams"]), None)
        if first:
            codec = first.get("codec")
        if video and video.get("width"):
            width, height = video["width"], video["height"]
    make = _first(tags, "EXIF:Make", "QuickTime:Make", "QuickTime:AndroidMake", "XMP:Make")
    model = _first(tags, "EXIF:Model", "QuickTime:Model", "QuickTime:AndroidModel", "XMP:Model")
    return Facts(
        captured_at=when.iso() if when else None,
        captured_at_source=when.source if when else None,
        tz_known=(when.offset is not None) if when else None,
        gps_lat=where[0] if where else None,
        gps_lon=where[1] if where else None,
        make=str(make).strip() if make else None,
        model=str(model).strip() if model else None,
        width=_pixels(width) if width else None,
        height=_pixels(height) if height else None,
        duration_s=round(float(duration), 3) if duration else None,
        codec=codec,
    )
