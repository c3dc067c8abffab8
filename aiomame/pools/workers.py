"""Each env of an :class:`~aiomame.pools.pool.EnvPool` has a long-lived worker task, for
what needs to await (:class:`Workers`): a new episode, an autoreset, a step sent while it
was busy, and a failed MAME: reported in its row, closed, restarted
(:mod:`~aiomame.pools.restarter`) and armed again while the other envs step on."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import EnvDeadError, GameError, ProtocolError, StateError
from ..games import Game
from ..machine.emulator import Action, Emulator
from ..machine.state import State
from .front import NO_INFO
from .restarter import Restarter
from .stepping import FAILURES, StepPath

if TYPE_CHECKING:
    from ..episodes.ale import AleEpisodes
    from .pool import _Env

log = logging.getLogger("aiomame.pools.pool")


class Workers(StepPath):
    """The part of :class:`~aiomame.pools.pool.EnvPool` that runs each env's worker, and
    starts, arms and restarts its emulators."""

    system: str
    restarter: Restarter
    _emulator_args: tuple[Any, ...]
    _emulator_kwargs: dict[str, Any]
    _start_slots: asyncio.Semaphore
    _ale: AleEpisodes | None  # ALE/EnvPool options (aiomame.episodes.ale), if any

    def _new_emulator(self) -> Emulator:
        system, roms, addresses, ratio = self._emulator_args
        return Emulator(system, roms, addresses, ratio, **self._emulator_kwargs)

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
        self._show_start(env, await self._new_episode(env, None, None))
        self._tag_size(env.id)

    async def _begin(self, env: _Env, seed: int | None, state: State | None) -> None:
        """Job: a new episode, as a game starts it or from a saved ``state``."""
        env.staged = None
        self._show_start(env, await self._new_episode(env, seed, state))
        self._clear_row(env, NO_INFO)

    async def _new_episode(self, env: _Env, seed: int | None, state: State | None
                           ) -> dict[str, Any]:
        """A new episode's first step: :meth:`_first_step`, or with ALE options theirs
        (a life continued, no-ops: :meth:`AleEpisodes.start`)."""
        if self._ale is None:
            return await self._first_step(env.game, env.emulator, seed, state)
        return await self._ale.start(
            env.id, env.emulator, env.game, seed, state,
            lambda: self._first_step(env.game, env.emulator, seed, state),
            lambda: self._last_step(env))

    def _last_step(self, env: _Env) -> dict[str, Any]:
        """``env``'s last step again, as a first step's data (a life continued at once)."""
        assert self._rows is not None
        data: dict[str, Any] = dict(zip(self._names, self._rows.values[env.id].tolist(),
                                        strict=True))
        stacks = self._stacks
        if stacks is not None:
            shown = stacks.stack(env.id)
            data["frame"] = (shown if stacks.k == 1 else shown[-1]).copy()
        return data

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
        if rows.raw_rewards is not None:
            rows.raw_rewards[env.id] = 0.0
        rows.terminated[env.id] = rows.truncated[env.id] = False
        rows.elapsed_steps[env.id] = self._episodes.steps[env.id]  # 0, or a game's so far
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
            if rows.raw_rewards is not None:
                rows.raw_rewards[i] = 0.0
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
