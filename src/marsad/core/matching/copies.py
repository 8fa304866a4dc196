"""Deciding whether two items are copies, from the hash matches between them.

Pure logic: given which of a query's frames matched which frames of which
items, decide the links and say why, in words a documenter can check.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from marsad.core.fingerprints.base import MATCH_DISTANCE, MIN_QUALITY, FrameHash

MIN_SHARE = 0.5  # a video is a copy when half of one side's frames match the other
SHORT_CLIP = 2  # trustworthy frames at most in a clip that one matching frame can link
# Seconds: frames this close, once the videos are aligned, show the same moment. About a frame
# at 25-30 fps: footage that changes from frame to frame matches only at the very same frame.
SAME_MOMENT = 0.04


@dataclass
class FrameMatch:
    query_frame: int
    item: int
    frame: int
    distance: int
    variant: str = ""  # the query's variant it was found by ("its mirror image", ...); "" for the query itself
    part: str = ""  # the other item's indexed part it matched ("centre at 90%", ...); "" for its own hash
    lined_up: bool = False  # found by keypoints that line up (see `geometry`), whatever the hashes' distance


@dataclass(frozen=True)
class Moments:
    """When each trustworthy frame was taken (seconds into its video): the query's, and
    those of the items it matched, by frame number."""

    query: dict[int, float]
    others: dict[int, dict[int, float]]


@dataclass
class Candidate:
    item: int
    query_frames: set[int] = field(default_factory=set)
    their_frames: set[int] = field(default_factory=set)
    pairs: set[tuple[int, int]] = field(default_factory=set)  # (query frame, their frame) that match
    distance: int = 256
    hashed: int = 256  # closest of the matches found by hashes (not by keypoints)
    direct: bool = False  # some match needed no variant and hit the other's own hash
    via: set[str] = field(default_factory=set)  # the variants matches were found by
    parts: set[str] = field(default_factory=set)  # the other's indexed parts they hit


@dataclass(frozen=True)
class Link:
    item: int
    distance: int
    share_query: float
    share_other: float
    reason: str


def good_frames(qualities: list[int]) -> list[int]:
    """Frames whose hash is trustworthy; when none is, all of them (better a weak hash than none)."""
    good = [i for i, q in enumerate(qualities) if q >= MIN_QUALITY]
    return good or list(range(len(qualities)))


def frame_moments(frames: list[FrameHash]) -> dict[int, float]:
    """When each trustworthy frame was taken, by frame number (see `Moments`)."""
    return {i: frames[i].seconds for i in good_frames([f.quality for f in frames])}


def aligned(pairs: set[tuple[int, int]], query: dict[int, float], theirs: dict[int, float]) -> tuple[int, int, float]:
    """The alignment of two videos that most of their matching frames agree on: how many
    of the query's frames match at that time shift, how many were taken at the same
    moments of both (within SAME_MOMENT once shifted), and the shift. Frames are taken
    at regular steps from each video's own start, so a trimmed copy's are taken at other
    moments than the original's; only its scene changes, which both detect, and frames
    that happen to fall in step are the same moments. Those are the frames fit to compare."""
    shifted = [(q, theirs[f] - query[q]) for q, f in pairs if q in query and f in theirs]
    if not shifted:
        return 0, 0, 0.0
    times = np.concatenate(([-np.inf], np.sort(np.fromiter(theirs.values(), float)), [np.inf]))
    mine = np.fromiter(query.values(), float)
    best = (0, 0, 0.0)
    for shift, _ in Counter(round(s, 2) for _, s in shifted).most_common(8):
        matched = len({q for q, s in shifted if abs(s - shift) <= SAME_MOMENT})
        moved = mine + shift
        at = np.searchsorted(times, moved)
        near = np.minimum(times[at] - moved, moved - times[at - 1])
        comparable = max(matched, int(np.count_nonzero(near <= SAME_MOMENT)))
        if (matched, -comparable) > (best[0], -best[1]):
            best = (matched, comparable, shift)
    return best


def decide(matches: list[FrameMatch], query_good: int, frame_counts: dict[int, int],
           video: bool, moments: Moments | None = None, shapes: dict[int, tuple[str, int]] | None = None) -> list[Link]:
    """Links from a query's frame matches. `frame_counts` holds each other item's
    number of trustworthy frames; `query_good` the query's. With `moments`, a video is
    also a copy when two or more frames match at one time shift and they are at least
    half of the frames taken at the same moments of both (a trimmed copy). `shapes`: the
    items whose keypoints line up with the query's (a crop, a reframe; see `geometry`),
    with the part each shows of the other in words and their own hashes' distance: each
    is a copy too, its reason saying which part."""
    shapes = shapes or {}
    candidates: dict[int, Candidate] = defaultdict(lambda: Candidate(0))
    for m in matches:
        if m.distance > MATCH_DISTANCE and not m.lined_up:
            continue
        c = candidates[m.item]
        c.item = m.item
        c.query_frames.add(m.query_frame)
        c.their_frames.add(m.frame)
        c.pairs.add((m.query_frame, m.frame))
        c.distance = min(c.distance, m.distance)
        if not m.lined_up:
            c.hashed = min(c.hashed, m.distance)
        if m.variant:
            c.via.add(m.variant)
        if m.part:
            c.parts.add(m.part)
        if not m.variant and not m.part:
            c.direct = True
    links = []
    for c in candidates.values():
        their_good = frame_counts.get(c.item, 1)
        share_q = len(c.query_frames) / max(1, query_good)
        share_o = len(c.their_frames) / max(1, their_good)
        share_q, share_o = min(share_q, 1.0), min(share_o, 1.0)
        if video:
            # Two matching frames, unless one side is a clip too short to have two
            # trustworthy frames (a few seconds of a dim scene, a still shot): then its one.
            needed = 1 if min(query_good, their_good) <= SHORT_CLIP else 2
            enough = max(share_q, share_o) >= MIN_SHARE and len(c.query_frames) >= needed
            closest = (f"closest {c.distance} bits" if c.hashed <= MATCH_DISTANCE
                       else f"by keypoints; the closest hashes {c.distance} bits apart")
            reason = (f"{len(c.query_frames)} of {query_good} frames match {len(c.their_frames)} of "
                      f"{frame_counts.get(c.item, 0)} ({closest})")
            if not enough and moments and c.item in moments.others:
                matched, comparable, shift = aligned(c.pairs, moments.query, moments.others[c.item])
                if matched >= 2 and matched / comparable >= MIN_SHARE:
                    enough = True
                    reason += (f"; {matched} of the {comparable} frames taken at the same moments of both match, "
                               f"{abs(shift):.1f} s {'into the other' if shift >= 0 else 'into this one'}")
        else:
            enough = True
            reason = f"PDQ hashes {c.distance} bits apart (match at <= {MATCH_DISTANCE})"
        if not c.direct and c.via:
            reason += f", found by searching with {' / '.join(sorted(c.via))}"
        if not c.direct and c.parts:
            reason += f", against the other's {' / '.join(sorted(c.parts))}"
        if c.item in shapes:  # a video still needs its share of frames (those that line up count)
            enough = enough or not video
            reason += f"; {shapes[c.item][0]}"
        if enough:
            links.append(Link(c.item, c.distance, round(share_q, 3), round(share_o, 3), reason))
    for item, (shape, apart) in shapes.items():
        if item not in candidates and not video:  # keypoints alone: the hashes too far apart to match
            links.append(Link(item, apart, 1.0, 1.0, f"{shape}; PDQ hashes {apart} bits apart, too far to match alone"))
    return sorted(links, key=lambda link: (-max(link.share_query, link.share_other), link.distance))
