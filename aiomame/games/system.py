"""Any MAME system as a game without writing a definition: :class:`SystemGame`."""

from __future__ import annotations

import operator
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..checks import check_step_limit, invalid_choice, is_int
from ..errors import GameError, InvalidArgumentError
from ..machine.analog import Axis
from ..machine.emulator import Action, Address, Emulator
from ..machine.inputs import check_settings
from ..machine.state import State
from .base import Game
from .controls import Controls

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge}

Condition = tuple[str, str, int]
"""``(memory name, operator, value)``, e.g. ``("lives", "==", 0)``."""


RESETS = ("hard", "soft")
PLAYER_KEYS = ("actions", "buttons", "axes", "reward")


@dataclass(frozen=True)
class StartStep:
    """One entry of a scripted start: skipped unless ``when`` (a :data:`Condition` on the
    memory values now) holds; a ``reset`` ("soft" or "hard") if given; then hold
    ``inputs`` for ``steps`` steps, or with ``until`` step until that condition holds, at
    most ``max_steps`` steps (:class:`~aiomame.errors.GameError` if it never does)."""

    inputs: tuple[Action, ...] = ()
    steps: int = 1
    until: Condition | None = None
    max_steps: int = 1000
    when: Condition | None = None
    reset: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", _held("StartStep.inputs", self.inputs))
        for name in ("steps", "max_steps"):
            value = getattr(self, name)
            if not is_int(value) or value < 1:
                raise InvalidArgumentError(f"StartStep {name} must be an int >= 1, got {value!r}")
        if self.reset is not None and self.reset not in RESETS:
            raise invalid_choice("StartStep reset", self.reset, RESETS)

    async def run(self, emu: Emulator, addresses: Mapping[str, Address]) -> None:
        if self.when is not None:
            name, op, value = self.when
            if not OPERATORS[op]((await emu.read({name: addresses[name]}))[name], value):
                return
        if self.reset is not None:
            await emu.reset(self.reset)
        if self.until is None:
            for _ in range(self.steps):
                await emu.step(self.inputs, frame=False)
            return
        name, op, value = self.until
        for _ in range(self.max_steps):
            data = await emu.step(self.inputs, frame=False)
            if OPERATORS[op](data[name], value):
                return
        raise GameError(f"the start did not reach {name} {op} {value} within "
                        f"{self.max_steps} steps ({name} is {data[name]})")


@dataclass(frozen=True)
class SeedTarget:
    """Where a seed goes: ``seed % modulo + offset`` is written to ``address`` at the
    first playable moment of a new game (``modulo`` None: the type's number of values)."""

    address: Address
    modulo: int | None = None
    offset: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.address, Address):
            raise InvalidArgumentError(f"SeedTarget address must be an Address, got "
                                       f"{self.address!r}")
        bits = int(self.address.type[1:])
        low, high = ((0, (1 << bits) - 1) if self.address.type[0] == "u"
                     else (-(1 << (bits - 1)), (1 << (bits - 1)) - 1))
        modulo = high - low + 1 if self.modulo is None else self.modulo
        if not is_int(modulo) or modulo < 1:
            raise InvalidArgumentError(f"seed modulo must be an int >= 1, got {modulo!r}")
        if not is_int(self.offset) or self.offset < low or self.offset + modulo - 1 > high:
            raise InvalidArgumentError(
                f"seed values offset..offset+modulo-1 ({self.offset!r}..{self.offset + modulo - 1}"
                f") do not fit a {self.address.type} ({low}..{high})")
        object.__setattr__(self, "modulo", modulo)

    def value(self, seed: int) -> int:
        assert self.modulo is not None
        return seed % self.modulo + self.offset


