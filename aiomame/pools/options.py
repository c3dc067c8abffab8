"""What an :class:`~aiomame.pools.pool.EnvPool` runs: a game definition (one per env) or a
plain MAME system, and the arguments of each env's :class:`~aiomame.Emulator`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import InvalidArgumentError
from ..games import GAMES, Game, get_game, is_game


def configure(game: str | Game, num_envs: int, roms_path: Any, memory_addresses: Any,
               frame_ratio: int | None, emulator_kwargs: dict[str, Any]
               ) -> tuple[Game | None, Sequence[Game | None], str, tuple[Any, ...]]:
    """(game definition or None, one per env, MAME system, Emulator's positional args);
    adds the game's output filter to ``emulator_kwargs``. Raises InvalidArgumentError for
    ``memory_addresses`` given with a game, a ``game`` of another type, or a system name that
    is no registered game without ``roms_path``."""
    if isinstance(game, Game) or is_game(game):
        if memory_addresses is not None:
            raise InvalidArgumentError(
                "memory_addresses come from the game definition; give them only with a "
                "plain MAME system name")
        first = get_game(game)
        # A registered name: a definition per env (they may keep state); an instance: shared.
        games = [first] + [first if isinstance(game, Game) else get_game(game)
                           for _ in range(num_envs - 1)]
        roms, output_filter = first.rom_setup(roms_path, emulator_kwargs.get("mame_binary"))
        emulator_kwargs.setdefault("output_filter", output_filter)
        ratio = first.frame_ratio if frame_ratio is None else frame_ratio
        return first, games, first.system, (first.system, roms, first.memory_addresses, ratio)
    if not isinstance(game, str):
        raise InvalidArgumentError(
            f"game must be a game name, a Game or a MAME system name, got {game!r}")
    if roms_path is None:
        raise InvalidArgumentError(
            f"{game!r} is no registered game (those are: "
            f"{', '.join(map(repr, sorted(GAMES)))}); to run it as a plain MAME system, "
            "pass roms_path (and memory_addresses, frame_ratio)")
    ratio = 3 if frame_ratio is None else frame_ratio
    return None, [None] * num_envs, game, (game, roms_path, memory_addresses, ratio)
