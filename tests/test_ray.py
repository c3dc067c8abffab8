"""RayEnvPool on a real local Ray instance (ray.init(num_cpus=2), started once for this
module) with real MAMEs running catch: two actors of 2 envs, the same assertions as the
local pool's tests (tests/test_pool.py), a killed actor, the adapters, bad input, and no
process or private directory left behind. Skipped where Ray is not installed, except in CI
(AIOMAME_REQUIRE_RAY=1, which installs it). The RLlib test runs where RLlib is installed
(CI: a virtualenv of its own, AIOMAME_REQUIRE_RLLIB=1)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

if os.environ.get("AIOMAME_REQUIRE_RAY") == "1":
    import ray
else:
    ray = pytest.importorskip("ray")

import numpy as np
import pytest_asyncio
from conftest import alive, socket_dirs

from aiomame import sync
from aiomame.errors import (
    EnvDeadError,
    InvalidArgumentError,
    MameExitedError,
    StateError,
)
from aiomame.pools.pool import EnvPool
from aiomame.ray import RayEnvPool
from aiomame.transport.rundir import OWNER_FILE, runtime_base, sweep_stale

SHAPE = (260, 224, 3)
ACTOR = {"num_cpus": 0.25}  # the module's pool and the adapters' fit in num_cpus=2


def descendants() -> set[int]:
    """Every process under this one (Ray's GCS, raylet and workers, their MAMEs)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [os.getpid()]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def owned_by(pid: int) -> list[str]:
    """aiomame's private directories that process ``pid`` made."""
    owned = []
    for path in socket_dirs():
        with contextlib.suppress(OSError), open(os.path.join(path, OWNER_FILE)) as f:
            if int(f.read().split()[0]) == pid:
                owned.append(path)
    return owned


def wait_gone(pids: set[int], seconds: float) -> set[int]:
    """The pids still alive after up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while (left := {p for p in pids if alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.fixture(scope="module")
def local_ray(runtime_dir, rom_cache):
    """A local Ray for this module; afterwards, no process it started is left."""
    before, dirs = descendants(), socket_dirs()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             object_store_memory=200 * 2**20, configure_logging=False)
    yield dirs
    started = descendants() - before
    ray.shutdown()
    assert started, "Ray started no process?"
    assert wait_gone(started, 20) == set(), "Ray or MAME processes left after shutdown"
    assert socket_dirs() <= dirs, "private directories left behind"


@pytest_asyncio.fixture(scope="module")
async def pool(local_ray):
    """4 envs of catch in two actors of 2; recv() batches of 2."""
    async with RayEnvPool("catch", 4, envs_per_actor=2, batch_size=2,
                          actor_options=ACTOR) as started:
        yield started


async def settled(pool):
    async with asyncio.timeout(60):
        if pool.num_pending:
            await pool.recv(pool.num_pending)
        return await pool.reset(seed=1)


async def test_shapes_env_ids_and_the_same_frames_as_a_local_pool(pool, roms):
    assert pool.actor_sizes == [2, 2] and len(pool.actors) == 2
    assert pool.frame_shape == SHAPE and pool.action_names == ["noop", "left", "right"]
    assert pool.game.name == "catch" and pool.metadata["autoreset_mode"] == "same-step"
    first = await settled(pool)
    assert first.frames.shape == (4, *SHAPE) and first.frames.dtype == np.uint8
    assert first.env_ids.tolist() == [0, 1, 2, 3] and set(first.memory) == set(pool.memory_names)
    assert first.memory["frame_counter"].dtype == np.int64
    assert first.rewards.dtype == np.float64 and not first.elapsed_steps.any()
    batch = await pool.step([0, 1, 2, 0])
    assert batch.env_ids.tolist() == [0, 1, 2, 3] and (batch.elapsed_steps == 1).all()
    assert not batch.terminated.any() and not batch.truncated.any()
    x = batch.memory["paddle_x"].tolist()
    assert x[1] < x[0] == x[3] < x[2]  # each action went to its own env, across actors
    some = await pool.step([2, 1], env_ids=[3, 0])  # rows in env_ids order
    assert some.env_ids.tolist() == [3, 0] and some.frames.shape == (2, *SHAPE)
    assert some.memory["paddle_x"][0] > x[3] and some.memory["paddle_x"][1] < x[0]

    async with EnvPool("catch", 4) as local:  # same seeds, same actions: same frames
        here = await local.reset(seed=1)
        assert np.array_equal(here.frames, first.frames)
        here = await local.step([0, 1, 2, 0])
        assert np.array_equal(here.frames, batch.frames)
        assert all(np.array_equal(here.memory[k], batch.memory[k]) for k in here.memory)


async def test_async_mode_returns_partial_batches_across_actors(pool):
    await settled(pool)
    pool.send([0] * 4)
    stepped = np.zeros(4, int)
    async with asyncio.timeout(60):
        for _ in range(12):
            batch = await pool.recv()
            assert len(batch) == 2 and len(set(batch.env_ids.tolist())) == 2
            assert batch.frames.shape == (2, *SHAPE)
            stepped[batch.env_ids] += 1
            pool.send([0] * 2, batch.env_ids)
        assert pool.num_pending == 4
        rest = await pool.recv(4)
    assert sorted(rest.env_ids.tolist()) == [0, 1, 2, 3]
    assert stepped.min() > 0 and stepped.sum() == 24, stepped


async def test_send_then_wait_and_collect(pool):
    await settled(pool)
    pool.send([1] * 3, [3, 0, 2])
    with pytest.raises(StateError, match="env 1 was sent nothing to wait for"):
        await pool.wait([1])
    assert (await pool.wait([3, 0, 2])).env_ids.tolist() == [3, 0, 2]
    calls = []

    def policy(batch):
        calls.append(batch.env_ids.tolist())
        return [2] * len(batch)

    seen = []
    async with asyncio.timeout(60):
        async for batch in pool.collect(policy, steps=4):
            assert len(batch) == 2
            seen += batch.env_ids.tolist()
    assert calls[0] == [0, 1, 2, 3] and len(calls) == 4
    assert pool.num_pending == 2


@pytest.mark.parametrize(("actions", "env_ids", "match"), [
    ([0] * 3, None, r"actions has shape \(3,\); expected \(4,...\)"),
    ([0, 0], [0, 4], r"env id 4 is not in the pool: valid env ids are 0\.\.3"),
    ([0, 0], [2, 2], r"env\(s\) \[2\] more than once"),
    ([0], [[1]], r"1-D sequence of ints"),
])
async def test_wrong_actions_or_env_ids_give_clear_errors(pool, actions, env_ids, match):
    await settled(pool)
    with pytest.raises(InvalidArgumentError, match=match):
        pool.send(actions, env_ids)
    assert pool.num_pending == 0


async def test_errors_of_an_actor_come_back_typed_and_the_pool_goes_on(pool):
    await settled(pool)
    with pytest.raises(InvalidArgumentError, match=r"actions\[1\] \(env 1\) is 7.*0\.\.2"):
        await pool.step([0, 0, 0, 7])  # checked by the second actor (its env 1)
    assert pool.num_pending == 0
    pool.send([0, 0], [1, 2])
    with pytest.raises(StateError, match="env 2 is still stepping"):
        pool.send([0], [2])
    with pytest.raises(StateError, match="waits for 3 envs but only 2"):
        await pool.recv(3)
    with pytest.raises(InvalidArgumentError, match=r"batch_size must be an int in 1\.\.num_envs "
                                                   r"\(4\), got 5"):
        await pool.recv(5)
    await pool.recv(2)
    assert (await pool.step([0] * 4)).env_ids.tolist() == [0, 1, 2, 3]


async def test_killed_actor_is_restarted_and_its_envs_report_truncation(pool):
    await settled(pool)
    before = await pool.pids()
    victim = before[1]
    await pool.step([0] * 4)
    pool.send([0, 0], [0, 1])  # in flight on the other actor meanwhile: unaffected
    os.kill(victim["actor"], signal.SIGKILL)
    async with asyncio.timeout(60):
        crashed = await pool.step([0, 0], [2, 3])
        assert crashed.truncated.all() and not crashed.terminated.any()
        assert all(isinstance(info["error"], ray.exceptions.RayActorError)
                   for info in crashed.infos)
        assert (crashed.elapsed_steps == 1).all() and crashed.frames.shape == (2, *SHAPE)
        others = await pool.recv(2)
        assert sorted(others.env_ids.tolist()) == [0, 1] and not others.truncated.any()
        assert (others.elapsed_steps == 2).all()
        back = await pool.step([0] * 4)  # envs 2, 3 wait for the restarted actor
    assert [info.get("restarted") for info in back.infos] == [None, None, True, True]
    assert back.elapsed_steps.tolist() == [3, 3, 0, 0] and not back.truncated.any()
    assert wait_gone({victim["actor"], *victim["mames"]}, 10) == set()  # MAME: stdin closed
    after = await pool.pids()
    assert after[0] == before[0] and after[1]["actor"] != victim["actor"]
    assert all(alive(pid) for pid in after[1]["mames"])
    assert (await pool.step([0] * 4)).elapsed_steps.tolist() == [4, 4, 1, 1]


async def test_a_crashed_mame_in_an_actor_reports_its_error_like_a_local_pool(pool):
    await settled(pool)
    mame = (await pool.pids())[0]["mames"][1]  # env 1
    os.kill(mame, signal.SIGKILL)
    async with asyncio.timeout(60):
        crashed = await pool.step([0] * 4)
        assert crashed.truncated.tolist() == [False, True, False, False]
        assert isinstance(crashed.infos[1]["error"], MameExitedError)  # rebuilt, typed
        assert crashed.infos[1]["error"].returncode == -signal.SIGKILL
        back = await pool.step([0] * 4)
    assert back.infos[1] == {"restarted": True}


async def test_a_silent_actor_is_killed_after_call_timeout_and_restarts_then_dies(local_ray):
    """SIGSTOP: the actor neither answers nor dies. Past max_restarts its env is dead."""
    async with RayEnvPool("catch", 1, call_timeout=10, actor_options={
            **ACTOR, "max_restarts": 1}) as pool:
        await pool.reset()
        first = (await pool.pids())[0]
        os.kill(first["actor"], signal.SIGSTOP)
        began = time.monotonic()
        try:
            async with asyncio.timeout(30):
                silent = await pool.step([0])
        finally:
            os.kill(first["actor"], signal.SIGCONT)  # if it still exists
        assert 9.5 < time.monotonic() - began < 40
        assert silent.truncated[0] and isinstance(silent.infos[0]["error"], TimeoutError)
        assert "did not answer within 10 s; it was killed" in str(silent.infos[0]["error"])
        pool.call_timeout = 60.0  # a new worker process and MAME: slow on a busy machine
        async with asyncio.timeout(90):
            back = await pool.step([0])
        assert back.infos[0] == {"restarted": True} and back.elapsed_steps[0] == 0
        assert wait_gone({first["actor"], *first["mames"]}, 10) == set()

        second = (await pool.pids())[0]
        os.kill(second["actor"], signal.SIGKILL)  # its last restart is used up
        async with asyncio.timeout(30):
            crashed = await pool.step([0])
        assert crashed.truncated[0] and "error" in crashed.infos[0]
        with pytest.raises(EnvDeadError, match="env 0 is dead"):
            pool.send([0])
        # No actor comes back to sweep its MAME's directory: the next aiomame start on the
        # node does (aiomame.transport.rundir); here, the sweep itself.
        assert wait_gone({second["actor"], *second["mames"]}, 10) == set()
        assert len(owned_by(second["actor"])) == 1
        sweep_stale(runtime_base())
        assert owned_by(second["actor"]) == []


def test_bad_pool_arguments_are_named():
    with pytest.raises(InvalidArgumentError, match=r"envs_per_actor must be an int in "
                                                   r"1\.\.num_envs \(4\), got 0"):
        RayEnvPool("catch", 4, envs_per_actor=0)
    with pytest.raises(InvalidArgumentError, match="envs_per_actor.*got '2'"):
        RayEnvPool("catch", 4, envs_per_actor="2")
    with pytest.raises(InvalidArgumentError, match="num_envs must be an int >= 1, got 0"):
        RayEnvPool("catch", 0)
    with pytest.raises(InvalidArgumentError, match="call_timeout must be .* got -1"):
        RayEnvPool("catch", 2, call_timeout=-1)
    with pytest.raises(InvalidArgumentError, match="actor_options must be a mapping"):
        RayEnvPool("catch", 2, actor_options=[("num_cpus", 1)])
    with pytest.raises(InvalidArgumentError, match="'restarter' cannot be given"):
        RayEnvPool("catch", 2, restarter=object())
    assert RayEnvPool("catch", 5, envs_per_actor=2).actor_sizes == [2, 2, 1]  # the rest
    from aiomame.gym import MameVectorEnv

    pytest.importorskip("stable_baselines3")
    from aiomame.sb3 import MameVecEnv

    for adapter in (MameVectorEnv, MameVecEnv):
        with pytest.raises(InvalidArgumentError, match="pool_factory must be a callable.*"
                                                       "got 'ray'"):
            adapter("catch", 2, pool_factory="ray")


async def test_not_started_pool_says_so():
    pool = RayEnvPool("catch", 2)
    with pytest.raises(StateError, match="not started"):
        pool.send([0, 0])


def test_gymnasium_vector_env_on_a_ray_pool_of_uneven_actors(local_ray):
    from aiomame.gym import MameVectorEnv

    ray_pool = functools.partial(sync.RayEnvPool, envs_per_actor=2, actor_options=ACTOR)
    with MameVectorEnv("catch", 3, pool_factory=ray_pool, obs_type="grayscale",
                       resize=(84, 84)) as envs:
        assert envs.pool.actor_sizes == [2, 1]
        assert envs.single_observation_space.shape == (84, 84)
        assert envs.metadata["render_fps"] == pytest.approx(20.0, rel=0.1)
        obs, infos = envs.reset(seed=3)
        assert obs.shape == (3, 84, 84) and infos["paddle_x"].shape == (3,)
        for _ in range(3):
            obs, rewards, _, truncated, infos = envs.step(envs.action_space.sample())
        assert obs.shape == (3, 84, 84) and rewards.shape == (3,) and not truncated.any()


def test_sb3_vec_env_on_a_ray_pool(local_ray):
    pytest.importorskip("stable_baselines3")
    from aiomame.sb3 import MameVecEnv

    ray_pool = functools.partial(sync.RayEnvPool, envs_per_actor=1, actor_options=ACTOR)
    venv = MameVecEnv("catch", 2, pool_factory=ray_pool, obs_type="grayscale",
                      resize=(84, 84))
    try:
        assert len(venv.pool.actors) == 2
        obs = venv.reset()
        assert obs.shape == (2, 84, 84, 1)
        venv.step_async(np.array([1, 2]))
        obs, rewards, dones, infos = venv.step_wait()
        assert obs.shape == (2, 84, 84, 1) and rewards.dtype == np.float32
        assert "paddle_x" in infos[0] and not dones.any()
        assert venv.get_attr("frame_ratio") == [3, 3]
    finally:
        venv.close()


def test_rllib_example_trains_on_aiomame_envs(local_ray):
    """examples/rllib_catch.py as a user starts it (its own Ray); where RLlib's extra
    dependencies are installed (``pip install ".[rllib]"``: RLlib pins its own Gymnasium, so CI runs
    this test in a virtualenv of its own)."""
    installed = all(importlib.util.find_spec(name) for name in ("tree", "pyarrow", "lz4"))
    if os.environ.get("AIOMAME_REQUIRE_RLLIB") != "1" and not installed:
        pytest.skip("RLlib's dependencies are not installed (pip install '.[rllib]')")
    example = Path(__file__).resolve().parents[1] / "examples" / "rllib_catch.py"
    out = subprocess.run([sys.executable, str(example), "--iterations", "1",
                          "--env-runners", "1", "--batch", "128", "--cpus", "1"],
                         capture_output=True, text=True, timeout=240, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "iteration 1: " in out.stdout and " 0 env steps" not in out.stdout


async def test_close_leaves_no_process_or_directory_behind(pool, local_ray):
    """Last in the module: closes the shared pool."""
    await settled(pool)
    assert len(socket_dirs() - local_ray) == 4  # one per MAME (a killed actor's: swept)
    pids = await pool.pids()
    processes = {p for actor in pids for p in (actor["actor"], *actor["mames"])}
    pool.send([0] * 4)  # close with steps in flight
    await pool.close()
    assert wait_gone(processes, 15) == set()
    assert socket_dirs() <= local_ray
    await pool.close()  # idempotent
    with pytest.raises(StateError, match="closed"):
        await pool.step([0] * 4)
