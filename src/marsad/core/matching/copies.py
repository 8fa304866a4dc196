"""Deciding whether two items are copies, from the hash matches between them.

Pure logic: given which of a query's frames matched which frames of which
items, decide the links and say why, in words a documenter can check.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from marsad.core.fingerprints.base import MATCH_DISTANCE, MIN_QUALITY

MIN_SHARE = 0.5  # a video is a copy when half of one side's frames match the other
SHORT_CLIP = 2  # trustworthy frames at most in a clip that one matching frame can link


@dataclass
class FrameMatch:
    query_frame: int
    item: int
    frame: int
    distance: int
    variant: str = ""  # the query's variant it was found by ("its mirror image", ...); "" for the query itself


@dataclass
class Candidate:
    item: int
    query_frames: set[int] = field(default_factory=set)
    their_frames: set[int] = field(default_factory=set)
    distance: int = 256
    direct: bool = False  # some match needed no variant
    via: set[str] = field(default_factory=set)  # the variants matches were found by


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


def decide(matches: list[FrameMatch], query_good: int, frame_counts: dict[int, int],
           video: bool) -> list[Link]:
    """Links from a query's frame matches. `frame_counts` holds each other item's
    number of trustworthy frames; `query_good` the query's."""
    candidates: dict[int, Candidate] = defaultdict(lambda: Candidate(0))
    for m in matches:
        if m.distance > MATCH_DISTANCE:
            continue
        c = candidates[m.item]
        c.item = m.item
        c.query_frames.add(m.query_frame)
        c.their_frames.add(m.frame)
        c.distance = min(c.distance, m.distance)
        if m.variant:
            c.via.add(m.variant)
        else:
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
            reason = (f"{len(c.query_frames)} of {query_good} frames match {len(c.their_frames)} of "
                      f"{frame_counts.get(c.item, 0)} (closest {c.distance} bits)")
        else:
            enough = True
            reason = f"PDQ hashes {c.distance} bits apart (match at <= {MATCH_DISTANCE})"
        if not c.direct and c.via:
            reason += f", found by searching with {' / '.join(sorted(c.via))}"
        if enough:
            links.append(Link(c.item, c.distance, round(share_q, 3), round(share_o, 3), reason))
    return sorted(links, key=lambda link: (-max(link.share_query, link.share_other), link.distance))
