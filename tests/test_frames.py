"""Observations from raw B,G,R,A pixels (orientation, colour, size) and frame stacks."""

from __future__ import annotations

import collections
import itertools

import cv2
import numpy as np
import pytest

from aiomame.errors import InvalidArgumentError, ProtocolError
from aiomame.machine import frames
from aiomame.machine.frames import INTERPOLATIONS, OBS_TYPES, FrameConverter, ObsSpec
from aiomame.machine.stack import FrameStacks

# A 2x3 (height x width) bitmap whose pixel (row r, column c) has blue = 10*r + c.
RAW = np.zeros((2, 3, 4), np.uint8)
RAW[..., 0] = np.arange(6).reshape(2, 3) + np.array([[0], [7]])  # 0 1 2 / 10 11 12
RAW[..., 1] = 100
RAW[..., 2] = 200
RAW[..., 3] = 255
BLUE = np.array([[0, 1, 2], [10, 11, 12]])


@pytest.mark.parametrize(("rotation", "flipx", "flipy", "expected"), [
    (0, False, False, BLUE),
    (90, False, False, [[10, 0], [11, 1], [12, 2]]),     # clockwise: left column on top
    (180, False, False, [[12, 11, 10], [2, 1, 0]]),
    (270, False, False, [[2, 12], [1, 11], [0, 10]]),    # counter-clockwise
    (0, True, False, [[2, 1, 0], [12, 11, 10]]),
    (0, False, True, [[10, 11, 12], [0, 1, 2]]),
])
def test_orientation(rotation, flipx, flipy, expected):
    conv = FrameConverter(rotation, flipx, flipy)
    rgb = conv.convert(RAW.reshape(-1), 3, 2)
    assert rgb.shape == conv.shape(3, 2) == (*np.shape(expected), 3)
    assert rgb[..., 2].tolist() == np.asarray(expected).tolist()  # blue lands in channel 2
    assert (rgb[..., 0] == 200).all() and (rgb[..., 1] == 100).all()  # red, green
    assert rgb.flags.c_contiguous


def test_convert_into_a_given_buffer():
    out = np.zeros((3, 2, 3), np.uint8)
    assert FrameConverter(90).convert(RAW.reshape(-1), 3, 2, out) is out
    assert out[..., 2].tolist() == [[10, 0], [11, 1], [12, 2]]


def test_rotation_must_be_a_right_angle():
    with pytest.raises(ProtocolError, match="45"):
        FrameConverter(45)


# -- every observation against a straightforward reference ------------------------------

ORIENTATIONS = [(r, fx, fy) for r in (0, 90, 180, 270) for fx in (False, True)
                for fy in (False, True)]


