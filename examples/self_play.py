"""Self-play PPO learns duel, the two-player game, on a CPU in minutes.

One policy plays against a pool of its own past copies: a frozen snapshot of it is added
every ``--snapshot-every`` updates, and each training env draws its opponent from the pool
at the start of every match (the newest snapshot with probability ``--latest``, otherwise
any). Writes to ``--out``: ``progress.csv`` (a periodic evaluation about every minute:
seconds, env steps, match win rates and mean score differences against a uniformly random
player and against the ROM's own computer player), ``checkpoint.pt``, ``evaluation.json``
(the final evaluation, with the game's scripted tracker against the computer as a
reference), ``win_rate.png`` and a GIF of the trained policy (player 1) against the
computer (``--gif``).

    pip install ".[train]"                                    # in the aiomame clone
    python examples/self_play.py                              # about 15 minutes on 2 cores
    python examples/self_play.py --minutes 0.5 --eval-matches 4 --eval-envs 2 \\
        --eval-steps 300 --gif ""                             # a smoke run

Why so: on 2 cores the emulators are the cost, so the policy sees 12 numbers read from the
game's memory (``frames=False``: MAME draws no pixels for us), not frames, and is a
64-64 MLP actor-critic that costs nothing beside them. The features are player-relative
("me" and "other"; the two paddles move on the same x axis, so nothing has to be
flipped), so one policy plays either side: it is player 1 in the even envs and player 2
in the odd ones, the snapshot the other player. The balls are listed lowest first (the
next to land first), each with its x relative to both paddles' centres. The reward is
the game's own zero-sum one (own points minus the other's), unshaped. The pool's first
snapshot is the untrained network, which plays nearly uniformly at random, so early
matches are against a random player and later ones against ever better copies: beating
only the newest copy can forget how to beat older styles, hence the pool.
"""

from __future__ import annotations

import argparse
import copy
import csv
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from aiomame import sync
from aiomame.files import write_atomically
from aiomame.games import duel_layout as layout
from aiomame.games import get_game

GAME = "duel"
FEATURES = ("me_x", "other_x",
            *(f"ball{i}_{name}" for i in range(layout.OBJECT_SLOTS)
              for name in ("active", "dx_me", "dx_other", "y", "x")))
MEMORY_READ = ("p1_x", "p2_x", *(f"object{i}_{name}" for i in range(layout.OBJECT_SLOTS)
                                 for name in ("active", "x", "y")))
CHECKPOINT_FORMAT = "aiomame-self-play-mlp/1"
Memory = dict[str, np.ndarray]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--minutes", type=float, default=11.5,
                   help="wall-clock budget of training with its periodic evaluations "
                        "(default 11.5: with the final evaluation and the GIF, under 15)")
    p.add_argument("--envs", type=int, default=16, help="training MAMEs (default 16)")
    p.add_argument("--rollout", type=int, default=128, help="steps per env per update")
    p.add_argument("--lr", type=float, default=5e-4, help="Adam's learning rate")
    p.add_argument("--snapshot-every", type=int, default=8,
                   help="updates between snapshots added to the opponent pool")
    p.add_argument("--pool-size", type=int, default=20, help="snapshots kept (newest)")
    p.add_argument("--latest", type=float, default=0.5,
                   help="chance that a match's opponent is the newest snapshot")
    p.add_argument("--eval-every", type=float, default=60.0,
                   help="seconds between periodic evaluations")
    p.add_argument("--eval-envs", type=int, default=8,
                   help="MAMEs per evaluation pool; a periodic evaluation is one match "
                        "per env against each opponent")
    p.add_argument("--eval-matches", type=int, default=48,
                   help="matches per opponent in the final evaluation (default 48)")
    p.add_argument("--eval-steps", type=int, default=1000,
                   help="an evaluation match still running after this many steps counts "
                        "as not won (a good policy wins in 200-400)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, default=Path("runs/self-play-duel"),
                   help="where to write the log, checkpoint, evaluation, plot and GIF")
    p.add_argument("--gif", default=None,
                   help="GIF of the trained policy against the computer (default "
                        "OUT/duel_self_play.gif; '' for none)")
    return p.parse_args(argv)


