"""Fingerprints into the database and the index; copies found and linked.

Matching holds the index's write lock from the query to the append, so two
copies analysed at the same moment by two workers still find each other. On
PostgreSQL the lock is also the database's (an advisory lock), so the workers may
be on many hosts; each host's index files first catch up with what the others
indexed, in the order the database numbered it (`Fingerprint.indexed_seq`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from marsad.core import steps
from marsad.core.custody.leaves import digest
from marsad.core.fingerprints.base import MATCH_DISTANCE, FrameHash, distance
from marsad.core.fingerprints.keypoints import Keypoints
from marsad.core.fingerprints.pdq import image_part_name, image_variant_name
from marsad.core.fingerprints.video import video_part_name, video_variant_name
from marsad.core.matching import geometry
from marsad.core.matching.copies import FrameMatch, Link, Moments, decide, frame_moments, good_frames
from marsad.core.matching.index import as_rows
from marsad.core.matching.persist import IndexFiles
from marsad.custody import log
from marsad.evidence.models import Item

from .models import CopyLink, Fingerprint

MAX_DIRECT_LINKS = 8  # links a new copy gets to its closest copies (plus one per other cluster)
# Index rows of keypoints are owned by (item, KEYPOINT_ROW - (frame * MAX_KEYPOINTS + k)): a negative
# "frame", so a hash search never takes a keypoint for a frame, nor a keypoint search a hash.
KEYPOINT_ROW, MAX_KEYPOINTS = -1, 1024
# Indexed keypoints of an item a query frame must meet for the two to be compared in full: one
# (a copy cut to its centre 60% keeps few of the original's 18), those meeting most first (then
# the closest), until MAX_TRIED did not line up (which bounds the work in a large collection).
CANDIDATE_HITS, MAX_TRIED = 1, 24


def index_files() -> IndexFiles:
    return IndexFiles(settings.WORKSPACE.home / "index" / "hashes")


def record_fingerprint(item: Item, algorithm: str, version: str, frames: list[FrameHash],
                       replaces: Fingerprint | None = None) -> Fingerprint:
    """Store an item's hashes with their custody event (inside the analysis transaction);
    `replaces`: the older fingerprint they supersede, kept and named in the event."""
    hashes = b"".join(f.hash for f in frames)
    outputs = {"algorithm": algorithm, "frames": len(frames), "hashes": digest(hashes.hex())}
    if replaces is not None:
        Fingerprint.objects.filter(pk=replaces.pk).update(superseded=True, indexed=False)
        outputs["replaces"] = {"version": replaces.version, "log_index": replaces.log_index}
    entry = log.record(
        "fingerprint",
        item=item.sha256,
        tool={"name": algorithm, "version": version},
        inputs=[{"sha256": item.sha256}],
        outputs=[outputs],
    )
    return Fingerprint.objects.create(
        item=item, algorithm=algorithm, version=version, hashes=hashes,
        qualities=bytes(f.quality for f in frames),
        seconds=np.array([f.seconds for f in frames], np.float32).tobytes(),
        variants=b"".join(b"".join(f.variants) for f in frames),
        extras=b"".join(b"".join(f.extras) for f in frames),
        keypoints=pack_keypoints(frames) if any(f.keypoints for f in frames) else b"",
        created=timezone.now(), log_index=entry.index,
    )


def frames_of(fp: Fingerprint) -> list[FrameHash]:
    hashes, qualities = bytes(fp.hashes), bytes(fp.qualities)
    seconds = np.frombuffer(bytes(fp.seconds), np.float32)
    n = len(qualities)
    keypoints = unpack_keypoints(bytes(fp.keypoints or b""), n)
    return [
        FrameHash(hashes[i * 32 : (i + 1) * 32], qualities[i], float(seconds[i]),
                  _split(bytes(fp.variants), n, i), _split(bytes(fp.extras), n, i), keypoints[i])
        for i in range(n)
    ]


def pack_keypoints(frames: list[FrameHash]) -> bytes:
    """Each frame's packed keypoints after its length (4 bytes, little-endian)."""
    return b"".join(len(f.keypoints).to_bytes(4, "little") + f.keypoints for f in frames)


