"""Many copies of one picture: every copy joins the one cluster, links stay linear."""

import numpy as np
import pytest
from django.db import transaction
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _item(n: int):
    from marsad.custody import log
    from marsad.evidence.models import Item

    sha = f"{n:064x}"
    with transaction.atomic():
        log.lock_head()
        now = timezone.now()
        entry = log.record("ingest", item=sha, time=now,
                           outputs=[{"sha256": sha, "blake2b": "0" * 128, "size": 1, "mime": "image/jpeg"}])
        return Item.objects.create(sha256=sha, blake2b="0" * 128, size=1, mime="image/jpeg", kind="image",
                                   first_seen=now, log_index=entry.index)


def test_a_crowd_of_copies_is_one_cluster_with_linear_links(tmp_path, monkeypatch):
    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    from marsad.cli.init import init_workspace
    from marsad.core.fingerprints.base import FrameHash
    from marsad.custody import log
    from marsad.custody.verify import verify_log
    from marsad.matching.models import CopyLink
    from marsad.matching.service import MAX_DIRECT_LINKS, cluster, match_item, record_fingerprint

    init_workspace()
    rng = np.random.default_rng(5)
    base = rng.integers(0, 256, 32, dtype=np.uint8)
    other = rng.integers(0, 256, 32, dtype=np.uint8)
    items = []
    for n in range(30):
        code = (base if n % 10 else other).copy()  # items 0, 10, 20: another picture
        code[n % 32] ^= 1 << (n % 8)  # every copy a bit apart
        item = _item(n + 1)
        with transaction.atomic():
            log.lock_head()
            record_fingerprint(item, "pdq", "test", [FrameHash(code.tobytes(), 100)])
        match_item(item.sha256)
        items.append(item)
    copies = [i for n, i in enumerate(items) if n % 10]
    assert {i.pk for i in cluster(copies[-1])} == {i.pk for i in copies}
    assert {i.pk for i in cluster(items[0])} == {items[0].pk, items[10].pk, items[20].pk}
    assert CopyLink.objects.count() <= MAX_DIRECT_LINKS * len(items), "links grow with the copies, not their square"
    log.sign_checkpoint()
    report = verify_log()
    assert report.ok, report.problems


def test_a_link_names_the_part_of_the_other_picture_it_matched(tmp_path, monkeypatch):
    """The index keeps only hashes; which of an item's hashes a query hit (its own, its 90%
    centre, its middle band) is read back from its stored fingerprint."""
    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    from marsad.cli.init import init_workspace
    from marsad.core.fingerprints.base import FrameHash
    from marsad.core.fingerprints.pdq import IMAGE_PARTS
    from marsad.custody import log
    from marsad.matching.service import Query, find_copies, match_item, record_fingerprint

    init_workspace()
    rng = np.random.default_rng(8)
    own, *parts = (rng.integers(0, 256, 32, dtype=np.uint8).tobytes() for _ in range(1 + len(IMAGE_PARTS)))
    item = _item(1)
    with transaction.atomic():
        log.lock_head()
        record_fingerprint(item, "pdq", "test", [FrameHash(own, 100, extras=tuple(parts))])
    match_item(item.sha256)
    for k, name in enumerate(IMAGE_PARTS):
        link, = find_copies(Query([FrameHash(parts[k], 100)], video=False))
        assert link.item == item.pk
        assert link.reason.endswith(f"against the other's {name}") if name else "against" not in link.reason, link
    link, = find_copies(Query([FrameHash(own, 100)], video=False))
    assert "against" not in link.reason
