"""A copy link's reason, stored in English, read in Arabic: reasons made by the real matching
core, every kind of clause and name it writes, come out in Arabic with every number kept;
in English they come out as stored; what is not recognised passes through unchanged."""

import random
import re
from collections import Counter

import pytest
from django.utils import translation
from django.utils.html import escape

from marsad.core.fingerprints.pdq import BOXED_VARIANTS, IMAGE_PARTS, IMAGE_VARIANTS
from marsad.core.fingerprints.video import VIDEO_PARTS, VIDEO_VARIANTS
from marsad.core.matching.copies import FrameMatch, Moments, decide
from marsad.core.matching.geometry import Geometry, describe, part_name
from marsad.matching.service import KEYPOINT_VARIANT
from marsad.web import reason_words

pytestmark = pytest.mark.once

OTHER = "item 9f3c…"  # as matching.service names the other item
# Boxes (left, top, right, bottom) reaching each of part_name's wordings.
BOXES = [(0, 0, 1, 1), (0, 0, .7, 1), (.3, 0, 1, 1), (.22, 0, .78, 1), (.1, 0, .5, 1), (0, 0, 1, .7), (0, .3, 1, 1),
         (0, .22, 1, .78), (0, .1, 1, .5), (.2, .2, .8, .8), (0, 0, .7, .7), (.3, 0, 1, .7), (0, .3, .7, 1),
         (.3, .3, 1, 1), (.1, .05, .6, .5)]


def _random_boxes(n: int) -> list[tuple[float, float, float, float]]:
    """Boxes with each edge at the picture's edge or anywhere, from a fixed seed."""
    rng = random.Random(7)
    out = []
    for _ in range(n):
        left, right = sorted((0.0 if rng.random() < .4 else rng.random(), 1.0 if rng.random() < .4 else rng.random()))
        top, bottom = sorted((0.0 if rng.random() < .4 else rng.random(), 1.0 if rng.random() < .4 else rng.random()))
        if right - left > .05 and bottom - top > .05:
            out.append((left, top, right, bottom))
    return out


def _geometries() -> list[Geometry]:
    whole, centre, corner, strip = (0, 0, 1, 1), (.2, .2, .8, .8), (.3, .3, 1, 1), (0, .22, 1, .78)
    return [Geometry(40, 1.0, 0.0, whole, whole), Geometry(31, 1.667, 0.4, centre, whole),
            Geometry(18, 0.8, -7.2, whole, corner), Geometry(12, 1.1, 12.0, corner, strip),
            Geometry(9, 0.9, 0.0, strip, centre)]


def _video_reasons() -> list[str]:
    reasons = [decide([FrameMatch(0, 7, 0, 10), FrameMatch(1, 7, 1, 12)], 3, {7: 3}, video=True)[0].reason]
    lined = [FrameMatch(q, 7, q, 60, variant=KEYPOINT_VARIANT, lined_up=True) for q in range(2)]
    reasons.append(decide(lined, 2, {7: 2}, video=True)[0].reason)
    each = [FrameMatch(k % 3, 7, k % 3, 9, variant=v) for k, v in enumerate(VIDEO_VARIANTS)]
    each += [FrameMatch(0, 7, 0, 9, part=p) for p in VIDEO_PARTS]
    reasons.append(decide(each, 3, {7: 3}, video=True)[0].reason)
    # A copy cut 1.4 s into a video, seen from both sides (test_copy_reasons has the case).
    theirs = {0: 0.0, 1: 1.0, 2: 2.0, 3: 3.1, 4: 3.533, 5: 4.0, 6: 5.0, 7: 6.0}
    trimmed = {0: 0.0, 1: 1.0, 2: 1.733, 3: 2.167, 4: 3.0, 5: 4.0}
    reasons.append(decide([FrameMatch(2, 7, 3, 8), FrameMatch(3, 7, 4, 2)], 6, {7: 8}, video=True,
                          moments=Moments(trimmed, {7: theirs}))[0].reason)
    reasons.append(decide([FrameMatch(3, 7, 2, 8), FrameMatch(4, 7, 3, 2)], 8, {7: 6}, video=True,
                          moments=Moments(theirs, {7: trimmed}))[0].reason)
    return reasons


