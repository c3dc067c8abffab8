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

Here: :class:`EnvPool`'s arguments, lifecycle, sending and batches; its parts are
:mod:`~aiomame.pools.actions` (checking actions), :mod:`~aiomame.pools.stepping` (the step
path, replies settled as batches), :mod:`~aiomame.pools.workers` (each env's worker: new
episodes, failures, restarts) and :mod:`~aiomame.pools.options` (the game or system each env
runs)."""

from __future__ import annotations

import asyncio
import os
import struct
import warnings
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, cast

import numpy as np

from ..checks import check_bool, check_step_limit, invalid_choice, is_int
from ..episodes.ale import AleEpisodes, with_preset
from ..episodes.episode import Episodes
from ..errors import EnvDeadError, InvalidArgumentError, StateError
from ..games import Game
from ..machine.emulator import Action, Address, Emulator, check_emulator_kwargs
from ..machine.frames import ObsSpec
from ..machine.stack import FrameStacks
from ..machine.state import State
from ..transport.protocol import REPLY_HEAD, PluginConnection
from ..transport.shared_frames import SharedFrames
from .actions import ActionChecks
from .batch import Batch, Buffers
from .front import NO_INFO, STEPPING, EnvSlot, EnvState
from .options import configure
from .restarter import Restarter
from .workers import Workers

__all__ = ["AUTORESET_MODES", "Batch", "EnvDeadError", "EnvPool", "EnvState", "Restarter"]

AUTORESET_MODES = ("same-step", "next-step")
"""What the pool can do when an episode ends, by Gymnasium's names: see :class:`EnvPool`."""


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


class EnvPool(ActionChecks, Workers):
    """``num_envs`` MAME machines stepped from one asyncio process.

    ``game``: a game definition (a name in :data:`aiomame.games.GAMES` or a
    :class:`~aiomame.games.Game`), or a plain MAME system name.

    - With a game definition, actions are discrete action indices (ints, one per env; or
      the actions' names, str), and
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

    ALE/EnvPool options (:mod:`aiomame.episodes.ale`), done in the pool for the batch:
    ``repeat_action_probability`` (sticky actions), ``noop_max`` (no-op steps after a
    reset), ``episodic_life`` (a life lost ends the episode, the game goes on),
    ``reward_clip`` (rewards clipped to their sign, the raw ones in
    :attr:`Batch.raw_rewards`); ``preset="atari"`` sets those and envpool's Atari
    observations (keywords given override it).
    """

    _envs: list[_Env]

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
        preset: str | None = None,
        repeat_action_probability: float | None = None,
        noop_max: int | None = None,
        episodic_life: bool | None = None,
        reward_clip: bool | None = None,
        **emulator_kwargs: Any,
    ) -> None:
        super().__init__(num_envs, batch_size)
        frame_ratio, frame_stack, max_episode_steps, ale = with_preset(
            preset, emulator_kwargs, frame_ratio, frame_stack, max_episode_steps,
            repeat_action_probability, noop_max, episodic_life, reward_clip)
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

        self.game, self._games, self.system, self._emulator_args = configure(
            game, num_envs, roms_path, memory_addresses, frame_ratio, emulator_kwargs)
        game = cast(Game, self.game)  # None for a plain system (the parameter's type to mypy)
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
        options = ale.for_game(game, self._names)
        self._ale = None if options is None else AleEpisodes(
            self._games, self._names, max_episode_steps, options, frames)
        self._episodes = self._ale if self._ale is not None \
            else Episodes(self._games, self._names, max_episode_steps)
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
        (:func:`aiomame.web.watch`; needs ``pip install ".[web]"``): returns the handle, whose
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
        if self._ale is not None and self._ale.clip:  # the rows' are the episodes' own
            self._rows.raw_rewards = self._ale.raw_rewards
            self._out.raw_rewards = np.zeros_like(self._ale.raw_rewards)
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

        ``actions[k]`` is for env ``env_ids[k]``: an action index (or name) with a game
        definition, a sequence of :class:`~aiomame.Action` with a plain system. All is
        checked first: on an error no env was sent anything.
        """
        self._check_running()
        ids = self._check_ids(env_ids)
        jobs = self._check_actions(actions, ids)
        self._check_stepping(ids)
        if self._ale is not None:
            jobs = self._ale.sticky(ids, jobs)
        self._send_steps(ids, jobs)

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
        if self._ale is not None:
            self._ale.seed(seeds)
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

def _not_armed(command: bytes) -> None:
    raise StateError("the pool is not started")


