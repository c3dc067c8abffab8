"""basket: the Atari 2600 game aiomame ships (rom/basket/), as an RL task.

A basket along the bottom catches fruit falling from random columns: +1 per catch, a miss
costs one of three lives, the episode ends at game over. It runs as a 4 KB cartridge file
on MAME's ``a2600`` (which loads no ROM of its own). Actions: noop, left, right (joystick 1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from ..emulator import Action, Address, Emulator
from ..errors import GameError
from .base import Game

CARTRIDGE = Path(__file__).resolve().parent / "roms" / "basket.bin"
JOYSTICK = ":joyport1:joy:JOY"
RESET_SWITCH = Action(":SWB", "Reset Game")
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
}
"""The game's RAM (rom/basket/README.md): tests/test_basket.py checks it against the
source's symbols."""


class Basket(Game):
    name = "basket"
    system = "a2600"
    media: ClassVar[Mapping[str, str | Path]] = {"cart": CARTRIDGE}
    memory_addresses: ClassVar[Mapping[str, Address]] = {
        name: Address(address, kind) for name, (_, address, kind) in RAM.items()}
    actions: ClassVar[Mapping[str, tuple[Action, ...]]] = {
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

    def agents(self) -> dict[str, Callable[[Mapping[str, Any]], int]]:
        return {"tracker": tracker}


def tracker(info: Mapping[str, Any]) -> int:
    """Moves the basket's centre under the falling fruit's: catches every fruit until the
    fruit falls too fast to reach."""
    offset = (info["fruit_x"] + FRUIT_SIZE // 2) - (info["basket_x"] + BASKET_WIDTH // 2)
    if info["wait"] or abs(offset) <= 3 * BASKET_SPEED:
        return 0
    return 1 if offset < 0 else 2
