"""Rows of the fault table (docs/errors.md, "Faults") with real MAME, real processes and sockets.

Each test names its row in a ``# fault:`` comment. Other rows: tests/test_errors.py,
tests/test_pool.py, tests/test_rundir.py, tests/test_protocol_fuzz.py, tests/test_hygiene.py.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import msgpack
import numpy as np
import pytest
from conftest import ADDRESSES, alive, reaped
from testrom import zero_filled_set

from aiomame import Address, Emulator, EnvPool, GameEnv
from aiomame.errors import (
    CommandError,
    MameExitedError,
    MameTimeoutError,
    ProtocolError,
    StateError,
)
from aiomame.mame.locate import aiomame_plugins_dir, find_mame, mame_plugins_dir
from aiomame.transport.channel import DOING, STATE_FILE
from aiomame.transport.protocol import PROTOCOL_VERSION, PluginConnection

DETECT = 1.0  # the table's bound: a killed MAME is reported within 1 s
PLUGINS = str(Path(__file__).resolve().parent / "plugins")
# The aiomame plugin started with tests/plugins/aiomame_faulty_wire, which replaces the reply
# after a fault_arm_<kind> command by bad bytes (see that plugin).
FAULTY_WIRE = ["-pluginspath", f"{mame_plugins_dir(find_mame())};{PLUGINS};"
               f"{aiomame_plugins_dir()}", "-plugin", "aiomame_faulty_wire,aiomame"]
COUNTER = Address("0x2000")  # the test ROM's frame counter


@contextmanager
def kill_when_sent(emulator: Emulator, command: str, pool: EnvPool | None = None
                   ) -> Iterator[list[float]]:
    """SIGKILL ``emulator``'s MAME the moment ``command`` has been written to it.

    The kill is timed from Python, on a real MAME: it is stopped (SIGSTOP) just before the
    command is written, so that it cannot answer, and killed right after, so the call is
    surely waiting for its reply. Yields a list that gets the time of the kill. In a
    ``pool``, whose steps write to the command socket themselves, its writes are watched too.
    """
    conn = emulator.process._conn  # the only way to act between send and reply
    assert conn is not None
    killed: list[float] = []
    # (object, attribute): where commands go out
    hooks: list[tuple[object, str]] = [(conn, "send")]
    if pool is not None:
        hooks += [(env, "write") for env in pool._envs if env.emulator is emulator]

    def name(data: bytes) -> str:  # a step is binary (b"S"...), the others msgpack
        return "step" if data[4:5] == b"S" else msgpack.unpackb(data[4:])[0]

    def watch(send: Callable[[bytes], None]) -> Callable[[bytes], None]:
        def send_then_kill(data: bytes) -> None:
            if killed or name(data) != command:
                send(data)
                return
            pid = emulator.process.pid
            assert pid is not None
            os.kill(pid, signal.SIGSTOP)
            send(data)
            os.kill(pid, signal.SIGKILL)
            killed.append(time.monotonic())
        return send_then_kill

    originals = [getattr(target, attr) for target, attr in hooks]
    for (target, attr), send in zip(hooks, originals, strict=True):
        setattr(target, attr, watch(send))
    try:
        yield killed
    finally:
        del conn.send
        for (target, attr), send in zip(hooks[1:], originals[1:], strict=True):
            setattr(target, attr, send)


def check_exited(error: MameExitedError, emulator: Emulator, killed_at: float) -> None:
    """The error of a SIGKILLed MAME: exit status -9, MAME's last output, in time."""
    took = time.monotonic() - killed_at
    assert took < DETECT, f"the kill was reported after {took:.2f} s"
    assert error.returncode == -signal.SIGKILL
    assert "exit status -9" in str(error)
    assert error.output == list(emulator.process.output)


# -- fault: protocol version mismatch --------------------------------------------------------


async def test_a_stale_plugin_is_named_with_both_versions(roms, tmp_path, no_leaks):
    # A copy of the plugin that speaks protocol 1, as an old install would, on real MAME.
    stale = tmp_path / "aiomame"
    shutil.copytree(Path(aiomame_plugins_dir()) / "aiomame", stale)
    source = (stale / "hello.lua").read_text()
    current = f"local PROTOCOL_VERSION = {PROTOCOL_VERSION}\n"
    assert current in source
    (stale / "hello.lua").write_text(source.replace(current, "local PROTOCOL_VERSION = 1\n"))
    emu = Emulator("invaders", roms, extra_args=[
        "-pluginspath", f"{mame_plugins_dir(find_mame())};{tmp_path}", "-plugin", "aiomame"])
    with pytest.raises(ProtocolError, match=f"the plugin speaks protocol 1, this aiomame "
                       f"{PROTOCOL_VERSION}: "
                       "the plugin at .* is stale; reinstall aiomame"):
        async with asyncio.timeout(30):
            await emu.start()
    assert reaped(emu.process.pid)


