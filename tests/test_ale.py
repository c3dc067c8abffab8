"""ALE/EnvPool options (aiomame.episodes.ale) on real MAME with the bundled catch: sticky
actions, no-op starts, episodic life, reward clipping, the "atari" preset, bad values."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from aiomame import Action, Address, EnvPool, GameEnv
from aiomame.errors import InvalidArgumentError
from aiomame.games import CATCH_DEFINITION
from aiomame.games import catch_layout as layout

NOOP, LEFT, RIGHT = 0, 1, 2
RATIO = 3  # catch's frames per step


def moved(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Per env, where its paddle went: LEFT, RIGHT, or NOOP (stood, e.g. at a wall)."""
    step = np.sign(after.astype(np.int64) - before)
    return np.select([step < 0, step > 0], [LEFT, RIGHT], NOOP)


# -- sticky actions -------------------------------------------------------------------------
async def test_sticky_p1_repeats_a_games_first_action():
    async with EnvPool("catch", 2, repeat_action_probability=1.0) as pool:
        x = (await pool.reset(seed=3)).memory["paddle_x"].copy()
        await pool.step([LEFT, RIGHT])
        for _ in range(3):
            batch = await pool.step([RIGHT, LEFT])  # never applied
        step = RATIO * layout.PADDLE_SPEED  # pixels a step moves the paddle
        assert (batch.memory["paddle_x"] - x).tolist() == [-4 * step, 4 * step]
        # a new game's first action applies
        x = (await pool.reset(seed=3)).memory["paddle_x"].copy()
        batch = await pool.step([RIGHT, LEFT])
        assert moved(x, batch.memory["paddle_x"]).tolist() == [RIGHT, LEFT]
    async with GameEnv("catch", repeat_action_probability=1.0) as env:
        _, info = await env.reset(seed=3)
        x = info["paddle_x"]
        await env.step(RIGHT)
        for _ in range(2):
            *_, info = await env.step(LEFT)
        assert info["paddle_x"] - x == 3 * RATIO * layout.PADDLE_SPEED


async def test_sticky_inputs_of_a_plain_system(roms):
    left, right = Action(":CONTP1", "P1 Left"), Action(":CONTP1", "P1 Right")
    async with EnvPool("invaders", 2, roms_path=roms, memory_addresses={
            "port1": Address("0x2001")}, frame_ratio=2, frames=False,
            repeat_action_probability=1.0, noop_max=3) as pool:
        idle = (await pool.reset(seed=1)).memory["port1"].tolist()
        held = (await pool.step([[left], [right]])).memory["port1"].tolist()
        assert held[0] != idle[0] and held[1] != idle[1] and held[0] != held[1]
        for _ in range(2):
            assert (await pool.step([[], []])).memory["port1"].tolist() == held
        await pool.reset()  # a new game (a hard reset): its first inputs apply
        assert (await pool.step([[], [right]])).memory["port1"].tolist() == [idle[0], held[1]]


async def test_two_players_joint_actions_and_rewards():
    async with EnvPool("duel", 2, repeat_action_probability=0.5, reward_clip=True,
                       noop_max=2) as pool:
        batch = await pool.reset(seed=1)
        assert batch.raw_rewards.shape == (2, 2)
        for _ in range(5):
            batch = await pool.step(np.array([[LEFT, RIGHT], [RIGHT, NOOP]]))
        assert batch.rewards.shape == batch.raw_rewards.shape == (2, 2)
        assert np.array_equal(batch.rewards, np.sign(batch.raw_rewards))


async def sticky_repeats(pool: EnvPool, seed: int, steps: int) -> list[list[bool]]:
    """Per step and env, whether the env repeated its last action: each step asks for the
    opposite of what the paddle last did, so a repeat shows."""
    batch = await pool.reset(seed=seed)
    x = batch.memory["paddle_x"].copy()
    last = np.full(pool.num_envs, LEFT)
    batch = await pool.step(last)
    repeats = []
    for _ in range(steps):
        now = batch.memory["paddle_x"].copy()
        went = moved(x, now)
        # at a wall the paddle stands: it was pushed that way
        went[went == NOOP] = np.where(now[went == NOOP] < 100, LEFT, RIGHT)
        x, last = now, went
        ask = np.where(last == LEFT, RIGHT, LEFT)
        batch = await pool.step(ask)
        repeats.append((moved(x, batch.memory["paddle_x"]) == last).tolist())
    return repeats


async def test_sticky_half_repeats_about_half_and_is_seeded():
    async with EnvPool("catch", 4, repeat_action_probability=0.5) as pool:
        first = await sticky_repeats(pool, 7, 50)
        share = np.mean(first)
        assert 0.35 < share < 0.65, share
        assert await sticky_repeats(pool, 7, 50) == first  # reset(seed) seeds the draws
        assert await sticky_repeats(pool, 8, 50) != first


