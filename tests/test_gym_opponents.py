"""The one-agent adapters (aiomame.gym, aiomame.sb3) on a two-player game against an opponent,
on real MAME: spaces, the agent's rewards, what the opponent sees, refusals."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from gymnasium.vector import AutoresetMode
from twoplayer import CpuTwoCatch, TwoCatch

import aiomame.gym  # noqa: F401  (registers the ids)
from aiomame.errors import InvalidArgumentError, StateError
from aiomame.games.catch import tracker
from aiomame.gym import MameEnv, MameVectorEnv
from aiomame.pools.versus import VersusPool

GAME = TwoCatch  # the stand-in two-player game; "duel" once it lands
OBS = {"obs_type": "grayscale", "resize": (84, 84)}


def test_env_against_an_opponent_passes_gymnasiums_checker(no_leaks):
    # gym.make's kwargs reach MameEnv (a registered two-player game: "aiomame/Duel-v0").
    with gym.make("aiomame/MAME-v0", game=GAME(), opponent="random", player=2, **OBS) as env:
        check_env(env.unwrapped, skip_render_check=True)
        assert env.action_space == gym.spaces.Discrete(3)
        env.reset(seed=1)
        _, reward, *_ = env.step(0)
        assert isinstance(reward, float)


def test_vector_env_opponent_sees_the_previous_batch(no_leaks):
    seen = []

    def policy(obs, info):  # plays player 1 (the one that scores in TwoCatch)
        seen.append((obs.copy(), dict(info)))
        return tracker(info)

    with MameVectorEnv(GAME(), 2, opponent=policy, player=2, max_episode_steps=60,
                       autoreset_mode=AutoresetMode.SAME_STEP, **OBS) as envs:
        assert envs.single_action_space == gym.spaces.Discrete(3)
        assert envs.pool.action_names == ["noop", "left", "right"]  # player 2's
        obs, infos = envs.reset(seed=[3, 4])
        total = np.zeros(2)
        for step in range(70):
            seen.clear()
            new_obs, rewards, _, truncated, new_infos = envs.step(np.array([0, 0]))
            assert [s[1]["score"] for s in seen] == infos["score"].tolist()
            assert all(np.array_equal(s[0], o) for s, o in zip(seen, obs, strict=True))
            assert rewards.shape == (2,) and rewards.dtype == np.float64
            total += rewards
            if step == 59:  # the step limit: same-step autoreset, the new episode's first obs
                assert truncated.all() and (new_infos["score"] == 0).all()
            obs, infos = new_obs, new_infos
        assert (total < 0).all()  # player 1 scored: the agent (player 2) lost as much
        with pytest.raises(InvalidArgumentError, match=r"shape \(2, 2\).*expected \(2,\) ints: "
                                                       "one action index of player 2 per env"):
            envs.step(np.zeros((2, 2), np.int64))
        with pytest.raises(InvalidArgumentError, match=r"actions\[0, 1\] \(env 0, player 2\) "
                                                       "is 7"):
            envs.step(np.array([7, 0]))


def test_vector_env_with_random_and_scripted_opponents(no_leaks):
    with gym.make_vec("aiomame/MAME-v0", num_envs=2, vectorization_mode="vector_entry_point",
                      game=GAME(), opponent="random", player=2, **OBS) as envs:
        def play(seed):
            frames = [envs.reset(seed=seed)[0]]
            for _ in range(8):
                obs, rewards, *_ = envs.step(np.array([1, 2]))
                frames.append(obs)
            assert rewards.shape == (2,)
            return np.stack(frames)

        first = play([0, 1])  # the random opponent moves player 1's paddle, seeded by reset
        assert np.array_equal(play([0, 1]), first) and not np.array_equal(play(5), first)
        envs.reset()  # unseeded
    with MameVectorEnv(GAME(), 2, opponent="tracker", player=2, **OBS) as envs:
        envs.reset(seed=0)
        total = sum(envs.step(np.zeros(2, np.int64))[1] for _ in range(50))
        assert (total < 0).all()


def test_a_bad_opponent_action_names_the_opponent(no_leaks):
    def bad(obs, info):
        return 5

    with MameVectorEnv(GAME(), 1, opponent=bad, **OBS) as envs:
        with pytest.raises(StateError, match=r"call reset\(\) before step"):
            envs.step(np.zeros(1, np.int64))
        envs.reset(seed=0)
        with pytest.raises(InvalidArgumentError, match="opponent 'bad' gave \\[5\\]: not one "
                                                       "action of player 2 per env"):
            envs.step(np.zeros(1, np.int64))


@pytest.mark.parametrize("make", [
    lambda: MameEnv(GAME()), lambda: MameVectorEnv(GAME(), 2)], ids=["env", "vector"])
def test_a_two_player_game_needs_an_opponent(make):
    with pytest.raises(InvalidArgumentError, match="'twocatch' has 2 players: give opponent= "
                                                   r"\('noop', 'random', 'tracker', a callable"
                                                   ".*aiomame.pettingzoo.parallel_env"):
        make()


def test_refusals_before_any_mame_starts():
    with pytest.raises(InvalidArgumentError, match="'catch' has one player"):
        gym.make("aiomame/Catch-v0", opponent="random")
    with pytest.raises(InvalidArgumentError, match="'catch' has one player"):
        MameVectorEnv("catch", 2, opponent="noop")
    with pytest.raises(InvalidArgumentError, match="unknown opponent 'bob'"):
        MameVectorEnv(GAME(), 2, opponent="bob")
    with pytest.raises(InvalidArgumentError, match="no computer opponent"):
        MameVectorEnv(GAME(), 2, opponent="cpu")
    with pytest.raises(InvalidArgumentError, match="player 3: game 'twocatch' has players"):
        MameVectorEnv(GAME(), 2, opponent="noop", player=3)


def test_sb3_vec_env_against_an_opponent(no_leaks):
    pytest.importorskip("torch", reason="PyTorch is installed by .ci/run on the host")
    from aiomame import sb3
    with pytest.raises(InvalidArgumentError, match="has 2 players: give opponent="):
        sb3.MameVecEnv(GAME(), 2, **OBS)
    venv = sb3.MameVecEnv(GAME(), 2, opponent="tracker", player=2, **OBS)
    try:
        obs = venv.reset()
        assert obs.shape == (2, 84, 84, 1) and venv.action_space == gym.spaces.Discrete(3)
        total = np.zeros(2, np.float32)
        for _ in range(50):
            venv.step_async(np.zeros(2, np.int64))
            _, rewards, _, _ = venv.step_wait()
            total += rewards
        assert (total < 0).all()
    finally:
        venv.close()


def test_the_games_own_opponent(no_leaks):
    with MameEnv(CpuTwoCatch(), opponent="cpu", **OBS) as env:
        assert env.game.versus_cpu and env.action_space == gym.spaces.Discrete(3)
        _, info = env.reset(seed=1)
        total = 0.0
        for _ in range(60):
            _, reward, _, _, info = env.step(tracker(info))
            total += reward
        assert type(reward) is float and total > 0
    with MameVectorEnv(CpuTwoCatch(), 2, opponent="cpu", **OBS) as envs:
        assert not isinstance(envs.pool, VersusPool)  # the pool itself: no work per step
        _, infos = envs.reset(seed=0)
        total = np.zeros(2)
        for _ in range(60):
            actions = np.array([tracker({k: v[i] for k, v in infos.items()}) for i in (0, 1)])
            _, rewards, _, _, infos = envs.step(actions)
            total += rewards
        assert rewards.shape == (2,) and (total > 0).all()
    with pytest.raises(InvalidArgumentError, match="opponent= .'cpu', 'noop', 'random'"):
        MameVectorEnv(CpuTwoCatch(), 2)



def test_vector_env_against_a_checkpoint(tmp_path, no_leaks):
    pytest.importorskip("torch", reason="PyTorch is installed by .ci/run on the host")
    from aiomame.tools import policy
    path = tmp_path / "twocatch.pt"
    policy.save_checkpoint(path, policy.ActorCritic(1, 3), GAME.name, OBS)
    with pytest.raises(InvalidArgumentError, match="trained on observations .*'grayscale'.*"
                                                   "make the env with the same options"):
        MameVectorEnv(GAME(), 2, opponent=path, obs_type="grayscale")  # the pool is closed
    with MameVectorEnv(GAME(), 2, opponent=str(path), **OBS) as envs:  # an untrained net
        assert envs.pool.opponent.name == "twocatch.pt"
        envs.reset(seed=0)
        for _ in range(3):
            _, rewards, *_ = envs.step(np.zeros(2, np.int64))
        assert rewards.shape == (2,)
