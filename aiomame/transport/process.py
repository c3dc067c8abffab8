"""One MAME process running the aiomame plugin, and the socket it talks on.

Lifecycle: ``MameProcess(...)`` → ``await start()`` → ``request()`` / ``step()`` … →
``await close()``. ``close()`` is idempotent and always reaps the process and removes the
private directory, also after an error or a cancelled call. Headless MAME ignores SIGTERM
and SIGINT, so closing escalates: "exit" command → wait → SIGKILL (by pid).

Per MAME, a private 0700 directory holds the socket the plugin connects to for its replies
(unlinked once connected), the frames file and MAME's own cfg/nvram folders; commands go to
MAME's stdin, one end of a socket pair, so MAME exits when this process goes away.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import functools
import importlib.util
import mmap
import os
import re
import shutil
import signal
import socket
import sys
import warnings
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import (
    AiomameError,
    CommandError,
    MameExitedAtStartError,
    MameExitedError,
    MameTimeoutError,
    MediaLoadError,
    MissingRomsError,
    NoDisplayError,
    ProtocolError,
    RomChecksumWarning,
    SaveStateError,
    StartError,
    StateError,
    UnknownGameError,
    UnsupportedMameError,
)
from ..mame import locate as mame
from .protocol import (
    PROTOCOL_VERSION,
    ConnectionLost,
    Encoder,
    FrameReply,
    PluginConnection,
    decode_frame,
)
from .rundir import make_private_dir, reserve
from .sigterm import exit_on_sigterm

OUTPUT_LINES = 200
EXIT_GRACE = 3.0
_ROM_PROBLEM = re.compile(r"^(.+?) (NOT FOUND|WRONG LENGTH)")  # software: names with spaces
# MAME refusing a media file: "Device NAME load (-cartridge FILE) failed: WHY" (0.251).
_MEDIA_REFUSED = re.compile(r"Device (.+?) load (?:\(.*\) )?failed: (.*)")
_TRIED_IN = re.compile(r"NOT FOUND \(tried in ([^)]*)\)")  # the ROM sets MAME looked in
# Lines MAME always prints in aiomame's set-up, which say nothing about the game.
_NOISE = ("Warning: -video none doesn't make much sense", "ALSA lib seq_hw.c")
_PLUGIN_LINE = "aiomame: "  # how the plugin reports what stops it before it can connect
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


# MAME's lines about ROM files that load but fail their checksums, and the line after them.
_BAD_DUMP = re.compile(r"^(.+?) (?:WRONG CHECKSUMS|WRONG LENGTH):")
_BAD_DUMPS_END = ("WARNING: the machine might not run correctly.",  # newer MAMEs, for items:
                  "WARNING: the software item might not run correctly.")
_warned_dumps: set[tuple[str, str]] = set()
# Frames that are not the user's: a warning points past them, at the line that called in.
# aiomame's whole package, and Gymnasium's: gym.make() constructs the env (and starts MAME)
# in its own code.
_NOT_THE_CALLERS = (os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,
                    os.path.dirname(asyncio.__file__) + os.sep,
                    *[os.path.dirname(spec.origin) + os.sep for spec in
                      [importlib.util.find_spec("gymnasium")] if spec and spec.origin])
_TIMED_OUT = object()  # what a step's timer hands its future


def _settle(future: asyncio.Future[Any], reply: Any) -> None:
    if not future.done():
        future.set_result(reply)


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


Caller = tuple[str, int, dict[str, Any]]
STARTED_FROM: contextvars.ContextVar[Caller | None] = contextvars.ContextVar(
    "aiomame_started_from", default=None)
"""Where a start was called from in another thread (set by the blocking API, whose calls
run on its loop thread): warnings about that start point there (see :func:`caller`)."""


def caller() -> Caller:
    """(file, line, globals) of the code that called into aiomame: the innermost frame
    outside aiomame and asyncio (for an env started in a task, the line running the loop)."""
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_NOT_THE_CALLERS):
        frame = frame.f_back
    return frame.f_code.co_filename, frame.f_lineno, frame.f_globals


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


class MameProcess:
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

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def returncode(self) -> int | None:
        return self._proc.returncode if self._proc else None

    def _args(self, socket_dir: str) -> list[str]:
        mame_plugins = mame.mame_plugins_dir(self.binary)
        plugins = f"{mame_plugins};{mame.aiomame_plugins_dir()}"
        # MAME's own data beside its plugins (-noreadconfig forgets where the system's
        # mame.ini put it): shaders and artwork for a window, samples for sound.
        share = os.path.dirname(mame_plugins)
        data = [("-bgfx_path", "bgfx"), ("-artpath", "artwork")] if self.render else []
        data += [("-samplepath", "samples")] if self.sound else []
        args = [
            self.binary, self.game, *([self.software] if self.software else []),
            "-noreadconfig", "-skip_gameinfo",
            "-rompath", self.roms_path,
            "-pluginspath", plugins, "-plugin", "aiomame",
            "-homepath", socket_dir,
            # One thread: lockstep leaves MAME's helper threads little to do but spin
            # (about 12% more CPU per step), and many envs already fill the cores.
            "-numprocessors", "1",
        ]
        for kind in ("cfg", "nvram", "input", "state", "snapshot", "diff", "comment"):
            args += [f"-{kind}_directory", os.path.join(socket_dir, kind)]
        # -noreadconfig forgets the hashpath of mame.ini: software lists need it given.
        hashpath = self.hashpath or mame.mame_hash_path(self.binary)
        if hashpath:
            args += ["-hashpath", hashpath]
        for slot, path in self.media.items():
            args += [f"-{slot}", path]
        for option, folder in data:
            if os.path.isdir(os.path.join(share, folder)):
                args += [option, os.path.join(share, folder)]
        args += ["-window"] if self.render else ["-video", "none"]
        if not self.throttle:
            args.append("-nothrottle")
        if not self.sound:
            args += ["-sound", "none"]
        return args + self.extra_args

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

    def _start_failure(self, version: tuple[int, int]) -> AiomameError:
        """Turn what MAME printed before dying into the most precise error."""
        out = list(self.output)
        code = self.returncode
        text = "\n".join(out)
        plugin = [line[len(_PLUGIN_LINE):] for line in out if line.startswith(_PLUGIN_LINE)]
        if plugin and plugin[0].startswith("unsupported MAME"):
            return UnsupportedMameError(self.binary, version, mame.MIN_VERSION, plugin[0])
        if plugin:
            return StartError(f"the aiomame plugin could not start: {plugin[0]}",
                              returncode=code, output=out)
        unknown = re.search(r"Unknown system '([^']*)'", text)
        if unknown:
            similar = []
            if "best match first" in text:
                tail = text.split("best match first", 1)[1].splitlines()[1:]
                similar = [line.split()[0] for line in tail if line.strip()][:5]
            return UnknownGameError(self.game, similar, returncode=code, output=out)
        needed = re.search(r"Images must be mounted for the following devices: (.+)", text)
        if needed:  # a slot the system cannot start without (a2600's cartridge from 0.276)
            given = dict(self.media, **({"software": self.software} if self.software else {}))
            return MediaLoadError(f"{self.game!r} cannot start without media in: "
                                  f"{needed[1].strip()} (give media={{slot: file}} or "
                                  "software=ITEM)", given, returncode=code, output=out)
        refused = next(filter(None, map(_MEDIA_REFUSED.search, out)), None)
        if refused:
            given = dict(self.media, **({"software": self.software} if self.software else {}))
            return MediaLoadError(f"MAME could not load the media into {refused[1]}: "
                                  f"{refused[2]}", given, returncode=code, output=out)
        missing = [m[1] for m in map(_ROM_PROBLEM.match, out) if m]
        if missing or "Required files are missing" in text:
            if self.software:  # its files go in ROMPATH/LIST/ITEM/
                folder = os.path.join(self.roms_path, *self.software.split(":"))
                return MissingRomsError(self.software, folder, missing, returncode=code,
                                        output=out)
            tried = _TRIED_IN.search(text)
            sets = tried[1].split() if tried else []
            return MissingRomsError(self.game, self.roms_path, missing, sets,
                                    returncode=code, output=out)
        return StartError(f"MAME exited before the plugin connected (status {code})",
                          returncode=code, output=out)

    async def _collect_output(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        while line_bytes := await self._proc.stdout.readline():
            line = line_bytes.decode(errors="replace").rstrip()
            if line.startswith(_NOISE) or not self._keep_line(line):
                continue
            self.output.append(line)
            self._check_dumps(line)
            if self.debug:
                print(f"[mame {self.game} {self.pid}] {line}", file=sys.stderr)

    def _check_dumps(self, line: str) -> None:
        """Collects the ROM files MAME says fail their checksums; warns once it has said
        all of them (its "might not run correctly" line)."""
        bad = _BAD_DUMP.match(line)
        if bad:
            self._bad_dumps.append(bad.group(1))
        elif line in _BAD_DUMPS_END and self._bad_dumps:
            name = self.software or self.game
            key = (name, self.roms_path)
            if key not in _warned_dumps:
                _warned_dumps.add(key)
                files = self._bad_dumps
                check = (f"check the set with: {self.binary} -verifyroms {self.game} -rompath "
                         f"{self.roms_path}" if not self.software else "a software item's "
                         "files go in ROMPATH/LIST/ITEM/")
                filename, lineno, module_globals = self._started_at  # type: ignore[misc]
                # Emitted by the output task: pointed at the line that started this MAME.
                warnings.warn_explicit(RomChecksumWarning(
                    f"{len(files)} ROM file(s) of {name!r} in {self.roms_path!r} fail "
                    f"MAME's checksums ({', '.join(files[:4])}{', ...' if len(files) > 4 else ''}"
                    f"): MAME runs them anyway, and the game may misbehave or show black "
                    f"frames; {check}"), RomChecksumWarning, filename, lineno,
                    module_globals=module_globals)

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
