"""EnvPool on real MAME: many machines running the test ROM (tests/testrom.py) at once.

Most tests share one started pool of 8 envs (a game definition over the test ROM); each
begins with :func:`settled`, which collects whatever a previous test left in flight and
starts new games everywhere.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import signal
import time
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
import pytest_asyncio
from conftest import alive, reaped, socket_dirs

from aiomame import Action, Address, EnvPool
from aiomame.errors import (
    EnvDeadError,
    InvalidArgumentError,
    MameExitedError,
    MameTimeoutError,
    MissingRomsError,
    StateError,
    UnknownInputError,
)
from aiomame.games import Game

COUNTER = Address("0x2000")
END = 20  # the counting game is over when the frame counter reaches this
RATIO = 2
LEFT, RIGHT = Action(":CONTP1", "P1 Left"), Action(":CONTP1", "P1 Right")


class CountingGame(Game):
    """The test ROM as a game: 1 point per frame; over when the frame counter reaches END."""

    name = "pool-test-counting"
    system = "invaders"
    memory_addresses: ClassVar = {"counter": COUNTER, "port1": Address("0x2001")}
    actions: ClassVar = {"NOOP": (), "LEFT": (LEFT,), "RIGHT": (RIGHT,)}
    frame_ratio = RATIO

    def reward(self, previous, current):
        return float((current["counter"] - previous["counter"]) % 256)

    def terminated(self, current):
        return current["counter"] >= END

    async def new_game(self, emu, seed=None):
        await emu.write(COUNTER, 0)
        return await emu.step()


@pytest_asyncio.fixture(scope="module")
async def pool(roms):
    """8 envs, recv() batches of 3; a short step timeout for the SIGSTOP test."""
    async with EnvPool(CountingGame(), num_envs=8, batch_size=3, roms_path=roms,
                       step_timeout=2.0) as started:
        yield started


async def settled(pool):
    """Collect what is in flight, then start a new game on every env."""
    async with asyncio.timeout(30):
        if pool.num_pending:
            await pool.recv(pool.num_pending)
        return await pool.reset()


async def test_pool_of_8_has_stacked_shapes_and_env_ids(pool):
    first = await settled(pool)
    assert first.frames.shape == (8, 260, 224, 3) and first.frames.dtype == np.uint8
    assert first.env_ids.tolist() == list(range(8))
    assert set(first.memory) == {"counter", "port1"}
    assert first.memory["counter"].dtype == np.int64
    assert first.memory["counter"].tolist() == [RATIO] * 8  # a new game: 0, then one step
    assert first.rewards.dtype == np.float64 and first.terminated.dtype == bool
    idle = int(first.memory["port1"][0])

    batch = await pool.step([1, 0, 0, 0, 0, 0, 0, 2])  # LEFT on env 0, RIGHT on env 7
    assert batch.env_ids.tolist() == list(range(8))
    assert batch.memory["counter"].tolist() == [2 * RATIO] * 8
    assert batch.rewards.tolist() == [float(RATIO)] * 8
    assert batch.elapsed_steps.tolist() == [1] * 8
    assert not batch.terminated.any() and not batch.truncated.any()
    port1 = batch.memory["port1"].tolist()
    assert port1[1:7] == [idle] * 6  # each action went to its own env
    assert len({port1[0], port1[7], idle}) == 3

    some = await pool.step([2, 1], env_ids=[5, 2])  # rows in env_ids order
    assert some.env_ids.tolist() == [5, 2] and some.frames.shape == (2, 260, 224, 3)
    assert some.memory["port1"][0] == port1[7] and some.memory["port1"][1] == port1[0]


async def test_results_are_views_into_buffers_reused_each_step(pool):
    await settled(pool)
    a = await pool.step([0] * 8)
    kept = a.copy()
    b = await pool.step([0] * 8)
    assert np.shares_memory(a.frames, b.frames)  # no new frame array per step
    assert np.shares_memory(a.memory["counter"], b.memory["counter"])
    assert not np.shares_memory(kept.frames, b.frames)
    assert (a.memory["counter"] == b.memory["counter"]).all()  # a now shows step b
    assert (kept.memory["counter"] == b.memory["counter"] - RATIO).all()
    assert not np.array_equal(kept.frames, b.frames)  # the screen shows the counter


async def test_async_mode_returns_partial_batches_and_steps_every_env(pool):
    await settled(pool)
    pool.send([0] * 8)
    stepped = np.zeros(8, int)
    async with asyncio.timeout(30):
        for _ in range(24):
            batch = await pool.recv()
            assert len(batch) == 3 and len(set(batch.env_ids.tolist())) == 3
            assert batch.frames.shape == (3, 260, 224, 3)
            assert (batch.rewards == RATIO).all()
            stepped[batch.env_ids] += 1
            pool.send([0] * 3, batch.env_ids)
    assert stepped.min() > 0, stepped
    assert stepped.sum() == 24 * 3


async def test_autoreset_keeps_the_final_observation(pool):
    assert pool.metadata["autoreset_mode"] == "same-step"
    start = (await settled(pool)).copy()
    steps = (END - RATIO) // RATIO  # from RATIO to END, RATIO frames a step
    for _ in range(steps - 1):
        batch = await pool.step([0] * 8)
        assert not batch.terminated.any()
    batch = await pool.step([0] * 8)
    assert batch.terminated.all() and not batch.truncated.any()
    assert (batch.rewards == RATIO).all() and (batch.elapsed_steps == steps).all()
    for k in range(8):
        info = batch.infos[k]
        assert info["final_info"]["counter"] == END
        assert info["final_frame"].shape == (260, 224, 3)
        assert not np.array_equal(info["final_frame"], start.frames[k])
        assert np.array_equal(batch.frames[k], start.frames[k])  # the next game's start
    assert (batch.memory["counter"] == RATIO).all()
    after = await pool.step([0] * 8)
    assert not after.terminated.any() and (after.elapsed_steps == 1).all()
    assert (after.rewards == RATIO).all() and after.infos[0] == {}


async def test_episode_cut_at_max_episode_steps(roms):
    class ShortGame(CountingGame):
        max_episode_steps = 3

    async with EnvPool(ShortGame(), num_envs=1, roms_path=roms) as short:
        await short.reset()
        for _ in range(2):
            assert not (await short.step([0])).truncated.any()
        cut = await short.step([0])
        assert cut.truncated[0] and not cut.terminated[0] and cut.elapsed_steps[0] == 3
        assert cut.infos[0]["final_info"]["counter"] == 4 * RATIO
        assert cut.memory["counter"][0] == RATIO  # the next episode's start


async def test_next_step_autoreset_starts_the_episode_on_the_following_step(roms, no_leaks):
    async with EnvPool(CountingGame(), num_envs=2, roms_path=roms, max_episode_steps=3,
                       autoreset_mode="next-step") as pool:
        assert pool.metadata["autoreset_mode"] == "next-step"
        start = (await pool.reset()).copy()
        for _ in range(2):
            await pool.step(np.zeros(2, np.int8))
        end = await pool.step(np.zeros(2, np.uint64))
        assert end.truncated.all() and end.infos == [{}, {}]  # the last frame is the row's
        assert (end.memory["counter"] == 4 * RATIO).all() and (end.elapsed_steps == 3).all()
        new = await pool.step([2, 2])  # RIGHT, not applied: this step starts the episode
        assert not (new.terminated | new.truncated).any() and (new.rewards == 0).all()
        assert (new.elapsed_steps == 0).all()
        assert np.array_equal(new.memory["port1"], start.memory["port1"])
        assert np.array_equal(new.frames, start.frames)
        assert (await pool.step([2, 2])).elapsed_steps.tolist() == [1, 1]


async def test_send_then_wait_gives_rows_in_env_order(pool):
    await settled(pool)
    pool.send([1] * 3, [5, 0, 2])
    with pytest.raises(StateError, match="env 3 was sent nothing to wait for"):
        await pool.wait([3])
    batch = await pool.wait([5, 0, 2])
    assert batch.env_ids.tolist() == [5, 0, 2]
    pool.send(np.array([0] * 8, np.int16))
    assert (await pool.wait()).env_ids.tolist() == list(range(8))


class ButtonGame(CountingGame):
    """The counting game with a 0/1 vector of buttons as its action."""

    actions: ClassVar = {}
    buttons: ClassVar = (LEFT, RIGHT)


async def test_games_with_buttons_take_one_vector_per_env(roms, no_leaks):
    async with EnvPool(ButtonGame(), num_envs=3, roms_path=roms) as pool:
        idle = int((await pool.reset()).memory["port1"][0])
        batch = await pool.step(np.array([[0, 0], [1, 0], [1, 1]], bool))
        pressed = (batch.memory["port1"] - idle).tolist()
        assert pressed[0] == 0 and pressed[1] and pressed[2] > pressed[1]
        assert pool.action_names == [":CONTP1/P1 Left", ":CONTP1/P1 Right"]
        with pytest.raises(InvalidArgumentError, match=r"actions must be \(3, 2\) zeros and "
                                                       r"ones.*:CONTP1/P1 Left"):
            pool.send([[0, 2]] * 3)
        with pytest.raises(InvalidArgumentError, match=r"actions must be \(3, 2\)"):
            pool.send([0, 1, 1])


async def test_bad_pool_options_are_named(roms):
    with pytest.raises(InvalidArgumentError, match="autoreset_mode 'disabled'; valid: "
                                                   "'same-step', 'next-step'"):
        EnvPool(CountingGame(), roms_path=roms, autoreset_mode="disabled")
    with pytest.raises(InvalidArgumentError, match="max_episode_steps must be an int >= 1"):
        EnvPool(CountingGame(), roms_path=roms, max_episode_steps=0)


async def test_killed_mame_is_replaced_and_the_pool_keeps_stepping(pool, caplog):
    await settled(pool)
    events = []

    def record(env_id, error):
        events.append((env_id, error))

    def broken(env_id, error):
        raise RuntimeError("a callback bug")  # logged, not raised

    pool.restarter.add_callback(record)
    pool.restarter.add_callback(broken)
    old = pool.emulators[5].process.pid
    restarts = pool.restarter.restarts.get(5, 0)
    try:
        os.kill(old, signal.SIGKILL)
        with caplog.at_level(logging.WARNING, logger="aiomame.pools.pool"):
            crashed = await pool.step([0] * 8)
            assert crashed.truncated.tolist() == [k == 5 for k in range(8)]
            assert not crashed.terminated.any()
            assert isinstance(crashed.infos[5]["error"], MameExitedError)
            assert (np.delete(crashed.memory["counter"], 5) == 2 * RATIO).all()
            assert not alive(old)

            async with asyncio.timeout(30):
                back = await pool.step([0] * 8)  # env 5 waits for its new MAME
            assert back.infos[5] == {"restarted": True}
            assert back.memory["counter"][5] == RATIO and back.elapsed_steps[5] == 0
            assert (np.delete(back.memory["counter"], 5) == 3 * RATIO).all()
        new = pool.emulators[5].process.pid
        assert new != old and alive(new)
        assert pool.restarter.restarts[5] == restarts + 1
        assert [(e, type(x)) for e, x in events] == [(5, MameExitedError)]
        assert "a callback bug" in caplog.text and "env 5: restart 1" in caplog.text
        going = await pool.step([0] * 8)
        assert going.memory["counter"][5] == 2 * RATIO and going.rewards[5] == RATIO
    finally:
        pool.restarter.remove_callback(record)
        pool.restarter.remove_callback(broken)


async def test_stopped_mame_times_out_without_stalling_the_others(pool):
    await settled(pool)
    victim = 2
    pid = pool.emulators[victim].process.pid
    batches_before = 0
    os.kill(pid, signal.SIGSTOP)
    try:
        began = time.monotonic()
        pool.send([0] * 8)
        async with asyncio.timeout(30):
            while True:
                batch = await pool.recv()
                if victim in batch.env_ids:
                    break
                batches_before += 1
                pool.send([0] * 3, batch.env_ids)
            waited = time.monotonic() - began
            k = batch.env_ids.tolist().index(victim)
            assert batch.truncated[k] and isinstance(batch.infos[k]["error"], MameTimeoutError)
            assert waited >= 1.9  # the step timeout
            assert batches_before >= 5  # the other envs kept going meanwhile
            pool.send([0] * 3, batch.env_ids)
            while victim not in (batch := await pool.recv()).env_ids:
                pool.send([0] * 3, batch.env_ids)
        k = batch.env_ids.tolist().index(victim)
        assert batch.infos[k] == {"restarted": True}
        assert not alive(pid) and alive(pool.emulators[victim].process.pid)
    finally:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize(("actions", "env_ids", "match"), [
    ([0] * 4, None, r"actions has shape \(4,\); expected \(8,\).*0\.\.2 \(NOOP, LEFT, RIGHT\)"),
    ([[0, 0]] * 8, None, r"shape \(8, 2\); expected \(8,\)"),
    ([0, 0, 0, 7, 0, 0, 0, 0], None, r"actions\[3\] \(env 3\) is 7.*valid: 0\.\.2"),
    ([0.5] * 8, None, r"ints.*float"),
    ([0, 0], [0, 8], r"env id 8 is not in the pool: valid env ids are 0\.\.7"),
    ([0, 0], [4, 4], r"env\(s\) \[4\] more than once"),
    ([0], [[1]], r"1-D sequence of ints"),
])
async def test_wrong_actions_or_env_ids_give_clear_errors(pool, actions, env_ids, match):
    await settled(pool)
    with pytest.raises(InvalidArgumentError, match=match):
        pool.send(actions, env_ids)
    assert pool.num_pending == 0  # nothing was sent


async def test_calls_in_the_wrong_state_give_clear_errors(pool):
    await settled(pool)
    with pytest.raises(StateError, match="waits for 3 envs but only 0"):
        await pool.recv()
    pool.send([0, 0], [1, 6])
    with pytest.raises(StateError, match="env 6 is still stepping"):
        pool.send([0], [6])
    await pool.recv(2)


async def test_a_cancelled_recv_leaves_the_pool_usable(pool):
    await settled(pool)
    pool.send([0] * 8)
    waiting = asyncio.ensure_future(pool.recv(8))
    await asyncio.sleep(0)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    async with asyncio.timeout(10):
        batch = await pool.recv(8)  # the steps went on; their results are all here
    assert sorted(batch.env_ids.tolist()) == list(range(8))
    assert pool.num_pending == 0


async def test_collect_steps_envs_with_the_policy(pool):
    idle_port = int((await settled(pool)).memory["port1"][0])
    calls = []

    async def policy(batch):
        calls.append(batch.env_ids.tolist())
        return [2] * len(batch)  # RIGHT

    seen = []
    async with asyncio.timeout(30):
        async for batch in pool.collect(policy, steps=5):
            assert len(batch) == 3
            assert (batch.memory["port1"] != idle_port).all()  # the policy's RIGHT
            seen += batch.env_ids.tolist()
    assert len(calls) == 1 + 4  # first on every env's latest result, then all but the last
    assert calls[0] == list(range(8)) and sorted(calls[1]) == sorted(seen[:3])
    assert pool.num_pending == 8 - 3  # the last batch's envs are idle, the rest in flight


async def test_plain_system_gives_frames_and_memory_only(roms, no_leaks):
    async with EnvPool("invaders", num_envs=2, roms_path=roms, frame_ratio=3,
                       memory_addresses={"counter": COUNTER, "port1": Address("0x2001")}
                       ) as plain:
        batch = await plain.step([[LEFT], []])
        assert batch.frames.shape == (2, 260, 224, 3)
        assert batch.memory["port1"][0] != batch.memory["port1"][1]
        assert not batch.rewards.any() and not batch.terminated.any()
        assert not batch.truncated.any()
        counters = batch.memory["counter"].copy()
        batch = await plain.step([[], [RIGHT, LEFT]])
        assert (batch.memory["counter"] == counters + 3).all()
        again = await plain.reset()  # a hard reset: the program starts over
        assert (again.memory["counter"] <= 3).all() and not again.elapsed_steps.any()
        with pytest.raises(InvalidArgumentError, match="sequence of Action per env"):
            plain.send([0, 0])
        with pytest.raises(InvalidArgumentError, match="2 entries; expected 1"):
            plain.send([[], []], [1])
        with pytest.raises(UnknownInputError, match=r"':NOPE'.*':CONTP1'"):
            plain.send([[Action(":NOPE", "Coin 1")], []])
        assert plain.num_pending == 0


def test_unknown_game_names_the_registered_ones(roms):
    with pytest.raises(InvalidArgumentError, match="no registered game.*roms_path"):
        EnvPool("no-such-game", num_envs=2)
    with pytest.raises(InvalidArgumentError, match="batch_size"):
        EnvPool(CountingGame(), num_envs=2, batch_size=3, roms_path=roms)


async def test_close_leaves_no_process_or_socket_behind(roms, no_leaks):
    before = socket_dirs()
    pool = EnvPool(CountingGame(), num_envs=2, roms_path=roms)
    await pool.start()
    pids = [emu.process.pid for emu in pool.emulators]
    assert all(alive(pid) for pid in pids) and len(socket_dirs() - before) == 2
    with pytest.raises(StateError, match="reset"):
        pool.send([0, 0])  # no game started yet
    await pool.reset()
    pool.send([0, 0])  # close with steps in flight
    await pool.close()
    assert all(reaped(pid) for pid in pids)
    assert socket_dirs() - before == set()
    await pool.close()  # idempotent
    with pytest.raises(StateError, match="closed"):
        await pool.step([0, 0])


async def test_failed_start_closes_the_started_ones(tmp_path, no_leaks):
    pool = EnvPool("invaders", num_envs=3, roms_path=tmp_path)  # no ROMs there
    with pytest.raises(MissingRomsError):
        await pool.start()
    assert all(reaped(emu.process.pid) for emu in pool.emulators if emu.process.pid)
    with pytest.raises(StateError):
        await pool.start()


async def test_env_is_dead_past_the_restart_limit(roms, no_leaks):
    dead = []
    async with EnvPool("invaders", num_envs=2, roms_path=roms, restart_limit=0,
                       memory_addresses={"counter": COUNTER}) as plain:
        plain.restarter.add_callback(lambda env_id, error: dead.append(env_id), "dead")
        os.kill(plain.emulators[0].process.pid, signal.SIGKILL)
        crashed = await plain.step([[], []])
        assert crashed.truncated.tolist() == [True, False]
        async with asyncio.timeout(10):
            with pytest.raises(EnvDeadError, match="env 0 is dead"):
                await plain.step([[], []])
        assert dead == [0]
        with pytest.raises(EnvDeadError):
            plain.send([[]], [0])
        alive_one = await plain.step([[]], env_ids=[1])  # the other env goes on
        assert alive_one.env_ids.tolist() == [1] and not alive_one.truncated.any()


async def test_hogwild_example_runs(roms, no_leaks):
    path = Path(__file__).resolve().parents[1] / "examples" / "hogwild.py"
    spec = importlib.util.spec_from_file_location("hogwild", path)
    hogwild = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hogwild)
    async with asyncio.timeout(60):
        result = await hogwild.hogwild(CountingGame(), num_envs=2, steps=40, roms_path=roms,
                                       seed=1, quiet=True)
    assert result["env_steps"] == 40 and result["restarts"] == 0
    assert len(result["episodes"]) >= 2
    assert all(ret == END - RATIO for _, ret in result["episodes"])


async def test_frame_stacks_shift_across_steps_and_autoresets(roms, no_leaks):
    async with EnvPool(CountingGame(), num_envs=3, batch_size=2, roms_path=roms,
                       frame_stack=3, obs_type="grayscale", copy=True) as stacked:
        assert stacked.frame_shape == (3, 260, 224)
        start = await stacked.reset()
        assert start.frames.shape == (3, 3, 260, 224) and start.frames.dtype == np.uint8
        assert (start.frames == start.frames[:, :1]).all()  # k copies of the first frame
        previous = start  # the counter is at RATIO: the game ends on step END // RATIO - 1
        for _ in range(END // RATIO - 2):
            batch = await stacked.step([0] * 3)
            assert np.array_equal(batch.frames[:, :-1], previous.frames[:, 1:])
            assert not np.array_equal(batch.frames[:, -1], batch.frames[:, -2])
            previous = batch
        ending = await stacked.step([0] * 3)
        assert ending.terminated.all()
        for k in range(3):
            final = ending.infos[k]["final_frame"]
            assert final.shape == (3, 260, 224)
            assert np.array_equal(final[:-1], previous.frames[k, 1:])
            assert (ending.frames[k] == ending.frames[k, :1]).all()  # the next game's start
        stacked.send([0, 0], [2, 0])  # async: a batch gathered in another order
        partial = await stacked.recv()
        assert sorted(partial.env_ids.tolist()) == [0, 2]
        for row, env in enumerate(partial.env_ids):
            assert np.array_equal(partial.frames[row, :-1], ending.frames[env, 1:])


async def test_observation_options_reach_every_env(roms, no_leaks):
    async with EnvPool("invaders", num_envs=2, roms_path=roms, obs_type="grayscale",
                       resize=(84, 84), frame_stack=4) as small:
        batch = await small.reset()
        assert batch.frames.shape == (2, 4, 84, 84) and small.frame_shape == (4, 84, 84)
        batch = await small.step([[], [LEFT]])
        assert batch.frames.shape == (2, 4, 84, 84)
