"""MAMEToolkit's Street Fighter III 3rd Strike environment (``sfiii3n``) on aiomame:
``from aiomame.mametoolkit.sf_environment import Environment`` where a script said
``from MAMEToolkit.sf_environment import Environment``.

The ROM is never shipped: MAME needs the set ``sfiii3n`` and its parent ``sfiii3`` in
``roms_path`` (without them, :class:`~aiomame.errors.MissingRomsError` lists the files).

Behaviour, as MAMEToolkit 1.1.0's: ``start()`` sets the difficulty in the service menu,
inserts coins, picks a character and waits for the fight; ``step(move, attack)`` (9 move x
10 attack actions) steps ``frames_per_step`` times (each ``frame_ratio`` frames) and returns
``(frames, rewards, round_done, stage_done, game_done)``: the frames (one array, or a list
of ``frames_per_step``), ``rewards`` ``{"P1": r, "P2": -r}`` from the health lost by each
side, and the flags from the fighting flag and the win counters. ``next_round()``,
``next_stage()``, ``new_game()`` (or ``reset()``, which picks the right one) play the
scripted transitions and return the next fight's first frames.

Memory addresses: MAMEToolkit 1.1.0's code (``fighting`` 0x02011389 u8, ``winsP1``
0x02011383 u8, ``winsP2`` 0x02011385 u8, ``healthP1`` 0x02068D0A s16, ``healthP2``
0x020691A2 s16); its README lists older ones (``fighting`` 0x0200EE44, s8 healths at
0x02068D0B / 0x020691A3), which the code replaced.
"""

from __future__ import annotations

import os
from typing import Any

from ..checks import is_int
from ..errors import InvalidArgumentError, StateError
from ..games import sf3_steps as Steps  # MAMEToolkit's module name
from ..games.sf3 import ATTACKS, MOVES, SF3, Actions, health_rewards, memory_addresses
from .emulator import Emulator

__all__ = ["ATTACKS", "MOVES", "Actions", "Environment", "Steps", "memory_addresses"]

SYSTEM = SF3.system


