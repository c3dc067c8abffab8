"""What a game definition is: memory, actions, reward, episode end, how a game starts."""

from __future__ import annotations

import operator
import os
import random
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..checks import check_path
from ..errors import GameError, InvalidArgumentError
from ..machine.analog import Axis
from ..machine.emulator import Action, Address, Emulator
from ..machine.state import State
from ..mame import romset
from ..mame.locate import find_mame
from .controls import Controls


class Game:
    """A MAME game as an RL task. Subclass it per game and register it (see ``registry``).

    Attributes describe the game (class attributes of a subclass, or set per instance as
    :class:`~aiomame.games.system.SystemGame` and definition files do; hence not
    ``ClassVar``); the methods turn memory values into rewards and
    episode ends and bring a machine to the first playable moment of a new game.
    """

    name: str
    system: str
    """MAME system name (the ROM set)."""
    rom_images: Mapping[str, str | Path] = {}
    """ROMs the game ships, as memory-region images (region name -> file), cut into the
    files the running MAME expects (:mod:`aiomame.mame.romset`). Empty: the user supplies them."""
    memory_addresses: Mapping[str, Address] = {}
    actions: Mapping[str, tuple[Action, ...]] = {}
    """Named discrete actions, in index order: each holds its inputs for one step."""
    buttons: tuple[Action, ...] = ()
    """Instead of :attr:`actions`: the action is a vector of 0/1, one per button, each
    held for the step when 1 (Gymnasium's ``MultiBinary``)."""
    axes: tuple[Axis, ...] = ()
    """Instead of :attr:`actions`: analog inputs, and the action is a float vector (a
    Gymnasium ``Box`` in [-1, 1]): one entry per axis, mapped linearly onto its range (see
    :class:`~aiomame.machine.analog.Axis`), then one per button of :attr:`buttons`, held when > 0.
    The ranges are read from MAME when the env starts (:meth:`bind_axes`)."""
    players: int = 1
    """How many players the game has. With more than one, :attr:`player_controls` holds
    each player's controls and :meth:`reward` returns one reward per player."""
    player_controls: tuple[Controls, ...] = ()
    """With :attr:`players` > 1: each player's controls, player 1's first (player 1's are
    also :attr:`actions`, :attr:`buttons` or :attr:`axes`, for one-agent use)."""
    cpu_opponent: bool = False
    """Whether the game has its own computer opponent: with :attr:`versus_cpu`,
    :meth:`start` begins a one-player game, in which the game plays players 2…."""
    versus_cpu: bool = False
    """Per instance (:meth:`set_versus_cpu`): agents control player 1 only."""
    frame_ratio: int = 3
    vectorized: bool = False
    """Whether :meth:`reward` and :meth:`terminated` also take mappings of numpy arrays (one
    element per env) and return arrays: :class:`~aiomame.EnvPool` then computes a batch's
    rewards and ends in one call instead of one per env (write them with arithmetic and
    comparisons, no ``float()``/``if``/``and``)."""
    max_episode_steps: int | None = None
    obs: Mapping[str, Any] = {}
    """Observation defaults (``obs_type``, ``resize``, ``interpolation``, ``maxpool``,
    ``frame_stack``): :class:`~aiomame.GameEnv` and :class:`~aiomame.EnvPool` use them where
    the caller gives none (see :meth:`emulator_options`)."""
    media: Mapping[str, str | Path] = {}
    """Media the game loads, MAME's slot name -> file (``{"cart": path}``, see
    :class:`~aiomame.Emulator`); a caller's ``media`` adds slots to these or replaces them."""
    settings: Mapping[str, str | int] = {}
    """DIP switches and configuration settings the game needs, ``"PORT/FIELD"`` -> a
    setting's name or value (see :class:`~aiomame.Emulator`); a caller's ``settings`` add
    to these or replace them."""
    software: str | None = None
    """The software-list item the game runs (``"breakout"``), unless the caller gives one."""
    deterministic_start: bool = False
    """Whether :meth:`start` always reaches the same state (scripted inputs from a hard
    reset): then the default :meth:`new_game` saves it once and loads it later, as it does
    for games with :meth:`seed`."""
    start_state: State | None = None
    """The machine at the first playable moment of a new game, before any seed (see
    :meth:`new_game`); used on the system and MAME version it was saved on. None: each
    instance saves its own at its first new game."""
    # Per instance, made on first use (subclasses need not call an __init__): the starts
    # saved by new_game, and where seeds come from when none is given.
    _start_states: dict[tuple[Any, ...], State]
    _seeds: random.Random
    _controls: tuple[Controls, ...]

    def emulator_options(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Keyword arguments ``given`` over the game's defaults: :attr:`obs`,
        :attr:`software`, :attr:`media` (merged slot by slot) and :attr:`settings` (merged
        field by field)."""
        options = {**self.obs, **given}
        if self.settings:
            extra = given.get("settings")
            options["settings"] = {**self.settings, **extra} if isinstance(extra, Mapping) \
                else self.settings if extra is None else extra
        if self.software is not None:
            options.setdefault("software", self.software)
        if self.media:
            extra = given.get("media")
            options["media"] = {**self.media, **extra} if isinstance(extra, Mapping) \
                else self.media if extra is None else extra
        return options

    def controls(self, player: int = 1) -> Controls:
        """Player ``player``'s controls (1 = the first), bound to this instance: from
        :attr:`player_controls`, or for a one-player game :attr:`actions`,
        :attr:`buttons` and :attr:`axes`. Raises InvalidArgumentError for a player the game
        lacks, naming the valid ones."""
        every = self.__dict__.get("_controls")
        if every is None:
            every = self._controls = tuple(c.copy() for c in self.player_controls) or (
                Controls(self.actions, self.buttons, self.axes),)
        if player.__class__ is int and 0 < player <= len(every):
            return every[player - 1]
        raise InvalidArgumentError(
            f"player {player!r}: game {self.name!r} has "
            + ("player 1 only" if len(every) == 1
               else f"players {', '.join(str(i) for i in range(1, len(every) + 1))}"))

    @property
    def controlled_players(self) -> int:
        """How many players agents control: :attr:`players`, or 1 with :attr:`versus_cpu`
        (the game's own AI plays the others)."""
        return 1 if self.versus_cpu else self.players

    def set_versus_cpu(self, on: bool) -> None:
        """Play against the game's own AI (``on``) or let agents control every player.
        Raises InvalidArgumentError if the game has no AI opponent."""
        if on and not self.cpu_opponent:
            raise InvalidArgumentError(
                f"game {self.name!r} has no computer opponent of its own "
                + ("(it has one player)" if self.players == 1 else
                   "(valid opponents: 'noop', 'random', a callable or a checkpoint)"))
        self.versus_cpu = bool(on)

    def joint_inputs(self, actions: Any) -> tuple[Action, ...]:
        """The inputs of one step of every controlled player: ``actions`` holds one action
        per player (see :meth:`Controls.inputs`). Raises InvalidArgumentError for another
        number of actions or a bad one (naming the player)."""
        n = self.controlled_players
        if isinstance(actions, (str, bytes)) or not hasattr(actions, "__len__") \
                or len(actions) != n:
            raise InvalidArgumentError(
                f"actions {actions!r}: give one action per player ({n}) of game {self.name!r}")
        held: list[Action] = []
        for player, action in enumerate(actions, 1):
            try:
                held.extend(self.controls(player).inputs(action))
            except InvalidArgumentError as exc:
                raise InvalidArgumentError(f"player {player}: {exc}") from None
        return tuple(held)

    def player_rewards(self, rewards: Any) -> np.ndarray:
        """One reward per controlled player from what :meth:`reward` returned (with
        :attr:`vectorized`: shape (controlled players, envs) for arrays). Raises GameError
        if it does not hold one per player."""
        array = np.asarray(rewards, np.float64)
        if array.shape[:1] != (self.players,):
            raise GameError(f"game {self.name!r} has {self.players} players, but its reward() "
                            f"returned {rewards!r}: give one reward per player")
        return array[:self.controlled_players]

    def action_names(self) -> list[str]:
        """Player 1's discrete actions' names, in index order; with :attr:`axes` or
        :attr:`buttons`, theirs (``port/field``), in the order of the action vector."""
        return self.controls().action_names()

    def action_shape(self) -> tuple[int, ...]:
        """The shape of one action of player 1: () for an index, else (entries,)."""
        return self.controls().action_shape()

    def bind_axes(self, inputs: list[dict[str, Any]]) -> None:
        """Read every player's axes' ranges from a running machine's inputs
        (:meth:`~aiomame.Emulator.list_actions`). Raises UnknownInputError for an input the
        machine lacks, InvalidArgumentError for a digital one or a range outside it."""
        for player in range(1, self.players + 1):
            self.controls(player).bind_axes(inputs)

    def axis_inputs(self, actions: Any, n: int) -> list[tuple[Action, ...]]:
        """Player 1's inputs for each of the ``n`` rows of ``actions`` (see
        :meth:`Controls.axis_inputs`)."""
        return self.controls().axis_inputs(actions, n)

    def inputs(self, action: Any) -> tuple[Action, ...]:
        """The inputs that player 1's ``action`` holds for one step: a discrete action index
        (any integer type), with :attr:`buttons` a vector of 0/1, one per button, or with
        :attr:`axes` a vector of numbers in [-1, 1] (see :attr:`axes`). Raises
        InvalidArgumentError for another action."""
        return self.controls().inputs(action)

    def pressed(self, bits: Sequence[int]) -> tuple[Action, ...]:
        """Player 1's buttons held by a checked 0/1 vector."""
        return self.controls().pressed(bits)

    def reward(self, previous: Mapping[str, Any], current: Mapping[str, Any]) -> Any:
        """Reward earned between two steps' memory values (a number; with
        :attr:`vectorized`, an array for arrays). A game of :attr:`players` > 1 returns one
        per player, in player order (a tuple)."""
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
                tuple(sorted(process.media.items())), process.software, self.versus_cpu)

    def _start_state(self, emu: Emulator) -> State | None:
        given = self.start_state
        if given is not None and not self.versus_cpu and (given.system, given.mame) == (
                emu.info["system"], emu.info["mame"]):
            return given
        return self._starts().get(self._start_key(emu))

    def _seed_source(self) -> random.Random:
        seeds = self.__dict__.get("_seeds")
        if seeds is None:
            seeds = self._seeds = random.Random()
        return seeds

    def agents(self, player: int = 1) -> dict[str, Callable[[Mapping[str, Any]], Any]]:
        """Scripted agents of this game by name, playing ``player``: memory values ->
        action (an index; with :attr:`axes` or :attr:`buttons`, a vector)."""
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
