"""Behaviour cloning: a policy learns catch from recorded demonstrations, through Minari.

1. **Record** ``--episodes`` episodes of catch's scripted tracker (it reads the ball and
   the paddle from memory) with :class:`aiomame.tools.recording.Recorder`, two MAMEs at a time:
   small files of seeds and actions (``OUT/recordings``). On a ``--noise`` share of the
   steps a random action is played instead of the tracker's (DART's noise injection).
2. **Export** them with :func:`aiomame.tools.datasets.export_minari`: replayed on MAME (each
   step checked against the recording) as 84x84 grayscale frames, written as a Minari
   dataset (``OUT/minari`` unless ``$MINARI_DATASETS_PATH`` says otherwise).
3. **Load** it with ``minari.load_dataset`` and **train** DQN's small 2013 network
   (:class:`aiomame.tools.policy.ActorCritic`, its policy head) by supervised learning:
   cross-entropy on the tracker's action for each frame, computed from the memory values
   the dataset keeps as infos (so a noisy step is labelled with what the tracker would
   have done), the last demonstration held out.
4. **Evaluate** the clone, a random agent and the tracker on the same seeded episodes
   (seeds no demonstration used), print a table and write ``OUT/results.json`` and
   ``OUT/checkpoint.pt`` (``python -m aiomame play catch --agent OUT/checkpoint.pt``).

    pip install ".[train,minari]"                        # in the aiomame clone
    python examples/behaviour_cloning.py                 # about 5 minutes on 2 cores
    python examples/behaviour_cloning.py --smoke         # every stage, small: < 1 minute

Why this works from so little data: one frame is the whole state of catch (balls fall
straight down at one speed) and the tracker's action is a function of it, so the clone
needs no frame stack and no reward, only enough frames of each situation. Why the noise:
the tracker keeps the paddle under the ball, so its own episodes hardly show a paddle
off to the side with the ball about to land; a clone that drifts there has never seen
what to do, and misses (without noise: 8.6 of 52 balls in this set-up; see README).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from aiomame import GameEnv, sync
from aiomame.games import get_game
from aiomame.tools.datasets import export_minari
from aiomame.tools.policy import ActorCritic, save_checkpoint
from aiomame.tools.recording import Recorder

GAME = "catch"
OBS = {"obs_type": "grayscale", "resize": (84, 84)}
DATASET = "aiomame/catch-tracker-v0"
EVAL_SEED = 1_000_000  # seeds no demonstration used


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--episodes", type=int, default=30, help="demonstrations to record")
    p.add_argument("--episode-steps", type=int, default=500,
                   help="steps per demonstration (the tracker never loses: it is cut there)")
    p.add_argument("--noise", type=float, default=0.3,
                   help="share of demonstration steps played at random (default 0.3)")
    p.add_argument("--epochs", type=int, default=5, help="passes over the demonstrations")
    p.add_argument("--train-seconds", type=float, default=90,
                   help="stop training after this long even if epochs remain")
    p.add_argument("--eval-episodes", type=int, default=10, help="seeded episodes per agent")
    p.add_argument("--eval-steps", type=int, default=1000,
                   help="cap of an evaluation episode (1000 steps: 52 balls fall)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=1,
                   help="PyTorch's threads for training (default 1: on a loaded machine, "
                        "OpenMP's threads wait for each other: 2 were 6x slower here)")
    p.add_argument("--out", type=Path, default=Path("runs/behaviour-cloning"))
    p.add_argument("--smoke", action="store_true",
                   help="every stage, small (2 short demonstrations, 1 epoch, 2 short "
                        "evaluation episodes): for CI")
    args = p.parse_args(argv)
    if args.smoke:
        args.episodes, args.episode_steps, args.epochs = 2, 60, 1
        args.eval_episodes, args.eval_steps = 2, 60
    return args


# -- 1. record -----------------------------------------------------------------------------
async def record(args: argparse.Namespace, folder: Path, envs: int = 2) -> list[Path]:
    """The tracker's demonstrations, ``envs`` MAMEs recording at once; their files."""
    folder.mkdir(parents=True, exist_ok=True)
    tracker = get_game(GAME).agents()["tracker"]

    async def one_env(first: int) -> list[Path]:
        paths = []
        async with GameEnv(GAME, max_episode_steps=args.episode_steps) as env:
            recorder = Recorder(env)
            for episode in range(first, args.episodes, envs):
                _, info = await recorder.reset(seed=args.seed + episode)
                rng = np.random.default_rng(args.seed + episode)  # the same demos each run
                done = False
                while not done:
                    action = rng.integers(3) if rng.random() < args.noise else tracker(info)
                    _, _, terminated, truncated, info = await recorder.step(int(action))
                    done = terminated or truncated
                path = folder / f"tracker-{episode:03d}.aiorec"
                recorder.recording.save(path)
                paths.append(path)
        return paths

    found = await asyncio.gather(*(one_env(k) for k in range(min(envs, args.episodes))))
    return sorted(path for paths in found for path in paths)


