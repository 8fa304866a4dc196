"""A link says how it was found: through which version of the query, if any."""

from marsad.core.fingerprints.pdq import image_variant_name
from marsad.core.fingerprints.video import video_variant_name
from marsad.core.matching.copies import FrameMatch, decide


def test_a_photo_found_only_through_its_rotation_says_so():
    link, = decide([FrameMatch(0, 7, 0, 12, variant=image_variant_name(1))], 1, {7: 1}, video=False)
    assert link.reason == "PDQ hashes 12 bits apart (match at <= 31), found through its rotated 90° version"


def test_a_direct_match_needs_no_explanation_of_variants():
    link, = decide([FrameMatch(0, 7, 0, 3), FrameMatch(0, 7, 0, 20, variant="mirrored")], 1, {7: 1}, video=False)
    assert "found through" not in link.reason


def test_variant_names_follow_the_order_they_are_made_in():
    assert [image_variant_name(i) for i in (0, 4, 7, 8, 9, 10, 11)] == [
        "mirrored", "flipped upside down", "its middle band", "reduced to a small picture",
        "the picture inside its borders", "the picture inside its borders, mirrored", "the picture inside its borders"]
    assert [video_variant_name(i) for i in range(3)] == ["mirrored", "its middle band", "the whole frame, borders kept"]
