"""One game as an RL environment: ``reset()`` and ``step(action)`` over an Emulator."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .emulator import Emulator
from .errors import StateError
from .games import Game, get_game


class GameEnv:
    """A registered game on its own MAME: discrete actions, rewards, episode ends.

    ``step`` returns ``(frame, reward, terminated, truncated, info)`` like Gymnasium; info
    holds the memory values of the step. Lifecycle: ``start`` (or ``async with``) →
    ``reset`` → ``step``… → ``close``.
    """

    def __init__(self, game: str | Game, *, roms_path: str | os.PathLike[str] | None = None,
                 frame_ratio: int | None = None, **emulator_kwargs: Any) -> None:
        self.game = get_game(game)
        roms, output_filter = self.game.rom_setup(roms_path, emulator_kwargs.get("mame_binary"))
        emulator_kwargs.setdefault("output_filter", output_filter)
        self.emulator = Emulator(
            self.game.system, roms, self.game.memory_addresses,
            frame_ratio=frame_ratio or self.game.frame_ratio, **emulator_kwargs,
        )
        self._last: dict[str, Any] | None = None
        self._steps = 0

    @property
    def action_names(self) -> list[str]:
        return self.game.action_names()

    async def start(self) -> GameEnv:
        await self.emulator.start()
        return self

    async def close(self) -> None:
        await self.emulator.close()

    async def __aenter__(self) -> GameEnv:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def reset(self, seed: int | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        """Start a new game; returns its first frame and memory values."""
        data = await self.game.new_game(self.emulator, seed)
        self._last, self._steps = data, 0
        return data.pop("frame"), data

    async def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Hold discrete ``action`` for one step."""
        if self._last is None:
            raise StateError("call reset() before step()")
        data = await self.emulator.step(self.game.inputs(action))
        reward = self.game.reward(self._last, data)
        terminated = self.game.terminated(data)
        self._steps += 1
        limit = self.game.max_episode_steps
        truncated = not terminated and limit is not None and self._steps >= limit
        self._last = data
        frame = data.pop("frame")
        return frame, reward, terminated, truncated, data
