"""Where other parts of publishing plug in once they exist.

`published(out, files, manifest_sha256)` runs after every publish run, with each
published file's site path and SHA-256. The public publication log
(marsad.core.publog, built separately) will append its leaves and write its
tiles and proofs here; until then it does nothing."""

from __future__ import annotations

from pathlib import Path


def published(out: Path, files: list[dict[str, str]], manifest_sha256: str) -> list[str]:
    """Tell the public log what was published; returns the site paths it added (none yet)."""
    return []