def features(memory: Memory, sides: np.ndarray) -> torch.Tensor:
    """``(rows, 12)`` player-relative observations of memory rows, row i seen by player
    ``sides[i]`` (1 or 2): paddle centres, then the balls lowest first."""
    mine = sides == 1
    me = np.where(mine, memory["p1_x"], memory["p2_x"]) + layout.PADDLE_WIDTH / 2
    other = np.where(mine, memory["p2_x"], memory["p1_x"]) + layout.PADDLE_WIDTH / 2
    width, half = layout.SCREEN_PLAYER_SIZE[0], layout.SCREEN_PLAYER_SIZE[0] / 2
    active = np.stack([memory[f"object{i}_active"] for i in range(layout.OBJECT_SLOTS)], 1) > 0
    x = np.stack([memory[f"object{i}_x"] for i in range(layout.OBJECT_SLOTS)], 1) \
        + layout.OBJECT_SIZE / 2
    y = np.stack([memory[f"object{i}_y"] for i in range(layout.OBJECT_SLOTS)], 1)
    order = np.argsort(-np.where(active, y, -1), axis=1, kind="stable")  # lowest first
    active, x, y = (np.take_along_axis(a, order, 1) for a in (active, x, y))
    on = active.astype(np.float32)
    balls = np.stack([on, on * (x - me[:, None]) / half, on * (x - other[:, None]) / half,
                      on * y / layout.OBJECT_RESOLVE_Y, on * (x / width - 0.5)], 2)
    paddles = np.stack([me / width - 0.5, other / width - 0.5], 1)
    obs = np.concatenate([paddles, balls.reshape(len(sides), -1)], 1)
    return torch.from_numpy(obs.astype(np.float32))


