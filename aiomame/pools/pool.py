"""Many emulators driven from one asyncio process: :class:`EnvPool`.

The pool has EnvPool's two primitives: ``send(actions, env_ids)`` hands actions to some envs
and returns at once; ``await recv()`` returns the first ``batch_size`` envs that finished.
``await step(actions)`` is ``send`` to all envs and waiting for all of them (sync mode).

How it works: a step of an env is one write and one read callback, with no task, future or
timeout object of its own. ``send`` writes each env's step command (built once per action);
the env's reply (a fixed binary layout) is handed from the event loop's read callback
straight to the pool, which only notes that it arrived. When the waiting ``recv``/``step``
has enough replies it wakes, once, and settles them as one batch: the replies decoded with
one numpy view, each frame converted into the env's slot of the preallocated frame stacks
(:class:`~aiomame.machine.stack.FrameStacks`), memory values, rewards and episode ends written for
all of them at once (:class:`~aiomame.episodes.episode.Episodes`). One loop timer watches all the
steps in flight for ``step_timeout``. Everything that needs to await (a new episode, an
autoreset, a failed MAME and its restart) goes to the env's long-lived worker task.

Lifecycle: ``EnvPool(...)`` → ``await start()`` (or ``async with``) → ``reset`` /
``step`` / ``send``+``recv`` / ``collect`` … → ``await close()``. Per env: idle → (send)
stepping → (done) holding a result → (recv or step) idle. Calls in the wrong state raise
:class:`~aiomame.errors.StateError`; bad actions or env ids raise
:class:`~aiomame.errors.InvalidArgumentError`.

A MAME that dies or stops answering is reaped and restarted by the env's worker while the
others go on (see :mod:`aiomame.pools.restarter`).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import operator
import os
import struct
import warnings
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from ..checks import check_bool, check_step_limit, invalid_choice, is_int
from ..episodes.episode import Episodes
from ..errors import (
    EnvDeadError,
    GameError,
    InvalidArgumentError,
    MameExitedError,
    MameTimeoutError,
    ProtocolError,
    StateError,
    UnknownInputError,
)
from ..games import GAMES, Game, get_game, is_game
from ..machine.analog import check_value
from ..machine.emulator import Action, Address, Emulator, check_emulator_kwargs
from ..machine.frames import ObsSpec
from ..machine.stack import FrameStacks
from ..machine.state import State
from ..transport.protocol import REPLY_HEAD, REPLY_KIND, ConnectionLost, PluginConnection
from ..transport.shared_frames import SharedFrames
from .batch import Batch, Buffers
from .front import (
    DONE,
    NO_INFO,
    STEPPING,
    EnvSlot,
    EnvState,
    PoolFront,
    show,
)
from .restarter import Restarter

__all__ = ["AUTORESET_MODES", "Batch", "EnvDeadError", "EnvPool", "EnvState", "Restarter"]

AUTORESET_MODES = ("same-step", "next-step")
"""What the pool can do when an episode ends, by Gymnasium's names: see :class:`EnvPool`."""

log = logging.getLogger("aiomame.pools.pool")

# A MAME that went away, went silent or garbled its replies: restart it.
FAILURES = (MameExitedError, MameTimeoutError, ProtocolError, OSError)
_ENV_ID = operator.attrgetter("id")
_REPLY_HEAD = struct.Struct(f"<{REPLY_HEAD}q")  # kind, frame number, width, height, nbytes


class _Env(EnvSlot):
    """One env's state: its emulator, its worker, where it is in its episode."""

    def __init__(self, env_id: int, game: Game | None, emulator: Emulator) -> None:
        super().__init__(env_id)
        self.game = game
        self.emulator = emulator
        self.ended = False  # its episode ended (next-step autoreset: its next step begins)
        self.inbox: asyncio.Future[tuple[str, Any]] | None = None
        self.worker: asyncio.Task[None] | None = None
        self.stepped = False  # the current job's step is done (what may fail is the reset)
        self.staged: dict[str, Any] | None = None  # first step after a restart
        self.commands: list[bytes] = []  # per action index: the step command (a game's)
        self.sink: Callable[[Any], None] | None = None  # takes this env's step replies
        self.in_flight = False  # a step sent on the fast path, its reply not yet in
        self.deadline = 0.0  # when that step times out (loop time)
        self.reply = b""  # that step's reply, until the pool settles it
        self.conn: PluginConnection = None  # type: ignore[assignment]  # set by the pool's _arm
        self.write: Callable[[bytes], None] = _not_armed  # writes a command to its MAME
        self.working = False  # its worker is running a job (or a restart)


