"""Street Fighter III 3rd Strike (``sfiii3n``) as game definitions: one round per episode.

The ROM is never shipped: MAME needs the set ``sfiii3n`` and its parent ``sfiii3`` in
``roms_path``. ``start`` hard-resets, sets the story mode difficulty in the service menu,
starts a game and waits for the first fight (MAMEToolkit 1.1.0's input sequences,
:mod:`aiomame.games.sf3_steps`); the state there is saved once and loaded for every later
episode (MAME is deterministic: the same inputs reach the same state). Actions: 90, each
a move (9) with an attack (10), index ``move * 10 + attack``, as MAMEToolkit's
``step(move_action, attack_action)``.

- ``sf3`` (:class:`SF3`): player 1 against the game's AI, a round against the first
  opponent. The reward is the health P2 lost minus the health P1 lost; the episode ends
  when the fight stops. MAMEToolkit's whole story-mode flow (rounds, stages, continues) is
  :mod:`aiomame.mametoolkit.sf_environment`, on the same tables and rewards.
- ``sf3_2p`` (:class:`SF3TwoPlayer`): two players, each with the 90 actions (player 2's
  on its own inputs); ``start`` inserts coins for both, and player 2 joins on the select
  screen (:func:`~aiomame.games.sf3_steps.start_versus`). Rewards ``(P1, P2)``: each the
  health the other lost minus its own loss; the episode ends for both when the fight
  stops. Against ``opponent="cpu"`` (:attr:`~aiomame.games.Game.versus_cpu`) it is
  ``sf3``: the same start, player 1's reward.

Memory addresses are MAMEToolkit 1.1.0's code (its README lists older ones: ``fighting``
0x0200EE44, s8 healths at 0x02068D0B / 0x020691A3).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, ClassVar

from ..errors import GameError
from ..machine.emulator import Action, Address, Emulator
from . import sf3_steps
from .base import Game
from .controls import Controls


class Actions(Enum):
    """sfiii3n's inputs by name, as MAMEToolkit's enum (values: :class:`Action`)."""

    SERVICE = Action(":INPUTS", "Service Mode")
    COIN_P1 = Action(":INPUTS", "Coin 1")
    COIN_P2 = Action(":INPUTS", "Coin 2")
    P1_START = Action(":INPUTS", "1 Player Start")
    P2_START = Action(":INPUTS", "2 Players Start")
    P1_UP = Action(":INPUTS", "P1 Up")
    P1_DOWN = Action(":INPUTS", "P1 Down")
    P1_LEFT = Action(":INPUTS", "P1 Left")
    P1_RIGHT = Action(":INPUTS", "P1 Right")
    P2_UP = Action(":INPUTS", "P2 Up")
    P2_DOWN = Action(":INPUTS", "P2 Down")
    P2_LEFT = Action(":INPUTS", "P2 Left")
    P2_RIGHT = Action(":INPUTS", "P2 Right")
    P1_JPUNCH = Action(":INPUTS", "P1 Jab Punch")
    P1_SPUNCH = Action(":INPUTS", "P1 Strong Punch")
    P1_FPUNCH = Action(":INPUTS", "P1 Fierce Punch")
    P1_SKICK = Action(":EXTRA", "P1 Short Kick")
    P1_FKICK = Action(":EXTRA", "P1 Forward Kick")
    P1_RKICK = Action(":EXTRA", "P1 Roundhouse Kick")
    P2_JPUNCH = Action(":INPUTS", "P2 Jab Punch")
    P2_SPUNCH = Action(":INPUTS", "P2 Strong Punch")
    P2_FPUNCH = Action(":INPUTS", "P2 Fierce Punch")
    P2_SKICK = Action(":EXTRA", "P2 Short Kick")
    P2_FKICK = Action(":EXTRA", "P2 Forward Kick")
    P2_RKICK = Action(":INPUTS", "P2 Roundhouse Kick")


A = Actions
MOVES: tuple[tuple[Actions, ...], ...] = (
    (A.P1_LEFT,), (A.P1_LEFT, A.P1_UP), (A.P1_UP,), (A.P1_UP, A.P1_RIGHT), (A.P1_RIGHT,),
    (A.P1_RIGHT, A.P1_DOWN), (A.P1_DOWN,), (A.P1_DOWN, A.P1_LEFT), ())
"""Move actions 0..8: the eight directions from left, clockwise through up, then none."""
ATTACKS: tuple[tuple[Actions, ...], ...] = (
    (A.P1_JPUNCH,), (A.P1_SPUNCH,), (A.P1_FPUNCH,), (A.P1_JPUNCH, A.P1_SPUNCH), (A.P1_SKICK,),
    (A.P1_FKICK,), (A.P1_RKICK,), (A.P1_SKICK, A.P1_FKICK), (A.P1_JPUNCH, A.P1_SKICK), ())
"""Attack actions 0..9: punches, a punch pair, kicks, a kick pair, punch + kick, none."""


def for_player2(table: tuple[tuple[Actions, ...], ...]) -> tuple[tuple[Actions, ...], ...]:
    """A table of player 1's inputs (:data:`MOVES`, :data:`ATTACKS`) on player 2's: each
    ``P1_X`` becomes ``P2_X``."""
    return tuple(tuple(Actions["P2_" + a.name.removeprefix("P1_")] for a in held)
                 for held in table)


MOVES_P2 = for_player2(MOVES)
ATTACKS_P2 = for_player2(ATTACKS)


def memory_addresses() -> dict[str, Address]:
    """What the environment reads each step (MAMEToolkit 1.1.0's code)."""
    return {"fighting": Address("0x02011389", "u8"), "winsP1": Address("0x02011383", "u8"),
            "winsP2": Address("0x02011385", "u8"), "healthP1": Address("0x02068D0A", "s16"),
            "healthP2": Address("0x020691A2", "s16")}


MOVE_NAMES = ("left", "up-left", "up", "up-right", "right", "down-right", "down", "down-left",
              "none")
ATTACK_NAMES = ("jab", "strong", "fierce", "jab+strong", "short", "forward", "roundhouse",
                "short+forward", "jab+short", "none")
_MAX_WAIT_STEPS = 3000  # for the fight to start after the scripted inputs


def action_table(moves: tuple[tuple[Actions, ...], ...], attacks: tuple[tuple[Actions, ...], ...]
                 ) -> dict[str, tuple[Action, ...]]:
    """The 90 named actions of one player, index ``move * 10 + attack``: its moves and
    attacks (:data:`MOVES` and :data:`ATTACKS`, or player 2's)."""
    return {f"{MOVE_NAMES[m]}/{ATTACK_NAMES[a]}": tuple(x.value for x in moves[m] + attacks[a])
            for m in range(len(moves)) for a in range(len(attacks))}


def health_rewards(previous: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, int]:
    """Each side's reward between two readings: the health the other side lost minus the
    health it lost (MAMEToolkit's rewards)."""
    lost_p1 = previous["healthP1"] - current["healthP1"]
    lost_p2 = previous["healthP2"] - current["healthP2"]
    return {"P1": lost_p2 - lost_p1, "P2": lost_p1 - lost_p2}


class SF3(Game):
    """Street Fighter III 3rd Strike, player 1 against the game's AI: a round per episode."""

    name = "sf3"
    system = "sfiii3n"
    memory_addresses: Mapping[str, Address] = memory_addresses()
    actions: Mapping[str, tuple[Action, ...]] = action_table(MOVES, ATTACKS)
    frame_ratio = 3
    deterministic_start = True
    difficulty: ClassVar[int] = 3
    """The story mode difficulty ``start`` sets (0-7)."""

    def reward(self, previous: Mapping[str, Any], current: Mapping[str, Any]) -> Any:
        return float(health_rewards(previous, current)["P1"])

    def terminated(self, current: Mapping[str, Any]) -> bool:
        return current["fighting"] == 0

    def start_steps(self, frame_ratio: int) -> list[sf3_steps.Step]:
        """The scripted inputs of :meth:`start` after the hard reset: the difficulty, then
        coins, 1P start and character select."""
        return (sf3_steps.set_difficulty(frame_ratio, self.difficulty)
                + sf3_steps.start_game(frame_ratio))

    async def start(self, emu: Emulator) -> None:
        """Hard reset, then :meth:`start_steps`; stops at the fight's start. Raises
        GameError if no fight starts within 3000 steps of them."""
        await emu.reset("hard")
        for step in self.start_steps(emu.frame_ratio):
            for _ in range(step["wait"]):
                await emu.step(frame=False)
            await emu.step([action.value for action in step["actions"]], frame=False)
        for _ in range(_MAX_WAIT_STEPS):
            if (await emu.step(frame=False))["fighting"]:
                return
        raise GameError(f"{self.name}: no fight started within {_MAX_WAIT_STEPS} steps of the "
                        "scripted start (is this sfiii3n?)")


class SF3TwoPlayer(SF3):
    """Street Fighter III 3rd Strike for two players (against the game's AI: as sf3)."""

    name = "sf3_2p"
    players = 2
    player_controls: tuple[Controls, ...] = (
        Controls(SF3.actions), Controls(action_table(MOVES_P2, ATTACKS_P2)))
    cpu_opponent = True

    def reward(self, previous: Mapping[str, Any], current: Mapping[str, Any]
               ) -> tuple[float, float]:
        rewards = health_rewards(previous, current)
        return float(rewards["P1"]), float(rewards["P2"])

    def start_steps(self, frame_ratio: int) -> list[sf3_steps.Step]:
        """:class:`SF3`'s with :attr:`versus_cpu`; else the difficulty (the same service
        menu path), then coins for both, both starts and both character selects."""
        if self.versus_cpu:
            return super().start_steps(frame_ratio)
        return (sf3_steps.set_difficulty(frame_ratio, self.difficulty)
                + sf3_steps.start_versus(frame_ratio))
