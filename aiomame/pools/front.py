"""What every pool of envs shares, local (:class:`aiomame.EnvPool`) or over Ray actors
(:class:`aiomame.ray.RayEnvPool`): each env's place in its step (:class:`EnvState`), the
checks of env ids, seeds and states, and the calls that wait for envs and hand their
results over (``recv``, ``step``, ``reset``, ``load_state``, ``wait``, ``collect``).

A pool built on :class:`PoolFront` sends (``send``, ``async_reset``) and makes batches
(``_batch``, ``_latest``) its own way; whatever finishes an env's step calls
:meth:`PoolFront._finish` (or ``_done``, then ``_notify``). A waiting call wakes once per
``_notify`` that satisfies it, never per env.

Per env: idle → (send, async_reset) stepping → (its result in) done → (recv, step, reset,
wait) idle. Calls in the wrong state raise :class:`~aiomame.errors.StateError`.
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import itertools
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from ..checks import is_int
from ..errors import EnvDeadError, InvalidArgumentError, StateError
from .batch import Batch

__all__ = ["DONE", "IDLE", "STEPPING", "EnvSlot", "EnvState", "PoolFront", "check_env_ids"]

NO_INFO: Mapping[str, Any] = MappingProxyType({})


class EnvState(enum.Enum):
    """Where an env is: idle → (send) stepping → (its result in) done → (recv, step) idle."""

    IDLE = "idle"
    STEPPING = "stepping"
    DONE = "done"


IDLE, STEPPING, DONE = EnvState.IDLE, EnvState.STEPPING, EnvState.DONE


class EnvSlot:
    """One env as the front sees it; pools keep more in subclasses."""

    def __init__(self, env_id: int) -> None:
        self.id = env_id
        self.state = IDLE
        self.has_obs = False  # it has shown a first frame: it can step
        self.error: BaseException | None = None  # raised by the recv()/step() that collects it
        self.dead: EnvDeadError | None = None  # sending to it raises this


class Waiter:
    """A recv() or step() waiting: for ``left`` more envs (of ``ids``, or any)."""

    def __init__(self, future: asyncio.Future[None], left: int, ids: set[int] | None) -> None:
        self.future, self.left, self.ids = future, left, ids


class PoolFront:
    """The front of a pool of ``num_envs`` envs (:mod:`aiomame.pools.front`).

    Subclasses set ``_envs`` (one :class:`EnvSlot` each), ``_loop`` once started, and
    implement ``send``, ``async_reset``, ``_check_running``, ``_batch`` and ``_latest``.
    """

    num_envs: int
    batch_size: int
    game: Any
    _envs: Sequence[EnvSlot]
    _loop: asyncio.AbstractEventLoop

    def __init__(self, num_envs: int, batch_size: int | None) -> None:
        if not is_int(num_envs) or num_envs < 1:
            raise InvalidArgumentError(f"num_envs must be an int >= 1, got {num_envs!r}")
        batch_size = num_envs if batch_size is None else batch_size
        if not is_int(batch_size) or not 1 <= batch_size <= num_envs:
            raise InvalidArgumentError(
                f"batch_size must be an int in 1..num_envs ({num_envs}), got {batch_size!r}")
        self.num_envs, self.batch_size = num_envs, batch_size
        self._ready: dict[int, None] = {}  # envs holding a result, in the order they finished
        self._arrived: list[Any] = []  # replies noted but not yet settled (see _settle)
        self._waiter: Waiter | None = None
        self._all_ids = list(range(num_envs))
        self._closed = False

    # -- for subclasses ----------------------------------------------------------------------
    def send(self, actions: Any, env_ids: Sequence[int] | np.ndarray | None = None) -> None:
        raise NotImplementedError

    def async_reset(self, seed: int | Sequence[int | None] | None = None,
                    env_ids: Sequence[int] | np.ndarray | None = None, *,
                    state: Any = None) -> None:
        raise NotImplementedError

    def _check_running(self) -> None:
        raise NotImplementedError

    def _batch(self, ids: list[int], gather: bool) -> Batch:
        """The results of ``ids`` (all done, none an error) as one batch, in that order;
        ``gather`` False when ``ids`` are all envs in order."""
        raise NotImplementedError

    def _latest(self, ids: list[int]) -> Batch:
        """The latest result of each of ``ids`` (idle envs that have one), no infos."""
        raise NotImplementedError

    def _settle(self) -> None:
        """Turn the replies noted in ``_arrived`` into results (a pool that notes them)."""

    # -- state -------------------------------------------------------------------------------
    @property
    def num_pending(self) -> int:
        """Envs stepping or holding a result not yet received."""
        return sum(env.state is not IDLE for env in self._envs)

    def _check_ids(self, env_ids: Any) -> list[int]:
        return self._all_ids if env_ids is None else check_env_ids(env_ids, self.num_envs)

    def _check_idle(self, ids: list[int], hint: str) -> None:
        """Each of ``ids`` is alive and idle, or a typed error saying why not."""
        envs = self._envs
        for i in ids:
            env = envs[i]
            if env.dead is not None:
                raise EnvDeadError(i, env.dead.restarts, env.dead.cause)
            if env.state is not IDLE:
                doing = "still stepping" if env.state is STEPPING else "holding a result"
                raise StateError(f"env {i} is {doing}: {hint}")

    def _check_stepping(self, ids: list[int]) -> None:
        """Each of ``ids`` can step: alive, idle and (with a game) in an episode."""
        self._check_idle(ids, "recv() it before sending it more")
        if self.game is not None:
            for i in ids:
                if not self._envs[i].has_obs:
                    raise StateError(f"env {i} has no game yet: call reset() first")

    def _reset_seeds(self, seed: Any, env_ids: Any) -> tuple[list[int], list[int | None]]:
        """(env ids, one seed each) for a reset: env ``i`` gets ``seed + i``, or one seed
        per env is given; each env must be idle."""
        ids = self._check_ids(env_ids)
        if seed is None or is_int(seed):
            seeds = [None if seed is None else seed + i for i in ids]
        elif isinstance(seed, Sequence) and len(seed) == len(ids):
            seeds = list(seed)
        else:
            raise InvalidArgumentError(
                f"seed must be None, an int or one per env in env_ids ({len(ids)}), "
                f"got {seed!r}")
        self._check_idle(ids, "recv() its result before reset()")
        return ids, seeds

    # -- receiving ---------------------------------------------------------------------------
    async def recv(self, batch_size: int | None = None) -> Batch:
        """The first ``batch_size`` (default: the pool's) envs to finish, in that order."""
        self._check_running()
        k = self.batch_size if batch_size is None else batch_size
        if not is_int(k) or not 1 <= k <= self.num_envs:
            raise InvalidArgumentError(f"batch_size must be an int in 1..num_envs "
                                       f"({self.num_envs}), got {batch_size!r}")
        pending = self.num_pending
        if pending < k:
            raise StateError(f"recv() waits for {k} envs but only {pending} are stepping or "
                             "holding a result: send() to more envs first")
        self._settle()
        if len(self._ready) < k:
            await self._wait(Waiter(self._loop.create_future(), k, None))
        ids = list(itertools.islice(self._ready, k))
        return self._collect(ids, gather=True, keep_others=True)

    async def step(self, actions: Any, env_ids: Sequence[int] | np.ndarray | None = None
                   ) -> Batch:
        """``send(actions, env_ids)``, then wait for all of those envs; rows in env_ids order.

        Stepping all envs of an EnvPool returns the pool's own buffers (no copy at all).
        """
        self.send(actions, env_ids)
        return await self._wait_for(env_ids)

    async def reset(self, seed: int | Sequence[int | None] | None = None,
                    env_ids: Sequence[int] | np.ndarray | None = None, *,
                    state: Any = None) -> Batch:
        """``async_reset(seed, env_ids, state=state)``, then wait for all of those envs."""
        self.async_reset(seed, env_ids, state=state)
        return await self._wait_for(env_ids)

    async def load_state(self, state: Any, env_ids: Sequence[int] | np.ndarray | None = None
                         ) -> Batch:
        """Put each of ``env_ids`` (default: all) in the saved ``state`` and step once from
        it (``reset(env_ids=env_ids, state=state)``): new episodes, all in that situation."""
        return await self.reset(None, env_ids, state=state)

    async def wait(self, env_ids: Sequence[int] | np.ndarray | None = None) -> Batch:
        """Wait for each of ``env_ids`` (default: all), which must have been sent to (by
        ``send`` or ``async_reset``); rows in env_ids order. ``send`` + ``wait`` is
        ``step``, with your own work in between."""
        self._check_running()
        for i in self._check_ids(env_ids):
            if self._envs[i].state is IDLE:
                raise StateError(f"env {i} was sent nothing to wait for: send() to it first")
        return await self._wait_for(env_ids)

    async def _wait_for(self, env_ids: Any) -> Batch:
        ids = self._check_ids(env_ids)
        self._settle()
        envs = self._envs
        left = {i for i in ids if envs[i].state is not DONE}
        if left:
            await self._wait(Waiter(self._loop.create_future(), len(left), left))
        return self._collect(ids, gather=env_ids is not None, keep_others=False)

    async def _wait(self, waiter: Waiter) -> None:
        """Wait until ``waiter`` is satisfied, settling arrived replies at each wake-up."""
        if self._waiter is not None:
            raise StateError("another recv(), step() or reset() is already waiting on this pool")
        self._waiter = waiter
        try:
            while True:
                await waiter.future
                self._settle()
                if (len(self._ready) >= waiter.left if waiter.ids is None
                        else not waiter.left):
                    return
                waiter.future = self._loop.create_future()
        finally:
            self._waiter = None

    def _fail_waiter(self) -> None:
        """The pool closed: a call waiting on it raises."""
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.future.done():
            waiter.future.set_exception(StateError("the pool was closed"))

    def _finish(self, env: EnvSlot) -> None:
        """``env`` has a result (or an error) for the caller."""
        self._done(env)
        self._notify(env)

    def _done(self, env: EnvSlot) -> None:
        env.state = DONE
        self._ready[env.id] = None

    def _notify(self, env: EnvSlot) -> None:
        """``env``'s reply arrived or its result is ready: wake the waiter if that was the
        last it waited for."""
        waiter = self._waiter
        if waiter is None or waiter.future.done():
            return
        if waiter.ids is None:
            if len(self._ready) + len(self._arrived) >= waiter.left:
                waiter.future.set_result(None)
        elif env.id in waiter.ids:
            waiter.left -= 1
            if not waiter.left:
                waiter.future.set_result(None)

    def _uncount(self, env: EnvSlot) -> None:
        """``env``'s reply arrived (and counted for the waiter) but its result is not ready:
        more is to be done, which ends in :meth:`_finish`."""
        waiter = self._waiter
        if waiter is not None and waiter.ids is not None and env.id in waiter.ids:
            waiter.left += 1

    def _collect(self, ids: list[int], gather: bool, keep_others: bool) -> Batch:
        """Hand over the results of ``ids``; raise the first env error among them.

        On an error, ``keep_others`` leaves the other envs' results for the next recv();
        otherwise (step, reset) they are dropped too, so that all of ``ids`` are idle.
        """
        envs, ready = self._envs, self._ready
        for i in ids:
            error = envs[i].error
            if error is not None:
                for j in ([i] if keep_others else ids):
                    envs[j].error = None
                    envs[j].state = IDLE
                    del ready[j]
                raise error
        for i in ids:
            envs[i].state = IDLE
            del ready[i]
        return self._batch(ids, gather)

    async def collect(self, policy: Callable[[Batch], Any], steps: int
                      ) -> AsyncIterator[Batch]:
        """Yield ``steps`` batches of ``batch_size`` envs, stepping each with ``policy``.

        ``policy(batch)`` (plain or async) returns the actions for ``batch.env_ids``; they
        are sent before the batch is yielded, so MAME steps while you use it. Envs never
        reset are reset first; idle envs that have a result are stepped with ``policy`` on
        their latest one. The last batch's envs are left idle (a next ``collect`` goes on
        from there).
        """
        self._check_running()
        if not is_int(steps) or steps < 0:
            raise InvalidArgumentError(f"steps must be an int >= 0, got {steps!r}")
        if not callable(policy):
            raise InvalidArgumentError(f"policy must be a callable (batch -> actions), got "
                                       f"{policy!r}")
        if not steps:
            return
        idle = [env for env in self._envs if env.state is IDLE and env.dead is None]
        fresh = [env.id for env in idle if not env.has_obs]
        if fresh:
            if self.game is not None:
                self.async_reset(env_ids=fresh)
            else:
                self.send([()] * len(fresh), fresh)
        seen = [env.id for env in idle if env.has_obs]
        if seen:
            self.send(await call_policy(policy, self._latest(seen)), seen)
        for n in range(steps):
            batch = await self.recv()
            if n < steps - 1:
                self.send(await call_policy(policy, batch), batch.env_ids)
            yield batch

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        raise NotImplementedError


def check_env_ids(env_ids: Any, num_envs: int) -> list[int]:
    """``env_ids`` as a list of distinct ints in ``0..num_envs-1``, or a clear error."""
    ids = np.asarray(env_ids)
    if ids.ndim != 1 or (ids.size and ids.dtype.kind not in "iu"):
        raise InvalidArgumentError(
            f"env_ids must be a 1-D sequence of ints, got {show(env_ids)}")
    listed = ids.tolist()
    for i in listed:
        if not 0 <= i < num_envs:
            raise InvalidArgumentError(f"env id {i} is not in the pool: valid env ids are "
                                       f"0..{num_envs - 1}")
    if len(set(listed)) != len(listed):
        twice = sorted({i for i in listed if listed.count(i) > 1})
        raise InvalidArgumentError(f"env_ids lists env(s) {twice} more than once")
    return listed


def show(value: Any) -> str:
    """``repr(value)``, cut to 80 characters (for error messages)."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


async def call_policy(policy: Callable[[Batch], Any], batch: Batch) -> Any:
    """``policy(batch)``, awaited if it returns an awaitable."""
    result = policy(batch)
    if inspect.isawaitable(result):
        result = await result
    return result
