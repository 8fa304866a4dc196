"""Appending to the custody log: the one function every event goes through.

`record()` must run inside the transaction that makes the database change it
describes, so a row never exists without its event nor an event without its
row. The head row is locked for the append: one writer at a time, no fork.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

import marsad
from marsad import conf
from marsad.core.custody import merkle
from marsad.core.custody.checkpoints import append_note
from marsad.core.custody.leaves import Event, new_salt
from marsad.core.custody.note import Checkpoint as CheckpointBody

from .models import Checkpoint, LogEntry, LogHead, LogNode

TOOL = {"name": "marsad", "version": marsad.__version__}


class NotInTransaction(RuntimeError):
    pass


def actor_id(name: str | None = None) -> str:
    """Pseudonymous, stable id of a person acting: leaves never carry names."""
    name = name or conf.get("actor") or getpass.getuser()
    mac = hmac.new(settings.SECRET_KEY.encode(), b"actor:" + name.encode(), hashlib.sha256)
    return "actor:" + mac.hexdigest()[:16]


def event(
    type: str,
    *,
    item: str | None = None,
    inputs: Sequence[dict[str, Any]] = (),
    outputs: Sequence[dict[str, Any]] = (),
    details: dict[str, Any] | None = None,
    actor: str | None = None,
    tool: dict[str, str] | None = None,
    time: datetime | None = None,
) -> Event:
    return Event(
        type=type,
        time=time or timezone.now(),
        actor=actor or actor_id(),
        tool=tool or TOOL,
        item=item,
        inputs=list(inputs),
        outputs=list(outputs),
        details=details,
        salt=new_salt() if details is not None else None,
    )


def lock_head() -> LogHead:
    """Lock the log for this transaction: call before reading what an event will describe."""
    head, _ = LogHead.objects.select_for_update().get_or_create(pk=1)
    return head


class Appended(NamedTuple):
    index: int
    leaf: bytes
    leaf_hash: bytes


def append(events: Sequence[Event]) -> list[Appended]:
    """Append events as leaves, in order. Call inside `transaction.atomic()`."""
    if not connection.in_atomic_block:
        raise NotInTransaction("custody events must be recorded in the transaction of their change")
    head = lock_head()
    compact = merkle.CompactRange.from_bytes(head.size, bytes(head.frontier))
    entries, rows, nodes = [], [], []
    ops = connection.ops
    details_field = LogEntry._meta.get_field("details")
    for ev in events:
        leaf = ev.leaf()
        h = merkle.leaf_hash(leaf)
        entries.append(Appended(compact.size, leaf, h))
        details = details_field.get_db_prep_save(ev.details, connection) if ev.details is not None else None
        salt = ev.salt if ev.details is not None and ev.salt is not None else ""
        rows.append((compact.size, leaf, h, ev.type, ev.item or "", ops.adapt_datetimefield_value(ev.time), details,
                     salt))
        # Level 0 is the leaf hash, kept on LogEntry.
        nodes.extend(node for node in compact.append(h) if node[0] > 0)
    _insert(rows, nodes)
    head.size = compact.size
    head.frontier = compact.to_bytes()
    head.save(update_fields=["size", "frontier"])
    return entries


def _insert(rows: list[tuple], nodes: list[tuple[int, int, bytes]]) -> None:
    """Plain multi-row INSERTs: this is the hottest write path, and the ORM's
    per-field preparation cost more than hashing and serialising the leaves."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {q(LogEntry._meta.db_table)} ({q('index')}, leaf, leaf_hash, type, item, time, details, salt) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )
        if nodes:
            cursor.executemany(
                f"INSERT INTO {q(LogNode._meta.db_table)} (level, {q('index')}, hash) VALUES (%s, %s, %s)", nodes
            )


def record(type: str, **kwargs: Any) -> Appended:
    """Record one event (see `event` for the fields)."""
    return append([event(type, **kwargs)])[0]


def fetch_nodes(keys: Sequence[merkle.NodeKey]) -> dict[merkle.NodeKey, bytes]:
    """Perfect-subtree hashes for proofs, in two queries whatever the tree size."""
    found: dict[merkle.NodeKey, bytes] = {}
    q = connection.ops.quote_name
    leaves = [index for level, index in keys if level == 0]
    inner = [(level, index) for level, index in keys if level > 0]
    with connection.cursor() as cursor:
        if leaves:
            cursor.execute(
                f"SELECT {q('index')}, leaf_hash FROM {q(LogEntry._meta.db_table)} "
                f"WHERE {q('index')} IN ({', '.join(['%s'] * len(leaves))})",
                leaves,
            )
            for index, h in cursor.fetchall():
                found[(0, index)] = bytes(h)
        if inner:
            where = " OR ".join([f"(level = %s AND {q('index')} = %s)"] * len(inner))
            cursor.execute(
                f"SELECT level, {q('index')}, hash FROM {q(LogNode._meta.db_table)} WHERE {where}",
                [v for key in inner for v in key],
            )
            for level, index, h in cursor.fetchall():
                found[(level, index)] = bytes(h)
    return found


def size() -> int:
    head = LogHead.objects.filter(pk=1).first()
    return head.size if head else 0


def current_root() -> tuple[int, bytes]:
    head = LogHead.objects.filter(pk=1).first()
    if head is None:
        return 0, merkle.EMPTY_ROOT
    return head.size, merkle.CompactRange.from_bytes(head.size, bytes(head.frontier)).root()


def sign_checkpoint() -> Checkpoint:
    """Sign the log's current state with the workspace key, unless already signed.
    Once committed, the checkpoint is also appended to the workspace's checkpoints file."""
    signer = settings.WORKSPACE.signer()
    with transaction.atomic():
        head = lock_head()
        latest = Checkpoint.objects.order_by("-size", "-id").first()
        if latest is not None and latest.size == head.size:
            if not settings.WORKSPACE.checkpoints_path.exists():
                transaction.on_commit(_start_checkpoints_file, robust=True)
            return latest
        compact = merkle.CompactRange.from_bytes(head.size, bytes(head.frontier))
        body = CheckpointBody(signer.name, head.size, compact.root())
        checkpoint = Checkpoint.objects.create(
            size=head.size, root=body.root, note=signer.sign(body.text()), created=timezone.now()
        )
        # After the commit only: a checkpoint over events that were rolled back would
        # later read as a rewritten log.
        transaction.on_commit(lambda: keep_outside(checkpoint.note), robust=True)
        return checkpoint


def keep_outside(note: str) -> None:
    path = settings.WORKSPACE.checkpoints_path
    if not path.exists():
        _start_checkpoints_file()
    else:
        append_note(path, note)


def _start_checkpoints_file() -> None:
    """A workspace made before the checkpoints file: start it with the checkpoints the
    database holds (each checked by `log verify` like any other)."""
    path = settings.WORKSPACE.checkpoints_path
    if path.exists():
        return
    notes = list(Checkpoint.objects.order_by("size", "id").values_list("note", flat=True))
    append_note(path, "\n".join(notes))
