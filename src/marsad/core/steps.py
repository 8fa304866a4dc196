"""Where analysis time goes: a step timer that costs nothing unless asked for.

With MARSAD_PROFILE_STEPS=path.jsonl set, each timed step appends one JSON line
{"item", "step", "s", "t", "pid"} to that file; `step` names nest ("analysis/
fingerprint/decode"), so a reader can split a step's time into its parts and
what is left. Lines are buffered and written when the outermost step ends, so
the writing is not counted inside any step. Unset, a step is one dict lookup.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

ENV = "MARSAD_PROFILE_STEPS"
T = TypeVar("T")

_stack: list[str] = []
_lines: list[dict] = []
_item = ""


def enabled() -> bool:
    return bool(os.environ.get(ENV))


@contextmanager
def item(name: str) -> Iterator[None]:
    """Steps inside are attributed to item `name` (a short digest prefix, never a path)."""
    global _item
    before, _item = _item, name
    try:
        yield
    finally:
        _item = before


@contextmanager
def step(name: str) -> Iterator[None]:
    if not os.environ.get(ENV):
        yield
        return
    _stack.append(name)
    path = "/".join(_stack)
    start, t = time.perf_counter(), time.time()
    try:
        yield
    finally:
        add(path, time.perf_counter() - start, t, full=True)
        _stack.pop()


def add(name: str, seconds: float, t: float | None = None, full: bool = False) -> None:
    """Record `seconds` spent in `name` (nested under the running steps unless `full`)."""
    if not os.environ.get(ENV):
        return
    path = name if full else "/".join([*_stack, name])
    _lines.append({"item": _item, "step": path, "s": round(seconds, 6), "t": t or time.time(), "pid": os.getpid()})
    if len(_stack) <= (1 if full else 0):
        _flush()


def timed(name: str, values: Iterator[T]) -> Iterator[T]:
    """`values`, with the time spent producing them (e.g. decoding frames) recorded as one step."""
    if not os.environ.get(ENV):
        yield from values
        return
    spent, t = 0.0, time.time()
    it = iter(values)
    try:
        while True:
            start = time.perf_counter()
            try:
                value = next(it)
            except StopIteration:
                return
            finally:
                spent += time.perf_counter() - start
            yield value
    finally:
        add(name, spent, t)


def _flush() -> None:
    path = os.environ.get(ENV)
    if path and _lines:
        with open(path, "a") as f:  # one write per outer step; O_APPEND keeps workers' lines whole
            f.write("".join(json.dumps(line) + "\n" for line in _lines))
        _lines.clear()
