"""aiomame's wire protocol: the Python half (the Lua half: ``lua/aiomame/step.lua`` for steps,
``commands.lua`` for the other commands).

Two Unix stream sockets per MAME, because the plugin can use no Lua C module:

- Commands, Python -> Lua: MAME's stdin is one end of a socket pair; each command is a u32
  big-endian length, then a msgpack array ``[command, args...]`` (the plugin reads exact
  byte counts, blocking, so MAME waits without spinning between steps).
- Replies, Lua -> Python: the plugin connects to a socket Python listens on with MAME's own
  Unix-socket client and sends a stream of msgpack arrays ``[kind, ...]``:

  - ``["hello", info]`` once, first: protocol version, MAME version, screens, devices (their
    address spaces, each with its address map), ports.
  - after each step, its reply in a fixed binary layout, sent as one msgpack ``bin`` (the
    hot path: no msgpack object is built on either side): little-endian i64 words, the
    kind (70, whose first byte is ``b"F"``), the frame number, width, height and byte count
    of the pixels (0 when no frame was asked for), then the watched memory values; a
    batch of them is one (k, 5 + values) int64 array. The pixels
    (``width * height`` 32-bit B,G,R,A) are in the frames file Python named, written there
    in one write and mapped here without a copy.
  - ``["ok"]``, ``["values", [...]]``, ``["bytes", bin]``, ``["inputs", ports]``,
    ``["state_file", size]``, ``["bye"]``; ``["error", code, text]`` when a command fails.

Commands: ``watch`` (the reads sent after every step), ``step`` (binary too, see
:func:`step_command`: ``b"S"``, then big-endian frames u32, screen index i16 (-1: no
frame), pair u8, input count u16, and per input field id u32 and value i64), ``read``,
``read_range`` (a block of bytes, at most 16 MiB), ``write``,
``reset``, ``inputs``, ``save_state``, ``load_state`` (MAME's whole machine state, of any
size: the command names a file in the private directory that MAME writes or reads, so no
message carries it; refused with the codes ``no_save``, ``load_failed``, ``reset_pending``,
``state_file``), ``exit`` (see the plugin for their arguments).

:class:`PluginConnection` sends commands and decodes the reply stream.
"""

from __future__ import annotations

import asyncio
import collections
import struct
from collections.abc import Callable
from typing import Any

import msgpack

from ..errors import ProtocolError

PROTOCOL_VERSION = 5

_LENGTH = struct.Struct(">I")
MAX_MESSAGE = 64 << 20  # a reply value (str, bin, array length) past this is a fault
# msgpack's first buffers (they grow as needed). Its defaults, 1 MiB and 256 KiB, are past
# glibc's mmap threshold: freeing them at a MAME's restart raises the threshold, and the next
# ones then fragment the heap (a pool's RSS grew about 0.2 MB per restart).
BUFFER = 64 << 10


class ConnectionLost(Exception):
    """The peer closed the socket (internal: callers turn it into a typed error)."""


class Encoder:
    """Frames commands for the plugin, reusing one msgpack packer (``packb`` would build
    a new one, with its 256 KiB buffer, for every step). One per connection."""

    def __init__(self) -> None:
        self._packer = msgpack.Packer(buf_size=BUFFER)

    def __call__(self, *command: Any) -> bytes:
        body = self._packer.pack(command)
        return _LENGTH.pack(len(body)) + body


def encode(*command: Any) -> bytes:
    """One command, framed for the plugin (a one-off :class:`Encoder`)."""
    return Encoder()(*command)


_STEP_HEAD = struct.Struct(">IcIhBH")  # length, b"S", frames, screen, pair, input count
_STEP_INPUT = struct.Struct(">Iq")  # field id, value


def step_command(frames: int, inputs: list[list[int]], screen: int, pair: bool) -> bytes:
    """A step command, framed: hold ``inputs`` ([field id, value] each) for ``frames``
    frames, then reply with screen ``screen``'s frame (-1: none) and, with ``pair``, the
    next-to-last one too. Built once per action and reused: the hot path sends bytes."""
    body = b"".join(_STEP_INPUT.pack(field, value) for field, value in inputs)
    return _STEP_HEAD.pack(_STEP_HEAD.size - 4 + len(body), b"S", frames, screen, pair,
                           len(inputs)) + body