class EnvPool(PoolFront):
    """``num_envs`` MAME machines stepped from one asyncio process.

    ``game``: a game definition (a name in :data:`aiomame.games.GAMES` or a
    :class:`~aiomame.games.Game`), or a plain MAME system name.

    - With a game definition, actions are discrete action indices (ints, one per env), and
      the pool gives rewards, ``terminated``/``truncated`` (``max_episode_steps``) and
      resets finished episodes itself. ``reset()`` starts new games.
    - A game of several players (:attr:`Game.players`): agents play every player, each
      env's action is one per player (``(num_envs, players)`` ints for discrete actions)
      and ``rewards`` is ``(num_envs, players)``, player 1's first. With
      ``opponent="cpu"`` the game's own AI plays the others (a one-player game): actions
      and rewards are player 1's. (A policy as the opponent: the Gymnasium adapters.)
    - With a plain system, give ``roms_path``, ``memory_addresses`` and ``frame_ratio``;
      actions are, per env, a sequence of :class:`~aiomame.Action` held for the step. The
      pool returns frames and memory values; rewards are 0 and episodes never end (except
      when a MAME fails). ``reset()`` hard-resets the machines.

    ``autoreset_mode`` (also in ``metadata``), Gymnasium's two modes: with ``"same-step"``
    (the default) the row of the step that ended an episode already shows the next
    episode's first frame and memory values; the last ones are in
    ``infos[k]["final_frame"]`` / ``["final_info"]``; ``rewards``, ``terminated`` and
    ``truncated`` are those of the ending step. With ``"next-step"`` that row shows the
    episode's last frame, and the env's next step starts the new episode instead of
    stepping (its action is not applied; the row: first frame, reward 0, not done).
    ``max_episode_steps`` overrides the game's step limit (None: the game's).

    When an env's MAME dies or gives no answer within ``step_timeout``, its row reports
    ``truncated`` with the error in ``infos[k]["error"]`` (frame and memory values: the last
    good ones), and the env's MAME is restarted in the background while the others step on.
    The env's next step returns the new episode's first frame with ``infos[k]["restarted"]``;
    the action sent for it is not applied (it was chosen for a machine that is gone). After
    ``restart_limit`` failed restarts in a row the env is dead: collecting it raises
    :class:`EnvDeadError`, and so does sending to it.

    ``batch_size``: how many envs ``recv()`` returns (default: all). ``start_concurrency``:
    MAMEs starting at once (default ``min(num_envs, 2 * cores)``). ``frames=False`` skips
    the pixels. ``frame_stack=k`` makes each observation the env's last k frames, oldest
    first (a new episode starts with k copies of its first frame). ``copy=True`` returns
    batches the caller owns instead of views. Other keyword arguments (``obs_type``,
    ``resize``, ``interpolation``, ``step_timeout``, ``mame_binary``, ``media``,
    ``software``, ``extra_args``...) go to each :class:`~aiomame.Emulator`.
    """

    def __init__(
        self,
        game: str | Game,
        num_envs: int = 1,
        *,
        batch_size: int | None = None,
        roms_path: str | os.PathLike[str] | None = None,
        memory_addresses: Mapping[str, Address] | None = None,
        frame_ratio: int | None = None,
        max_episode_steps: int | None = None,
        autoreset_mode: str = "same-step",
        frames: bool = True,
        frame_stack: int | None = None,
        copy: bool = False,
        start_concurrency: int | None = None,
        restart_limit: int = 3,
        restarter: Restarter | None = None,
        opponent: str | None = None,
        **emulator_kwargs: Any,
    ) -> None:
        super().__init__(num_envs, batch_size)
        if opponent not in (None, "cpu"):
            raise InvalidArgumentError(
                f"EnvPool's opponent is None (agents play every player) or 'cpu' (the game's "
                f"own AI), got {opponent!r}; a policy plays through aiomame.gym's "
                "MameVectorEnv(opponent=...)")
        concurrency = min(num_envs, 2 * (os.cpu_count() or 1)) if start_concurrency is None \
            else start_concurrency
        if not is_int(concurrency) or concurrency < 1:
            raise InvalidArgumentError(
                f"start_concurrency must be an int >= 1, got {start_concurrency!r}")
        if autoreset_mode not in AUTORESET_MODES:
            raise invalid_choice("autoreset_mode", autoreset_mode, AUTORESET_MODES)
        check_step_limit(max_episode_steps)
        check_bool("frames", frames)
        check_bool("copy", copy)
        if not is_int(restart_limit) or restart_limit < 0:
            raise InvalidArgumentError(f"restart_limit must be an int >= 0, got {restart_limit!r}")
        if restarter is not None and not isinstance(restarter, Restarter):
            raise InvalidArgumentError(f"restarter must be a Restarter or None, got {restarter!r}")
        check_emulator_kwargs("EnvPool", emulator_kwargs, EnvPool.__init__)
        self.autoreset_mode = autoreset_mode
        self.metadata: Mapping[str, Any] = MappingProxyType({"autoreset_mode": autoreset_mode})
        self.frames, self.copy = frames, copy
        self.restarter = restarter or Restarter(restart_limit)
        self._start_slots = asyncio.Semaphore(concurrency)

        self.game, self._games, self.system, self._emulator_args = _configure(
            game, num_envs, roms_path, memory_addresses, frame_ratio, emulator_kwargs)
        game = self.game
        if opponent == "cpu":
            if game is None:
                raise InvalidArgumentError(f"opponent='cpu' needs a game definition, not the "
                                           f"plain system {self.system!r}")
            for each in dict.fromkeys(self._games):  # the same instance once
                assert each is not None
                each.set_versus_cpu(True)
        if game is not None:  # the game's observation and media defaults, where none given
            emulator_kwargs = game.emulator_options(
                emulator_kwargs if frame_stack is None
                else {**emulator_kwargs, "frame_stack": frame_stack})
            frame_stack = emulator_kwargs.pop("frame_stack", None)
        self.frame_stack = ObsSpec(frame_stack=1 if frame_stack is None else frame_stack
                                   ).frame_stack
        self._buttons = 0 if game is None else len(game.buttons)
        self._axes = game is not None and bool(game.axes)
        self._players = 1 if game is None else game.controlled_players
        self._choices: tuple[int, ...] = ()  # per player: its discrete actions
        self._action_inputs = [] if game is None or self._buttons or self._axes \
            else self._joint_table(game)
        self._emulator_kwargs = emulator_kwargs
        self._names = list(self._emulator_args[2] or {})
        self._envs = [_Env(i, g, self._new_emulator()) for i, g in enumerate(self._games)]
        self._episodes = Episodes(self._games, self._names, max_episode_steps)
        self._reply_words = REPLY_HEAD + len(self._names)  # protocol.decode_frame's layout
        self._reply_size = 8 * self._reply_words
        self._reply_struct = struct.Struct(f"<{self._reply_words}q")  # one reply's words
        first = self._envs[0].emulator
        self._step_timeout = first.step_timeout
        # bgra as MAME draws it, one frame per env: MAMEs write into the batch itself.
        self._zero_copy = (frames and self.frame_stack == 1 and first.obs.obs_type == "bgra"
                           and first.obs.resize is None and not first.maxpool)
        self._shared: SharedFrames | None = None
        self._frame_size = (0, 0)  # (width, height) of the screen at start, unrotated
        self._resized: dict[int, tuple[int, int]] = {}  # env -> its frame's other size
        self._known_actions: set[Action] = set()
        self._rows: Buffers | None = None  # one row per env, written by the workers
        self._stacks: FrameStacks | None = None  # each env's frames (rows.frames: k == 1)
        self._out: Buffers | None = None  # batches gathered from the rows
        self._infos: list[Mapping[str, Any]] = [NO_INFO] * num_envs
        self._timer: asyncio.TimerHandle | None = None  # the step timeout of the fast path
        self._watches: list[Any] = []  # aiomame.web servers watching: closed with the pool
        self._started = False

    def _joint_table(self, game: Game) -> list[tuple[Action, ...]]:
        """The inputs of each joint action index (player 1's action the most significant
        digit): a game's discrete actions, one entry per combination of the players'."""
        players = [game.controls(p) for p in range(1, self._players + 1)]
        self._choices = tuple(len(c.action_names()) for c in players)
        return [tuple(itertools.chain.from_iterable(
                    c.actions[c.action_names()[a]] for c, a in zip(players, combo, strict=True)))
                for combo in itertools.product(*(range(n) for n in self._choices))]

    def _new_emulator(self) -> Emulator:
        system, roms, addresses, ratio = self._emulator_args
        return Emulator(system, roms, addresses, ratio, **self._emulator_kwargs)

    # -- what the pool has -----------------------------------------------------------------
    @property
    def emulators(self) -> list[Emulator]:
        """Each env's current emulator (a restart replaces it)."""
        return [env.emulator for env in self._envs]

    @property
    def games(self) -> list[Game | None]:
        """Each env's game definition (None for a plain system; a Game instance given to
        the pool is shared by all)."""
        return [env.game for env in self._envs]

    @property
    def frame_shape(self) -> tuple[int, ...] | None:
        """The shape of one env's observation (uint8), known once started: one frame as
        ``obs_type``/``resize`` make it, ``(frame_stack, *frame)`` when stacking; None with
        ``frames=False``."""
        out = self._out
        return None if out is None or out.frames is None else out.frames.shape[1:]

    @property
    def memory_names(self) -> list[str]:
        return list(self._names)

    @property
    def action_names(self) -> list[str]:
        """The game's discrete actions, in index order (empty for a plain system)."""
        return self.game.action_names() if self.game is not None else []

    def progress(self) -> dict[str, Any]:
        """A snapshot for monitors (:mod:`aiomame.web`), read between steps at no cost to
        them: per env (lists) ``episode`` (episodes begun), ``steps`` (in the episode),
        ``restarts``, ``dead``, ``values`` (the last memory values, a row per env);
        ``returns`` / ``last_returns`` (reward summed in the current / last episode, NaN if
        unknown) while :meth:`track_returns` is on, else None; ``total_steps`` (all envs)."""
        episodes, rows = self._episodes, self._rows
        restarts = self.restarter.restarts
        return {"episode": episodes.episodes.tolist(), "steps": episodes.steps.tolist(),
                "restarts": [restarts.get(i, 0) for i in range(self.num_envs)],
                "dead": [env.dead is not None for env in self._envs],
                "values": [] if rows is None else rows.values.tolist(),
                "returns": None if episodes.returns is None else episodes.returns.tolist(),
                "last_returns": None if episodes.last_returns is None
                else episodes.last_returns.tolist(),
                "total_steps": episodes.total_steps}

    def track_returns(self, on: bool) -> None:
        """Sum each env's rewards per episode from now on (for :meth:`progress`), or stop
        (off by default: the step path then only checks one attribute). Raises
        InvalidArgumentError when ``on`` is not a bool."""
        check_bool("on", on)
        self._episodes.track_returns(on)

    async def watch(self, port: int = 0, host: str = "127.0.0.1", fps: float = 10.0) -> Any:
        """Serve a page showing every env's screen and progress, live
        (:func:`aiomame.web.watch`; needs ``aiomame[web]``): returns the handle, whose
        ``url`` holds the token and ``close()`` stops it. Raises ServeError when the port
        is taken or the host is not this machine's, StateError before start."""
        from ..web import watch

        return await watch(self, port=port, host=host, fps=fps)

    # -- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> EnvPool:
        """Start every MAME (at most ``start_concurrency`` at once).

        If one fails, the others are closed and its error is raised.
        """
        if self._started or self._closed:
            raise StateError("an EnvPool starts only once")
        self._started = True
        loop = asyncio.get_running_loop()
        tasks = [loop.create_task(self._start_emulator(env.emulator)) for env in self._envs]
        try:
            await asyncio.gather(*tasks)
            if self.game is not None:
                self.game.bind_axes(self._envs[0].emulator.list_actions())
            self._allocate()
            if self._shared is not None:
                await asyncio.gather(*(self._share(env.emulator, env.id) for env in self._envs))
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.close()
            raise
        self._loop = loop
        for env in self._envs:
            self.restarter.started(env.id)
            self._arm(env)
            env.inbox = loop.create_future()
            env.worker = loop.create_task(self._work(env), name=f"aiomame env {env.id}")
        return self

    def _arm(self, env: _Env) -> None:
        """Make ``env``'s step commands (a game's discrete actions), reply sink and the
        connection it steps on, for its current emulator."""
        frame = self._stacks is not None
        emulator = env.emulator
        env.commands = [emulator.step_command(inputs, frame) for inputs in self._action_inputs]
        env.sink = functools.partial(self._stepped, env)
        env.conn, env.write = emulator.process.step_channel()

    async def _share(self, emulator: Emulator, env: int) -> None:
        """Have ``emulator``'s MAME write its frames into env ``env``'s shared slot."""
        shared = self._shared
        assert shared is not None
        await emulator.process.redirect_frames(shared.path, shared.offset(env), shared.nbytes)

    async def _start_emulator(self, emulator: Emulator) -> None:
        async with self._start_slots:
            await emulator.start()

    def _allocate(self) -> None:
        shape = self._envs[0].emulator.frame_shape
        if self.frames and shape is None:
            raise InvalidArgumentError(f"{self.system!r} has no screen: use frames=False")
        stacks = None
        if self.frames:
            assert shape is not None
            slots = None
            first = self._envs[0].emulator
            size = first.screen_size
            assert size is not None
            self._frame_size = size
            if self._zero_copy:
                self._shared = SharedFrames(self.num_envs, *size)
                slots = first.oriented(self._shared.raw)[:, None]
            stacks = self._stacks = FrameStacks(self.num_envs, self.frame_stack, shape, slots)
            shape = shape if self.frame_stack == 1 else (self.frame_stack, *shape)
        self._rows = Buffers(self.num_envs, None, self._names, self._players)
        if stacks is not None and stacks.k == 1:
            self._rows.frames = stacks.slots[:, 0]  # the frames, in env order: a batch as is
        self._out = Buffers(self.num_envs, shape if self.frames else None, self._names,
                            self._players)
        self._valid_inputs = {(a["port"], a["field"]): a
                              for a in self._envs[0].emulator.list_actions()}

    async def close(self) -> None:
        """Stop the workers and every MAME; safe to call more than once, and after errors."""
        if self._closed:
            return
        self._closed = True
        self.restarter.stop()
        for watch in list(self._watches):  # before the frames they read go away
            await watch.close()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._arrived = []
        workers = [env.worker for env in self._envs if env.worker is not None]
        for worker in workers:
            worker.cancel()
        try:
            await asyncio.gather(*workers, return_exceptions=True)
        finally:
            await asyncio.gather(*(env.emulator.close() for env in self._envs),
                                 return_exceptions=True)
            if self._shared is not None:
                self._shared.close()
            self._fail_waiter()

    async def __aenter__(self) -> EnvPool:
        return await self.start()

    def __del__(self) -> None:
        if getattr(self, "_started", False) and not self._closed:
            warnings.warn(f"EnvPool of {self.num_envs} {self.system!r} was not closed: "
                          "use `async with` or await close()", ResourceWarning, stacklevel=2)

    def _check_running(self) -> None:
        if self._closed:
            raise StateError("the pool is closed")
        if self._rows is None:
            raise StateError("the pool is not started: use `async with` or await start()")

    # -- sending -----------------------------------------------------------------------------
    def send(self, actions: Any, env_ids: Sequence[int] | np.ndarray | None = None) -> None:
        """Start a step on each of ``env_ids`` (default: all) with its action; returns at once.

        ``actions[k]`` is for env ``env_ids[k]``: an action index with a game definition, a
        sequence of :class:`~aiomame.Action` with a plain system. All is checked first:
        on an error no env was sent anything.
        """
        self._check_running()
        ids = self._check_ids(env_ids)
        jobs = self._check_actions(actions, ids)
        self._check_stepping(ids)
        self._send_steps(ids, jobs)

    def _send_steps(self, ids: list[int], jobs: list[Any]) -> None:
        """Step each of ``ids`` with its job (an action index of a game with discrete
        actions, else the inputs to hold): written at once where the env can step as is,
        else handed to its worker (a restarted env's first step, a next-step autoreset, or
        a restart still under way)."""
        envs, table = self._envs, self._action_inputs
        indexed, frame = bool(table), self._stacks is not None
        deadline = self._loop.time() + self._step_timeout
        for i, job in zip(ids, jobs, strict=True):
            env = envs[i]
            env.state = STEPPING
            conn = env.conn
            if env.staged is not None or env.ended or env.working:
                env.inbox.set_result(("step", table[job] if indexed else job))  # type: ignore[union-attr]
                continue
            command = env.commands[job] if indexed else env.emulator.step_command(job, frame)
            if conn._lost or conn._fault is not None:  # went away since its last step
                env.inbox.set_result(("fail", conn._fault or ConnectionLost()))  # type: ignore[union-attr]
                continue
            conn.sink = env.sink
            env.write(command)
            env.emulator._busy = True
            env.in_flight = True
            env.deadline = deadline
        if self._timer is None:
            self._timer = self._loop.call_at(deadline, self._expire)

    def _expire(self) -> None:
        """The step timer: each step in flight past its deadline fails (its MAME is then
        killed and restarted by the worker); set again for the next deadline."""
        self._timer = None
        now, soonest = self._loop.time(), None
        for env in self._envs:
            if not env.in_flight:
                continue
            if env.deadline <= now:
                env.in_flight = False
                env.emulator._busy = False
                env.emulator.process.abandon_step()
                env.inbox.set_result(("fail", TimeoutError()))  # type: ignore[union-attr]
            elif soonest is None or env.deadline < soonest:
                soonest = env.deadline
        if soonest is not None:
            self._timer = self._loop.call_at(soonest, self._expire)

    def _stepped(self, env: _Env, reply: Any) -> None:
        """An env's step reply, from the event loop's read callback: its frame taken into
        the env's slot of the stacks at once (MAME has just written it: it is still in the
        caches, and the other MAMEs run on meanwhile), the rest noted for the batch
        (:meth:`_settle`); anything but a step reply goes to the env's worker as a failure."""
        env.in_flight = False
        emulator = env.emulator
        emulator._busy = False
        if self._closed:
            return
        if reply.__class__ is not bytes or len(reply) != self._reply_size:
            env.inbox.set_result(("fail", reply))  # type: ignore[union-attr]
            return
        kind, _, width, height, nbytes = _REPLY_HEAD.unpack_from(reply)
        stacks = self._stacks
        try:
            if kind != REPLY_KIND or nbytes != width * height * 4 \
                    or (stacks is not None and not nbytes):
                self._odd_frame(env, kind, width, height, nbytes)
            elif self._shared is not None:  # the frame is in the batch already
                emulator.saw_frame(width, height)
            elif stacks is not None:
                emulator.frame_into(width, height, stacks.next_slot(env.id))
                if width != self._frame_size[0] or height != self._frame_size[1]:
                    self._note_size(env)
        except FAILURES as exc:
            env.inbox.set_result(("fail", exc))  # type: ignore[union-attr]
            return
        except Exception as exc:
            env.error = exc
            self._finish(env)
            return
        env.reply = reply
        arrived = self._arrived
        arrived.append(env)
        waiter = self._waiter  # as _notify, inline: this runs once per env step
        if waiter is not None and not waiter.future.done():
            if waiter.ids is None:
                if len(self._ready) + len(arrived) >= waiter.left:
                    waiter.future.set_result(None)
            elif env.id in waiter.ids:
                waiter.left -= 1
                if not waiter.left:
                    waiter.future.set_result(None)

    def _odd_frame(self, env: _Env, kind: int, width: int, height: int, nbytes: int) -> None:
        """A step reply that is not a frame of the pool's screen size as expected: a frame
        of another size, in MAME's own frames file (a shared-frames pool), scaled into the
        env's slot; else ProtocolError."""
        stacks = self._stacks
        if (kind != REPLY_KIND or stacks is None or not nbytes
                or nbytes != -width * height * 4 or self._shared is None):
            raise ProtocolError(f"a step reply of kind {kind} with a frame of "
                                f"{width}x{height} in {nbytes} bytes"
                                + ("" if nbytes else ", where a frame was asked for"))
        env.emulator.frame_into(width, height, stacks.next_slot(env.id), own=True)
        self._note_size(env)

    def _note_size(self, env: _Env) -> None:
        """``env``'s last frame had another size than the screen's at start (and was scaled
        into the pool's observation): its row's info says so (``"frame_size"``)."""
        self._resized[env.id] = env.emulator.display_size  # type: ignore[assignment]

    def _tag_size(self, env_id: int) -> None:
        """Put a noted other frame size (:meth:`_note_size`) into ``env_id``'s info."""
        size = self._resized.pop(env_id, None)
        if size is not None:
            self._infos[env_id] = {**self._infos[env_id], "frame_size": size}

    def _settle(self) -> None:
        """The arrived replies, as one batch: memory values, rewards and episode ends into
        the rows; those envs done (or, to their workers, an autoreset)."""
        arrived = self._arrived
        if not arrived:
            return
        self._arrived = []
        if len(arrived) == 1:  # one env (a pool of one, async recv): plain ints are cheaper
            values: tuple[int, ...] | np.ndarray = \
                self._reply_struct.unpack(arrived[0].reply)[REPLY_HEAD:]
        else:
            arrived.sort(key=_ENV_ID)  # in env order: a whole pool's batch is then a slice
            values = np.frombuffer(b"".join([env.reply for env in arrived]), "<i8").reshape(
                len(arrived), self._reply_words)[:, REPLY_HEAD:]
        self._account(arrived, values)

    def _account(self, envs: list[_Env], values: tuple[int, ...] | np.ndarray) -> None:
        """A step's results of ``envs`` (their frames are in the stacks' next slots, their
        memory values the rows of ``values``, or the values of the one env) into the rows;
        the envs done, or handed to their workers for a same-step autoreset."""
        rows = self._rows
        assert rows is not None
        ids = [env.id for env in envs]
        stacks = self._stacks
        if stacks is not None and stacks.k > 1:
            for i in ids:
                stacks.push(i)
        index: int | slice | np.ndarray
        try:
            if isinstance(values, tuple):
                index = ids[0]
                rewards, terminated, truncated, steps, ended = self._episodes.advance_one(
                    index, values)
                ends: Sequence[int] = (0,) if ended else ()
            else:
                index = slice(None) if ids == self._all_ids else np.array(ids)
                rewards, terminated, truncated, steps, ended = self._episodes.advance(
                    index, values)
                ends = np.flatnonzero(ended).tolist() if ended.any() else ()
        except Exception as exc:  # e.g. a bug in a game definition: the callers get it
            for env in envs:
                env.error = exc
                self._done(env)
            return
        rows.values[index] = values
        rows.rewards[index] = rewards
        rows.terminated[index] = terminated
        rows.truncated[index] = truncated
        rows.elapsed_steps[index] = steps
        infos, ready = self._infos, self._ready
        for env in envs:
            env.has_obs = True
            env.state = DONE
            ready[env.id] = None
            infos[env.id] = NO_INFO
        for j in ends:
            env = envs[j]
            i = env.id
            if self.autoreset_mode == "next-step":
                env.ended = True
                continue
            # Same-step autoreset: keep the end, show the next episode's first step.
            infos[i] = {"final_frame": None if stacks is None else stacks.stack(i).copy(),
                        "final_info": dict(zip(self._names, rows.values[i].tolist(),
                                               strict=True))}
            env.state = STEPPING
            del ready[i]
            self._uncount(env)
            env.inbox.set_result(("autoreset", None))  # type: ignore[union-attr]
        if self._resized:
            for env in envs:
                self._tag_size(env.id)

    def async_reset(self, seed: int | Sequence[int | None] | None = None,
                    env_ids: Sequence[int] | np.ndarray | None = None, *,
                    state: State | bytes | None = None) -> None:
        """Start a new game on each of ``env_ids`` (default: all); collect with ``recv()``.

        ``seed``: an int (env ``i`` gets ``seed + i``), one per env in ``env_ids``, or None.
        Without a game definition the machines are hard-reset. With a saved ``state``, each
        env loads it instead and steps once from there (a game then plants the seed, if
        one is given, before that step); the state is checked before anything is sent.
        """
        self._check_running()
        ids, seeds = self._reset_seeds(seed, env_ids)
        if state is not None:
            checked = self._envs[0].emulator.check_state(state)
            if self.game is not None:
                seeds = [self.game.check_seed(s, planted=True) for s in seeds]
        else:
            checked = None
        self._dispatch(ids, [("begin", (s, checked)) for s in seeds])

    def _dispatch(self, ids: list[int], jobs: list[tuple[str, Any]]) -> None:
        envs = self._envs
        for i, job in zip(ids, jobs, strict=True):
            env = envs[i]
            env.state = STEPPING
            env.inbox.set_result(job)  # type: ignore[union-attr]

    def _check_actions(self, actions: Any, ids: list[int]) -> list[Any]:
        """One job per env: an action index for a game with discrete actions, else the
        inputs to hold (a tuple of Action)."""
        n = len(ids)
        if self._players > 1:
            return self._check_joint(actions, ids)
        if self._axes:
            assert self.game is not None
            return self.game.axis_inputs(actions, n) if n else []
        if self._buttons:
            return self._check_buttons(actions, ids)
        if self.game is not None:
            array = np.asarray(actions)
            table = self._action_inputs
            if array.shape != (n,):
                raise InvalidArgumentError(
                    f"actions has shape {array.shape}; expected ({n},): one action index per "
                    f"env in env_ids, each in 0..{len(table) - 1} "
                    f"({', '.join(self.action_names)})")
            if n and array.dtype.kind not in "iu":
                raise InvalidArgumentError(
                    f"actions must be ints (action indices), got {show(actions)} "
                    f"(dtype {array.dtype})")
            listed = array.tolist()
            if n and min(listed) >= 0 and max(listed) < len(table):
                return listed
            for k, a in enumerate(listed):
                if not 0 <= a < len(table):
                    raise InvalidArgumentError(
                        f"actions[{k}] (env {ids[k]}) is {a}: not an action of "
                        f"{self.game.name!r}; valid: 0..{len(table) - 1} "
                        f"({', '.join(self.action_names)})")
            return listed
        if isinstance(actions, (str, bytes, Action)) or not hasattr(actions, "__len__"):
            raise InvalidArgumentError(
                f"actions must hold one sequence of Action per env in env_ids ({n}), "
                f"got {show(actions)}")
        if len(actions) != n:
            raise InvalidArgumentError(
                f"actions has {len(actions)} entries; expected {n}: one sequence of Action per "
                f"env in env_ids")
        jobs = []
        for k, env_actions in enumerate(actions):
            if isinstance(env_actions, (Action, str, bytes)) \
                    or not hasattr(env_actions, "__iter__"):
                raise InvalidArgumentError(
                    f"actions[{k}] (env {ids[k]}) is {env_actions!r}: give a sequence of Action "
                    "per env, e.g. [[Action(':IN1', 'Coin 1')], [], ...]")
            job = tuple(env_actions)
            for action in job:
                if action not in self._known_actions:
                    self._check_action(action, k, ids[k])
            jobs.append(job)
        return jobs

    def _check_joint(self, actions: Any, ids: list[int]) -> list[Any]:
        """Jobs of a game whose agents control several players: ``actions`` holds one row
        per env, one action per player (discrete: ``(n, players)`` ints, as joint action
        indices; else each row's inputs)."""
        game, n, c = self.game, len(ids), self._players
        assert game is not None
        if not self._action_inputs:
            if len(actions) != n if hasattr(actions, "__len__") else True:
                raise InvalidArgumentError(
                    f"actions must hold one row per env in env_ids ({n}), each one action per "
                    f"player ({c}), got {show(actions)}")
            return [game.joint_inputs(row) for row in actions]
        array = np.asarray(actions)
        if array.shape != (n, c) or (n and array.dtype.kind not in "iu"):
            raise InvalidArgumentError(
                f"actions has shape {array.shape} (dtype {array.dtype}); expected ({n}, {c}) "
                f"ints: one row per env in env_ids, one action index per player (player 1's "
                f"in 0..{self._choices[0] - 1}: {', '.join(self.action_names)})")
        bad = (array < 0) | (array >= np.asarray(self._choices))
        if bad.any():
            k, p = map(int, np.argwhere(bad)[0])
            names = game.controls(p + 1).action_names()
            raise InvalidArgumentError(
                f"actions[{k}, {p}] (env {ids[k]}, player {p + 1}) is {array[k, p]}: not an "
                f"action of {game.name!r}; valid: 0..{len(names) - 1} ({', '.join(names)})")
        return np.ravel_multi_index(array.T, self._choices).tolist() if n else []

    def _check_buttons(self, actions: Any, ids: list[int]) -> list[tuple[Action, ...]]:
        """Actions of a game with buttons: one 0/1 vector per env."""
        game = self.game
        assert game is not None
        n, f = len(ids), self._buttons
        array = np.asarray(actions)
        if array.shape != (n, f) or (array.size and array.dtype.kind not in "biu") \
                or not np.isin(array, (0, 1)).all():
            raise InvalidArgumentError(
                f"actions must be ({n}, {f}) zeros and ones: one vector per env in env_ids, "
                f"one entry per button ({', '.join(game.action_names())}); got "
                f"{show(actions)}")
        return [game.pressed(row) for row in array.tolist()]

    def _check_action(self, action: Any, k: int, env_id: int) -> None:
        if not isinstance(action, Action):
            raise InvalidArgumentError(
                f"actions[{k}] (env {env_id}) holds {action!r}, not an Action(port, field)")
        if (action.port, action.field) not in self._valid_inputs:
            ports = sorted({port for port, _ in self._valid_inputs})
            if action.port not in ports:
                raise invalid_choice("input port", action.port, ports, UnknownInputError)
            fields = sorted(f for p, f in self._valid_inputs if p == action.port)
            raise invalid_choice(f"input field of port {action.port!r}", action.field, fields,
                                 UnknownInputError)
        if not is_int(action.value):
            raise InvalidArgumentError(f"Action value must be an int, got {action.value!r}")
        entry = self._valid_inputs[action.port, action.field]
        if entry.get("analog"):
            check_value(action.port, action.field, entry, int(action.value))
        self._known_actions.add(action)

    # -- receiving ---------------------------------------------------------------------------
    def _batch(self, ids: list[int], gather: bool) -> Batch:
        infos = self._infos
        rows, out = self._rows, self._out
        assert rows is not None and out is not None
        if gather or (self._stacks is not None and self._stacks.k > 1):
            out.gather(rows, ids, self._stacks)
            batch = out.batch(len(ids), [infos[i] for i in ids])
        else:
            batch = rows.batch(self.num_envs, list(infos))
        return batch.copy() if self.copy else batch

    def _latest(self, ids: list[int]) -> Batch:
        assert self._rows is not None and self._out is not None
        self._out.gather(self._rows, ids, self._stacks)
        return self._out.batch(len(ids), [NO_INFO] * len(ids))

    # -- the workers -------------------------------------------------------------------------
    async def _work(self, env: _Env) -> None:
        """One env's loop: take a job, run it, hand over the result; restart a failed MAME."""
        loop = asyncio.get_running_loop()
        while True:
            assert env.inbox is not None
            env.working = False
            kind, arg = await env.inbox
            env.working = True
            env.inbox = loop.create_future()
            env.stepped = kind == "autoreset"  # the step is done; the reset may fail
            try:
                if kind == "step" and env.staged is None and not env.ended:
                    # Sent while the worker was busy: a step through the emulator, which
                    # _account finishes (or hands an autoreset back to this worker).
                    await self._step(env, arg)
                    continue
                if kind == "step":  # a restarted env's first step, or a next-step autoreset
                    if env.staged is not None:
                        self._show_staged(env)
                    else:
                        await self._begin(env, None, None)
                elif kind == "autoreset":
                    await self._autoreset(env)
                elif kind == "fail":  # a step on the fast path failed
                    raise await self._step_failure(env, arg)
                else:
                    await self._begin(env, *arg)
            except FAILURES as exc:
                self._report_failure(env, exc)
                self._finish(env)
                if not await self._recover(env, exc):
                    return
                continue
            except Exception as exc:  # e.g. a bug in a game definition: the caller gets it
                env.error = exc
            self._finish(env)

    async def _step(self, env: _Env, inputs: tuple[Action, ...]) -> None:
        """A step through the emulator's own call (the fast path's twin)."""
        stacks = self._stacks
        values, _ = await env.emulator.step_into(
            inputs, frame=stacks is not None,
            out=None if stacks is None else stacks.next_slot(env.id))
        if stacks is not None and env.emulator.screen_size != self._frame_size:
            self._note_size(env)
        self._account([env], tuple(values))

    async def _step_failure(self, env: _Env, reply: Any) -> BaseException:
        """The error of a fast-path step that got ``reply`` (see MameProcess.fail). In its own
        frame: a local of the worker's would keep the dead MAME's process (its connection,
        buffers and output lines) alive until the env's next failure."""
        process = env.emulator.process
        return await process.fail(process.step_error(reply), self._step_timeout)

    async def _autoreset(self, env: _Env) -> None:
        self._show_start(env, await self._first_step(env.game, env.emulator, None, None))
        self._tag_size(env.id)

    async def _begin(self, env: _Env, seed: int | None, state: State | None) -> None:
        """Job: a new episode, as a game starts it or from a saved ``state``."""
        env.staged = None
        self._show_start(env, await self._first_step(env.game, env.emulator, seed, state))
        self._clear_row(env, NO_INFO)

    async def _first_step(self, game: Game | None, emulator: Emulator, seed: int | None,
                          state: State | None) -> dict[str, Any]:
        """A new episode's first step: the game's (:meth:`Game.begin`), or a plain system's
        (hard reset, or the loaded ``state``, then one step)."""
        if game is not None:
            return await game.begin(emulator, seed, state)
        if state is None:
            await emulator.reset("hard")
        else:
            await emulator.load_state(state)
        return await emulator.step(frame=self._stacks is not None)

    def _show_start(self, env: _Env, data: Mapping[str, Any]) -> None:
        """Write a new episode's first step (frame and memory) into the env's rows."""
        rows = self._rows
        assert rows is not None
        stacks = self._stacks
        if stacks is not None:
            if "frame" not in data:
                raise GameError(f"{env.game.name if env.game else self.system!r}: the first "
                                "step of a new game has no frame (end new_game with "
                                "`return await emu.step()`)")
            slot, frame = stacks.next_slot(env.id), data["frame"]
            if frame.shape == slot.shape:
                np.copyto(slot, frame)
            else:  # the screen changed size: scaled into the pool's observation
                env.emulator.observe_into(slot)
            if env.emulator.screen_size != self._frame_size:
                self._note_size(env)
            stacks.fill(env.id)
        values = [data[name] for name in self._names]
        rows.values[env.id] = values
        self._episodes.begin(env.id, values)
        env.ended = False
        env.has_obs = True

    def _show_staged(self, env: _Env) -> None:
        """The first step after a restart: the new episode's start, prepared by _recover."""
        data, env.staged = env.staged, None
        assert data is not None
        self._show_start(env, data)
        self._clear_row(env, {"restarted": True})

    def _clear_row(self, env: _Env, info: Mapping[str, Any]) -> None:
        """A new episode's first row: no reward, not done, step 0."""
        rows = self._rows
        assert rows is not None
        rows.rewards[env.id] = 0.0
        rows.terminated[env.id] = rows.truncated[env.id] = False
        rows.elapsed_steps[env.id] = 0
        self._infos[env.id] = info
        self._tag_size(env.id)

    def _report_failure(self, env: _Env, error: BaseException) -> None:
        """The row of a step whose MAME failed: truncated, the error in info."""
        rows = self._rows
        assert rows is not None
        i = env.id
        if env.stepped:  # the step itself was done; it is the autoreset that failed
            info = dict(self._infos[i])
        else:
            info = {}
            rows.rewards[i] = 0.0
            rows.terminated[i] = False
            rows.elapsed_steps[i] = self._episodes.steps[i]
        rows.truncated[i] = True
        info["error"] = error
        self._infos[i] = info

    async def _recover(self, env: _Env, error: BaseException) -> bool:
        """Replace the env's MAME; False (and the env is dead) when that is impossible."""
        try:
            await env.emulator.close()
        except Exception:
            log.exception("env %d: closing the failed MAME failed", env.id)
        try:
            env.emulator, env.staged = await self.restarter.restart(
                env.id, error, lambda: self._respawn(env))
            self._arm(env)
        except (EnvDeadError, StateError) as exc:
            env.dead = exc if isinstance(exc, EnvDeadError) else EnvDeadError(env.id, 0, exc)
            assert env.inbox is not None
            if env.inbox.done():  # a step was sent while restarting: fail it
                env.inbox = None
                env.error = env.dead
                self._finish(env)
            return False
        return True

    async def _respawn(self, env: _Env) -> tuple[Emulator, dict[str, Any]]:
        emulator = self._new_emulator()
        await self._start_emulator(emulator)
        try:
            stacks = self._stacks
            if stacks is not None and emulator.frame_shape != stacks.frame_shape:
                raise ProtocolError(f"restarted MAME has frames of {emulator.frame_shape}, "
                                    f"not {stacks.frame_shape}")
            if self._shared is not None:
                await self._share(emulator, env.id)
            data = await self._first_step(env.game, emulator, None, None)
        except BaseException:
            await emulator.close()
            raise
        return emulator, data


