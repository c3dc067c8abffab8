"""What a game definition is: memory, actions, reward, episode end, how a game starts."""

from __future__ import annotations

import itertools
import math
import operator
import os
import random
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .. import romset
from ..analog import Axis, resolve_axes, vector_error, vector_rows
from ..emulator import Action, Address, Emulator
from ..errors import InvalidArgumentError, StateError, check_path
from ..mame import find_mame
from ..state import State


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
    buttons: ClassVar[tuple[Action, ...]] = ()
    """Instead of :attr:`actions`: the action is a vector of 0/1, one per button, each
    held for the step when 1 (Gymnasium's ``MultiBinary``)."""
    axes: ClassVar[tuple[Axis, ...]] = ()
    """Instead of :attr:`actions`: analog inputs, and the action is a float vector (a
    Gymnasium ``Box`` in [-1, 1]): one entry per axis, mapped linearly onto its range (see
    :class:`~aiomame.analog.Axis`), then one per button of :attr:`buttons`, held when > 0.
    The ranges are read from MAME when the env starts (:meth:`bind_axes`)."""
    frame_ratio: ClassVar[int] = 3
    vectorized: ClassVar[bool] = False
    """Whether :meth:`reward` and :meth:`terminated` also take mappings of numpy arrays (one
    element per env) and return arrays: :class:`~aiomame.EnvPool` then computes a batch's
    rewards and ends in one call instead of one per env (write them with arithmetic and
    comparisons, no ``float()``/``if``/``and``)."""
    max_episode_steps: ClassVar[int | None] = None
    obs: ClassVar[Mapping[str, Any]] = {}
    """Observation defaults (``obs_type``, ``resize``, ``interpolation``, ``maxpool``,
    ``frame_stack``): :class:`~aiomame.GameEnv` and :class:`~aiomame.EnvPool` use them where
    the caller gives none (see :meth:`emulator_options`)."""
    media: ClassVar[Mapping[str, str | Path]] = {}
    """Media the game loads, MAME's slot name -> file (``{"cart": path}``, see
    :class:`~aiomame.Emulator`); a caller's ``media`` adds slots to these or replaces them."""
    software: ClassVar[str | None] = None
    """The software-list item the game runs (``"breakout"``), unless the caller gives one."""
    deterministic_start: ClassVar[bool] = False
    """Whether :meth:`start` always reaches the same state (scripted inputs from a hard
    reset): then the default :meth:`new_game` saves it once and loads it later, as it does
    for games with :meth:`seed`."""
    start_state: ClassVar[State | None] = None
    """The machine at the first playable moment of a new game, before any seed (see
    :meth:`new_game`); used on the system and MAME version it was saved on. None: each
    instance saves its own at its first new game."""
    # Per instance, made on first use (subclasses need not call an __init__): the starts
    # saved by new_game, and where seeds come from when none is given.
    _start_states: dict[tuple[Any, ...], State]
    _seeds: random.Random
    _axis_ranges: tuple[tuple[str, str, int, int], ...]  # (port, field, min, max) per axis

    def emulator_options(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Keyword arguments ``given`` over the game's defaults: :attr:`obs`,
        :attr:`software` and :attr:`media` (merged slot by slot)."""
        options = {**self.obs, **given}
        if self.software is not None:
            options.setdefault("software", self.software)
        if self.media:
            extra = given.get("media")
            options["media"] = {**self.media, **extra} if isinstance(extra, Mapping) \
                else self.media if extra is None else extra
        return options

    def action_names(self) -> list[str]:
        """The discrete actions' names, in index order; with :attr:`axes` or
        :attr:`buttons`, theirs (``port/field``), in the order of the action vector."""
        if self.axes or self.buttons:
            return [f"{b.port}/{b.field}" for b in (*self.axes, *self.buttons)]
        return list(self.actions)

    def action_shape(self) -> tuple[int, ...]:
        """The shape of one action: () for an index, else (entries of the vector,)."""
        vector = len(self.axes) + len(self.buttons)
        return (vector,) if vector else ()

    def bind_axes(self, inputs: list[dict[str, Any]]) -> None:
        """Read the :attr:`axes`' ranges from a running machine's inputs
        (:meth:`~aiomame.Emulator.list_actions`). Raises UnknownInputError for an input the
        machine lacks, InvalidArgumentError for a digital one or a range outside it."""
        if self.axes:
            self._axis_ranges = resolve_axes(self.axes, inputs)

    def axis_inputs(self, actions: Any, n: int) -> list[tuple[Action, ...]]:
        """The inputs held by each of the ``n`` rows of ``actions`` (``(n, axes + buttons)``
        numbers in [-1, 1]; see :attr:`axes`): one tuple of Action per row. Raises
        InvalidArgumentError for another shape or a value outside [-1, 1], StateError
        before :meth:`bind_axes`."""
        shape = (n, len(self.axes) + len(self.buttons))
        return [self._held(row, actions, shape)
                for row in vector_rows(actions, shape, self.action_names)]

    def _held(self, row: list[float], given: Any, shape: tuple[int, ...]
              ) -> tuple[Action, ...]:
        """The inputs one checked-shape vector of :attr:`axes` and buttons holds."""
        axes = self.__dict__.get("_axis_ranges")
        if axes is None:
            raise StateError(f"the axes of {self.name!r} have no ranges yet: start the env")
        inputs, k = [], len(axes)
        for (port, field, low, high), x in zip(axes, row[:k], strict=True):
            if not -1 <= x <= 1:  # NaN too
                raise vector_error(given, shape, self.action_names())
            inputs.append(Action(port, field, math.floor(low + (x + 1) * (high - low) / 2
                                                         + 0.5)))
        return (*inputs, *itertools.compress(self.buttons, [x > 0 for x in row[k:]]))

    def inputs(self, action: Any) -> tuple[Action, ...]:
        """The inputs that ``action`` holds for one step: a discrete action index (any
        integer type), with :attr:`buttons` a vector of 0/1, one per button, or with
        :attr:`axes` a vector of numbers in [-1, 1] (see :attr:`axes`)."""
        if self.axes:
            shape = (len(self.axes) + len(self.buttons),)
            return self._held(vector_rows(action, shape, self.action_names), action, shape)
        if self.buttons:
            bits = np.asarray(action)
            if bits.shape != (len(self.buttons),) or (bits.size and bits.dtype.kind not in "biu") \
                    or not np.isin(bits, (0, 1)).all():
                raise InvalidArgumentError(
                    f"action {action!r} is not a vector of {len(self.buttons)} zeros and ones "
                    f"(one per button: {', '.join(self.action_names())})")
            return self.pressed(bits.tolist())
        names = self.action_names()
        try:
            index = operator.index(action)
        except TypeError:
            index = None
        if index is None or isinstance(action, bool) or not 0 <= index < len(names):
            raise InvalidArgumentError(
                f"action {action!r} is not in 0..{len(names) - 1} ({', '.join(names)})")
        return self.actions[names[index]]

    def pressed(self, bits: Sequence[int]) -> tuple[Action, ...]:
        """The buttons held by a checked 0/1 vector."""
        return tuple(itertools.compress(self.buttons, bits))

    def reward(self, previous: Mapping[str, Any], current: Mapping[str, Any]) -> Any:
        """Reward earned between two steps' memory values (a number; with
        :attr:`vectorized`, an array for arrays)."""
        raise NotImplementedError

    def terminated(self, current: Mapping[str, Any]) -> Any:
        """Whether the episode has ended (game over; with :attr:`vectorized`, an array for
        arrays)."""
        raise NotImplementedError

    async def new_game(self, emu: Emulator, seed: int | None = None) -> dict[str, Any]:
        """Bring ``emu`` from any state to the first playable step of a new game.

        Returns that step's data (frame and memory values). This default needs
        :meth:`start`; for a game that also has :meth:`seed` on a system that can save, it
        resets instantly: the first call (per instance and machine setup) runs
        :meth:`start` and saves the state there, later calls load that state (or
        :attr:`start_state`). Then the seed is planted, and the game steps once. With a
        loaded state and no ``seed``, the seed is drawn from this instance's generator
        (seeded by the last ``seed`` given, else at random), so that games still differ;
        the first call without a seed plants none.
        """
        seed = self.check_seed(seed)
        if seed is not None:
            self._seeds = random.Random(seed)
        saves = (self.can_seed() or self.deterministic_start) and emu.supports_save
        state = self._start_state(emu) if saves else None
        if state is None:
            await self.start(emu)
            if saves:
                self._starts()[self._start_key(emu)] = await emu.save_state()
        else:
            await emu.load_state(state)
            if seed is None and self.can_seed():
                seed = self._seed_source().getrandbits(32)
        if seed is not None:
            await self.seed(emu, seed)
        return await emu.step()

    async def begin(self, emu: Emulator, seed: int | None = None,
                    state: State | None = None) -> dict[str, Any]:
        """A new episode's first step (frame and memory values): :meth:`new_game`, or, from
        a saved ``state`` (checked by the caller), load it, plant ``seed`` if given (see
        :meth:`check_seed` with ``planted``) and step once."""
        if state is None:
            return await self.new_game(emu, seed)
        await emu.load_state(state)
        if seed is not None:
            await self.seed(emu, seed)
        return await emu.step()

    async def start(self, emu: Emulator) -> None:
        """Bring ``emu`` from any state to the first playable moment of a new game, without
        stepping on from it (the default :meth:`new_game` may save the state there)."""
        raise NotImplementedError(f"game {self.name!r} defines neither new_game nor start")

    async def seed(self, emu: Emulator, seed: int) -> None:
        """Make the new game's randomness depend on ``seed`` alone (called by
        :meth:`new_game` at the first playable moment). Games that cannot: not overridden."""
        raise InvalidArgumentError(f"game {self.name!r} takes no seed (got {seed!r})")

    @classmethod
    def can_seed(cls) -> bool:
        """Whether the game defines :meth:`seed`."""
        return cls.seed is not Game.seed

    def check_seed(self, seed: Any, planted: bool = False) -> int | None:
        """``seed`` as an int (or None); InvalidArgumentError if it is none or the game takes
        no seed (``planted``: the seed goes to :meth:`seed`, not to an own new_game)."""
        if seed is None:
            return None
        try:
            if isinstance(seed, (bool, np.bool_)):
                raise TypeError
            seed = operator.index(seed)
        except TypeError:
            raise InvalidArgumentError(f"seed must be an int or None, got {seed!r}") from None
        if not self.can_seed() and (planted or type(self).new_game is Game.new_game):
            raise InvalidArgumentError(f"game {self.name!r} takes no seed (got {seed})")
        return seed

    def _starts(self) -> dict[tuple[Any, ...], State]:
        starts = self.__dict__.get("_start_states")
        if starts is None:
            starts = self._start_states = {}
        return starts

    def _start_key(self, emu: Emulator) -> tuple[Any, ...]:
        """What a saved start depends on: the machine, its MAME, ROMs, media and frame
        ratio."""
        process = emu.process
        return (emu.info["system"], emu.info["mame"], process.roms_path, emu.frame_ratio,
                tuple(sorted(process.media.items())), process.software)

    def _start_state(self, emu: Emulator) -> State | None:
        given = self.start_state
        if given is not None and (given.system, given.mame) == (emu.info["system"],
                                                                 emu.info["mame"]):
            return given
        return self._starts().get(self._start_key(emu))

    def _seed_source(self) -> random.Random:
        seeds = self.__dict__.get("_seeds")
        if seeds is None:
            seeds = self._seeds = random.Random()
        return seeds

    def agents(self) -> dict[str, Callable[[Mapping[str, Any]], Any]]:
        """Scripted agents of this game by name: memory values -> action (an index; with
        :attr:`axes` or :attr:`buttons`, a vector)."""
        return {}

    def read_rom_images(self) -> dict[str, bytes]:
        """The shipped ROMs' memory-region images (:attr:`rom_images`), read."""
        return {region: Path(path).read_bytes() for region, path in self.rom_images.items()}

    def rom_setup(self, roms_path: str | os.PathLike[str] | None = None,
                  mame_binary: str | os.PathLike[str] | None = None
                  ) -> tuple[str, Callable[[str], bool] | None]:
        """(ROM path, filter of MAME's output or None) to run this game on the MAME at
        ``mame_binary``: ``roms_path`` when given, else the shipped ROMs laid out for that
        MAME, with its checksum warnings about them hidden (they differ from the original
        set on purpose)."""
        check_path("roms_path", roms_path, none=True)
        if roms_path is not None:
            return os.fspath(roms_path), None
        binary = find_mame(mame_binary)
        # A game on media alone (a cartridge of its own) needs no ROMs if its system loads
        # none (the Atari 2600): its ROM path is then an empty set.
        if not self.rom_images and (not self.media or romset.rom_files(binary, self.system)):
            raise InvalidArgumentError(f"game {self.name!r} ships no ROMs: pass roms_path")
        images = self.read_rom_images()
        return (romset.lay_out(images, self.system, binary),
                romset.checksum_warning_filter(images, self.system, binary) if images else None)