def unpack_keypoints(packed: bytes, frames: int) -> list[bytes]:
    out, at = [], 0
    while at + 4 <= len(packed) and len(out) < frames:
        size = int.from_bytes(packed[at : at + 4], "little")
        out.append(packed[at + 4 : at + 4 + size])
        at += 4 + size
    return out + [b""] * (frames - len(out))


def _split(packed: bytes, frames: int, i: int) -> tuple[bytes, ...]:
    """Frame i's share of hashes stored frame after frame, the same number for each."""
    per = len(packed) // (32 * frames) if frames else 0
    return tuple(packed[(i * per + k) * 32 : (i * per + k + 1) * 32] for k in range(per))


@dataclass
class Query:
    frames: list[FrameHash]
    video: bool
    version: str = ""  # of the fingerprinter that made the frames; "" for the current one

    @classmethod
    def of(cls, fp: Fingerprint) -> Query:
        return cls(frames_of(fp), fp.algorithm != "pdq", fp.version)


class CannotQuery(ValueError):
    """The file has no perceptual fingerprint (its kind has none, or it cannot be decoded)."""


def query_for_file(path: str) -> Query:
    """Fingerprint a file that need not be in the store (`marsad similar FILE`, "Have we seen this?")."""
    from marsad import registry
    from marsad.core.fingerprints.base import FingerprintFailed
    from marsad.core.mediatype import detect_mime, kind_of

    kind = kind_of(detect_mime(path)).value
    fingerprinter = registry.fingerprinter_for(kind)
    if fingerprinter is None:
        raise CannotQuery(f"a {kind} file has no perceptual fingerprint")
    try:
        return Query(fingerprinter.compute(path), kind == "video")
    except FingerprintFailed as e:
        raise CannotQuery(str(e)) from e


def loaded_index(caught_up: bool = False) -> tuple[Any, np.ndarray]:
    """The index and its owners, read once for all of a query's searches. It first catches
    up with what other hosts indexed, unless the caller (matching, holding the lock) just did."""
    files = index_files()
    if not caught_up and not files.empty():  # a lost index stays empty until rebuilt (or the next match)
        with files.writing():
            catch_up(files)
    return files.load()


def search(query: Query, loaded: tuple[Any, np.ndarray], radius: int = MATCH_DISTANCE,
           exclude: int | None = None) -> tuple[list[FrameMatch], list[bytes], int]:
    """Every index hit of the query's trustworthy frames (and their variants), the index
    row each hit, and the number of trustworthy frames (`loaded`: from `loaded_index`)."""
    index, owners = loaded
    good = good_frames([f.quality for f in query.frames])
    probes = []
    for i in good:
        seen = set()
        for variant, probe in enumerate((query.frames[i].hash, *query.frames[i].variants)):
            if probe not in seen:  # a stand-in repeats an earlier hash: searched (and named) once
                seen.add(probe)
                probes.append((i, variant, probe))
    matches, rows = [], []
    for (i, variant, _), hits in zip(probes, index.search_many([p for _, _, p in probes], radius)):
        for m in hits:  # one vectorised pass for all of a video's frames and their variants
            item_id, frame_no = (int(v) for v in owners[m.position])
            if item_id != exclude and frame_no >= 0:
                name = "" if variant == 0 else (video_variant_name if query.video else image_variant_name)(
                    variant - 1, query.version)
                matches.append(FrameMatch(i, item_id, frame_no, m.distance, variant=name))
                rows.append(bytes(index.rows[m.position]))
    return matches, rows, len(good)


