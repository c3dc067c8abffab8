"""The wire protocol's reader against a scripted peer on a real socket pair.

MAME's plugin cannot be made to send malformed or oddly split messages, so a socket peer
written here plays the plugin (the only fake in the suite, for faults only).
"""

from __future__ import annotations

import asyncio
import socket
import struct

import msgpack
import pytest

from aiomame.errors import ProtocolError
from aiomame.transport.protocol import (
    ConnectionLost,
    PluginConnection,
    decode_frame,
    encode,
    step_command,
)


def frame_message(values, width, height, nbytes: int | None) -> bytes:
    """A step reply as the plugin sends it: a msgpack bin of the binary layout."""
    if nbytes is None:
        width = height = nbytes = 0
    return msgpack.packb(struct.pack(f"<5q{len(values)}q", 0x46, 7, width, height, nbytes,
                                     *values))


@pytest.fixture
async def pair():
    """(connection, plugin's reply end, plugin's command end)."""
    loop = asyncio.get_running_loop()
    ours, replies = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    commands_ours, commands = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    _, conn = await loop.connect_accepted_socket(lambda: PluginConnection(chunk_size=4096), ours)
    transport, _ = await loop.connect_accepted_socket(asyncio.Protocol, commands_ours)
    conn.attach_commands(transport)
    yield conn, replies, commands
    conn.close()
    replies.close()
    commands.close()


async def feed(peer: socket.socket, data: bytes, piece: int) -> None:
    """Send ``data`` in pieces of ``piece`` bytes, yielding between them."""
    for i in range(0, len(data), piece):
        peer.sendall(data[i:i + piece])
        await asyncio.sleep(0)


def test_command_framing():
    data = encode("step", 3, [[1, 1]], 0)
    (length,) = struct.unpack(">I", data[:4])
    assert length == len(data) - 4
    assert msgpack.unpackb(data[4:]) == ["step", 3, [[1, 1]], 0]


@pytest.mark.parametrize("piece", [1, 7, 4096, 1 << 20])
async def test_messages_arrive_whole_however_split(pair, piece):
    reader, peer, _ = pair
    long_values = list(range(-40, 3000))
    data = (frame_message([1, -2], 40, 30, 40 * 30 * 4) + msgpack.packb(["ok"])
            + frame_message(long_values, 40, 30, None))
    sender = asyncio.create_task(feed(peer, data, piece))
    assert await reader.read() == (7, (1, -2), 40, 30, True)
    assert await reader.read() == ["ok"]
    assert await reader.read() == (7, tuple(long_values), 0, 0, False)
    await sender


async def test_a_step_reply_goes_to_the_sink_from_the_read_callback(pair):
    reader, peer, _ = pair
    got: list[object] = []
    reader.sink = got.append
    peer.sendall(frame_message([5], 0, 0, None) + msgpack.packb(["ok"]))
    assert await reader.read() == ["ok"]  # the sink took the first message, and only it
    assert [decode_frame(m) for m in got] == [(7, (5,), 0, 0, False)] and reader.sink is None


async def test_the_sink_gets_the_error_that_ends_the_connection(pair):
    reader, peer, _ = pair
    got: list[object] = []
    reader.sink = got.append
    peer.close()
    async with asyncio.timeout(5):
        while not got:
            await asyncio.sleep(0.01)
    assert isinstance(got[0], ConnectionLost)


async def test_pixel_count_must_match_size(pair):
    reader, peer, _ = pair
    peer.sendall(frame_message([], 2, 2, 12))
    with pytest.raises(ProtocolError, match="2x2 carries 12 bytes"):
        await reader.read()


@pytest.mark.parametrize("payload", [b"", b"G" + bytes(39), b"F" + bytes(38),
                                     b"F" + bytes(46), b"F\1" + bytes(38)])
async def test_a_bin_that_is_no_step_reply_is_a_protocol_error(pair, payload):
    reader, peer, _ = pair
    peer.sendall(msgpack.packb(payload))
    with pytest.raises(ProtocolError, match="step reply"):
        await reader.read()
    assert reader.transport.is_closing()


def test_step_command_layout():
    data = step_command(3, [[1, 1], [7, -2]], -1, True)
    assert struct.unpack(">IcIhBH", data[:14]) == (len(data) - 4, b"S", 3, -1, 1, 2)
    assert struct.unpack(">IqIq", data[14:]) == (1, 1, 7, -2)


async def test_message_must_be_a_tagged_array(pair):
    reader, peer, _ = pair
    peer.sendall(msgpack.packb({"hello": 1}))
    with pytest.raises(ProtocolError, match="kind"):
        await reader.read()


async def test_garbage_is_a_protocol_error(pair):
    reader, peer, _ = pair
    peer.sendall(b"\xc1" * 8)  # 0xc1: never used in msgpack
    with pytest.raises(ProtocolError, match="not msgpack"):
        await reader.read()
    assert reader.transport.is_closing()


@pytest.mark.parametrize("value", [list(range(70_000)), "x" * 70_000, b"x" * 70_000])
async def test_oversized_values_are_refused_not_buffered(value):
    ours, peer = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    _, reader = await asyncio.get_running_loop().connect_accepted_socket(
        lambda: PluginConnection(chunk_size=4096, max_message=1 << 16), ours)
    sender = asyncio.create_task(feed(peer, msgpack.packb(["values", value]), 4096))
    try:
        with pytest.raises(ProtocolError, match="65536"):
            await reader.read()
    finally:
        sender.cancel()
        reader.close()
        peer.close()


@pytest.mark.parametrize("cut", [0, 3, 20])
async def test_peer_closing_mid_message(pair, cut):
    reader, peer, _ = pair
    peer.sendall(frame_message(list(range(100)), 16, 16, 1024)[:cut])
    peer.close()
    with pytest.raises(ConnectionLost):
        await reader.read()


async def test_commands_reach_the_peer(pair):
    conn, replies, commands = pair
    conn.send(encode("read", [[":maincpu", "program", 0x2000, "u8"]]))
    data = await asyncio.get_running_loop().run_in_executor(None, commands.recv, 1024)
    assert msgpack.unpackb(data[4:]) == ["read", [[":maincpu", "program", 0x2000, "u8"]]]
    replies.close()
    with pytest.raises(ConnectionLost):
        await conn.read()
    with pytest.raises(ConnectionLost):
        conn.send(encode("exit"))
