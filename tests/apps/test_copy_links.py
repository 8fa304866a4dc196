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


def test_a_cropped_copy_is_linked_with_the_part_it_shows(tmp_path, monkeypatch, testdata):
    """A real photo, then its centre 60% re-encoded: linked through the index (keypoints met)
    and the stored keypoints (lined up), the reason naming the part; an unrelated photo is not."""
    import io

    from PIL import Image

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    from marsad.cli.init import init_workspace
    from marsad.core.fingerprints.pdq import PDQ
    from marsad.custody import log
    from marsad.matching.models import CopyLink
    from marsad.matching.service import match_item, record_fingerprint

    init_workspace()
    photo = np.asarray(Image.open(testdata / "pdq" / "images" / "bridge-mods" / "aaa-orig.jpg").convert("RGB"))
    h, w = photo.shape[:2]
    buf = io.BytesIO()
    Image.fromarray(photo[int(.2 * h) : int(.8 * h), int(.2 * w) : int(.8 * w)]).save(buf, "JPEG", quality=70)
    crop = np.asarray(Image.open(buf).convert("RGB"))
    other = np.asarray(Image.open(testdata / "pdq" / "images" / "labelme-subset" / "q2821.jpg").convert("RGB"))
    items = []
    for n, pixels in enumerate((photo, other, crop)):
        item = _item(n + 1)
        with transaction.atomic():
            log.lock_head()
            record_fingerprint(item, "pdq", PDQ.version, PDQ().compute_pixels(pixels))
        match_item(item.sha256)
        items.append(item)
    link, = CopyLink.objects.all()
    assert {link.a_id, link.b_id} == {items[0].pk, items[2].pk}
    assert link.reason.startswith(f"this copy is the centre 36% of item {items[0].sha256[:4]}… (")
    assert "matching keypoints, scale 1.6" in link.reason and "too far to match alone" in link.reason


def _recut(source, target, box):
    """The video re-encoded (at half size) with each frame cut to box(frame) (a crop or reframe)."""
    import av

    with av.open(str(source)) as src, av.open(str(target), "w") as dst:
        stream = src.streams.video[0]
        out = None
        for n, frame in enumerate(src.decode(stream)):
            pixels = box(frame.to_ndarray(format="rgb24"))[::2, ::2]
            h, w = pixels.shape[0] // 2 * 2, pixels.shape[1] // 2 * 2
            if out is None:
                out = dst.add_stream("libx264", rate=stream.average_rate)
                out.width, out.height, out.pix_fmt = w, h, "yuv420p"
            picture = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels[:h, :w]), "rgb24")
            picture.pts = n
            for packet in out.encode(picture):
                dst.mux(packet)
        for packet in out.encode():
            dst.mux(packet)


def test_cropped_and_reframed_videos_are_linked_with_the_part_they_show(tmp_path, monkeypatch, testdata):
    """Real footage (vPDQ's reference doorknob clip, 16:9), cut to its centre 60% and reframed to
    9:16 a quarter of the width left of the middle, each at half size: both linked to it through
    frames whose keypoints line up; an unrelated clip is linked to none."""
    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    from marsad.cli.init import init_workspace
    from marsad.core.fingerprints.video import VideoPDQ
    from marsad.custody import log
    from marsad.matching.models import CopyLink
    from marsad.matching.service import match_item, record_fingerprint

    init_workspace()
    videos = testdata / "vpdq" / "videos"
    centre = tmp_path / "centre.mp4"
    _recut(videos / "doorknob-hd-no-bar.mp4", centre, lambda p: p[144:576, 256:1024])
    vertical = tmp_path / "vertical.mp4"
    _recut(videos / "doorknob-hd-no-bar.mp4", vertical, lambda p: p[:, 158:563])  # 405 px: 9:16, centre at x=360
    items = []
    for n, path in enumerate((videos / "doorknob-hd-no-bar.mp4", videos / "pattern-hd-no-bar.mp4", centre, vertical)):
        item = _item(n + 1)
        with transaction.atomic():
            log.lock_head()
            record_fingerprint(item, "vpdq", VideoPDQ.version, VideoPDQ().compute(path))
        match_item(item.sha256)
        items.append(item)
    pairs = {frozenset((link.a_id, link.b_id)): link.reason for link in CopyLink.objects.all()}
    original, _, *copies = (i.pk for i in items)
    assert set(pairs) - {frozenset(copies)} == {frozenset((original, c)) for c in copies}, pairs
    import re

    centre, vertical = pairs[frozenset((original, copies[0]))], pairs[frozenset((original, copies[1]))]
    assert re.search(r"this copy is the centre (3[3-9]|40)% of item .* matching keypoints, scale 1\.[5-7]", centre), centre
    assert re.search(r"this copy is a 3[0-4]% wide strip, full height \(from 1[0-4]% to 4[2-6]% across\)", vertical), vertical


def test_a_copy_keeps_its_link_to_the_earliest_held_item_beyond_its_closest_copies(tmp_path, monkeypatch):
    """Sibling crops hash closer to a new crop than the original it was cut from (found by
    keypoints, far in PDQ bits); the original, held first, must still get a direct link."""
    from marsad.core.matching.copies import Link
    from marsad.custody import log
    from marsad.matching.service import MAX_DIRECT_LINKS, _record_link, links_to_record

    original, *siblings = [_item(n) for n in range(MAX_DIRECT_LINKS + 3)]
    with transaction.atomic():  # one cluster already: every sibling linked to the first
        log.lock_head()
        for other in [original, *siblings[1:]]:
            _record_link(siblings[0], Link(other.pk, 5, 1.0, 1.0, "copy"))
    links = [Link(item.pk, 10 + n, 1.0, 1.0, "close sibling") for n, item in enumerate(siblings)]
    links.append(Link(original.pk, 100, 1.0, 1.0, "this copy is the centre 64% of the original"))
    chosen = links_to_record(links)
    assert chosen[:MAX_DIRECT_LINKS] == links[:MAX_DIRECT_LINKS]
    assert [link.item for link in chosen[MAX_DIRECT_LINKS:]] == [original.pk]  # and nothing more