def _not_armed(command: bytes) -> None:
    raise StateError("the pool is not started")


def _configure(game: str | Game, num_envs: int, roms_path: Any, memory_addresses: Any,
               frame_ratio: int | None, emulator_kwargs: dict[str, Any]
               ) -> tuple[Game | None, list[Game | None], str, tuple[Any, ...]]:
    """(game definition or None, one per env, MAME system, Emulator's positional args);
    adds the game's output filter to ``emulator_kwargs``."""
    if isinstance(game, Game) or is_game(game):
        if memory_addresses is not None:
            raise InvalidArgumentError(
                "memory_addresses come from the game definition; give them only with a "
                "plain MAME system name")
        first = get_game(game)
        # A registered name: a definition per env (they may keep state); an instance: shared.
        games = [first] + [first if isinstance(game, Game) else get_game(game)
                           for _ in range(num_envs - 1)]
        roms, output_filter = first.rom_setup(roms_path, emulator_kwargs.get("mame_binary"))
        emulator_kwargs.setdefault("output_filter", output_filter)
        ratio = first.frame_ratio if frame_ratio is None else frame_ratio
        return first, games, first.system, (first.system, roms, first.memory_addresses, ratio)
    if not isinstance(game, str):
        raise InvalidArgumentError(
            f"game must be a game name, a Game or a MAME system name, got {game!r}")
    if roms_path is None:
        raise InvalidArgumentError(
            f"{game!r} is no registered game (those are: "
            f"{', '.join(map(repr, sorted(GAMES)))}); to run it as a plain MAME system, "
            "pass roms_path (and memory_addresses, frame_ratio)")
    ratio = 3 if frame_ratio is None else frame_ratio
    return None, [None] * num_envs, game, (game, roms_path, memory_addresses, ratio)
