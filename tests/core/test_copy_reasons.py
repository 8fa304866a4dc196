"""A link says how it was found: by searching with which version of the query, if any."""

from marsad.core.fingerprints.pdq import image_variant_name
from marsad.core.fingerprints.video import video_variant_name
from marsad.core.matching.copies import FrameMatch, decide


def test_a_photo_found_only_through_its_rotation_says_so():
    link, = decide([FrameMatch(0, 7, 0, 12, variant=image_variant_name(1))], 1, {7: 1}, video=False)
    assert link.reason == "PDQ hashes 12 bits apart (match at <= 31), found by searching with it rotated 90°"


def test_a_direct_match_needs_no_explanation_of_variants():
    link, = decide([FrameMatch(0, 7, 0, 3), FrameMatch(0, 7, 0, 20, variant="its mirror image")], 1, {7: 1},
                   video=False)
    assert "found by" not in link.reason


def test_variant_names_follow_the_order_they_are_made_in():
    shapes = ["its centre at 16:9", "its centre at 3:2", "its centre at 4:3", "its centre at 1:1",
              "its centre at 4:5", "its centre at 3:4", "its centre at 2:3", "its centre at 9:16"]
    boxed = ["the picture inside its borders", "the picture inside its borders, mirrored", "the picture inside its borders"]
    assert [image_variant_name(i) for i in (0, 4, 7, 8)] == [
        "its mirror image", "it flipped upside down", "its middle band", "a small copy of it"]
    assert [image_variant_name(i) for i in range(9, 20)] == shapes + boxed
    # Fingerprints made before the centres at common shapes went straight on to the boxes.
    assert [image_variant_name(i, "pdqhash-0.2.3") for i in (8, 9, 10, 11)] == ["a small copy of it", *boxed]

    whole, wider = "the whole frame, borders kept", "the picture inside its wider border (a caption or logo laid over a border)"
    sides, rows = "the picture inside its side borders only", "the picture inside its top and bottom borders only"
    borders = [whole, f"the middle band of {whole}", wider, f"the middle band of {wider}", sides,
               f"the middle band of {sides}", rows, f"the middle band of {rows}",
               "the picture cut by 5% across its borders", "the picture cut by 10% across its borders",
               "the picture cut by 10% across its borders"]
    assert [video_variant_name(i) for i in range(21)] == ["its mirror image", "its middle band", *shapes, *borders]
    assert [video_variant_name(i, "3") for i in range(13)] == ["its mirror image", "its middle band", *borders]


def test_a_short_clip_is_linked_by_its_one_trustworthy_frame_a_long_one_needs_two():
    # A 4-second dim clip: two trustworthy frames, one of which matched.
    short, = decide([FrameMatch(0, 7, 0, 10)], 4, {7: 2}, video=True)
    assert short.share_other == 0.5
    # The same single frame between two long videos is not enough, whatever the shares.
    assert decide([FrameMatch(0, 7, 0, 10)], 1 + 2, {7: 2 + 1}, video=True) == []
    assert decide([FrameMatch(0, 7, 0, 10), FrameMatch(1, 7, 1, 12)], 3, {7: 3}, video=True)


def test_a_trimmed_copy_is_linked_by_the_frames_taken_at_the_same_moments_of_both():
    """A copy cut 1.4 s into a fast-changing video: its frames a second apart are taken at
    other moments than the original's, only the two scene changes both detect coincide,
    and they match. The same two matches between videos sampled in step, where every
    frame had a counterpart to match (a channel's shared intro), link nothing."""
    from marsad.core.matching.copies import Moments

    theirs = {0: 0.0, 1: 1.0, 2: 2.0, 3: 3.1, 4: 3.533, 5: 4.0, 6: 5.0, 7: 6.0}
    trimmed = {0: 0.0, 1: 1.0, 2: 1.733, 3: 2.167, 4: 3.0, 5: 4.0}
    matches = [FrameMatch(2, 7, 3, 8), FrameMatch(3, 7, 4, 2)]
    assert decide(matches, 6, {7: 8}, video=True) == []  # 2 of 6 frames: not half
    link, = decide(matches, 6, {7: 8}, video=True, moments=Moments(trimmed, {7: theirs}))
    assert link.reason.endswith("; 2 of the 2 frames taken at the same moments of both match, 1.4 s into the other")

    in_step = {i: float(i) for i in range(8)}
    intro = [FrameMatch(0, 7, 0, 4), FrameMatch(1, 7, 1, 6)]
    assert decide(intro, 8, {7: 8}, video=True, moments=Moments(in_step, {7: in_step})) == []


def test_a_match_against_the_other_items_indexed_crop_says_which():
    link, = decide([FrameMatch(0, 7, 0, 9, part="centre at 90%")], 1, {7: 1}, video=False)
    assert link.reason == "PDQ hashes 9 bits apart (match at <= 31), against the other's centre at 90%"
    link, = decide([FrameMatch(0, 7, 0, 9, variant="its mirror image", part="middle band")], 1, {7: 1}, video=False)
    assert link.reason.endswith("found by searching with its mirror image, against the other's middle band")


def test_part_names_follow_the_fingerprint_version():
    from marsad.core.fingerprints.video import VIDEO_PARTS, video_part_name

    assert [video_part_name(k) for k in range(4)] == list(VIDEO_PARTS)
    # Before version 3 a frame's reduced whole came first among its indexed hashes.
    assert [video_part_name(k, "2") for k in range(5)] == ["", *VIDEO_PARTS]


def test_a_crop_found_by_keypoints_says_which_part_and_a_video_still_needs_its_share_of_frames():
    shape = "this copy is the centre 36% of item 9f3c… (41 matching keypoints, scale 1.67)"
    link, = decide([], 1, {7: 1}, video=False, shapes={7: (shape, 140)})
    assert link.reason == f"{shape}; PDQ hashes 140 bits apart, too far to match alone" and link.distance == 140
    # A video: frames that line up count as matching frames, but one of ten is not a copy.
    lined = [FrameMatch(0, 7, 0, 120, variant="keypoints that line up (a crop or reframe)", lined_up=True)]
    assert decide(lined, 10, {7: 10}, video=True, shapes={7: (shape, 120)}) == []
    lined += [FrameMatch(q, 7, q, 110 + q, variant="keypoints that line up (a crop or reframe)", lined_up=True)
              for q in range(1, 6)]
    link, = decide(lined, 10, {7: 10}, video=True, shapes={7: (shape, 110)})
    assert link.reason == ("6 of 10 frames match 6 of 10 (by keypoints; the closest hashes 111 bits apart), found by "
                           f"searching with keypoints that line up (a crop or reframe); {shape}")
    # A distance beyond PDQ's threshold is dropped unless the frames lined up.
    assert decide([FrameMatch(0, 7, 0, 120)], 1, {7: 1}, video=False) == []
