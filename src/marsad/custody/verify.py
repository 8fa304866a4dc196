"""`marsad log verify`: recompute everything the log claims and compare.

1. Every stored leaf is re-hashed and the tree rebuilt from the leaves alone.
2. Every checkpoint's signature is checked against the workspace key, its root
   against the rebuilt tree, and each against the next by a consistency proof
   built from the stored nodes (so tampered nodes are caught too).
3. Every database row that an event describes is compared with its leaf, and
   every event's row must exist: no row without its event, no event without its row.
4. Checkpoints kept outside the database (the workspace's `log/checkpoints`, files
   given, a verifier's cache) must each be signed and name a prefix of the log now:
   someone who can write the database cannot then delete or rewrite signed history.
   A log with events must have a checkpoint, and event times must not go backwards.
5. The current state that exports and pages read (incidents, their evidence links,
   places, the facts items show) must be what the events add up to (`replay.py`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from datetime import timezone as tz
from pathlib import Path
from typing import Any

from django.conf import settings

from marsad.core.custody import merkle
from marsad.core.custody.checkpoints import CheckpointFileError, read_notes
from marsad.core.custody.leaves import commitment, digest, opening, rfc3339
from marsad.core.custody.note import Checkpoint as CheckpointBody
from marsad.core.custody.note import NoteError, Verifier, open_checkpoint

from . import log, replay
from .models import Checkpoint, LogEntry, LogHead, TimestampToken

CHUNK = 5000
# Events are timed before their append takes the log's lock, and a review is timed
# before the incident change it causes: a little disorder is normal, more is back-dating.
CLOCK_SLACK = timedelta(minutes=10)
MAX_LISTED = 20  # problems of one kind listed one by one; the rest are counted


@dataclass(frozen=True)
class Outside:
    """A signed checkpoint from outside the database, and where it was found."""

    source: str
    note: str


@dataclass
class Report:
    size: int = 0
    checkpoints: int = 0
    outside: int = 0
    rows_checked: int = 0
    timestamps: int = 0
    unsigned_tail: int = 0
    latest_note: str | None = None  # the largest checkpoint that verified, for a verifier's cache
    state_checked: dict[str, int] = field(default_factory=dict)  # rows compared with the replayed history
    notes: list[str] = field(default_factory=list)  # what the log cannot decide (not problems)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_outside(path: Path, label: str | None = None) -> tuple[list[Outside], list[str]]:
    """The checkpoints in a file, or the problem reading it."""
    label = label or str(path)
    try:
        notes = read_notes(path)
    except FileNotFoundError:
        return [], [f"{label} is missing"]
    except (OSError, CheckpointFileError) as e:
        return [], [f"{label}: {e.strerror if isinstance(e, OSError) else e}"]
    return [Outside(f"{label} #{n}", note) for n, note in enumerate(notes, 1)], []


def _entries() -> Iterator[tuple]:
    fields = ("index", "leaf", "leaf_hash", "type", "item", "time", "details", "salt")
    last = -1
    while True:
        rows = list(LogEntry.objects.filter(index__gt=last).order_by("index").values_list(*fields)[:CHUNK])
        if not rows:
            return
        yield from rows
        last = rows[-1][0]


def verify_log(verifier: Verifier | None = None, progress: Callable[[int], None] | None = None,
               outside: Sequence[Outside] = ()) -> Report:
    """Check the log; `outside` are checkpoints kept apart from the database (see `read_outside`)."""
    verifier = verifier or settings.WORKSPACE.verifier()
    report = Report()
    checkpoints = list(Checkpoint.objects.order_by("size", "id"))
    opened = _open_outside(outside, verifier, report)
    wanted_sizes = {c.size for c in checkpoints} | {body.size for _, _, body in opened}
    roots: dict[int, bytes] = {0: merkle.EMPTY_ROOT}
    compact = merkle.CompactRange()
    by_type: dict[str, set[int]] = {}
    items_in_log: dict[str, int] = {}
    clock = _Clock()
    state = replay.Replay()
    for index, leaf, leaf_hash, type_, item, time, details, salt in _entries():
        leaf = bytes(leaf)
        if index != compact.size:
            kind = "missing" if index > compact.size else "duplicated"
            report.problems.append(f"leaf #{compact.size}: {kind} (next stored leaf is #{index})")
            compact.size = index  # keep counting; the roots below will not match
        h = merkle.leaf_hash(leaf)
        if h != bytes(leaf_hash):
            report.problems.append(f"leaf #{index}: stored bytes do not match their recorded hash (leaf changed)")
        value = _check_columns(index, leaf, type_, item, time, details, salt, report)
        if value is not None:
            clock.see(index, value, report)
            state.see(index, value, details)
        compact.append(h)
        by_type.setdefault(type_, set()).add(index)
        if type_ == "ingest" and item:
            items_in_log.setdefault(item, index)
        if compact.size in wanted_sizes:
            roots[compact.size] = compact.root()
        if progress and index % CHUNK == 0:
            progress(index)
    report.size = compact.size

    head = LogHead.objects.filter(pk=1).first()
    if head and (head.size != compact.size or bytes(head.frontier) != compact.to_bytes()):
        report.problems.append(
            f"log head says {head.size} leaves but {compact.size} are stored, or its right edge differs"
        )
    clock.summarise(report)
    _check_checkpoints(checkpoints, roots, verifier, report)
    _check_outside(opened, roots, compact, report)
    if report.size and not checkpoints and not opened:
        report.problems.append(
            f"the log has {report.size} events but no signed checkpoint, in the database or outside it: "
            "checkpoints were deleted"
        )
    _check_rows(by_type, items_in_log, report)
    replayed = state.check()
    report.problems += replayed.listed()
    report.state_checked, report.notes = replayed.checked, replayed.notes
    _check_timestamps(report)
    return report


def _check_columns(index: int, leaf: bytes, type_: str, item: str, time, details, salt: str,
                   report: Report) -> dict[str, Any] | None:
    try:
        value: dict[str, Any] = json.loads(leaf)
    except ValueError:
        report.problems.append(f"leaf #{index}: not valid JSON")
        return None
    if not isinstance(value, dict):
        report.problems.append(f"leaf #{index}: not a custody event")
        return None
    if value.get("type") != type_ or (value.get("item") or "") != item or value.get("time") != rfc3339(time):
        report.problems.append(f"leaf #{index}: the row's type, item or time differ from the leaf")
    if value.get("details") != commitment(details, _salt(value, salt)):
        report.problems.append(f"leaf #{index}: restricted details stored beside the leaf were changed")
    return value


def _salt(leaf: dict[str, Any], salt: str) -> str | None:
    """The salt a leaf's details are committed with: none for version 1 leaves."""
    return salt if leaf.get("v") == 2 else None