# -- no-op starts ---------------------------------------------------------------------------
async def test_noop_max_steps_after_each_reset():
    async with GameEnv("catch") as env:
        counters = [(await env.reset(seed=s))[1]["frame_counter"] for s in (1, 2)]
        assert counters[0] == counters[1]  # a new game starts at the same frame
        base = counters[0]
    async with GameEnv("catch", noop_max=30) as env:
        noops = []
        for seed in (1, 2, 3, 4, 1):
            _, info = await env.reset(seed=seed)
            assert env.episode.steps == 0 and info["game_state"] == layout.GAME_STATE_PLAYING
            noops.append((info["frame_counter"] - base) / RATIO)
        assert all(n == int(n) and 1 <= n <= 30 for n in noops), noops
        assert len(set(noops)) > 1 and noops[0] == noops[-1], noops
    async with EnvPool("catch", 3, noop_max=30) as pool:
        batch = await pool.reset(seed=1)
        steps = (batch.memory["frame_counter"] - base) / RATIO
        assert ((steps >= 1) & (steps <= 30)).all() and len(set(steps.tolist())) > 1, steps
        assert batch.elapsed_steps.tolist() == [0, 0, 0]


# -- episodic life --------------------------------------------------------------------------
async def test_episodic_life_in_the_pool_goes_on_with_the_game():
    async with EnvPool("catch", 2, episodic_life=True, noop_max=2) as pool:
        await pool.reset(seed=5)
        ends = []  # (lives at the end, lives in the next row, frame counters, steps)
        for _ in range(400):
            before = pool._episodes.steps.copy()
            batch = await pool.step([NOOP, NOOP])
            for i in np.flatnonzero(batch.terminated).tolist():
                final = batch.infos[i]["final_info"]
                ends.append((final["lives"], int(batch.memory["lives"][i]),
                             final["frame_counter"], int(batch.memory["frame_counter"][i]),
                             int(batch.elapsed_steps[i]), int(before[i]) + 1,
                             int(pool._episodes.steps[i])))
            if sum(e[0] == 0 for e in ends) == 2:
                break
    lost = [e for e in ends if e[0] > 0]
    over = [e for e in ends if e[0] == 0]
    assert [e[:2] for e in lost] == [(2, 2), (2, 2), (1, 1), (1, 1)] or \
        sorted(e[:2] for e in lost) == [(1, 1), (1, 1), (2, 2), (2, 2)], ends
    for _, _, end_frame, next_frame, elapsed, counted, kept in lost:
        # the machine went on (1 or 2 no-ops): no reset, no start state
        assert next_frame - end_frame in (RATIO, 2 * RATIO)
        assert elapsed == counted and kept == elapsed  # the game's step count goes on
    assert len(over) == 2 and all(e[1] == layout.START_LIVES for e in over), ends  # new games
    assert all(e[6] == 0 for e in over)


async def test_episodic_life_with_next_step_autoreset():
    async with EnvPool("catch", 1, episodic_life=True, autoreset_mode="next-step") as pool:
        await pool.reset(seed=5)
        batch = await pool.step([NOOP])
        while not batch.terminated[0]:
            batch = await pool.step([NOOP])
        lives, frame = int(batch.memory["lives"][0]), int(batch.memory["frame_counter"][0])
        steps = int(batch.elapsed_steps[0])
        assert lives == layout.START_LIVES - 1
        batch = await pool.step([RIGHT])  # not applied: the next life begins
        assert (batch.memory["lives"][0], batch.memory["frame_counter"][0]) == (lives, frame)
        assert (batch.elapsed_steps[0], batch.rewards[0], batch.terminated[0]) == (steps, 0, 0)
        batch = await pool.step([NOOP])
        assert batch.elapsed_steps[0] == steps + 1 and batch.memory["lives"][0] == lives


async def test_episodic_life_in_game_env():
    async with GameEnv("catch", episodic_life=True) as env:
        _, info = await env.reset(seed=5)
        assert info["lives"] == layout.START_LIVES
        steps, terminated = 0, False
        while not terminated and steps < 200:
            _, _, terminated, _, info = await env.step(NOOP)
            steps += 1
        assert (info["lives"], info["game_state"]) == (2, layout.GAME_STATE_PLAYING)
        ended = info["frame_counter"]
        _, info = await env.reset()  # goes on with the game
        assert info["lives"] == 2 and info["frame_counter"] >= ended
        assert env.episode.steps == steps
        _, info = await env.reset(seed=5)  # a seed: a new game
        assert info["lives"] == layout.START_LIVES and env.episode.steps == 0


# -- reward clipping ------------------------------------------------------------------------
def fined_catch(tmp_path: Path) -> Path:
    """catch's definition with a life lost fined -5 (rewards are weighted increases)."""
    text = CATCH_DEFINITION.read_text().replace(
        '"roms/catch.bin"', repr(str(CATCH_DEFINITION.parent / "roms" / "catch.bin")))
    text = text.replace("score = 1.0\n", "score = 1.0\nlives = 5.0\n")
    path = tmp_path / "fined.toml"
    path.write_text(text)
    return path


