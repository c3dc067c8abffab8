"""PPO learns the bundled game from pixels on a CPU in minutes.

A compact PPO (CleanRL's, clipped objective with GAE) in PyTorch on aiomame's Gymnasium
vector env: a pool of MAMEs stepping concurrently, 84x84 grayscale frames. Writes to
``--out``: ``progress.csv`` (one row per finished training episode: env steps, seconds,
score, length), ``checkpoint.pt`` (every few updates and at the end), ``evaluation.json``
(the trained policy, a random agent and the game's scripted tracker on the same seeded
episodes) and ``learning_curve.png`` (score per episode against env steps and against
wall-clock time, with the random and tracker means as reference lines).

    pip install ".[train]"                            # in the aiomame clone
    python examples/train_ppo.py                      # about 15 minutes on 2 cores
    python examples/train_ppo.py --minutes 1 --eval-episodes 4     # a smoke run
    python -m aiomame play catch --agent runs/ppo-catch/checkpoint.pt --mp4 trained.mp4

Why this PPO and these observations: on 2 cores the network's updates cost as much as
the emulation, so the network is DQN's small 2013 one and the loop is CleanRL's, which
has none of a framework's per-step overhead. One frame is the whole state of catch (the
balls fall straight down at one speed), so the policy sees single frames, not stacks.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import torch

from aiomame import sync
from aiomame.games import get_game
from aiomame.gym import env_id
from aiomame.tools.policy import ActorCritic, save_checkpoint

GAME = "catch"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=13.0,
                   help="wall-clock budget of the training loop (default 13: with the "
                        "evaluation, about 15 minutes)")
    p.add_argument("--envs", type=int, default=8, help="MAMEs stepping concurrently")
    p.add_argument("--rollout", type=int, default=128, help="steps per env per update")
    p.add_argument("--frame-stack", type=int, default=1, help="frames per observation")
    p.add_argument("--lr", type=float, default=5e-4, help="Adam's learning rate")
    p.add_argument("--episode-steps", type=int, default=1000,
                   help="cap of a training and evaluation episode (a good policy never "
                        "loses; default 1000 steps, 50 s of play)")
    p.add_argument("--eval-episodes", type=int, default=20,
                   help="seeded evaluation episodes per agent (default 20)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2,
                   help="PyTorch's CPU threads for the updates (1 while collecting)")
    p.add_argument("--out", type=Path, default=Path("runs/ppo-catch"),
                   help="where to write the log, checkpoint, evaluation and plot")
    return p.parse_args(argv)


def env_options(args: argparse.Namespace) -> dict[str, Any]:
    return {"obs_type": "grayscale", "resize": (84, 84), "frame_stack": args.frame_stack,
            "max_episode_steps": args.episode_steps}


def train(args: argparse.Namespace) -> ActorCritic:
    """PPO until ``args.minutes`` have passed; logs episodes to progress.csv."""
    torch.manual_seed(args.seed)
    gamma, lam, clip, epochs, minibatches = 0.99, 0.95, 0.1, 4, 4
    envs = gym.make_vec(env_id(get_game(GAME)), num_envs=args.envs,  # aiomame/Catch-v0
                        vectorization_mode="vector_entry_point",
                        autoreset_mode=gym.vector.AutoresetMode.SAME_STEP, **env_options(args))
    shape = envs.single_observation_space.shape
    model = ActorCritic(args.frame_stack, int(envs.single_action_space.n))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, eps=1e-5)
    n, t = args.envs, args.rollout
    obs = torch.zeros((t, n, *shape), dtype=torch.uint8)
    actions, logprobs, rewards, dones, values = (torch.zeros((t, n)) for _ in range(5))
    with open(args.out / "progress.csv", "w", newline="") as log, envs:
        writer = csv.writer(log)
        writer.writerow(["env_steps", "seconds", "score", "length"])
        scores, lengths = np.zeros(n), np.zeros(n, int)
        next_obs = torch.from_numpy(envs.reset(seed=args.seed)[0])
        next_done = torch.zeros(n)
        started, env_steps, update = time.perf_counter(), 0, 0
        while time.perf_counter() - started < args.minutes * 60:
            update += 1
            # One thread while MAMEs run: idle OpenMP threads spin and would take their CPU
            # (8 envs on 2 cores: 120 env steps/s with 2 threads, 380 with 1).
            torch.set_num_threads(1)
            for step in range(t):
                obs[step], dones[step] = next_obs, next_done
                with torch.no_grad():
                    logits, value = model(next_obs)
                dist = torch.distributions.Categorical(logits=logits)
                action = dist.sample()
                actions[step], logprobs[step], values[step] = action, dist.log_prob(action), value
                frames, reward, terminated, truncated, _ = envs.step(action.numpy())
                rewards[step] = torch.from_numpy(reward)
                next_obs = torch.from_numpy(frames)
                done = terminated | truncated
                next_done = torch.from_numpy(done.astype(np.float32))
                env_steps += n
                scores += reward
                lengths += 1
                for i in np.flatnonzero(done):
                    writer.writerow([env_steps, round(time.perf_counter() - started, 2),
                                     scores[i], lengths[i]])
                    scores[i], lengths[i] = 0, 0
            with torch.no_grad():  # GAE
                _, next_value = model(next_obs)
                advantages = torch.zeros_like(rewards)
                last = torch.zeros(n)
                for step in reversed(range(t)):
                    if step == t - 1:
                        nonterminal, following = 1.0 - next_done, next_value
                    else:
                        nonterminal, following = 1.0 - dones[step + 1], values[step + 1]
                    delta = rewards[step] + gamma * following * nonterminal - values[step]
                    last = delta + gamma * lam * nonterminal * last
                    advantages[step] = last
                returns = advantages + values
            torch.set_num_threads(args.threads)
            b_obs, b_actions = obs.reshape(-1, *shape), actions.reshape(-1)
            b_logprobs, b_adv, b_returns = (x.reshape(-1) for x in (logprobs, advantages, returns))
            size = t * n
            for _ in range(epochs):
                order = torch.randperm(size)
                for chunk in order.split(size // minibatches):
                    logits, value = model(b_obs[chunk])
                    dist = torch.distributions.Categorical(logits=logits)
                    ratio = (dist.log_prob(b_actions[chunk]) - b_logprobs[chunk]).exp()
                    adv = b_adv[chunk]
                    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
                    policy_loss = torch.max(-adv * ratio,
                                            -adv * ratio.clamp(1 - clip, 1 + clip)).mean()
                    value_loss = 0.5 * ((value - b_returns[chunk]) ** 2).mean()
                    loss = policy_loss + 0.5 * value_loss - 0.01 * dist.entropy().mean()
                    optimizer.zero_grad()
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
                    optimizer.step()
            log.flush()
            if update % 10 == 0:
                save_checkpoint(args.out / "checkpoint.pt", model, GAME, env_options(args))
                elapsed = time.perf_counter() - started
                print(f"update {update}: {env_steps:,} env steps in {elapsed:.0f} s "
                      f"({env_steps / elapsed:,.0f}/s)", flush=True)
    save_checkpoint(args.out / "checkpoint.pt", model, GAME, env_options(args),
                    env_steps=env_steps, seconds=time.perf_counter() - started)
    return model


def evaluate(act: Callable[[np.ndarray, list[dict[str, Any]]], np.ndarray], episodes: int,
             seed: int, options: dict[str, Any], num_envs: int = 4) -> list[float]:
    """Scores of ``episodes`` seeded episodes, ``act(frames, infos) -> actions`` choosing.

    The episodes have the seeds ``seed .. seed + episodes - 1``, ``num_envs`` at a time:
    for a given policy each one's course is fixed.
    """
    num_envs = min(num_envs, episodes)
    quota = [len(range(i, episodes, num_envs)) for i in range(num_envs)]
    scores: list[float] = []
    with sync.EnvPool(GAME, num_envs, **options) as pool:
        next_episode = num_envs
        batch = pool.reset(seed=[seed + i for i in range(num_envs)])
        frames = {int(e): f.copy() for e, f in zip(batch.env_ids, batch.frames, strict=True)}
        infos = {int(e): {k: int(v[r]) for k, v in batch.memory.items()}
                 for r, e in enumerate(batch.env_ids)}
        running, totals = set(range(num_envs)), np.zeros(num_envs)
        while running:
            ids = sorted(running)
            chosen = act(np.stack([frames[i] for i in ids]), [infos[i] for i in ids])
            batch = pool.step(np.asarray(chosen), env_ids=ids)
            for r, env_id in enumerate(batch.env_ids.tolist()):
                totals[env_id] += batch.rewards[r]
                frames[env_id] = batch.frames[r].copy()
                infos[env_id] = {k: int(v[r]) for k, v in batch.memory.items()}
                if batch.terminated[r] or batch.truncated[r]:
                    scores.append(float(totals[env_id]))
                    totals[env_id] = 0
                    quota[env_id] -= 1
                    if quota[env_id] == 0:
                        running.discard(env_id)
                    else:  # its next episode with its own seed
                        one = pool.reset(seed=[seed + next_episode], env_ids=[env_id])
                        next_episode += 1
                        frames[env_id] = one.frames[0].copy()
                        infos[env_id] = {k: int(v[0]) for k, v in one.memory.items()}
    return scores


def compare(trained: list[float], random: list[float], factor: float = 5.0) -> dict[str, Any]:
    """The trained policy's mean score against ``factor`` times the random agent's."""
    trained_mean, random_mean = float(np.mean(trained)), float(np.mean(random))
    ratio = trained_mean / random_mean if random_mean > 0 else float("inf")
    return {"trained_mean": trained_mean, "random_mean": random_mean, "ratio": ratio,
            "target": factor, "reached": bool(trained_mean >= factor * random_mean
                                              and trained_mean > 0)}


def plot(out: Path, reference: dict[str, float]) -> None:
    """learning_curve.png from progress.csv: score against env steps and wall-clock time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(out / "progress.csv", newline="") as log:
        rows = list(csv.DictReader(log))
    steps = np.array([float(r["env_steps"]) for r in rows])
    seconds = np.array([float(r["seconds"]) for r in rows])
    score = np.array([float(r["score"]) for r in rows])
    window = max(1, min(50, len(score) // 10))
    smooth = np.convolve(score, np.ones(window) / window, mode="valid") if len(score) else score
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, x, label in ((axes[0], steps, "env steps"), (axes[1], seconds / 60, "minutes")):
        ax.plot(x, score, ".", alpha=0.25, color="tab:blue", label="episode score")
        if len(smooth):
            ax.plot(x[window - 1:], smooth, color="tab:blue", label=f"mean of {window}")
        for name, style in (("tracker", "tab:green"), ("random", "tab:red")):
            ax.axhline(reference[name], color=style, ls="--", label=f"{name} agent")
        ax.set_xlabel(label)
    axes[0].set_ylabel("score per episode (training, sampled actions)")
    axes[0].legend(loc="upper left")
    fig.suptitle("PPO on catch from 84x84 pixels, CPU")
    fig.tight_layout()
    fig.savefig(out / "learning_curve.png", dpi=100)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    model = train(args)
    torch.set_num_threads(1)
    trained_at = time.perf_counter() - started
    options = env_options(args)
    rng = np.random.default_rng(args.seed)
    tracker = get_game(GAME).agents()["tracker"]

    def greedy(frames: np.ndarray, infos: list[dict[str, Any]]) -> np.ndarray:
        with torch.no_grad():
            return model(torch.from_numpy(frames))[0].argmax(-1).numpy()

    seed = 1_000_000  # seeds no training episode used
    results = {
        "trained": evaluate(greedy, args.eval_episodes, seed, options),
        "random": evaluate(lambda f, infos: rng.integers(3, size=len(infos)),
                           args.eval_episodes, seed, options),
        "tracker": evaluate(lambda f, infos: np.array([tracker(i) for i in infos]),
                            args.eval_episodes, seed, options),
    }
    summary = {**compare(results["trained"], results["random"]),
               "tracker_mean": float(np.mean(results["tracker"])),
               "training_seconds": round(trained_at, 1),
               "total_seconds": round(time.perf_counter() - started, 1),
               "episodes": args.eval_episodes, "episode_steps": args.episode_steps,
               "scores": results}
    (args.out / "evaluation.json").write_text(json.dumps(summary, indent=1))
    plot(args.out, {"random": summary["random_mean"], "tracker": summary["tracker_mean"]})
    print(f"trained {summary['trained_mean']:.2f}, random {summary['random_mean']:.2f} "
          f"({summary['ratio']:.1f}x, target {summary['target']:g}x: "
          f"{'reached' if summary['reached'] else 'not reached'}), tracker "
          f"{summary['tracker_mean']:.2f}; {summary['total_seconds']:.0f} s in all; "
          f"{args.out}/learning_curve.png")
    return summary


if __name__ == "__main__":
    main()