class _Clock:
    """Event times must not go backwards (beyond CLOCK_SLACK), nor lie in the future.
    Imported history keeps its original times and is left out."""

    def __init__(self) -> None:
        self.latest: tuple[int, datetime] | None = None
        self.now = datetime.now(tz.utc)
        self.back: list[str] = []
        self.ahead: list[str] = []

    def see(self, index: int, leaf: dict[str, Any], report: Report) -> None:
        tool = leaf.get("tool")
        if isinstance(tool, dict) and "imported" in tool:
            return
        try:
            when = datetime.fromisoformat(str(leaf.get("time")))
        except ValueError:
            report.problems.append(f"leaf #{index}: its time {str(leaf.get('time'))[:40]!r} is not a time")
            return
        if when.tzinfo is None:
            when = when.replace(tzinfo=tz.utc)
        if when > self.now + CLOCK_SLACK:
            self.ahead.append(f"event #{index} is dated {when:%Y-%m-%d %H:%M:%S}, in the future")
        if self.latest is not None and when < self.latest[1] - CLOCK_SLACK:
            before, at = self.latest
            self.back.append(
                f"event #{index} is dated {when:%Y-%m-%d %H:%M:%S}, before event #{before} ({at:%Y-%m-%d %H:%M:%S}) "
                "that precedes it: it was back-dated (or this computer's clock was set back)"
            )
        if self.latest is None or when > self.latest[1]:
            self.latest = (index, when)

    def summarise(self, report: Report) -> None:
        for found in (self.back, self.ahead):
            report.problems.extend(found[:MAX_LISTED])
            if len(found) > MAX_LISTED:
                report.problems.append(f"... and {len(found) - MAX_LISTED} more events out of time order")


def _open_outside(outside: Sequence[Outside], verifier: Verifier,
                  report: Report) -> list[tuple[Outside, str, CheckpointBody]]:
    sources: dict[str, list[str]] = {}  # the same note in several places is checked once, named by all
    for cp in outside:
        report.outside += 1
        sources.setdefault(cp.note, []).append(cp.source)
    opened = []
    for note, found in sources.items():
        cp = Outside(" and ".join(found), note)
        try:
            opened.append((cp, note, open_checkpoint(note, verifier)))
        except NoteError as e:
            report.problems.append(f"checkpoint {cp.source}: {e}")
    return opened


