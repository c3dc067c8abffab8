"""Blocking aiomame for code that is not async: scripts, Stable-Baselines3, Gymnasium.

:class:`Emulator`, :class:`GameEnv` and :class:`EnvPool` here are the async classes of the
same names with every coroutine made a plain blocking call. They start at construction::

    from aiomame.sync import GameEnv

    with GameEnv("catch") as env:
        obs, info = env.reset(seed=1)
        obs, reward, terminated, truncated, info = env.step(0)

All of them, in the whole process, run on one event loop in one background thread
("aiomame loop", started on first use; uvloop when installed), never on the caller's
thread. So they behave the same in a plain script, inside Jupyter, or in any code that
already runs an event loop. Async code should use the async classes directly (no thread).

A Ctrl-C (``KeyboardInterrupt``) during a call cancels it and closes the object, which
stops its MAMEs; so does ``close()``, leaving a ``with`` block, garbage collection of an
unclosed object, and the interpreter's exit.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import functools
import inspect
import os
import threading
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any, Concatenate, ParamSpec, TypeVar

from .episodes import env as _env
from .errors import InvalidArgumentError, StateError
from .machine import emulator as _emulator
from .pools import pool as _pool
from .pools.batch import Batch
from .transport.launch import STARTED_FROM, caller
from .transport.sigterm import exit_on_sigterm

T = TypeVar("T")
P = ParamSpec("P")

CLOSE_TIMEOUT = 30.0
"""Seconds a close may take before it is abandoned (MAME is SIGKILLed well before)."""


class _LoopThread:
    """The process's aiomame event loop, run forever by a daemon thread."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        try:
            import uvloop
        except ImportError:
            self.loop = asyncio.new_event_loop()
        else:
            self.loop = uvloop.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="aiomame loop",
                                       daemon=True)
        self.thread.start()


_lock = threading.Lock()
_runner: _LoopThread | None = None
_open: weakref.WeakSet[_Blocking] = weakref.WeakSet()


def _loop_thread() -> _LoopThread:
    global _runner
    with _lock:
        if _runner is None or _runner.pid != os.getpid():  # first use, or a forked child
            _runner = _LoopThread()
        return _runner


def get_loop() -> asyncio.AbstractEventLoop:
    """The event loop all of this module's objects run on (started on first use)."""
    return _loop_thread().loop


