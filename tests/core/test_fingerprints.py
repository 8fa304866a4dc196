"""PDQ and video PDQ against Meta's reference hashes (../shared/testdata/pdq, vpdq)."""

import json

import pytest

from marsad.core.fingerprints.base import distance
from marsad.core.fingerprints.pdq import PDQ
from marsad.core.fingerprints.video import VideoPDQ
from marsad.core.matching.index import HammingIndex


@pytest.fixture(scope="module")
def expected(testdata):
    return json.loads((testdata / "pdq" / "expected-hashes.json").read_text())


def test_pdq_exact_and_tolerance_vectors(testdata, expected):
    pdq = PDQ()
    worst = {}
    for group, limit in (("exact", 2), ("tolerance_16", 16)):
        assert expected[group]
        for case in expected[group]:
            got = pdq.compute(testdata / "pdq" / "images" / case["file"])[0]
            d = distance(got.hash, bytes.fromhex(case["hash"]))
            assert d <= limit, f"{case['file']}: {d} bits from the reference"
            worst[group] = max(worst.get(group, 0), d)
    assert worst["exact"] == 0, "these decode identically here: all exact"


def test_rotations_and_mirrors_are_found_by_the_dihedral_query(testdata):
    pdq = PDQ()
    folder = testdata / "pdq" / "images" / "dih"
    index = HammingIndex()
    original = pdq.compute(folder / "bridge-1-original.jpg")[0]
    index.add([original.hash, *original.extras])  # as the service indexes a picture
    for image in sorted(folder.iterdir()):
        frame = pdq.compute(image)[0]
        plain = index.search(frame.hash, 31)
        found = [m for probe in (frame.hash, *frame.variants) for m in index.search(probe, 31)]
        assert found, f"{image.name} not found by any of its 8 orientations"
        if image.name != "bridge-1-original.jpg":
            assert not plain, f"{image.name} should need the dihedral query"


def test_quality_is_reported(testdata):
    small = PDQ().compute(testdata / "pdq" / "images" / "misc" / "small.jpg")[0]
    assert small.quality < 50  # a featureless image: its hash must not be trusted
    assert PDQ().compute(testdata / "pdq" / "images" / "bridge-mods" / "aaa-orig.jpg")[0].quality == 100


def _reference(path):
    rows = []
    for line in path.read_text().splitlines():
        _, quality, hex_hash, seconds = line.split(",")
        rows.append((float(seconds), int(quality), bytes.fromhex(hex_hash)))
    return rows


def test_video_frames_match_vpdq_reference_hashes(testdata):
    videos = sorted((testdata / "vpdq" / "videos").glob("*.mp4"))
    assert len(videos) >= 14
    hasher = VideoPDQ(trim_borders=False, drop_similar=False, with_variants=False)
    for video in videos:
        reference = _reference(testdata / "vpdq" / "hashes" / f"{video.stem}.txt")
        half = (reference[1][0] - reference[0][0]) / 2
        ours = [f for f in hasher.compute(video) if f.quality >= 50]
        assert ours, video.name
        ok = 0
        for frame in ours:
            near = [r for r in reference if abs(r[0] - frame.seconds) <= half + 1e-6]
            ok += bool(near) and min(distance(frame.hash, r[2]) for r in near) <= 31
        assert ok / len(ours) >= 0.95, f"{video.name}: {ok}/{len(ours)} frames match the reference"
        duration = reference[-1][0]
        assert len(ours) <= 4 * duration + 2, "about one hash a second plus scene changes, not every frame"


def _write(path, frames, size):
    import av

    with av.open(str(path), "w", format="mp4") as dst:
        out = dst.add_stream("libx264", rate=10)
        out.width, out.height, out.pix_fmt = size[0], size[1], "yuv420p"
        for n, pixels in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(pixels, "rgb24")
            frame.pts = n
            for packet in out.encode(frame):
                dst.mux(packet)
        for packet in out.encode():
            dst.mux(packet)


def _textured_frames(count, width=320, height=180, seed=4):
    """A textured scene panning sideways (real footage has detail in every line)."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 256, (height // 6, (width + 8 * count) // 6, 3), dtype=np.uint8)
    world = np.asarray(Image.fromarray(blocks).resize(((width + 8 * count), height), Image.BILINEAR))
    return [np.ascontiguousarray(world[:, 8 * n : 8 * n + width]) for n in range(count)]


def test_letterbox_and_blurred_pillarbox_are_trimmed_before_hashing(tmp_path):
    import numpy as np
    from PIL import Image, ImageFilter

    frames = _textured_frames(30)
    _write(tmp_path / "plain.mp4", frames, (320, 180))
    boxed = []
    pillared = []
    for f in frames:
        canvas = np.zeros((320, 320, 3), np.uint8)
        canvas[70:250] = f
        boxed.append(canvas)
        # a vertical phone video's usual frame: the picture over a blurred, stretched copy of itself
        back = Image.fromarray(f).resize((480, 180)).filter(ImageFilter.GaussianBlur(25))
        wide = np.asarray(back).copy()
        wide[:, 80:400] = f
        pillared.append(np.ascontiguousarray(wide))
    _write(tmp_path / "boxed.mp4", boxed, (320, 320))
    _write(tmp_path / "pillared.mp4", pillared, (480, 180))
    original = VideoPDQ().compute(tmp_path / "plain.mp4")
    for name in ("boxed.mp4", "pillared.mp4"):
        trimmed = VideoPDQ().compute(tmp_path / name)
        untrimmed = VideoPDQ(trim_borders=False).compute(tmp_path / name)
        best = min(distance(x.hash, y.hash) for x in original for y in trimmed)
        best_untrimmed = min(distance(x.hash, y.hash) for x in original for y in untrimmed)
        assert best <= 31 < best_untrimmed, (name, best, best_untrimmed)


def _video_links(original, copy):
    """The copy's links to the original, found the way the matching service finds them."""
    from marsad.core.fingerprints.video import video_variant_name
    from marsad.core.matching.copies import FrameMatch, decide, good_frames

    rows, owners = [], []
    for i, f in enumerate(original):
        rows += [f.hash, *f.extras]
        owners += [i] * (1 + len(f.extras))
    index = HammingIndex(rows)
    good = good_frames([f.quality for f in copy])
    matches = []
    for i in good:
        for v, probe in enumerate((copy[i].hash, *copy[i].variants)):
            for m in index.search(probe, 31):
                matches.append(FrameMatch(i, 1, owners[m.position], m.distance, "" if v == 0 else video_variant_name(v - 1)))
    return decide(matches, len(good), {1: len(good_frames([f.quality for f in original]))}, video=True)