def reference(raw: np.ndarray, width: int, height: int, rotation: int, flipx: bool,
              flipy: bool, spec: ObsSpec) -> np.ndarray:
    """Orient with numpy, convert with cv2.cvtColor, then cv2.resize the oriented picture."""
    view = raw.reshape(height, width, 4)
    view = np.rot90(view, k=-rotation // 90)
    view = view[:, ::-1] if flipx else view
    view = view[::-1] if flipy else view
    view = np.ascontiguousarray(view)
    code = {"rgb": cv2.COLOR_BGRA2RGB, "grayscale": cv2.COLOR_BGRA2GRAY}.get(spec.obs_type)
    image = view if code is None else cv2.cvtColor(view, code)
    if spec.resize is not None:
        h, w = spec.resize
        image = cv2.resize(image, (w, h), interpolation=INTERPOLATIONS[spec.interpolation])
    return image


# How far an observation may be from the reference, per interpolation (the module docstring
# says why): none and nearest are exact; linear and area within 1 level.
TOLERANCE = {None: 0, "nearest": 0, "linear": 1, "area": 1}

# For a 64x48 screen (oriented 64x48 or 48x64): every plan FrameConverter has.
RESIZES = [
    (None, "area"),
    ((21, 17), "area"),      # shrink by other than whole factors: summed-area table
    ((16, 16), "area"),      # whole factors (3 and 4, either way round): cv2.resize
    ((90, 17), "area"),      # grows one side: OpenCV's area is not symmetric there
    ((90, 70), "area"),      # grows both
    ((21, 17), "linear"),    # resized unrotated, then oriented
    ((90, 70), "linear"),
    ((21, 17), "nearest"),   # a gather (numpy.take of grey or B,G,R,A; cv2.remap of RGB)
    ((90, 70), "nearest"),
]


def grey_frame(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """Random bytes, one-pixel lines and a uniform block: rounding's and edges' worst cases."""
    raw = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    raw[::7] = 255
    raw[:, ::5] = 0
    raw[height // 2:, : width // 3] = (30, 200, 90, 255)
    return raw.reshape(-1)


@pytest.mark.parametrize("orientation", ORIENTATIONS)
@pytest.mark.parametrize("obs_type", OBS_TYPES)
@pytest.mark.parametrize(("resize", "interpolation"), RESIZES)
def test_every_observation_matches_the_reference(orientation, obs_type, resize, interpolation):
    rng = np.random.default_rng(sum(orientation[:1]) + len(obs_type))
    width, height = 64, 48
    raw = grey_frame(rng, width, height)
    spec = ObsSpec(obs_type, resize, interpolation)
    conv = FrameConverter(*orientation, spec)
    expected = reference(raw, width, height, *orientation, spec)
    got = conv.convert(raw, width, height)
    assert got.shape == conv.shape(width, height) == expected.shape
    assert got.dtype == np.uint8
    tolerance = TOLERANCE[None if resize is None else interpolation]
    assert np.abs(got.astype(int) - expected).max() <= tolerance
    out = np.full(got.shape, 7, np.uint8)
    assert conv.convert(raw, width, height, out) is out and np.array_equal(out, got)


@pytest.mark.parametrize("interpolation", ["area", "linear", "nearest"])
@pytest.mark.parametrize("orientation", [(0, False, False), (90, True, False),
                                         (270, False, True), (180, True, True)])
def test_a_uniform_screen_stays_uniform(orientation, interpolation):
    """The mean of one colour is that colour: no resize may round it off by one."""
    width, height = 260, 224
    colour = (37, 201, 118, 255)
    raw = np.empty((height, width, 4), np.uint8)
    raw[:] = colour
    for obs_type, want in [("bgra", colour), ("rgb", colour[2::-1]),
                           ("grayscale", cv2.cvtColor(raw[:1, :1], cv2.COLOR_BGRA2GRAY)[0, 0])]:
        for size in [(84, 84), (100, 60), (224, 260), (300, 250)]:
            spec = ObsSpec(obs_type, size, interpolation)
            got = FrameConverter(*orientation, spec).convert(raw.reshape(-1), width, height)
            assert (got.reshape(-1, np.size(want)) == want).all(), (obs_type, size)


@pytest.mark.parametrize(("width", "height", "resize"), [
    (768, 224, (84, 84)),     # galaxian's screen: the table is cut into bands
    (640, 480, (84, 84)),
    (640, 480, (150, 110)),   # a mild shrink: more, thinner bands
    (260, 224, (200, 150)),
    (320, 224, (84, 84)),
])
@pytest.mark.parametrize("orientation", [(0, False, False), (90, False, False),
                                         (270, True, False), (180, False, True)])
def test_area_of_big_screens_stays_within_one_level(width, height, resize, orientation):
    """float32 sums of a big screen: white (the largest sums), stripes and noise."""
    rng = np.random.default_rng(width + resize[0])
    frames = [np.full((height, width, 4), 255, np.uint8),
              np.repeat(np.where(np.arange(width) % 2, 255, 0).astype(np.uint8)[None, :, None],
                        height, axis=0).repeat(4, axis=2),
              rng.integers(0, 256, (height, width, 4), dtype=np.uint8)]
    for obs_type in ("grayscale", "rgb"):
        spec = ObsSpec(obs_type, resize, "area")
        conv = FrameConverter(*orientation, spec)
        for raw in frames:
            expected = reference(raw, width, height, *orientation, spec)
            got = conv.convert(raw.reshape(-1), width, height)
            assert np.abs(got.astype(int) - expected).max() <= 1


def test_area_without_exact_warps_is_opencvs_own(monkeypatch):
    """An OpenCV whose warpAffine rounds coordinates (before 5) gets cv2.resize's area."""
    monkeypatch.setattr(frames, "_exact_warp", lambda: False)
    width, height = 260, 224
    raw = grey_frame(np.random.default_rng(3), width, height)
    for orientation in ORIENTATIONS[::3]:
        spec = ObsSpec("grayscale", (84, 84), "area")
        conv = FrameConverter(*orientation, spec)
        assert conv._area_bands(height, width, 84, 84) is None
        expected = reference(raw, width, height, *orientation, spec)
        assert np.abs(conv.convert(raw, width, height).astype(int) - expected).max() <= 1


@pytest.mark.parametrize(("width", "height", "resize", "bands"), [
    (260, 224, (84, 84), range(1, 2)),    # catch: one table
    (768, 224, (84, 84), range(3, 4)),    # galaxian: three
    (640, 480, (150, 110), range(2, 17))])
def test_area_tables_stay_exact_in_float32(width, height, resize, bands):
    """Each band's summed-area table holds integers below 2**24, where float32 is exact."""
    for orientation in ORIENTATIONS:
        conv = FrameConverter(*orientation, ObsSpec("grayscale", resize, "area"))
        cut = frames._area_bands(height, width, *resize, conv._transpose, conv._vflip)
        assert cut is not None and len(cut) in bands
        along = width if conv._transpose else height
        across = height if conv._transpose else width
        assert cut[0][0] == 0 and cut[-1][1] == resize[0]
        for (_, end, _, _), (start, _, _, _) in itertools.pairwise(cut):
            assert end == start  # the bands tile the output's rows
        for _, _, lo, hi in cut:
            assert 0 <= lo < hi <= along and 255 * (hi - lo) * across < 2 ** 24


def test_bgra_without_resize_is_a_view_of_the_pixels():
    raw = RAW.reshape(-1).copy()
    frame = FrameConverter(90, spec=ObsSpec("bgra")).convert(raw, 3, 2)
    assert frame.shape == (3, 2, 4) and np.shares_memory(frame, raw)


def test_a_strided_out_buffer_is_filled_too():
    big = np.zeros((3, 4, 3), np.uint8)
    out = big[:, :2]  # not contiguous: OpenCV would write elsewhere
    FrameConverter(90).convert(RAW.reshape(-1), 3, 2, out)
    assert out[..., 2].tolist() == [[10, 0], [11, 1], [12, 2]] and not big[:, 2:].any()


@pytest.mark.parametrize("out", [np.zeros((3, 2, 4), np.uint8), np.zeros((3, 2), np.uint8),
                                 np.zeros((3, 2, 3), np.float32)])
def test_out_of_the_wrong_kind_is_refused(out):
    with pytest.raises(InvalidArgumentError, match=r"out is .*, the observation uint8 \(3, 2, 3\)"):
        FrameConverter(90).convert(RAW.reshape(-1), 3, 2, out)


@pytest.mark.parametrize("interpolation", ["area", "linear", "nearest"])
def test_out_of_another_size_gets_the_picture_scaled_into_it(interpolation):
    """A screen that changed size, into a buffer made for the old size: as cv2.resize of
    the oriented picture (within 1 level)."""
    raw = np.random.default_rng(3).integers(0, 256, (40, 60, 4), np.uint8)
    converter = FrameConverter(90, spec=ObsSpec("rgb", interpolation=interpolation))
    out = converter.convert(raw.reshape(-1), 60, 40, np.zeros((50, 30, 3), np.uint8))
    picture = cv2.cvtColor(np.rot90(raw, -1), cv2.COLOR_BGRA2RGB)
    expected = cv2.resize(picture, (30, 50), interpolation=INTERPOLATIONS[interpolation])
    assert np.abs(out.astype(int) - expected).max() <= 1


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"obs_type": "gray"}, r"'gray'.*'rgb', 'grayscale', 'bgra'"),
    ({"resize": (84,)}, r"\(84,\)"),
    ({"resize": (0, 84)}, r"\(0, 84\)"),
    ({"resize": (84.0, 84)}, r"84\.0"),
    ({"interpolation": "cubic"}, r"'cubic'.*'area', 'linear', 'nearest'"),
    ({"frame_stack": 0}, "frame_stack.*0"),
    ({"frame_stack": True}, "frame_stack.*True"),
])
def test_bad_observation_options(kwargs, match):
    with pytest.raises(InvalidArgumentError, match=match):
        ObsSpec(**kwargs)


# -- frame stacks -------------------------------------------------------------------------

@pytest.mark.parametrize("k", [1, 2, 4])
def test_frame_stacks_shift_like_a_deque(k):
    stacks = FrameStacks(3, k, (2, 2))
    expected = [collections.deque(maxlen=k) for _ in range(3)]
    rng = np.random.default_rng(k)
    for step in range(11):
        for env in range(3):
            frame = rng.integers(0, 256, (2, 2), dtype=np.uint8)
            stacks.next_slot(env)[...] = frame
            if step == 0 or (env == 1 and step == 6):  # a new episode: k copies
                stacks.fill(env)
                expected[env].extend([frame] * k)
            else:
                stacks.push(env)
                expected[env].append(frame)
            want = np.stack(expected[env])
            got = stacks.stack(env)
            assert np.array_equal(got if k > 1 else got[None], want)
        ids = np.array([2, 0])
        out = np.zeros((2, k, 2, 2) if k > 1 else (2, 2, 2), np.uint8)
        stacks.gather(ids, out)
        for row, env in enumerate(ids):
            assert np.array_equal(out[row], stacks.stack(env))
