"""Observations from raw B,G,R,A pixels (orientation, colour, size) and frame stacks."""

from __future__ import annotations

import collections

import cv2
import numpy as np
import pytest

from aiomame.errors import InvalidArgumentError, ProtocolError
from aiomame.frames import INTERPOLATIONS, OBS_TYPES, FrameConverter, ObsSpec
from aiomame.stack import FrameStacks

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
    """Orient with numpy, convert colour by formula, then resize the oriented picture."""
    view = raw.reshape(height, width, 4)
    view = np.rot90(view, k=-rotation // 90)
    view = view[:, ::-1] if flipx else view
    view = view[::-1] if flipy else view
    b, g, r = (view[..., i].astype(np.int64) for i in range(3))
    if spec.obs_type == "rgb":
        image = np.ascontiguousarray(view[..., 2::-1])
    elif spec.obs_type == "grayscale":  # OpenCV's fixed-point ITU-R 601 luma
        image = ((r * 4899 + g * 9617 + b * 1868 + 8192) >> 14).astype(np.uint8)
    else:
        image = np.ascontiguousarray(view)
    if spec.resize is not None:
        h, w = spec.resize
        image = cv2.resize(image, (w, h), interpolation=INTERPOLATIONS[spec.interpolation])
    return image


@pytest.mark.parametrize("orientation", ORIENTATIONS)
@pytest.mark.parametrize("obs_type", OBS_TYPES)
@pytest.mark.parametrize(("resize", "interpolation"), [
    (None, "area"), ((21, 17), "area"), ((21, 17), "linear"), ((21, 17), "nearest"),
    ((90, 70), "linear")])
def test_every_observation_matches_the_reference(orientation, obs_type, resize, interpolation):
    rng = np.random.default_rng(sum(orientation[:1]) + len(obs_type))
    width, height = 64, 48
    raw = rng.integers(0, 256, width * height * 4, dtype=np.uint8)
    spec = ObsSpec(obs_type, resize, interpolation)
    conv = FrameConverter(*orientation, spec)
    expected = reference(raw, width, height, *orientation, spec)
    got = conv.convert(raw, width, height)
    assert got.shape == conv.shape(width, height) == expected.shape
    assert got.dtype == np.uint8
    if obs_type != "grayscale" and (resize is None or interpolation == "nearest"):
        assert np.array_equal(got, expected)
    else:  # OpenCV's vectorised luma and a resize before rotating round a little otherwise
        assert np.abs(got.astype(int) - expected).max() <= 1
    out = np.full(got.shape, 7, np.uint8)
    assert conv.convert(raw, width, height, out) is out and np.array_equal(out, got)


def test_bgra_without_resize_is_a_view_of_the_pixels():
    raw = RAW.reshape(-1).copy()
    frame = FrameConverter(90, spec=ObsSpec("bgra")).convert(raw, 3, 2)
    assert frame.shape == (3, 2, 4) and np.shares_memory(frame, raw)


def test_a_strided_out_buffer_is_filled_too():
    big = np.zeros((3, 4, 3), np.uint8)
    out = big[:, :2]  # not contiguous: OpenCV would write elsewhere
    FrameConverter(90).convert(RAW.reshape(-1), 3, 2, out)
    assert out[..., 2].tolist() == [[10, 0], [11, 1], [12, 2]] and not big[:, 2:].any()


def test_out_of_the_wrong_shape_is_refused():
    with pytest.raises(InvalidArgumentError, match=r"\(2, 3, 3\).*\(3, 2, 3\)"):
        FrameConverter(90).convert(RAW.reshape(-1), 3, 2, np.zeros((2, 3, 3), np.uint8))


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