_BIN_HEADS = {0xc4: 1, 0xc5: 2, 0xc6: 4}  # msgpack bin8/16/32: bytes of the length field
REPLY_KIND = 0x46  # the first word of a step reply (b"F", then zeros)
REPLY_HEAD = 5  # words before the values: kind, frame number, width, height, nbytes
_FRAME_HEAD = struct.Struct("<5q")
_VALUES: dict[int, struct.Struct] = {}  # byte count -> the memory values' layout
FrameReply = tuple[int, tuple[int, ...], int, int, int]
"""A step's reply: (frame number, memory values, width, height, where the pixels are): 0
none, 1 the frames file (or the slot of a pool's shared one), -1 MAME's own frames file
although its frames go to a slot (a frame of another size than the slot's: see the plugin's
``frames`` command)."""


def decode_frame(payload: bytes | memoryview) -> FrameReply:
    """A step reply's fields from its binary payload; ProtocolError if it is not one."""
    n = len(payload) - _FRAME_HEAD.size
    kind, frame_number, width, height, nbytes = (
        _FRAME_HEAD.unpack_from(payload) if n >= 0 and not n % 8 else (None,) * 5)
    if kind != REPLY_KIND:
        raise ProtocolError(f"expected a message [kind, ...] or a step reply, got "
                            f"{bytes(payload[:200])!r}")
    values_of = _VALUES.get(n)
    if values_of is None:
        values_of = _VALUES[n] = struct.Struct(f"<{n >> 3}q")
    values = values_of.unpack_from(payload, _FRAME_HEAD.size)
    if nbytes != width * height * 4:
        if nbytes and nbytes == -width * height * 4:
            return frame_number, values, width, height, -1
        raise ProtocolError(f"frame of {width}x{height} carries {nbytes} bytes")
    return frame_number, values, width, height, 1 if nbytes else 0


# The size of what follows a msgpack token's first byte, for the first bytes 0xc0..0xdf that
# are not str/bin/ext (fixed trails; an array or map's trail is its element count).
_TRAILS = {0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4,
           0xd3: 8, 0xd4: 2, 0xd5: 3, 0xd6: 5, 0xd7: 9, 0xd8: 17, 0xdc: 2, 0xdd: 4, 0xde: 2,
           0xdf: 4}
# str, bin and ext with a length field: first byte -> (length field bytes, type bytes).
_SIZED = {0xc4: (1, 0), 0xc5: (2, 0), 0xc6: (4, 0), 0xc7: (1, 1), 0xc8: (2, 1), 0xc9: (4, 1),
          0xd9: (1, 0), 0xda: (2, 0), 0xdb: (4, 0)}


