"""Gymnasium environments over aiomame (``pip install ".[gym]"``).

Ids, one rule: ``aiomame/<Name>-v0`` for every registered game (:data:`aiomame.games.GAMES`),
``<Name>`` its class name (``aiomame/Catch-v0``, ``aiomame/BasketPaddle-v0``); a definition
file's game is named after the file in CamelCase (``my_catch.toml``: ``aiomame/MyCatch-v0``;
:mod:`aiomame.games.ids`); ``aiomame/MAME-v0`` is any MAME system (see :func:`system_env`).
Each id's ``spec.max_episode_steps`` is the game's, else 108,000 frames (ALE's 30 minutes)
in steps. ``import aiomame`` registers them (Gymnasium 1.x loads no plugins by itself),
or name the module in the id: ``gym.make("aiomame:aiomame/Catch-v0")``::

    import gymnasium as gym
    import aiomame  # registers the ids (gym.register_envs(aiomame) keeps linters quiet)

    env = gym.make("aiomame/Catch-v0", obs_type="grayscale", resize=(84, 84), frame_stack=4)
    envs = gym.make_vec("aiomame/Catch-v0", num_envs=8, vectorization_mode="vector_entry_point")

:class:`MameEnv` is one game on one MAME (a :class:`aiomame.sync.GameEnv`);
:class:`MameVectorEnv` is many, stepped together by one :class:`aiomame.EnvPool` (not one
Gymnasium env per MAME). Both run on aiomame's loop thread (:mod:`aiomame.sync`), so they
work in scripts and in Jupyter alike. A game with named actions takes names as well as
indices (``env.step("left")``). In a two-player game the agent plays one player
against ``opponent=`` (:mod:`aiomame.episodes.opponent`); an agent per player:
:mod:`aiomame.pettingzoo`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from . import sync
from .checks import invalid_choice
from .errors import InvalidArgumentError, NoDisplayError
from .games import Game, SystemGame, get_game
from .games.controls import Controls
from .games.ids import env_id, register_ids
from .pools.versus import agent_pool, needs_opponent

__all__ = ["MameEnv", "MameVectorEnv", "action_space", "env_id", "env_spaces",
           "register_games", "system_env", "system_vector_env"]

RENDER_MODES = ("rgb_array", "human")
RESET_OPTIONS = ("state",)
_AUTORESET = {AutoresetMode.NEXT_STEP: "next-step", AutoresetMode.SAME_STEP: "same-step"}


def env_spaces(game: Game, obs_shape: tuple[int, ...], player: int = 1
               ) -> tuple[spaces.Box, spaces.Space[Any]]:
    """(observation space, action space) of one env whose agent plays ``player``: uint8
    frames of ``obs_shape``; the player's :func:`action_space`."""
    return spaces.Box(0, 255, obs_shape, np.uint8), action_space(game.controls(player))


def action_space(controls: Controls) -> spaces.Space[Any]:
    """``Discrete`` over one player's actions, ``MultiBinary`` over its buttons, or with
    axes a float32 ``Box`` in [-1, 1]: one entry per axis, then one per button (see
    :attr:`Game.axes <aiomame.games.Game.axes>`)."""
    if controls.kind == "axes":
        return spaces.Box(-1.0, 1.0, controls.action_shape(), np.float32)
    if controls.kind == "buttons":
        return spaces.MultiBinary(controls.action_shape()[0])
    return spaces.Discrete(len(controls.action_names()))


