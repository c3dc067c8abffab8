"""A Stable-Baselines3 ``VecEnv`` over one :class:`aiomame.EnvPool` (``pip install
".[sb3]"``).

SB3 takes its own ``VecEnv``, not Gymnasium's vector envs::

    from stable_baselines3 import PPO
    from stable_baselines3.common.vec_env import VecFrameStack
    from aiomame.sb3 import MameVecEnv

    venv = VecFrameStack(MameVecEnv("catch", 8, obs_type="grayscale", resize=(84, 84)), 4)
    PPO("CnnPolicy", venv).learn(100_000)

The pool steps all envs concurrently (in ``step_wait``: SB3 calls it right after
``step_async``) and resets ended episodes in the same step, as SB3 expects: the ended episode's last
observation is ``infos[i]["terminal_observation"]``, ``infos[i]["TimeLimit.truncated"]``
says it was cut. Each info also holds the step's memory values (and the pool's ``"error"``,
``"restarted"`` and ``"frame_size"`` where they apply).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from gymnasium import spaces
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices

from . import sync
from .checks import invalid_choice
from .errors import InvalidArgumentError, StateError
from .games import Game
from .gym import check_pool_factory, env_spaces
from .pools.batch import Batch
from .pools.versus import agent_pool

__all__ = ["MameVecEnv"]

RENDER_MODES = (None, "rgb_array")


class MameVecEnv(VecEnv):
    """``num_envs`` MAMEs of one game as an SB3 ``VecEnv``.

    ``game``: a registered game name or a :class:`~aiomame.games.Game`. Observations are
    uint8 frames as ``obs_type``, ``resize``, ``interpolation``, ``maxpool`` and
    ``frame_stack`` make them; a grayscale frame gets a channel axis, ``(H, W, 1)``, so
    that SB3 sees an image (and its ``VecFrameStack`` / ``VecTransposeImage`` apply);
    ``frame_stack=k`` gives ``(k, H, W)``, channels first. Actions: ``Discrete`` over the
    game's actions, ``MultiBinary`` over its buttons, or a ``Box`` over its axes.

    ``seed(s)`` seeds env ``i`` with ``s + i`` at the next ``reset()``. ``get_attr`` reads
    an attribute of each env's game definition, else of its emulator (``frame_ratio``,
    ``info``...); ``set_attr`` sets one on the game definitions; ``env_method`` calls a
    method of each env's emulator (``save_state``, ``screen``, ``read``...: to load a
    state into the episodes, use ``venv.pool.load_state(state, env_ids)``).
    ``render_mode="rgb_array"``: ``get_images()`` gives each env's screen. Other keyword
    arguments go to :class:`aiomame.EnvPool` (``roms_path``, ``max_episode_steps``, the
    ALE options ``preset="atari"``, ``repeat_action_probability``, ``noop_max``,
    ``episodic_life``, ``reward_clip``: then each info's ``"raw_reward"``...).
    ``pool_factory`` makes the pool (e.g. ``functools.partial(aiomame.sync.RayEnvPool,
    envs_per_actor=8)``: the envs run in Ray actors; ``env_method`` and emulator
    attributes are then not available).

    A two-player game needs ``opponent`` and the agent plays ``player``, as in
    :class:`aiomame.gym.MameVectorEnv`.
    """

    def __init__(self, game: str | Game = "catch", num_envs: int = 1, *,
                 render_mode: str | None = None,
                 pool_factory: Callable[..., Any] = sync.EnvPool, opponent: Any = None,
                 player: int = 1, **kwargs: Any) -> None:
        if render_mode not in RENDER_MODES:
            raise invalid_choice("render_mode", render_mode, RENDER_MODES)
        check_pool_factory(pool_factory)
        self.render_mode = render_mode
        self.pool = agent_pool(pool_factory, game, num_envs, opponent=opponent, player=player,
                               autoreset_mode="same-step", **kwargs)
        self._player = player
        try:
            observation, action = self._spaces()
        except BaseException:
            self.pool.close()
            raise
        self._names: list[str] = self.pool.memory_names
        super().__init__(num_envs, observation, action)
        self._actions: Any = None

    def _spaces(self) -> tuple[spaces.Box, spaces.Space[Any]]:
        game: Game = self.pool.game
        shape = self.pool.frame_shape
        if shape is None:
            raise InvalidArgumentError("an SB3 env observes frames: frames=False is not "
                                       "possible here")
        if len(shape) == 4:
            raise InvalidArgumentError(
                f"frame_stack with colour frames gives {shape}, which SB3 takes for no "
                "image: stack with SB3's VecFrameStack instead, or use obs_type='grayscale'")
        self._channel = len(shape) == 2  # grayscale: add SB3's channel axis
        return env_spaces(game, (*shape, 1) if self._channel else shape, self._player)

    def _obs(self, frames: np.ndarray) -> np.ndarray:
        return frames[..., None] if self._channel else frames

    def _infos(self, batch: Batch) -> list[dict[str, Any]]:
        """Per env: its memory values, and what SB3 reads at an episode's end."""
        names = self._names
        if names:
            columns = [values.tolist() for values in batch.memory.values()]
            infos = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
        else:
            infos = [{} for _ in range(len(batch))]
        if batch.raw_rewards is not None:  # reward_clip: the rewards before clipping
            for info, raw in zip(infos, batch.raw_rewards.tolist(), strict=True):
                info["raw_reward"] = raw
        ended = np.flatnonzero(batch.terminated | batch.truncated).tolist()
        for i in ended:
            infos[i]["TimeLimit.truncated"] = bool(batch.truncated[i]
                                                   and not batch.terminated[i])
        if any(batch.infos):
            for info, extra in zip(infos, batch.infos, strict=True):
                if not extra:
                    continue
                final = extra.get("final_frame")
                if final is not None:
                    info["terminal_observation"] = self._obs(final)
                for key in ("error", "restarted", "frame_size"):
                    if key in extra:
                        info[key] = extra[key]
        return infos

    # -- the VecEnv API --------------------------------------------------------------------
    def reset(self) -> np.ndarray:
        seeds = None if all(s is None for s in self._seeds) else list(self._seeds)
        states = [options.get("state") for options in self._options]
        for options in self._options:
            for key in options:
                if key != "state":
                    raise invalid_choice("reset option", key, ("state",))
        if any(state is not states[0] for state in states):
            raise InvalidArgumentError("set_options: give all envs the same 'state'")
        batch = self.pool.reset(seeds, state=states[0])
        self.reset_infos = self._infos(batch)
        self._reset_seeds()
        self._reset_options()
        return self._obs(batch.frames).copy()

    def step_async(self, actions: np.ndarray) -> None:
        # SB3 calls step_wait right after: one round trip to aiomame's loop for both.
        self._actions = actions

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        if self._actions is None:
            raise StateError("step_wait() without step_async()")
        actions, self._actions = self._actions, None
        batch = self.pool.step(actions)
        dones = batch.terminated | batch.truncated
        return (self._obs(batch.frames).copy(), batch.rewards.astype(np.float32), dones,
                self._infos(batch))

    def close(self) -> None:
        pool = self.__dict__.get("pool")
        if pool is not None:
            pool.close()

    def watch(self, port: int = 0, host: str = "127.0.0.1", fps: float = 10.0) -> Any:
        """The pool's live page (:meth:`aiomame.sync.EnvPool.watch`): ``.url``, ``.close()``."""
        return self.pool.watch(port, host, fps)

    def get_images(self) -> Sequence[np.ndarray | None]:
        if self.render_mode != "rgb_array":
            return [None] * self.num_envs
        return self.pool.screens()

    def _targets(self, name: str, indices: VecEnvIndices) -> list[Any]:
        games = self.pool.games  # emulators only when needed: a Ray pool has none here
        return [games[i] if hasattr(games[i], name) else self.pool.emulators[i]
                for i in self._get_indices(indices)]

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        if attr_name == "render_mode":
            return [self.render_mode for _ in self._get_indices(indices)]
        return [getattr(target, attr_name) for target in self._targets(attr_name, indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        games = self.pool.games
        for i in self._get_indices(indices):
            setattr(games[i], attr_name, value)

    def env_method(self, method_name: str, *method_args: Any, indices: VecEnvIndices = None,
                   **method_kwargs: Any) -> list[Any]:
        results = []
        emulators = self.pool.emulators
        for i in self._get_indices(indices):
            result = getattr(emulators[i], method_name)(*method_args, **method_kwargs)
            results.append(sync.run(result) if asyncio.iscoroutine(result) else result)
        return results

    def env_is_wrapped(self, wrapper_class: type, indices: VecEnvIndices = None) -> list[bool]:
        return [False for _ in self._get_indices(indices)]

    def _get_indices(self, indices: VecEnvIndices) -> Iterable[int]:
        ids = list(super()._get_indices(indices))
        for i in ids:
            if not 0 <= i < self.num_envs:
                raise InvalidArgumentError(f"env index {i} is not in 0..{self.num_envs - 1}")
        return ids