# -- fault: MAME SIGKILLed mid-step / mid-reset / mid-save-state (one Emulator or GameEnv) --


async def test_sigkill_mid_step(roms, no_leaks):
    emu = Emulator("invaders", roms, ADDRESSES, frame_ratio=100_000)  # a step of ~30 s
    await emu.start()
    try:
        step = asyncio.create_task(emu.step())
        await asyncio.sleep(0.3)
        assert not step.done()  # the step is running in MAME
        os.kill(emu.process.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        with pytest.raises(MameExitedError, match="while stepping") as err:
            async with asyncio.timeout(10):
                await step
        check_exited(err.value, emu, killed_at)
        assert "MAME said" in str(err.value) and "WRONG CHECKSUMS" in str(err.value)
        with pytest.raises(StateError, match="no longer be used"):
            await emu.step()
    finally:
        await emu.close()
    assert reaped(emu.process.pid)


@pytest.mark.parametrize("command", ["reset", "save_state", "load_state", "read", "write"])
async def test_sigkill_mid_command(roms, no_leaks, command):
    async with Emulator("invaders", roms, ADDRESSES) as emu:
        await emu.step()
        state = await emu.save_state()
        calls = {"reset": lambda: emu.reset("hard"), "save_state": emu.save_state,
                 "load_state": lambda: emu.load_state(state),
                 "read": lambda: emu.read(ADDRESSES), "write": lambda: emu.write(COUNTER, 1)}
        with kill_when_sent(emu, command) as killed, \
                pytest.raises(MameExitedError, match=f"while {DOING[command]}") as err:
            async with asyncio.timeout(10):
                await calls[command]()
        assert killed, f"{command} was not sent"
        check_exited(err.value, emu, killed[0])
        assert STATE_FILE not in os.listdir(emu.process._dir)  # a state's file is removed
    assert reaped(emu.process.pid)


async def test_sigkill_while_mame_writes_a_state_over_the_message_limit(tmp_path, no_leaks):
    # sfiii3n's state (112 MB, from a zero-filled set) is killed in the middle of its file.
    async with Emulator("sfiii3n", zero_filled_set("sfiii3n", tmp_path)) as emu:
        await emu.step(frame=False)
        path = os.path.join(emu.process._dir, STATE_FILE)

        async def kill_mid_file() -> float:
            while not os.path.exists(path):
                await asyncio.sleep(0.001)
            os.kill(emu.process.pid, signal.SIGKILL)
            return time.monotonic()

        killer = asyncio.create_task(kill_mid_file())
        with pytest.raises(MameExitedError, match="while saving a state") as err:
            async with asyncio.timeout(30):
                await emu.save_state()
        check_exited(err.value, emu, await killer)
        assert not os.path.exists(path)
    assert reaped(emu.process.pid)


@pytest.mark.parametrize("during", ["reset", "save_state"])
async def test_sigkill_mid_game_env_reset_and_save_state(no_leaks, during):
    # The bundled game: its reset loads the start state saved by the first one, then steps.
    async with GameEnv("catch") as env:
        await env.reset(seed=1)
        await env.step(0)
        command = "load_state" if during == "reset" else "save_state"
        call = env.reset if during == "reset" else env.save_state
        with kill_when_sent(env.emulator, command) as killed, \
                pytest.raises(MameExitedError, match=f"while {DOING[command]}") as err:
            async with asyncio.timeout(10):
                await call()
        assert killed
        check_exited(err.value, env.emulator, killed[0])
    assert reaped(env.emulator.process.pid)


# -- fault: MAME SIGKILLed mid-step / mid-reset / mid-load-state (in an EnvPool): that env's
#    row is truncated with the error in its info, the others go on, the env is restarted ----


@pytest.mark.parametrize("command", ["step", "reset", "load_state"])
async def test_sigkill_in_a_pool_restarts_that_env(roms, no_leaks, command):
    async with EnvPool("invaders", num_envs=3, roms_path=roms,
                       memory_addresses={"counter": COUNTER}) as pool:
        await pool.reset()
        state = await pool.emulators[1].save_state()
        calls = {"step": lambda: pool.step([[]] * 3), "reset": pool.reset,
                 "load_state": lambda: pool.load_state(state)}
        victim = pool.emulators[1]
        old = victim.process.pid
        with kill_when_sent(victim, command, pool) as killed:
            async with asyncio.timeout(10):
                batch = await calls[command]()
        assert killed, f"{command} was not sent"
        assert time.monotonic() - killed[0] < DETECT
        assert batch.truncated.tolist() == [False, True, False]
        error = batch.infos[1]["error"]
        assert isinstance(error, MameExitedError) and error.returncode == -signal.SIGKILL
        assert not batch.terminated.any()
        async with asyncio.timeout(30):
            back = await pool.step([[]] * 3)  # env 1 waits for its new MAME
        assert back.infos[1] == {"restarted": True}
        assert not back.truncated.any()
        new = pool.emulators[1].process.pid
        assert new != old and alive(new) and reaped(old)
        counters = back.memory["counter"].copy()  # the pool reuses its buffers
        going = await pool.step([[]] * 3)
        assert not going.truncated.any()
        assert np.all(going.memory["counter"] != counters)  # all three step on


# -- fault: garbage, truncated or oversized msgpack from the plugin side ----------------------
# MAME's plugin cannot be made to send bad bytes: tests/plugins/aiomame_faulty_wire, loaded
# by the real MAME beside it, replaces one reply on its reply socket.


async def arm(emu: Emulator, kind: str) -> None:
    """Make the plugin's next reply ``kind`` of bad bytes (the arming command itself is
    refused as unknown, and that reply goes through)."""
    with pytest.raises(CommandError, match=f"fault_arm_{kind}"):
        await emu.process.request(f"fault_arm_{kind}")


async def wait_gone(pid: int, seconds: float = 5.0) -> float:
    """Wait until process ``pid`` has exited (or is a zombie); how long that took."""
    began = time.monotonic()
    while alive(pid):
        assert time.monotonic() - began < seconds, f"process {pid} still runs"
        await asyncio.sleep(0.02)
    return time.monotonic() - began


@pytest.mark.parametrize("kind", ["garbage", "oversized"])
async def test_bad_bytes_from_the_plugin_are_a_protocol_error(roms, no_leaks, kind):
    emu = Emulator("invaders", roms, ADDRESSES, extra_args=FAULTY_WIRE, step_timeout=30.0)
    await emu.start()
    try:
        before = await emu.step()  # the wire works until the fault
        await arm(emu, kind)
        began = time.monotonic()
        with pytest.raises(ProtocolError, match="not msgpack" if kind == "garbage"
                           else "larger than 67108864 bytes .a value of 1073741824"):
            await emu.step()
        assert time.monotonic() - began < DETECT  # at once, not at the 30 s step timeout
        conn = emu.process._conn
        assert conn is not None and conn.transport.is_closing()
        assert conn.buffered < 4096  # the 1 GiB declared was never waited for nor buffered
        # The connection is closed: MAME's stdin ends, and the plugin exits MAME by itself.
        await wait_gone(emu.process.pid)
        with pytest.raises(StateError, match="no longer be used"):
            await emu.step()  # nothing half read is ever used
        assert "counter" in before
    finally:
        await emu.close()
    assert reaped(emu.process.pid)


async def test_a_state_file_shorter_than_said_is_a_protocol_error(roms, no_leaks):
    # The plugin's save_state reply says 1 TiB; MAME wrote the state's real size.
    async with Emulator("invaders", roms, extra_args=FAULTY_WIRE) as emu:
        await emu.step()
        await arm(emu, "misreported")
        with pytest.raises(ProtocolError, match=f"a state of {1 << 40} bytes; its file holds"):
            await emu.save_state()
        await wait_gone(emu.process.pid)  # out of step with the plugin: killed
        assert STATE_FILE not in os.listdir(emu.process._dir)
        with pytest.raises(StateError, match="no longer be used"):
            await emu.step()
    assert reaped(emu.process.pid)


async def test_truncated_reply_times_out_and_mame_is_killed(roms, no_leaks):
    # Half a reply, then silence (the plugin waits for the next command): the step times out.
    emu = Emulator("invaders", roms, ADDRESSES, extra_args=FAULTY_WIRE, step_timeout=1.0)
    await emu.start()
    try:
        await emu.step()
        await arm(emu, "truncated")
        began = time.monotonic()
        with pytest.raises(MameTimeoutError, match="no answer within 1.0s while stepping"):
            await emu.step()
        assert 1.0 <= time.monotonic() - began < 1.0 + DETECT
        await wait_gone(emu.process.pid)  # killed by the timeout
        with pytest.raises(StateError, match="no longer be used"):
            await emu.step()
    finally:
        await emu.close()
    assert reaped(emu.process.pid)


async def test_bad_bytes_in_a_pool_restart_that_env(roms, no_leaks):
    async with EnvPool("invaders", num_envs=3, roms_path=roms, extra_args=FAULTY_WIRE,
                       memory_addresses={"counter": COUNTER}) as pool:
        await pool.reset()
        old = pool.emulators[2].process.pid
        await arm(pool.emulators[2], "garbage")
        batch = await pool.step([[]] * 3)
        assert batch.truncated.tolist() == [False, False, True]
        assert isinstance(batch.infos[2]["error"], ProtocolError)
        async with asyncio.timeout(30):
            back = await pool.step([[]] * 3)
        assert back.infos[2] == {"restarted": True}
        assert pool.emulators[2].process.pid != old and reaped(old)


# -- fault: bad bytes on MAME's stdin (the plugin's side of the wire) --------------------------
# aiomame's encoder cannot write them, so the test writes raw bytes on the command socket.


@pytest.mark.parametrize(("body", "why"), [
    (b"\xc1\xc1\xc1", "unsupported type byte 0xc1"),
    (b"\x05", "must be an array, got a number"),
    (b"\xc0", "must be an array, got a nil"),
    (b"\x92\xa4step", "truncated"),
    (b"", "truncated"),
])
async def test_a_command_the_plugin_cannot_decode_is_refused(emu, body, why):
    first = await emu.step(frame=False)
    conn = emu.process._conn
    assert conn is not None
    conn.send(struct.pack(">I", len(body)) + body)
    async with asyncio.timeout(5):
        reply = await conn.read()
    assert reply[:2] == ["error", "bad_command"] and why in reply[2]
    after = await emu.step(frame=False)  # still in step: no frame ran in between
    assert (after["counter"] - first["counter"]) % 256 == emu.frame_ratio


async def test_a_command_length_past_the_limit_makes_mame_exit(roms, no_leaks):
    # A 4 GiB length: the stream cannot be trusted; MAME says so and exits, not waiting.
    async with Emulator("invaders", roms) as emu:
        emu.process._conn.send(struct.pack(">I", 0xFFFFFFFF) + b"\x91")
        with pytest.raises(MameExitedError, match="the stream is corrupt: exiting"):
            async with asyncio.timeout(5):
                await emu.step()
    assert reaped(emu.process.pid)


# -- fault: step/reset/recv cancelled (asyncio timeout): never a half-read message used later --


async def test_step_cut_by_an_asyncio_timeout_is_never_resumed(roms, no_leaks):
    emu = Emulator("invaders", roms, ADDRESSES, frame_ratio=100_000)  # a step of ~30 s
    await emu.start()
    try:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.3):
                await emu.step()
        # Its reply would come later, on a stream now out of step: the emulator refuses.
        with pytest.raises(StateError, match="cancelled while stepping, before its reply"):
            await emu.read(ADDRESSES)
        began = time.monotonic()
        await emu.close()
        assert time.monotonic() - began < 5 and emu.process.closed_by == "kill"
    finally:
        await emu.close()
    assert reaped(emu.process.pid)