def _emulator_options(render_mode: str | None, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The Emulator options that ``render_mode`` implies: "human" opens MAME's window and
    runs at the game's speed (unless ``throttle`` is given). Raises InvalidArgumentError
    for an unknown mode, NoDisplayError for "human" without a display."""
    if render_mode is not None and render_mode not in RENDER_MODES:
        raise invalid_choice("render_mode", render_mode, (None, *RENDER_MODES))
    if render_mode == "human" and not (os.environ.get("DISPLAY")
                                       or os.environ.get("WAYLAND_DISPLAY")):
        # said here, in this API's words (MAME's process would say render=True)
        raise NoDisplayError(
            'render_mode="human" opens MAME\'s window, but this process has no display '
            "(DISPLAY and WAYLAND_DISPLAY are unset): run it in a desktop session or under "
            'xvfb-run, or use render_mode=None or "rgb_array" (headless)')
    if render_mode == "human":
        kwargs["render"] = True
        kwargs.setdefault("throttle", True)
    return kwargs


def _render_fps(emulator: Any) -> float:
    """Steps per second at the game's speed."""
    screens = emulator.info.get("screens") or [{}]
    return float(screens[0].get("refresh") or 60.0) / emulator.frame_ratio


def check_pool_factory(pool_factory: Any) -> None:
    """An adapter's ``pool_factory`` must make pools: a class or function."""
    if not callable(pool_factory):
        raise InvalidArgumentError(
            f"pool_factory must be a callable making a blocking pool (aiomame.sync.EnvPool, "
            f"aiomame.sync.RayEnvPool or a functools.partial of one), got {pool_factory!r}")


def _pool_fps(pool: Any) -> float:
    """:func:`_render_fps` of a pool: of its first emulator, or of what a pool of remote
    emulators reports (``info``, ``frame_ratio``)."""
    return _render_fps(pool.emulators[0] if hasattr(pool, "emulators") else pool)


def _reset_options(options: Mapping[str, Any] | None) -> Any:
    """The saved state to start from, out of Gymnasium's reset ``options``."""
    if not options:
        return None
    for key in options:
        if key not in RESET_OPTIONS:
            raise invalid_choice("reset option", key, RESET_OPTIONS)
    return options.get("state")


class MameEnv(gymnasium.Env[np.ndarray, Any]):
    """One game on one MAME as a ``gymnasium.Env``.

    ``game``: a registered game name, a game definition file's path, or a
    :class:`~aiomame.games.Game` (e.g. a :class:`~aiomame.games.SystemGame`).
    Observations: uint8 frames as ``obs_type``,
    ``resize``, ``interpolation``, ``maxpool`` and ``frame_stack`` make them (see
    :class:`aiomame.GameEnv`); actions: ``Discrete`` over the game's actions,
    ``MultiBinary`` over its buttons, or a ``Box`` in [-1, 1] over its analog axes (then
    its buttons); ``info``: the step's memory values.
    ``reset(seed=..., options={"state": State})`` starts a new game (seeded, if the game
    takes seeds: a deterministic machine needs none) or an episode from a saved state.
    ``render_mode="rgb_array"``: ``render()`` is the screen as the player sees it, RGB,
    full size; ``"human"``: MAME's own window, at the game's speed. Other keyword arguments
    go to :class:`aiomame.GameEnv` / :class:`aiomame.Emulator` (``roms_path``, ...).

    A two-player game needs ``opponent`` (see :mod:`aiomame.episodes.opponent`: ``"cpu"``,
    ``"noop"``, ``"random"``, a scripted agent's name, a callable ``policy(obs, info) ->
    action`` or a checkpoint's path): the agent plays ``player`` (1 or 2), its actions and
    rewards are that player's. (An agent per player: :mod:`aiomame.pettingzoo`.) Raises
    InvalidArgumentError for a two-player game without an opponent, naming the valid ones.
    """

    # Not a ClassVar: Gymnasium's Env declares it per instance, and __init__ sets the
    # game's render_fps.
    metadata: dict[str, Any] = {  # noqa: RUF012
        "render_modes": list(RENDER_MODES), "render_fps": 20.0}

    def __init__(self, game: str | Game = "catch", *, render_mode: str | None = None,
                 opponent: Any = None, player: int = 1, **kwargs: Any) -> None:
        self.render_mode = render_mode
        game = get_game(game)
        if opponent is None and game.controlled_players > 1:
            raise needs_opponent(game)
        options = _emulator_options(render_mode, kwargs)
        if opponent is not None or player != 1:
            options.update(opponent=opponent, player=player)
        self.env = sync.GameEnv(game, **options)
        self.game = self.env.game
        self.observation_space, self.action_space = env_spaces(self.game, self.env.obs_shape,
                                                               player)
        self.metadata = {**self.metadata, "render_fps": _render_fps(self.env.emulator)}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None
              ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        return self.env.reset(seed, state=_reset_options(options))

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        return self.env.step(action)

    def render(self) -> np.ndarray | None:
        if self.render_mode == "rgb_array":
            return self.env.screen()
        return None

    def close(self) -> None:
        env = self.__dict__.get("env")
        if env is not None:
            env.close()


class MameVectorEnv(VectorEnv[np.ndarray, Any, np.ndarray]):
    """``num_envs`` MAMEs of one game as a ``gymnasium.vector.VectorEnv``, over one
    :class:`aiomame.EnvPool` (its envs step concurrently).

    ``autoreset_mode``: Gymnasium's ``NEXT_STEP`` (the default, as Gymnasium's own) or
    ``SAME_STEP`` (then ``infos["final_obs"]`` / ``["final_info"]`` hold the ended
    episodes' last observation and memory values). ``infos`` is Gymnasium's dict of
    arrays: each memory value, ``(num_envs,)`` with its ``_name`` mask; ``"error"`` (a
    failed MAME, being restarted; that row is truncated), ``"restarted"`` and
    ``"frame_size"`` (a frame MAME drew at another size, scaled into the observation) where
    they apply. ``reset(seed=s)`` seeds env ``i`` with ``s + i`` (or give one seed per env).
    ``copy=False`` returns the pool's own observation buffer (valid until the next call).
    ``render()``: each env's screen (``render_mode="rgb_array"``). Other keyword arguments
    go to :class:`aiomame.EnvPool` (``obs_type``, ``resize``, ``frame_stack``,
    ``max_episode_steps``, ``roms_path``, the ALE options ``preset="atari"``,
    ``repeat_action_probability``, ``noop_max``, ``episodic_life``, ``reward_clip``: then
    ``infos["raw_reward"]``, ...).

    ``pool_factory`` makes the pool, ``pool_factory(game, num_envs, autoreset_mode=...,
    **kwargs)``: e.g. ``functools.partial(aiomame.sync.RayEnvPool, envs_per_actor=8)``
    runs the envs in Ray actors.

    A two-player game needs ``opponent``, as :class:`MameEnv`: ``"cpu"`` is the pool's
    (``EnvPool(opponent="cpu")``); any other acts once per batch on the previous batch's
    observations and memory values (:class:`aiomame.pools.versus.VersusPool`). The agent plays
    ``player``; actions and rewards are that player's.
    """

    def __init__(self, game: str | Game = "catch", num_envs: int = 1, *,
                 autoreset_mode: AutoresetMode | str = AutoresetMode.NEXT_STEP,
                 render_mode: str | None = None, copy: bool = True,
                 pool_factory: Callable[..., Any] = sync.EnvPool, opponent: Any = None,
                 player: int = 1, **kwargs: Any) -> None:
        mode = _autoreset_mode(autoreset_mode)
        check_pool_factory(pool_factory)
        self.render_mode = render_mode
        self.copy = copy
        self.pool = agent_pool(pool_factory, game, num_envs, opponent=opponent, player=player,
                               autoreset_mode=_AUTORESET[mode],
                               **_emulator_options(render_mode, kwargs))
        pool = self.pool
        self.game: Game = pool.game
        self.num_envs = num_envs
        frame_shape = pool.frame_shape
        if frame_shape is None:
            pool.close()
            raise InvalidArgumentError("a Gymnasium env observes frames: frames=False is "
                                       "not possible here")
        self.single_observation_space, self.single_action_space = env_spaces(
            self.game, frame_shape, player)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.metadata = {"autoreset_mode": mode, "render_modes": list(RENDER_MODES),
                         "render_fps": _pool_fps(pool)}
        self._everyone = np.ones(num_envs, bool)
        self._everyone.flags.writeable = False

    def reset(self, *, seed: int | Sequence[int | None] | None = None,
              options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed if seed is None or isinstance(seed, int) else None)
        batch = self.pool.reset(seed, state=_reset_options(options))
        return self._result(batch)[0], self._infos(batch)

    def step(self, actions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                          dict[str, Any]]:
        batch = self.pool.step(actions)
        obs, rewards, terminated, truncated = self._result(batch)
        return obs, rewards, terminated, truncated, self._infos(batch)

    def _result(self, batch: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if self.copy:
            return (batch.frames.copy(), batch.rewards.copy(), batch.terminated.copy(),
                    batch.truncated.copy())
        return batch.frames, batch.rewards, batch.terminated, batch.truncated

    def _infos(self, batch: Any) -> dict[str, Any]:
        """Gymnasium's dict of arrays: the memory values for all envs, the rare rest per env."""
        infos: dict[str, Any] = {}
        for name, values in batch.memory.items():
            infos[name] = values.copy()
            infos["_" + name] = self._everyone
        if batch.raw_rewards is not None:  # reward_clip: the rewards before clipping
            infos["raw_reward"] = batch.raw_rewards.copy()
            infos["_raw_reward"] = self._everyone
        if any(batch.infos):
            for i, info in enumerate(batch.infos):
                if not info:
                    continue
                extra = dict(info)
                if "final_frame" in extra:
                    extra["final_obs"] = extra.pop("final_frame")
                infos = self._add_info(infos, extra, i)
        return infos

    def render(self) -> tuple[np.ndarray, ...] | None:
        if self.render_mode == "rgb_array":
            return tuple(self.pool.screens())
        return None

    def watch(self, port: int = 0, host: str = "127.0.0.1", fps: float = 10.0) -> Any:
        """The pool's live page (:meth:`aiomame.sync.EnvPool.watch`): ``.url``, ``.close()``."""
        return self.pool.watch(port, host, fps)

    def close_extras(self, **kwargs: Any) -> None:
        pool = self.__dict__.get("pool")
        if pool is not None:
            pool.close()

    def __enter__(self) -> MameVectorEnv:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _autoreset_mode(mode: Any) -> AutoresetMode:
    names = {**{m.value: m for m in _AUTORESET}, **{v: m for m, v in _AUTORESET.items()}}
    if isinstance(mode, AutoresetMode) and mode in _AUTORESET:
        return mode
    if isinstance(mode, str) and mode in names:
        return names[mode]
    raise invalid_choice("autoreset_mode", mode, [*_AUTORESET, *names])


_SYSTEM_OPTIONS = ("memory_addresses", "buttons", "axes", "actions", "reward", "done",
                   "max_episode_steps", "frame_ratio", "start_state", "start_script",
                   "start_reset", "seed", "obs")


def _system_game(system: str, kwargs: dict[str, Any]) -> SystemGame:
    """A SystemGame from the SystemGame options among ``kwargs`` (taken out of it)."""
    options = {key: kwargs.pop(key) for key in _SYSTEM_OPTIONS if key in kwargs}
    return SystemGame(system, **options)


def _game(system: str | None, game: Any, kwargs: dict[str, Any]) -> Any:
    """``game`` (a registered name or a definition file's path), or a SystemGame of
    ``system``: exactly one of them."""
    if (system is None) == (game is None):
        raise InvalidArgumentError("give system (a MAME system name, with SystemGame's "
                                   "options) or game (a game name or definition file)")
    return game if system is None else _system_game(system, kwargs)


def system_env(system: str | None = None, *, game: Any = None, **kwargs: Any) -> MameEnv:
    """Any MAME system as a :class:`MameEnv` (``gymnasium.make("aiomame/MAME-v0",
    system=..., roms_path=..., memory_addresses=..., buttons=[...], reward=...,
    done=...)``): :class:`~aiomame.games.SystemGame`'s options, the rest as MameEnv's.
    Or a game: ``gymnasium.make("aiomame/MAME-v0", game="pong.toml")``."""
    return MameEnv(_game(system, game, kwargs), **kwargs)


def system_vector_env(system: str | None = None, num_envs: int = 1, *, game: Any = None,
                      **kwargs: Any) -> MameVectorEnv:
    """:func:`system_env` as a :class:`MameVectorEnv` (``gymnasium.make_vec``)."""
    return MameVectorEnv(_game(system, game, kwargs), num_envs, **kwargs)


def register_games() -> list[str]:
    """Register ``aiomame/<Name>-v0`` for each registered game whose id is not yet
    Gymnasium's or whose spec changed (:func:`aiomame.games.register` and
    ``register_folder`` already do, once Gymnasium is imported), and
    ``aiomame/MAME-v0``; returns the ids registered."""
    return register_ids()


register_games()
