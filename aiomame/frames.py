"""Turning MAME's raw screen pixels into the picture a player sees."""

from __future__ import annotations

import numpy as np

from .errors import ProtocolError


class FrameConverter:
    """B,G,R,A pixels of one screen, unrotated → (H, W, 3) uint8 RGB as displayed.

    MAME's ``screen:orientation()`` gives a clockwise rotation (0, 90, 180, 270) and flips;
    they are applied as numpy views, so the only copy is the one into the RGB output.
    """

    def __init__(self, rotation: int = 0, flipx: bool = False, flipy: bool = False) -> None:
        if rotation not in (0, 90, 180, 270):
            raise ProtocolError(f"screen rotation {rotation!r} is not one of 0, 90, 180, 270")
        self.rotation, self.flipx, self.flipy = rotation, flipx, flipy

    def shape(self, width: int, height: int) -> tuple[int, int, int]:
        """The displayed (height, width, 3) of a ``width`` x ``height`` screen bitmap."""
        if self.rotation in (90, 270):
            width, height = height, width
        return height, width, 3

    def oriented(self, raw: np.ndarray, width: int, height: int) -> np.ndarray:
        """A (H, W, 4) B,G,R,A view of ``raw`` as the player sees it."""
        view = raw.reshape(height, width, 4)
        if self.rotation:
            view = np.rot90(view, k=-self.rotation // 90)
        if self.flipx:
            view = view[:, ::-1]
        if self.flipy:
            view = view[::-1]
        return view

    def convert(self, raw: np.ndarray, width: int, height: int,
                out: np.ndarray | None = None) -> np.ndarray:
        """RGB copy of ``raw`` into ``out`` (allocated if None); returns ``out``."""
        src = self.oriented(raw, width, height)
        if out is None:
            out = np.empty((*src.shape[:2], 3), dtype=np.uint8)
        # Three per-channel copies beat one copy through a reversed channel stride.
        out[..., 0] = src[..., 2]
        out[..., 1] = src[..., 1]
        out[..., 2] = src[..., 0]
        return out
