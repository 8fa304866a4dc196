"""CSV in UTF-8 with a byte-order mark, so Excel shows Arabic correctly when it opens it."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any


class CSVExporter:
    name = "csv"
    suffix = ".csv"

    def write(self, columns: list[str], rows: list[dict[str, Any]], path: Path) -> None:
        with open(path, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: "" if v is None else v for k, v in row.items()})
