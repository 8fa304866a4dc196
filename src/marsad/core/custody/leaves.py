"""Custody log leaves: one event, as RFC 8785 canonical JSON.

Sensitive details (who sent a file, where a witness stood) never enter the
leaf: they are stored beside it and only a commitment to them is in the leaf, so
the leaf can be published while the details stay restricted.

Version 1 leaves commit by the SHA-256 of the details alone, so anyone holding
the leaf can confirm a guessed channel or URL. Version 2 leaves commit to the
"opening" {"details": ..., "salt": <128 random bits, hex>}, the salt stored
beside the details: without it a guess cannot be checked. Both stay verifiable.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import rfc8785

LEAF_VERSION = 1  # details unsalted (leaves written before salting)
SALTED_LEAF_VERSION = 2
LEAF_VERSIONS = (LEAF_VERSION, SALTED_LEAF_VERSION)


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


def new_salt() -> str:
    return secrets.token_hex(16)


def opening(details: Any, salt: str | None) -> Any:
    """What a leaf's "details" hash is the digest of: the details (v1) or details and salt (v2)."""
    return details if salt is None else {"details": details, "salt": salt}


def commitment(details: Any, salt: str | None) -> str | None:
    return None if details is None else digest(opening(details, salt))


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
    salt: str | None = None  # with details: a version 2 (salted) leaf

    def leaf(self) -> bytes:
        salted = self.salt is not None and self.details is not None
        return canonical(
            {
                "v": SALTED_LEAF_VERSION if salted else LEAF_VERSION,
                "type": self.type,
                "time": rfc3339(self.time),
                "actor": self.actor,
                "item": self.item,
                "inputs": self.inputs,
                "outputs": self.outputs,
                "tool": self.tool,
                "details": commitment(self.details, self.salt if salted else None),
            }
        )


def parse_leaf(leaf: bytes) -> dict[str, Any]:
    value = json.loads(leaf)
    if not isinstance(value, dict) or value.get("v") not in LEAF_VERSIONS:
        raise ValueError("not a Marsad custody leaf")
    return value
