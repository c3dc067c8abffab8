"""duel: the two-player game aiomame ships (rom/duel/), as an RL task.

Two paddles race to catch the same falling balls: a catch scores a point, the first to 11
wins the match (the episode). Each player's reward is the points it scored minus the
points the other scored (zero-sum). Actions per player: noop, left, right. Player 2's
controls reach the ROM on MAME's cocktail cabinet (the game's ``settings``). With
``versus_cpu`` (``opponent="cpu"``) the ROM's own computer plays player 2: slower than
a person, it wakes only when a ball is halfway down.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import GameError
from ..machine.emulator import Action, Address, Emulator
from . import duel_layout as layout
from .base import Game
from .board8080 import coin_and_start
from .controls import Controls

ROM_IMAGE = Path(__file__).resolve().parent / "roms" / layout.ROM_IMAGE


def _input(name: str) -> Action:
    return Action(*layout.INPUTS[name])


def _player_actions(player: int) -> dict[str, tuple[Action, ...]]:
    return {"noop": (), "left": (_input(f"p{player}_left"),),
            "right": (_input(f"p{player}_right"),)}


class Duel(Game):
    name = "duel"
    system = layout.MAME_SYSTEM
    rom_images: Mapping[str, str | Path] = {layout.ROM_REGION: ROM_IMAGE}
    settings: Mapping[str, str | int] = {":CAB/Cabinet": "Cocktail"}
    memory_addresses: Mapping[str, Address] = {
        name: Address(address, kind) for name, (address, kind) in layout.RAM.items()}
    players = 2
    actions: Mapping[str, tuple[Action, ...]] = _player_actions(1)
    player_controls: tuple[Controls, ...] = (
        Controls(_player_actions(1)), Controls(_player_actions(2)))
    cpu_opponent = True
    frame_ratio = 3
    vectorized = True
    max_episode_steps = 3000
    rng = Address(layout.RAM["rng"][0], "u16")

    def reward(self, previous: Mapping[str, Any], current: Mapping[str, Any]) -> Any:
        p1 = current["p1_score"] - previous["p1_score"]
        p2 = current["p2_score"] - previous["p2_score"]
        return p1 - p2, p2 - p1

    def terminated(self, current: Mapping[str, Any]) -> Any:
        return current["game_state"] == layout.GAME_STATE_GAME_OVER

    async def start(self, emu: Emulator) -> None:
        """Abort a match in progress (soft reset), insert a coin and press 1 Player Start
        (:attr:`versus_cpu`) or 2 Players Start: stops at the first step of the match,
        before any seed (the state :meth:`new_game` saves). Raises GameError if the ROM
        starts another mode or none."""
        start = _input("start1" if self.versus_cpu else "start2")
        data = await coin_and_start(emu, "duel", _input("coin"), start)
        mode = layout.MODE_VS_COMPUTER if self.versus_cpu else layout.MODE_TWO_PLAYERS
        if data["mode"] != mode:
            raise GameError(f"duel started mode {data['mode']}, not {mode}")

    async def seed(self, emu: Emulator, seed: int) -> None:
        """Plant ``seed`` in the ROM's PRNG: the balls' columns then depend only on it."""
        await emu.write(self.rng, seed % 0xFFFF + 1)

    def agents(self, player: int = 1) -> dict[str, Callable[[Mapping[str, Any]], int]]:
        self.controls(player)  # a player the game has
        return {"tracker": lambda info: tracker(info, player)}


def tracker(info: Mapping[str, Any], player: int = 1) -> int:
    """Moves ``player``'s paddle under the lowest ball: wins nearly every point it can
    reach first."""
    balls = [(info[f"object{i}_y"], info[f"object{i}_x"]) for i in range(layout.OBJECT_SLOTS)
             if info[f"object{i}_active"]]
    if not balls:
        return 0
    _, x = max(balls)
    offset = (x + layout.OBJECT_SIZE // 2) - (info[f"p{player}_x"] + layout.PADDLE_WIDTH // 2)
    if abs(offset) < layout.PADDLE_SPEED:
        return 0
    return 1 if offset < 0 else 2
