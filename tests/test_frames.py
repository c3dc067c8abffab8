"""Screen orientation and colour conversion of raw B,G,R,A pixels."""

from __future__ import annotations

import numpy as np
import pytest

from aiomame.errors import ProtocolError
from aiomame.frames import FrameConverter

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
