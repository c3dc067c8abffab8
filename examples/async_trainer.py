"""Actors and a learner as asyncio tasks in one process: the pattern the async API is for.

Several actor tasks each drive their own MAME (``await env.step(action)``) and put their
transitions on a queue; one learner task takes them off in batches and updates the policy
the actors read. No threads, no processes to coordinate: while one MAME emulates, the event
loop runs the other actors and the learner.

The learner here is tabular Q-learning on two memory values of the bundled game (is the
lowest ball left of the paddle, above it, or right of it), so it usually learns in seconds
on a CPU and needs nothing but numpy; swap in a network and frames for real work. The reward it
learns from is the game's (+1 per catch) minus 1 per life lost, plus how much closer the
paddle came to the ball it follows (in paddle widths), since a catch comes some 35 steps
after the moves that made it.

    python examples/async_trainer.py                  # 4 actors, 3000 learner updates
    python examples/async_trainer.py --actors 8 --transitions 20000
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from aiomame import GameEnv, run
from aiomame.games import catch_layout as layout

LEFT, ALIGNED, RIGHT, NO_BALL = range(4)  # where the lowest ball is, seen from the paddle
ACTIONS = 3   # noop, left, right
GAMMA = 0.9


def observe(info: Mapping[str, Any]) -> tuple[int, int, float]:
    """The state (LEFT, ALIGNED, RIGHT or NO_BALL), the ball slot it follows, and the
    shaping potential: minus that ball's distance from the paddle, in paddle widths."""
    balls = [(info[f"object{i}_y"], i) for i in range(layout.OBJECT_SLOTS)
             if info[f"object{i}_active"]]
    if not balls:
        return NO_BALL, -1, 0.0
    _, slot = max(balls)
    offset = ((info[f"object{slot}_x"] + layout.OBJECT_SIZE // 2)
              - (info["paddle_x"] + layout.PADDLE_WIDTH // 2))
    state = ALIGNED if abs(offset) < 2 * layout.PADDLE_SPEED else LEFT if offset < 0 else RIGHT
    return state, slot, -abs(offset) / layout.PADDLE_WIDTH


def shaping(before: tuple[int, int, float], after: tuple[int, int, float]) -> float:
    """How much closer the paddle came to the ball it follows (0 when it follows another)."""
    return after[2] - before[2] if before[1] == after[1] >= 0 else 0.0


async def actor(actor_id: int, q: np.ndarray, queue: asyncio.Queue, stop: asyncio.Event,
                scores: list[float], epsilon: float, seed: int) -> None:
    """Plays episodes epsilon-greedily on the learner's current ``q``, queueing transitions."""
    rng = np.random.default_rng(seed)
    async with GameEnv("catch", max_episode_steps=2000) as env:
        episode = 0
        while not stop.is_set():
            _, info = await env.reset(seed=seed * 1000 + episode)
            seen, score, done = observe(info), 0.0, False
            while not done and not stop.is_set():
                state = seen[0]
                if rng.random() < epsilon:
                    action = int(rng.integers(ACTIONS))
                else:
                    action = int(np.argmax(q[state]))
                lives = info["lives"]
                _, reward, terminated, truncated, info = await env.step(action)
                now = observe(info)
                learned = reward - (lives - info["lives"]) + shaping(seen, now)
                await queue.put((state, action, learned, now[0], terminated))
                seen = now
                score, done = score + reward, terminated or truncated
            if done:
                scores.append(score)
                episode += 1


async def learner(q: np.ndarray, queue: asyncio.Queue, stop: asyncio.Event, transitions: int,
                  batch: int = 64, alpha: float = 0.2, gamma: float = GAMMA) -> None:
    """Takes ``transitions`` transitions off the queue in batches and updates ``q`` in place."""
    seen = 0
    while seen < transitions:
        items = [await queue.get()]
        while len(items) < batch and not queue.empty():
            items.append(queue.get_nowait())
        for state, action, reward, next_state, terminal in items:
            target = reward + (0.0 if terminal else gamma * q[next_state].max())
            q[state, action] += alpha * (target - q[state, action])
        seen += len(items)
    stop.set()


async def train(actors: int, transitions: int, epsilon: float, seed: int) -> dict[str, Any]:
    q = np.zeros((NO_BALL + 1, ACTIONS))
    queue: asyncio.Queue = asyncio.Queue(maxsize=1024)
    stop = asyncio.Event()
    scores: list[float] = []
    started = time.perf_counter()
    tasks = [asyncio.create_task(actor(i, q, queue, stop, scores, epsilon, seed + i))
             for i in range(actors)]
    try:
        await learner(q, queue, stop, transitions)
        while not queue.empty():  # let actors blocked on a full queue see the stop
            queue.get_nowait()
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {"q": q, "scores": scores, "seconds": time.perf_counter() - started}


async def evaluate(q: np.ndarray, episodes: int, seed: int, max_steps: int) -> list[float]:
    """Greedy play of ``q`` on seeded episodes of at most ``max_steps``; the scores."""
    scores = []
    async with GameEnv("catch", max_episode_steps=max_steps) as env:
        for episode in range(episodes):
            _, info = await env.reset(seed=seed + episode)
            score, done = 0.0, False
            while not done:
                _, reward, terminated, truncated, info = await env.step(
                    int(np.argmax(q[observe(info)[0]])))
                score, done = score + reward, terminated or truncated
            scores.append(score)
    return scores


async def main_async(args: argparse.Namespace) -> None:
    result = await train(args.actors, args.transitions, args.epsilon, args.seed)
    scores = result["scores"]
    first, last = scores[:10], scores[-10:]
    print(f"{args.transitions} transitions from {args.actors} actors in "
          f"{result['seconds']:.1f} s; {len(scores)} episodes; mean score of the first "
          f"{len(first)}: {np.mean(first) if first else 0:g}, last {len(last)}: "
          f"{np.mean(last) if last else 0:g}")
    greedy = await evaluate(result["q"], args.eval_episodes, 10_000, args.eval_steps)
    print(f"greedy policy: mean score {np.mean(greedy):g} over {len(greedy)} seeded episodes "
          f"of at most {args.eval_steps} steps")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actors", type=int, default=4, help="actor tasks, one MAME each")
    parser.add_argument("--transitions", type=int, default=3000,
                        help="transitions the learner consumes before training stops")
    parser.add_argument("--epsilon", type=float, default=0.2, help="actors' exploration rate")
    parser.add_argument("--eval-episodes", type=int, default=5,
                        help="greedy evaluation episodes after training")
    parser.add_argument("--eval-steps", type=int, default=500,
                        help="step cap of an evaluation episode (a good policy never loses)")
    parser.add_argument("--seed", type=int, default=0)
    run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
