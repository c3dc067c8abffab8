"""The pool's batch path, on real MAME (the bundled game, catch): the bookkeeping
(episode.Episodes) of a vectorised game and of the same game computed env by env give the
same rows; bgra batches are the frames MAME wrote into the pool's shared file."""

from __future__ import annotations

import asyncio
import os
import signal

import numpy as np
import pytest

from aiomame import EnvPool
from aiomame.episodes.episode import Episode, Episodes
from aiomame.games import GAMES, get_game
from aiomame.games.catch import Catch


class PerEnvCatch(Catch):
    """catch with its reward and end computed one env at a time."""

    name = "catch_per_env"
    vectorized = False


def rows(batch) -> tuple:
    return (batch.rewards.tolist(), batch.terminated.tolist(), batch.truncated.tolist(),
            batch.elapsed_steps.tolist(), {k: v.tolist() for k, v in batch.memory.items()},
            [sorted(info) for info in batch.infos])


@pytest.mark.parametrize("mode", ["same-step", "next-step"])
async def test_vectorised_and_per_env_bookkeeping_agree(mode, monkeypatch):
    # Registered names: each env has its own game instance, so the seeds that new games
    # draw do not depend on which env's reply came first.
    monkeypatch.setitem(GAMES, PerEnvCatch.name, PerEnvCatch)
    actions = np.random.default_rng(3).integers(0, 3, (400, 2))
    got = []
    for game in ("catch", PerEnvCatch.name):
        async with EnvPool(game, 2, frames=False, max_episode_steps=150,
                           autoreset_mode=mode) as pool:
            assert pool._episodes.vectorized is (game == "catch")
            async with asyncio.timeout(120):
                trace = [rows(await pool.reset(seed=[5, 6]))]
                for a in actions:
                    trace.append(rows(await pool.step(a)))
        got.append(trace)
    assert got[0] == got[1]
    ended = sum(any(r[1]) or any(r[2]) for r in got[0])
    assert ended >= 2  # episode ends (game over, or the step limit) were compared too


def test_episodes_match_episode_step_by_step():  # in a batch, and one env at a time
    game = get_game("catch")
    names = list(game.memory_addresses)
    rng = np.random.default_rng(0)
    one = [Episode(game, names, 5) for _ in range(3)]
    many, single = Episodes([game] * 3, names, 5), Episodes([game] * 3, names, 5)
    start = rng.integers(0, 9, (3, len(names)))
    for i in range(3):
        one[i].begin(dict(zip(names, start[i].tolist(), strict=True)))
        many.begin(i, start[i].tolist())
        single.begin(i, start[i].tolist())
    for _ in range(7):
        values = rng.integers(0, 9, (3, len(names)))
        rewards, terminated, truncated, steps, _ = many.advance(slice(None), values)
        for i in range(3):
            now = values[i].tolist()
            if one[i].ended:
                one[i].begin(dict(zip(names, now, strict=True)))
                many.begin(i, now)
                single.begin(i, now)
                continue
            expected = one[i].advance(dict(zip(names, now, strict=True)))
            assert (rewards[i], terminated[i], truncated[i]) == expected
            assert steps[i] == one[i].steps and many.ended[i] == one[i].ended
            assert single.advance_one(i, tuple(now)) == (*expected, one[i].steps, one[i].ended)


async def test_bgra_batches_are_the_frames_mame_wrote_without_a_copy():
    actions = np.random.default_rng(4).integers(0, 3, (30, 3))
    frames = {}
    for obs in ("bgra", "rgb"):
        async with EnvPool("catch", 3, obs_type=obs) as pool:
            assert (pool._shared is not None) is (obs == "bgra")
            async with asyncio.timeout(60):
                await pool.reset(seed=[1, 2, 3])
                for a in actions:
                    batch = await pool.step(a)
            frames[obs] = batch.frames.copy()
            if obs == "bgra":  # a view of the shared file, which MAME writes into
                assert np.shares_memory(batch.frames, pool._shared.raw)
                shown = [emu.screen() for emu in pool.emulators]
                assert all(np.array_equal(s, f[..., 2::-1])
                           for s, f in zip(shown, batch.frames, strict=True))
                path = pool._shared.path
        if obs == "bgra":
            assert not os.path.exists(os.path.dirname(path))  # removed at close
    assert np.array_equal(frames["bgra"][..., 2::-1], frames["rgb"])
    assert frames["rgb"].std() > 0


async def test_a_restarted_mame_writes_into_its_shared_slot_again():
    async with EnvPool("catch", 2, obs_type="bgra") as pool:
        async with asyncio.timeout(60):
            await pool.reset(seed=[1, 2])
            os.kill(pool.emulators[1].process.pid, signal.SIGKILL)
            batch = await pool.step([0, 0])
            assert "error" in batch.infos[1] and batch.truncated[1]
            batch = await pool.step([0, 0])
            assert batch.infos[1].get("restarted")
            for _ in range(5):
                batch = await pool.step([2, 1])
            assert np.array_equal(pool.emulators[1].screen(), batch.frames[1][..., 2::-1])
            assert pool.restarter.restarts[1] == 1


class BuggyCatch(Catch):
    """catch whose reward raises at its fourth batch (a bug in a game definition)."""

    name = "catch_buggy"
    calls = 0

    def reward(self, previous, current):
        BuggyCatch.calls += 1
        if BuggyCatch.calls == 4:
            raise ZeroDivisionError("a bug in reward")
        return super().reward(previous, current)


@pytest.mark.parametrize("env_ids", [None, [2, 0]])
async def test_a_game_bug_in_a_batch_is_raised_to_its_caller_and_the_pool_goes_on(env_ids):
    BuggyCatch.calls = 0
    async with EnvPool(BuggyCatch(), 3, frames=False) as pool:
        async with asyncio.timeout(60):
            await pool.reset(seed=1)  # no reward at a reset: calls 1..3 are the steps
            n = 3 if env_ids is None else 2
            for _ in range(3):
                await pool.step([0] * n, env_ids)
            with pytest.raises(ZeroDivisionError, match="a bug in reward"):
                await pool.step([0] * n, env_ids)
            batch = await pool.step([0] * n, env_ids)  # all of them idle again
            assert len(batch) == n and not batch.truncated.any()