def keypoint_candidates(query: Query, loaded: tuple[Any, np.ndarray],
                        exclude: int | None = None) -> dict[tuple[int, int, int], tuple[int, int]]:
    """(query frame, item, their frame) whose indexed keypoints the query frame's keypoints
    meet: how many of them, and the closest's distance negated (a sort key; `loaded`: from
    `loaded_index`)."""
    probes = []
    for i in good_frames([f.quality for f in query.frames]):
        kp = Keypoints.unpack(query.frames[i].keypoints)
        if kp is not None:
            probes += [(i, bytes(d)) for d in kp.descriptors]
    if not probes:
        return {}
    index, owners = loaded
    met: dict[tuple[int, int, int], set[int]] = {}
    closest: dict[tuple[int, int, int], int] = {}
    for (i, _), hits in zip(probes, index.search_many([d for _, d in probes], geometry.CANDIDATE_RADIUS)):
        for m in hits:
            item_id, code = (int(v) for v in owners[m.position])
            if code < 0 and item_id != exclude:
                frame, k = divmod(KEYPOINT_ROW - code, MAX_KEYPOINTS)
                met.setdefault((i, item_id, frame), set()).add(k)
                closest[i, item_id, frame] = min(closest.get((i, item_id, frame), 256), m.distance)
    return {key: (len(ks), -closest[key]) for key, ks in met.items()}


FRAMES_TRIED = 2  # of another video's frames met by one query frame, the most met tried in full
KEYPOINT_VARIANT = "keypoints that line up (a crop or reframe)"


def confirm_shapes(query: Query, candidates: dict[tuple[int, int, int], tuple[int, int]], frames: dict[int, list[FrameHash]],
                   names: dict[int, str]) -> tuple[dict[int, tuple[str, int]], list[FrameMatch]]:
    """Each candidate met by CANDIDATE_HITS keypoints or more is compared in full: whether all
    the keypoints of both frames line up under one transform (`geometry.confirm`). By item, the
    part each shows of the other in words (from the frames that line up best) and the distance
    of their own hashes; and, for videos, each pair of frames that lines up, as a frame match."""
    best: dict[int, tuple[int, str, int]] = {}
    found: list[FrameMatch] = []
    tried: Counter[tuple[int, int]] = Counter()
    per_frame: Counter[int] = Counter()
    unpacked: dict[tuple[int, int], Keypoints | None] = {}

    def keypoints_of(item_id: int, frame: int, of: list[FrameHash]) -> Keypoints | None:
        if (item_id, frame) not in unpacked:
            unpacked[item_id, frame] = Keypoints.unpack(of[frame].keypoints)
        return unpacked[item_id, frame]

    for (q, item_id, frame), hits in sorted(candidates.items(), key=lambda kv: kv[1], reverse=True):
        theirs = frames.get(item_id, [])
        if hits[0] < CANDIDATE_HITS or frame >= len(theirs) or tried[q, item_id] >= FRAMES_TRIED:
            continue
        if (not query.video and item_id in best) or per_frame[q] >= MAX_TRIED:
            continue
        tried[q, item_id] += 1
        mine, other = keypoints_of(-1, q, query.frames), keypoints_of(item_id, frame, theirs)
        shape = geometry.confirm(mine, other) if mine is not None and other is not None else None
        if shape is None:
            per_frame[q] += 1  # only failures count: copies of a picture often crowd its original
            continue
        apart = distance(query.frames[q].hash, theirs[frame].hash)
        found.append(FrameMatch(q, item_id, frame, apart, variant=KEYPOINT_VARIANT, lined_up=True))
        if shape.inliers > best.get(item_id, (0, "", 0))[0]:
            best[item_id] = (shape.inliers, geometry.describe(shape, names.get(item_id, f"item {item_id}")), apart)
    return {item_id: (text, apart) for item_id, (_, text, apart) in best.items()}, found


def _name_parts(matches: list[FrameMatch], rows: list[bytes], fingerprints: dict[int, Fingerprint],
                frames: dict[int, list[FrameHash]]) -> None:
    """Say which of the other item's indexed hashes each match hit (its own, or a crop or
    band kept beside it), from its stored fingerprint: the index keeps only the hashes."""
    for m, row in zip(matches, rows):
        theirs = frames.get(m.item, [])
        if m.frame < len(theirs) and row != theirs[m.frame].hash and row in theirs[m.frame].extras:
            k = theirs[m.frame].extras.index(row)
            fp = fingerprints[m.item]
            m.part = image_part_name(k) if fp.algorithm == "pdq" else video_part_name(k, fp.version)


