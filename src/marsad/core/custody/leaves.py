"""Custody log leaves: one event, as RFC 8785 canonical JSON.

Sensitive details (who sent a file, where a witness stood) never enter the
leaf: they are stored beside it and only their SHA-256 is in the leaf, so the
leaf can be published while the details stay restricted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import rfc8785

LEAF_VERSION = 1


_MAX_SAFE_INT = 2**53 - 1


def _plain(value: Any) -> bool:
    """True when JSON text from `json.dumps(sort_keys=True)` is already RFC 8785 canonical:
    only strings, safe integers, booleans and null, with ASCII keys (whose code-point
    order equals JCS's UTF-16 order). Floats and odd keys go through `rfc8785`."""
    stack = [value]
    while stack:
        v = stack.pop()
        t = type(v)
        if t is str or t is bool or v is None:
            continue
        if t is int:
            if -_MAX_SAFE_INT <= v <= _MAX_SAFE_INT:
                continue
            return False
        if t is dict:
            for k, x in v.items():
                if type(k) is not str or not k.isascii():
                    return False
                stack.append(x)
            continue
        if t is list:
            stack.extend(v)
            continue
        return False
    return True


def canonical(value: Any) -> bytes:
    """RFC 8785 (JCS) canonical JSON. The common case takes the C JSON encoder, which
    escapes exactly as JCS does for these types (a property test checks it against
    `rfc8785` itself); anything else is serialised by `rfc8785`."""
    if _plain(value):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return rfc8785.dumps(value)


def digest(value: Any) -> str:
    """SHA-256 hex of a JSON value's canonical form."""
    return hashlib.sha256(canonical(value)).hexdigest()


def rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("custody times must be timezone-aware")
    return moment.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


@dataclass(frozen=True)
class Event:
    type: str
    time: datetime
    actor: str
    tool: dict[str, str]
    item: str | None = None
    inputs: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] | None = None  # stored beside the leaf, hashed into it

    def leaf(self) -> bytes:
        return canonical(
            {
                "v": LEAF_VERSION,
                "type": self.type,
                "time": rfc3339(self.time),
                "actor": self.actor,
                "item": self.item,
                "inputs": self.inputs,
                "outputs": self.outputs,
                "tool": self.tool,
                "details": digest(self.details) if self.details is not None else None,
            }
        )


def parse_leaf(leaf: bytes) -> dict[str, Any]:
    value = json.loads(leaf)
    if not isinstance(value, dict) or value.get("v") != LEAF_VERSION:
        raise ValueError("not a Marsad custody leaf")
    return value
