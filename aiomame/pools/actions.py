"""Checking the actions given to an :class:`~aiomame.pools.pool.EnvPool`'s ``send``/``step``:
discrete action indices (and the joint table of a game of several players), button vectors,
axes, or a plain system's :class:`~aiomame.Action` sequences (:class:`ActionChecks`)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

import numpy as np

from ..checks import invalid_choice, is_int
from ..errors import InvalidArgumentError, UnknownInputError
from ..games import Game
from ..machine.analog import check_value
from ..machine.emulator import Action
from .front import PoolFront, show


class ActionChecks(PoolFront):
    """The part of :class:`~aiomame.pools.pool.EnvPool` that turns the actions given into
    one job per env (raising InvalidArgumentError or UnknownInputError, nothing sent)."""

    game: Game | None
    _players: int
    _axes: bool
    _buttons: int
    _choices: tuple[int, ...]  # per player: its discrete actions
    _action_inputs: list[tuple[Action, ...]]
    _known_actions: set[Action]
    _valid_inputs: dict[tuple[str, str], dict[str, Any]]

    if TYPE_CHECKING:  # what EnvPool, which this is a part of, has
        @property
        def action_names(self) -> list[str]: ...

    def _joint_table(self, game: Game) -> list[tuple[Action, ...]]:
        """The inputs of each joint action index (player 1's action the most significant
        digit): a game's discrete actions, one entry per combination of the players'."""
        players = [game.controls(p) for p in range(1, self._players + 1)]
        self._choices = tuple(len(c.action_names()) for c in players)
        return [tuple(itertools.chain.from_iterable(
                    c.actions[c.action_names()[a]] for c, a in zip(players, combo, strict=True)))
                for combo in itertools.product(*(range(n) for n in self._choices))]

    def _check_actions(self, actions: Any, ids: list[int]) -> list[Any]:
        """One job per env: an action index for a game with discrete actions, else the
        inputs to hold (a tuple of Action)."""
        n = len(ids)
        if self._players > 1:
            return self._check_joint(actions, ids)
        if self._axes:
            assert self.game is not None
            return self.game.axis_inputs(actions, n) if n else []
        if self._buttons:
            return self._check_buttons(actions, ids)
        if self.game is not None:
            array = np.asarray(actions)
            table = self._action_inputs
            if array.shape != (n,):
                raise InvalidArgumentError(
                    f"actions has shape {array.shape}; expected ({n},): one action index per "
                    f"env in env_ids, each in 0..{len(table) - 1} "
                    f"({', '.join(self.action_names)})")
            if n and array.dtype.kind not in "iu":
                if array.dtype.kind not in "UO":
                    raise InvalidArgumentError(
                        f"actions must be ints (action indices) or action names, got "
                        f"{show(actions)} (dtype {array.dtype})")
                array = self.game.controls().indices(array)  # names: their indices
            listed = array.tolist()
            if n and min(listed) >= 0 and max(listed) < len(table):
                return listed
            for k, a in enumerate(listed):
                if not 0 <= a < len(table):
                    raise InvalidArgumentError(
                        f"actions[{k}] (env {ids[k]}) is {a}: not an action of "
                        f"{self.game.name!r}; valid: 0..{len(table) - 1} "
                        f"({', '.join(self.action_names)})")
            return listed
        if isinstance(actions, (str, bytes, Action)) or not hasattr(actions, "__len__"):
            raise InvalidArgumentError(
                f"actions must hold one sequence of Action per env in env_ids ({n}), "
                f"got {show(actions)}")
        if len(actions) != n:
            raise InvalidArgumentError(
                f"actions has {len(actions)} entries; expected {n}: one sequence of Action per "
                f"env in env_ids")
        jobs = []
        for k, env_actions in enumerate(actions):
            if isinstance(env_actions, (Action, str, bytes)) \
                    or not hasattr(env_actions, "__iter__"):
                raise InvalidArgumentError(
                    f"actions[{k}] (env {ids[k]}) is {env_actions!r}: give a sequence of Action "
                    "per env, e.g. [[Action(':IN1', 'Coin 1')], [], ...]")
            job = tuple(env_actions)
            for action in job:
                if action not in self._known_actions:
                    self._check_action(action, k, ids[k])
            jobs.append(job)
        return jobs

    def _check_joint(self, actions: Any, ids: list[int]) -> list[Any]:
        """Jobs of a game whose agents control several players: ``actions`` holds one row
        per env, one action per player (discrete: ``(n, players)`` ints, as joint action
        indices; else each row's inputs)."""
        game, n, c = self.game, len(ids), self._players
        assert game is not None
        if not self._action_inputs:
            if len(actions) != n if hasattr(actions, "__len__") else True:
                raise InvalidArgumentError(
                    f"actions must hold one row per env in env_ids ({n}), each one action per "
                    f"player ({c}), got {show(actions)}")
            return [game.joint_inputs(row) for row in actions]
        array = np.asarray(actions)
        if array.dtype.kind in "UO" and array.shape == (n, c):  # names: their indices
            array = np.stack([game.controls(p + 1).indices(array[:, p], f"actions[:, {p}]")
                              for p in range(c)], axis=1)
        if array.shape != (n, c) or (n and array.dtype.kind not in "iu"):
            raise InvalidArgumentError(
                f"actions has shape {array.shape} (dtype {array.dtype}); expected ({n}, {c}) "
                f"ints: one row per env in env_ids, one action index per player (player 1's "
                f"in 0..{self._choices[0] - 1}: {', '.join(self.action_names)})")
        bad = (array < 0) | (array >= np.asarray(self._choices))
        if bad.any():
            k, p = map(int, np.argwhere(bad)[0])
            names = game.controls(p + 1).action_names()
            raise InvalidArgumentError(
                f"actions[{k}, {p}] (env {ids[k]}, player {p + 1}) is {array[k, p]}: not an "
                f"action of {game.name!r}; valid: 0..{len(names) - 1} ({', '.join(names)})")
        return np.ravel_multi_index(array.T, self._choices).tolist() if n else []

    def _check_buttons(self, actions: Any, ids: list[int]) -> list[tuple[Action, ...]]:
        """Actions of a game with buttons: one 0/1 vector per env."""
        game = self.game
        assert game is not None
        n, f = len(ids), self._buttons
        array = np.asarray(actions)
        if array.shape != (n, f) or (array.size and array.dtype.kind not in "biu") \
                or not np.isin(array, (0, 1)).all():
            raise InvalidArgumentError(
                f"actions must be ({n}, {f}) zeros and ones: one vector per env in env_ids, "
                f"one entry per button ({', '.join(game.action_names())}); got "
                f"{show(actions)}")
        return [game.pressed(row) for row in array.tolist()]

    def _check_action(self, action: Any, k: int, env_id: int) -> None:
        if not isinstance(action, Action):
            raise InvalidArgumentError(
                f"actions[{k}] (env {env_id}) holds {action!r}, not an Action(port, field)")
        if (action.port, action.field) not in self._valid_inputs:
            ports = sorted({port for port, _ in self._valid_inputs})
            if action.port not in ports:
                raise invalid_choice("input port", action.port, ports, UnknownInputError)
            fields = sorted(f for p, f in self._valid_inputs if p == action.port)
            raise invalid_choice(f"input field of port {action.port!r}", action.field, fields,
                                 UnknownInputError)
        if not is_int(action.value):
            raise InvalidArgumentError(f"Action value must be an int, got {action.value!r}")
        entry = self._valid_inputs[action.port, action.field]
        if entry.get("analog"):
            check_value(action.port, action.field, entry, int(action.value))
        self._known_actions.add(action)
