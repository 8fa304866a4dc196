"""What in an item's metadata may identify or locate a person, and what may travel.

Exports to people outside the workspace pass metadata through an allow-list
(`SHAREABLE_TAGS`): a deny-list misses the next tag a camera or app invents.
Originals cannot be cleaned (they are evidence), so `identifying_tags` names
the embedded tags that make an original itself unsafe to hand over.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# Technical facts only: what kind of file, how big, how long, when it says it was taken.
SHAREABLE_TAGS = frozenset({
    "File:FileType", "File:FileTypeExtension", "File:MIMEType", "File:ImageWidth", "File:ImageHeight",
    "File:BitsPerSample", "File:ColorComponents", "File:EncodingProcess",
    "Composite:ImageSize", "Composite:Megapixels", "Composite:Duration", "Composite:Rotation",
    "EXIF:Orientation", "EXIF:DateTimeOriginal", "EXIF:CreateDate", "EXIF:ModifyDate",
    "EXIF:OffsetTime", "EXIF:OffsetTimeOriginal", "EXIF:ExifImageWidth", "EXIF:ExifImageHeight",
    "QuickTime:Duration", "QuickTime:CreateDate", "QuickTime:ModifyDate", "QuickTime:TrackDuration",
    "QuickTime:MediaDuration", "QuickTime:VideoFrameRate", "QuickTime:ImageWidth", "QuickTime:ImageHeight",
    "QuickTime:CompressorID", "QuickTime:AudioFormat", "QuickTime:AudioChannels", "QuickTime:AudioSampleRate",
    "QuickTime:MajorBrand", "PNG:ImageWidth", "PNG:ImageHeight", "PNG:ColorType", "PNG:BitDepth",
})

# The container facts that may travel (stream and format "metadata" dictionaries hold free tags).
SHAREABLE_CONTAINER = ("format", "duration_s", "bit_rate")
SHAREABLE_STREAM = ("index", "type", "codec", "duration_s", "frames", "width", "height", "frame_rate",
                    "pixel_format", "sample_rate", "channels")

# Parts of tag names that locate or identify someone: places, people, contacts, free comments,
# device serials and unique ids (a serial links every photo one phone took).
_IDENTIFYING_PARTS = (
    "gps", "location", "latitude", "longitude", "geotag", "iso6709", "city", "province", "country",
    "artist", "creator", "author", "owner", "byline", "by-line", "writer", "credit", "copyright", "rights",
    "contact", "email", "e-mail", "phone", "address", "person", "comment", "serial", "uniqueid",
    "hostcomputer", "sublocation", "sub-location",
)
_IDENTIFYING_NAMES = {"state", "province-state"}
_NOT_IDENTIFYING = {"creatortool"}  # the software that wrote the file, not a person
# Fields of a source's own record (a Telegram message) that name or locate a person.
_RECORD_FIELDS = ("from", "from_id", "actor", "actor_id", "author", "forwarded_from", "saved_from",
                  "contact_information", "location_information", "place_name", "address", "via_bot")


def _identifying_name(name: str) -> bool:
    short = name.rsplit(":", 1)[-1].lower()
    if short in _NOT_IDENTIFYING:
        return False
    return short in _IDENTIFYING_NAMES or any(part in short for part in _IDENTIFYING_PARTS)


def _shown(name: str) -> str:
    """A tag name from the file itself, safe to print: no controls or bidi overrides."""
    return "".join(c if c.isprintable() else "?" for c in str(name))[:120]


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {})


def identifying_tags(tags: dict[str, Any], container: dict[str, Any] | None = None) -> list[str]:
    """Names (never values) of the embedded tags that may locate or identify someone."""
    found = {_shown(name) for name, value in tags.items()
             if not name.startswith("ExifTool:") and _filled(value) and _identifying_name(name)}
    for where, meta in _container_metadata(container):
        found |= {_shown(f"{where}:{name}") for name, value in meta.items() if _filled(value) and _identifying_name(name)}
    return sorted(found)


def identifying_record_fields(record: Any) -> list[str]:
    """Top-level fields of a source's record (exported message) that name or locate a person."""
    if not isinstance(record, dict):
        return []
    return sorted(f"record:{name}" for name in _RECORD_FIELDS if _filled(record.get(name)))


def _container_metadata(container: dict[str, Any] | None) -> Iterable[tuple[str, dict]]:
    if not isinstance(container, dict):
        return
    if isinstance(container.get("metadata"), dict):
        yield "container", container["metadata"]
    for stream in container.get("streams") or ():
        if isinstance(stream, dict) and isinstance(stream.get("metadata"), dict):
            yield f"stream{stream.get('index', '')}", stream["metadata"]


def shareable_tags(tags: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in tags.items() if name in SHAREABLE_TAGS}


def shareable_container(container: dict[str, Any] | None) -> dict[str, Any] | None:
    if not isinstance(container, dict):
        return None
    out = {k: container.get(k) for k in SHAREABLE_CONTAINER}
    out["streams"] = [{k: s.get(k) for k in SHAREABLE_STREAM if k in s}
                      for s in container.get("streams") or () if isinstance(s, dict)]
    return out