def test_a_bordered_video_matches_a_copy_captioned_over_its_border_and_one_cut_across_it(tmp_path):
    """A channel's caption over the bottom bar narrows that border; a crop of a letterboxed video
    cuts the bars and the picture's sides. Both trim to another picture than the original's."""
    import numpy as np
    from PIL import Image, ImageDraw

    frames = _textured_frames(60)
    boxed, captioned, cut = [], [], []
    for f in frames:
        canvas = np.zeros((320, 320, 3), np.uint8)
        canvas[70:250] = f
        boxed.append(canvas)
        img = Image.fromarray(canvas)
        ImageDraw.Draw(img).text((10, 262), "Breaking: strike on the market, share it", fill="white")  # on the bar
        captioned.append(np.asarray(img))
        cut.append(np.ascontiguousarray(canvas[16:304, 16:304]))  # 10%: 16 px off every side
    _write(tmp_path / "boxed.mp4", boxed, (320, 320))
    _write(tmp_path / "captioned.mp4", captioned, (320, 320))
    _write(tmp_path / "cut.mp4", cut, (288, 288))
    original = VideoPDQ().compute(tmp_path / "boxed.mp4")
    for name, variant in (("captioned.mp4", "wider border"), ("cut.mp4", "cut by")):
        copy = VideoPDQ().compute(tmp_path / name)
        links = _video_links(original, copy)
        assert links and max(links[0].share_query, links[0].share_other) >= 0.5, name
        assert variant in links[0].reason or "found by" not in links[0].reason, links[0].reason
        # Without the border variants (only the mirror and the band), the copy is not found.
        bare = [f.__class__(f.hash, f.quality, f.seconds, f.variants[:2], f.extras) for f in copy]
        assert not _video_links(original, bare), name


def test_a_picture_with_plain_margins_is_cut_from_its_blurred_background_at_the_seam():
    """A page of text has plain paper at its sides, which peels like the blurred background
    around it; the picture's edge is the seam where the whole column jumps."""
    import numpy as np
    from PIL import Image, ImageFilter

    from marsad.core.fingerprints.borders import content_box

    rng = np.random.default_rng(3)
    page = np.full((200, 160), 215, np.uint8)
    page[20:180, 8:152] = rng.integers(0, 2, (160, 144)).astype(np.uint8) * 180 + 20  # the text
    back = Image.fromarray(page).resize((256, 200)).filter(ImageFilter.GaussianBlur(12))
    framed = np.asarray(back).copy()
    framed[:, 48:208] = page  # the page pasted over a blurred, stretched copy of itself
    box = content_box(framed)
    assert (box.left, box.right) == (48, 208), box


def test_a_logo_that_misleads_the_border_finder_is_left_out_by_the_whole_frame_band(tmp_path):
    """On a smooth scene (the vPDQ "doorknob" wall) a channel's logo in a corner can make the
    sides look like borders, so the copy's picture is cut where the original's is not. The
    middle band of the whole frame leaves the logo out and still matches."""
    import numpy as np
    from PIL import Image, ImageDraw

    from marsad.core.fingerprints.borders import Crop
    from marsad.core.fingerprints.video import VIDEO_VARIANTS

    frames = _textured_frames(40)
    logo = []
    for f in frames:
        img = Image.fromarray(f)
        ImageDraw.Draw(img).rounded_rectangle((130, 4, 316, 28), radius=6, fill=(230, 30, 30))  # a banner
        logo.append(np.asarray(img))
    _write(tmp_path / "original.mp4", frames, (320, 180))
    _write(tmp_path / "logo.mp4", logo, (320, 180))
    original = VideoPDQ().compute(tmp_path / "original.mp4")
    misread = Crop(0, 180, 48, 272)  # the sides taken for a blurred background
    copy = VideoPDQ()._hash_frames(str(tmp_path / "logo.mp4"), misread)
    links = _video_links(original, copy)
    assert links and "the middle band of the whole frame" in links[0].reason, links
    # The band leaves the banner out: it lies much nearer the original than the whole frame does.
    band = 1 + VIDEO_VARIANTS.index("the middle band of the whole frame, borders kept")
    whole = 1 + VIDEO_VARIANTS.index("the whole frame, borders kept")
    near = {k: sorted(min(distance(c.variants[k - 1], o.extras[-1] if k == band else o.hash) for o in original)
                      for c in copy) for k in (band, whole)}
    assert near[band][len(copy) // 2] + 8 <= near[whole][len(copy) // 2], near
