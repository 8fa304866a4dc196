"""Leaves are RFC 8785 canonical JSON: the fast path must agree with `rfc8785` byte for byte."""

from datetime import datetime, timezone

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from marsad.core.custody.leaves import Event, canonical, digest, parse_leaf

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=500, deadline=None)
@given(json_values)
def test_canonical_agrees_with_rfc8785(value):
    assert canonical(value) == rfc8785.dumps(value)


def test_control_characters_and_non_bmp_text():
    value = {"b": "\x00\x1f\u2028\x7f\"\\ \U0001f600", "a": [1, -0, True, None], "\U0001f600": 1, "\ue000": 2}
    assert canonical(value) == rfc8785.dumps(value)


def test_leaf_has_the_fields_and_hashes_details():
    when = datetime(2019, 5, 4, 6, 17, tzinfo=timezone.utc)
    event = Event("capture", when, "actor:1", {"name": "marsad", "version": "0"}, item="a" * 64,
                  details={"original_path": "/phone/DCIM/x.jpg"})
    leaf = parse_leaf(event.leaf())
    assert leaf == {"v": 1, "type": "capture", "time": "2019-05-04T06:17:00.000000Z", "actor": "actor:1",
                    "item": "a" * 64, "inputs": [], "outputs": [], "tool": {"name": "marsad", "version": "0"},
                    "details": digest({"original_path": "/phone/DCIM/x.jpg"})}
    assert b"/phone/" not in event.leaf(), "restricted details never enter the leaf"
    with pytest.raises(ValueError):
        Event("x", datetime(2019, 1, 1), "a", {}).leaf()