def _check_outside(opened: list[tuple[Outside, str, CheckpointBody]], roots: dict[int, bytes],
                   compact: merkle.CompactRange, report: Report) -> None:
    latest: tuple[Outside, CheckpointBody] | None = None
    for cp, note, body in opened:
        name = f"checkpoint {cp.source} (size {body.size})"
        if body.size > report.size:
            report.problems.append(
                f"{name}: the log holds only {report.size} events; signed events were removed "
                "(or this workspace was restored from a backup older than this checkpoint)"
            )
        elif roots.get(body.size) != body.root:
            report.problems.append(
                f"{name}: the log's first {body.size} events no longer give this signed root "
                "(events changed, removed, inserted or reordered)"
            )
        elif latest is None or body.size > latest[1].size:
            latest = (cp, body)
            if report.latest_note is None or body.size >= _size(report.latest_note):
                report.latest_note = note
    if latest is not None:
        report.unsigned_tail = min(report.unsigned_tail, report.size - latest[1].size)
    if latest is not None and 0 < latest[1].size < report.size:
        # The stored nodes must prove it too: they are what inclusion proofs are built from.
        cp, body = latest
        try:
            proof = merkle.consistency_proof(body.size, report.size, log.fetch_nodes)
            merkle.verify_consistency(body.size, report.size, proof, body.root, compact.root())
        except (ValueError, LookupError) as e:
            report.problems.append(f"checkpoint {cp.source}: the stored tree is not consistent with it: {e}")


def _size(note: str) -> int:
    return CheckpointBody.parse(note.rpartition("\n\n")[0] + "\n").size


def _check_checkpoints(checkpoints: list[Checkpoint], roots: dict[int, bytes], verifier: Verifier,
                       report: Report) -> None:
    previous = None
    for cp in checkpoints:
        report.checkpoints += 1
        name = f"checkpoint at size {cp.size} (signed {cp.created:%Y-%m-%d %H:%M:%S})"
        try:
            body = open_checkpoint(cp.note, verifier)
        except NoteError as e:
            report.problems.append(f"{name}: {e}")
            continue
        if body.size != cp.size or body.root != bytes(cp.root):
            report.problems.append(f"{name}: its row differs from its signed note")
        if body.size not in roots:
            report.problems.append(f"{name}: the log holds only {report.size} leaves; leaves were removed")
            continue
        if roots[body.size] != body.root:
            report.problems.append(
                f"{name}: the leaves no longer give the signed root (changed, removed, inserted or reordered)"
            )
            continue
        if previous is not None and previous.size > 0:
            try:
                proof = merkle.consistency_proof(previous.size, body.size, log.fetch_nodes)
                merkle.verify_consistency(previous.size, body.size, proof, previous.root, body.root)
            except (ValueError, LookupError) as e:
                report.problems.append(f"{name}: not consistent with the checkpoint at size {previous.size}: {e}")
        previous = body
        if report.latest_note is None or body.size >= _size(report.latest_note):
            report.latest_note = cp.note
    signed = max((c.size for c in checkpoints), default=0)
    report.unsigned_tail = max(0, report.size - signed)


def _differs(leaf: dict, details: Any) -> bool:
    """True when a row's restricted details are not what its event committed to."""
    return leaf.get("details") != digest(opening(details, _salt(leaf, leaf.get(_SALT, ""))))


_SALT = "\x00salt"  # where _check_rows puts the stored salt in a parsed leaf (no leaf key can be this)


