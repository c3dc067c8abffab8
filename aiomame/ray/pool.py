""":class:`RayEnvPool`: an :class:`aiomame.EnvPool` in each of several Ray actors, behind
one object with EnvPool's async API.

Global env ``i`` is env ``i - offset`` of actor ``i // envs_per_actor``. ``send`` makes
one call per actor that has envs in it (``PoolActor.step``); each call's result is one
:class:`~aiomame.Batch` in Ray's object store, its numpy arrays read without a copy, and
each call is awaited by one task here, at most ``call_timeout`` seconds. ``recv(k)``
returns the first ``k`` envs whose calls came back, in that order.

Faults: an actor that dies (or does not answer within ``call_timeout``: it is killed) is
restarted by Ray (``max_restarts``). Its envs each report one truncated row with the error
in ``infos[k]["error"]`` (the envs in flight at once, the others on their next step), then
a row of a new episode marked ``infos[k]["restarted"]``; the other actors go on. Past
``max_restarts`` its envs are dead: sending to them raises
:class:`~aiomame.errors.EnvDeadError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from types import MappingProxyType
from typing import Any, cast

import numpy as np
import ray
import ray.exceptions

from ..checks import is_int
from ..errors import EnvDeadError, InvalidArgumentError, MameTimeoutError, StateError
from ..games import Game, get_game, is_game
from ..pools.batch import Batch
from ..pools.front import NO_INFO, STEPPING, EnvSlot, PoolFront, show
from .actor import PoolActor, PortableError

__all__ = ["FORWARDED_ENV", "RayEnvPool"]

FORWARDED_ENV = ("AIOMAME_RUNTIME_DIR", "AIOMAME_MAME", "XDG_CACHE_HOME")
"""Environment variables the actors get from the creating process, when set there."""

_LOCAL_ONLY = ("restarter",)  # EnvPool options that cannot cross to another process


class _RayEnv(EnvSlot):
    """One env of a RayEnvPool, as the front keeps it."""

    def __init__(self, env_id: int) -> None:
        super().__init__(env_id)
        self.last: tuple[Batch, int] | None = None  # its latest row: a batch, a row in it
        self.lost: BaseException | None = None  # its actor died: to report on its next step


class RayEnvPool(PoolFront):
    """``num_envs`` envs of ``game`` over ``ceil(num_envs / envs_per_actor)`` Ray actors
    (the last one takes the rest), with :class:`aiomame.EnvPool`'s async API: ``start`` /
    ``async with``, ``reset``, ``async_reset``, ``step``, ``send``, ``recv``, ``wait``,
    ``collect``, ``load_state``, ``close``.

    ``envs_per_actor`` (default: all in one actor). ``actor_options`` go to Ray's
    ``.options()``: ``num_cpus`` (default 1; e.g. the CPUs of one node to place one actor
    per node), ``max_restarts`` (default 3), ``resources``, ``scheduling_strategy``,
    ``runtime_env``... The actors get this process's :data:`FORWARDED_ENV` variables
    (the paths must exist on their nodes; ``runtime_env={"env_vars": ...}`` overrides).
    ``call_timeout``: seconds an actor call may take, a restarted actor's MAME start
    included. Other keyword arguments are EnvPool's (``roms_path``, ``obs_type``,
    ``autoreset_mode``, ``step_timeout``...): ROMs and MAME must exist on every node.

    Differences from EnvPool: batches are the caller's to keep (not views of reused
    buffers; read-only where they are Ray's object-store buffers: ``batch.copy()`` for
    writable arrays), and
    an error of an actor's pool (bad actions, a bug in a game definition) is raised by the
    ``recv``/``step`` that collects its envs, not by ``send``. Ray is initialized by
    ``start()`` if it is not yet (``ray.init()``: a running cluster or a local one).
    """

    def __init__(self, game: str | Game, num_envs: int = 1, *,
                 envs_per_actor: int | None = None, batch_size: int | None = None,
                 actor_options: Mapping[str, Any] | None = None, call_timeout: float = 120.0,
                 **pool_options: Any) -> None:
        super().__init__(num_envs, batch_size)
        per = num_envs if envs_per_actor is None else envs_per_actor
        if not is_int(per) or not 1 <= per <= num_envs:
            raise InvalidArgumentError(f"envs_per_actor must be an int in 1..num_envs "
                                       f"({num_envs}), got {envs_per_actor!r}")
        if isinstance(call_timeout, bool) or not isinstance(call_timeout, (int, float)) \
                or not call_timeout > 0:
            raise InvalidArgumentError(f"call_timeout must be a number of seconds > 0, got "
                                       f"{call_timeout!r}")
        if actor_options is not None and not isinstance(actor_options, Mapping):
            raise InvalidArgumentError(f"actor_options must be a mapping of Ray actor "
                                       f"options, got {show(actor_options)}")
        for name in _LOCAL_ONLY:
            if name in pool_options:
                raise InvalidArgumentError(f"{name!r} cannot be given to a RayEnvPool: it "
                                           "lives in the actors' processes")
        if not isinstance(game, (str, Game)):
            raise InvalidArgumentError(
                f"game must be a game name, a Game or a MAME system name, got {game!r}")
        self.envs_per_actor = per
        self.call_timeout = float(call_timeout)
        self.actor_sizes = [min(per, num_envs - start) for start in range(0, num_envs, per)]
        self._offsets = list(range(0, num_envs, per))
        self._game_arg = game
        self.game: Game | None = get_game(game) if isinstance(game, Game) or is_game(game) \
            else None
        self.system = self.game.system if self.game is not None else game
        self.games: list[Game | None] = [self.game] * num_envs
        self._pool_options = pool_options
        self._actor_options = _actor_options(actor_options)
        self.max_restarts: int = self._actor_options["max_restarts"]
        self.actors: list[Any] = []
        self.metadata: Mapping[str, Any] = MappingProxyType({})
        self.frame_shape: tuple[int, ...] | None = None
        self.memory_names: list[str] = []
        self.action_names: list[str] = []
        self.info: dict[str, Any] = {}  # the first MAME's (Emulator.info)
        self.frame_ratio = 0
        self._envs: list[_RayEnv] = [_RayEnv(i) for i in range(num_envs)]
        self._deaths = [0] * len(self.actor_sizes)
        self._restarting = [False] * len(self.actor_sizes)
        self._calls: set[asyncio.Task[None]] = set()
        self._started = self._running = False

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> RayEnvPool:
        """Create the actors and start their MAMEs (each actor's at most ``call_timeout``
        seconds); if one fails, all are closed and its error is raised."""
        if self._started or self._closed:
            raise StateError("a RayEnvPool starts only once")
        self._started = True
        self._loop = asyncio.get_running_loop()
        if not ray.is_initialized():
            ray.init()
        remote = ray.remote(PoolActor).options(**self._actor_options)
        try:
            self.actors = [remote.remote(self._game_arg, size, self._pool_options)
                           for size in self.actor_sizes]
            async with asyncio.timeout(self.call_timeout):
                found = await asyncio.gather(*(actor.start.remote() for actor in self.actors))
            for result in found:
                if isinstance(result, PortableError):
                    raise result.restore()
        except BaseException:
            await self.close()
            raise
        first = found[0]
        self.frame_shape = first["frame_shape"]
        self.memory_names, self.action_names = first["memory_names"], first["action_names"]
        self.metadata = MappingProxyType(first["metadata"])
        self.info, self.frame_ratio = first["info"], first["frame_ratio"]
        self._running = True
        return self

    async def close(self) -> None:
        """Close every actor's pool (MAMEs reaped), then end the actors; safe to call more
        than once."""
        if self._closed:
            return
        self._closed = True
        for task in self._calls:
            task.cancel()
        await asyncio.gather(*self._calls, return_exceptions=True)
        closing = [actor.close.remote() for actor in self.actors]
        try:
            async with asyncio.timeout(self.call_timeout):
                await asyncio.gather(*closing, return_exceptions=True)
        except TimeoutError:
            pass  # killed below; its MAMEs see their stdin close and exit
        finally:
            for actor in self.actors:
                with contextlib.suppress(Exception):
                    ray.kill(actor, no_restart=True)
            self._fail_waiter()

    async def __aenter__(self) -> RayEnvPool:
        return await self.start()

    def __del__(self) -> None:
        if getattr(self, "_started", False) and not self._closed:
            warnings.warn(f"RayEnvPool of {self.num_envs} {self.system!r} was not closed: use "
                          "`async with` or await close()", ResourceWarning, stacklevel=2)

    def _check_running(self) -> None:
        if self._closed:
            raise StateError("the pool is closed")
        if not self._running:
            raise StateError("the pool is not started: use `async with` or await start()")

    # -- sending -----------------------------------------------------------------------------
    def send(self, actions: Any, env_ids: Sequence[int] | np.ndarray | None = None) -> None:
        """Start a step on each of ``env_ids`` (default: all); returns at once. One call per
        actor; an actor's check of the actions fails the ``recv``/``step`` that collects
        its envs."""
        self._check_running()
        ids = self._check_ids(env_ids)
        actions = self._split_actions(actions, len(ids))
        self._check_stepping(ids)
        envs = self._envs
        lost = [k for k, i in enumerate(ids) if envs[i].lost is not None]
        for k in lost:
            self._report_lost(ids[k])
        if lost:
            keep = sorted(set(range(len(ids))) - set(lost))
            ids, actions = [ids[k] for k in keep], [actions[k] for k in keep]
        for a, rows in self._by_actor(ids):
            self._call(a, [ids[k] for k in rows], "step", [actions[k] for k in rows],
                       [ids[k] - self._offsets[a] for k in rows])

    def async_reset(self, seed: int | Sequence[int | None] | None = None,
                    env_ids: Sequence[int] | np.ndarray | None = None, *,
                    state: Any = None) -> None:
        """Start a new game on each of ``env_ids`` (default: all); env ``i`` gets
        ``seed + i`` (or give one seed per env); collect with ``recv()``."""
        self._check_running()
        ids, seeds = self._reset_seeds(seed, env_ids)
        for i in ids:
            self._envs[i].lost = None  # a new episode anyway
        for a, rows in self._by_actor(ids):
            self._call(a, [ids[k] for k in rows], "reset", [seeds[k] for k in rows],
                       [ids[k] - self._offsets[a] for k in rows], state)

    def _split_actions(self, actions: Any, n: int) -> list[Any]:
        """One entry per env (the actors check the entries)."""
        if self.game is not None:
            array = np.asarray(actions)
            if array.ndim == 0 or len(array) != n:
                raise InvalidArgumentError(
                    f"actions has shape {array.shape}; expected ({n},...): one action per "
                    f"env in env_ids (actions: {', '.join(self.action_names)})")
            return array.tolist()  # plain ints: Ray sends them without pickle
        if isinstance(actions, (str, bytes)) or not hasattr(actions, "__len__") \
                or len(actions) != n:
            raise InvalidArgumentError(
                f"actions must hold one sequence of Action per env in env_ids ({n}), "
                f"got {show(actions)}")
        return list(actions)

    def _by_actor(self, ids: list[int]) -> list[tuple[int, list[int]]]:
        """(actor, positions in ``ids`` of its envs), for each actor that has some."""
        groups: dict[int, list[int]] = {}
        for k, i in enumerate(ids):
            groups.setdefault(i // self.envs_per_actor, []).append(k)
        return list(groups.items())

    def _call(self, a: int, ids: list[int], method: str, *args: Any) -> None:
        for i in ids:
            self._envs[i].state = STEPPING
        # Sent now, unless the actor is restarting: then once it is back.
        ref = None if self._restarting[a] else getattr(self.actors[a], method).remote(*args)
        task = asyncio.get_running_loop().create_task(
            self._track(a, ids, ref, self._deaths[a], method, args))
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)

    # -- results -----------------------------------------------------------------------------
    async def _track(self, a: int, ids: list[int], ref: Any, deaths: int, method: str,
                     args: tuple[Any, ...]) -> None:
        """One call: await its batch (at most ``call_timeout``), file each env's row."""
        try:
            async with asyncio.timeout(self.call_timeout):
                if ref is None:
                    await self._until_back(a)
                    deaths = self._deaths[a]
                    ref = getattr(self.actors[a], method).remote(*args)
                result = await ref
        except TimeoutError:
            ray.kill(self.actors[a], no_restart=False)  # Ray restarts it
            self._actor_failed(a, ids, deaths, MameTimeoutError(
                f"Ray actor {a} (envs {self._offsets[a]}.."
                f"{self._offsets[a] + self.actor_sizes[a] - 1}) did not answer within "
                f"{self.call_timeout:g} s; it was killed"))
        except ray.exceptions.RayTaskError as exc:  # the actor lives; e.g. a result that
            cause = exc.cause if isinstance(exc.cause, Exception) else exc  # Ray could not
            for i in ids:                                                  # serialize
                self._fail(i, cause)
        except ray.exceptions.RayError as exc:  # the actor died or cannot be reached
            self._actor_failed(a, ids, deaths, exc)
        else:
            if isinstance(result, PortableError):
                error = result.restore()
                for i in ids:
                    self._fail(i, error)
            else:
                result = replace(result, env_ids=result.env_ids + self._offsets[a],
                                 infos=[_restored(info) for info in result.infos])
                for row, i in enumerate(ids):
                    env = self._envs[i]
                    env.last = (result, row)
                    env.has_obs = True
                    self._finish(env)

    def _fail(self, i: int, error: BaseException) -> None:
        """Env ``i``'s result is ``error``, raised by the call that collects it."""
        env = self._envs[i]
        env.error = error
        self._finish(env)

    async def _until_back(self, a: int) -> None:
        """Wait for Ray to restart actor ``a`` (calls meanwhile fail: "restarting")."""
        while self._restarting[a]:
            try:
                await self.actors[a].pids.remote()
            except ray.exceptions.ActorUnavailableError:
                await asyncio.sleep(0.05)
            else:
                self._restarting[a] = False

    def _actor_failed(self, a: int, ids: list[int], deaths: int, error: BaseException) -> None:
        """Actor ``a`` died while stepping ``ids``: their rows report it; its other envs
        report it on their next step (once per death)."""
        if deaths == self._deaths[a]:  # not yet counted
            self._deaths[a] += 1
            self._restarting[a] = True
            first = self._offsets[a]
            for env in self._envs[first:first + self.actor_sizes[a]]:
                if env.id not in ids and env.state is not STEPPING:
                    env.lost = error
                if 0 <= self.max_restarts < self._deaths[a]:
                    env.dead = EnvDeadError(env.id, self.max_restarts, error)
        for i in ids:
            self._envs[i].lost = error
            self._report_lost(i)

    def _report_lost(self, i: int) -> None:
        """Env ``i``'s row for a step its actor could not take: truncated, the error in
        info, the last good frame and memory values."""
        env = self._envs[i]
        error, env.lost = env.lost, None
        assert error is not None
        if env.last is None:  # lost before its first result: nothing to show
            env.error = error
        else:
            batch, row = env.last
            one = _rows(batch, [row])
            one.rewards[0], one.terminated[0], one.truncated[0] = 0.0, False, True
            one.infos = [{"error": error}]
            env.last = (one, 0)
        self._finish(env)

    def _batch(self, ids: list[int], gather: bool) -> Batch:
        return _gather([self._row(i) for i in ids])

    def _latest(self, ids: list[int]) -> Batch:
        latest = _gather([self._row(i) for i in ids])
        latest.infos = [NO_INFO] * len(ids)
        return latest

    def _row(self, i: int) -> tuple[Batch, int]:
        last = self._envs[i].last
        assert last is not None
        return last

    # -- for tests and monitoring --------------------------------------------------------------
    async def screens(self) -> list[Any]:
        """Each env's last screen, RGB."""
        async with asyncio.timeout(self.call_timeout):
            per_actor = await asyncio.gather(*(a.screens.remote() for a in self.actors))
        return [screen for screens in per_actor for screen in screens]

    async def pids(self) -> list[dict[str, Any]]:
        """Per actor: its process id and its MAMEs'."""
        async with asyncio.timeout(self.call_timeout):
            return list(await asyncio.gather(*(a.pids.remote() for a in self.actors)))


