"""Private runtime directories: marked with their owner, swept when the owner is gone;
SIGTERM cleans up like Ctrl-C; SIGKILL leaves a directory the next start removes. Real
child Pythons and MAMEs."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import alive

from aiomame.transport.rundir import OWNER_FILE, make_private_dir, start_time, sweep_stale

ASYNC_SCRIPT = """
import asyncio
from aiomame import GameEnv

async def main():
    async with GameEnv("catch") as env:
        await env.reset(seed=1)
        print(env.emulator.process.pid, flush=True)
        while True:
            await env.step(0)
            if env.episode.ended:
                await env.reset()

asyncio.run(main())
"""

SYNC_SCRIPT = """
from aiomame.sync import GameEnv
env = GameEnv("catch")
env.reset(seed=1)
print(env.emulator.process.pid, flush=True)
while True:
    *_, terminated, truncated, _ = env.step(0)
    if terminated or truncated:
        env.reset()
"""


def start(script: str, runtime_dir: Path) -> tuple[subprocess.Popen[str], int]:
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script)], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
        env=dict(os.environ, AIOMAME_RUNTIME_DIR=str(runtime_dir)))
    line = child.stdout.readline()
    assert line.strip().isdigit(), child.communicate(timeout=30)[1]
    time.sleep(0.3)  # stepping
    return child, int(line)


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.02)
    return not alive(pid)


@pytest.mark.parametrize("script", [ASYNC_SCRIPT, SYNC_SCRIPT], ids=["async", "blocking"])
def test_sigterm_cleans_up_like_ctrl_c(script, tmp_path):
    child, mame = start(script, tmp_path)
    assert len(os.listdir(tmp_path)) == 1
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=30)
    assert child.returncode == 128 + signal.SIGTERM, err
    assert gone_within(mame, 1.0)
    assert os.listdir(tmp_path) == []  # removed now, not at the next start


def test_an_application_sigterm_handler_is_left_alone(tmp_path):
    child, mame = start("import signal, sys\n"
                        "signal.signal(signal.SIGTERM, lambda *a: sys.exit(7))\n" + SYNC_SCRIPT,
                        tmp_path)
    child.send_signal(signal.SIGTERM)
    child.communicate(timeout=30)
    assert child.returncode == 7 and gone_within(mame, 1.0)


def test_sigkill_leaves_a_directory_the_next_start_removes(tmp_path):
    child, mame = start(SYNC_SCRIPT, tmp_path)
    child.kill()
    child.wait(30)
    assert gone_within(mame, 1.0)  # its stdin closed: the plugin exits MAME
    (left,) = os.listdir(tmp_path)
    assert (tmp_path / left / OWNER_FILE).read_text().split()[0] == str(child.pid)
    # Another Python's first MAME sweeps it, and removes its own at close.
    subprocess.run([sys.executable, "-c", "from aiomame.sync import GameEnv\n"
                    "GameEnv('catch').close()"], check=True, timeout=60,
                   env=dict(os.environ, AIOMAME_RUNTIME_DIR=str(tmp_path)))
    assert os.listdir(tmp_path) == []


def owned(base: Path, name: str, pid: int, started: str | None) -> Path:
    path = base / f"aiomame-{name}"
    path.mkdir()
    (path / OWNER_FILE).write_text(f"{pid} {started}\n")
    return path


def test_sweep_removes_only_this_users_directories_of_dead_processes(tmp_path):
    finished = subprocess.Popen(["true"])
    finished.wait()
    me = os.getpid()
    live = owned(tmp_path, "live", me, start_time(me))
    parent = owned(tmp_path, "parent", os.getppid(), start_time(os.getppid()))
    dead = owned(tmp_path, "dead", finished.pid, "12345")
    reused = owned(tmp_path, "reused", os.getppid(), "1")  # that pid, another process
    ownerless = tmp_path / "aiomame-ownerless"
    ownerless.mkdir()
    garbled = tmp_path / "aiomame-garbled"
    garbled.mkdir()
    (garbled / OWNER_FILE).write_text("not a pid")
    other = tmp_path / "other-dead"
    other.mkdir()
    (other / OWNER_FILE).write_text(f"{finished.pid} 12345\n")
    foreign = owned(tmp_path, "foreign", finished.pid, "12345")
    if os.getuid() == 0:
        os.chown(foreign, 4242, 4242)  # another user's
    removed = sweep_stale(str(tmp_path))
    expected = {str(dead), str(reused)} | ({str(foreign)} if os.getuid() != 0 else set())
    assert set(removed) == expected
    kept = {p.name for p in tmp_path.iterdir()}
    assert kept == {live.name, parent.name, "aiomame-ownerless", "aiomame-garbled",
                    "other-dead"} | ({foreign.name} if os.getuid() == 0 else set())


def test_private_directory_is_0700_and_names_its_owner(tmp_path, monkeypatch):
    monkeypatch.setenv("AIOMAME_RUNTIME_DIR", str(tmp_path))
    path = make_private_dir()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o700
    assert Path(path, OWNER_FILE).read_text().split() == [str(os.getpid()),
                                                           start_time(os.getpid())]
    os.remove(Path(path, OWNER_FILE))
    os.rmdir(path)
