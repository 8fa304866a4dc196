"""CSV exports cannot carry a spreadsheet formula out of a report."""

import csv

from marsad.plugins.export_csv import CSVExporter


def test_formula_cells_are_neutralised_and_numbers_kept(tmp_path):
    rows = [{"title": '=HYPERLINK("http://evil.example","click")', "notes": "@SUM(A1:A9)", "n": -5, "m": "-3.5",
             "place": "كفرنبل", "other": "+1 more"}]
    out = tmp_path / "x.csv"
    CSVExporter().write(list(rows[0]), rows, out)
    [read] = list(csv.DictReader(open(out, encoding="utf-8-sig")))
    assert read["title"].startswith("'=") and read["notes"] == "'@SUM(A1:A9)" and read["other"] == "'+1 more"
    assert read["n"] == "-5" and read["m"] == "-3.5" and read["place"] == "كفرنبل"