class _SizeCheck:
    """Walks the tokens of a message that is still arriving and refuses a str, bin or ext
    whose declared length is over the limit at its header (msgpack itself would wait for
    the bytes: a bad header followed by silence would then hang until the timeout).

    Only incomplete messages are walked: a reply that arrives whole costs nothing here.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._skip = 0  # bytes still to pass over (a payload or a fixed trail)
        self._head = b""  # the start of a length header cut off by the end of a chunk

    def feed(self, data: bytes | memoryview) -> None:
        if self._head:
            data, self._head = self._head + bytes(data), b""
        i, n = self._skip, len(data)
        while i < n:
            b = data[i]
            if b < 0xa0 or b >= 0xe0:  # fixint, fixmap, fixarray
                i += 1
            elif b < 0xc0:  # fixstr
                i += 1 + (b & 0x1F)
            elif b in _SIZED:
                width, extra = _SIZED[b]
                if i + 1 + width > n:
                    self._head, i = bytes(data[i:]), n
                    break
                size = int.from_bytes(data[i + 1:i + 1 + width], "big")
                if size > self._limit:
                    raise ProtocolError(f"the plugin sent a message larger than {self._limit} "
                                        f"bytes (a value of {size} bytes)")
                i += 1 + width + extra + size
            else:
                i += 1 + _TRAILS.get(b, 0)  # nil, bools, 0xc1 (the unpacker refuses it)
        self._skip = i - n


class PluginConnection(asyncio.BufferedProtocol):
    """The connection to one plugin: sends commands, decodes the plugin's replies.

    An asyncio buffered protocol on the reply socket: the event loop receives straight into
    this object's buffer and the socket stays registered with the loop, so a step costs one
    write (on the command socket, see :meth:`attach_commands`) and one read.

    Replies are decoded as they arrive. What has arrived and not yet been read is at most
    ``max_message`` bytes (:attr:`buffered`); past that, or on bytes that are not msgpack,
    or on a value declared longer than that, the connection is closed and reads raise
    :class:`ProtocolError` (after the messages that came whole before the fault).
    """

    def __init__(self, chunk_size: int = 1 << 16, max_message: int = MAX_MESSAGE) -> None:
        self._chunk = memoryview(bytearray(chunk_size))
        self._max_message = max_message
        self._unpacker = msgpack.Unpacker(raw=False, max_buffer_size=max_message,
                                          read_size=min(BUFFER, max_message))
        self._messages: collections.deque[tuple[Any, int]] = collections.deque()
        self._received = 0  # bytes received so far (stream offset)
        self._boundary = 0  # where the message being received begins
        self._read_to = 0  # the end of the last message read()
        self._check: _SizeCheck | None = None  # for the message being received, if partial
        self._skipped = 0  # stream bytes decoded without the unpacker (step replies)
        self.sink: Callable[[Any], None] | None = None
        """Takes the next message instead of :meth:`read` (then unset), called from the
        event loop's read callback: a step reply as its payload (bytes, for
        :func:`decode_frame`), any other message as msgpack decoded it, or the error that
        ended the connection (ProtocolError, ConnectionLost)."""
        self._waiter: asyncio.Future[None] | None = None
        self._lost = False
        self._fault: ProtocolError | None = None
        self.transport: asyncio.Transport | None = None
        self._commands: asyncio.WriteTransport | None = None

    @property
    def buffered(self) -> int:
        """Bytes received and not yet returned by :meth:`read` (at most ``max_message``)."""
        return self._received - self._read_to

    # -- asyncio.BufferedProtocol (the reply socket) ----------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self._loop = asyncio.get_running_loop()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._chunk

    def buffer_updated(self, nbytes: int) -> None:
        sink, chunk = self.sink, self._chunk
        if sink is not None and self._boundary == self._received and self._fault is None:
            # The hot path: a step reply arriving whole on its own, decoded without msgpack.
            width = _BIN_HEADS.get(chunk[0])
            if width is not None and nbytes <= self._max_message \
                    and nbytes == 1 + width + int.from_bytes(chunk[1:1 + width], "big"):
                self._received = self._boundary = self._read_to = self._received + nbytes
                self._skipped += nbytes
                self.sink = None
                sink(chunk[1 + width:nbytes].tobytes())
                return
        if self._fault is None:
            try:
                self._decode(self._chunk[:nbytes])
            except ProtocolError as exc:
                self._fault = exc
                self.close()  # the stream can no longer be trusted
        self._wake()

    def _decode(self, data: memoryview) -> None:
        """Feed ``data`` to the unpacker and deliver the messages it completes."""
        start = self._received
        if start + len(data) - self._read_to > self._max_message:
            raise ProtocolError(f"the plugin sent more than {self._max_message} bytes that "
                                "were not read (a message larger than that, or a flood)")
        unpacker = self._unpacker
        try:
            unpacker.feed(data)
            self._received = received = start + len(data)
            while True:  # usually one whole message: no failed unpack() after it
                message = unpacker.unpack()
                self._boundary = boundary = self._skipped + unpacker.tell()
                self._deliver(message, boundary)
                if boundary == received:
                    break
        except msgpack.OutOfData:
            pass
        except msgpack.BufferFull:
            raise ProtocolError(f"the plugin sent a message larger than {self._max_message} "
                                "bytes") from None
        except (ValueError, msgpack.UnpackException) as exc:
            raise ProtocolError(f"the plugin sent bytes that are not msgpack, or a value "
                                f"over the limits ({self._max_message} bytes): {exc}"
                                ) from None
        if self._boundary == self._received:
            self._check = None  # no message half received
        elif self._check is not None and self._boundary < start:
            self._check.feed(data)  # more of the same partial message
        else:
            self._check = _SizeCheck(self._max_message)
            self._check.feed(data[self._boundary - start:])

    def _deliver(self, message: Any, boundary: int) -> None:
        """Hand ``message`` (ending at stream offset ``boundary``) to the sink, or queue it."""
        sink = self.sink
        if sink is not None:
            self.sink = None
            self._read_to = boundary
            sink(message)
        else:
            self._messages.append((message, boundary))

    def eof_received(self) -> bool:
        return False  # close our end too

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        self._wake()

    def _wake(self) -> None:
        sink = self.sink
        if sink is not None and (self._fault is not None or self._lost):
            self.sink = None
            sink(self._fault or ConnectionLost())
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

    async def read(self) -> list[Any] | FrameReply:
        """The next message, whole: a list ``[kind, ...]``, or a step reply."""
        while not self._messages:
            await self._fill()
        message, self._read_to = self._messages.popleft()
        try:
            if message.__class__ is bytes:
                return decode_frame(message)
            if not isinstance(message, list) or not message or not isinstance(message[0], str):
                raise ProtocolError(f"expected a message [kind, ...], got {message!r:.200}")
        except ProtocolError as exc:
            self._fault = exc
            self._messages.clear()  # out of step with the plugin: nothing after this counts
            self.close()
            raise
        return message
