"""The Ray actor of :class:`aiomame.ray.RayEnvPool`: one :class:`aiomame.EnvPool` in its
own process, stepped by the front's calls (one call, one object in Ray's object store).

The actor's pool starts on the first call, so an actor that Ray restarts after a crash
(``max_restarts``) starts new MAMEs by itself; envs that have not stepped since are given a
new episode instead of their step, marked ``infos[k]["restarted"]`` (as a local pool does
after a MAME restart).
"""

from __future__ import annotations

import asyncio
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ray

from ..pools.batch import Batch
from ..pools.pool import EnvPool

__all__ = ["PoolActor", "PortableError"]


@dataclass
class PortableError:
    """An exception as it crosses processes: aiomame's errors take keyword-only arguments,
    which pickle cannot pass back; :meth:`restore` rebuilds the same class and fields."""

    cls: type[BaseException]
    args: tuple[Any, ...]
    fields: dict[str, Any]

    @classmethod
    def wrap(cls, error: BaseException) -> PortableError:
        fields = {name: cls.wrap(value) if isinstance(value, BaseException) else value
                  for name, value in vars(error).items()}  # EnvDeadError.cause, ...
        return cls(type(error), error.args, fields)

    def restore(self) -> BaseException:
        error = self.cls.__new__(self.cls)
        error.args = self.args
        vars(error).update({name: value.restore() if isinstance(value, PortableError)
                            else value for name, value in self.fields.items()})
        return error


class PoolActor:
    """``num_envs`` envs of ``game`` on one EnvPool (``options``: EnvPool's keyword
    arguments). Each call sends its envs at once and returns their rows in env order, as a
    :class:`~aiomame.Batch` the caller owns (env ids local to this actor)."""

    def __init__(self, game: Any, num_envs: int, options: Mapping[str, Any]) -> None:
        self._args = (game, num_envs, dict(options))
        self._pool: EnvPool | None = None
        self._starting = asyncio.Lock()
        self._waiting = asyncio.Lock()  # EnvPool has one waiter at a time
        self._all = list(range(num_envs))
        self._fresh = set(self._all)  # envs with no episode in this incarnation
        with warnings.catch_warnings():  # Ray warns about its own use of a deprecated API
            warnings.simplefilter("ignore", DeprecationWarning)
            self._restarted = ray.get_runtime_context().was_current_actor_reconstructed

    async def _started(self) -> EnvPool:
        async with self._starting:
            if self._pool is None:
                game, num_envs, options = self._args
                pool = EnvPool(game, num_envs, **options)
                await pool.start()
                self._pool = pool
        return self._pool

    async def start(self) -> dict[str, Any] | PortableError:
        """Start the MAMEs; what the front needs to know about them."""
        try:
            pool = await self._started()
        except Exception as exc:
            return PortableError.wrap(exc)
        first = pool.emulators[0]
        return {"frame_shape": pool.frame_shape, "memory_names": pool.memory_names,
                "action_names": pool.action_names, "metadata": dict(pool.metadata),
                "info": first.info, "frame_ratio": first.frame_ratio, "pid": os.getpid()}

    async def step(self, actions: Any, env_ids: list[int]) -> Batch | PortableError:
        """Step ``env_ids``; those without an episode in this incarnation (Ray restarted
        the actor) start a new one instead, their rows marked ``restarted``. An error (bad
        actions, a dead env...) is returned, not raised: see :class:`PortableError`."""
        try:
            return await self._step(actions, env_ids)
        except Exception as exc:
            return PortableError.wrap(exc)

    async def _step(self, actions: Any, env_ids: list[int]) -> Batch:
        pool = await self._started()
        fresh = [i for i in env_ids if i in self._fresh]
        if fresh and pool.game is not None:
            stepping = [k for k, i in enumerate(env_ids) if i not in self._fresh]
            if stepping:
                pool.send([actions[k] for k in stepping], [env_ids[k] for k in stepping])
            pool.async_reset(env_ids=fresh)
        else:
            pool.send(actions, env_ids)
        self._fresh.difference_update(env_ids)
        # The front steps a game's env only once it has an episode: fresh here, it had one
        # in an actor that died.
        marked = fresh if pool.game is not None or self._restarted else []
        return await self._wait(pool, env_ids, marked)

    async def reset(self, seeds: Sequence[int | None], env_ids: list[int],
                    state: Any = None) -> Batch | PortableError:
        """New episodes on ``env_ids`` (one seed each), from ``state`` if given."""
        try:
            pool = await self._started()
            pool.async_reset(list(seeds), env_ids, state=state)
            self._fresh.difference_update(env_ids)
            return await self._wait(pool, env_ids, [])
        except Exception as exc:
            return PortableError.wrap(exc)

    async def _wait(self, pool: EnvPool, env_ids: list[int], restarted: list[int]) -> Batch:
        everyone = env_ids == self._all  # then the pool's rows as they are: no gather
        async with self._waiting:
            batch = (await pool.wait(None if everyone else env_ids)).copy()  # (reused)
        if restarted or any(batch.infos):
            marked = set(restarted)
            batch.infos = [_portable(info, i in marked)
                           for i, info in zip(env_ids, batch.infos, strict=True)]
        return batch

    async def screens(self) -> list[Any]:
        """Each env's last screen, RGB."""
        pool = await self._started()
        return [emulator.screen() for emulator in pool.emulators]

    def pids(self) -> dict[str, Any]:
        """This actor's process id and its MAMEs' (for tests and monitoring)."""
        pool = self._pool
        mames = [] if pool is None else [emu.process.pid for emu in pool.emulators]
        return {"actor": os.getpid(), "mames": mames}

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


def _portable(info: Mapping[str, Any], restarted: bool) -> dict[str, Any]:
    out = dict(info)
    if restarted:
        out["restarted"] = True
    if isinstance(out.get("error"), BaseException):
        out["error"] = PortableError.wrap(out["error"])
    return out
