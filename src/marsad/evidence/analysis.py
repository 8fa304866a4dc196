"""Analysis of one item: an ordered list of small steps.

Each step says whether it applies to an item's kind and computes its output
from the stored bytes alone, outside any transaction. A step's failure is a
recorded fact about the evidence (a truncated video is still evidence), not an
error of the run. All outputs, rows and custody events commit together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import av
import PIL
from django.db import transaction
from django.utils import timezone

from marsad import conf, registry
from marsad.core import exif, metadata, probe, steps, thumbnails
from marsad.core.fingerprints.base import FingerprintFailed, FrameHash
from marsad.core.fingerprints.pdq import PDQ, load_rgb
from marsad.core.custody.leaves import digest
from marsad.custody import log

from .ingest import store
from .models import AnalysisResult, Derivative, Item


@dataclass
class StepOutput:
    result: dict[str, Any] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # role -> JPEG bytes
    error: str = ""
    fingerprint: list[FrameHash] | None = None
    pixels: Any = None  # a photo decoded once, handed to later steps; never recorded


class Step(Protocol):
    name: str

    def applies(self, kind: str) -> bool: ...
    def tool(self) -> dict[str, str]: ...
    def run(self, path: Path, kind: str, earlier: dict[str, StepOutput]) -> StepOutput: ...


class MetadataStep:
    name = "metadata"

    def applies(self, kind: str) -> bool:
        return True

    def tool(self) -> dict[str, str]:
        return {"name": "exiftool+pyav", "version": f"{exif.version()}+{av.__version__}"}

    def run(self, path: Path, kind: str, earlier: dict[str, StepOutput]) -> StepOutput:
        out = StepOutput()
        with steps.step("exiftool"):
            tags = exif.read(path)
        out.result["exiftool"] = tags
        errors = [str(tags[k]) for k in ("ExifTool:Error",) if k in tags]
        container = None
        if kind in ("video", "audio"):
            try:
                with steps.step("probe"):
                    container = probe.probe(path)
                out.result["container"] = container
            except probe.MediaUnreadable as e:
                errors.append(str(e))
        with steps.step("normalise"):
            out.result["facts"] = metadata.normalise(tags, container).as_dict()
        out.error = "; ".join(errors)
        return out


class ThumbnailStep:
    name = "thumbnails"

    def applies(self, kind: str) -> bool:
        return kind in ("image", "video")

    def tool(self) -> dict[str, str]:
        return {"name": "pillow+pyav", "version": f"{PIL.__version__}+{av.__version__}"}

    def run(self, path: Path, kind: str, earlier: dict[str, StepOutput]) -> StepOutput:
        size = conf.get("thumbnail_px")
        try:
            if kind == "image":
                rgb = _decoded_once(path)
                if rgb is not None and max(rgb.shape[:2]) >= size:
                    return StepOutput(files={"thumbnail": thumbnails.pixels_thumbnail(rgb, size)}, pixels=rgb)
                # smaller than the thumbnail: decoded at the thumbnail's own scale (the hashes' decode
                # is still handed on)
                return StepOutput(files={"thumbnail": thumbnails.image_thumbnail(path, size)}, pixels=rgb)
            poster, sheet = thumbnails.video_pictures(path, size, conf.get("contact_sheet_frames"))
            return StepOutput(files={"poster": poster, "contact_sheet": sheet})
        except thumbnails.ThumbnailFailed as e:
            return StepOutput(error=str(e))


class FingerprintStep:
    """Perceptual hashes (PDQ, video PDQ) with the registered fingerprinter for the kind."""

    name = "fingerprint"

    def applies(self, kind: str) -> bool:
        return registry.fingerprinter_for(kind) is not None

    def tool(self) -> dict[str, str]:
        return {"name": "fingerprints", "version": ",".join(
            f"{f.name}-{f.version}" for f in registry.fingerprinters().values())}

    def run(self, path: Path, kind: str, earlier: dict[str, StepOutput]) -> StepOutput:
        fingerprinter = registry.fingerprinter_for(kind)
        decoded = earlier.get(ThumbnailStep.name)
        try:
            if decoded is not None and decoded.pixels is not None and isinstance(fingerprinter, PDQ):
                frames = fingerprinter.compute_pixels(decoded.pixels)
                decoded.pixels = None  # its work done: free it before the results are recorded
            else:
                frames = fingerprinter.compute(path)
        except FingerprintFailed as e:
            return StepOutput(error=str(e))
        return StepOutput(
            result={"algorithm": fingerprinter.name, "version": fingerprinter.version, "frames": len(frames),
                    "hashes": [f.hash.hex() for f in frames]},
            fingerprint=frames,
        )


STEPS: list[Step] = [MetadataStep(), ThumbnailStep(), FingerprintStep()]


def _decoded_once(path: Path) -> Any:
    """A photo's pixels as its fingerprinter decodes them (draft scale, turned upright), for the
    thumbnail to be made from the same decode; None where the fingerprinter decodes otherwise
    or cannot decode it (the thumbnail's own decode then reports why)."""
    if not isinstance(registry.fingerprinter_for("image"), PDQ):
        return None
    try:
        with steps.step("decode"):
            return load_rgb(path)
    except FingerprintFailed:
        return None


def analyse(sha256: str) -> dict[str, Any]:
    """Run every applicable step on an item and record the results once."""
    with steps.step("load item"):
        item = Item.objects.get(sha256=sha256)
    if item.analysis != Item.Analysis.PENDING:
        return {"sha256": sha256, "analysis": item.analysis, "skipped": True}
    blob_store = store()
    path = blob_store.path(sha256)
    outputs: dict[str, StepOutput] = {}
    for step in STEPS:
        if step.applies(item.kind):
            with steps.step(step.name):
                outputs[step.name] = step.run(path, item.kind, outputs)
    with steps.step("store derivatives"):
        blobs = {role: blob_store.put_bytes(data) for out in outputs.values() for role, data in out.files.items()}
    with steps.step("record"):
        return _record(sha256, outputs, blobs)


def analyse_or_record_crash(sha256: str) -> dict[str, Any]:
    """The task's body. A crash (a bug, not bad evidence) is recorded on the item,
    so it is reported instead of staying 'pending' and being retried for ever."""
    try:
        return analyse(sha256)
    except Exception as e:  # the task boundary: anything unexpected must be recorded
        _record(sha256, {"analysis": StepOutput(error=f"internal error: {type(e).__name__}: {e}")}, {})
        raise


def _record(sha256: str, outputs: dict[str, StepOutput], blobs: dict) -> dict[str, Any]:
    tools = {name: log.TOOL for name in outputs} | {s.name: s.tool() for s in STEPS if s.name in outputs}
    with transaction.atomic():
        with steps.step("lock log and item"):
            log.lock_head()
            item = Item.objects.select_for_update().get(sha256=sha256)
        if item.analysis != Item.Analysis.PENDING:  # another worker finished first
            return {"sha256": sha256, "analysis": item.analysis, "skipped": True}
        now = timezone.now()
        errors, queued = [], []
        # Each result and derivative row with its custody event; the events appended in one
        # batch (one lock, one head update: the same leaves in the same order as one by one).
        events, rows = [], []
        for name, out in outputs.items():
            if out.error:
                errors.append({"step": name, "reason": out.error})
            events.append(log.event(
                "analysis",
                item=sha256,
                time=now,
                tool=tools[name],
                inputs=[{"sha256": sha256}],
                outputs=[{"step": name, "result": digest(out.result), "ok": not out.error}],
            ))
            rows.append((AnalysisResult, {
                "item": item, "step": name, "ok": not out.error, "result": out.result, "error": out.error,
                "tool": tools[name], "created": now,
            }))
            for role in out.files:
                blob = blobs[role]
                events.append(log.event(
                    "derive",
                    item=sha256,
                    time=now,
                    tool=tools[name],
                    inputs=[{"sha256": sha256}],
                    outputs=[{"sha256": blob.sha256, "role": role, "mime": "image/jpeg", "size": blob.size}],
                ))
                rows.append((Derivative, {
                    "item": item, "role": role, "sha256": blob.sha256, "mime": "image/jpeg", "size": blob.size,
                    "created": now,
                }))
        with steps.step("custody events"):
            appended = log.append(events)
        for (model, fields), entry in zip(rows, appended, strict=True):
            _create(model, **fields, log_index=entry.index)
        for out in outputs.values():
            if out.fingerprint:
                from marsad.matching.service import record_fingerprint
                from marsad.matching.tasks import match_item

                with steps.step("fingerprint rows"):
                    record_fingerprint(item, out.result["algorithm"], out.result["version"], out.fingerprint)
                with steps.step("enqueue matching"):
                    queued.append(str(match_item.enqueue(sha256).id))
        facts = outputs["metadata"].result.get("facts", {}) if "metadata" in outputs else {}
        _apply_facts(item, facts)
        item.analysis = Item.Analysis.FAILED if errors else Item.Analysis.DONE
        item.analysis_errors = errors
        with steps.step("db writes"):
            item.save()
    # the matching queued here, which the worker may run at once (`marsad.workers.inline`)
    return {"sha256": sha256, "analysis": item.analysis, "errors": errors} | ({"match_task": queued[0]} if queued else {})


def _create(model: type, **fields: Any) -> Any:
    with steps.step("db writes"):
        return model.objects.create(**fields)


def _apply_facts(item: Item, facts: dict[str, Any]) -> None:
    when = facts.get("captured_at")
    if when:
        local, offset = metadata.parse_time(when) or (None, None)
        if local is not None:
            item.captured_at = metadata.CaptureTime(local, offset, "").instant()
        item.captured_at_text = when
        item.captured_at_source = facts.get("captured_at_source") or ""
        item.tz_known = facts.get("tz_known")
    item.gps_lat, item.gps_lon = facts.get("gps_lat"), facts.get("gps_lon")
    item.make = facts.get("make") or ""
    item.model = facts.get("model") or ""
    item.width, item.height = facts.get("width"), facts.get("height")
    item.duration_s = facts.get("duration_s")
    item.codec = facts.get("codec") or ""