class Environment:
    """Street Fighter III 3rd Strike for one agent playing P1 in story mode.

    ``difficulty`` (the story mode's, 0-7, set in the service menu at ``start``),
    ``frame_ratio`` (frames per emulator step), ``frames_per_step`` (emulator steps per
    agent step, each one's frame returned), and MAMEToolkit's emulator options.
    Calls in the wrong order raise :class:`~aiomame.errors.StateError`.
    """

    emulator_class: Any = Emulator
    """What runs the game (tests put a scripted stand-in here: no sfiii3n ROM in CI)."""

    def __init__(self, env_id: str, roms_path: str | os.PathLike[str], difficulty: int = 3,
                 frame_ratio: int = 3, frames_per_step: int = 3, render: bool = True,
                 throttle: bool = False, frame_skip: int = 0, sound: bool = False,
                 debug: bool = False, binary_path: str | os.PathLike[str] | None = None
                 ) -> None:
        if not is_int(difficulty) or not 0 <= difficulty <= 7:
            raise InvalidArgumentError(f"difficulty must be an int in 0..7, got {difficulty!r}")
        if not is_int(frames_per_step) or frames_per_step < 1:
            raise InvalidArgumentError(
                f"frames_per_step must be an int >= 1, got {frames_per_step!r}")
        self.difficulty, self.frame_ratio = difficulty, frame_ratio
        self.frames_per_step, self.throttle = frames_per_step, throttle
        self.emu = self.emulator_class(
            env_id, roms_path, SYSTEM, memory_addresses(), frame_ratio=frame_ratio,
            render=render, throttle=throttle, frame_skip=frame_skip, sound=sound, debug=debug,
            binary_path=binary_path)
        self.started = False
        self.expected_health = {"P1": 0, "P2": 0}
        self.expected_wins = {"P1": 0, "P2": 0}
        self.round_done = self.stage_done = self.game_done = False
        self.stage = 1

    # -- transitions (not learnable) -------------------------------------------------------
    def run_steps(self, steps: list[dict[str, Any]]) -> None:
        """Play a scripted input sequence (see :mod:`aiomame.mametoolkit.steps`)."""
        for step in steps:
            for _ in range(step["wait"]):
                self.emu.step([])
            self.emu.step([action.value for action in step["actions"]])

    def start(self) -> Any:
        """Set the difficulty, start a game, wait for the first fight: its first frames."""
        if self.throttle:  # the boot at real speed: let the title come up first
            for _ in range(250 // self.frame_ratio):
                self.emu.step([])
        self.run_steps(Steps.set_difficulty(self.frame_ratio, self.difficulty))
        self.run_steps(Steps.start_game(self.frame_ratio))
        frames = self.wait_for_fight_start()
        self.started = True
        return frames

    def wait_for_fight_start(self) -> Any:
        data = self.emu.step([])
        while data["fighting"] == 0:
            data = self.emu.step([])
        self.expected_health = {"P1": data["healthP1"], "P2": data["healthP2"]}
        return self._gather([])["frame"]

    def wait_for_continue(self) -> None:
        """Step until the screen goes black at the end of a game or stage."""
        data = self.emu.step([])
        while data["frame"].any():
            data = self.emu.step([])

    def next_round(self) -> Any:
        self._check_ended(self.round_done, "a round")
        self.round_done = False
        self.expected_health = {"P1": 0, "P2": 0}
        return self.wait_for_fight_start()

    def next_stage(self) -> Any:
        self._check_ended(self.stage_done, "a stage")
        self.wait_for_continue()
        self.run_steps(Steps.next_stage(self.frame_ratio))
        self._new_fight()
        return self.wait_for_fight_start()

    def new_game(self) -> Any:
        self._check_ended(self.game_done, "the game")
        self.wait_for_continue()
        self.run_steps(Steps.new_game(self.frame_ratio))
        self._new_fight()
        self.game_done = False
        self.stage = 1
        return self.wait_for_fight_start()

    def reset(self) -> Any:
        """The next fight after whatever ended: new_game, next_stage or next_round."""
        if self.game_done:
            return self.new_game()
        if self.stage_done:
            return self.next_stage()
        if self.round_done:
            return self.next_round()
        raise StateError("reset() while the fight is still on: step until a round ends")

    def _new_fight(self) -> None:
        self.expected_health = {"P1": 0, "P2": 0}
        self.expected_wins = {"P1": 0, "P2": 0}
        self.round_done = self.stage_done = False

    def _check_ended(self, ended: bool, what: str) -> None:
        if not self.started:
            raise StateError("call start() first")
        if not ended:
            raise StateError(f"{what} has not ended: step until it does")

    # -- fighting ----------------------------------------------------------------------------
    def step(self, move_action: int, attack_action: int) -> tuple[Any, dict[str, int], bool,
                                                                   bool, bool]:
        """One agent step: ``(frames, rewards, round_done, stage_done, game_done)``."""
        if not self.started:
            raise StateError("call start() before step()")
        if self.round_done or self.stage_done or self.game_done:
            raise StateError("step() between fights: call next_round(), next_stage(), "
                             "new_game() or reset() first")
        for value, count, what in ((move_action, len(MOVES), "move_action"),
                                   (attack_action, len(ATTACKS), "attack_action")):
            if not is_int(value) or not 0 <= value < count:
                raise InvalidArgumentError(f"{what} must be in 0..{count - 1}, got {value!r}")
        data = self._gather(list(MOVES[move_action]) + list(ATTACKS[attack_action]))
        data = self._check_done(data)
        return data["frame"], data["rewards"], self.round_done, self.stage_done, self.game_done

    def _sub_step(self, actions: list[Actions]) -> dict[str, Any]:
        """One emulator step; its rewards from the health each side lost since the last."""
        data = self.emu.step([action.value for action in actions])
        expected = self.expected_health
        data["rewards"] = health_rewards(
            {"healthP1": expected["P1"], "healthP2": expected["P2"]}, data)
        self.expected_health = {"P1": data["healthP1"], "P2": data["healthP2"]}
        return data

    def _gather(self, actions: list[Actions]) -> dict[str, Any]:
        """``frames_per_step`` emulator steps: their frames, their rewards summed."""
        data = self._sub_step(actions)
        frames = [data["frame"]]
        for _ in range(self.frames_per_step - 1):
            data = _add_rewards(data, self._sub_step(actions))
            frames.append(data["frame"])
        data["frame"] = frames[0] if self.frames_per_step == 1 else frames
        return data

    def _check_done(self, data: dict[str, Any]) -> dict[str, Any]:
        """After a fight stops: step on until a win counter moves, then set the flags.
        The step still returns its own ``frames_per_step`` frames (MAMEToolkit returned the
        last waited frame alone when the counter lagged)."""
        if data["fighting"] != 0:
            return data
        frames = data["frame"]  # the step's own frames, whatever the wait below takes
        while (self.expected_wins["P1"], self.expected_wins["P2"]) == (data["winsP1"],
                                                                       data["winsP2"]):
            data = _add_rewards(data, self._sub_step([]))
        data["frame"] = frames
        self.expected_wins = {"P1": data["winsP1"], "P2": data["winsP2"]}
        self.round_done = True
        if data["winsP1"] == 2:
            self.stage_done = True
            self.stage += 1
        if data["winsP2"] == 2:
            self.game_done = True
        return data

    def close(self) -> None:
        self.emu.close()


def _add_rewards(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``new`` with ``old``'s rewards added to its own."""
    new["rewards"] = {p: new["rewards"][p] + old["rewards"][p] for p in old["rewards"]}
    return new

