"""One agent against an opponent over a pool of a two-player game, for the vector adapters
(:class:`aiomame.gym.MameVectorEnv`, :class:`aiomame.sb3.MameVecEnv`).

:func:`agent_pool` makes the pool an adapter steps: the plain pool for a one-player game;
with ``opponent="cpu"`` the pool itself (the game's own AI plays); with any other
opponent (:mod:`aiomame.episodes.opponent`) a :class:`VersusPool`, which adds the opponent's
actions to the agent's and gives back the agent's rewards.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from ..checks import is_int
from ..episodes.opponent import Opponent, check_side, make_opponent, opponent_names
from ..errors import InvalidArgumentError, StateError
from ..games import Game, get_game, is_game
from .batch import Batch


class VersusPool:
    """A blocking pool of a two-player game seen by the agent playing ``player``: ``step``
    takes its actions (one per env), ``opponent`` acts for the other player on the
    observations and memory values of the previous batch (after an autoreset, the new
    episode's first ones), and the batches' ``rewards`` are the agent's. Every other
    attribute is the pool's."""

    def __init__(self, pool: Any, opponent: Opponent, player: int) -> None:
        self.pool, self.opponent, self.player = pool, opponent, player
        game: Game = pool.game
        self._discrete = game.controls(player).kind == "discrete"
        self._choices = len(game.controls(opponent.player).action_names())
        self._obs: np.ndarray | None = None
        self._infos: list[dict[str, Any]] = []

    def __repr__(self) -> str:
        return f"VersusPool(player {self.player} against {self.opponent!r})"

    @property
    def action_names(self) -> list[str]:
        """The agent's player's action names."""
        return self.pool.game.controls(self.player).action_names()

    def reset(self, seed: Any = None, *, state: Any = None) -> Batch:
        """Every env's new episode (:meth:`aiomame.EnvPool.reset`); the seeds also seed
        a random opponent."""
        batch = self.pool.reset(seed, state=state)
        if seed is not None:
            self.opponent.seed(seed if is_int(seed) else [s for s in seed if s is not None]
                               or None)
        return self._seen(batch)

    def step(self, actions: Any) -> Batch:
        """Every env steps with the agent's ``actions`` and the opponent's. Raises
        InvalidArgumentError for actions that are not one per env (or a bad one, naming
        the player), or for an opponent's bad action (naming it), StateError before
        :meth:`reset`."""
        if self._obs is None:
            raise StateError("call reset() before step()")
        theirs = self.opponent.act(self._obs, self._infos)
        return self._seen(self.pool.step(self._joint(actions, theirs)))

    def _joint(self, mine: Any, theirs: list[Any]) -> Any:
        """The pool's actions: one row per env, the players' actions in player order."""
        n, me = self.pool.num_envs, self.player - 1
        if not self._discrete:  # vectors: the pool checks each (naming the player)
            if not hasattr(mine, "__len__") or len(mine) != n:
                raise InvalidArgumentError(f"actions must hold one action per env ({n}), "
                                           f"got {mine!r}")
            return [(a, b) if me == 0 else (b, a) for a, b in zip(mine, theirs, strict=True)]
        agent, other = np.asarray(mine), np.asarray(theirs)
        if agent.dtype.kind in "UO" and agent.shape == (n,):
            agent = self.pool.game.controls(self.player).indices(agent)  # names: indices
        if agent.shape != (n,) or agent.dtype.kind not in "iu":
            raise InvalidArgumentError(
                f"actions has shape {agent.shape} (dtype {agent.dtype}); expected ({n},) "
                f"ints: one action index of player {self.player} per env")
        if other.shape != (n,) or other.dtype.kind not in "iu" \
                or ((other < 0) | (other >= self._choices)).any():
            raise InvalidArgumentError(
                f"opponent {self.opponent.name!r} gave {theirs!r}: not one action of player "
                f"{self.opponent.player} per env ({n} ints in 0..{self._choices - 1})")
        joint = np.empty((n, 2), np.int64)
        joint[:, me], joint[:, 1 - me] = agent, other
        return joint

    def _seen(self, batch: Batch) -> Batch:
        """Keep what the opponent sees next (the pool reuses its buffers); the agent's
        rewards."""
        assert batch.frames is not None
        self._obs = batch.frames.copy()
        names = list(batch.memory)
        self._infos = [dict(zip(names, row, strict=True)) for row in zip(
            *(values.tolist() for values in batch.memory.values()), strict=True)] \
            if names else [{} for _ in range(len(batch))]
        return dataclasses.replace(batch, rewards=batch.rewards[:, self.player - 1])

    def close(self) -> None:
        self.pool.close()

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.pool, name)


def agent_pool(pool_factory: Callable[..., Any], game: Any, num_envs: int, *,
               opponent: Any = None, player: int = 1, **kwargs: Any) -> Any:
    """The pool an adapter's agent steps: ``pool_factory(game, num_envs, **kwargs)``, or
    with ``opponent`` (see :mod:`aiomame.episodes.opponent`) for a two-player game, a pool in which
    the agent plays ``player``. Raises InvalidArgumentError for a two-player game without
    an opponent (naming the valid ones), an opponent of a one-player game, a bad one or
    a bad player."""
    checked = get_game(game) if isinstance(game, Game) or is_game(game) else None
    if checked is None:
        if opponent is not None or player != 1:
            raise InvalidArgumentError(f"opponent {opponent!r}, player {player!r}: a plain "
                                       f"MAME system {game!r} has no players (give a game "
                                       "definition)")
        return pool_factory(game, num_envs, **kwargs)
    check_side(checked, opponent, player)
    if opponent is None:
        if checked.controlled_players > 1:
            raise needs_opponent(checked)
        return pool_factory(game, num_envs, **kwargs)
    if opponent == "cpu":
        return pool_factory(game, num_envs, opponent="cpu", **kwargs)
    late = _is_checkpoint(opponent)  # checked against the pool's observations
    made = None if late else make_opponent(opponent, checked, 3 - player)
    pool = pool_factory(game, num_envs, **kwargs)
    try:
        if made is None:
            made = make_opponent(opponent, checked, 3 - player, env_options=_obs_options(pool))
        assert made is not None
        return VersusPool(pool, made, player)
    except BaseException:
        pool.close()
        raise


def needs_opponent(game: Game) -> InvalidArgumentError:
    """The error of a two-player game given to a one-agent env without an opponent."""
    names = ", ".join(map(repr, opponent_names(game)))
    return InvalidArgumentError(
        f"game {game.name!r} has {game.players} players: give opponent= ({names}, a "
        "callable policy(obs, info) -> action or a checkpoint's path) to play one of them, "
        "or use aiomame.pettingzoo.parallel_env for an agent per player")


def _is_checkpoint(spec: Any) -> bool:
    """Whether opponent ``spec`` names a checkpoint (as :func:`make_opponent` decides)."""
    if isinstance(spec, os.PathLike):
        return True
    return isinstance(spec, str) and (spec.endswith(".pt") or os.path.exists(spec))


def _obs_options(pool: Any) -> dict[str, Any]:
    """The observation options of ``pool``'s envs, as a checkpoint records them (none
    for a pool whose emulators are elsewhere: a Ray pool)."""
    emulators = getattr(pool, "emulators", None)
    if not emulators:
        return {}
    return {**emulators[0].obs_options(), "frame_stack": pool.frame_stack}

