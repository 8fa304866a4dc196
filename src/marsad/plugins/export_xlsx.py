"""Excel workbooks (openpyxl): one sheet, a bold frozen header, columns sized to fit."""

from __future__ import annotations

from pathlib import Path
from typing import Any


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
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([row.get(c) for c in columns])
        sheet.freeze_panes = "A2"
        for i, column in enumerate(columns, 1):
            width = max([len(str(column))] + [len(str(r.get(column) or "")) for r in rows[:500]])
            sheet.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
        book.save(path)
