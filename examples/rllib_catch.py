"""RLlib's PPO on the bundled game: RLlib's env runners (Ray actors) step aiomame envs.

The Gymnasium env ``aiomame/Catch-v0`` is registered with RLlib's env registry
(``ray.tune.registry.register_env``); each env runner makes its envs from it, each env one
MAME on that runner's node, 42x42 grayscale frames with a channel axis, scaled to 0..1
(RLlib's convolutional model takes float (H, W, C)).

    pip install ".[rllib]"                                  # in the aiomame clone
    python examples/rllib_catch.py                          # 10 iterations, 2 env runners
    python examples/rllib_catch.py --iterations 1 --env-runners 1     # a smoke run
    python examples/rllib_catch.py --address auto           # on a running Ray cluster

On a cluster, aiomame, MAME and (for a game other than catch) the ROMs must exist on every
node that runs an env runner. This is a short run that shows the wiring, not a trained
agent: examples/train_ppo.py learns catch on 2 cores in minutes without a framework.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import gymnasium as gym
import numpy as np
import ray
from ray.rllib.algorithms.ppo import PPOConfig
from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig
from ray.tune.registry import register_env

ENV_ID = "aiomame/Catch-v0"
SIZE = 42


def make_env(config: dict[str, Any]) -> gym.Env:
    """One catch env on one MAME (``config``: MameEnv's options); observations (42, 42, 1)
    float32 in 0..1."""
    import aiomame.gym  # noqa: F401  (registers the Gymnasium ids, in the env runner)

    env = gym.make(ENV_ID, obs_type="grayscale", resize=(SIZE, SIZE), **config)
    space = gym.spaces.Box(0.0, 1.0, (SIZE, SIZE, 1), np.float32)
    return gym.wrappers.TransformObservation(
        env, lambda frame: (frame[..., None] / np.float32(255)).astype(np.float32), space)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--iterations", type=int, default=10, help="PPO training iterations")
    p.add_argument("--env-runners", type=int, default=2, help="RLlib env runners (actors)")
    p.add_argument("--envs-per-runner", type=int, default=2, help="MAMEs per env runner")
    p.add_argument("--batch", type=int, default=512, help="env steps per iteration")
    p.add_argument("--episode-steps", type=int, default=200, help="cap of an episode")
    p.add_argument("--address", default=None,
                   help="a Ray cluster to join ('auto': the running one); default: a local "
                        "Ray of --cpus CPUs")
    p.add_argument("--cpus", type=int, default=None, help="CPUs of the local Ray")
    args = p.parse_args(argv)
    for name in ("iterations", "env_runners", "envs_per_runner", "batch", "episode_steps"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    return args


def config(args: argparse.Namespace) -> PPOConfig:
    return (
        PPOConfig()
        .environment(ENV_ID, env_config={"max_episode_steps": args.episode_steps})
        .env_runners(num_env_runners=args.env_runners,
                     num_envs_per_env_runner=args.envs_per_runner,
                     num_cpus_per_env_runner=0.5)
        .fault_tolerance(restart_failed_env_runners=False)  # an env error stops the run
        .learners(num_learners=0)
        .training(train_batch_size_per_learner=args.batch, minibatch_size=128, num_epochs=2,
                  lr=5e-4)
        .rl_module(model_config=DefaultModelConfig(
            conv_filters=[[16, [4, 4], 2], [32, [4, 4], 2], [64, [11, 11], 1]],
            head_fcnet_hiddens=[64]))
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    if args.address is not None:
        ray.init(address=args.address)
    else:
        ray.init(num_cpus=args.cpus, include_dashboard=False)
    register_env(ENV_ID, make_env)
    algo = config(args).build_algo()
    began, last = time.monotonic(), {}
    try:
        for i in range(1, args.iterations + 1):
            result = algo.train()
            runners = result.get("env_runners", {})
            last = {"iteration": i,
                    "env_steps": int(runners.get("num_env_steps_sampled_lifetime", 0)),
                    "episodes": int(runners.get("num_episodes_lifetime", 0)),
                    "return_mean": runners.get("episode_return_mean", float("nan"))}
            print(f"iteration {i}: {last['env_steps']} env steps, {last['episodes']} "
                  f"episodes, mean return {last['return_mean']:.2f}, "
                  f"{time.monotonic() - began:.0f} s", flush=True)
    finally:
        algo.stop()
        ray.shutdown()
    if not last.get("env_steps"):
        raise SystemExit("no env steps were sampled: see the env runners' errors above")
    return last


if __name__ == "__main__":
    main()
