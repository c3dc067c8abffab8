"""Keeping an episode's frames within a memory budget and writing them as an animated GIF."""

from __future__ import annotations

import os

import numpy as np


class EpisodeRecorder:
    """Keeps at most ``max_frames`` evenly spaced frames of the current episode.

    When full, every other kept frame is dropped and the stride doubles, so any episode
    length fits and the GIF still plays at the game's speed.
    """

    def __init__(self, max_frames: int = 300) -> None:
        self.max_frames = max_frames
        self.clear()

    def clear(self) -> None:
        self.frames: list[np.ndarray] = []
        self.stride = 1
        self._seen = 0

    def add(self, frame: np.ndarray) -> None:
        if self._seen % self.stride == 0:
            self.frames.append(frame.copy())
            if len(self.frames) > self.max_frames:
                self.frames = self.frames[::2]
                self.stride *= 2
        self._seen += 1

    def save_gif(self, path: str | os.PathLike[str], seconds_per_step: float,
                 scale: int = 2) -> None:
        """Write the kept frames as a looping GIF, ``scale`` times enlarged."""
        from PIL import Image  # only the CLI needs Pillow loaded

        if not self.frames:
            raise ValueError("no frames recorded")
        images = [Image.fromarray(f).resize((f.shape[1] * scale, f.shape[0] * scale),
                                            Image.NEAREST) for f in self.frames]
        duration = max(20, round(1000 * seconds_per_step * self.stride))
        images[0].save(path, save_all=True, append_images=images[1:], duration=duration,
                       loop=0, optimize=False)
