"""The last ``k`` frames of each of ``n`` envs, without shifting a stack at every step."""

from __future__ import annotations

import numpy as np


class FrameStacks:
    """Per env, its last ``k`` frames, oldest first, in preallocated memory.

    Each env has ``2k`` slots and a start ``s``: its stack is the contiguous run of slots
    ``[s, s + k)``. A new frame is written into slot ``s + k`` (outside the stack shown, so
    a failed write spoils nothing) and copied to slot ``s``, then ``s`` moves on: one frame
    written and one copied per step, whatever ``k``, and a stack is always one view. With
    ``k == 1`` there is one slot and no copy.
    """

    def __init__(self, n: int, k: int, frame_shape: tuple[int, ...],
                 slots: np.ndarray | None = None) -> None:
        self.k = k
        self.frame_shape = tuple(frame_shape)
        self.slots = np.zeros((n, 1 if k == 1 else 2 * k, *frame_shape), np.uint8) \
            if slots is None else slots
        """(n, 1 or 2k, *frame_shape); with k == 1 it may be given: a view of frames that
        land there without a copy (:mod:`aiomame.transport.shared_frames`)."""
        self.start = np.zeros(n, np.int64)

    def next_slot(self, env: int) -> np.ndarray:
        """Where env ``env``'s next frame goes; :meth:`push` it once written."""
        return self.slots[env, 0 if self.k == 1 else self.start[env] + self.k]

    def push(self, env: int) -> None:
        """Make the frame written into :meth:`next_slot` the newest of the stack."""
        if self.k > 1:
            s = self.start[env]
            self.slots[env, s] = self.slots[env, s + self.k]
            self.start[env] = (s + 1) % self.k

    def fill(self, env: int) -> None:
        """Start env ``env``'s stack over: all ``k`` frames are the one in :meth:`next_slot`
        (a new episode's first frame, as Gymnasium's frame stacking pads)."""
        if self.k > 1:
            self.slots[env] = self.slots[env, self.start[env] + self.k]
            self.start[env] = 0

    def stack(self, env: int) -> np.ndarray:
        """Env ``env``'s observation (a view): ``(k, *frame)``, or the frame when k == 1."""
        if self.k == 1:
            return self.slots[env, 0]
        s = self.start[env]
        return self.slots[env, s:s + self.k]

    def gather(self, envs: np.ndarray, out: np.ndarray) -> None:
        """Copy the stacks of ``envs`` into ``out``, (len(envs), k, *frame) (no k axis when
        k == 1), in one copy."""
        if self.k == 1:
            np.take(self.slots[:, 0], envs, axis=0, out=out, mode="clip")
            return
        width = self.slots.shape[1]
        rows = (envs * width + self.start[envs])[:, None] + np.arange(self.k)
        flat = self.slots.reshape(-1, *self.frame_shape)
        np.take(flat, rows.reshape(-1), axis=0, out=out.reshape(-1, *self.frame_shape),
                mode="clip")
