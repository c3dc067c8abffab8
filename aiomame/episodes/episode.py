"""An episode's bookkeeping, in one place for every env kind: reward, ends, step count."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ..games import Game


class Episode:
    """Where one env is in its game's episode.

    :meth:`begin` takes a new episode's first memory values; :meth:`advance` takes each
    step's and returns ``(reward, terminated, truncated)`` from the game definition
    (truncated: ``max_episode_steps`` reached without the game ending). With several
    players the reward is one per controlled player, or with ``player`` that player's.
    ``GameEnv``, the pool's workers and the adapters over them all count episodes through
    this class. Without a game (a plain MAME system) the reward is 0 and only the step
    limit ends an episode.
    """

    __slots__ = ("ended", "game", "limit", "names", "player", "players", "previous", "steps")

    def __init__(self, game: Game | None, names: Sequence[str],
                 max_episode_steps: int | None = None, player: int | None = None) -> None:
        self.game = game
        self.names = list(names)
        default = None if game is None else game.max_episode_steps
        self.limit = default if max_episode_steps is None else max_episode_steps
        self.players = 1 if game is None or game.players == 1 or player is not None \
            else game.controlled_players
        self.player = 0 if player is None else player - 1  # whose reward, with one
        self.previous: dict[str, Any] | None = None
        self.steps = 0
        self.ended = False

    def begin(self, data: Mapping[str, Any]) -> None:
        """A new episode starts with memory values ``data`` (extra keys are ignored)."""
        if self.game is not None:
            self.previous = {name: data[name] for name in self.names}
        self.steps = 0
        self.ended = False

    def advance(self, current: dict[str, Any] | None) -> tuple[Any, bool, bool]:
        """One step with memory values ``current`` (kept: do not change it afterwards; None
        without a game). The reward is a float, or with more than one controlled player an
        array of one per player."""
        game = self.game
        if game is None:
            reward, terminated = 0.0, False
        else:
            previous = self.previous
            assert previous is not None and current is not None, "begin() first"
            reward = game.reward(previous, current)
            reward = _per_player(game, reward, self.players, self.player) \
                if game.players > 1 else float(reward)
            terminated = bool(game.terminated(current))
            self.previous = current
        self.steps += 1
        truncated = not terminated and self.limit is not None and self.steps >= self.limit
        self.ended = terminated or truncated
        return reward, terminated, truncated


class Episodes:
    """Where each of ``n`` envs is in its episode, as arrays: :class:`Episode` for a batch.

    ``previous`` holds each env's last memory values (one row each, in ``names`` order),
    ``steps`` its episode's step count, ``ended`` whether its episode has ended,
    ``episodes`` how many episodes it began; ``total_steps`` counts every env's steps.
    ``returns`` is None until :meth:`track_returns` (a watcher: :mod:`aiomame.web`), then
    each env's reward so far in its episode, ``last_returns`` its last episode's.
    :meth:`advance` takes the values of a batch of envs in one call: with a game whose
    ``vectorized`` is true, its ``reward`` and ``terminated`` run once per batch on columns
    (one numpy array per memory name); otherwise once per env, on dicts, as Episode does.
    """

    def __init__(self, games: Sequence[Game | None], names: Sequence[str],
                 max_episode_steps: int | None = None) -> None:
        n, game = len(games), games[0]
        self.games = list(games)
        self.names = list(names)
        default = None if game is None else game.max_episode_steps
        self.limit = default if max_episode_steps is None else max_episode_steps
        self.vectorized = game is not None and game.vectorized
        self.players = 1 if game is None or game.players == 1 else game.controlled_players
        self._multi = game is not None and game.players > 1  # reward() gives one per player
        self._index = {name: j for j, name in enumerate(self.names)}
        self.previous = np.zeros((n, len(self.names)), np.int64)
        self.steps = np.zeros(n, np.int64)
        self.ended = np.zeros(n, bool)
        self.episodes = np.zeros(n, np.int64)
        self.total_steps = 0
        self.returns: np.ndarray | None = None  # summed only while someone watches
        self.last_returns: np.ndarray | None = None

    def track_returns(self, on: bool) -> None:
        """Sum each env's rewards from now on (``on``), or stop: the step path then only
        checks that ``returns`` is None."""
        if not on:
            self.returns = self.last_returns = None
        elif self.returns is None:
            shape = (len(self.games),) if self.players == 1 else (len(self.games), self.players)
            self.returns, self.last_returns = np.zeros(shape), np.full(shape, np.nan)

    def begin(self, env: int, values: Sequence[int]) -> None:
        """Env ``env``'s new episode starts with memory ``values`` (in ``names`` order)."""
        self.previous[env] = values
        self.steps[env] = 0
        self.ended[env] = False
        self.episodes[env] += 1
        returns = self.returns
        if returns is not None:
            self.last_returns[env] = returns[env]  # type: ignore[index]
            returns[env] = 0

    def advance(self, envs: slice | np.ndarray, current: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """One step of each of ``envs`` (an index array, or ``slice(None)`` for all, in
        order), whose memory values are the rows of ``current``; returns (rewards,
        terminated, truncated, steps, ended)."""
        k = len(current)
        self.total_steps += k
        if envs.__class__ is slice:
            self.steps += 1
            steps = self.steps
        else:
            steps = self.steps[envs] + 1
            self.steps[envs] = steps
        game = self.games[0]
        if game is None:
            rewards, terminated = np.zeros(k), np.zeros(k, bool)
        elif self.vectorized:
            now = _Columns(self._index, current)
            reward = game.reward(_Columns(self._index, self.previous[envs]), now)
            rewards = self._vector_rewards(game, reward, k)
            ends = np.asarray(game.terminated(now), bool)
            terminated = ends if ends.shape == (k,) else np.full(k, ends, bool)
        else:
            rewards, terminated = self._one_by_one(envs, current)
        self.previous[envs] = current
        if self.limit is None:
            truncated, ended = np.zeros(k, bool), terminated
        else:
            truncated = steps >= self.limit
            truncated &= ~terminated
            ended = terminated | truncated
        self.ended[envs] = ended
        if self.returns is not None:
            self.returns[envs] += rewards
        return rewards, terminated, truncated, steps, ended

    def advance_one(self, env: int, current: Sequence[int]
                    ) -> tuple[float, bool, bool, int, bool]:
        """:meth:`advance` for one env, in plain numbers: cheaper than arrays of one."""
        steps = int(self.steps[env]) + 1
        self.steps[env] = steps
        self.total_steps += 1
        game = self.games[env]
        if game is None:
            reward, terminated = 0.0, False
        else:
            names = self.names
            now = dict(zip(names, current, strict=True))
            before = dict(zip(names, self.previous[env].tolist(), strict=True))
            reward, terminated = game.reward(before, now), bool(game.terminated(now))
            reward = _per_player(game, reward, self.players) if self._multi else float(reward)
        self.previous[env] = current
        truncated = not terminated and self.limit is not None and steps >= self.limit
        ended = terminated or truncated
        self.ended[env] = ended
        if self.returns is not None:
            self.returns[env] += reward
        return reward, terminated, truncated, steps, ended

    def _vector_rewards(self, game: Game, reward: Any, k: int) -> np.ndarray:
        """A vectorised game's rewards of ``k`` envs: shape (k,), or (k, players)."""
        if not self._multi:
            reward = np.asarray(reward, np.float64)
            return reward if reward.shape == (k,) else np.full(k, reward, np.float64)
        array = game.player_rewards(reward)  # (players, k) or (players,)
        array = np.broadcast_to(array.reshape(len(array), -1), (len(array), k)).T
        return np.ascontiguousarray(array[:, 0] if self.players == 1 else array)

    def _one_by_one(self, envs: slice | np.ndarray, current: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
        """Rewards and ends from each env's game, on dicts of its values."""
        k = len(current)
        rewards = np.empty(k if self.players == 1 else (k, self.players))
        terminated = np.empty(k, bool)
        games, names = self.games, self.names
        ids = range(len(games))[envs] if isinstance(envs, slice) else envs.tolist()
        for j, (i, now_row, before_row) in enumerate(
                zip(ids, current.tolist(), self.previous[envs].tolist(), strict=True)):
            game = games[i]
            assert game is not None
            now = dict(zip(names, now_row, strict=True))
            reward = game.reward(dict(zip(names, before_row, strict=True)), now)
            rewards[j] = _per_player(game, reward, self.players) if self._multi \
                else float(reward)
            terminated[j] = bool(game.terminated(now))
        return rewards, terminated


def _per_player(game: Game, reward: Any, players: int, player: int = 0) -> Any:
    """One env's reward from a game of several players' ``reward()``: an array of one per
    controlled player, or with ``players`` 1 that of player index ``player``, a float.
    Raises GameError as :meth:`Game.player_rewards`."""
    rewards = game.player_rewards(reward)
    return rewards if players > 1 else float(rewards[player])


class _Columns(Mapping[str, np.ndarray]):
    """Memory name -> that value's column of a (k, names) array, made when asked for (a
    vectorised game reads a few of many)."""

    __slots__ = ("_array", "_index")

    def __init__(self, index: Mapping[str, int], array: np.ndarray) -> None:
        self._index, self._array = index, array

    def __getitem__(self, name: str) -> np.ndarray:
        return self._array[:, self._index[name]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)