def _actor_options(given: Mapping[str, Any] | None) -> dict[str, Any]:
    """Ray actor options: ours by default, the caller's over them; the forwarded
    environment variables under the caller's own."""
    options: dict[str, Any] = {"num_cpus": 1, "max_restarts": 3, "max_task_retries": 0,
                               **(given or {})}
    runtime_env = dict(options.get("runtime_env") or {})
    forwarded = {name: os.environ[name] for name in FORWARDED_ENV if os.environ.get(name)}
    if forwarded:
        runtime_env["env_vars"] = {**forwarded, **runtime_env.get("env_vars", {})}
        options["runtime_env"] = runtime_env
    return options


def _restored(info: Mapping[str, Any]) -> Mapping[str, Any]:
    error = info.get("error")
    if isinstance(error, PortableError):
        return {**info, "error": error.restore()}
    return info


def _rows(batch: Batch, rows: list[int]) -> Batch:
    """Rows ``rows`` of ``batch``, copied."""
    return Batch(batch.env_ids[rows], None if batch.frames is None else batch.frames[rows],
                 {name: values[rows] for name, values in batch.memory.items()},
                 batch.rewards[rows], batch.terminated[rows], batch.truncated[rows],
                 batch.elapsed_steps[rows], [batch.infos[r] for r in rows],
                 None if batch.raw_rewards is None else batch.raw_rewards[rows])


