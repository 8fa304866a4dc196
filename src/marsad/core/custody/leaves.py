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


def canonical(value: Any) -> bytes:
    return rfc8785.dumps(value)


def digest(value: Any) -> str:
    """SHA-256 hex of a JSON value's canonical form."""
    return hashlib.sha256(canonical(value)).hexdigest()


def rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("custody times must be timezone-aware")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