def core_reasons() -> list[str]:
    """Reasons as the core writes them, at least one of every clause and name."""
    reasons = [decide([FrameMatch(0, 7, 0, 12)], 1, {7: 1}, video=False)[0].reason]
    variants = [*IMAGE_VARIANTS, *BOXED_VARIANTS, KEYPOINT_VARIANT]
    reasons.append(decide([FrameMatch(0, 7, 0, 20, variant=v) for v in variants], 1, {7: 1}, video=False)[0].reason)
    reasons.append(decide([FrameMatch(0, 7, 0, 9, variant=IMAGE_VARIANTS[0], part=p) for p in IMAGE_PARTS if p],
                          1, {7: 1}, video=False)[0].reason)
    reasons += _video_reasons()
    shapes = [describe(g, other) for g in _geometries() for other in (OTHER, "item 12")]
    reasons += shapes
    reasons.append(decide([FrameMatch(0, 7, 0, 25)], 1, {7: 1}, video=False, shapes={7: (shapes[2], 25)})[0].reason)
    reasons.append(decide([], 1, {}, video=False, shapes={7: (shapes[3], 48)})[0].reason)  # keypoints alone
    return reasons


def all_names() -> list[str]:
    return [*IMAGE_VARIANTS, *BOXED_VARIANTS, *(p for p in IMAGE_PARTS if p), *VIDEO_VARIANTS, *VIDEO_PARTS,
            KEYPOINT_VARIANT, *(part_name(b) for b in BOXES + _random_boxes(300))]


def _outside_ids(reason: str) -> str:
    """The Arabic text without the ids kept left to right (hash prefixes, item numbers)."""
    return "".join(t for t in reason_words.tokens(reason) if isinstance(t, str))


NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def test_the_reasons_made_cover_every_kind_of_clause():
    reasons = core_reasons()
    clauses = Counter(c.split(" ")[0] if c[0].isdigit() else " ".join(c.split(" ")[:3])
                      for r in reasons for c in reason_words.clauses(r))
    joined = "\n".join(reasons)
    for needed in ("(by keypoints; the closest hashes", "s into the other", "s into this one", "too far to match alone",
                   "the copy shows the whole of", "this copy is", " is ", "(each shows part of the other", "turned -7°",
                   "turned 12°", ", found by searching with", ", against the other's", "(closest 10 bits)"):
        assert needed in joined, needed
    assert len(clauses) > 8


@pytest.mark.parametrize("reason", core_reasons())
def test_a_core_reason_reads_in_arabic_with_every_number(reason):
    with translation.override("ar"):
        arabic = reason_words.text(reason)
        unknown = [t.text for t in reason_words.tokens(reason) if isinstance(t, reason_words.Ltr) and t.english]
        words = re.findall(r"[A-Za-z]{3,}", _outside_ids(reason))
        html = reason_words.html(reason)
    assert not unknown, unknown
    assert set(words) <= {"PDQ"}, (words, arabic)  # the hash's name stays a name
    assert Counter(NUMBER.findall(arabic)) == Counter(NUMBER.findall(reason)), arabic
    assert re.search(r"[\u0600-\u06ff]", arabic)
    assert "9f3c…" not in reason or '<bdi dir="ltr">9f3c…</bdi>' in html  # ids stay left to right


@pytest.mark.parametrize("reason", core_reasons())
def test_in_english_a_reason_reads_as_stored(reason):
    with translation.override("en"):
        assert reason_words.text(reason) == reason
        assert reason_words.html(reason) == escape(reason)


def test_every_name_the_core_gives_has_its_arabic():
    with translation.override("ar"):
        for name in all_names():
            words = reason_words.name_tokens(name)
            assert not any(isinstance(t, reason_words.Ltr) for t in words), name
            arabic = "".join(words)
            assert not re.findall(r"[A-Za-z]{3,}", arabic), (name, arabic)
            assert Counter(NUMBER.findall(arabic)) == Counter(NUMBER.findall(name)), (name, arabic)


def test_what_is_not_recognised_passes_through_unchanged():
    strange = "a new kind of evidence <b>here</b>"
    with translation.override("ar"):
        assert reason_words.html(strange) == f'<bdi dir="ltr" lang="en">{escape(strange)}</bdi>'
        assert reason_words.text(strange) == strange
        # Known clauses around an unknown one are read; the unknown one stays as written, in English.
        mixed = f"PDQ hashes 3 bits apart (match at <= 31); {strange}, found by searching with its mirror image / its halo"
        html = reason_words.html(mixed)
    assert f'<bdi dir="ltr" lang="en">{escape(strange)}</bdi>' in html
    assert '<bdi dir="ltr" lang="en">its halo</bdi>' in html
    assert "PDQ hashes" not in html and "mirror" not in html and "<b>" not in html
