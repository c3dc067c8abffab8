"""The bundled game on real MAME: controls, scoring, game over, determinism, the CLI."""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys

import numpy as np
import pytest
import pytest_asyncio
from PIL import Image

from aiomame import GameEnv
from aiomame.errors import InvalidArgumentError, StateError
from aiomame.games import GAMES, get_game
from aiomame.games import catch_layout as layout
from aiomame.games.catch import tracker

NOOP, LEFT, RIGHT = 0, 1, 2


@pytest_asyncio.fixture(scope="module")
async def env():
    async with GameEnv("catch") as game_env:
        yield game_env


def paddle_columns(frame: np.ndarray) -> np.ndarray:
    """The columns the paddle lights, from the picture alone."""
    top, bottom = layout.PADDLE_ROWS
    return np.flatnonzero(frame[top:bottom + 1].all(axis=(0, 2)))


def test_registered():
    assert "catch" in GAMES
    assert get_game("catch").action_names() == ["noop", "left", "right"]


async def test_reset_gives_a_fresh_game(env):
    frame, info = await env.reset(seed=1)
    assert frame.shape == (260, 224, 3) and frame.dtype == np.uint8
    assert info["game_state"] == layout.GAME_STATE_PLAYING
    assert (info["score"], info["lives"]) == (0, layout.START_LIVES)
    assert not any("WRONG CHECKSUMS" in line for line in env.emulator.process.output)


async def test_left_and_right_move_the_paddle_in_memory_and_picture(env):
    # MAME's picture at the end of a frame is the one drawn before that frame's game logic
    # ran, so while the paddle moves the picture trails memory by one frame (4 px); once it
    # stops they agree exactly.
    frame, info = await env.reset(seed=2)
    x = info["paddle_x"]
    assert paddle_columns(frame).tolist() == list(range(x, x + layout.PADDLE_WIDTH))
    for action, sign in ((LEFT, -1), (RIGHT, 1), (RIGHT, 1)):
        frame, _, _, _, info = await env.step(action)
        moved = info["paddle_x"] - x
        assert np.sign(moved) == sign and abs(moved) == 3 * layout.PADDLE_SPEED
        x = info["paddle_x"]
        drawn = x - sign * layout.PADDLE_SPEED
        assert paddle_columns(frame).tolist() == list(range(drawn, drawn + layout.PADDLE_WIDTH))
        frame, _, _, _, info = await env.step(NOOP)
        assert info["paddle_x"] == x
        assert paddle_columns(frame).tolist() == list(range(x, x + layout.PADDLE_WIDTH))


async def test_a_catch_scores(env):
    _, info = await env.reset(seed=3)
    for _ in range(400):
        _, reward, terminated, _, info = await env.step(tracker(info))
        if reward:
            break
    assert reward == 1 and info["score"] == 1 and not terminated
    assert info["lives"] == layout.START_LIVES


async def test_noop_play_reaches_game_over(env):
    _, info = await env.reset(seed=4)
    total, steps, terminated = 0.0, 0, False
    while not terminated:
        _, reward, terminated, truncated, info = await env.step(NOOP)
        total += reward
        steps += 1
        assert steps < 400 and not truncated
    assert info["lives"] == 0 and info["game_over"] == 1
    # A new game starts from game over just as well.
    _, info = await env.reset()
    assert (info["score"], info["lives"]) == (0, layout.START_LIVES)


async def test_tracker_beats_random(env):
    rng = random.Random(5)
    scores = {}
    for name, policy in (("random", lambda info: rng.randrange(3)), ("tracker", tracker)):
        _, info = await env.reset(seed=5)
        score = 0.0
        for _ in range(300):
            _, reward, terminated, _, info = await env.step(policy(info))
            score += reward
            if terminated:
                break
        scores[name] = score
    assert scores["tracker"] >= 10 > scores["random"] * 2


async def test_bad_action_and_order(env):
    with pytest.raises(InvalidArgumentError, match=r"3.*0\.\.2.*noop, left, right"):
        await env.step(3)
    fresh = GameEnv("catch")
    with pytest.raises(StateError, match="reset"):
        await fresh.step(NOOP)


async def test_numpy_actions_and_no_step_past_the_end(no_leaks):
    async with GameEnv("catch", max_episode_steps=2) as short:
        await short.reset(seed=1)
        with pytest.raises(InvalidArgumentError, match="action True is not in 0..2"):
            await short.step(True)
        assert not (await short.step(np.int64(LEFT)))[3]
        _, _, terminated, truncated, _ = await short.step(np.array(RIGHT, np.uint8))
        assert truncated and not terminated
        with pytest.raises(StateError, match="the episode ended after 2 steps: call reset"):
            await short.step(NOOP)
        state = await short.save_state()
        first, info = await short.reset(seed=3, state=state)  # from the state, seeded
        again, _ = await short.reset(seed=3, state=state)
        assert np.array_equal(first, again) and info["score"] == 0


async def episode_digest(seed: int, actions: list[int]) -> tuple[str, list[int]]:
    async with GameEnv("catch") as env:
        frame, info = await env.reset(seed=seed)
        digest = hashlib.sha256(frame.tobytes())
        columns = []
        for action in actions:  # on past game over: straight to the emulator
            info = await env.emulator.step(env.game.inputs(action))
            digest.update(info["frame"].tobytes())
            columns.append(info["object0_x"])
    return digest.hexdigest(), columns


# Every frame of that seeded episode, the same on MAME 0.251, 0.276 and 0.289.
GOLDEN_EPISODE = "56047712f9427684d15ed84cc904ec7d8e050daddcb4581054d3da13c5950a14"


async def test_same_inputs_same_frames():
    actions = [random.Random(6).randrange(3) for _ in range(150)]
    first, columns = await episode_digest(7, actions)
    second, _ = await episode_digest(7, actions)
    assert first == second == GOLDEN_EPISODE
    _, other_columns = await episode_digest(8, actions)
    assert other_columns != columns  # the seed decides where the balls fall


def test_play_command(tmp_path):
    gif = tmp_path / "last.gif"
    out = subprocess.run(
        [sys.executable, "-m", "aiomame", "play", "catch", "--agent", "random",
         "--episodes", "2", "--seed", "1", "--gif", str(gif)],
        capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.count("episode ") == 2 and "steps/s" in out, out
    with Image.open(gif) as image:
        assert image.n_frames > 10 and image.size == (448, 520)


async def test_stacked_small_grayscale_observations():
    async with GameEnv("catch", obs_type="grayscale", resize=(84, 84), frame_stack=4) as env:
        assert env.obs_shape == (4, 84, 84)
        obs, _ = await env.reset(seed=3)
        assert obs.shape == (4, 84, 84) and obs.dtype == np.uint8
        assert (obs == obs[:1]).all()
        for action in (LEFT, LEFT, RIGHT):
            new, _, _, _, _ = await env.step(action)
            assert np.array_equal(new[:-1], obs[1:]) and not np.shares_memory(new, obs)
            obs = new
        assert not np.array_equal(obs[-1], obs[0])  # the paddle moved
        state = await env.save_state()
        for action in (RIGHT, RIGHT):
            await env.step(action)
        await env.load_state(state)
        after, _, _, _, _ = await env.step(NOOP)
        assert (after == after[:1]).all()  # nothing from before the load
        again, _, _, _, _ = await env.step(NOOP)
        assert np.array_equal(again[:-1], after[1:])
