"""``aiomame bench GAME``: aiomame's speed on a game against MAME's own.

Steps the game (a ``GameEnv``, or an ``EnvPool`` with ``--envs N``; a MAME system runs as
an ``Emulator`` or a pool of them) with random actions for ``--steps`` steps, and runs
``mame SYSTEM -bench SECONDS`` (MAME alone, unthrottled, no video: its "Average speed"
times the screen's refresh rate gives emulated frames/s) in the same run, alternating the
two ``--repeat`` times and keeping the best of each (machine speed drifts). Starting MAME
is not timed; a game's resets are. The ratio is aiomame's emulated frames/s (all envs)
over raw MAME's (one process).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import tempfile
import time
from typing import Any

import numpy as np

from ..episodes.env import GameEnv
from ..errors import StartError
from ..games import Game
from ..machine.emulator import Emulator
from ..mame.locate import find_mame
from ..pools.pool import EnvPool
from ..runner import run
from .common import (
    UsageError,
    add_json,
    add_mame,
    add_progress,
    add_roms,
    game_help,
    int_at_least,
    positive_int,
    print_json,
    progress,
    resolve_game,
    size,
    system_roms,
)

_SPEED = re.compile(r"Average speed: ([\d.]+)%")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure aiomame's steps/s and frames/s against raw MAME",
                       description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("game", metavar="GAME", help=game_help())
    p.add_argument("--envs", type=positive_int, default=1, metavar="N",
                   help="MAME processes stepped together in an EnvPool (default: 1, a GameEnv)")
    p.add_argument("--steps", type=positive_int, default=2000, metavar="N",
                   help="steps per round (of the whole pool with --envs; default: 2000)")
    p.add_argument("--repeat", type=positive_int, default=3, metavar="N",
                   help="rounds, aiomame and raw MAME alternating; the best of each counts "
                        "(default: 3)")
    p.add_argument("--bench-seconds", type=int_at_least(2), default=30, metavar="S",
                   help="emulated seconds of each `mame -bench`, at least 2 (MAME leaves the "
                        "first out of its average; default: 30)")
    p.add_argument("--frame-ratio", type=positive_int, default=None, metavar="N",
                   help="frames per step (default: the game's, else 3)")
    p.add_argument("--obs", dest="obs_type", choices=("rgb", "grayscale", "bgra"),
                   default=None, help="observation type (default: the game's, else rgb)")
    p.add_argument("--resize", type=size, default=None, metavar="HxW",
                   help="resize frames to HEIGHTxWIDTH, e.g. 84x84")
    p.add_argument("--interpolation", choices=("area", "linear", "nearest"), default=None,
                   help="resize interpolation (default: area)")
    p.add_argument("--maxpool", action="store_true",
                   help="max of each step's last two frames (needs frame ratio >= 2)")
    p.add_argument("--frame-stack", type=positive_int, default=None, metavar="K",
                   help="stack the last K frames (registered games)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random actions")
    add_roms(p)
    add_mame(p)
    add_json(p)
    add_progress(p)
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> None:
    game, system = resolve_game(args.game, args.mame)
    roms, output_filter = system_roms(game, args.roms, args.mame)
    result = run(_bench(args, game, system, roms, output_filter))
    if args.json:
        print_json(result)
        return
    best = result["best"]
    envs = f"{args.envs} envs" if args.envs > 1 else "1 env"
    print(f"{result['game'] or system}: {envs}, frame ratio {result['frame_ratio']}, "
          f"observation {result['obs']} {tuple(result['obs_shape'])}, {args.steps} steps x "
          f"{args.repeat} rounds, raw `mame {system} -bench {args.bench_seconds}`")
    steps = "pool steps/s" if args.envs > 1 else "steps/s"
    for i, r in enumerate(result["rounds"], 1):
        print(f"  round {i}: aiomame {r['steps_per_s']:>9,.0f} {steps} "
              f"{r['frames_per_s']:>9,.0f} frames/s | raw MAME {r['raw_frames_per_s']:>9,.0f} "
              "frames/s")
    print(f"best:       aiomame {best['steps_per_s']:>9,.0f} {steps} "
          f"{best['frames_per_s']:>9,.0f} frames/s | raw MAME {best['raw_frames_per_s']:>9,.0f} "
          f"frames/s | ratio {result['ratio']:.2f}"
          + (f" ({result['ratio'] / args.envs:.2f} per env)" if args.envs > 1 else ""))


def _obs_options(args: argparse.Namespace) -> dict[str, Any]:
    options = {"obs_type": args.obs_type, "resize": args.resize,
               "interpolation": args.interpolation, "maxpool": args.maxpool or None}
    return {k: v for k, v in options.items() if v is not None}


async def _bench(args: argparse.Namespace, game: Game | None, system: str, roms: str,
                 output_filter: Any) -> dict[str, Any]:
    obs = _obs_options(args)
    common: dict[str, Any] = {"mame_binary": args.mame, **obs}
    if args.frame_ratio is not None:
        common["frame_ratio"] = args.frame_ratio
    if game is None and args.frame_stack is not None:
        raise UsageError("--frame-stack needs a registered game (GameEnv or EnvPool)")
    rng = np.random.default_rng(args.seed)
    if game is not None and args.envs == 1:
        target: Any = GameEnv(game, roms_path=_game_roms(game, args.roms, roms),
                              frame_stack=args.frame_stack, **common)
    elif game is None and args.envs == 1:
        target = Emulator(system, roms, output_filter=output_filter, **common)
    else:
        target = EnvPool(game if game is not None else system, args.envs,
                         roms_path=roms if game is None else _game_roms(game, args.roms, roms),
                         frame_stack=args.frame_stack,
                         **({} if game is not None else {"output_filter": output_filter}),
                         **common)
    rounds = []
    async with target:
        emulator = target.emulators[0] if isinstance(target, EnvPool) else (
            target.emulator if isinstance(target, GameEnv) else target)
        refresh = float(emulator.info["screens"][0]["refresh"])
        ratio = emulator.frame_ratio
        step = _stepper(target, game, args.envs, rng)
        await step(None)  # reset, warm up
        shape = _shape(target)
        bar = progress(range(args.repeat), desc="rounds", enabled=args.progress)
        for _ in bar:
            started = time.perf_counter()
            for _ in range(args.steps):
                await step(1)
            elapsed = time.perf_counter() - started
            raw = await asyncio.to_thread(raw_fps, find_mame(args.mame), system, roms,
                                          args.bench_seconds, refresh)
            rounds.append({"steps_per_s": args.steps / elapsed,
                           "frames_per_s": args.steps * ratio * args.envs / elapsed,
                           "raw_frames_per_s": raw})
    best = {key: max(r[key] for r in rounds) for key in rounds[0]}
    return {"game": None if game is None else game.name, "system": system,
            "envs": args.envs, "frame_ratio": ratio, "refresh": refresh,
            "obs": obs.get("obs_type", emulator.obs.obs_type), "obs_shape": list(shape),
            "steps": args.steps, "bench_seconds": args.bench_seconds, "rounds": rounds,
            "best": best, "ratio": best["frames_per_s"] / best["raw_frames_per_s"]}


def _game_roms(game: Game, given: str | None, resolved: str) -> str | None:
    """What GameEnv/EnvPool get as ``roms_path``: None (they lay out the bundled ROMs and
    hide their checksum warnings themselves) unless given or the game ships none."""
    return given if given is not None or game.rom_images else resolved


def _shape(target: Any) -> tuple[int, ...]:
    if isinstance(target, GameEnv):
        return target.obs_shape
    return target.frame_shape or ()


def _stepper(target: Any, game: Game | None, envs: int, rng: np.random.Generator) -> Any:
    """An async function(flag) stepping ``target`` once with random actions (None: reset)."""
    buttons = len(game.buttons) if game is not None else 0
    count = len(game.action_names()) if game is not None else 0
    axes = game is not None and bool(game.axes)

    def actions(n: int) -> Any:
        if axes:
            return rng.uniform(-1, 1, size=(n, count))
        if buttons:
            return rng.integers(0, 2, size=(n, buttons))
        return rng.integers(0, count, size=n)

    if isinstance(target, GameEnv):
        done = [True]

        async def step_env(flag: int | None) -> None:
            if done[0] or flag is None:
                await target.reset()
                done[0] = False
                return
            _, _, terminated, truncated, _ = await target.step(actions(1)[0])
            done[0] = terminated or truncated
        return step_env
    if isinstance(target, EnvPool):
        async def step_pool(flag: int | None) -> None:
            if flag is None:
                await target.reset()
            elif game is None:
                await target.step([()] * envs)
            else:
                await target.step(actions(envs))
        return step_pool

    async def step_emulator(flag: int | None) -> None:
        await target.step()
    return step_emulator


def raw_fps(mame: str, system: str, roms: str, seconds: int, refresh: float) -> float:
    """Emulated frames/s of ``mame SYSTEM -bench SECONDS`` (its average speed, in % of real
    time, times the screen's refresh rate), in a throwaway home folder."""
    with tempfile.TemporaryDirectory(prefix="aiomame-bench-") as home:
        command = [mame, system, "-noreadconfig", "-skip_gameinfo", "-rompath", roms,
                   "-homepath", home, "-cfg_directory", home, "-nvram_directory", home,
                   "-bench", str(seconds)]
        env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
        done = subprocess.run(command, cwd=home, env=env, capture_output=True, text=True,
                              timeout=600, stdin=subprocess.DEVNULL)
    match = _SPEED.search(done.stdout)
    if not match:
        raise StartError(f"`{' '.join(command[:2])} -bench {seconds}` printed no average speed",
                         returncode=done.returncode,
                         output=(done.stdout + done.stderr).splitlines())
    return float(match[1]) / 100 * refresh
