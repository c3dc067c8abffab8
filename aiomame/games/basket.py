"""basket: the Atari 2600 game aiomame ships (rom/basket/), as an RL task.

A basket along the bottom catches fruit falling from random columns: +1 per catch, a miss
costs one of three lives, the episode ends at game over. It runs as a 4 KB cartridge file
on MAME's ``a2600`` (which loads no ROM of its own). :class:`Basket`: actions noop, left,
right (joystick 1); :class:`BasketPaddle`: paddle 1's position, an analog axis.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import GameError
from ..machine.analog import Axis
from ..machine.emulator import Action, Address, Emulator
from .base import Game

CARTRIDGE = Path(__file__).resolve().parent / "roms" / "basket.bin"
JOYSTICK = ":joyport1:joy:JOY"
RESET_SWITCH = Action(":SWB", "Reset Game")
MAX_X = 140  # the basket's x at the right edge
PADDLES = ("-joyport1", "pad")  # MAME's slot option: paddles in port 1, not a joystick
PADDLE = Axis(":joyport1:pad:POTX", "Paddle", 2, 2 + MAX_X)
"""Paddle 1 over the values that take the basket from x 0 to 140 (the game sets the basket's
x to the lines the paddle's pot takes to charge, which MAME makes the value - 2)."""
START_LIVES = 3
BASKET_WIDTH, FRUIT_SIZE = 16, 8
BASKET_SPEED = 2  # pixels per frame
RAM: Mapping[str, tuple[str, int, str]] = {
    # name: (symbol in basket.asm, address, type)
    "frame_counter": ("frame", 0x80, "u8"),
    "game_over": ("gover", 0x81, "u8"),
    "score": ("score", 0x82, "u16"),
    "lives": ("lives", 0x84, "u8"),
    "basket_x": ("basketx", 0x85, "u8"),
    "fruit_x": ("fruitx", 0x86, "u8"),
    "fruit_y": ("fruity", 0x87, "u8"),
    "wait": ("wait", 0x88, "u8"),
    "rng": ("rng", 0x89, "u8"),
    "speed": ("speed", 0x8A, "u8"),
    "control": ("control", 0x8C, "u8"),
}
"""The game's RAM (rom/basket/README.md): tests/test_basket.py checks it against the
source's symbols."""


class Basket(Game):
    name = "basket"
    system = "a2600"
    media: Mapping[str, str | Path] = {"cart": CARTRIDGE}
    memory_addresses: Mapping[str, Address] = {
        name: Address(address, kind) for name, (_, address, kind) in RAM.items()}
    actions: Mapping[str, tuple[Action, ...]] = {
        "noop": (), "left": (Action(JOYSTICK, "P1 Left"),),
        "right": (Action(JOYSTICK, "P1 Right"),)}
    frame_ratio = 3
    vectorized = True
    max_episode_steps = 5000

    def reward(self, previous: Mapping[str, Any], current: Mapping[str, Any]) -> Any:
        return current["score"] - previous["score"]

    def terminated(self, current: Mapping[str, Any]) -> Any:
        return current["game_over"] == 1

    async def start(self, emu: Emulator) -> None:
        """Hold the console's Reset switch for a step: from any state the game restarts,
        before its first fruit falls (the state :meth:`new_game` saves)."""
        data = await emu.step([RESET_SWITCH], frame=False)
        if (data["score"], data["lives"], data["game_over"]) != (0, START_LIVES, 0):
            raise GameError(f"basket did not restart on Reset (score {data['score']}, "
                            f"lives {data['lives']}, game_over {data['game_over']})")

    async def seed(self, emu: Emulator, seed: int) -> None:
        """Plant ``seed`` in the game's LFSR (never 0): the fruits' columns then depend
        only on it."""
        await emu.write(self.memory_addresses["rng"], seed % 255 + 1)

    def agents(self, player: int = 1) -> dict[str, Callable[[Mapping[str, Any]], int]]:
        return {"tracker": tracker}


def tracker(info: Mapping[str, Any]) -> int:
    """Moves the basket's centre under the falling fruit's: catches every fruit until the
    fruit falls too fast to reach."""
    offset = (info["fruit_x"] + FRUIT_SIZE // 2) - (info["basket_x"] + BASKET_WIDTH // 2)
    if info["wait"] or abs(offset) <= 3 * BASKET_SPEED:
        return 0
    return 1 if offset < 0 else 2


class BasketPaddle(Basket):
    """basket played with a paddle: the action is a ``Box`` of one number in [-1, 1], the
    basket's place from the left edge to the right."""

    name = "basket_paddle"
    actions: Mapping[str, tuple[Action, ...]] = {}
    axes: tuple[Axis, ...] = (PADDLE,)

    def emulator_options(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """As :meth:`Game.emulator_options`, with paddles plugged into port 1 (before the
        caller's ``extra_args``)."""
        options = super().emulator_options(given)
        options["extra_args"] = [*PADDLES, *given.get("extra_args", ())]
        return options

    async def start(self, emu: Emulator) -> None:
        """As :meth:`Basket.start`, and tell the game to read the paddle (RAM ``control``)."""
        await super().start(emu)
        await emu.write(self.memory_addresses["control"], 1)

    def agents(self, player: int = 1) -> dict[str, Callable[[Mapping[str, Any]], Any]]:
        return {"tracker": paddle_tracker}


def paddle_tracker(info: Mapping[str, Any]) -> list[float]:
    """Puts the basket's centre under the falling fruit's at once (an axis value)."""
    x = min(max(info["fruit_x"] + FRUIT_SIZE // 2 - BASKET_WIDTH // 2, 0), MAX_X)
    return [2 * x / MAX_X - 1]
