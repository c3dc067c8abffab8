"""aiomame's wire protocol: the Python half (the Lua half is ``lua/aiomame/init.lua``).

Two Unix stream sockets per MAME, because the plugin can use no Lua C module:

- Commands, Python -> Lua: MAME's stdin is one end of a socket pair; each command is a u32
  big-endian length, then a msgpack array ``[command, args...]`` (the plugin reads exact
  byte counts, blocking, so MAME waits without spinning between steps).
- Replies, Lua -> Python: the plugin connects to a socket Python listens on with MAME's own
  Unix-socket client and sends a stream of msgpack arrays ``[kind, ...]``:

  - ``["hello", info]`` once, first: protocol version, MAME version, screens, devices (their
    address spaces, each with its address map), ports.
  - ``["frame", frame_number, values, width, height, nbytes]`` after each step: the pixels
    (``width * height`` 32-bit B,G,R,A) are in the frames file Python named, written there
    in one write and mapped here without a copy; width, height and nbytes are nil when no
    frame was asked for.
  - ``["ok"]``, ``["values", [...]]``, ``["bytes", bin]``, ``["inputs", ports]``,
    ``["state", bytes]``,
    ``["bye"]``; ``["error", code, text]`` when a command fails.

Commands: ``watch`` (the reads sent after every step), ``step``, ``read``,
``read_range`` (a block of bytes, at most 16 MiB), ``write``,
``reset``, ``inputs``, ``save_state``, ``load_state`` (MAME's whole machine state as bytes;
refused with the codes ``no_save``, ``load_failed``, ``reset_pending``), ``exit`` (see the
plugin for their arguments).

:class:`PluginConnection` sends commands and decodes the reply stream.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import msgpack

from .errors import ProtocolError

PROTOCOL_VERSION = 2

_LENGTH = struct.Struct(">I")
MAX_MESSAGE = 64 << 20  # a reply value (str, bin, array length) past this is a fault


class ConnectionLost(Exception):
    """The peer closed the socket (internal: callers turn it into a typed error)."""


class Encoder:
    """Frames commands for the plugin, reusing one msgpack packer (``packb`` would build
    a new one, with its 256 KiB buffer, for every step). One per connection."""

    def __init__(self) -> None:
        self._packer = msgpack.Packer()

    def __call__(self, *command: Any) -> bytes:
        body = self._packer.pack(command)
        return _LENGTH.pack(len(body)) + body


def encode(*command: Any) -> bytes:
    """One command, framed for the plugin (a one-off :class:`Encoder`)."""
    return Encoder()(*command)


class PluginConnection(asyncio.BufferedProtocol):
    """The connection to one plugin: sends commands, decodes the plugin's replies.

    An asyncio buffered protocol on the reply socket: the event loop receives straight into
    this object's buffer and the socket stays registered with the loop, so a step costs one
    write (on the command socket, see :meth:`attach_commands`) and one read.
    """

    def __init__(self, chunk_size: int = 1 << 16, max_message: int = MAX_MESSAGE) -> None:
        self._chunk = memoryview(bytearray(chunk_size))
        self._max_message = max_message
        self._unpacker = msgpack.Unpacker(raw=False, max_buffer_size=max_message)
        self._waiter: asyncio.Future[None] | None = None
        self._lost = False
        self._fault: ProtocolError | None = None
        self.transport: asyncio.Transport | None = None
        self._commands: asyncio.WriteTransport | None = None

    # -- asyncio.BufferedProtocol (the reply socket) ----------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._loop = asyncio.get_running_loop()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._chunk

    def buffer_updated(self, nbytes: int) -> None:
        try:
            self._unpacker.feed(self._chunk[:nbytes])
        except msgpack.BufferFull:
            self._fault = ProtocolError(
                f"the plugin sent a message larger than {self._max_message} bytes")
            self.close()
        self._wake()

    def eof_received(self) -> bool:
        return False  # close our end too

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- commands and messages --------------------------------------------------------------
    def attach_commands(self, transport: asyncio.WriteTransport) -> None:
        """Where commands go: the transport of Python's end of MAME's stdin."""
        self._commands = transport

    def send(self, data: bytes) -> None:
        """Send ``data`` (a command from :class:`Encoder`)."""
        commands = self._commands
        if self._lost or commands is None or commands.is_closing():
            raise ConnectionLost
        commands.write(data)

    def close(self) -> None:
        for transport in (self._commands, self.transport):
            if transport is not None:
                transport.close()

    async def _fill(self) -> None:
        """Wait until more bytes have arrived."""
        if self._fault is not None:
            raise self._fault
        if self._lost:
            raise ConnectionLost
        self._waiter = self._loop.create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    async def read(self) -> list[Any]:
        """The next message, whole."""
        while True:
            try:
                message = self._unpacker.unpack()
                break
            except msgpack.OutOfData:
                await self._fill()
            except (ValueError, msgpack.UnpackException) as exc:
                self.close()  # the stream can no longer be trusted
                raise ProtocolError(f"the plugin sent bytes that are not msgpack, or a value "
                                    f"over the limits ({self._max_message} bytes): {exc}"
                                    ) from None
        if not isinstance(message, list) or not message or not isinstance(message[0], str):
            raise ProtocolError(f"expected a message [kind, ...], got {message!r:.200}")
        return message

    async def read_frame(self) -> tuple[int, list[int], int, int, bool] | list[Any]:
        """The reply to a step: ``(frame_number, values, width, height, has_pixels)``.

        With pixels, they are in the frames file (``width * height * 4`` bytes). Any other
        message (an error reply) is returned whole as a list.
        """
        message = await self.read()
        if message[0] != "frame" or len(message) != 6:
            return message
        _, frame_number, values, width, height, nbytes = message
        if nbytes is None:
            return frame_number, values, 0, 0, False
        if not (isinstance(width, int) and isinstance(height, int) and isinstance(nbytes, int)):
            raise ProtocolError(f"frame size must be ints, got {width!r}x{height!r}, "
                                f"{nbytes!r} bytes")
        if nbytes != width * height * 4:
            raise ProtocolError(f"frame of {width}x{height} carries {nbytes} bytes")
        return frame_number, values, width, height, True
