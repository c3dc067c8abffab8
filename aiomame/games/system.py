"""Any MAME system as a game without writing a definition: :class:`SystemGame`."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..emulator import Action, Address, Emulator
from ..errors import InvalidArgumentError, check_step_limit, invalid_choice, is_int
from ..state import State
from .base import Game

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge}

Condition = tuple[str, str, int]
"""``(memory name, operator, value)``, e.g. ``("lives", "==", 0)``."""


class SystemGame(Game):
    """A plain MAME system as an RL task: its frames, the memory values you choose, the
    inputs you choose as actions, a reward from memory, and an end only when you say.

    - ``memory_addresses``: name -> :class:`~aiomame.Address`, returned in each step's info.
    - Actions, one of: ``buttons``, a sequence of :class:`~aiomame.Action` (the action is a
      0/1 vector, one entry per button: Gymnasium's ``MultiBinary``); or ``actions``,
      name -> the Actions held together (a discrete action index; ``()`` for none).
    - ``reward``: a memory name (the reward is its increase per step), name -> weight (the
      weighted sum of the increases), or None (always 0).
    - ``done``: None (episodes end only at ``max_episode_steps``, if given), a condition
      ``(name, op, value)`` with op one of ``== != < <= > >=``, a list of conditions (any
      of them ends the episode), or a function of the step's memory values.
    - A new episode hard-resets the machine, or loads ``start_state`` (a saved
      :class:`~aiomame.State`) when given. MAME is deterministic: a seed is taken and
      changes nothing.
    """

    def __init__(self, system: str, *, memory_addresses: Mapping[str, Address] | None = None,
                 buttons: Sequence[Action] | None = None,
                 actions: Mapping[str, Action | Sequence[Action]] | None = None,
                 reward: str | Mapping[str, float] | None = None,
                 done: Condition | Sequence[Condition] | Callable[[Mapping[str, Any]], bool]
                 | None = None,
                 max_episode_steps: int | None = None, frame_ratio: int = 3,
                 start_state: State | None = None) -> None:
        if not isinstance(system, str) or not system:
            raise InvalidArgumentError(f"system must be a MAME system name, got {system!r}")
        self.name = self.system = system
        self.memory_addresses = dict(memory_addresses or {})
        names = list(self.memory_addresses)
        if (buttons is None) == (actions is None):
            raise InvalidArgumentError(
                "give either buttons (a sequence of Action: a 0/1 vector per step) or "
                "actions (name -> Actions held together: a discrete action index)")
        if buttons is not None:
            self.buttons = tuple(_check_action(b, "buttons") for b in buttons)
            if not self.buttons:
                raise InvalidArgumentError("buttons is empty: give at least one Action")
        else:
            assert actions is not None
            self.actions = {name: _held(name, held) for name, held in actions.items()}
            if not self.actions:
                raise InvalidArgumentError("actions is empty: give at least one")
        self._weights = _weights(reward, names)
        self._done = _done(done, names)
        check_step_limit(max_episode_steps)
        self.max_episode_steps = max_episode_steps
        self.frame_ratio = frame_ratio
        if start_state is not None and not isinstance(start_state, State):
            raise InvalidArgumentError(f"start_state must be a State, got {start_state!r}")
        self.start_state = start_state

    def reward(self, previous: Mapping[str, Any], current: Mapping[str, Any]) -> float:
        return float(sum(w * (current[n] - previous[n]) for n, w in self._weights.items()))

    def terminated(self, current: Mapping[str, Any]) -> bool:
        return bool(self._done(current))

    async def new_game(self, emu: Emulator, seed: int | None = None) -> dict[str, Any]:
        """Hard reset, or load :attr:`start_state`; then one step."""
        self.check_seed(seed)
        if self.start_state is not None:
            await emu.load_state(self.start_state)
        else:
            await emu.reset("hard")
        return await emu.step()


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
    conditions = [done] if isinstance(done, tuple) else done
    if not isinstance(conditions, list) or not conditions:
        raise InvalidArgumentError(
            f"done must be None, (name, op, value), a list of those or a function; got {done!r}")
    checks = []
    for condition in conditions:
        if not (isinstance(condition, (tuple, list)) and len(condition) == 3):
            raise InvalidArgumentError(
                f"a done condition is (name, op, value), e.g. ('lives', '==', 0); "
                f"got {condition!r}")
        name, op, value = condition
        _known(name, names, "done")
        if op not in OPERATORS:
            raise invalid_choice("done operator", op, OPERATORS)
        if not is_int(value):
            raise InvalidArgumentError(f"done value must be an int, got {value!r}")
        checks.append((name, OPERATORS[op], value))
    return lambda values: any(test(values[name], value) for name, test, value in checks)
