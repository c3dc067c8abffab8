"""``aiomame play GAME``: play episodes of a registered game with a simple agent."""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from ..env import GameEnv
from ..games import GAMES, get_game
from ..recording import EpisodeRecorder
from ..runner import run
from .common import UsageError, add_roms


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("play", help="play episodes of a registered game with a simple agent",
                       description=__doc__)
    p.add_argument("game", help=f"a registered game: {', '.join(sorted(GAMES))}")
    p.add_argument("--agent", default="random",
                   help="random, noop, or one of the game's own agents (default: random)")
    p.add_argument("--episodes", type=int, default=3)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--max-steps", type=int, default=0, help="cap each episode (0: no cap)")
    p.add_argument("--gif", default="episode.gif",
                   help="where to write the last episode (default: episode.gif; '' for none)")
    add_roms(p)
    p.add_argument("--render", action="store_true", help="show MAME's window")
    p.add_argument("--throttle", action="store_true", help="run at the game's real speed")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    get_game(args.game)
    run(play(args))


def _policy(name: str, env: GameEnv, seed: int | None):
    """A function (info) -> action index for agent ``name``."""
    rng = random.Random(seed)
    count = len(env.action_names)
    if name == "random":
        return lambda info: rng.randrange(count)
    if name == "noop":
        return lambda info: 0
    agents = env.game.agents()
    if name in agents:
        return agents[name]
    valid = ", ".join(["random", "noop", *agents])
    raise UsageError(f"unknown agent {name!r} for {env.game.name}; valid: {valid}")


async def play(args: argparse.Namespace) -> None:
    recorder = EpisodeRecorder()
    async with GameEnv(args.game, roms_path=args.roms, render=args.render,
                       throttle=args.throttle) as env:
        policy = _policy(args.agent, env, args.seed)
        refresh = env.emulator.info["screens"][0]["refresh"]
        seconds_per_step = env.emulator.frame_ratio / refresh
        total_steps, started = 0, time.perf_counter()
        for episode in range(1, args.episodes + 1):
            seed = None if args.seed is None else args.seed + episode - 1
            frame, info = await env.reset(seed=seed)
            recorder.clear()
            recorder.add(frame)
            score, steps, done = 0.0, 0, False
            episode_start = time.perf_counter()
            while not done:
                frame, reward, terminated, truncated, info = await env.step(policy(info))
                recorder.add(frame)
                score += reward
                steps += 1
                done = terminated or truncated
                if args.max_steps and steps >= args.max_steps:
                    break
            elapsed = time.perf_counter() - episode_start
            total_steps += steps
            fps = steps * env.emulator.frame_ratio / elapsed
            print(f"episode {episode}: score {score:g} in {steps} steps "
                  f"({steps / elapsed:,.0f} steps/s, {fps:,.0f} emulated frames/s)", flush=True)
        elapsed = time.perf_counter() - started
        print(f"{total_steps} steps in {elapsed:.1f}s: {total_steps / elapsed:,.0f} steps/s")
    if args.gif:
        recorder.save_gif(args.gif, seconds_per_step)
        print(f"last episode: {Path(args.gif).resolve()} ({len(recorder.frames)} frames)")