def find_copies(query: Query, exclude: int | None = None, caught_up: bool = False) -> list[Link]:
    loaded = loaded_index(caught_up)  # read once: a large index with an unmerged tail is copied whole
    matches, rows, good = search(query, loaded, exclude=exclude)
    candidates = {key: n for key, n in keypoint_candidates(query, loaded, exclude).items() if n[0] >= CANDIDATE_HITS}
    wanted = {m.item for m in matches} | {item_id for _, item_id, _ in candidates}
    fingerprints = {fp.item_id: fp for fp in Fingerprint.objects.filter(item_id__in=wanted).select_related("item")}
    frames = {item_id: frames_of(fp) for item_id, fp in fingerprints.items()}
    _name_parts(matches, rows, fingerprints, frames)
    names = {item_id: f"item {fp.item.sha256[:4]}…" for item_id, fp in fingerprints.items()}
    shapes, lined_up = confirm_shapes(query, candidates, frames, names)
    if query.video:  # frames that line up count as matching frames; the video rules then decide
        matches += lined_up
        shapes = {item_id: shape for item_id, shape in shapes.items() if item_id in {m.item for m in matches}}
    counts = {item_id: len(good_frames([f.quality for f in theirs])) for item_id, theirs in frames.items()}
    timing = None
    if query.video:
        timing = Moments(frame_moments(query.frames),
                         {item_id: frame_moments(theirs) for item_id, theirs in frames.items()})
    return decide(matches, good, counts, query.video, timing, shapes)


def match_or_record_crash(sha256: str) -> dict[str, Any]:
    """The task's body: a crash is recorded on the fingerprint, which is then not retried."""
    try:
        return match_item(sha256)
    except Exception as e:  # the task boundary: anything unexpected must be recorded
        reason = f"internal error: {type(e).__name__}: {e}"
        Fingerprint.objects.filter(item__sha256=sha256, indexed=False).update(match_error=reason)
        item = Item.objects.get(sha256=sha256)
        item.analysis_errors = [*item.analysis_errors, {"step": "matching", "reason": reason}]
        item.analysis = Item.Analysis.FAILED
        item.save(update_fields=["analysis_errors", "analysis"])
        raise


INDEX_LOCK = 0x6D61_7273_6164_0001  # PostgreSQL advisory lock key of the one copy index ("marsad", 1)


