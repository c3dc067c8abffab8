"""What catch and duel share: both are 8080 ROMs of ours on MAME's ``invaders`` board, with
the same boot (RAM cleared, then a frame counter), credits and game states."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import GameError
from ..machine.emulator import Action, Emulator

PLAYING = 1  # game_state while a game is on, in both ROMs
MAX_START_STEPS = 100


async def coin_and_start(emu: Emulator, name: str, coin: Action, start: Action
                         ) -> dict[str, Any]:
    """Abort a game in progress (soft reset), wait out the ROM's memory clear, insert a
    coin, hold ``start`` until the game plays: returns that step's memory values (the first
    step of the game, before any seed). Raises GameError if it does not start within
    :data:`MAX_START_STEPS` steps (naming ``name``)."""
    data = await emu.step(frame=False)
    if data["game_state"] == PLAYING:
        await emu.reset("soft")
        data = await emu.step(frame=False)
    if data["frame_counter"] == 0:  # the ROM is still clearing memory after a reset
        await _until(emu, name, (), lambda d: d["frame_counter"] > 0)
    await emu.step([coin], frame=False)
    return await _until(emu, name, (start,), lambda d: d["game_state"] == PLAYING)


async def _until(emu: Emulator, name: str, actions: tuple[Action, ...],
                 done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    for _ in range(MAX_START_STEPS):
        data = await emu.step(actions, frame=False)
        if done(data):
            return data
    raise GameError(f"{name} did not start a game within {MAX_START_STEPS} steps "
                    f"(state {data['game_state']}, credits {data['credits']})")
