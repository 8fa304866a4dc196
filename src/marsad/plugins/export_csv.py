"""CSV in UTF-8 with a byte-order mark, so Excel shows Arabic correctly when it opens it.

A text cell that a spreadsheet would run as a formula (a title beginning with `=`,
`+`, `-`, `@`, a tab or a carriage return: anyone can write one into a report) is
written with a leading apostrophe, as OWASP advises; numbers are left as they are."""

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
                writer.writerow({k: spreadsheet_safe(v) for k, v in row.items()})


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """The value as a spreadsheet cell that cannot run: text a spreadsheet would take for a
    formula gets a leading apostrophe (OWASP); numbers, and text that reads as one, stay."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
