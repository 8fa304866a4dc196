"""Review finding on the project import: a code kept as it came must be one the pages can
link to; a code such as "a/b" (any ZIP can say so: its manifest is not signed) would
have made every page listing the incident fail (NoReverseMatch)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marsad.interop.project_import import _codes


@pytest.mark.django_db
def test_a_code_no_page_could_link_to_is_renumbered():
    odd = ["a/b", "", " SYR1", "x" * 40, "../SYR2", "SYR\x002"]
    mapping = _codes(["SYR000007", "ABC-2019.001", *odd])
    assert mapping["SYR000007"] == "SYR000007" and mapping["ABC-2019.001"] == "ABC-2019.001"
    for code in odd:
        assert mapping[code].startswith("SYR") and mapping[code] != code
    assert len(set(mapping.values())) == len(mapping)
    for code in mapping.values():
        reverse("incidents:detail", args=[code])
