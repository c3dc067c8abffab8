"""aiomame.gym on real MAME: the Gymnasium Env and VectorEnv, their registration, plain
systems as envs."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from gymnasium.vector import AutoresetMode

import aiomame.gym  # noqa: F401  (registers the ids)
from aiomame import Action, Address
from aiomame.errors import InvalidArgumentError, NoDisplayError
from aiomame.games import SystemGame
from aiomame.gym import MameEnv, MameVectorEnv

LEFT, RIGHT = Action(":CONTP1", "P1 Left"), Action(":CONTP1", "P1 Right")
TEST_ROM = {"counter": Address("0x2000"), "port1": Address("0x2001")}
PORT1_IDLE, PORT1_LEFT, PORT1_RIGHT = 9, 32, 64  # the test ROM's port 1, and each button's bit


@pytest.mark.parametrize("options", [
    {},
    {"obs_type": "grayscale", "resize": (84, 84)},
    {"obs_type": "grayscale", "resize": (84, 84), "frame_stack": 4},
    {"obs_type": "bgra", "maxpool": True, "interpolation": "nearest", "resize": (64, 48)},
], ids=["rgb", "grayscale-84", "stack-4", "bgra-maxpool"])
def test_catch_passes_gymnasiums_env_checker(options, no_leaks):
    with gym.make("aiomame/Catch-v0", **options) as env:
        check_env(env.unwrapped, skip_render_check=True)  # "human" needs a display
        obs, info = env.reset(seed=1)
        assert env.observation_space.contains(obs) and "score" in info
        assert env.action_space == gym.spaces.Discrete(3)
        obs, reward, *_ = env.step(env.action_space.sample())
        assert obs.shape == env.observation_space.shape and isinstance(reward, float)


def test_seeds_decide_the_episode_and_states_restart_it(no_leaks):
    with gym.make("aiomame/Catch-v0", obs_type="grayscale") as env:
        def play(seed=None, options=None):
            obs, _ = env.reset(seed=seed, options=options)
            frames = [obs]
            for action in [2, 2, 1, 0] * 10:
                frames.append(env.step(np.int64(action))[0])
            return np.stack(frames)

        first = play(seed=5)
        assert np.array_equal(play(seed=5), first)
        assert not np.array_equal(play(seed=6), first)
        env.reset(seed=5)
        state = env.unwrapped.env.save_state()
        again = play(options={"state": state})
        assert np.array_equal(play(options={"state": state}), again)
        with pytest.raises(InvalidArgumentError, match="unknown reset option 'level'.*'state'"):
            env.reset(options={"level": 2})


def test_render_rgb_array_is_the_full_screen(no_leaks):
    with gym.make("aiomame/Catch-v0", render_mode="rgb_array", obs_type="grayscale",
                  resize=(84, 84)) as env:
        obs, _ = env.reset(seed=0)
        screen = env.render()
        assert obs.shape == (84, 84) and screen.shape == (260, 224, 3)
        assert screen.any() and env.metadata["render_fps"] == pytest.approx(59.54 / 3, 0.01)


def test_human_render_without_a_display_says_so(monkeypatch, no_leaks):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with pytest.raises(NoDisplayError, match='render_mode="human" opens.*no display.*xvfb-run'
                                             r'.*render_mode=None') as caught:
        gym.make("aiomame/Catch-v0", render_mode="human")
    assert "render=" not in str(caught.value)  # this API's words, not the Emulator's


def test_registered_specs_carry_the_games_step_limit():
    assert gym.spec("aiomame/Duel-v0").max_episode_steps == 3000  # Duel.max_episode_steps
    assert gym.spec("aiomame/Basket-v0").max_episode_steps == 5000
    assert gym.spec("aiomame/Catch-v0").max_episode_steps == 36_000  # none: ALE's 108,000 frames


def test_bad_options_are_named(no_leaks):
    with pytest.raises(InvalidArgumentError, match="render_mode 'ascii'; valid: None, 'rgb_a"):
        MameEnv("catch", render_mode="ascii")
    with pytest.raises(InvalidArgumentError, match="autoreset_mode.*Disabled.*valid:.*NEXT_STEP"):
        MameVectorEnv("catch", 2, autoreset_mode=AutoresetMode.DISABLED)
    with pytest.raises(InvalidArgumentError, match="unknown game 'pong'"):
        gym.make("aiomame/Catch-v0", game="pong")


@pytest.mark.parametrize("mode", [AutoresetMode.NEXT_STEP, AutoresetMode.SAME_STEP])
def test_vector_env_autoreset(mode, no_leaks):
    limit = 5
    envs = gym.make_vec("aiomame/Catch-v0", num_envs=3, vectorization_mode="vector_entry_point",
                        autoreset_mode=mode, max_episode_steps=limit, obs_type="grayscale",
                        resize=(84, 84), frame_stack=2)
    with envs:
        assert isinstance(envs.unwrapped, MameVectorEnv)
        assert envs.metadata["autoreset_mode"] == mode
        assert envs.single_observation_space.shape == (2, 84, 84)
        assert envs.observation_space.shape == (3, 2, 84, 84)
        assert envs.single_action_space == gym.spaces.Discrete(3)
        obs, infos = envs.reset(seed=10)
        assert obs.shape == (3, 2, 84, 84) and infos["score"].tolist() == [0, 0, 0]
        assert infos["_score"].all()
        for _ in range(limit - 1):
            obs, rewards, terminated, truncated, infos = envs.step(envs.action_space.sample())
            assert not (terminated | truncated).any()
        last, rewards, terminated, truncated, infos = envs.step(np.array([1, 2, 0]))
        assert truncated.all() and not terminated.any()
        if mode == AutoresetMode.SAME_STEP:
            # This row already shows the new episodes; the ended ones are in final_*.
            assert infos["_final_obs"].all() and infos["final_obs"][0].shape == (2, 84, 84)
            assert infos["_final_info"].all() and "score" in infos["final_info"]
            assert all((last[i][0] == last[i][1]).all() for i in range(3))  # a fresh stack
        after, rewards, terminated, truncated, infos = envs.step(np.array([2, 2, 2]))
        if mode == AutoresetMode.NEXT_STEP:
            # This step started the new episodes: its actions were not applied.
            assert "final_obs" not in infos
            assert (rewards == 0).all() and not (terminated | truncated).any()
            assert all((after[i][0] == after[i][1]).all() for i in range(3))
        assert not (terminated | truncated).any()


def test_gymnasiums_own_sync_vectorization_works_too(no_leaks):
    envs = gym.make_vec("aiomame/Catch-v0", num_envs=2, vectorization_mode="sync",
                        obs_type="grayscale")
    try:
        obs, _ = envs.reset(seed=0)
        assert obs.shape == (2, 260, 224)
        assert envs.step(np.array([1, 2]))[0].shape == (2, 260, 224)
    finally:
        envs.close()


def test_vector_env_infos_and_render(no_leaks):
    with MameVectorEnv("catch", 2, render_mode="rgb_array", copy=False) as envs:
        envs.reset(seed=[3, 4])
        obs, _, _, _, infos = envs.step(np.array([0, 0], dtype=np.uint8))
        assert set(infos) >= {"score", "_score", "lives", "_lives", "paddle_x"}
        assert infos["lives"].dtype == np.int64 and infos["lives"].shape == (2,)
        screens = envs.render()
        assert len(screens) == 2 and screens[0].shape == (260, 224, 3)
        assert np.array_equal(screens[0], obs[0])  # copy=False: the pool's own rows


def test_plain_system_as_an_env(roms, no_leaks):
    env = gym.make("aiomame/MAME-v0", system="invaders", roms_path=roms,
                   memory_addresses=TEST_ROM, buttons=[LEFT, RIGHT], reward="counter",
                   done=("counter", ">=", 9), frame_ratio=2)
    with env:
        assert env.action_space == gym.spaces.MultiBinary(2)
        _, info = env.reset()
        assert info == {"counter": 1, "port1": PORT1_IDLE}
        pressed = []
        for buttons in ([1, 0], [0, 1], [1, 1]):
            _, reward, terminated, _, info = env.step(np.array(buttons, np.int8))
            assert reward == 2.0 and not terminated
            pressed.append(info["port1"] - PORT1_IDLE)
        assert pressed == [PORT1_LEFT, PORT1_RIGHT, PORT1_LEFT + PORT1_RIGHT]
        _, _, terminated, _, info = env.step([0, 0])
        assert terminated and info["counter"] == 9
        assert env.reset()[1]["counter"] == 1  # hard reset: a new episode
        with pytest.raises(InvalidArgumentError, match="vector of 2 zeros and ones"):
            env.step([1, 2])
        check_env(env.unwrapped, skip_render_check=True)


def test_plain_system_with_discrete_actions_in_a_vector_env(roms, no_leaks):
    game = SystemGame("invaders", memory_addresses=TEST_ROM,
                      actions={"none": (), "left": LEFT, "both": [LEFT, RIGHT]},
                      reward={"counter": 0.5}, done=[("counter", ">=", 7)], frame_ratio=2)
    with gym.make_vec("aiomame/MAME-v0", num_envs=2, system=game.system, roms_path=roms,
                      memory_addresses=TEST_ROM, actions=game.actions,
                      reward={"counter": 0.5}, done=[("counter", ">=", 7)],
                      frame_ratio=2) as envs:
        assert envs.single_action_space == gym.spaces.Discrete(3)
        envs.reset()
        _, rewards, _, _, infos = envs.step(np.array([1, 2]))
        assert rewards.tolist() == [1.0, 1.0]
        assert (infos["port1"] - PORT1_IDLE).tolist() == [PORT1_LEFT, PORT1_LEFT + PORT1_RIGHT]
        for _ in range(2):
            _, _, terminated, _, infos = envs.step(np.array([0, 0]))
        assert terminated.all() and infos["counter"].tolist() == [7, 7]


@pytest.mark.parametrize(("kwargs", "match"), [
    ({}, "give either buttons"),
    ({"buttons": [LEFT], "actions": {"l": LEFT}}, "give either buttons"),
    ({"buttons": ["P1 Left"]}, "buttons holds 'P1 Left', not an Action"),
    ({"buttons": [LEFT], "reward": "score"}, "unknown memory name in reward 'score'; valid: "
                                             "'counter', 'port1'"),
    ({"buttons": [LEFT], "done": ("counter", "=", 3)}, "unknown done operator '='; valid: '=="),
    ({"buttons": [LEFT], "done": ("counter", 3)}, r"a done condition is \(name, op, value\)"),
    ({"actions": {"x": "P1 Left"}}, r"actions\['x'\] is 'P1 Left'"),
])
def test_system_game_arguments_are_checked(kwargs, match):
    with pytest.raises(InvalidArgumentError, match=match):
        SystemGame("invaders", memory_addresses=TEST_ROM, **kwargs)
