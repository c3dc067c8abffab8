"""One MAME process running the aiomame plugin, and the socket it talks on.

Lifecycle: ``MameProcess(...)`` → ``await start()`` → ``request()`` / ``step()`` … →
``await close()``. ``close()`` is idempotent and always reaps the process and removes the
private directory, also after an error or a cancelled call. Headless MAME ignores SIGTERM
and SIGINT, so closing escalates: "exit" command → wait → SIGKILL (by pid).

Per MAME, a private 0700 directory holds the socket the plugin connects to for its replies
(unlinked once connected), the frames file and MAME's own cfg/nvram folders; commands go to
MAME's stdin, one end of a socket pair, so MAME exits when this process goes away.

Here: its lifecycle (start, handshake, failures, close). Its parts:
:mod:`~aiomame.transport.launch` (the command line, MAME's output, the error for a failed
start) and :mod:`~aiomame.transport.channel` (commands, steps, states and frames with the
plugin)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import mmap
import os
import shutil
import signal
import socket
import warnings
import weakref
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import (
    AiomameError,
    MameExitedAtStartError,
    MameExitedError,
    MameTimeoutError,
    NoDisplayError,
    ProtocolError,
    StateError,
)
from ..mame import locate as mame
from .channel import PluginChannel
from .launch import STARTED_FROM, Caller, MameLaunch, caller
from .protocol import PROTOCOL_VERSION, ConnectionLost, Encoder, PluginConnection
from .rundir import make_private_dir, reserve
from .sigterm import exit_on_sigterm

OUTPUT_LINES = 200
EXIT_GRACE = 3.0


def _largest_frame(screens: Any) -> int:
    """Bytes of the largest screen's frame in a hello (sizes that make no sense count 0:
    checking the hello is the emulator's job)."""
    sizes = [0]
    for screen in screens if isinstance(screens, list) else []:
        if isinstance(screen, dict):
            width, height = screen.get("width"), screen.get("height")
            if isinstance(width, int) and isinstance(height, int) \
                    and 0 < width <= 16384 and 0 < height <= 16384:
                sizes.append(width * height * 4)
    return max(sizes)


async def _close_at_loop_end(process: weakref.ref[MameProcess]) -> AsyncGenerator[None, None]:
    """Closes a MameProcess that nobody closed when its event loop shuts down.

    An async generator started on the loop is the loop's to finalize: ``asyncio.run()`` and
    ``asyncio.Runner`` (and uvloop) close every unfinished one at their end
    (``loop.shutdown_asyncgens()``), while the loop still runs, so MAME is stopped and reaped
    and its directory removed then, not at some later garbage collection. It holds only a
    weak reference: it keeps nothing alive.
    """
    try:
        yield
    finally:
        owner = process()
        if owner is not None:
            owner._guard = None  # this generator: close() must not close it again
            await owner.close()