# -- 3. load and train ---------------------------------------------------------------------
def load(dataset_id: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """(frames, labels) of each episode of the Minari dataset: each frame an action was
    chosen on (not the episode's last), and the tracker's action there, from the memory
    values of that step (the infos)."""
    import minari

    tracker = get_game(GAME).agents()["tracker"]
    episodes = []
    for episode in minari.load_dataset(dataset_id).iterate_episodes():
        steps = len(episode.actions)
        labels = np.array([tracker({name: int(values[t]) for name, values in
                                    episode.infos.items()}) for t in range(steps)])
        episodes.append((episode.observations[:-1], labels))
    return episodes


def train(episodes: list[tuple[np.ndarray, np.ndarray]], args: argparse.Namespace
          ) -> tuple[ActorCritic, dict[str, Any]]:
    """The policy head of ActorCritic fitted to the actions (cross-entropy, Adam)."""
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    held_out = episodes[-1:] if len(episodes) > 2 else []
    fit = episodes[:len(episodes) - len(held_out)]
    frames = torch.from_numpy(np.concatenate([f for f, _ in fit]))
    actions = torch.from_numpy(np.concatenate([a for _, a in fit]))
    model = ActorCritic(1, 3)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    started, log = time.perf_counter(), []
    for epoch in range(1, args.epochs + 1):
        model.train()
        total, right = 0.0, 0
        for chunk in torch.randperm(len(actions)).split(64):
            logits, _ = model(frames[chunk])
            loss = torch.nn.functional.cross_entropy(logits, actions[chunk])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(chunk)
            right += int((logits.argmax(-1) == actions[chunk]).sum())
        row = {"epoch": epoch, "loss": total / len(actions), "accuracy": right / len(actions),
               "seconds": round(time.perf_counter() - started, 1)}
        if held_out:
            row["held_out_accuracy"] = accuracy(model, *held_out[0])
        log.append(row)
        print(f"epoch {epoch}: loss {row['loss']:.3f}, accuracy {row['accuracy']:.3f}"
              + (f", held out {row['held_out_accuracy']:.3f}" if held_out else "")
              + f" ({row['seconds']:.0f} s)", flush=True)
        if time.perf_counter() - started > args.train_seconds:
            break
    model.eval()
    return model, {"samples": len(actions), "held_out_samples": sum(len(a) for _, a in held_out),
                   "epochs": log}


def accuracy(model: ActorCritic, frames: np.ndarray, actions: np.ndarray) -> float:
    with torch.no_grad():
        chosen = model(torch.from_numpy(frames))[0].argmax(-1).numpy()
    return float((chosen == actions).mean())


# -- 4. evaluate ---------------------------------------------------------------------------
def evaluate(act: Callable[[np.ndarray, list[dict[str, Any]]], np.ndarray], episodes: int,
             steps: int, num_envs: int = 4) -> list[float]:
    """Scores of the seeded episodes ``EVAL_SEED ..``, ``num_envs`` at a time, with
    ``act(frames, infos) -> actions`` choosing."""
    scores: list[float] = []
    with sync.EnvPool(GAME, min(num_envs, episodes), max_episode_steps=steps, **OBS) as pool:
        for first in range(0, episodes, pool.num_envs):
            ids = list(range(min(pool.num_envs, episodes - first)))
            batch = pool.reset(seed=[EVAL_SEED + first + i for i in ids], env_ids=ids)
            frames = batch.frames.copy()
            infos = [{k: int(v[r]) for k, v in batch.memory.items()} for r in ids]
            totals, running = np.zeros(len(ids)), list(ids)
            while running:
                chosen = act(frames[running], [infos[i] for i in running])
                batch = pool.step(np.asarray(chosen), env_ids=running)
                for r, env_id in enumerate(batch.env_ids.tolist()):
                    totals[env_id] += batch.rewards[r]
                    frames[env_id] = batch.frames[r]
                    infos[env_id] = {k: int(v[r]) for k, v in batch.memory.items()}
                    if batch.terminated[r] or batch.truncated[r]:
                        running.remove(env_id)
            scores.extend(totals.tolist())
    return scores


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("MINARI_DATASETS_PATH", str((args.out / "minari").resolve()))
    started = time.perf_counter()
    seconds: dict[str, float] = {}

    def lap(stage: str) -> None:
        seconds[stage] = round(time.perf_counter() - started - sum(seconds.values()), 1)

    paths = asyncio.run(record(args, args.out / "recordings"))
    lap("record")
    dataset = asyncio.run(export_minari(paths, DATASET, overwrite=True, **OBS))
    print(f"{len(paths)} demonstrations recorded, exported: {dataset.total_episodes} "
          f"episodes, {dataset.total_steps} steps, observations "
          f"{dataset.observation_space.shape} in Minari dataset {DATASET}", flush=True)
    lap("export")
    model, training = train(load(DATASET), args)
    save_checkpoint(args.out / "checkpoint.pt", model, GAME,
                    {**OBS, "frame_stack": 1, "max_episode_steps": args.eval_steps})
    lap("train")

    torch.set_num_threads(1)  # the MAMEs need the cores now
    rng = np.random.default_rng(args.seed)
    tracker = get_game(GAME).agents()["tracker"]

    def clone(frames: np.ndarray, infos: list[dict[str, Any]]) -> np.ndarray:
        with torch.no_grad():
            return model(torch.from_numpy(frames))[0].argmax(-1).numpy()

    scores = {
        "clone": evaluate(clone, args.eval_episodes, args.eval_steps),
        "random": evaluate(lambda f, infos: rng.integers(3, size=len(infos)),
                           args.eval_episodes, args.eval_steps),
        "tracker": evaluate(lambda f, infos: np.array([tracker(i) for i in infos]),
                            args.eval_episodes, args.eval_steps),
    }
    lap("evaluate")
    means = {name: float(np.mean(values)) for name, values in scores.items()}
    ratio = (means["clone"] / means["random"] if means["random"] > 0
             else float("inf") if means["clone"] > 0 else 0.0)  # 0 / 0: not reached
    results = {
        "demonstrations": len(paths), "demonstration_steps": args.episode_steps,
        "noise": args.noise,
        "dataset": DATASET, "observation_shape": list(dataset.observation_space.shape),
        "training": training, "eval_episodes": args.eval_episodes,
        "eval_steps": args.eval_steps, "means": means, "scores": scores,
        "ratio_to_random": ratio, "target_ratio": 5.0,
        "reached": bool(means["clone"] >= 5 * means["random"] and means["clone"] > 0),
        "seconds": {**seconds, "total": round(time.perf_counter() - started, 1)},
    }
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    print(f"\n{'agent':<10}{'mean score':>12}{'min':>6}{'max':>6}   ({args.eval_episodes} "
          f"seeded episodes of at most {args.eval_steps} steps)")
    for name, values in scores.items():
        print(f"{name:<10}{means[name]:>12.2f}{min(values):>6g}{max(values):>6g}")
    print(f"\nclone / random: {ratio:.1f}x (target 5x: "
          f"{'reached' if results['reached'] else 'not reached'}); seconds: "
          + ", ".join(f"{k} {v:g}" for k, v in results["seconds"].items())
          + f"; {args.out / 'results.json'}")
    return results


if __name__ == "__main__":
    main()
