"""One game as an RL environment: ``reset()`` and ``step(action)`` over an Emulator."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from .emulator import Emulator
from .errors import StateError
from .frames import ObsSpec
from .games import Game, get_game
from .stack import FrameStacks
from .state import State


class GameEnv:
    """A registered game on its own MAME: discrete actions, rewards, episode ends.

    ``step`` returns ``(obs, reward, terminated, truncated, info)`` like Gymnasium; info
    holds the memory values of the step. The observation is the frame as ``obs_type``,
    ``resize`` and ``interpolation`` make it (see :class:`~aiomame.Emulator`), or with
    ``frame_stack=k`` the last k of them, ``(k, *frame)``, oldest first (a new episode
    starts with k copies of its first frame). Each is a new array. Lifecycle: ``start``
    (or ``async with``) → ``reset`` → ``step``… → ``close``.
    """

    def __init__(self, game: str | Game, *, roms_path: str | os.PathLike[str] | None = None,
                 frame_ratio: int | None = None, frame_stack: int = 1,
                 **emulator_kwargs: Any) -> None:
        self.frame_stack = ObsSpec(frame_stack=frame_stack).frame_stack
        self.game = get_game(game)
        roms, output_filter = self.game.rom_setup(roms_path, emulator_kwargs.get("mame_binary"))
        emulator_kwargs.setdefault("output_filter", output_filter)
        self.emulator = Emulator(
            self.game.system, roms, self.game.memory_addresses,
            frame_ratio=frame_ratio or self.game.frame_ratio, **emulator_kwargs,
        )
        self._last: dict[str, Any] | None = None
        self._steps = 0
        self._stack: FrameStacks | None = None
        self._refill = False  # after a state load: the next frame starts the stack over

    @property
    def action_names(self) -> list[str]:
        return self.game.action_names()

    @property
    def obs_shape(self) -> tuple[int, ...]:
        """The shape of an observation (uint8), known once started."""
        if self._stack is None:
            raise StateError("the env is not started: call start() first")
        frame = self._stack.frame_shape
        return frame if self.frame_stack == 1 else (self.frame_stack, *frame)

    async def start(self) -> GameEnv:
        await self.emulator.start()
        shape = self.emulator.frame_shape
        if shape is None:
            await self.close()
            raise StateError(f"{self.game.system!r} has no screen to observe")
        self._stack = FrameStacks(1, self.frame_stack, shape)
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
        self._last, self._steps, self._refill = data, 0, False
        frame = data.pop("frame")
        if self.frame_stack == 1:
            return frame, data
        assert self._stack is not None
        np.copyto(self._stack.next_slot(0), frame)
        self._stack.fill(0)
        return self._stack.stack(0).copy(), data

    async def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Hold discrete ``action`` for one step."""
        if self._last is None:
            raise StateError("call reset() before step()")
        stack = self._stack
        if self.frame_stack == 1:
            data = await self.emulator.step(self.game.inputs(action))
            obs = data.pop("frame")
        else:
            assert stack is not None
            values, _ = await self.emulator.step_into(self.game.inputs(action),
                                                      out=stack.next_slot(0))
            data = dict(zip(self.game.memory_addresses, values, strict=True))
            if self._refill:
                stack.fill(0)
            else:
                stack.push(0)
            obs = stack.stack(0).copy()
        self._refill = False
        reward = self.game.reward(self._last, data)
        terminated = self.game.terminated(data)
        self._steps += 1
        limit = self.game.max_episode_steps
        truncated = not terminated and limit is not None and self._steps >= limit
        self._last = data
        return obs, reward, terminated, truncated, data

    async def save_state(self) -> State:
        """The machine's whole state now, between steps (:meth:`Emulator.save_state`)."""
        return await self.emulator.save_state()

    async def load_state(self, state: State | bytes) -> dict[str, Any]:
        """Put the machine in ``state`` (:meth:`Emulator.load_state`); returns its memory
        values, which the next step's reward is computed from. The step count restarts at
        0; the next observation is the first one after the state (with ``frame_stack``,
        k copies of it: nothing from before the load)."""
        await self.emulator.load_state(state)
        self._refill = True
        data = await self.emulator.read(self.game.memory_addresses)
        self._last, self._steps = data, 0
        return dict(data)
