"""What someone who can write the database does to hide a change: rewrite the log's
tables so that they agree with each other again. Used in-process and through
`marsad manage shell -c` (so it runs against either database engine)."""

from __future__ import annotations

import json
from datetime import datetime

from django.db import transaction

from marsad.core.custody import merkle
from marsad.core.custody.leaves import canonical
from marsad.custody.models import Checkpoint, LogEntry, LogHead, LogNode


def rebuild() -> None:
    """Recompute every leaf hash, every stored node and the head from the leaves as they are now."""
    compact = merkle.CompactRange()
    nodes = []
    for entry in LogEntry.objects.order_by("index"):
        h = merkle.leaf_hash(bytes(entry.leaf))
        LogEntry.objects.filter(index=entry.index).update(leaf_hash=h)
        nodes += [LogNode(level=lv, index=i, hash=x) for lv, i, x in compact.append(h) if lv > 0]
    LogNode.objects.all().delete()
    LogNode.objects.bulk_create(nodes)
    LogHead.objects.filter(pk=1).update(size=compact.size, frontier=compact.to_bytes())


def drop_newest(count: int) -> None:
    """Delete the newest `count` events and every checkpoint that covers them."""
    with transaction.atomic():
        keep = LogHead.objects.get(pk=1).size - count
        LogEntry.objects.filter(index__gte=keep).delete()
        Checkpoint.objects.filter(size__gt=keep).delete()
        rebuild()


def back_date(index: int, when: datetime) -> None:
    """Give event `index` another time, delete every checkpoint and rebuild the tree."""
    with transaction.atomic():
        entry = LogEntry.objects.get(index=index)
        leaf = json.loads(bytes(entry.leaf))
        leaf["time"] = when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        LogEntry.objects.filter(index=index).update(leaf=canonical(leaf), time=when)
        Checkpoint.objects.all().delete()
        rebuild()
