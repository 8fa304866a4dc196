"""GeoJSON (RFC 7946): a FeatureCollection of points, longitude first, WGS 84; a row
without coordinates is a feature with a null geometry (kept, not dropped)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class GeoJSONExporter:
    name = "geojson"
    suffix = ".geojson"

    def write(self, columns: list[str], rows: list[dict[str, Any]], path: Path) -> None:
        features = []
        for row in rows:
            lat, lon = row.get("latitude"), row.get("longitude")
            geometry = {"type": "Point", "coordinates": [lon, lat]} if lat is not None and lon is not None else None
            features.append({"type": "Feature", "id": row.get("event_id_cnty"), "geometry": geometry,
                             "properties": {c: row.get(c) for c in columns}})
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1),
                        encoding="utf-8")
