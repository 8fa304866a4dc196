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


def _faded_to_sky(frames, fade=40):
    """Frames whose sides fade into a plain sky over `fade` px, as much footage's do (a scene
    before a wall or the sky): a blurred copy set around them shows no seam to cut at."""
    import numpy as np

    width = frames[0].shape[1]
    x = np.arange(width)
    weight = np.clip(np.minimum(x, width - 1 - x) / fade, 0, 1)[None, :, None]
    sky = np.array([120, 150, 190], np.float32)
    return [np.ascontiguousarray((f * weight + sky * (1 - weight)).astype(np.uint8)) for f in frames]


def _on_blurred_background(picture, width):
    """The picture set in the middle of a wider frame filled with a blurred, stretched copy of it."""
    import numpy as np
    from PIL import Image, ImageFilter

    height, own = picture.shape[:2]
    back = np.asarray(Image.fromarray(picture).resize((width, height)).filter(ImageFilter.GaussianBlur(20))).copy()
    left = (width - own) // 2
    back[:, left : left + own] = picture
    return np.ascontiguousarray(back)


def test_a_vertical_phone_video_reposted_in_a_landscape_frame_is_searched_by_its_centre_at_9_16(tmp_path):
    """The commonest re-post of a phone video: the vertical picture in a 16:9 frame over a
    blurred, stretched copy of itself. The centre of the frame at the picture's own shape
    is the picture itself."""
    from marsad.core.fingerprints.video import VIDEO_VARIANTS

    frames = _faded_to_sky(_textured_frames(40, width=180, height=320), fade=70)
    _write(tmp_path / "phone.mp4", frames, (180, 320))
    _write(tmp_path / "reposted.mp4", [_on_blurred_background(f, 568) for f in frames], (568, 320))
    original = {f.seconds: f for f in VideoPDQ().compute(tmp_path / "phone.mp4")}
    copy = VideoPDQ().compute(tmp_path / "reposted.mp4")
    centre = VIDEO_VARIANTS.index("its centre at 9:16")
    # The original's sky peels like a border, so its whole frame is the hash kept beside its own.
    near = [min(distance(f.variants[centre], h) for h in (original[f.seconds].hash, *original[f.seconds].extras))
            for f in copy if f.seconds in original]
    assert len(near) >= 12 and sorted(near)[len(near) // 2] <= 8 and max(near) <= 16, near
    links = _video_links(original.values(), copy)
    assert links and min(links[0].share_query, links[0].share_other) >= 0.5, links


def test_a_wall_filmed_in_16_9_and_set_on_its_blurred_copy_is_found_by_its_centre(testdata, tmp_path):
    """The vPDQ "doorknob" clip is a smooth wall: set on a blurred copy of itself, no border
    can be told from the picture, and only the frame's centre at 16:9 finds it."""
    import av
    import numpy as np

    from marsad.core.fingerprints.regions import ASPECTS

    with av.open(str(testdata / "vpdq" / "videos" / "doorknob-hd-no-bar.mp4")) as src:
        frames = [np.asarray(f.to_image().resize((640, 360))) for f in src.decode(video=0)][::3]
    _write(tmp_path / "wall.mp4", frames, (640, 360))
    _write(tmp_path / "posted.mp4", [_on_blurred_background(f, 1024) for f in frames], (1024, 360))
    original = VideoPDQ().compute(tmp_path / "wall.mp4")
    copy = VideoPDQ().compute(tmp_path / "posted.mp4")
    links = _video_links(original, copy)
    assert links and "its centre at 16:9" in links[0].reason, links
    shapes = slice(2, 2 + len(ASPECTS))
    bare = [f.__class__(f.hash, f.quality, f.seconds, f.variants[: shapes.start] + f.variants[shapes.stop :], f.extras)
            for f in copy]
    assert not _video_links(original, bare)


def test_a_square_photo_on_a_blurred_16_9_background_is_found_by_its_centre_at_1_1(tmp_path):
    from PIL import Image

    from marsad.core.fingerprints.pdq import IMAGE_VARIANTS

    photo = _faded_to_sky(_textured_frames(1, width=300, height=300, seed=9))[0]
    Image.fromarray(photo).save(tmp_path / "photo.png")
    Image.fromarray(_on_blurred_background(photo, 534)).save(tmp_path / "posted.png")
    original = PDQ().compute(tmp_path / "photo.png")[0]
    posted = PDQ().compute(tmp_path / "posted.png")[0]
    centre = posted.variants[IMAGE_VARIANTS.index("its centre at 1:1")]
    assert distance(centre, original.hash) <= 8
    others = [posted.hash, *(v for k, v in enumerate(posted.variants) if v != centre)]
    assert min(distance(v, h) for v in others for h in (original.hash, *original.extras)) > 31


def test_a_short_clip_is_sampled_four_times_a_second_a_long_one_about_once(tmp_path):
    import numpy as np

    still = _textured_frames(1, width=200, height=96)[0]
    frames = [np.ascontiguousarray(still[:, n // 4 : n // 4 + 160]) for n in range(160)]  # a slow pan, 10 a second
    _write(tmp_path / "short.mp4", frames[:40], (160, 96))
    _write(tmp_path / "long.mp4", frames, (160, 96))
    hasher = VideoPDQ(drop_similar=False, with_variants=False)
    short = [f.seconds for f in hasher.compute(tmp_path / "short.mp4")]
    long = [f.seconds for f in hasher.compute(tmp_path / "long.mp4")]
    assert len(short) >= 12 and np.median(np.diff(short)) <= 0.3, short
    assert 0.9 <= np.median(np.diff(long)) <= 1.1 and len(long) <= 20, long


def test_only_plain_or_blurred_sides_are_taken_for_a_background():
    """A frame whose sides hold as much detail as its centre gets no centre-at-a-shape
    variant (most frames: they cost nothing and cannot match by chance)."""
    from marsad.core.fingerprints.regions import ASPECTS, background_boxes

    scene = _textured_frames(1, width=568, height=320)[0]
    assert background_boxes(scene, 320, 568) == [None] * len(ASPECTS)
    phone = _faded_to_sky(_textured_frames(1, width=180, height=320), fade=70)[0]
    boxes = dict(zip(ASPECTS, background_boxes(_on_blurred_background(phone, 568), 320, 568)))
    assert boxes[(9, 16)] is not None and (boxes[(9, 16)].left, boxes[(9, 16)].right) == (194, 374)
    assert boxes[(16, 9)] is None  # the frame's own shape


def _hash_as_version_2_decoded(path):
    """A photo's own hash as PDQ version .../2 made it: decoded at the draft scale keeping both
    sides at least 1024 px."""
    import numpy as np
    import pdqhash
    from PIL import Image, ImageOps

    from marsad.core.fingerprints.base import pack_bits

    with Image.open(path) as img:
        img.draft("RGB", (1024, 1024))
        rgb = np.asarray(ImageOps.exif_transpose(img).convert("RGB"))
    return pack_bits(pdqhash.compute(np.ascontiguousarray(rgb))[0])


def test_a_large_photo_is_hashed_from_a_copy_of_512_to_1023_px_a_side_whatever_its_format(testdata, tmp_path):
    """A 12 MP photo is decoded at 1/4 (PDQ reduces it to 64 x 64: more pixels only cost time),
    and its PNG copy, which has no draft mode, is reduced by the same factor: both hash alike."""
    from PIL import Image

    from marsad.core.fingerprints.pdq import load_rgb

    photo = testdata / "pdq" / "images" / "exif-rotn" / "exif-rotn-1.jpg"  # 4032 x 3024
    rgb = load_rgb(photo)
    assert rgb.shape == (756, 1008, 3)
    with Image.open(photo) as img:
        img.convert("RGB").save(tmp_path / "copy.png")
    assert load_rgb(tmp_path / "copy.png").shape == rgb.shape
    assert distance(PDQ().compute(tmp_path / "copy.png")[0].hash, PDQ().compute(photo)[0].hash) <= 4
    assert load_rgb(testdata / "pdq" / "images" / "misc" / "c.png").shape == (812, 1432, 3)  # under 1024: whole


def test_photos_fingerprinted_by_version_2_still_match_their_copies_hashed_now(testdata):
    """Version 3 decodes large photos at a smaller scale, so their own hashes move a few bits:
    far under the match threshold of 31, so items fingerprinted before still match new copies
    until `marsad index refingerprint` rehashes them. Pictures under 1024 px a side hash as before."""
    images = testdata / "pdq" / "images"
    assert PDQ.version.endswith("/4")  # /3 changed the decode; /4 only the keypoints
    moved = {p.name: distance(_hash_as_version_2_decoded(p), PDQ().compute(p)[0].hash)
             for p in sorted((images / "exif-rotn").iterdir()) + sorted((images / "dih").iterdir())}
    assert all(moved[f"bridge-{n}" + name] == 0 for n, name in
               ((1, "-original.jpg"), (2, "-rotate-90.jpg"), (5, "-flipx.jpg")))
    assert max(moved.values()) <= 8 and sum(moved.values()) > 0, moved
