"""Bringing an env back after its MAME died: how often, how soon, and who is told.

Modelled on jupyter_client's ``KernelRestarter``: a small object that only decides and
reports, separate from the pool (what to restart) and from the process (how to start it).

- ``restart_limit``: restarts allowed in a row. A crash that comes less than
  ``stable_after`` seconds after the env's last (re)start continues the row, and so does a
  restart that fails; an env that ran longer than that starts a new row.
- Back-off: the first restart of a row begins at once, each next one waits twice as long,
  from ``backoff`` seconds.
- Callbacks, ``add_callback(fn, "restart" | "dead")``: called as ``fn(env_id, error)`` when a
  restart begins, and when the restarter gives up. An exception in a callback is logged,
  never raised.
- Logs go to the ``aiomame.pools.pool`` logger: a warning per crash and per failed restart, an
  error when an env is given up.
- ``stop()`` before shutting down: no restart begins after it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from ..errors import AiomameError, EnvDeadError, InvalidArgumentError, StateError

log = logging.getLogger("aiomame.pools.pool")

T = TypeVar("T")
EVENTS = ("restart", "dead")
Callback = Callable[[int, BaseException], Any]


class Restarter:
    """Restarts failed envs within a limit, with back-off, callbacks and logs."""

    def __init__(self, restart_limit: int = 3, stable_after: float = 30.0,
                 backoff: float = 0.5, clock: Callable[[], float] = time.monotonic) -> None:
        if not isinstance(restart_limit, int) or restart_limit < 0:
            raise InvalidArgumentError(f"restart_limit must be an int >= 0, got {restart_limit!r}")
        self.restart_limit = restart_limit
        self.stable_after = stable_after
        self.backoff = backoff
        self._clock = clock
        self._callbacks: dict[str, list[Callback]] = {event: [] for event in EVENTS}
        self._row: dict[int, int] = {}  # env id -> restarts in the current row
        self._started_at: dict[int, float] = {}  # env id -> time of its last good (re)start
        self.restarts: dict[int, int] = {}  # env id -> successful restarts, ever
        self.stopped = False

    def add_callback(self, callback: Callback, event: str = "restart") -> None:
        """Call ``callback(env_id, error)`` on ``event``: "restart" or "dead"."""
        if event not in EVENTS:
            raise InvalidArgumentError(f"unknown restarter event {event!r}; valid: "
                                       f"{', '.join(map(repr, EVENTS))}")
        self._callbacks[event].append(callback)

    def remove_callback(self, callback: Callback, event: str = "restart") -> None:
        if callback in self._callbacks.get(event, ()):
            self._callbacks[event].remove(callback)

    def started(self, env_id: int) -> None:
        """Note that ``env_id`` (re)started now: its stability window begins."""
        self._started_at[env_id] = self._clock()

    def stop(self) -> None:
        """No restart begins after this (call it before shutting the pool down)."""
        self.stopped = True

    def _fire(self, event: str, env_id: int, error: BaseException) -> None:
        for callback in list(self._callbacks[event]):
            try:
                callback(env_id, error)
            except Exception:
                log.exception("restarter %r callback %r failed", event, callback)

    async def restart(self, env_id: int, error: BaseException,
                      start: Callable[[], Awaitable[T]]) -> T:
        """Run ``start()`` until it succeeds; :class:`EnvDeadError` once past the limit."""
        stable = self._clock() - self._started_at.get(env_id, float("-inf")) >= self.stable_after
        row = 0 if stable else self._row.get(env_id, 0)
        # Errors are logged as text: a handler that keeps records (pytest's does) would keep
        # the error's traceback, and through it the dead MAME's emulator and frames file.
        log.warning("env %d: MAME failed: %s", env_id, str(error))
        while True:
            if self.stopped:
                raise StateError(f"env {env_id} not restarted: the pool is closing")
            if row >= self.restart_limit:
                self._row[env_id] = row
                dead = EnvDeadError(env_id, row, error)
                log.error("%s", str(dead))
                self._fire("dead", env_id, error)
                raise dead
            if row:
                await asyncio.sleep(self.backoff * 2 ** (row - 1))
            row += 1
            self._row[env_id] = row
            log.warning("env %d: restart %d of at most %d", env_id, row, self.restart_limit)
            self._fire("restart", env_id, error)
            try:
                result = await start()
            except (AiomameError, OSError) as exc:
                log.warning("env %d: restart %d failed: %s", env_id, row, str(exc))
                error = exc
                continue
            self.started(env_id)
            self.restarts[env_id] = self.restarts.get(env_id, 0) + 1
            log.info("env %d: restarted", env_id)
            return result
