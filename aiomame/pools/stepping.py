"""An :class:`~aiomame.pools.pool.EnvPool`'s step path (:class:`StepPath`): each env's step
command written at once, its reply taken from the event loop's read callback (the frame
into the env's slot of the stacks), one timer for every step in flight, and the arrived
replies settled as one batch (memory values, rewards, episode ends)."""

from __future__ import annotations

import asyncio
import operator
import struct
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..episodes.episode import Episodes
from ..errors import MameExitedError, MameTimeoutError, ProtocolError
from ..machine.stack import FrameStacks
from ..transport.protocol import REPLY_HEAD, REPLY_KIND, ConnectionLost
from ..transport.shared_frames import SharedFrames
from .batch import Buffers
from .front import DONE, NO_INFO, STEPPING, PoolFront

if TYPE_CHECKING:
    from ..machine.emulator import Action
    from .pool import _Env

# A MAME that went away, went silent or garbled its replies: restart it.
FAILURES = (MameExitedError, MameTimeoutError, ProtocolError, OSError)
_ENV_ID = operator.attrgetter("id")
_REPLY_HEAD = struct.Struct(f"<{REPLY_HEAD}q")  # kind, frame number, width, height, nbytes


class StepPath(PoolFront):
    """The part of :class:`~aiomame.pools.pool.EnvPool` that steps its envs and settles
    their replies; what needs to await goes to each env's worker (:mod:`~aiomame.pools.workers`)."""

    autoreset_mode: str
    _envs: list[_Env]
    _episodes: Episodes
    _names: list[str]
    _rows: Buffers | None  # one row per env, written by the workers
    _stacks: FrameStacks | None  # each env's frames (rows.frames: k == 1)
    _shared: SharedFrames | None
    _infos: list[Mapping[str, Any]]
    _action_inputs: list[tuple[Action, ...]]
    _frame_size: tuple[int, int]  # (width, height) of the screen at start, unrotated
    _resized: dict[int, tuple[int, int]]  # env -> its frame's other size
    _reply_size: int
    _reply_words: int
    _reply_struct: struct.Struct
    _step_timeout: float
    _timer: asyncio.TimerHandle | None  # the step timeout of the fast path
    _loop: asyncio.AbstractEventLoop

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
        # Plain numbers for one env (advance_one), arrays for several (advance).
        rewards: Any
        terminated: Any
        truncated: Any
        steps: Any
        ended: Any
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