class SystemGame(Game):
    """A plain MAME system as an RL task: its frames, the memory values you choose, the
    inputs you choose as actions, a reward from memory, and an end only when you say.

    - ``memory_addresses``: name -> :class:`~aiomame.Address`, returned in each step's info.
    - Actions, one of: ``buttons``, a sequence of :class:`~aiomame.Action` (the action is a
      0/1 vector, one entry per button: Gymnasium's ``MultiBinary``); ``axes``, a sequence
      of :class:`~aiomame.machine.analog.Axis` (analog inputs, with ``buttons`` or without: the
      action is a vector in [-1, 1], one entry per axis then per button: a ``Box``; see
      :attr:`Game.axes`); or ``actions``, name -> the Actions held together (a discrete
      action index; ``()`` for none; an analog field's Action is a named position).
    - ``reward``: a memory name (the reward is its increase per step), name -> weight (the
      weighted sum of the increases), or None (always 0).
    - ``done``: None (episodes end only at ``max_episode_steps``, if given), a condition
      ``(name, op, value)`` with op one of ``== != < <= > >=``, a list of conditions (any
      of them ends the episode), ``{"any": [...]}`` or ``{"all": [...]}`` (all of them at
      once end it), or a function of the step's memory values.
    - A new episode hard-resets the machine (``start_reset``: "hard", "soft" or None: no
      reset) and runs ``start_script`` (:class:`StartStep` entries: scripted inputs to the
      first playable moment), or loads ``start_state`` (a saved :class:`~aiomame.State`)
      when given. A scripted start is run once, saved, and loaded for later episodes
      (:attr:`Game.deterministic_start`).
    - ``seed``: a :class:`SeedTarget`, where each new game's seed is written; without one,
      MAME is deterministic: a seed is taken and changes nothing.
    - ``obs``: observation defaults (``obs_type``, ``resize``, ``interpolation``,
      ``maxpool``, ``frame_stack``) for :class:`~aiomame.GameEnv` and
      :class:`~aiomame.EnvPool`.
    - ``media`` (slot name -> file, like ``{"cart": "game.bin"}``) and ``software`` (a
      software-list item, like ``"breakout"``): what the machine loads (see
      :class:`~aiomame.Emulator`); ``settings``: DIP switches and configuration settings
      (``{":CAB/Cabinet": "Cocktail"}``).
    - ``player2``: a second player, ``{"actions" | "buttons" | "axes": ..., "reward":
      ...}`` in the forms above (its inputs, its reward): the game then has two players,
      the actions and reward above are player 1's, and the reward is one per player.
    """

    def __init__(self, system: str, *, memory_addresses: Mapping[str, Address] | None = None,
                 buttons: Sequence[Action] | None = None,
                 axes: Sequence[Axis] | None = None,
                 actions: Mapping[str, Action | Sequence[Action]] | None = None,
                 reward: str | Mapping[str, float] | None = None,
                 done: Condition | Sequence[Condition] | Callable[[Mapping[str, Any]], bool]
                 | None = None,
                 max_episode_steps: int | None = None, frame_ratio: int = 3,
                 start_state: State | None = None,
                 start_script: Sequence[StartStep] | None = None,
                 start_reset: str | None = "hard",
                 seed: SeedTarget | None = None,
                 obs: Mapping[str, Any] | None = None,
                 media: Mapping[str, str | os.PathLike[str]] | None = None,
                 software: str | None = None,
                 settings: Mapping[str, str | int] | None = None,
                 player2: Mapping[str, Any] | None = None) -> None:
        if not isinstance(system, str) or not system:
            raise InvalidArgumentError(f"system must be a MAME system name, got {system!r}")
        self.name = self.system = system
        self.memory_addresses = dict(memory_addresses or {})
        names = list(self.memory_addresses)
        if (buttons is None and axes is None) == (actions is None):
            raise InvalidArgumentError(
                "give either buttons (a sequence of Action: a 0/1 vector per step) and/or "
                "axes (a sequence of Axis: a vector in [-1, 1]), or actions (name -> "
                "Actions held together: a discrete action index)")
        if axes is not None:
            if isinstance(axes, (str, bytes)) or not isinstance(axes, Sequence) \
                    or not axes or not all(isinstance(a, Axis) for a in axes):
                raise InvalidArgumentError(
                    f"axes must be a non-empty sequence of Axis(port, field), got {axes!r}")
            self.axes = tuple(axes)
        if buttons is not None:
            self.buttons = tuple(_check_action(b, "buttons") for b in buttons)
            if not self.buttons:
                raise InvalidArgumentError("buttons is empty: give at least one Action")
        elif actions is not None:
            self.actions = {name: _held(name, held) for name, held in actions.items()}
            if not self.actions:
                raise InvalidArgumentError("actions is empty: give at least one")
        self._weights = _weights(reward, names)
        self._weights2: dict[str, float] | None = None
        if player2 is not None:
            self._second_player(player2, names)
        self._done = _done(done, names)
        check_step_limit(max_episode_steps)
        self.max_episode_steps = max_episode_steps
        if not is_int(frame_ratio) or frame_ratio < 1:
            raise InvalidArgumentError(f"frame_ratio must be an int >= 1, got {frame_ratio!r}")
        self.frame_ratio = frame_ratio
        if start_state is not None and not isinstance(start_state, State):
            raise InvalidArgumentError(f"start_state must be a State, got {start_state!r}")
        self.start_state = start_state
        self.start_script = tuple(start_script or ())
        for step in self.start_script:
            if not isinstance(step, StartStep):
                raise InvalidArgumentError(f"start_script holds {step!r}, not a StartStep")
            for condition in (step.until, step.when):
                if condition is not None:
                    _check_condition(condition, names, "start_script")
        if start_reset is not None and start_reset not in RESETS:
            raise invalid_choice("start_reset", start_reset, (*RESETS, None))
        self.start_reset = start_reset
        if start_state is not None and self.start_script:
            raise InvalidArgumentError("give start_state or start_script, not both")
        self.deterministic_start = bool(self.start_script)
        if seed is not None and not isinstance(seed, SeedTarget):
            raise InvalidArgumentError(f"seed must be a SeedTarget or None, got {seed!r}")
        self.seed_target = seed
        self.obs = dict(obs or {})
        if not isinstance(media or {}, Mapping):
            raise InvalidArgumentError(f"media must be a mapping of slot names to files, "
                                       f"got {media!r}")
        self.media = {slot: os.fspath(file) if isinstance(file, os.PathLike) else file
                      for slot, file in (media or {}).items()}
        if software is not None and (not isinstance(software, str) or not software):
            raise InvalidArgumentError(f"software must be a software-list item name or "
                                       f"None, got {software!r}")
        self.software = software
        self.settings = check_settings(settings)

    def _second_player(self, player2: Any, names: list[str]) -> None:
        if not isinstance(player2, Mapping):
            raise InvalidArgumentError(f"player2 must be a mapping with actions (or buttons "
                                       f"and/or axes) and reward, got {player2!r}")
        for key in player2:
            if key not in PLAYER_KEYS:
                raise invalid_choice("player2 key", key, PLAYER_KEYS)
        actions, buttons, axes = (player2.get(k) for k in ("actions", "buttons", "axes"))
        if (actions is None) == (buttons is None and axes is None):
            raise InvalidArgumentError("player2: give either actions or buttons and/or axes")
        mine = (self.actions, self.buttons, self.axes)
        if (actions is None) != (not mine[0]):
            raise InvalidArgumentError("player2's actions must be of player 1's kind (named "
                                       "actions, or buttons and/or axes)")
        second = Controls(
            {n: _held(n, held) for n, held in actions.items()} if actions else None,
            tuple(_check_action(b, "player2 buttons") for b in buttons or ()),
            tuple(axes or ()))
        self.players = 2
        self.player_controls = (Controls(*mine), second)
        self._weights2 = _weights(player2.get("reward"), names)

    def reward(self, previous: Mapping[str, Any], current: Mapping[str, Any]) -> Any:
        first = float(sum(w * (current[n] - previous[n]) for n, w in self._weights.items()))
        if self._weights2 is None:
            return first
        return first, float(sum(w * (current[n] - previous[n])
                                for n, w in self._weights2.items()))

    def terminated(self, current: Mapping[str, Any]) -> bool:
        return bool(self._done(current))

    def can_seed(self) -> bool:  # type: ignore[override]  # per instance: its seed target
        return self.seed_target is not None

    async def new_game(self, emu: Emulator, seed: int | None = None) -> dict[str, Any]:
        """:meth:`start` (or its saved result: :meth:`Game.new_game`), the seed planted if
        the game has a seed target, then one step."""
        seed = self.check_seed(seed)
        return await super().new_game(emu, seed if self.can_seed() else None)

    async def start(self, emu: Emulator) -> None:
        """Load :attr:`start_state`, or reset (:attr:`start_reset`) and run
        :attr:`start_script`."""
        if self.start_state is not None:
            await emu.load_state(self.start_state)
            return
        if self.start_reset is not None:
            await emu.reset(self.start_reset)
        for step in self.start_script:
            await step.run(emu, self.memory_addresses)
        if not self.start_script and self.can_seed():
            await emu.step(frame=False)  # the reset happens in a step; then the seed holds

    async def seed(self, emu: Emulator, seed: int) -> None:
        """Write the seed to :attr:`seed_target` (only called when there is one)."""
        assert self.seed_target is not None
        await emu.write(self.seed_target.address, self.seed_target.value(seed))


