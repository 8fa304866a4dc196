"""After an upgrade, what an older fingerprinter made is fingerprinted again; nothing is lost."""

import json
import os
from dataclasses import replace

import pytest
from django.db import transaction

pytestmark = pytest.mark.django_db


def _as_an_older_release_left_them():
    """Supersede each fingerprint by one as an older release made it (videos sampled once a
    second, no centres at common shapes; the photo's version without our revision), then
    index them: the state a workspace is in before `marsad index refingerprint`."""
    from marsad.core.fingerprints.regions import ASPECTS
    from marsad.core.fingerprints.video import VideoPDQ
    from marsad.custody import log
    from marsad.evidence.ingest import store
    from marsad.matching.models import Fingerprint
    from marsad.matching.service import frames_of, match_item, rebuild_index, record_fingerprint

    old_video = VideoPDQ(interval=1.0)
    for fp in list(Fingerprint.objects.select_related("item")):
        if fp.algorithm == "vpdq":
            frames, version = old_video.compute(store().path(fp.item.sha256)), "3"
            frames = [f.__class__(f.hash, f.quality, f.seconds, f.variants[:2] + f.variants[2 + len(ASPECTS):], f.extras)
                      for f in frames]
        else:  # no keypoints before /3
            frames, version = [replace(f, keypoints=b"") for f in frames_of(fp)], fp.version.partition("/")[0]
        with transaction.atomic():
            log.lock_head()
            record_fingerprint(fp.item, fp.algorithm, version, frames, replaces=fp)
    rebuild_index()
    for fp in list(Fingerprint.objects.select_related("item")):
        match_item(fp.item.sha256)


def test_an_upgrade_fingerprints_again_what_an_older_version_made_and_keeps_the_old(ingested):
    from marsad import registry
    from marsad.custody import log
    from marsad.custody.verify import verify_log
    from marsad.evidence.ingest import store
    from marsad.matching.models import Fingerprint
    from marsad.matching.service import frames_of, index_files, index_rows, refingerprint

    _as_an_older_release_left_them()
    before = {fp.item.sha256: fp for fp in Fingerprint.objects.select_related("item")}
    videos = {sha for sha, fp in before.items() if fp.algorithm == "vpdq"}
    assert len(before) == 9 and len(videos) == 3  # the sample set: six photos, three clips
    damaged = next(sha for sha, fp in before.items() if fp.algorithm == "pdq")
    blob = store().path(damaged)
    os.chmod(blob, 0o644)
    blob.write_bytes(blob.read_bytes()[:-100] + b"\0" * 100)

    report = refingerprint()

    assert set(report.done) == set(before) - {damaged} and report.current == 0
    assert "no longer match its SHA-256" in report.failed[damaged]
    current = {fp.item.sha256: fp for fp in Fingerprint.objects.select_related("item")}
    versions = {f.name: f.version for f in registry.fingerprinters().values()}
    for sha, fp in current.items():
        if sha == damaged:  # its old fingerprint stays, current and indexed
            assert fp.pk == before[sha].pk and fp.indexed
            continue
        assert fp.version == versions[fp.algorithm] and fp.indexed and fp.pk != before[sha].pk
        # Kept, not deleted: the first analysis's, the older release's, this one's.
        assert Fingerprint.every.filter(item=fp.item, algorithm=fp.algorithm).count() == 3
        assert not Fingerprint.every.filter(item=fp.item, superseded=True, indexed=True).exists()
    for sha in videos:  # short clips are now sampled more often than once a second
        assert len(frames_of(current[sha])) >= 2 * len(frames_of(before[sha])), sha
    # The index holds the current fingerprints' hashes (and the photos' indexed keypoints) only.
    index, owners = index_files().load()
    expected = sum(len(index_rows(frames_of(fp), fp.item_id)[0]) for fp in current.values())
    assert len(index.rows) == expected
    photos = {fp.item_id for sha, fp in current.items() if fp.algorithm == "pdq" and sha != damaged}
    assert photos and photos <= {int(i) for i, code in owners if code < 0}  # the new photos' keypoints
    # Each new fingerprint's event names the one it replaces; the log still accounts for every row.
    from marsad.custody.models import LogEntry

    leaf = json.loads(bytes(LogEntry.objects.get(index=current[next(iter(videos))].log_index).leaf))
    assert leaf["outputs"][0]["replaces"]["version"] == "3"
    log.sign_checkpoint()
    verified = verify_log()
    assert verified.ok, verified.problems

    again = refingerprint()
    assert again.done == [] and again.current == len(before) - 1 and list(again.failed) == [damaged]


def test_a_refingerprint_cut_short_is_finished_by_the_next_run(ingested, monkeypatch):
    """Killed after the new fingerprints were recorded but before the index was rebuilt:
    the next run finds nothing left to fingerprint, yet rebuilds and matches what is pending."""
    from marsad.matching import service
    from marsad.matching.models import Fingerprint
    from marsad.matching.service import frames_of, index_files, index_rows, refingerprint

    _as_an_older_release_left_them()
    count = Fingerprint.objects.count()

    def crash():
        raise KeyboardInterrupt("killed")

    rebuild = service.rebuild_index
    monkeypatch.setattr(service, "rebuild_index", crash)
    with pytest.raises(KeyboardInterrupt):
        refingerprint()
    assert not Fingerprint.objects.filter(indexed=True).exists()  # recorded, not yet indexed
    monkeypatch.setattr(service, "rebuild_index", rebuild)

    report = refingerprint()
    assert report.done == [] and report.current == count
    current = list(Fingerprint.objects.all())
    assert all(fp.indexed for fp in current)
    index, _ = index_files().load()
    assert len(index.rows) == sum(len(index_rows(frames_of(fp), fp.item_id)[0]) for fp in current)
