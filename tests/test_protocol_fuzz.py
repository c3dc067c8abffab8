"""Fuzz of the reply decoder (hypothesis): random and mutated message streams, split at random,
through a real :class:`PluginConnection` on a real socket pair, on uvloop and on asyncio's loop.

The peer writing the bytes is a plain socket: MAME's plugin cannot be made to send garbage.
Properties: every read returns a message ``[kind, ...]`` or a step reply, or raises
``ProtocolError`` or ``ConnectionLost``; nothing hangs (every read is under a timeout, and a
peer that stays open after a bad header must not be waited for); what is buffered never
exceeds ``max_message``; messages that came whole before the first damaged byte are decoded
as they were sent.
Derandomized, no example database: the same examples on every run.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from collections.abc import Callable
from typing import Any

import msgpack
import pytest
import uvloop
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiomame.errors import ProtocolError
from aiomame.transport.protocol import ConnectionLost, PluginConnection, decode_frame

LIMIT = 4096  # max_message in the fuzz: small, so that limits are reached often
READ_TIMEOUT = 5.0  # a read that takes this long is a hang
FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LOOPS: dict[str, Callable[[], asyncio.AbstractEventLoop]] = {
    "uvloop": uvloop.new_event_loop, "asyncio": asyncio.new_event_loop}


class Watched(PluginConnection):
    """A PluginConnection that records the most it ever held unread."""

    peak = 0

    def buffer_updated(self, nbytes: int) -> None:
        super().buffer_updated(nbytes)
        self.peak = max(self.peak, self.buffered)


# -- what the plugin sends --------------------------------------------------------------------
ints = st.integers(-(2**63), 2**64 - 1)
small_ints = st.integers(-(2**31), 2**32 - 1)
text = st.text(max_size=40)
blob = st.binary(max_size=300)
messages = st.one_of(
    st.builds(lambda info: ["hello", info], st.fixed_dictionaries({
        "protocol": st.integers(0, 3), "mame": text, "system": text,
        "screens": st.lists(st.fixed_dictionaries({"tag": text, "width": small_ints}),
                            max_size=3)})),
    st.builds(lambda n, values, w, h: struct.pack(f"<5q{len(values)}q", 0x46, n, w, h,
                                                   w * h * 4, *values),
              small_ints, st.lists(st.integers(-(2**63), 2**63 - 1), max_size=20),
              st.integers(0, 400), st.integers(0, 300)),
    st.just(["ok"]), st.just(["bye"]),
    st.builds(lambda values: ["values", values], st.lists(ints, max_size=40)),
    st.builds(lambda code, why: ["error", code, why], text, text),
    st.builds(lambda data: ["bytes", data], blob),
    st.builds(lambda data: ["state", data], blob),
)
# A valid stream stays well under LIMIT (with room for insertions), so that only damage can
# make it fail: the reader may take it all in before reading any of it.
valid_streams = st.lists(messages.map(msgpack.packb), min_size=1, max_size=12).filter(
    lambda packed: sum(map(len, packed)) <= LIMIT - 512)
splits = st.lists(st.integers(1, 700), min_size=1, max_size=8)
chunk_sizes = st.sampled_from([64, 512, 1 << 16])  # PluginConnection's receive buffer


@st.composite
def mutations(draw: st.DrawFn, stream: bytes) -> tuple[bytes, int]:
    """``stream`` with bytes flipped, inserted, deleted or cut off; and the first offset
    changed."""
    data = bytearray(stream)
    first = len(data)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, len(data)))
        if kind == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "delete":
            del data[at:at + draw(st.integers(1, 16))]
        else:
            del data[at:]
        first = min(first, at)
    return bytes(data), first


# -- the reader, against a socket peer ---------------------------------------------------------
async def exchange(stream: bytes, pieces: list[int], chunk_size: int, close: bool
                   ) -> tuple[list[list[Any]], BaseException | None, Watched]:
    """Send ``stream`` in pieces (sizes taken in turn from ``pieces``), closing the peer at
    the end if ``close``; read until an error. Returns (messages, error, connection)."""
    loop = asyncio.get_running_loop()
    ours, peer = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    peer.setblocking(False)
    _, conn = await loop.connect_accepted_socket(
        lambda: Watched(chunk_size=chunk_size, max_message=LIMIT), ours)

    async def send() -> None:
        pos = i = 0
        while pos < len(stream):
            size = pieces[i % len(pieces)]
            await loop.sock_sendall(peer, stream[pos:pos + size])
            pos, i = pos + size, i + 1
            await asyncio.sleep(0)
        if close:
            peer.close()

    sender = loop.create_task(send())
    got: list[list[Any]] = []
    error: BaseException | None = None
    try:
        while True:
            try:
                async with asyncio.timeout(READ_TIMEOUT):
                    message = await conn.read()
            except (ProtocolError, ConnectionLost) as exc:
                error = exc
                break
            assert isinstance(message, tuple) or (
                isinstance(message, list) and message and isinstance(message[0], str))
            got.append(message)
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, OSError):
            await sender  # a peer writing to a closed connection: EPIPE
        conn.close()
        peer.close()
        await asyncio.sleep(0)  # let the transport finish closing
    assert conn.peak <= LIMIT
    return got, error, conn


def run(loop_name: str, coro: Any) -> Any:
    with asyncio.Runner(loop_factory=LOOPS[loop_name]) as runner:
        return runner.run(coro)


def decoded(data: bytes) -> Any:
    """A packed message as the reader returns it (a step reply: its fields)."""
    message = msgpack.unpackb(data)
    return decode_frame(message) if isinstance(message, bytes) else message


def whole_before(packed: list[bytes], offset: int) -> list[Any]:
    """The messages of ``packed`` that end at or before ``offset``, decoded."""
    out, end = [], 0
    for data in packed:
        end += len(data)
        if end > offset:
            break
        out.append(decoded(data))
    return out


# -- properties ---------------------------------------------------------------------------------
@pytest.mark.parametrize("loop_name", LOOPS)
@FUZZ
@given(packed=valid_streams, pieces=splits, chunk_size=chunk_sizes)
def test_valid_streams_decode_whole_however_split(loop_name, packed, pieces, chunk_size):
    got, error, _ = run(loop_name, exchange(b"".join(packed), pieces, chunk_size, close=True))
    assert got == [decoded(p) for p in packed]
    assert isinstance(error, ConnectionLost)  # the peer closed after the last one


@pytest.mark.parametrize("loop_name", LOOPS)
@FUZZ
@given(data=st.data(), packed=valid_streams, pieces=splits, chunk_size=chunk_sizes)
def test_damaged_streams_decode_or_raise(loop_name, data, packed, pieces, chunk_size):
    stream, first = data.draw(mutations(b"".join(packed)))
    got, error, _ = run(loop_name, exchange(stream, pieces, chunk_size, close=True))
    intact = whole_before(packed, first)
    assert got[:len(intact)] == intact  # nothing before the damage is lost or altered
    assert isinstance(error, (ProtocolError, ConnectionLost))


@pytest.mark.parametrize("loop_name", LOOPS)
@FUZZ
@given(stream=st.binary(max_size=3 * LIMIT), pieces=splits, chunk_size=chunk_sizes)
def test_random_bytes_decode_or_raise(loop_name, stream, pieces, chunk_size):
    _, error, _ = run(loop_name, exchange(stream, pieces, chunk_size, close=True))
    assert isinstance(error, (ProtocolError, ConnectionLost))


# A str, bin or ext (first byte, length format, type byte) or an array or map header.
HEADS = {"str32": (0xDB, ">I", b""), "bin32": (0xC6, ">I", b""), "ext32": (0xC9, ">I", b"\x05"),
         "str16": (0xDA, ">H", b""), "bin16": (0xC5, ">H", b""), "ext16": (0xC8, ">H", b"\x05"),
         "array32": (0xDD, ">I", b""), "map32": (0xDF, ">I", b""), "array16": (0xDC, ">H", b""),
         "map16": (0xDE, ">H", b"")}


@pytest.mark.parametrize("loop_name", LOOPS)
@FUZZ
@given(data=st.data(), packed=valid_streams, head=st.sampled_from(sorted(HEADS)),
       tail=st.binary(max_size=2 * LIMIT), pieces=splits, chunk_size=chunk_sizes)
def test_a_declared_oversize_fails_at_its_header(loop_name, data, packed, head, tail, pieces,
                                                 chunk_size):
    # The peer stays open: waiting for the declared bytes would hang until a timeout.
    first, fmt, kind = HEADS[head]
    size = data.draw(st.integers(LIMIT + 1, 2 ** (8 * struct.calcsize(fmt)) - 1))
    stream = b"".join(packed) + b"\x92\xa5bytes" + bytes([first]) + struct.pack(fmt, size) \
        + kind + tail
    began = time.monotonic()
    got, error, _ = run(loop_name, exchange(stream, pieces, chunk_size, close=False))
    assert time.monotonic() - began < READ_TIMEOUT
    assert got == [decoded(p) for p in packed]
    assert isinstance(error, ProtocolError), error


@pytest.mark.parametrize("loop_name", LOOPS)
def test_a_declared_gibibyte_is_refused_at_the_default_limit(loop_name):
    # The real limit (64 MiB): a 1 GiB bin header alone is refused, nothing is allocated.
    async def go() -> None:
        loop = asyncio.get_running_loop()
        ours, peer = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        _, conn = await loop.connect_accepted_socket(PluginConnection, ours)
        try:
            peer.sendall(b"\x92\xa5state\xc6" + struct.pack(">I", 1 << 30) + b"\0" * 1000)
            async with asyncio.timeout(READ_TIMEOUT):
                with pytest.raises(ProtocolError, match="1073741824 bytes"):
                    await conn.read()
            assert conn.buffered <= 1100 and conn.transport.is_closing()
            with pytest.raises(ProtocolError):  # and it stays failed
                await conn.read()
        finally:
            conn.close()
            peer.close()
    run(loop_name, go())
