"""aiomame.sb3 and trainers on real MAME: SB3's PPO on MameVecEnv, a CleanRL-style PPO loop
on the Gymnasium VectorEnv. Both need PyTorch, which `.ci/run` installs on the host only
(the CPU build on disk); there AIOMAME_REQUIRE_TORCH=1 turns a missing torch into a failure.
The MAME-version matrix runs without it: these adapters do not depend on the MAME version."""

from __future__ import annotations

import os

import numpy as np
import pytest

if os.environ.get("AIOMAME_REQUIRE_TORCH") == "1":
    import torch
else:
    torch = pytest.importorskip("torch", reason="PyTorch is installed by .ci/run on the host")

import gymnasium as gym
from stable_baselines3 import PPO
from stable_baselines3.common.vec_env import (
    VecFrameStack,
    VecMonitor,
    VecTransposeImage,
)

import aiomame.gym  # noqa: F401
from aiomame.errors import InvalidArgumentError
from aiomame.sb3 import MameVecEnv


def test_ppo_learns_on_stacked_grayscale_frames(no_leaks):
    venv = VecFrameStack(MameVecEnv("catch", 4, obs_type="grayscale", resize=(84, 84)), 4)
    with venv.venv.pool:
        assert venv.observation_space.shape == (84, 84, 4)
        model = PPO("CnnPolicy", VecMonitor(venv), n_steps=64, batch_size=128, n_epochs=1,
                    device="cpu", seed=0)
        model.learn(2048)
        assert model.num_timesteps >= 2048
        assert len(model.ep_info_buffer) > 0  # episodes ended and were counted


def test_colour_frames_transposed_by_sb3(no_leaks):
    venv = MameVecEnv("catch", 2, resize=(64, 56))
    with venv.pool:
        transposed = VecTransposeImage(venv)
        assert transposed.observation_space.shape == (3, 64, 56)
        assert transposed.reset().shape == (2, 3, 64, 56)
        obs, rewards, dones, infos = transposed.step(np.array([1, 2]))
        assert obs.shape == (2, 3, 64, 56) and rewards.dtype == np.float32
        assert "score" in infos[0] and dones.dtype == bool


def test_episode_ends_as_sb3_expects(no_leaks):
    venv = MameVecEnv("catch", 2, obs_type="grayscale", max_episode_steps=3,
                      render_mode="rgb_array")
    with venv.pool:
        venv.seed(7)
        first = venv.reset()
        assert first.shape == (2, 260, 224, 1) and venv.reset_infos[0]["score"] == 0
        for _ in range(2):
            obs, _, dones, infos = venv.step(np.array([2, 1]))
            assert not dones.any() and "terminal_observation" not in infos[0]
        obs, _, dones, infos = venv.step(np.array([2, 1]))
        assert dones.all()
        assert all(info["TimeLimit.truncated"] for info in infos)
        assert infos[0]["terminal_observation"].shape == (260, 224, 1)
        # The row shows the next episode (seeded again from the same generator).
        assert not np.array_equal(infos[0]["terminal_observation"], obs[0])
        venv.seed(7)
        assert np.array_equal(venv.reset(), first)  # the same seeds, the same games
        assert [img.shape for img in venv.get_images()] == [(260, 224, 3)] * 2


def test_attributes_and_methods(no_leaks):
    venv = MameVecEnv("catch", 2)
    with venv.pool:
        assert venv.get_attr("frame_ratio") == [3, 3]  # the game definition's
        assert venv.get_attr("name", indices=[1]) == ["catch"]
        venv.set_attr("max_episode_steps", 50, indices=0)
        assert venv.get_attr("max_episode_steps") == [50, None]
        states = venv.env_method("save_state", indices=[0])
        assert states[0].system == "invaders"
        assert venv.env_is_wrapped(gym.Wrapper) == [False, False]
        with pytest.raises(InvalidArgumentError, match="env index 2 is not in 0..1"):
            venv.get_attr("name", indices=[2])


def test_colour_frame_stacks_are_refused_with_a_way_out(no_leaks):
    with pytest.raises(InvalidArgumentError, match="VecFrameStack"):
        MameVecEnv("catch", 1, frame_stack=2)


class Agent(torch.nn.Module):
    """CleanRL's Atari agent, smaller (its ppo_atari.py layout)."""

    def __init__(self, actions: int) -> None:
        super().__init__()
        self.network = torch.nn.Sequential(
            torch.nn.Conv2d(4, 16, 8, stride=4), torch.nn.ReLU(),
            torch.nn.Conv2d(16, 32, 4, stride=2), torch.nn.ReLU(), torch.nn.Flatten(),
            torch.nn.Linear(32 * 9 * 9, 128), torch.nn.ReLU())
        self.actor = torch.nn.Linear(128, actions)
        self.critic = torch.nn.Linear(128, 1)

    def get_action_and_value(self, x, action=None):
        hidden = self.network(x / 255.0)
        probs = torch.distributions.Categorical(logits=self.actor(hidden))
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action), probs.entropy(), self.critic(hidden)


def test_cleanrl_style_ppo_loop_on_the_vector_env(no_leaks):
    # CleanRL's PPO collection and update, unchanged but for sizes: make_vec, the
    # RecordEpisodeStatistics vector wrapper, next-step autoreset (Gymnasium's default).
    num_envs, num_steps = 4, 32
    envs = gym.make_vec("aiomame/Catch-v0", num_envs=num_envs,
                        vectorization_mode="vector_entry_point", obs_type="grayscale",
                        resize=(84, 84), frame_stack=4)
    envs = gym.wrappers.vector.RecordEpisodeStatistics(envs)
    agent = Agent(envs.single_action_space.n)
    optimizer = torch.optim.Adam(agent.parameters(), lr=2.5e-4)
    obs = torch.zeros((num_steps, num_envs, *envs.single_observation_space.shape))
    actions = torch.zeros((num_steps, num_envs))
    logprobs = torch.zeros((num_steps, num_envs))
    rewards = torch.zeros((num_steps, num_envs))
    episodes = []
    next_obs, _ = envs.reset(seed=1)
    next_obs = torch.Tensor(next_obs)
    for _iteration in range(4):
        for step in range(num_steps):
            obs[step] = next_obs
            with torch.no_grad():
                action, logprob, _, _ = agent.get_action_and_value(next_obs)
            actions[step], logprobs[step] = action, logprob
            next_obs, reward, _, _, infos = envs.step(action.cpu().numpy())
            rewards[step] = torch.tensor(reward).view(-1)
            next_obs = torch.Tensor(next_obs)
            if "episode" in infos:
                episodes += infos["episode"]["r"][infos["_episode"]].tolist()
        b_obs = obs.reshape((-1, *envs.single_observation_space.shape))
        _, newlogprob, entropy, value = agent.get_action_and_value(
            b_obs, actions.reshape(-1).long())
        ratio = (newlogprob - logprobs.reshape(-1)).exp()
        loss = -(ratio * rewards.reshape(-1)).mean() - 0.01 * entropy.mean() \
            + 0.5 * ((value.flatten() - rewards.reshape(-1)) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    envs.close()
    assert episodes, "some episodes ended within 512 steps"
    assert all(r >= 0 for r in episodes)