def run(coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
    """Run ``coroutine`` on aiomame's loop thread and return its result (blocking).

    Works from any thread but that loop's own (there, await instead). A
    ``KeyboardInterrupt`` while waiting cancels the coroutine and is raised again;
    ``timeout`` seconds without a result cancel it and raise ``TimeoutError``.
    """
    runner = _loop_thread()
    if threading.current_thread() is runner.thread:
        coroutine.close()
        raise StateError("a blocking aiomame call on aiomame's own loop thread would never "
                         "return: await the async API there")
    future = asyncio.run_coroutine_threadsafe(coroutine, runner.loop)
    try:
        return future.result(timeout)
    except (KeyboardInterrupt, SystemExit, concurrent.futures.TimeoutError):
        future.cancel()  # Ctrl-C, SIGTERM (see aiomame.transport.sigterm) or the timeout
        raise


def _blocking(coroutine: Callable[Concatenate[Any, P], Awaitable[T]]
              ) -> Callable[Concatenate[_Blocking, P], T]:
    """A blocking method calling the same-named coroutine method of the wrapped object; typed
    with the coroutine's parameters and result, so type checkers and IDEs show them."""
    name = coroutine.__name__

    @functools.wraps(coroutine)
    def method(self: _Blocking, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._call(getattr(self._async, name), *args, **kwargs)

    method.__doc__ = f"Blocking :meth:`{coroutine.__module__}.{coroutine.__qualname__}`."
    return method


def _same_arguments(async_init: Callable[Concatenate[Any, P], None]
                    ) -> Callable[[Callable[..., None]], Callable[Concatenate[Any, P], None]]:
    """Gives a blocking ``__init__(self, *args, **kwargs)`` the signature of the async
    class's ``__init__``, so ``help()``, :func:`inspect.signature`, type checkers and IDEs
    show the real parameters."""
    def decorate(init: Callable[..., None]) -> Callable[Concatenate[Any, P], None]:
        init.__signature__ = inspect.signature(async_init)  # type: ignore[attr-defined]
        return init
    return decorate


class _Blocking:
    """An async aiomame object living on the shared loop, driven by blocking calls."""

    _async: Any

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._closed = False
        self._pid = os.getpid()  # a forked child must not touch its parent's MAMEs
        exit_on_sigterm()  # its MAMEs start on the loop thread, where it cannot be set

        async def make() -> Any:  # constructed on the loop: it may make asyncio objects
            return factory()

        self._async = run(make())
        _open.add(self)
        started_from = caller()  # this thread's: the start runs on the loop's

        async def start() -> Any:
            STARTED_FROM.set(started_from)  # in the start's own task context
            return await self._async.start()

        try:
            self._call(start)
        except BaseException:
            self.close()  # a failed start cleaned up already: this only forgets it
            raise

    def _call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._closed:
            raise StateError(f"this {type(self).__name__} is closed")
        try:
            result = function(*args, **kwargs)
            if asyncio.iscoroutine(result):
                return run(result)
            return result
        except KeyboardInterrupt:
            self.close()
            raise

    def _on_loop(self, function: Callable[..., T], *args: Any) -> T:
        """Call plain ``function`` on the loop thread (it touches loop state)."""

        async def call() -> T:
            return function(*args)

        return self._call(call)

    def close(self) -> None:
        """Stop the MAME(s) and clean up; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        _open.discard(self)
        run(self._async.close(), CLOSE_TIMEOUT)

    def __enter__(self: T) -> T:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_closed", True) or getattr(self, "_async", None) is None \
                or self._pid != os.getpid():
            return
        # Without waiting (a finalizer may run anywhere): the loop closes it.
        runner = _runner
        if runner is not None and runner.pid == os.getpid() and runner.loop.is_running():
            asyncio.run_coroutine_threadsafe(self._async.close(), runner.loop)


class Emulator(_Blocking):
    """:class:`aiomame.Emulator`, blocking; started at construction (same arguments)."""

    @_same_arguments(_emulator.Emulator.__init__)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(lambda: _emulator.Emulator(*args, **kwargs))

    step = _blocking(_emulator.Emulator.step)
    read = _blocking(_emulator.Emulator.read)
    write = _blocking(_emulator.Emulator.write)
    reset = _blocking(_emulator.Emulator.reset)
    save_state = _blocking(_emulator.Emulator.save_state)
    load_state = _blocking(_emulator.Emulator.load_state)

    @property
    def info(self) -> dict[str, Any]:
        return self._async.info

    @property
    def frame_shape(self) -> tuple[int, ...] | None:
        return self._async.frame_shape

    @property
    def display_size(self) -> tuple[int, int] | None:
        return self._async.display_size

    def list_actions(self) -> list[dict[str, str]]:
        return self._async.list_actions()

    def screen(self) -> Any:
        """The last step's screen, RGB (:meth:`aiomame.Emulator.screen`)."""
        return self._async.screen()


class GameEnv(_Blocking):
    """:class:`aiomame.GameEnv`, blocking; started at construction (same arguments)."""

    @_same_arguments(_env.GameEnv.__init__)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(lambda: _env.GameEnv(*args, **kwargs))

    reset = _blocking(_env.GameEnv.reset)
    step = _blocking(_env.GameEnv.step)
    save_state = _blocking(_env.GameEnv.save_state)
    load_state = _blocking(_env.GameEnv.load_state)

    @property
    def game(self) -> Any:
        return self._async.game

    @property
    def emulator(self) -> Any:
        """The async :class:`aiomame.Emulator` underneath: for its attributes (``info``,
        ``frame_ratio``...); its coroutines belong to aiomame's loop thread."""
        return self._async.emulator

    @property
    def action_names(self) -> list[str]:
        return self._async.action_names

    @property
    def obs_shape(self) -> tuple[int, ...]:
        return self._async.obs_shape

    def screen(self) -> Any:
        """The last step's screen, RGB (:meth:`aiomame.Emulator.screen`)."""
        return self._async.emulator.screen()


class EnvPool(_Blocking):
    """:class:`aiomame.EnvPool`, blocking; started at construction (same arguments)."""

    @_same_arguments(_pool.EnvPool.__init__)
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(lambda: _pool.EnvPool(*args, **kwargs))

    step = _blocking(_pool.EnvPool.step)
    reset = _blocking(_pool.EnvPool.reset)
    recv = _blocking(_pool.EnvPool.recv)
    wait = _blocking(_pool.EnvPool.wait)
    load_state = _blocking(_pool.EnvPool.load_state)

    def send(self, actions: Any, env_ids: Any = None) -> None:
        """:meth:`aiomame.EnvPool.send` (returns at once)."""
        self._on_loop(self._async.send, actions, env_ids)

    def async_reset(self, seed: Any = None, env_ids: Any = None, *, state: Any = None) -> None:
        """:meth:`aiomame.EnvPool.async_reset` (returns at once)."""
        self._on_loop(functools.partial(self._async.async_reset, state=state), seed, env_ids)

    def collect(self, policy: Callable[[Batch], Any], steps: int) -> Iterator[Batch]:
        """:meth:`aiomame.EnvPool.collect` as a plain generator (``policy`` is called on
        aiomame's loop thread)."""
        batches = self._async.collect(policy, steps)
        try:
            while True:
                try:
                    yield self._call(batches.__anext__)
                except StopAsyncIteration:
                    return
        finally:
            if not self._closed:
                self._call(batches.aclose)

    def screens(self) -> list[Any]:
        """Each env's last screen, RGB (:meth:`aiomame.Emulator.screen`)."""
        return [emulator.screen() for emulator in self._async.emulators]

    def watch(self, port: int = 0, host: str = "127.0.0.1", fps: float = 10.0) -> Watch:
        """:meth:`aiomame.EnvPool.watch`, on aiomame's loop: the pool's page, served while
        you step; ``watch.url``, blocking ``watch.close()`` (closing the pool closes it)."""
        return Watch(self._call(self._async.watch, port, host, fps))

    def __getattr__(self, name: str) -> Any:
        # num_envs, batch_size, frame_shape, memory_names, action_names, metadata, ...
        if name.startswith("_"):
            raise AttributeError(name)
        attribute = getattr(self._async, name)
        if callable(attribute):
            raise AttributeError(f"{name!r} is not part of the blocking EnvPool")
        return attribute


class Watch:
    """A blocking handle on :func:`aiomame.web.watch`'s server: ``url``, ``close()``."""

    def __init__(self, handle: Any) -> None:
        self._async = handle
        self.url: str = handle.url

    @property
    def viewers(self) -> int:
        return self._async.viewers

    def close(self) -> None:
        """Stop serving (twice is fine)."""
        run(self._async.close(), CLOSE_TIMEOUT)


class RayEnvPool(EnvPool):
    """:class:`aiomame.ray.RayEnvPool`, blocking; started at construction (same arguments;
    needs ``pip install ".[ray]"``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .ray import RayEnvPool as _RayEnvPool  # Ray only when asked for

        _Blocking.__init__(self, lambda: _RayEnvPool(*args, **kwargs))

    def screens(self) -> list[Any]:
        """Each env's last screen, RGB (from the actors)."""
        return self._call(self._async.screens)

    def watch(self, port: int = 0, host: str = "127.0.0.1", fps: float = 10.0) -> Watch:
        """Not for a Ray pool (its screens live in the actors): InvalidArgumentError."""
        raise InvalidArgumentError("watch() serves a local EnvPool's screens; a RayEnvPool's "
                                   "are in its actors (use aiomame.sync.EnvPool to watch)")


@atexit.register
def _close_all() -> None:
    """At the interpreter's exit: close what is still open, then stop the loop."""
    for handle in [h for h in _open if h._pid == os.getpid()]:
        with contextlib.suppress(Exception):  # exiting: MAME also exits with this process
            handle.close()
    runner = _runner
    if runner is not None and runner.pid == os.getpid():
        runner.loop.call_soon_threadsafe(runner.loop.stop)
        runner.thread.join(5)