def _row_checks() -> list[tuple[str, Any, Callable[[Any, dict], str | None]]]:
    from marsad.evidence.models import AnalysisResult, Capture, Derivative, Item, SourceCheck

    def item_matches(row: Item, leaf: dict) -> str | None:
        out = (leaf.get("outputs") or [{}])[0]
        expected = {"sha256": row.sha256, "blake2b": row.blake2b, "size": row.size, "mime": row.mime}
        if leaf.get("item") != row.sha256 or out != expected:
            return f"item {row.sha256[:16]}: its sha256, size, digest or type differ from its ingest event"
        if leaf.get("time") != rfc3339(row.first_seen):
            return f"item {row.sha256[:16]}: its first-seen time differs from its ingest event"
        return None

    def capture_matches(row: Capture, leaf: dict) -> str | None:
        if leaf.get("item") != row.item.sha256:
            return f"capture #{row.pk}: points at another item than its event"
        if leaf.get("time") != rfc3339(row.ingested_at) or leaf.get("actor") != row.ingested_by:
            return f"capture #{row.pk}: its capture time or actor differ from its event"
        if _differs(leaf, row.custody_details()):
            return f"capture #{row.pk}: its source details (path, name, URL, post) differ from its event"
        return None

    def derivative_matches(row: Derivative, leaf: dict) -> str | None:
        out = (leaf.get("outputs") or [{}])[0]
        if leaf.get("item") != row.item.sha256 or out.get("sha256") != row.sha256 or out.get("role") != row.role:
            return f"derived file {row.role} of {row.item.sha256[:16]}: differs from its event"
        return None

    def analysis_matches(row: AnalysisResult, leaf: dict) -> str | None:
        out = (leaf.get("outputs") or [{}])[0]
        if leaf.get("item") != row.item.sha256 or out.get("result") != digest(row.result):
            return f"analysis {row.step} of {row.item.sha256[:16]}: its result differs from its event"
        return None

    def source_check_matches(row: SourceCheck, leaf: dict) -> str | None:
        recorded = (leaf.get("outputs") or [{}])[0]
        if recorded != row.custody_outputs("url_sha256" in recorded) or leaf.get("time") != rfc3339(row.checked_at):
            return f"source check #{row.pk}: its outcome or time differ from its event"
        if _differs(leaf, row.custody_details()):
            return f"source check #{row.pk}: its URL or reason differ from its event"
        return None

    from marsad.incidents.models import IncidentChange

    def incident_change_matches(row: IncidentChange, leaf: dict) -> str | None:
        if (leaf.get("outputs") or [{}])[0] != row.custody_outputs() or leaf.get("time") != rfc3339(row.at):
            return f"incident change #{row.pk} of {row.incident.code}: differs from its event"
        if _differs(leaf, row.custody_details()) or leaf.get("actor") != row.actor:
            return f"incident change #{row.pk} of {row.incident.code}: its values, reason or actor differ from its event"
        if [i.get("sha256") for i in leaf.get("inputs") or []] != list(row.evidence):
            return f"incident change #{row.pk} of {row.incident.code}: rests on other evidence than its event"
        return None

    from marsad.matching.models import CopyLink, Fingerprint

    def fingerprint_matches(row: Fingerprint, leaf: dict) -> str | None:
        out = (leaf.get("outputs") or [{}])[0]
        if leaf.get("item") != row.item.sha256 or out.get("hashes") != digest(bytes(row.hashes).hex()):
            return f"fingerprint of {row.item.sha256[:16]}: its hashes differ from its event"
        return None

    def link_matches(row: CopyLink, leaf: dict) -> str | None:
        linked = {i.get("sha256") for i in leaf.get("inputs") or []}
        if linked != {row.a.sha256, row.b.sha256}:
            return f"copy link {row.a.sha256[:12]} ~ {row.b.sha256[:12]}: joins other items than its event"
        return None

    return [
        ("fingerprint", Fingerprint.every.select_related("item"), fingerprint_matches),
        ("link", CopyLink.objects.select_related("a", "b"), link_matches),
        ("ingest", Item.objects.all(), item_matches),
        ("capture", Capture.objects.select_related("item"), capture_matches),
        ("derive", Derivative.objects.select_related("item"), derivative_matches),
        ("analysis", AnalysisResult.objects.select_related("item"), analysis_matches),
        ("recheck", SourceCheck.objects.all(), source_check_matches),
        ("incident", IncidentChange.objects.select_related("incident"), incident_change_matches),
    ]


def _check_rows(by_type: dict[str, set[int]], items_in_log: dict[str, int], report: Report) -> None:
    for type_, rows, matches in _row_checks():
        events = by_type.get(type_, set())
        seen: set[int] = set()
        for chunk in _chunks(rows.order_by("log_index")):
            leaves = {
                index: (leaf, salt) for index, leaf, salt in
                LogEntry.objects.filter(index__in=[r.log_index for r in chunk]).values_list("index", "leaf", "salt")
            }
            for row in chunk:
                report.rows_checked += 1
                seen.add(row.log_index)
                found = leaves.get(row.log_index)
                label = f"{type_} row {row.pk}"
                if found is None or row.log_index not in events:
                    report.problems.append(f"{label}: has no {type_} event in the log (row added outside custody)")
                    continue
                try:
                    value = json.loads(bytes(found[0]))
                    if not isinstance(value, dict):
                        raise ValueError("not an object")
                    value[_SALT] = found[1]
                    problem = matches(row, value)
                except ValueError:
                    problem = f"{label}: its event #{row.log_index} is not valid JSON"
                if problem:
                    report.problems.append(problem)
        for index in sorted(events - seen)[:20]:
            report.problems.append(f"leaf #{index}: {type_} event whose database row is missing (row deleted)")


def _chunks(query) -> Iterator[list]:
    last = -1
    while True:
        chunk = list(query.filter(log_index__gt=last)[:CHUNK])
        if not chunk:
            return
        yield chunk
        last = chunk[-1].log_index


def _check_timestamps(report: Report) -> None:
    from .timestamps import TimestampInvalid, check_token

    for token in TimestampToken.objects.select_related("checkpoint"):
        report.timestamps += 1
        try:
            check_token(token)
        except TimestampInvalid as e:
            report.problems.append(f"timestamp from {token.tsa_url} on checkpoint {token.checkpoint.size}: {e}")
