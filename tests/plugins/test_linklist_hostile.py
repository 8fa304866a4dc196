"""A link list whose header holds a cell over the csv module's 128 KiB field limit: the list
is kept and the failure named, never an exception that takes the ingest down."""

import csv

from marsad.plugins.linklist import LinkListSource


def test_a_header_cell_over_128_kib_is_a_named_failure_and_the_list_is_kept(tmp_path):
    big = tmp_path / "links.csv"
    big.write_text("url,notes," + "x" * (csv.field_size_limit() + 10) + "\nhttps://example.org/a,hi,z\n",
                   encoding="utf-8")
    source = LinkListSource()
    assert source.recognises(str(big))
    kept, failure = list(source.sightings(str(big)))
    assert kept.path is not None and kept.error is None and kept.details["role"] == "link list"
    assert failure.path is None and failure.display_path.endswith("links.csv:line 1")
    assert "header row unreadable (field larger than field limit" in failure.error

