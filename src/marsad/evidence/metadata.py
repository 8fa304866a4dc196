"""Reading what the metadata step (evidence.analysis.MetadataStep) found: exiftool's
tags for an item, {} when it has not run, failed or holds something else."""

from __future__ import annotations

from .models import AnalysisResult


def exiftool_tags(item_id: int) -> dict:
    result = AnalysisResult.objects.filter(item_id=item_id, step="metadata").values_list("result", flat=True).first()
    tags = result.get("exiftool") if isinstance(result, dict) else None
    return tags if isinstance(tags, dict) else {}
