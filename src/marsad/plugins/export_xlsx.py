"""Excel workbooks (openpyxl): one sheet, a bold frozen header, columns sized to fit.

Every text cell is written so that it reads in Excel as it was written and cannot
act: a would-be formula gets the CSV export's apostrophe (so no `=HYPERLINK` goes
live), control characters Excel's format cannot hold are shown as `\\xNN`, and a text
over Excel's 32,767-character limit is cut with a marker that says how much is left out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .export_csv import spreadsheet_safe

CELL_MAX = 32_767  # Excel's limit for the characters in one cell
_MARKER_ROOM = 100  # room kept at the end of a cut cell for the marker


def _escape(match) -> str:
    return f"\\x{ord(match.group()):02x}"


def xlsx_cell(value: Any) -> Any:
    """A row value as a safe, whole-or-visibly-cut cell value."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub(_escape, spreadsheet_safe(value))
    if len(value) > CELL_MAX:
        kept = CELL_MAX - _MARKER_ROOM
        value = value[:kept] + f" […cut here: {len(value) - kept:,} more characters; an Excel cell holds {CELL_MAX:,}]"
    return value


class XLSXExporter:
    name = "xlsx"
    suffix = ".xlsx"

    def write(self, columns: list[str], rows: list[dict[str, Any]], path: Path) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        book = Workbook()
        sheet = book.active
        sheet.title = "incidents"
        sheet.append([xlsx_cell(c) for c in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([xlsx_cell(row.get(c)) for c in columns])
        sheet.freeze_panes = "A2"
        for i, column in enumerate(columns, 1):
            width = max([len(str(column))] + [len(str(r.get(column) or "")) for r in rows[:500]])
            sheet.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
        book.save(path)
