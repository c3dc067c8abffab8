"""``python -m aiomame``: play a registered game, list games, list a system's inputs, write
a game's shipped ROM set for the installed MAME."""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from .env import GameEnv
from .errors import AiomameError
from .games import GAMES, get_game
from .recording import EpisodeRecorder
from .runner import run


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
    raise SystemExit(f"unknown agent {name!r} for {env.game.name}; valid: {valid}")


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


async def list_actions(args: argparse.Namespace) -> None:
    from .emulator import Emulator

    async with Emulator(args.system, args.roms) as emu:
        for action in emu.list_actions():
            print(f"{action['port']:<16} {action['field']}")


def write_roms(args: argparse.Namespace) -> None:
    from . import romset
    from .mame import find_mame

    game = get_game(args.game)
    if not game.rom_images:
        raise SystemExit(f"{game.name} ships no ROMs")
    binary = find_mame(args.mame)
    romset.lay_out(game.read_rom_images(), game.system, binary, args.dest)
    print(f"{Path(args.dest, game.system).resolve()}: {game.name} as MAME's {game.system!r} "
          f"set; run it with: {binary} {game.system} -rompath {args.dest}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m aiomame", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("play", help="play episodes of a registered game with a simple agent")
    p.add_argument("game", help=f"a registered game: {', '.join(sorted(GAMES))}")
    p.add_argument("--agent", default="random",
                   help="random, noop, or one of the game's own agents (default: random)")
    p.add_argument("--episodes", type=int, default=3)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--max-steps", type=int, default=0, help="cap each episode (0: no cap)")
    p.add_argument("--gif", default="episode.gif",
                   help="where to write the last episode (default: episode.gif; '' for none)")
    p.add_argument("--roms", default=None, help="ROM path (default: the game's bundled ROMs)")
    p.add_argument("--render", action="store_true", help="show MAME's window")
    p.add_argument("--throttle", action="store_true", help="run at the game's real speed")

    sub.add_parser("games", help="list the registered games")

    a = sub.add_parser("list-actions", help="list a MAME system's input ports and fields")
    a.add_argument("system")
    a.add_argument("--roms", default="roms")

    r = sub.add_parser("roms", help="write a game's shipped ROM set, named as the installed "
                       "MAME expects, into a ROM path")
    r.add_argument("game", help=f"a registered game: {', '.join(sorted(GAMES))}")
    r.add_argument("dest", help="the ROM path (the set goes into DEST/<system>/)")
    r.add_argument("--mame", default=None, help="the MAME binary (default: the one found)")

    args = parser.parse_args(argv)
    try:
        if args.command == "play":
            get_game(args.game)
            run(play(args))
        elif args.command == "games":
            for name in sorted(GAMES):
                game = GAMES[name]
                print(f"{name:<12} MAME system {game.system!r}, actions: "
                      f"{', '.join(game.actions)}")
        elif args.command == "roms":
            write_roms(args)
        else:
            run(list_actions(args))
    except AiomameError as exc:
        print(f"aiomame: {type(exc).__name__}: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