class Policy(nn.Module):
    """CleanRL's MLP actor-critic: separate 64-64 tanh networks for the action logits and
    the value."""

    def __init__(self, inputs: int = len(FEATURES), actions: int = 3, hidden: int = 64) -> None:
        super().__init__()
        self.hidden = hidden

        def mlp(out: int, gain: float) -> nn.Sequential:
            layers = [nn.Linear(inputs, hidden), nn.Tanh(), nn.Linear(hidden, hidden),
                      nn.Tanh(), nn.Linear(hidden, out)]
            for layer in layers:
                if isinstance(layer, nn.Linear):
                    nn.init.orthogonal_(layer.weight, np.sqrt(2))
                    nn.init.zeros_(layer.bias)
            nn.init.orthogonal_(layers[-1].weight, gain)
            return nn.Sequential(*layers)

        self.actor, self.critic = mlp(actions, 0.01), mlp(1, 1.0)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Action logits and state values of ``(B, 12)`` observations."""
        return self.actor(obs), self.critic(obs).squeeze(-1)

    def greedy(self, obs: torch.Tensor) -> np.ndarray:
        with torch.no_grad():
            return self.actor(obs).argmax(-1).numpy()


def save(path: Path, model: Policy, **extra: Any) -> None:
    """A checkpoint: the weights and what they read, tensors and plain values only (it
    loads with ``torch.load(path, weights_only=True)``; rebuild with :class:`Policy`)."""
    import io

    buffer = io.BytesIO()
    torch.save({"format": CHECKPOINT_FORMAT, "game": GAME, "features": list(FEATURES),
                "hidden": model.hidden, "weights": model.state_dict(), **extra}, buffer)
    write_atomically(path, buffer.getvalue())


Chooser = Callable[[Memory, np.ndarray], np.ndarray]


def play_matches(pool: sync.EnvPool, matches: int, seed: int, sides: np.ndarray,
                 act: Chooser) -> list[dict[str, int]]:
    """Outcomes of ``matches`` seeded matches in ``pool``: ``act(memory, env_ids)`` gives
    the actions of the envs' rows; env k's agent is player ``sides[k]``. A match the pool
    truncates (``max_episode_steps``) has no winner."""
    n = min(pool.num_envs, matches)
    quota = [len(range(k, matches, n)) for k in range(n)]
    batch = pool.reset(seed=[seed + k for k in range(n)], env_ids=list(range(n)))
    memory = {name: v.copy() for name, v in batch.memory.items()}  # row = env id
    running, next_seed, outcomes = set(range(n)), seed + n, []
    while running:
        ids = np.array(sorted(running))
        batch = pool.step(act({k: v[ids] for k, v in memory.items()}, ids), env_ids=ids)
        for r, k in enumerate(batch.env_ids.tolist()):
            for name, v in batch.memory.items():
                memory[name][k] = v[r]
            if batch.terminated[r] or batch.truncated[r]:
                last = batch.infos[r].get("final_info", {})
                me, other = (1, 2) if sides[k] == 1 else (2, 1)
                outcomes.append({"won": int(bool(batch.terminated[r])
                                            and last.get("winner") == me),
                                 "me": int(last.get(f"p{me}_score", 0)),
                                 "other": int(last.get(f"p{other}_score", 0))})
                quota[k] -= 1
                if quota[k] == 0:
                    running.discard(k)
                else:
                    one = pool.reset(seed=[next_seed], env_ids=[k])
                    next_seed += 1
                    for name, v in one.memory.items():
                        memory[name][k] = v[0]
    return outcomes


def summarize(outcomes: list[dict[str, int]]) -> dict[str, float]:
    return {"win_rate": float(np.mean([o["won"] for o in outcomes])),
            "score_diff": float(np.mean([o["me"] - o["other"] for o in outcomes])),
            "matches": len(outcomes)}


class Evaluator:
    """Two pools kept open for the whole run: the policy against a uniformly random
    player (as player 1 in the even envs, player 2 in the odd ones) and against the
    ROM's computer (as player 1: the computer is player 2)."""

    SEED = 1_000_000  # seeds no training match uses

    def __init__(self, envs: int, steps: int, seed: int) -> None:
        self.random = sync.EnvPool(GAME, envs, frames=False, max_episode_steps=steps)
        self.cpu = sync.EnvPool(GAME, envs, frames=False, max_episode_steps=steps,
                                opponent="cpu")
        self.sides = np.arange(envs) % 2 + 1
        self.rng = np.random.default_rng(seed)

    def close(self) -> None:
        self.random.close()
        self.cpu.close()

    def versus_random(self, policy: Policy, matches: int) -> dict[str, float]:
        def act(memory: Memory, ids: np.ndarray) -> np.ndarray:
            sides = self.sides[ids]
            actions = self.rng.integers(3, size=(len(ids), 2))
            actions[np.arange(len(ids)), sides - 1] = policy.greedy(features(memory, sides))
            return actions

        return summarize(play_matches(self.random, matches, self.SEED, self.sides, act))

    def versus_cpu(self, matches: int, policy: Policy | None = None) -> dict[str, float]:
        """The policy's record against the computer (None: the game's tracker's)."""
        tracker = get_game(GAME).agents(1)["tracker"]

        def act(memory: Memory, ids: np.ndarray) -> np.ndarray:
            if policy is not None:
                return policy.greedy(features(memory, np.ones(len(ids), int)))
            return np.array([tracker({k: int(v[r]) for k, v in memory.items()})
                             for r in range(len(ids))])

        return summarize(play_matches(self.cpu, matches, self.SEED, np.ones(len(self.sides),
                                                                            int), act))


