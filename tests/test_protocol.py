"""The wire protocol's reader against a scripted peer on a real socket pair.

MAME's plugin cannot be made to send malformed or oddly split messages, so a socket peer
written here plays the plugin (the only fake in the suite, for faults only).
"""

from __future__ import annotations

import asyncio
import socket
import struct

import msgpack
import numpy as np
import pytest

from aiomame.errors import ProtocolError
from aiomame.protocol import ConnectionLost, PluginConnection, encode


def frame_message(values, width, height, pixels: bytes | None) -> bytes:
    head = b"\x96" + b"".join(msgpack.packb(x) for x in ("frame", 7, values, width, height))
    if pixels is None:
        return head + b"\xc0"
    return head + b"\xc6" + struct.pack(">I", len(pixels)) + pixels


@pytest.fixture
async def pair():
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    _, conn = await asyncio.get_running_loop().connect_accepted_socket(
        lambda: PluginConnection(chunk_size=4096), ours)
    yield conn, theirs
    conn.close()
    theirs.close()


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
async def test_frames_arrive_whole_however_split(pair, piece):
    reader, peer = pair
    pixels = np.random.default_rng(piece).integers(0, 256, 40 * 30 * 4, dtype=np.uint8)
    data = (frame_message([1, -2], 40, 30, pixels.tobytes()) + msgpack.packb(["ok"])
            + frame_message([3], 40, 30, None))
    sender = asyncio.create_task(feed(peer, data, piece))
    out = np.zeros(pixels.size, np.uint8)
    assert await reader.read_frame(lambda n: memoryview(out)[:n]) == (7, [1, -2], 40, 30, True)
    assert np.array_equal(out, pixels)
    assert await reader.read() == ["ok"]
    assert await reader.read_frame(lambda n: pytest.fail("no pixels expected")) == (
        7, [3], 40, 30, False)
    await sender


async def test_error_reply_to_a_step_is_returned_whole(pair):
    reader, peer = pair
    peer.sendall(msgpack.packb(["error", "failed", "no input field with id 99"]))
    assert await reader.read_frame(lambda n: memoryview(b"")) == [
        "error", "failed", "no input field with id 99"]


async def test_pixels_must_be_bin32(pair):
    reader, peer = pair
    head = b"\x96" + b"".join(msgpack.packb(x) for x in ("frame", 1, [], 1, 1))
    peer.sendall(head + msgpack.packb("abcd"))  # a str, not a bin32
    with pytest.raises(ProtocolError, match="bin32"):
        await reader.read_frame(lambda n: memoryview(bytearray(n)))


async def test_pixel_count_must_match_size(pair):
    reader, peer = pair
    peer.sendall(frame_message([], 2, 2, b"\0" * 12))
    with pytest.raises(ProtocolError, match="2x2 carries 12 bytes"):
        await reader.read_frame(lambda n: memoryview(bytearray(n)))


async def test_message_must_be_a_tagged_array(pair):
    reader, peer = pair
    peer.sendall(msgpack.packb({"hello": 1}))
    with pytest.raises(ProtocolError, match="kind"):
        await reader.read()


@pytest.mark.parametrize("cut", [0, 3, 20, 600])
async def test_peer_closing_mid_message(pair, cut):
    reader, peer = pair
    peer.sendall(frame_message([1], 16, 16, b"\1" * 1024)[:cut])
    peer.close()
    with pytest.raises(ConnectionLost):
        await reader.read_frame(lambda n: memoryview(bytearray(n)))


async def test_commands_reach_the_peer(pair):
    conn, peer = pair
    conn.send(encode("read", [[":maincpu", "program", 0x2000, "u8"]]))
    data = await asyncio.get_running_loop().run_in_executor(None, peer.recv, 1024)
    assert msgpack.unpackb(data[4:]) == ["read", [[":maincpu", "program", 0x2000, "u8"]]]
    peer.close()
    with pytest.raises(ConnectionLost):
        await conn.read()
    with pytest.raises(ConnectionLost):
        conn.send(encode("exit"))
