"""The blocking API (aiomame.sync) on real MAME: one loop thread for every object, the same
in a plain script, inside a running event loop (as in Jupyter) and in Jupyter itself."""

from __future__ import annotations

import gc
import inspect
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import nbclient
import nbformat
import numpy as np
import pytest
from conftest import ADDRESSES, alive, socket_dirs

from aiomame import sync
from aiomame.errors import InvalidArgumentError, MissingRomsError, StateError

NOOP, LEFT, RIGHT = 0, 1, 2


def loop_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "aiomame loop"]


def test_game_env_in_plain_code(no_leaks):
    with sync.GameEnv("catch") as env:
        obs, info = env.reset(seed=4)
        assert obs.shape == env.obs_shape == (260, 224, 3) and "score" in info
        for action in (np.int64(LEFT), np.int32(RIGHT), np.uint8(NOOP), np.array(LEFT), 2):
            obs, reward, terminated, _, info = env.step(action)
        assert isinstance(reward, float) and not terminated
        assert env.screen().shape == (260, 224, 3)
        with pytest.raises(InvalidArgumentError, match=r"action np.float64\(1.0\) is not in 0..2"):
            env.step(np.float64(1.0))
    with pytest.raises(StateError, match="closed"):
        env.step(0)
    env.close()  # again: nothing happens


def test_blocking_classes_show_the_async_classes_parameters():
    from aiomame import Emulator, EnvPool, GameEnv

    for blocking, cls in [(sync.Emulator, Emulator), (sync.GameEnv, GameEnv),
                          (sync.EnvPool, EnvPool)]:
        parameters = inspect.signature(blocking).parameters
        assert parameters == inspect.signature(cls).parameters, blocking
        assert "args" not in parameters
    assert {"roms_path", "frame_stack", "max_episode_steps", "opponent"} <= set(
        inspect.signature(sync.GameEnv).parameters)


def test_one_loop_thread_for_all_objects(roms, no_leaks):
    with sync.Emulator("invaders", roms, ADDRESSES) as emu, \
            sync.EnvPool("catch", 2) as pool, sync.GameEnv("catch") as env:
        assert len(loop_threads()) == 1
        assert emu.step(frame=False)["word"] == 0x1234
        assert pool.reset(seed=1).frames.shape == (2, 260, 224, 3)
        env.reset()
    assert len(loop_threads()) == 1


async def test_called_from_inside_a_running_event_loop(no_leaks):
    # This test body runs on pytest's own event loop, as a notebook cell runs on Jupyter's.
    with sync.GameEnv("catch", obs_type="grayscale") as env:
        obs, _ = env.reset(seed=2)
        assert obs.shape == (260, 224)
        assert env.step(RIGHT)[2] is False


async def test_blocking_call_on_the_loop_thread_is_refused():
    async def nested():
        async def inner():
            return 1

        return sync.run(inner())

    with pytest.raises(StateError, match="own loop thread"):
        sync.run(nested())


def test_pool_send_wait_recv_collect(no_leaks):
    with sync.EnvPool("catch", 3, batch_size=2) as pool:
        assert pool.num_envs == 3 and pool.action_names == ["noop", "left", "right"]
        pool.reset(seed=0)
        pool.send(np.array([1, 2, 0]))
        batch = pool.wait()
        assert batch.env_ids.tolist() == [0, 1, 2]
        pool.send([0, 0, 0])
        assert len(pool.recv()) == 2 and len(pool.recv(1)) == 1
        seen = [batch.env_ids.tolist() for batch in pool.collect(lambda b: [0] * len(b), 5)]
        assert len(seen) == 5 and all(len(ids) == 2 for ids in seen)
        assert len(pool.screens()) == 3


def test_garbage_collected_object_stops_its_mame(no_leaks):
    before = socket_dirs()
    env = sync.GameEnv("catch")
    pid = env.emulator.process.pid
    del env
    gc.collect()
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)
    while socket_dirs() - before and time.monotonic() < deadline:  # removed right after
        time.sleep(0.05)


SCRIPT = """
import sys
from aiomame.sync import GameEnv
env = GameEnv("catch")
env.reset(seed=1)
print(env.emulator.process.pid, flush=True)
{body}
"""


def run_script(body: str, runtime_dir: str, **popen: object) -> subprocess.Popen[str]:
    script = textwrap.dedent(SCRIPT).format(body=textwrap.dedent(body))
    env = dict(os.environ, AIOMAME_RUNTIME_DIR=runtime_dir)
    return subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, **popen)


def test_script_exit_without_close_stops_mame(tmp_path):
    child = run_script("env.step(0)\nprint('done', flush=True)", str(tmp_path))
    out, err = child.communicate(timeout=60)
    pid = int(out.split()[0])
    assert child.returncode == 0, err
    assert out.split()[1] == "done" and not alive(pid)
    assert os.listdir(tmp_path) == []  # atexit closed it: no private directory left


def test_ctrl_c_stops_the_mames(tmp_path):
    # Ctrl-C while stepping: KeyboardInterrupt in the caller, the env closed, MAME gone.
    child = run_script("""
        print("stepping", flush=True)
        try:
            while True:
                *_, terminated, truncated, _ = env.step(0)
                if terminated or truncated:
                    env.reset()
        except KeyboardInterrupt:
            import os
            print("interrupted", os.listdir(os.environ["AIOMAME_RUNTIME_DIR"]), flush=True)
            raise
    """, str(tmp_path))
    pid = int(child.stdout.readline())
    assert child.stdout.readline().strip() == "stepping"
    time.sleep(0.5)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=30)
    assert out.strip() == "interrupted []", err  # closed before the exception went on
    assert child.returncode != 0 and "KeyboardInterrupt" in err
    assert not alive(pid)


def test_in_jupyter(tmp_path):
    # A real Jupyter kernel (ipykernel runs each cell on its own running event loop).
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("from aiomame.sync import GameEnv\n"
                                  "env = GameEnv('catch')\nobs, info = env.reset(seed=3)"),
        nbformat.v4.new_code_cell("obs, reward, *_ = env.step(1)\nprint(obs.shape, reward)"),
        nbformat.v4.new_code_cell("import asyncio\nawait asyncio.sleep(0)\n"
                                  "print(env.step(2)[0].shape)\nenv.close()"),
    ])
    client = nbclient.NotebookClient(
        notebook, timeout=120, kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # the kernel inherits this run's runtime and cache directories
    outputs = [cell.outputs[0]["text"].strip() for cell in notebook.cells[1:]]
    assert outputs == ["(260, 224, 3) 0.0", "(260, 224, 3)"]


def test_failed_start_raises_the_typed_error_and_leaves_nothing(tmp_path, no_leaks):
    with pytest.raises(MissingRomsError, match="ROM files missing"):
        sync.GameEnv("catch", roms_path=tmp_path)


def test_a_checksum_warning_points_at_the_blocking_call(tmp_path, no_leaks):
    # The start runs on the loop thread; the warning names the line that asked for it.
    from testrom import write_rom_set

    from aiomame.errors import RomChecksumWarning

    roms = write_rom_set(tmp_path)
    with pytest.warns(RomChecksumWarning) as caught:
        line = sys._getframe().f_lineno + 1
        emu = sync.Emulator("invaders", roms)
        emu.step()
        emu.close()
    assert [(w.filename, w.lineno) for w in caught] == [(__file__, line)]