def train(args: argparse.Namespace, evaluator: Evaluator) -> Policy:
    """PPO against the snapshot pool until ``args.minutes`` have passed, evaluating every
    ``args.eval_every`` seconds into progress.csv."""
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    gamma, lam, clip, epochs, minibatches = 0.99, 0.95, 0.2, 4, 4
    n, t = args.envs, args.rollout
    model = Policy()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, eps=1e-5)
    snapshots = [copy.deepcopy(model.actor).requires_grad_(False)]
    sides = np.arange(n) % 2 + 1  # the learner's player in each env
    columns = np.arange(n), sides - 1
    opponent = np.zeros(n, int)  # each env's snapshot
    obs = torch.zeros((t, n, len(FEATURES)))
    actions, logprobs, rewards, dones, values = (torch.zeros((t, n)) for _ in range(5))
    with open(args.out / "progress.csv", "w", newline="") as log, \
            sync.EnvPool(GAME, n, frames=False) as pool:
        writer = csv.writer(log)
        writer.writerow(["seconds", "env_steps", "updates", "snapshots", "win_vs_random",
                         "win_vs_cpu", "score_diff_vs_random", "score_diff_vs_cpu"])
        batch = pool.reset(seed=[args.seed * 10_000 + k for k in range(n)])
        memory = {k: v.copy() for k, v in batch.memory.items()}
        next_done = torch.zeros(n)
        started, env_steps, update, last_eval = time.perf_counter(), 0, 0, -np.inf
        wins, matches = 0, 0
        while True:
            elapsed = time.perf_counter() - started
            if elapsed - last_eval >= args.eval_every or elapsed >= args.minutes * 60:
                last_eval = elapsed
                random = evaluator.versus_random(model, evaluator.random.num_envs)
                cpu = evaluator.versus_cpu(evaluator.cpu.num_envs, model)
                writer.writerow([round(elapsed, 1), env_steps, update, len(snapshots),
                                 random["win_rate"], cpu["win_rate"],
                                 round(random["score_diff"], 2), round(cpu["score_diff"], 2)])
                log.flush()
                save(args.out / "checkpoint.pt", model, env_steps=env_steps)
                print(f"{elapsed:5.0f} s, {env_steps:,} env steps, update {update}: wins vs "
                      f"random {random['win_rate']:.0%}, vs cpu {cpu['win_rate']:.0%}; "
                      f"training matches won {wins}/{matches}", flush=True)
                wins, matches = 0, 0
                if elapsed >= args.minutes * 60:
                    break
            update += 1
            for step in range(t):
                next_obs = features(memory, sides)
                other_obs = features(memory, 3 - sides)
                obs[step], dones[step] = next_obs, next_done
                with torch.no_grad():
                    logits, value = model(next_obs)
                    dist = torch.distributions.Categorical(logits=logits)
                    action = dist.sample()
                    joint = np.zeros((n, 2), int)
                    joint[columns] = action.numpy()
                    for s in np.unique(opponent):
                        rows = np.flatnonzero(opponent == s)
                        theirs = torch.distributions.Categorical(
                            logits=snapshots[s](other_obs[rows])).sample().numpy()
                        joint[rows, 2 - sides[rows]] = theirs
                actions[step], logprobs[step], values[step] = action, dist.log_prob(action), value
                batch = pool.step(joint)
                rewards[step] = torch.from_numpy(batch.rewards[columns].astype(np.float32))
                memory = {k: v.copy() for k, v in batch.memory.items()}
                done = batch.terminated | batch.truncated
                next_done = torch.from_numpy(done.astype(np.float32))
                env_steps += n
                for k in np.flatnonzero(done):  # a new match: a new opponent
                    matches += 1
                    wins += batch.infos[k].get("final_info", {}).get("winner") == sides[k]
                    opponent[k] = len(snapshots) - 1 if rng.random() < args.latest \
                        else rng.integers(len(snapshots))
            with torch.no_grad():  # GAE
                _, next_value = model(features(memory, sides))
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
            b_obs, b_actions = obs.reshape(-1, len(FEATURES)), actions.reshape(-1)
            b_logprobs, b_adv, b_returns = (x.reshape(-1) for x in (logprobs, advantages, returns))
            size = t * n
            for _ in range(epochs):
                for chunk in torch.randperm(size).split(size // minibatches):
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
                    nn.utils.clip_grad_norm_(model.parameters(), 0.5)
                    optimizer.step()
            if update % args.snapshot_every == 0:
                snapshots.append(copy.deepcopy(model.actor).requires_grad_(False))
                if len(snapshots) > args.pool_size:  # forget the oldest
                    snapshots.pop(0)
                    opponent = np.maximum(opponent - 1, 0)
    save(args.out / "checkpoint.pt", model, env_steps=env_steps,
         seconds=round(time.perf_counter() - started, 1))
    return model


def write_gif(path: Path, model: Policy, seed: int, max_steps: int = 800) -> dict[str, Any]:
    """One match of the policy (player 1) against the computer, every 2nd step, at the
    game's speed; returns its outcome."""
    from aiomame.tools.video import open_video

    ratio = get_game(GAME).frame_ratio
    fps = layout.FRAME_RATE / ratio / 2
    one = np.ones(1, int)
    with sync.GameEnv(GAME, opponent="cpu", obs_type="rgb", resize=None,
                      max_episode_steps=max_steps) as env, open_video(path, fps, scale=1) as video:
        frame, info = env.reset(seed=seed)
        step, done = 0, False
        while not done:
            if step % 2 == 0:
                video.add(frame)
            memory = {k: np.array([info[k]]) for k in MEMORY_READ}
            action = int(model.greedy(features(memory, one))[0])
            frame, _, terminated, truncated, info = env.step(action)
            done, step = terminated or truncated, step + 1
        video.add(frame)
    return {"steps": step, "p1_score": int(info["p1_score"]),
            "p2_score": int(info["p2_score"]), "winner": int(info["winner"])}


def plot(out: Path, final: dict[str, Any]) -> None:
    """win_rate.png from progress.csv (win rates against env steps and wall-clock time) and
    the final evaluation ``final`` (evaluation.json's)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(out / "progress.csv", newline="") as log:
        rows = list(csv.DictReader(log))
    steps = np.array([float(r["env_steps"]) for r in rows])
    minutes = np.array([float(r["seconds"]) for r in rows]) / 60
    evaluated = final["eval_envs"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, x, label in ((axes[0], steps, "env steps"), (axes[1], minutes, "minutes")):
        for key, name, color in (("random", "vs random player", "tab:blue"),
                                 ("cpu", "vs the game's computer", "tab:orange")):
            ax.plot(x, [float(r[f"win_vs_{key}"]) for r in rows], "o-", color=color,
                    label=f"{name} ({evaluated} matches)")
            ax.plot(x[-1:], [final[f"versus_{key}"]["win_rate"]], "*", ms=14, color=color,
                    label=f"final, {final[f'versus_{key}']['matches']} matches")
        ax.axhline(final["tracker_versus_cpu"]["win_rate"], color="tab:green", ls="--",
                   label="scripted tracker vs computer")
        ax.axhline(0.5, color="gray", ls=":", lw=1)
        ax.set_xlabel(label)
        ax.set_ylim(-0.03, 1.03)
    axes[0].set_ylabel("matches won (greedy policy)")
    axes[0].legend(loc="lower right")
    fig.suptitle("Self-play PPO on duel (12 memory features, MLP), 2-core CPU")
    fig.tight_layout()
    fig.savefig(out / "win_rate.png", dpi=100)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)  # a tiny network: threads would only take CPU from the MAMEs
    started = time.perf_counter()
    evaluator = Evaluator(args.eval_envs, args.eval_steps, args.seed)
    try:
        model = train(args, evaluator)
        trained_at = time.perf_counter() - started
        random = evaluator.versus_random(model, args.eval_matches)
        cpu = evaluator.versus_cpu(args.eval_matches, model)
        tracker = evaluator.versus_cpu(args.eval_matches)
    finally:
        evaluator.close()
    summary: dict[str, Any] = {
        "versus_random": random, "versus_cpu": cpu, "tracker_versus_cpu": tracker,
        "reached": bool(random["win_rate"] >= 0.8 and cpu["win_rate"] > 0.5),
        "targets": {"versus_random": ">= 0.8", "versus_cpu": "> 0.5"},
        "training_seconds": round(trained_at, 1), "envs": args.envs, "seed": args.seed,
        "eval_envs": args.eval_envs}
    gif = args.out / "duel_self_play.gif" if args.gif is None else args.gif
    if gif:
        summary["gif"] = {"path": str(gif), **write_gif(Path(gif), model, Evaluator.SEED)}
    summary["total_seconds"] = round(time.perf_counter() - started, 1)
    (args.out / "evaluation.json").write_text(json.dumps(summary, indent=1))
    plot(args.out, summary)
    print(f"won {random['win_rate']:.0%} of {random['matches']} matches vs random, "
          f"{cpu['win_rate']:.0%} vs the computer (tracker: {tracker['win_rate']:.0%}); "
          f"targets {'reached' if summary['reached'] else 'not reached'}; "
          f"{summary['total_seconds']:.0f} s in all; {args.out}/win_rate.png")
    return summary


if __name__ == "__main__":
    main()
