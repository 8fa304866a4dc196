"""Plain-data views of evidence, shared by the CLI's --json and (later) the API."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from .models import Item


class ItemNotFound(LookupError):
    pass


def find_item(sha_or_prefix: str) -> Item:
    prefix = sha_or_prefix.strip().lower()
    if len(prefix) < 6:
        raise ItemNotFound("give at least 6 characters of the SHA-256")
    matches = list(Item.objects.filter(sha256__startswith=prefix)[:2])
    if not matches:
        raise ItemNotFound(f"no item with SHA-256 starting {prefix}")
    if len(matches) > 1:
        raise ItemNotFound(f"{prefix} matches several items; give more characters")
    return matches[0]


def item_summary(item: Item, captures: int | None = None) -> dict[str, Any]:
    return {
        "sha256": item.sha256,
        "kind": item.kind,
        "size": item.size,
        "mime": item.mime,
        "captures": captures if captures is not None else item.captures.count(),
        "first_seen": item.first_seen.isoformat(),
        "captured_at": item.captured_at_text or None,
        "captured_at_source": item.captured_at_source or None,
        "gps": {"lat": item.gps_lat, "lon": item.gps_lon} if item.gps_lat is not None else None,
        "device": " ".join(p for p in (item.make, item.model) if p) or None,
        "width": item.width,
        "height": item.height,
        "duration_s": item.duration_s,
        "codec": item.codec or None,
        "analysis": item.analysis,
        "analysis_errors": item.analysis_errors,
    }


def list_items(kind: str | None = None, since=None, gone: bool = False) -> list[dict[str, Any]]:
    query = Item.objects.annotate(n_captures=Count("captures")).order_by("first_seen", "id")
    if gone:
        from .recheck import gone_items

        query = query.filter(sha256__in=gone_items())
    if kind:
        query = query.filter(kind=kind)
    if since:
        query = query.filter(first_seen__gte=since)
    return [item_summary(item, item.n_captures) for item in query]


def item_detail(item: Item) -> dict[str, Any]:
    from marsad.custody.models import LogEntry

    detail = item_summary(item)
    detail["blake2b"] = item.blake2b
    detail["captures"] = [
        {
            "source_kind": c.source_kind,
            "original_path": c.original_path,
            "original_name": c.original_name,
            "file_mtime": c.file_mtime.isoformat() if c.file_mtime else None,
            "ingested_at": c.ingested_at.isoformat(),
            "ingested_by": c.ingested_by,
            "url": c.url or None,
            "channel": c.channel or None,
            "post_id": c.post_id or None,
            "posted_at": c.posted_at.isoformat() if c.posted_at else None,
            "text": c.text or None,
            "source_details": c.source_details or None,
            "log_index": c.log_index,
        }
        for c in item.captures.all()
    ]
    detail["derivatives"] = [
        {"role": d.role, "sha256": d.sha256, "mime": d.mime, "size": d.size}
        for d in item.derivatives.order_by("role")
    ]
    detail["analyses"] = [
        {"step": a.step, "ok": a.ok, "error": a.error or None, "tool": a.tool}
        for a in item.analyses.order_by("log_index")
    ]
    metadata = item.analyses.filter(step="metadata").first()
    detail["metadata"] = metadata.result.get("exiftool", {}) if metadata else {}
    detail["container"] = metadata.result.get("container") if metadata else None
    detail["events"] = [
        {"index": i, "type": t, "time": tm.isoformat()}
        for i, t, tm in LogEntry.objects.filter(item=item.sha256).values_list("index", "type", "time")
    ]
    return detail
