"""aiomame.pettingzoo on real MAME: a two-player game as a PettingZoo ParallelEnv (PettingZoo's
own API and determinism tests, spaces, rewards per agent, bad actions dicts)."""

from __future__ import annotations

import numpy as np
import pytest
from gymnasium import spaces
from pettingzoo.test import api_test, parallel_api_test, parallel_seed_test
from twoplayer import CpuTwoCatch, TwoCatch

from aiomame.errors import InvalidArgumentError, StateError
from aiomame.games.catch import tracker
from aiomame.pettingzoo import MameParallelEnv, aec_env, parallel_env

GAME = TwoCatch  # the stand-in two-player game; "duel" once it lands
OBS = {"obs_type": "grayscale", "resize": (84, 84)}


@pytest.fixture
def env(no_leaks):
    with_env = parallel_env(GAME(), render_mode="rgb_array", **OBS)
    yield with_env
    with_env.close()


@pytest.mark.parametrize("frame_stack", [1, 4])
def test_passes_pettingzoos_parallel_api_test(frame_stack, no_leaks):
    env = parallel_env(GAME(), frame_stack=frame_stack, **OBS)
    try:
        shape = (84, 84) if frame_stack == 1 else (4, 84, 84)
        assert env.observation_space("player_2").shape == shape
        # Its reset(options={"options": 1}) is an option aiomame has not: ignored, warning.
        with pytest.warns(UserWarning, match="reset option 'options' ignored; valid: 'state'"):
            parallel_api_test(env, num_cycles=300)  # random play: an episode of ~100 steps
        assert env.agents == [] and env.possible_agents == ["player_1", "player_2"]
    finally:
        env.close()


def test_aec_env_passes_pettingzoos_api_test(no_leaks):
    turns = aec_env(GAME(), **OBS)
    try:
        with pytest.warns(UserWarning, match="reset option 'options' ignored"):
            api_test(turns, num_cycles=300)
    finally:
        turns.close()


def test_spaces_rewards_and_infos_per_agent(env):
    for agent in env.possible_agents:
        assert env.observation_space(agent) == spaces.Box(0, 255, (84, 84), np.uint8)
        assert env.action_space(agent) == spaces.Discrete(3)
    obs, infos = env.reset(seed=3)
    assert set(obs) == set(infos) == {"player_1", "player_2"}
    assert obs["player_1"] is obs["player_2"] and "score" in infos["player_2"]
    assert env.state() is obs["player_1"]
    screen = env.render()
    assert screen.shape == (260, 224, 3) and screen.any()
    total = dict.fromkeys(env.possible_agents, 0.0)
    steps = 0
    while env.agents and steps < 1000:  # it catches for 60 steps, then misses until the end
        info = infos["player_1"]
        actions = {"player_1": tracker(info) if steps < 60 else 0, "player_2": 0}
        obs, rewards, terms, truncs, infos = env.step(actions)
        assert all(type(r) is float for r in rewards.values())
        assert terms["player_1"] == terms["player_2"] and truncs == dict.fromkeys(truncs, False)
        for agent, reward in rewards.items():
            total[agent] += reward
        steps += 1
    assert total["player_1"] > 0 and total["player_2"] == -total["player_1"]  # TwoCatch's
    assert terms == {"player_1": True, "player_2": True} and steps > 50
    with pytest.raises(StateError, match="episode ended: call reset"):
        env.step({"player_1": 0, "player_2": 0})


def test_bad_actions_dicts_name_the_agents(env):
    with pytest.raises(StateError, match="reset"):
        env.step({"player_1": 0, "player_2": 0})
    env.reset(seed=1)
    with pytest.raises(InvalidArgumentError,
                       match="unknown agent 'player_3'; give one action for each of "
                             "'player_1', 'player_2'"):
        env.step({"player_1": 0, "player_2": 0, "player_3": 1})
    with pytest.raises(InvalidArgumentError, match="no action for 'player_2'; give one"):
        env.step({"player_1": 0})
    with pytest.raises(InvalidArgumentError, match="player 2: action 7 is not in 0..2"):
        env.step({"player_1": 0, "player_2": 7})
    with pytest.raises(InvalidArgumentError, match="agent 'p1'.*valid: 'player_1', 'player_2'"):
        env.action_space("p1")
    env.step({"player_1": 2, "player_2": 1})  # still steps after the bad calls


def test_same_seed_same_episode(env):
    parallel_seed_test(lambda: parallel_env(GAME(), **OBS), num_cycles=20)  # its first step

    def play(seed):
        obs, _ = env.reset(seed=seed)
        frames = [obs["player_1"]]
        for a in [2, 2, 1, 0] * 8:
            frames.append(env.step({"player_1": a, "player_2": 2 - a})[0]["player_2"])
        return np.stack(frames)

    first = play(5)
    assert np.array_equal(play(5), first) and not np.array_equal(play(6), first)


def test_games_it_refuses(no_leaks):
    with pytest.raises(InvalidArgumentError, match="'catch' has one player.*aiomame.gym"):
        parallel_env("catch")
    with pytest.raises(InvalidArgumentError, match="opponent= and player= are for the one-"):
        MameParallelEnv(GAME(), opponent="random")
    versus_cpu = CpuTwoCatch()
    versus_cpu.set_versus_cpu(True)
    with pytest.raises(InvalidArgumentError, match="has its own AI as the other player"):
        parallel_env(versus_cpu)
    with pytest.raises(InvalidArgumentError, match="render_mode 'ascii'"):
        parallel_env(GAME(), render_mode="ascii")