async def test_reward_clip_keeps_the_raw_reward(tmp_path):
    game = fined_catch(tmp_path)
    async with GameEnv(game, reward_clip=True) as env:
        await env.reset(seed=5)
        seen = set()
        for _ in range(60):
            _, reward, _, _, info = await env.step(NOOP)
            seen.add((reward, info["raw_reward"]))
        assert (-1.0, -5.0) in seen and seen <= {(0.0, 0.0), (-1.0, -5.0), (1.0, 1.0)}, seen
    async with EnvPool(game, 2, reward_clip=True) as pool:
        await pool.reset(seed=5)
        pairs = set()
        for _ in range(60):
            batch = await pool.step([NOOP, NOOP])
            pairs |= set(zip(batch.rewards.tolist(), batch.raw_rewards.tolist(), strict=True))
        assert (-1.0, -5.0) in pairs and pairs <= {(0.0, 0.0), (-1.0, -5.0), (1.0, 1.0)}
        sub = await pool.step([NOOP], env_ids=[1])  # gathered rows carry them too
        assert sub.raw_rewards is not None and sub.raw_rewards.shape == (1,)


# -- the preset -----------------------------------------------------------------------------
async def test_atari_preset():
    async with GameEnv("catch", preset="atari") as env:
        obs, _ = await env.reset(seed=1)
        assert obs.shape == env.obs_shape == (4, 84, 84)
        assert env.emulator.frame_ratio == 4 and env.emulator.maxpool
        assert env.emulator.obs.obs_type == "grayscale"
        episode = env.episode
        assert (episode.p, episode.noop_max, episode.clip, episode.limit) == (0.25, 30, True,
                                                                             27000)
        assert episode._lives
        _, reward, *_ = await env.step(RIGHT)
        assert reward in (-1.0, 0.0, 1.0)
    pool = EnvPool("catch", 1, preset="atari", frame_stack=2, repeat_action_probability=0.0,
                   noop_max=0, episodic_life=False)
    assert pool.frame_stack == 2 and pool._ale is not None
    assert (pool._ale.p, pool._ale.noop_max, pool._ale._lives, pool._ale.clip) == (
        0.0, 0, None, True)
    duel = EnvPool("duel", 1, preset="atari")  # no lives: the preset's episodic_life is off
    assert duel._ale is not None and duel._ale._lives is None and duel._ale.p == 0.25
    off = EnvPool("catch", 1)
    assert off._ale is None and type(off._episodes).__name__ == "Episodes"


# -- bad values -----------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, words", [
    ({"repeat_action_probability": 1.5}, "in [0, 1]"),
    ({"repeat_action_probability": -0.1}, "in [0, 1]"),
    ({"repeat_action_probability": "0.5"}, "in [0, 1]"),
    ({"repeat_action_probability": True}, "in [0, 1]"),
    ({"noop_max": -1}, "int >= 0"),
    ({"noop_max": 2.5}, "int >= 0"),
    ({"episodic_life": "yes"}, "True or False"),
    ({"reward_clip": 1}, "True or False"),
    ({"preset": "breakout"}, "valid: None, 'atari'"),
    ({"noop_maxx": 3}, "'noop_max'"),
])
@pytest.mark.parametrize("make", [lambda kw: GameEnv("catch", **kw),
                                  lambda kw: EnvPool("catch", 2, **kw)])
def test_bad_values_name_the_valid_ones(make, kwargs, words):
    with pytest.raises(InvalidArgumentError, match=re.escape(words)):
        make(kwargs)


def test_episodic_life_needs_lives():
    for make in (lambda: GameEnv("duel", episodic_life=True),
                 lambda: EnvPool("duel", 1, episodic_life=True)):
        with pytest.raises(InvalidArgumentError,
                           match="episodic_life needs a game with a memory value named "
                                 "'lives' .*'catch'.*game 'duel' has none"):
            make()


# -- adapters -------------------------------------------------------------------------------
def test_gym_and_sb3_pass_the_options_through(tmp_path):
    gym = pytest.importorskip("gymnasium")
    import aiomame.gym  # noqa: F401

    env = gym.make("aiomame/Catch-v0", preset="atari")
    try:
        assert env.observation_space.shape == (4, 84, 84)
    finally:
        env.close()
    game = fined_catch(tmp_path)
    envs = gym.make_vec("aiomame/Catch-v0", num_envs=2, vectorization_mode="vector_entry_point",
                        game=game, reward_clip=True, noop_max=3)
    try:
        envs.reset(seed=5)
        raw = []
        for _ in range(50):
            *_, infos = envs.step(np.zeros(2, np.int64))
            raw.extend(infos["raw_reward"].tolist())
        assert -5.0 in raw and infos["_raw_reward"].all()
    finally:
        envs.close()
    sb3 = pytest.importorskip("aiomame.sb3")
    venv = sb3.MameVecEnv(game, 2, reward_clip=True)
    try:
        venv.reset()
        venv.step_async(np.zeros(2, np.int64))
        *_, infos = venv.step_wait()
        assert all("raw_reward" in info for info in infos)
    finally:
        venv.close()