class MameProcess(MameLaunch, PluginChannel):
    """Starts MAME with the plugin, accepts its connection and exchanges messages with it."""

    def __init__(
        self,
        game: str,
        *,
        roms_path: str,
        binary: str | None = None,
        render: bool = False,
        throttle: bool = False,
        sound: bool = False,
        debug: bool = False,
        extra_args: Sequence[str] = (),
        start_timeout: float = 30.0,
        output_filter: Callable[[str], bool] | None = None,
        media: Mapping[str, str] | None = None,
        software: str | None = None,
        hashpath: str | None = None,
    ) -> None:
        self.game = game
        self.roms_path = os.path.abspath(roms_path)
        self.binary = mame.find_mame(binary)
        self.render, self.throttle, self.sound, self.debug = render, throttle, sound, debug
        self.extra_args = list(extra_args)
        self.media = dict(media or {})  # brief slot name -> absolute path, checked
        self.software = software  # "LIST:ITEM", checked
        self.hashpath = hashpath  # None: the installation's (mame.mame_hash_path)
        self.start_timeout = start_timeout
        self._keep_line = output_filter or (lambda line: True)
        self.output: collections.deque[str] = collections.deque(maxlen=OUTPUT_LINES)
        self.hello: dict[str, Any] = {}
        self.closed_by: str | None = None  # how close() stopped MAME: "exit" or "kill"
        self._proc: asyncio.subprocess.Process | None = None
        self._dir: str | None = None
        self._conn: PluginConnection | None = None
        self._encode = Encoder()
        self._output_task: asyncio.Task[None] | None = None
        self._broken: BaseException | None = None
        self._closed = False
        self._frames_map: mmap.mmap | None = None
        self._guard: AsyncGenerator[None, None] | None = None
        self._frames: np.ndarray | None = None
        # Where MAME writes the frames: its own file, or a slot of a pool's shared file.
        self._frames_at: tuple[str, int] | None = None
        self._frames_own = False  # _frames maps MAME's own file although _frames_at is set
        self._bad_dumps: list[str] = []
        self._started_at: Caller | None = None  # see caller()

    async def start(self) -> dict[str, Any]:
        """Start MAME and wait for the plugin's hello (at most ``start_timeout`` seconds)."""
        if self._proc is not None or self._closed:
            raise StateError("a MameProcess starts only once")
        if self.render and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise NoDisplayError(
                "render=True opens MAME's window, but this process has no display (DISPLAY "
                "and WAYLAND_DISPLAY are unset): run it in a desktop session or under "
                "xvfb-run, or use render=False (headless)")
        version = mame.mame_version(self.binary)
        self._started_at = STARTED_FROM.get() or caller()  # where its warnings point
        loop = self._loop = asyncio.get_running_loop()
        exit_on_sigterm()
        self._guard = _close_at_loop_end(weakref.ref(self))
        await self._guard.asend(None)  # now the loop's: its shutdown closes the generator
        self._dir = make_private_dir()  # 0700: ours alone
        path = os.path.join(self._dir, "mame.sock")
        frames = os.path.join(self._dir, "frames")
        try:
            open(frames, "wb").close()
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            commands, mame_stdin = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                listener.bind(path)
                listener.listen(1)
                listener.setblocking(False)
                env = dict(os.environ, AIOMAME_SOCKET=path, AIOMAME_FRAMES=frames)
                if not self.render:
                    env["SDL_VIDEODRIVER"] = "dummy"
                    # MAME 0.289 creates ~/.mame even with -noreadconfig: keep it in here.
                    env["HOME"] = self._dir
                if not self.sound:
                    env["SDL_AUDIODRIVER"] = "dummy"
                self._proc = await asyncio.create_subprocess_exec(
                    *self._args(self._dir), env=env, cwd=self._dir,
                    stdin=mame_stdin.fileno(), stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.STDOUT, start_new_session=True,
                )
                mame_stdin.close()  # MAME's end: once MAME is gone, writes here fail
                self._output_task = loop.create_task(self._collect_output())
                replies = await self._accept(loop, listener, version)
            except BaseException:
                commands.close()
                raise
            finally:
                mame_stdin.close()
                listener.close()
                if os.path.exists(path):
                    os.unlink(path)  # connected or not, the path is no longer needed
            commands.setblocking(False)
            _, self._conn = await loop.connect_accepted_socket(PluginConnection, replies)
            command_transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, commands)
            self._conn.attach_commands(command_transport)
            hello = await self._exchange(None, self._conn.read, self.start_timeout,
                                         "saying hello")
            if hello[0] != "hello" or len(hello) != 2 or not isinstance(hello[1], dict):
                raise ProtocolError(f"expected hello, got {hello!r:.200}")
            if hello[1].get("protocol") != PROTOCOL_VERSION:
                raise ProtocolError(
                    f"the plugin speaks protocol {hello[1].get('protocol')!r}, this aiomame "
                    f"{PROTOCOL_VERSION}: the plugin at {mame.aiomame_plugins_dir()} is stale; "
                    "reinstall aiomame"
                )
            self.hello = hello[1]
            # Room for two frames of the largest screen (a step's last, and the one before
            # for max-pooling): a full runtime directory fails here, not at a later step.
            reserve(frames, 2 * _largest_frame(self.hello.get("screens")))
            return self.hello
        except BaseException as exc:
            await self.close()
            if isinstance(exc, MameExitedError):
                raise MameExitedAtStartError(exc) from exc
            raise

    async def _accept(self, loop: asyncio.AbstractEventLoop, listener: socket.socket,
                      version: tuple[int, int]) -> socket.socket:
        assert self._proc is not None
        accept = loop.create_task(loop.sock_accept(listener))
        exited = loop.create_task(self._proc.wait())
        try:
            done, _ = await asyncio.wait({accept, exited}, timeout=self.start_timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (accept, exited):
                task.cancel()
        if accept in done:
            conn, _ = accept.result()
            conn.setblocking(False)
            return conn
        if exited in done:
            await self._drain_output()
            raise self._start_failure(version)
        hint = ("; with render=True, MAME waits for a key press in its window on its "
                "warning screen (shown for ROMs that differ from the original set)"
                if self.render else "")
        raise MameTimeoutError(f"MAME did not connect within {self.start_timeout}s{hint}",
                               output=self.output)

    async def _drain_output(self) -> None:
        if self._output_task is not None:
            with contextlib.suppress(TimeoutError, Exception):
                await asyncio.wait_for(asyncio.shield(self._output_task), 2.0)

    async def _failure(self, exc: BaseException, doing: str,
                       timeout: float) -> BaseException | None:
        """The typed error for ``exc``, raised while ``doing``; marks this MAME unusable.

        None: re-raise ``exc`` itself (a cancellation).
        """
        if isinstance(exc, TimeoutError):
            self._broken = MameTimeoutError(f"MAME gave no answer within {timeout}s while "
                                            f"{doing}; killed it", output=self.output)
            self._kill()
        elif isinstance(exc, (ConnectionLost, OSError)):
            try:
                async with asyncio.timeout(EXIT_GRACE):
                    await self._proc.wait()  # type: ignore[union-attr]
            except TimeoutError:
                self._kill()
            await self._drain_output()
            self._broken = MameExitedError(f"MAME went away while {doing}",
                                           returncode=self.returncode, output=self.output)
        elif isinstance(exc, asyncio.CancelledError):
            # The reply may be half read: the stream can no longer be trusted.
            self._broken = StateError(f"a call was cancelled while {doing}, before its reply "
                                      "was read")
            return None
        else:  # ProtocolError: out of step with the plugin, which may run on for a long step
            self._broken = exc
            self._kill()
            return None
        return self._broken

    def _kill(self) -> None:
        if self._proc is not None and self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._proc.pid, signal.SIGKILL)

    async def close(self) -> None:
        """Stop MAME (politely, then SIGKILL), reap it, remove the socket directory."""
        if self._closed:
            return
        self._closed = True
        guard, self._guard = self._guard, None
        if guard is not None:
            await guard.aclose()  # done: nothing left for the loop's shutdown to do
        proc = self._proc
        try:
            if proc is not None and proc.returncode is None:
                if self._conn is not None and self._broken is None:
                    try:
                        async with asyncio.timeout(EXIT_GRACE):
                            self._conn.send(self._encode("exit"))
                            await proc.wait()
                        self.closed_by = "exit"
                    except (TimeoutError, OSError, ConnectionLost):
                        pass
                if proc.returncode is None:
                    self._kill()
                    self.closed_by = "kill"
                    await proc.wait()
        except BaseException:
            self._kill()  # cancelled or failed mid-close: never leave MAME running
            raise
        finally:
            self._release()

    def _release(self) -> None:
        if self._broken is not None:
            # Keep only its message: its traceback holds this process's frames, a cycle that
            # would keep the frames map (and its file descriptor) until the next GC.
            self._broken = AiomameError(str(self._broken))
        self._unmap()
        if self._conn is not None:
            self._conn.close()
        if self._output_task is not None and self._proc is not None \
                and self._proc.returncode is None:
            self._output_task.cancel()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __del__(self) -> None:
        if getattr(self, "_dir", None) is None and getattr(self, "_proc", None) is None:
            return  # __init__ failed or nothing was started
        if self._proc is not None and self._proc.returncode is None and not self._closed:
            warnings.warn(f"MameProcess for {self.game!r} (pid {self._proc.pid}) was not "
                          "closed; killing it", ResourceWarning, stacklevel=2)
            self._kill()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
