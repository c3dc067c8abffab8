"""aiomame's wire protocol: the Python half (the Lua half is ``lua/aiomame/init.lua``).

Python -> Lua: each command is a u32 big-endian length, then a msgpack array
``[command, args...]`` (LuaSocket reads exact byte counts, hence the length).

Lua -> Python: a stream of msgpack arrays ``[kind, ...]`` (msgpack values mark their own end):

- ``["hello", info]`` once, first: protocol version, MAME version, screens, devices, ports.
- ``["frame", frame_number, values, width, height, pixels]`` after each step; ``pixels`` is a
  bin32 of ``width * height`` 32-bit B,G,R,A pixels (inline transport), or a uint32 byte
  count when the plugin wrote them to the frames file Python named (shared transport: one
  write in MAME, no copy in Python), or nil when no frame was asked for.
- ``["ok"]``, ``["values", [...]]``, ``["inputs", ports]``, ``["bye"]``; ``["error", code,
  text]`` when a command fails.

Commands: ``watch`` (the reads sent after every step), ``step``, ``read``, ``write``,
``reset``, ``inputs``, ``exit`` (see the plugin for their arguments).

:class:`PluginConnection` sends commands and decodes the stream. Inline frames skip the
unpacker: their bytes go straight from the socket into a caller's buffer.
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from typing import Any

import msgpack

from .errors import ProtocolError

PROTOCOL_VERSION = 1

_LENGTH = struct.Struct(">I")
_BIN32 = 0xC6
_UINT32 = 0xCE
_NIL = 0xC0

# Where a step's pixels are (the last element of :meth:`PluginConnection.read_frame`).
NO_PIXELS, INLINE_PIXELS, SHARED_PIXELS = 0, 1, 2


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
    """The connection to one plugin: sends commands, decodes the plugin's messages.

    An asyncio buffered protocol: the event loop receives straight into this object's
    buffer (or, for inline pixels, into the caller's frame buffer), and the socket stays
    registered with the loop, so a step costs one send and one receive.
    """

    def __init__(self, chunk_size: int = 1 << 16) -> None:
        self._chunk = memoryview(bytearray(chunk_size))
        self._unpacker = msgpack.Unpacker(raw=False)
        self._sink: memoryview | None = None  # where inline pixels go, while they come
        self._sunk = 0
        self._waiter: asyncio.Future[None] | None = None
        self._lost = False
        self.transport: asyncio.Transport | None = None

    # -- asyncio.BufferedProtocol -----------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._loop = asyncio.get_running_loop()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._chunk if self._sink is None else self._sink[self._sunk:]

    def buffer_updated(self, nbytes: int) -> None:
        if self._sink is None:
            self._unpacker.feed(self._chunk[:nbytes])
        else:
            self._sunk += nbytes
            if self._sunk == len(self._sink):
                self._sink = None
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
    def send(self, data: bytes) -> None:
        """Send ``data`` (a command from :class:`Encoder`)."""
        if self._lost or self.transport is None:
            raise ConnectionLost
        self.transport.write(data)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    async def _fill(self) -> None:
        """Wait until more bytes have arrived."""
        if self._lost:
            raise ConnectionLost
        self._waiter = self._loop.create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    async def _array_header(self) -> int:
        while True:
            try:
                return self._unpacker.read_array_header()
            except msgpack.OutOfData:
                await self._fill()

    async def _values(self, count: int) -> list[Any]:
        """The next ``count`` values (resumable: decoded ones stay while more data comes)."""
        values: list[Any] = []
        while len(values) < count:
            try:
                values.append(self._unpacker.unpack())
            except msgpack.OutOfData:
                await self._fill()
        return values

    async def _raw(self, n: int) -> bytes:
        """``n`` bytes straight from the stream (for the bin32 header)."""
        data = self._unpacker.read_bytes(n)
        while len(data) < n:
            await self._fill()
            data += self._unpacker.read_bytes(n - len(data))
        return data

    async def read(self) -> list[Any]:
        """The next message, whole."""
        while True:
            try:
                message = self._unpacker.unpack()
                break
            except msgpack.OutOfData:
                await self._fill()
        if not isinstance(message, list) or not message or not isinstance(message[0], str):
            raise ProtocolError(f"expected a message [kind, ...], got {message!r:.200}")
        return message

    async def read_frame(
        self, buffer_for: Callable[[int], memoryview]
    ) -> tuple[int, list[int], int, int, int] | list[Any]:
        """The reply to a step: ``(frame_number, values, width, height, where)``.

        ``where`` is NO_PIXELS, SHARED_PIXELS (in the frames file), or INLINE_PIXELS: then
        the pixel bytes have been written into ``buffer_for(nbytes)``. Any other message (an
        error reply) is returned whole as a list.
        """
        length = await self._array_header()
        parts = await self._values(min(length, 5))
        if length != 6 or parts[0] != "frame":
            return parts + await self._values(length - len(parts))
        _, frame_number, values, width, height = parts
        marker = (await self._raw(1))[0]
        if marker == _NIL:
            return frame_number, values, width, height, NO_PIXELS
        if marker not in (_BIN32, _UINT32):
            raise ProtocolError(f"frame pixels: expected bin32 (0xc6) or uint32 (0xce), "
                                f"got 0x{marker:02x}")
        size = _LENGTH.unpack(await self._raw(4))[0]
        if size != width * height * 4:
            raise ProtocolError(f"frame of {width}x{height} carries {size} bytes")
        if marker == _UINT32:
            return frame_number, values, width, height, SHARED_PIXELS
        dest = buffer_for(size)[:size]
        buffered = self._unpacker.read_bytes(size)
        got = len(buffered)
        dest[:got] = buffered
        if got < size:  # the rest goes straight from the socket into dest
            self._sink, self._sunk = dest, got
            try:
                while self._sink is not None:
                    await self._fill()
            finally:
                self._sink = None
        return frame_number, values, width, height, INLINE_PIXELS
