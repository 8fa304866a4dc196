"""Excel workbooks (openpyxl): one sheet, a bold frozen header, columns sized to fit.

Every text cell is written so that it reads in Excel as it was written and cannot
act: a would-be formula gets the CSV export's apostrophe (so no `=HYPERLINK` goes
live), control characters Excel's format cannot hold are shown as `\\xNN`, and a text
over Excel's 32,767-character limit is cut with a marker that says how much is left out."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from .export_csv import spreadsheet_safe

CELL_MAX = 32_767  # Excel's limit for the characters in one cell
_MARKER_ROOM = 100  # room kept at the end of a cut cell for the marker


def _escape(match) -> str:
    return f"\\x{ord(match.group()):02x}"


@cache
def _illegal():
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE


def xlsx_cell(value: Any) -> Any:
    """A row value as a safe, whole-or-visibly-cut cell value."""
    if not isinstance(value, str):
        return value
    value = _illegal().sub(_escape, spreadsheet_safe(value))
    if len(value) > CELL_MAX:
        kept = CELL_MAX - _MARKER_ROOM
        value = value[:kept] + f" […cut here: {len(value) - kept:,} more characters; an Excel cell holds {CELL_MAX:,}]"
    return value


_PLAIN = (str, int, float, bool, type(None))  # what the fast row writer writes as openpyxl would


class XLSXExporter:
    name = "xlsx"
    suffix = ".xlsx"

    def write(self, columns: list[str], rows: list[dict[str, Any]], path: Path) -> None:
        cells = [[xlsx_cell(row.get(c)) for c in columns] for row in rows]
        plain = all(type(v) in _PLAIN and not (isinstance(v, str) and v.startswith("=") and len(v) > 1)
                    for line in cells for v in line)
        # openpyxl makes the workbook; the rows of plain values, most of the work, are written here
        # as openpyxl writes them (several times faster than its cell objects: a 3,000-row sheet took seconds)
        self._workbook(columns, rows, [] if plain else cells, path)
        if plain and cells:
            _append_rows(path, cells)

    @staticmethod
    def _workbook(columns: list[str], rows: list[dict[str, Any]], cells: list[list[Any]], path: Path) -> None:
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        book = Workbook(write_only=True)
        sheet = book.create_sheet("incidents")
        sheet.freeze_panes = "A2"
        for i, column in enumerate(columns, 1):  # before any row: the widths come first in the file
            width = max([len(str(column))] + [len(str(r.get(column) or "")) for r in rows[:500]])
            sheet.column_dimensions[get_column_letter(i)].width = min(60, width + 2)
        bold = Font(bold=True)
        header = []
        for c in columns:
            cell = WriteOnlyCell(sheet, value=xlsx_cell(c))
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for line in cells:
            sheet.append(line)
        book.save(path)


def _append_rows(path: Path, cells: list[list[Any]]) -> None:
    """Add rows 2.. of plain values to the workbook's one sheet, in the XML openpyxl writes for them."""
    import re
    import zipfile
    from xml.sax.saxutils import escape

    from openpyxl.compat import safe_string
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(i) for i in range(1, max(len(line) for line in cells) + 1)]
    out = []
    for r, line in enumerate(cells, 2):
        out.append(f'<row r="{r}">')
        for letter, v in zip(letters, line):
            if v is None:
                continue
            if isinstance(v, str):
                if v == "":
                    out.append(f'<c r="{letter}{r}" t="inlineStr" />')
                    continue
                space = ' xml:space="preserve"' if v.strip() and v.strip() != v else ""
                out.append(f'<c r="{letter}{r}" t="inlineStr"><is><t{space}>{escape(v)}</t></is></c>')
            else:
                out.append(f'<c r="{letter}{r}" t="{"b" if isinstance(v, bool) else "n"}"><v>{safe_string(v)}</v></c>')
        out.append("</row>")
    sheet = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as old:
        members = [(info, old.read(info)) for info in old.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info, data in members:
            if info.filename == sheet:
                head, sep, tail = data.decode("utf-8").rpartition("</sheetData>")
                if not sep:
                    raise ValueError(f"{path}: no sheetData in {sheet}")
                data = (head + "".join(out) + sep + tail).encode("utf-8")
                data = re.sub(rb'<dimension ref="[^"]*" ?/>', b"", data)  # none is written in write-only mode
            new.writestr(info, data)
