"""The adapters on duel, the bundled two-player game whose ROM reads player 2's controls and
has a computer opponent, on real MAME (the players tests use TwoCatch, whose player 2 moves
nothing). Skipped until duel is registered (it lands with its own branch)."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import aiomame.gym  # noqa: F401  (registers the ids)
from aiomame.games import GAMES
from aiomame.gym import MameVectorEnv
from aiomame.pettingzoo import parallel_env

pytestmark = pytest.mark.skipif("duel" not in GAMES, reason="duel is not registered yet")
OBS = {"obs_type": "grayscale", "resize": (84, 84)}


def test_an_agent_per_player_plays_a_match_to_its_end(no_leaks):
    from aiomame.games.duel import tracker  # with duel only

    env = parallel_env("duel", **OBS)
    try:
        _, infos = env.reset(seed=1)
        total = dict.fromkeys(env.possible_agents, 0.0)
        for _ in range(1000):  # the tracker wins 11-0 against a player 2 standing still
            actions = {"player_1": tracker(infos["player_1"], 1), "player_2": 0}
            _, rewards, terminations, _, infos = env.step(actions)
            for agent, reward in rewards.items():
                total[agent] += reward
            if not env.agents:
                break
        assert total == {"player_1": 11.0, "player_2": -11.0}
        assert terminations == {"player_1": True, "player_2": True}
    finally:
        env.close()


def test_one_agent_against_each_kind_of_opponent(no_leaks):
    with gym.make("aiomame/Duel-v0", opponent="tracker", player=2, **OBS) as env:
        env.reset(seed=0)
        total = sum(env.step(0)[1] for _ in range(100))  # player 2 idle vs the tracker
        assert total < 0
    with MameVectorEnv("duel", 2, opponent="cpu", **OBS) as envs:
        envs.reset(seed=0)
        _, rewards, *_ = envs.step(np.zeros(2, np.int64))
        assert rewards.shape == (2,) and envs.game.versus_cpu
