"""The bundled two-player game on real MAME, through GameEnv and EnvPool: each player's
controls, zero-sum rewards, both modes (two agents; one against the ROM's computer),
seeds, the scripted trackers."""

from __future__ import annotations

import numpy as np
import pytest
import pytest_asyncio

from aiomame import EnvPool, GameEnv
from aiomame.errors import InvalidArgumentError
from aiomame.games import GAMES, get_game
from aiomame.games import duel_layout as layout
from aiomame.games.duel import tracker

NOOP, LEFT, RIGHT = 0, 1, 2


@pytest_asyncio.fixture(scope="module")
async def env():
    async with GameEnv("duel") as game_env:
        yield game_env


def test_registered_with_two_players():
    game = get_game("duel")
    assert "duel" in GAMES and game.players == 2 and game.cpu_opponent
    assert [game.controls(p).action_names() for p in (1, 2)] == [["noop", "left", "right"]] * 2
    assert {a.field for a in game.controls(2).all_inputs()} == {"P2 Left", "P2 Right"}
    with pytest.raises(InvalidArgumentError, match=r"player 3: game 'duel' has players 1, 2"):
        game.controls(3)


async def test_each_player_moves_only_its_own_paddle(env):
    _, info = await env.reset(seed=1)
    assert info["mode"] == layout.MODE_TWO_PLAYERS
    x1, x2 = info["p1_x"], info["p2_x"]
    for actions, (d1, d2) in (([LEFT, NOOP], (-1, 0)), ([NOOP, RIGHT], (0, 1)),
                              ([RIGHT, LEFT], (1, -1))):
        _, reward, _, _, info = await env.step(actions)
        assert reward.shape == (2,)
        assert (np.sign(info["p1_x"] - x1), np.sign(info["p2_x"] - x2)) == (d1, d2)
        x1, x2 = info["p1_x"], info["p2_x"]


async def play(env: GameEnv, agents, seed: int) -> tuple[list, dict]:
    """One match; returns the rewards and the last info."""
    _, info = await env.reset(seed=seed)
    rewards = []
    while True:
        _, reward, terminated, truncated, info = await env.step(agents(info))
        rewards.append(reward)
        if terminated or truncated:
            assert terminated
            return rewards, info


async def test_a_tracker_beats_a_still_player_and_rewards_are_zero_sum(env):
    game = env.game
    rewards, info = await play(env, lambda i: [tracker(i, 1), NOOP], seed=3)
    total = np.sum(rewards, axis=0)
    assert info["winner"] == 1 and info["p1_score"] == layout.WIN_SCORE
    assert total[0] == info["p1_score"] - info["p2_score"] == -total[1]
    assert game.agents(2)["tracker"](info) in (NOOP, LEFT, RIGHT)
    # and the other way round
    rewards, info = await play(env, lambda i: [NOOP, tracker(i, 2)], seed=3)
    assert info["winner"] == 2 and np.sum(rewards, axis=0)[1] == info["p2_score"] - info["p1_score"]


async def test_the_same_seed_gives_the_same_match(env):
    (first, end1), (second, end2) = [
        await play(env, lambda i: [tracker(i, 1), tracker(i, 2)], seed=7) for _ in range(2)]
    assert np.asarray(first).tolist() == np.asarray(second).tolist() and end1 == end2


async def test_against_the_computer_player_two_moves_by_itself():
    async with GameEnv("duel", opponent="cpu") as env:
        assert env.players == 1 and env.game.versus_cpu
        _, info = await env.reset(seed=4)
        assert info["mode"] == layout.MODE_VS_COMPUTER
        seen = {info["p2_x"]}
        rewards = []
        while len(rewards) < 600:
            _, reward, terminated, _, info = await env.step(tracker(info, 1))
            assert isinstance(reward, float)
            rewards.append(reward)
            seen.add(info["p2_x"])
            if terminated:
                break
        assert len(seen) > 3  # the computer moved its paddle
        assert info["p2_score"] > 0 and info["winner"] == 1  # it scores, but loses
        assert sum(rewards) == info["p1_score"] - info["p2_score"]


async def test_a_pool_steps_both_players_of_every_env(no_leaks):
    async with EnvPool("duel", 2, frames=False) as pool:
        batch = await pool.reset(seed=[1, 2])
        assert batch.rewards.shape == (2, 2)
        start = batch.memory["p1_x"].copy(), batch.memory["p2_x"].copy()
        for _ in range(3):
            batch = await pool.step(np.array([[LEFT, RIGHT], [RIGHT, LEFT]]))
        assert (batch.memory["p1_x"] - start[0]).tolist() == [-36, 36]
        assert (batch.memory["p2_x"] - start[1]).tolist() == [36, -36]
        total = np.zeros((2, 2))
        for _ in range(400):
            info = [{k: v[i] for k, v in batch.memory.items()} for i in range(2)]
            batch = await pool.step(np.array([[tracker(i, 1), NOOP] for i in info]))
            total += batch.rewards
            assert (batch.rewards.sum(axis=1) == 0).all()
        assert (total[:, 0] > 0).all()
    async with EnvPool("duel", 2, frames=False, opponent="cpu") as pool:
        batch = await pool.reset(seed=1)
        assert batch.rewards.shape == (2,) and (batch.memory["mode"] == 1).all()
