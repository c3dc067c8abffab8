"""JPEG frames for the pages: the player's view (RGB screen) encoded by OpenCV.

Encoding runs in the loop's default thread pool (``cv2.imencode`` releases the GIL), so
the event loop, and the pool stepping on it, only pays for taking the screen's pixels.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Sequence

import cv2
import numpy as np

from ..machine.frames import FrameConverter

QUALITY = 80
"""JPEG quality (0-100): small enough for 16 screens at 10 fps over ssh, sharp enough."""

HEADER = struct.Struct(">HI")
"""A binary WebSocket message holds one or more frames, each this header (env id u16, JPEG
length u32, big-endian) then the JPEG: one message per tick, whatever the number of envs
(one write, not one per env)."""


def pack_frames(frames: Sequence[tuple[int, bytes]]) -> bytes:
    """One binary message of ``frames`` ((env id, JPEG) each; see :data:`HEADER`)."""
    return b"".join(HEADER.pack(i, len(jpeg)) + jpeg for i, jpeg in frames)


def encode(bgra: np.ndarray, converter: FrameConverter, quality: int = QUALITY) -> bytes:
    """One screen as MAME drew it (B,G,R,A, (H, W, 4)) as JPEG bytes of the player's view
    (``converter``: :meth:`aiomame.Emulator.screen_converter`; not shared between threads)."""
    height, width = bgra.shape[:2]
    rgb = converter.convert(bgra.reshape(-1), width, height)
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # OpenCV only fails on an empty or odd array: not a screen
        raise ValueError(f"cannot encode a frame of shape {bgra.shape} as JPEG")
    return data.tobytes()


async def encode_all(screens: Sequence[tuple[np.ndarray, FrameConverter]]) -> list[bytes]:
    """``screens`` ((B,G,R,A pixels, converter) each) as JPEGs, encoded off the loop, one
    at a time (a converter is used by one thread at once)."""
    if not screens:
        return []
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, lambda: [encode(*s) for s in screens])
