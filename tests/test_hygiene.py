"""Hygiene rows of the fault table (issue 14), on real MAME:

- start/close cycles and SIGKILL restarts in a pool leave no growth in child processes, open
  FDs, runtime-dir entries or RSS (a short run here; benchmarks/cycles.py runs 1,000 cycles
  and 200 restarts), and the pool keeps no dead MAME's MameProcess (its connection and
  buffers);
- a runtime directory that is not a directory, cannot be created, is read-only or full is a
  clear :class:`RuntimeDirError` at start (real tmpfs mounts; where mounting is impossible,
  /sys and RLIMIT_FSIZE give the kernel's own refusals instead);
- two Python processes, each with its MAME: own 0700 directories, neither swept by a third
  start, another user cannot enter them.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import random
import resource
import signal
import stat
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ADDRESSES
from test_rundir import SYNC_SCRIPT, gone_within, start

from aiomame import EnvPool
from aiomame.errors import RuntimeDirError, SaveStateError
from aiomame.machine.emulator import Emulator
from aiomame.pools.restarter import Restarter
from aiomame.transport.channel import STATE_FILE
from aiomame.transport.rundir import OWNER_FILE, PREFIX, runtime_base

CYCLES = int(os.environ.get("AIOMAME_HYGIENE_CYCLES", "40"))  # ~1 CPU-s each (MAME's start)
RESTARTS = int(os.environ.get("AIOMAME_HYGIENE_RESTARTS", "15"))
RSS_SLACK_MB = 12.0  # allocator noise; a frames map (0.23 MB) per cycle would exceed it
FRAME_BYTES = 224 * 260 * 4  # the test ROM's screen


def census() -> dict[str, float]:
    """What this process holds: children, open FDs, its runtime-dir entries, RSS (MB)."""
    gc.collect()
    me = os.getpid()
    children = 0
    for name in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError, IndexError), open(f"/proc/{name}/stat") as f:
            children += int(f.read().rsplit(")", 1)[1].split()[1]) == me
    base = Path(runtime_base())
    mine = sum(1 for p in base.glob(f"{PREFIX}*") if _owner(p) == me)
    with open("/proc/self/status") as f:
        rss = next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:"))
    return {"children": children, "fds": len(os.listdir("/proc/self/fd")), "rundir": mine,
            "rss": rss}


def _owner(path: Path) -> int | None:
    try:
        return int((path / OWNER_FILE).read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def assert_no_growth(before: dict[str, float], after: dict[str, float], what: str) -> None:
    counts = {k: (before[k], after[k]) for k in ("children", "fds", "rundir")}
    assert all(a == b for a, b in counts.values()), f"{what}: (before, after) {counts}"
    assert after["rss"] - before["rss"] < RSS_SLACK_MB, \
        f"{what}: RSS {before['rss']:.1f} -> {after['rss']:.1f} MB"


# -- 1,000 start/close cycles; 200 restarts in a pool (short versions) ---------------------
async def test_start_close_cycles_leave_nothing_behind(roms):
    async def cycle() -> None:
        async with Emulator("invaders", roms, ADDRESSES, frame_ratio=3) as emu:
            await emu.step()

    async with asyncio.timeout(60 + 5 * CYCLES):
        for _ in range(4):  # warm-up: imports, caches, the allocator's first arenas
            await cycle()
        before = census()
        for _ in range(CYCLES // 2):  # two at a time: both cores
            await asyncio.gather(cycle(), cycle())
    assert_no_growth(before, census(), f"{CYCLES} start/close cycles")


async def test_sigkill_restarts_in_a_pool_leave_nothing_behind(roms):
    # pytest keeps every log record: the restarter logs errors as text, or the records would
    # keep each dead MAME's emulator and frames file (an FD).
    envs, pick = 3, random.Random(14)
    # stable_after=0: every crash starts a new row, so the limit never ends the run.
    restarter = Restarter(restart_limit=2, stable_after=0.0, backoff=0.05)
    killed: list[weakref.ref] = []  # each killed MAME's MameProcess
    async with EnvPool("invaders", envs, roms_path=roms, memory_addresses=ADDRESSES,
                       frame_ratio=2, restarter=restarter) as pool:

        async def kill_and_wait() -> None:
            env_id = pick.randrange(envs)
            done = restarter.restarts.get(env_id, 0)
            process = pool.emulators[env_id].process
            killed.append(weakref.ref(process))
            os.kill(process.pid, signal.SIGKILL)
            del process
            async with asyncio.timeout(30):
                while restarter.restarts.get(env_id, 0) == done:
                    await pool.step([()] * envs)
                await pool.step([()] * envs)  # the restarted env's first row

        await pool.reset()
        for _ in range(3):
            await kill_and_wait()
        before = census()
        assert before["children"] >= envs and before["rundir"] >= envs
        for _ in range(RESTARTS):
            await kill_and_wait()
        after = census()
        assert sum(restarter.restarts.values()) == RESTARTS + 3
        kept = sum(ref() is not None for ref in killed)  # census() ran gc.collect()
        assert not kept, f"{kept} dead MAMEs' MameProcess still referenced"
    assert_no_growth(before, after, f"{RESTARTS} SIGKILL restarts")


# -- the runtime directory unusable --------------------------------------------------------
@contextlib.contextmanager
def tmpfs(path: Path, options: str) -> Iterator[bool]:
    """A tmpfs mounted at ``path`` (True), or nothing when mounting is impossible here
    (False); always unmounted after."""
    path.mkdir()
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "aiomame-test",
                                  str(path)], capture_output=True, timeout=30).returncode == 0
    except OSError:  # no mount command
        mounted = False
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", str(path)], check=True, timeout=30)


@contextlib.contextmanager
def file_size_limit(nbytes: int) -> Iterator[None]:
    """RLIMIT_FSIZE: the kernel refuses to grow a file past ``nbytes`` (EFBIG)."""
    old = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, old[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old)
        signal.signal(signal.SIGXFSZ, handler)


async def start_in(base: Path | str, roms: Path, monkeypatch) -> RuntimeDirError:
    monkeypatch.setenv("AIOMAME_RUNTIME_DIR", str(base))
    with pytest.raises(RuntimeDirError) as caught:
        async with asyncio.timeout(60), Emulator("invaders", roms, ADDRESSES, frame_ratio=3):
            pass
    message = str(caught.value)
    assert str(base) in message and "AIOMAME_RUNTIME_DIR" in message, message
    assert caught.value.path == str(base)
    return caught.value


async def test_runtime_dir_under_a_file_is_a_clear_error(roms, tmp_path, monkeypatch):
    (tmp_path / "file").write_text("")
    for base in (tmp_path / "file", tmp_path / "file" / "below"):
        error = await start_in(base, roms, monkeypatch)
        assert "not a directory" in str(error)


async def test_runtime_dir_that_cannot_be_created_is_a_clear_error(roms, monkeypatch):
    error = await start_in("/proc/aiomame-cannot-be-made", roms, monkeypatch)
    assert "cannot be created" in str(error)


async def test_missing_runtime_dir_is_created_private(roms, tmp_path, monkeypatch):
    base = tmp_path / "new" / "runtime"
    monkeypatch.setenv("AIOMAME_RUNTIME_DIR", str(base))
    async with asyncio.timeout(60), Emulator("invaders", roms, ADDRESSES, frame_ratio=3) as emu:
        await emu.step()
    assert stat.S_IMODE(base.stat().st_mode) == 0o700 and list(base.iterdir()) == []


async def test_read_only_runtime_dir_is_a_clear_error(roms, tmp_path, monkeypatch):
    with tmpfs(tmp_path / "ro", "ro,size=64k") as mounted:
        # Without mount rights: sysfs, whose directories refuse mkdir (EPERM).
        base = tmp_path / "ro" if mounted else Path("/sys/kernel")
        error = await start_in(base, roms, monkeypatch)
    assert ("read-only" if mounted else "cannot be written") in str(error)


async def test_full_runtime_dir_is_a_clear_error_at_start(roms, tmp_path, monkeypatch):
    """Room for the owner file, not for the frames file: the frames file's room is reserved
    after MAME's hello, so the error comes at start and names the bytes needed and free.
    Before: a CommandError at the first step ("No space left on device")."""
    with tmpfs(tmp_path / "full", "size=64k") as mounted:
        if mounted:
            error = await start_in(tmp_path / "full", roms, monkeypatch)
            assert error.free is not None and error.free < 64 * 1024
        else:  # the kernel's file size limit instead of a full file system
            with file_size_limit(64 * 1024):
                error = await start_in(tmp_path, roms, monkeypatch)
        assert error.needed == 2 * FRAME_BYTES
        assert f"{2 * FRAME_BYTES:,} bytes" in str(error) and "full" in str(error)
        leftovers = list((tmp_path / "full").iterdir()) if mounted else []
    assert leftovers == []


async def test_a_state_without_room_in_the_runtime_dir_is_a_clear_error(roms, tmp_path,
                                                                        monkeypatch):
    """States cross in a file of the private directory: a full one refuses the save or load
    with SaveStateError (code "state_file"), and MAME runs on."""
    with tmpfs(tmp_path / "full", "size=1m") as mounted:
        if not mounted:
            pytest.skip("needs a tmpfs mount (root)")
        monkeypatch.setenv("AIOMAME_RUNTIME_DIR", str(tmp_path / "full"))
        async with Emulator("invaders", roms, ADDRESSES, frame_ratio=3) as emu:
            await emu.step()
            state = await emu.save_state()
            filler = tmp_path / "full" / "filler"
            with open(filler, "wb", buffering=0) as f, contextlib.suppress(OSError):
                while True:
                    f.write(b"\0" * 4096)
            for call in (emu.save_state, lambda: emu.load_state(state)):
                with pytest.raises(SaveStateError, match="No space left on device") as caught:
                    await call()
                assert caught.value.code == "state_file"
                assert "AIOMAME_RUNTIME_DIR" in str(caught.value)
                assert STATE_FILE not in os.listdir(emu.process._dir)
            assert "counter" in await emu.step()  # MAME is fine
            filler.unlink()
            await emu.load_state(state)
        assert list((tmp_path / "full").iterdir()) == []


async def test_runtime_dir_with_no_room_at_all_is_a_clear_error(roms, tmp_path, monkeypatch):
    with tmpfs(tmp_path / "full", "size=8k") as mounted:
        if mounted:
            (tmp_path / "full" / "filler").write_bytes(b"\0" * 8192)
            error = await start_in(tmp_path / "full", roms, monkeypatch)
            assert error.free == 0
            assert [p.name for p in (tmp_path / "full").iterdir()] == ["filler"]
        else:  # no file may grow at all: the owner file cannot be written
            with file_size_limit(0):
                error = await start_in(tmp_path, roms, monkeypatch)
            assert [p.name for p in tmp_path.iterdir()] == ["full"]
        assert "full" in str(error)


# -- two processes, two users --------------------------------------------------------------
def test_two_processes_have_private_dirs_never_swept_by_another(tmp_path):
    first, first_mame = start(SYNC_SCRIPT, tmp_path)
    second, second_mame = start(SYNC_SCRIPT, tmp_path)
    try:
        dirs = {_owner(p): p for p in tmp_path.iterdir()}
        assert set(dirs) == {first.pid, second.pid}
        for path in dirs.values():
            assert stat.S_IMODE(path.stat().st_mode) == 0o700
            assert path.stat().st_uid == os.getuid()
        # A third Python's first MAME sweeps the base: both live owners' directories stay.
        subprocess.run([sys.executable, "-c", "from aiomame.sync import GameEnv\n"
                        "GameEnv('catch').close()"], check=True, timeout=60,
                       env=dict(os.environ, AIOMAME_RUNTIME_DIR=str(tmp_path)))
        assert {_owner(p): p for p in tmp_path.iterdir()} == dirs
        if os.getuid() == 0:  # another user cannot even look inside
            for path in dirs.values():
                peek = subprocess.run(["ls", str(path)], user=4242, group=4242,
                                      capture_output=True, timeout=30)
                assert peek.returncode != 0 and b"Permission denied" in peek.stderr
    finally:
        for child in (first, second):
            child.send_signal(signal.SIGTERM)
        for child in (first, second):
            child.communicate(timeout=30)
    assert gone_within(first_mame, 1.0) and gone_within(second_mame, 1.0)
    assert list(tmp_path.iterdir()) == []