async def test_reply_half_received_when_cancelled_is_read_whole_after():
    # Decoder level (a socket peer plays the plugin): a read cancelled with half a reply
    # received leaves the reader at the message's start, never inside it.
    loop = asyncio.get_running_loop()
    ours, peer = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    _, conn = await loop.connect_accepted_socket(PluginConnection, ours)
    try:
        reply = msgpack.packb(["values", list(range(1000))])
        peer.sendall(reply[:700])
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.1):
                await conn.read()
        peer.sendall(reply[700:] + msgpack.packb(["ok"]))
        async with asyncio.timeout(5):
            assert await conn.read() == ["values", list(range(1000))]
            assert await conn.read() == ["ok"]
    finally:
        conn.close()
        peer.close()


# -- fault: event loop ends without close() ------------------------------------------------------

LOOP_ENDS = """
import asyncio, glob, os, sys, time
from aiomame import Emulator

async def main():
    emu = Emulator("invaders", sys.argv[1])
    await emu.start()
    await emu.step()
    print(emu.process.pid, flush=True)  # returns without close()

asyncio.run(main())
began = time.monotonic()
while glob.glob(os.path.join(os.environ["AIOMAME_RUNTIME_DIR"], "aiomame-*")):
    assert time.monotonic() - began < 5, "private directory left behind"
    time.sleep(0.02)
print("clean", flush=True)
time.sleep(60)  # this Python lives on: what cleaned up was not its exit
"""


def test_event_loop_ending_without_close_stops_mame(roms, tmp_path):
    child = subprocess.Popen(
        [sys.executable, "-c", LOOP_ENDS, str(roms)], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, AIOMAME_RUNTIME_DIR=str(tmp_path)))
    try:
        pid = int(child.stdout.readline())
        assert child.stdout.readline() == "clean\n", child.communicate(timeout=30)[1]
        began = time.monotonic()
        while os.path.exists(f"/proc/{pid}"):  # reaped, not only dead
            assert time.monotonic() - began < 5, f"MAME {pid} not reaped"
            time.sleep(0.02)
        assert child.poll() is None and os.listdir(tmp_path) == []
    finally:
        child.kill()
        child.wait(timeout=10)
