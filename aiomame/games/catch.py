"""catch: the game aiomame ships (rom/catch/), as an RL task.

A paddle along the bottom catches balls falling from random columns: +1 per catch, a miss
costs one of three lives, the episode ends at game over. Actions: noop, left, right.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..machine.emulator import Action, Address, Emulator
from . import catch_layout as layout
from .base import Game
from .board8080 import coin_and_start

ROM_IMAGE = Path(__file__).resolve().parent / "roms" / layout.ROM_IMAGE


def _input(name: str) -> Action:
    return Action(*layout.INPUTS[name])


class Catch(Game):
    name = "catch"
    system = layout.MAME_SYSTEM
    rom_images: Mapping[str, str | Path] = {layout.ROM_REGION: ROM_IMAGE}
    memory_addresses: Mapping[str, Address] = {
        name: Address(address, kind) for name, (address, kind) in layout.RAM.items()
        if name != "score_bcd"
    }
    actions: Mapping[str, tuple[Action, ...]] = {
        "noop": (), "left": (_input("left"),), "right": (_input("right"),)}
    frame_ratio = 3
    vectorized = True
    rng = Address(0x2010, "u16")
    """The ROM's xorshift PRNG state (never 0): where ``new_game`` plants a seed."""

    def reward(self, previous: Mapping[str, Any], current: Mapping[str, Any]) -> Any:
        return current["score"] - previous["score"]

    def terminated(self, current: Mapping[str, Any]) -> Any:
        return current["game_state"] == layout.GAME_STATE_GAME_OVER

    async def start(self, emu: Emulator) -> None:
        """Abort a game in progress (soft reset), insert a coin, press start: stops at the
        first step of the game, before any seed (the state :meth:`new_game` saves)."""
        await coin_and_start(emu, "catch", _input("coin"), _input("start"))

    async def seed(self, emu: Emulator, seed: int) -> None:
        """Plant ``seed`` in the ROM's PRNG: the ball columns then depend only on it and the
        actions."""
        await emu.write(self.rng, seed % 0xFFFF + 1)

    def agents(self, player: int = 1) -> dict[str, Callable[[Mapping[str, Any]], int]]:
        return {"tracker": tracker}


def tracker(info: Mapping[str, Any]) -> int:
    """Moves the paddle under the lowest ball: a near-perfect player."""
    balls = [(info[f"object{i}_y"], info[f"object{i}_x"]) for i in range(layout.OBJECT_SLOTS)
             if info[f"object{i}_active"]]
    if not balls:
        return 0
    _, x = max(balls)
    offset = (x + layout.OBJECT_SIZE // 2) - (info["paddle_x"] + layout.PADDLE_WIDTH // 2)
    if abs(offset) < layout.PADDLE_SPEED:
        return 0
    return 1 if offset < 0 else 2