def _lock_index_everywhere() -> None:
    """Inside a transaction: wait for every other host's matching to commit (PostgreSQL;
    released at commit). SQLite is one host's: the index files' lock is enough."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [INDEX_LOCK])


def catch_up(files: IndexFiles) -> int:
    """Append to this host's index files what other hosts indexed since they were last
    in step (call holding the files' lock: seqs commit in order under the database's, so
    what is committed is always a whole prefix); an empty index (a new host, lost files)
    is built whole, as a watermark must never be set over a gap. The number of
    fingerprints added."""
    if files.empty():
        return _rebuild(files)[1]
    synced = files.synced()
    hashes: list[bytes] = []
    owners: list[tuple[int, int]] = []
    last, count = synced, 0
    for fp in Fingerprint.objects.filter(indexed=True, indexed_seq__gt=synced).order_by("indexed_seq").iterator():
        h, o = index_rows(frames_of(fp), fp.item_id)
        hashes += h
        owners += o
        last, count = fp.indexed_seq, count + 1
    files.append(hashes, owners)
    if last > synced:
        files.mark_synced(last)
    return count


def match_item(sha256: str) -> dict[str, Any]:
    """Link an item to the copies already indexed, then add it to the index."""
    with steps.step("load fingerprint"):
        fps = list(Fingerprint.objects.filter(item__sha256=sha256, indexed=False, match_error="").select_related("item"))
    linked = 0
    files = index_files()
    nested = connection.in_atomic_block  # a caller's transaction (in-process tests) commits later
    for fp in fps:
        query = Query.of(fp)
        with files.writing(), transaction.atomic():  # this host's processes, then every host's
            with steps.step("lock index"):
                _lock_index_everywhere()
                if not Fingerprint.objects.filter(pk=fp.pk, indexed=False).exists():
                    continue  # matched meanwhile by another run of this task (a worker whose lease expired)
            with steps.step("catch up index"):
                catch_up(files)
            with steps.step("copy matching"):
                links = find_copies(query, exclude=fp.item_id, caught_up=True)
            with steps.step("record links"):
                log.lock_head()
                for link in links_to_record(links):
                    linked += _record_link(fp.item, link)
            with steps.step("index insert"):
                seq = (Fingerprint.every.aggregate(last=Max("indexed_seq"))["last"] or 0) + 1
                Fingerprint.objects.filter(pk=fp.pk).update(indexed=True, indexed_seq=seq)
                files.append(*index_rows(query.frames, fp.item_id))
            if nested:
                files.mark_synced(seq)
            else:  # once committed, still under the files' lock
                transaction.on_commit(lambda seq=seq: files.mark_synced(seq))
    return {"sha256": sha256, "links": linked}


def index_rows(frames: list[FrameHash], item_id: int) -> tuple[list[bytes], list[tuple[int, int]]]:
    """What an item puts in the index: each frame's hash and its indexed crops, owned by
    (item, frame number); then its indexed keypoints (see KEYPOINT_ROW)."""
    rows = [(h, i) for i, f in enumerate(frames) for h in (f.hash, *f.extras)]
    for i, f in enumerate(frames):
        kp = Keypoints.unpack(f.keypoints)
        if kp is not None:
            rows += [(d, KEYPOINT_ROW - (i * MAX_KEYPOINTS + k)) for k, d in enumerate(kp.indexed_rows())]
    return [h for h, _ in rows], [(item_id, i) for _, i in rows]


def rebuild_index() -> int:
    """Rebuild the index files from the database (the source of truth), e.g. after the
    files were damaged or lost; returns the number of hashes indexed."""
    files = index_files()
    with files.writing():
        return _rebuild(files)[0]


def _rebuild(files: IndexFiles) -> tuple[int, int]:
    """The index files made afresh from the database (under the files' lock): the numbers
    of hashes and of fingerprints."""
    hashes: list[bytes] = []
    owners: list[tuple[int, int]] = []
    last, count = 0, 0
    for fp in Fingerprint.objects.filter(indexed=True).order_by("pk").iterator():
        h, o = index_rows(frames_of(fp), fp.item_id)
        hashes += h
        owners += o
        last, count = max(last, fp.indexed_seq or 0), count + 1
    files.rebuild(as_rows(hashes), np.array(owners, np.int64))  # (rebuild shapes the owners)
    files.mark_synced(last)
    return len(hashes), count


@dataclass
class Refingerprinted:
    done: list[str] = field(default_factory=list)  # items fingerprinted again
    failed: dict[str, str] = field(default_factory=dict)  # item: why (its old fingerprint stays)
    current: int = 0  # fingerprints already made by the current version
    links: int = 0  # copy links the new fingerprints found


FIXITY_PROBLEMS = {
    "changed": "its stored bytes no longer match its SHA-256 and BLAKE2b (see `marsad fixity`)",
    "missing": "its blob is missing from the store (see `marsad fixity`)",
}


def refingerprint() -> Refingerprinted:
    """Fingerprint again every item fingerprinted by an older version of its fingerprinter
    (a new release finds copies the old one missed). Each new fingerprint is a custody event
    naming the one it supersedes, which is kept. The index is then rebuilt without the old
    hashes and the items are matched again: copies found by the new fingerprints are linked;
    links already recorded stay, being events in the log. A run cut short is finished by
    the next: new fingerprints not yet matched are matched then."""
    from marsad import registry
    from marsad.core.fingerprints.base import FingerprintFailed
    from marsad.custody.fixity import blob_status
    from marsad.evidence.ingest import store

    report = Refingerprinted()
    current = {f.name: f for f in registry.fingerprinters().values()}
    blob_store = store()
    for fp in Fingerprint.objects.select_related("item").order_by("pk").iterator():
        fingerprinter = current.get(fp.algorithm)
        if fingerprinter is None or fp.version == fingerprinter.version:
            report.current += fingerprinter is not None
            continue
        # The bytes fingerprinted must be the evidence's: a damaged blob is not hashed anew.
        status = blob_status(blob_store, fp.item.sha256, fp.item.blake2b)
        if status != "ok":
            report.failed[fp.item.sha256] = FIXITY_PROBLEMS[status]
            continue
        try:
            frames = fingerprinter.compute(blob_store.path(fp.item.sha256))
        except (FingerprintFailed, OSError) as e:
            report.failed[fp.item.sha256] = str(e)
            continue
        with transaction.atomic():
            log.lock_head()
            record_fingerprint(fp.item, fingerprinter.name, fingerprinter.version, frames, replaces=fp)
        report.done.append(fp.item.sha256)
    replaced = Fingerprint.every.filter(superseded=True).values("item_id")
    unmatched = Fingerprint.objects.filter(indexed=False, match_error="", item_id__in=replaced)
    pending = list(unmatched.order_by("pk").values_list("item__sha256", flat=True))
    if pending:
        rebuild_index()  # without the superseded hashes
        for sha in pending:
            report.links += match_item(sha)["links"]
    return report


def _record_link(item: Item, link: Link) -> int:
    a_id, b_id = sorted((item.pk, link.item))
    if CopyLink.objects.filter(a_id=a_id, b_id=b_id).exists():
        return 0
    other = Item.objects.get(pk=link.item)
    share_a, share_b = (link.share_query, link.share_other) if a_id == item.pk else (link.share_other, link.share_query)
    now = timezone.now()
    entry = log.record(
        "link",
        item=item.sha256,
        time=now,
        inputs=[{"sha256": item.sha256}, {"sha256": other.sha256}],
        outputs=[{"relation": "copy", "distance": link.distance, "reason": link.reason}],
    )
    CopyLink.objects.create(a_id=a_id, b_id=b_id, distance=link.distance, share_a=share_a, share_b=share_b,
                            reason=link.reason, created=now, log_index=entry.index)
    return 1


def links_to_record(links: list[Link]) -> list[Link]:
    """The closest MAX_DIRECT_LINKS links, the one to the earliest held item matched, and
    one to every other cluster matched.

    A video reposted by a thousand channels must not cost half a million links:
    a cluster is what links connect, so a new copy needs links to its closest
    copies and to each cluster it joins together, not to every member. The earliest
    held item (ingested first) is kept even when farther: a crop found only by its
    keypoints is otherwise crowded out by its sibling crops, which hash closer to it,
    and the reviewer loses the link that says which part of the original it shows."""
    chosen = links[:MAX_DIRECT_LINKS]
    if len(links) > len(chosen):
        first = min(links, key=lambda link: link.item)
        if first not in chosen:
            chosen.append(first)
    connected = cluster_ids({link.item for link in chosen}) if len(links) > len(chosen) else set()
    for link in links[MAX_DIRECT_LINKS:]:
        if link.item not in connected:
            chosen.append(link)
            connected |= cluster_ids({link.item})
    return chosen


def cluster_ids(seeds: set[int]) -> set[int]:
    """Ids of every item connected to the seeds by links (the seeds included)."""
    seen, frontier = set(seeds), list(seeds)
    while frontier:
        edges = CopyLink.objects.filter(Q(a_id__in=frontier) | Q(b_id__in=frontier)).values_list("a_id", "b_id")
        frontier = list({x for pair in edges for x in pair if x not in seen})
        seen.update(frontier)
    return seen


def cluster(item: Item) -> list[Item]:
    """The item's copy cluster: everything connected to it by links."""
    return list(Item.objects.filter(pk__in=cluster_ids({item.pk})))


def earliest_time(item: Item, projects: list[int] | None = None) -> tuple[Any, str]:
    """The earliest trustworthy time of an item, and where it comes from; `projects`: read post
    times only from those projects' sightings (a post time is a restricted capture field)."""
    options = []
    if item.captured_at:
        options.append((item.captured_at, f"capture metadata ({item.captured_at_source})"))
    captures = item.captures.all() if projects is None else item.captures.filter(project_id__in=projects)
    posted = captures.exclude(posted_at=None).order_by("posted_at").first()
    if posted:
        options.append((posted.posted_at, f"source post time ({posted.channel or posted.url or 'source'})"))
    return min(options, key=lambda o: o[0]) if options else (None, "no trustworthy time")
