"""What a game definition is: memory, actions, reward, episode end, how a game starts."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from .. import romset
from ..emulator import Action, Address, Emulator
from ..errors import InvalidArgumentError
from ..mame import find_mame


class Game:
    """A MAME game as an RL task. Subclass it per game and register it (see ``registry``).

    Class attributes describe the game; the methods turn memory values into rewards and
    episode ends and bring a machine to the first playable moment of a new game.
    """

    name: ClassVar[str]
    system: ClassVar[str]
    """MAME system name (the ROM set)."""
    rom_images: ClassVar[Mapping[str, str | Path]] = {}
    """ROMs the game ships, as memory-region images (region name -> file), cut into the
    files the running MAME expects (:mod:`aiomame.romset`). Empty: the user supplies them."""
    memory_addresses: ClassVar[Mapping[str, Address]] = {}
    actions: ClassVar[Mapping[str, tuple[Action, ...]]] = {}
    """Named discrete actions, in index order: each holds its inputs for one step."""
    frame_ratio: ClassVar[int] = 3
    max_episode_steps: ClassVar[int | None] = None

    @classmethod
    def action_names(cls) -> list[str]:
        return list(cls.actions)

    @classmethod
    def inputs(cls, action: int) -> tuple[Action, ...]:
        """The inputs of discrete action ``action``."""
        names = cls.action_names()
        if not isinstance(action, int) or isinstance(action, bool) \
                or not 0 <= action < len(names):
            raise InvalidArgumentError(
                f"action {action!r} is not in 0..{len(names) - 1} ({', '.join(names)})")
        return cls.actions[names[action]]

    def reward(self, previous: Mapping[str, Any], current: Mapping[str, Any]) -> float:
        """Reward earned between two steps' memory values."""
        raise NotImplementedError

    def terminated(self, current: Mapping[str, Any]) -> bool:
        """Whether the episode has ended (game over)."""
        raise NotImplementedError

    async def new_game(self, emu: Emulator, seed: int | None = None) -> dict[str, Any]:
        """Bring ``emu`` from any state to the first playable step of a new game.

        Returns that step's data (frame and memory values).
        """
        raise NotImplementedError

    def agents(self) -> dict[str, Callable[[Mapping[str, Any]], int]]:
        """Scripted agents of this game by name: memory values -> action index."""
        return {}

    def rom_setup(self, roms_path: str | os.PathLike[str] | None = None,
                  mame_binary: str | os.PathLike[str] | None = None
                  ) -> tuple[str, Callable[[str], bool] | None]:
        """(ROM path, filter of MAME's output or None) to run this game on the MAME at
        ``mame_binary``: ``roms_path`` when given, else the shipped ROMs laid out for that
        MAME, with its checksum warnings about them hidden (they differ from the original
        set on purpose)."""
        if roms_path is not None:
            return os.fspath(roms_path), None
        if not self.rom_images:
            raise InvalidArgumentError(f"game {self.name!r} ships no ROMs: pass roms_path")
        binary = find_mame(mame_binary)
        images = {region: Path(path).read_bytes() for region, path in self.rom_images.items()}
        return (romset.lay_out(images, self.system, binary),
                romset.checksum_warning_filter(images, self.system, binary))
