"""The manifest: every published file with its size and SHA-256, sorted, as
canonical JSON; and zip files made byte-reproducible (fixed times and order)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from datetime import datetime
from pathlib import Path

MANIFEST = "manifest.json"
FORMAT = "marsad-publication/1"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def build(root: Path, files: list[str], extra: dict | None = None,
          known: dict[str, tuple[str, int]] | None = None) -> bytes:
    """The manifest of `files` (site paths under `root`), every file hashed as written
    (`known`: path -> (SHA-256, size) of files whose bytes were hashed as they were written)."""
    known = known or {}
    entries = [{"path": p, "sha256": known[p][0], "size": known[p][1]} if p in known else
               {"path": p, "sha256": sha256_file(root / p), "size": (root / p).stat().st_size}
               for p in sorted(set(files))]
    body = {"format": FORMAT, **(extra or {}), "files": entries}
    return (json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()


def reproducible_zip(path: Path, when: datetime, rewrite: dict[str, list[tuple[bytes, bytes]]] | None = None) -> None:
    """Rewrite a zip (an XLSX) with its members sorted and dated `when`, and regular-expression
    rewrites applied per member (e.g. a creation time the writer took from the clock)."""
    with zipfile.ZipFile(path) as old:
        members = sorted((info.filename, old.read(info)) for info in old.infolist())
    out = io.BytesIO()
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in members:
            for pattern, replacement in (rewrite or {}).get(name, []):
                data = re.sub(pattern, replacement, data)
            info = zipfile.ZipInfo(name, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            new.writestr(info, data)
    path.write_bytes(out.getvalue())
