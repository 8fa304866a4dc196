"""Fixity: re-hash stored blobs and record what was found as a custody event."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from marsad.core.custody import merkle
from marsad.core.custody.leaves import canonical
from marsad.core.store import BlobMissing, LocalStore

from . import log


@dataclass
class FixityReport:
    checked: int = 0
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (sha256, what, label)
    orphans: list[str] = field(default_factory=list)  # in the store, unknown to the database
    root: str = ""
    log_index: int = -1


def _expected() -> dict[str, tuple[str, str]]:
    """Every blob the database says the store holds: sha256 -> (label, blake2b or '')."""
    from marsad.evidence.models import Derivative, Item

    blobs: dict[str, tuple[str, str]] = {}
    for sha, blake, name in Item.objects.values_list("sha256", "blake2b", "captures__original_name"):
        blobs.setdefault(sha, (name or "item", blake))
    for sha, role, item_sha in Derivative.objects.values_list("sha256", "role", "item__sha256"):
        blobs.setdefault(sha, (f"{role} of {item_sha[:12]}", ""))
    return blobs


def blob_status(store: LocalStore, sha: str, blake: str = "") -> str:
    """"ok", "changed" (its bytes no longer give its SHA-256, or its BLAKE2b when known) or
    "missing"."""
    try:
        got_sha, got_blake, _size = store.digest(sha)
    except BlobMissing:
        return "missing"
    return "changed" if got_sha != sha or (blake and got_blake != blake) else "ok"


def check_fixity(store: LocalStore, sample: int | None = None,
                 progress: Callable[[int], None] | None = None) -> FixityReport:
    expected = _expected()
    shas = sorted(expected)
    if sample is not None and sample < len(shas):
        shas = sorted(random.SystemRandom().sample(shas, sample))
    report = FixityReport()
    results = []
    for sha in shas:
        label, blake = expected[sha]
        status = blob_status(store, sha, blake)
        if status != "ok":
            report.problems.append((sha, status, label))
        results.append({"sha256": sha, "status": status})
        report.checked += 1
        if progress:
            progress(report.checked)
    if sample is None:
        report.orphans = sorted(set(store) - set(expected))
    # The results' Merkle root lets anyone later check this exact list against the leaf.
    report.root = merkle.root([merkle.leaf_hash(canonical(r)) for r in results]).hex()
    with transaction.atomic():
        entry = log.record(
            "fixity",
            outputs=[{"checked": report.checked, "failed": len(report.problems), "results_root": report.root,
                      "sample": sample, "orphans": len(report.orphans)}],
            details={"results": results},
        )
    report.log_index = entry.index
    return report
