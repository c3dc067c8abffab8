"""ALE/EnvPool-style options of :class:`~aiomame.GameEnv` and :class:`~aiomame.EnvPool`, and
their ``preset="atari"``.

- ``repeat_action_probability`` p (sticky actions, ALE v5): at each step each env, with
  probability p, repeats the action it applied last instead of the one given (per step,
  where ALE draws per frame; a new game's first action always applies: our games have no
  no-op action index that ALE's reset could stand for). A pool draws once per batch, one
  numpy call; ``reset(seed=...)`` seeds it.
- ``noop_max`` N: after each new game (and each life continued, below) the env holds no
  input for n steps, n uniform in [1, N] (ALE's ``NoopReset``, envpool's); 0: none. A game
  that ends during them starts again. Each env draws n from its own generator, seeded by
  its reset seed. Not after a saved state (that is a situation chosen) nor after a MAME
  restart.
- ``episodic_life``: losing a life (the game's memory value ``lives`` drops and stays above
  0) ends the episode (``terminated``), but the next reset (an autoreset, or ``reset()``
  without a seed or state) goes on with the same game, after the no-ops: the machine is
  reset only at game over. The step count (``max_episode_steps``) counts the whole game,
  as envpool's. The lives are in the memory values (``info["lives"]``,
  ``batch.memory["lives"]``).
- ``reward_clip``: rewards are clipped to their sign (-1, 0, 1); the raw ones are in
  ``info["raw_reward"]`` (GameEnv) and ``batch.raw_rewards`` (EnvPool).

Each keyword's None means the preset's value, else off. ``preset="atari"`` is envpool's
Atari set-up: :data:`PRESETS`; keywords given override it (its ``episodic_life`` applies
to games with lives only). With everything off nothing here runs: the pool keeps its
plain :class:`~aiomame.episodes.episode.Episodes` and one ``if`` per ``send``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..checks import check_bool, invalid_choice, is_int
from ..errors import InvalidArgumentError
from ..games import GAMES, Game
from ..machine.emulator import Emulator
from .episode import Episode, Episodes

__all__ = ["LIVES", "PRESETS", "AleEpisode", "AleEpisodes", "AleOptions", "with_preset"]

LIVES = "lives"
"""The memory value ``episodic_life`` reads."""

PRESETS: Mapping[str, Mapping[str, Any]] = {
    "atari": {
        "repeat_action_probability": 0.25, "noop_max": 30, "episodic_life": True,
        "reward_clip": True, "frame_ratio": 4, "frame_stack": 4, "max_episode_steps": 27000,
        "obs_type": "grayscale", "resize": (84, 84), "maxpool": True,
    },
}
"""Presets by name: ALE v5's sticky actions and envpool's Atari pipeline (4 frames a step,
the last two max-pooled, grey 84x84, 4 stacked, 30 no-ops, lives as episodes, clipped
rewards, 27,000 steps = 108,000 frames)."""

NewGame = Callable[[], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class AleOptions:
    """The checked options (see :mod:`aiomame.episodes.ale`)."""

    repeat_action_probability: float = 0.0
    noop_max: int = 0
    episodic_life: bool = False
    reward_clip: bool = False
    life_from_preset: bool = False  # episodic_life came from a preset: only where lives are

    def for_game(self, game: Game | None, names: Sequence[str]) -> AleOptions | None:
        """These options for ``game`` (memory ``names``): None if all are off. Raises
        InvalidArgumentError for ``episodic_life`` without a ``lives`` memory value."""
        options = self
        if self.episodic_life and (game is None or LIVES not in names):
            if not self.life_from_preset:
                with_lives = sorted(name for name, cls in GAMES.items()
                                    if LIVES in cls.memory_addresses)
                raise InvalidArgumentError(
                    f"episodic_life needs a game with a memory value named {LIVES!r} (as "
                    f"{', '.join(map(repr, with_lives))}; a definition file: "
                    f"[memory] {LIVES} = ...); "
                    + (f"game {game.name!r} has none" if game is not None
                       else "a plain MAME system has no game definition"))
            options = AleOptions(self.repeat_action_probability, self.noop_max, False,
                                 self.reward_clip)
        active = (options.repeat_action_probability or options.noop_max
                  or options.episodic_life or options.reward_clip)
        return options if active else None


def with_preset(preset: str | None, emulator_kwargs: dict[str, Any], frame_ratio: Any,
                frame_stack: Any, max_episode_steps: Any, repeat_action_probability: Any,
                noop_max: Any, episodic_life: Any, reward_clip: Any
                ) -> tuple[Any, Any, Any, AleOptions]:
    """(frame_ratio, frame_stack, max_episode_steps, options): each given value, else the
    ``preset``'s (None: none); the preset's ``obs_type``, ``resize`` and ``maxpool`` go
    into ``emulator_kwargs`` where not given. Raises InvalidArgumentError for an unknown
    preset (naming them) or a bad option (naming its valid range)."""
    values: Mapping[str, Any] = {}
    if preset is not None:
        if preset not in PRESETS:
            raise invalid_choice("preset", preset, [None, *PRESETS])
        values = PRESETS[preset]
        for key in ("obs_type", "resize", "maxpool"):
            emulator_kwargs.setdefault(key, values[key])

    def pick(name: str, given: Any, default: Any = None) -> Any:
        return given if given is not None else values.get(name, default)

    p = pick("repeat_action_probability", repeat_action_probability, 0.0)
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) \
            or not 0.0 <= p <= 1.0:
        raise InvalidArgumentError(
            f"repeat_action_probability must be a number in [0, 1] (the chance that an "
            f"env repeats its last action; ALE v5 uses 0.25), got "
            f"{repeat_action_probability!r}")
    noops = pick("noop_max", noop_max, 0)
    if not is_int(noops) or noops < 0:
        raise InvalidArgumentError(
            f"noop_max must be an int >= 0 (0: no no-op steps after a reset; ALE's 30), "
            f"got {noop_max!r}")
    life = pick("episodic_life", episodic_life, False)
    clip = pick("reward_clip", reward_clip, False)
    check_bool("episodic_life", life)
    check_bool("reward_clip", clip)
    options = AleOptions(float(p), int(noops), bool(life), bool(clip),
                         life_from_preset=episodic_life is None and bool(life))
    return (pick("frame_ratio", frame_ratio), pick("frame_stack", frame_stack),
            pick("max_episode_steps", max_episode_steps), options)


async def _begin(emulator: Emulator, game: Game | None, new_game: NewGame,
                 last: Callable[[], dict[str, Any]], continuing: bool, noops: int,
                 frames: bool) -> tuple[dict[str, Any], bool]:
    """A new episode's first step: ``new_game()``'s (unless ``continuing`` the game), then
    ``noops`` steps without input (the last with a frame if ``frames``); a game over
    during them starts a new game. Returns (its data, whether a new game began); with
    neither a new game nor no-ops, ``last()`` (the last step's data again)."""
    data = None if continuing else await new_game()
    fresh = not continuing
    for k in range(noops):
        data = await emulator.step((), frame=frames and k == noops - 1)
        if game is not None and bool(game.terminated(data)):
            return await new_game(), True
    return (last() if data is None else data), fresh


def _seeded(seed: int | None) -> np.random.Generator:
    return np.random.default_rng(None if seed is None else seed % 2 ** 63)


class AleEpisodes(Episodes):
    """:class:`Episodes` with the options, for a pool: life losses end episodes and
    rewards are clipped in :meth:`advance` (vectorised), :meth:`sticky` makes a batch's
    sticky actions, :meth:`start` a new episode's no-ops (in the env's worker)."""

    def __init__(self, games: Sequence[Game | None], names: Sequence[str],
                 max_episode_steps: int | None, options: AleOptions, frames: bool) -> None:
        super().__init__(games, names, max_episode_steps)
        n = len(games)
        self.p = options.repeat_action_probability
        self.noop_max = options.noop_max
        self.clip = options.reward_clip
        self.frames = frames
        self._lives = list(names).index(LIVES) if options.episodic_life else None
        self.lives = np.zeros(n, np.int64)
        self.life_lost = np.zeros(n, bool)  # its episode ended by a life lost: game goes on
        self._continuing = np.zeros(n, bool)  # its next begin() goes on with the game
        self.raw_rewards = np.zeros(n if self.players == 1 else (n, self.players))
        self._rng = np.random.default_rng()
        self._noop_rngs = [np.random.default_rng() for _ in range(n)]
        self._prev = np.full(n, -1, np.int64)  # the last action index applied (-1: none)
        self._prev_jobs: list[Any] = [None] * n  # or the last inputs, for other actions

    def seed(self, seeds: Sequence[int | None]) -> None:
        """A reset with these seeds (one per env reset): the sticky draws start over from
        them (if any is given)."""
        given = [s % 2 ** 63 for s in seeds if s is not None]
        if given:
            self._rng = np.random.default_rng(given)

    def sticky(self, ids: list[int], jobs: list[Any]) -> list[Any]:
        """The jobs of ``ids`` after sticky actions: each, with probability p, replaced by
        its env's last one (one draw for the batch)."""
        if not self.p or not jobs:
            return jobs
        repeat = self._rng.random(len(ids)) < self.p
        if jobs[0].__class__ is int:  # action indices: all in numpy
            before = self._prev[ids]
            applied = np.where(repeat & (before >= 0), before, np.asarray(jobs, np.int64))
            self._prev[ids] = applied
            return applied.tolist()
        prev, out = self._prev_jobs, list(jobs)
        for k in np.flatnonzero(repeat).tolist():
            if prev[ids[k]] is not None:
                out[k] = prev[ids[k]]
        for i, job in zip(ids, out, strict=True):
            prev[i] = job
        return out

    async def start(self, env: int, emulator: Emulator, game: Game | None, seed: int | None,
                    state: Any, new_game: NewGame, last: Callable[[], dict[str, Any]]
                    ) -> dict[str, Any]:
        """Env ``env``'s new episode's first step: the game goes on after a life lost
        (a reset without seed or state), else ``new_game()``; then the no-ops."""
        if seed is not None:
            self._noop_rngs[env] = _seeded(seed)
        noops = int(self._noop_rngs[env].integers(1, self.noop_max + 1)) \
            if self.noop_max and state is None else 0
        continuing = bool(self.life_lost[env]) and seed is None and state is None
        data, fresh = await _begin(emulator, game, new_game, last, continuing, noops,
                                   self.frames)
        self._continuing[env] = not fresh
        if fresh:
            self._prev[env], self._prev_jobs[env] = -1, None
        return data

    def begin(self, env: int, values: Sequence[int]) -> None:
        steps = self.steps[env]
        super().begin(env, values)
        if self._continuing[env]:  # the step limit counts the whole game
            self.steps[env] = steps
        self._continuing[env] = self.life_lost[env] = False
        if self._lives is not None:
            self.lives[env] = values[self._lives]

    def advance(self, envs: slice | np.ndarray, current: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        rewards, terminated, truncated, steps, ended = super().advance(envs, current)
        if self._lives is not None:
            lives = current[:, self._lives]
            lost = (lives > 0) & (lives < self.lives[envs]) & ~ended
            self.lives[envs] = lives
            self.life_lost[envs] = lost
            if lost.any():
                terminated, ended = terminated | lost, ended | lost
                self.ended[envs] = ended
        if self.clip:
            self.raw_rewards[envs] = rewards
            rewards = np.sign(rewards)
        return rewards, terminated, truncated, steps, ended

    def advance_one(self, env: int, current: Sequence[int]
                    ) -> tuple[float, bool, bool, int, bool]:
        reward, terminated, truncated, steps, ended = super().advance_one(env, current)
        if self._lives is not None:
            lives = current[self._lives]
            lost = 0 < lives < self.lives[env] and not ended
            self.lives[env], self.life_lost[env] = lives, lost
            if lost:
                terminated = ended = self.ended[env] = True
        if self.clip:
            self.raw_rewards[env] = reward
            reward = np.sign(reward) if self.players > 1 else float(np.sign(reward))
        return reward, terminated, truncated, steps, ended


class AleEpisode(Episode):
    """:class:`Episode` with the options, for one env (:class:`~aiomame.GameEnv`)."""

    __slots__ = ("_continuing", "_lives", "_noop_rng", "_prev", "_rng", "clip", "life_lost",
                 "lives", "noop_max", "p", "raw_reward")

    def __init__(self, game: Game, names: Sequence[str], max_episode_steps: int | None,
                 player: int | None, options: AleOptions) -> None:
        super().__init__(game, names, max_episode_steps, player)
        self.p = options.repeat_action_probability
        self.noop_max = options.noop_max
        self.clip = options.reward_clip
        self._lives = options.episodic_life
        self.lives = 0
        self.life_lost = False
        self._continuing = False
        self.raw_reward: Any = 0.0
        self._rng = np.random.default_rng()
        self._noop_rng = np.random.default_rng()
        self._prev: Any = None  # the last action applied

    def sticky(self, action: Any) -> Any:
        """``action``, or with probability p the last one applied."""
        if not self.p:
            return action
        if self._prev is not None and self._rng.random() < self.p:
            return self._prev
        self._prev = action.copy() if isinstance(action, (np.ndarray, list)) else action
        return action

    async def start(self, emulator: Emulator, seed: int | None, state: Any,
                    new_game: NewGame, last: Callable[[], dict[str, Any]]
                    ) -> dict[str, Any]:
        """A new episode's first step, as :meth:`AleEpisodes.start`."""
        if seed is not None:
            self._noop_rng = _seeded(seed)
            self._rng = _seeded(seed + 1)
        noops = int(self._noop_rng.integers(1, self.noop_max + 1)) \
            if self.noop_max and state is None else 0
        continuing = self.life_lost and seed is None and state is None
        data, fresh = await _begin(emulator, self.game, new_game, last, continuing, noops,
                                   True)
        self._continuing = not fresh
        if fresh:
            self._prev = None
        return data

    def begin(self, data: Mapping[str, Any]) -> None:
        steps = self.steps
        super().begin(data)
        if self._continuing:
            self.steps = steps
        self._continuing = self.life_lost = False
        if self._lives:
            self.lives = data[LIVES]

    def advance(self, current: dict[str, Any] | None) -> tuple[Any, bool, bool]:
        reward, terminated, truncated = super().advance(current)
        if self._lives:
            assert current is not None
            lives = current[LIVES]
            self.life_lost = lost = 0 < lives < self.lives and not self.ended
            self.lives = lives
            if lost:
                terminated = self.ended = True
        if self.clip:
            self.raw_reward = reward
            reward = np.sign(reward) if isinstance(reward, np.ndarray) else float(np.sign(reward))
        return reward, terminated, truncated