def _check_action(action: Any, where: str) -> Action:
    if not isinstance(action, Action):
        raise InvalidArgumentError(f"{where} holds {action!r}, not an Action(port, field)")
    return action


def _held(name: str, held: Action | Sequence[Action]) -> tuple[Action, ...]:
    if isinstance(held, Action):
        return (held,)
    if isinstance(held, (str, bytes)) or not isinstance(held, Sequence):
        raise InvalidArgumentError(
            f"actions[{name!r}] is {held!r}: give an Action or a sequence of them")
    return tuple(_check_action(a, f"actions[{name!r}]") for a in held)


def _check_condition(condition: Any, names: list[str], what: str) -> Condition:
    if not (isinstance(condition, (tuple, list)) and len(condition) == 3):
        raise InvalidArgumentError(
            f"a {what} condition is (name, op, value), e.g. ('lives', '==', 0); "
            f"got {condition!r}")
    name, op, value = condition
    _known(name, names, what)
    if op not in OPERATORS:
        raise invalid_choice(f"{what} operator", op, OPERATORS)
    if not is_int(value):
        raise InvalidArgumentError(f"{what} value must be an int, got {value!r}")
    return name, op, value


def _known(name: Any, names: list[str], what: str) -> str:
    if name not in names:
        raise invalid_choice(f"memory name in {what}", name, names)
    return name