def _gather(parts: list[tuple[Batch, int]]) -> Batch:
    """One batch of the given rows (a batch and a row in it, per env), in that order: one
    copy of each field."""
    runs: list[tuple[Batch, list[int]]] = []
    for batch, row in parts:
        if runs and runs[-1][0] is batch:
            runs[-1][1].append(row)
        else:
            runs.append((batch, [row]))
    if len(runs) == 1:
        batch, rows = runs[0]
        if rows == list(range(len(batch))):
            return batch  # all of one call's rows, in order: Ray's buffers, no copy
        return _rows(batch, rows)
    n, first = len(parts), runs[0][0]

    def take(field: Callable[[Batch], np.ndarray]) -> np.ndarray:
        model = field(first)
        out = np.empty((n, *model.shape[1:]), model.dtype)
        at = 0
        for batch, rows in runs:
            np.take(field(batch), rows, axis=0, out=out[at:at + len(rows)])
            at += len(rows)
        return out

    def memory(name: str) -> Callable[[Batch], np.ndarray]:
        return lambda b: b.memory[name]

    # One pool's batches all have frames (and raw rewards), or none has.
    return Batch(
        take(lambda b: b.env_ids),
        None if first.frames is None else take(lambda b: cast(np.ndarray, b.frames)),
        {name: take(memory(name)) for name in first.memory},
        take(lambda b: b.rewards), take(lambda b: b.terminated), take(lambda b: b.truncated),
        take(lambda b: b.elapsed_steps), [b.infos[r] for b, rows in runs for r in rows],
        None if first.raw_rewards is None else take(lambda b: cast(np.ndarray, b.raw_rewards)))
