"""The analysis step timer: silent unless asked, and nested names when asked."""

import json

from marsad.core import steps


def test_off_unless_the_variable_is_set(tmp_path, monkeypatch):
    monkeypatch.delenv(steps.ENV, raising=False)
    with steps.item("abc"), steps.step("outer"):
        assert list(steps.timed("decode", iter([1, 2]))) == [1, 2]
    assert not list(tmp_path.iterdir())


def test_nested_steps_and_timed_iterators_write_one_line_each(tmp_path, monkeypatch):
    out = tmp_path / "steps.jsonl"
    monkeypatch.setenv(steps.ENV, str(out))
    with steps.item("abc"), steps.step("task"):
        with steps.step("fingerprint"):
            assert list(steps.timed("decode", iter("xy"))) == ["x", "y"]
        assert not out.exists()  # buffered until the outermost step ends
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["step"] for x in lines] == ["task/fingerprint/decode", "task/fingerprint", "task"]
    assert {x["item"] for x in lines} == {"abc"}
    assert lines[2]["s"] >= lines[1]["s"] >= lines[0]["s"] >= 0
