"""Talking to the plugin once MAME runs: commands and their replies, steps, states through a
file, and the frames file mapped (see :class:`PluginChannel`, a part of
:class:`~aiomame.transport.process.MameProcess`). Failures become typed errors; a timeout or
a protocol fault leaves this MAME unusable.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import mmap
import os
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np

from ..errors import AiomameError, CommandError, ProtocolError, SaveStateError, StateError
from .protocol import ConnectionLost, Encoder, FrameReply, PluginConnection, decode_frame

# The plugin's error codes that mean MAME cannot save or load a state (SaveStateError).
SAVE_STATE_CODES = ("no_save", "load_failed", "save_failed", "state_file")

# What each command is, in the words of errors ("MAME went away while stepping").
DOING = {"step": "stepping", "watch": "setting the memory to watch", "read": "reading memory",
         "read_range": "reading a range of memory", "write": "writing memory",
         "reset": "resetting", "inputs": "listing the inputs", "save_state": "saving a state",
         "load_state": "loading a state", "frames": "redirecting the frames",
         "setting": "changing a machine setting",
         "exit": "exiting"}
STATE_FILE = "state"  # where a state crosses between MAME and Python, in the private dir
_TIMED_OUT = object()  # what a step's timer hands its future


def _settle(future: asyncio.Future[Any], reply: Any) -> None:
    if not future.done():
        future.set_result(reply)


def _read_state(path: str, reply: list[Any]) -> bytes:
    """The state the plugin's ``reply`` (``["state_file", size]``) says is in ``path``;
    ProtocolError if the reply or the file is not that."""
    if len(reply) != 2 or reply[0] != "state_file" or not isinstance(reply[1], int):
        raise ProtocolError(f"expected a state file's size, got {reply!r:.200}")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise ProtocolError(f"MAME said it saved a state into {path!r}, which cannot be "
                            f"read: {exc.strerror}") from None
    if len(data) != reply[1]:
        raise ProtocolError(f"MAME said it saved a state of {reply[1]} bytes; its file "
                            f"holds {len(data)}")
    return data


class PluginChannel:
    """The part of :class:`~aiomame.transport.process.MameProcess` that exchanges messages
    with the plugin (the attributes below are set by its ``__init__`` and ``start``; what to
    do when MAME fails is its :meth:`_failure`)."""

    _conn: PluginConnection | None
    _encode: Encoder
    _loop: asyncio.AbstractEventLoop
    _dir: str | None
    _closed: bool
    _broken: BaseException | None
    _frames_map: mmap.mmap | None
    _frames: np.ndarray | None
    _frames_at: tuple[str, int] | None
    _frames_own: bool

    async def _failure(self, exc: BaseException, doing: str,
                       timeout: float) -> BaseException | None:
        raise NotImplementedError

    def _check_usable(self) -> None:
        if self._broken is not None:
            raise StateError(f"this MAME can no longer be used: {self._broken}")
        if self._conn is None or self._closed:
            raise StateError("MAME is not running: call start() first" if not self._closed
                             else "MAME was closed")

    async def _exchange(self, command: bytes | None, read: Callable[[], Awaitable[Any]],
                        timeout: float, doing: str) -> Any:
        """Send ``command`` (if any), return ``await read()``; failures become typed errors."""
        try:
            async with asyncio.timeout(timeout):
                if command is not None:
                    self._conn.send(command)  # type: ignore[union-attr]
                return await read()
        except (TimeoutError, ConnectionLost, OSError, ProtocolError,
                asyncio.CancelledError) as exc:
            error = await self._failure(exc, doing, timeout)
            if error is None:
                raise
            try:
                raise error from exc
            finally:
                del error  # its traceback holds this frame: no cycle left for the GC

    async def request(self, *command: Any, timeout: float = 10.0) -> list[Any]:
        """Send one command and return the plugin's reply; an ``error`` reply raises."""
        self._check_usable()
        assert self._conn is not None
        reply = await self._exchange(self._encode(*command), self._conn.read, timeout,
                                     DOING.get(command[0], f"running {command[0]!r}"))
        if reply[0] == "error":
            code = reply[1] if len(reply) > 1 else None
            kind = SaveStateError if code in SAVE_STATE_CODES else CommandError
            raise kind(f"{command[0]!r} failed in the plugin: {reply[2]}", code)
        return reply

    async def save_state(self, timeout: float) -> bytes:
        """MAME's whole machine state (its ``buffer_save``), of any size: MAME writes it into
        a file in the private directory, read here and removed at once.

        Raises SaveStateError (no save support, the directory full: code ``state_file``),
        CommandError (``reset_pending``), ProtocolError (a reply or file that does not
        match), and what :meth:`request` raises.
        """
        self._check_usable()
        path = os.path.join(self._dir, STATE_FILE)  # type: ignore[arg-type]
        try:
            reply = await self.request("save_state", path, timeout=timeout)
            try:
                return _read_state(path, reply)
            except ProtocolError as exc:  # out of step with the plugin: MAME is killed
                await self._failure(exc, DOING["save_state"], timeout)
                raise
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    async def load_state(self, data: bytes, timeout: float) -> None:
        """Make the machine the state ``data`` (MAME's ``buffer_load``), of any size: it goes
        through a file in the private directory, removed once MAME has read it.

        Raises SaveStateError (MAME refuses the bytes: code ``load_failed``; the directory
        full: ``state_file``), CommandError (``reset_pending``), and what :meth:`request`
        raises.
        """
        self._check_usable()
        path = os.path.join(self._dir, STATE_FILE)  # type: ignore[arg-type]
        try:
            try:
                with open(path, "wb") as f:
                    f.write(data)
            except OSError as exc:
                raise SaveStateError(
                    f"cannot write the state ({len(data)} bytes) into {self._dir!r}: "
                    f"{exc.strerror} (runtime directory full? see AIOMAME_RUNTIME_DIR)",
                    "state_file") from None
            await self.request("load_state", path, len(data), timeout=timeout)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    def send_step(self, command: bytes, sink: Callable[[Any], None]) -> None:
        """Send a step command (from :func:`~aiomame.transport.protocol.step_command`); its
        reply goes to ``sink``, called from the event loop's read callback (see
        :attr:`PluginConnection.sink`; turn anything but a :data:`FrameReply` into an error
        with :meth:`step_error` or :meth:`fail`). No timeout: the caller keeps one.

        Raises StateError if this MAME is not usable, ConnectionLost if it went away.
        """
        self._check_usable()
        conn = self._conn
        assert conn is not None
        conn.sink = sink
        try:
            conn.send(command)
        except BaseException:
            conn.sink = None
            raise

    def step_channel(self) -> tuple[PluginConnection, Callable[[bytes], None]]:
        """(the connection, the write of its command socket), for a caller that sends steps
        itself, as :meth:`send_step` does: check the connection's ``_lost``/``_fault`` and
        set its ``sink`` first. Raises StateError if this MAME is not usable."""
        self._check_usable()
        conn = self._conn
        assert conn is not None and conn._commands is not None
        return conn, conn._commands.write

    def abandon_step(self) -> None:
        """Stop waiting for the reply of the step :meth:`send_step` sent (its sink will not
        be called; the caller fails the step, through :meth:`fail`)."""
        if self._conn is not None:
            self._conn.sink = None

    async def step(self, command: bytes, timeout: float) -> FrameReply:
        """Run one step (``command`` from :func:`~aiomame.transport.protocol.step_command`) and
        return its reply; the pixels are then :meth:`shared_pixels`, followed with ``pair`` (and
        ``frames >= 2``) by the step's next-to-last frame.

        Raises MameTimeoutError, MameExitedError, ProtocolError, CommandError, StateError.
        """
        future = self._loop.create_future()
        self.send_step(command, functools.partial(_settle, future))
        timer = self._loop.call_later(timeout, _settle, future, _TIMED_OUT)
        try:
            reply = await future
        except asyncio.CancelledError as exc:
            self.abandon_step()
            await self._failure(exc, DOING["step"], timeout)
            raise
        finally:
            timer.cancel()
        if reply.__class__ is bytes:
            try:
                return decode_frame(reply)
            except ProtocolError as exc:
                reply = exc
        self.abandon_step()
        error = await self.fail(self.step_error(reply), timeout)
        try:
            raise error
        finally:
            del error, reply  # the traceback holds this frame: no cycle left for the GC

    def step_error(self, reply: Any) -> BaseException:
        """The error that a step's reply other than a frame means: a CommandError for the
        plugin's error reply, else what :meth:`fail` takes (ProtocolError, ConnectionLost,
        TimeoutError)."""
        if reply is _TIMED_OUT:
            return TimeoutError()
        if isinstance(reply, BaseException):
            return reply
        if isinstance(reply, bytes):
            try:
                values = decode_frame(reply)[1]
            except ProtocolError as exc:
                return exc
            return ProtocolError(f"a step reply with {len(values)} memory values, not the "
                                 "number watched")
        if isinstance(reply, list) and reply[0] == "error" and len(reply) == 3:
            if reply[1] == "frames_file":
                return CommandError(f"MAME could not write the step's frame into {self._dir!r}"
                                    f": {reply[2]} (runtime directory full? see "
                                    "AIOMAME_RUNTIME_DIR)", "frames_file")
            return CommandError(f"step failed in the plugin: {reply[2]}", reply[1])
        return ProtocolError(f"expected a frame, got {reply!r:.200}")

    async def fail(self, error: BaseException, timeout: float) -> BaseException:
        """``error`` (from :meth:`step_error`) as the typed error to raise for a step; a
        timeout or protocol fault kills MAME, a lost connection waits for it to exit: this
        MAME is then unusable."""
        if isinstance(error, AiomameError) and not isinstance(error, ProtocolError):
            return error  # the plugin refused the step: MAME is fine
        typed = await self._failure(error, DOING["step"], timeout)
        return error if typed is None else typed

    async def redirect_frames(self, path: str, offset: int, size: int) -> None:
        """Have MAME write its frames of ``size`` bytes into the file at ``path`` (which
        exists) from byte ``offset`` (a multiple of the page size): a slot of a pool's
        shared frames file. A frame of another size (a screen that changed size) still goes
        to MAME's own frames file; its step reply says so (``where`` -1, see
        :func:`~aiomame.transport.protocol.decode_frame`)."""
        await self.request("frames", path, offset, size)
        self._unmap()
        self._frames_at = (path, offset)

    def shared_pixels(self, nbytes: int, own: bool = False) -> np.ndarray:
        """The last step's pixels (``nbytes``), where MAME wrote them: the frames file, or
        its slot of a shared one (see :meth:`redirect_frames`; with ``own``, MAME's own
        file all the same), mapped read-only."""
        if self._frames is None or self._frames.size != nbytes or own != self._frames_own:
            self._unmap()
            assert self._dir is not None
            self._frames_own = own
            path, offset = (None if own else self._frames_at) or (
                os.path.join(self._dir, "frames"), 0)
            with open(path, "rb") as f:
                self._frames_map = mmap.mmap(f.fileno(), nbytes, prot=mmap.PROT_READ,
                                             offset=offset)
            self._frames = np.frombuffer(self._frames_map, dtype=np.uint8)
        return self._frames

    def _unmap(self) -> None:
        self._frames = None
        if self._frames_map is not None:
            with contextlib.suppress(BufferError):  # a caller still holds a view: GC frees it
                self._frames_map.close()
            self._frames_map = None
