"""The bundled console game on real MAME: basket, an Atari 2600 cartridge of our own
(rom/basket/), run from its file on ``a2600`` with no ROM set. The shipped cartridge is what
the source assembles to (with dasm: mame/install.sh installs it); controls, scoring, game
over, seeds; in GameEnv, EnvPool and Gymnasium; and with a paddle, as an analog axis."""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest_asyncio

import aiomame.gym  # noqa: F401  (registers the Gymnasium ids)
from aiomame import EnvPool, GameEnv
from aiomame.games import GAMES, get_game
from aiomame.games.basket import (
    BASKET_SPEED,
    CARTRIDGE,
    MAX_X,
    RAM,
    START_LIVES,
    Basket,
    BasketPaddle,
    paddle_tracker,
    tracker,
)

BUILD = Path(__file__).resolve().parent.parent / "rom" / "basket" / "build.py"
NOOP, LEFT, RIGHT = 0, 1, 2
SHAPE = (223, 176, 3)


def build_module():
    spec = importlib.util.spec_from_file_location("basket_build", BUILD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_cartridge_matches_the_source():
    result = subprocess.run([sys.executable, str(BUILD), "--check"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "matches the source" in result.stdout
    image, symbols = build_module().assemble()
    assert image == CARTRIDGE.read_bytes()
    assert {name: symbols[symbol] for name, (symbol, _, _) in RAM.items()} == \
        {name: address for name, (_, address, _) in RAM.items()}


def test_registered():
    assert (GAMES["basket"], GAMES["basket_paddle"]) == (Basket, BasketPaddle)
    game = get_game("basket")
    assert game.action_names() == ["noop", "left", "right"]
    assert (game.system, game.media, game.rom_images) == ("a2600", {"cart": CARTRIDGE}, {})
    assert list(game.agents()) == ["tracker"]


@pytest_asyncio.fixture(scope="module")
async def env():
    async with GameEnv("basket") as game_env:
        yield game_env


def basket_columns(frame: np.ndarray) -> np.ndarray:
    """The columns of the bottom rows the (yellow) basket lights, from the picture alone."""
    rows = frame[-40:].astype(int)
    yellow = (rows[..., 0] > 200) & (rows[..., 1] > 200) & (rows[..., 2] < 200)
    return np.flatnonzero(yellow.any(axis=0))


async def test_reset_gives_a_fresh_game_from_the_cartridge(env):
    frame, info = await env.reset(seed=1)
    assert frame.shape == SHAPE and frame.dtype == np.uint8
    assert (info["score"], info["lives"], info["game_over"]) == (0, START_LIVES, 0)
    assert info["wait"] > 0  # the first fruit falls a few steps later
    assert info["rng"] == 2  # the seed, planted: 1 % 255 + 1
    assert env.emulator.info["media"][0]["file"] == str(CARTRIDGE)
    assert len(basket_columns(frame)) == 16


async def test_left_and_right_move_the_basket_in_memory_and_picture(env):
    """The picture shows the basket where memory says once it rests: MAME shows each
    pixel as the mean of the 2600's last two frames (a TV's persistence, for games that
    flicker), so while the basket moves its edges are blends."""
    frame, info = await env.reset(seed=2)
    x = info["basket_x"]
    offset = basket_columns(frame)[0] - x  # the field's left edge in the picture
    for action, sign in ((LEFT, -1), (RIGHT, 1), (RIGHT, 1)):
        _, _, _, _, info = await env.step(action)
        assert info["basket_x"] - x == sign * 3 * BASKET_SPEED  # 3 frames a step
        x = info["basket_x"]
        frame, _, _, _, info = await env.step(NOOP)
        assert info["basket_x"] == x
        assert basket_columns(frame).tolist() == list(range(x + offset, x + offset + 16))


async def tracked(env: GameEnv, seed: int, agent) -> tuple[float, dict]:
    """150 steps of ``agent`` (info -> action) from a new game of ``seed``, none ending it:
    (total reward, last info)."""
    _, info = await env.reset(seed=seed)
    total = 0.0
    for _ in range(150):
        _, reward, terminated, _, info = await env.step(agent(info))
        total += reward
        assert not terminated
    return total, info


async def test_the_tracker_scores(env):
    total, info = await tracked(env, 3, tracker)
    assert total == info["score"] >= 3 and info["lives"] == START_LIVES


async def test_noop_play_reaches_game_over_and_a_new_game_follows(env):
    _, info = await env.reset(seed=4)
    steps, terminated, lives = 0, False, [info["lives"]]
    while not terminated:
        _, reward, terminated, truncated, info = await env.step(NOOP)
        steps += 1
        assert steps < 300 and reward == 0 and not truncated
        lives.append(info["lives"])
    assert info["game_over"] == 1 and info["lives"] == 0
    assert sorted(set(lives), reverse=True) == [3, 2, 1, 0]
    _, info = await env.reset()
    assert (info["score"], info["lives"], info["game_over"]) == (0, START_LIVES, 0)


async def episode(env: GameEnv, seed: int, actions: list[int]) -> tuple[str, list[int]]:
    frame, info = await env.reset(seed=seed)
    digest, columns = hashlib.sha256(frame.tobytes()), []
    for action in actions:
        frame, _, terminated, _, info = await env.step(action)
        digest.update(frame.tobytes())
        columns.append(info["fruit_x"])
        if terminated:
            break
    return digest.hexdigest(), columns


async def test_seeds_decide_the_episode(env):
    actions = list(np.random.default_rng(5).integers(0, 3, 120))
    first, columns = await episode(env, 7, actions)
    assert (first, columns) == await episode(env, 7, actions)
    _, other = await episode(env, 8, actions)
    assert other != columns


async def test_env_pool_plays_it(no_leaks):
    async with EnvPool("basket", num_envs=2) as pool:
        batch = await pool.reset(seed=[11, 12])
        assert batch.frames.shape == (2, *SHAPE)
        assert batch.memory["lives"].tolist() == [START_LIVES] * 2
        scores, ended = np.zeros(2), np.zeros(2, bool)
        for _ in range(250):
            actions = [tracker({k: v[0] for k, v in batch.memory.items()}), NOOP]
            batch = await pool.step(np.array(actions))
            scores += batch.rewards
            ended |= batch.terminated
            if ended[1]:
                break
        assert scores[0] >= 3 and ended.tolist() == [False, True]


def test_gym_make(no_leaks):
    with gym.make("aiomame/Basket-v0") as env:
        obs, info = env.reset(seed=1)
        assert obs.shape == SHAPE and env.action_space == gym.spaces.Discrete(3)
        obs, reward, terminated, truncated, info = env.step(RIGHT)
        assert env.observation_space.contains(obs) and not (terminated or truncated)
        assert info["basket_x"] == 72 + 3 * BASKET_SPEED and reward == 0


async def test_the_paddle_places_the_basket(no_leaks):
    async with GameEnv("basket_paddle") as env:
        assert env.emulator.process.extra_args[:2] == ["-joyport1", "pad"]
        _, info = await env.reset(seed=1)
        assert info["control"] == 1
        assert info["basket_x"] == 126  # where the paddle rests: MAME's default 128, - 2
        offset = None
        for position, x in ((-1.0, 0), (1.0, MAX_X), (0.0, MAX_X // 2), (-0.6, 28)):
            await env.step(np.array([position], np.float32))
            frame, _, _, _, info = await env.step([position])  # a step at rest: no blend
            assert info["basket_x"] == x
            columns = basket_columns(frame)
            offset = columns[0] - x if offset is None else offset
            assert columns.tolist() == list(range(x + offset, x + offset + 16))
        total, info = await tracked(env, 2, paddle_tracker)
        assert total == info["score"] >= 3


def test_gym_make_with_the_paddle(no_leaks):
    with gym.make("aiomame/BasketPaddle-v0") as env:
        assert env.action_space == gym.spaces.Box(-1.0, 1.0, (1,), np.float32)
        env.reset(seed=1)
        _, _, _, _, info = env.step(np.array([1.0], np.float32))
        assert info["basket_x"] == MAX_X
