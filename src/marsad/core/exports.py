"""The Exporter protocol: one way to plug in a new data export format.

An exporter writes a table (an ordered list of columns and one dict per row,
values already plain: str, int, float, bool or None) to a file. Rows with
`latitude` and `longitude` can become map features."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Exporter(Protocol):
    name: str  # what --format says
    suffix: str

    def write(self, columns: list[str], rows: list[dict[str, Any]], path: Path) -> None:
        """Write the rows to `path`."""
