"""What a pool step returns (:class:`Batch`) and the arrays it is gathered from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..machine.stack import FrameStacks


@dataclass
class Batch:
    """What a group of envs returned: row ``k`` is env ``env_ids[k]``.

    The arrays are views into buffers the pool reuses: they hold until your next ``step``,
    ``recv``, ``send`` or ``reset``. Keep them longer with :meth:`copy` (or
    ``EnvPool(copy=True)``).

    ``infos[k]`` is empty on most steps. It holds ``"final_frame"`` and ``"final_info"`` (the
    last step's memory values) when an episode ended and the row shows the next one's first
    step; ``"error"`` when the env's MAME failed (the row is truncated and the env is being
    restarted); ``"restarted": True`` on the first row after a restart (the new episode's
    first frame: the action sent was not applied).
    """

    env_ids: np.ndarray
    """(B,) int64."""
    frames: np.ndarray | None
    """(B, *frame) uint8: RGB (H, W, 3) as displayed unless ``obs_type``/``resize`` say
    otherwise, (B, k, *frame) with ``frame_stack=k``; None with ``frames=False``."""
    memory: dict[str, np.ndarray]
    """Each memory value as a (B,) int64 array."""
    rewards: np.ndarray
    """(B,) float64; 0 without a game definition."""
    terminated: np.ndarray
    """(B,) bool: the game ended (always False without a game definition)."""
    truncated: np.ndarray
    """(B,) bool: the episode was cut (step limit, or the env's MAME failed)."""
    elapsed_steps: np.ndarray
    """(B,) int64: steps of the episode so far (its length, in a row that ended it)."""
    infos: list[Mapping[str, Any]]
    raw_rewards: np.ndarray | None = None
    """Like ``rewards``, before ``reward_clip`` clipped them; None without it."""

    def __len__(self) -> int:
        return len(self.env_ids)

    @property
    def dones(self) -> np.ndarray:
        return self.terminated | self.truncated

    def copy(self) -> Batch:
        """A batch whose arrays are the caller's own."""
        return Batch(
            self.env_ids.copy(), None if self.frames is None else self.frames.copy(),
            {name: values.copy() for name, values in self.memory.items()},
            self.rewards.copy(), self.terminated.copy(), self.truncated.copy(),
            self.elapsed_steps.copy(), [dict(info) for info in self.infos],
            None if self.raw_rewards is None else self.raw_rewards.copy(),
        )


class Buffers:
    """One array per result field, ``n`` rows (the memory values: columns of one matrix, so
    that a row of them is written in one assignment)."""

    def __init__(self, n: int, frame_shape: tuple[int, ...] | None, names: Sequence[str],
                 players: int = 1):
        self.env_ids = np.arange(n, dtype=np.int64)
        self.frames = None if frame_shape is None else np.zeros((n, *frame_shape), np.uint8)
        self.values = np.zeros((n, len(names)), np.int64)  # row i: env i's memory values
        self.memory = {name: self.values[:, j] for j, name in enumerate(names)}
        self.rewards = np.zeros(n if players == 1 else (n, players), np.float64)
        self.terminated = np.zeros(n, bool)
        self.truncated = np.zeros(n, bool)
        self.elapsed_steps = np.zeros(n, np.int64)
        self.raw_rewards: np.ndarray | None = None  # set by a pool that clips rewards

    def batch(self, k: int, infos: list[Mapping[str, Any]]) -> Batch:
        """A batch of the first ``k`` rows (views)."""
        if k == len(self.env_ids):  # all rows: the arrays themselves
            return Batch(self.env_ids, self.frames, dict(self.memory), self.rewards,
                         self.terminated, self.truncated, self.elapsed_steps, infos,
                         self.raw_rewards)
        return Batch(self.env_ids[:k], None if self.frames is None else self.frames[:k],
                     {name: values[:k] for name, values in self.memory.items()},
                     self.rewards[:k], self.terminated[:k], self.truncated[:k],
                     self.elapsed_steps[:k], infos,
                     None if self.raw_rewards is None else self.raw_rewards[:k])

    def gather(self, src: Buffers, ids: list[int], stacks: FrameStacks | None = None) -> None:
        """Copy rows ``ids`` of ``src`` (frames: of ``stacks``) into the first ``len(ids)``
        rows of these."""
        k = len(ids)
        self.env_ids[:k] = ids
        index = self.env_ids[:k]
        # mode="clip": the ids are checked already, and "raise" would copy through a
        # temporary as large as the output.
        if self.frames is not None:
            assert stacks is not None
            stacks.gather(index, self.frames[:k])
        for name, values in self.memory.items():
            np.take(src.memory[name], index, out=values[:k], mode="clip")
        for field in ("rewards", "terminated", "truncated", "elapsed_steps"):
            np.take(getattr(src, field), index, axis=0, out=getattr(self, field)[:k],
                    mode="clip")
        if self.raw_rewards is not None and src.raw_rewards is not None:
            np.take(src.raw_rewards, index, axis=0, out=self.raw_rewards[:k], mode="clip")