def _weights(reward: Any, names: list[str]) -> dict[str, float]:
    if reward is None:
        return {}
    if isinstance(reward, str):
        return {_known(reward, names, "reward"): 1.0}
    if isinstance(reward, Mapping):
        weights = {}
        for name, weight in reward.items():
            if isinstance(weight, bool) or not isinstance(weight, (int, float)):
                raise InvalidArgumentError(f"reward[{name!r}] must be a number, got {weight!r}")
            weights[_known(name, names, "reward")] = float(weight)
        return weights
    raise InvalidArgumentError(
        f"reward must be a memory name, a mapping name -> weight, or None; got {reward!r}")


def _done(done: Any, names: list[str]) -> Callable[[Mapping[str, Any]], bool]:
    if done is None:
        return lambda values: False
    if callable(done):
        return done
    combine = any
    if isinstance(done, Mapping):
        if len(done) != 1 or next(iter(done)) not in ("any", "all"):
            raise InvalidArgumentError(
                f"done as a mapping is {{'any': [...]}} or {{'all': [...]}}; got {done!r}")
        mode, done = next(iter(done.items()))
        combine = all if mode == "all" else any
    conditions = [done] if isinstance(done, tuple) else done
    if not isinstance(conditions, list) or not conditions:
        raise InvalidArgumentError(
            f"done must be None, (name, op, value), a list of those or a function; got {done!r}")
    checks = []
    for condition in conditions:
        name, op, value = _check_condition(condition, names, "done")
        checks.append((name, OPERATORS[op], value))
    return lambda values: combine(test(values[name], value) for name, test, value in checks)
